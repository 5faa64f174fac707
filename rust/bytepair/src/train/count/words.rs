//! [`WordCounts`]: pre-token -> number of occurrences, as hash maps while
//! counting and as a sorted list once read or summed; sums, partitions by a
//! machine-independent hash, and the canonical sorted order.
//!
//! Performance notes: writing counts out (a distributed map task's last
//! step) sorts borrowed [`Piece`]s (see [`super::key`]). Sums of sorted
//! lists merge two at a time, shortest first (a heap over all lists was
//! twice as slow). Maps of the counting threads are summed pairwise so each
//! merge is between maps of similar size.

use super::key::{Piece, ShortKey, SHORT};
use super::table::{Batch, CountTable};
use crate::error::{Error, Result};
use crate::pretok::Pretokenizer;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// Sorted, distinct `(pre-token, count)` entries.
pub type SortedCounts = Vec<(Box<[u8]>, u64)>;

/// Pre-token -> number of occurrences.
///
/// Counts read from a file or summed from sorted parts stay a sorted list
/// (`sorted`) until something changes them: the merge loop wants them sorted
/// anyway, and sums of sorted parts are a merge, so the distributed reduce
/// never hashes a pre-token. Any change first moves them into the maps.
#[derive(Default, Debug, Clone)]
pub struct WordCounts {
    pub(super) short: CountTable,
    pub(super) long: FxHashMap<Box<[u8]>, u64>,
    pub(super) sorted: SortedCounts,
}

impl WordCounts {
    /// Counts from entries sorted by bytes with no repeats (not checked here;
    /// the file reader checks them).
    pub fn from_sorted(entries: SortedCounts) -> Self {
        WordCounts {
            sorted: entries,
            ..Default::default()
        }
    }

    /// Move sorted entries into the maps before a change.
    pub(super) fn hashed(&mut self) {
        for (w, c) in std::mem::take(&mut self.sorted) {
            self.add(&w, c);
        }
    }

    /// The sum of several counts. When every part is a sorted list (counts
    /// read from files) this is a k-way merge, with no hashing.
    pub fn sum_all(parts: Vec<WordCounts>) -> WordCounts {
        if parts.iter().all(WordCounts::is_sorted_list) {
            return WordCounts::from_sorted(merge_sorted(
                parts.into_iter().map(|p| p.sorted).collect(),
            ));
        }
        let mut parts = parts;
        // Fold into the largest so the fewest entries move.
        let Some(largest) = (0..parts.len()).max_by_key(|&i| parts[i].len()) else {
            return WordCounts::default();
        };
        let mut sum = parts.swap_remove(largest);
        for p in parts {
            sum.absorb(p);
        }
        sum
    }

    #[inline]
    pub fn add(&mut self, piece: &[u8], n: u64) {
        if !self.sorted.is_empty() {
            self.hashed();
        }
        if piece.len() <= SHORT {
            self.short.add(ShortKey::new(piece), n);
        } else if let Some(c) = self.long.get_mut(piece) {
            *c = c.saturating_add(n);
        } else {
            self.long.insert(piece.into(), n);
        }
    }

    /// Counts from `(pre-token, count)` pairs (a repeated pre-token adds up).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a [u8], u64)>) -> Result<Self> {
        let mut counts = WordCounts::default();
        for (w, c) in pairs {
            if w.is_empty() {
                return Err(Error::config("a pre-token in the counts is empty"));
            }
            counts.add(w, c);
        }
        Ok(counts)
    }

    /// Add every pre-token of `text`.
    pub fn add_text(&mut self, pre: &Pretokenizer, text: &str) -> Result<()> {
        if !self.sorted.is_empty() {
            self.hashed();
        }
        let mut batch = Batch::new();
        let split = pre.split(text, |p| {
            let p = p.as_bytes();
            if p.len() <= SHORT {
                batch.add(&mut self.short, ShortKey::new(p));
            } else {
                self.add(p, 1);
            }
        });
        batch.finish(&mut self.short);
        split
    }

    /// Fold `other` into `self`.
    pub fn absorb(&mut self, mut other: WordCounts) {
        self.hashed();
        other.hashed();
        if other.short.len() > self.short.len() {
            std::mem::swap(&mut self.short, &mut other.short);
        }
        if other.long.len() > self.long.len() {
            std::mem::swap(&mut self.long, &mut other.long);
        }
        for (k, v) in other.short.iter() {
            self.short.add(k, v);
        }
        for (k, v) in other.long {
            let c = self.long.entry(k).or_insert(0);
            *c = c.saturating_add(v);
        }
    }

    /// Split into `parts` disjoint counts by a hash of each pre-token's bytes
    /// that is the same in every process and on every machine: part `i` of
    /// every shard's counts holds the same pre-tokens, so the parts can be
    /// summed on different nodes and the sums simply put side by side.
    pub fn partition(&self, parts: usize) -> Vec<WordCounts> {
        self.sorted_parts(parts)
            .into_iter()
            .map(|part| WordCounts::from_sorted(owned(part)))
            .collect()
    }

    /// The entries split as [`partition`](Self::partition) does, each part
    /// sorted by bytes and borrowed from `self`: ready to be written
    /// (`io::counts::write_counts`) without a copy of any pre-token.
    pub fn sorted_parts<'a>(&'a self, parts: usize) -> Vec<Vec<(Piece<'a>, u64)>> {
        let parts = parts.max(1);
        let mut out: Vec<Vec<(Piece<'a>, u64)>> = (0..parts)
            .map(|_| Vec::with_capacity(self.len() / parts + 1))
            .collect();
        let mut deal = |piece: Piece<'a>, c: u64| {
            let i = if parts == 1 { 0 } else { piece.part(parts) };
            out[i].push((piece, c));
        };
        for (k, c) in self.short.iter() {
            deal(Piece::from_key(&k), c);
        }
        for (k, &c) in &self.long {
            deal(Piece::new(k), c);
        }
        // A sorted list dealt in order stays sorted; entries are in the list
        // or in the maps, never both.
        for (k, c) in &self.sorted {
            deal(Piece::new(k), *c);
        }
        if !self.is_sorted_list() {
            if parts == 1 {
                out[0].par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
            } else {
                out.par_iter_mut()
                    .for_each(|v| v.sort_unstable_by(|a, b| a.0.cmp(&b.0)));
            }
        }
        out
    }

    /// The words sorted by their bytes: a canonical order whatever the threads did.
    pub fn into_sorted(self) -> Vec<(Box<[u8]>, u64)> {
        if self.is_sorted_list() {
            return self.sorted;
        }
        let mut parts = self.sorted_parts(1);
        owned(parts.pop().unwrap_or_default())
    }

    /// Held as a sorted list (or empty), not in the maps.
    pub(super) fn is_sorted_list(&self) -> bool {
        self.short.is_empty() && self.long.is_empty()
    }

    /// The count of one piece.
    pub fn get(&self, piece: &[u8]) -> u64 {
        if let Ok(i) = self.sorted.binary_search_by(|(w, _)| (**w).cmp(piece)) {
            return self.sorted[i].1;
        }
        if piece.len() <= SHORT {
            self.short.get(ShortKey::new(piece)).unwrap_or(0)
        } else {
            self.long.get(piece).copied().unwrap_or(0)
        }
    }

    pub fn len(&self) -> usize {
        self.short.len() + self.long.len() + self.sorted.len()
    }

    /// Adjacent byte pairs over all occurrences: the sum of count x (length-1).
    pub fn pair_total(&self) -> u128 {
        let short = self.short.iter().map(|(k, c)| (k.len(), c));
        let long = self.long.iter().map(|(k, c)| (k.len(), *c));
        let sorted = self.sorted.iter().map(|(k, c)| (k.len(), *c));
        short
            .chain(long)
            .chain(sorted)
            .map(|(n, c)| c as u128 * n.saturating_sub(1) as u128)
            .sum()
    }

    /// Symbols (bytes) over all occurrences: the token total before any merge.
    pub fn symbol_total(&self) -> u128 {
        let short = self.short.iter().map(|(k, c)| (k.len(), c));
        let long = self.long.iter().map(|(k, c)| (k.len(), *c));
        let sorted = self.sorted.iter().map(|(k, c)| (k.len(), *c));
        short
            .chain(long)
            .chain(sorted)
            .map(|(n, c)| c as u128 * n as u128)
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Sorted borrowed entries as owned ones.
fn owned(entries: Vec<(Piece<'_>, u64)>) -> SortedCounts {
    entries
        .into_iter()
        .map(|(p, c)| (Box::from(p.as_ref()), c))
        .collect()
}

/// Merge sorted entry lists (owned or borrowed pre-tokens), adding the counts
/// of equal pre-tokens. Two lists at a time, the two shortest first (as in
/// building a Huffman tree), so each entry moves about log(lists) times
/// when the lists are alike and once or twice when one dominates; a
/// two-pointer merge compares each output once, where a heap over all the
/// lists took about twice as long on four shards' counts.
pub fn merge_sorted<K: Ord>(mut lists: Vec<Vec<(K, u64)>>) -> Vec<(K, u64)> {
    lists.retain(|l| !l.is_empty());
    while lists.len() > 1 {
        lists.sort_by_key(|l| std::cmp::Reverse(l.len()));
        let (Some(a), Some(b)) = (lists.pop(), lists.pop()) else {
            break;
        };
        lists.push(merge_two(a, b));
    }
    lists.pop().unwrap_or_default()
}

fn merge_two<K: Ord>(a: Vec<(K, u64)>, b: Vec<(K, u64)>) -> Vec<(K, u64)> {
    use std::cmp::Ordering;
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let order = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => x.0.cmp(&y.0),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => return out,
        };
        match order {
            Ordering::Less => out.extend(a.next()),
            Ordering::Greater => out.extend(b.next()),
            Ordering::Equal => {
                if let (Some((w, x)), Some((_, y))) = (a.next(), b.next()) {
                    out.push((w, x.saturating_add(y)));
                }
            }
        }
    }
}

/// Add up maps pairwise, so each merge is between maps of similar size.
pub(super) fn sum_pairwise(mut maps: Vec<WordCounts>) -> WordCounts {
    while maps.len() > 1 {
        let mut pairs = Vec::with_capacity(maps.len() / 2 + 1);
        let mut it = maps.into_iter();
        while let Some(a) = it.next() {
            pairs.push((a, it.next()));
        }
        maps = pairs
            .into_par_iter()
            .map(|(mut a, b)| {
                if let Some(b) = b {
                    a.absorb(b);
                }
                a
            })
            .collect();
    }
    maps.pop().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::key::tests::tricky_pieces;
    use super::*;
    use crate::pretok::{PatternName, PatternSpec};

    #[test]
    fn partitions_are_disjoint_and_add_up() {
        let pre = Pretokenizer::new(PatternSpec::Named(PatternName::Gpt2)).expect("gpt2");
        let mut wc = WordCounts::default();
        let text = "short words and some considerablylongerwordsthansixteenbytes too\n";
        wc.add_text(&pre, &text.repeat(3)).expect("count");
        let whole = wc.clone().into_sorted();
        let parts = wc.partition(4);
        assert_eq!(parts.len(), 4);
        let mut sum = WordCounts::default();
        let mut seen = 0;
        for p in parts {
            seen += p.len();
            sum.absorb(p);
        }
        assert_eq!(seen, whole.len(), "a pre-token landed in two parts");
        assert_eq!(sum.into_sorted(), whole);
    }

    #[test]
    fn sorted_parts_are_sorted_disjoint_and_complete() {
        let mut wc = WordCounts::default();
        for (i, p) in tricky_pieces(3000).iter().enumerate() {
            wc.add(p, i as u64 % 7 + 1);
        }
        let mut whole: Vec<(Vec<u8>, u64)> = wc
            .short
            .iter()
            .map(|(k, c)| (k.padded()[..k.len()].to_vec(), c))
            .chain(wc.long.iter().map(|(k, &c)| (k.to_vec(), c)))
            .collect();
        whole.sort();
        let parts = wc.sorted_parts(3);
        let mut dealt: Vec<(Vec<u8>, u64)> = Vec::new();
        for part in &parts {
            assert!(
                part.windows(2).all(|w| w[0].0.as_ref() < w[1].0.as_ref()),
                "unsorted part"
            );
            dealt.extend(part.iter().map(|(p, c)| (p.as_ref().to_vec(), *c)));
        }
        dealt.sort();
        assert_eq!(dealt, whole);
        // The same pre-token goes to the same part from any counts.
        let sorted = WordCounts::from_sorted(wc.clone().into_sorted());
        for (a, b) in parts.iter().zip(sorted.sorted_parts(3)) {
            assert_eq!(a, &b);
        }
    }

    #[test]
    fn sums_of_sorted_lists_merge_without_hashing_and_match_map_sums() {
        let pre = Pretokenizer::new(PatternSpec::Named(PatternName::Gpt2)).expect("gpt2");
        let texts = [
            "the cat and the hat\n",
            "a cat, the end\n",
            "zebra the cat\n",
        ];
        let maps: Vec<WordCounts> = texts
            .iter()
            .map(|t| {
                let mut wc = WordCounts::default();
                wc.add_text(&pre, &t.repeat(3)).expect("count");
                wc
            })
            .collect();
        let by_map = WordCounts::sum_all(maps.clone()).into_sorted();
        let lists: Vec<WordCounts> = maps
            .into_iter()
            .map(|m| WordCounts::from_sorted(m.into_sorted()))
            .collect();
        let merged = WordCounts::sum_all(lists);
        assert!(merged.short.is_empty() && merged.long.is_empty(), "hashed");
        assert_eq!(merged.get(b" cat"), 9);
        assert_eq!(merged.len(), by_map.len());
        let mut changed = merged.clone();
        changed.add(b" cat", 1); // a change moves the list into the maps
        assert_eq!(changed.get(b" cat"), 10);
        assert_eq!(merged.into_sorted(), by_map);
    }
}
