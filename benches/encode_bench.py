"""Encoding benchmark: bytepair against the encoders on PyPI that give tiktoken's ids.

    python benches/encode_bench.py [--encoding cl100k_base] [--corpus mixed|issue18]
        [--runs 5] [--mb-per-source 1] [--modes single,batch,long]

Two corpora, both cut into 8 KB documents at character boundaries:

* ``mixed`` (``--mb-per-source`` of each): English novels, English sentences,
  Python, C headers, SEC filings, UDHR in 500+ languages, German novels and
  classical Chinese;
* ``issue18`` (3 MB of each): English novels, Cyrillic, SEC filings, classical
  Chinese and C headers, the corpus of issue 18. ../shared/data has no Russian
  novels, so the Cyrillic source is the Ukrainian New Testament.

Each tool warms up, then encodes all of them once, timed:

* ``single``: one call per document, one thread, pinned to one CPU;
* ``batch``: one batch call over all documents with 2 threads;
* ``long``: one call on one 3 MB document (the English novels), pinned.

Every (tool, mode) run is a fresh process; runs go round-robin so machine noise
hits every tool alike, and the table shows the median MB/s. The warm-up runs on
a disjoint slice of the same sources, so no tool's cache holds the timed text. Every tool's ids
are hashed and compared with tiktoken's: a tool that gives different ids is
marked. A second table times loading the encoding (fresh process, median).
``--baseline PYTHON`` adds another build of bytepair (the ``python`` of a venv
it is installed in) as ``bytepair-baseline``, to compare two builds side by side.
The tool ``bytepair-numpy`` (not run unless named in ``--tools``) is bytepair
returning numpy arrays: ``encode_to_numpy`` per document and
``encode_batch_to_numpy`` for the batch (one flat array and offsets, sliced
into one view per document); ``bytepair-files`` (``--modes batch``) is
``encode_files`` over the documents, each written to its own file beforehand,
timed with its reading and writing. Both are for issue 18's "at least as fast
as the lists".
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
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
ISSUE18_SOURCES = [
    "corpora/english/eltec_eng_novels.txt",
    "corpora/multilingual/bible_nt/Ukranian-NT.txt",
    "corpora/financial/sec_filings.txt",
    "corpora/multilingual/chinese/quan_tang_shi_subset.txt",
    "corpora/code/c_headers.txt",
]
LONG_SOURCE = "corpora/english/eltec_eng_novels.txt"
LONG_BYTES = 3_000_000
TOOLS = [
    "bytepair",
    "fastokens",
    "tiktoken",
    "wordchipper",
    "rs-bpe",
    "bpe-openai",
    "kitoken",
    "tokie",
    "hf-tokenizers",
]
DOC_BYTES = 8192


def _cut(data: bytes) -> list[str]:
    """Valid UTF-8 of ``data`` in documents of about 8 KB."""
    text = data.decode("utf-8", errors="ignore")
    raw = text.encode("utf-8")
    docs = []
    i = 0
    while i < len(raw):
        j = min(i + DOC_BYTES, len(raw))
        while j < len(raw) and (raw[j] & 0xC0) == 0x80:
            j += 1  # do not cut a character
        docs.append(raw[i:j].decode("utf-8"))
        i = j
    return docs


def documents(mb_per_source: float, warmup: bool = False, corpus: str = "mixed") -> list[str]:
    """8 KB documents from each source; ``warmup`` takes a disjoint slice.

    The warm-up text follows the timed text in each source (a source too short
    for that warms up on English novels from past the timed 3 MB).
    """
    docs = []
    if corpus == "issue18":
        size, sources, warm = 3_000_000, ISSUE18_SOURCES, 300_000
    else:
        size, sources = int(mb_per_source * 1e6), SOURCES
        warm = size // 4
    for rel in sources:
        data = (SHARED / rel).read_bytes()
        if warmup:
            other = (SHARED / LONG_SOURCE).read_bytes()[LONG_BYTES : LONG_BYTES + warm]
            data = data[size : size + warm] or other
        else:
            data = data[:size]
        docs.extend(_cut(data))
    return docs


def long_document(warmup: bool = False) -> str:
    """One 3 MB document; the warm-up is 300 KB of other text from the same source."""
    data = (SHARED / LONG_SOURCE).read_bytes()
    data = data[LONG_BYTES : LONG_BYTES + 300_000] if warmup else data[:LONG_BYTES]
    return data.decode("utf-8", errors="ignore")


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
    if tool == "bytepair-numpy":
        import bytepair as bp

        enc = bp.get_encoding(encoding)

        def flat_batch(docs):
            flat, offsets = enc.encode_batch_to_numpy(docs, num_threads=2, disallowed_special=())
            return [flat[a:b] for a, b in zip(offsets[:-1], offsets[1:], strict=True)]

        return (lambda t: enc.encode_to_numpy(t, disallowed_special=())), flat_batch
    if tool == "tiktoken":
        enc = tiktoken_encoding(encoding)
        return enc.encode_ordinary, lambda d: enc.encode_ordinary_batch(d, num_threads=2)
    if tool == "bpe-openai":
        import bpe_openai

        enc = bpe_openai.get_encoding(encoding)
        return enc.encode_ordinary, lambda d: enc.encode_ordinary_batch(d, num_threads=2)
    rank_file = str(SHARED / f"vocab/tiktoken/{encoding}.tiktoken")
    if tool == "fastokens":
        import fastokens

        tok = fastokens.Tokenizer.from_tiktoken(rank_file, encoding=encoding)
        return (
            lambda t: tok.encode_ordinary(t).ids,
            lambda d: [e.ids for e in tok.encode_batch(d)],
        )
    if tool == "kitoken":
        from kitoken import Kitoken

        tok = Kitoken.from_tiktoken_file(rank_file)
        return tok.encode, tok.encode_all
    if tool == "wordchipper":
        import wordchipper

        # It reads rank files from its cache directory, which spawn() points
        # at links to ../shared (it cannot download here).
        tok = wordchipper.Tokenizer.from_pretrained(encoding)
        return tok.encode, tok.encode_batch
    if tool == "rs-bpe":
        from rs_bpe import openai

        tok = getattr(openai, encoding)()
        options = openai.ParallelOptions(1, 64, 2)
        return tok.encode, lambda d: tok.encode_batch_parallel(d, options)[0]
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


def worker(tool: str, encoding: str, mode: str, mb: float, corpus: str) -> dict:
    if mode == "long":
        docs, warm = [long_document()], [long_document(warmup=True)]
    else:
        docs, warm = documents(mb, corpus=corpus), documents(mb, True, corpus)
    if mode != "batch" and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
    nbytes = sum(len(d.encode("utf-8")) for d in docs)
    if tool == "bytepair-files":
        return files_worker(encoding, docs, warm, nbytes)
    one, batch = make_encoder(tool, encoding, mode)

    def run(ds):
        if mode == "batch":
            return batch(ds)
        return [one(d) for d in ds]

    # Warm up on other text, so caches (HF's, ours) hold nothing of the timed documents.
    run(warm)
    t = time.perf_counter()
    ids = run(docs)
    secs = time.perf_counter() - t
    h = hashlib.sha256()
    for seq in ids:
        h.update(json.dumps(seq.tolist() if hasattr(seq, "tolist") else list(seq)).encode())
    return {"mbps": nbytes / secs / 1e6, "hash": h.hexdigest(), "tokens": sum(map(len, ids))}


def files_worker(encoding: str, docs: list[str], warm: list[str], nbytes: int) -> dict:
    """``encode_files`` with each document its own file (written before the
    clock starts), into one ``.bin``; the time includes reading and writing."""
    import bytepair as bp
    import numpy as np

    enc = bp.get_encoding(encoding)
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for name, ds in (("warm", warm), ("timed", docs)):
            paths[name] = []
            for i, d in enumerate(ds):
                path = os.path.join(tmp, f"{name}-{i:05d}.txt")
                with open(path, "w", encoding="utf-8", newline="") as f:
                    f.write(d)
                paths[name].append(path)
        out = os.path.join(tmp, "ids.bin")
        enc.encode_files(paths["warm"], out, progress=False)
        t = time.perf_counter()
        _, offsets = enc.encode_files(paths["timed"], out, progress=False)
        secs = time.perf_counter() - t
        flat = np.fromfile(out, dtype=np.uint32)
    ids = [flat[a:b] for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
    h = hashlib.sha256()
    for seq in ids:
        h.update(json.dumps(seq.tolist()).encode())
    return {"mbps": nbytes / secs / 1e6, "hash": h.hexdigest(), "tokens": int(len(flat))}


def load_worker(tool: str, encoding: str) -> dict:
    t = time.perf_counter()
    if tool in ("bytepair", "bytepair-numpy", "bytepair-files"):
        import bytepair as bp

        enc = bp.get_encoding(encoding)
        enc.encode_ordinary("warm")
    elif tool == "tiktoken":
        tiktoken_encoding(encoding).encode_ordinary("warm")
    elif tool == "bpe-openai":
        import bpe_openai

        bpe_openai.get_encoding(encoding).encode_ordinary("warm")
    elif tool in ("fastokens", "kitoken", "wordchipper", "rs-bpe"):
        make_encoder(tool, encoding, "single")[0]("warm")
    elif tool == "tokie":
        import tokie

        tokie.Tokenizer.from_json(str(SHARED / HF_JSON[encoding])).encode("warm")
    else:
        from tokenizers import Tokenizer

        Tokenizer.from_file(str(SHARED / HF_JSON[encoding])).encode("warm")
    return {"seconds": time.perf_counter() - t}


def wordchipper_cache() -> str:
    """A cache directory where wordchipper finds ../shared's rank files."""
    root = Path(tempfile.gettempdir()) / "bytepair-bench-wordchipper"
    for name in HF_JSON:
        d = root / "io.crates.wordchipper" / "openai" / name
        d.mkdir(parents=True, exist_ok=True)
        link = d / f"{name}.tiktoken"
        if not link.exists():
            link.symlink_to(SHARED / f"vocab/tiktoken/{name}.tiktoken")
    return str(root)


def spawn(args: list[str], threads: int, python: str = sys.executable) -> dict:
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads), XDG_CACHE_HOME=wordchipper_cache())
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
    ap.add_argument("--corpus", choices=("mixed", "issue18"), default="mixed")
    ap.add_argument("--modes", default="single,batch", help="of single, batch, long")
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--baseline", metavar="PYTHON", help="another bytepair build's python")
    ap.add_argument("--worker", nargs=2, metavar=("TOOL", "MODE"))
    ap.add_argument("--load-worker", metavar="TOOL")
    a = ap.parse_args()
    if a.worker:
        print(json.dumps(worker(a.worker[0], a.encoding, a.worker[1], a.mb_per_source, a.corpus)))
        return
    if a.load_worker:
        print(json.dumps(load_worker(a.load_worker, a.encoding)))
        return

    tools = a.tools.split(",")
    modes = a.modes.split(",")
    threads_of = {"single": 1, "batch": 2, "long": 1}
    if a.baseline:
        tools.insert(tools.index("bytepair") + 1 if "bytepair" in tools else 0, "bytepair-baseline")
    docs = documents(a.mb_per_source, corpus=a.corpus)
    total = sum(len(d.encode("utf-8")) for d in docs)
    print(
        f"corpus {a.corpus}: {len(docs)} documents, {total / 1e6:.1f} MB, "
        f"encoding {a.encoding}, {a.runs} runs"
    )
    results: dict[tuple[str, str], list[dict]] = {}
    loads: dict[str, list[float]] = {}
    base = [
        *("--encoding", a.encoding, "--mb-per-source", str(a.mb_per_source)),
        *("--corpus", a.corpus),
    ]
    for _ in range(a.runs):
        for tool in tools:
            python, name = sys.executable, tool
            if tool == "bytepair-baseline":
                python, name = a.baseline, "bytepair"
            for mode in modes:
                r = spawn([*base, "--worker", name, mode], threads_of[mode], python)
                results.setdefault((tool, mode), []).append(r)
            r = spawn(["--encoding", a.encoding, "--load-worker", name], 2, python)
            loads.setdefault(tool, []).append(r.get("seconds", float("nan")))

    def reference(mode: str) -> str | None:
        runs = results.get(("tiktoken", mode), [])
        return next((r["hash"] for r in runs if "hash" in r), None)

    ours = {}
    heads = {
        "single": "single-thread MB/s",
        "batch": "batch (2 threads) MB/s",
        "long": "one 3 MB doc MB/s",
    }
    print(
        "\n| tool | "
        + " | ".join(heads[m] for m in modes)
        + f" | ids equal tiktoken | load {a.encoding} (s) |"
    )
    print("|---|" + "---|" * (len(modes) + 2))
    for tool in tools:
        row, same = [], True
        for mode in modes:
            rs = results[(tool, mode)]
            ok = [r for r in rs if "mbps" in r]
            if not ok:
                row.append(f"error: {rs[0].get('error')}")
                same = False
                continue
            med = statistics.median(r["mbps"] for r in ok)
            ours[(tool, mode)] = med
            row.append(f"{med:.1f}")
            same = same and all(r["hash"] == reference(mode) for r in ok)
        load = statistics.median(loads[tool])
        checked = all(reference(m) is not None for m in modes)
        verdict = ("yes" if same else "NO") if checked else "not checked (no tiktoken run)"
        print(f"| {tool} | {' | '.join(row)} | {verdict} | {load:.3f} |")
    print()
    for mode in modes:
        if ("bytepair", mode) not in ours:
            continue
        for tool in tools:
            if tool != "bytepair" and (tool, mode) in ours:
                ratio = ours[("bytepair", mode)] / ours[(tool, mode)]
                print(f"bytepair / {tool}, {mode}: {ratio:.2f}x")
    if ("bytepair", "batch") in ours and ("bytepair", "single") in ours:
        ratio = ours[("bytepair", "batch")] / ours[("bytepair", "single")]
        print(f"bytepair batch / bytepair single: {ratio:.2f}x")
    for other in ("bytepair-numpy", "bytepair-files"):
        for mode in modes:
            if (other, mode) not in ours or ("bytepair", mode) not in ours:
                continue
            new, old = results[(other, mode)], results[("bytepair", mode)]
            ratios = [
                x["mbps"] / y["mbps"]
                for x, y in zip(new, old, strict=True)
                if "mbps" in x and "mbps" in y
            ]
            print(
                f"{other} / bytepair, {mode}, median of {len(ratios)} pairs: "
                f"{statistics.median(ratios):.3f}x"
            )
    if ("bytepair-baseline", modes[0]) in ours:
        for mode in modes:
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
