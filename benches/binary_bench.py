"""Binary tokenizers: training speed and memory against HF tokenizers, and
compression on held-out executables.

    python benches/binary_bench.py [--train-mb 22.5] [--runs 3] [--hf-runs 2]
        [--sizes 4096,8192,16384,32768,65536]

Training set: ELF files from /usr/bin in name order (symlinks skipped) up to
--train-mb. Held out: the next ELF files of /usr/bin (executables) and ELF
shared objects from /usr/lib (libraries) of at most 4 MB each, about 20 MB of
each kind, none used in training. HF is configured the way people train
Binary BPE with it: 8192-byte windows as Latin-1 text, no pre-tokenizer, all
256 bytes as the alphabet, vocab 8192, max_token_length 16. Ours runs once
with the same effective settings (HF's max_token_length=16 builds tokens up
to 15 bytes) to compare merge lists, and is timed with the Binary BPE
settings (window 8192, up to 16 bytes). Each run is a fresh process; medians.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ELF = b"\x7fELF"


def elf_files(root: str, pattern: str = "*") -> list[Path]:
    out = []
    for p in sorted(Path(root).rglob(pattern)):
        try:
            if p.is_symlink() or not p.is_file():
                continue
            with open(p, "rb") as f:
                if f.read(4) == ELF:
                    out.append(p)
        except OSError:
            continue
    return out


def take(files: list[Path], limit: int, largest: int | None = None) -> list[Path]:
    """Files in order until `limit` bytes; with `largest`, skip bigger files."""
    chosen, total = [], 0
    for f in files:
        if total >= limit:
            break
        if largest is not None and f.stat().st_size > largest:
            continue
        chosen.append(f)
        total += f.stat().st_size
    return chosen


def work_ours(listfile: str, vocab: int, max_len: int, out: str) -> dict:
    import bytepair as bp

    paths = Path(listfile).read_text().split("\n")
    t = time.perf_counter()
    tok = bp.train_bytes(paths, vocab, window=8192, max_token_length=max_len, progress=False)
    secs = time.perf_counter() - t
    if out:
        tok.save(out)
    merges = [[a.hex(), b.hex()] for a, b in tok.merges]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": secs, "rss_mb": rss, "merges": merges}


def work_hf(listfile: str, vocab: int, max_len: int) -> dict:
    from tokenizers import Tokenizer, models, trainers

    paths = Path(listfile).read_text().split("\n")

    def windows():
        for p in paths:
            data = Path(p).read_bytes()
            for i in range(0, len(data), 8192):
                yield data[i : i + 8192].decode("latin-1")

    tok = Tokenizer(models.BPE())
    trainer = trainers.BpeTrainer(
        vocab_size=vocab,
        initial_alphabet=[chr(i) for i in range(256)],
        max_token_length=max_len,
        show_progress=False,
    )
    t = time.perf_counter()
    tok.train_from_iterator(windows(), trainer)
    secs = time.perf_counter() - t
    raw = json.loads(tok.to_str())["model"]["merges"]
    pairs = [m if isinstance(m, list) else m.split(" ", 1) for m in raw]
    merges = [[a.encode("latin-1").hex(), b.encode("latin-1").hex()] for a, b in pairs]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": secs, "rss_mb": rss, "merges": merges}


def vm_hwm_mb() -> float:
    """The process's peak resident memory so far (Linux), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def work_large(tokenizer: str, path: str, runs: int) -> dict:
    """Encode one large file with ``encode_bytes``: speed, memory, exactness.

    Memory is the growth of the process's peak over its state with the
    tokenizer loaded and the file read: what one call adds, ids included.
    """
    import bytepair as bp

    tok = bp.Tokenizer.load(tokenizer)
    data = Path(path).read_bytes()
    tok.encode_bytes(data[:100_000])
    before = vm_hwm_mb()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        ids = tok.encode_bytes(data)
        times.append(time.perf_counter() - t)
        grown = vm_hwm_mb() - before
        if len(times) < runs:
            del ids
    exact = tok.decode_bytes(ids) == data
    # Ids against HF tokenizers on the first 1 MB (one piece, as HF sees it).
    from tokenizers import Tokenizer

    with tempfile.TemporaryDirectory() as d:
        tok.to_huggingface(d)
        hf = Tokenizer.from_file(str(Path(d) / "tokenizer.json"))
    from bytepair.byte_level import bytes_to_unicode

    # Any bytes: mapped to the byte-level alphabet, with no pre-tokenizer.
    hf.pre_tokenizer = None
    head = data[:1_000_000]
    table = bytes_to_unicode()
    same = hf.encode("".join(table[b] for b in head)).ids == tok.encode_bytes(head)
    return {
        "seconds": statistics.median(times),
        "mb": len(data) / 1e6,
        "ids": len(ids),
        "bytes_per_byte": grown * 1e6 / len(data),
        "round_trip": exact,
        "hf_1mb_equal": same,
    }


def run_worker(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def hf_order(merges):
    last = {tuple(m): i for i, m in enumerate(merges)}
    return [m for i, m in enumerate(merges) if last[tuple(m)] == i]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--train-mb", type=float, default=22.5)
    ap.add_argument("--heldout-mb", type=float, default=20.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--hf-runs", type=int, default=2)
    ap.add_argument("--sizes", default="4096,8192,16384,32768,65536")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="binary-bench-"))
    bins = elf_files("/usr/bin")
    train = take(bins, int(args.train_mb * 1e6))
    rest = bins[len(train) :]
    # Held-out files of at most 4 MB, so no single file dominates.
    held_exe = take(rest, int(args.heldout_mb * 1e6), 4 << 20)
    libs = elf_files("/usr/lib", "*.so*")
    held_lib = take(libs, int(args.heldout_mb * 1e6), 4 << 20)
    listfile = work / "train.txt"
    listfile.write_text("\n".join(map(str, train)))
    size = sum(p.stat().st_size for p in train) / 1e6
    print(
        f"training: {len(train)} ELF files from /usr/bin, {size:.1f} MB; held out: "
        f"{len(held_exe)} executables ({sum(p.stat().st_size for p in held_exe) / 1e6:.1f} MB), "
        f"{len(held_lib)} shared objects ({sum(p.stat().st_size for p in held_lib) / 1e6:.1f} MB)\n"
    )

    # Parity: ours with HF's effective limit (15) against HF's max_token_length=16.
    ours_runs, hf_runs = [], []
    for i in range(max(args.runs, args.hf_runs)):
        if i < args.runs:
            ours_runs.append(run_worker("ours", str(listfile), "8192", "16", ""))
        if i < args.hf_runs:
            hf_runs.append(run_worker("hf", str(listfile), "8192", "16"))
    parity = run_worker("ours", str(listfile), "8192", "15", "")
    same = hf_order(parity["merges"]) == hf_runs[0]["merges"]
    ours_s = statistics.median(r["seconds"] for r in ours_runs)
    hf_s = statistics.median(r["seconds"] for r in hf_runs)
    print("| trainer (vocab 8192, 8 KB windows) | median s | runs (s) | peak RSS MB |")
    print("|---|---:|---|---:|")
    for name, runs in (
        ("bytepair (max 16 bytes)", ours_runs),
        ("HF tokenizers (Latin-1)", hf_runs),
    ):
        secs = ", ".join(f"{r['seconds']:.2f}" for r in runs)
        rss = max(r["rss_mb"] for r in runs)
        print(
            f"| {name} | {statistics.median(r['seconds'] for r in runs):.2f} | {secs} | {rss:.0f} |"
        )
    print(
        f"| bytepair (max 15, HF's effective limit) | {parity['seconds']:.2f} | one run "
        f"| {parity['rss_mb']:.0f} |"
    )
    print(
        f"\nHF / bytepair: {hf_s / ours_s:.1f}x; merge list equal to HF's "
        f"(HF-equivalent settings): {'yes' if same else 'NO'} "
        f"({len(hf_runs[0]['merges'])} merges)\n"
    )

    # Compression on held-out files, per vocabulary size.
    import bytepair as bp

    print("| vocab | executables bytes/token | shared objects bytes/token | training s |")
    print("|---:|---:|---:|---:|")
    for v in [int(x) for x in args.sizes.split(",")]:
        out = work / f"bin-{v}.json"
        r = run_worker("ours", str(listfile), str(v), "16", str(out))
        tok = bp.Tokenizer.load(out)
        figures = []
        for group in (held_exe, held_lib):
            nbytes = ntok = 0
            for p in group:
                data = p.read_bytes()
                nbytes += len(data)
                ntok += len(tok.encode_bytes(data))
            figures.append(nbytes / ntok)
        print(f"| {v} | {figures[0]:.3f} | {figures[1]:.3f} | {r['seconds']:.2f} |")

    # One large shared object, one piece, single thread (the 8192 vocabulary).
    big = [p for p in libs if 15e6 <= p.stat().st_size <= 30e6]
    if not big:
        print("\nno shared object of 15-30 MB in /usr/lib: large-binary encoding skipped")
        return
    lib = max(big, key=lambda p: p.stat().st_size)
    vocab8k = work / "bin-8192.json"
    if not vocab8k.exists():
        run_worker("ours", str(listfile), "8192", "16", str(vocab8k))
    r = run_worker("large", str(vocab8k), str(lib), str(args.runs))
    print(
        f"\n`encode_bytes` of {lib} ({r['mb']:.1f} MB, one piece, one thread, vocab 8192, "
        f"median of {args.runs}): {r['mb'] / r['seconds']:.1f} MB/s, {r['ids']} ids, "
        f"{r['bytes_per_byte']:.1f} bytes of memory per input byte (peak growth, ids included); "
        f"round trip exact: {'yes' if r['round_trip'] else 'NO'}; ids equal HF tokenizers' "
        f"on the first 1 MB: {'yes' if r['hf_1mb_equal'] else 'NO'}"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        kind, rest = sys.argv[2], sys.argv[3:]
        if kind == "ours":
            listfile, vocab, max_len, out = rest
            result = work_ours(listfile, int(vocab), int(max_len), out)
        elif kind == "large":
            tokenizer, path, runs = rest
            result = work_large(tokenizer, path, int(runs))
        else:
            listfile, vocab, max_len = rest
            result = work_hf(listfile, int(vocab), int(max_len))
        print(json.dumps(result))
    else:
        main()
