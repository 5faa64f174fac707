"""Instructions per pass of a workload, counted by valgrind's callgrind: a
figure that does not move with the load of a shared machine, for comparing
two builds of bytepair where wall-clock ratios drown in noise.

    python benches/instructions.py [--baseline OTHER_PYTHON] [--workloads cl100k_base,train]

Each workload runs in a fresh process under callgrind once with one pass and
once with three; half the difference is one pass, so interpreter start-up,
imports and loading cancel out. One thread (RAYON_NUM_THREADS=1, and
OPENBLAS_NUM_THREADS=1 for numpy, which every run imports), a fixed
PYTHONHASHSEED. Workloads: an encoding name (``encode_ordinary`` on every
8 KB document of ``encode_bench.py``'s corpus at 0.25 MB a source, 2 MB;
``NAME:batch`` for one ``encode_ordinary_batch`` call on them), or
``train`` (``bytepair.train`` on the first 20,000 lines of the English
novels, GPT-2 pattern, vocab 8192).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOVELS = HERE.parent.parent / "shared/data/corpora/english/eltec_eng_novels.txt"


def work(workload: str, passes: int) -> None:
    sys.path.insert(0, str(HERE))
    # Every run imports numpy (and starts its thread pool), so builds that do
    # and builds that do not import it themselves start from the same state:
    # with numpy in one and not the other, the same code counted up to 5% apart.
    import bytepair as bp
    import numpy  # noqa: F401

    if workload == "train":
        with open(NOVELS, encoding="utf-8") as f:
            lines = [line for _, line in zip(range(20_000), f, strict=False)]
        for _ in range(passes):
            bp.train(iter(lines), 8192, pattern="gpt2", progress=False)
        return
    import encode_bench

    name, _, mode = workload.partition(":")
    docs = encode_bench.documents(0.25)
    enc = bp.get_encoding(name)
    for _ in range(passes):
        if mode == "batch":
            enc.encode_ordinary_batch(docs, num_threads=1)
        else:
            for d in docs:
                enc.encode_ordinary(d)


def instructions(python: str, workload: str, passes: int) -> int:
    env = dict(os.environ, RAYON_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", PYTHONHASHSEED="0")
    cmd = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        python,
        __file__,
        "--work",
        workload,
        str(passes),
    ]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    m = re.search(r"Collected : (\d+)", r.stderr)
    if m is None:
        raise RuntimeError(r.stderr[-2000:])
    return int(m.group(1))


def per_pass(python: str, workload: str) -> int:
    return (instructions(python, workload, 3) - instructions(python, workload, 1)) // 2


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--baseline", metavar="PYTHON", help="another bytepair build's python")
    ap.add_argument(
        "--workloads", default="cl100k_base,cl100k_base:batch,o200k_base,o200k_base:batch,train"
    )
    ap.add_argument("--work", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.work:
        work(a.work[0], int(a.work[1]))
        return
    # The interpreter itself, not a wrapper script (pyenv's shims would be
    # what callgrind counts).
    builds = {"bytepair": os.path.realpath(sys.executable)}
    if a.baseline:
        builds["baseline"] = a.baseline
    columns = [f"{b} (M instructions/pass)" for b in builds] + (["ratio"] if a.baseline else [])
    print("| workload | " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for workload in a.workloads.split(","):
        counts = {b: per_pass(py, workload) for b, py in builds.items()}
        cells = [f"{c / 1e6:,.1f}" for c in counts.values()]
        if a.baseline:
            cells.append(f"{counts['bytepair'] / counts['baseline']:.4f}")
        print(f"| {workload} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
