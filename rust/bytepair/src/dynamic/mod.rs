//! Batch-level dynamic merging (dynamic tokenization): BPE over one batch of
//! base-token sequences at inference time.
//!
//! [`merge_tokenized`] takes ids of a base tokenizer, interns their tokens
//! by content, runs the merge loop ([`merge`]) under a [`Boundary`] rule, and
//! numbers the resulting tokens densely in order of first appearance.

pub mod merge;

use crate::error::{Error, Result};
use crate::pretok::Pretokenizer;
use crate::tokenizer::Tokenizer;
use merge::{hyphen_ok, merge_batch, whitespace_ok, Interner};
use rustc_hash::FxHashMap;

/// What a merge may not cross.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Boundary {
    /// The merged token must be one pre-token of the base tokenizer's pattern
    /// (and pass the whitespace rule): the paper's default.
    Pretoken,
    /// Only the whitespace rule ([`merge::whitespace_ok`]).
    Word,
    /// The word rule, and punctuation joins letters or digits only as `-`.
    WordHyphen,
    /// Anything but special tokens; merges may cross words.
    Sentence,
}

impl Boundary {
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "pretoken" => Ok(Boundary::Pretoken),
            "word" => Ok(Boundary::Word),
            "word_hyphen" => Ok(Boundary::WordHyphen),
            "sentence" => Ok(Boundary::Sentence),
            other => Err(Error::config(format!(
                "boundary must be \"pretoken\", \"word\", \"word_hyphen\" or \"sentence\", not {other:?}"
            ))),
        }
    }
}

/// A merged batch, with dense dynamic ids (0, 1, ... in order of first
/// appearance, scanning the sequences in order).
#[derive(Clone, Debug, Default)]
pub struct DynamicBatch {
    pub sequences: Vec<Vec<u32>>,
    /// Dynamic id -> its bytes.
    pub token_bytes: Vec<Vec<u8>>,
    /// Dynamic id -> the base ids it covers at its first occurrence.
    pub token_spans: Vec<Vec<u32>>,
    /// Dynamic id -> its base id, or `None` for a merged token.
    pub base_ids: Vec<Option<u32>>,
    /// The word ids of each dynamic token (its first base token's), if given.
    pub word_ids: Option<Vec<Vec<i64>>>,
    /// The merges in order: (left bytes, right bytes, count).
    pub merges: Vec<(Vec<u8>, Vec<u8>, u32)>,
    /// Total length after 0, 1, 2, ... merges.
    pub lengths_after: Vec<u64>,
}

/// Merge a batch of `base`'s token sequences.
pub fn merge_tokenized(
    base: &Tokenizer,
    sequences: &[Vec<u32>],
    boundary: Boundary,
    word_ids: Option<Vec<Vec<i64>>>,
    max_merges: Option<usize>,
    min_frequency: u32,
) -> Result<DynamicBatch> {
    let vocab = base.vocab();
    let mut interner = Interner::default();
    let mut seqs = Vec::with_capacity(sequences.len());
    for (i, seq) in sequences.iter().enumerate() {
        let mut out = Vec::with_capacity(seq.len());
        for (j, &id) in seq.iter().enumerate() {
            let bytes = vocab.token_bytes(id).ok_or_else(|| {
                Error::config(format!(
                    "sequence {i}, position {j}: id {id} is not in the base vocabulary"
                ))
            })?;
            out.push(if vocab.is_special(id) {
                interner.special(id, bytes)
            } else {
                interner.ordinary(bytes)
            });
        }
        seqs.push(out);
    }
    let pre = match boundary {
        Boundary::Pretoken => Some(Pretokenizer::new(base.pattern().clone())?),
        _ => None,
    };
    let allowed = |a: &[u8], b: &[u8]| {
        if boundary == Boundary::Sentence {
            return true;
        }
        let joined = [a, b].concat();
        if !whitespace_ok(&joined) || (boundary == Boundary::WordHyphen && !hyphen_ok(a, b)) {
            return false;
        }
        match (&pre, std::str::from_utf8(&joined)) {
            // A piece that is not whole UTF-8 may merge, as in the reference.
            (Some(p), Ok(text)) => p.pieces(text).map(|v| v.len() == 1).unwrap_or(false),
            _ => true,
        }
    };
    let merged = merge_batch(interner, seqs, word_ids, max_merges, min_frequency, allowed)?;

    let mut out = DynamicBatch {
        word_ids: merged.word_ids,
        lengths_after: merged.lengths_after,
        ..Default::default()
    };
    let mut dense: FxHashMap<u32, u32> = FxHashMap::default();
    for (s, (seq, spans)) in merged.sequences.iter().zip(&merged.spans).enumerate() {
        let mut row = Vec::with_capacity(seq.len());
        for (&t, &(a, b)) in seq.iter().zip(spans) {
            let next = dense.len() as u32;
            let d = *dense.entry(t).or_insert_with(|| {
                let span = sequences[s][a as usize..b as usize].to_vec();
                out.token_bytes.push(merged.interner.bytes(t).to_vec());
                out.base_ids.push((span.len() == 1).then(|| span[0]));
                out.token_spans.push(span);
                next
            });
            row.push(d);
        }
        out.sequences.push(row);
    }
    out.merges = merged
        .merges
        .iter()
        .map(|m| {
            (
                merged.interner.bytes(m.left).to_vec(),
                merged.interner.bytes(m.right).to_vec(),
                m.count,
            )
        })
        .collect();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pretok::{PatternName, PatternSpec};
    use crate::vocab::Vocab;

    #[test]
    fn ids_are_dense_in_order_of_first_appearance() {
        let vocab = Vocab::new(Vocab::byte_alphabet(), vec![], &[]).expect("vocab");
        let tok = Tokenizer::new(vocab, PatternSpec::Named(PatternName::Gpt2)).expect("tok");
        let seqs: Vec<Vec<u32>> = ["abab", "ab c"]
            .iter()
            .map(|t| tok.encode_ordinary(t).expect("encode"))
            .collect();
        let out =
            merge_tokenized(&tok, &seqs, Boundary::Pretoken, None, Some(1), 1).expect("merge");
        assert_eq!(out.merges[0].0, b"a");
        assert_eq!(out.sequences, [vec![0, 0], vec![0, 1, 2]]);
        assert_eq!(out.token_bytes, [&b"ab"[..], b" ", b"c"]);
        assert_eq!(out.base_ids[0], None);
        assert!(Boundary::parse("words").is_err());
    }
}
