"""A small, readable reference of pruning a byte-level BPE vocabulary.

``Tokenizer.prune`` is specified as:

1. always keep the 256 bytes and the special tokens, and the tokens named;
2. with usage counts: keep the tokens used at least ``min_count`` times, or,
   with ``target_size``, go through the used tokens from most to least used
   (ties: lower id first) and take each one whose closure still fits;
3. a token's closure is every symbol BPE goes through when it encodes the
   token's bytes alone (the lowest-priority adjacent pair first, leftmost
   first; a listed vocabulary's priority is the merge's index, a later
   duplicate winning; a ranked one's is the result's rank), the final symbols
   included;
4. listed merges are kept, in order, when both operands and the result are
   kept; ids are renumbered densely in their old order.

Slow, and meant to be read.
"""

from __future__ import annotations


def derivation(
    token: bytes,
    byte_id: dict[int, int],
    table: dict[tuple[int, int], tuple[int, int]],
) -> list[int]:
    """The symbols of BPE over ``token``'s bytes, as it goes."""
    s = [byte_id[b] for b in token]
    seen = list(s)
    while True:
        best = None
        for i in range(len(s) - 1):
            hit = table.get((s[i], s[i + 1]))
            if hit is not None and (best is None or (hit[0], i) < best[:2]):
                best = (hit[0], i, hit[1])
        if best is None:
            return seen
        _, i, result = best
        s[i : i + 2] = [result]
        seen.append(result)


def prune(
    tokens: list[bytes],
    merges: list[tuple[int, int]],
    specials: dict[str, int],
    ranked: bool,
    keep: list[int],
    usage: list[int] | None = None,
    min_count: int = 1,
    target_size: int | None = None,
) -> tuple[list[int], list[tuple[int, int]]]:
    """Return (id map old -> new or -1, kept merges in new ids; for a ranked
    vocabulary the merges are re-derived by the loader, so none)."""
    ids = {t: i for i, t in enumerate(tokens) if t}
    byte_id = {b: ids[bytes([b])] for b in range(256)}
    table = {}
    for index, (a, b) in enumerate(merges):
        result = ids[tokens[a] + tokens[b]]
        table[(a, b)] = (result if ranked else index, result)

    def closure(i: int) -> set[int]:
        return ({i} | set(derivation(tokens[i], byte_id, table))) if tokens[i] else {i}

    kept: set[int] = set()
    for i in [*byte_id.values(), *specials.values(), *keep]:
        kept |= closure(i)
    if usage is not None:
        used = [i for i, t in enumerate(tokens) if t and usage[i] > 0]
        if target_size is None:
            for i in used:
                if usage[i] >= min_count:
                    kept |= closure(i)
        else:
            for i in sorted(used, key=lambda i: (-usage[i], i)):
                if len(kept) >= target_size:
                    break
                c = closure(i)
                if len(kept | c) <= target_size:
                    kept |= c
    id_map = [-1] * len(tokens)
    for new, old in enumerate(sorted(kept)):
        id_map[old] = new
    if ranked:
        return id_map, []
    kept_merges = [
        (id_map[a], id_map[b])
        for a, b in merges
        if a in kept and b in kept and ids[tokens[a] + tokens[b]] in kept
    ]
    return id_map, kept_merges
