"""Data-mixture inference, the slow and obvious way: replay a merge list by
recounting every pair of every word after each merge, and solve the whole
LP (every step against every pair, no lazy rows) in one HiGHS call.

Pairs are tuples of token bytes, so the reference shares nothing with the
Rust replay's ids."""

from __future__ import annotations

from collections import Counter

Pair = tuple[bytes, bytes]


def _merge_word(word: list[bytes], a: bytes, b: bytes) -> list[bytes]:
    out, i = [], 0
    while i < len(word):
        if i + 1 < len(word) and word[i] == a and word[i + 1] == b:
            out.append(a + b)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return out


def _pairs(words: list[tuple[list[bytes], int]]) -> Counter:
    c: Counter = Counter()
    for w, n in words:
        for x, y in zip(w, w[1:], strict=False):
            c[(x, y)] += n
    return c


def replay(words: list[tuple[bytes, int]], merges: list[Pair]) -> list[Counter]:
    """Pair counts before each merge, and after the last (len(merges) + 1)."""
    state = [([bytes([b]) for b in w], n) for w, n in words]
    out = [_pairs(state)]
    for a, b in merges:
        state = [(_merge_word(w, a, b), n) for w, n in state]
        out.append(_pairs(state))
    return out


def full_lp(per_category: list[list[Counter]], merges: list[Pair]) -> tuple[float, list[float]]:
    """The mixture LP with every row, scaled as bytepair scales it (each
    category's counts times mean pair total / its pair total). Returns the
    optimal objective and weights."""
    import highspy
    import numpy as np

    n, steps = len(per_category), len(merges)
    totals = [max(1, sum(c[0].values())) for c in per_category]
    mean = sum(totals) / n
    scale = [mean / t for t in totals]
    pairs = sorted({p for cat in per_category for counts in cat[:steps] for p in counts})
    col = {p: n + steps + i for i, p in enumerate(pairs)}
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    num_cols = n + steps + len(pairs)
    inf = highspy.kHighsInf
    costs = np.r_[np.zeros(n), np.ones(steps + len(pairs))]
    upper = np.r_[np.ones(n), np.full(steps + len(pairs), inf)]
    h.addCols(
        num_cols,
        costs,
        np.zeros(num_cols),
        upper,
        0,
        np.zeros(num_cols, dtype=np.int32),
        np.zeros(0, dtype=np.int32),
        np.zeros(0),
    )
    h.addRow(1.0, 1.0, n, np.arange(n, dtype=np.int32), np.ones(n))
    for t, m in enumerate(merges):
        if all(cat[t][m] == 0 for cat in per_category):
            continue  # a merge no category holds says nothing
        for p in pairs:
            if p == m or all(cat[t][p] == 0 for cat in per_category):
                continue
            coef = [scale[i] * (per_category[i][t][m] - per_category[i][t][p]) for i in range(n)]
            h.addRow(
                0.0,
                inf,
                n + 2,
                np.array([*range(n), n + t, col[p]], dtype=np.int32),
                np.array([*coef, 1.0, 1.0]),
            )
    h.run()
    values = list(h.getSolution().col_value)
    return float(h.getInfo().objective_function_value), values[:n]
