"""Turning the ``corpus`` argument into files or an iterator of str, and the
small sample corpus shipped in the package."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

PathLike = str | os.PathLike


def sample_corpus() -> Path:
    """The small sample corpus shipped inside the package (English text,
    one sequence per line), for trying things out."""
    from importlib import resources

    return Path(str(resources.files("bytepair") / "data" / "sample.txt"))


#: Longer than any path a file system takes: such a str is text, not a path.
_LONGEST_PATH = 4096


def _expand(entry: PathLike) -> list[str]:
    text = os.fspath(entry)
    if isinstance(text, str) and ("\n" in text or len(text) > _LONGEST_PATH):
        # Text passed where paths go: name it by its start, not all of it.
        raise FileNotFoundError(
            2,
            f"No such file: this str of {len(text):,} characters looks like text, and a str "
            "or list of str is read as paths; to train on in-memory strings pass an "
            "iterator, e.g. iter(texts)",
            text[:40] + "...",
        )
    if glob.has_magic(text):
        found = sorted(p for p in glob.glob(text, recursive=True) if os.path.isfile(p))
        if not found:
            raise FileNotFoundError(2, "no file matches the pattern", text)
        return found
    if os.path.isdir(text):
        found = sorted(str(p) for p in Path(text).rglob("*") if p.is_file())
        if not found:
            raise FileNotFoundError(2, "the directory holds no files", text)
        return found
    if not os.path.exists(text):
        raise FileNotFoundError(
            2,
            "No such file (a str or list of str is read as paths; "
            "to train on in-memory strings pass an iterator, e.g. iter(texts))",
            text,
        )
    return [text]


def _is_range(entry: Any) -> bool:
    """``(path, start, end)``: the lines of a file that start in a byte range."""
    return (
        isinstance(entry, tuple)
        and len(entry) == 3
        and isinstance(entry[0], (str, os.PathLike))
        and all(isinstance(x, int) and not isinstance(x, bool) for x in entry[1:])
    )


def is_paths(corpus: Any) -> bool:
    if isinstance(corpus, (str, os.PathLike)):
        return True
    if isinstance(corpus, (list, tuple)) and corpus:
        return all(isinstance(c, (str, os.PathLike)) or _is_range(c) for c in corpus)
    return False


def resolve_paths(corpus: PathLike | Iterable[PathLike]) -> list[Any]:
    """Paths as str (globs and directories expanded); ``(path, start, end)``
    ranges pass through once checked."""
    entries = [corpus] if isinstance(corpus, (str, os.PathLike)) else list(corpus)
    paths: list[Any] = []
    for e in entries:
        if _is_range(e):
            path, start, end = os.fspath(e[0]), e[1], e[2]
            if not os.path.isfile(path):
                raise FileNotFoundError(2, "No such file", path)
            if not 0 <= start <= end < 2**64:
                raise ValueError(f"a file range needs 0 <= start <= end < 2**64, got {e[1:]}")
            paths.append((path, start, end))
        else:
            paths.extend(_expand(e))
    return paths


def iter_texts(corpus: Iterable[Any], text_column: str | None) -> Iterator[str]:
    """Items of ``corpus`` as str; dict rows (HF datasets) give their ``text_column``."""
    if text_column is None:
        names = getattr(corpus, "column_names", None)
        if isinstance(names, list) and "text" in names:
            text_column = "text"
    for item in corpus:
        if text_column is not None and isinstance(item, dict):
            yield item[text_column]
        else:
            yield item


def text_source(corpus: Any, text_column: str | None) -> dict[str, Any]:
    """The keyword argument that hands ``corpus`` to the core: ``files`` (paths,
    globs and directories expanded) or ``texts`` (an iterator of str)."""
    if is_paths(corpus):
        return {"files": resolve_paths(corpus)}
    if not hasattr(corpus, "__iter__"):
        raise TypeError(
            f"corpus must be a path, a list of paths or an iterable of str, "
            f"not {type(corpus).__name__}"
        )
    return {"texts": iter_texts(corpus, text_column)}
