"""Data-mixture inference: the controlled experiment (``bytepair.mixture.simulate``)
and real tokenizers.

    python benches/mixture_bench.py [--settings same5,same8,disjoint5] [--trials 4]
        [--trainer hf] [--merges 8000] [--total-mb 20] [--attack-mb 2] [--out results.json]
    python benches/mixture_bench.py --real [--real-merges 30000]
    python benches/mixture_bench.py --replay-speed [--runs 3]

Categories: eight real corpora of ``../shared/data`` (English novels, Python,
C headers, German and French novels, SEC filings, licences, Tang poetry). Per
trial ``n`` of them are drawn, weights uniformly from the simplex, a tokenizer
with ``--merges`` merges is trained on ``--total-mb`` of that mixture (by HF's
``BpeTrainer`` with ``--trainer hf``, as the issue's reference did), and its
mixture is inferred from ``--attack-mb`` per category: drawn from the same
lines as the training mixture (``same``, as the paper does) or from the other
half of each category's lines (``disjoint``). Reported per trial: log10 MSE of
the byte shares, the random-guess log10 MSE on the same truth, and the
inference time split into replay, sweeps and LP. The seed of setting ``s``
trial ``k`` is fixed, so runs repeat.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import bytepair as bp

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "corpora"
CATEGORIES = {
    "english": DATA / "english" / "eltec_eng_novels.txt",
    "python": DATA / "code" / "cpython311_stdlib_py.txt",
    "c": DATA / "code" / "c_headers.txt",
    "german": DATA / "multilingual" / "eltec_deu.txt",
    "french": DATA / "multilingual" / "eltec_fra.txt",
    "financial": DATA / "financial" / "sec_filings.txt",
    "legal": DATA / "legal" / "licenses_all.txt",
    "chinese": DATA / "multilingual" / "chinese" / "quan_tang_shi_subset.txt",
}
SETTINGS = {"same5": (5, True), "same8": (8, True), "disjoint5": (5, False)}
FLORES = DATA / "multilingual" / "flores200"
#: For real tokenizers: the categories above (English twice: novels and
#: sentences from NLP corpora; legal as Debian copyright files) and six
#: FLORES-200 languages (dev + devtest, about 0.5 MB each).
REAL = {
    **{k: v for k, v in CATEGORIES.items() if k != "legal"},
    "english (sentences)": DATA / "english" / "nlp_corpus_sentences.txt",
    "legal": DATA / "legal" / "debian_copyright_all.txt",
    **{
        lang: [FLORES / "dev" / f"{lang}.dev", FLORES / "devtest" / f"{lang}.devtest"]
        for lang in ["rus_Cyrl", "spa_Latn", "jpn_Jpan", "hin_Deva", "arb_Arab", "kor_Hang"]
    },
}
TARGETS = {
    "gpt2": "gpt2",
    "cl100k_base": "cl100k_base",
    "o200k_base": "o200k_base",
    "Qwen3": str(DATA.parent / "vocab" / "qwen3" / "tokenizer.json"),
}


def real(merges: int, attack_mb: float) -> dict:
    """Each real tokenizer's inferred mixture over the REAL categories."""
    out = {}
    for name, target in TARGETS.items():
        categories = {
            k: [str(p) for p in v] if isinstance(v, list) else str(v) for k, v in REAL.items()
        }
        tok = bp.load_tokenizer(target)
        result = bp.mixture.infer(
            tok,
            categories,
            num_merges=min(merges, len(tok.merges)),
            sample_bytes=int(attack_mb * 1e6),
        )
        t = result.timing
        print(
            f"== {name}: {result.num_merges:,} merges, {len(result.missing_merges):,} held by no "
            f"category; {t['total']:.1f} s (replay {t['replay']:.1f}, sweeps {t['sweeps']:.1f}, "
            f"LP {t['lp']:.1f}; {result.rounds} rounds)"
        )
        for k, w in sorted(result.weights.items(), key=lambda kv: -kv[1]):
            print(f"  {k:<20} {w:7.4f}")
        out[name] = json.loads(result.to_json())
        out[name].pop("step_slack")
    return out


def replay_speed(runs: int, attack_mb: float) -> dict:
    """MB/s of ``bytepair.mixture.replay`` (counting included) of cl100k's
    first 8,000 merges on ``attack_mb`` of each of the eight categories, on one
    thread and on all; median of ``runs``, each in a fresh process."""
    import subprocess
    import textwrap

    code = textwrap.dedent(
        f"""
        import sys, time, bytepair as bp
        cats = {{k: v for k, v in {dict((k, str(v)) for k, v in CATEGORIES.items())!r}.items()}}
        tok = bp.load_tokenizer("cl100k_base")
        t = time.perf_counter()
        rep = bp.mixture.replay(cats, tok, 8000, sample_bytes={int(attack_mb * 1e6)},
                                num_threads=int(sys.argv[1]))
        print(time.perf_counter() - t, sum(rep.bytes.values()))
        """
    )
    out = {}
    for threads in (1, 2):
        seconds, total = [], 0
        for _ in range(runs):
            r = subprocess.run(
                [sys.executable, "-c", code, str(threads)],
                capture_output=True,
                text=True,
                check=True,
            )
            s, total = r.stdout.split()
            seconds.append(float(s))
        mb = int(total) / 1e6
        med = statistics.median(seconds)
        out[threads] = {"seconds": seconds, "mb": mb, "mb_per_s": mb / med}
        print(f"  {threads} thread(s): {mb:.1f} MB in {med:.2f} s: {mb / med:.1f} MB/s")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--settings", default="same5,same8,disjoint5")
    ap.add_argument("--trials", type=int, default=4)
    ap.add_argument("--trainer", default="hf", choices=["hf", "bytepair"])
    ap.add_argument("--merges", type=int, default=8000)
    ap.add_argument("--total-mb", type=float, default=20)
    ap.add_argument("--attack-mb", type=float, default=2)
    ap.add_argument("--competitors", type=int, default=3)
    ap.add_argument("--real", action="store_true", help="infer real tokenizers instead")
    ap.add_argument("--replay-speed", action="store_true", help="time the replay instead")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--real-merges", type=int, default=30000)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.replay_speed:
        results = replay_speed(args.runs, args.attack_mb)
        if args.out:
            args.out.write_text(json.dumps(results, indent=1))
        return 0
    if args.real:
        results = real(args.real_merges, args.attack_mb)
        if args.out:
            args.out.write_text(json.dumps(results, indent=1))
        return 0
    categories = {k: str(v) for k, v in CATEGORIES.items()}
    results = {}
    for i, name in enumerate(args.settings.split(",")):
        n, same = SETTINGS[name]
        sim = bp.mixture.simulate(
            categories,
            n=n,
            trials=args.trials,
            total_bytes=int(args.total_mb * 1e6),
            num_merges=args.merges,
            attack_bytes=int(args.attack_mb * 1e6),
            trainer=args.trainer,
            same_pool=same,
            seed=1000 + i,
            competitors_per_step=args.competitors,
        )
        print(f"== {name} (n={n}, {'same pool' if same else 'disjoint'}, {args.trainer})")
        for t in sim.trials:
            timing = t["timing"]
            print(
                f"  log10 MSE {t['log10_mse']:6.2f}  random {t['random_log10_mse']:6.2f}  "
                f"infer {timing['total']:5.1f} s (replay {timing['replay']:.1f}, sweeps "
                f"{timing['sweeps']:.1f}, LP {timing['lp']:.1f}; {t['rounds']} rounds, "
                f"{t['rows']:,} rows)  train {t['train_seconds']:.1f} s",
                flush=True,
            )
        print(
            f"  mean log10 MSE {sim.mean():.2f} (random {sim.mean('random_log10_mse'):.2f}); "
            f"median inference {statistics.median(t['timing']['total'] for t in sim.trials):.1f} s"
        )
        results[name] = sim.trials
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
