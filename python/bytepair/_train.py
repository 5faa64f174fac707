"""``bytepair.train``: learn a byte-level BPE vocabulary."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from . import _checkpoint, _core, _report
from ._checkpoint import DEFAULT_CHECKPOINT_EVERY
from ._corpus import text_source
from ._counts import Counts
from ._extend import check_split_options, extend, specials_to_add
from ._languages import check_parity_args, count_languages, parity_targets
from ._loader import TokenizerSpec, load_tokenizer
from ._options import (
    DEFAULT_PATTERN,
    DEFAULT_SPECIAL_TOKENS,
    UNSET,
    Unset,
    check_int,
    optional_str,
    str_list,
)
from ._tokenizer import Tokenizer


def train(
    corpus: str | os.PathLike | Iterable[Any] | Counts | Mapping[str, Any] | None = None,
    vocab_size: int | None = None,
    *,
    pattern: str | None | Unset = UNSET,
    special_tokens: Iterable[str] | Unset = UNSET,
    min_frequency: int = 0,
    max_token_length: int | None = None,
    num_threads: int | None = None,
    progress: bool = True,
    text_column: str | None = None,
    unit: str = "byte",
    hf_compatible_max_length: bool = False,
    normalization: str | None | Unset = UNSET,
    lowercase: bool | Unset = UNSET,
    specials_first: bool = False,
    pad_to: int | str | None = None,
    forced_tokens: Iterable[str] = (),
    max_distinct: int | None = None,
    weights: Any = None,
    parity: str = "none",
    parity_dev: Mapping[str, Any] | None = None,
    parity_ratio: Mapping[str, float] | None = None,
    global_merges: int = 0,
    parity_window: int = 100,
    parity_alpha: float = 2.0,
    base: TokenizerSpec | None = None,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY,
    resume: str | os.PathLike | None = None,
) -> Tokenizer:
    """Train a byte-level BPE tokenizer.

    corpus: a file path, a glob (``"data/**/*.txt"``), a directory, a list of
        those, or any iterable of str (a generator, an HF ``datasets`` column or
        dataset). Files are read line by line, each line one sequence, and
        streamed; iterables are consumed in buffers, never held whole.
    vocab_size: the final vocabulary size, the 256 byte tokens and the special
        tokens included (as in HF tokenizers).
    pattern: "gpt2", "gpt4" (cl100k; the default), "o200k", any regex, or None
        (no split).
    min_frequency: stop when the best pair occurs fewer times than this.
    max_token_length: no learned token is longer than this (inclusive), in
        ``unit``s: "byte" (UTF-8 bytes) or "char" (characters: character-level
        BPE, as KL3M's char tokenizers).
    hf_compatible_max_length: read ``max_token_length`` as HF's trainer does:
        HF counts byte-level symbols (bytes) and admits a new token only if it
        is *shorter* than the limit, so ``L`` builds tokens of up to
        ``max(2, L - 1)`` bytes. With this the merges equal HF's for the same
        setting (KL3M trained its char tokenizers with ``max_chars + 1``).
    normalization: None (the default), "NFC" or "NFKC", applied to the text
        before counting and before encoding; ``lowercase=True`` adds
        lowercasing (uncased).
    specials_first: special tokens take ids 0, 1, ... (KL3M's layout) instead
        of the ids after the merges.
    pad_to: fill the vocabulary up to this size with reserved special tokens
        ``<|reserved_N|>`` (an int, or "pow2" for the next power of two).
    forced_tokens: domain tokens put in the vocabulary whatever their counts
        (within ``vocab_size``). Each is matched only as a whole pre-token,
        never inside a word (the vocabulary gets HF's ``ignore_merges``), so
        each must be one pre-token under ``pattern`` after normalization
        (" plaintiff", " 1933"; not "U.S.C.", which GPT-2's pattern cuts);
        the others are skipped with a ``ForcedTokenWarning``.
    num_threads: threads for counting (default: all cores).
    max_distinct: bounded-memory counting for corpora with more distinct
        pre-tokens than fit in memory: see ``bytepair.count``. Default: exact.

    ``corpus`` may be a dict ``{language: corpus}`` (each value any of the
    above, or ``Counts``), which opens two remedies for languages a tokenizer
    serves unequally (``bytepair.fairness.token_premium`` measures it):

    * ``weights``: how much of each language to learn from. ``"equal-bytes"``,
      ``"equal-lines"``, a dict ``{language: byte share}``, or a float
      ``alpha`` in [0, 1] for temperature sampling (shares proportional to
      ``bytes ** alpha``). Each language gives a prefix of its text: the
      largest sample with those shares that needs no repetition. None (the
      default) uses all text as given.
    * ``parity="max-min"``: parity-aware BPE (Foroutan et al., 2025). Each
      merge is the most frequent pair of the language whose ``parity_dev``
      text ({language: parallel dev text}) takes the most tokens at that
      step, and applies to every language. ``parity_ratio={language: target}``
      replaces dev text with target compression ratios of the training text.
      ``parity="window"`` is the moving-window variant: a language that took
      more than ``parity_alpha / languages`` of the last ``parity_window``
      merges waits. ``global_merges=M`` learns the first M merges on all text
      together (the hybrid variant). ``bytepair.last_train_report`` records
      the language each merge was chosen for and the dev token counts before
      and after.

    ``base``: extend this byte-level BPE tokenizer (a ``Tokenizer``, an
    ``Encoding`` or its name, a native or HF ``tokenizer.json``, or GPT-2
    files) instead of starting from bytes. Every base id, merge and special
    token stays as it is; the text is counted with the base's pattern and
    normalization, segmented with the base's merges, and new merges are
    learned on top. ``vocab_size`` is still the final number of ids (largest
    id + 1): new tokens fill the base's unused ids first, then come after its
    largest. Special tokens are the base's unless ``special_tokens`` names
    more (added last). ``unit``, ``specials_first``, ``pad_to``,
    ``forced_tokens`` and ``parity`` do not apply on a base.

    ``corpus`` may also be a ``bytepair.Counts`` (from ``bytepair.count``):
    training then skips counting. Unless given, the pattern and normalization
    are the ones the counts were made with; given ones must be the same. The
    merges equal training from the text.

    ``checkpoint="run.bpckpt"``: write a checkpoint (the counts, the
    settings, a fingerprint of the corpus, and every ``checkpoint_every``
    merges the merges so far); the file must not exist. ``resume=path``
    finishes that run with nothing else given and returns the tokenizer an
    uninterrupted run gives, byte for byte; a corpus or settings passed as
    well must be the checkpoint's (``CheckpointMismatchError`` otherwise).

    The merges equal HF ``BpeTrainer``'s for the same settings (see README).
    If the corpus runs out of pairs first, training stops early and
    ``bytepair.last_train_report.stop`` says why.
    """
    if _checkpoint.only_resume(corpus, vocab_size, resume, "train"):
        assert resume is not None
        core, report, settings = _checkpoint.resume_alone(
            "train", _core.train, resume, checkpoint, num_threads=num_threads, progress=progress
        )
        tok = Tokenizer(core)
        _report.record(
            report,
            tok.vocab_size,
            asked=settings["vocab_size"],
            min_frequency=settings["min_frequency"],
            progress=progress,
        )
        return tok
    check_int("vocab_size", vocab_size, 1)
    check_int("min_frequency", min_frequency, 0)
    if max_token_length is not None:
        check_int("max_token_length", max_token_length, 1)
    if (checkpoint is not None or resume is not None) and (base is not None or parity != "none"):
        raise ValueError("checkpoint= and resume= are not supported with base= or parity= yet")
    if hf_compatible_max_length:
        if unit != "byte":
            raise ValueError('hf_compatible_max_length counts bytes, as HF does; use unit="byte"')
        if max_token_length is not None:
            max_token_length = max(2, max_token_length - 1)
    if num_threads is not None:
        check_int("num_threads", num_threads, 1)
    if max_distinct is not None:
        check_int("max_distinct", max_distinct, 2)
    if pad_to == "pow2":
        pad_to = 1 << max(vocab_size - 1, 1).bit_length()
    elif pad_to is not None:
        check_int("pad_to", pad_to, vocab_size)
    forced = list(dict.fromkeys(str_list("forced_tokens", forced_tokens)))
    check_parity_args(parity, parity_dev, parity_ratio, global_merges)
    if base is not None:
        return _train_on_base(
            corpus,
            vocab_size,
            load_tokenizer(base),
            special_tokens=special_tokens,
            split=(pattern, normalization, lowercase),
            refused={
                "unit": unit != "byte",
                "specials_first": bool(specials_first),
                "pad_to": pad_to is not None,
                "forced_tokens": bool(forced),
                "parity": parity != "none",
            },
            min_frequency=min_frequency,
            max_token_length=max_token_length,
            max_distinct=max_distinct,
            num_threads=num_threads,
            progress=progress,
            text_column=text_column,
            weights=weights,
        )
    specials = str_list(
        "special_tokens",
        DEFAULT_SPECIAL_TOKENS if isinstance(special_tokens, Unset) else special_tokens,
    )
    if isinstance(corpus, Mapping):
        pattern = DEFAULT_PATTERN if isinstance(pattern, Unset) else pattern
        optional_str("pattern", pattern)
        counting = {
            "pattern": pattern,
            "normalization": None if isinstance(normalization, Unset) else normalization,
            "lowercase": False if isinstance(lowercase, Unset) else bool(lowercase),
            "max_distinct": max_distinct,
            "num_threads": num_threads,
            "progress": False,
        }
        by_language = count_languages(corpus, weights, text_column, counting)
        if parity == "none":
            corpus = Counts.sum(by_language.values())
        else:
            if forced:
                raise ValueError("forced_tokens are not supported with parity-aware training")
            check_int("parity_window", parity_window, 1)
            languages = list(by_language)
            dev, ratios = parity_targets(languages, parity_dev, parity_ratio, text_column, counting)
            core, report = _core.train_parity(
                vocab_size=vocab_size,
                special_tokens=specials,
                min_frequency=min_frequency,
                max_token_length=max_token_length,
                unit=unit,
                specials_first=bool(specials_first),
                pad_to=pad_to,
                pattern=pattern,
                normalization=counting["normalization"],
                lowercase=counting["lowercase"],
                balance=parity,
                window=parity_window,
                alpha=float(parity_alpha),
                global_merges=global_merges,
                ratios=ratios,
                train=[by_language[lang]._core for lang in languages],
                dev=[c._core for c in dev],
                progress=bool(progress),
            )
            report["languages"] = languages
            report["language_bytes"] = [by_language[lang].total_bytes for lang in languages]
            tok = Tokenizer(core)
            _report.record(
                report,
                tok.vocab_size,
                asked=vocab_size,
                min_frequency=min_frequency,
                progress=progress,
            )
            return tok
    elif weights is not None or parity != "none":
        raise ValueError(
            "weights= and parity= need the corpus given per language: {language: corpus}"
        )
    if isinstance(corpus, Counts):
        source: dict[str, Any] = {"counts": [corpus._core]}
        # What is not given is what the counts were made with.
        made_with, lowercased = corpus._core.normalization_options
        normalization = made_with if isinstance(normalization, Unset) else normalization
        lowercase = lowercased if isinstance(lowercase, Unset) else lowercase
        pattern = corpus.pattern if isinstance(pattern, Unset) else pattern
    else:
        source = text_source(corpus, text_column)
        pattern = DEFAULT_PATTERN if isinstance(pattern, Unset) else pattern
    normalization = None if isinstance(normalization, Unset) else normalization
    lowercase = False if isinstance(lowercase, Unset) else lowercase
    optional_str("pattern", pattern)
    settings = {
        "vocab_size": vocab_size,
        "special_tokens": specials,
        "min_frequency": min_frequency,
        "max_token_length": max_token_length,
        "unit": unit,
        "specials_first": bool(specials_first),
        "pad_to": pad_to,
        "forced_tokens": forced,
        "pattern": pattern,
        "normalization": normalization,
        "lowercase": bool(lowercase),
        "max_distinct": max_distinct,
    }
    core, report = _checkpoint.run(
        "train",
        _core.train,
        settings,
        source,
        checkpoint=checkpoint,
        checkpoint_every=checkpoint_every,
        resume=resume,
        num_threads=num_threads,
        progress=bool(progress),
    )
    if report["forced_skipped"]:
        skipped = report["forced_skipped"]
        warnings.warn(
            f"{len(skipped)} forced token(s) are not one pre-token under pattern={pattern!r} "
            f"and were left out, e.g. {skipped[:5]}",
            _report.ForcedTokenWarning,
            stacklevel=2,
        )
    tok = Tokenizer(core)
    _report.record(
        report, tok.vocab_size, asked=vocab_size, min_frequency=min_frequency, progress=progress
    )
    return tok


def _train_on_base(
    corpus: Any,
    vocab_size: int,
    base: Tokenizer,
    *,
    special_tokens: Iterable[str] | Unset,
    split: tuple[Any, Any, Any],
    refused: dict[str, bool],
    weights: Any,
    text_column: str | None,
    **options: Any,
) -> Tokenizer:
    """``train(base=)``: check what does not apply on a base, count a corpus
    per language as one, and extend."""
    given = [name for name, on in refused.items() if on]
    if given:
        raise ValueError(f"train(base=) does not take {', '.join(given)}")
    check_split_options(base, *split)
    if isinstance(corpus, Mapping):
        made, lowered = base._core.normalization_options
        counting = {
            "pattern": base.pattern,
            "normalization": made,
            "lowercase": lowered,
            "max_distinct": options["max_distinct"],
            "num_threads": options["num_threads"],
            "progress": False,
        }
        corpus = Counts.sum(count_languages(corpus, weights, text_column, counting).values())
    elif weights is not None:
        raise ValueError("weights= needs the corpus given per language: {language: corpus}")
    return extend(
        corpus,
        vocab_size,
        base,
        special_tokens=specials_to_add(special_tokens),
        text_column=text_column,
        **options,
    )
