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
from ._train import train

__all__ = ["MixtureResult", "Replay", "Simulation", "infer", "replay", "score", "simulate"]


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
    categories: Mapping[str, Any],
    core: _core.Tokenizer,
    sample_bytes: int | None,
    num_threads: int | None,
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
        corpus_counts(core, _sampled(categories[n], sample_bytes, None), None, num_threads)._core
        for n in names
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
    names, counts = _categories(categories, tok._core, sample_bytes, num_threads)
    core = _core.mixture_replay(
        tokenizer=tok._core, counts=counts, num_merges=num_merges, num_threads=num_threads
    )
    empty = [name for name, (pairs, _) in zip(names, core.totals(), strict=True) if pairs == 0]
    if empty:
        raise ValueError(f"categories {empty} have no text with two bytes in a pre-token")
    return Replay(names, core)


@dataclass
class MixtureResult:
    """What :func:`infer` found.

    ``weights`` are byte shares (the share of the training text from each
    category, as the paper reports); ``pair_weights`` the LP's own variable,
    the share of pairs. ``step_slack[t]`` is how far merge ``t`` had to be
    excused; ``missing_merges`` are merges no category holds (left out).
    ``objective`` is the LP's total slack and ``gap`` a bound on how far below
    the whole LP's optimum it may be (0 when no merge loses by more than
    ``tol``).
    """

    weights: dict[str, float]
    pair_weights: dict[str, float]
    step_slack: list[float]
    missing_merges: list[int]
    num_merges: int
    rounds: int
    rows: int
    objective: float
    gap: float
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
                "gap": self.gap,
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


#: A row whose activity is above this (in counts of a typical category) is
#: dropped from the LP after a solve. Keeping loose rows for a second solve,
#: or seeking rows among the first merges before all of them, was tried and
#: was slower (2.2x and 1.5x on the README example).
_LOOSE = 1e-6


def _quiet_highs(highspy: Any) -> Any:
    """A silent ``highspy.Highs``: its constructor prints a banner to the
    process's stdout (fd 1, not ``sys.stdout``), so that is muted meanwhile."""
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h


def _add_columns(h: Any, np: Any, costs: Any, upper: Any) -> None:
    """Columns with these costs, bounds [0, upper], no entries yet."""
    k = len(costs)
    empty = np.zeros(0, dtype=np.int32)
    h.addCols(k, costs, np.zeros(k), upper, 0, np.zeros(k, dtype=np.int32), empty, np.zeros(0))


def _add_rows(h: Any, np: Any, starts: Any, index: Any, value: Any, lower, upper) -> None:
    """Rows in compressed form, all with the bounds [lower, upper]."""
    k = len(starts)
    h.addRows(
        k,
        np.full(k, lower),
        np.full(k, upper),
        len(index),
        np.asarray(starts, dtype=np.int32),
        np.asarray(index, dtype=np.int32),
        np.asarray(value, dtype=np.float64),
    )


def infer(
    tokenizer: TokenizerSpec,
    categories: Mapping[str, Any] | Replay,
    num_merges: int | None = None,
    sample_bytes: int | None = None,
    *,
    competitors_per_step: int = 3,
    rows_per_round: int | None = None,
    max_rounds: int = 1000,
    tol: float = 1e-6,
    rel_gap: float = 0.02,
    num_threads: int | None = None,
) -> MixtureResult:
    """Infer the training mixture of ``tokenizer`` over ``categories``.

    ``categories`` is as for :func:`replay` (or a :class:`Replay` of this
    tokenizer). Each round a sweep adds, per merge, up to
    ``competitors_per_step`` pairs that beat it by more than ``tol`` (a share
    of a category's pairs: 1e-6 is 1.6 pairs of a 2 MB sample; and at most
    ``rows_per_round`` rows in all), then HiGHS re-solves; it stops when a
    sweep finds nothing new (or after ``max_rounds``, which is an error).
    It also stops once raising each merge's slack by its worst violation
    would cost at most ``rel_gap`` of the objective: the weights are then
    those of an LP within that of the optimum. ``tol=0, rel_gap=0`` solve the
    whole LP exactly; the defaults changed log10 MSE by -0.2 to +0.2 on our
    trials and take a third to a half of the time.
    """
    highspy = require("highspy", "mixture", "bytepair.mixture.infer")
    np = numpy("bytepair.mixture.infer")
    check_int("competitors_per_step", competitors_per_step, 1)
    check_int("max_rounds", max_rounds, 1)
    if rows_per_round is not None:
        check_int("rows_per_round", rows_per_round, 1)
    for name, value in (("tol", tol), ("rel_gap", rel_gap)):
        if not (isinstance(value, (int, float)) and value >= 0 and math.isfinite(value)):
            raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
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
    # The sweep works in counts of a category of the mean pair total.
    tol_counts = float(tol) * sum(t[0] for t in core.totals()) / n
    missing = rep.missing_everywhere

    h = _quiet_highs(highspy)
    # Columns: the n weights in [0, 1], then one slack per step (cost 1).
    inf = highspy.kHighsInf
    _add_columns(h, np, np.r_[np.zeros(n), np.ones(steps)], np.r_[np.ones(n), np.full(steps, inf)])
    _add_rows(h, np, [0], list(range(n)), [1.0] * n, lower=1.0, upper=1.0)  # Σ weights = 1
    weights = np.full(n, 1.0 / n)
    step_slack = np.zeros(steps)
    pair_column: dict[int, int] = {}
    pair_slack: list[tuple[int, float]] = []
    in_lp: list[tuple[int, int]] = [(-1, -1)]  # the rows' (step, pair); row 0 is Σ = 1
    held: set[tuple[int, int]] = set()
    rounds = rows = 0
    objective = gap = 0.0
    timing["sweeps"] = timing["lp"] = 0.0
    while True:
        t0 = time.perf_counter()
        found_steps, found_pairs, coefficients = core.separate(
            weights=weights.tolist(),
            step_slack=step_slack.tolist(),
            pair_slack=pair_slack,
            per_step=competitors_per_step,
            max_rows=rows_per_round,
            tol=tol_counts,
            skip=missing,
        )
        timing["sweeps"] += time.perf_counter() - t0
        coefficients = np.asarray(coefficients).reshape(-1, n)
        new = [
            k for k, key in enumerate(zip(found_steps, found_pairs, strict=True)) if key not in held
        ]
        if not new:
            gap = 0.0
            break
        # Raising each step's slack by its worst violation would make the
        # current weights feasible for every row: the optimum lies within
        # that much above the LP's objective. Close enough is done.
        if found_steps and rounds:
            slack_of = dict(pair_slack)
            violation = -(
                coefficients @ weights
                + step_slack[found_steps]
                + np.array([slack_of.get(p, 0.0) for p in found_pairs])
            )
            worst = np.zeros(steps)
            np.maximum.at(worst, found_steps, violation)
            gap = float(worst.sum())
            if gap <= rel_gap * objective:
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
            _add_columns(h, np, np.ones(len(fresh)), np.full(len(fresh), inf))
            pair_column.update((p, first + j) for j, p in enumerate(fresh))
        keys = [(found_steps[k], found_pairs[k]) for k in new]
        held.update(keys)
        in_lp.extend(keys)
        width = n + 2
        index = np.empty((len(new), width), dtype=np.int32)
        index[:, :n] = np.arange(n, dtype=np.int32)
        index[:, n] = [n + t for t, _ in keys]
        index[:, n + 1] = [pair_column[p] for _, p in keys]
        value = np.ones((len(new), width))
        value[:, :n] = coefficients[new]
        starts = np.arange(0, len(new) * width, width, dtype=np.int32)
        _add_rows(h, np, starts, index.ravel(), value.ravel(), lower=0.0, upper=inf)
        rows += len(new)
        h.run()
        status = h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS stopped with {h.modelStatusToString(status)}")
        solution = h.getSolution()
        values = np.asarray(solution.col_value)
        weights = np.clip(values[:n], 0.0, None)
        weights /= weights.sum()
        step_slack = values[n : n + steps]
        pair_slack = [(p, float(values[c])) for p, c in pair_column.items()]
        objective = float(h.getInfo().objective_function_value)
        # Rows the solution clears with room to spare constrain nothing now;
        # dropped, they keep the LP small (the sweep re-adds any that bind again).
        activity = np.asarray(solution.row_value)
        loose = np.flatnonzero(activity > _LOOSE)
        loose = loose[loose > 0]
        if len(loose):
            h.deleteRows(len(loose), loose.astype(np.int32))
            for i in loose.tolist():
                held.discard(in_lp[i])
            dropped = set(loose.tolist())
            in_lp = [key for i, key in enumerate(in_lp) if i not in dropped]
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
        gap=gap,
        timing=timing,
    )


@dataclass
class Simulation:
    """The controlled experiment's trials (:func:`simulate`). Each trial has
    the categories, the true byte shares, the inferred ones, its log10 MSE,
    and the random-guess and uniform-guess log10 MSE on the same truth."""

    trials: list[dict[str, Any]]

    def mean(self, key: str = "log10_mse") -> float:
        return sum(t[key] for t in self.trials) / len(self.trials)


def _pool(corpus: Any) -> list[str]:
    """A category's text as non-blank lines."""
    texts = (
        [
            Path(p if isinstance(p, str) else p[0]).read_text(encoding="utf-8")
            for p in resolve_paths(corpus)
        ]
        if is_paths(corpus)
        else list(iter_texts(corpus, None))
    )
    return [line for t in texts for line in t.splitlines(keepends=True) if line.strip()]


def _take(lines: list[str], n_bytes: int, rng: Any) -> list[str]:
    """About ``n_bytes`` of lines in a random order, repeating the pool when
    it is smaller (as the paper duplicates files)."""
    out: list[str] = []
    size = 0
    while size < n_bytes and lines:
        for i in rng.sample(range(len(lines)), len(lines)):
            if size >= n_bytes:
                break
            out.append(lines[i])
            size += len(lines[i].encode("utf-8"))
    return out


def _train_hf(lines: list[str], num_merges: int, directory: Path) -> Path:
    """A byte-level BPE trained by HF's ``BpeTrainer`` (GPT-2's pre-tokenizer)."""
    tokenizers = require("tokenizers", "hf", "simulate(trainer='hf')")
    hf = tokenizers.Tokenizer(tokenizers.models.BPE())
    hf.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
    hf.decoder = tokenizers.decoders.ByteLevel()
    trainer = tokenizers.trainers.BpeTrainer(
        vocab_size=256 + num_merges,
        initial_alphabet=tokenizers.pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    hf.train_from_iterator(lines, trainer)
    path = directory / "tokenizer.json"
    hf.save(str(path))
    return path


def simulate(
    categories: Mapping[str, Any],
    n: int,
    trials: int,
    total_bytes: int,
    num_merges: int,
    *,
    attack_bytes: int,
    trainer: str = "bytepair",
    same_pool: bool = True,
    seed: int = 0,
    pattern: str = "gpt2",
    **infer_options: Any,
) -> Simulation:
    """The controlled experiment of Hayase et al.: per trial, pick ``n`` of
    the categories, draw weights uniformly from the simplex, train a
    tokenizer with ``num_merges`` merges on ``total_bytes`` of that mixture
    (``trainer="bytepair"`` or ``"hf"``, HF's ``BpeTrainer``), then infer its
    mixture from ``attack_bytes`` of each category and score it.

    ``same_pool=True`` draws the attack samples from the same lines the
    training mixture is drawn from (as the paper does); ``False`` splits each
    category's lines in two halves, one to train on and one to attack with.
    ``pattern`` is for ``trainer="bytepair"`` (HF's is GPT-2's)."""
    import random
    import tempfile

    check_int("n", n, 1)
    check_int("trials", trials, 1)
    check_int("total_bytes", total_bytes, 1)
    check_int("num_merges", num_merges, 1)
    check_int("attack_bytes", attack_bytes, 1)
    if trainer not in ("bytepair", "hf"):
        raise ValueError(f'trainer is "bytepair" or "hf", not {trainer!r}')
    if not isinstance(categories, Mapping) or len(categories) < n:
        raise ValueError(f"simulate needs a mapping of at least n={n} categories")
    rng = random.Random(seed)
    pools = {name: _pool(corpus) for name, corpus in categories.items()}
    for name, lines in pools.items():
        if len(lines) < 2:
            raise ValueError(f"category {name!r} has fewer than two lines of text")
    out = []
    for _ in range(trials):
        names = sorted(rng.sample(sorted(pools), n))
        draws = [rng.expovariate(1.0) for _ in names]
        weights = [d / sum(draws) for d in draws]
        train_lines, attack = [], {}
        used: dict[str, int] = {}
        for name, w in zip(names, weights, strict=True):
            lines = list(pools[name])
            rng.shuffle(lines)
            half = len(lines) // 2
            train_pool, attack_pool = (lines, lines) if same_pool else (lines[:half], lines[half:])
            taken = _take(train_pool, int(w * total_bytes), rng)
            used[name] = sum(len(x.encode("utf-8")) for x in taken)
            train_lines += taken
            attack[name] = _take(attack_pool, attack_bytes, rng)
        rng.shuffle(train_lines)
        truth = {k: v / sum(used.values()) for k, v in used.items()}
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as d:
            if trainer == "hf":
                target: Any = _train_hf(train_lines, num_merges, Path(d))
            else:
                target = train(
                    iter(train_lines),
                    256 + num_merges,
                    pattern=pattern,
                    special_tokens=[],
                    progress=False,
                )
            trained = time.perf_counter() - started
            result = infer(target, {k: iter(v) for k, v in attack.items()}, **infer_options)
        guess = [rng.expovariate(1.0) for _ in names]
        random_guess = {k: g / sum(guess) for k, g in zip(names, guess, strict=True)}
        uniform = dict.fromkeys(names, 1.0 / n)
        out.append(
            {
                "categories": names,
                "truth": truth,
                "weights": result.weights,
                "log10_mse": result.score(truth)["log10_mse"],
                "random_log10_mse": score(random_guess, truth)["log10_mse"],
                "uniform_log10_mse": score(uniform, truth)["log10_mse"],
                "train_seconds": trained,
                "timing": result.timing,
                "rounds": result.rounds,
                "rows": result.rows,
                "num_merges": result.num_merges,
            }
        )
    return Simulation(out)
