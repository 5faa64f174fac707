//! Replaying a merge list on counted words and recording how every pair's
//! count moves.
//!
//! Each distinct word starts as its bytes. Merge `t` rewrites, left to right
//! and without overlap, each word holding its pair (as BPE training does);
//! the pairs of a rewritten word are counted before and after, and the
//! difference, times the word's count, is merge `t`'s delta. So the count of
//! any pair before merge `t` is its initial count plus the deltas of the
//! steps before `t`, exactly; the merged pair's own count drops to what is
//! left of it (zero, unless a run like `aaa` keeps one). A merge whose pair
//! does not occur in a category changes nothing there and is recorded as
//! missing.
//!
//! Performance notes: words live in one flat buffer and shrink in place; an
//! index from pair to the words that held it when it appeared (stale entries
//! are skipped by a per-word stamp) means a step touches only the words it
//! rewrites. A word is recounted whole rather than patched around each merge
//! position: words are short, and recounting cannot get `aaa` wrong. Pair ids
//! are interned once, serially, after the per-category replays run in
//! parallel.

use crate::error::{Error, Result};
use crate::tokenizer::Tokenizer;
use crate::train::count::Counts;
use crate::vocab::Vocab;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// A pair of token ids, packed `left << 32 | right`.
type Key = u64;

fn key(a: u32, b: u32) -> Key {
    (u64::from(a) << 32) | u64::from(b)
}

/// One category's replay. Pair ids index [`Replay::pairs`].
#[derive(Clone, Debug, Default)]
pub struct CategoryReplay {
    /// Pairs present before the first merge, and their counts.
    pub initial_pairs: Vec<u32>,
    pub initial_counts: Vec<i64>,
    /// Merge `t`'s changes are `delta_pairs[step_starts[t]..step_starts[t + 1]]`
    /// with `deltas` alongside, pair ids ascending.
    pub step_starts: Vec<u64>,
    pub delta_pairs: Vec<u32>,
    pub deltas: Vec<i64>,
    /// The count of merge `t`'s pair just before merge `t`.
    pub merge_counts: Vec<i64>,
    /// All adjacent pairs before the first merge (the normalizer of counts).
    pub pair_total: u64,
    /// The text bytes the counts were made from.
    pub bytes: u64,
}

/// The replay of `T` merges on every category.
#[derive(Clone, Debug, Default)]
pub struct Replay {
    /// Pair id -> (left, right) token ids.
    pub pairs: Vec<(u32, u32)>,
    /// Step -> the pair id of its merge.
    pub merge_pairs: Vec<u32>,
    pub categories: Vec<CategoryReplay>,
}

impl Replay {
    pub fn num_steps(&self) -> usize {
        self.merge_pairs.len()
    }

    /// Steps whose merge occurs in no category: nothing can be learned from them.
    pub fn missing_everywhere(&self) -> Vec<u32> {
        (0..self.num_steps())
            .filter(|&t| self.categories.iter().all(|c| c.merge_counts[t] == 0))
            .map(|t| t as u32)
            .collect()
    }
}

/// The replay of one category, with pairs as packed keys.
struct Local {
    initial: Vec<(Key, i64)>,
    step_starts: Vec<u64>,
    deltas: Vec<(Key, i64)>,
    merge_counts: Vec<i64>,
    pair_total: u64,
    bytes: u64,
}

/// Replay the first `num_merges` merges of `tokenizer` (all of them for
/// None) on each category's counts, made with its pattern and normalization.
pub fn replay(
    tokenizer: &Tokenizer,
    categories: &[&Counts],
    num_merges: Option<usize>,
) -> Result<Replay> {
    let vocab = tokenizer.vocab();
    if vocab.byte_fallback() {
        return Err(Error::config(
            "mixture inference needs a byte-level BPE tokenizer; SentencePiece-style \
             (byte-fallback) vocabularies are not supported yet",
        ));
    }
    if categories.is_empty() {
        return Err(Error::config(
            "mixture inference needs at least one category",
        ));
    }
    for c in categories {
        c.meta.check_words(
            "the tokenizer's pattern",
            tokenizer.pattern(),
            tokenizer.normalization(),
            "count each category as the tokenizer splits text",
        )?;
    }
    let all = vocab.merges();
    let t = match num_merges {
        Some(n) if n > all.len() => {
            return Err(Error::config(format!(
                "num_merges={n} but the tokenizer has {} merges",
                all.len()
            )))
        }
        Some(0) => return Err(Error::config("num_merges must be at least 1")),
        Some(n) => n,
        None => all.len(),
    };
    let merges: Vec<(u32, u32, u32)> = all[..t]
        .iter()
        .zip(vocab.merge_results())
        .map(|(&(a, b), &r)| (a, b, r))
        .collect();
    let locals: Vec<Local> = categories
        .par_iter()
        .map(|c| replay_one(vocab, c, &merges))
        .collect();

    // Pair ids: the merges' pairs first, in step order, then others as met.
    let mut ids: FxHashMap<Key, u32> = FxHashMap::default();
    let mut pairs = Vec::new();
    let mut intern = |k: Key, pairs: &mut Vec<(u32, u32)>| {
        *ids.entry(k).or_insert_with(|| {
            pairs.push(((k >> 32) as u32, k as u32));
            (pairs.len() - 1) as u32
        })
    };
    let merge_pairs = merges
        .iter()
        .map(|&(a, b, _)| intern(key(a, b), &mut pairs))
        .collect();
    let mut out = Vec::with_capacity(locals.len());
    for l in locals {
        let (initial_pairs, initial_counts) = l
            .initial
            .iter()
            .map(|&(k, n)| (intern(k, &mut pairs), n))
            .unzip();
        let mut delta_pairs = Vec::with_capacity(l.deltas.len());
        let mut deltas = Vec::with_capacity(l.deltas.len());
        for w in l.step_starts.windows(2) {
            let mut step: Vec<(u32, i64)> = l.deltas[w[0] as usize..w[1] as usize]
                .iter()
                .map(|&(k, d)| (intern(k, &mut pairs), d))
                .collect();
            step.sort_unstable_by_key(|e| e.0);
            for (p, d) in step {
                delta_pairs.push(p);
                deltas.push(d);
            }
        }
        out.push(CategoryReplay {
            initial_pairs,
            initial_counts,
            step_starts: l.step_starts,
            delta_pairs,
            deltas,
            merge_counts: l.merge_counts,
            pair_total: l.pair_total,
            bytes: l.bytes,
        });
    }
    Ok(Replay {
        pairs,
        merge_pairs,
        categories: out,
    })
}

/// Words in one buffer: word `w` is `symbols[start[w]..start[w] + len[w]]`.
struct Words {
    symbols: Vec<u32>,
    start: Vec<usize>,
    len: Vec<usize>,
    count: Vec<i64>,
}

impl Words {
    fn get(&self, w: usize) -> &[u32] {
        &self.symbols[self.start[w]..self.start[w] + self.len[w]]
    }
}

fn replay_one(vocab: &Vocab, counts: &Counts, merges: &[(u32, u32, u32)]) -> Local {
    let bytes_to_id = vocab.byte_ids();
    let sorted = counts.words.clone().into_sorted();
    let mut words = Words {
        symbols: Vec::new(),
        start: Vec::with_capacity(sorted.len()),
        len: Vec::with_capacity(sorted.len()),
        count: Vec::with_capacity(sorted.len()),
    };
    for (word, n) in &sorted {
        if word.len() < 2 {
            continue; // no pair, now or later
        }
        words.start.push(words.symbols.len());
        words.len.push(word.len());
        words.count.push(*n as i64);
        words
            .symbols
            .extend(word.iter().map(|&b| bytes_to_id[b as usize]));
    }
    drop(sorted);

    let mut counts_now: FxHashMap<Key, i64> = FxHashMap::default();
    let mut index: FxHashMap<Key, Vec<u32>> = FxHashMap::default();
    let mut pair_total = 0u64;
    for w in 0..words.count.len() {
        let n = words.count[w];
        for p in words.get(w).windows(2) {
            let k = key(p[0], p[1]);
            *counts_now.entry(k).or_insert(0) += n;
            let list = index.entry(k).or_default();
            if list.last() != Some(&(w as u32)) {
                list.push(w as u32);
            }
            pair_total += n as u64;
        }
    }
    let mut initial: Vec<(Key, i64)> = counts_now.iter().map(|(&k, &n)| (k, n)).collect();
    initial.sort_unstable();

    let mut step_starts = Vec::with_capacity(merges.len() + 1);
    step_starts.push(0u64);
    let mut deltas: Vec<(Key, i64)> = Vec::new();
    let mut merge_counts = Vec::with_capacity(merges.len());
    let mut stamp = vec![u32::MAX; words.count.len()];
    let mut step_delta: FxHashMap<Key, i64> = FxHashMap::default();
    for (t, &(a, b, r)) in merges.iter().enumerate() {
        let k = key(a, b);
        merge_counts.push(counts_now.get(&k).copied().unwrap_or(0));
        let list = index.remove(&k).unwrap_or_default();
        step_delta.clear();
        for &w in &list {
            let wi = w as usize;
            if stamp[wi] == t as u32 {
                continue;
            }
            stamp[wi] = t as u32;
            let n = words.count[wi];
            let (s, len) = (words.start[wi], words.len[wi]);
            let word = &mut words.symbols[s..s + len];
            if !word.windows(2).any(|p| p[0] == a && p[1] == b) {
                continue; // a stale entry: an earlier merge took the pair
            }
            for p in word.windows(2) {
                *step_delta.entry(key(p[0], p[1])).or_insert(0) -= n;
            }
            let mut out = 0;
            let mut i = 0;
            while i < len {
                if i + 1 < len && word[i] == a && word[i + 1] == b {
                    word[out] = r;
                    i += 2;
                } else {
                    word[out] = word[i];
                    i += 1;
                }
                out += 1;
            }
            words.len[wi] = out;
            let word = &words.symbols[s..s + out];
            for p in word.windows(2) {
                *step_delta.entry(key(p[0], p[1])).or_insert(0) += n;
            }
            // The word joins the lists of the pairs holding the new token.
            for p in word.windows(2).filter(|p| p[0] == r || p[1] == r) {
                let list = index.entry(key(p[0], p[1])).or_default();
                if list.last() != Some(&w) {
                    list.push(w);
                }
            }
        }
        let mut changed: Vec<(Key, i64)> = step_delta
            .iter()
            .filter(|e| *e.1 != 0)
            .map(|(&k, &d)| (k, d))
            .collect();
        changed.sort_unstable();
        for &(k, d) in &changed {
            let c = counts_now.entry(k).or_insert(0);
            *c += d;
            if *c == 0 {
                counts_now.remove(&k);
            }
        }
        deltas.extend(changed);
        step_starts.push(deltas.len() as u64);
    }
    Local {
        initial,
        step_starts,
        deltas,
        merge_counts,
        pair_total,
        bytes: counts.meta.total_bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Normalization;
    use crate::pretok::{PatternName, PatternSpec};
    use crate::train::count::{CountsMeta, WordCounts};

    fn counts(words: &[(&str, u64)]) -> Counts {
        let wc =
            WordCounts::from_pairs(words.iter().map(|&(w, n)| (w.as_bytes(), n))).expect("counts");
        Counts {
            words: wc,
            meta: CountsMeta::new(
                &PatternSpec::Named(PatternName::Gpt2),
                Normalization::None,
                false,
            ),
            pruned: Default::default(),
        }
    }

    fn tokenizer() -> Tokenizer {
        Tokenizer::new(vocab(), PatternSpec::Named(PatternName::Gpt2)).expect("tokenizer")
    }

    /// A vocabulary with merges a+b, then ab+a, then x+y (absent below).
    fn vocab() -> Vocab {
        let mut tokens = Vocab::byte_alphabet();
        let id = |c: u8, ts: &[Vec<u8>]| ts.iter().position(|t| t == &[c]).expect("byte") as u32;
        let (a, b, x, y) = (
            id(b'a', &tokens),
            id(b'b', &tokens),
            id(b'x', &tokens),
            id(b'y', &tokens),
        );
        tokens.push(b"ab".to_vec()); // 256
        tokens.push(b"aba".to_vec()); // 257
        tokens.push(b"xy".to_vec()); // 258
        Vocab::with_special_ids(tokens, vec![(a, b), (256, a), (x, y)], Vec::new()).expect("vocab")
    }

    #[test]
    fn deltas_sum_to_the_counts_after_each_merge() {
        let v = vocab();
        let c = counts(&[("abab", 3), ("aba", 2), ("aaa", 1)]);
        let r = replay(&tokenizer(), &[&c], None).expect("replay");
        let cat = &r.categories[0];
        let a = v.byte_ids()[b'a' as usize];
        let b = v.byte_ids()[b'b' as usize];
        // Before: ab 3*2 + 2 = 8, ba 3 + 2 = 5, aa 2.
        let count = |upto: usize, pair: (u32, u32)| -> i64 {
            let Some(id) = r.pairs.iter().position(|&p| p == pair) else {
                return 0;
            };
            let id = id as u32;
            let mut n: i64 = cat
                .initial_pairs
                .iter()
                .zip(&cat.initial_counts)
                .filter(|e| *e.0 == id)
                .map(|e| *e.1)
                .sum();
            let end = cat.step_starts[upto] as usize;
            n += cat.delta_pairs[..end]
                .iter()
                .zip(&cat.deltas)
                .filter(|e| *e.0 == id)
                .map(|e| *e.1)
                .sum::<i64>();
            n
        };
        assert_eq!(count(0, (a, b)), 8);
        assert_eq!(count(0, (b, a)), 5);
        assert_eq!(count(0, (a, a)), 2);
        assert_eq!(cat.merge_counts, vec![8, 2, 0], "x+y is missing");
        // After a+b: abab -> [ab ab], aba -> [ab a]; ab+a is 2, ab+ab 3.
        assert_eq!(count(1, (a, b)), 0);
        assert_eq!(count(1, (b, a)), 0);
        assert_eq!(count(1, (256, a)), 2);
        assert_eq!(count(1, (256, 256)), 3);
        assert_eq!(count(1, (a, a)), 2, "aaa is untouched");
        // After ab+a: aba is one token.
        assert_eq!(count(2, (256, a)), 0);
        assert_eq!(r.missing_everywhere(), vec![2]);
        assert_eq!(cat.pair_total, 3 * 3 + 2 * 2 + 2);
    }

    #[test]
    fn pair_ids_are_shared_and_merges_come_first() {
        let t = tokenizer();
        let one = counts(&[("ab", 1)]);
        let two = counts(&[("xyab", 4)]);
        let r = replay(&t, &[&one, &two], Some(3)).expect("replay");
        assert_eq!(r.merge_pairs, vec![0, 1, 2]);
        assert_eq!(r.categories[1].merge_counts, vec![4, 0, 4]);
        assert!(replay(&t, &[&one], Some(4)).is_err());
        assert!(replay(&t, &[], None).is_err());
        // Counts made with another pattern are refused.
        let gpt4 = Tokenizer::new(vocab(), PatternSpec::Named(PatternName::Cl100k)).expect("t");
        assert!(replay(&gpt4, &[&one], None).is_err());
    }
}
