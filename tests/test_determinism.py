"""Training is a function of the data alone (issue 8, part 4): byte-identical
output for 1/2/4/8 threads, repeated runs, any PYTHONHASHSEED and any order of
the input shards. Ties go to the smaller (left id, right id) pair."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import bytepair as bp
import pytest

DATA = Path(__file__).resolve().parents[2] / "shared/data/corpora"
SHARDS = [
    DATA / "english/us_inaugural_addresses.txt",
    DATA / "english/tinyshakespeare.txt",
    DATA / "legal/common_licenses_all.txt",
]


def _digest(tok) -> str:
    return hashlib.sha256(tok.to_huggingface_json().encode()).hexdigest()


TRAINERS = {
    "bpe": lambda shards, n: bp.train(shards, 3000, num_threads=n, progress=False),
    "superbpe": lambda shards, n: bp.train_superbpe(
        shards, 3000, transition=2000, num_threads=n, progress=False
    ),
    "bytes": lambda shards, n: bp.train_bytes(shards, 1500, num_threads=n, progress=False),
    "capped": lambda shards, n: bp.train(
        shards, 3000, max_distinct=20_000, num_threads=n, progress=False
    ),
}


@pytest.mark.parametrize("kind", list(TRAINERS))
def test_same_bytes_for_any_thread_count_and_repeated_runs(kind):
    train = TRAINERS[kind]
    digests = {n: _digest(train(SHARDS, n)) for n in (1, 2, 4, 8)}
    digests["again"] = _digest(train(SHARDS, 2))
    assert len(set(digests.values())) == 1, digests


@pytest.mark.parametrize("kind", ["bpe", "superbpe", "bytes"])
def test_same_bytes_for_any_shard_order(kind):
    train = TRAINERS[kind]
    orders = [SHARDS, SHARDS[::-1], [SHARDS[1], SHARDS[2], SHARDS[0]]]
    assert len({_digest(train(list(o), 2)) for o in orders}) == 1


SCRIPT = textwrap.dedent(
    """
    import hashlib, sys
    import bytepair as bp
    shards = sys.argv[1:]
    a = bp.train(shards, 2000, progress=False)
    b = bp.train_superbpe(iter(open(shards[0], encoding="utf-8")), 2000, transition=1000,
                          progress=False)
    print(hashlib.sha256((a.to_huggingface_json() + b.to_huggingface_json()).encode()).hexdigest())
    """
)


def test_same_bytes_for_any_pythonhashseed():
    digests = set()
    for seed in ("0", "1", "4242", "random"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        r = subprocess.run(
            [sys.executable, "-c", SCRIPT, *map(str, SHARDS)],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert r.returncode == 0, r.stderr
        digests.add(r.stdout.strip())
    assert len(digests) == 1


def test_ties_go_to_the_smaller_pair_of_ids():
    # Every pair occurs once: the merge order is the order of (left, right) ids,
    # and ids 0-255 follow GPT-2's byte-to-unicode order (HF's).
    tok = bp.train(
        iter(["zy", "ab", "cd", "ba"]), 260, pattern=None, special_tokens=[], progress=False
    )
    assert tok.merges == [(b"a", b"b"), (b"b", b"a"), (b"c", b"d"), (b"z", b"y")]
    # A higher count wins over a smaller pair.
    tok = bp.train(iter(["ab", "zy", "zy"]), 257, pattern=None, special_tokens=[], progress=False)
    assert tok.merges == [(b"z", b"y")]
