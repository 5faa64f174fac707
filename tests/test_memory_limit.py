"""Bounded-memory training (issue 8, part 5): a corpus three times the
process's address-space limit, with more distinct pre-tokens than could ever
fit, trains under that limit with ``max_distinct``; without it the same run
dies at the limit (so the limit is real)."""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap

import pytest

LIMIT = 1 << 30  # RLIMIT_AS of the child: 1 GiB of address space
BLOCK = 64 << 20


def _write_corpus(path, size: int) -> None:
    """Random lowercase words; each 64 MB block is the first one under a
    different letter substitution, so distinct words keep growing
    (about 8 million new ones per block)."""
    rng = random.Random(1)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = []
    n = 0
    while n < BLOCK:
        w = "".join(rng.choice(letters) for _ in range(rng.randint(4, 9)))
        line_end = "\n" if rng.random() < 0.1 else ""
        words.append(f" {w}{line_end}")
        n += len(w) + 1 + len(line_end)
    block = "".join(words).encode()
    with open(path, "wb") as f:
        for k in range(size // BLOCK):
            src = letters.encode()
            dst = (letters[k % 26 :] + letters[: k % 26]).encode()
            if k >= 26:
                dst = dst.upper()
            f.write(block.translate(bytes.maketrans(src, dst)))


CHILD = textwrap.dedent(
    """
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
    import bytepair as bp
    cap = None if sys.argv[2] == "none" else int(sys.argv[2])
    tok = bp.train(sys.argv[1], 2000, max_distinct=cap, progress=False)
    report = bp.last_train_report
    peak = [l for l in open("/proc/self/status") if l.startswith("VmPeak")][0].split()[1]
    print(tok.vocab_size, report.bytes, int(peak) * 1024)
    """
)


@pytest.mark.timeout(900)
def test_training_on_three_times_the_memory_limit(tmp_path):
    corpus = tmp_path / "big.txt"
    _write_corpus(corpus, 3 * LIMIT)
    size = corpus.stat().st_size
    assert size >= 3 * LIMIT - BLOCK
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(limit=LIMIT))

    capped = subprocess.run(
        [sys.executable, str(script), str(corpus), "2000000"],
        capture_output=True,
        text=True,
        timeout=850,
    )
    assert capped.returncode == 0, capped.stderr[-2000:]
    vocab, counted, peak = map(int, capped.stdout.split())
    assert vocab == 2000 and counted == size
    assert peak <= LIMIT

    # Without the cap the distinct words outgrow the limit: the child fails.
    exact = subprocess.run(
        [sys.executable, str(script), str(corpus), "none"],
        capture_output=True,
        text=True,
        timeout=850,
    )
    assert exact.returncode != 0
