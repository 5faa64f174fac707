//! Tokens of up to 15 bytes in an open-addressing table keyed by the packed
//! bytes ([`crate::pack::pack15`]), built so the encoder can prefetch a
//! piece's slot before it needs the answer.
//!
//! Performance notes: this table is 8 MB for cl100k and 16 MB for o200k (load
//! at most 1/2, 32-byte slots; hashbrown's was about half that), far beyond
//! the L2 cache, and a piece's probe is a random access: in the
//! profile of encoding English 40% of the whole time sat on the load of the
//! slot (hashbrown's table, before this one). The encoder now splits a batch
//! of pieces, prefetches every slot, then reads them, so the misses overlap
//! instead of following one another. hashbrown gives no slot address to
//! prefetch, hence this table. Slots are 32 bytes and 32-byte aligned, so a
//! probe run of two stays within one cache line.
//!
//! Tried and dropped: a second, 256 KB table of the 8,192 first-made tokens
//! (BPE makes frequent strings first), probed before this one and prefetching
//! only on its misses. It was slower (English 146 -> 109 MB/s with a warm
//! cache, 79 -> 55 cold): with the prefetch the big table's miss is hidden,
//! and the extra probe is not.

use crate::huge::{Zeroable, ZeroedTable};
use crate::pack::{pack15, MAX_PACKED as MAX_LEN};

#[derive(Clone, Copy, Default)]
#[repr(C, align(32))]
struct Slot {
    key: u128,
    /// The id plus one; 0 is an empty slot.
    id: u32,
}

// SAFETY: integers only; all zero is the empty slot.
unsafe impl Zeroable for Slot {}

pub struct ShortTokens {
    slots: ZeroedTable<Slot>,
    mask: usize,
    bits: u32,
}

impl ShortTokens {
    /// A table of the `(bytes, id)` given with 2 to [`MAX_LEN`] bytes (the
    /// rest are skipped); the first of two equal keys wins.
    pub fn new<'a>(tokens: impl Iterator<Item = (&'a [u8], u32)> + Clone) -> Self {
        let n = tokens
            .clone()
            .filter(|(t, _)| (2..=MAX_LEN).contains(&t.len()))
            .count();
        // Load at most 1/2: a miss (a piece that is no token) ends at the
        // first empty slot, and misses are a third of the pieces in Chinese.
        let bits = (2 * n.max(1)).next_power_of_two().trailing_zeros().max(4);
        let mut table = ShortTokens {
            slots: ZeroedTable::new(1 << bits),
            mask: (1 << bits) - 1,
            bits,
        };
        for (t, id) in tokens.filter(|(t, _)| (2..=MAX_LEN).contains(&t.len())) {
            let key = pack15(t);
            let mut i = table.home(key);
            loop {
                let s = &mut table.slots[i];
                if s.id == 0 {
                    *s = Slot { key, id: id + 1 };
                    break;
                }
                if s.key == key {
                    break;
                }
                i = (i + 1) & table.mask;
            }
        }
        table
    }

    /// The first slot to probe for `key`.
    #[inline(always)]
    pub fn home(&self, key: u128) -> usize {
        let folded = (key as u64) ^ ((key >> 64) as u64).rotate_left(29);
        let h = folded.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (h >> (64 - self.bits)) as usize
    }

    /// Ask the CPU to start loading slot `home`.
    #[inline(always)]
    pub fn prefetch(&self, home: usize) {
        crate::prefetch::read(&self.slots[home]);
    }

    /// The id of the token with `key`, probing from `home`.
    #[inline(always)]
    pub fn get(&self, home: usize, key: u128) -> Option<u32> {
        let mut i = home;
        loop {
            let s = &self.slots[i];
            if s.id == 0 {
                return None;
            }
            if s.key == key {
                return Some(s.id - 1);
            }
            i = (i + 1) & self.mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_token_and_no_other_piece() {
        let words: Vec<Vec<u8>> = (0..5000u32)
            .map(|i| format!("w{}", i * 7).into_bytes())
            .chain([b"x".to_vec(), b"0123456789abcdef".to_vec()])
            .collect();
        let table = ShortTokens::new(words.iter().enumerate().map(|(i, w)| (&w[..], i as u32)));
        for (i, w) in words.iter().enumerate() {
            let expect = (2..=MAX_LEN).contains(&w.len()).then_some(i as u32);
            let key = pack15(w.get(..w.len().min(MAX_LEN)).unwrap_or_default());
            if w.len() <= MAX_LEN {
                assert_eq!(table.get(table.home(key), key), expect, "{w:?}");
            }
        }
        for miss in [&b"w1"[..], b"w7\0", b"zz"] {
            let key = pack15(miss);
            assert_eq!(table.get(table.home(key), key), None, "{miss:?}");
        }
    }
}
