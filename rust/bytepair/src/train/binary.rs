//! BPE over raw bytes: executables, any data, no text and no UTF-8 anywhere
//! (the Binary BPE recipe; see the README's binary tokenizers section).
//!
//! Input is cut into windows of `window` bytes counted from the start of each
//! file or document, and merges never cross a window; with `split_on_nul`,
//! runs of NUL bytes inside a window are pieces of their own too. Identical
//! pieces are counted once. Ids are the byte values 0..=255, then merges in
//! creation order, then special tokens. That is the order HF's trainer gives
//! the same data passed as Latin-1 text, so ties break the same way and HF
//! configured like that is an oracle for the merge list.
//!
//! Windows are thousands of symbols long, so the merge loop is the positional
//! one ([`super::positional`]).

use super::bpe::check_count_total;
use super::config::check_common;
use super::count::WordCounts;
use super::journal::{self, Journal, Start};
use super::merge::{MergeConfig, StopReason, Words};
use super::positional::learn_merges_positional;
use crate::error::{Error, Result};
use crate::pretok::bytes::pieces;
use crate::progress::Progress;
use crate::vocab::Vocab;
use rayon::prelude::*;
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;

#[derive(Clone, Debug)]
pub struct ByteTrainConfig {
    /// Total vocabulary size, special tokens included.
    pub vocab_size: usize,
    /// Bytes per window; merges never cross a window.
    pub window: usize,
    /// Make runs of NUL bytes pieces of their own.
    pub split_on_nul: bool,
    /// Inclusive, in bytes.
    pub max_token_length: Option<usize>,
    /// If set, the only token lengths merges may build; must contain 1.
    pub allowed_lengths: Option<Vec<usize>>,
    pub min_frequency: u64,
    pub special_tokens: Vec<String>,
    pub progress: bool,
}

impl ByteTrainConfig {
    pub fn validate(&self) -> Result<()> {
        if self.window == 0 {
            return Err(Error::config("window must be at least 1 byte"));
        }
        check_common(self.vocab_size, &self.special_tokens, self.max_token_length)?;
        if let Some(set) = &self.allowed_lengths {
            if !set.contains(&1) {
                return Err(Error::config(
                    "allowed_token_lengths must contain 1: every byte is a token",
                ));
            }
            if set.contains(&0) {
                return Err(Error::config("allowed_token_lengths cannot contain 0"));
            }
            if set.iter().any(|&l| l > 1 << 20) {
                return Err(Error::config(
                    "allowed_token_lengths above 1 MiB make no sense",
                ));
            }
        }
        Ok(())
    }
}

/// Counts the pieces of byte documents, one map per worker thread.
pub struct ByteCounter {
    window: usize,
    split_on_nul: bool,
    shards: Vec<Mutex<WordCounts>>,
    pub bytes: u64,
}

impl ByteCounter {
    /// Must be created inside the thread pool that will run it.
    pub fn new(window: usize, split_on_nul: bool) -> Self {
        let n = rayon::current_num_threads().max(1);
        ByteCounter {
            window: window.max(1),
            split_on_nul,
            shards: (0..n).map(|_| Mutex::new(WordCounts::default())).collect(),
            bytes: 0,
        }
    }

    /// Count `data`, which starts at a window boundary.
    pub fn add(&mut self, data: &[u8]) {
        self.bytes += data.len() as u64;
        let per_task = self.window * (64 * 1024 / self.window).max(1);
        let (window, split) = (self.window, self.split_on_nul);
        let shards = &self.shards;
        data.par_chunks(per_task).for_each(|part| {
            let i = rayon::current_thread_index().unwrap_or(0) % shards.len();
            let mut wc = shards[i].lock().unwrap_or_else(|p| p.into_inner());
            pieces(part, window, split, |p| wc.add(p, 1));
        });
    }

    /// Count many small documents (each starts its own windows).
    pub fn add_documents<D: AsRef<[u8]> + Sync>(&mut self, docs: &[D]) {
        self.bytes += docs.iter().map(|d| d.as_ref().len() as u64).sum::<u64>();
        let (window, split) = (self.window, self.split_on_nul);
        let shards = &self.shards;
        docs.par_chunks(16).for_each(|part| {
            let i = rayon::current_thread_index().unwrap_or(0) % shards.len();
            let mut wc = shards[i].lock().unwrap_or_else(|p| p.into_inner());
            for d in part {
                pieces(d.as_ref(), window, split, |p| wc.add(p, 1));
            }
        });
    }

    /// Count a file, streamed in blocks that are whole windows.
    pub fn add_file(
        &mut self,
        path: &Path,
        progress: &Progress,
        between_blocks: &mut impl FnMut() -> Result<()>,
    ) -> Result<()> {
        let block = self.window * (4usize << 20).div_ceil(self.window);
        let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut buf = vec![0u8; block];
        loop {
            let mut filled = 0;
            while filled < block {
                let n = file
                    .read(&mut buf[filled..])
                    .map_err(|e| Error::io(path, e))?;
                if n == 0 {
                    break;
                }
                filled += n;
            }
            if filled == 0 {
                break;
            }
            self.add(&buf[..filled]);
            progress.inc(filled as u64);
            between_blocks()?;
            if filled < block {
                break;
            }
        }
        Ok(())
    }

    pub fn finish(self) -> WordCounts {
        let mut total = WordCounts::default();
        for m in self.shards {
            total.absorb(m.into_inner().unwrap_or_else(|p| p.into_inner()));
        }
        total
    }
}

/// What byte training produced.
pub struct ByteTrained {
    pub vocab: Vocab,
    pub stop: StopReason,
    pub unique_pieces: usize,
}

/// Pieces of two or more bytes as the loop's words, ids the byte values.
fn byte_symbols(words: &[(Box<[u8]>, u64)]) -> (Words, Vec<u64>) {
    let total = words.iter().map(|(w, _)| w.len()).sum();
    let mut symbols = Words::with_capacity(words.len(), total);
    let mut counts = Vec::with_capacity(words.len());
    for (w, c) in words {
        if w.len() >= 2 {
            symbols.push(w.iter().map(|&b| u32::from(b)));
            counts.push(*c);
        }
    }
    (symbols, counts)
}

/// Learn merges over counted byte pieces, telling `journal` each merge.
pub fn train_bytes(
    counts: WordCounts,
    cfg: &ByteTrainConfig,
    journal: &mut dyn Journal,
) -> Result<ByteTrained> {
    cfg.validate()?;
    check_count_total(&counts)?;
    let words = counts.into_sorted();
    let unique_pieces = words.len();
    let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
    let start = journal::start(0, &words, &mut tokens, &[], journal, byte_symbols)?;
    drop(words);
    let Start {
        words,
        counts,
        replayed,
    } = start;
    let target = cfg.vocab_size - cfg.special_tokens.len();
    let bar = Progress::items(
        cfg.progress,
        target.saturating_sub(tokens.len()) as u64,
        "merging",
    );
    let out = learn_merges_positional(
        words,
        &counts,
        &mut tokens,
        |t| t.len() as u32,
        &MergeConfig {
            target_vocab: target,
            min_frequency: cfg.min_frequency,
            max_token_length: cfg.max_token_length,
            allowed_lengths: cfg.allowed_lengths.clone(),
            free_ids: Vec::new(),
        },
        |_| true,
        &bar,
        journal,
    )?;
    bar.finish();
    let merges = journal::stage_merges(&replayed, &out.outcome.merges);
    let vocab = Vocab::new(tokens, merges, &cfg.special_tokens)?;
    Ok(ByteTrained {
        vocab,
        stop: out.outcome.stop,
        unique_pieces,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_checked() {
        let mut cfg = ByteTrainConfig {
            vocab_size: 300,
            window: 0,
            split_on_nul: false,
            max_token_length: None,
            allowed_lengths: None,
            min_frequency: 0,
            special_tokens: vec![],
            progress: false,
        };
        assert!(cfg.validate().is_err());
        cfg.window = 8;
        cfg.allowed_lengths = Some(vec![2, 4]);
        assert!(cfg.validate().is_err());
        cfg.allowed_lengths = Some(vec![1, 2, 4]);
        assert!(cfg.validate().is_ok());
    }

    #[test]
    fn only_allowed_lengths_are_built() {
        let data: Vec<u8> = (0..4000u32).map(|i| (i % 7) as u8 * 31).collect();
        let mut c = ByteCounter::new(64, false);
        c.add(&data);
        let cfg = ByteTrainConfig {
            vocab_size: 300,
            window: 64,
            split_on_nul: false,
            max_token_length: None,
            allowed_lengths: Some(vec![1, 2, 4]),
            min_frequency: 0,
            special_tokens: vec![],
            progress: false,
        };
        let t =
            train_bytes(c.finish(), &cfg, &mut super::super::journal::NoJournal).expect("train");
        assert!(t.vocab.tokens().len() > 256);
        assert!(t
            .vocab
            .tokens()
            .iter()
            .all(|tok| matches!(tok.len(), 1 | 2 | 4)));
    }
}
