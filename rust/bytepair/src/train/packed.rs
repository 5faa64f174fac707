//! Word lists packed back to back as variable-length deltas.
//!
//! Every entry of the merge queue carries the words where its pair was seen,
//! and a run keeps millions of such ids alive at once (1.4 million on the
//! 45 MB English novels at 32K, most in entries never popped). A list is
//! stored as its length and then the difference from the previous id
//! (zigzag, so any order works; the loops give ascending ids), each as a
//! LEB128 varint: ids in a long list are close together, so most take one
//! byte instead of four.
//!
//! Performance notes: on the novels run the lists took 5.6 MB as `u32`s
//! (7.6 MB with the vector's spare capacity) and their (start, length)
//! spans 2.3 MB; packed they take 2.2 MB, length prefixes included, plus
//! 1.2 MB of starts. With the sparse step gains (`merge::Gains`) the merge
//! loop's peak heap fell from 34.9 to 24.5 MB (massif) and the training
//! process's peak RSS from 55 to 44 MB. Unpacking a list when its entry is
//! popped did not change the loop's time (five paired runs).

/// Lists of `u32`, appended and read by index.
#[derive(Default)]
pub(super) struct PackedLists {
    bytes: Vec<u8>,
    /// Where each list starts in `bytes`.
    starts: Vec<u64>,
}

impl PackedLists {
    /// Store `list` and return its index.
    pub(super) fn push(&mut self, list: &[u32]) -> u32 {
        self.starts.push(self.bytes.len() as u64);
        write_varint(&mut self.bytes, list.len() as u64);
        let mut prev = 0i64;
        for &x in list {
            let delta = x as i64 - prev;
            write_varint(&mut self.bytes, ((delta << 1) ^ (delta >> 63)) as u64);
            prev = x as i64;
        }
        (self.starts.len() - 1) as u32
    }

    /// Append list `index` to `out`.
    pub(super) fn read_into(&self, index: u32, out: &mut Vec<u32>) {
        let mut at = self.starts[index as usize] as usize;
        let len = read_varint(&self.bytes, &mut at);
        out.reserve(len as usize);
        let mut prev = 0i64;
        for _ in 0..len {
            let z = read_varint(&self.bytes, &mut at);
            prev += ((z >> 1) as i64) ^ -((z & 1) as i64);
            out.push(prev as u32);
        }
    }
}

#[inline]
fn write_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[inline]
fn read_varint(bytes: &[u8], at: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = bytes[*at];
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return v;
        }
        shift += 7;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_come_back_as_stored() {
        let mut rng = crate::test_rng::Rng(0x9E37_79B9_7F4A_7C15);
        let mut next = move || rng.next();
        let mut packed = PackedLists::default();
        let mut lists: Vec<Vec<u32>> = vec![vec![], vec![0], vec![u32::MAX, 0, u32::MAX]];
        for _ in 0..2000 {
            let len = (next() % 40) as usize;
            let spread = [2u64, 300, 1 << 20, 1 << 32][(next() % 4) as usize];
            let mut l: Vec<u32> = (0..len).map(|_| (next() % spread) as u32).collect();
            if next() % 2 == 0 {
                l.sort_unstable(); // the loops' lists are ascending
            }
            lists.push(l);
        }
        let ids: Vec<u32> = lists.iter().map(|l| packed.push(l)).collect();
        let mut out = Vec::new();
        for (l, &id) in lists.iter().zip(&ids).rev() {
            out.clear();
            packed.read_into(id, &mut out);
            assert_eq!(&out, l);
        }
    }
}
