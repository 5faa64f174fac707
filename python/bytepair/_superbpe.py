"""``bytepair.train_superbpe``: subwords first, then superwords across spaces."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import _core, _train
from ._corpus import is_paths, iter_texts, resolve_paths
from ._tokenizer import Tokenizer

# Pattern names the SuperBPE scripts use, mapped to ours.
_STAGE1 = {"recommended": "superbpe-stage1"}
_STAGE2 = {"recommended": "superbpe", "digits-only": "superbpe-digits"}


@dataclass(frozen=True)
class SuperBPEReport:
    """Facts about one SuperBPE run (``bytepair.last_train_report``)."""

    bytes: int
    stage1_merges: int
    stage2_merges: int
    rejected: int  # stage-2 pairs refused by the filters
    stage2_pieces: int  # distinct stage-2 pieces (after newline boundaries)
    stage2_symbols: int  # stage-1 tokens in those pieces after the replay
    vocab_size: int
    stop: str
    count_seconds: float
    seconds: float


def train_superbpe(
    corpus: str | os.PathLike | Iterable[Any],
    vocab_size: int,
    transition: int | float | None = None,
    *,
    stage1_pattern: str | None = "recommended",
    stage2_pattern: str | None = "recommended",
    max_words_per_token: int | None = 4,
    forbidden_substrings: Iterable[str] = (": ",),
    special_tokens: Iterable[str] = ("<|endoftext|>",),
    min_frequency: int = 0,
    max_token_length: int | None = None,
    base: Tokenizer | None = None,
    num_threads: int | None = None,
    progress: bool = True,
    text_column: str | None = None,
) -> Tokenizer:
    """Train a SuperBPE tokenizer (Liu et al., 2025): a two-stage curriculum.

    Stage 1 is ordinary byte-level BPE with ``stage1_pattern`` up to exactly
    ``transition`` merges. Stage 2 counts the corpus again with the coarse
    ``stage2_pattern`` (newlines are hard boundaries), replays the inherited
    merges in order, and learns merges that may cross spaces ("superwords")
    until ``vocab_size``. The result encodes with ``stage2_pattern``.

    corpus: as for :func:`bytepair.train` (paths, globs, or an iterable of str),
        or counts made once (``bytepair.count`` / ``bytepair.distributed.count``):
        a pair ``(words, pieces)`` where ``words`` was counted with the stage-1
        pattern and ``pieces`` with the stage-2 pattern and
        ``line_boundaries=True`` (with ``base``: ``pieces`` alone). The merges
        equal training from the text; the patterns come from the counts.
    transition: merges inherited from stage 1: an int, or a fraction of the
        learned merges (``0.5`` = half of ``vocab_size - 256 - specials``).
        Ignored with ``base``.
    stage1_pattern: "recommended" (o200k's pattern without contractions, the
        SuperBPE scripts' current choice), any pattern name, or a regex.
    stage2_pattern: "recommended" (``\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]{2,}[\\r\\n/]*| +(?!\\S)``),
        "digits-only" (the paper-era split), or a regex (matches and the text
        between them are pieces, as HF's ``Split(..., "isolated")``).
    max_words_per_token: a stage-2 token holds at most this many words
        (non-empty runs between spaces); None for no limit.
    forbidden_substrings: no stage-2 token contains any of these.
    base: extend this existing BPE tokenizer instead of running stage 1 (all
        of its merges are inherited; its ids and special tokens stay).
    """
    _train._check_int("vocab_size", vocab_size, 1)
    _train._check_int("min_frequency", min_frequency, 0)
    if max_token_length is not None:
        _train._check_int("max_token_length", max_token_length, 1)
    if max_words_per_token is not None:
        _train._check_int("max_words_per_token", max_words_per_token, 1)
    if num_threads is not None:
        _train._check_int("num_threads", num_threads, 1)
    specials = _str_list("special_tokens", special_tokens)
    forbidden = _str_list("forbidden_substrings", forbidden_substrings)
    if base is not None and not isinstance(base, Tokenizer):
        raise TypeError(f"base must be a bytepair.Tokenizer, not {type(base).__name__}")
    learned = vocab_size - 256 - len(specials)
    if base is not None:
        merges = 0
    elif transition is None:
        raise TypeError("train_superbpe() needs transition (an int, or a fraction of vocab_size)")
    elif isinstance(transition, float):
        if not 0.0 <= transition <= 1.0:
            raise ValueError(f"a fractional transition must be within [0, 1], got {transition}")
        merges = round(transition * max(learned, 0))
    else:
        _train._check_int("transition", transition, 0)
        merges = transition
    if base is None and merges > learned:
        raise ValueError(
            f"transition={merges} merges leaves no room: vocab_size={vocab_size} holds "
            f"{learned} learned merges after 256 bytes and {len(specials)} special token(s)"
        )
    for name, value in (("stage1_pattern", stage1_pattern), ("stage2_pattern", stage2_pattern)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name} must be a str or None, not {type(value).__name__}")
    p1 = _STAGE1.get(stage1_pattern, stage1_pattern) if stage1_pattern else None
    p2 = _STAGE2.get(stage2_pattern, stage2_pattern) if stage2_pattern else None
    given = _given_counts(corpus, base)
    if given is not None:
        source, is_files = given, False
        pieces = given[1] if isinstance(given, tuple) else given
        p2 = _same_pattern("stage2_pattern", stage2_pattern, p2, pieces.pattern)
        if isinstance(given, tuple):
            p1 = _same_pattern("stage1_pattern", stage1_pattern, p1, given[0].pattern)
    elif is_paths(corpus):
        source, is_files = resolve_paths(corpus), True
    else:
        if not hasattr(corpus, "__iter__"):
            raise TypeError(
                f"corpus must be a path, a list of paths or an iterable of str, "
                f"not {type(corpus).__name__}"
            )
        source, is_files = iter_texts(corpus, text_column), False
    core, stats = _core.train_superbpe(
        source,
        is_files,
        vocab_size,
        merges,
        p1,
        p2,
        specials,
        min_frequency,
        max_token_length,
        max_words_per_token,
        forbidden,
        num_threads,
        bool(progress),
        None if base is None else base._core,
    )

    def report(tok: Tokenizer) -> SuperBPEReport:
        return SuperBPEReport(
            bytes=stats["bytes"],
            stage1_merges=stats["stage1_merges"],
            stage2_merges=stats["stage2_merges"],
            rejected=stats["rejected"],
            stage2_pieces=stats["stage2_pieces"],
            stage2_symbols=stats["stage2_symbols"],
            vocab_size=tok.vocab_size,
            stop=stats["stop"],
            count_seconds=stats["count_seconds"],
            seconds=stats["seconds"],
        )

    return _train.finish(core, stats, vocab_size, min_frequency, progress, report)


def _given_counts(corpus: Any, base: Tokenizer | None):
    """Counts passed as the corpus, checked for how they were made: the core
    counts ``(words, pieces)``, or ``pieces`` with a base; None for text."""
    from ._counts import Counts

    if isinstance(corpus, Counts):
        if base is None:
            raise ValueError(
                "train_superbpe needs two counts, (words, pieces): words with the stage-1 "
                "pattern, pieces with the stage-2 pattern and line_boundaries=True"
            )
        pair = (None, corpus)
    elif (
        isinstance(corpus, tuple)
        and len(corpus) == 2
        and all(isinstance(c, Counts) for c in corpus)
    ):
        pair = corpus
    else:
        return None
    words, pieces = pair
    if not pieces.line_boundaries:
        raise ValueError("the stage-2 counts (pieces) must be made with line_boundaries=True")
    if words is not None and words.line_boundaries:
        raise ValueError("the stage-1 counts (words) must be made without line_boundaries")
    for c in pair:
        if c is not None and c.normalization is not None:
            raise ValueError(
                f"SuperBPE does not normalize text; these counts were made with "
                f"normalization={c.normalization!r}"
            )
    if base is not None:
        return pieces._core
    return (words._core, pieces._core)


def _same_pattern(name: str, given: str | None, resolved: str | None, counted: str | None):
    """The counts' pattern, unless an explicit, different one was asked for."""
    if given != "recommended" and resolved != counted:
        raise ValueError(f"these counts were made with pattern={counted!r}, not {name}={given!r}")
    return counted


def _str_list(name: str, values: Iterable[str]) -> list[str]:
    if isinstance(values, str):
        raise TypeError(f"{name} must be a list of str, not one str")
    out = list(values)
    for v in out:
        if not isinstance(v, str):
            raise TypeError(f"{name} must hold str, not {type(v).__name__}")
    return out
