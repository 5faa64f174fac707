//! Bit sets in `u64` words: the encoder's filters (joinable byte pairs, long
//! tokens, character bigrams, fragment heads and tails).

/// `n` bits, all clear.
pub fn zeroed(n: usize) -> Box<[u64]> {
    vec![0u64; n.div_ceil(64)].into_boxed_slice()
}

#[inline(always)]
pub fn get(bits: &[u64], i: usize) -> bool {
    bits[i / 64] & (1 << (i % 64)) != 0
}

#[inline]
pub fn set(bits: &mut [u64], i: usize) {
    bits[i / 64] |= 1 << (i % 64);
}
