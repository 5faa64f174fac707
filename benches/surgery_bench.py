"""Vocabulary surgery: extending an existing tokenizer (``train(base=)``).

    python benches/surgery_bench.py [--part extend,prune,checkpoint] [--runs 3] [--merges 8192]
        [--out results.json]

* ``extend``: for cl100k_base and o200k_base, the Bible NT languages each
  compresses worst (the five with the fewest bytes per token on the test
  verses) are the new corpus: their training verses from the seeded split of
  ``fairness_bench.py`` (1,000 dev and 1,000 test verses held out). The base
  is extended with ``--merges`` new tokens. Reported: bytes/token on the test
  verses of all 15 languages before and after, the change in tokens on 2 MB of
  held-out English (the last 2 MB of the ELTeC novels, which neither training
  saw), and the time of the extension beyond counting, in fresh processes,
  median of ``--runs``.
* ``prune``: o200k_base pruned to 32,768 and to 65,536 ids (``target_size``)
  on counts of the English and code corpora of ``../shared/data`` (the first
  90% of each file's bytes, each file counted as one document). Reported:
  bytes/token on the held-out last 10% (up to 1 MB per file) before and
  after, per domain; on six FLORES-200
  devtest languages the pruning did not see; the pruning time after counting
  (fresh processes, median); and whether HF tokenizers and transformers load
  the exported tokenizer.json with identical ids on the held-out text.
* ``checkpoint``: ``bytepair.train`` on the 45 MB ELTeC novels at 65,536, in
  fresh processes, alternating without and with ``checkpoint_every=1000``
  (median of ``--runs`` pairs; the cost is the paired ratio of whole-run
  times, counting included), and ``train(resume=)`` of the checkpoint cut
  halfway through its merge log, against the whole run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fairness_bench import bible_split

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "data" / "corpora"
ENGLISH = CORPORA / "english" / "eltec_eng_novels.txt"
FLORES = CORPORA / "multilingual" / "flores200" / "devtest"
OTHER_LANGUAGES = ["fra_Latn", "deu_Latn", "rus_Cyrl", "zho_Hans", "hin_Deva", "arb_Arab"]
WORST = 5
PRUNE_SIZES = (32_768, 65_536)


def english_held_out() -> str:
    data = ENGLISH.read_bytes()
    return data[-2_000_000:].decode("utf-8", errors="ignore")


def bytes_per_token(tok, path: str) -> float:
    text = Path(path).read_text(encoding="utf-8")
    return len(text.encode()) / len(tok.encode_ordinary(text))


def work_extend(config: dict) -> dict:
    """Extend ``config["base"]`` on ``config["train"]``; time it and save it."""
    import bytepair as bp

    base = bp.get_encoding(config["base"])
    start = time.perf_counter()
    tok = bp.train(config["train"], config["vocab"], base=base, progress=False)
    seconds = time.perf_counter() - start
    report = bp.last_train_report
    tok.save(config["save"])
    return {
        "seconds": seconds,
        "count_seconds": report.count_seconds,
        "core_seconds": report.seconds,
        "bytes": report.bytes,
        "distinct": report.unique_words,
    }


def work_prune(config: dict) -> dict:
    """Count the training parts, prune o200k to ``config["size"]``; time the prune."""
    import bytepair as bp

    base = bp.load_tokenizer("o200k_base")
    start = time.perf_counter()
    # Each file one document: read line by line, the newline-and-indent
    # pre-tokens of code would never be counted (and pruned as unused).
    texts = (Path(p).read_text(encoding="utf-8") for p in config["train"])
    counts = bp.count(texts, pattern=base.pattern, progress=False)
    counted = time.perf_counter()
    pruned, id_map = base.prune(corpus=counts, target_size=config["size"])
    done = time.perf_counter()
    pruned.save(config["save"])
    return {
        "count_seconds": counted - start,
        "prune_seconds": done - counted,
        "distinct_used": int(sum(1 for c in counts.most_common() if c)),
    }


CHECKPOINT_VOCAB = 65_536


def work_checkpoint(config: dict) -> dict:
    """One timed training run: plain, checkpointed, or resumed."""
    import bytepair as bp

    started = time.perf_counter()
    if config["mode"] == "resume":
        tok = bp.train(resume=config["path"], progress=False)
    else:
        extra = {"checkpoint": config["path"]} if config["mode"] == "on" else {}
        tok = bp.train(str(ENGLISH), CHECKPOINT_VOCAB, progress=False, **extra)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "merges": len(tok.merges)}


def part_checkpoint(runs: int, work: Path) -> dict:
    path = work / "run.bpckpt"
    pairs = []
    for _ in range(runs):
        path.unlink(missing_ok=True)
        off = run_worker({"mode": "off", "path": str(path)})["seconds"]
        on = run_worker({"mode": "on", "path": str(path)})["seconds"]
        pairs.append((off, on))
    size = path.stat().st_size
    data = path.read_bytes()
    merges = run_worker({"mode": "off", "path": ""})["merges"]
    log = 21 * (merges // 1000 + 1) + 12 * merges
    head = len(data) - log
    half = work / "half.bpckpt"
    resumed = []
    for _ in range(runs):
        half.write_bytes(data[: head + log // 2])
        resumed.append(run_worker({"mode": "resume", "path": str(half)})["seconds"])
    row = {
        "plain_s": statistics.median(p[0] for p in pairs),
        "checkpointed_s": statistics.median(p[1] for p in pairs),
        "cost": statistics.median(p[1] / p[0] - 1 for p in pairs),
        "resume_half_s": statistics.median(resumed),
        "file_bytes": size,
        "head_bytes": head,
    }
    print(
        f"checkpoint every 1000 merges, ELTeC 45 MB at {CHECKPOINT_VOCAB:,}: plain "
        f"{row['plain_s']:.2f} s, checkpointed {row['checkpointed_s']:.2f} s "
        f"(cost {100 * row['cost']:+.1f}%, median of {runs} pairs); file {size / 1e6:.1f} MB "
        f"({head / 1e6:.1f} MB of counts); resume from halfway {row['resume_half_s']:.2f} s"
    )
    return row


def run_worker(config: dict) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(config)], capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(f"worker failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def part_extend(runs: int, merges: int, work: Path) -> list[dict]:
    import bytepair as bp

    split = bible_split(work)
    english = english_held_out()
    results = []
    for name in ("cl100k_base", "o200k_base"):
        base = bp.get_encoding(name)
        before = {lang: bytes_per_token(base, p) for lang, p in split["test"].items()}
        worst = sorted(before, key=before.get)[:WORST]
        unused = base.n_vocab - len(base._mergeable_ranks) - len(base._special_tokens)
        config = {
            "base": name,
            "train": [split["train"][lang] for lang in worst],
            "vocab": base.n_vocab + merges - unused,
            "save": str(work / f"{name}-ext.json"),
        }
        times = [run_worker(config) for _ in range(runs)]
        ext = bp.Tokenizer.load(config["save"])
        after = {lang: bytes_per_token(ext, p) for lang, p in split["test"].items()}
        eng_before = len(base.encode_ordinary(english))
        eng_after = len(ext.encode_ordinary(english))
        row = {
            "base": name,
            "new_tokens": ext.vocab_size - base.n_vocab + unused,
            "worst": worst,
            "train_bytes": times[0]["bytes"],
            "distinct_split_words": times[0]["distinct"],
            "bytes_per_token": {lang: (before[lang], after[lang]) for lang in before},
            "english_tokens": (eng_before, eng_after),
            "english_change": eng_after / eng_before - 1,
            "seconds": statistics.median(t["seconds"] for t in times),
            "beyond_counting": statistics.median(
                t["core_seconds"] - t["count_seconds"] for t in times
            ),
            "runs": [round(t["core_seconds"] - t["count_seconds"], 3) for t in times],
        }
        results.append(row)
        print_extend(row)
    return results


def print_extend(row: dict) -> None:
    print(
        f"\n{row['base']} + {row['new_tokens']:,} tokens on {', '.join(row['worst'])} "
        f"({row['train_bytes']:,} bytes, {row['distinct_split_words']:,} distinct words the "
        f"base splits)"
    )
    print(f"  {'language':<10} {'bytes/token before':>18} {'after':>7} {'tokens':>8}")
    for lang, (b, a) in sorted(row["bytes_per_token"].items(), key=lambda kv: kv[1][0]):
        mark = " *" if lang in row["worst"] else ""
        print(f"  {lang:<10} {b:18.3f} {a:7.3f} {b / a - 1:+8.1%}{mark}")
    eb, ea = row["english_tokens"]
    print(f"  English held out: {eb:,} -> {ea:,} tokens ({row['english_change']:+.3%})")
    print(
        f"  time {row['seconds']:.2f} s in all; beyond counting {row['beyond_counting']:.2f} s "
        f"(median; runs {row['runs']})"
    )


def prune_split(work: Path) -> tuple[list[str], dict[str, str]]:
    """Training parts (first 90% of each file) and held-out parts (the rest, at most 1 MB)."""
    train, held = [], {}
    for path in sorted([*(CORPORA / "english").glob("*.txt"), *(CORPORA / "code").glob("*.txt")]):
        data = path.read_bytes()
        cut = len(data) * 9 // 10
        while cut < len(data) and (data[cut] & 0xC0) == 0x80:
            cut += 1  # not inside a UTF-8 character
        (work / f"{path.stem}.train").write_text(
            data[:cut].decode("utf-8", errors="ignore"), encoding="utf-8"
        )
        tail = data[cut:][:1_000_000].decode("utf-8", errors="ignore")
        (work / f"{path.stem}.held").write_text(tail, encoding="utf-8")
        train.append(str(work / f"{path.stem}.train"))
        held[path.stem] = str(work / f"{path.stem}.held")
    return train, held


def hf_identical(tok, directory: Path, texts: list[str]) -> dict:
    """Whether HF tokenizers and transformers give our ids for ``texts``."""
    import tokenizers

    tok.to_huggingface(directory)
    hf = tokenizers.Tokenizer.from_file(str(directory / "tokenizer.json"))
    ours = [tok.encode_ordinary(t) for t in texts]
    out = {"tokenizers": [hf.encode(t, add_special_tokens=False).ids for t in texts] == ours}
    try:
        import transformers
    except ImportError:
        out["transformers"] = None
        return out
    auto = transformers.AutoTokenizer.from_pretrained(str(directory))
    out["transformers"] = [auto.encode(t, add_special_tokens=False) for t in texts] == ours
    return out


def part_prune(runs: int, work: Path) -> list[dict]:
    import bytepair as bp

    train, held = prune_split(work)
    others = {lang: str(FLORES / f"{lang}.devtest") for lang in OTHER_LANGUAGES}
    base = bp.load_tokenizer("o200k_base")
    results = []
    for size in PRUNE_SIZES:
        config = {"train": train, "size": size, "save": str(work / f"o200k-{size}.json")}
        times = [run_worker(config) for _ in range(runs)]
        pruned = bp.Tokenizer.load(config["save"])
        rows = {}
        for name, path in {**held, **others}.items():
            rows[name] = (bytes_per_token(base, path), bytes_per_token(pruned, path))
        sample = [Path(p).read_text(encoding="utf-8")[:200_000] for p in held.values()]
        row = {
            "size": size,
            "vocab_size": pruned.vocab_size,
            "bytes_per_token": rows,
            "held_out": list(held),
            "count_seconds": statistics.median(t["count_seconds"] for t in times),
            "prune_seconds": statistics.median(t["prune_seconds"] for t in times),
            "runs": [round(t["prune_seconds"], 3) for t in times],
            "hf_identical": hf_identical(pruned, work / f"hf-{size}", sample),
        }
        results.append(row)
        print_prune(row)
    return results


def print_prune(row: dict) -> None:
    print(f"\no200k_base pruned to {row['vocab_size']:,} ids")
    print(f"  {'text':<28} {'bytes/token o200k':>17} {'pruned':>7} {'kept':>7}")
    for name, (b, a) in row["bytes_per_token"].items():
        mark = "" if name in row["held_out"] else "  (not in the counts)"
        print(f"  {name:<28} {b:17.3f} {a:7.3f} {a / b:7.1%}{mark}")
    print(
        f"  prune {row['prune_seconds']:.2f} s after counting ({row['count_seconds']:.2f} s; "
        f"runs {row['runs']}); HF identical ids: {row['hf_identical']}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--part", default="extend")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--merges", type=int, default=8192)
    ap.add_argument("--out", default=None)
    ap.add_argument("--worker", default=None)
    args = ap.parse_args()
    if args.worker:
        config = json.loads(args.worker)
        if "mode" in config:
            work = work_checkpoint
        else:
            work = work_prune if "size" in config else work_extend
        print(json.dumps(work(config)))
        return
    out = {}
    with tempfile.TemporaryDirectory() as d:
        for part in args.part.split(","):
            if part == "extend":
                out["extend"] = part_extend(args.runs, args.merges, Path(d))
            elif part == "prune":
                out["prune"] = part_prune(args.runs, Path(d))
            elif part == "checkpoint":
                out["checkpoint"] = part_checkpoint(args.runs, Path(d))
            else:
                raise SystemExit(f"unknown part {part!r}")
    if args.out:
        Path(args.out).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
