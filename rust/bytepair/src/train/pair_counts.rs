//! [`PairCountTable`]: the word loop's pair -> count map, an open-addressing
//! table whose slots can be prefetched.
//!
//! After a merge the loop updates the counts of the pairs beside every
//! occurrence, once per distinct neighbour ([`super::merge`]'s step
//! deltas). Those pairs are known before their counts are touched, so the
//! update asks for each slot a few pairs ahead; a hash map gives no address
//! to ask for. Slots are 16 bytes (the pair plus one, so 0 is empty, and the
//! count), at most 3/4 full, on huge pages when large ([`crate::huge`]).
//!
//! Also the home of [`PairCounts`], the interface both merge loops' counts
//! share.
//!
//! Performance notes: against the `FxHashMap` it replaced, with the step's
//! updates prefetching 8 pairs ahead, the merge loop on the 45 MB novels at
//! 32K went 0.92x (`examples/train_file.rs`, median of 8 paired runs); the
//! whole Python `train` call 0.99x (7 paired runs of `benches/train_bench.py`).
//! Huge pages for every allocation (glibc's `hugetlb` tunable) gave the merge
//! loop 0.94x before this table, and SuperBPE's stage 2 nothing measurable.

use crate::huge::{Zeroable, ZeroedTable};

pub type Pair = (u32, u32);

/// Live pair counts, as each merge loop stores them.
pub trait PairCounts {
    fn live(&self, pair: Pair) -> i64;
    fn add(&mut self, pair: Pair, delta: i64);
    /// Add a gain and return the new count; the positional loop also files
    /// the positions of the new occurrences.
    fn gain(&mut self, pair: Pair, delta: i64, positions: &[u32]) -> i64;
    /// Start loading where `pair`'s count lives: a hint, nothing by default.
    #[inline]
    fn prefetch(&self, _pair: Pair) {}
}

#[derive(Clone, Copy, Default)]
#[repr(C)]
struct Slot {
    /// `left << 32 | right`, plus one; 0 marks an empty slot.
    key: u64,
    count: i64,
}

// SAFETY: integers only; all zero is the empty slot.
unsafe impl Zeroable for Slot {}

pub(super) struct PairCountTable {
    slots: ZeroedTable<Slot>,
    /// Slot index of a hash: its top `64 - shift` bits.
    shift: u32,
    len: usize,
}

impl Default for PairCountTable {
    fn default() -> Self {
        Self::with_slots(16)
    }
}

/// Ids stay below `u32::MAX`, so the key never wraps to 0.
#[inline(always)]
fn key((a, b): Pair) -> u64 {
    ((u64::from(a) << 32) | u64::from(b)) + 1
}

impl PairCountTable {
    fn with_slots(n: usize) -> Self {
        debug_assert!(n.is_power_of_two());
        PairCountTable {
            slots: ZeroedTable::new(n),
            shift: 64 - n.trailing_zeros(),
            len: 0,
        }
    }

    #[inline(always)]
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The slot that holds `key`, or the empty one where it would go.
    #[inline]
    fn probe(&self, key: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        while self.slots[i].key != key && self.slots[i].key != 0 {
            i = (i + 1) & mask;
        }
        i
    }

    /// Add `delta` to the count of `pair` (0 if absent) and return it.
    #[inline]
    fn add_count(&mut self, pair: Pair, delta: i64) -> i64 {
        let key = key(pair);
        let mut i = self.probe(key);
        if self.slots[i].key == 0 {
            if (self.len + 1) * 4 > self.slots.len() * 3 {
                self.grow();
                i = self.probe(key);
            }
            self.slots[i].key = key;
            self.len += 1;
        }
        self.slots[i].count += delta;
        self.slots[i].count
    }

    fn grow(&mut self) {
        let old = std::mem::replace(self, Self::with_slots(self.slots.len() * 2));
        for s in old.slots.iter().filter(|s| s.key != 0) {
            let i = self.probe(s.key);
            self.slots[i] = *s;
        }
        self.len = old.len;
    }
}

impl PairCounts for PairCountTable {
    #[inline]
    fn live(&self, pair: Pair) -> i64 {
        self.slots[self.probe(key(pair))].count
    }
    #[inline]
    fn add(&mut self, pair: Pair, delta: i64) {
        self.add_count(pair, delta);
    }
    #[inline]
    fn gain(&mut self, pair: Pair, delta: i64, _positions: &[u32]) -> i64 {
        self.add_count(pair, delta)
    }
    #[inline]
    fn prefetch(&self, pair: Pair) {
        crate::prefetch::read(&self.slots[self.home(key(pair))]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn counts_like_a_hash_map() {
        let mut rng = crate::test_rng::Rng(0x9E37_79B9_7F4A_7C15);
        let mut table = PairCountTable::default();
        let mut reference: HashMap<Pair, i64> = HashMap::new();
        for _ in 0..60_000 {
            let spread = [3u64, 1000, u64::from(u32::MAX)][rng.index(3)];
            let pair = (rng.below(spread) as u32, rng.below(spread) as u32);
            let delta = rng.below(7) as i64 - 3;
            let want = *reference
                .entry(pair)
                .and_modify(|c| *c += delta)
                .or_insert(delta);
            assert_eq!(table.gain(pair, delta, &[]), want);
        }
        for (&pair, &count) in &reference {
            assert_eq!(table.live(pair), count);
        }
        assert_eq!(table.live((u32::MAX - 1, u32::MAX - 1)), 0);
        assert_eq!(table.len, reference.len());
    }
}
