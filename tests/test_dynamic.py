"""bytepair.dynamic.merge_batch against the literal reference."""

from __future__ import annotations

import bytepair as bp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference import dynamic_bpe as ref

ENC = bp.get_encoding("cl100k_base")
WORDS = [
    "un",
    "believ",
    "able",
    " the",
    " cat",
    "cat",
    "s",
    " ",
    "\n",
    "-",
    "ing",
    "é",
    "東京",
    "<|endoftext|>",
]


def reference_run(seqs, boundary, **kw):
    def allowed(left: bytes, right: bytes) -> bool:
        b = left + right
        if boundary == "sentence":
            return True
        if not ref.whitespace_ok(b):
            return False
        if boundary == "word_hyphen" and not ref.hyphen_ok(left, right):
            return False
        if boundary == "pretoken":
            try:
                text = b.decode("utf-8")
            except UnicodeDecodeError:
                return True
            return len(bp.pretokenize(text, "gpt4")) == 1
        return True

    specials = {i for i in ENC._special_tokens.values()}
    as_tokens = [
        [("special", t) if t in specials else ENC.decode_single_token_bytes(t) for t in s]
        for s in seqs
    ]
    return ref.merge_batch(as_tokens, allowed, **kw)


texts = st.lists(st.lists(st.sampled_from(WORDS), max_size=12).map("".join), min_size=1, max_size=5)


@given(
    batch=texts,
    boundary=st.sampled_from(["pretoken", "word", "word_hyphen", "sentence"]),
    cap=st.none() | st.integers(0, 12),
    min_frequency=st.integers(1, 3),
)
def test_equals_reference(batch, boundary, cap, min_frequency):
    seqs = [ENC.encode(t, allowed_special="all") for t in batch]
    out = bp.dynamic.merge_batch(seqs, ENC, boundary, max_merges=cap, min_frequency=min_frequency)
    want, merges, lengths, _ = reference_run(
        seqs, boundary, max_merges=cap, min_frequency=min_frequency
    )
    got = [
        [out.token_bytes[t] for t in row[:n]] for row, n in zip(out.ids, out.lengths, strict=True)
    ]
    text_of = ENC.decode_single_token_bytes
    assert got == [[text_of(t[1]) if isinstance(t, tuple) else t for t in s] for s in want]
    assert out.merges == merges
    assert out.lengths_after == lengths
    # Invariants: same bytes as the base sequence, never longer, spans cover the base ids.
    for row, n, seq in zip(out.ids, out.lengths, seqs, strict=True):
        assert b"".join(out.token_bytes[t] for t in row[:n]) == ENC.decode_bytes(seq)
        assert n <= len(seq)


@given(batch=texts, cap=st.none() | st.integers(0, 8))
def test_word_ids_are_boundaries(batch, cap):
    seqs = [ENC.encode(t, allowed_special="all") for t in batch]
    words = [[i // 2 for i in range(len(s))] for s in seqs]
    out = bp.dynamic.merge_batch(seqs, ENC, "sentence", word_ids=words, max_merges=cap)
    want, merges, lengths, want_words = reference_run(
        seqs, "sentence", max_merges=cap, word_ids=words
    )
    assert out.merges == merges
    assert out.lengths_after == lengths
    for row, n, ww in zip(out.word_ids, out.lengths, want_words, strict=True):
        assert row[:n].tolist() == ww


def test_target_reduction_padding_and_numpy_input():
    texts = ["unbelievable unbelievably believable", "the cats and the cat"]
    seqs = [ENC.encode(t) for t in texts]
    full = bp.dynamic.merge_batch(seqs, ENC, "pretoken")
    half = bp.dynamic.merge_batch(seqs, ENC, "pretoken", target_reduction=0.5)
    l0, lmin = full.lengths_after[0], full.lengths_after[-1]
    reached = l0 - half.lengths_after[-1]
    assert reached >= 0.5 * (l0 - lmin)
    assert half.num_merges <= full.num_merges
    width = max(map(len, seqs))
    padded = np.zeros((2, width), dtype=np.int64)
    for i, s in enumerate(seqs):
        padded[i, : len(s)] = s
    again = bp.dynamic.merge_batch(padded, ENC, lengths=[len(s) for s in seqs], padding_side="left")
    assert again.merges == full.merges
    assert again.attention_mask[:, -1].all()
    emb = np.arange(ENC.n_vocab * 2, dtype=np.float32).reshape(-1, 2)
    rows = bp.dynamic.compose_embeddings(emb, full.token_spans, how="mean")
    assert rows.shape == (len(full.token_bytes), 2)


def test_bad_input():
    with pytest.raises(ValueError, match="empty"):
        bp.dynamic.merge_batch([], ENC)
    with pytest.raises(ValueError, match="max_merges"):
        bp.dynamic.merge_batch([[1, 2]], ENC, max_merges=-1)
    with pytest.raises(ValueError, match="not in the base vocabulary"):
        bp.dynamic.merge_batch([[1, 10**8]], ENC)
    with pytest.raises(ValueError, match="lengths"):
        bp.dynamic.merge_batch(np.zeros((2, 3), dtype=np.int64), ENC)
    with pytest.raises(ValueError, match="boundary"):
        bp.dynamic.merge_batch([[1, 2]], ENC, "nope")
    with pytest.raises(ValueError, match="same shape"):
        bp.dynamic.merge_batch([[1, 2]], ENC, word_ids=[[0]])


def test_calibration_curve_and_cache():
    batches = [
        [ENC.encode(t) for t in ["unbelievable unbelievably", "the cats"]],
        [ENC.encode("cat cats")],
    ]
    merges, mean_len, reduction = bp.dynamic.calibration_curve(batches, ENC, max_merges=20)
    assert merges[0] == 0 and mean_len[0] == np.mean([len(s) for b in batches for s in b])
    assert (np.diff(mean_len) <= 0).all() and reduction[0] == 0 and reduction[-1] <= 100
    cache = bp.dynamic.DynamicCache(capacity=3)
    rows, new = cache.update([b"a", b"b"])
    assert new.tolist() == [True, True] and sorted(rows.tolist()) == [0, 1]
    rows2, new2 = cache.update([b"b", b"c", b"d"])
    assert new2.tolist() == [False, True, True] and rows2[0] == rows[1]
    rows3, new3 = cache.update([b"a"])  # "a" was least recently used: evicted by "d"
    assert new3.tolist() == [True]
    with pytest.raises(ValueError):
        cache.update([b"x", b"y", b"z", b"w"])
