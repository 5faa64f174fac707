"""Training benchmark: bytepair against HF tokenizers, gigabpe, rustbpe and bpeasy.

    python benches/train_bench.py [--corpus FILE] [--vocab-size 32768] [--runs 3]
                                  [--baseline OTHER_PYTHON]

Every tool trains on the same file with the GPT-2 pre-tokenization and learns the
same number of merges (each tool counts its vocabulary differently, so the vocab
size passed to each is adjusted). Each run is a fresh process; runs go round-robin
so machine noise hits every tool alike; the table shows the median wall time of
the training call (imports excluded), the peak RSS of the process, and whether
the learned merges equal HF's, merge for merge. ``--baseline`` adds another
build of bytepair (the ``python`` of a venv it is installed in) as the tool
``bytepair-baseline``, run the same way, to compare two builds side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared/data/corpora/english/eltec_eng_novels.txt"
GPT2 = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
TOOLS = ["bytepair", "hf-tokenizers", "gigabpe", "rustbpe", "bpeasy"]


def byte_level_decoder() -> dict[str, int]:
    printable = [b for b in range(256) if 33 <= b <= 126 or 161 <= b <= 172 or 174 <= b <= 255]
    table, n = {}, 0
    for b in range(256):
        if b in printable:
            table[chr(b)] = b
        else:
            table[chr(256 + n)] = b
            n += 1
    return table


def spelled_to_bytes(pairs) -> list[list[str]]:
    dec = byte_level_decoder()
    return [[bytes(dec[c] for c in a).hex(), bytes(dec[c] for c in b).hex()] for a, b in pairs]


def lines(path: str):
    with open(path, encoding="utf-8") as f:
        yield from f


# ---- workers: each trains once and writes its new tokens (hex) in creation order ----
def work_bytepair(corpus, merges):
    import bytepair as bp

    t = time.perf_counter()
    tok = bp.train(corpus, 257 + merges, pattern="gpt2", progress=False)
    secs = time.perf_counter() - t
    pairs = [[a.hex(), b.hex()] for a, b in tok.merges]
    return secs, pairs, None


def work_hf(corpus, merges):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=257 + merges,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    t = time.perf_counter()
    tok.train([corpus], trainer)
    secs = time.perf_counter() - t
    raw = json.loads(tok.to_str())["model"]["merges"]
    pairs = [m if isinstance(m, list) else m.split(" ", 1) for m in raw]
    return secs, spelled_to_bytes(pairs), None


def work_gigabpe(corpus, merges):
    import gigabpe

    # gigabpe's alphabet is the bytes seen in the corpus, not all 256; the parent
    # counted them, so this process's memory is gigabpe's alone.
    alphabet = int(os.environ["BENCH_ALPHABET"])
    t = time.perf_counter()
    _, pairs = gigabpe.train_bpe(
        [corpus],
        1 + alphabet + merges,
        special_tokens=["<|endoftext|>"],
        pretokenizer="bytelevel",
    )
    secs = time.perf_counter() - t
    return secs, spelled_to_bytes(pairs), None


def work_rustbpe(corpus, merges):
    import rustbpe

    t = time.perf_counter()
    tok = rustbpe.Tokenizer()
    tok.train_from_iterator(lines(corpus), 256 + merges, pattern=GPT2)
    secs = time.perf_counter() - t
    ranks = tok.get_mergeable_ranks()
    new = [bytes(b).hex() for b, _ in sorted(ranks, key=lambda x: x[1])][256:]
    return secs, None, new


def work_bpeasy(corpus, merges):
    import bpeasy

    t = time.perf_counter()
    vocab = bpeasy.train_bpe(lines(corpus), GPT2, 128, 256 + merges)
    secs = time.perf_counter() - t
    new = [b.hex() for b, _ in sorted(vocab.items(), key=lambda x: x[1])][256:]
    return secs, None, new


WORKERS = {
    "bytepair": work_bytepair,
    "hf-tokenizers": work_hf,
    "gigabpe": work_gigabpe,
    "rustbpe": work_rustbpe,
    "bpeasy": work_bpeasy,
}


def peak_rss_mb() -> float:
    """The process's own high-water mark. ru_maxrss is not used: Linux carries it
    across fork+exec, so a child would inherit its parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(tool, corpus, merges, out):
    secs, pairs, new_tokens = WORKERS[tool](corpus, merges)
    rss_mb = peak_rss_mb()
    Path(out).write_text(
        json.dumps({"seconds": secs, "rss_mb": rss_mb, "pairs": pairs, "new_tokens": new_tokens})
    )


def agreement(result, reference, merges) -> str:
    if result.get("pairs") is not None:
        ours, ref = result["pairs"][:merges], reference["pairs"][:merges]
        if ours == ref:
            return f"identical ({len(ours)} merges)"
        k = next(
            (i for i, (a, b) in enumerate(zip(ours, ref, strict=False)) if a != b),
            min(len(ours), len(ref)),
        )
        return f"differs from merge {k}"
    # Tools that only return a vocabulary: compare tokens in creation order.
    ref_tokens = [(bytes.fromhex(a) + bytes.fromhex(b)).hex() for a, b in reference["pairs"]]
    ours = result["new_tokens"][:merges]
    if ours == ref_tokens[: len(ours)]:
        return "same tokens, same order"
    k = next(i for i, (a, b) in enumerate(zip(ours, ref_tokens, strict=False)) if a != b)
    return f"tokens differ from #{k}; {len(set(ours) & set(ref_tokens))}/{len(ours)} shared"


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    ap.add_argument(
        "--vocab-size",
        type=int,
        default=32768,
        help="bytepair's vocab size (256 bytes + merges + 1 special)",
    )
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--baseline", metavar="PYTHON", help="another bytepair build's python")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    merges = args.vocab_size - 257
    if args.worker:
        worker(args.worker, args.corpus, merges, args.out)
        return
    tools = args.tools.split(",")
    if "hf-tokenizers" not in tools:
        tools.append("hf-tokenizers")
    if args.baseline:
        tools.insert(tools.index("bytepair") + 1 if "bytepair" in tools else 0, "bytepair-baseline")
    size = os.path.getsize(args.corpus)
    seen: set[int] = set()
    with open(args.corpus, "rb") as f:
        while chunk := f.read(1 << 24):
            seen.update(chunk)
    os.environ["BENCH_ALPHABET"] = str(len(seen))
    print(
        f"corpus {args.corpus} ({size / 1e6:.1f} MB), {merges} merges, GPT-2 pattern, "
        f"{os.cpu_count()} cores, {args.runs} runs each, fresh process per run",
        flush=True,
    )
    results: dict[str, list[dict]] = {t: [] for t in tools}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            for tool in tools:
                out = os.path.join(tmp, f"{tool}-{run}.json")
                baseline = tool == "bytepair-baseline"
                cmd = [
                    args.baseline if baseline else sys.executable,
                    __file__,
                    "--worker",
                    "bytepair" if baseline else tool,
                    "--corpus",
                    args.corpus,
                    "--vocab-size",
                    str(args.vocab_size),
                    "--out",
                    out,
                ]
                r = subprocess.run(cmd, capture_output=True, text=True)
                if r.returncode != 0:
                    print(f"{tool} failed: {r.stderr.strip().splitlines()[-1:]}", flush=True)
                    continue
                res = json.loads(Path(out).read_text())
                print(
                    f"  run {run + 1} {tool:14s} {res['seconds']:8.2f} s {res['rss_mb']:8.0f} MB",
                    flush=True,
                )
                results[tool].append(res)
    ref = results["hf-tokenizers"][0] if results["hf-tokenizers"] else None
    base = (
        statistics.median(r["seconds"] for r in results["bytepair"])
        if results.get("bytepair")
        else None
    )
    print()
    print("| tool | median s | vs bytepair | peak RSS MB | merges vs HF |")
    print("|---|---:|---:|---:|---|")
    for tool in tools:
        rs = results[tool]
        if not rs:
            print(f"| {tool} | failed | | | |")
            continue
        med = statistics.median(r["seconds"] for r in rs)
        rss = max(r["rss_mb"] for r in rs)
        ratio = f"{med / base:.2f}x" if base else ""
        agree = agreement(rs[0], ref, merges) if ref else "n/a"
        print(f"| {tool} | {med:.2f} | {ratio} | {rss:.0f} | {agree} |")
    if base and results.get("bytepair-baseline"):
        # Paired: run k of each build went back to back.
        pairs = zip(results["bytepair"], results["bytepair-baseline"], strict=False)
        ratios = [a["seconds"] / b["seconds"] for a, b in pairs]
        print(
            f"\nbytepair time / bytepair-baseline time, median of {len(ratios)} pairs: "
            f"{statistics.median(ratios):.3f}"
        )


if __name__ == "__main__":
    main()
