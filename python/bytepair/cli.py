"""The ``bytepair`` command line."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from ._checkpoint import DEFAULT_CHECKPOINT_EVERY

REPORT_SAMPLE_BYTES = 4 << 20
#: Where ``bytepair train CORPUS`` writes without ``-o``, by ``--format``.
DEFAULT_OUTPUT = {
    "auto": "tokenizer.json",
    "native": "tokenizer.json",
    "hf": "tokenizer",
    "tiktoken": "tokenizer.tiktoken",
}


def _read_head(paths: list[str], limit: int) -> str:
    out: list[str] = []
    left = limit
    for p in paths:
        if left <= 0:
            break
        with open(p, encoding="utf-8", errors="replace") as f:
            chunk = f.read(left)
        out.append(chunk)
        left -= len(chunk.encode("utf-8"))
    return "".join(out)


def output_path(args: argparse.Namespace) -> Path | None:
    """Where training writes: ``-o``, else (for a corpus of one's own) the
    default name in the working directory, refused if it exists so no file
    is overwritten unasked. The sample run writes nothing unless asked."""
    if args.output:
        return Path(args.output)
    if not args.corpus:
        return None
    out = Path(DEFAULT_OUTPUT[args.format])
    if out.exists():
        raise FileExistsError(
            17, f"{out} exists in the working directory; pass -o to choose where to write", str(out)
        )
    return out


def _write(tok, out: Path, fmt: str) -> Path:
    """Write ``tok`` to ``out`` in ``fmt`` (auto: a directory unless it ends in .json)."""
    if fmt == "hf" or (fmt == "auto" and out.suffix != ".json"):
        return tok.to_huggingface(out)
    if fmt == "tiktoken":
        return tok.to_tiktoken(out)
    tok.save(out)
    return out


def _resumed_run(args: argparse.Namespace) -> dict:
    """What ``train --resume`` continues: the trainer, and the checkpoint's
    files (for the report) if they are still there."""
    import json

    import bytepair as bp
    from bytepair import _core

    if args.checkpoint and args.checkpoint != args.resume:
        raise SystemExit("bytepair train: --resume continues its own checkpoint")
    ckpt = _core.read_checkpoint(path=args.resume)
    args.superbpe = ckpt.kind == "superbpe"
    args.bytes = ckpt.kind == "bytes"
    files = [f[0] for f in json.loads(ckpt.source).get("files", []) if os.path.isfile(f[0])]
    trainer = {"train": bp.train, "superbpe": bp.train_superbpe, "bytes": bp.train_bytes}
    return {"train": trainer[ckpt.kind], "files": files}


def cmd_train(args: argparse.Namespace) -> int:
    import bytepair as bp
    from bytepair._corpus import resolve_paths, sample_corpus

    resumed = _resumed_run(args) if args.resume else None
    if resumed is not None:
        args.corpus = resumed["files"] or args.corpus
    corpus = args.corpus or [str(sample_corpus())]
    vocab_size = args.vocab_size or (512 if not args.corpus else 32768)
    paths = resolve_paths(corpus)
    out = output_path(args)
    specials = args.special if args.special is not None else ["<|endoftext|>"]
    if args.checkpoint and args.preset:
        raise SystemExit("bytepair train: --checkpoint does not go with --preset")
    saving = {"checkpoint": args.checkpoint, "checkpoint_every": args.checkpoint_every}
    pattern = None if args.pattern == "none" else args.pattern
    started = time.perf_counter()
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", bp.EarlyStopWarning)
        binary = args.bytes or args.preset == "binary"
        if resumed is not None:
            tok = resumed["train"](
                resume=args.resume, progress=not args.quiet, num_threads=args.threads
            )
            specials = list(tok.special_tokens)
        elif args.preset or args.bytes:
            kw: dict = {"progress": not args.quiet, "num_threads": args.threads}
            if args.min_frequency:
                kw["min_frequency"] = args.min_frequency
            if args.max_token_length:
                kw["max_token_length"] = args.max_token_length
            if args.special is not None:
                kw["special_tokens"] = args.special
            if binary:
                kw["window"] = args.window
            if args.bytes and not args.preset:
                kw.setdefault("special_tokens", [])
                tok = bp.train_bytes(paths, vocab_size, **kw, **saving)
            else:
                preset = {
                    "binary": bp.presets.binary,
                    "kl3m-char": bp.presets.kl3m_char,
                    "domain": bp.presets.domain,
                }[args.preset]
                tok = preset(paths, vocab_size, **kw)
            specials = list(tok.special_tokens)
        elif args.superbpe:
            t = args.transition if args.transition is not None else 0.5
            transition = int(t) if t >= 1 else t
            tok = bp.train_superbpe(
                paths,
                vocab_size,
                transition,
                stage1_pattern="recommended" if args.pattern == "gpt4" else pattern,
                stage2_pattern=args.stage2_pattern,
                special_tokens=specials,
                min_frequency=args.min_frequency,
                max_token_length=args.max_token_length,
                num_threads=args.threads,
                progress=not args.quiet,
                **saving,
            )
        else:
            tok = bp.train(
                paths,
                vocab_size,
                pattern=pattern,
                special_tokens=specials,
                min_frequency=args.min_frequency,
                max_token_length=args.max_token_length,
                num_threads=args.threads,
                progress=not args.quiet,
                **saving,
            )
    seconds = time.perf_counter() - started
    report = bp.last_train_report
    if out is not None:
        written = _write(tok, out, args.format)
    if binary:
        with open(paths[0], "rb") as f:
            head_bytes = f.read(REPORT_SAMPLE_BYTES)
        n_tokens = len(tok.encode_bytes(head_bytes))
        n_bytes = len(head_bytes)
    else:
        head = _read_head(paths, REPORT_SAMPLE_BYTES)
        n_tokens = len(tok.encode_ordinary(head))
        n_bytes = len(head.encode("utf-8"))
    source = "the built-in sample corpus" if not args.corpus else f"{len(paths)} file(s)"
    merges = len(tok.merges)
    if args.superbpe:
        print(
            f"trained SuperBPE on {source}: {report.bytes:,} bytes, "
            f"{report.stage2_pieces:,} distinct stage-2 pieces"
        )
        stage1 = (tok.curriculum or {}).get("stage1_pattern")
        print(f"  patterns       stage 1 {stage1}, stage 2 {tok.pattern}")
    elif binary:
        print(
            f"trained on {source} as raw bytes: {report.bytes:,} bytes, "
            f"{report.unique_words:,} distinct windows"
        )
    else:
        print(
            f"trained on {source}: {report.bytes:,} bytes, "
            f"{report.unique_words:,} distinct pre-tokens"
        )
        print(f"  pattern        {tok.pattern or 'none'}")
    extra = tok.vocab_size - 256 - merges - len(specials)
    print(
        f"  vocab size     {tok.vocab_size:,} (256 bytes + {merges:,} merges "
        f"+ {len(specials):,} special" + (f" + {extra:,} forced)" if extra > 0 else ")")
    )
    if args.superbpe:
        print(
            f"  merges         {report.stage1_merges:,} subword + {report.stage2_merges:,} "
            f"superword ({report.rejected:,} refused by the filters)"
        )
    else:
        print(f"  merges         {merges:,}")
    scope = "" if n_bytes >= report.bytes else f" (first {n_bytes:,} bytes)"
    print(f"  bytes/token    {n_bytes / max(n_tokens, 1):.3f}{scope}")
    print(f"  time           {seconds:.2f} s (counting {report.count_seconds:.2f} s)")
    for w in caught:
        print(f"  note           {w.message}")
    if out is not None:
        print(f"  wrote          {written}")
    else:
        print("  not saved      (a sample run; pass -o FILE to keep the tokenizer)")
    return 0


def file_kind(data: bytes, name: str) -> str:
    """What a file is, for grouping: ELF executable / shared object, other
    binary, or text (valid UTF-8)."""
    if data[:4] == b"\x7fELF":
        # e_type at offset 16 (little-endian): 2 = executable, 3 = shared
        # object or position-independent executable; names tell them apart.
        return "ELF shared object" if ".so" in name else "ELF executable"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "other binary"
    return "text"


def renyi_efficiency(counts, vocab_size: int, alpha: float = 2.5) -> float:
    """Rényi entropy of the token distribution over log(vocab size) (Zouhar
    et al., 2023): 1 means every token is equally used."""
    from bytepair._optional import numpy

    np = numpy("bytepair eval")

    p = counts[counts > 0] / counts.sum()
    h = np.log((p**alpha).sum()) / (1 - alpha)
    return float(h / np.log(vocab_size))


def _trim_partial_char(data: bytes) -> bytes:
    """A cut at --max-bytes may split the last UTF-8 character of a text file."""
    for k in range(4):
        head = data[: len(data) - k]
        try:
            head.decode("utf-8")
            return head
        except UnicodeDecodeError:
            continue
    return data


def _crosses_space(token: bytes) -> bool:
    """A space after a non-whitespace byte: the token spans a word boundary."""
    ws = b" \t\n\r\x0b\x0c"
    return any(token[i] == 0x20 and token[i - 1] not in ws for i in range(1, len(token)))


def cmd_eval(args: argparse.Namespace) -> int:
    from bytepair._corpus import resolve_paths
    from bytepair._loader import load_tokenizer
    from bytepair._optional import numpy

    np = numpy("bytepair eval")

    names = args.tokenizer
    toks = [load_tokenizer(t) for t in names]
    histograms = [np.zeros(t.vocab_size, dtype=np.int64) for t in toks]
    text_tokens = [0] * len(toks)
    words = 0
    groups: dict[str, dict] = {}
    for p in resolve_paths(args.paths):
        with open(p, "rb") as f:
            data = f.read(args.max_bytes) if args.max_bytes else f.read()
        if args.max_bytes and len(data) == args.max_bytes:
            data = _trim_partial_char(data)
        kind = file_kind(data, os.path.basename(p))
        key = kind if args.group == "kind" else os.path.basename(p)
        g = groups.setdefault(
            key, {"files": 0, "bytes": 0, "chars": 0, "tokens": [0] * len(toks), "text": True}
        )
        g["text"] = g["text"] and kind == "text"
        g["files"] += 1
        g["bytes"] += len(data)
        text = data.decode("utf-8") if kind == "text" else None
        if text is not None:
            g["chars"] += len(text)
            words += len(text.split())
        for k, t in enumerate(toks):
            ids = t.encode_ordinary(text) if text is not None else t.encode_bytes(data)
            g["tokens"][k] += len(ids)
            if text is not None:
                text_tokens[k] += len(ids)
            if ids:
                histograms[k] += np.bincount(
                    np.asarray(ids, dtype=np.int64), minlength=t.vocab_size
                )
    if not groups:
        raise ValueError("no files to evaluate")
    print("bytes per token (higher is better); for text also tokens per character (t/c)")
    label = "kind" if args.group == "kind" else "file"
    print(f"| files | {label} | bytes | " + " | ".join(names) + " |")
    print("|---:|---|---:|" + "---:|" * len(names))
    for kind, g in sorted(groups.items()):
        cells = []
        for n in g["tokens"]:
            cell = f"{g['bytes'] / max(n, 1):.3f}"
            if g["text"]:
                cell += f" ({n / max(g['chars'], 1):.4f} t/c)"
            cells.append(cell)
        print(f"| {g['files']} | {kind} | {g['bytes']:,} | " + " | ".join(cells) + " |")
    print()
    print(
        "| tokenizer | vocab | tokens | tokens/word (text) | crossing a space "
        "| Rényi efficiency (α=2.5) | vocabulary used |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for k, (name, t, h) in enumerate(zip(names, toks, histograms, strict=True)):
        specials = set(t.special_tokens.values())
        regular = [i for i in range(t.vocab_size) if i not in specials]
        used = int((h[regular] > 0).sum())
        eff = renyi_efficiency(h, len(regular)) if h.sum() else 0.0
        crossing = sum(
            int(h[i])
            for i in np.flatnonzero(h)
            if i not in specials and _crosses_space(t.token_bytes(int(i)))
        )
        tpw = f"{text_tokens[k] / words:.3f}" if words else "-"
        print(
            f"| {name} | {t.vocab_size:,} | {int(h.sum()):,} | {tpw} "
            f"| {crossing / max(int(h.sum()), 1):.1%} | {eff:.3f} "
            f"| {used:,} ({used / max(len(regular), 1):.1%}) |"
        )
    if args.plot:
        plot_eval(args.plot, names, groups, args.group)
        print(f"\nwrote {args.plot}")
    return 0


def plot_eval(path: str, names: list[str], groups: dict, by: str = "kind") -> None:
    """Grouped bars: bytes per token for each kind of file and tokenizer."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise ImportError("--plot needs matplotlib: pip install 'bytepair[plot]'") from e
    kinds = sorted(groups)
    width = 0.8 / len(names)
    fig, ax = plt.subplots(figsize=(min(14, 2 + 1.3 * len(kinds)), 4.5))
    for k, name in enumerate(names):
        values = [groups[kind]["bytes"] / max(groups[kind]["tokens"][k], 1) for kind in kinds]
        xs = [i + (k - (len(names) - 1) / 2) * width for i in range(len(kinds))]
        bars = ax.bar(xs, values, width, label=os.path.basename(name))
        ax.bar_label(bars, fmt="%.2f", fontsize=8)
    ax.set_xticks(
        range(len(kinds)), [f"{kind}\n({groups[kind]['bytes'] / 1e6:.1f} MB)" for kind in kinds]
    )
    ax.set_ylabel("bytes per token (higher is better)")
    ax.set_title("Compression by kind of file" if by == "kind" else "Compression by file")
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=len(names))
    ax.tick_params(axis="x", labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def cmd_encode(args: argparse.Namespace) -> int:
    import json

    from bytepair._corpus import resolve_paths
    from bytepair._files import digest
    from bytepair._loader import load_tokenizer

    tok = load_tokenizer(args.tokenizer)
    paths = resolve_paths(args.corpus)
    dtype = args.dtype or ("uint16" if tok.vocab_size <= 1 << 16 else "uint32")
    tok._core.check_dtype(dtype=dtype)
    eot = None
    if args.append_eot:
        from bytepair._huggingface import special_roles

        eot = special_roles(list(tok.special_tokens)).get("eos_token")
        if eot is None:
            raise ValueError("--append-eot: the tokenizer has no end-of-text special token")
    started = time.perf_counter()
    n, offsets = tok.encode_files(paths, args.output, dtype=dtype, eot=eot, progress=not args.quiet)
    seconds = time.perf_counter() - started
    size = sum(os.path.getsize(p) for p in paths)
    sidecar = {
        "format": "bytepair-tokens",
        "version": 1,
        "tokenizer": args.tokenizer,
        "tokenizer_sha256": digest(tok._core),
        "vocab_size": tok.vocab_size,
        "dtype": dtype,
        "eot_token": eot,
        "tokens": n,
        "documents": [
            {"path": p, "start": offsets[i], "end": offsets[i + 1]} for i, p in enumerate(paths)
        ],
    }
    side = Path(str(args.output) + ".json")
    tmp = side.with_name(side.name + ".partial")
    tmp.write_text(json.dumps(sidecar, indent=1))
    os.replace(tmp, side)
    print(
        f"encoded {len(paths)} file(s), {size:,} bytes -> {n:,} tokens ({dtype}) "
        f"in {seconds:.2f} s, {size / 1e6 / max(seconds, 1e-9):.1f} MB/s"
    )
    print(f"  wrote          {args.output} and {side}")
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    from bytepair._loader import load_tokenizer

    tok = load_tokenizer(args.tokenizer)
    print(f"tokenizer      {args.tokenizer}")
    print(f"vocab size     {tok.vocab_size:,}")
    print(f"pattern        {tok.pattern or 'none'}")
    if tok.curriculum:
        c = tok.curriculum
        print(f"SuperBPE       stage 1 {c['stage1_pattern']}, {c['transition']:,} subword merges")
    specials = sorted(tok.special_tokens.items(), key=lambda kv: kv[1])
    shown = ", ".join(f"{s}={i}" for s, i in specials[:8])
    more = f" (+{len(specials) - 8} more)" if len(specials) > 8 else ""
    print(f"specials       {shown or 'none'}{more}")
    special_ids = set(tok.special_tokens.values())
    lengths = []
    for i in range(tok.vocab_size):
        if i in special_ids:
            continue
        try:
            lengths.append((len(tok.token_bytes(i)), i))
        except KeyError:
            continue
    lengths.sort(reverse=True)
    print(
        "longest tokens " + ", ".join(f"{tok.token_bytes(i)!r}" for _, i in lengths[: args.longest])
    )
    text = args.text
    ids = tok.encode(text)
    pieces = [tok.decode_bytes([i]).decode("utf-8", errors="replace") for i in ids]
    print(f"sample         {len(ids)} tokens for {len(text.encode())} bytes:")
    print("               |" + "|".join(pieces) + "|")
    return 0


def _print_before_after(before_tok, after_tok, rows: list[tuple[str, str]], last: str) -> None:
    """Bytes/token of each (path, role) row's first 4 MB under both tokenizers;
    ``last`` is "change" (after/before - 1) or "kept" (after/before)."""
    if not rows:
        return
    width = max(len(Path(p).name) for p, _ in rows)
    head = f"{'change':>7}" if last == "change" else f"{'kept':>6}"
    print(f"\n  {'file':<{width}}  {'':8}  {'bytes/token before':>18}  {'after':>7}  {head}")
    for path, role in rows:
        text = _read_head([path], REPORT_SAMPLE_BYTES)
        n = len(text.encode("utf-8"))
        before = n / max(len(before_tok.encode_ordinary(text)), 1)
        after = n / max(len(after_tok.encode_ordinary(text)), 1)
        tail = f"{after / before - 1:+7.1%}" if last == "change" else f"{after / before:6.1%}"
        print(f"  {Path(path).name:<{width}}  {role:8}  {before:18.3f}  {after:7.3f}  {tail}")


def cmd_extend(args: argparse.Namespace) -> int:
    import warnings

    import bytepair as bp
    from bytepair._corpus import resolve_paths

    base = bp.load_tokenizer(args.tokenizer)
    if (args.add is None) == (args.vocab_size is None):
        raise ValueError("give one of --add N (new tokens) or --vocab-size V (the final size)")
    unused = base.vocab_size - base._core.num_mergeable - len(base.special_tokens)
    if args.add is not None:
        if args.add <= unused:
            raise ValueError(f"--add must be more than the base's {unused} unused ids")
        vocab_size = base.vocab_size + args.add - unused
    else:
        vocab_size = args.vocab_size
    out = Path(args.output)
    if out.exists() and not args.force:
        raise FileExistsError(17, "exists; pass --force to overwrite", str(out))
    paths = resolve_paths(args.corpus)
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", bp.EarlyStopWarning)
        tok = bp.train(
            paths,
            vocab_size,
            base=base,
            min_frequency=args.min_frequency,
            max_token_length=args.max_token_length,
            num_threads=args.threads,
            progress=not args.quiet,
        )
    seconds = time.perf_counter() - started
    report = bp.last_train_report
    written = _write(tok, out, args.format)
    new = tok._core.num_mergeable - base._core.num_mergeable
    print(
        f"extended {args.tokenizer} on {len(paths)} file(s): {report.bytes:,} bytes, "
        f"{report.unique_words:,} distinct pre-tokens the base splits"
    )
    print(f"  vocab size     {base.vocab_size:,} -> {tok.vocab_size:,} ({new:,} new tokens)")
    print(f"  time           {seconds:.2f} s (counting {report.count_seconds:.2f} s)")
    rows = [(p, "train") for p in paths] + [(p, "held out") for p in args.held_out or []]
    _print_before_after(base, tok, rows, "change")
    for w in caught:
        print(f"  note           {w.message}")
    print(f"  wrote          {written}")
    return 0


def cmd_prune(args: argparse.Namespace) -> int:
    import bytepair as bp
    from bytepair._corpus import resolve_paths

    if args.target_size is not None and args.min_count is not None:
        raise ValueError("give one of --target-size N or --min-count N, not both")
    if args.target_size is None and args.min_count is None and not args.keep:
        raise ValueError("say what to keep: --target-size N, --min-count N or --keep TOKEN")
    if (args.target_size is not None or args.min_count is not None) and not args.corpus:
        raise ValueError("--target-size and --min-count rank the tokens a --corpus uses")
    base = bp.load_tokenizer(args.tokenizer)
    out = Path(args.output)
    if out.exists() and not args.force:
        raise FileExistsError(17, "exists; pass --force to overwrite", str(out))
    paths = resolve_paths(args.corpus) if args.corpus else []
    started = time.perf_counter()
    # Each file is one document, so pre-tokens that span lines (code's
    # newline-and-indent runs) are counted as the tokenizer will see them.
    texts = (Path(p).read_text(encoding="utf-8", errors="replace") for p in paths)
    pruned, id_map = base.prune(
        keep=args.keep,
        corpus=texts if paths else None,
        min_count=args.min_count or 1,
        target_size=args.target_size,
    )
    seconds = time.perf_counter() - started
    written = _write(pruned, out, args.format)
    kept = int((id_map >= 0).sum())
    print(
        f"pruned {args.tokenizer}: {base.vocab_size:,} -> {pruned.vocab_size:,} ids "
        f"({kept - 256 - len(pruned.special_tokens):,} merged tokens, 256 bytes, "
        f"{len(pruned.special_tokens):,} special) in {seconds:.2f} s"
    )
    rows = [(p, "counted") for p in paths] + [(p, "held out") for p in args.held_out or []]
    _print_before_after(base, pruned, rows, "kept")
    print(f"  wrote          {written}")
    if args.id_map:
        from bytepair._optional import numpy

        numpy("bytepair prune --id-map").save(args.id_map, id_map)
        print(f"  id map         {args.id_map} (old id -> new id, -1 dropped)")
    return 0


def cmd_premium(args: argparse.Namespace) -> int:
    import warnings

    from bytepair.fairness import NormalizationWarning, token_premium

    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NormalizationWarning)
        report = token_premium(
            args.tokenizer,
            args.parallel,
            reference=args.reference,
            split=args.split,
            normalize=args.normalize,
            method=args.method,
        )
    for w in caught:
        if issubclass(w.category, NormalizationWarning):
            message = str(w.message).replace("normalize='NFC'", "--normalize NFC")
            print(f"bytepair: warning: {message}", file=sys.stderr)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    print(report.format_table())
    print(
        f"\n{len(report.languages)} languages x {len(report.tokenizers)} tokenizers "
        f"in {time.perf_counter() - start:.1f} s"
    )
    if args.csv:
        report.to_csv(args.csv)
        print(f"wrote {args.csv}")
    if args.plot:
        report.plot(args.plot)
        print(f"wrote {args.plot}")
    return 0


def cmd_mixture(args: argparse.Namespace) -> int:
    from bytepair import mixture

    categories = {}
    for spec in args.category:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            raise ValueError(f"--category takes NAME=PATH, got {spec!r}")
        if name in categories:
            raise ValueError(f"--category {name!r} is given twice")
        categories[name] = path
    result = mixture.infer(
        args.tokenizer,
        categories,
        num_merges=args.merges,
        sample_bytes=args.sample_bytes,
        competitors_per_step=args.competitors,
    )
    width = max(len(k) for k in result.weights)
    print(f"mixture of {args.tokenizer} over {len(categories)} categories (byte shares):")
    for name, w in sorted(result.weights.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<{width}}  {w:8.4f}")
    t = result.timing
    print(
        f"{result.num_merges:,} merges ({len(result.missing_merges):,} held by no category), "
        f"{result.rounds} rounds, {result.rows:,} rows; {t['total']:.1f} s (replay "
        f"{t['replay']:.1f}, sweeps {t['sweeps']:.1f}, LP {t['lp']:.1f})"
    )
    if args.json:
        Path(args.json).write_text(result.to_json())
        print(f"wrote {args.json}")
    if args.plot:
        result.plot(args.plot)
        print(f"wrote {args.plot}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from bytepair import __version__

    parser = argparse.ArgumentParser(
        prog="bytepair",
        description="Train and use byte-pair-encoding tokenizers.",
    )
    parser.add_argument("--version", action="version", version=f"bytepair {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    t = sub.add_parser(
        "train",
        help="train a tokenizer on text files",
        description="Train a byte-level BPE tokenizer. With no CORPUS, trains on a small "
        "sample shipped with bytepair and prints a report. Without -o, a corpus's "
        "tokenizer is written to tokenizer.json in the working directory (tokenizer/ "
        "for --format hf, tokenizer.tiktoken for --format tiktoken), never over an "
        "existing file.",
        epilog="examples:\n"
        "  bytepair train\n"
        "  bytepair train data/*.txt --vocab-size 32768 --pattern gpt4 -o tok.json\n"
        "  bytepair train corpus.txt --vocab-size 50257 --pattern gpt2 -o hf_dir/\n"
        "  bytepair train corpus.txt --vocab-size 32768 --superbpe --transition 16384 -o sb/\n"
        "  bytepair train /usr/bin --bytes --vocab-size 8192 -o bin.json\n"
        "  bytepair train big/ --vocab-size 65536 --checkpoint run.bpckpt -o tok.json\n"
        "  bytepair train --resume run.bpckpt -o tok.json\n"
        "  bytepair train legal/ --preset domain --vocab-size 32768 -o legal/",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    t.add_argument(
        "corpus", nargs="*", help="text files, directories or globs (one sequence per line)"
    )
    t.add_argument(
        "--vocab-size",
        type=int,
        default=None,
        help="final vocabulary size incl. bytes and specials (default 32768; 512 for the sample)",
    )
    t.add_argument(
        "--pattern",
        default="gpt4",
        help='pre-tokenization: gpt2, gpt4, o200k, a regex, or "none" (default gpt4)',
    )
    t.add_argument(
        "--special",
        action="append",
        default=None,
        metavar="TOKEN",
        help="a special token (repeatable; default <|endoftext|>)",
    )
    t.add_argument(
        "--superbpe",
        action="store_true",
        help="SuperBPE: subwords first, then superwords that cross spaces",
    )
    t.add_argument(
        "--transition",
        type=float,
        default=None,
        metavar="T",
        help="SuperBPE: merges learned before superwords (an int, or a fraction of the "
        "learned merges; default 0.5)",
    )
    t.add_argument(
        "--stage2-pattern",
        default="recommended",
        help='SuperBPE stage-2 split: "recommended", "digits-only" or a regex',
    )
    t.add_argument(
        "--bytes",
        action="store_true",
        help="train on raw bytes (executables, any data): no text, no UTF-8",
    )
    t.add_argument("--window", type=int, default=8192, help="--bytes: bytes per window")
    t.add_argument(
        "--checkpoint",
        metavar="PATH",
        help="write a checkpoint (.bpckpt) as training goes; the file must not exist",
    )
    t.add_argument(
        "--checkpoint-every",
        type=int,
        default=DEFAULT_CHECKPOINT_EVERY,
        metavar="N",
        help=f"merges between checkpoints (default {DEFAULT_CHECKPOINT_EVERY})",
    )
    t.add_argument(
        "--resume",
        metavar="PATH",
        help="finish the run a checkpoint recorded (its corpus and settings; give no others)",
    )
    t.add_argument(
        "--preset",
        choices=["binary", "kl3m-char", "domain"],
        help="published settings: Binary BPE 001, KL3M-004 char, KL3M-004 domain",
    )
    t.add_argument("--min-frequency", type=int, default=0)
    t.add_argument("--max-token-length", type=int, default=None, metavar="BYTES")
    t.add_argument("--threads", type=int, default=None)
    t.add_argument(
        "-o",
        "--output",
        help="where to write: FILE.json (native) or a "
        "directory (HF tokenizer.json + tokenizer_config.json); default "
        "./tokenizer.json for a corpus, nothing for the sample",
    )
    t.add_argument("--format", choices=["auto", "native", "hf", "tiktoken"], default="auto")
    t.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    t.set_defaults(func=cmd_train)

    x = sub.add_parser(
        "extend",
        help="add merges to an existing tokenizer, keeping every id",
        description="Learn new merges on top of a byte-level BPE tokenizer: every base id, "
        "merge and special token stays, text is counted with the base's pattern and "
        "normalization, and new tokens fill the base's unused ids, then come after its "
        "largest. Prints bytes/token before and after on each file (first 4 MB).",
        epilog="examples:\n"
        "  bytepair extend -t cl100k_base bible/*.txt --add 8192 -o cl100k_bible/\n"
        "  bytepair extend -t tok.json new_domain/ --vocab-size 40000 -o tok2.json "
        "--held-out dev.txt",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    x.add_argument("corpus", nargs="+", help="text files, directories or globs")
    x.add_argument(
        "--tokenizer",
        "-t",
        required=True,
        help="the base: an encoding name, a native .json, an HF tokenizer.json or its "
        "directory, or a directory of GPT-2 files",
    )
    x.add_argument("--add", type=int, default=None, metavar="N", help="learn N new tokens")
    x.add_argument(
        "--vocab-size", type=int, default=None, help="or: the final size (largest id + 1)"
    )
    x.add_argument("--held-out", action="append", metavar="FILE", help="also report on FILE")
    x.add_argument("--min-frequency", type=int, default=0)
    x.add_argument("--max-token-length", type=int, default=None, metavar="BYTES")
    x.add_argument("--threads", type=int, default=None)
    x.add_argument("-o", "--output", required=True, help="FILE.json (native) or a directory (HF)")
    x.add_argument("--format", choices=["auto", "native", "hf", "tiktoken"], default="auto")
    x.add_argument("--force", action="store_true", help="overwrite the output")
    x.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    x.set_defaults(func=cmd_extend)

    pr = sub.add_parser(
        "prune",
        help="shrink a tokenizer to the tokens a corpus uses, with an id map",
        description="Keep the 256 bytes, the special tokens, --keep tokens and the tokens "
        "the corpus uses (at least --min-count times, or the most used up to "
        "--target-size ids), each with the tokens that build it; re-derive the merges and "
        "renumber the ids densely. Each corpus file is counted as one document. Prints "
        "bytes/token before and after (first 4 MB per file).",
        epilog="examples:\n"
        "  bytepair prune -t o200k_base --corpus data/*.txt --target-size 32768 -o small/ "
        "--id-map map.npy\n"
        "  bytepair prune -t tok.json --corpus logs/ --min-count 5 -o tok_small.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    pr.add_argument("--tokenizer", "-t", required=True, help="an encoding name or a file")
    pr.add_argument("--corpus", nargs="+", default=None, help="files, directories or globs")
    pr.add_argument("--target-size", type=int, default=None, help="the final number of ids")
    pr.add_argument("--min-count", type=int, default=None, help="or: keep tokens used this often")
    pr.add_argument("--keep", action="append", metavar="TOKEN", help="always keep (repeatable)")
    pr.add_argument("--held-out", action="append", metavar="FILE", help="also report on FILE")
    pr.add_argument("--id-map", metavar="NPY", help="save the id map (numpy)")
    pr.add_argument("-o", "--output", required=True, help="FILE.json (native) or a directory (HF)")
    pr.add_argument("--format", choices=["auto", "native", "hf", "tiktoken"], default="auto")
    pr.add_argument("--force", action="store_true", help="overwrite the output")
    pr.set_defaults(func=cmd_prune)

    e = sub.add_parser(
        "eval",
        help="compare tokenizers on files: bytes per token by file kind",
        description="Encode files with one or more tokenizers and print bytes per token "
        "(and tokens per character for text), grouped by kind: text, ELF executable, ELF "
        "shared object, other binary. Binary files are encoded as raw bytes.",
        epilog="examples:\n"
        "  bytepair eval --tokenizer o200k_base --tokenizer tok.json corpus/*.txt\n"
        "  bytepair eval --tokenizer bin.json --tokenizer cl100k_base /usr/bin/ls /usr/lib/*.so*",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    e.add_argument("paths", nargs="+", help="files, directories or globs")
    e.add_argument(
        "--tokenizer",
        "-t",
        action="append",
        required=True,
        help="an encoding name (o200k_base), a native .json, an HF tokenizer.json or its "
        "directory; repeat to compare",
    )
    e.add_argument("--max-bytes", type=int, default=None, help="read at most this much per file")
    e.add_argument("--plot", metavar="PNG", help="also draw the bytes/token chart (matplotlib)")
    e.add_argument(
        "--group",
        choices=["kind", "file"],
        default="kind",
        help="one row per kind of file (default) or per file",
    )
    e.set_defaults(func=cmd_eval)

    n = sub.add_parser(
        "encode",
        help="encode text files into one token file for LM training",
        description="Encode text files (each one document) into a flat token file "
        "(raw little-endian, or .npy), streamed on all cores, plus a JSON sidecar "
        "(OUTPUT.json: tokenizer hash, dtype, where each document starts and ends).",
        epilog="examples:\n"
        "  bytepair encode --tokenizer o200k_base data/*.txt -o tokens.bin\n"
        "  bytepair encode --tokenizer tok.json corpus/ -o tokens.npy --dtype uint32 --append-eot",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    n.add_argument("corpus", nargs="+", help="text files, directories or globs")
    n.add_argument("--tokenizer", "-t", required=True, help="an encoding name or a file")
    n.add_argument("-o", "--output", required=True, help="the token file (.bin or .npy)")
    n.add_argument(
        "--dtype",
        choices=["uint16", "uint32"],
        default=None,
        help="default: uint16 when the vocabulary fits",
    )
    n.add_argument(
        "--append-eot", action="store_true", help="append the end-of-text token after each document"
    )
    n.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    n.set_defaults(func=cmd_encode)

    i = sub.add_parser(
        "inspect",
        help="show a tokenizer: size, pattern, specials, longest tokens, a sample",
        description="Print a tokenizer's vocabulary size, pattern, special tokens, "
        "longest tokens and the segmentation of a sample text.",
        epilog="examples:\n  bytepair inspect o200k_base\n"
        "  bytepair inspect tok.json --text 'Hello, world!'",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    i.add_argument("tokenizer", help="an encoding name, a native .json, an HF tokenizer.json")
    i.add_argument("--text", default="Tokenizers turn text into numbers: 12345, naïve café.")
    i.add_argument("--longest", type=int, default=8, help="how many longest tokens to show")
    i.set_defaults(func=cmd_inspect)

    p = sub.add_parser(
        "premium",
        help="token premiums across languages on parallel text",
        description="Count the tokens each tokenizer needs for the same text in every "
        "language of a parallel corpus, and print the premium against a reference language "
        "(tokens / the reference's tokens), the Gini coefficient of the per-language "
        "counts, max/min and the most expensive languages.",
        epilog="examples:\n"
        "  bytepair premium -t cl100k_base -t o200k_base --parallel flores200/ --plot premium.png\n"
        "  bytepair premium -t tok.json --parallel udhr_all.txt --normalize NFC --csv out.csv\n"
        "  bytepair premium -t gpt2 --parallel flores200/ --method petrov   # the paper's counts",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--tokenizer",
        "-t",
        action="append",
        required=True,
        help="an encoding name, a native .json, an HF tokenizer.json; repeat to compare",
    )
    p.add_argument(
        "--parallel",
        required=True,
        help="a FLORES-200 directory, a UDHR file, or a directory of Bible files",
    )
    p.add_argument("--reference", default="eng_Latn", help="the reference language")
    p.add_argument("--split", default="dev+devtest", choices=["dev", "devtest", "dev+devtest"])
    p.add_argument("--normalize", default=None, choices=["NFC", "NFKC", "NFD", "NFKD"])
    p.add_argument(
        "--method",
        default="sentences",
        choices=["sentences", "petrov"],
        help="encode each sentence alone (default), or Petrov et al.'s one joined string",
    )
    p.add_argument("--plot", metavar="PNG", help="draw the premium chart (matplotlib)")
    p.add_argument("--csv", metavar="CSV", help="write every (tokenizer, language) row")
    p.set_defaults(func=cmd_premium)

    m = sub.add_parser(
        "mixture",
        help="infer a tokenizer's training mixture from its merges",
        description="Replay the tokenizer's merges on a sample of each category and solve "
        "for the mixture under which each merge was the most frequent pair (Hayase et al., "
        "2024). Needs pip install 'bytepair[mixture]'.",
        epilog="example:\n"
        "  bytepair mixture gpt2 --category en=english/ --category code=code/ --plot mix.png",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    m.add_argument("tokenizer", help="an encoding name, a tokenizer.json, GPT-2 files")
    m.add_argument(
        "--category",
        action="append",
        required=True,
        metavar="NAME=PATH",
        help="a category and its text (a file, glob or directory); repeat",
    )
    m.add_argument("--merges", type=int, help="replay only the first N merges")
    m.add_argument("--sample-bytes", type=int, help="the first N bytes of each category")
    m.add_argument("--competitors", type=int, default=3, help="rows per merge per round")
    m.add_argument("--json", metavar="JSON", help="write the result")
    m.add_argument("--plot", metavar="PNG", help="draw the shares (matplotlib)")
    m.set_defaults(func=cmd_mixture)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    from bytepair import BytepairError

    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("bytepair: interrupted", file=sys.stderr)
        return 130
    except (OSError, BytepairError, ValueError, TypeError, ImportError) as e:
        print(f"bytepair: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
