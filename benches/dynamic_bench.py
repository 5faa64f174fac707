"""Dynamic merging: bytepair.dynamic.merge_batch against the literal reference.

    python benches/dynamic_bench.py

Batches are real text (English novels) encoded with cl100k_base: 32 sequences
of 42 tokens with up to 133 merges (XNLI-sized), and 32 x 512 with up to 500,
boundary "pretoken". The reference is tests/reference/dynamic_bpe.py (recount
per merge) with its pre-token check cached per distinct string, as the paper's
code caches it. Median of 5 (ours) / 3 (reference) runs in one process.
"""

from __future__ import annotations

import functools
import statistics
import sys
import time
from pathlib import Path

import bytepair as bp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from reference import dynamic_bpe as ref  # noqa: E402

ENC = bp.get_encoding("cl100k_base")


def batch(n_seq: int, n_tok: int) -> list[list[int]]:
    text = (ROOT.parent / "shared/data/corpora/english/eltec_eng_novels.txt").read_text()[
        :2_000_000
    ]
    ids = ENC.encode_ordinary(text)
    return [ids[i * n_tok : (i + 1) * n_tok] for i in range(n_seq)]


@functools.cache
def allowed(left: bytes, right: bytes) -> bool:
    b = left + right
    if not ref.whitespace_ok(b):
        return False
    try:
        return len(bp.pretokenize(b.decode("utf-8"), "gpt4")) == 1
    except UnicodeDecodeError:
        return True


def timed(f, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    print("| batch | merges done | reference | bytepair | speedup |")
    print("|---|---:|---:|---:|---:|")
    for n_seq, n_tok, merges in [(32, 42, 133), (32, 128, 200), (32, 512, 500), (128, 512, 1000)]:
        seqs = batch(n_seq, n_tok)
        as_bytes = [[ENC.decode_single_token_bytes(t) for t in s] for s in seqs]
        ours_t, out = timed(
            functools.partial(bp.dynamic.merge_batch, seqs, ENC, "pretoken", max_merges=merges), 5
        )
        runs = 3 if n_seq * n_tok * merges <= 32 * 512 * 500 else 1
        ref_t, (_, ref_merges, _, _) = timed(
            functools.partial(ref.merge_batch, as_bytes, allowed, max_merges=merges), runs
        )
        same = ref_merges == out.merges
        flag = "" if same else " (MERGES DIFFER)"
        print(
            f"| {n_seq} x {n_tok} | {out.num_merges} | {ref_t * 1e3:.1f} ms "
            f"| {ours_t * 1e3:.2f} ms | {ref_t / ours_t:.0f}x{flag} |"
        )


if __name__ == "__main__":
    main()
