//! Encoding with a merge list (HF's rule): inside each pre-token, repeatedly
//! apply the adjacent pair with the best merge rank, leftmost first.
//!
//! Performance notes: pieces under 64 bytes use a plain scan over a small Vec
//! (cache-friendly, no heap); longer pieces use a min-heap over a linked list so
//! one huge piece costs O(n log n), never O(n^2). A faster drop-in encoder is
//! its own piece of work; this one is the correct baseline.

use crate::vocab::Vocab;
use rustc_hash::FxHashMap;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

const SCAN_LIMIT: usize = 64;

/// Pair -> (rank, result id).
pub struct MergeRanks {
    ranks: FxHashMap<(u32, u32), (u32, u32)>,
}

impl MergeRanks {
    pub fn new(vocab: &Vocab) -> Self {
        let mut ranks = FxHashMap::default();
        ranks.reserve(vocab.merges().len());
        for (rank, &(a, b)) in vocab.merges().iter().enumerate() {
            let mut joined = vocab.tokens()[a as usize].clone();
            joined.extend_from_slice(&vocab.tokens()[b as usize]);
            if let Some(id) = vocab.id_of(&joined) {
                // A later duplicate overwrites the earlier rank, as in HF.
                ranks.insert((a, b), (rank as u32, id));
            }
        }
        MergeRanks { ranks }
    }

    #[inline]
    fn get(&self, a: u32, b: u32) -> Option<(u32, u32)> {
        self.ranks.get(&(a, b)).copied()
    }

    /// Append the ids of one pre-token to `out`.
    pub fn encode_piece(&self, vocab: &Vocab, piece: &[u8], out: &mut Vec<u32>) {
        if piece.len() < SCAN_LIMIT {
            self.encode_scan(vocab, piece, out);
        } else {
            self.encode_heap(vocab, piece, out);
        }
    }

    pub(crate) fn encode_scan(&self, vocab: &Vocab, piece: &[u8], out: &mut Vec<u32>) {
        let mut s: Vec<u32> = piece.iter().map(|&b| vocab.byte_id(b)).collect();
        while s.len() > 1 {
            let mut best: Option<(u32, usize, u32)> = None;
            for i in 0..s.len() - 1 {
                if let Some((rank, id)) = self.get(s[i], s[i + 1]) {
                    if best.is_none_or(|b| rank < b.0) {
                        best = Some((rank, i, id));
                    }
                }
            }
            let Some((_, i, id)) = best else { break };
            s[i] = id;
            s.remove(i + 1);
        }
        out.extend_from_slice(&s);
    }

    pub(crate) fn encode_heap(&self, vocab: &Vocab, piece: &[u8], out: &mut Vec<u32>) {
        const NONE: usize = usize::MAX;
        let n = piece.len();
        let mut id: Vec<u32> = piece.iter().map(|&b| vocab.byte_id(b)).collect();
        let mut next: Vec<usize> = (1..=n).map(|i| if i < n { i } else { NONE }).collect();
        let mut prev: Vec<usize> = (0..n).map(|i| if i > 0 { i - 1 } else { NONE }).collect();
        let mut alive = vec![true; n];
        let mut heap = BinaryHeap::new();
        for i in 0..n - 1 {
            if let Some((rank, _)) = self.get(id[i], id[i + 1]) {
                heap.push(Reverse((rank, i, id[i], id[i + 1])));
            }
        }
        while let Some(Reverse((_, i, a, b))) = heap.pop() {
            let j = next[i];
            if !alive[i] || j == NONE || id[i] != a || id[j] != b {
                continue;
            }
            let Some((_, merged)) = self.get(a, b) else {
                continue;
            };
            id[i] = merged;
            alive[j] = false;
            next[i] = next[j];
            if next[j] != NONE {
                prev[next[j]] = i;
            }
            if prev[i] != NONE {
                let p = prev[i];
                if let Some((rank, _)) = self.get(id[p], merged) {
                    heap.push(Reverse((rank, p, id[p], merged)));
                }
            }
            if next[i] != NONE {
                let q = next[i];
                if let Some((rank, _)) = self.get(merged, id[q]) {
                    heap.push(Reverse((rank, i, merged, id[q])));
                }
            }
        }
        let mut i = 0;
        while i != NONE {
            out.push(id[i]);
            i = next[i];
        }
    }
}
