"""``bytepair.count`` and ``bytepair.Counts``: pre-token counts as an object.

Counting is the only stage of training that reads the corpus; the merge loop
needs only the counts. Counting once lets several vocabulary sizes be trained
from one pass, shards be counted apart and added up exactly, and counts be
saved and moved between machines.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from . import _core
from ._corpus import text_source
from ._files import atomic_write
from ._options import DEFAULT_PATTERN, check_int


class Counts:
    """Pre-token -> count (``int``, any size up to 2**64-1), with the pattern
    and normalization used to make them and the number of bytes counted.

    ``a + b`` adds counts made the same way; ``counts[" the"]`` (str or bytes)
    is one count; ``save``/``load`` use the compact ``.bpcounts`` format
    (sorted entries, LEB128 numbers, a checksum; see README). Pickles as that
    format too.
    """

    __slots__ = ("_core",)

    def __init__(self, core: _core.Counts):
        self._core = core

    @classmethod
    def from_dict(
        cls,
        counts: Mapping[str | bytes, int],
        *,
        pattern: str | None = DEFAULT_PATTERN,
        normalization: str | None = None,
        line_boundaries: bool = False,
    ) -> Counts:
        """Counts from a mapping of pre-token (str or bytes) to count;
        ``normalization`` is a name as ``Counts.normalization`` gives it."""
        items = []
        total = 0
        for k, v in counts.items():
            b = k.encode("utf-8") if isinstance(k, str) else bytes(k)
            if not isinstance(v, int) or isinstance(v, bool):
                raise TypeError(f"count of {k!r} must be an int, not {type(v).__name__}")
            if not 0 <= v < 2**64:
                raise ValueError(f"count of {k!r} must be in [0, 2**64), got {v}")
            items.append((b, v))
            total += len(b) * v
        return cls(
            _core.Counts.from_items(
                items=items,
                pattern=pattern,
                normalization=normalization,
                total_bytes=min(total, 2**64 - 1),
                line_boundaries=bool(line_boundaries),
            )
        )

    @classmethod
    def load(cls, path: str | os.PathLike) -> Counts:
        """Read a ``.bpcounts`` file (``FormatError``, a ValueError, if damaged)."""
        p = Path(path)
        return cls(_core.Counts.from_bytes(data=p.read_bytes(), source=str(p)))

    def save(self, path: str | os.PathLike) -> Path:
        """Write the ``.bpcounts`` file (atomically: no half-written file)."""
        p = Path(path)
        atomic_write(p, self._core.to_bytes())
        return p

    @property
    def pattern(self) -> str | None:
        return self._core.pattern

    @property
    def normalization(self) -> str | None:
        return self._core.normalization

    @property
    def line_boundaries(self) -> bool:
        """Newlines were hard boundaries (SuperBPE's stage-2 pieces)."""
        return self._core.line_boundaries

    @property
    def total_bytes(self) -> int:
        """Bytes of text counted."""
        return self._core.total_bytes

    @property
    def pruned(self) -> dict[str, int]:
        """What ``max_distinct`` dropped: ``prunes``, ``distinct``,
        ``occurrences``, ``max_threshold`` and ``threshold_sum`` (a kept
        pre-token's count is low by at most ``threshold_sum``)."""
        return self._core.pruned

    def most_common(self, n: int | None = None) -> list[tuple[bytes, int]]:
        return self._core.most_common(n=n)

    def __len__(self) -> int:
        return len(self._core)

    def __getitem__(self, piece: str | bytes) -> int:
        return self._core.get(word=piece.encode("utf-8") if isinstance(piece, str) else piece)

    def __add__(self, other: Counts) -> Counts:
        if not isinstance(other, Counts):
            return NotImplemented
        return Counts(_core.Counts.sum(parts=[self._core, other._core]))

    @staticmethod
    def sum(parts: Iterable[Counts]) -> Counts:
        """The sum of several counts made the same way, in one pass (``a + b + c``
        copies the running total each time)."""
        cores = []
        for p in parts:
            if not isinstance(p, Counts):
                raise TypeError(f"Counts.sum takes Counts, not {type(p).__name__}")
            cores.append(p._core)
        if not cores:
            raise ValueError("Counts.sum needs at least one Counts")
        return Counts(_core.Counts.sum(parts=cores))

    @staticmethod
    def sum_bytes(blobs: Iterable[bytes]) -> Counts:
        """The sum of several ``.bpcounts`` byte strings (``to_bytes``): they
        are read as sorted lists and merged, without hashing a pre-token, so
        this is the fast way to add up counts shipped between machines."""
        blobs = list(blobs)
        if not blobs:
            raise ValueError("Counts.sum_bytes needs at least one")
        return Counts(_core.Counts.sum_bytes(blobs=blobs, min_count=1, dropped=(0, 0)))

    def partition(self, parts: int) -> list[Counts]:
        """Split into ``parts`` disjoint counts by a hash of each pre-token that
        is the same on every machine (running the same bytepair version):
        part ``i`` of every shard's counts holds
        the same pre-tokens, so the parts can be summed on different nodes and
        the sums added without overlap (``bytepair.distributed`` reduces this
        way). ``total_bytes`` goes with part 0."""
        check_int("parts", parts, 1)
        return [Counts(c) for c in self._core.partition(parts=parts)]

    def to_bytes(self) -> bytes:
        """The ``.bpcounts`` bytes (what ``save`` writes)."""
        return self._core.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Counts:
        """Counts from ``.bpcounts`` bytes (``FormatError`` if damaged)."""
        return cls(_core.Counts.from_bytes(data=bytes(data), source="<bytes>"))

    def __radd__(self, other: Any) -> Counts:
        if other == 0:  # sum([...]) starts from 0
            return self
        return NotImplemented

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Counts):
            return NotImplemented
        return self._core.to_bytes() == other._core.to_bytes()

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self):
        return (_from_bytes, (self._core.to_bytes(),))

    def __repr__(self) -> str:
        return (
            f"Counts({len(self)} pre-tokens, {self.total_bytes} bytes, "
            f"pattern={self.pattern!r}, normalization={self.normalization!r}"
            + (", line_boundaries=True)" if self.line_boundaries else ")")
        )


def _from_bytes(data: bytes) -> Counts:
    return Counts(_core.Counts.from_bytes(data=data, source="<pickle>"))


def count(
    corpus: str | os.PathLike | Iterable[Any],
    *,
    pattern: str | None = DEFAULT_PATTERN,
    normalization: str | None = None,
    lowercase: bool = False,
    max_distinct: int | None = None,
    num_threads: int | None = None,
    progress: bool = True,
    text_column: str | None = None,
    line_boundaries: bool = False,
) -> Counts:
    """Count the pre-tokens of ``corpus`` (the same inputs as ``bytepair.train``).

    ``bytepair.train(counts, vocab_size)`` then gives the same merges as
    training from the text. ``max_distinct`` bounds memory for corpora with
    more distinct pre-tokens than fit: after each block, when more than
    ``max_distinct`` are held, the rarest are dropped until at most half
    remain (counts become approximate; ``Counts.pruned`` says by how much).
    ``line_boundaries=True`` makes newlines hard boundaries, as SuperBPE's
    stage 2 counts (``train_superbpe`` takes a pair of counts; see there).
    Files may also be given as ``(path, start, end)``: the lines that start at
    a byte offset in ``[start, end)``, so ranges that tile a file count it
    exactly once (how ``bytepair.distributed`` shards large files).
    """
    if max_distinct is not None:
        check_int("max_distinct", max_distinct, 2)
    if num_threads is not None:
        check_int("num_threads", num_threads, 1)
    core = _core.count(
        pattern=pattern,
        normalization=normalization,
        lowercase=bool(lowercase),
        line_boundaries=bool(line_boundaries),
        max_distinct=max_distinct,
        num_threads=num_threads,
        progress=bool(progress),
        **text_source(corpus, text_column),
    )
    return Counts(core)


def corpus_counts(
    core: _core.Tokenizer, corpus: Any, text_column: str | None, num_threads: int | None = None
) -> Counts:
    """The corpus counted as the tokenizer splits and normalizes text."""
    if isinstance(corpus, Counts):
        return corpus
    normalization, lowercase = core.normalization_options
    return count(
        corpus,
        pattern=core.pattern,
        normalization=normalization,
        lowercase=lowercase,
        progress=False,
        text_column=text_column,
        num_threads=num_threads,
    )
