"""Data-mixture inference: what a BPE merge list says about the mixture of
data it was trained on (Hayase, Liu, Choi, Oh and Smith, 2024).

Each merge was the most frequent pair of the training mixture when it was
made. :func:`replay` applies a tokenizer's merges to a sample of each
candidate category and records how every pair's count moves (in Rust);
:func:`infer` then finds the category weights under which every merge beat
its competitors, with the least slack, as a linear program solved by HiGHS.
Rows are added lazily: a sweep over the steps (in Rust) finds the pairs that
beat each step's merge under the current weights, HiGHS re-solves with those
rows added (warm, the model persists), until no sweep finds a new one.

Needs ``pip install 'bytepair[mixture]'`` (highspy and numpy).
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import _core
from ._corpus import is_paths, iter_texts, resolve_paths
from ._counts import Counts, corpus_counts
from ._loader import TokenizerSpec, load_tokenizer
from ._optional import numpy, require
from ._options import check_int

__all__ = ["MixtureResult", "Replay", "infer", "replay", "score"]


@dataclass(frozen=True)
class Replay:
    """A merge list replayed on each category (``bytepair.mixture.replay``).

    Pair ids are shared by all categories; ``pairs[i]`` is pair ``i`` as two
    token ids and ``merge_pairs[t]`` the pair id of merge ``t``. Per category,
    :meth:`arrays` gives numpy arrays: ``initial_pairs``/``initial_counts``
    (before the first merge), ``step_starts``/``delta_pairs``/``deltas`` (merge
    ``t`` changed pair ``delta_pairs[k]`` by ``deltas[k]`` for ``k`` in
    ``step_starts[t]:step_starts[t+1]``) and ``merge_counts`` (merge ``t``'s
    pair count just before it; 0 = missing from that category)."""

    names: tuple[str, ...]
    _core: Any = field(repr=False)

    @property
    def num_merges(self) -> int:
        return self._core.num_steps

    @property
    def num_pairs(self) -> int:
        return self._core.num_pairs

    @property
    def pairs(self) -> list[tuple[int, int]]:
        return self._core.pairs()

    @property
    def merge_pairs(self) -> list[int]:
        return self._core.merge_pairs()

    @property
    def pair_totals(self) -> dict[str, int]:
        """Adjacent pairs before the first merge, per category."""
        return {n: t[0] for n, t in zip(self.names, self._core.totals(), strict=True)}

    @property
    def bytes(self) -> dict[str, int]:
        """Text bytes counted, per category."""
        return {n: t[1] for n, t in zip(self.names, self._core.totals(), strict=True)}

    @property
    def missing_everywhere(self) -> list[int]:
        """Merges no category holds: they constrain nothing."""
        return self._core.missing_everywhere()

    def arrays(self, name: str) -> dict[str, Any]:
        """One category's replay as numpy arrays (see the class)."""
        numpy("bytepair.mixture.Replay.arrays")
        try:
            index = self.names.index(name)
        except ValueError:
            raise KeyError(f"no category {name!r}; there are {list(self.names)}") from None
        return self._core.category(index=index)


def _sampled(corpus: Any, sample_bytes: int | None, text_column: str | None) -> Any:
    """``corpus`` cut to its first ``sample_bytes`` (files in order, then lines)."""
    if sample_bytes is None or isinstance(corpus, Counts):
        return corpus
    if is_paths(corpus):
        out, left = [], sample_bytes
        for entry in resolve_paths(corpus):
            path, start, end = entry if isinstance(entry, tuple) else (entry, 0, None)
            if end is None:
                end = os.path.getsize(path)
            take = min(end - start, left)
            if take > 0:
                out.append((path, start, start + take))
                left -= take
            if left <= 0:
                break
        return out

    def head(texts: Iterator[str]) -> Iterator[str]:
        left = sample_bytes
        for t in texts:
            if left <= 0:
                return
            left -= len(t.encode("utf-8"))
            yield t

    return head(iter_texts(corpus, text_column))


def _categories(
    categories: Mapping[str, Any], core: _core.Tokenizer, sample_bytes: int | None
) -> tuple[tuple[str, ...], list[Any]]:
    if not isinstance(categories, Mapping) or not categories:
        raise TypeError("categories maps a name to paths, an iterator of text, or Counts")
    names = tuple(categories)
    if not all(isinstance(n, str) for n in names):
        raise TypeError("category names are str")
    if sample_bytes is not None:
        check_int("sample_bytes", sample_bytes, 1)
        if any(isinstance(c, Counts) for c in categories.values()):
            raise ValueError("sample_bytes cuts text; Counts are already counted")
    counts = [
        corpus_counts(core, _sampled(categories[n], sample_bytes, None), None)._core for n in names
    ]
    return names, counts


def replay(
    categories: Mapping[str, Any],
    tokenizer: TokenizerSpec,
    num_merges: int | None = None,
    *,
    sample_bytes: int | None = None,
    num_threads: int | None = None,
) -> Replay:
    """Replay ``tokenizer``'s first ``num_merges`` merges (all by default) on
    each category: ``categories`` maps a name to paths or globs, an iterator
    of text, or ``Counts`` made with the tokenizer's pattern and
    normalization. Text is counted that way; ``sample_bytes`` keeps the first
    that many bytes of each. The tokenizer is anything
    ``bytepair.load_tokenizer`` takes (a tiktoken name's merges come from its
    ranks)."""
    tok = load_tokenizer(tokenizer)
    if num_merges is not None:
        check_int("num_merges", num_merges, 1)
    if num_threads is not None:
        check_int("num_threads", num_threads, 1)
    names, counts = _categories(categories, tok._core, sample_bytes)
    core = _core.mixture_replay(
        tokenizer=tok._core, counts=counts, num_merges=num_merges, num_threads=num_threads
    )
    return Replay(names, core)


@dataclass
class MixtureResult:
    """What :func:`infer` found.

    ``weights`` are byte shares (the share of the training text from each
    category, as the paper reports); ``pair_weights`` the LP's own variable,
    the share of pairs. ``step_slack[t]`` is how far merge ``t`` had to be
    excused; ``missing_merges`` are merges no category holds (left out).
    """

    weights: dict[str, float]
    pair_weights: dict[str, float]
    step_slack: list[float]
    missing_merges: list[int]
    num_merges: int
    rounds: int
    rows: int
    objective: float
    timing: dict[str, float]

    def score(self, truth: Mapping[str, float]) -> dict[str, Any]:
        """``bytepair.mixture.score(self.weights, truth)``."""
        return score(self.weights, truth)

    def to_json(self) -> str:
        return json.dumps(
            {
                "weights": self.weights,
                "pair_weights": self.pair_weights,
                "missing_merges": self.missing_merges,
                "num_merges": self.num_merges,
                "rounds": self.rounds,
                "rows": self.rows,
                "objective": self.objective,
                "timing": self.timing,
                "step_slack": self.step_slack,
            },
            indent=1,
        )

    def plot(self, path: str | os.PathLike, truth: Mapping[str, float] | None = None) -> Path:
        """A bar chart of the byte shares (and ``truth`` beside them), written
        to ``path``. Needs matplotlib (``bytepair[plot]``)."""
        from ._plots import mixture_chart

        return mixture_chart(self.weights, truth, Path(path))


def score(weights: Mapping[str, float], truth: Mapping[str, float]) -> dict[str, Any]:
    """Mean squared error of ``weights`` against ``truth`` over the same
    categories, its log10 (the paper's measure), and each category's error."""
    if set(weights) != set(truth):
        raise ValueError(
            f"weights and truth name different categories: {sorted(weights)} vs {sorted(truth)}"
        )
    errors = {k: weights[k] - truth[k] for k in truth}
    mse = sum(e * e for e in errors.values()) / len(errors)
    return {"mse": mse, "log10_mse": math.log10(mse) if mse > 0 else -math.inf, "errors": errors}


def infer(
    tokenizer: TokenizerSpec,
    categories: Mapping[str, Any] | Replay,
    num_merges: int | None = None,
    sample_bytes: int | None = None,
    *,
    competitors_per_step: int = 10,
    rows_per_round: int | None = None,
    max_rounds: int = 1000,
    tol: float = 1e-6,
    num_threads: int | None = None,
) -> MixtureResult:
    """Infer the training mixture of ``tokenizer`` over ``categories``.

    ``categories`` is as for :func:`replay` (or a :class:`Replay` of this
    tokenizer). Each round a sweep adds, per merge, up to
    ``competitors_per_step`` pairs that beat it by more than ``tol`` (and at
    most ``rows_per_round`` rows in all), then HiGHS re-solves; it stops when
    a sweep finds nothing new (or after ``max_rounds``, which is an error).
    """
    highspy = require("highspy", "mixture", "bytepair.mixture.infer")
    np = numpy("bytepair.mixture.infer")
    check_int("competitors_per_step", competitors_per_step, 1)
    check_int("max_rounds", max_rounds, 1)
    if rows_per_round is not None:
        check_int("rows_per_round", rows_per_round, 1)
    if not (isinstance(tol, (int, float)) and tol >= 0 and math.isfinite(tol)):
        raise ValueError(f"tol must be a finite number >= 0, got {tol!r}")
    timing: dict[str, float] = {}
    started = time.perf_counter()
    if isinstance(categories, Replay):
        if num_merges is not None or sample_bytes is not None:
            raise ValueError("a Replay is already made: num_merges and sample_bytes belong to it")
        rep = categories
    else:
        rep = replay(
            categories, tokenizer, num_merges, sample_bytes=sample_bytes, num_threads=num_threads
        )
    timing["replay"] = time.perf_counter() - started
    core = rep._core
    n, steps = len(rep.names), rep.num_merges
    missing = rep.missing_everywhere

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    # Columns: the n weights in [0, 1], then one slack per step (cost 1).
    h.addCols(
        n + steps,
        np.r_[np.zeros(n), np.ones(steps)],
        np.zeros(n + steps),
        np.r_[np.ones(n), np.full(steps, highspy.kHighsInf)],
        0,
        np.zeros(n + steps, dtype=np.int32),
        np.zeros(0, dtype=np.int32),
        np.zeros(0),
    )
    h.addRows(
        1,
        np.ones(1),
        np.ones(1),
        n,
        np.zeros(1, dtype=np.int32),
        np.arange(n, dtype=np.int32),
        np.ones(n),
    )
    weights = np.full(n, 1.0 / n)
    step_slack = np.zeros(steps)
    pair_column: dict[int, int] = {}
    pair_slack: list[tuple[int, float]] = []
    seen: set[tuple[int, int]] = set()
    rounds = rows = 0
    objective = 0.0
    timing["sweeps"] = timing["lp"] = 0.0
    while True:
        t0 = time.perf_counter()
        found_steps, found_pairs, coefficients = core.separate(
            weights=weights.tolist(),
            step_slack=step_slack.tolist(),
            pair_slack=pair_slack,
            per_step=competitors_per_step,
            max_rows=rows_per_round,
            tol=float(tol),
            skip=missing,
        )
        timing["sweeps"] += time.perf_counter() - t0
        coefficients = np.asarray(coefficients).reshape(-1, n)
        new = [
            k
            for k, (t, p) in enumerate(zip(found_steps, found_pairs, strict=True))
            if (t, p) not in seen
        ]
        if not new:
            break
        if rounds == max_rounds:
            raise RuntimeError(
                f"the LP still gained rows after max_rounds={max_rounds}; raise it or tol"
            )
        rounds += 1
        t0 = time.perf_counter()
        fresh = sorted({found_pairs[k] for k in new} - pair_column.keys())
        if fresh:
            first = h.getNumCol()
            h.addCols(
                len(fresh),
                np.ones(len(fresh)),
                np.zeros(len(fresh)),
                np.full(len(fresh), highspy.kHighsInf),
                0,
                np.zeros(len(fresh), dtype=np.int32),
                np.zeros(0, dtype=np.int32),
                np.zeros(0),
            )
            for j, p in enumerate(fresh):
                pair_column[p] = first + j
        starts, index, value = [], [], []
        for k in new:
            t, p = found_steps[k], found_pairs[k]
            seen.add((t, p))
            starts.append(len(index))
            index.extend(range(n))
            value.extend(coefficients[k].tolist())
            index += [n + t, pair_column[p]]
            value += [1.0, 1.0]
        h.addRows(
            len(new),
            np.zeros(len(new)),
            np.full(len(new), highspy.kHighsInf),
            len(index),
            np.asarray(starts, dtype=np.int32),
            np.asarray(index, dtype=np.int32),
            np.asarray(value),
        )
        rows += len(new)
        h.run()
        status = h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS stopped with {h.modelStatusToString(status)}")
        solution = np.asarray(h.getSolution().col_value)
        weights = np.clip(solution[:n], 0.0, None)
        weights /= weights.sum()
        step_slack = solution[n : n + steps]
        pair_slack = [(p, float(solution[c])) for p, c in pair_column.items()]
        objective = float(h.getInfo().objective_function_value)
        timing["lp"] += time.perf_counter() - t0
    timing["total"] = time.perf_counter() - started

    totals = core.totals()
    per_byte = np.array([w * b / max(p, 1) for w, (p, b) in zip(weights, totals, strict=True)])
    shares = per_byte / per_byte.sum() if per_byte.sum() > 0 else per_byte
    return MixtureResult(
        weights=dict(zip(rep.names, shares.tolist(), strict=True)),
        pair_weights=dict(zip(rep.names, weights.tolist(), strict=True)),
        step_slack=step_slack.tolist(),
        missing_merges=list(missing),
        num_merges=steps,
        rounds=rounds,
        rows=rows,
        objective=objective,
        timing=timing,
    )
