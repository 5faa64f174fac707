"""Bounded-memory training: a generated corpus several times a process's
address-space limit, trained with and without ``max_distinct``.

    python benches/memory_bench.py [--limit-mb 1024] [--times 3] [--cap 2000000]

The corpus is tests/test_memory_limit.py's (random words; every 64 MB block
under a new letter substitution, so distinct words never stop growing).
Each run is a fresh process under RLIMIT_AS; it reports time, peak RSS
(VmHWM), peak address space (VmPeak) and what the cap dropped.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.test_memory_limit import _write_corpus  # noqa: E402

CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    limit = int(sys.argv[3])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import bytepair as bp
    cap = None if sys.argv[2] == "none" else int(sys.argv[2])
    t = time.perf_counter()
    counts = bp.count(sys.argv[1], max_distinct=cap, progress=False)
    counted = time.perf_counter() - t
    tok = bp.train(counts, 32768, progress=False)
    status = {l.split(":")[0]: int(l.split()[1]) * 1024 for l in open("/proc/self/status")
              if l.startswith(("VmPeak", "VmHWM"))}
    print(json.dumps({"vocab": tok.vocab_size, "distinct": len(counts), "bytes": counts.total_bytes,
                      "count_s": counted, "total_s": time.perf_counter() - t,
                      "pruned": counts.pruned, **status}))
    """
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit-mb", type=int, default=1024)
    ap.add_argument("--times", type=int, default=3)
    ap.add_argument("--cap", type=int, default=2_000_000)
    a = ap.parse_args()
    limit = a.limit_mb << 20
    with tempfile.TemporaryDirectory() as d:
        corpus = Path(d) / "big.txt"
        _write_corpus(corpus, a.times * limit)
        size = corpus.stat().st_size
        print(f"corpus: {size / 1e9:.2f} GB; address-space limit {a.limit_mb} MiB\n")
        print("| max_distinct | result | time | peak RSS | peak address space | kept | dropped |")
        print("|---|---|---|---|---|---|---|")
        for cap in (str(a.cap), "none"):
            r = subprocess.run(
                [sys.executable, "-c", CHILD, str(corpus), cap, str(limit)],
                capture_output=True,
                text=True,
            )
            if r.returncode != 0:
                why = (r.stderr.strip().splitlines() or [f"exit {r.returncode}"])[-1][:60]
                print(f"| {cap} | failed (exit {r.returncode}: {why}) | | | | | |")
                continue
            x = json.loads(r.stdout)
            p = x["pruned"]
            print(
                f"| {cap} | vocab {x['vocab']} | {x['total_s']:.1f} s (counting "
                f"{x['count_s']:.1f} s) | {x['VmHWM'] / 2**20:.0f} MiB | "
                f"{x['VmPeak'] / 2**20:.0f} MiB | {x['distinct']:,} | "
                f"{p['distinct']:,} in {p['prunes']} prunes (counts low by <= "
                f"{p['threshold_sum']}) |"
            )


if __name__ == "__main__":
    main()
