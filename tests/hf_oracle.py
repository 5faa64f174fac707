"""HF tokenizers as the oracle: train its BpeTrainer with the settings bytepair uses."""

from __future__ import annotations

import json

from bytepair import _core
from tokenizers import Regex, Tokenizer, models, pre_tokenizers, trainers


def hf_pre_tokenizer(pattern: str | None):
    bl = pre_tokenizers.ByteLevel
    if pattern == "gpt2":
        return bl(add_prefix_space=False, use_regex=True)
    if pattern is None:
        return bl(add_prefix_space=False, use_regex=False)
    named = _core.pattern_regex(name=pattern)
    regex = named[1] if named else pattern
    return pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(regex), behavior="isolated"),
            bl(add_prefix_space=False, use_regex=False),
        ]
    )


def hf_train(
    texts=None,
    files=None,
    *,
    vocab_size: int,
    pattern: str | None,
    special_tokens=(),
    min_frequency: int = 0,
    max_token_length: int | None = None,
) -> Tokenizer:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = hf_pre_tokenizer(pattern)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        max_token_length=max_token_length,
        special_tokens=list(special_tokens),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    if files is not None:
        tok.train([str(f) for f in files], trainer)
    else:
        tok.train_from_iterator(texts, trainer)
    return tok


def hf_merges(tok: Tokenizer) -> list[tuple[str, str]]:
    merges = json.loads(tok.to_str())["model"]["merges"]
    return [tuple(m) if isinstance(m, list) else tuple(m.split(" ", 1)) for m in merges]


def bp_merges(tok) -> list[tuple[str, str]]:
    """Our merges spelled as HF serializes them (byte-level strings, last rank kept)."""
    merges = json.loads(tok.to_huggingface_json())["model"]["merges"]
    return [tuple(m) for m in merges]
