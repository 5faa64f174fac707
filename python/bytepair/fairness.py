"""What the same text costs in each language: token premium reports.

A tokenizer's *token premium* for a language is the number of tokens it needs
for a text in that language divided by the number it needs for the same text
in a reference language (Petrov et al., 2023, "Language Model Tokenizers
Introduce Unfairness Between Languages"). Measured on parallel text, so that
every language says the same thing.

>>> import bytepair as bp
>>> report = bp.fairness.token_premium(["cl100k_base"], {"en": en_path, "fr": fr_path},
...                                    reference="en")                # doctest: +SKIP
>>> report.premium("cl100k_base", "fr")                               # doctest: +SKIP
1.6

Two ways to count, chosen by ``method``:

* ``"sentences"`` (the default): each sentence (line) is encoded on its own
  and the counts summed, which is what a user sending one sentence at a time
  pays;
* ``"petrov"``: the paper's own count, which reproduces its published table.
  Each file is read whole, cut at every ``"\\n"``, and all the pieces (dev
  first, then devtest) joined by one space:
  ``" ".join(dev.split("\\n") + devtest.split("\\n"))``. Files end in a
  newline, so the string has a double space where the splits meet and a
  trailing space; that is what was counted, and it is kept.

The Rust core counts the tokens without building id lists
(``_core.Tokenizer.tally_batch``), so 204 FLORES-200 languages and three
tokenizers take a few seconds.
"""

from __future__ import annotations

import csv
import os
import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ._loader import load_tokenizer
from ._tokenizer import Encoding, Tokenizer

SPLITS = ("dev", "devtest", "dev+devtest")
METHODS = ("sentences", "petrov")
NORMALIZATIONS = ("NFC", "NFKC", "NFD", "NFKD")
#: How many of the most expensive languages a summary names.
WORST = 10

#: ISO 15924 codes of the scripts in FLORES-200 language codes (``hin_Deva``).
SCRIPT_NAMES = {
    "Arab": "Arabic",
    "Armn": "Armenian",
    "Beng": "Bengali",
    "Cyrl": "Cyrillic",
    "Deva": "Devanagari",
    "Ethi": "Ethiopic",
    "Geor": "Georgian",
    "Grek": "Greek",
    "Gujr": "Gujarati",
    "Guru": "Gurmukhi",
    "Hang": "Hangul",
    "Hans": "Han (Simplified)",
    "Hant": "Han (Traditional)",
    "Hebr": "Hebrew",
    "Jpan": "Japanese",
    "Khmr": "Khmer",
    "Knda": "Kannada",
    "Laoo": "Lao",
    "Latn": "Latin",
    "Mlym": "Malayalam",
    "Mymr": "Myanmar",
    "Olck": "Ol Chiki",
    "Orya": "Odia",
    "Sinh": "Sinhala",
    "Taml": "Tamil",
    "Telu": "Telugu",
    "Tfng": "Tifinagh",
    "Thai": "Thai",
    "Tibt": "Tibetan",
}

_FLORES_CODE = re.compile(r"^[a-z]{3}_([A-Z][a-z]{3})$")
_UDHR_HEADER = re.compile(r"^=== ([^|]+?) \| ([^|]*?) \| (.*)$")
# christos-c/bible-corpus verse lines: "b.MAT.1.1<TAB>text".
_VERSE = re.compile(r"^(b\.[^\t]+)\t(.*)$")


class NormalizationWarning(UserWarning):
    """Some text is not in the Unicode form its tokens are usually counted in."""


@dataclass(frozen=True)
class ParallelText:
    """One language's side of a parallel corpus.

    ``parts`` are the texts as read, one per file (or per split), each with its
    lines ending in ``"\\n"``; ``script`` is a display name for grouping."""

    language: str
    script: str
    parts: tuple[str, ...]
    source: str
    name: str = ""

    def sentences(self) -> list[str]:
        """Every line of every part, in order."""
        return [line for part in self.parts for line in _lines(part)]

    def petrov_string(self) -> str:
        """Petrov et al.'s one string: every part cut at each ``"\\n"``, all
        pieces joined by a space (see the module notes)."""
        return " ".join(piece for part in self.parts for piece in part.split("\n"))

    def normalized(self, form: str) -> ParallelText:
        parts = tuple(unicodedata.normalize(form, p) for p in self.parts)
        return ParallelText(self.language, self.script, parts, self.source, self.name)


def _lines(part: str) -> list[str]:
    lines = part.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _read_text(path: Path) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None


def dominant_script(text: str, sample: int = 50_000) -> str:
    """The Unicode script most letters of ``text`` belong to, by character
    name (``LATIN SMALL LETTER A`` is Latin), for grouping languages whose
    code does not name a script."""
    seen: Counter[str] = Counter()
    for ch in text[:sample]:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            if name:
                seen[name.split(" ")[0]] += 1
    if not seen:
        return "Other"
    word = seen.most_common(1)[0][0]
    return {"CJK": "Han", "CANADIAN": "Canadian Syllabics"}.get(word, word.title())


def _script_of(language: str, text: str) -> str:
    m = _FLORES_CODE.match(language)
    if m:
        return SCRIPT_NAMES.get(m.group(1), m.group(1))
    return dominant_script(text)


# ---- reading parallel corpora ---------------------------------------------------


def read_parallel(
    parallel: str | os.PathLike | Mapping[str, str | os.PathLike],
    split: str = "dev+devtest",
) -> dict[str, ParallelText]:
    """Every language of a parallel corpus, checked for alignment.

    ``parallel`` is one of:

    * a FLORES-200 directory (``dev/<lang>.dev``, ``devtest/<lang>.devtest``),
      read by ``split``: ``"dev"``, ``"devtest"`` or ``"dev+devtest"``;
    * a UDHR file (``=== code | name | language`` headers, one translation
      each; translations are documents, not line-aligned, so only their
      totals compare);
    * a directory of Bible files (``<verse id>\\t<text>`` lines, one language
      per file, named ``Language-NT.txt``), aligned on the verses all share;
    * a dict ``{language: path}`` of line-aligned text files (or of Bible
      files, aligned on their common verses).

    Line-aligned files must have the same number of lines; an empty language
    is an error."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    if isinstance(parallel, Mapping):
        return _read_mapping({str(k): Path(v) for k, v in parallel.items()})
    path = Path(parallel)
    if not path.exists():
        raise FileNotFoundError(2, "no such parallel corpus", str(path))
    if path.is_dir():
        if (path / "dev").is_dir() or (path / "devtest").is_dir():
            return _read_flores(path, split)
        files = sorted(p for p in path.glob("*.txt") if p.is_file())
        if not files:
            raise ValueError(
                f"{path}: neither a FLORES-200 directory (dev/, devtest/) nor one of text files"
            )
        return _read_mapping({re.sub(r"-(NT|PART|OT)$", "", p.stem): p for p in files})
    text = _read_text(path)
    if text.startswith("=== "):
        return _read_udhr(path, text)
    raise ValueError(
        f"{path}: a single file must be a UDHR collection ('=== code | name | language' "
        "headers); pass a dict {language: path} for line-aligned files"
    )


def _check_not_empty(texts: dict[str, ParallelText]) -> dict[str, ParallelText]:
    if not texts:
        raise ValueError("the parallel corpus has no languages")
    for t in texts.values():
        if not any(line.strip() for part in t.parts for line in _lines(part)):
            raise ValueError(f"language {t.language!r} has no text ({t.source})")
    return texts


def _check_aligned(counts: dict[str, tuple[str, int]]) -> None:
    """Every file the same number of lines, or an error naming one that is not."""
    sizes = Counter(n for _, n in counts.values())
    if len(sizes) <= 1:
        return
    usual = sizes.most_common(1)[0][0]
    ref = next(src for src, n in counts.values() if n == usual)
    odd = next((src, n) for src, n in counts.values() if n != usual)
    raise ValueError(
        f"misaligned parallel files: {odd[0]} has {odd[1]:,} lines, {ref} has {usual:,}"
    )


def _read_flores(root: Path, split: str) -> dict[str, ParallelText]:
    wanted = split.split("+")
    found: dict[str, dict[str, Path]] = {}
    for s in wanted:
        folder = root / s
        if not folder.is_dir():
            raise FileNotFoundError(2, f"FLORES-200 split {s!r} is missing", str(folder))
        for p in sorted(folder.glob(f"*.{s}")):
            found.setdefault(p.name[: -len(s) - 1], {})[s] = p
    for lang, by_split in found.items():
        for s in wanted:
            if s not in by_split:
                raise ValueError(f"FLORES-200 language {lang!r} has no {s} file in {root / s}")
    out: dict[str, ParallelText] = {}
    for s in wanted:
        lines = {}
        for lang, by_split in found.items():
            text = _read_text(by_split[s])
            lines[lang] = (str(by_split[s]), len(_lines(text)))
            prev = out.get(lang)
            parts = (prev.parts if prev else ()) + (text,)
            sources = f"{prev.source} + {by_split[s]}" if prev else str(by_split[s])
            out[lang] = ParallelText(lang, "", parts, sources)
        _check_aligned(lines)
    out = {
        lang: ParallelText(lang, _script_of(lang, t.parts[0]), t.parts, t.source)
        for lang, t in out.items()
    }
    return _check_not_empty(out)


def _read_mapping(paths: dict[str, Path]) -> dict[str, ParallelText]:
    texts = {}
    for lang, p in paths.items():
        if not p.is_file():
            raise FileNotFoundError(2, f"no such file for language {lang!r}", str(p))
        texts[lang] = _read_text(p)
    verses = {lang: _verses(t) for lang, t in texts.items()}
    if all(v is not None for v in verses.values()):
        return _align_verses(paths, verses)  # type: ignore[arg-type]
    _check_aligned({lang: (str(paths[lang]), len(_lines(t))) for lang, t in texts.items()})
    return _check_not_empty(
        {
            lang: ParallelText(lang, _script_of(lang, t), (t,), str(paths[lang]))
            for lang, t in texts.items()
        }
    )


def _verses(text: str) -> dict[str, str] | None:
    """A Bible file's verses by id, or None if ``text`` is not one."""
    out = {}
    for line in _lines(text):
        if not line.strip():
            continue
        m = _VERSE.match(line)
        if m is None:
            return None
        out[m.group(1)] = m.group(2)
    return out or None


def _align_verses(paths: dict[str, Path], verses: dict[str, dict[str, str]]) -> dict:
    first = next(iter(verses.values()))
    common = [v for v in first if all(v in other for other in verses.values())]
    if not common:
        raise ValueError(
            "the Bible files share no verse id: " + ", ".join(map(str, paths.values()))
        )
    out = {}
    for lang, by_id in verses.items():
        text = "".join(by_id[v] + "\n" for v in common)
        out[lang] = ParallelText(lang, _script_of(lang, text), (text,), str(paths[lang]))
    return _check_not_empty(out)


def _read_udhr(path: Path, text: str) -> dict[str, ParallelText]:
    out: dict[str, ParallelText] = {}
    code = name = None
    body: list[str] = []

    def close() -> None:
        if code is None:
            return
        if code in out:
            raise ValueError(f"{path}: translation {code!r} appears twice")
        t = "".join(line + "\n" for line in body if line.strip())
        out[code] = ParallelText(code, _script_of(code, t), (t,), f"{path} [{code}]", name or "")

    for line in _lines(text):
        m = _UDHR_HEADER.match(line)
        if m:
            close()
            code, name, body = m.group(1).strip(), m.group(2).strip(), []
        elif code is None:
            if line.strip():
                raise ValueError(f"{path}: text before the first '=== code | name | lang' header")
        else:
            body.append(line)
    close()
    return _check_not_empty(out)


# ---- the report -------------------------------------------------------------------


def gini(values: Sequence[float]) -> float:
    """The Gini coefficient of non-negative values: 0 when all are equal,
    approaching 1 when one holds everything. Half the mean absolute
    difference over all ordered pairs, divided by the mean."""
    xs = sorted(float(v) for v in values)
    n = len(xs)
    total = sum(xs)
    if n == 0 or total == 0:
        return 0.0
    # Sum over pairs of |x_i - x_j| from the sorted order: x_(i) is larger than i of them.
    weighted = sum((2 * i - n + 1) * x for i, x in enumerate(xs))
    return weighted / (n * total)


@dataclass(frozen=True)
class PremiumReport:
    """Per language and tokenizer, what the parallel text cost.

    ``rows`` hold one dict per (tokenizer, language): ``tokenizer``,
    ``language``, ``script``, ``tokens``, ``bytes``, ``characters``,
    ``premium`` (tokens / the reference language's tokens, same tokenizer),
    ``bytes_per_token`` and ``fallback_share`` (the share of tokens that are
    byte fallbacks: ``<0xXX>`` tokens, or in byte-level vocabularies tokens
    that are not whole characters). ``summary`` has one dict per tokenizer:
    the Gini coefficient of the per-language token counts, max/min, and the
    ``WORST`` most expensive languages."""

    tokenizers: tuple[str, ...]
    languages: tuple[str, ...]
    reference: str
    method: str
    rows: tuple[dict, ...]
    summary: tuple[dict, ...]

    def __iter__(self) -> Iterator[dict]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def to_dicts(self) -> list[dict]:
        return [dict(r) for r in self.rows]

    def row(self, tokenizer: str, language: str) -> dict:
        for r in self.rows:
            if r["tokenizer"] == tokenizer and r["language"] == language:
                return r
        raise KeyError((tokenizer, language))

    def premium(self, tokenizer: str, language: str) -> float:
        return self.row(tokenizer, language)["premium"]

    def to_csv(self, path: str | os.PathLike) -> Path:
        """The rows as CSV, one line per (tokenizer, language)."""
        path = Path(path)
        with open(path, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(self.rows[0]))
            w.writeheader()
            w.writerows(self.rows)
        return path

    def to_pandas(self):
        """The rows as a pandas DataFrame (needs pandas)."""
        try:
            import pandas
        except ImportError as e:
            raise ImportError("PremiumReport.to_pandas needs pandas: pip install pandas") from e
        return pandas.DataFrame(self.to_dicts())

    def plot(self, path: str | os.PathLike, title: str | None = None) -> Path:
        """A chart of the premium per language for each tokenizer, grouped by
        script (groups ordered by their median premium, languages within a
        group by the first tokenizer's), log scale, parity marked at 1."""
        from ._plots import premium_chart

        return premium_chart(
            self.rows, self.tokenizers, self.languages, self.reference, Path(path), title
        )

    def format_table(self) -> str:
        """The summary as a Markdown table, for a terminal or a README."""
        lines = [
            f"token premium against {self.reference} ({self.method} method, "
            f"{len(self.languages)} languages)",
            "",
            "| tokenizer | reference tokens | median premium | max premium | Gini | max/min "
            "| worst languages |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        for s in self.summary:
            worst = ", ".join(f"{lang} {p:.2f}" for lang, p in s["worst"][:5])
            lines.append(
                f"| {s['tokenizer']} | {s['reference_tokens']:,} | {s['median_premium']:.2f} "
                f"| {s['max_premium']:.2f} | {s['gini']:.3f} | {s['max_min']:.2f} | {worst} |"
            )
        return "\n".join(lines)


def _resolve_reference(reference: str, languages: Sequence[str]) -> str:
    """``reference`` itself, or the one language whose ISO 639-3 part matches
    (``eng_Latn`` finds UDHR's ``eng``, ``eng`` finds FLORES' ``eng_Latn``)."""
    if reference in languages:
        return reference
    stem = reference.split("_")[0]
    matches = [lang for lang in languages if lang.split("_")[0] == stem]
    if len(matches) == 1:
        return matches[0]
    shown = ", ".join(sorted(languages)[:12]) + (", ..." if len(languages) > 12 else "")
    if matches:
        raise ValueError(f"reference {reference!r} is ambiguous: {', '.join(matches)}")
    raise ValueError(f"reference language {reference!r} is not in the corpus ({shown})")


def _named_tokenizers(tokenizers) -> list[tuple[str, Tokenizer]]:
    if isinstance(tokenizers, (str, os.PathLike, Tokenizer, Encoding)):
        tokenizers = [tokenizers]
    items = tokenizers.items() if isinstance(tokenizers, Mapping) else None
    if items is None:
        items = []
        for i, spec in enumerate(tokenizers):
            if isinstance(spec, Encoding):
                name = spec.name
            elif isinstance(spec, Tokenizer):
                name = f"tokenizer{i}"
            else:
                name = str(spec)
            items.append((name, spec))
    out = [(str(name), load_tokenizer(spec)) for name, spec in items]
    if not out:
        raise ValueError("token_premium needs at least one tokenizer")
    names = [n for n, _ in out]
    if len(set(names)) != len(names):
        raise ValueError(f"two tokenizers share a name: {names}; pass a dict to name them")
    return out


def _warn_if_not_nfc(texts: dict[str, ParallelText]) -> None:
    odd = [
        t.language
        for t in texts.values()
        if not all(unicodedata.is_normalized("NFC", p) for p in t.parts)
    ]
    if odd:
        shown = ", ".join(odd[:8]) + (f" and {len(odd) - 8} more" if len(odd) > 8 else "")
        warnings.warn(
            f"{len(odd)} of {len(texts)} languages are not NFC-normalized ({shown}); "
            "their counts depend on it. Pass normalize='NFC' to count normalized text.",
            NormalizationWarning,
            stacklevel=3,
        )


def token_premium(
    tokenizers,
    parallel,
    reference: str = "eng_Latn",
    split: str = "dev+devtest",
    normalize: str | None = None,
    method: str = "sentences",
    num_threads: int | None = None,
) -> PremiumReport:
    """Token premiums of ``tokenizers`` on a parallel corpus.

    ``tokenizers``: one or a list of anything ``load_tokenizer`` takes
    (encoding names, native or HF files, tokenizer objects), or a dict
    ``{name: tokenizer}``. ``parallel``: see ``read_parallel`` (or its result).
    ``normalize``: None (count the text as it is; warns if some is not NFC) or
    a Unicode form, applied before encoding and before counting bytes and
    characters. ``method``: ``"sentences"`` or ``"petrov"`` (see the module
    notes)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if normalize is not None and normalize not in NORMALIZATIONS:
        raise ValueError(f"normalize must be None or one of {', '.join(NORMALIZATIONS)}")
    named = _named_tokenizers(tokenizers)
    if isinstance(parallel, Mapping) and all(
        isinstance(v, ParallelText) for v in parallel.values()
    ):
        texts = dict(parallel)
    else:
        texts = read_parallel(parallel, split)
    if normalize is None:
        _warn_if_not_nfc(texts)
    else:
        texts = {lang: t.normalized(normalize) for lang, t in texts.items()}
    languages = tuple(texts)
    ref = _resolve_reference(reference, languages)

    # One flat list of strings for every language, and where each language's run ends.
    flat: list[str] = []
    ends: list[int] = []
    for t in texts.values():
        flat.extend(t.sentences() if method == "sentences" else [t.petrov_string()])
        ends.append(len(flat))
    sizes = []
    start = 0
    for end in ends:
        run = flat[start:end]
        sizes.append(
            (
                sum(len(s.encode("utf-8", "surrogatepass")) for s in run),
                sum(len(s) for s in run),
            )
        )
        start = end

    rows: list[dict] = []
    summary: list[dict] = []
    for name, tok in named:
        tallies = tok._core.tally_batch(texts=flat, num_threads=num_threads)
        per_lang = []
        start = 0
        for end in ends:
            run = tallies[start:end]
            per_lang.append((sum(t for t, _ in run), sum(f for _, f in run)))
            start = end
        ref_tokens = per_lang[languages.index(ref)][0]
        if ref_tokens == 0:
            raise ValueError(f"the reference language {ref!r} encodes to no tokens")
        mine = []
        for lang, (tokens, fallback), (nbytes, nchars) in zip(
            languages, per_lang, sizes, strict=True
        ):
            row = {
                "tokenizer": name,
                "language": lang,
                "script": texts[lang].script,
                "tokens": tokens,
                "bytes": nbytes,
                "characters": nchars,
                "premium": tokens / ref_tokens,
                "bytes_per_token": nbytes / tokens if tokens else 0.0,
                "fallback_share": fallback / tokens if tokens else 0.0,
            }
            rows.append(row)
            mine.append(row)
        summary.append(_summarize(name, ref_tokens, mine))
    return PremiumReport(
        tokenizers=tuple(n for n, _ in named),
        languages=languages,
        reference=ref,
        method=method,
        rows=tuple(rows),
        summary=tuple(summary),
    )


def _summarize(name: str, ref_tokens: int, rows: list[dict]) -> dict:
    counts = [r["tokens"] for r in rows]
    premiums = sorted(r["premium"] for r in rows)
    n = len(premiums)
    median = premiums[n // 2] if n % 2 else (premiums[n // 2 - 1] + premiums[n // 2]) / 2
    by_cost = sorted(rows, key=lambda r: -r["premium"])
    cheapest = min(rows, key=lambda r: r["tokens"])
    dearest = by_cost[0]
    return {
        "tokenizer": name,
        "reference_tokens": ref_tokens,
        "gini": gini(counts),
        "max_min": dearest["tokens"] / cheapest["tokens"] if cheapest["tokens"] else float("inf"),
        "max_language": dearest["language"],
        "min_language": cheapest["language"],
        "max_premium": dearest["premium"],
        "median_premium": median,
        "worst": [(r["language"], r["premium"]) for r in by_cost[:WORST]],
    }
