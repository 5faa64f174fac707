//! [`PairTable`]: pair of symbols -> dense id, an open-addressing table the
//! positional loop can prefetch into.
//!
//! SuperBPE's stage 2 indexes millions of positions into a million or more
//! distinct pairs, a table of tens of megabytes where nearly every probe is
//! a cache miss. The positions are read in order, so the pair a few
//! positions ahead is known, and its slot can be requested before it is
//! needed ([`PairTable::prefetch`]); a hash map does not say where a key
//! lives.
//!
//! Performance notes: slots are 16 bytes (the pair as one `u64`, the id),
//! linear probing up to 3/4 full, about the footprint of the
//! `FxHashMap<Pair, u32>` it replaced. With the index's pairs prefetched 16
//! positions ahead, their slots' counts likewise, and each step's
//! neighbour pairs 8 ahead (`merge::StepDeltas::apply`), SuperBPE's stage 2
//! on the 40.6 MB novels (32K, t=16K, `examples/superbpe_file.rs`) went from
//! 8.8-10.1 s to 5.4-5.8 s (3 paired runs, a slow evening), same merges.

use super::merge::Pair;

/// `Slot::id` of an empty slot.
const EMPTY: u32 = u32::MAX;

#[derive(Clone, Copy)]
struct Slot {
    key: u64,
    id: u32,
}

const EMPTY_SLOT: Slot = Slot { key: 0, id: EMPTY };

pub(super) struct PairTable {
    slots: Vec<Slot>,
    /// Slot index of a hash: its top `64 - shift` bits.
    shift: u32,
    len: usize,
}

#[inline(always)]
fn key((a, b): Pair) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

impl PairTable {
    /// A table that holds `n` pairs without growing.
    pub(super) fn with_capacity(n: usize) -> Self {
        let slots = (n * 4 / 3 + 1).next_power_of_two().max(16);
        PairTable {
            slots: vec![EMPTY_SLOT; slots],
            shift: 64 - slots.trailing_zeros(),
            len: 0,
        }
    }

    #[inline(always)]
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// Ask the CPU for the slot where `pair` lives or would go.
    #[inline(always)]
    pub(super) fn prefetch(&self, pair: Pair) {
        crate::prefetch::read(&self.slots[self.home(key(pair))]);
    }

    /// The slot that holds `key`, or the empty one where it would go.
    #[inline]
    fn probe(&self, key: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        while self.slots[i].id != EMPTY && self.slots[i].key != key {
            i = (i + 1) & mask;
        }
        i
    }

    #[inline]
    pub(super) fn get(&self, pair: Pair) -> Option<u32> {
        let id = self.slots[self.probe(key(pair))].id;
        (id != EMPTY).then_some(id)
    }

    /// The id of `pair`, or the one `new` gives it if it has none yet.
    #[inline]
    pub(super) fn get_or_insert(&mut self, pair: Pair, new: impl FnOnce() -> u32) -> u32 {
        let key = key(pair);
        let i = self.probe(key);
        if self.slots[i].id != EMPTY {
            return self.slots[i].id;
        }
        let id = new();
        debug_assert_ne!(id, EMPTY);
        self.slots[i] = Slot { key, id };
        self.len += 1;
        if self.len * 4 > self.slots.len() * 3 {
            self.grow();
        }
        id
    }

    fn grow(&mut self) {
        let old = std::mem::replace(self, Self::with_capacity(self.slots.len()));
        for s in old.slots.into_iter().filter(|s| s.id != EMPTY) {
            let pair = ((s.key >> 32) as u32, s.key as u32);
            self.get_or_insert(pair, || s.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn ids_like_a_hash_map() {
        let mut rng = crate::test_rng::Rng(0x2545_F491_4F6C_DD1D);
        let mut next = move |n: u64| rng.below(n);
        let mut table = PairTable::with_capacity(0);
        let mut reference: HashMap<Pair, u32> = HashMap::new();
        for _ in 0..50_000 {
            let spread = [3u64, 1000, 1 << 32][next(3) as usize];
            let pair = (next(spread) as u32, next(spread) as u32);
            let fresh = reference.len() as u32;
            let want = *reference.entry(pair).or_insert(fresh);
            assert_eq!(table.get_or_insert(pair, || fresh), want);
        }
        for (&pair, &id) in &reference {
            assert_eq!(table.get(pair), Some(id));
        }
        let absent = (u32::MAX, u32::MAX - 1);
        assert_eq!(table.get(absent), reference.get(&absent).copied());
    }
}
