//! Pieces this thread has already merged, with their ids: text repeats its
//! words, and a repeated word costs one probe instead of a BPE run.
//!
//! A cache belongs to one encoder at a time (`claim`); another encoder on the
//! same thread empties it. It has two halves, for short and for long pieces,
//! each bounded: when one holds [`ENTRIES`] pieces, [`KEY_BYTES`] bytes of
//! keys or [`IDS`] ids, that half is emptied and refills from the text that
//! follows. At those bounds the cache takes at most about 9 MB per thread
//! (two tables of 2^16 slots, 1.6 MB each, two id pools of 2 MB and 2 MB of
//! long keys).
//!
//! Performance notes:
//! * Pieces of up to 15 bytes are keyed by their bytes packed into a `u128`
//!   ([`crate::pack::pack15`]): a probe compares one integer and touches one
//!   slot. Longer pieces (Cyrillic and Greek words are 2 bytes a letter, so
//!   most of them are longer) are keyed by a 64-bit hash, and the bytes are
//!   compared against a pool.
//! * Before pieces of 16 to 64 bytes were cached, Ukrainian text encoded at
//!   half the speed of English: every such word ran BPE again.
//! * Emptying when full beat evicting single entries: the tables stay plain
//!   hash maps, and on real text the working set refills within a few
//!   documents. Four times the bounds made a first pass over 3 MB of each
//!   corpus 5-20% slower, not faster: bigger tables miss the CPU cache more.
//!   The halves empty separately: with one bound for both, the
//!   unique long lines of Chinese poetry kept emptying the short words that
//!   do repeat (Chinese encoded 35% slower).

use rustc_hash::FxHashMap;
use std::hash::BuildHasher;

/// Pieces kept before the cache is emptied (7/8 of 2^16, so each table stays
/// at 2^16 slots).
pub const ENTRIES: usize = 57_344;
/// Bytes of long keys kept before the cache is emptied.
pub const KEY_BYTES: usize = 1 << 21;
/// Ids kept before the cache is emptied.
pub const IDS: usize = 1 << 19;
/// The longest piece cached, in bytes.
pub const MAX_CACHED: usize = 64;

#[derive(Clone, Copy)]
struct Span {
    at: u32,
    len: u32,
}

#[derive(Clone, Copy)]
struct LongEntry {
    key: Span,
    ids: Span,
}

/// Where a piece would sit in the cache; computed once for a lookup and the
/// insertion after it.
#[derive(Clone, Copy)]
pub enum Key {
    Short(u128),
    Long(u64),
}

#[derive(Default)]
pub struct WordCache {
    owner: u64,
    short: FxHashMap<u128, Span>,
    short_ids: Vec<u32>,
    long: FxHashMap<u64, LongEntry>,
    long_ids: Vec<u32>,
    keys: Vec<u8>,
}

impl WordCache {
    /// Make the cache `owner`'s, emptying it if another encoder used it.
    #[inline]
    pub fn claim(&mut self, owner: u64) {
        if self.owner != owner {
            self.clear();
            self.owner = owner;
        }
    }

    fn clear(&mut self) {
        self.short.clear();
        self.short_ids.clear();
        self.long.clear();
        self.long_ids.clear();
        self.keys.clear();
    }

    /// The key of `piece` (at most [`MAX_CACHED`] bytes); `tag` keeps apart
    /// the pieces of two phases of one encoder.
    #[inline]
    pub fn key(piece: &[u8], tag: u8) -> Key {
        if piece.len() <= crate::pack::MAX_PACKED {
            Key::Short(crate::pack::pack15(piece) | u128::from(tag) << 120)
        } else {
            let h = rustc_hash::FxBuildHasher.hash_one(piece);
            Key::Long(h ^ u64::from(tag))
        }
    }

    #[inline]
    pub fn get(&self, key: Key, piece: &[u8]) -> Option<&[u32]> {
        match key {
            Key::Short(k) => Some(slice(&self.short_ids, *self.short.get(&k)?)),
            Key::Long(h) => {
                let e = self.long.get(&h)?;
                // A hash collision is a miss.
                (slice(&self.keys, e.key) == piece).then(|| slice(&self.long_ids, e.ids))
            }
        }
    }

    pub fn insert(&mut self, key: Key, piece: &[u8], ids: &[u32]) {
        match key {
            Key::Short(k) => {
                if self.short.len() >= ENTRIES || self.short_ids.len() + ids.len() > IDS {
                    self.short.clear();
                    self.short_ids.clear();
                }
                let span = push(&mut self.short_ids, ids);
                self.short.insert(k, span);
            }
            Key::Long(h) => {
                if self.long.len() >= ENTRIES
                    || self.long_ids.len() + ids.len() > IDS
                    || self.keys.len() + piece.len() > KEY_BYTES
                {
                    self.long.clear();
                    self.long_ids.clear();
                    self.keys.clear();
                }
                let entry = LongEntry {
                    key: push(&mut self.keys, piece),
                    ids: push(&mut self.long_ids, ids),
                };
                // A colliding entry is replaced; `get` checks the bytes.
                self.long.insert(h, entry);
            }
        }
    }
}

fn slice<T>(pool: &[T], s: Span) -> &[T] {
    &pool[s.at as usize..(s.at + s.len) as usize]
}

fn push<T: Copy>(pool: &mut Vec<T>, items: &[T]) -> Span {
    let at = pool.len() as u32;
    pool.extend_from_slice(items);
    Span {
        at,
        len: items.len() as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_pieces_apart_by_bytes_tag_and_owner() {
        let mut c = WordCache::default();
        c.claim(1);
        let long = "x".repeat(40);
        for (piece, ids) in [
            ("ab", &[1u32][..]),
            ("ab\0", &[2, 3]),
            (&long[..], &[4, 5, 6]),
        ] {
            c.insert(WordCache::key(piece.as_bytes(), 0), piece.as_bytes(), ids);
        }
        let get = |c: &WordCache, p: &str, tag| {
            c.get(WordCache::key(p.as_bytes(), tag), p.as_bytes())
                .map(<[u32]>::to_vec)
        };
        assert_eq!(get(&c, "ab", 0), Some(vec![1]));
        assert_eq!(get(&c, "ab\0", 0), Some(vec![2, 3]));
        assert_eq!(get(&c, &long, 0), Some(vec![4, 5, 6]));
        assert_eq!(get(&c, "ab", 0x80), None);
        assert_eq!(get(&c, &long, 0x80), None);
        assert_eq!(get(&c, &"y".repeat(40), 0), None);
        c.claim(2);
        assert_eq!(get(&c, "ab", 0), None);
    }

    #[test]
    fn empties_when_full() {
        let mut c = WordCache::default();
        for i in 0..ENTRIES + 10 {
            let p = format!("{i:08}");
            c.insert(WordCache::key(p.as_bytes(), 0), p.as_bytes(), &[i as u32]);
        }
        assert!(c.short.len() <= ENTRIES);
        let last = format!("{:08}", ENTRIES + 9);
        assert!(c
            .get(WordCache::key(last.as_bytes(), 0), last.as_bytes())
            .is_some());
        assert!(c.get(WordCache::key(b"00000000", 0), b"00000000").is_none());
    }
}
