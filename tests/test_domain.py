"""Domain-tokenizer options (normalization, lowercase, special tokens first,
padding) against HF tokenizers, and the presets' published settings."""

from __future__ import annotations

import json

import bytepair as bp
import tokenizers
from conftest import shared_path
from hf_oracle import bp_merges, hf_merges
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tokenizers import models, normalizers, pre_tokenizers, trainers

ALPHABET = "aAbB c\n'!1ﬁ²ÉéŞ東 "
texts_strategy = st.lists(st.text(alphabet=ALPHABET, max_size=30), max_size=25)
SPECIALS = ["<|start|>", "<|end|>", "<|pad|>"]


def hf_uncased(texts, vocab_size, max_token_length=None):
    tok = tokenizers.Tokenizer(models.BPE())
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        max_token_length=max_token_length,
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer)
    return tok


@given(texts=texts_strategy, extra=st.integers(1, 100), hf_max=st.sampled_from([None, 3, 4]))
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
def test_uncased_specials_first_equals_hf(texts, extra, hf_max):
    ours = bp.train(
        iter(texts),
        259 + extra,
        pattern="gpt2",
        normalization="NFKC",
        lowercase=True,
        special_tokens=SPECIALS,
        specials_first=True,
        max_token_length=hf_max,
        hf_compatible_max_length=True,
        progress=False,
    )
    theirs = hf_uncased(texts, 259 + extra, hf_max)
    assert bp_merges(ours) == hf_merges(theirs)
    # same ids, special tokens at 0-2 included
    ours_vocab = json.loads(ours.to_huggingface_json())["model"]["vocab"]
    assert ours_vocab == theirs.get_vocab(with_added_tokens=True)
    text = "".join(texts) + " ÉCOLE ﬁne"
    assert ours.encode(text) == theirs.encode(text).ids


def test_export_keeps_the_normalizer(tmp_path):
    texts = ["The Court HELD that ﬁnes apply"] * 50
    tok = bp.train(iter(texts), 300, normalization="NFKC", lowercase=True, progress=False)
    tok.to_huggingface(tmp_path)
    hf = tokenizers.Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    for t in ["THE COURT", "ﬁnes Court", "Ünïcode"]:
        assert hf.encode(t).ids == tok.encode(t)
    back = bp.Tokenizer.from_huggingface(tmp_path / "tokenizer.json")
    assert back.encode("THE COURT") == tok.encode("the court")
    tok.save(tmp_path / "t.json")
    assert bp.Tokenizer.load(tmp_path / "t.json").encode("ﬁnes") == tok.encode("fines")


def test_pad_to_a_power_of_two():
    tok = bp.train(iter(["a b c d"] * 10), 1000, pad_to="pow2", progress=False)  # stops early
    assert tok.vocab_size == 1024
    reserved = sorted(i for s, i in tok.special_tokens.items() if s.startswith("<|reserved_"))
    trained = 1024 - len(reserved)
    assert trained < 1000  # the corpus ran out of pairs; padding filled the rest
    assert reserved == list(range(trained, 1024))
    assert tok.special_tokens["<|endoftext|>"] == trained - 1


def test_binary_preset_layout():
    data = [bytes(range(256)) * 40 + b"\x48\x89\xe5" * 500]
    tok = bp.presets.binary(iter(data), 600, min_frequency=2, progress=False)
    assert all(tok.token_bytes(i) == bytes([i]) for i in range(256))
    assert list(tok.special_tokens) == list(bp.presets.BINARY_SPECIALS)
    first_special = min(tok.special_tokens.values())
    assert first_special == tok.vocab_size - 7
    assert max(len(tok.token_bytes(i)) for i in range(first_special)) <= 16


def test_kl3m_char_preset_on_legal_text(tmp_path):
    path = shared_path("corpora")
    legal = sorted(p for p in path.rglob("*") if p.is_file() and "legal" in str(p).lower())
    texts = legal[0].read_text(encoding="utf-8", errors="replace")[:2_000_000].splitlines()
    tok = bp.presets.kl3m_char(iter(texts), 4096, min_frequency=20, progress=False)
    assert [tok.special_tokens[s] for s in bp.presets.KL3M_SPECIALS] == list(range(13))
    assert max(len(tok.token_bytes(i)) for i in range(13, tok.vocab_size)) <= 3
    tok.to_huggingface(tmp_path)
    hf = tokenizers.Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    sample = " ".join(texts[-50:])
    assert hf.encode(sample).ids == tok.encode(sample)


def test_forced_tokens_match_whole_pre_tokens_only(tmp_path):
    import pytest

    texts = shared_path("corpora", "legal", "licenses_all.txt").read_text().splitlines()
    forced = [" plaintiff", " 1933", " Licensor", "U.S.C."]
    with pytest.warns(bp.ForcedTokenWarning, match="U.S.C."):
        tok = bp.train(iter(texts), 2000, pattern="gpt2", forced_tokens=forced, progress=False)
    assert tok.vocab_size == 2000
    for t in forced[:3]:
        i = tok.token_to_id(t.encode())
        assert i is not None and tok.encode("the" + t)[-1] == i
    # never inside a word: " plaintiffs" does not start with the forced token
    assert tok.token_to_id(b" plaintiff") not in tok.encode(" plaintiffs")
    tok.to_huggingface(tmp_path)
    hf = tokenizers.Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    sample = "The plaintiff, plaintiffs and the Licensor agreed in 1933. " + " ".join(texts[:200])
    assert hf.encode(sample).ids == tok.encode(sample)


def test_domain_preset(tmp_path):
    texts = shared_path("corpora", "financial", "sec_filings.txt").read_text().splitlines()
    tok = bp.presets.domain(iter(texts[:20000]), 5000, progress=False)
    assert tok.vocab_size == 8192  # padded to the next power of two
    assert [tok.special_tokens[s] for s in bp.presets.KL3M_SPECIALS] == list(range(13))
    year = tok.token_to_id(b" 2024")
    assert year is not None and tok.encode("in 2024")[-1] == year
    tok.to_huggingface(tmp_path)
    hf = tokenizers.Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    sample = " ".join(texts[20000:20300])
    assert hf.encode(sample).ids == tok.encode(sample)
