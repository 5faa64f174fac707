"""Charts (matplotlib, the ``bytepair[plot]`` extra, imported here only)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from statistics import median

from ._optional import require

_MARKERS = "os^Dvp*hX<>"


def _pyplot():
    matplotlib = require("matplotlib", "plot", "plotting")
    matplotlib.use("Agg")
    return require("matplotlib.pyplot", "plot", "plotting")


def _panels(n: int, per_panel: int) -> list[range]:
    """Equal slices of ``range(n)``, none longer than ``per_panel``."""
    count = max(1, -(-n // per_panel))
    size = -(-n // count)
    return [range(lo, min(n, lo + size)) for lo in range(0, n, size)]


def premium_chart(
    rows: Sequence[dict],
    tokenizers: Sequence[str],
    languages: Sequence[str],
    reference: str,
    path: Path,
    title: str | None,
) -> Path:
    """The rows of a premium report (``bp.fairness.PremiumReport.rows``) as a
    chart of the premium per language, one marker series per tokenizer: languages
    grouped by script in shaded bands (groups by their median premium under
    the first tokenizer, languages within a group likewise), log scale, a
    dashed line at parity (1). More than ~110 languages wrap onto stacked
    panels sharing the y axis, so the labels stay legible at paper width."""
    plt = _pyplot()
    first = tokenizers[0]
    premium = {(r["tokenizer"], r["language"]): r["premium"] for r in rows}
    script = {r["language"]: r["script"] for r in rows}
    groups: dict[str, list[str]] = {}
    for lang in languages:
        groups.setdefault(script[lang], []).append(lang)
    for langs in groups.values():
        langs.sort(key=lambda lang: premium[(first, lang)])
    order = sorted(groups, key=lambda s: (median(premium[(first, x)] for x in groups[s]), s))
    langs = [lang for s in order for lang in groups[s]]
    spans = []  # (script, first index, end index)
    x = 0
    for s in order:
        spans.append((s, x, x + len(groups[s])))
        x += len(groups[s])
    n = len(langs)

    panels = _panels(n, 110)
    per = max(len(p) for p in panels)
    width = min(18.0, max(6.5, 0.105 * per + 2.0))
    lo = min(r["premium"] for r in rows)
    hi = max(r["premium"] for r in rows)
    ylim = (min(0.8, lo * 0.9), hi * 1.15)
    # A narrow range (after parity-aware training) needs finer steps to read.
    steps = (
        (0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.3, 1.5, 1.75, 2, 2.5, 3)
        if ylim[1] / ylim[0] < 4
        else (0.5, 1, 1.5, 2, 3, 5, 7, 10, 15, 20, 30, 50)
    )
    ticks = [t for t in steps if ylim[0] <= t <= ylim[1]]
    fig, axes = plt.subplots(
        len(panels), 1, figsize=(width, 4.6 * len(panels)), squeeze=False, sharey=True
    )
    for row, (ax, panel) in enumerate(zip(axes[:, 0], panels, strict=True)):
        a, b = panel.start, panel.stop
        for k, (s, g0, g1) in enumerate(spans):
            c0, c1 = max(g0, a), min(g1, b)
            if c0 >= c1:
                continue
            if k % 2 == 0:
                ax.axvspan(c0 - 0.5, c1 - 0.5, color="0.92", zorder=0, lw=0)
            # A script cut by the panel break is named on both sides.
            narrow = c1 - c0 < max(3, len(s) * 0.7)
            ax.text(
                (c0 + c1 - 1) / 2,
                1.01,
                s,
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="bottom",
                rotation=90 if narrow else 0,
                fontsize=7,
            )
        for k, name in enumerate(tokenizers):
            ax.scatter(
                range(a, b),
                [premium[(name, lang)] for lang in langs[a:b]],
                s=16 if per > 60 else 30,
                marker=_MARKERS[k % len(_MARKERS)],
                label=name,
                zorder=3,
                alpha=0.85,
                linewidths=0,
            )
        ax.axhline(1.0, color="0.25", ls="--", lw=0.9, zorder=2)
        ax.set_yscale("log")
        ax.set_ylim(*ylim)
        ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
        ax.minorticks_off()
        ax.set_xticks(range(a, b), langs[a:b], rotation=90, fontsize=6 if per > 80 else 7)
        ax.set_xlim(a - 0.7, a + per - 0.3)
        ax.set_ylabel(f"premium vs {reference} (log)")
        ax.grid(axis="y", color="0.85", lw=0.6, zorder=1)
        ax.spines[["top", "right"]].set_visible(False)
        if row == 0:
            # Outside the axes, on the right: the data fill the whole width.
            ax.legend(
                frameon=False,
                loc="upper left",
                bbox_to_anchor=(1.005, 1.0),
                fontsize=8,
                markerscale=1.3,
            )
    if title is None:
        title = (
            f"Tokens needed for the same text, relative to {reference} "
            f"({n} languages, grouped by script)"
        )
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path


def mixture_chart(weights: dict[str, float], truth: dict[str, float] | None, path: Path) -> Path:
    """Inferred byte shares per category as bars (with the true shares beside
    them when known), largest first."""
    plt = _pyplot()
    names = sorted(weights, key=lambda k: -weights[k])
    fig, ax = plt.subplots(figsize=(max(4.0, 0.55 * len(names) + 1.5), 3.2))
    width = 0.4 if truth else 0.7
    xs = range(len(names))
    ax.bar(
        [x - (width / 2 if truth else 0) for x in xs],
        [weights[k] for k in names],
        width,
        label="inferred",
        color="#3b6ea5",
    )
    if truth:
        ax.bar(
            [x + width / 2 for x in xs],
            [truth.get(k, 0.0) for k in names],
            width,
            label="true",
            color="#c8553d",
        )
        ax.legend(frameon=False, fontsize=8)
    ax.set_xticks(list(xs), names, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("share of training bytes")
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="0.85", lw=0.6)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path
