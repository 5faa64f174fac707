"""A literal statement of batch-level dynamic BPE (the reference's loop):
recount every pair each merge, take the most frequent, ties to the pair seen
first scanning the batch in order, merge non-overlapping occurrences left to
right. Tokens are bytes; special tokens are ("special", id) and never merge."""

from __future__ import annotations


def whitespace_ok(s: bytes) -> bool:
    if s == b"\n\n":
        return False
    ws = b" \n\t"
    return all(c in ws for c in s) or not any(c in ws for c in s[1:])


def hyphen_ok(a: bytes, b: bytes) -> bool:
    """word_hyphen: punctuation joins letters or digits only if it is '-'."""

    def punct(t: bytes) -> bool:
        s = t.decode("utf-8", "replace").lstrip()
        return bool(s) and all(not c.isalnum() and not c.isspace() for c in s)

    def hyphen(t: bytes) -> bool:
        return t.decode("utf-8", "replace").lstrip() == "-"

    if punct(a) and not punct(b):
        return hyphen(a)
    if punct(b) and not punct(a):
        return hyphen(b)
    return True


def merge_batch(seqs, allowed, max_merges=None, min_frequency=1, word_ids=None):
    """seqs: lists of bytes / ("special", id). allowed(left, right) -> bool."""
    batch = [list(s) for s in seqs]
    words = [list(w) for w in word_ids] if word_ids is not None else None
    merges = []
    lengths = [sum(map(len, batch))]
    while max_merges is None or len(merges) < max_merges:
        counts: dict = {}
        for k, seq in enumerate(batch):
            for i in range(len(seq) - 1):
                a, b = seq[i], seq[i + 1]
                if isinstance(a, tuple) or isinstance(b, tuple):
                    continue
                if words is not None and words[k][i] != words[k][i + 1]:
                    continue
                if allowed(a, b):
                    counts[(a, b)] = counts.get((a, b), 0) + 1
        if not counts:
            break
        best = max(counts, key=counts.get)  # the first of the maximal ones
        if counts[best] < min_frequency:
            break
        merges.append((best[0], best[1], counts[best]))
        for k, seq in enumerate(batch):
            out, wout, i = [], [], 0
            while i < len(seq):
                same_word = words is None or (i + 1 < len(seq) and words[k][i] == words[k][i + 1])
                left_word = words[k][i] if words is not None else None
                if i + 1 < len(seq) and (seq[i], seq[i + 1]) == best and same_word:
                    out.append(best[0] + best[1])
                    i += 2
                else:
                    out.append(seq[i])
                    i += 1
                wout.append(left_word)
            batch[k] = out
            if words is not None:
                words[k] = wout
        lengths.append(sum(map(len, batch)))
    return batch, merges, lengths, words
