"""A small, readable reference of SuperBPE training, with bytepair's semantics.

SuperBPE (Liu et al., 2025) is a two-stage curriculum:

1. Stage 1: byte-level BPE over whitespace-aware pre-tokens, stopped after
   exactly ``transition`` merges (the official scripts keep one fewer).
2. Stage 2: count the text again with a coarse pattern, every line (ending
   in its newline) a sequence of its own; segment each distinct piece with
   the inherited merges (lowest rank first, leftmost first, a pair listed
   twice keeping its later rank: how the final tokenizer encodes, and the
   same as replaying the merges in order when no pair repeats); then go on
   with HF's merge loop, refusing new tokens with more than
   ``max_words_per_token`` words (non-empty runs between spaces) or a
   forbidden substring.

Inherited merges stay in the vocabulary even when no stage-2 piece uses
them. Slow and meant to be read; the Rust trainer must give the same merges.
"""

from __future__ import annotations

from collections import Counter

import regex

from . import bpe_train

STAGE1 = (
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"
    r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*"
    r"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
STAGE2 = r"\p{N}{1,3}| ?[^\s\p{L}\p{N}]{2,}[\r\n/]*| +(?!\S)"


def split_isolated(pattern: str, text: str) -> list[str]:
    """Matches and the text between them, as HF's ``Split(..., "isolated")``."""
    pieces, at = [], 0
    for m in regex.finditer(pattern, text):
        if m.start() == m.end():
            continue
        if at < m.start():
            pieces.append(text[at : m.start()])
        pieces.append(m.group())
        at = m.end()
    if at < len(text):
        pieces.append(text[at:])
    return pieces


def split_digits_only(text: str) -> list[str]:
    """The paper-era split: number runs isolated, then cut into groups of
    three from the right (HF ``Digits`` + ``Split((?=(\\d{3})+(?!\\d)))``)."""
    pieces = []
    for run in regex.findall(r"\p{N}+|\P{N}+", text):
        if not regex.match(r"\p{N}", run):
            pieces.append(run)
            continue
        # `(\d{3})+(?!\d)` from i: the `\d` run starting at i has a length
        # that is a positive multiple of three.
        cuts = []
        for i in range(1, len(run)):
            m = regex.match(r"\d*", run[i:]).group()
            if m and len(m) % 3 == 0:
                cuts.append(i)
        start = 0
        for c in cuts:
            pieces.append(run[start:c])
            start = c
        pieces.append(run[start:])
    return pieces


def lines(text: str) -> list[str]:
    """Each line with its newline: the hard boundaries of stage 2."""
    return regex.findall(r"[^\n]*\n|[^\n]+", text)


def encode(
    piece: bytes,
    ids: dict[bytes, int],
    rank: dict[tuple[int, int], int],
    merged: list[int],
) -> list[int]:
    """Greedy BPE: merge the lowest-ranked adjacent pair, leftmost first;
    ``merged[r]`` is the token merge ``r`` makes."""
    s = [ids[bytes([b])] for b in piece]
    while True:
        best = None
        for i in range(len(s) - 1):
            r = rank.get((s[i], s[i + 1]))
            if r is not None and (best is None or r < best[0]):
                best = (r, i)
        if best is None:
            return s
        r, i = best
        s[i : i + 2] = [merged[r]]


def train_superbpe(
    texts: list[str],
    vocab_size: int,
    transition: int,
    num_specials: int = 1,
    stage2: str = "recommended",
    max_words_per_token: int | None = 4,
    forbidden_substrings: tuple[str, ...] = (": ",),
    min_frequency: int = 0,
) -> tuple[list[bytes], list[tuple[int, int]]]:
    """Return (tokens by id, merges as id pairs in order)."""
    # Stage 1: each text is one sequence (as `bp.train` treats an iterator).
    words = Counter(p.encode() for t in texts for p in regex.findall(STAGE1, t))
    tokens, merges = bpe_train.train(words, 256 + transition, 0, min_frequency)
    merges = merges[:transition]
    made = max((_result(tokens, m) + 1 for m in merges), default=256)
    del tokens[max(made, 256) :]

    # Stage 2: count pieces, replay, continue.
    split = split_digits_only if stage2 == "digits-only" else lambda t: split_isolated(STAGE2, t)
    pieces = Counter(p.encode() for t in texts for line in lines(t) for p in split(line))
    ids = {t: i for i, t in enumerate(tokens)}
    rank = {m: i for i, m in enumerate(merges)}  # a repeated pair keeps its later rank
    merged = [_result(tokens, m) for m in merges]
    symbols, counts = [], []
    for piece in sorted(pieces):
        s = encode(piece, ids, rank, merged)
        if len(s) >= 2:
            symbols.append(s)
            counts.append(pieces[piece])
    forbidden = [f.encode() for f in forbidden_substrings]

    def accept(token: bytes) -> bool:
        words_in = len([w for w in token.split(b" ") if w])
        if max_words_per_token is not None and words_in > max_words_per_token:
            return False
        return not any(f and f in token for f in forbidden)

    merges += bpe_train.merge_loop(
        symbols, counts, tokens, vocab_size - num_specials, min_frequency, accept
    )
    return tokens, merges


def _result(tokens: list[bytes], m: tuple[int, int]) -> int:
    return tokens.index(tokens[m[0]] + tokens[m[1]])
