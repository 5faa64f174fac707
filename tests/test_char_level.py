"""Character-level BPE (KL3M's char tokenizers): lengths in characters, and
HF's exclusive byte limit reproduced on request."""

from __future__ import annotations

import bytepair as bp
import pytest
from hf_oracle import bp_merges, hf_merges, hf_train
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ALPHABET = "aab b c\n'!1éü東🤖"
texts_strategy = st.lists(st.text(alphabet=ALPHABET, max_size=30), max_size=25)


@given(texts=texts_strategy, extra=st.integers(1, 100), hf_max=st.integers(2, 6))
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
def test_hf_compatible_max_length_equals_hf(texts, extra, hf_max):
    ours = bp.train(
        iter(texts),
        257 + extra,
        pattern="gpt2",
        max_token_length=hf_max,
        hf_compatible_max_length=True,
        progress=False,
    )
    theirs = hf_train(
        texts,
        vocab_size=257 + extra,
        pattern="gpt2",
        special_tokens=["<|endoftext|>"],
        max_token_length=hf_max,
    )
    assert bp_merges(ours) == hf_merges(theirs)


@given(texts=texts_strategy, limit=st.integers(1, 4))
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
def test_char_unit_counts_characters_inclusive(texts, limit):
    tok = bp.train(
        iter(texts), 400, pattern="gpt2", max_token_length=limit, unit="char", progress=False
    )
    for i in range(256, tok.vocab_size - 1):
        t = tok.token_bytes(i)
        chars = sum(1 for b in t if b & 0xC0 != 0x80)
        assert chars <= limit, t
    # a whole character may take several bytes: "東" (3 bytes) fits a limit of 1
    assert (
        bp.train(
            iter(["東東東"] * 5), 300, pattern=None, max_token_length=1, unit="char", progress=False
        ).token_to_id("東")
        is not None
    )


def test_bad_units_are_refused():
    with pytest.raises(ValueError, match="unit"):
        bp.train(iter(["a"]), 300, unit="word", progress=False)
    with pytest.raises(ValueError, match="byte"):
        bp.train(iter(["a"]), 300, unit="char", hf_compatible_max_length=True, progress=False)
