"""Tokenizer.from_huggingface against HF tokenizers on the shared vocabularies."""

from __future__ import annotations

import json

import bytepair as bp
import pytest
from conftest import shared_path
from hypothesis import given
from hypothesis import strategies as st
from tokenizers import Tokenizer as HFTokenizer

VOCABS = ["gpt2", "qwen3", "cl100k-hf", "o200k-hf", "openllama-3b-zh-en"]


def load_both(name):
    path = shared_path("vocab", name, "tokenizer.json")
    return bp.Tokenizer.from_huggingface(path), HFTokenizer.from_file(str(path))


_cache: dict = {}


def both(name):
    if name not in _cache:
        _cache[name] = load_both(name)
    return _cache[name]


@pytest.mark.parametrize("name", VOCABS)
def test_same_ids_as_hf_on_every_corpus(name):
    ours, hf = both(name)
    root = shared_path("corpora")
    checked = 0
    for path in sorted(root.rglob("*.txt")):
        text = path.read_bytes()[:64_000].decode("utf-8", errors="ignore")
        docs = [text[i : i + 4096] for i in range(0, len(text), 4096)]
        mine = ours.encode_batch(docs, add_special_tokens=False)
        theirs = [e.ids for e in hf.encode_batch(docs, add_special_tokens=False)]
        for i, (a, b) in enumerate(zip(mine, theirs, strict=True)):
            assert a == b, f"{name}: {path.name} chunk {i} differs"
        checked += len(docs)
    assert checked > 300


# HF's Python binding cannot take lone surrogates, so they are left out here
# (tests/test_encoding.py covers them against tiktoken).
text_no_surrogates = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)


@pytest.mark.parametrize("name", VOCABS)
@given(
    parts=st.lists(
        st.one_of(text_no_surrogates, st.sampled_from(["<|endoftext|>", "<s>", "</s>", " "])),
        max_size=5,
    )
)
def test_random_unicode_and_specials(name, parts):
    ours, hf = both(name)
    text = "".join(parts)
    for add in (True, False):
        assert (
            ours.encode(text, add_special_tokens=add) == hf.encode(text, add_special_tokens=add).ids
        )
    ids = hf.encode(text, add_special_tokens=False).ids
    if name in ("gpt2", "cl100k-hf", "o200k-hf"):  # no normalizer: decoding gives the text back
        assert ours.decode(ids) == text
    elif not any(ours.token_bytes(i) in (b"<s>", b"</s>", b"<|endoftext|>") for i in ids):
        # (HF's decoders put spaces around some special tokens; not copied.)
        assert ours.decode(ids) == hf.decode(ids)


@pytest.mark.parametrize("name", ["qwen3", "cl100k-hf"])
def test_export_round_trip_loads_in_hf(tmp_path, name):
    ours, hf = both(name)
    out = ours.to_huggingface(tmp_path / name)
    again = HFTokenizer.from_file(str(out))
    text = "Ｆｕｌｌ-width ＡＢＣ, café, 1234567 tokens;\n\n  indented <|endoftext|> end"
    assert (
        again.encode(text, add_special_tokens=False).ids
        == hf.encode(text, add_special_tokens=False).ids
    )


def test_gpt2_files_equal_tokenizer_json():
    ours = bp.Tokenizer.from_gpt2_files(
        shared_path("vocab", "gpt2", "encoder.json"), shared_path("vocab", "gpt2", "vocab.bpe")
    )
    _, hf = both("gpt2")
    text = shared_path("corpora", "english", "tinyshakespeare.txt").read_text()[:50_000]
    assert ours.encode(text) == hf.encode(text, add_special_tokens=False).ids
    assert ours.encode("hi<|endoftext|>") == [5303, 50256]


def test_native_save_keeps_normalization(tmp_path):
    ours, _ = both("qwen3")
    ours.save(tmp_path / "q.json")
    back = bp.Tokenizer.load(tmp_path / "q.json")
    text = "e\u0301 and ;\u037e"  # both change under NFC
    assert back.encode(text) == ours.encode(text)


def test_unsupported_and_corrupt_files_are_clear(tmp_path):
    spm = json.loads(shared_path("vocab", "openllama-3b-zh-en", "tokenizer.json").read_text())
    spm["normalizer"] = None
    spm["pre_tokenizer"] = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first"}
    (tmp_path / "metaspace.json").write_text(json.dumps(spm))
    with pytest.raises(bp.FormatError, match="byte_fallback"):
        bp.Tokenizer.from_huggingface(tmp_path / "metaspace.json")
    doc = json.loads(shared_path("vocab", "gpt2", "tokenizer.json").read_text())
    cases = {
        "missing merge": (lambda d: d["model"]["merges"].append("zzq qqz"), "not in the vocab"),
        "merge result": (lambda d: d["model"]["merges"].append("Ġ Ġ"), "not in the vocabulary"),
        "gap": (lambda d: d["model"]["vocab"].pop("Ġthe"), "missing"),
        "byte": (lambda d: d["model"]["vocab"].__setitem__("!", 99999), "missing|gaps"),
    }
    for label, (damage, message) in cases.items():
        d = json.loads(json.dumps(doc))
        damage(d)
        p = tmp_path / f"{label}.json"
        p.write_text(json.dumps(d))
        with pytest.raises(bp.FormatError, match=message):
            bp.Tokenizer.from_huggingface(p)
    p = tmp_path / "trunc.json"
    p.write_text(shared_path("vocab", "gpt2", "tokenizer.json").read_text()[:5000])
    with pytest.raises(bp.FormatError):
        bp.Tokenizer.from_huggingface(p)


@pytest.mark.parametrize("source", ["qwen3", "cl100k-hf", "o200k_base", "trained"])
def test_transformers_autotokenizer_loads_our_export_offline(tmp_path, monkeypatch, source):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    transformers = pytest.importorskip("transformers")
    if source == "trained":
        tok = bp.train(
            iter(["the quick brown fox jumps over the lazy dog"] * 20),
            vocab_size=300,
            special_tokens=["<|endoftext|>"],
            progress=False,
        )
    elif source == "o200k_base":
        tok = bp.get_encoding("o200k_base").as_tokenizer()
    else:
        tok, _ = both(source)
    tok.to_huggingface(tmp_path)
    auto = transformers.AutoTokenizer.from_pretrained(str(tmp_path))
    text = "Hello world, café 1234567\n\n  <|endoftext|> end"
    assert auto(text)["input_ids"] == tok.encode(text)
    assert auto.decode(tok.encode(text)) == text


def test_post_processor_template_like_llama3(tmp_path):
    doc = json.loads(shared_path("vocab", "cl100k-hf", "tokenizer.json").read_text())
    bos = {"id": "<|endoftext|>", "ids": [100257], "tokens": ["<|endoftext|>"]}
    doc["post_processor"] = {
        "type": "Sequence",
        "processors": [
            {
                "type": "ByteLevel",
                "add_prefix_space": True,
                "trim_offsets": False,
                "use_regex": True,
            },
            {
                "type": "TemplateProcessing",
                "single": [
                    {"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}},
                    {"Sequence": {"id": "A", "type_id": 0}},
                ],
                "pair": [
                    {"Sequence": {"id": "A", "type_id": 0}},
                    {"Sequence": {"id": "B", "type_id": 1}},
                ],
                "special_tokens": {"<|endoftext|>": bos},
            },
        ],
    }
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(doc))
    ours, hf = bp.Tokenizer.from_huggingface(path), HFTokenizer.from_file(str(path))
    text = "Hello world"
    for add in (True, False):
        assert (
            ours.encode(text, add_special_tokens=add) == hf.encode(text, add_special_tokens=add).ids
        )
    assert ours.encode_batch([text, "x"]) == [e.ids for e in hf.encode_batch([text, "x"])]
    ours.save(tmp_path / "native.json")
    assert bp.Tokenizer.load(tmp_path / "native.json").encode(text) == [100257, 9906, 1917]
    out = ours.to_huggingface(tmp_path / "export")
    assert HFTokenizer.from_file(str(out)).encode(text).ids == [100257, 9906, 1917]
