"""bytepair.Encoding against tiktoken 0.14: same ids, results and errors."""

from __future__ import annotations

import pickle

import bytepair as bp
import numpy as np
import pytest
import tiktoken
from conftest import SHARED, shared_path
from hypothesis import given
from hypothesis import strategies as st
from tiktoken_oracle import tiktoken_encoding

NAMES = ["r50k_base", "p50k_base", "p50k_edit", "cl100k_base", "o200k_base", "o200k_harmony"]
CORE = ["r50k_base", "p50k_base", "cl100k_base", "o200k_base"]


def corpus_files():
    root = shared_path("corpora")
    return sorted(p for p in root.rglob("*.txt"))


def chunks(text: str, size: int = 4096):
    return [text[i : i + size] for i in range(0, len(text), size)]


@pytest.mark.parametrize("name", CORE)
def test_same_ids_as_tiktoken_on_every_corpus(name):
    ours, ref = bp.get_encoding(name), tiktoken_encoding(name)
    budget = 384_000 if name in ("cl100k_base", "o200k_base") else 96_000
    checked = 0
    for path in corpus_files():
        text = path.read_bytes()[:budget].decode("utf-8", errors="ignore")
        docs = chunks(text)
        mine = ours.encode_ordinary_batch(docs)
        theirs = ref.encode_ordinary_batch(docs)
        for i, (a, b) in enumerate(zip(mine, theirs, strict=True)):
            assert a == b, f"{name}: {path.name} chunk {i} differs"
        checked += len(docs)
    assert checked > 500


unicode_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)
special_or_text = st.lists(
    st.one_of(
        unicode_text, st.sampled_from(["<|endoftext|>", "<|fim_prefix|>", "<|endofprompt|>"])
    ),
    max_size=5,
).map("".join)


@pytest.mark.parametrize("name", CORE)
@given(text=special_or_text)
def test_random_unicode_including_surrogates(name, text):
    ours, ref = bp.get_encoding(name), tiktoken_encoding(name)
    assert ours.encode_ordinary(text) == ref.encode_ordinary(text)
    assert ours.encode(text, allowed_special="all") == ref.encode(text, allowed_special="all")


@given(data=st.binary(max_size=200))
def test_bytes_round_trip(data):
    enc = bp.get_encoding("cl100k_base")
    ids = enc._encode_bytes(data)
    assert enc.decode_bytes(ids) == data
    # Valid UTF-8 encodes as text. (For invalid bytes tiktoken glues everything
    # after the first bad byte into one piece; we pre-tokenize each valid stretch.)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    assert ids == tiktoken_encoding("cl100k_base").encode_ordinary(text)


@given(text=st.text(max_size=200))
def test_text_round_trip(text):
    for name in ("cl100k_base", "o200k_base"):
        enc = bp.get_encoding(name)
        assert enc.decode(enc.encode(text, disallowed_special=())) == text


def test_special_token_rules_match_tiktoken():
    ours, ref = bp.get_encoding("cl100k_base"), tiktoken_encoding("cl100k_base")
    s = "hello <|endoftext|> world"
    with pytest.raises(ValueError) as mine:
        ours.encode(s)
    with pytest.raises(ValueError) as theirs:
        ref.encode(s)
    assert str(mine.value) == str(theirs.value)
    cases = [
        (s, {"allowed_special": {"<|endoftext|>"}}),
        (s, {"allowed_special": "all"}),
        (s, {"disallowed_special": ()}),
        (
            "<|endoftext|><|fim_prefix|>",
            {"allowed_special": {"<|fim_prefix|>"}, "disallowed_special": ()},
        ),
        ("<|endoftext|>", {"disallowed_special": {"<|fim_prefix|>"}}),
        ("a<|endoftext|>b", {"allowed_special": {"<|endoftext|>"}, "disallowed_special": set()}),
    ]
    for text, kw in cases:
        assert ours.encode(text, **kw) == ref.encode(text, **kw), (text, kw)
    assert ours.encode(s, allowed_special="all") == [15339, 220, 100257, 1917]
    for text, kw in [
        ("<|fim_prefix|>x<|endoftext|>", {"allowed_special": {"<|endoftext|>"}}),
        ("x foo y", {"disallowed_special": {"foo"}}),
    ]:
        with pytest.raises(ValueError) as mine:
            ours.encode(text, **kw)
        with pytest.raises(ValueError) as theirs:
            ref.encode(text, **kw)
        assert str(mine.value) == str(theirs.value)
    with pytest.raises(ValueError):
        ours.encode_batch(["fine", "bad <|endoftext|>"])
    # Strings that are not special tokens are checked in batches too.
    kw = {"disallowed_special": {"foo", "<|fim_prefix|>"}}
    assert ours.encode_batch(["x y", "fo o"], **kw) == ref.encode_batch(["x y", "fo o"], **kw)
    with pytest.raises(ValueError) as mine:
        ours.encode_batch(["x y", "x foo y"], **kw)
    with pytest.raises(ValueError) as theirs:
        ref.encode_batch(["x y", "x foo y"], **kw)
    assert str(mine.value) == str(theirs.value)


@pytest.mark.parametrize("name", NAMES)
def test_facts_match_tiktoken(name):
    ours, ref = bp.get_encoding(name), tiktoken_encoding(name)
    assert ours.n_vocab == ref.n_vocab
    assert ours.max_token_value == ref.max_token_value
    assert ours.special_tokens_set == ref.special_tokens_set
    assert ours.eot_token == ref.eot_token
    assert ours._special_tokens == ref._special_tokens
    assert ours._pat_str == ref._pat_str
    assert repr(ours) == repr(ref).replace(ref.name, name)
    if name in ("cl100k_base", "r50k_base"):
        assert ours.token_byte_values() == ref.token_byte_values()
        assert ours._mergeable_ranks == ref._mergeable_ranks


def test_decode_api_matches_tiktoken():
    ours, ref = bp.get_encoding("cl100k_base"), tiktoken_encoding("cl100k_base")
    text = "héllo 東京 🤖 <|endoftext|>"
    ids = ref.encode(text, allowed_special="all")
    assert ours.decode_tokens_bytes(ids) == ref.decode_tokens_bytes(ids)
    assert ours.decode_with_offsets(ids) == ref.decode_with_offsets(ids)
    assert ours.decode(ids) == ref.decode(ids)
    partial = ids[:-2] + [ids[-2]]
    assert ours.decode(partial[:3]) == ref.decode(partial[:3])
    torn = ref.encode("東")[:1]
    assert ours.decode(torn) == ref.decode(torn) == "\ufffd" or len(ref.encode("東")) == 1
    assert ours.decode_single_token_bytes(100257) == b"<|endoftext|>"
    with pytest.raises(KeyError) as e:
        ours.decode_single_token_bytes(100261)
    assert e.value.args == ("100261",)
    with pytest.raises(KeyError) as e:
        ours.decode([100261])
    assert e.value.args == ("Invalid token for decoding: 100261",)
    with pytest.raises(OverflowError):
        ours.decode([-1])
    assert ours.encode_single_token("hello") == ref.encode_single_token("hello")
    assert ours.encode_single_token("<|endoftext|>") == 100257
    with pytest.raises(KeyError):
        ours.encode_single_token("hello world")
    assert ours._encode_single_piece("helloqqqq") == ref._encode_single_piece("helloqqqq")
    arr = ours.encode_to_numpy("hello world")
    assert arr.dtype == np.uint32 and arr.tolist() == [15339, 1917]
    assert ours.encode("") == [] and ours.decode([]) == "" and ours.encode_ordinary_batch([]) == []
    assert ours.is_special_token(100257) and not ours.is_special_token(15339)


def test_batch_and_flat_numpy():
    enc = bp.get_encoding("o200k_base")
    texts = ["one", "two words", "", "东京 🤖"]
    assert enc.encode_batch(texts) == [enc.encode(t) for t in texts]
    flat, offsets = enc.encode_batch_to_numpy(texts)
    assert flat.dtype == np.uint32 and offsets.tolist()[0] == 0
    for i, t in enumerate(texts):
        assert flat[offsets[i] : offsets[i + 1]].tolist() == enc.encode(t)


def test_pickle_by_name_and_custom():
    enc = bp.get_encoding("cl100k_base")
    data = pickle.dumps(enc)
    assert len(data) < 200
    assert pickle.loads(data) is enc
    custom = bp.Encoding(
        "custom",
        pat_str=enc._pat_str,
        mergeable_ranks=enc._mergeable_ranks,
        special_tokens={**enc._special_tokens, "<|im_start|>": 100264},
    )
    back = pickle.loads(pickle.dumps(custom))
    text = "hello <|im_start|> world"
    assert back.encode(text, allowed_special="all") == custom.encode(text, allowed_special="all")
    assert custom.encode(text, allowed_special="all")[2] == 100264


def test_registry_and_models():
    assert bp.get_encoding("cl100k_base") is bp.get_encoding("cl100k_base")
    assert bp.encoding_for_model("gpt-4o").name == "o200k_base"
    assert bp.encoding_for_model("gpt-4-0613").name == "cl100k_base"
    assert bp.encoding_name_for_model("gpt-oss-120b") == "o200k_harmony"
    assert bp.encoding_for_model("gpt2").name == "gpt2"
    with pytest.raises(KeyError):
        bp.encoding_for_model("no-such-model")
    with pytest.raises(ValueError, match="Unknown encoding nope"):
        bp.get_encoding("nope")
    with pytest.raises(ValueError):
        bp.get_encoding(123)
    assert {"gpt2", "r50k_base", "cl100k_base", "o200k_base"} <= set(bp.list_encoding_names())
    for name in ("gpt2", "r50k_base"):
        assert bp.get_encoding(name).encode("hello world") == [31373, 995]


def test_import_as_tiktoken_runs_tiktoken_code():
    import bytepair as tiktoken_like

    enc = tiktoken_like.get_encoding("cl100k_base")
    ranks = tiktoken_like.load.load_tiktoken_bpe(SHARED / "vocab/tiktoken/cl100k_base.tiktoken")
    extended = tiktoken_like.Encoding(
        name="cl100k_im",
        pat_str=enc._pat_str,
        mergeable_ranks=ranks,
        special_tokens={**enc._special_tokens, "<|im_start|>": 100264, "<|im_end|>": 100265},
    )
    ref = tiktoken.Encoding(
        name="cl100k_im",
        pat_str=enc._pat_str,
        mergeable_ranks=ranks,
        special_tokens={**enc._special_tokens, "<|im_start|>": 100264, "<|im_end|>": 100265},
    )
    text = "<|im_start|>user\nhi<|im_end|>"
    assert extended.encode(text, allowed_special="all") == ref.encode(text, allowed_special="all")
    assert extended.n_vocab == ref.n_vocab


def test_gpt2_files_give_r50k_ranks():
    ranks = bp.load.data_gym_to_mergeable_bpe_ranks(
        shared_path("vocab", "gpt2", "vocab.bpe"), shared_path("vocab", "gpt2", "encoder.json")
    )
    assert ranks == bp.get_encoding("r50k_base")._mergeable_ranks


@pytest.mark.parametrize(
    "text",
    [
        " " * 100_000 + "x",
        "a" * 100_000,
        "東" * 30_000,
        "\t" * 100_000,
        "\n" * 100_000,
        "1" * 100_000,
    ],
)
def test_long_runs_match_tiktoken(text):
    for name in ("cl100k_base", "o200k_base"):
        assert bp.get_encoding(name).encode(text) == tiktoken_encoding(name).encode(text)


def test_explicit_n_vocab_is_checked():
    enc = bp.get_encoding("r50k_base")
    with pytest.raises(ValueError, match="explicit_n_vocab"):
        bp.Encoding(
            "x",
            pat_str=enc._pat_str,
            mergeable_ranks=enc._mergeable_ranks,
            special_tokens={"<|endoftext|>": 50256},
            explicit_n_vocab=50258,
        )


@pytest.mark.parametrize("suffix", [".bin", ".npy"])
def test_encode_files_equals_encoding_each_file(tmp_path, suffix):
    enc = bp.get_encoding("o200k_base")
    code = shared_path("corpora", "code", "cpython311_stdlib_py.txt").read_bytes()
    udhr = shared_path("corpora", "multilingual", "udhr_all.txt").read_bytes()
    # Small files (read whole and encoded side by side) on both sides of a
    # 9 MB one (read in steps and cut into blocks), and an empty one.
    texts = [udhr[:300_000], code[:9_000_000], code[-50_000:], b"", udhr[-20_000:]]
    parts = []
    for i, t in enumerate(texts):
        p = tmp_path / f"doc{i}.txt"
        t = t.decode("utf-8", errors="ignore").encode()  # whole characters
        p.write_bytes(t.rsplit(b"\n", 1)[0] if t else t)
        parts.append(p)
    out = tmp_path / f"tokens{suffix}"
    n, offsets = enc.encode_files(parts, out, dtype="uint32", append_eot=True, progress=False)
    ids = np.load(out) if suffix == ".npy" else np.fromfile(out, dtype="<u4")
    assert len(ids) == n == offsets[-1]
    for i, p in enumerate(parts):
        expect = enc.encode_ordinary(p.read_text(encoding="utf-8")) + [enc.eot_token]
        assert ids[offsets[i] : offsets[i + 1]].tolist() == expect
    with pytest.raises(ValueError, match="uint16"):
        enc.encode_files(parts, tmp_path / "x.bin", dtype="uint16", progress=False)
    assert not (tmp_path / "x.bin").exists()
