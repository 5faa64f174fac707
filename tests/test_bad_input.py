"""Bad input gets a clear Python exception, never a panic or a hang."""

from __future__ import annotations

import json
import warnings

import bytepair as bp
import bytepair.byte_level
import pytest
from hypothesis import given
from hypothesis import strategies as st


def test_empty_corpus_stops_early_with_a_warning():
    with pytest.warns(bp.EarlyStopWarning, match="no pair left"):
        tok = bp.train(iter([]), 1000, progress=True)
    assert tok.vocab_size == 257
    assert bp.last_train_report.stop == "no_pairs"


def test_small_corpus_stops_early_quietly_when_progress_is_off():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tok = bp.train(iter(["abc abc"]), 5000, progress=False)
    assert bp.last_train_report.stop == "no_pairs"
    assert tok.vocab_size < 5000


def test_min_frequency_stop_is_reported():
    bp.train(iter(["ab ab ab cd"]), 1000, min_frequency=3, progress=False)
    assert bp.last_train_report.stop == "min_frequency"


def test_vocab_size_too_small():
    with pytest.raises(bp.BytepairError, match="too small"):
        bp.train(iter(["abc"]), 256, special_tokens=["<s>"], progress=False)
    with pytest.raises(ValueError):
        bp.train(iter(["abc"]), 0, progress=False)


def test_invalid_regex():
    with pytest.raises(bp.BytepairError, match="invalid pre-tokenization pattern"):
        bp.train(iter(["abc"]), 300, pattern="(unclosed", progress=False)


@pytest.mark.timeout(20)
def test_catastrophic_regex_is_an_error_not_a_hang():
    # Backreferences and unbounded lookarounds are refused when compiled: the
    # backtracking limit is per match attempt and cannot stop either.
    with pytest.raises(bp.BytepairError, match="backreferences"):
        bp.train(iter(["a" * 40 + "!"]), 300, pattern=r"(a|aa)+\1b", progress=False)
    with pytest.raises(bp.BytepairError, match="lookaround"):
        bp.pretokenize("a" * 40_000 + "c", r"(?=(a+)+b)a")
    # An exponential search inside one attempt hits the step limit: an error.
    with pytest.raises(bp.BytepairError, match="regex failed"):
        bp.pretokenize("a" * 40_000 + "c", r"[a-z]+(?!x)\d")
    # Nested quantifiers with a bounded lookahead finish quickly.
    bp.train(iter(["a" * 40 + "!"]), 300, pattern=r"(a+)+(?=b)|.", progress=False)


def test_invalid_utf8_file_names_file_and_offset(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_bytes(b"fine line\nok \xff\xfe broken\n")
    with pytest.raises(bp.InvalidUtf8Error, match=r"bad\.txt: invalid UTF-8 at byte offset 13"):
        bp.train(str(p), 300, progress=False)


def test_missing_file_and_empty_glob(tmp_path):
    with pytest.raises(FileNotFoundError, match="iter"):
        bp.train(str(tmp_path / "nope.txt"), 300, progress=False)
    with pytest.raises(FileNotFoundError):
        bp.train(str(tmp_path / "*.txt"), 300, progress=False)


def test_text_passed_as_paths_is_named_by_its_start():
    text = "[Chapter 1]\nIt was a dark and stormy night. " * 500
    with pytest.raises(FileNotFoundError, match="looks like text") as e:
        bp.train([text], 300, progress=False)
    assert e.value.filename == text[:40] + "..."
    assert len(str(e.value)) < 300, "the message does not quote the whole text"
    with pytest.raises(FileNotFoundError, match="looks like text"):
        bp.count("one line\nand another", progress=False)


def test_a_lone_surrogate_in_a_corpus_is_named_with_its_offset():
    with pytest.raises(bp.InvalidUtf8Error, match=r"corpus item 1 \(a lone surrogate\).*offset 2"):
        bp.train(iter(["fine", "ab\ud800c"]), 300, progress=False)
    with pytest.raises(TypeError, match="corpus item 0 is int"):
        bp.train(iter([5]), 300, progress=False)


def test_wrong_types():
    with pytest.raises(TypeError, match="corpus item 1 is int"):
        bp.train(iter(["ok", 5]), 300, progress=False)
    with pytest.raises(TypeError):
        bp.train(iter(["ok"]), "300", progress=False)
    with pytest.raises(TypeError):
        bp.train(iter(["ok"]), 300, special_tokens="<s>", progress=False)
    with pytest.raises(bp.BytepairError, match="given twice"):
        bp.train(iter(["ok"]), 300, special_tokens=["<s>", "<s>"], progress=False)


def test_corrupt_native_files(tmp_path):
    tok = bp.train(iter(["hello world"] * 3), 270, progress=False)
    good = json.loads(tok._core.to_native_json())
    cases = {
        "not json": "{",
        "other format": json.dumps({**good, "format": "x"}),
        "newer": json.dumps({**good, "version": 99}),
        "missing byte": json.dumps({**good, "tokens": good["tokens"][1:]}),
        "bad merge": json.dumps({**good, "merges": [[0, 10**6]]}),
        "merge result missing": json.dumps({**good, "merges": good["merges"] + [[0, 0]]}),
        "special id clash": json.dumps({**good, "special_tokens": [["<x>", 3]]}),
        "bad char": json.dumps({**good, "tokens": good["tokens"][:-1] + ["\u3000"]}),
    }
    for name, text in cases.items():
        p = tmp_path / f"{name}.json"
        p.write_text(text, encoding="utf-8")
        with pytest.raises(bp.FormatError) as info:
            bp.Tokenizer.load(p)
        assert str(p) in str(info.value), name
    with pytest.raises(bp.FormatError, match="newer bytepair"):
        bp.Tokenizer.load(tmp_path / "newer.json")


def _rank_lines():
    import base64

    return [f"{base64.b64encode(bytes([b])).decode()} {b}" for b in range(256)]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("!!!! 256", "line 257: .*not base64"),
        ("YWI= x", "line 257: .*not a non-negative integer"),
        ("YWI= 255", "line 257: rank 255 was already given on line 256"),
        ("YWI= 99999999", "line 257: rank 99999999 is absurdly large"),
        ("YWI=", "line 257: expected two fields"),
    ],
)
def test_damaged_rank_files_name_the_line(tmp_path, extra, message):
    path = tmp_path / "bad.tiktoken"
    path.write_text("\n".join([*_rank_lines(), extra]) + "\n")
    with pytest.raises(ValueError, match=message):
        bp.load.load_tiktoken_bpe(path)
    with pytest.raises(ValueError, match=message):
        bp.Encoding.from_tiktoken_file(path, pat_str="gpt2")


def test_rank_gaps_and_missing_bytes_are_errors(tmp_path):
    lines = _rank_lines()
    gapped = tmp_path / "gap.tiktoken"
    gapped.write_text("\n".join([*lines, "YWI= 300"]) + "\n")
    with pytest.raises(ValueError, match="rank 256"):
        bp.Encoding.from_tiktoken_file(gapped, pat_str="gpt2")
    # a special token may fill a gap, as in p50k_base
    enc = bp.Encoding.from_tiktoken_file(
        gapped, pat_str="gpt2", special_tokens={f"<|s{i}|>": i for i in range(256, 300)}
    )
    assert enc.n_vocab == 301
    ranks = {**{bytes([b]): b for b in range(256) if b != 7}, b"ab": 7}
    with pytest.raises(ValueError, match="0x07"):
        bp.Encoding("x", pat_str="gpt2", mergeable_ranks=ranks, special_tokens={})
    with pytest.raises(ValueError, match="far beyond"):
        bp.Encoding(
            "x",
            pat_str="gpt2",
            mergeable_ranks={**{bytes([b]): b for b in range(256)}, b"ab": 10**7},
            special_tokens={},
        )
    with pytest.raises(OSError):
        bp.load.load_tiktoken_bpe(gapped.with_name("missing.tiktoken"))


def _small_files():
    import base64

    ranks = "".join(f"{base64.b64encode(bytes([b])).decode()} {b}\n" for b in range(256))
    ranks += "YWI= 256\nYWJj 257\n"
    vocab = {bp.byte_level.bytes_to_unicode()[b]: i for i, b in enumerate(range(256))}
    vocab["ab"] = 256
    hf = json.dumps(
        {
            "added_tokens": [{"id": 257, "content": "<|e|>", "special": True}],
            "normalizer": None,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "use_regex": True},
            "post_processor": None,
            "model": {"type": "BPE", "vocab": vocab, "merges": ["a b"]},
        }
    )
    return ranks.encode(), hf.encode()


@given(data=st.data())
def test_mutated_files_load_or_raise_value_error(data):
    """Bit flips, truncation and splices of valid files: a clean load or a
    ValueError (FormatError); never a panic or another exception."""
    ranks, hf = _small_files()
    for original, load in (
        (
            ranks,
            lambda b: bp.Tokenizer(
                bp._core.load_tiktoken(data=b, pattern="gpt2", special_tokens=[], source="fuzz")
            ),
        ),
        (
            hf,
            lambda b: bp.Tokenizer(
                bp._core.load_hf_json(text=b.decode("utf-8", "replace"), source="fuzz")
            ),
        ),
    ):
        b = bytearray(original)
        for _ in range(data.draw(st.integers(1, 4))):
            kind = data.draw(st.sampled_from(["flip", "cut", "dup"]))
            i = data.draw(st.integers(0, len(b) - 1))
            if kind == "flip":
                b[i] ^= 1 << data.draw(st.integers(0, 7))
            elif kind == "cut":
                del b[i:]
                if not b:
                    b = bytearray(b"x")
            else:
                j = data.draw(st.integers(i, min(len(b), i + 40)))
                b[i:i] = b[i:j]
        try:
            tok = load(bytes(b))
        except ValueError:
            continue
        text = "ab abc x"
        assert tok.decode_bytes(tok.encode(text, allowed_special=[])) == text.encode()


def test_encode_files_failure_leaves_no_file(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"fine text\n\xff\xfe broken")
    out = tmp_path / "tokens.bin"
    with pytest.raises(bp.InvalidUtf8Error, match="bad.txt"):
        bp.get_encoding("cl100k_base").encode_files([bad], out, progress=False)
    assert list(tmp_path.iterdir()) == [bad]
