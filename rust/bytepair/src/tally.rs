//! Token counts of texts, without the ids: the figures of a cost report
//! (token premiums across languages), where building id lists would be most
//! of the time.
//!
//! Each text is encoded as `encode_ordinary` does it: normalized, split by the
//! pattern, no special tokens and no template, which is how published premium
//! tables count.

use crate::error::Result;
use crate::tokenizer::Tokenizer;
use rayon::prelude::*;

/// How many tokens a text took, and how many of them were byte fallbacks
/// ([`crate::Vocab::is_fallback`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub tokens: u64,
    pub fallback: u64,
}

/// One flag per id, true where the id is a byte fallback.
pub fn fallback_mask(tok: &Tokenizer) -> Vec<bool> {
    let vocab = tok.vocab();
    (0..vocab.size() as u32)
        .map(|id| vocab.is_fallback(id))
        .collect()
}

/// The tally of each text, on the current rayon pool.
pub fn tally_batch<S: AsRef<str> + Sync>(tok: &Tokenizer, texts: &[S]) -> Result<Vec<Tally>> {
    let mask = fallback_mask(tok);
    texts
        .par_iter()
        .map_init(Vec::new, |ids, text| {
            ids.clear();
            tok.encode_ordinary_into(text.as_ref(), ids)?;
            let fallback = ids.iter().filter(|&&id| mask[id as usize]).count();
            Ok(Tally {
                tokens: ids.len() as u64,
                fallback: fallback as u64,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pretok::{PatternName, PatternSpec};
    use crate::train::{count::WordCounts, TrainConfig};
    use crate::Vocab;

    fn small() -> Tokenizer {
        let pre = crate::pretok::Pretokenizer::new(PatternSpec::Named(PatternName::Gpt2))
            .expect("gpt2 pattern");
        let mut counts = WordCounts::default();
        counts
            .add_text(&pre, "low lower lowest é é é é")
            .expect("counts");
        let cfg = TrainConfig {
            vocab_size: 262,
            special_tokens: vec![],
            min_frequency: 0,
            max_token_length: None,
            length_unit: Default::default(),
            specials_first: false,
            pad_to: None,
            forced_tokens: vec![],
            progress: false,
        };
        let trained =
            crate::train::train_from_counts(counts, &cfg, &mut crate::train::journal::NoJournal)
                .expect("trains");
        Tokenizer::new(trained.vocab, PatternSpec::Named(PatternName::Gpt2)).expect("tokenizer")
    }

    #[test]
    fn tallies_equal_the_encodings() {
        let tok = small();
        let texts = ["low lowest", "日本 é", "", "lower 🙂"];
        let got = tally_batch(&tok, &texts).expect("tallies");
        for (text, tally) in texts.iter().zip(&got) {
            let ids = tok.encode_ordinary(text).expect("encodes");
            assert_eq!(tally.tokens, ids.len() as u64, "{text}");
            let partial = ids
                .iter()
                .filter(|&&id| {
                    let piece = tok.vocab().token_bytes(id).expect("a known id");
                    std::str::from_utf8(piece).is_err()
                })
                .count();
            assert_eq!(tally.fallback, partial as u64, "{text}");
        }
        // 日本 is six single bytes here, 🙂 four; é may have merged.
        assert!(got[1].fallback >= 6);
        assert_eq!(got[2], Tally::default());
    }

    #[test]
    fn whole_characters_and_specials_are_not_fallbacks() {
        let bytes = Vocab::byte_alphabet();
        let vocab = Vocab::new(bytes, vec![], &["<|end|>".to_string()]).expect("vocab");
        let ascii = vocab.byte_id(b'a');
        let lead = vocab.byte_id(0xE6);
        assert!(!vocab.is_fallback(ascii));
        assert!(vocab.is_fallback(lead));
        assert!(!vocab.is_fallback(256), "a special token");
        assert!(!vocab.is_fallback(9999), "an unknown id");
    }
}
