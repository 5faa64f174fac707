"""``bytepair.train_superbpe``: subwords first, then superwords across spaces."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from . import _checkpoint, _core, _report
from ._checkpoint import DEFAULT_CHECKPOINT_EVERY
from ._corpus import text_source
from ._counts import Counts, count
from ._extend import specials_to_add
from ._languages import check_parity_args, reusable_sources
from ._loader import TokenizerSpec, load_tokenizer
from ._options import DEFAULT_SPECIAL_TOKENS, UNSET, Unset, check_int, optional_str, str_list
from ._tokenizer import Tokenizer

#: The SuperBPE scripts' names for the patterns, as names of ours; the
#: default of each stage is its "recommended" one.
STAGE1_PATTERNS = {"recommended": "superbpe-stage1"}
STAGE2_PATTERNS = {"recommended": "superbpe", "digits-only": "superbpe-digits"}


def stage_patterns(stage1: str | None, stage2: str | None) -> tuple[str | None, str | None]:
    """Both stages' patterns as names of ours or regexes ("recommended" and
    "digits-only" are the SuperBPE scripts' names)."""
    optional_str("stage1_pattern", stage1)
    optional_str("stage2_pattern", stage2)
    p1 = STAGE1_PATTERNS.get(stage1, stage1) if stage1 else None
    p2 = STAGE2_PATTERNS.get(stage2, stage2) if stage2 else None
    return p1, p2


def train_superbpe(
    corpus: str | os.PathLike | Iterable[Any] | tuple[Counts, Counts] | Counts | None = None,
    vocab_size: int | None = None,
    transition: int | float | None = None,
    *,
    stage1_pattern: str | None | Unset = UNSET,
    stage2_pattern: str | None | Unset = UNSET,
    max_words_per_token: int | None = 4,
    forbidden_substrings: Iterable[str] = (": ",),
    special_tokens: Iterable[str] | Unset = UNSET,
    min_frequency: int = 0,
    max_token_length: int | None = None,
    base: TokenizerSpec | None = None,
    num_threads: int | None = None,
    progress: bool = True,
    text_column: str | None = None,
    weights: Any = None,
    parity: str = "none",
    parity_dev: Mapping[str, Any] | None = None,
    parity_ratio: Mapping[str, float] | None = None,
    global_merges: int = 0,
    parity_window: int = 100,
    parity_alpha: float = 2.0,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY,
    resume: str | os.PathLike | None = None,
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
        equal training from the text; unless given, the patterns are the
        counts' own.
    transition: merges inherited from stage 1: an int, or a fraction of the
        learned merges (``0.5`` = half of ``vocab_size - 256 - specials``).
        Ignored with ``base``.
    stage1_pattern: "recommended" (the default: o200k's pattern without
        contractions, the SuperBPE scripts' current choice), any pattern
        name, or a regex.
    stage2_pattern: "recommended" (the default,
        ``\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]{2,}[\\r\\n/]*| +(?!\\S)``), "digits-only"
        (the paper-era split), or a regex (matches and the text between them
        are pieces, as HF's ``Split(..., "isolated")``).
    max_words_per_token: a stage-2 token holds at most this many words
        (non-empty runs between spaces); None for no limit.
    forbidden_substrings: no stage-2 token contains any of these.
    base: extend this existing BPE tokenizer instead of running stage 1 (all
        of its merges are inherited; its ids and special tokens stay). Anything
        ``train(base=)`` takes; special tokens are then the base's unless
        ``special_tokens`` names more.

    ``corpus`` may be a dict ``{language: corpus}``: ``weights`` samples each
    language as in :func:`bytepair.train`, and ``parity`` (with
    ``parity_dev`` or ``parity_ratio``, ``global_merges``, ``parity_window``,
    ``parity_alpha``) makes stage 1 parity-aware; stage 2 learns superwords
    on the same sampled text of all languages together. Iterables are held
    in memory (each stage reads the text). ``last_train_report.stage1`` is
    then stage 1's ``ParityReport``.

    ``checkpoint``, ``checkpoint_every`` and ``resume`` are as for
    :func:`bytepair.train`; the checkpoint records both stages' counts, and
    which stage and merge the run had reached (not with ``base`` or a corpus
    per language yet).
    """
    if _checkpoint.only_resume(corpus, vocab_size, resume, "train_superbpe"):
        assert resume is not None
        core, report, settings = _checkpoint.resume_alone(
            "superbpe",
            _core.train_superbpe,
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
            superbpe=True,
        )
        return tok
    check_int("vocab_size", vocab_size, 1)
    check_int("min_frequency", min_frequency, 0)
    if max_token_length is not None:
        check_int("max_token_length", max_token_length, 1)
    if max_words_per_token is not None:
        check_int("max_words_per_token", max_words_per_token, 1)
    if num_threads is not None:
        check_int("num_threads", num_threads, 1)
    forbidden = str_list("forbidden_substrings", forbidden_substrings)
    if base is not None:
        base = load_tokenizer(base)
        specials = specials_to_add(special_tokens)
        transition = 0
    else:
        specials = str_list(
            "special_tokens",
            DEFAULT_SPECIAL_TOKENS if isinstance(special_tokens, Unset) else special_tokens,
        )
        if transition is None:
            raise TypeError(
                "train_superbpe() needs transition (an int, or a fraction of vocab_size)"
            )
        if not isinstance(transition, float):
            check_int("transition", transition, 0)
    check_parity_args(parity, parity_dev, parity_ratio, global_merges)
    if (checkpoint is not None or resume is not None) and (
        base is not None or isinstance(corpus, Mapping)
    ):
        raise ValueError(
            "checkpoint= and resume= are not supported with base= or a corpus per language yet"
        )
    if isinstance(corpus, Mapping):
        if base is not None:
            raise ValueError("a corpus per language trains both stages; it takes no base")
        return _by_language(
            corpus,
            vocab_size,
            transition,
            stage1_pattern=stage1_pattern,
            stage2_pattern=stage2_pattern,
            specials=specials,
            min_frequency=min_frequency,
            max_token_length=max_token_length,
            stage2_options={
                "max_words_per_token": max_words_per_token,
                "forbidden_substrings": forbidden,
                "num_threads": num_threads,
                "progress": progress,
            },
            language_options={
                "weights": weights,
                "parity": parity,
                "parity_dev": parity_dev,
                "parity_ratio": parity_ratio,
                "global_merges": global_merges,
                "parity_window": parity_window,
                "parity_alpha": parity_alpha,
                "num_threads": num_threads,
                "progress": progress,
                "text_column": text_column,
            },
        )
    if weights is not None or parity != "none":
        raise ValueError(
            "weights= and parity= need the corpus given per language: {language: corpus}"
        )
    given = _given_counts(corpus)
    if given is None:
        source = text_source(corpus, text_column)
        p1 = "recommended" if isinstance(stage1_pattern, Unset) else stage1_pattern
        p2 = "recommended" if isinstance(stage2_pattern, Unset) else stage2_pattern
        p1, p2 = stage_patterns(p1, p2)
    else:
        source = {"counts": [c._core for c in given]}
        # What is not given is what the counts were made with.
        p1, p2 = stage_patterns(
            None if isinstance(stage1_pattern, Unset) else stage1_pattern,
            None if isinstance(stage2_pattern, Unset) else stage2_pattern,
        )
        if isinstance(stage2_pattern, Unset):
            p2 = given[-1].pattern
        if isinstance(stage1_pattern, Unset) and len(given) == 2:
            p1 = given[0].pattern
    settings = {
        "vocab_size": vocab_size,
        "transition": transition,
        "stage1_pattern": p1,
        "stage2_pattern": p2,
        "special_tokens": specials,
        "min_frequency": min_frequency,
        "max_token_length": max_token_length,
        "max_words_per_token": max_words_per_token,
        "forbidden_substrings": forbidden,
    }
    if base is not None:
        source["base"] = base._core
    core, report = _checkpoint.run(
        "superbpe",
        _core.train_superbpe,
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
        report,
        tok.vocab_size,
        asked=vocab_size,
        min_frequency=min_frequency,
        progress=progress,
        superbpe=True,
    )
    return tok


def _given_counts(corpus: Any) -> list[Counts] | None:
    """Counts passed as the corpus (the core checks how they were made):
    ``[words, pieces]``, or ``[pieces]``; None for text."""
    if isinstance(corpus, Counts):
        return [corpus]
    if (
        isinstance(corpus, tuple)
        and len(corpus) == 2
        and all(isinstance(c, Counts) for c in corpus)
    ):
        return list(corpus)
    return None


def _by_language(
    corpus: Mapping[str, Any],
    vocab_size: int,
    transition: int | float,
    *,
    stage1_pattern: str | None | Unset,
    stage2_pattern: str | None | Unset,
    specials: list[str],
    min_frequency: int,
    max_token_length: int | None,
    stage2_options: dict[str, Any],
    language_options: dict[str, Any],
) -> Tokenizer:
    """Stage 1 by ``bytepair.train`` on the languages (sampled, parity-aware
    as asked), stage 2 on top of it on the same text."""
    from ._train import train

    p1 = "recommended" if isinstance(stage1_pattern, Unset) else stage1_pattern
    p2 = "recommended" if isinstance(stage2_pattern, Unset) else stage2_pattern
    p1, p2 = stage_patterns(p1, p2)
    learned = max(vocab_size - 256 - len(specials), 0)
    merges = round(transition * learned) if isinstance(transition, float) else transition
    if isinstance(transition, float) and not 0 <= transition <= 1:
        raise ValueError(f"a fractional transition must be within [0, 1], got {transition}")
    if merges > learned:
        raise ValueError(
            f"transition={merges} merges leaves no room: vocab_size={vocab_size} holds "
            f"{learned} learned merges after 256 bytes and {len(specials)} special token(s)"
        )
    sources = reusable_sources(
        corpus, language_options.pop("weights"), language_options.pop("text_column")
    )
    stage1 = train(
        {lang: src() for lang, src in sources.items()},
        256 + len(specials) + merges,
        pattern=p1,
        special_tokens=specials,
        min_frequency=min_frequency,
        max_token_length=max_token_length,
        **language_options,
    )
    stage1_report = _report.last_train_report
    pieces = Counts.sum(
        count(
            src(),
            pattern=p2,
            line_boundaries=True,
            num_threads=stage2_options["num_threads"],
            progress=False,
        )
        for src in sources.values()
    )
    tok = train_superbpe(
        pieces,
        vocab_size,
        base=stage1,
        stage2_pattern=p2,
        special_tokens=specials,
        min_frequency=min_frequency,
        max_token_length=max_token_length,
        **stage2_options,
    )
    if _report.last_train_report is not None:
        _report.last_train_report = replace(_report.last_train_report, stage1=stage1_report)
    return tok
