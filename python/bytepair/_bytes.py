"""``bytepair.train_bytes``: BPE over raw bytes (executables, any data)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from . import _checkpoint, _core, _report
from ._checkpoint import DEFAULT_CHECKPOINT_EVERY
from ._corpus import resolve_paths
from ._options import check_int, str_list
from ._tokenizer import Tokenizer


def train_bytes(
    corpus: str | os.PathLike | Iterable[Any] | None = None,
    vocab_size: int | None = None,
    *,
    window: int = 8192,
    split_on_nul: bool = False,
    max_token_length: int | None = 16,
    allowed_token_lengths: Iterable[int] | None = None,
    min_frequency: int = 0,
    special_tokens: Iterable[str] = (),
    num_threads: int | None = None,
    progress: bool = True,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY,
    resume: str | os.PathLike | None = None,
) -> Tokenizer:
    """Train byte-level BPE on raw bytes, with no text assumption at all.

    corpus: files, directories (read recursively), globs, a list of those, or
        an iterable of ``bytes`` (each one a document).
    window: every file or document is cut into windows of this many bytes,
        from its start, and no merge crosses a window (Binary BPE: 8192).
    split_on_nul: runs of NUL bytes are pieces of their own, in training and
        when encoding.
    max_token_length: the longest token, in bytes, inclusive (Binary BPE: 16).
        HF tokenizers' ``max_token_length=L`` builds tokens up to ``max(2, L-1)``
        bytes; pass that to reproduce an HF run.
    allowed_token_lengths: if given, the only token lengths merges may build
        (must include 1); e.g. ``{1, 2, 4, 8}``.

    All 256 byte values are tokens (ids 0-255 are the byte values), merges
    follow, then ``special_tokens``. ``tok.encode_bytes(data)`` and
    ``tok.decode_bytes(ids)`` round-trip every input exactly.

    ``checkpoint``, ``checkpoint_every`` and ``resume`` are as for
    :func:`bytepair.train`.
    """
    if _checkpoint.only_resume(corpus, vocab_size, resume, "train_bytes"):
        assert resume is not None
        core, report, settings = _checkpoint.resume_alone(
            "bytes",
            _core.train_bytes,
            resume,
            checkpoint,
            num_threads=num_threads,
            progress=bool(progress),
        )
        tok = Tokenizer(core)
        _report.record(
            report,
            tok.vocab_size,
            asked=settings["vocab_size"],
            min_frequency=settings["min_frequency"],
            progress=progress,
        )
        return tok
    check_int("vocab_size", vocab_size, 1)
    check_int("window", window, 1)
    check_int("min_frequency", min_frequency, 0)
    if max_token_length is not None:
        check_int("max_token_length", max_token_length, 1)
    if num_threads is not None:
        check_int("num_threads", num_threads, 1)
    lengths = None
    if allowed_token_lengths is not None:
        lengths = sorted(set(allowed_token_lengths))
        for n in lengths:
            check_int("allowed_token_lengths item", n, 1)
    specials = str_list("special_tokens", special_tokens)
    if isinstance(corpus, (str, os.PathLike)) or (
        isinstance(corpus, (list, tuple))
        and corpus
        and all(isinstance(c, (str, os.PathLike)) for c in corpus)
    ):
        source: dict[str, Any] = {"files": resolve_paths(corpus)}
    elif isinstance(corpus, (bytes, bytearray, memoryview)):
        raise TypeError("corpus is one bytes object; pass [data] (a list of documents)")
    elif hasattr(corpus, "__iter__"):
        source = {"documents": iter(corpus)}
    else:
        raise TypeError(
            f"corpus must be paths or an iterable of bytes, not {type(corpus).__name__}"
        )
    settings = {
        "vocab_size": vocab_size,
        "window": window,
        "split_on_nul": bool(split_on_nul),
        "max_token_length": max_token_length,
        "allowed_lengths": lengths,
        "min_frequency": min_frequency,
        "special_tokens": specials,
    }
    core, report = _checkpoint.run(
        "bytes",
        _core.train_bytes,
        settings,
        source,
        checkpoint=checkpoint,
        checkpoint_every=checkpoint_every,
        resume=resume,
        num_threads=num_threads,
        progress=bool(progress),
    )
    tok = Tokenizer(core)
    _report.record(
        report, tok.vocab_size, asked=vocab_size, min_frequency=min_frequency, progress=progress
    )
    return tok
