"""Adversarial inputs (issue 8, part 2): long runs, whitespace of every kind,
surrogates, special-token look-alikes, invalid UTF-8, zeros. Each encodes
without error, round-trips, and gives the reference's ids wherever the
reference itself does not fail. How the time grows with the size is measured
in benches/worst_case.py, not here."""

from __future__ import annotations

import functools

import bytepair as bp
import pytest
import tokenizers
from conftest import shared_path
from tiktoken_oracle import tiktoken_encoding

from tests.reference.adversarial import BYTES, TEXT

SIZES = (1_000, 40_000)


def _tiktoken_text(text: str) -> str:
    """tiktoken's surrogate policy, which bytepair.Encoding follows."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _reference_ids(encode, text):
    try:
        return encode(text)
    except BaseException:  # tiktoken panics are BaseException; HF raises TypeError
        return None


@functools.cache
def _hf_gpt2():
    path = shared_path("vocab", "gpt2", "tokenizer.json")
    return tokenizers.Tokenizer.from_file(str(path)), bp.Tokenizer.from_huggingface(path)


@pytest.mark.parametrize("name", ["r50k_base", "cl100k_base", "o200k_base"])
@pytest.mark.parametrize("kind", list(TEXT))
def test_text_matches_tiktoken(name, kind):
    ours = bp.get_encoding(name)
    ref = tiktoken_encoding(name)
    compared = 0
    for n in SIZES:
        text = TEXT[kind](n)
        ids = ours.encode_ordinary(text)
        assert ours.decode_bytes(ids) == _tiktoken_text(text).encode("utf-8")
        # The special-token check sees look-alikes as ordinary text.
        assert ours.encode(text, disallowed_special=()) == ids
        expected = _reference_ids(ref.encode_ordinary, text)
        if expected is not None:
            assert ids == expected
            compared += 1
    assert compared, "the reference failed at every size"


@pytest.mark.parametrize("kind", list(TEXT))
def test_text_matches_hf_gpt2(kind):
    hf, ours = _hf_gpt2()
    for n in SIZES:
        text = TEXT[kind](n)
        ids = ours.encode(text)
        if "\ud800" in text or "\udc00" in text:
            # HF raises TypeError on lone surrogates; bytepair.Tokenizer
            # replaces them with U+FFFD, as tiktoken does.
            assert ours.decode(ids) == _tiktoken_text(text)
            continue
        assert ours.decode_bytes(ids) == text.encode("utf-8")
        assert ids == hf.encode(text, add_special_tokens=False).ids


@pytest.mark.parametrize("kind", list(BYTES))
def test_raw_bytes_round_trip(kind):
    enc = bp.get_encoding("cl100k_base")
    hf_tok = _hf_gpt2()[1]
    binary = bp.train_bytes([bytes(range(256)) * 64], 300, progress=False)
    for n in SIZES:
        data = BYTES[kind](n)
        assert enc.decode_bytes(enc._encode_bytes(data)) == data
        assert hf_tok.decode_bytes(hf_tok.encode_bytes(data)) == data
        assert binary.decode_bytes(binary.encode_bytes(data)) == data
        valid = data.decode("utf-8", "ignore").encode()
        if valid == data:  # valid UTF-8: the same ids as the text path and tiktoken
            assert enc._encode_bytes(data) == tiktoken_encoding("cl100k_base")._encode_bytes(data)


def test_a_megabyte_of_zeros():
    text = "\x00" * (1 << 20)
    for name in ("cl100k_base", "o200k_base"):
        ids = bp.get_encoding(name).encode_ordinary(text)
        assert ids == tiktoken_encoding(name).encode_ordinary(text)
    binary = bp.train_bytes([bytes(1 << 16)], 300, progress=False)
    data = bytes(1 << 20)
    assert binary.decode_bytes(binary.encode_bytes(data)) == data


def test_long_whitespace_where_tiktoken_panics():
    """tiktoken 0.14 panics on a million spaces then a letter (its regex
    backtracks). The pieces are the run minus one space, then " x"; tiktoken
    encodes each of those alone, and bytepair must give the same ids."""
    enc = bp.get_encoding("cl100k_base")
    ref = tiktoken_encoding("cl100k_base")
    text = " " * 1_000_000 + "x"
    assert _reference_ids(ref.encode_ordinary, text) is None, "tiktoken no longer fails here"
    ids = enc.encode_ordinary(text)
    assert ids == ref.encode_ordinary(" " * 999_999) + ref.encode_ordinary(" x")
