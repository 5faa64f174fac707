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

/// What `max_token_length` counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LengthUnit {
    /// UTF-8 bytes (what HF counts for byte-level models).
    #[default]
    Bytes,
    /// Characters: the bytes of a token that start a UTF-8 character, so a
    /// token's length is the sum of its parts' (a lone continuation byte is 0).
    Chars,
}

impl LengthUnit {
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "byte" | "bytes" => Some(LengthUnit::Bytes),
            "char" | "chars" => Some(LengthUnit::Chars),
            _ => None,
        }
    }

    /// The length of a token in this unit.
    #[inline]
    pub fn len(self, token: &[u8]) -> u32 {
        match self {
            LengthUnit::Bytes => token.len() as u32,
            LengthUnit::Chars => token.iter().filter(|&&b| b & 0xC0 != 0x80).count() as u32,
        }
    }
}

#[derive(Clone, Debug)]
pub struct TrainConfig {
    /// Total vocabulary size, special tokens included (HF's convention).
    pub vocab_size: usize,
    pub special_tokens: Vec<String>,
    pub min_frequency: u64,
    /// In `length_unit`s, inclusive; no learned token is longer.
    pub max_token_length: Option<usize>,
    pub length_unit: LengthUnit,
    /// Special tokens take ids 0.. (KL3M, Binary BPE >= 0.6) instead of the
    /// ids after the merges.
    pub specials_first: bool,
    /// After training, reserved special tokens `<|reserved_N|>` fill the
    /// vocabulary up to this size (also when training stopped early).
    pub pad_to: Option<usize>,
    /// Domain tokens put in the vocabulary whatever their counts. Each must
    /// be one whole pre-token: it is matched only as a whole pre-token (the
    /// vocabulary gets HF's `ignore_merges`), so never inside a word, and
    /// occurrences of it are left out of the pair counts.
    pub forced_tokens: Vec<Vec<u8>>,
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
        if self.forced_tokens.iter().any(Vec::is_empty) {
            return Err(Error::config("forced tokens must not be empty"));
        }
        let needed = 256 + self.special_tokens.len() + self.forced_tokens.len();
        if !self.forced_tokens.is_empty() && self.vocab_size < needed {
            return Err(Error::config(format!(
                "vocab_size={} cannot hold the 256 bytes, {} special and {} forced tokens",
                self.vocab_size,
                self.special_tokens.len(),
                self.forced_tokens.len()
            )));
        }
        if let Some(p) = self.pad_to {
            if p < self.vocab_size {
                return Err(Error::config(format!(
                    "pad_to={p} is smaller than vocab_size={}",
                    self.vocab_size
                )));
            }
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

/// Pair counts are kept as `i64` (a merge subtracts). Counts are `u64` and
/// any value is accepted, but the pair total they imply must fit, or a count
/// would wrap negative and merge a pair that never occurs (HF#2320).
pub fn check_count_total(counts: &WordCounts) -> Result<()> {
    let total = counts.pair_total();
    if total > i64::MAX as u128 {
        return Err(Error::config(format!(
            "the counts add up to {total} pairs, more than 2^63-1; scale them down"
        )));
    }
    Ok(())
}

/// Learn a vocabulary from pre-token counts.
pub fn train_from_counts(counts: WordCounts, cfg: &TrainConfig) -> Result<Trained> {
    cfg.validate()?;
    check_count_total(&counts)?;
    let mut words = counts.into_sorted();
    let unique_words = words.len();
    let forced: std::collections::HashSet<&[u8]> =
        cfg.forced_tokens.iter().map(Vec::as_slice).collect();
    if !forced.is_empty() {
        words.retain(|(w, _)| !forced.contains(&**w));
    }
    let (symbols, counts) = words_to_symbols(&words);
    drop(words);

    let mut tokens = Vocab::byte_alphabet();
    let target = (cfg.vocab_size - cfg.special_tokens.len())
        .saturating_sub(forced.len())
        .max(tokens.len());
    let progress = Progress::items(cfg.progress, (target - tokens.len()) as u64, "merging");
    let mc = MergeConfig {
        target_vocab: target,
        min_frequency: cfg.min_frequency,
        max_token_length: cfg.max_token_length,
        allowed_lengths: None,
        free_ids: Vec::new(),
    };
    let unit = cfg.length_unit;
    let out = learn_merges(
        symbols,
        &counts,
        &mut tokens,
        |t| unit.len(t),
        &mc,
        &progress,
    );
    progress.finish();
    let merges: Vec<(u32, u32)> = out.merges.iter().map(|m| (m.left, m.right)).collect();
    // Forced tokens the merges did not make come after the learned ones.
    let mut known: std::collections::HashSet<Vec<u8>> = tokens.iter().cloned().collect();
    for f in &cfg.forced_tokens {
        if known.insert(f.clone()) {
            tokens.push(f.clone());
        }
    }
    let vocab = assemble(tokens, merges, cfg)?.with_ignore_merges(!cfg.forced_tokens.is_empty());
    Ok(Trained {
        vocab,
        stop: out.stop,
        unique_words,
    })
}

/// The vocabulary of a training run: specials after the tokens or first,
/// and reserved tokens up to `pad_to`.
fn assemble(tokens: Vec<Vec<u8>>, merges: Vec<(u32, u32)>, cfg: &TrainConfig) -> Result<Vocab> {
    let mut specials = cfg.special_tokens.clone();
    if let Some(target) = cfg.pad_to {
        let have = tokens.len() + specials.len();
        let mut n = 0;
        while specials.len() + tokens.len() < target.max(have) {
            let name = format!("<|reserved_{n}|>");
            n += 1;
            if !specials.contains(&name) {
                specials.push(name);
            }
        }
    }
    if !cfg.specials_first {
        return Vocab::new(tokens, merges, &specials);
    }
    let k = specials.len() as u32;
    let mut shifted = vec![Vec::new(); specials.len()];
    shifted.extend(tokens);
    let merges = merges.into_iter().map(|(a, b)| (a + k, b + k)).collect();
    let specials = specials
        .into_iter()
        .enumerate()
        .map(|(i, s)| (s, i as u32))
        .collect();
    Vocab::with_special_ids(shifted, merges, specials)
}

/// The bytes in `paths` (for a progress bar), checking first that each is
/// a file that can be read.
pub fn total_size(paths: &[std::path::PathBuf]) -> Result<u64> {
    let mut total = 0u64;
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| Error::io(p, e))?;
        if meta.is_dir() {
            return Err(Error::io(
                p,
                std::io::Error::other("is a directory, not a file"),
            ));
        }
        total += meta.len();
    }
    Ok(total)
}

/// Count the pre-tokens of whole files, each line a sequence (as HF does for
/// files). Must run inside the rayon pool that should do the work.
pub fn count_files(
    paths: &[std::path::PathBuf],
    pre: &crate::pretok::Pretokenizer,
    progress: bool,
    between_blocks: impl FnMut() -> Result<()>,
) -> Result<(WordCounts, u64)> {
    let mut counter = count::Counter::new(pre);
    count_files_into(paths, &mut counter, progress, between_blocks)?;
    let bytes = counter.bytes;
    Ok((counter.finish(), bytes))
}

/// Feed whole files to `counter` (which carries the pre-tokenizers,
/// normalization and any distinct-pre-token cap), with one progress bar
/// over their total size.
pub fn count_files_into(
    paths: &[std::path::PathBuf],
    counter: &mut count::Counter,
    progress: bool,
    between_blocks: impl FnMut() -> Result<()>,
) -> Result<()> {
    let slices: Vec<FileSlice> = paths.iter().map(|p| FileSlice::whole(p)).collect();
    count_slices_into(&slices, counter, progress, between_blocks)
}

/// Part of a text file: the lines that start at a byte offset in
/// `start..end` (see [`count::Counter::add_file_range`]). Slices that tile a
/// file count it exactly as the whole file: how shards of one large file are
/// counted on different workers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSlice {
    pub path: std::path::PathBuf,
    pub start: u64,
    pub end: u64,
}

impl FileSlice {
    pub fn whole(path: &std::path::Path) -> Self {
        FileSlice {
            path: path.to_path_buf(),
            start: 0,
            end: u64::MAX,
        }
    }
}

/// Feed file slices to `counter`, with one progress bar over their size.
pub fn count_slices_into(
    slices: &[FileSlice],
    counter: &mut count::Counter,
    progress: bool,
    mut between_blocks: impl FnMut() -> Result<()>,
) -> Result<()> {
    let paths: Vec<std::path::PathBuf> = slices.iter().map(|s| s.path.clone()).collect();
    let sizes = total_size(&paths)?;
    let within: u64 = slices
        .iter()
        .map(|s| s.end.saturating_sub(s.start))
        .fold(0u64, u64::saturating_add);
    let bar = Progress::bytes(progress, Some(sizes.min(within)), "counting");
    for s in slices {
        if s.start >= s.end {
            continue;
        }
        counter.add_file_range(&s.path, s.start..s.end, &bar, &mut between_blocks)?;
    }
    bar.finish();
    Ok(())
}
