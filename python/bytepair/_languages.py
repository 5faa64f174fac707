"""Training on a corpus given per language: ``bytepair.train({lang: corpus})``.

Two remedies for languages that a tokenizer serves unequally, so they can be
compared on the same data:

* **balanced sampling** (``weights=``): how much text of each language the
  merges are learned on;
* **parity-aware merges** (``parity=``; Foroutan et al., 2025): each merge is
  chosen for the language whose parallel dev text currently takes the most
  tokens (or, with ``parity_ratio``, whose training text is compressed least
  against its target), and applied to all. The algorithm is in the core
  (``rust/bytepair/src/train/parity.rs``); this module samples, counts each
  language apart and checks the arguments.

Sampling takes lines in order from the start of each language's text until
its budget is met (the last line may overshoot it), so a sample is a prefix:
deterministic, and the rest of the text stays unseen (held out).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ._corpus import is_paths, iter_texts, resolve_paths
from ._counts import Counts, count

PARITY = ("none", "max-min", "window")


class _Text:
    """One language's training text, held as the sequences the counter would
    see (a file's lines with their ``"\\n"``, an iterable's items as they
    are), so it can be measured and sampled; files are read once, in order."""

    def __init__(self, language: str, source: Any, text_column: str | None):
        self.language = language
        if is_paths(source):
            self.lines = list(_file_lines(resolve_paths(source)))
        else:
            self.lines = list(iter_texts(source, text_column))
        self.bytes = sum(len(line.encode("utf-8", "surrogatepass")) for line in self.lines)

    def prefix_bytes(self, budget: float) -> Iterator[str]:
        taken = 0
        for line in self.lines:
            if taken >= budget:
                return
            taken += len(line.encode("utf-8", "surrogatepass"))
            yield line

    def prefix_lines(self, n: int) -> Iterator[str]:
        return iter(self.lines[:n])


def _file_lines(paths: list[Any]) -> Iterator[str]:
    for p in paths:
        if isinstance(p, tuple):
            raise ValueError(
                "weights= samples whole files; byte ranges (path, start, end) are not supported"
            )
        with open(p, "rb") as f:
            for number, raw in enumerate(f, 1):
                try:
                    yield raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    raise ValueError(f"{p}: line {number} is not UTF-8 ({e.reason})") from None


def _positive(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and x > 0 and math.isfinite(x)


def _count(source: Any, text_column: str | None, counting: dict[str, Any]) -> Counts:
    return count(source, text_column=text_column, **counting)


def byte_shares(weights: Any, sizes: Mapping[str, int]) -> dict[str, float]:
    """The share of the sample each language gets, from ``weights``:
    ``"equal-bytes"``, a dict ``{language: share}``, or a float ``alpha`` for
    temperature sampling (shares proportional to ``bytes ** alpha``: 1 keeps
    the natural mixture, 0 is uniform; XLM-R and mT5 sampled with 0.3 and
    0.3)."""
    if weights == "equal-bytes":
        raw = {lang: 1.0 for lang in sizes}
    elif isinstance(weights, Mapping):
        missing = sorted(set(sizes) - set(weights))
        extra = sorted(set(weights) - set(sizes))
        if missing or extra:
            raise ValueError(
                "weights must name every language of the corpus and no other"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; not in the corpus: {', '.join(extra)}" if extra else "")
            )
        raw = {}
        for lang, w in weights.items():
            if (
                isinstance(w, bool)
                or not isinstance(w, (int, float))
                or not (w > 0 and math.isfinite(w))
            ):
                raise ValueError(f"weights[{lang!r}] must be a positive number, got {w!r}")
            raw[lang] = float(w)
    elif isinstance(weights, (int, float)) and not isinstance(weights, bool):
        if not (0 <= weights <= 1):
            raise ValueError(f"a temperature exponent must be within [0, 1], got {weights}")
        raw = {lang: float(n) ** weights for lang, n in sizes.items()}
    else:
        raise ValueError(
            "weights must be None, 'equal-bytes', 'equal-lines', a dict {language: share} "
            f"or a temperature exponent in [0, 1]; got {weights!r}"
        )
    total = sum(raw.values())
    return {lang: w / total for lang, w in raw.items()}


def sample(texts: Mapping[str, _Text], weights: Any) -> dict[str, Iterator[str]]:
    """Each language's sample under ``weights``: the largest total for which
    no language needs more text than it has, split by the shares."""
    if weights == "equal-lines":
        n = min(len(t.lines) for t in texts.values())
        return {lang: t.prefix_lines(n) for lang, t in texts.items()}
    sizes = {lang: t.bytes for lang, t in texts.items()}
    shares = byte_shares(weights, sizes)
    total = min(sizes[lang] / shares[lang] for lang in texts)
    return {lang: t.prefix_bytes(shares[lang] * total) for lang, t in texts.items()}


def reusable_sources(
    corpora: Mapping[str, Any], weights: Any, text_column: str | None
) -> dict[str, Any]:
    """Each language's text as a function that gives it afresh (for runs that
    read it more than once): paths stay paths, iterables are held as lines,
    and with ``weights`` each language is its sample."""
    if not corpora:
        raise ValueError("the corpus dict has no languages")
    if any(isinstance(src, Counts) for src in corpora.values()):
        raise ValueError("each stage counts the text again; give text for every language")
    if weights is not None:
        texts = {lang: _Text(lang, src, text_column) for lang, src in corpora.items()}
        for t in texts.values():
            if not t.bytes:
                raise ValueError(f"language {t.language!r} has no text")
        return {lang: _replay(list(lines)) for lang, lines in sample(texts, weights).items()}
    return {
        lang: (lambda src=src: src)
        if is_paths(src)
        else _replay(list(iter_texts(src, text_column)))
        for lang, src in corpora.items()
    }


def _replay(lines: list[str]) -> Any:
    return lambda: iter(lines)


def _check_languages(name: str, given: Mapping[str, Any], corpus: Iterable[str]) -> None:
    corpus = list(corpus)
    extra = [lang for lang in given if lang not in corpus]
    if extra:
        raise ValueError(
            f"{name} has text for {', '.join(map(repr, extra))}, which "
            f"{'is' if len(extra) == 1 else 'are'} not in the corpus ({', '.join(corpus)})"
        )
    missing = [lang for lang in corpus if lang not in given]
    if missing:
        raise ValueError(
            f"{name} has nothing for {', '.join(map(repr, missing))}; give every language"
        )


def check_parity_args(
    parity: str,
    parity_dev: Mapping[str, Any] | None,
    parity_ratio: Mapping[str, float] | None,
    global_merges: int,
) -> None:
    if parity not in PARITY:
        raise ValueError(f"parity must be one of {', '.join(map(repr, PARITY))}, not {parity!r}")
    if isinstance(global_merges, bool) or not isinstance(global_merges, int) or global_merges < 0:
        raise ValueError(f"global_merges must be an int >= 0, got {global_merges!r}")
    if parity == "none":
        for name, value in (("parity_dev", parity_dev), ("parity_ratio", parity_ratio)):
            if value is not None:
                raise ValueError(f"{name} is used only with parity='max-min' or 'window'")
        if global_merges:
            raise ValueError("global_merges is used only with parity='max-min' or 'window'")
    elif (parity_dev is None) == (parity_ratio is None):
        raise ValueError(
            "parity-aware training needs exactly one of parity_dev={language: dev text} "
            "(parallel across the languages) or parity_ratio={language: target compression}"
        )


def count_languages(
    corpora: Mapping[str, Any],
    weights: Any,
    text_column: str | None,
    counting: dict[str, Any],
) -> dict[str, Counts]:
    """Each language's counts, of all its text or of its sample under
    ``weights``; ``counting`` holds ``bytepair.count``'s options."""
    if not corpora:
        raise ValueError("the corpus dict has no languages")
    for lang in corpora:
        if not isinstance(lang, str) or not lang:
            raise ValueError(f"languages are named by non-empty str keys, not {lang!r}")
    if weights is None:
        counts = {
            lang: src
            if isinstance(src, Counts)
            else count(src, text_column=text_column, **counting)
            for lang, src in corpora.items()
        }
    else:
        if any(isinstance(src, Counts) for src in corpora.values()):
            raise ValueError("weights= samples text; give text for every language, not Counts")
        texts = {lang: _Text(lang, src, text_column) for lang, src in corpora.items()}
        for t in texts.values():
            if not t.bytes:
                raise ValueError(f"language {t.language!r} has no text")
        counts = {lang: count(lines, **counting) for lang, lines in sample(texts, weights).items()}
    for lang, c in counts.items():
        if c.total_bytes == 0 or len(c) == 0:
            raise ValueError(f"language {lang!r} has no text")
    return counts


def parity_targets(
    languages: list[str],
    parity_dev: Mapping[str, Any] | None,
    parity_ratio: Mapping[str, float] | None,
    text_column: str | None,
    counting: dict[str, Any],
) -> tuple[list[Counts], list[float] | None]:
    """The dev counts in ``languages`` order, or the target ratios."""
    if parity_dev is not None:
        _check_languages("parity_dev", parity_dev, languages)
        dev = []
        for lang in languages:
            src = parity_dev[lang]
            c = src if isinstance(src, Counts) else _count(src, text_column, counting)
            if c.total_bytes == 0 or len(c) == 0:
                raise ValueError(f"the parity dev text of {lang!r} is empty")
            dev.append(c)
        return dev, None
    assert parity_ratio is not None
    _check_languages("parity_ratio", parity_ratio, languages)
    ratios = []
    for lang in languages:
        r = parity_ratio[lang]
        if (
            isinstance(r, bool)
            or not isinstance(r, (int, float))
            or not (r > 0 and math.isfinite(r))
        ):
            raise ValueError(f"parity_ratio[{lang!r}] must be a positive number, got {r!r}")
        ratios.append(float(r))
    return [], ratios
