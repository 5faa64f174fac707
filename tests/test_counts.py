"""``bytepair.count`` / ``bytepair.Counts``: counting apart from merging,
exact sums of shards, the ``.bpcounts`` format, counts beyond 2**32, and the
bounded-memory cap (issue 8 parts 4-5; the first half of issue 9)."""

from __future__ import annotations

import pickle
import random
from pathlib import Path

import bytepair as bp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.reference import bpe_train

DATA = Path(__file__).resolve().parents[2] / "shared/data/corpora"
SHARDS = [
    DATA / "english/us_inaugural_addresses.txt",
    DATA / "english/tinyshakespeare.txt",
    DATA / "legal/common_licenses_all.txt",
]


def test_count_once_train_several_sizes_equals_training_from_text():
    counts = bp.count(SHARDS, pattern="gpt2", progress=False)
    assert counts.total_bytes == sum(p.stat().st_size for p in SHARDS)
    for size in (300, 1000, 4000):
        from_counts = bp.train(counts, size, progress=False)
        from_text = bp.train(SHARDS, size, pattern="gpt2", progress=False)
        assert from_counts.merges == from_text.merges
        assert from_counts.pattern == "gpt2"


def test_shard_counts_add_up_to_the_whole_in_any_order():
    whole = bp.count(SHARDS, progress=False)
    parts = [bp.count(p, progress=False) for p in SHARDS]
    assert parts[0] + parts[1] + parts[2] == whole
    assert sum(reversed(parts)) == whole
    assert whole[" the"] == sum(p[" the"] for p in parts) > 0
    # Iterators count the same as files (each line one sequence).
    lines = SHARDS[0].read_text(encoding="utf-8").splitlines(keepends=True)
    assert bp.count(iter(lines), progress=False) == parts[0]


def test_normalized_counts_train_a_normalized_tokenizer():
    counts = bp.count(SHARDS[:1], normalization="NFKC", lowercase=True, progress=False)
    tok = bp.train(counts, 500, progress=False)
    assert tok.encode("THE Nation") == tok.encode("the nation")
    with pytest.raises(ValueError, match="normalization"):
        bp.train(counts, 500, normalization="NFC", progress=False)
    with pytest.raises(ValueError, match="pattern"):
        bp.train(counts, 500, pattern="gpt2", progress=False)
    with pytest.raises(ValueError, match="cannot add"):
        counts + bp.count(SHARDS[:1], progress=False)


def test_save_load_and_pickle(tmp_path):
    counts = bp.count(SHARDS[:2], pattern="o200k", progress=False)
    path = counts.save(tmp_path / "c.bpcounts")
    back = bp.Counts.load(path)
    assert back == counts and back.pattern == "o200k"
    assert back.most_common(5) == counts.most_common(5)
    assert pickle.loads(pickle.dumps(counts)) == counts
    # Compact: well under the text's size.
    assert path.stat().st_size < 0.3 * counts.total_bytes
    # Canonical: the same counts give the same bytes.
    assert (tmp_path / "c.bpcounts").read_bytes() == back.save(tmp_path / "d").read_bytes()


@given(data=st.data())
@settings(max_examples=200, deadline=None)
def test_damaged_count_files_raise_format_error(data):
    counts = bp.Counts.from_dict({" the": 2**40, "a": 3, "東京": 7, "x" * 40: 1})
    raw = bytearray(counts._core.to_bytes())
    kind = data.draw(st.sampled_from(["flip", "cut", "dup"]))
    i = data.draw(st.integers(0, len(raw) - 1))
    if kind == "flip":
        raw[i] ^= 1 << data.draw(st.integers(0, 7))
    elif kind == "cut":
        del raw[i:]
    else:
        raw[i:i] = raw[i : i + data.draw(st.integers(1, 30))]
    with pytest.raises(bp.FormatError):
        bp._core.Counts.from_bytes(data=bytes(raw), source="<bytes>")


def test_a_newer_format_version_says_so():
    raw = bytearray(bp.Counts.from_dict({"a": 1})._core.to_bytes())
    raw[8] = 2
    with pytest.raises(bp.FormatError, match="version 2"):
        bp._core.Counts.from_bytes(data=bytes(raw), source="<bytes>")


@given(
    words=st.dictionaries(
        st.binary(min_size=1, max_size=6).map(lambda b: bytes(x % 4 + 97 for x in b)),
        st.integers(2**31, 2**45),
        min_size=1,
        max_size=20,
    ),
    extra=st.integers(1, 30),
)
@settings(max_examples=100, deadline=None)
def test_counts_beyond_two_to_the_32_match_the_reference(words, extra):
    """HF#2058 wrapped pair counts at 2**31; Python ints do not wrap."""
    tokens, merges = bpe_train.train(words, 256 + extra)
    ours = bp.train(
        bp.Counts.from_dict(words, pattern=None), 256 + extra, special_tokens=[], progress=False
    )
    assert ours._core.merges() == merges


def test_most_frequent_pair_wins_above_two_to_the_32_and_sums_saturate():
    counts = bp.Counts.from_dict({"ab": 5 * 2**32, "cd": 5 * 2**32 - 1, "ef": 2**33}, pattern=None)
    tok = bp.train(counts, 259, special_tokens=[], progress=False)
    assert [tok.token_bytes(256 + i) for i in range(3)] == [b"ab", b"cd", b"ef"]
    # Counts add without wrapping: the sum stops at 2**64-1.
    huge = bp.Counts.from_dict({"a": 2**64 - 5}, pattern=None)
    assert (huge + huge)["a"] == 2**64 - 1
    # A total no i64 pair count can hold is refused, not wrapped negative.
    with pytest.raises(ValueError, match="2\\^63"):
        bp.train(
            bp.Counts.from_dict({"ab": 2**63, "cd": 3}, pattern=None),
            258,
            special_tokens=[],
            progress=False,
        )


def test_bounded_counting_keeps_at_most_the_cap_and_says_what_it_dropped():
    rng = random.Random(0)
    common = [f" w{chr(97 + i % 26)}{chr(97 + i // 26)}" for i in range(50)]
    lines = []
    for _ in range(20_000):
        words = [rng.choice(common) for _ in range(8)]
        words.append(" " + "".join(rng.choice("abcdefghij") for _ in range(9)))  # ~unique
        lines.append("".join(words) + "\n")
    exact = bp.count(iter(lines), progress=False)
    capped = bp.count(iter(lines), max_distinct=1000, progress=False)
    assert len(exact) > 20_000 and len(capped) <= 1000
    p = capped.pruned
    assert p["prunes"] >= 1 and p["distinct"] > 0 and p["occurrences"] > 0
    # The frequent words survive, low by at most the documented bound.
    for w in common:
        assert exact[w] - p["threshold_sum"] <= capped[w] <= exact[w]
    # Training on the capped counts learns the frequent words' merges.
    tok = bp.train(capped, 400, progress=False)
    assert len(tok.encode(" wqa")) == 1
    # Independent of the thread count.
    one = bp.count(iter(lines), max_distinct=1000, num_threads=1, progress=False)
    two = bp.count(iter(lines), max_distinct=1000, num_threads=2, progress=False)
    assert one == two == capped


@settings(max_examples=40, deadline=None)
@given(
    lines=st.lists(
        st.text(alphabet=st.sampled_from(list("ab \t\r\n'é中.")), max_size=30), max_size=60
    ),
    cuts=st.lists(st.floats(0, 1), max_size=6),
)
def test_byte_ranges_that_tile_a_file_count_it_once(tmp_path_factory, lines, cuts):
    # Lines that start with spaces or newlines (which join the previous
    # line's newline run under cl100k) and cut points anywhere, inside
    # multi-byte characters too.
    path = tmp_path_factory.mktemp("ranges") / "f.txt"
    path.write_text("".join(lines), encoding="utf-8")
    size = path.stat().st_size
    bounds = sorted({0, size, *(int(c * size) for c in cuts)})
    ranges = [(str(path), a, b) for a, b in zip(bounds, bounds[1:], strict=False)]
    whole = bp.count(str(path), pattern="gpt4", progress=False)
    if not ranges:
        return
    assert bp.count(ranges, progress=False) == whole
    assert bp.Counts.sum([bp.count([r], progress=False) for r in ranges]) == whole


def test_partitions_are_disjoint_and_sum_to_the_whole():
    whole = bp.count(SHARDS, progress=False)
    parts = whole.partition(5)
    assert len(parts) == 5
    keys = [set(w for w, _ in p.most_common()) for p in parts]
    assert sum(len(k) for k in keys) == len(whole)
    assert len(set().union(*keys)) == len(whole)
    assert bp.Counts.sum(parts) == whole
    assert sum(p.total_bytes for p in parts) == whole.total_bytes
    # The split depends only on the pre-token: a shard's part i holds the
    # pre-tokens of the whole's part i that occur in the shard.
    shard_parts = bp.count(SHARDS[0], progress=False).partition(5)
    for sp, wp in zip(shard_parts, keys, strict=True):
        assert {w for w, _ in sp.most_common()} <= wp
    with pytest.raises(ValueError, match="parts"):
        whole.partition(0)


def test_superbpe_from_counts_equals_superbpe_from_text():
    words = bp.count(SHARDS, pattern="superbpe-stage1", progress=False)
    pieces = bp.count(SHARDS, pattern="superbpe", line_boundaries=True, progress=False)
    assert pieces.line_boundaries and not words.line_boundaries
    from_text = bp.train_superbpe(SHARDS, 2000, 1000, progress=False)
    from_counts = bp.train_superbpe((words, pieces), 2000, 1000, progress=False)
    assert from_counts._core.to_native_json() == from_text._core.to_native_json()
    # Saved and loaded, the flag survives.
    assert bp.Counts.from_bytes(pieces.to_bytes()).line_boundaries
    # Mixed-up counts are refused with the reason.
    with pytest.raises(ValueError, match="line_boundaries=True"):
        bp.train_superbpe((words, words), 2000, 1000, progress=False)
    with pytest.raises(ValueError, match="stage-1"):
        bp.train_superbpe((pieces, pieces), 2000, 1000, progress=False)
    with pytest.raises(ValueError, match="train_superbpe"):
        bp.train(pieces, 1000, progress=False)
    with pytest.raises(ValueError, match="line_boundaries"):
        _ = words + pieces
    with pytest.raises(ValueError, match="not stage2_pattern"):
        bp.train_superbpe((words, pieces), 2000, 1000, stage2_pattern="digits-only")
