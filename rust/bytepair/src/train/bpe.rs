//! Plain byte-level BPE from counts: the distinct pre-tokens in canonical
//! order become byte-id sequences, the merge loop runs, and the vocabulary
//! is assembled (special tokens after or before, reserved padding, forced
//! tokens).

use super::config::TrainConfig;
use super::count::WordCounts;
use super::journal::{self, Journal, Start};
use super::merge::{learn_merges, MergeConfig, StopReason, Words};
use crate::byte_level::BYTE_TO_RANK;
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::vocab::Vocab;

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

/// Learn a vocabulary from pre-token counts, telling `journal` each merge
/// (and resuming from the merges it logged before).
pub fn train_from_counts(
    counts: WordCounts,
    cfg: &TrainConfig,
    journal: &mut dyn Journal,
) -> Result<Trained> {
    cfg.validate()?;
    check_count_total(&counts)?;
    let mut words = counts.into_sorted();
    let unique_words = words.len();
    let forced: std::collections::HashSet<&[u8]> =
        cfg.forced_tokens.iter().map(Vec::as_slice).collect();
    if !forced.is_empty() {
        words.retain(|(w, _)| !forced.contains(&**w));
    }
    let mut tokens = Vocab::byte_alphabet();
    let start = journal::start(0, &words, &mut tokens, &[], journal, words_to_symbols)?;
    drop(words);
    let Start {
        words,
        counts,
        replayed,
    } = start;
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
        words,
        &counts,
        &mut tokens,
        |t| unit.len(t),
        &mc,
        &progress,
        journal,
    )?;
    progress.finish();
    let merges = journal::stage_merges(&replayed, &out.merges);
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
pub(super) fn assemble(
    tokens: Vec<Vec<u8>>,
    merges: Vec<(u32, u32)>,
    cfg: &TrainConfig,
) -> Result<Vocab> {
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
