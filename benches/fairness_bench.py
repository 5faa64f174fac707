"""Fairness across languages: token premium reports and parity-aware training.

    python benches/fairness_bench.py [--part premium,bible,flores,superbpe] [--runs 3]
        [--out results.json] [--plot-dir DIR]

* ``premium``: ``token_premium`` for gpt2, cl100k_base and o200k_base on all
  204 FLORES-200 languages (dev+devtest, the petrov method), timed in a fresh
  process; the target is 10 s.
* ``bible``: the 15 Bible NT languages. The 3,602 verse ids common to all are
  shuffled (seed 0): 1,000 are the parity dev set, 1,000 the test set, and
  every other verse is training text, sampled to equal bytes. Classical BPE,
  parity-aware (max-min, window, and hybrid with global merges) at 16K, with
  the gpt4 and o200k patterns: Gini, max/min and total tokens on the test
  verses, training time (fresh processes, round-robin, median).
* ``flores``: 36 FLORES-200 languages across 18 scripts; train on dev (the
  parity dev set is the same dev text), evaluate on devtest, at 32K:
  classical against parity-aware, cl100k and o200k.
* ``superbpe``: Arnett et al.'s finding on the Bible split: SuperBPE against
  BPE at the same vocabulary, premium per language.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "corpora" / "multilingual"
FLORES = DATA / "flores200"
BIBLE = DATA / "bible_nt"
FLORES_LANGS = [
    "eng_Latn", "fra_Latn", "deu_Latn", "spa_Latn", "vie_Latn", "swh_Latn", "yor_Latn",
    "tur_Latn", "fin_Latn", "rus_Cyrl", "ukr_Cyrl", "kaz_Cyrl", "arb_Arab", "pes_Arab",
    "urd_Arab", "hin_Deva", "mar_Deva", "npi_Deva", "ben_Beng", "tam_Taml", "tel_Telu",
    "kan_Knda", "mal_Mlym", "guj_Gujr", "pan_Guru", "zho_Hans", "zho_Hant", "jpn_Jpan",
    "kor_Hang", "tha_Thai", "khm_Khmr", "mya_Mymr", "amh_Ethi", "heb_Hebr", "ell_Grek",
    "kat_Geor",
]  # fmt: skip


# ---- data -----------------------------------------------------------------------------


def bible_split(work: Path) -> dict[str, dict[str, str]]:
    """train/dev/test files per language (see the module notes)."""
    verses = {}
    for p in sorted(BIBLE.glob("*.txt")):
        lang = re.sub(r"-(NT|PART)$", "", p.stem)
        by_id = {}
        for line in p.read_text(encoding="utf-8").splitlines():
            vid, _, text = line.partition("\t")
            if text.strip():
                by_id[vid] = text
        verses[lang] = by_id
    first = next(iter(verses.values()))
    common = [v for v in first if all(v in d for d in verses.values())]
    held = common[:]
    random.Random(0).shuffle(held)
    dev_ids, test_ids = held[:1000], held[1000:2000]
    out: dict[str, dict[str, str]] = {"train": {}, "dev": {}, "test": {}}
    skip = set(dev_ids) | set(test_ids)
    for split in out:
        (work / split).mkdir(parents=True, exist_ok=True)
    for lang, by_id in verses.items():
        parts = {
            "train": [t for v, t in by_id.items() if v not in skip],
            "dev": [by_id[v] for v in dev_ids],
            "test": [by_id[v] for v in test_ids],
        }
        for split, lines in parts.items():
            path = work / split / f"{lang}.txt"
            path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
            out[split][lang] = str(path)
    return out


def flores_split() -> dict[str, dict[str, str]]:
    return {
        "train": {lang: str(FLORES / "dev" / f"{lang}.dev") for lang in FLORES_LANGS},
        "test": {lang: str(FLORES / "devtest" / f"{lang}.devtest") for lang in FLORES_LANGS},
    }


# ---- workers (each in a fresh process) -------------------------------------------------


def work_premium() -> dict:
    import bytepair as bp

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = bp.fairness.token_premium(
            ["gpt2", "cl100k_base", "o200k_base"], str(FLORES), method="petrov"
        )
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "languages": len(report.languages),
        "summary": [
            {k: s[k] for k in ("tokenizer", "gini", "max_min", "max_language", "median_premium")}
            for s in report.summary
        ],
    }


def work_train(config: dict) -> dict:
    """Train as ``config`` says, save the tokenizer, return the time."""
    import bytepair as bp

    kw = dict(config["options"])
    start = time.perf_counter()
    if config.get("superbpe"):
        tok = bp.train_superbpe(config["train"], config["vocab"], config["superbpe"], **kw)
    else:
        tok = bp.train(config["train"], config["vocab"], **kw)
    seconds = time.perf_counter() - start
    tok.save(config["save"])
    return {"seconds": seconds, "merges": len(tok.merges)}


def run_worker(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", *args], capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(f"worker {args[0]} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---- evaluation ------------------------------------------------------------------------


def evaluate(tokenizers: dict, test: dict[str, str], reference: str) -> dict:
    import bytepair as bp

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = bp.fairness.token_premium(tokenizers, test, reference=reference)
    out = {}
    for s in report.summary:
        rows = [r for r in report.rows if r["tokenizer"] == s["tokenizer"]]
        out[s["tokenizer"]] = {
            "gini": s["gini"],
            "max_min": s["max_min"],
            "max_language": s["max_language"],
            "min_language": s["min_language"],
            "total_tokens": sum(r["tokens"] for r in rows),
            "premium": {r["language"]: r["premium"] for r in rows},
        }
    return {"report": report, "scores": out}


def train_configs(configs: dict[str, dict], runs: int, work: Path) -> dict[str, dict]:
    """Each config trained ``runs`` times round-robin in fresh processes."""
    work.mkdir(parents=True, exist_ok=True)
    times: dict[str, list[float]] = {name: [] for name in configs}
    for _ in range(runs):
        for name, cfg in configs.items():
            cfg = dict(cfg, save=str(work / f"{name}.json"))
            times[name].append(run_worker("train", json.dumps(cfg))["seconds"])
    return {
        name: {"seconds": statistics.median(ts), "runs": ts, "path": str(work / f"{name}.json")}
        for name, ts in times.items()
    }


def table(rows: list[dict], baseline: str, base_time: str | None) -> str:
    head = f"| tokenizer | Gini | max/min | worst / best | total tokens | vs {baseline} | train s |"
    lines = [head, "|---|---:|---:|---|---:|---:|---:|"]
    base_total = next(r["total_tokens"] for r in rows if r["name"] == baseline)
    for r in rows:
        secs = f"{r['seconds']:.2f}" if r.get("seconds") is not None else "-"
        if base_time and r.get("seconds") is not None and r["name"] != base_time:
            secs += f" ({r['seconds'] / r['base_seconds']:.2f}x)"
        lines.append(
            f"| {r['name']} | {r['gini']:.4f} | {r['max_min']:.2f} | "
            f"{r['max_language']} / {r['min_language']} | {r['total_tokens']:,} | "
            f"{(r['total_tokens'] / base_total - 1) * 100:+.1f}% | {secs} |"
        )
    return "\n".join(lines)


def compare(
    configs: dict[str, dict],
    test: dict[str, str],
    reference: str,
    runs: int,
    work: Path,
    baseline: str,
    extra: dict | None = None,
) -> tuple[str, dict, object]:
    import bytepair as bp

    trained = train_configs(configs, runs, work)
    tokenizers = {name: bp.Tokenizer.load(t["path"]) for name, t in trained.items()}
    tokenizers.update(extra or {})
    result = evaluate(tokenizers, test, reference)
    rows = []
    for name, score in result["scores"].items():
        t = trained.get(name, {})
        rows.append(
            {
                "name": name,
                **score,
                "seconds": t.get("seconds"),
                "base_seconds": trained[baseline]["seconds"],
            }
        )
    return table(rows, baseline, baseline), {"rows": rows}, result["report"]


# ---- parts -----------------------------------------------------------------------------


def part_premium(runs: int) -> tuple[str, dict]:
    results = [run_worker("premium") for _ in range(runs)]
    secs = [r["seconds"] for r in results]
    lines = [
        f"204 languages x 3 tokenizers: median {statistics.median(secs):.2f} s "
        f"(runs: {', '.join(f'{s:.2f}' for s in secs)}; target 10 s)",
        "",
        "| tokenizer | Gini | max/min | most expensive | median premium |",
        "|---|---:|---:|---|---:|",
    ]
    for s in results[0]["summary"]:
        lines.append(
            f"| {s['tokenizer']} | {s['gini']:.3f} | {s['max_min']:.2f} | {s['max_language']} "
            f"| {s['median_premium']:.2f} |"
        )
    return "\n".join(lines), {"seconds": secs, "summary": results[0]["summary"]}


def part_bible(runs: int, work: Path, plot_dir: Path | None) -> tuple[str, dict]:
    split = bible_split(work / "bible")
    out_text, out = [], {}
    for pattern in ("gpt4", "o200k"):
        base = {"weights": "equal-bytes", "pattern": pattern, "progress": False}
        parity = dict(base, parity_dev=split["dev"])
        configs = {
            "classical": {"options": base},
            "max-min": {"options": dict(parity, parity="max-min")},
            "window": {"options": dict(parity, parity="window")},
            "hybrid 8K global": {"options": dict(parity, parity="max-min", global_merges=8000)},
        }
        for c in configs.values():
            c.update(train=split["train"], vocab=16384)
        text, data, report = compare(
            configs, split["test"], "Swahili", runs, work / pattern, "classical"
        )
        out_text.append(f"pattern={pattern}, 16,384 ids, test verses:\n\n{text}")
        out[pattern] = data
        if plot_dir:
            report.plot(plot_dir / f"bible_parity_{pattern}.png")
    return "\n\n".join(out_text), out


def part_flores(runs: int, work: Path, plot_dir: Path | None) -> tuple[str, dict]:
    import bytepair as bp

    split = flores_split()
    base = {"pattern": "o200k", "progress": False}
    configs = {
        "classical": {"options": base},
        "max-min": {"options": dict(base, parity="max-min", parity_dev=split["train"])},
        "window": {"options": dict(base, parity="window", parity_dev=split["train"])},
    }
    for c in configs.values():
        c.update(train=split["train"], vocab=32768)
    extra = {name: bp.get_encoding(name) for name in ("cl100k_base", "o200k_base")}
    text, data, report = compare(
        configs, split["test"], "eng_Latn", runs, work / "flores", "classical", extra
    )
    if plot_dir:
        report.plot(plot_dir / "flores_parity.png")
    head = f"{len(FLORES_LANGS)} FLORES-200 languages, trained on dev, 32,768 ids, devtest:"
    return f"{head}\n\n{text}", data


def part_superbpe(runs: int, work: Path) -> tuple[str, dict]:
    split = bible_split(work / "bible")
    base = {"weights": "equal-bytes", "progress": False}
    parity = dict(base, parity="max-min", parity_dev=split["dev"])
    configs = {
        "BPE": {"options": dict(base, pattern="superbpe-stage1")},
        "SuperBPE t=0.8": {"options": base, "superbpe": 0.8},
        "BPE max-min": {"options": dict(parity, pattern="superbpe-stage1")},
        "SuperBPE t=0.8, max-min stage 1": {"options": parity, "superbpe": 0.8},
    }
    for c in configs.values():
        c.update(train=split["train"], vocab=16384)
    text, data, report = compare(configs, split["test"], "Swahili", runs, work / "sb", "BPE")
    premiums = {r["name"]: r["premium"] for r in data["rows"]}
    langs = sorted(premiums["BPE"], key=lambda lang: -premiums["BPE"][lang])
    lines = ["| language | " + " | ".join(premiums) + " |", "|---|" + "---:|" * len(premiums)]
    for lang in langs:
        lines.append(
            f"| {lang} | " + " | ".join(f"{p[lang]:.2f}" for p in premiums.values()) + " |"
        )
    head = "Bible split, 16,384 ids, stage-1 pattern superbpe-stage1, premium vs Swahili:"
    return f"{head}\n\n{text}\n\n" + "\n".join(lines), data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--part", default="premium,bible,flores,superbpe")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--plot-dir", type=Path)
    args = ap.parse_args()
    parts = args.part.split(",")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for part in parts:
            if part == "premium":
                text, data = part_premium(args.runs)
            elif part == "bible":
                text, data = part_bible(args.runs, work, args.plot_dir)
            elif part == "flores":
                text, data = part_flores(args.runs, work, args.plot_dir)
            elif part == "superbpe":
                text, data = part_superbpe(args.runs, work)
            else:
                raise SystemExit(f"unknown part {part!r}")
            print(f"## {part}\n\n{text}\n", flush=True)
            results[part] = data
    if args.out:
        args.out.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        job = sys.argv[2]
        result = work_premium() if job == "premium" else work_train(json.loads(sys.argv[3]))
        print(json.dumps(result))
    else:
        main()
