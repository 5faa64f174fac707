"""SuperBPE benchmark: token savings on held-out text, training time and memory
against our plain BPE, and encoding speed against our plain BPE encoder.

    python benches/superbpe_bench.py [--corpus FILE] [--vocab-size 32768]
        [--transitions 4096,8192,16384,24576] [--runs 3]

The corpus is cut at a line boundary: the first 90% trains, the last 10% is
held out for evaluation and encoding. The baseline is `bp.train` with the same
stage-1 pattern and vocabulary size. Every training and encoding run is a fresh
process; runs go round-robin; the tables show medians.
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

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared/data/corpora/english/eltec_eng_novels.txt"
DOC_BYTES = 8192


def split_corpus(corpus: Path, workdir: Path) -> tuple[Path, Path]:
    data = corpus.read_bytes()
    cut = data.index(b"\n", int(len(data) * 0.9)) + 1
    train, held = workdir / "train.txt", workdir / "heldout.txt"
    train.write_bytes(data[:cut])
    held.write_bytes(data[cut:])
    return train, held


def documents(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [text[i : i + DOC_BYTES] for i in range(0, len(text), DOC_BYTES)]


# ---- workers (run in a fresh process) -------------------------------------------
def work_train(kind: str, train: str, vocab: int, transition: int, out: str) -> dict:
    import bytepair as bp

    t = time.perf_counter()
    if kind == "bpe":
        tok = bp.train(train, vocab, pattern="superbpe-stage1", progress=False)
    else:
        tok = bp.train_superbpe(train, vocab, transition, progress=False)
    secs = time.perf_counter() - t
    tok.save(out)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": secs, "rss_mb": rss}


def work_encode(tokenizer: str, held: str, mode: str) -> dict:
    import bytepair as bp

    tok = bp.Tokenizer.load(tokenizer)
    docs = documents(Path(held))
    tok.encode_batch(docs[:50])  # warm-up: thread pool, int cache
    t = time.perf_counter()
    if mode == "single":
        n = sum(len(tok.encode(d)) for d in docs)
    else:
        n = sum(len(ids) for ids in tok.encode_batch(docs))
    secs = time.perf_counter() - t
    mb = sum(len(d.encode()) for d in docs) / 1e6
    return {"mb_per_s": mb / secs, "tokens": n}


def run_worker(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--vocab-size", type=int, default=32768)
    ap.add_argument("--transitions", default="4096,8192,16384,24576")
    ap.add_argument("--main-transition", type=int, default=16384)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    transitions = [int(t) for t in args.transitions.split(",")]
    if args.main_transition not in transitions:
        transitions.append(args.main_transition)
    work = Path(tempfile.mkdtemp(prefix="superbpe-bench-"))
    train, held = split_corpus(args.corpus, work)
    print(
        f"corpus {args.corpus.name}: train {train.stat().st_size / 1e6:.1f} MB, "
        f"held out {held.stat().st_size / 1e6:.1f} MB; vocab {args.vocab_size}\n"
    )

    # Training: BPE and every transition once for the tokenizers; the main
    # transition and BPE `runs` times, round-robin, for the timing.
    kinds = [("bpe", 0)] + [("superbpe", t) for t in transitions]
    paths = {k: str(work / f"{k[0]}-{k[1]}.json") for k in kinds}
    timed = [("bpe", 0), ("superbpe", args.main_transition)]
    times: dict = {k: [] for k in timed}
    rss: dict = {k: [] for k in kinds}
    for k in kinds:
        r = run_worker("train", k[0], str(train), str(args.vocab_size), str(k[1]), paths[k])
        rss[k].append(r["rss_mb"])
        if k in timed:
            times[k].append(r["seconds"])
    for _ in range(args.runs - 1):
        for k in timed:
            r = run_worker("train", k[0], str(train), str(args.vocab_size), str(k[1]), paths[k])
            times[k].append(r["seconds"])
            rss[k].append(r["rss_mb"])

    # Efficiency on the held-out text.
    import bytepair as bp

    docs = documents(held)
    base = bp.Tokenizer.load(paths[("bpe", 0)])
    print("| tokenizer | held-out tokens | bytes/token | tokens vs BPE | crossing share |")
    print("|---|---:|---:|---:|---:|")
    for k in kinds:
        s = bp.Tokenizer.load(paths[k]).stats(docs, baseline=None if k == ("bpe", 0) else base)
        name = "BPE" if k[0] == "bpe" else f"SuperBPE t={k[1]}"
        ratio = "1.000" if s.vs_baseline is None else f"{s.vs_baseline:.3f}"
        print(
            f"| {name} | {s.tokens:,} | {s.bytes_per_token:.3f} | {ratio} "
            f"| {s.crossing_share:.3f} |"
        )

    print("\n| training | median s | runs (s) | peak RSS MB |")
    print("|---|---:|---|---:|")
    for k in timed:
        name = "BPE" if k[0] == "bpe" else f"SuperBPE t={k[1]}"
        runs = ", ".join(f"{x:.2f}" for x in times[k])
        print(f"| {name} | {statistics.median(times[k]):.2f} | {runs} | {max(rss[k]):.0f} |")
    ratio = statistics.median(times[timed[1]]) / statistics.median(times[timed[0]])
    print(f"\nSuperBPE / BPE training time: {ratio:.2f}x")

    print("\n| encoding (8 KB docs) | single-thread MB/s | batch MB/s |")
    print("|---|---:|---:|")
    speeds: dict = {}
    for k in timed:
        for mode in ("single", "batch"):
            speeds[(k, mode)] = []
    for _ in range(args.runs):
        for k in timed:
            for mode in ("single", "batch"):
                r = run_worker("encode", paths[k], str(held), mode)
                speeds[(k, mode)].append(r["mb_per_s"])
    for k in timed:
        name = "BPE" if k[0] == "bpe" else f"SuperBPE t={k[1]}"
        single = statistics.median(speeds[(k, "single")])
        batch = statistics.median(speeds[(k, "batch")])
        print(f"| {name} | {single:.1f} | {batch:.1f} |")
    s_ratio = statistics.median(speeds[(timed[0], "single")]) / statistics.median(
        speeds[(timed[1], "single")]
    )
    print(f"\nBPE / SuperBPE encoding time per byte (single thread): {s_ratio:.2f}x")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        job, rest = sys.argv[2], sys.argv[3:]
        if job == "train":
            kind, train, vocab, transition, out = rest
            result = work_train(kind, train, int(vocab), int(transition), out)
        else:
            tokenizer, held, mode = rest
            result = work_encode(tokenizer, held, mode)
        print(json.dumps(result))
    else:
        main()
