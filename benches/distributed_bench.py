"""Distributed counting against one process, and the driver's memory in the
merge phase (issue 9's targets).

    python benches/distributed_bench.py count  [--runs 5] [CORPUS...]
    python benches/distributed_bench.py memory [--sizes 250000 1000000 ...]

count: a local Ray cluster (``bytepair.distributed.local_cluster``: a head
with no CPUs and two worker nodes of one CPU each, started with ``ray
start``) against ``bytepair.count(num_threads=2)`` on the same two cores.
Each run is a fresh driver process; runs alternate between the two. The
distributed driver times its first call (a new Ray job: worker processes
start and import bytepair) and a second call in the same job.

memory: a fresh process loads counts with N distinct pre-tokens (all of the
corpora's own pre-tokens, then made-up words with Zipf counts), resets its
peak-RSS mark, trains a 65,536 vocabulary from them (what the driver does
after distributed counting) and reports the peak RSS of that phase.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "corpora"


def _rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_count(kind: str, address: str, files: list[str]) -> dict:
    import bytepair as bp

    if kind == "single":
        t = time.perf_counter()
        c = bp.count(files, num_threads=2, progress=False)
        return {"seconds": time.perf_counter() - t, "distinct": len(c)}
    import ray

    t = time.perf_counter()
    ray.init(address=address, log_to_driver=False)
    connect = time.perf_counter() - t
    t = time.perf_counter()
    c = bp.distributed.count(files, progress=False)
    first = time.perf_counter() - t
    t = time.perf_counter()
    c2 = bp.distributed.count(files, progress=False)
    second = time.perf_counter() - t
    assert c2 == c
    return {"connect": connect, "seconds": first, "second": second, "distinct": len(c)}


def bench_count(args) -> None:
    files = args.corpus or sorted(
        p for p in glob.glob(str(DATA / "**" / "*"), recursive=True) if os.path.isfile(p)
    )
    size = sum(os.path.getsize(p) for p in files)
    print(f"corpus: {len(files)} files, {size / 1e6:.1f} MB; {args.runs} runs each")
    import bytepair as bp

    reference = bp.count(files, progress=False)
    with bp.distributed.local_cluster(workers=2, cpus_per_worker=1, connect=False) as address:
        rows: dict[str, list[dict]] = {"single": [], "dist": []}
        for _ in range(args.runs):
            for kind in ("single", "dist"):
                out = subprocess.run(
                    [sys.executable, __file__, "_one", kind, address, *files],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                r = json.loads(out.stdout.strip().splitlines()[-1])
                assert r["distinct"] == len(reference)
                rows[kind].append(r)
    single = statistics.median(r["seconds"] for r in rows["single"])
    first = statistics.median(r["seconds"] for r in rows["dist"])
    second = statistics.median(r["second"] for r in rows["dist"])
    connect = statistics.median(r["connect"] for r in rows["dist"])
    print(f"distinct pre-tokens: {len(reference):,} (equal in every run)")
    print("| run | seconds (median) | MB/s | vs one process |")
    print("|---|---|---|---|")
    print(f"| bytepair.count, 2 threads | {single:.2f} | {size / 1e6 / single:.0f} | 1.00 |")
    for name, s in [
        ("distributed, first call in a new job", first),
        ("distributed, next call", second),
    ]:
        print(f"| {name} | {s:.2f} | {size / 1e6 / s:.0f} | {s / single:.2f} |")
    print(f"(ray.init connect: {connect:.2f} s, not included)")
    print("raw:", json.dumps(rows))


def one_memory(path: str, vocab: int) -> dict:
    import bytepair as bp

    counts = bp.Counts.load(path)
    loaded = _rss_mb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak-RSS mark
    t = time.perf_counter()
    tok = bp.train(counts, vocab, progress=False)
    seconds = time.perf_counter() - t
    return {
        "distinct": len(counts),
        "counts_rss_mb": loaded,
        "peak_rss_mb": _rss_mb("VmHWM"),
        "seconds": seconds,
        "vocab": tok.vocab_size,
    }


def _synthetic_counts(base, n: int, seed: int = 0):
    """``base`` plus made-up words until there are ``n`` distinct: a leading
    space and 2-14 letters (lengths like English words), counts Zipf-like
    below the corpus's own rarest."""
    import random

    import bytepair as bp

    rng = random.Random(seed)
    items = dict(base.most_common())
    letters = "etaoinshrdlcumwfgypbvkjxqz"
    weights = [12.7, 9.1, 8.2, 7.5, 7.0, 6.7, 6.3, 6.1, 6.0, 4.3, 4.0, 2.8, 2.8]
    weights += [2.4, 2.4, 2.2, 2.0, 2.0, 1.9, 1.5, 1.0, 0.8, 0.2, 0.2, 0.1, 0.1]
    rank = 1
    while len(items) < n:
        length = min(14, max(2, int(rng.expovariate(1 / 6)) + 2))
        word = (" " + "".join(rng.choices(letters, weights, k=length))).encode()
        if word not in items:
            items[word] = max(1, int(5000 / rank))
            rank += 1
    return bp.Counts.from_dict(items, pattern=base.pattern)


def bench_memory(args) -> None:
    import bytepair as bp

    files = sorted(glob.glob(str(DATA / "**" / "*.txt"), recursive=True))
    base = bp.count(files, progress=False)
    print(f"corpora: {len(base):,} distinct pre-tokens in {base.total_bytes / 1e6:.0f} MB")
    print(
        "| distinct pre-tokens | counts held (MB RSS) | merge-phase peak RSS (MB) | "
        "bytes per pre-token | train seconds |"
    )
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            counts = base if n <= len(base) else _synthetic_counts(base, n)
            if n < len(base):
                counts = bp.Counts.from_dict(dict(base.most_common(n)), pattern=base.pattern)
            path = Path(tmp) / f"{n}.bpcounts"
            counts.save(path)
            del counts
            out = subprocess.run(
                [sys.executable, __file__, "_mem", str(path), str(args.vocab)],
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(out.stdout.strip().splitlines()[-1])
            per = r["peak_rss_mb"] * 2**20 / r["distinct"]
            print(
                f"| {r['distinct']:,} | {r['counts_rss_mb']:.0f} | {r['peak_rss_mb']:.0f} | "
                f"{per:.0f} | {r['seconds']:.1f} |",
                flush=True,
            )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_one":
        print(json.dumps(one_count(sys.argv[2], sys.argv[3], sys.argv[4:])))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_mem":
        print(json.dumps(one_memory(sys.argv[2], int(sys.argv[3]))))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    c = sub.add_parser("count")
    c.add_argument("--runs", type=int, default=5)
    c.add_argument("corpus", nargs="*")
    m = sub.add_parser("memory")
    m.add_argument("--sizes", type=int, nargs="+", default=[250_000, 1_000_000, 4_000_000])
    m.add_argument("--vocab", type=int, default=65536)
    args = ap.parse_args()
    # Token authentication for the cluster and every driver (inherited by the
    # subprocesses); Ray reads it when first imported, which is after this.
    os.environ.setdefault("RAY_AUTH_MODE", "token")
    os.environ.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(32))
    bench_count(args) if args.what == "count" else bench_memory(args)


if __name__ == "__main__":
    main()
