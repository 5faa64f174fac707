//! The merge loop of dynamic merging, over interned tokens.
//!
//! The rule is the reference implementation's ("Retrofitting (Large) Language
//! Models with Dynamic Tokenization", `Dynamic_BPE`): count every adjacent pair
//! whose merge the boundary rule allows (occurrences overlap: `a a a` has two
//! `(a, a)`), take the most frequent, ties to the pair seen first scanning
//! sequence 0 left to right, then sequence 1, ...; replace its non-overlapping
//! occurrences left to right; repeat. A token is its bytes: two merges that
//! spell the same bytes make the same token, as with the reference's strings.
//!
//! Performance notes: the reference recounts the batch per merge. Here every
//! pair keeps the ordered set of its occurrences (keyed by sequence and the
//! base position where the left token starts, which merges never change), and
//! a B-tree keyed (count desc, first occurrence, pair) gives the next merge.
//! A merge touches only the occurrences of its pair and their neighbours.

use crate::error::{Error, Result};
use rustc_hash::FxHashMap;
use std::collections::BTreeSet;

const NONE: u32 = u32::MAX;

/// Tokens by content: bytes for ordinary tokens, base id for special ones.
#[derive(Default)]
pub struct Interner {
    bytes: Vec<Vec<u8>>,
    special: Vec<bool>,
    by_bytes: FxHashMap<Vec<u8>, u32>,
    by_special: FxHashMap<u32, u32>,
}

impl Interner {
    pub fn len(&self) -> usize {
        self.bytes.len()
    }
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
    pub fn ordinary(&mut self, b: &[u8]) -> u32 {
        if let Some(&id) = self.by_bytes.get(b) {
            return id;
        }
        let id = self.bytes.len() as u32;
        self.bytes.push(b.to_vec());
        self.special.push(false);
        self.by_bytes.insert(b.to_vec(), id);
        id
    }
    pub fn special(&mut self, base_id: u32, text: &[u8]) -> u32 {
        if let Some(&id) = self.by_special.get(&base_id) {
            return id;
        }
        let id = self.bytes.len() as u32;
        self.bytes.push(text.to_vec());
        self.special.push(true);
        self.by_special.insert(base_id, id);
        id
    }
    pub fn bytes(&self, id: u32) -> &[u8] {
        &self.bytes[id as usize]
    }
    pub fn is_special(&self, id: u32) -> bool {
        self.special[id as usize]
    }
}

/// One merge of the batch.
#[derive(Clone, Debug)]
pub struct Merge {
    pub left: u32,
    pub right: u32,
    pub result: u32,
    pub count: u32,
}

pub struct Merged {
    pub interner: Interner,
    /// Each sequence as interned token ids.
    pub sequences: Vec<Vec<u32>>,
    /// For each token of each sequence: the base positions it covers (start, end).
    pub spans: Vec<Vec<(u32, u32)>>,
    pub word_ids: Option<Vec<Vec<i64>>>,
    pub merges: Vec<Merge>,
    /// Total length after 0, 1, 2, ... merges.
    pub lengths_after: Vec<u64>,
}

type Occ = (u32, u32); // (sequence, base position of the left token)

struct State<'a, F: FnMut(&[u8], &[u8]) -> bool> {
    tok: Vec<Vec<u32>>,
    next: Vec<Vec<u32>>,
    prev: Vec<Vec<u32>>,
    words: Option<&'a [Vec<i64>]>,
    occ: FxHashMap<(u32, u32), BTreeSet<Occ>>,
    queue: BTreeSet<(std::cmp::Reverse<u32>, Occ, u32, u32)>,
    valid_cache: FxHashMap<(u32, u32), bool>,
    allowed: F,
}

impl<F: FnMut(&[u8], &[u8]) -> bool> State<'_, F> {
    fn valid(&mut self, it: &Interner, a: u32, b: u32) -> bool {
        if let Some(&v) = self.valid_cache.get(&(a, b)) {
            return v;
        }
        let v = if it.is_special(a) || it.is_special(b) {
            false
        } else {
            (self.allowed)(it.bytes(a), it.bytes(b))
        };
        self.valid_cache.insert((a, b), v);
        v
    }

    fn queue_key(&self, pair: (u32, u32)) -> Option<(std::cmp::Reverse<u32>, Occ, u32, u32)> {
        let set = self.occ.get(&pair)?;
        let first = *set.first()?;
        Some((std::cmp::Reverse(set.len() as u32), first, pair.0, pair.1))
    }

    fn add(&mut self, it: &Interner, s: u32, pos: u32) {
        let q = self.next[s as usize][pos as usize];
        if q == NONE {
            return;
        }
        if let Some(w) = self.words {
            if w[s as usize][pos as usize] != w[s as usize][q as usize] {
                return;
            }
        }
        let pair = (
            self.tok[s as usize][pos as usize],
            self.tok[s as usize][q as usize],
        );
        if !self.valid(it, pair.0, pair.1) {
            return;
        }
        if let Some(k) = self.queue_key(pair) {
            self.queue.remove(&k);
        }
        self.occ.entry(pair).or_default().insert((s, pos));
        if let Some(k) = self.queue_key(pair) {
            self.queue.insert(k);
        }
    }

    fn remove(&mut self, s: u32, pos: u32) {
        let q = self.next[s as usize][pos as usize];
        if q == NONE {
            return;
        }
        let pair = (
            self.tok[s as usize][pos as usize],
            self.tok[s as usize][q as usize],
        );
        let Some(k) = self.queue_key(pair) else {
            return;
        };
        let present = self
            .occ
            .get_mut(&pair)
            .is_some_and(|set| set.remove(&(s, pos)));
        if !present {
            return;
        }
        self.queue.remove(&k);
        if let Some(k) = self.queue_key(pair) {
            self.queue.insert(k);
        }
    }
}

/// Merge a batch. `tokens[i]` are interned ids; `allowed(left, right)` says
/// whether two ordinary tokens with these bytes may merge.
pub fn merge_batch(
    mut interner: Interner,
    tokens: Vec<Vec<u32>>,
    word_ids: Option<Vec<Vec<i64>>>,
    max_merges: Option<usize>,
    min_frequency: u32,
    allowed: impl FnMut(&[u8], &[u8]) -> bool,
) -> Result<Merged> {
    if let Some(w) = &word_ids {
        if w.len() != tokens.len() || w.iter().zip(&tokens).any(|(a, b)| a.len() != b.len()) {
            return Err(Error::config(
                "word_ids must have the same shape as the token sequences",
            ));
        }
    }
    let n_base: Vec<usize> = tokens.iter().map(Vec::len).collect();
    let mut st = State {
        next: n_base
            .iter()
            .map(|&n| {
                (1..=n as u32)
                    .map(|i| if (i as usize) < n { i } else { NONE })
                    .collect()
            })
            .collect(),
        prev: n_base
            .iter()
            .map(|&n| {
                (0..n as u32)
                    .map(|i| if i > 0 { i - 1 } else { NONE })
                    .collect()
            })
            .collect(),
        tok: tokens,
        words: word_ids.as_deref(),
        occ: FxHashMap::default(),
        queue: BTreeSet::new(),
        valid_cache: FxHashMap::default(),
        allowed,
    };
    for s in 0..st.tok.len() {
        for pos in 0..st.tok[s].len() {
            st.add(&interner, s as u32, pos as u32);
        }
    }
    let mut total: u64 = n_base.iter().map(|&n| n as u64).sum();
    let mut lengths_after = vec![total];
    let mut merges = Vec::new();
    while max_merges.is_none_or(|m| merges.len() < m) {
        let Some(&(std::cmp::Reverse(count), _, a, b)) = st.queue.first() else {
            break;
        };
        if count < min_frequency.max(1) {
            break;
        }
        let mut joined = interner.bytes(a).to_vec();
        joined.extend_from_slice(interner.bytes(b));
        let new = interner.ordinary(&joined);
        let occurrences: Vec<Occ> = st
            .occ
            .get(&(a, b))
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        for (s, pos) in occurrences {
            let (si, pi) = (s as usize, pos as usize);
            let q = st.next[si][pi];
            // Skip occurrences an earlier merge in this pass consumed.
            if q == NONE || st.tok[si][pi] != a || st.tok[si][q as usize] != b {
                continue;
            }
            let p = st.prev[si][pi];
            let r = st.next[si][q as usize];
            if p != NONE {
                st.remove(s, p);
            }
            st.remove(s, q);
            st.remove(s, pos);
            st.tok[si][pi] = new;
            st.tok[si][q as usize] = NONE;
            st.next[si][pi] = r;
            if r != NONE {
                st.prev[si][r as usize] = pos;
            }
            if p != NONE {
                st.add(&interner, s, p);
            }
            st.add(&interner, s, pos);
            total -= 1;
        }
        merges.push(Merge {
            left: a,
            right: b,
            result: new,
            count,
        });
        lengths_after.push(total);
    }
    let mut sequences = Vec::with_capacity(st.tok.len());
    let mut spans = Vec::with_capacity(st.tok.len());
    let mut words_out = word_ids.as_ref().map(|_| Vec::with_capacity(st.tok.len()));
    for s in 0..st.tok.len() {
        let (mut seq, mut sp, mut wd) = (Vec::new(), Vec::new(), Vec::new());
        let mut pos = if st.tok[s].is_empty() { NONE } else { 0 };
        while pos != NONE {
            let end = st.next[s][pos as usize];
            seq.push(st.tok[s][pos as usize]);
            sp.push((pos, if end == NONE { n_base[s] as u32 } else { end }));
            if let Some(w) = &word_ids {
                wd.push(w[s][pos as usize]);
            }
            pos = end;
        }
        sequences.push(seq);
        spans.push(sp);
        if let Some(w) = words_out.as_mut() {
            w.push(wd);
        }
    }
    Ok(Merged {
        interner,
        sequences,
        spans,
        word_ids: words_out,
        merges,
        lengths_after,
    })
}

/// The reference's whitespace rule, applied in every boundary mode: no space,
/// newline or tab after the first byte unless the token is all whitespace,
/// and never two newlines.
pub fn whitespace_ok(s: &[u8]) -> bool {
    if s == b"\n\n" {
        return false;
    }
    let ws = |c: &u8| matches!(c, b' ' | b'\n' | b'\t');
    s.iter().all(ws) || !s.iter().skip(1).any(ws)
}

/// `word_hyphen`: a token of punctuation only may join a token with letters
/// or digits only if the punctuation is `-`.
pub fn hyphen_ok(a: &[u8], b: &[u8]) -> bool {
    let punct = |t: &[u8]| {
        let s = String::from_utf8_lossy(t);
        let s = s.trim_start();
        !s.is_empty()
            && s.chars()
                .all(|c| !c.is_alphanumeric() && !c.is_whitespace())
    };
    let is_hyphen = |t: &[u8]| String::from_utf8_lossy(t).trim_start() == "-";
    match (punct(a), punct(b)) {
        (true, false) => is_hyphen(a),
        (false, true) => is_hyphen(b),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(texts: &[&str]) -> (Interner, Vec<Vec<u32>>) {
        let mut it = Interner::default();
        let seqs = texts
            .iter()
            .map(|t| t.bytes().map(|b| it.ordinary(&[b])).collect())
            .collect();
        (it, seqs)
    }

    #[test]
    fn overlapping_counts_and_non_overlapping_merges() {
        let (it, seqs) = batch(&["aaaa", "aab"]);
        let m = merge_batch(it, seqs, None, Some(1), 1, |_, _| true).expect("merge");
        // (a,a) occurs 3 + 1 times; merged left to right without overlap.
        assert_eq!(m.merges[0].count, 4);
        let aa = m.merges[0].result;
        assert_eq!(m.sequences[0], vec![aa, aa]);
        assert_eq!(m.sequences[1].len(), 2);
        assert_eq!(m.lengths_after, vec![7, 4]);
        assert_eq!(m.spans[0], vec![(0, 2), (2, 4)]);
    }

    #[test]
    fn ties_go_to_the_pair_seen_first() {
        let (it, seqs) = batch(&["xy ab", "ab xy"]);
        let m = merge_batch(it, seqs, None, Some(1), 1, |a, b| {
            whitespace_ok(&[a, b].concat())
        })
        .expect("merge");
        assert_eq!(m.interner.bytes(m.merges[0].result), b"xy");
    }
}
