"""Efficiency figures of a tokenizer on some text (``Tokenizer.stats``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from . import _core
from ._optional import numpy

_WHITESPACE = b" \t\n\r\x0b\x0c"


@dataclass(frozen=True)
class TokenStats:
    """How a tokenizer cuts some text.

    ``crossing_share`` is the share of token occurrences that span a word
    boundary (a space after a non-whitespace byte inside the token:
    `` of the``, ``, and``); ``words_per_token`` maps the number of words in a token
    (non-empty runs between spaces, as SuperBPE counts them) to how many
    token occurrences have it. ``vs_baseline`` is tokens / baseline tokens.
    """

    bytes: int
    words: int
    tokens: int
    bytes_per_token: float
    tokens_per_word: float
    crossing_share: float
    words_per_token: dict[int, int] = field(repr=False)
    vs_baseline: float | None = None
    baseline: TokenStats | None = field(default=None, repr=False)


def token_stats(
    core: _core.Tokenizer, texts: Iterable[str], baseline: _core.Tokenizer | None = None
) -> TokenStats:
    """The figures of ``core`` (and of ``baseline``) on ``texts``."""
    np = numpy("Tokenizer.stats")
    texts = list(texts)
    ids, _ = core.encode_flat(texts=texts, allowed=[], disallowed=[], num_threads=None)
    counts = np.bincount(ids.astype(np.int64), minlength=core.vocab_size)
    n = len(counts)
    crossing = np.zeros(n, dtype=bool)
    words = np.zeros(n, dtype=np.int64)
    for i in np.flatnonzero(counts):
        t = core.token_bytes(id=int(i))
        words[i] = sum(1 for w in t.split(b" ") if w)
        crossing[i] = any(t[k] == 0x20 and t[k - 1] not in _WHITESPACE for k in range(1, len(t)))
    total = int(counts.sum())
    nbytes = sum(len(t.encode("utf-8", "surrogatepass")) for t in texts)
    nwords = sum(len(t.split()) for t in texts)
    hist: dict[int, int] = {}
    for w in np.unique(words[counts > 0]):
        hist[int(w)] = int(counts[words == w].sum())
    base = token_stats(baseline, texts) if baseline is not None else None
    return TokenStats(
        bytes=nbytes,
        words=nwords,
        tokens=total,
        bytes_per_token=nbytes / total if total else 0.0,
        tokens_per_word=total / nwords if nwords else 0.0,
        crossing_share=float(counts[crossing].sum()) / total if total else 0.0,
        words_per_token=hist,
        vs_baseline=(total / base.tokens) if base and base.tokens else None,
        baseline=base,
    )
