"""A small, readable reference of parity-aware BPE merge selection.

Written from the description in Foroutan et al. (2025) and the rules in
``rust/bytepair/src/train/parity.rs``, with nothing incremental: every step
recounts every pair of every language and every language's cost from
scratch. Tests compare the Rust trainer's merge lists with it.

* ids: the 256 bytes in byte-level character order, then merged tokens in
  creation order; a merge whose bytes already exist reuses that id;
* a language's cost: its dev tokens (``dev``), or with ``ratios`` its
  training compression (initial symbols / current tokens) over its ratio;
  worst first (most dev tokens, or lowest compression over target), ties to
  the lower language index;
* ``window=(size, alpha)``: a language that took more than ``alpha / L`` of
  the last ``size`` language-chosen merges goes to the back of the ranking;
* the first ``global_merges`` merges take the most frequent pair of all
  training text; after that, the first language in the ranking with a pair
  occurring at least ``max(min_frequency, 1)`` times gives its most frequent
  pair, ties to the smaller (left, right) id pair;
* ``max_token_length`` (bytes) refuses pairs that would build longer tokens;
* each merge replaces non-overlapping occurrences left to right in every word.
"""

from __future__ import annotations

from collections import Counter, deque

from .bpe_train import BYTE_ORDER


def _merge(word: list[int], a: int, b: int, ab: int) -> list[int]:
    out = []
    i = 0
    while i < len(word):
        if i + 1 < len(word) and word[i] == a and word[i + 1] == b:
            out.append(ab)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return out


def train(
    train_counts: list[dict[bytes, int]],
    target_vocab: int,
    dev_counts: list[dict[bytes, int]] | None = None,
    ratios: list[float] | None = None,
    window: tuple[int, float] | None = None,
    global_merges: int = 0,
    min_frequency: int = 0,
    max_token_length: int | None = None,
) -> tuple[list[bytes], list[tuple[int, int]], list[int | None]]:
    """Return (tokens by id, merges as id pairs, the language of each merge)."""
    langs = len(train_counts)
    tokens = [bytes([b]) for b in BYTE_ORDER]
    ids = {t: i for i, t in enumerate(tokens)}

    def symbols(w: bytes) -> list[int]:
        return [ids[bytes([b])] for b in w]

    train_words = [[(symbols(w), n) for w, n in c.items()] for c in train_counts]
    dev_words = [[(symbols(w), n) for w, n in c.items()] for c in dev_counts or []]
    initial = [sum(len(s) * n for s, n in ws) for ws in train_words]
    merges: list[tuple[int, int]] = []
    chosen: list[int | None] = []
    recent: deque[int] = deque(maxlen=window[0] if window else 1)
    floor = max(min_frequency, 1)

    def pair_counts(words) -> Counter:
        c: Counter = Counter()
        for s, n in words:
            for p in zip(s, s[1:], strict=False):
                c[p] += n
        return c

    def allowed(p: tuple[int, int]) -> bool:
        if max_token_length is None:
            return True
        return len(tokens[p[0]]) + len(tokens[p[1]]) <= max_token_length

    def best(c: Counter) -> tuple[tuple[int, int], int] | None:
        ok = [(n, p) for p, n in c.items() if n > 0 and allowed(p)]
        if not ok:
            return None
        n, p = min(ok, key=lambda x: (-x[0], x[1]))
        return p, n

    while len(tokens) < target_vocab:
        pick = None
        if len(merges) < global_merges:
            total: Counter = Counter()
            for ws in train_words:
                total.update(pair_counts(ws))
            found = best(total)
            if found and found[1] >= floor:
                pick = (found[0], None)
        else:
            if dev_counts is not None:
                cost = [sum(len(s) * n for s, n in ws) for ws in dev_words]
                order = sorted(range(langs), key=lambda lang: (-cost[lang], lang))
            else:
                now = [sum(len(s) * n for s, n in ws) for ws in train_words]
                rate = [initial[i] / max(now[i], 1) / ratios[i] for i in range(langs)]
                order = sorted(range(langs), key=lambda lang: (rate[lang], lang))
            if window:
                size, alpha = window
                order.sort(key=lambda lang: recent.count(lang) / size > alpha / langs)
            for lang in order:
                found = best(pair_counts(train_words[lang]))
                if found and found[1] >= floor:
                    pick = (found[0], lang)
                    break
        if pick is None:
            break
        (a, b), lang = pick
        merged_bytes = tokens[a] + tokens[b]
        if merged_bytes not in ids:
            ids[merged_bytes] = len(tokens)
            tokens.append(merged_bytes)
        ab = ids[merged_bytes]
        merges.append((a, b))
        chosen.append(lang)
        if window and lang is not None:
            recent.append(lang)
        train_words = [[(_merge(s, a, b, ab), n) for s, n in ws] for ws in train_words]
        dev_words = [[(_merge(s, a, b, ab), n) for s, n in ws] for ws in dev_words]
    return tokens, merges, chosen
