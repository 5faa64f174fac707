//! Pre-tokens as keys: short ones packed into integers for the counting
//! maps, and borrowed [`Piece`]s with an inline head for sorting and writing.
//!
//! Performance notes: pieces of up to 15 bytes (nearly all of them in natural
//! language) are `u128` keys, so a lookup hashes two words and compares
//! inline, where `Box<[u8]>` keys went through `memcmp` (10% of counting
//! samples in perf). Those keys were first built by copying the piece into a
//! zeroed 16-byte buffer: a `memcpy` call and a store-forwarding stall per
//! piece, 40-47 ns an insert against 17-20 ns with [`pack15`]'s two
//! overlapping reads (10 million pieces of the 45 MB novels into one map;
//! counting them on 2 threads went 0.43 -> 0.38 s). Longer pieces keep
//! boxed keys. Sorting borrowed pieces whose first 16 bytes are inline
//! made partitioning and writing 971 K distinct
//! pre-tokens 0.56 -> 0.15 s on one thread (boxed keys cost a malloc per
//! entry and a pointer chase per comparison).

use crate::pack::{pack15, MAX_PACKED};

/// A piece of at most 15 bytes packed into one integer ([`pack15`]): hashing
/// and comparing it takes a few instructions, with no allocation and no copy.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(super) struct ShortKey(u128);

/// The longest piece a [`ShortKey`] holds.
pub(super) const SHORT: usize = MAX_PACKED;

impl ShortKey {
    #[inline]
    pub(super) fn new(piece: &[u8]) -> Self {
        ShortKey(pack15(piece))
    }

    pub(super) fn bits(self) -> u128 {
        self.0
    }

    pub(super) fn from_bits(bits: u128) -> Self {
        ShortKey(bits)
    }

    /// The piece's length in bytes.
    pub(super) fn len(&self) -> usize {
        (self.0 >> 120) as usize
    }

    /// The piece's bytes, zero-padded to 16.
    pub(super) fn padded(&self) -> [u8; 16] {
        let mut buf = self.0.to_le_bytes();
        buf[15] = 0;
        buf
    }
}

/// The bytes of a piece a [`Piece`] holds inline.
const HEAD: usize = 16;

/// A pre-token borrowed from counts for sorting and writing. Its first 16
/// bytes are copied inline: a short piece needs nothing else, and a sort
/// compares heads as integers without following a pointer to a long piece's
/// bytes (a cache miss each time; that made sorting three times slower).
#[derive(Clone, Copy, Debug)]
pub struct Piece<'a> {
    /// The first 16 bytes, zero-padded.
    head: [u8; HEAD],
    /// The length of a short piece.
    short_len: u8,
    /// The whole of a piece longer than 16 bytes; empty for a short one.
    long: &'a [u8],
}

impl<'a> Piece<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        match bytes.first_chunk::<HEAD>() {
            Some(head) if bytes.len() > HEAD => Piece {
                head: *head,
                short_len: 0,
                long: bytes,
            },
            _ => {
                let mut head = [0u8; HEAD];
                head[..bytes.len()].copy_from_slice(bytes);
                Piece {
                    head,
                    short_len: bytes.len() as u8,
                    long: &[],
                }
            }
        }
    }

    pub(super) fn from_key(key: &ShortKey) -> Self {
        Piece {
            head: key.padded(),
            short_len: key.len() as u8,
            long: &[],
        }
    }

    /// Which of `parts` parts this piece belongs to: a function of its
    /// bytes alone, so every shard sends a pre-token to the same reducer.
    /// Mixes the head and the length (no pass over a long piece's bytes).
    pub(super) fn part(&self, parts: usize) -> usize {
        let head = u128::from_le_bytes(self.head);
        let len = self.as_ref().len() as u64;
        let mut h = (head as u64) ^ ((head >> 64) as u64).rotate_left(31) ^ len.rotate_left(59);
        h = (h ^ (h >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
        h = (h ^ (h >> 33)).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^= h >> 33;
        (h % parts as u64) as usize
    }
}

impl AsRef<[u8]> for Piece<'_> {
    fn as_ref(&self) -> &[u8] {
        if self.long.is_empty() {
            &self.head[..self.short_len as usize]
        } else {
            self.long
        }
    }
}

impl Ord for Piece<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Zero-padded big-endian heads order like the bytes; equal heads
        // (one piece a zero-padded prefix of the other, or a shared 16-byte
        // start) fall back to the bytes.
        u128::from_be_bytes(self.head)
            .cmp(&u128::from_be_bytes(other.head))
            .then_with(|| self.as_ref().cmp(other.as_ref()))
    }
}

impl PartialOrd for Piece<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Piece<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_ref() == other.as_ref()
    }
}

impl Eq for Piece<'_> {}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Random pieces from a tiny alphabet with zero bytes and shared 16-byte
    /// starts: the cases where integer heads tie.
    pub(in crate::train::count) fn tricky_pieces(n: usize) -> Vec<Vec<u8>> {
        let mut rng = crate::test_rng::Rng(0x9e37_79b9_7f4a_7c15);
        let mut next = move || rng.next();
        let stem = b"0123456789abcdef";
        (0..n)
            .map(|_| {
                let len = 1 + (next() % 40) as usize;
                let mut p: Vec<u8> = (0..len)
                    .map(|_| [0u8, 1, b'a', 0xff][(next() % 4) as usize])
                    .collect();
                if next() % 3 == 0 {
                    p.splice(0..0, stem.iter().copied()); // a shared 16-byte head
                }
                p
            })
            .collect()
    }

    #[test]
    fn pieces_order_like_their_bytes() {
        let pieces = tricky_pieces(400);
        for a in &pieces {
            for b in &pieces {
                assert_eq!(Piece::new(a).cmp(&Piece::new(b)), a.cmp(b), "{a:?} {b:?}");
            }
            assert_eq!(Piece::new(a).as_ref(), &a[..]);
        }
    }
}
