//! SuperBPE: a curriculum of subwords, then superwords (Liu et al., 2025).
//!
//! 1. Stage 1 is plain BPE over whitespace-aware pre-tokens, stopped after
//!    exactly `transition` merges ([`stage1`]).
//! 2. Stage 2 counts the same text again with a coarse pattern and newlines
//!    as hard boundaries, so pieces are clauses or lines. Each distinct piece
//!    is *replayed*: segmented with the inherited merges in their order, which
//!    is what encoding it with the stage-1 vocabulary does
//!    ([`super::replay::replay`]).
//! 3. Greedy BPE then continues over those segmentations up to the target
//!    size, refusing tokens with too many words or a forbidden substring
//!    ([`superword_filter`]), with the merge loop built for long words
//!    ([`super::positional`]).
//!
//! Differences from the official trainer, on purpose: exactly `transition`
//! merges are inherited (its `head -n` keeps one fewer), and an inherited merge
//! that never occurs in the stage-2 pieces stays in the vocabulary at its rank
//! instead of vanishing, so the stage-1 tokenizer's ids are a prefix of the
//! result. A merge list that cannot be replayed in order (a merge that uses a
//! token no earlier merge made) is an error naming the merge.
//!
//! Memory: distinct stage-2 pieces are kept once with a u64 count; after the
//! replay a piece costs 4 bytes per stage-1 token (16 in the merge loop's
//! linked lists), not 32 bytes per character as in the official trainer.

use super::bpe::{check_count_total, words_to_symbols};
use super::count::WordCounts;
use super::extend::{check_replayable, Opening};
use super::journal::{self, Journal, NoJournal, Start};
use super::merge::{learn_merges, MergeConfig, StopReason};
use super::positional::learn_merges_positional;
use super::replay::replay;
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::vocab::Vocab;

/// The stage-2 rules for a new token.
#[derive(Clone, Debug, Default)]
pub struct SuperwordRules {
    /// At most this many words (non-empty runs between spaces) per token.
    pub max_words_per_token: Option<usize>,
    /// No new token contains any of these.
    pub forbidden_substrings: Vec<Vec<u8>>,
}

/// Words in a token as SuperBPE counts them: the non-empty pieces between
/// spaces (`".ĠThe"` is 2, a token of spaces 0).
pub fn words_in(token: &[u8]) -> usize {
    token
        .split(|&b| b == b' ')
        .filter(|w| !w.is_empty())
        .count()
}

/// The test a stage-2 token must pass.
pub fn superword_filter(rules: &SuperwordRules) -> impl Fn(&[u8]) -> bool + '_ {
    move |t: &[u8]| {
        rules.max_words_per_token.is_none_or(|m| words_in(t) <= m)
            && !rules
                .forbidden_substrings
                .iter()
                .any(|f| !f.is_empty() && t.windows(f.len()).any(|w| w == f.as_slice()))
    }
}

/// Stage 1's tokens by id and merges.
pub type Stage1 = (Vec<Vec<u8>>, Vec<(u32, u32)>);

/// Stage 1: byte-level BPE over `counts` up to exactly `transition` merges
/// (fewer if the corpus runs out of pairs), journal stage 0. Returns tokens
/// by id and merges.
pub fn stage1(
    counts: WordCounts,
    transition: usize,
    min_frequency: u64,
    max_token_length: Option<usize>,
    progress: bool,
    journal: &mut dyn Journal,
) -> Result<Stage1> {
    let words = counts.into_sorted();
    let mut tokens = Vocab::byte_alphabet();
    let start = journal::start(0, &words, &mut tokens, &[], journal, words_to_symbols)?;
    drop(words);
    let Start {
        words,
        counts,
        replayed,
    } = start;
    let bar = Progress::items(
        progress,
        (256 + transition).saturating_sub(tokens.len()) as u64,
        "stage 1 merges",
    );
    let out = learn_merges(
        words,
        &counts,
        &mut tokens,
        |t| t.len() as u32,
        &MergeConfig {
            target_vocab: 256 + transition,
            min_frequency,
            max_token_length,
            allowed_lengths: None,
            free_ids: Vec::new(),
        },
        &bar,
        journal,
    )?;
    bar.finish();
    let mut merges = journal::stage_merges(&replayed, &out.merges);
    // A merge that rebuilds an existing token adds no id, so there can be more
    // merges than new tokens; keep exactly `transition`.
    merges.truncate(transition);
    let made = replayed
        .iter()
        .chain(&out.merges)
        .take(merges.len())
        .map(|m| m.result as usize + 1)
        .max()
        .unwrap_or(256);
    tokens.truncate(made.max(256));
    Ok((tokens, merges))
}

/// What stage 2 did, for the report.
pub struct Stage2 {
    pub merges: Vec<(u32, u32)>,
    pub stop: StopReason,
    pub rejected: u64,
    pub pieces: usize,
    pub symbols: usize,
}

/// Stage 2 on top of `base`: replay `pieces`, then learn superword merges
/// until `tokens` (which starts as the base's tokens, empty for unused ids)
/// reaches `target`. Uses the rules, limits and progress flag of `cfg`; new
/// tokens fill `free_ids` (unused ids among `tokens`) first. Journal stage 1.
pub fn stage2(
    pieces: WordCounts,
    base: &Vocab,
    tokens: &mut Vec<Vec<u8>>,
    target: usize,
    (cfg, free_ids): (&SuperConfig, &[u32]),
    journal: &mut dyn Journal,
) -> Result<Stage2> {
    check_replayable(base)?;
    check_count_total(&pieces)?;
    let pieces = pieces.into_sorted();
    let start = journal::start(1, &pieces, tokens, base.merges(), journal, |p| {
        replay(p, base)
    })?;
    let num_pieces = pieces.len();
    drop(pieces);
    let Start {
        words,
        counts,
        replayed,
    } = start;
    let symbols = words.total_len();
    let bar = Progress::items(
        cfg.progress,
        target.saturating_sub(tokens.len()) as u64,
        "stage 2 merges",
    );
    let out = learn_merges_positional(
        words,
        &counts,
        tokens,
        |t| t.len() as u32,
        &MergeConfig {
            target_vocab: target,
            min_frequency: cfg.min_frequency,
            max_token_length: cfg.max_token_length,
            allowed_lengths: None,
            free_ids: free_ids.to_vec(),
        },
        superword_filter(&cfg.rules),
        &bar,
        journal,
    )?;
    bar.finish();
    Ok(Stage2 {
        merges: journal::stage_merges(&replayed, &out.outcome.merges),
        stop: out.outcome.stop,
        rejected: out.rejected,
        pieces: num_pieces,
        symbols,
    })
}

/// Settings of a whole curriculum.
#[derive(Clone, Debug)]
pub struct SuperConfig {
    /// Final vocabulary size, special tokens included.
    pub vocab_size: usize,
    /// Merges learned in stage 1 and inherited by stage 2.
    pub transition: usize,
    pub special_tokens: Vec<String>,
    pub min_frequency: u64,
    pub max_token_length: Option<usize>,
    pub rules: SuperwordRules,
    pub progress: bool,
}

/// A trained SuperBPE vocabulary and the facts of its run.
pub struct SuperTrained {
    pub vocab: Vocab,
    /// Merges stage 1 produced (`transition` unless the corpus ran out).
    pub stage1_merges: usize,
    pub stage2: Stage2,
}

/// The whole curriculum from two counts of the same text: `words` with the
/// stage-1 pattern, `pieces` with the stage-2 pattern and line boundaries.
pub fn train_superbpe(
    words: WordCounts,
    pieces: WordCounts,
    cfg: &SuperConfig,
    journal: &mut dyn Journal,
) -> Result<SuperTrained> {
    let floor = 256 + cfg.transition + cfg.special_tokens.len();
    if cfg.vocab_size < floor {
        return Err(Error::config(format!(
            "vocab_size={} is smaller than 256 bytes + transition={} merges + {} special token(s)",
            cfg.vocab_size,
            cfg.transition,
            cfg.special_tokens.len()
        )));
    }
    check_count_total(&words)?; // stage2 checks the pieces
    let (mut tokens, merges1) = stage1(
        words,
        cfg.transition,
        cfg.min_frequency,
        cfg.max_token_length,
        cfg.progress,
        journal,
    )?;
    let inherited = Vocab::new(tokens.clone(), merges1.clone(), &[])?;
    let target = cfg.vocab_size - cfg.special_tokens.len();
    let st2 = stage2(pieces, &inherited, &mut tokens, target, (cfg, &[]), journal)?;
    let stage1_merges = merges1.len();
    let mut merges = merges1;
    merges.extend_from_slice(&st2.merges);
    let vocab = Vocab::new(tokens, merges, &cfg.special_tokens)?;
    Ok(SuperTrained {
        vocab,
        stage1_merges,
        stage2: st2,
    })
}

/// Stage 2 on top of an existing vocabulary (the official "extend an
/// existing tokenizer" workflow), laid out as [`Opening`] says: the base's
/// ids, merges and special tokens stay, new tokens fill its unused ids and
/// then come after all of them. `cfg.transition` is ignored: every base merge
/// is inherited.
pub fn extend(base: &Vocab, pieces: WordCounts, cfg: &SuperConfig) -> Result<(Vocab, Stage2)> {
    let mut opening = Opening::new(base, cfg.vocab_size, &cfg.special_tokens)?;
    let free = opening.free_ids.clone();
    let st2 = stage2(
        pieces,
        base,
        &mut opening.tokens,
        opening.target,
        (cfg, &free),
        &mut NoJournal,
    )?;
    let vocab = opening.close(base, &st2.merges)?;
    Ok((vocab, st2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_counted_between_spaces() {
        assert_eq!(words_in(b".  The"), 2);
        assert_eq!(words_in(b"   "), 0);
        assert_eq!(words_in(b" of the"), 2);
        assert_eq!(words_in(b"a\tb"), 1);
    }

    #[test]
    fn filter_refuses_colon_space_and_long_phrases() {
        let rules = SuperwordRules {
            max_words_per_token: Some(2),
            forbidden_substrings: vec![b": ".to_vec()],
        };
        let ok = superword_filter(&rules);
        assert!(ok(b" of the"));
        assert!(!ok(b" of the way"));
        assert!(!ok(b"Answer: A"));
        assert!(ok(b"Answer:"));
    }
}
