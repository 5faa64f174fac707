"""Encoding, decoding, saving and exporting trained tokenizers."""

from __future__ import annotations

import pickle

import bytepair as bp
import pytest
from conftest import shared_path
from hypothesis import given
from hypothesis import strategies as st
from tokenizers import Tokenizer as HFTokenizer


@pytest.fixture(scope="module", params=["gpt2", "gpt4", "o200k", None])
def trained(request, tmp_path_factory):
    path = shared_path("corpora", "english", "tinyshakespeare.txt")
    tok = bp.train(
        str(path),
        1500,
        pattern=request.param,
        special_tokens=["<|endoftext|>", "<|pad|>"],
        progress=False,
    )
    d = tmp_path_factory.mktemp("hf")
    hf = HFTokenizer.from_file(str(tok.to_huggingface(d)))
    return tok, hf


text_strategy = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200
)


@given(text=text_strategy)
def test_round_trip(trained, text):
    tok, _ = trained
    assert tok.decode(tok.encode(text)) == text


@given(text=text_strategy)
def test_ids_equal_hf_loading_our_export(trained, text):
    tok, hf = trained
    assert tok.encode(text) == hf.encode(text, add_special_tokens=False).ids


def test_ids_equal_hf_on_real_text(trained):
    tok, hf = trained
    with open(shared_path("corpora", "multilingual", "udhr_all.txt"), encoding="utf-8") as f:
        text = f.read(300_000)
    chunks = [text[i : i + 2000] for i in range(0, len(text), 2000)]
    ours = tok.encode_batch(chunks)
    theirs = [e.ids for e in hf.encode_batch(chunks, add_special_tokens=False)]
    assert ours == theirs


def test_special_tokens(trained):
    tok, hf = trained
    s = "hello <|endoftext|> world<|pad|>"
    ids = tok.encode(s)
    assert tok.special_tokens["<|endoftext|>"] in ids
    assert ids == hf.encode(s, add_special_tokens=False).ids
    plain = tok.encode(s, allowed_special=())
    assert tok.special_tokens["<|endoftext|>"] not in plain
    assert plain == tok.encode_ordinary(s)
    only = tok.encode(s, allowed_special={"<|pad|>"})
    assert tok.special_tokens["<|pad|>"] in only
    assert tok.special_tokens["<|endoftext|>"] not in only
    assert tok.decode(ids) == s


@given(data=st.binary(max_size=300))
def test_bytes_round_trip(trained, data):
    tok, _ = trained
    assert tok.decode_bytes(tok.encode_bytes(data)) == data


def test_batch_equals_single(trained):
    tok, _ = trained
    texts = ["a b c", "", "héllo wörld 東京", "x" * 1000, "  \n\t  "]
    assert tok.encode_batch(texts, num_threads=2) == [tok.encode(t) for t in texts]


def test_long_piece_is_not_quadratic_and_correct(trained):
    tok, hf = trained
    s = "ab" * 20000
    assert tok.encode(s) == hf.encode(s, add_special_tokens=False).ids


def test_save_load_pickle(trained, tmp_path):
    tok, _ = trained
    p = tmp_path / "tok.json"
    tok.save(p)
    again = bp.Tokenizer.load(p)
    s = "The quick brown fox <|endoftext|>"
    assert again.encode(s) == tok.encode(s)
    assert again.merges == tok.merges
    assert again.special_tokens == tok.special_tokens
    assert again.pattern == tok.pattern
    assert pickle.loads(pickle.dumps(tok)).encode(s) == tok.encode(s)


def test_surrogates_follow_tiktoken_policy(trained):
    tok, _ = trained
    assert tok.decode(tok.encode("a\ud800b")) == "a\ufffdb"
    assert tok.encode("\ud83e\udd16") == tok.encode("🤖")


def test_decode_errors(trained):
    tok, _ = trained
    with pytest.raises(KeyError):
        tok.decode([10**7])
    with pytest.raises(KeyError):
        tok.decode([-1])
    partial = tok.encode_bytes("東".encode()[:2])
    assert tok.decode(partial) == "\ufffd"
    with pytest.raises(UnicodeDecodeError):
        tok.decode(partial, errors="strict")


def test_token_lookup(trained):
    tok, _ = trained
    assert tok.token_to_id("<|pad|>") == tok.special_tokens["<|pad|>"]
    assert tok.token_bytes(tok.token_to_id(b"a")) == b"a"
    assert tok.token_to_id(b"\xff\xfe\xfd\xfc") is None
    assert len(tok) == tok.vocab_size == 1500
