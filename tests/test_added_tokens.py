"""Added tokens with HF's semantics, against HF tokenizers itself.

HF's ``add_tokens`` on the same file is the oracle: the ids it gives, how it
cuts text at the tokens (``single_word``, ``lstrip``, ``rstrip``,
``normalized``, ``special``), and ``decode`` with and without
``skip_special_tokens``. Both directions through ``tokenizer.json`` are
checked: HF's file loads here, and ours loads in HF, with the same ids.
"""

from __future__ import annotations

import json
import unicodedata

import bytepair as bp
import pytest
from conftest import run_readme_block, shared_path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference.bpe_train import byte_to_char

tokenizers = pytest.importorskip("tokenizers")

GPT2 = ("vocab", "gpt2", "tokenizer.json")
QWEN3 = ("vocab", "qwen3", "tokenizer.json")

# Letters, GPT-2 vocabulary pieces, Latin-1 (a byte-level character by
# itself), CJK, NFC pairs (e + combining acute), whitespace and brackets.
ALPHABET = [
    "a",
    "b",
    "ing",
    "foo",
    "Ġ",
    "é",
    "e\u0301",
    "中",
    " ",
    "  ",
    "\t",
    "\n",
    "<",
    ">",
    "_",
    "1",
]


def _text(parts):
    return st.lists(st.sampled_from(parts), max_size=14).map("".join)


@st.composite
def added_and_texts(draw):
    contents = draw(st.lists(_text(ALPHABET).filter(bool), min_size=1, max_size=6, unique=True))
    flags = [
        dict(
            single_word=draw(st.booleans()),
            lstrip=draw(st.booleans()),
            rstrip=draw(st.booleans()),
            normalized=draw(st.booleans()),
            special=draw(st.booleans()),
        )
        for _ in contents
    ]
    texts = draw(st.lists(_text(ALPHABET + contents * 3), min_size=1, max_size=4))
    return list(zip(contents, flags, strict=True)), texts


def _hf(path):
    return tokenizers.Tokenizer.from_str(path.read_text(encoding="utf-8"))


def _add_both(parts, tokens):
    path = shared_path(*parts)
    hf = _hf(path)
    ours = bp.Tokenizer.from_huggingface(path)
    n_hf = hf.add_tokens([tokenizers.AddedToken(c, **f) for c, f in tokens])
    n_ours = ours.add_tokens([bp.AddedToken(c, **f) for c, f in tokens])
    assert n_ours == n_hf
    return hf, ours


def _hf_reads_as_utf8(content: str) -> bool:
    """Whether HF's ByteLevel decoder gives ``content`` back: it reads a token
    made only of byte-level characters as bytes (so "é" alone is byte 0xE9)."""
    table = {c: b for b, c in byte_to_char().items()}
    if all(ch in table for ch in content):
        return bytes(table[ch] for ch in content) == content.encode()
    return True


def _check_same(hf, ours, texts, nfc=False):
    decoder = hf.get_added_tokens_decoder()
    hf_added = {i: t.content for i, t in decoder.items()}
    # HF decodes a normalized token by its normalized form.
    shown = {
        i: unicodedata.normalize("NFC", t.content) if nfc and t.normalized else t.content
        for i, t in decoder.items()
    }
    assert {i: t.content for i, t in ours.added_tokens.items()} == hf_added
    for text in texts:
        ids = hf.encode(text, add_special_tokens=False).ids
        assert ours.encode(text, add_special_tokens=False) == ids, text
        for skip in (False, True):
            # Departure (README): HF skips a special token by the text it
            # decodes to, so one whose normalized form differs is not skipped.
            unskipped = {
                i
                for i in ids
                if skip and i in decoder and decoder[i].special and shown[i] != hf_added[i]
            }
            want = hf.decode([i for i in ids if i not in unskipped], skip_special_tokens=skip)
            got = ours.decode(ids, skip_special_tokens=skip)
            faithful = all(
                _hf_reads_as_utf8(shown[i])
                for i in ids
                if i in hf_added and i >= ours._core.num_mergeable
            )
            if faithful:
                assert got == want, (text, ids, skip)
            else:
                # Departure (README): an added token of its own decodes to its text.
                kept = [i for i in ids if not (skip and ours._core.is_special_token(id=i))]
                assert got == ours.decode_bytes(kept).decode("utf-8", "replace")


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(added_and_texts())
def test_add_tokens_equals_hf_add_tokens_on_gpt2(case):
    tokens, texts = case
    hf, ours = _add_both(GPT2, tokens)
    _check_same(hf, ours, texts)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(added_and_texts())
def test_normalized_tokens_under_nfc_equal_hf_on_qwen3(case):
    tokens, texts = case
    hf, ours = _add_both(QWEN3, tokens)
    _check_same(hf, ours, texts, nfc=True)


@SETTINGS
@given(case=added_and_texts())
def test_tokenizer_json_both_ways(case, tmp_path_factory):
    tokens, texts = case
    hf, ours = _add_both(GPT2, tokens)
    # HF's file, with its added tokens, loads here with HF's ids.
    path = tmp_path_factory.mktemp("hf") / "tokenizer.json"
    hf.save(str(path))
    _check_same(hf, bp.Tokenizer.from_huggingface(path), texts)
    # Ours loads in HF; and our own format keeps the flags.
    _check_same(tokenizers.Tokenizer.from_str(ours.to_huggingface_json()), ours, texts)
    native = tmp_path_factory.mktemp("native") / "tok.json"
    ours.save(native)
    again = bp.Tokenizer.load(native)
    assert again.added_tokens == ours.added_tokens
    for text in texts:
        assert again.encode(text) == ours.encode(text)


def test_a_trained_tokenizer_takes_added_tokens_and_hf_agrees(tmp_path):
    tok = bp.train(
        iter(["the cat sat on the mat, the end\n"] * 50),
        vocab_size=300,
        special_tokens=["<|endoftext|>"],
        progress=False,
    )
    before = {i: tok.token_bytes(i) for i in range(tok.vocab_size)}
    assert tok.add_tokens(["<think>", bp.AddedToken("mat", single_word=True)]) == 2
    assert tok.add_special_tokens(["<|im_start|>"]) == 1
    # Every old id keeps its token; fresh ones come after the largest id.
    assert all(tok.token_bytes(i) == b for i, b in before.items())
    n = len(before)
    eot = n - 1  # the special token comes last in a trained vocabulary
    think, im_start = n, n + 1
    assert tok.token_to_id("<think>") == think and tok.token_to_id("<|im_start|>") == im_start
    assert tok.special_tokens == {"<|endoftext|>": eot, "<|im_start|>": im_start}
    text = "<|im_start|>the cat<think> sat on the mat matte<|endoftext|>"
    ids = tok.encode(text)
    assert ids[0] == im_start and think in ids and ids[-1] == eot
    assert tok.decode(ids) == text
    assert tok.decode(ids, skip_special_tokens=True) == "the cat<think> sat on the mat matte"
    hf = tokenizers.Tokenizer.from_str(tok.to_huggingface_json())
    assert hf.encode(text).ids == ids
    # A non-special added token is part of the vocabulary: plain encoding
    # finds it too, and allowed_special=() leaves only the special ones as text.
    assert think in tok.encode_ordinary("a<think>b")
    plain = tok.encode(text, allowed_special=())
    assert im_start not in plain and think in plain
    # Re-adding the same token changes nothing.
    assert tok.add_tokens(["<think>"]) == 0


def test_a_file_whose_added_token_is_also_a_merged_token_loads(tmp_path):
    # HF allows an added token that is an ordinary entry the merges need;
    # this used to be refused with `merges[..]: "ing" is not in the vocab`.
    hf = _hf(shared_path(*GPT2))
    hf.add_tokens(["ing"])
    path = tmp_path / "tokenizer.json"
    hf.save(str(path))
    doc = json.loads(path.read_text())
    assert any(t["content"] == "ing" for t in doc["added_tokens"])
    ours = bp.Tokenizer.from_huggingface(path)
    for text in ["singing", "ing ing", "kings"]:
        assert ours.encode(text) == hf.encode(text).ids


def test_ids_in_the_file_are_assigned_as_hf_assigns_them(tmp_path):
    # HF ignores a listed id that disagrees with its own rule (it warns);
    # so do we.
    doc = json.loads(shared_path(*GPT2).read_text())
    doc["added_tokens"].append(
        {
            "id": 60000,
            "content": "<new>",
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
    )
    text = json.dumps(doc)
    path = tmp_path / "tokenizer.json"
    path.write_text(text)
    hf = tokenizers.Tokenizer.from_str(text)
    ours = bp.Tokenizer.from_huggingface(path)
    assert ours.token_to_id("<new>") == hf.token_to_id("<new>") == 50257
    assert ours.encode("a<new>") == hf.encode("a<new>").ids


def test_bad_added_tokens_are_refused():
    tok = bp.Tokenizer.from_huggingface(shared_path(*GPT2))
    with pytest.raises(ValueError, match="empty"):
        tok.add_tokens([""])
    with pytest.raises(TypeError, match="list of tokens"):
        tok.add_tokens("<x>")
    with pytest.raises(TypeError, match="str or bytepair.AddedToken"):
        tok.add_tokens([b"<x>"])
    with pytest.raises(TypeError, match="content is a str"):
        bp.AddedToken(5)
    assert "<x>" not in {t.content for t in tok.added_tokens.values()}


def _flags(tok):
    return {t.content: t for t in tok.added_tokens.values()}


def test_prune_and_extend_keep_added_tokens_and_their_flags():
    pytest.importorskip("numpy")
    corpus = ["the cat sat on the mat while the dog ran far away\n"] * 40
    tok = bp.train(iter(corpus), vocab_size=290, special_tokens=["<|endoftext|>"], progress=False)
    tok.add_tokens(
        [bp.AddedToken("<tool>", lstrip=True, rstrip=True), bp.AddedToken("dog", single_word=True)]
    )
    text = "the dog ran <tool> far<|endoftext|> dogs"

    pruned, id_map = tok.prune(corpus=iter(corpus[:1]), min_count=1)
    # Kept with their flags; ids follow the map, and text cuts as before.
    assert _flags(pruned) == _flags(tok)
    for content in ["<tool>", "dog", "<|endoftext|>"]:
        assert pruned.token_to_id(content) == id_map[tok.token_to_id(content)]
    assert pruned.encode(text) == [int(id_map[i]) for i in tok.encode(text)]
    assert pruned.decode(pruned.encode(text)) == tok.decode(tok.encode(text))
    hf = tokenizers.Tokenizer.from_str(pruned.to_huggingface_json())
    assert hf.encode(text).ids == pruned.encode(text)

    grown = bp.train(
        iter(["a different text to learn a few more merges from\n"] * 40),
        vocab_size=tok.vocab_size + 20,
        base=tok,
        progress=False,
    )
    # Extending keeps every id and the added tokens as they were.
    assert _flags(grown) == _flags(tok)
    assert all(grown.token_bytes(i) == tok.token_bytes(i) for i in range(tok.vocab_size))
    assert grown.encode("<tool> dog")[0] == tok.token_to_id("<tool>")
    assert grown.decode(grown.encode(text)) == tok.decode(tok.encode(text))


def test_the_readme_example_runs_and_hf_reads_its_file(tmp_path, monkeypatch):
    scope = run_readme_block("Added tokens", tmp_path, monkeypatch)
    hf = tokenizers.Tokenizer.from_str(scope["hf_json"])
    assert hf.encode("<|im_start|>plan: <tool> go<think>").ids == scope["ids"]
