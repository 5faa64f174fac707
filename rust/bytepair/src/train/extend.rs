//! Extending a base vocabulary: its ids, merges and special tokens stay as
//! they are, and new merges are learned on new text after the base's.
//!
//! 1. Each distinct pre-token of the new text is *replayed*: segmented with
//!    the base's merges, which is what encoding it with the base does
//!    ([`replay`]). A listed base must be replayable in order
//!    ([`check_replayable`]).
//! 2. The merge loop continues over those segmentations, in the base's id
//!    space: ties between equal counts go to the smaller id pair, as when
//!    training from scratch, so extending a tokenizer on the text it was
//!    trained on gives the merges that training longer would have given.
//! 3. New tokens fill the base's unused ids first (cl100k_base has 16, between
//!    its special tokens), lowest first, then take ids after all of the
//!    base's; special tokens the base lacks come last ([`Opening`]).
//!
//! Plain BPE (`bytepair.train(base=)`, [`extend_bpe`]) and SuperBPE stage 2
//! on a base (`train_superbpe(base=)`, in [`super::superbpe`]) share steps 1
//! and 3; they differ in the merge loop they continue with.
//!
//! A ranked (tiktoken) base has its merges derived from the ranks, every
//! split of every token, ordered by the rank they make. Listed in that order
//! they encode as the ranks do, so the result is a listed vocabulary whose
//! first merges are the base's.

use super::bpe::check_count_total;
use super::count::WordCounts;
use super::journal::NoJournal;
use super::merge::{learn_merges, MergeConfig, StopReason};
pub use super::replay::replay;
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::vocab::{MergeRule, Vocab};

/// Refuse a base that cannot be extended byte-level.
pub fn check_extendable(base: &Vocab) -> Result<()> {
    if base.byte_fallback() {
        return Err(Error::config(
            "base must be a byte-level BPE tokenizer; SentencePiece-style (byte-fallback) \
             vocabularies cannot be extended yet",
        ));
    }
    check_replayable(base)
}

/// Check that a listed merge list can be replayed in order: each merge joins
/// tokens that are single bytes or made by an earlier merge.
pub fn check_replayable(vocab: &Vocab) -> Result<()> {
    if vocab.rule() != MergeRule::Listed {
        return Ok(()); // a ranked vocabulary is applied by rank, not replayed
    }
    let mut made = vec![false; vocab.size()];
    for &id in vocab.byte_ids() {
        made[id as usize] = true;
    }
    let tokens = vocab.tokens();
    let show = |id: u32| format!("{:?}", String::from_utf8_lossy(&tokens[id as usize]));
    for (rank, (&(a, b), &r)) in vocab.merges().iter().zip(vocab.merge_results()).enumerate() {
        for side in [a, b] {
            if !made[side as usize] {
                return Err(Error::config(format!(
                    "inherited merge {rank} ({} + {}) cannot be replayed: no earlier merge makes {}",
                    show(a),
                    show(b),
                    show(side)
                )));
            }
        }
        made[r as usize] = true;
    }
    Ok(())
}

/// A base vocabulary opened for new tokens: its tokens by id (empty for an
/// unused or special id), the unused ids new tokens fill first, and where
/// the merge loop stops.
pub struct Opening {
    pub tokens: Vec<Vec<u8>>,
    pub free_ids: Vec<u32>,
    /// The merge loop's `target_vocab`: ids in use before new specials.
    pub target: usize,
    new_specials: Vec<String>,
}

impl Opening {
    /// Open `base` to grow to `vocab_size` ids (largest id + 1), with the
    /// special tokens in `special_tokens` it lacks added at the end.
    pub fn new(base: &Vocab, vocab_size: usize, special_tokens: &[String]) -> Result<Self> {
        check_extendable(base)?;
        let new_specials: Vec<String> = special_tokens
            .iter()
            .filter(|s| base.special_id(s).is_none())
            .cloned()
            .collect();
        let mut tokens = base.tokens().to_vec();
        tokens.resize(base.size(), Vec::new());
        if vocab_size <= tokens.len() + new_specials.len() {
            return Err(Error::config(format!(
                "vocab_size={vocab_size} is not larger than the base vocabulary ({} ids with \
                 its special tokens{}): it is the final number of ids, not the number to add",
                tokens.len() + new_specials.len(),
                if new_specials.is_empty() {
                    String::new()
                } else {
                    format!(" and {} new one(s)", new_specials.len())
                }
            )));
        }
        let free_ids = (0..tokens.len() as u32)
            .filter(|&i| tokens[i as usize].is_empty() && !base.is_special(i))
            .collect();
        Ok(Opening {
            tokens,
            free_ids,
            target: vocab_size - new_specials.len(),
            new_specials,
        })
    }

    /// The extended vocabulary: the base's merges, then `learned`.
    pub fn close(self, base: &Vocab, learned: &[(u32, u32)]) -> Result<Vocab> {
        let unfilled = self
            .free_ids
            .iter()
            .filter(|&&i| self.tokens[i as usize].is_empty())
            .count();
        if unfilled > 0 {
            return Err(Error::config(format!(
                "the base has {} unused ids that new tokens fill first, and training stopped \
                 with {unfilled} of them unfilled: raise vocab_size or give more text",
                self.free_ids.len()
            )));
        }
        let mut merges = base.merges().to_vec();
        merges.extend_from_slice(learned);
        let mut specials = base.specials().to_vec();
        let first_new = self.tokens.len() as u32;
        for (i, s) in self.new_specials.into_iter().enumerate() {
            specials.push((s, first_new + i as u32));
        }
        Ok(Vocab::with_special_ids(self.tokens, merges, specials)?
            .with_ignore_merges(base.ignore_merges()))
    }
}

/// Settings of a plain extension.
#[derive(Clone, Debug)]
pub struct ExtendConfig {
    /// The final number of ids (largest id + 1), new special tokens included.
    pub vocab_size: usize,
    /// Special tokens to have; those the base lacks are added after all ids.
    pub special_tokens: Vec<String>,
    pub min_frequency: u64,
    /// In bytes.
    pub max_token_length: Option<usize>,
    pub progress: bool,
}

/// An extended vocabulary and the facts of its run.
pub struct Extended {
    pub vocab: Vocab,
    /// Merges learned on top of the base's.
    pub learned: usize,
    pub stop: StopReason,
    /// Distinct words of the new text that the base leaves in two or more tokens.
    pub unique_words: usize,
}

/// Plain BPE on top of `base`: replay `words` (counted with the base's
/// pattern and normalization), then continue the merge loop.
pub fn extend_bpe(base: &Vocab, words: WordCounts, cfg: &ExtendConfig) -> Result<Extended> {
    let mut opening = Opening::new(base, cfg.vocab_size, &cfg.special_tokens)?;
    check_count_total(&words)?;
    let words = words.into_sorted();
    let (symbols, counts) = replay(&words, base);
    drop(words);
    let unique_words = counts.len();
    let in_use = opening.tokens.len() - opening.free_ids.len();
    let bar = Progress::items(
        cfg.progress,
        opening.target.saturating_sub(in_use) as u64,
        "merging",
    );
    let out = learn_merges(
        symbols,
        &counts,
        &mut opening.tokens,
        |t| t.len() as u32,
        &MergeConfig {
            target_vocab: opening.target,
            min_frequency: cfg.min_frequency,
            max_token_length: cfg.max_token_length,
            allowed_lengths: None,
            free_ids: opening.free_ids.clone(),
        },
        &bar,
        &mut NoJournal,
    )?;
    bar.finish();
    let learned: Vec<(u32, u32)> = out.merges.iter().map(|m| (m.left, m.right)).collect();
    let vocab = opening.close(base, &learned)?;
    Ok(Extended {
        vocab,
        learned: learned.len(),
        stop: out.stop,
        unique_words,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::count::WordCounts;

    fn counts(words: &[(&str, u64)]) -> WordCounts {
        let mut c = WordCounts::default();
        for (w, n) in words {
            c.add(w.as_bytes(), *n);
        }
        c
    }

    #[test]
    fn out_of_order_merges_are_refused() {
        let mut tokens = Vocab::byte_alphabet();
        tokens.push(b"ab".to_vec());
        tokens.push(b"abc".to_vec());
        let id = |t: &[u8], ts: &[Vec<u8>]| ts.iter().position(|x| x == t).unwrap_or(0) as u32;
        let (a, b, c) = (id(b"a", &tokens), id(b"b", &tokens), id(b"c", &tokens));
        // "abc" = "ab" + "c" listed before "ab" is made.
        let vocab = Vocab::new(tokens, vec![(256, c), (a, b)], &[]).expect("vocab");
        let err = check_replayable(&vocab).expect_err("must refuse");
        assert!(err.to_string().contains("merge 0"), "{err}");
    }

    #[test]
    fn base_ids_stay_and_new_tokens_come_after() {
        let tokens = Vocab::byte_alphabet();
        let id = |t: u8| tokens.iter().position(|x| x == &[t]).unwrap_or(0) as u32;
        let merges = vec![(id(b'a'), id(b'b'))];
        let mut with_ab = tokens.clone();
        with_ab.push(b"ab".to_vec());
        let base = Vocab::new(with_ab, merges, &["<|end|>".to_string()]).expect("base");
        let cfg = ExtendConfig {
            vocab_size: 260,
            special_tokens: vec!["<|end|>".into(), "<|pad|>".into()],
            min_frequency: 0,
            max_token_length: None,
            progress: false,
        };
        let out = extend_bpe(&base, counts(&[("abc", 5), ("abd", 1)]), &cfg).expect("extend");
        let v = out.vocab;
        assert_eq!(v.merges()[0], (id(b'a'), id(b'b')));
        assert_eq!(v.special_id("<|end|>"), Some(257));
        assert_eq!(
            v.token_bytes(258),
            Some(&b"abc"[..]),
            "after the base's special"
        );
        assert_eq!(v.special_id("<|pad|>"), Some(259));
        assert_eq!(v.size(), 260);
        assert_eq!(out.learned, 1);
    }

    #[test]
    fn vocab_size_must_grow_the_base() {
        let base =
            Vocab::new(Vocab::byte_alphabet(), vec![], &["<|end|>".to_string()]).expect("base");
        let cfg = ExtendConfig {
            vocab_size: 257,
            special_tokens: vec![],
            min_frequency: 0,
            max_token_length: None,
            progress: false,
        };
        let err = extend_bpe(&base, counts(&[("ab", 1)]), &cfg)
            .err()
            .expect("must refuse");
        assert!(
            err.to_string().contains("not larger than the base"),
            "{err}"
        );
    }
}
