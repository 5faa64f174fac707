"""A small, readable reference of extending a byte-level BPE tokenizer.

``bytepair.train(corpus, vocab_size, base=tok)`` is specified as:

1. count the text's pre-tokens with the base's pattern (the caller does);
2. segment each distinct pre-token with the base's merges: greedy BPE that
   merges the lowest-ranked adjacent pair, leftmost first, where a pair
   listed twice keeps its later rank (HF's rule); a pre-token that is
   itself a token stays whole when the base says so (``ignore_merges``);
3. continue HF's merge loop (``bpe_train.merge_loop``) over those
   segmentations in the base's id space; new tokens fill the base's unused
   ids first, lowest first, then take the ids after its largest;
4. special tokens the base lacks go after every other id.

Slow, and meant to be read.
"""

from __future__ import annotations

from . import bpe_train, superbpe


def segment(
    word: bytes,
    ids: dict[bytes, int],
    rank: dict[tuple[int, int], int],
    result: list[int],
    whole: bool,
) -> list[int]:
    """``word`` as the base encodes it."""
    if whole and word in ids:
        return [ids[word]]
    return superbpe.encode(word, ids, rank, result)


def extend(
    word_counts: dict[bytes, int],
    tokens: list[bytes],
    merges: list[tuple[int, int]],
    specials: dict[str, int],
    vocab_size: int,
    new_specials: list[str] = (),
    ignore_merges: bool = False,
    min_frequency: int = 0,
    max_token_length: int | None = None,
) -> tuple[list[bytes], list[tuple[int, int]], dict[str, int]]:
    """Return (tokens by id, all merges as id pairs, special tokens).

    ``tokens`` are the base's by id, ``b""`` for an id without a mergeable
    token (a special token's, or unused); ``merges`` are the base's in rank
    order.
    """
    size = max([len(tokens) - 1, *specials.values()]) + 1
    tokens = list(tokens) + [b""] * (size - len(tokens))
    ids = {t: i for i, t in enumerate(tokens) if t}
    rank = {m: r for r, m in enumerate(merges)}  # a repeated pair keeps its later rank
    result = [ids[tokens[a] + tokens[b]] for a, b in merges]
    symbols, counts = [], []
    for word in sorted(word_counts):
        s = segment(word, ids, rank, result, ignore_merges)
        if len(s) >= 2:
            symbols.append(s)
            counts.append(word_counts[word])
    taken = set(specials.values())
    free = [i for i, t in enumerate(tokens) if not t and i not in taken]
    added = [s for s in new_specials if s not in specials]
    learned = bpe_train.merge_loop(
        symbols,
        counts,
        tokens,
        vocab_size - len(added),
        min_frequency,
        free_ids=free,
        max_token_length=max_token_length,
    )
    out_specials = dict(specials)
    for s in added:
        out_specials[s] = len(tokens)
        tokens.append(b"")
    return tokens, merges + learned, out_specials
