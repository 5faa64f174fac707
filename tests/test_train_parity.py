"""The trainer's merges equal HF tokenizers' BpeTrainer and the Python reference."""

from __future__ import annotations

import json

import bytepair as bp
import pytest
from conftest import shared_path
from hf_oracle import bp_merges, hf_merges, hf_train
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import bpe_train

# A small alphabet makes many repeated pairs, ties, and tokens built twice.
ALPHABET = "aab b c\n\t'!1é東🤖\u3000"
texts_strategy = st.lists(st.text(alphabet=ALPHABET, min_size=0, max_size=30), max_size=25)


def train_both(texts, vocab_size, pattern, specials=(), min_frequency=0):
    ours = bp.train(
        iter(texts),
        vocab_size,
        pattern=pattern,
        special_tokens=specials,
        min_frequency=min_frequency,
        progress=False,
    )
    theirs = hf_train(
        texts,
        vocab_size=vocab_size,
        pattern=pattern,
        special_tokens=specials,
        min_frequency=min_frequency,
    )
    return ours, theirs


def assert_same_vocab(ours, theirs, specials):
    """Same merges in the same order, and the same ids once specials are moved."""
    assert bp_merges(ours) == hf_merges(theirs)
    hf_vocab = theirs.get_vocab()
    ours_json = json.loads(ours.to_huggingface_json())["model"]["vocab"]
    n = len(specials)
    assert len(hf_vocab) == len(ours_json)
    for token, hf_id in hf_vocab.items():
        if token in specials:
            continue
        assert ours_json[token] == hf_id - n, token


@pytest.mark.parametrize("pattern", ["gpt2", "gpt4", "o200k", None])
@given(texts=texts_strategy, extra=st.integers(0, 120), min_frequency=st.integers(0, 3))
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_random_corpora_match_hf(pattern, texts, extra, min_frequency):
    specials = ["<|endoftext|>"]
    ours, theirs = train_both(texts, 257 + extra, pattern, specials, min_frequency)
    assert_same_vocab(ours, theirs, specials)


def _train_counts(words: dict[bytes, int], vocab_size: int):
    """The core tokenizer trained on pre-token counts, no pattern, no specials."""
    counts = bp.Counts.from_dict(words, pattern=None)
    return bp.train(counts, vocab_size, special_tokens=(), progress=False)._core


@given(
    words=st.dictionaries(
        st.binary(min_size=1, max_size=8).map(lambda b: bytes(x % 4 + 97 for x in b)),
        st.integers(1, 50),
        max_size=30,
    ),
    extra=st.integers(0, 60),
)
def test_matches_python_reference_including_duplicate_tokens(words, extra):
    vocab_size = 256 + extra
    tokens, merges = bpe_train.train(words, vocab_size)
    ours = _train_counts(words, vocab_size)
    assert ours.merges() == merges
    assert [ours.token_bytes(id=i) for i in range(ours.num_mergeable)] == tokens


def test_counts_above_two_to_the_32():
    big = 3 * 2**32
    counts = [(b"ab", big), (b"cd", big - 1), (b"ef", 2**31 + 5)]
    tok = _train_counts(dict(counts), 259)
    assert [tok.token_bytes(id=256 + i) for i in range(3)] == [b"ab", b"cd", b"ef"]


@pytest.mark.parametrize(
    "pattern,corpus,vocab_size",
    [
        ("gpt2", ("english", "war-and-peace.txt"), 2000),
        ("gpt4", ("code", "cpython311_stdlib_py.txt"), 2000),
        ("o200k", ("multilingual", "udhr_all.txt"), 3000),
    ],
)
def test_real_text_matches_hf(pattern, corpus, vocab_size, tmp_path):
    path = shared_path("corpora", *corpus)
    # 600 kB keeps HF's side quick; whole lines so both see the same sequences.
    with open(path, encoding="utf-8") as f:
        text = f.read(600_000)
    sample = tmp_path / "sample.txt"
    sample.write_text(text[: text.rindex("\n") + 1], encoding="utf-8")
    specials = ["<|endoftext|>", "<|pad|>"]
    ours = bp.train(
        str(sample), vocab_size, pattern=pattern, special_tokens=specials, progress=False
    )
    theirs = hf_train(
        files=[sample], vocab_size=vocab_size, pattern=pattern, special_tokens=specials
    )
    assert bp.last_train_report.stop == "vocab_full"
    assert_same_vocab(ours, theirs, specials)


def test_thread_count_does_not_change_the_result(tmp_path):
    lines = [f"line {i} has words w{i % 97} and x{i % 13}!\n" for i in range(20000)]
    f = tmp_path / "c.txt"
    f.write_text("".join(lines), encoding="utf-8")
    results = {
        n: bp.train(str(f), 600, pattern="gpt4", num_threads=n, progress=False).merges
        for n in (1, 2, 3, 4)
    }
    assert all(r == results[1] for r in results.values())
    # ... and reading the same text as files or as an iterator is the same training.
    from_iter = bp.train(iter(lines), 600, pattern="gpt4", progress=False)
    assert from_iter.merges == results[1]
