"""Encoding benchmark: bytepair against tiktoken, bpe-openai, tokie and HF tokenizers.

    python benches/encode_bench.py [--encoding cl100k_base] [--runs 5] [--mb-per-source 1]

The documents are 8 KB pieces (cut at character boundaries) of eight corpora
from ../shared/data: English novels, English sentences, Python, C headers,
SEC filings, UDHR in 500+ languages, German novels and classical Chinese. Each
tool warms up, then encodes all of them once, timed:

* ``single``: one call per document, one thread (RAYON_NUM_THREADS=1);
* ``batch``: one batch call over all documents with 2 threads.

Every (tool, mode) run is a fresh process; runs go round-robin so machine noise
hits every tool alike, and the table shows the median MB/s. The warm-up runs on
a disjoint slice of the same sources, so no tool's cache holds the timed text. Every tool's ids
are hashed and compared with tiktoken's: a tool that gives different ids is
marked. A second table times loading the encoding (fresh process, median).
``--baseline PYTHON`` adds another build of bytepair (the ``python`` of a venv
it is installed in) as ``bytepair-baseline``, to compare two builds side by side.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
SOURCES = [
    "corpora/english/eltec_eng_novels.txt",
    "corpora/english/nlp_corpus_sentences.txt",
    "corpora/code/cpython311_stdlib_py.txt",
    "corpora/code/c_headers.txt",
    "corpora/financial/sec_filings.txt",
    "corpora/multilingual/udhr_all.txt",
    "corpora/multilingual/eltec_deu.txt",
    "corpora/multilingual/chinese/quan_tang_shi_subset.txt",
]
HF_JSON = {
    "cl100k_base": "vocab/cl100k-hf/tokenizer.json",
    "o200k_base": "vocab/o200k-hf/tokenizer.json",
}
TOOLS = ["bytepair", "tiktoken", "bpe-openai", "tokie", "hf-tokenizers"]
DOC_BYTES = 8192


def documents(mb_per_source: float, warmup: bool = False) -> list[str]:
    """8 KB documents from each source; ``warmup`` takes the next, disjoint slice."""
    docs = []
    size = int(mb_per_source * 1e6)
    for rel in SOURCES:
        data = (SHARED / rel).read_bytes()
        data = data[size : size + size // 4] if warmup else data[:size]
        text = data.decode("utf-8", errors="ignore")
        raw = text.encode("utf-8")
        i = 0
        while i < len(raw):
            j = min(i + DOC_BYTES, len(raw))
            while j < len(raw) and (raw[j] & 0xC0) == 0x80:
                j += 1  # do not cut a character
            docs.append(raw[i:j].decode("utf-8"))
            i = j
    return docs


def tiktoken_encoding(name: str):
    import bytepair as bp
    import tiktoken
    import tiktoken.load
    from bytepair.registry import _OPENAI

    rank_file, _, specials, explicit = _OPENAI[name]
    ranks = tiktoken.load.load_tiktoken_bpe(str(SHARED / f"vocab/tiktoken/{rank_file}.tiktoken"))
    return tiktoken.Encoding(
        name=name,
        pat_str=bp.get_encoding(name)._pat_str,
        mergeable_ranks=ranks,
        special_tokens=specials,
        explicit_n_vocab=explicit,
    )


def make_encoder(tool: str, encoding: str, mode: str):
    """Return (encode_one(text) -> ids, encode_all(texts) -> list of ids)."""
    if tool == "bytepair":
        import bytepair as bp

        enc = bp.get_encoding(encoding)
        return enc.encode_ordinary, lambda d: enc.encode_ordinary_batch(d, num_threads=2)
    if tool == "tiktoken":
        enc = tiktoken_encoding(encoding)
        return enc.encode_ordinary, lambda d: enc.encode_ordinary_batch(d, num_threads=2)
    if tool == "bpe-openai":
        import bpe_openai

        enc = bpe_openai.get_encoding(encoding)
        return enc.encode_ordinary, lambda d: enc.encode_ordinary_batch(d, num_threads=2)
    if tool == "tokie":
        import tokie

        tok = tokie.Tokenizer.from_json(str(SHARED / HF_JSON[encoding]))

        def tokie_batch(docs):
            flat, lengths = tok.encode_batch_flat(docs, add_special_tokens=False)
            out, at = [], 0
            for n in lengths.tolist():
                out.append(flat[at : at + n].tolist())
                at += n
            return out

        return (lambda t: tok.encode(t, add_special_tokens=False).ids), tokie_batch
    if tool == "hf-tokenizers":
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(SHARED / HF_JSON[encoding]))
        return (
            lambda t: tok.encode(t, add_special_tokens=False).ids,
            lambda d: [e.ids for e in tok.encode_batch(d, add_special_tokens=False)],
        )
    raise ValueError(tool)


def worker(tool: str, encoding: str, mode: str, mb: float) -> dict:
    docs = documents(mb)
    nbytes = sum(len(d.encode("utf-8")) for d in docs)
    one, batch = make_encoder(tool, encoding, mode)

    def run(ds):
        if mode == "single":
            return [one(d) for d in ds]
        return batch(ds)

    # Warm up on other text, so caches (HF's, ours) hold nothing of the timed documents.
    run(documents(mb, warmup=True))
    t = time.perf_counter()
    ids = run(docs)
    secs = time.perf_counter() - t
    h = hashlib.sha256()
    for seq in ids:
        h.update(json.dumps(list(seq)).encode())
    return {"mbps": nbytes / secs / 1e6, "hash": h.hexdigest(), "tokens": sum(map(len, ids))}


def load_worker(tool: str, encoding: str) -> dict:
    t = time.perf_counter()
    if tool == "bytepair":
        import bytepair as bp

        enc = bp.get_encoding(encoding)
        enc.encode_ordinary("warm")
    elif tool == "tiktoken":
        tiktoken_encoding(encoding).encode_ordinary("warm")
    elif tool == "bpe-openai":
        import bpe_openai

        bpe_openai.get_encoding(encoding).encode_ordinary("warm")
    elif tool == "tokie":
        import tokie

        tokie.Tokenizer.from_json(str(SHARED / HF_JSON[encoding])).encode("warm")
    else:
        from tokenizers import Tokenizer

        Tokenizer.from_file(str(SHARED / HF_JSON[encoding])).encode("warm")
    return {"seconds": time.perf_counter() - t}


def spawn(args: list[str], threads: int, python: str = sys.executable) -> dict:
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    if threads == 1:
        env["TOKENIZERS_PARALLELISM"] = "false"
    out = subprocess.run(
        [python, __file__, *args], env=env, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--encoding", default="cl100k_base")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--mb-per-source", type=float, default=1.0)
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--baseline", metavar="PYTHON", help="another bytepair build's python")
    ap.add_argument("--worker", nargs=2, metavar=("TOOL", "MODE"))
    ap.add_argument("--load-worker", metavar="TOOL")
    a = ap.parse_args()
    if a.worker:
        print(json.dumps(worker(a.worker[0], a.encoding, a.worker[1], a.mb_per_source)))
        return
    if a.load_worker:
        print(json.dumps(load_worker(a.load_worker, a.encoding)))
        return

    tools = a.tools.split(",")
    if a.baseline:
        tools.insert(tools.index("bytepair") + 1 if "bytepair" in tools else 0, "bytepair-baseline")
    docs = documents(a.mb_per_source)
    total = sum(len(d.encode("utf-8")) for d in docs)
    print(f"{len(docs)} documents, {total / 1e6:.1f} MB, encoding {a.encoding}, {a.runs} runs")
    results: dict[tuple[str, str], list[dict]] = {}
    loads: dict[str, list[float]] = {}
    for _ in range(a.runs):
        for tool in tools:
            python, name = sys.executable, tool
            if tool == "bytepair-baseline":
                python, name = a.baseline, "bytepair"
            for mode, threads in (("single", 1), ("batch", 2)):
                base = ["--encoding", a.encoding, "--mb-per-source", str(a.mb_per_source)]
                r = spawn([*base, "--worker", name, mode], threads, python)
                results.setdefault((tool, mode), []).append(r)
            r = spawn(["--encoding", a.encoding, "--load-worker", name], 2, python)
            loads.setdefault(tool, []).append(r.get("seconds", float("nan")))

    ref = next((r["hash"] for r in results.get(("tiktoken", "single"), []) if "hash" in r), None)
    ours = {}
    print(
        "\n| tool | single-thread MB/s | batch (2 threads) MB/s | ids equal tiktoken "
        f"| load {a.encoding} (s) |"
    )
    print("|---|---|---|---|---|")
    for tool in tools:
        row, same = [], True
        for mode in ("single", "batch"):
            rs = results[(tool, mode)]
            ok = [r for r in rs if "mbps" in r]
            if not ok:
                row.append(f"error: {rs[0].get('error')}")
                same = False
                continue
            med = statistics.median(r["mbps"] for r in ok)
            ours[(tool, mode)] = med
            row.append(f"{med:.1f}")
            same = same and all(r["hash"] == ref for r in ok)
        load = statistics.median(loads[tool])
        print(f"| {tool} | {row[0]} | {row[1]} | {'yes' if same else 'NO'} | {load:.3f} |")
    if ("bytepair", "single") in ours:
        b1 = ours[("bytepair", "single")]
        print()
        for tool in tools:
            if tool != "bytepair" and (tool, "single") in ours:
                print(f"bytepair / {tool}, single-thread: {b1 / ours[(tool, 'single')]:.2f}x")
        if ("bytepair", "batch") in ours:
            print(f"bytepair batch / bytepair single: {ours[('bytepair', 'batch')] / b1:.2f}x")
    if ("bytepair-baseline", "single") in ours:
        for mode in ("single", "batch"):
            # Paired: run k of each build went back to back.
            new, old = results[("bytepair", mode)], results[("bytepair-baseline", mode)]
            pairs = zip(new, old, strict=True)
            ratios = [x["mbps"] / y["mbps"] for x, y in pairs if "mbps" in x and "mbps" in y]
            print(
                f"bytepair / bytepair-baseline, {mode}, median of {len(ratios)} pairs: "
                f"{statistics.median(ratios):.3f}x"
            )


if __name__ == "__main__":
    main()
