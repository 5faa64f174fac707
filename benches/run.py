"""Every benchmark table of the README, with the peers that are installed.

    python benches/run.py [--only encode,worst_case,...] [--list] [--quick]

Prints the machine, the versions of bytepair and of each peer (or "not
installed"), then runs each benchmark script with the arguments its README
table was made with, one after another, and prints its output (tables of
medians) as it comes. A peer that is not installed shows up in the tables as
an error row, so the command works with any subset of ``pip install
'.[bench]'``. ``--quick`` uses fewer runs and less text, for a smoke test of
the harness, not for figures.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

BENCHES = Path(__file__).resolve().parent

# name -> (script, README arguments, --quick arguments); one entry per table.
SUITES: dict[str, tuple[str, list[str], list[str]]] = {
    "encode": ("encode_bench.py", ["--runs", "5", "--mb-per-source", "1"], ["--runs", "1"]),
    "encode_o200k": (
        "encode_bench.py",
        ["--runs", "3", "--mb-per-source", "0.25", "--encoding", "o200k_base"],
        ["--runs", "1", "--mb-per-source", "0.1", "--encoding", "o200k_base"],
    ),
    "encode_issue18": (
        "encode_bench.py",
        ["--runs", "3", "--corpus", "issue18", "--modes", "single,batch,long"],
        ["--runs", "1", "--corpus", "issue18", "--modes", "single,long"],
    ),
    "encode_issue18_o200k": (
        "encode_bench.py",
        [
            *("--runs", "3", "--corpus", "issue18", "--modes", "single,batch,long"),
            *("--encoding", "o200k_base"),
        ],
        ["--runs", "1", "--corpus", "issue18", "--modes", "single", "--encoding", "o200k_base"],
    ),
    "encode_paths": (
        "encode_bench.py",
        [
            *("--runs", "5", "--corpus", "issue18", "--modes", "batch"),
            *("--tools", "bytepair,bytepair-numpy,bytepair-files,tiktoken"),
        ],
        ["--runs", "1", "--corpus", "issue18", "--modes", "batch"]
        + ["--tools", "bytepair,bytepair-numpy,bytepair-files"],
    ),
    "worst_case": ("worst_case.py", [], ["--max-size", "2000000"]),
    "dynamic": ("dynamic_bench.py", [], []),
    "superbpe": ("superbpe_bench.py", ["--runs", "5"], ["--runs", "1"]),
    "binary": (
        "binary_bench.py",
        ["--runs", "3", "--hf-runs", "2"],
        ["--runs", "1", "--hf-runs", "1"],
    ),
    "domain": ("domain_bench.py", [], []),
    "train": ("train_bench.py", ["--runs", "5"], ["--runs", "1"]),
    "distributed": ("distributed_bench.py", ["count", "--runs", "5"], ["count", "--runs", "1"]),
    "fairness": ("fairness_bench.py", ["--runs", "3"], ["--runs", "1", "--part", "premium,bible"]),
    "surgery": ("surgery_bench.py", ["--runs", "3"], ["--runs", "1"]),
}

PEERS = [
    "tiktoken",
    "tokenizers",
    "fastokens",
    "wordchipper",
    "rs_bpe",
    "bpe-openai",
    "kitoken",
    "tokie",
    "gigabpe",
    "rustbpe",
    "bpeasy",
    "sentencepiece",
    "ray",
]


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 2**20:.0f} GB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.release()}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", help="comma-separated names; default all")
    ap.add_argument("--list", action="store_true", help="print the names and exit")
    ap.add_argument("--quick", action="store_true", help="fewer runs: a smoke test")
    a = ap.parse_args()
    if a.list:
        for name, (script, args, _) in SUITES.items():
            print(f"{name:22s} python benches/{script} {' '.join(args)}")
        return
    names = a.only.split(",") if a.only else list(SUITES)
    unknown = [n for n in names if n not in SUITES]
    if unknown:
        ap.error(f"unknown benchmark {', '.join(unknown)}; --list shows the names")
    print(f"machine: {machine()}")
    print(f"python {platform.python_version()}, bytepair {version('bytepair')}")
    print("peers: " + ", ".join(f"{p} {version(p)}" for p in PEERS))
    print(time.strftime("date: %Y-%m-%d %H:%M %Z"), flush=True)
    failed = []
    for name in names:
        script, args, quick = SUITES[name]
        argv = [sys.executable, str(BENCHES / script), *(quick if a.quick else args)]
        print(f"\n## {name}: python benches/{script} {' '.join(argv[2:])}", flush=True)
        t = time.perf_counter()
        rc = subprocess.run(argv, check=False).returncode
        print(f"({name}: {time.perf_counter() - t:.0f} s, exit {rc})", flush=True)
        if rc != 0:
            failed.append(name)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
