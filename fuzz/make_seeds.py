"""Write the starting corpora for the fuzz targets into fuzz/seeds/<target>/.

    python fuzz/make_seeds.py

Small valid files of each format (from tokenizers trained on the package's
sample text) and a few inputs for the encode, decode and training targets.
The files are committed; rerun only when a format changes.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import bytepair as bp

SEEDS = Path(__file__).parent / "seeds"
SAMPLE = (Path(bp.__file__).parent / "data" / "sample.txt").read_text(encoding="utf-8")


def write(target: str, name: str, data: bytes | str) -> None:
    d = SEEDS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data.encode() if isinstance(data, str) else data)


def main() -> None:
    text = iter([SAMPLE[:3000]])
    small = bp.train(text, 300, pattern="gpt2", special_tokens=["<|endoftext|>"], progress=False)
    nfkc = bp.train(
        iter([SAMPLE[:3000]]),
        290,
        pattern="o200k",
        normalization="NFKC",
        lowercase=True,
        specials_first=True,
        special_tokens=["<s>", "</s>"],
        progress=False,
    )
    superbpe = bp.train_superbpe(iter([SAMPLE[:3000]]), 320, transition=30, progress=False)
    forced = bp.train(
        iter([SAMPLE[:3000]]), 300, forced_tokens=["199", " Sherlock"], progress=False
    )
    for name, tok in [("gpt2", small), ("nfkc", nfkc), ("superbpe", superbpe), ("forced", forced)]:
        write("load_hf_json", f"{name}.json", tok.to_huggingface_json())
        write("load_native", f"{name}.json", tok._core.to_native_json())
    counts = bp.count(iter([SAMPLE[:3000]]), progress=False)
    write("load_counts", "sample.bpcounts", counts._core.to_bytes())
    capped = bp.count(iter([SAMPLE]), pattern="o200k", normalization="NFKC", progress=False)
    write("load_counts", "nfkc.bpcounts", capped._core.to_bytes())
    ranks = small._core.to_tiktoken_text()
    write("load_tiktoken", "small.tiktoken", ranks)
    write("load_tiktoken", "crlf.tiktoken", ranks.replace("\n", "\r\n"))
    hf = json.loads(small.to_huggingface_json())
    vocab = {k: v for k, v in hf["model"]["vocab"].items()}
    merges = hf["model"]["merges"]
    merges = [m if isinstance(m, str) else " ".join(m) for m in merges]
    write("load_gpt2", "gpt2.bin", json.dumps(vocab) + "\0#version: 0.2\n" + "\n".join(merges))
    texts = ["Hello, world!  \n\n", "東京 ١٢٣ 😀‍👍 e\u0301", "<|endoftext|> x\r\n\t"]
    for i, t in enumerate(texts):
        for pick in range(0, 7, 2):
            write("encode_text", f"t{i}_{pick}", bytes([pick + i]) + t.encode())
    for i, b in enumerate([b"\x7fELF\x00\x00\x01", b"\xff\xfe\x00a", SAMPLE[:200].encode()]):
        write("encode_bytes", f"b{i}", bytes([i * 3]) + b)
    write("decode_ids", "ids", bytes([1]) + struct.pack("<6I", 0, 65, 256, 300, 299, 2**31 + 5))
    for mode in range(4):
        write("train_small", f"m{mode}", bytes([mode, 40, 5, 1]) + SAMPLE[:400].encode())


if __name__ == "__main__":
    main()
