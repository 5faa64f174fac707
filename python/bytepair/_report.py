"""What a training run reports: ``bytepair.last_train_report`` and the
warnings training issues."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any


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
    stage1: Any = None  # stage 1's report, when stage 1 was trained apart (per language)


@dataclass(frozen=True)
class ParityReport:
    """Facts about one parity-aware run (``bytepair.last_train_report``).
    Per-language fields are dicts keyed by language, in the corpus order."""

    bytes: int
    unique_words: int
    merges: int
    vocab_size: int
    stop: str
    count_seconds: float
    seconds: float
    language_bytes: dict[str, int]  # training bytes counted per language
    chosen: tuple[str | None, ...]  # the language each merge served; None: a global merge
    merges_per_language: dict[str, int]
    measure: str  # "dev_tokens" (parity_dev) or "train_tokens" (parity_ratio)
    cost_before: dict[str, int]  # that measure before the first merge ...
    cost_after: dict[str, int]  # ... and after the last


class EarlyStopWarning(UserWarning):
    """Training ended before reaching ``vocab_size``."""


class ForcedTokenWarning(UserWarning):
    """Some ``forced_tokens`` could not be placed (not one pre-token)."""


last_train_report: TrainReport | SuperBPEReport | ParityReport | None = None


def record(
    report: dict[str, Any],
    vocab_size: int,
    *,
    asked: int,
    min_frequency: int,
    progress: bool,
    superbpe: bool = False,
) -> None:
    """Keep the core's ``report`` as ``last_train_report`` and warn (with
    ``progress``) when training stopped before ``asked`` ids."""
    global last_train_report
    common = {
        "bytes": report["bytes"],
        "vocab_size": vocab_size,
        "stop": report["stop"],
        "count_seconds": report["count_seconds"],
        "seconds": report["seconds"],
    }
    if "parity_chosen" in report:
        langs = report["languages"]
        chosen = tuple(None if i is None else langs[i] for i in report["parity_chosen"])
        last_train_report = ParityReport(
            unique_words=report["unique_words"],
            merges=report["merges"],
            language_bytes=dict(zip(langs, report["language_bytes"], strict=True)),
            chosen=chosen,
            merges_per_language={lang: chosen.count(lang) for lang in langs},
            measure=report["parity_measure"],
            cost_before=dict(zip(langs, report["parity_cost_before"], strict=True)),
            cost_after=dict(zip(langs, report["parity_cost_after"], strict=True)),
            **common,
        )
    elif superbpe:
        last_train_report = SuperBPEReport(
            stage1_merges=report["stage1_merges"],
            stage2_merges=report["stage2_merges"],
            rejected=report["rejected"],
            stage2_pieces=report["stage2_pieces"],
            stage2_symbols=report["stage2_symbols"],
            **common,
        )
    else:
        last_train_report = TrainReport(
            unique_words=report["unique_words"], merges=report["merges"], **common
        )
    if report["stop"] != "vocab_full" and progress:
        reason = (
            "no pair left to merge; the corpus is too small"
            if report["stop"] == "no_pairs"
            else f"the best pair occurs fewer than min_frequency={min_frequency} times"
        )
        warnings.warn(
            f"training stopped early at vocab_size={vocab_size} (asked for {asked}): {reason}",
            EarlyStopWarning,
            stacklevel=3,
        )
