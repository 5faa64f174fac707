"""``bytepair.train(corpus, vocab_size, base=...)``: extending a byte-level BPE
tokenizer. Against the pure-Python reference on random corpora, against
training longer on real text, on every kind of base (ours, tiktoken ranks, HF
files, GPT-2 files), through HF's loader, and on bad input."""

from __future__ import annotations

import json
import warnings

import bytepair as bp
import pytest
import tokenizers
from conftest import run_readme_block, shared_path, tokens_by_id
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import extend_bpe as ref

NOVELS = shared_path("corpora", "english", "eltec_eng_novels.txt")
BIBLE = shared_path("corpora", "multilingual", "bible_nt")

ALPHABET = "aabbc  d\n'é東"
texts = st.lists(st.text(alphabet=ALPHABET, max_size=30), min_size=1, max_size=15)
# Enough text for a few merges, so the ranked base's unused ids get filled.
rich_texts = st.lists(st.text(alphabet=ALPHABET, min_size=5, max_size=30), min_size=4, max_size=15)


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bp.EarlyStopWarning)
        return fn(*args, **kwargs)


def _verses(name: str, n: int | None = None) -> list[str]:
    lines = (BIBLE / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t", 1)[1] + "\n" for line in lines[:n] if "\t" in line]


@pytest.fixture(scope="module")
def novels() -> list[str]:
    with open(NOVELS, encoding="utf-8") as f:
        return f.read(2_000_000).splitlines(keepends=True)


def _state(tok: bp.Tokenizer) -> tuple[list[bytes], list[tuple[int, int]], dict[str, int]]:
    """A tokenizer as the reference takes and gives it."""
    return tokens_by_id(tok), tok._core.merges(), tok.special_tokens


# ---- against the reference --------------------------------------------------


@given(
    base_texts=texts,
    new_texts=texts,
    base_size=st.integers(257, 275),
    grow=st.integers(1, 40),
    min_frequency=st.sampled_from([0, 2]),
    max_token_length=st.sampled_from([None, 3]),
    new_special=st.booleans(),
)
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_extension_equals_the_reference(
    base_texts, new_texts, base_size, grow, min_frequency, max_token_length, new_special
):
    base = _quiet(bp.train, iter(base_texts), base_size, progress=False)
    counts = bp.count(iter(new_texts), progress=False)
    size = base.vocab_size + grow + new_special
    specials = ["<|endoftext|>", "<|pad|>"] if new_special else bp._options.UNSET
    ext = _quiet(
        bp.train,
        counts,
        size,
        base=base,
        special_tokens=specials,
        min_frequency=min_frequency,
        max_token_length=max_token_length,
        progress=False,
    )
    tokens, merges, sp = _state(base)
    want = ref.extend(
        dict(counts.most_common()),
        tokens,
        merges,
        sp,
        size,
        new_specials=["<|pad|>"] if new_special else [],
        min_frequency=min_frequency,
        max_token_length=max_token_length,
    )
    assert _state(ext) == want


@given(new_texts=rich_texts, grow=st.integers(1, 30))
@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=40)
def test_a_ranked_base_with_holes_equals_the_reference(tmp_path_factory, new_texts, grow):
    """A tiktoken-style base: ranks with a gap that only a special token fills,
    and unused ids between special tokens; merges derived from the ranks."""
    d = tmp_path_factory.mktemp("ranks")
    trained = _quiet(bp.train, iter(["abab cabc dd abcd " * 3, "éé 東東"]), 300, progress=False)
    path = trained.to_tiktoken(d / "small.tiktoken")
    top = trained.n_vocab - 1  # the trained special's id: a gap in the ranks
    base = bp.Tokenizer.from_tiktoken(
        path, pattern="gpt4", special_tokens={"<|a|>": top, "<|b|>": top + 3}
    )
    counts = bp.count(iter(new_texts), progress=False)
    size = base.vocab_size + grow
    tokens, merges, sp = _state(base)
    assert tokens[top + 1] == tokens[top + 2] == b"", "two unused ids between the specials"
    want = ref.extend(dict(counts.most_common()), tokens, merges, sp, size, ignore_merges=True)
    if not (want[0][top + 1] and want[0][top + 2]):
        # Too little text to fill the base's unused ids: refused, not left with holes.
        with pytest.raises(bp.BytepairError, match="2 unused ids"):
            _quiet(bp.train, counts, size, base=base, progress=False)
        return
    ext = _quiet(bp.train, counts, size, base=base, progress=False)
    assert _state(ext) == want


# ---- real text ----------------------------------------------------------------


def test_extending_on_the_same_text_equals_training_longer(novels):
    """The merge loop continues where training stopped: the base's special
    token sits between the two runs' ids, so compare merges as bytes."""
    short = bp.train(iter(novels), 2_000, progress=False)
    longer = bp.train(iter(novels), 4_000, progress=False)
    ext = bp.train(iter(novels), 4_000, base=short, progress=False)
    assert ext.merges == longer.merges
    assert ext.special_tokens == short.special_tokens
    for i in range(short.vocab_size):
        assert ext.token_bytes(i) == short.token_bytes(i)


def test_cl100k_extended_keeps_every_id_and_fills_its_holes_first(novels):
    base = bp.get_encoding("cl100k_base")
    armenian = _verses("Armenian-PART.txt", 3000)
    ext = bp.train(iter(armenian), base.n_vocab + 1_000, base="cl100k_base", progress=False)
    assert ext.vocab_size == base.n_vocab + 1_000
    assert ext.special_tokens == base._special_tokens
    ranks = base._mergeable_ranks
    for token, rank in ranks.items():
        assert ext.token_bytes(rank) == token
    used = set(ranks.values())
    holes = [i for i in range(base.n_vocab) if i not in used and not base.is_special_token(i)]
    assert len(holes) == 16
    assert all(ext.token_bytes(i) for i in holes), "new tokens fill the unused ids first"
    assert bp.last_train_report.stop == "vocab_full"
    # Armenian costs fewer tokens; English changes only where a new token is used.
    held_out = "".join(armenian[-200:])
    assert len(ext.encode_ordinary(held_out)) < 0.8 * len(base.encode_ordinary(held_out))
    english = "".join(novels[-3000:])
    for piece in bp.pretokenize(english, pattern="gpt4")[:20000]:
        got, want = ext.encode_ordinary(piece), base.encode_ordinary(piece)
        if got != want:
            assert any(i not in used for i in got), piece
    assert ext.decode(ext.encode_ordinary(english)) == english


def test_an_hf_base_exports_a_file_hf_encodes_the_same(novels, tmp_path):
    ext = bp.train(
        iter(_verses("Gujarati-NT.txt", 2000)),
        50257 + 500,
        base=shared_path("vocab", "gpt2", "tokenizer.json"),
        progress=False,
    )
    gpt2 = tokenizers.Tokenizer.from_file(str(shared_path("vocab", "gpt2", "tokenizer.json")))
    ext.to_huggingface(tmp_path)
    hf = tokenizers.Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    assert hf.get_vocab_size() == ext.vocab_size
    for text in _verses("Gujarati-NT.txt")[-100:] + novels[:200]:
        assert hf.encode(text).ids == ext.encode_ordinary(text)
    for token, i in gpt2.get_vocab().items():
        assert hf.token_to_id(token) == i


def test_gpt2_files_and_names_are_bases():
    files = (
        shared_path("vocab", "gpt2", "encoder.json"),
        shared_path("vocab", "gpt2", "vocab.bpe"),
    )
    text = _verses("Swahili-NT.txt", 500)
    a = bp.train(iter(text), 50257 + 100, base=files, progress=False)
    b = bp.train(iter(text), 50257 + 100, base=shared_path("vocab", "gpt2"), progress=False)
    assert a.merges == b.merges and len(a.merges) > 50000
    c = bp.train(iter(text), 100277 + 100, base=bp.get_encoding("cl100k_base"), progress=False)
    d = bp.train(iter(text), 100277 + 100, base="cl100k_base", progress=False)
    assert c.merges == d.merges


def test_text_and_counts_give_the_same_tokenizer():
    text = _verses("Zulu-NT.txt", 1500)
    base = bp.get_encoding("o200k_base")
    counts = bp.count(iter(text), pattern=base.as_tokenizer().pattern, progress=False)
    a = bp.train(iter(text), base.n_vocab + 300, base=base, progress=False)
    b = bp.train(counts, base.n_vocab + 300, base=base, progress=False)
    assert a.merges == b.merges


def test_a_normalizing_base_counts_normalized_text():
    base = _quiet(bp.train, iter(["Ä ä Ａ"] * 5), 270, normalization="NFKC", progress=False)
    n = base.vocab_size
    ext = _quiet(bp.train, iter(["Ａbc Ａbc Ａbc"]), n + 3, base=base, progress=False)
    sb = _quiet(
        bp.train_superbpe, iter(["Ａbc de Ａbc de\n"] * 3), n + 6, base=base, progress=False
    )
    for tok in (ext, sb):
        assert tok._core.normalization_options == ("NFKC", False)
        learned = [tok.token_bytes(i) for i in range(n, tok.vocab_size)]
        assert any(b"Abc" in t for t in learned), "NFKC made the fullwidth A plain"
        assert not any("Ａ".encode() in t for t in learned)


def test_a_dict_of_languages_is_counted_as_one_corpus():
    langs = {"zul": iter(_verses("Zulu-NT.txt", 300)), "wol": iter(_verses("Wolof-NT.txt", 300))}
    joined = _verses("Zulu-NT.txt", 300) + _verses("Wolof-NT.txt", 300)
    a = bp.train(langs, 50257 + 200, base=shared_path("vocab", "gpt2"), progress=False)
    b = bp.train(iter(joined), 50257 + 200, base=shared_path("vocab", "gpt2"), progress=False)
    assert a.merges == b.merges


def test_superbpe_takes_a_base_by_name():
    text = _verses("Basque-NT.txt", 800)
    sb = _quiet(bp.train_superbpe, iter(text), 100277 + 100, base="cl100k_base", progress=False)
    base = bp.get_encoding("cl100k_base")
    assert sb.special_tokens == base._special_tokens
    assert sb.curriculum["transition"] == len(base.as_tokenizer().merges)


# ---- bad input ---------------------------------------------------------------


def test_a_sentencepiece_base_is_refused():
    spm = bp.load_tokenizer(shared_path("vocab", "openllama-3b-zh-en", "tokenizer.json"))
    with pytest.raises(bp.BytepairError, match="byte-level BPE"):
        bp.train(iter(["a b c"]), spm.vocab_size + 10, base=spm, progress=False)


def test_vocab_size_is_the_final_size():
    with pytest.raises(bp.BytepairError, match="not larger than the base vocabulary"):
        bp.train(iter(["a b"]), 8_000, base="cl100k_base", progress=False)


def test_unfilled_holes_are_named():
    with pytest.raises(bp.BytepairError, match="16 unused ids"):
        bp.train(iter(["ab ab ab"]), 100277 + 50, base="cl100k_base", progress=False)


def test_options_that_do_not_apply_on_a_base_are_refused():
    with pytest.raises(ValueError, match="base's pattern"):
        bp.train(iter(["a"]), 100300, base="cl100k_base", pattern="gpt2", progress=False)
    with pytest.raises(ValueError, match="normalizes text as the base does"):
        bp.train(iter(["a"]), 100300, base="cl100k_base", normalization="NFC", progress=False)
    with pytest.raises(ValueError, match="does not take pad_to, parity"):
        bp.train(
            {"a": iter(["a"])},
            100300,
            base="cl100k_base",
            pad_to=100400,
            parity="max-min",
            parity_ratio={"a": 1.0},
            progress=False,
        )
    counts = bp.count(iter(["a b"]), pattern="gpt2", progress=False)
    with pytest.raises(bp.BytepairError, match="pattern"):
        bp.train(counts, 100300, base="cl100k_base", progress=False)
    # the same pattern given by name is fine
    text = _verses("Armenian-PART.txt", 300)
    tok = bp.train(iter(text), 100277 + 20, base="cl100k_base", pattern="gpt4", progress=False)
    assert tok.vocab_size == 100277 + 20


def test_a_base_that_names_nothing_is_refused(tmp_path):
    with pytest.raises(TypeError, match="not int"):
        bp.train(iter(["a"]), 300, base=3, progress=False)
    with pytest.raises(FileNotFoundError):
        bp.train(iter(["a"]), 300, base=str(tmp_path / "missing.json"), progress=False)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}))
    with pytest.raises(ValueError):
        bp.train(iter(["a"]), 300, base=bad, progress=False)


# ---- the command line -------------------------------------------------------


def test_cli_extend_reports_bytes_per_token_and_writes_the_tokenizer(tmp_path):
    from test_cli import run

    train = tmp_path / "guj.txt"
    held = tmp_path / "guj_dev.txt"
    verses = _verses("Gujarati-NT.txt")
    train.write_text("".join(verses[:4000]), encoding="utf-8")
    held.write_text("".join(verses[4000:]), encoding="utf-8")
    out = tmp_path / "ext.json"
    args = ["extend", "-t", "cl100k_base", str(train), "--add", "500", "-q", "-o", str(out)]
    r = run(*args, "--held-out", str(held))
    assert r.returncode == 0, r.stderr
    assert "100,277 -> 100,761 (500 new tokens)" in r.stdout
    ext = bp.Tokenizer.load(out)
    base = bp.get_encoding("cl100k_base")
    text = held.read_text(encoding="utf-8")
    before = len(text.encode()) / len(base.encode_ordinary(text))
    after = len(text.encode()) / len(ext.encode_ordinary(text))
    row = next(line for line in r.stdout.splitlines() if "held out" in line)
    assert row.split()[3:5] == [f"{before:.3f}", f"{after:.3f}"]
    r = run(*args)
    assert r.returncode == 1 and "exists" in r.stderr, "never overwrites unasked"
    r = run("extend", "-t", "cl100k_base", str(train), "-o", str(tmp_path / "x.json"))
    assert r.returncode == 1 and "--add N" in r.stderr


def test_the_readme_example_runs(tmp_path, monkeypatch):
    scope = run_readme_block("Extending a tokenizer", tmp_path, monkeypatch)
    base, ext, held_out = scope["base"], scope["ext"], scope["held_out"]
    assert (len(base.encode_ordinary(held_out)), len(ext.encode_ordinary(held_out))) == (
        153_157,
        19_472,
    )
    hf = tokenizers.Tokenizer.from_file(str(tmp_path / "cl100k-coptic" / "tokenizer.json"))
    sample = held_out[:3000] + " The quick brown fox, 12345!"
    assert hf.encode(sample, add_special_tokens=False).ids == ext.encode_ordinary(sample)
