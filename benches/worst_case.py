"""Worst-case inputs: how encoding time grows as the input doubles.

    python benches/worst_case.py [--min-size 1000000] [--max-size 16000000]
                                 [--tools bytepair,tiktoken] [--encoding cl100k_base]

The inputs are tests/reference/adversarial.py's (text for both tools, raw
bytes for bytepair's encode_bytes). Each (tool, input, size) runs in a fresh
process that encodes it 3 times and reports the median; a crash or error is
reported as such. The ratio column is the worst time(2n) / time(n) over the
doublings that start at 50 ms or more: linear is 2.0, quadratic 4.0.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benches"))

from tests.reference.adversarial import BYTES, TEXT  # noqa: E402


def worker(tool: str, kind: str, n: int, encoding: str) -> float:
    if tool == "bytepair":
        import bytepair as bp

        enc = bp.get_encoding(encoding)
    else:
        from encode_bench import tiktoken_encoding

        enc = tiktoken_encoding(encoding)
    if kind in TEXT:
        data = TEXT[kind](n)
        call = enc.encode_ordinary
    else:
        data = BYTES[kind](n)
        call = enc._encode_bytes
    times = []
    for _ in range(3):
        t = time.perf_counter()
        call(data)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def measure(tool: str, kind: str, n: int, encoding: str) -> float | str:
    r = subprocess.run(
        [sys.executable, __file__, "--worker", tool, kind, str(n), "--encoding", encoding],
        capture_output=True,
        text=True,
        check=False,
    )
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["?"])[-1]
        return f"failed: {last[:60]}"
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--min-size", type=int, default=1_000_000)
    ap.add_argument("--max-size", type=int, default=16_000_000)
    ap.add_argument("--tools", default="bytepair,tiktoken")
    ap.add_argument("--encoding", default="cl100k_base")
    ap.add_argument("--worker", nargs=3)
    a = ap.parse_args()
    if a.worker:
        tool, kind, n = a.worker
        print(json.dumps(worker(tool, kind, int(n), a.encoding)))
        return
    sizes = []
    n = a.min_size
    while n <= a.max_size:
        sizes.append(n)
        n *= 2
    head = " | ".join(f"{s / 1e6:g} MB" for s in sizes)
    print(f"| input | tool | {head} | worst ratio |")
    print("|---|---|" + "---|" * len(sizes) + "---|")
    worst_overall = (0.0, "")
    for kind in [*TEXT, *BYTES]:
        for tool in a.tools.split(","):
            if kind in BYTES and tool != "bytepair":
                continue  # tiktoken's _encode_bytes is private and differs by design
            cells, times = [], []
            for s in sizes:
                t = measure(tool, kind, s, a.encoding)
                if isinstance(t, str):
                    cells.append(t)
                    break
                times.append(t)
                cells.append(f"{t:.3f} s")
            cells += [""] * (len(sizes) - len(cells))
            # Doublings from under 50 ms are left out: at that scale the
            # first-touch page faults and timer noise decide the ratio.
            ratios = [b / x for x, b in zip(times, times[1:], strict=False) if x >= 0.05]
            worst = max(ratios, default=float("nan"))
            if tool == "bytepair" and ratios and worst > worst_overall[0]:
                worst_overall = (worst, kind)
            print(f"| {kind} | {tool} | {' | '.join(cells)} | {worst:.2f} |", flush=True)
    print(f"\nbytepair's worst doubling ratio: {worst_overall[0]:.2f} ({worst_overall[1]})")


if __name__ == "__main__":
    main()
