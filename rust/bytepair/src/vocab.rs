//! A vocabulary: token bytes by id, the merge rule, special tokens.
//!
//! Two merge rules cover the tokenizers people use:
//! * [`MergeRule::Listed`] (HF tokenizers, our trainer): an explicit merge list;
//!   a pair's priority is its index in the list.
//! * [`MergeRule::Ranked`] (tiktoken): no list; any two adjacent parts whose
//!   concatenation is a token may merge, lowest token rank first. The pairs are
//!   derived from the tokens, so a rank file is all it takes.
//!
//! Ids: mergeable tokens first, then special tokens. A ranked vocabulary may
//! leave holes (p50k_base has no rank 50256) as long as a special token fills
//! each one.

use crate::byte_level::RANK_TO_BYTE;
use crate::error::{Error, Result};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::hash::BuildHasher;

/// Token bytes -> id without a second copy of the bytes: the table holds ids
/// and hashes/compares through the token list. (A `HashMap<Vec<u8>, u32>`
/// cloned every token; loading o200k spent most of its time there.)
#[derive(Clone, Debug, Default)]
struct TokenIndex {
    table: hashbrown::HashTable<u32>,
}

#[inline]
fn hash_bytes(b: &[u8]) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(b)
}

impl TokenIndex {
    /// Index non-empty tokens; a duplicate is an error naming both ids.
    fn build(tokens: &[Vec<u8>]) -> Result<Self> {
        let mut table = hashbrown::HashTable::with_capacity(tokens.len());
        for (i, t) in tokens.iter().enumerate() {
            if t.is_empty() {
                continue;
            }
            let h = hash_bytes(t);
            if let Some(&first) = table.find(h, |&j: &u32| tokens[j as usize] == *t) {
                return Err(Error::bad_format(
                    format!("token {i}"),
                    format!("duplicate of token {first} ({})", show(t)),
                ));
            }
            table.insert_unique(h, i as u32, |&j: &u32| hash_bytes(&tokens[j as usize]));
        }
        Ok(TokenIndex { table })
    }

    #[inline]
    fn get(&self, tokens: &[Vec<u8>], bytes: &[u8]) -> Option<u32> {
        self.table
            .find(hash_bytes(bytes), |&j| tokens[j as usize] == bytes)
            .copied()
    }

    fn len(&self) -> usize {
        self.table.len()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MergeRule {
    Listed,
    Ranked,
}

#[derive(Clone, Debug)]
pub struct Vocab {
    /// Token bytes by id; an empty entry is an id with no mergeable token.
    tokens: Vec<Vec<u8>>,
    merges: Vec<(u32, u32)>,
    /// The token each merge makes, parallel to `merges`.
    merge_results: Vec<u32>,
    rule: MergeRule,
    /// A pre-token that is itself a token is emitted whole (tiktoken always; HF's `ignore_merges`).
    ignore_merges: bool,
    /// SentencePiece-style: tokens are UTF-8 text, BPE starts from characters,
    /// and a character missing from the vocabulary becomes `<0xXX>` byte tokens.
    byte_fallback: bool,
    specials: Vec<(String, u32)>,
    special_by_id: FxHashMap<u32, usize>,
    by_bytes: TokenIndex,
    byte_ids: [u32; 256],
}

fn show(t: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(t))
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

    /// Build and check a listed-merge vocabulary with explicit special-token ids.
    pub fn with_special_ids(
        tokens: Vec<Vec<u8>>,
        merges: Vec<(u32, u32)>,
        specials: Vec<(String, u32)>,
    ) -> Result<Self> {
        Self::with_special_ids_inner(tokens, merges, specials, false)
    }

    fn with_special_ids_inner(
        tokens: Vec<Vec<u8>>,
        merges: Vec<(u32, u32)>,
        specials: Vec<(String, u32)>,
        byte_fallback: bool,
    ) -> Result<Self> {
        // An empty entry is an unused id; only a special token may sit there.
        for (i, t) in tokens.iter().enumerate() {
            if t.is_empty() && !specials.iter().any(|s| s.1 as usize == i) {
                return Err(Error::bad_format(format!("token {i}"), "empty token"));
            }
        }
        let by_bytes = TokenIndex::build(&tokens)?;
        let n = tokens.len() as u32;
        let mut merge_results = Vec::with_capacity(merges.len());
        let mut joined = Vec::new();
        for (rank, &(a, b)) in merges.iter().enumerate() {
            if a >= n || b >= n {
                return Err(Error::bad_format(
                    format!("merge {rank}"),
                    format!("refers to id {} outside the vocabulary", a.max(b)),
                ));
            }
            joined.clear();
            joined.extend_from_slice(&tokens[a as usize]);
            joined.extend_from_slice(&tokens[b as usize]);
            match by_bytes.get(&tokens, &joined) {
                Some(id) => merge_results.push(id),
                None => {
                    return Err(Error::bad_format(
                        format!("merge {rank}"),
                        format!("its result {} is not in the vocabulary", show(&joined)),
                    ))
                }
            }
        }
        Self::assemble(
            tokens,
            (merges, merge_results),
            MergeRule::Listed,
            false,
            specials,
            by_bytes,
            byte_fallback,
        )
    }

    /// A SentencePiece-style listed vocabulary (HF `byte_fallback`): tokens are
    /// the UTF-8 of their text, and `<0x00>`..`<0xFF>` must all be present.
    pub fn with_byte_fallback(
        tokens: Vec<Vec<u8>>,
        merges: Vec<(u32, u32)>,
        specials: Vec<(String, u32)>,
    ) -> Result<Self> {
        let mut v = Self::with_special_ids_inner(tokens, merges, specials, true)?;
        v.byte_fallback = true;
        Ok(v)
    }

    /// Build a ranked (tiktoken) vocabulary from `(token bytes, rank)` entries.
    /// Every rank below the largest must be a token or a special token's id.
    pub fn from_ranks(entries: Vec<(Vec<u8>, u32)>, specials: Vec<(String, u32)>) -> Result<Self> {
        let Some(top) = entries.iter().map(|e| e.1).max() else {
            return Err(Error::bad_format("ranks", "there are no tokens"));
        };
        let size = top as usize + 1;
        if size > entries.len().saturating_mul(2) + 1024 {
            return Err(Error::bad_format(
                "ranks",
                format!(
                    "rank {top} is far beyond the {} tokens given; ranks must be dense",
                    entries.len()
                ),
            ));
        }
        let mut tokens = vec![Vec::new(); size];
        for (bytes, rank) in entries {
            if bytes.is_empty() {
                return Err(Error::bad_format(format!("rank {rank}"), "empty token"));
            }
            let slot = &mut tokens[rank as usize];
            if !slot.is_empty() {
                return Err(Error::bad_format(
                    format!("rank {rank}"),
                    format!("given twice ({} and {})", show(slot), show(&bytes)),
                ));
            }
            *slot = bytes;
        }
        let special_ids: rustc_hash::FxHashSet<u32> = specials.iter().map(|s| s.1).collect();
        if let Some(hole) =
            (0..size).find(|&i| tokens[i].is_empty() && !special_ids.contains(&(i as u32)))
        {
            return Err(Error::bad_format(
                format!("rank {hole}"),
                "missing: ranks must run from 0 without gaps (a gap may only hold a special token)",
            ));
        }
        let by_bytes = TokenIndex::build(&tokens)?;
        let merges = derive_merges(&tokens, &by_bytes)?;
        Self::assemble(
            tokens,
            merges,
            MergeRule::Ranked,
            true,
            specials,
            by_bytes,
            false,
        )
    }

    fn assemble(
        tokens: Vec<Vec<u8>>,
        (merges, merge_results): (Vec<(u32, u32)>, Vec<u32>),
        rule: MergeRule,
        ignore_merges: bool,
        specials: Vec<(String, u32)>,
        by_bytes: TokenIndex,
        byte_fallback: bool,
    ) -> Result<Self> {
        let mut byte_ids = [u32::MAX; 256];
        for b in 0..=255u8 {
            let single = [b];
            let fallback = format!("<0x{b:02X}>");
            let (key, what): (&[u8], _) = if byte_fallback {
                (
                    fallback.as_bytes(),
                    "byte-fallback BPE needs <0x00> to <0xFF>",
                )
            } else {
                (&single, "byte-level BPE needs all 256")
            };
            match by_bytes.get(&tokens, key) {
                Some(id) => byte_ids[b as usize] = id,
                None => {
                    return Err(Error::bad_format(
                        "vocabulary",
                        format!("the single byte 0x{b:02x} is missing; {what}"),
                    ))
                }
            }
        }
        let mut special_by_id = FxHashMap::default();
        for (i, (s, id)) in specials.iter().enumerate() {
            if tokens.get(*id as usize).is_some_and(|t| !t.is_empty()) {
                return Err(Error::bad_format(
                    format!("special token {s:?}"),
                    format!("id {id} collides with a mergeable token"),
                ));
            }
            if let Some(other) = special_by_id.insert(*id, i) {
                return Err(Error::bad_format(
                    format!("special token {s:?}"),
                    format!("id {id} is also used by {:?}", specials[other].0),
                ));
            }
            if s.is_empty() {
                return Err(Error::bad_format(
                    format!("special token {id}"),
                    "empty text",
                ));
            }
        }
        Ok(Vocab {
            tokens,
            merges,
            merge_results,
            rule,
            ignore_merges,
            byte_fallback,
            specials,
            special_by_id,
            by_bytes,
            byte_ids,
        })
    }

    /// The same vocabulary with more ids that hold text (added tokens), each
    /// on an id no token or special token uses.
    pub fn with_more_specials(&self, more: &[(String, u32)]) -> Result<Self> {
        let mut v = self.clone();
        for (s, id) in more {
            let taken = v.tokens.get(*id as usize).is_some_and(|t| !t.is_empty())
                || v.special_by_id.contains_key(id);
            if taken || s.is_empty() {
                return Err(Error::bad_format(
                    format!("added token {s:?}"),
                    format!("id {id} is taken, or the text is empty"),
                ));
            }
            v.special_by_id.insert(*id, v.specials.len());
            v.specials.push((s.clone(), *id));
        }
        Ok(v)
    }

    /// Set HF's `ignore_merges`: a pre-token that is a token is emitted whole.
    pub fn with_ignore_merges(mut self, on: bool) -> Self {
        self.ignore_merges = on;
        self
    }

    /// Token bytes by id; an empty entry is an unused id.
    pub fn tokens(&self) -> &[Vec<u8>] {
        &self.tokens
    }
    pub fn merges(&self) -> &[(u32, u32)] {
        &self.merges
    }
    /// The token each merge makes, parallel to [`Vocab::merges`].
    pub fn merge_results(&self) -> &[u32] {
        &self.merge_results
    }
    pub fn rule(&self) -> MergeRule {
        self.rule
    }
    /// Each merge as BPE applies it, in list order: (pair, priority, result).
    /// The lowest priority is merged first: a listed merge's index, a ranked
    /// merge's result rank.
    pub fn merge_priorities(&self) -> impl Iterator<Item = ((u32, u32), u32, u32)> + '_ {
        let rule = self.rule;
        (0u32..)
            .zip(self.merges.iter().zip(&self.merge_results))
            .map(move |(index, (&pair, &result))| {
                let priority = match rule {
                    MergeRule::Listed => index,
                    MergeRule::Ranked => result,
                };
                (pair, priority, result)
            })
    }
    pub fn ignore_merges(&self) -> bool {
        self.ignore_merges
    }
    /// SentencePiece-style: BPE from characters, `<0xXX>` tokens for the rest.
    pub fn byte_fallback(&self) -> bool {
        self.byte_fallback
    }
    /// Whether `id` stands for bytes rather than text: a `<0xXX>` token of a
    /// SentencePiece-style vocabulary, or, in a byte-level one, a token whose
    /// bytes are not whole UTF-8 characters (the vocabulary had no token for
    /// the character, so BPE fell back to its bytes). Special ids are not.
    pub fn is_fallback(&self, id: u32) -> bool {
        if self.is_special(id) {
            return false;
        }
        match self.tokens.get(id as usize) {
            Some(t) if !t.is_empty() => {
                if self.byte_fallback {
                    self.byte_ids.contains(&id)
                } else {
                    std::str::from_utf8(t).is_err()
                }
            }
            _ => false,
        }
    }
    pub fn specials(&self) -> &[(String, u32)] {
        &self.specials
    }
    pub fn byte_ids(&self) -> &[u32; 256] {
        &self.byte_ids
    }
    pub fn byte_id(&self, b: u8) -> u32 {
        self.byte_ids[b as usize]
    }
    /// The id of a mergeable token.
    pub fn id_of(&self, bytes: &[u8]) -> Option<u32> {
        self.by_bytes.get(&self.tokens, bytes)
    }
    pub fn special_id(&self, s: &str) -> Option<u32> {
        self.specials.iter().find(|(t, _)| t == s).map(|x| x.1)
    }
    pub fn is_special(&self, id: u32) -> bool {
        self.special_by_id.contains_key(&id)
    }
    /// How many mergeable tokens there are (holes not counted).
    pub fn num_mergeable(&self) -> usize {
        self.by_bytes.len()
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
        match self.tokens.get(id as usize) {
            Some(t) if !t.is_empty() => Some(t),
            _ => self
                .special_by_id
                .get(&id)
                .map(|&i| self.specials[i].0.as_bytes()),
        }
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

/// Merges and the token each makes, in the same order.
type MergeList = (Vec<(u32, u32)>, Vec<u32>);

/// Bytes [`derive_merges`] may hash; real vocabularies need about 10^7
/// (o200k), a hostile file of long nested tokens far more.
const DERIVE_BUDGET: u128 = 1 << 30;

/// Every split of every token into two tokens, in rank order of the result:
/// the pairs tiktoken's rule can merge (as HF's converter lists them), with
/// the token each makes. Runs on the rayon pool (o200k: 446,189 pairs).
///
/// Both halves of a split are tokens shorter than the whole, so a token of
/// length L is only cut where both sides are at most the longest shorter
/// token: a lone 5 MB token costs nothing (trying every cut of it, each
/// hashing both halves, is quadratic and hung the loader; found by the
/// hostile-file tests).
fn derive_merges(tokens: &[Vec<u8>], index: &TokenIndex) -> Result<MergeList> {
    use std::sync::atomic::Ordering::Relaxed;
    let mut lengths: Vec<usize> = tokens.iter().map(Vec::len).filter(|&n| n > 0).collect();
    lengths.sort_unstable();
    lengths.dedup();
    let cuts = |len: usize| -> std::ops::Range<usize> {
        let shorter = lengths.partition_point(|&n| n < len);
        let Some(&longest) = shorter.checked_sub(1).and_then(|i| lengths.get(i)) else {
            return 0..0;
        };
        len.saturating_sub(longest).max(1)..(longest + 1).min(len)
    };
    let work: u128 = tokens
        .iter()
        .map(|t| cuts(t.len()).len() as u128 * t.len() as u128)
        .sum();
    if work > DERIVE_BUDGET {
        return Err(Error::bad_format(
            "ranks",
            "the tokens are too long and too nested to derive merges from (a damaged or hostile file)",
        ));
    }
    // Real vocabularies have about two splits per token (o200k: 2.2); a file
    // whose tokens split everywhere would make memory grow with the square
    // of its size, so the pairs are capped (and counted as they are found).
    let limit = 8 * tokens.len() + (1 << 20);
    let found = std::sync::atomic::AtomicUsize::new(0);
    let per_token: Vec<Vec<(u32, u32)>> = tokens
        .par_iter()
        .map(|t| {
            if found.load(Relaxed) > limit {
                return Vec::new();
            }
            let pairs: Vec<(u32, u32)> = cuts(t.len())
                .filter_map(|k| Some((index.get(tokens, &t[..k])?, index.get(tokens, &t[k..])?)))
                .collect();
            found.fetch_add(pairs.len(), Relaxed);
            pairs
        })
        .collect();
    if found.load(Relaxed) > limit {
        return Err(Error::bad_format(
            "ranks",
            format!(
                "the tokens split into more than {limit} pairs of tokens (a damaged or hostile file)"
            ),
        ));
    }
    let total = per_token.iter().map(Vec::len).sum();
    let mut merges = Vec::with_capacity(total);
    let mut results = Vec::with_capacity(total);
    for (id, pairs) in per_token.into_iter().enumerate() {
        results.extend(std::iter::repeat_n(id as u32, pairs.len()));
        merges.extend(pairs);
    }
    Ok((merges, results))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes_ranked() -> Vec<(Vec<u8>, u32)> {
        (0..=255u8).map(|b| (vec![b], u32::from(b))).collect()
    }

    #[test]
    fn a_huge_lone_token_loads_at_once_and_nested_long_tokens_are_refused() {
        let mut e = bytes_ranked();
        e.push((vec![b'a'; 5_000_000], 256));
        let start = std::time::Instant::now();
        let v = Vocab::from_ranks(e, vec![]).expect("loads");
        assert!(start.elapsed().as_secs() < 5);
        assert!(v.merges().is_empty()); // no two tokens make it
                                        // Every run of 'a' from 2 to 6,000 bytes: each splits everywhere.
        let mut e = bytes_ranked();
        e.extend((2..6_000usize).map(|n| (vec![b'a'; n], 254 + n as u32)));
        let err = Vocab::from_ranks(e, vec![]).expect_err("over budget");
        assert!(err.to_string().contains("too long and too nested"), "{err}");
    }

    #[test]
    fn ranked_derives_every_split() {
        let mut e = bytes_ranked();
        e.push((b"ab".to_vec(), 256));
        e.push((b"bc".to_vec(), 257));
        e.push((b"abc".to_vec(), 258));
        let v = Vocab::from_ranks(e, vec![]).expect("vocab");
        let ab = (u32::from(b'a'), u32::from(b'b'));
        let bc = (u32::from(b'b'), u32::from(b'c'));
        assert_eq!(
            v.merges(),
            &[ab, bc, (u32::from(b'a'), 257), (256, u32::from(b'c'))]
        );
    }

    #[test]
    fn ranked_gaps_need_a_special() {
        let mut e = bytes_ranked();
        e.push((b"ab".to_vec(), 257));
        let err = Vocab::from_ranks(e.clone(), vec![]).expect_err("gap");
        assert!(err.to_string().contains("rank 256"), "{err}");
        let v = Vocab::from_ranks(e, vec![("<|x|>".into(), 256)]).expect("filled");
        assert_eq!(v.token_bytes(256), Some(&b"<|x|>"[..]));
        assert_eq!(v.size(), 258);
    }

    #[test]
    fn ranked_rejects_duplicates_and_absurd_ranks() {
        let mut e = bytes_ranked();
        e.push((b"a".to_vec(), 256));
        assert!(Vocab::from_ranks(e, vec![]).is_err());
        let mut e = bytes_ranked();
        e.push((b"ab".to_vec(), 4_000_000_000));
        let err = Vocab::from_ranks(e, vec![]).expect_err("absurd");
        assert!(err.to_string().contains("far beyond"), "{err}");
        let mut e = bytes_ranked();
        e.retain(|t| t.1 != 7);
        e.push((b"ab".to_vec(), 7));
        let err = Vocab::from_ranks(e, vec![]).expect_err("missing byte");
        assert!(err.to_string().contains("0x07"), "{err}");
    }
}
