//! Journals: what a merge loop tells as it goes, so that a run can be
//! checkpointed and resumed (`bytepair.train(checkpoint=, resume=)`).
//!
//! A loop calls [`Journal::merged`] (the trait lives with the loops, in
//! [`super::merge`]) after every merge and [`Journal::end`]
//! when it stops. [`NoJournal`] ignores both; the checkpoint writer
//! ([`crate::io::checkpoint`]) appends the merges to its file every N merges,
//! and on a resumed run checks that the loop makes the logged ones again.
//!
//! Resuming does not store the loop's state (the words, the pair table, the
//! heap with its word lists: tens of megabytes rewritten at every
//! checkpoint). It rebuilds it from the counts and the logged merges:
//!
//! * When no logged merge rebuilt a token that already existed, which is the
//!   rule on real text, each live pair has one heap entry whose word list
//!   covers every word holding the pair, and a merged pair never occurs
//!   again. The loop's next pops then depend only on the words as the logged
//!   merges left them, so [`replay_logged`] segments the words with those
//!   merges (what encoding with them does) and the loop starts from there,
//!   as an extension of the partial vocabulary does.
//! * When one did (small alphabets), the heap holds several entries per pair
//!   with partial word lists, and the only exact way back is to run the loop
//!   again from the counts; the journal checks each logged merge on the way.

pub use super::merge::{Journal, NoJournal};
use super::merge::{Merge, Words};
use super::replay::replay;
use crate::error::{Error, Result};
use crate::vocab::Vocab;

/// Where a loop starts: over its words from scratch, or after the logged
/// merges `replayed`.
pub struct Start {
    pub words: Words,
    pub counts: Vec<u64>,
    pub replayed: Vec<Merge>,
}

/// A stage's merges: the replayed ones, then the loop's.
pub fn stage_merges(replayed: &[Merge], learned: &[Merge]) -> Vec<(u32, u32)> {
    replayed
        .iter()
        .chain(learned)
        .map(|m| (m.left, m.right))
        .collect()
}

/// The start of loop `stage` over `words` (distinct, in canonical order),
/// from the merges `journal` logged for it if they can be replayed, else
/// from `fresh(words)` (and `journal` then checks the log as the loop runs).
/// `tokens` and `inherited` are as in [`replay_logged`].
pub fn start(
    stage: usize,
    words: &[(Box<[u8]>, u64)],
    tokens: &mut Vec<Vec<u8>>,
    inherited: &[(u32, u32)],
    journal: &mut dyn Journal,
    fresh: impl FnOnce(&[(Box<[u8]>, u64)]) -> (Words, Vec<u64>),
) -> Result<Start> {
    let logged = journal.logged(stage).to_vec();
    let start = match replay_logged(words, tokens, inherited, &logged)? {
        Some(s) => s,
        None => {
            let (words, counts) = fresh(words);
            Start {
                words,
                counts,
                replayed: Vec::new(),
            }
        }
    };
    journal.begin(stage, start.replayed.len());
    Ok(start)
}

/// Has any logged merge rebuilt a token (its result is not the next new id)?
/// `first_new` is the id the loop's first new token takes.
fn rebuilds(logged: &[Merge], first_new: usize) -> Result<bool> {
    for (i, m) in logged.iter().enumerate() {
        let next = first_new + i;
        match (m.result as usize).cmp(&next) {
            std::cmp::Ordering::Equal => {}
            std::cmp::Ordering::Less => return Ok(true),
            std::cmp::Ordering::Greater => {
                return Err(Error::bad_format(
                    "checkpoint",
                    format!(
                        "logged merge {i} makes id {}, expected at most {next}",
                        m.result
                    ),
                ))
            }
        }
        if m.left as usize >= next || m.right as usize >= next {
            return Err(Error::bad_format(
                "checkpoint",
                format!("logged merge {i} uses an id not made yet"),
            ));
        }
    }
    Ok(false)
}

/// The start of a loop over `words` (distinct, in canonical order) that
/// continues `logged` merges on top of `tokens` (the loop's starting tokens
/// by id, grown here by the logged ones) and of `inherited` merges the words
/// are first segmented with (SuperBPE's stage 1 under stage 2).
///
/// `None` when there is nothing to replay, or when a logged merge rebuilt a
/// token: the loop must then run from scratch (and the journal check the log).
pub fn replay_logged(
    words: &[(Box<[u8]>, u64)],
    tokens: &mut Vec<Vec<u8>>,
    inherited: &[(u32, u32)],
    logged: &[Merge],
) -> Result<Option<Start>> {
    if logged.is_empty() || rebuilds(logged, tokens.len())? {
        return Ok(None);
    }
    let mut grown = tokens.clone();
    for m in logged {
        let mut t = grown[m.left as usize].clone();
        t.extend_from_slice(&grown[m.right as usize]);
        grown.push(t);
    }
    let mut merges = inherited.to_vec();
    merges.extend(logged.iter().map(|m| (m.left, m.right)));
    let vocab = Vocab::new(grown.clone(), merges, &[])?;
    let (words, counts) = replay(words, &vocab);
    *tokens = grown;
    Ok(Some(Start {
        words,
        counts,
        replayed: logged.to_vec(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::bpe::train_from_counts;
    use crate::train::config::{LengthUnit, TrainConfig};
    use crate::train::count::WordCounts;

    /// A journal that remembers a whole run, or replays a prefix of one and
    /// checks the rest.
    #[derive(Default)]
    struct Memory {
        logged: Vec<Vec<Merge>>,
        stage: usize,
        skip: usize,
        made: Vec<Vec<Merge>>,
    }

    impl Journal for Memory {
        fn logged(&self, stage: usize) -> &[Merge] {
            self.logged.get(stage).map_or(&[], Vec::as_slice)
        }
        fn begin(&mut self, stage: usize, skip: usize) {
            self.stage = stage;
            self.skip = skip;
            self.made.resize(stage + 1, Vec::new());
        }
        fn merged(&mut self, merges: &[Merge]) -> Result<()> {
            let n = self.skip + merges.len();
            if let Some(l) = self.logged(self.stage).get(n - 1) {
                assert_eq!(Some(l), merges.last(), "merge {} differs", n - 1);
            }
            Ok(())
        }
        fn end(&mut self, merges: &[Merge]) -> Result<()> {
            let mut all = self.logged(self.stage)[..self.skip].to_vec();
            all.extend_from_slice(merges);
            self.made[self.stage] = all;
            Ok(())
        }
    }

    fn config(vocab_size: usize) -> TrainConfig {
        TrainConfig {
            vocab_size,
            special_tokens: vec!["<s>".into()],
            min_frequency: 0,
            max_token_length: None,
            length_unit: LengthUnit::Bytes,
            specials_first: false,
            pad_to: None,
            forced_tokens: vec![],
            progress: false,
        }
    }

    /// Resuming after any number of merges gives the uninterrupted run, on
    /// corpora with rebuilt tokens (tiny alphabets) and without.
    #[test]
    fn resuming_anywhere_gives_the_same_vocabulary() {
        let mut rng = crate::test_rng::Rng(0x51_7CC1_B727_220A);
        let mut replayed = 0;
        for round in 0..60 {
            let letters = [b"ab".as_slice(), b"abc", b"abcdefgh "][round % 3];
            let mut words = WordCounts::default();
            for _ in 0..1 + rng.below(30) {
                let len = 1 + rng.below(12) as usize;
                let w: Vec<u8> = (0..len)
                    .map(|_| letters[rng.below(letters.len() as u64) as usize])
                    .collect();
                words.add(&w, 1 + rng.below(9));
            }
            let cfg = config(256 + 1 + 40);
            let mut whole = Memory::default();
            let full = train_from_counts(words.clone(), &cfg, &mut whole).expect("train");
            let log = whole.made[0].clone();
            let n = log.len();
            for k in [0, 1, n / 3, n / 2, n.saturating_sub(1), n] {
                let k = k.min(n);
                let mut resumed = Memory {
                    logged: vec![log[..k].to_vec()],
                    ..Memory::default()
                };
                let again = train_from_counts(words.clone(), &cfg, &mut resumed).expect("resume");
                replayed += usize::from(resumed.skip > 0);
                assert_eq!(
                    again.vocab.merges(),
                    full.vocab.merges(),
                    "round {round}, k={k}"
                );
                assert_eq!(again.vocab.tokens(), full.vocab.tokens());
                assert_eq!(again.stop, full.stop);
            }
        }
        assert!(replayed > 60, "the replay path ran {replayed} times");
    }
}
