"""Domain tokenizers: a 32K vocabulary trained on the legal and financial
corpora against OpenAI's general ones on held-out legal and financial text.

    python benches/domain_bench.py [--vocab-size 32768]

Each file of ../shared/data/corpora/{legal,financial} is cut at a line end:
the first 90% trains, the last 10% is held out. Token counts are exact (no
timing), so one run is enough.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import bytepair as bp

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared/data/corpora"


def split(path: Path, work: Path) -> tuple[Path, str]:
    data = path.read_bytes()
    cut = data.index(b"\n", int(len(data) * 0.9)) + 1
    train = work / f"train-{path.parent.name}-{path.name}"
    train.write_bytes(data[:cut])
    return train, data[cut:].decode("utf-8", errors="replace")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab-size", type=int, default=32768)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="domain-bench-"))
    train_files, held = [], {"legal": [], "financial": []}
    for domain in held:
        for f in sorted((CORPORA / domain).glob("*.txt")):
            t, h = split(f, work)
            train_files.append(str(t))
            held[domain].append(h)
    size = sum(Path(f).stat().st_size for f in train_files) / 1e6
    print(f"training: {len(train_files)} files, {size:.1f} MB; vocab {args.vocab_size}\n")
    tokenizers = {
        "BPE, o200k pattern": bp.train(
            train_files, args.vocab_size, pattern="o200k", progress=False
        ),
        "BPE, GPT-2 pattern + NFKC (KL3M style)": bp.train(
            train_files, args.vocab_size, pattern="gpt2", normalization="NFKC", progress=False
        ),
        "presets.domain (KL3M style, forced tokens, padded)": bp.presets.domain(
            train_files, args.vocab_size, progress=False
        ),
        "SuperBPE, transition 0.5": bp.train_superbpe(
            train_files, args.vocab_size, 0.5, progress=False
        ),
        "o200k_base": bp.get_encoding("o200k_base"),
        "cl100k_base": bp.get_encoding("cl100k_base"),
    }
    print(
        "| tokenizer | legal tokens | legal chars/token | financial tokens "
        "| financial chars/token |"
    )
    print("|---|---:|---:|---:|---:|")
    counts = {}
    for name, tok in tokenizers.items():
        row = []
        for domain in ("legal", "financial"):
            texts = held[domain]
            n = sum(len(tok.encode_ordinary(t)) for t in texts)
            chars = sum(len(t) for t in texts)
            counts[(name, domain)] = n
            row += [f"{n:,}", f"{chars / n:.3f}"]
        print(f"| {name} | " + " | ".join(row) + " |")
    base = "o200k_base"
    print()
    for name in tokenizers:
        if not name.endswith("_base"):
            for domain in ("legal", "financial"):
                r = counts[(name, domain)] / counts[(base, domain)]
                more = "fewer" if r < 1 else "more"
                print(f"{name}, {domain}: {r:.3f} of o200k_base's tokens ({abs(1 - r):.1%} {more})")


if __name__ == "__main__":
    main()
