//! A vocabulary: token bytes by id, the merge list in rank order, special tokens.
//!
//! Ids: mergeable tokens first (for a trained vocabulary, the 256 bytes in
//! byte-level character order, then merged tokens in creation order), then
//! special tokens.

use crate::byte_level::RANK_TO_BYTE;
use crate::error::{Error, Result};
use rustc_hash::FxHashMap;

#[derive(Clone, Debug)]
pub struct Vocab {
    tokens: Vec<Vec<u8>>,
    merges: Vec<(u32, u32)>,
    specials: Vec<(String, u32)>,
    by_bytes: FxHashMap<Vec<u8>, u32>,
    byte_ids: [u32; 256],
}

impl Vocab {
    /// The 256 single bytes in id order.
    pub fn byte_alphabet() -> Vec<Vec<u8>> {
        RANK_TO_BYTE.iter().map(|&b| vec![b]).collect()
    }

    /// Build and check a vocabulary. Special tokens get the ids after `tokens`.
    pub fn new(tokens: Vec<Vec<u8>>, merges: Vec<(u32, u32)>, specials: &[String]) -> Result<Self> {
        let base = tokens.len() as u32;
        let specials = specials
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), base + i as u32))
            .collect();
        Self::with_special_ids(tokens, merges, specials)
    }

    /// Build and check a vocabulary with explicit special-token ids.
    pub fn with_special_ids(
        tokens: Vec<Vec<u8>>,
        merges: Vec<(u32, u32)>,
        specials: Vec<(String, u32)>,
    ) -> Result<Self> {
        let mut by_bytes = FxHashMap::default();
        by_bytes.reserve(tokens.len());
        for (i, t) in tokens.iter().enumerate() {
            if t.is_empty() {
                return Err(Error::bad_format(format!("token {i}"), "empty token"));
            }
            if by_bytes.insert(t.clone(), i as u32).is_some() {
                return Err(Error::bad_format(
                    format!("token {i}"),
                    format!("duplicate token {:?}", String::from_utf8_lossy(t)),
                ));
            }
        }
        let mut byte_ids = [u32::MAX; 256];
        for b in 0..=255u8 {
            match by_bytes.get(&[b][..]) {
                Some(&id) => byte_ids[b as usize] = id,
                None => {
                    return Err(Error::bad_format(
                        "vocabulary",
                        format!(
                            "the single byte 0x{b:02x} is missing; byte-level BPE needs all 256"
                        ),
                    ))
                }
            }
        }
        let n = tokens.len() as u32;
        for (rank, &(a, b)) in merges.iter().enumerate() {
            if a >= n || b >= n {
                return Err(Error::bad_format(
                    format!("merge {rank}"),
                    format!("refers to id {} outside the vocabulary", a.max(b)),
                ));
            }
            let mut joined = tokens[a as usize].clone();
            joined.extend_from_slice(&tokens[b as usize]);
            if !by_bytes.contains_key(&joined) {
                return Err(Error::bad_format(
                    format!("merge {rank}"),
                    format!(
                        "its result {:?} is not in the vocabulary",
                        String::from_utf8_lossy(&joined)
                    ),
                ));
            }
        }
        let mut seen = FxHashMap::default();
        for (s, id) in &specials {
            if *id < n {
                return Err(Error::bad_format(
                    format!("special token {s:?}"),
                    format!("id {id} collides with a mergeable token"),
                ));
            }
            if let Some(other) = seen.insert(*id, s) {
                return Err(Error::bad_format(
                    format!("special token {s:?}"),
                    format!("id {id} is also used by {other:?}"),
                ));
            }
        }
        Ok(Vocab {
            tokens,
            merges,
            specials,
            by_bytes,
            byte_ids,
        })
    }

    pub fn tokens(&self) -> &[Vec<u8>] {
        &self.tokens
    }
    pub fn merges(&self) -> &[(u32, u32)] {
        &self.merges
    }
    pub fn specials(&self) -> &[(String, u32)] {
        &self.specials
    }
    pub fn byte_id(&self, b: u8) -> u32 {
        self.byte_ids[b as usize]
    }
    pub fn id_of(&self, bytes: &[u8]) -> Option<u32> {
        self.by_bytes.get(bytes).copied()
    }
    pub fn special_id(&self, s: &str) -> Option<u32> {
        self.specials.iter().find(|(t, _)| t == s).map(|x| x.1)
    }

    /// One more than the largest id.
    pub fn size(&self) -> usize {
        let top = self
            .specials
            .iter()
            .map(|s| s.1 as usize + 1)
            .max()
            .unwrap_or(0);
        top.max(self.tokens.len())
    }

    /// The bytes of `id` (a special token's text for special ids).
    pub fn token_bytes(&self, id: u32) -> Option<&[u8]> {
        if let Some(t) = self.tokens.get(id as usize) {
            return Some(t);
        }
        self.specials
            .iter()
            .find(|s| s.1 == id)
            .map(|s| s.0.as_bytes())
    }

    /// The merge list as HF stores it: a pair learned twice keeps its later rank.
    pub fn dedup_merges(&self) -> Vec<(u32, u32)> {
        let mut last: FxHashMap<(u32, u32), usize> = FxHashMap::default();
        for (i, m) in self.merges.iter().enumerate() {
            last.insert(*m, i);
        }
        self.merges
            .iter()
            .enumerate()
            .filter(|(i, m)| last.get(m) == Some(i))
            .map(|(_, m)| *m)
            .collect()
    }
}
