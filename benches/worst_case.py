"""Worst-case inputs: time to encode n and 2n characters (cl100k_base).

    python benches/worst_case.py [--size 1000000] [--tools bytepair,tiktoken]

Each (tool, input, size) runs in a fresh process; a crash or error is reported
as such. The last column is time(2n) / time(n): linear is 2.0.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

INPUTS = {
    "spaces then x": lambda n: " " * n + "x",
    "a * n": lambda n: "a" * n,
    "one CJK char": lambda n: "東" * (n // 3),
    "tabs": lambda n: "\t" * n,
    "digits": lambda n: "7" * n,
}


def worker(tool: str, kind: str, n: int) -> float:
    text = INPUTS[kind](n)
    if tool == "bytepair":
        import bytepair as bp

        enc = bp.get_encoding("cl100k_base")
    else:
        sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
        from encode_bench import tiktoken_encoding

        enc = tiktoken_encoding("cl100k_base")
    t = time.perf_counter()
    enc.encode_ordinary(text)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--tools", default="bytepair,tiktoken")
    ap.add_argument("--worker", nargs=3)
    a = ap.parse_args()
    if a.worker:
        print(json.dumps(worker(a.worker[0], a.worker[1], int(a.worker[2]))))
        return
    print(f"| input | tool | n = {a.size} | 2n | ratio |")
    print("|---|---|---|---|---|")
    for kind in INPUTS:
        for tool in a.tools.split(","):
            times = []
            for n in (a.size, 2 * a.size):
                r = subprocess.run(
                    [sys.executable, __file__, "--worker", tool, kind, str(n)],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if r.returncode != 0:
                    times.append(None)
                else:
                    times.append(json.loads(r.stdout.strip().splitlines()[-1]))
            if None in times:
                print(f"| {kind} | {tool} | crashed (exit code {r.returncode}) | | |")
            else:
                ratio = times[1] / times[0]
                print(f"| {kind} | {tool} | {times[0]:.3f} s | {times[1]:.3f} s | {ratio:.2f} |")


if __name__ == "__main__":
    main()
