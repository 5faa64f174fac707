//! [`CountTable`]: short pre-token -> count, an open-addressing table the
//! counter can prefetch into.
//!
//! A word count of natural language has ~100 thousand distinct short
//! pre-tokens, so the table is megabytes and most lookups of all but the
//! commonest words miss the CPU cache. Knowing where a key lives before it
//! is added lets the counter ask for its slot several pieces ahead
//! ([`Batch`]), so the misses of those pieces overlap instead of following
//! one another.
//!
//! Performance notes: slots are 32 bytes (the `u128` key and the count)
//! with linear probing up to 3/4 full, about the footprint of the
//! `FxHashMap` it replaces. Splitting and counting the 45 MB novels on one
//! thread took 0.63 s with the `FxHashMap`, 0.55 s with this table and no
//! prefetch, and 0.46 s with each key's slot prefetched 16 pieces ahead
//! (medians of 9); counting them on 2 threads (`examples/train_file.rs`)
//! went 0.44 -> 0.33 s (medians of 8 paired runs). The slots on huge pages
//! ([`crate::huge`]) took that to 0.31 s (0.96x, median of 8 paired runs).

use super::key::ShortKey;
use crate::huge::{Zeroable, ZeroedTable};

#[derive(Clone, Copy, Default, Debug)]
struct Slot {
    /// 0 marks an empty slot: a packed key holds its length, never 0.
    key: u128,
    count: u64,
}

// SAFETY: integers only; all zero is the empty slot.
unsafe impl Zeroable for Slot {}

/// Packed short pre-token -> count.
#[derive(Clone, Debug)]
pub(super) struct CountTable {
    slots: ZeroedTable<Slot>,
    /// Slot index of a hash: its top `64 - shift` bits.
    shift: u32,
    len: usize,
}

impl Default for CountTable {
    fn default() -> Self {
        Self::with_slots(MIN_SLOTS)
    }
}

const MIN_SLOTS: usize = 16;

impl CountTable {
    fn with_slots(n: usize) -> Self {
        debug_assert!(n.is_power_of_two());
        CountTable {
            slots: ZeroedTable::new(n),
            shift: 64 - n.trailing_zeros(),
            len: 0,
        }
    }

    #[inline(always)]
    fn home(&self, key: u128) -> usize {
        let (lo, hi) = (key as u64, (key >> 64) as u64);
        let h = (lo.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ hi).wrapping_mul(0xF135_7AEA_2E62_A9C5);
        (h >> self.shift) as usize
    }

    /// Ask the CPU for the slot where `key` lives or would go.
    #[inline(always)]
    pub(super) fn prefetch(&self, key: ShortKey) {
        crate::prefetch::read(&self.slots[self.home(key.bits())]);
    }

    /// The slot that holds `key`, or the empty one where it would go.
    #[inline]
    fn probe(&self, key: u128) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        while self.slots[i].key != key && self.slots[i].key != 0 {
            i = (i + 1) & mask;
        }
        i
    }

    #[inline]
    pub(super) fn add(&mut self, key: ShortKey, n: u64) {
        let key = key.bits();
        let i = self.probe(key);
        let slot = &mut self.slots[i];
        if slot.key == key {
            slot.count = slot.count.saturating_add(n);
            return;
        }
        *slot = Slot { key, count: n };
        self.len += 1;
        if self.len * 4 > self.slots.len() * 3 {
            self.resize(self.slots.len() * 2);
        }
    }

    pub(super) fn get(&self, key: ShortKey) -> Option<u64> {
        let slot = &self.slots[self.probe(key.bits())];
        (slot.key != 0).then_some(slot.count)
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every entry, in no particular order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (ShortKey, u64)> + '_ {
        self.slots
            .iter()
            .filter(|s| s.key != 0)
            .map(|s| (ShortKey::from_bits(s.key), s.count))
    }

    /// Keep the entries whose count passes `keep`, in a table sized for them.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(u64) -> bool) {
        let kept: Vec<Slot> = self
            .slots
            .iter()
            .filter(|s| s.key != 0 && keep(s.count))
            .copied()
            .collect();
        self.rebuild(Self::slots_for(kept.len()), kept);
    }

    /// The fewest slots that hold `n` entries under the load limit.
    fn slots_for(n: usize) -> usize {
        (n * 4 / 3 + 1).next_power_of_two().max(MIN_SLOTS)
    }

    fn resize(&mut self, slots: usize) {
        let old = std::mem::take(&mut self.slots);
        self.rebuild(slots, old.iter().copied().filter(|s| s.key != 0));
    }

    /// Empty the table into `slots` slots and add `entries` to it.
    fn rebuild(&mut self, slots: usize, entries: impl IntoIterator<Item = Slot>) {
        *self = Self::with_slots(slots);
        for s in entries {
            self.add(ShortKey::from_bits(s.key), s.count);
        }
    }
}

/// Adds keys to a table [`AHEAD`] keys after it prefetched their slots.
pub(super) struct Batch {
    ring: [ShortKey; AHEAD],
    seen: usize,
}

/// How many pieces ahead a slot is prefetched.
const AHEAD: usize = 16;

impl Batch {
    pub(super) fn new() -> Self {
        Batch {
            ring: [ShortKey::from_bits(0); AHEAD],
            seen: 0,
        }
    }

    #[inline]
    pub(super) fn add(&mut self, table: &mut CountTable, key: ShortKey) {
        table.prefetch(key);
        let at = self.seen % AHEAD;
        if self.seen >= AHEAD {
            table.add(self.ring[at], 1);
        }
        self.ring[at] = key;
        self.seen += 1;
    }

    /// Add the keys still waiting.
    pub(super) fn finish(self, table: &mut CountTable) {
        for &key in &self.ring[..self.seen.min(AHEAD)] {
            table.add(key, 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn counts_like_a_hash_map() {
        let mut rng = crate::test_rng::Rng(0x9E37_79B9_7F4A_7C15);
        let mut next = move |n: u64| rng.below(n);
        let mut table = CountTable::default();
        let mut batched = CountTable::default();
        let mut batch = Batch::new();
        let mut reference: HashMap<Vec<u8>, u64> = HashMap::new();
        for _ in 0..20_000 {
            let len = 1 + next(15) as usize;
            let piece: Vec<u8> = (0..len)
                .map(|_| [0u8, b'a', b'b', 0xff][next(4) as usize])
                .collect();
            table.add(ShortKey::new(&piece), 1);
            batch.add(&mut batched, ShortKey::new(&piece));
            *reference.entry(piece).or_insert(0) += 1;
        }
        batch.finish(&mut batched);
        for t in [&table, &batched] {
            assert_eq!(t.len(), reference.len());
            for (p, &c) in &reference {
                assert_eq!(t.get(ShortKey::new(p)), Some(c));
            }
            assert_eq!(t.iter().map(|(_, c)| c).sum::<u64>(), 20_000);
        }
        assert_eq!(table.get(ShortKey::new(b"not there")), None);
        table.retain(|c| c > 3);
        assert_eq!(table.len(), reference.values().filter(|&&c| c > 3).count());
        for (p, &c) in &reference {
            assert_eq!(table.get(ShortKey::new(p)), (c > 3).then_some(c));
        }
    }
}
