//! Short byte strings packed into integers, so a table can hold them as keys
//! and compare them in one instruction.
//!
//! Performance notes: a piece is a slice of variable length, and copying it
//! into a zeroed buffer compiles to a `memcpy` call (3-5% of encoding in the
//! profile). Two overlapping fixed-size reads, one from each end, cover any
//! length in a class with no call and no loop: the bytes both reads see are
//! the same, so or-ing the shifted reads gives the packed string.

/// The longest string [`pack15`] takes, in bytes (the 16th byte holds the length).
pub const MAX_PACKED: usize = 15;

#[inline(always)]
fn read_u16(b: &[u8], at: usize) -> u64 {
    u64::from(u16::from_le_bytes([b[at], b[at + 1]]))
}

#[inline(always)]
fn read_u32(b: &[u8], at: usize) -> u64 {
    u64::from(u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]))
}

#[inline(always)]
fn read_u64(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// The bytes of `b` (at most 8) as a little-endian integer, zero-padded.
#[inline(always)]
fn pack8(b: &[u8]) -> u64 {
    let n = b.len();
    debug_assert!(n <= 8);
    match n {
        0 => 0,
        1 => u64::from(b[0]),
        2..=3 => read_u16(b, 0) | (read_u16(b, n - 2) << (8 * (n - 2))),
        4..=7 => read_u32(b, 0) | (read_u32(b, n - 4) << (8 * (n - 4))),
        _ => read_u64(b, 0),
    }
}

/// A string of at most 15 bytes as one integer: the bytes, and the length in
/// the top byte (so "a" and "a\0" differ).
#[inline(always)]
pub fn pack15(b: &[u8]) -> u128 {
    let n = b.len();
    debug_assert!(n <= MAX_PACKED);
    let body = if n <= 8 {
        u128::from(pack8(b))
    } else {
        u128::from(read_u64(b, 0)) | (u128::from(read_u64(b, n - 8)) << (8 * (n - 8)))
    };
    body | (n as u128) << 120
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slow8(b: &[u8]) -> u64 {
        let mut w = [0u8; 8];
        w[..b.len()].copy_from_slice(b);
        u64::from_le_bytes(w)
    }

    #[test]
    fn every_length_packs_like_a_copy() {
        let data: Vec<u8> = (1..=40u8).map(|i| i.wrapping_mul(37)).collect();
        for start in 0..8 {
            for n in 0..=15 {
                let b = &data[start..start + n];
                let mut w = [0u8; 16];
                w[..n].copy_from_slice(b);
                w[15] = n as u8;
                assert_eq!(pack15(b), u128::from_le_bytes(w), "length {n}");
                if n <= 8 {
                    assert_eq!(pack8(b), slow8(b), "length {n}");
                }
            }
        }
    }
}
