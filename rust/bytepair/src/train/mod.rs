//! Training byte-level BPE: count pre-tokens, then learn merges.
//!
//! Each stage is a function over plain data: [`count::Counter`] turns text into
//! [`count::WordCounts`]; [`words_to_symbols`] turns those into id sequences;
//! [`merge::learn_merges`] runs the merge loop. [`train_from_counts`] chains the
//! last two and builds the [`Vocab`].

pub mod binary;
pub mod count;
pub mod merge;
pub mod positional;
pub mod superbpe;

use crate::byte_level::BYTE_TO_RANK;
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::vocab::Vocab;
use count::WordCounts;
use merge::{learn_merges, MergeConfig, StopReason, Words};

#[derive(Clone, Debug)]
pub struct TrainConfig {
    /// Total vocabulary size, special tokens included (HF's convention).
    pub vocab_size: usize,
    pub special_tokens: Vec<String>,
    pub min_frequency: u64,
    /// In bytes; no learned token is longer.
    pub max_token_length: Option<usize>,
    pub progress: bool,
}

impl TrainConfig {
    pub fn validate(&self) -> Result<()> {
        let floor = 256 + self.special_tokens.len();
        if self.vocab_size < floor {
            return Err(Error::config(format!(
                "vocab_size={} is too small: the 256 byte tokens and {} special token(s) need at least {floor}",
                self.vocab_size,
                self.special_tokens.len()
            )));
        }
        let mut seen = std::collections::HashSet::new();
        for s in &self.special_tokens {
            if s.is_empty() {
                return Err(Error::config("special tokens must not be empty strings"));
            }
            if !seen.insert(s) {
                return Err(Error::config(format!("special token {s:?} is given twice")));
            }
        }
        if self.max_token_length == Some(0) {
            return Err(Error::config("max_token_length must be at least 1"));
        }
        Ok(())
    }
}

/// What training produced, with a few facts for the report.
pub struct Trained {
    pub vocab: Vocab,
    pub stop: StopReason,
    pub unique_words: usize,
}

/// Byte-level symbols of each word, and the counts in the same order.
pub fn words_to_symbols(words: &[(Box<[u8]>, u64)]) -> (Words, Vec<u64>) {
    let total = words.iter().map(|(w, _)| w.len()).sum();
    let mut symbols = Words::with_capacity(words.len(), total);
    for (w, _) in words {
        symbols.push(w.iter().map(|&b| BYTE_TO_RANK[b as usize]));
    }
    let counts = words.iter().map(|(_, c)| *c).collect();
    (symbols, counts)
}

/// Learn a vocabulary from pre-token counts.
pub fn train_from_counts(counts: WordCounts, cfg: &TrainConfig) -> Result<Trained> {
    cfg.validate()?;
    let words = counts.into_sorted();
    let unique_words = words.len();
    let (symbols, counts) = words_to_symbols(&words);
    drop(words);

    let mut tokens = Vocab::byte_alphabet();
    let target = cfg.vocab_size - cfg.special_tokens.len();
    let progress = Progress::items(cfg.progress, (target - tokens.len()) as u64, "merging");
    let mc = MergeConfig {
        target_vocab: target,
        min_frequency: cfg.min_frequency,
        max_token_length: cfg.max_token_length,
        allowed_lengths: None,
        free_ids: Vec::new(),
    };
    let out = learn_merges(
        symbols,
        &counts,
        &mut tokens,
        |t| t.len() as u32,
        &mc,
        &progress,
    );
    progress.finish();
    let merges = out.merges.iter().map(|m| (m.left, m.right)).collect();
    let vocab = Vocab::new(tokens, merges, &cfg.special_tokens)?;
    Ok(Trained {
        vocab,
        stop: out.stop,
        unique_words,
    })
}

/// Count the pre-tokens of whole files, each line a sequence (as HF does for
/// files). Must run inside the rayon pool that should do the work.
pub fn count_files(
    paths: &[std::path::PathBuf],
    pre: &crate::pretok::Pretokenizer,
    progress: bool,
    between_blocks: impl FnMut() -> Result<()>,
) -> Result<(WordCounts, u64)> {
    let (mut counts, bytes) = count_files_with(paths, vec![pre], progress, between_blocks)?;
    Ok((counts.pop().unwrap_or_default(), bytes))
}

/// [`count_files`] under several pre-tokenizers in one read: one count each.
pub fn count_files_with(
    paths: &[std::path::PathBuf],
    pres: Vec<&crate::pretok::Pretokenizer>,
    progress: bool,
    mut between_blocks: impl FnMut() -> Result<()>,
) -> Result<(Vec<WordCounts>, u64)> {
    let mut total = 0u64;
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| Error::io(p, e))?;
        if meta.is_dir() {
            return Err(Error::io(
                p,
                std::io::Error::other("is a directory, not a text file"),
            ));
        }
        total += meta.len();
    }
    let bar = Progress::bytes(progress, Some(total), "counting");
    let mut counter = count::Counter::with_pretokenizers(pres);
    for p in paths {
        counter.add_file(p, &bar, &mut between_blocks)?;
    }
    bar.finish();
    let bytes = counter.bytes;
    Ok((counter.finish_all(), bytes))
}
