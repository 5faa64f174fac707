"""Batch-level dynamic merging (dynamic tokenization): BPE over one batch.

>>> import bytepair as bp
>>> enc = bp.get_encoding("cl100k_base")
>>> ids = [enc.encode("unbelievable unbelievably"), enc.encode("unbelievable")]
>>> out = bp.dynamic.merge_batch(ids, enc, max_merges=10)
>>> bool((out.lengths <= [len(s) for s in ids]).all())
True

The rule is the reference implementation's (``Dynamic_BPE`` of "Retrofitting
(Large) Language Models with Dynamic Tokenization"): count the adjacent pairs
the boundary rule allows, merge the most frequent; among equal counts the pair
seen first scanning sequence 0 left to right, then sequence 1, and so on.
Tokens are identified by their bytes, as the reference's strings are.

Boundaries:

* ``"pretoken"`` (the paper's default): a merge must stay one pre-token of the
  base tokenizer's pattern, and pass the whitespace rule below;
* ``"word"``: only the whitespace rule: no space, tab or newline after the first
  byte unless the token is all whitespace, never two newlines;
* ``"word_hyphen"``: the word rule, and a token of punctuation only may join a
  token with letters or digits only if the punctuation is ``-``;
* ``"sentence"``: anything but special tokens (merges may cross words);
* ``word_ids=``: additionally, both tokens must carry the same word id.

Special tokens never merge. Counts are kept incrementally in Rust. The
results are numpy arrays: ``pip install 'bytepair[numpy]'``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import _core
from ._optional import numpy

if TYPE_CHECKING:
    import numpy as np


@dataclass
class DynamicBatch:
    """The merged batch, in a per-batch dynamic id space."""

    ids: np.ndarray  # (batch, max_len) int64, padded with pad_id
    attention_mask: np.ndarray  # (batch, max_len) int8
    lengths: np.ndarray  # (batch,) int64
    token_bytes: list[bytes]  # dynamic id -> bytes
    token_spans: list[list[int]]  # dynamic id -> base ids at its first occurrence
    base_id: np.ndarray  # dynamic id -> base id, or -1 for a merged token
    merges: list[tuple[bytes, bytes, int]]  # in order, with their counts
    word_ids: np.ndarray | None  # (batch, max_len) int64, -1 in padding
    lengths_after: list[int]  # total length after 0, 1, 2, ... merges

    @property
    def num_merges(self) -> int:
        return len(self.merges)


def _as_lists(token_ids, lengths) -> list[list[int]]:
    np = numpy("bytepair.dynamic")
    if isinstance(token_ids, np.ndarray):
        if token_ids.ndim != 2:
            raise ValueError("a numpy batch must be 2-D (batch, length)")
        if lengths is None:
            raise ValueError("a padded numpy batch needs lengths= (or an attention mask)")
        lengths = np.asarray(lengths)
        if lengths.ndim == 2:  # an attention mask
            lengths = lengths.sum(axis=1)
        if (
            len(lengths) != len(token_ids)
            or (lengths > token_ids.shape[1]).any()
            or (lengths < 0).any()
        ):
            raise ValueError("lengths do not fit the batch")
        return [row[: int(n)].tolist() for row, n in zip(token_ids, lengths, strict=True)]
    seqs = [s if isinstance(s, list) else list(s) for s in token_ids]
    if lengths is not None:
        seqs = [s[: int(n)] for s, n in zip(seqs, lengths, strict=True)]
    # Ids are checked in Rust: a negative one is an OverflowError, an unknown one
    # a ValueError naming its sequence and position.
    return seqs


def merge_batch(
    token_ids: Sequence[Sequence[int]] | np.ndarray,
    tokenizer,
    boundary: str = "pretoken",
    *,
    lengths: Sequence[int] | np.ndarray | None = None,
    word_ids: Sequence[Sequence[int]] | None = None,
    max_merges: int | None = None,
    target_reduction: float | None = None,
    min_frequency: int = 1,
    padding_side: str = "right",
    pad_id: int = 0,
) -> DynamicBatch:
    """Merge frequent adjacent tokens of one batch into dynamic tokens.

    ``tokenizer`` is the base ``bytepair.Tokenizer`` or ``bytepair.Encoding``.
    Stop after ``max_merges``, when the best pair is seen fewer than
    ``min_frequency`` times, or once ``target_reduction`` of the maximum
    possible reduction is reached (the paper's 100*(L0-L)/(L0-L_min), with
    L_min the length when no pair is left).
    """
    np = numpy("bytepair.dynamic")
    if max_merges is not None and max_merges < 0:
        raise ValueError("max_merges must be >= 0")
    if min_frequency < 1:
        raise ValueError("min_frequency must be >= 1")
    if target_reduction is not None and not 0.0 <= target_reduction <= 1.0:
        raise ValueError("target_reduction is a fraction in [0, 1]")
    if padding_side not in ("left", "right"):
        raise ValueError('padding_side must be "left" or "right"')
    seqs = _as_lists(token_ids, lengths)
    if not seqs:
        raise ValueError("the batch is empty")
    words = None
    if word_ids is not None:
        words = [[int(w) for w in ws] for ws in word_ids]

    def run(max_merges: int | None):
        return _core.dynamic_merge(
            tokenizer=tokenizer._core,
            sequences=seqs,
            boundary=boundary,
            word_ids=words,
            max_merges=max_merges,
            min_frequency=min_frequency,
        )

    if target_reduction is not None:
        after = run(max_merges)[6]
        need = target_reduction * (after[0] - after[-1])
        max_merges = next(m for m, total in enumerate(after) if after[0] - total >= need - 1e-9)
    rows, token_bytes, token_spans, base, words_out, merges, after = run(max_merges)
    n = len(rows)
    lens = np.fromiter((len(r) for r in rows), dtype=np.int64, count=n)
    width = int(lens.max(initial=0))
    ids = np.full((n, width), pad_id, dtype=np.int64)
    mask = np.zeros((n, width), dtype=np.int8)
    wid = np.full((n, width), -1, dtype=np.int64) if words_out is not None else None
    for i, row in enumerate(rows):
        sl = slice(width - len(row), width) if padding_side == "left" else slice(0, len(row))
        ids[i, sl] = row
        mask[i, sl] = 1
        if wid is not None:
            wid[i, sl] = words_out[i]
    return DynamicBatch(
        ids=ids,
        attention_mask=mask,
        lengths=lens,
        token_bytes=token_bytes,
        token_spans=token_spans,
        base_id=np.array(base, dtype=np.int64),
        merges=merges,
        word_ids=wid,
        lengths_after=list(after),
    )


def compose_embeddings(
    base_embeddings: np.ndarray, spans: Sequence[Sequence[int]], how: str = "mean"
) -> np.ndarray:
    """One row per dynamic token from the base rows of its span: the simple
    baseline to a hypernetwork (``how`` = "mean", "sum" or "first")."""
    np = numpy("bytepair.dynamic")
    if how not in ("mean", "sum", "first"):
        raise ValueError('how must be "mean", "sum" or "first"')
    out = np.empty((len(spans), base_embeddings.shape[1]), dtype=base_embeddings.dtype)
    for i, span in enumerate(spans):
        if not span:
            raise ValueError(f"span {i} is empty")
        rows = base_embeddings[list(span)]
        out[i] = rows[0] if how == "first" else (rows.sum(0) if how == "sum" else rows.mean(0))
    return out


def calibration_curve(
    batches, tokenizer, boundary: str = "pretoken", *, max_merges: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """How merges shorten sequences over a dataset: for 0, 1, 2, ... merges per
    batch, the mean sequence length and the paper's reduction (percent of the
    largest possible reduction). A batch that runs out of pairs keeps its last
    length. Use it to pick ``max_merges`` for a target length."""
    np = numpy("bytepair.dynamic")
    curves, sizes = [], []
    for b in batches:
        out = merge_batch(b, tokenizer, boundary, max_merges=max_merges)
        curves.append(out.lengths_after)
        sizes.append(len(out.lengths))
    longest = max(len(c) for c in curves)
    totals = np.array([c + [c[-1]] * (longest - len(c)) for c in curves], dtype=np.float64)
    mean_len = totals.sum(axis=0) / sum(sizes)
    first, last = mean_len[0], mean_len[-1]
    reduction = (
        np.zeros_like(mean_len) if first == last else 100 * (first - mean_len) / (first - last)
    )
    return np.arange(longest), mean_len, reduction


class DynamicCache:
    """Which dynamic tokens need new embeddings: an LRU index over token bytes.

    ``update(token_bytes)`` gives each token of a batch a row in a table of
    ``capacity`` rows (the embedding cache lives with the caller, e.g. a GPU
    tensor) and says which rows are new, so only those are computed. Rows of the
    least recently used tokens are reused when the table is full.
    """

    def __init__(self, capacity: int):
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        from collections import OrderedDict

        self.capacity = capacity
        self._rows: OrderedDict[bytes, int] = OrderedDict()

    def update(self, token_bytes: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
        np = numpy("bytepair.dynamic")
        if len(set(token_bytes)) > self.capacity:
            raise ValueError(
                f"{len(set(token_bytes))} distinct tokens do not fit {self.capacity} rows"
            )
        rows = np.empty(len(token_bytes), dtype=np.int64)
        new = np.zeros(len(token_bytes), dtype=bool)
        in_batch = set(token_bytes)
        for i, t in enumerate(token_bytes):
            if t in self._rows:
                self._rows.move_to_end(t)
                rows[i] = self._rows[t]
                continue
            if len(self._rows) < self.capacity:
                row = len(self._rows)
            else:
                # Evict the least recently used token not needed by this batch.
                victim = next(k for k in self._rows if k not in in_batch)
                row = self._rows.pop(victim)
            self._rows[t] = row
            rows[i] = row
            new[i] = True
        return rows, new
