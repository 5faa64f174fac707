"""``Tokenizer.prune``: the policy of shrinking a vocabulary (what names a
token, how a corpus is counted) and the id map's helpers. The core keeps the
closure, re-derives the merges and renumbers (``prune.rs``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import _core
from ._counts import corpus_counts
from ._optional import numpy
from ._options import check_int


def keep_ids(core: _core.Tokenizer, keep: Iterable[int | str | bytes] | None) -> list[int]:
    """``keep`` as ids: each an id, or a token's text or bytes (an added
    token by its text). An unknown token is a KeyError naming it."""
    specials = {t[0]: t[1] for t in core.added_tokens()}
    out = []
    for k in keep or ():
        if isinstance(k, bool):
            raise TypeError("keep holds ids, str or bytes, not bool")
        if isinstance(k, int):
            if k < 0:
                raise KeyError(f"keep names id {k}, which is not an id of this vocabulary")
            out.append(k)
            continue
        if isinstance(k, str) and k in specials:
            out.append(specials[k])
            continue
        if not isinstance(k, (str, bytes)):
            raise TypeError(f"keep holds ids, str or bytes, not {type(k).__name__}")
        found = core.token_id(token=k.encode() if isinstance(k, str) else k)
        if found is None:
            raise KeyError(f"keep names {k!r}, which is not a token of this vocabulary")
        out.append(found)
    return out


def prune_core(
    core: _core.Tokenizer,
    keep: Iterable[int | str | bytes] | None,
    corpus: Any,
    min_count: int,
    target_size: int | None,
    text_column: str | None,
) -> tuple[_core.Tokenizer, Any]:
    """The pruned core tokenizer and the id map as a numpy int64 array."""
    np = numpy("Tokenizer.prune")
    check_int("min_count", min_count, 1)
    if target_size is not None:
        check_int("target_size", target_size, 1)
    if corpus is None and (target_size is not None or min_count != 1):
        raise ValueError("min_count and target_size rank the tokens a corpus uses: pass corpus=")
    if corpus is None and keep is None:
        raise ValueError("say what to keep: keep=, corpus= (with min_count or target_size)")
    ids = keep_ids(core, keep)
    counts = None if corpus is None else corpus_counts(core, corpus, text_column)._core
    pruned, id_map = core.prune(
        keep=ids,
        corpus=counts,
        min_count=min_count,
        target_size=target_size,
    )
    return pruned, np.asarray(id_map, dtype=np.int64)


def prune_embeddings(weights: Any, id_map: Any) -> Any:
    """The rows of an embedding (or output) matrix the pruned tokenizer keeps,
    in its id order: ``new[i] = weights[old]`` for every kept ``old -> i``.
    Works on numpy arrays and on torch tensors (anything indexed by an
    integer array)."""
    np = numpy("bytepair.prune_embeddings")
    id_map = np.asarray(id_map)
    if len(weights) != len(id_map):
        raise ValueError(
            f"the matrix has {len(weights)} rows and the id map {len(id_map)} ids; "
            "pass the matrix of the tokenizer that was pruned"
        )
    # New ids keep the old order, so the kept old ids in order are the new rows.
    return weights[np.flatnonzero(id_map >= 0)]
