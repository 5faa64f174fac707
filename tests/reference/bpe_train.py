"""A small, readable reference of byte-level BPE training with HF's rules.

This mirrors `tokenizers.trainers.BpeTrainer` (0.23) step by step, in plain
Python, so tests can compare the Rust trainer with it on random corpora:

* words are pre-tokens counted by their bytes; symbols start as single bytes;
* ids: the 256 bytes in byte-level character order, then merged tokens in
  creation order (HF's internal order, minus the special tokens in front);
* a max-heap of (count, pair) entries, ties to the smaller pair; each entry
  holds the set of words where the pair was seen when the entry was made, and
  popping it merges only those words;
* a popped entry with a stale count is pushed back with the live count;
* after a merge, every pair that gained occurrences gets a new entry;
* the merged pair's own count is not decremented;
* a merge whose result already exists reuses that token's id.

It is slow (fine for corpora of a few kilobytes) and meant to be read.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter, defaultdict

# GPT-2's byte-level alphabet: printable bytes keep their code point, the rest
# move to U+0100.. in byte order. Sorting bytes by that character gives ids.
_PRINTABLE = [b for b in range(256) if 33 <= b <= 126 or 161 <= b <= 172 or 174 <= b <= 255]
BYTE_ORDER = _PRINTABLE + [b for b in range(256) if b not in _PRINTABLE]


def byte_to_char() -> dict[int, str]:
    n = 0
    table = {}
    for b in range(256):
        if b in _PRINTABLE:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + n)
            n += 1
    return table


def train(
    word_counts: dict[bytes, int],
    vocab_size: int,
    num_specials: int = 0,
    min_frequency: int = 0,
) -> tuple[list[bytes], list[tuple[int, int]]]:
    """Return (tokens by id, merges as id pairs in order, duplicates kept)."""
    tokens = [bytes([b]) for b in BYTE_ORDER]
    ids = {t: i for i, t in enumerate(tokens)}
    words = sorted(word_counts)
    counts = [word_counts[w] for w in words]
    symbols = [[ids[bytes([b])] for b in w] for w in words]
    merges = merge_loop(symbols, counts, tokens, vocab_size - num_specials, min_frequency)
    return tokens, merges


def merge_loop(
    symbols: list[list[int]],
    counts: list[int],
    tokens: list[bytes],
    target: int,
    min_frequency: int = 0,
    accept=None,
    free_ids: list[int] = (),
    max_token_length: int | None = None,
) -> list[tuple[int, int]]:
    """HF's merge loop over words given as id lists; appends new tokens to
    ``tokens`` (in place, as are ``symbols``) and returns the merges.

    ``accept(bytes) -> bool`` may refuse a new token: the pair is dropped
    and comes back only if a later merge creates new occurrences of it.
    ``free_ids`` are empty entries of ``tokens`` (a base's unused ids) that
    new tokens fill first, lowest first; ``target`` counts ids in use.
    ``max_token_length`` refuses longer tokens in bytes, as ``accept`` does.
    """
    free = sorted(free_ids)
    ids = {t: i for i, t in enumerate(tokens) if t}
    pair_counts: Counter = Counter()
    where: dict[tuple[int, int], set[int]] = defaultdict(set)
    for i, s in enumerate(symbols):
        for a, b in zip(s, s[1:], strict=False):
            pair_counts[(a, b)] += counts[i]
            where[(a, b)].add(i)

    tie = itertools.count()  # equal (count, pair) entries: first pushed first
    heap: list = []

    def push(pair, count, positions):
        heapq.heappush(heap, (-count, pair, next(tie), positions))

    for pair in sorted(where):
        if pair_counts[pair] > 0:
            push(pair, pair_counts[pair], where[pair])

    merges: list[tuple[int, int]] = []
    while len(tokens) - len(free) < target and heap:
        neg, pair, _, positions = heapq.heappop(heap)
        live = pair_counts[pair]
        if -neg != live:
            if live > 0:
                push(pair, live, positions)
            continue
        if live < max(1, min_frequency):
            break
        a, b = pair
        new_bytes = tokens[a] + tokens[b]
        if accept is not None and not accept(new_bytes):
            continue
        if max_token_length is not None and len(new_bytes) > max_token_length:
            continue
        if new_bytes not in ids:
            if free:
                ids[new_bytes] = free.pop(0)
                tokens[ids[new_bytes]] = new_bytes
            else:
                ids[new_bytes] = len(tokens)
                tokens.append(new_bytes)
        new = ids[new_bytes]
        merges.append(pair)

        gained: dict[tuple[int, int], set[int]] = defaultdict(set)
        for w in sorted(positions):
            s = symbols[w]
            out: list[int] = []
            r = 0
            while r < len(s):
                if r + 1 < len(s) and s[r] == a and s[r + 1] == b:
                    if out:
                        pair_counts[(out[-1], a)] -= counts[w]
                        pair_counts[(out[-1], new)] += counts[w]
                        gained[(out[-1], new)].add(w)
                    if r + 2 < len(s):
                        pair_counts[(b, s[r + 2])] -= counts[w]
                        pair_counts[(new, s[r + 2])] += counts[w]
                        gained[(new, s[r + 2])].add(w)
                    out.append(new)
                    r += 2
                else:
                    out.append(s[r])
                    r += 1
            symbols[w] = out
        for p in sorted(gained):
            if pair_counts[p] > 0:
                push(p, pair_counts[p], gained[p])
    return merges


def hf_merge_list(tokens: list[bytes], merges: list[tuple[int, int]]) -> list[tuple[bytes, bytes]]:
    """The merges as HF serializes them: a pair learned twice keeps its last rank."""
    last = {m: i for i, m in enumerate(merges)}
    return [(tokens[a], tokens[b]) for i, (a, b) in enumerate(merges) if last[(a, b)] == i]
