"""``bytepair.train``: learn a byte-level BPE vocabulary."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import _core
from ._corpus import is_paths, iter_texts, resolve_paths
from ._tokenizer import Tokenizer


@dataclass(frozen=True)
class TrainReport:
    """Facts about one training run (``bytepair.last_train_report``)."""

    bytes: int
    unique_words: int
    merges: int
    vocab_size: int
    stop: str  # "vocab_full" | "no_pairs" | "min_frequency"
    count_seconds: float
    seconds: float


last_train_report: TrainReport | None = None


def train(
    corpus: str | os.PathLike | Iterable[Any],
    vocab_size: int,
    *,
    pattern: str | None = "gpt4",
    special_tokens: Iterable[str] = ("<|endoftext|>",),
    min_frequency: int = 0,
    max_token_length: int | None = None,
    num_threads: int | None = None,
    progress: bool = True,
    text_column: str | None = None,
    unit: str = "byte",
    hf_compatible_max_length: bool = False,
    normalization: str | None = None,
    lowercase: bool = False,
    specials_first: bool = False,
    pad_to: int | str | None = None,
    forced_tokens: Iterable[str] = (),
    max_distinct: int | None = None,
) -> Tokenizer:
    """Train a byte-level BPE tokenizer.

    corpus: a file path, a glob (``"data/**/*.txt"``), a directory, a list of
        those, or any iterable of str (a generator, an HF ``datasets`` column or
        dataset). Files are read line by line, each line one sequence, and
        streamed; iterables are consumed in buffers, never held whole.
    vocab_size: the final vocabulary size, the 256 byte tokens and the special
        tokens included (as in HF tokenizers).
    pattern: "gpt2", "gpt4" (cl100k), "o200k", any regex, or None (no split).
    min_frequency: stop when the best pair occurs fewer times than this.
    max_token_length: no learned token is longer than this (inclusive), in
        ``unit``s: "byte" (UTF-8 bytes) or "char" (characters: character-level
        BPE, as KL3M's char tokenizers).
    hf_compatible_max_length: read ``max_token_length`` as HF's trainer does:
        HF counts byte-level symbols (bytes) and admits a new token only if it
        is *shorter* than the limit, so ``L`` builds tokens of up to
        ``max(2, L - 1)`` bytes. With this the merges equal HF's for the same
        setting (KL3M trained its char tokenizers with ``max_chars + 1``).
    normalization: None, "NFC" or "NFKC", applied to the text before counting
        and before encoding; ``lowercase=True`` adds lowercasing (uncased).
    specials_first: special tokens take ids 0, 1, ... (KL3M's layout) instead
        of the ids after the merges.
    pad_to: fill the vocabulary up to this size with reserved special tokens
        ``<|reserved_N|>`` (an int, or "pow2" for the next power of two).
    forced_tokens: domain tokens put in the vocabulary whatever their counts
        (within ``vocab_size``). Each is matched only as a whole pre-token,
        never inside a word (the vocabulary gets HF's ``ignore_merges``), so
        each must be one pre-token under ``pattern`` after normalization
        (" plaintiff", " 1933"; not "U.S.C.", which GPT-2's pattern cuts);
        the others are skipped with a ``ForcedTokenWarning``.
    num_threads: threads for counting (default: all cores).
    max_distinct: bounded-memory counting for corpora with more distinct
        pre-tokens than fit in memory: see ``bytepair.count``. Default: exact.

    ``corpus`` may also be a ``bytepair.Counts`` (from ``bytepair.count``):
    training then skips counting and takes the pattern and normalization the
    counts were made with; the merges equal training from the text.

    The merges equal HF ``BpeTrainer``'s for the same settings (see README).
    If the corpus runs out of pairs first, training stops early and
    ``bytepair.last_train_report.stop`` says why.
    """
    _check_int("vocab_size", vocab_size, 1)
    _check_int("min_frequency", min_frequency, 0)
    if max_token_length is not None:
        _check_int("max_token_length", max_token_length, 1)
    if unit not in ("byte", "char"):
        raise ValueError(f'unit must be "byte" or "char", not {unit!r}')
    if hf_compatible_max_length:
        if unit != "byte":
            raise ValueError('hf_compatible_max_length counts bytes, as HF does; use unit="byte"')
        if max_token_length is not None:
            max_token_length = max(2, max_token_length - 1)
    if num_threads is not None:
        _check_int("num_threads", num_threads, 1)
    norm = _normalization_name(normalization, lowercase)
    if pad_to == "pow2":
        pad_to = 1 << max(vocab_size - 1, 1).bit_length()
    elif pad_to is not None:
        _check_int("pad_to", pad_to, vocab_size)
    if pattern is not None and not isinstance(pattern, str):
        raise TypeError(f"pattern must be a str or None, not {type(pattern).__name__}")
    if isinstance(special_tokens, str):
        raise TypeError("special_tokens must be a list of str, not one str")
    specials = list(special_tokens)
    if isinstance(forced_tokens, str):
        raise TypeError("forced_tokens must be a list of str, not one str")
    forced = list(dict.fromkeys(forced_tokens))
    for f in forced:
        if not isinstance(f, str) or not f:
            raise ValueError(f"forced tokens must be non-empty str, got {f!r}")
    for s in specials:
        if not isinstance(s, str):
            raise TypeError(f"special tokens must be str, not {type(s).__name__}")
    from ._counts import Counts

    if max_distinct is not None:
        _check_int("max_distinct", max_distinct, 2)
    if isinstance(corpus, Counts):
        if corpus.line_boundaries:
            raise ValueError(
                "these counts were made with line_boundaries=True (SuperBPE stage-2 pieces); "
                "pass them to bytepair.train_superbpe"
            )
        if pattern != "gpt4" and pattern != corpus.pattern:
            raise ValueError(
                f"these counts were made with pattern={corpus.pattern!r}, not {pattern!r}"
            )
        if norm is not None and norm != corpus.normalization:
            raise ValueError(
                f"these counts were made with normalization={corpus.normalization!r}, not {norm!r}"
            )
        pattern, norm = corpus.pattern, corpus.normalization
    args = (
        vocab_size,
        pattern,
        specials,
        min_frequency,
        max_token_length,
        num_threads,
        bool(progress),
        unit,
        norm,
        bool(specials_first),
        pad_to,
        forced,
        max_distinct,
    )
    if isinstance(corpus, Counts):
        core, stats = _core.train(corpus._core, False, *args)
    elif is_paths(corpus):
        core, stats = _core.train(resolve_paths(corpus), True, *args)
    else:
        if not hasattr(corpus, "__iter__"):
            raise TypeError(
                f"corpus must be a path, a list of paths or an iterable of str, "
                f"not {type(corpus).__name__}"
            )
        core, stats = _core.train(iter_texts(corpus, text_column), False, *args)
    if stats.get("forced_skipped"):
        import warnings

        skipped = stats["forced_skipped"]
        warnings.warn(
            f"{len(skipped)} forced token(s) are not one pre-token under pattern={pattern!r} "
            f"and were left out, e.g. {skipped[:5]}",
            ForcedTokenWarning,
            stacklevel=2,
        )
    return finish(core, stats, vocab_size, min_frequency, progress)


class ForcedTokenWarning(UserWarning):
    """Some ``forced_tokens`` could not be placed (not one pre-token)."""


def finish(core, stats: dict, vocab_size: int, min_frequency: int, progress: bool, report=None):
    """Wrap a trained core tokenizer, record ``last_train_report`` (a
    ``TrainReport`` unless ``report`` is given) and warn on an early stop."""
    global last_train_report
    tok = Tokenizer(core)
    last_train_report = (
        report(tok)
        if report
        else TrainReport(
            bytes=stats["bytes"],
            unique_words=stats["unique_words"],
            merges=stats["merges"],
            vocab_size=tok.vocab_size,
            stop=stats["stop"],
            count_seconds=stats["count_seconds"],
            seconds=stats["seconds"],
        )
    )
    if stats["stop"] != "vocab_full" and progress:
        import warnings

        warnings.warn(
            f"training stopped early at vocab_size={tok.vocab_size} (asked for {vocab_size}): "
            + (
                "no pair left to merge; the corpus is too small"
                if stats["stop"] == "no_pairs"
                else f"the best pair occurs fewer than min_frequency={min_frequency} times"
            ),
            EarlyStopWarning,
            stacklevel=3,
        )
    return tok


def _normalization_name(normalization: str | None, lowercase: bool) -> str | None:
    if normalization not in (None, "NFC", "NFKC"):
        raise ValueError(f'normalization must be None, "NFC" or "NFKC", not {normalization!r}')
    if not lowercase:
        return normalization
    if normalization == "NFKC":
        return "NFKC+Lowercase"
    if normalization is None:
        return "Lowercase"
    raise ValueError("lowercase=True goes with normalization None or NFKC")


class EarlyStopWarning(UserWarning):
    """Training ended before reaching ``vocab_size``."""


def _check_int(name: str, value: Any, low: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be at least {low}, got {value}")
