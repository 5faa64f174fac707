//! Training requests: each way to train a tokenizer, as one value the core
//! checks and carries out, returning the [`Tokenizer`] and a [`Report`].
//!
//! * [`BpeRequest`]: plain byte-level BPE on text (`bytepair.train`), or on
//!   counts made before (`bytepair.train(counts)`);
//! * [`ExtendRequest`]: plain BPE on top of a base tokenizer
//!   (`bytepair.train(base=)`);
//! * [`SuperbpeRequest`]: the SuperBPE curriculum, fresh or on top of a base;
//! * [`BytesRequest`]: BPE over raw bytes (`bytepair.train_bytes`).
//!
//! A request is first *planned*: options are checked and the pre-tokenizers
//! built before any text is read. The plan hands out the counter that reads
//! the corpus (the caller feeds it: files from here, Python iterators from
//! the binding), then trains on what was counted. Counts given instead of
//! text are checked against the plan: they must have been made the way the
//! request splits text.

use super::binary::{train_bytes, ByteCounter, ByteTrainConfig};
use super::bpe::train_from_counts;
use super::config::{check_forced, TrainConfig};
use super::count::{Counter, Counts, CountsMeta, Pruned};
use super::extend::{check_extendable, extend_bpe, ExtendConfig};
use super::journal::Journal;
use super::merge::StopReason;
use super::parity::{train_parity, ParityConfig, Target};
use super::superbpe::{self, SuperConfig};
use crate::error::{Error, Result};
use crate::normalize::Normalization;
use crate::pretok::{PatternName, PatternSpec, Pretokenizer};
use crate::tokenizer::{Curriculum, Tokenizer};
use std::time::Instant;

/// What a training run did.
#[derive(Clone, Debug)]
pub struct Report {
    pub stop: StopReason,
    /// Bytes of text counted.
    pub bytes: u64,
    /// Distinct pre-tokens (or byte windows) the merge loop saw.
    pub unique_words: usize,
    /// Merges in the result.
    pub merges: usize,
    /// Forced tokens left out because they are not one pre-token.
    pub forced_skipped: Vec<String>,
    /// What a distinct-pre-token cap (or a count cut) left out.
    pub pruned: Pruned,
    /// From planning to the end of counting.
    pub count_seconds: f64,
    /// From planning to the end.
    pub seconds: f64,
    pub superbpe: Option<SuperbpeReport>,
    pub parity: Option<ParityReport>,
}

/// What a parity-aware run did, per language in the order given.
#[derive(Clone, Debug)]
pub struct ParityReport {
    /// The language each merge was chosen for; `None` for a global merge.
    pub chosen: Vec<Option<u32>>,
    /// What the cost is measured on: `"dev_tokens"` or `"train_tokens"`.
    pub measure: &'static str,
    /// Each language's cost before the first merge and after the last.
    pub cost_before: Vec<u64>,
    pub cost_after: Vec<u64>,
}

/// What the two stages of a SuperBPE run did.
#[derive(Clone, Debug)]
pub struct SuperbpeReport {
    pub stage1_merges: usize,
    pub stage2_merges: usize,
    /// Stage-2 pairs the superword filters refused.
    pub rejected: u64,
    /// Distinct stage-2 pieces (after newline boundaries).
    pub pieces: usize,
    /// Stage-1 tokens in those pieces after the replay.
    pub symbols: usize,
}

/// A planned request that trains on text: it hands out the counter for the
/// corpus, then trains on what was counted (or on counts given instead).
pub trait TextPlan {
    /// The counter for the corpus; create it inside the thread pool that
    /// will run it.
    fn counter(&self) -> Counter<'_>;
    /// Train on the counts the counter made, in its order, telling
    /// `journal` each merge (plans on a base tell it nothing).
    fn train(self, counts: Vec<Counts>, journal: &mut dyn Journal) -> Result<(Tokenizer, Report)>;
}

/// Seconds since `t`.
fn since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// The single count a plain request trains on, checked.
fn one(mut counts: Vec<Counts>) -> Result<Counts> {
    match (counts.pop(), counts.is_empty()) {
        (Some(c), true) => Ok(c),
        _ => Err(Error::config("plain training takes one count")),
    }
}

// ---- plain BPE ---------------------------------------------------------------

/// Plain byte-level BPE: `bytepair.train`.
#[derive(Clone, Debug)]
pub struct BpeRequest {
    /// The merge loop's options. Its `forced_tokens` are as the user gave
    /// them; the plan keeps those that are one pre-token once normalized.
    pub config: TrainConfig,
    pub pattern: PatternSpec,
    pub normalization: Normalization,
    /// Bounded-memory counting: at most this many distinct pre-tokens.
    pub max_distinct: Option<usize>,
}

/// A checked [`BpeRequest`], ready to count and train.
pub struct BpePlan {
    config: TrainConfig,
    pre: Pretokenizer,
    normalization: Normalization,
    max_distinct: Option<usize>,
    forced_skipped: Vec<String>,
    started: Instant,
}

impl BpeRequest {
    pub fn plan(mut self) -> Result<BpePlan> {
        let started = Instant::now();
        let pre = Pretokenizer::new(self.pattern)?;
        check_forced(&self.config.forced_tokens)?;
        // A forced token must be one whole pre-token once normalized; the
        // others are reported (the API warns about them).
        let mut placed = Vec::new();
        let mut skipped = Vec::new();
        for t in std::mem::take(&mut self.config.forced_tokens) {
            let text = String::from_utf8_lossy(&t);
            let normalized = self.normalization.apply(&text).into_owned();
            match pre.pieces(&normalized)?.as_slice() {
                [one] if *one == normalized => placed.push(normalized.into_bytes()),
                _ => skipped.push(text.into_owned()),
            }
        }
        self.config.forced_tokens = placed;
        self.config.validate()?;
        Ok(BpePlan {
            config: self.config,
            pre,
            normalization: self.normalization,
            max_distinct: self.max_distinct,
            forced_skipped: skipped,
            started,
        })
    }
}

impl TextPlan for BpePlan {
    fn counter(&self) -> Counter<'_> {
        Counter::new(&self.pre)
            .with_normalization(self.normalization)
            .with_max_distinct(self.max_distinct)
    }

    /// One count, made with the same pattern and normalization.
    fn train(self, counts: Vec<Counts>, journal: &mut dyn Journal) -> Result<(Tokenizer, Report)> {
        let counted = since(self.started);
        let counts = one(counts)?;
        counts.meta.check_words(
            "pattern",
            self.pre.spec(),
            self.normalization,
            "pass them to bytepair.train_superbpe",
        )?;
        let trained = train_from_counts(counts.words, &self.config, journal)?;
        let tokenizer = Tokenizer::new(trained.vocab, self.pre.spec().clone())?
            .with_normalization(self.normalization);
        let report = Report {
            stop: trained.stop,
            bytes: counts.meta.total_bytes,
            unique_words: trained.unique_words,
            merges: tokenizer.vocab().merges().len(),
            forced_skipped: self.forced_skipped,
            pruned: counts.pruned,
            count_seconds: counted,
            seconds: since(self.started),
            superbpe: None,
            parity: None,
        };
        Ok((tokenizer, report))
    }
}

// ---- extending a base ----------------------------------------------------

/// Plain BPE continued on top of a base tokenizer: `bytepair.train(base=)`.
/// Text is counted with the base's pattern and normalization.
pub struct ExtendRequest<'b> {
    pub config: ExtendConfig,
    pub base: &'b Tokenizer,
    /// Bounded-memory counting: at most this many distinct pre-tokens.
    pub max_distinct: Option<usize>,
}

/// A checked [`ExtendRequest`].
pub struct ExtendPlan<'b> {
    config: ExtendConfig,
    base: &'b Tokenizer,
    pre: Pretokenizer,
    max_distinct: Option<usize>,
    started: Instant,
}

impl<'b> ExtendRequest<'b> {
    pub fn plan(self) -> Result<ExtendPlan<'b>> {
        let started = Instant::now();
        check_extendable(self.base.vocab())?;
        Ok(ExtendPlan {
            pre: Pretokenizer::new(self.base.pattern().clone())?,
            config: self.config,
            base: self.base,
            max_distinct: self.max_distinct,
            started,
        })
    }
}

impl TextPlan for ExtendPlan<'_> {
    fn counter(&self) -> Counter<'_> {
        Counter::new(&self.pre)
            .with_normalization(self.base.normalization())
            .with_max_distinct(self.max_distinct)
    }

    /// One count, made with the base's pattern and normalization.
    fn train(self, counts: Vec<Counts>, _: &mut dyn Journal) -> Result<(Tokenizer, Report)> {
        let counted = since(self.started);
        let counts = one(counts)?;
        counts.meta.check_words(
            "the base's pattern",
            self.pre.spec(),
            self.base.normalization(),
            "pass them to bytepair.train_superbpe(base=)",
        )?;
        let bytes = counts.meta.total_bytes;
        let out = extend_bpe(self.base.vocab(), counts.words, &self.config)?;
        let tokenizer = Tokenizer::new(out.vocab, self.pre.spec().clone())?
            .with_normalization(self.base.normalization())
            .with_template(self.base.template().clone())?
            .with_curriculum(self.base.curriculum().cloned())
            .with_added_tokens(self.base.added_tokens().to_vec())?;
        let report = Report {
            stop: out.stop,
            bytes,
            unique_words: out.unique_words,
            merges: tokenizer.vocab().merges().len(),
            forced_skipped: Vec::new(),
            pruned: counts.pruned,
            count_seconds: counted,
            seconds: since(self.started),
            superbpe: None,
            parity: None,
        };
        Ok((tokenizer, report))
    }
}

// ---- SuperBPE ----------------------------------------------------------------

/// How many merges stage 1 learns.
#[derive(Clone, Copy, Debug)]
pub enum Transition {
    Merges(usize),
    /// A share of the learned merges (vocab size minus bytes and specials),
    /// rounded half to even.
    Fraction(f64),
}

/// The SuperBPE curriculum: `bytepair.train_superbpe`.
pub struct SuperbpeRequest<'b> {
    /// `transition` is ignored: [`SuperbpeRequest::transition`] sets it.
    pub config: SuperConfig,
    /// Ignored with a base (stage 1 is the base, all of it).
    pub transition: Transition,
    /// Ignored with a base (the base's pattern is stage 1's).
    pub stage1_pattern: PatternSpec,
    pub stage2_pattern: PatternSpec,
    /// Extend this tokenizer instead of running stage 1.
    pub base: Option<&'b Tokenizer>,
}

/// A checked [`SuperbpeRequest`].
pub struct SuperbpePlan<'b> {
    config: SuperConfig,
    /// Stage 1's pre-tokenizer; the base's pattern with a base (not counted).
    pre1: Pretokenizer,
    /// Stage 2's, with newlines as hard boundaries.
    pre2: Pretokenizer,
    base: Option<&'b Tokenizer>,
    started: Instant,
}

impl<'b> SuperbpeRequest<'b> {
    pub fn plan(mut self) -> Result<SuperbpePlan<'b>> {
        let started = Instant::now();
        let learned = self
            .config
            .vocab_size
            .saturating_sub(256 + self.config.special_tokens.len());
        self.config.transition = match (self.base, self.transition) {
            (Some(_), _) => 0,
            (None, Transition::Merges(m)) => m,
            (None, Transition::Fraction(f)) => {
                if !(0.0..=1.0).contains(&f) {
                    return Err(Error::config(format!(
                        "a fractional transition must be within [0, 1], got {f}"
                    )));
                }
                (f * learned as f64).round_ties_even() as usize
            }
        };
        if self.base.is_none() && self.config.transition > learned {
            return Err(Error::config(format!(
                "transition={} merges leaves no room: vocab_size={} holds {learned} learned \
                 merges after 256 bytes and {} special token(s)",
                self.config.transition,
                self.config.vocab_size,
                self.config.special_tokens.len()
            )));
        }
        if let Some(b) = self.base {
            check_extendable(b.vocab())?;
        }
        let stage1 = match self.base {
            Some(b) => b.pattern().clone(),
            None => self.stage1_pattern,
        };
        Ok(SuperbpePlan {
            config: self.config,
            pre1: Pretokenizer::new(stage1)?,
            pre2: Pretokenizer::new(self.stage2_pattern)?.with_line_boundaries(),
            base: self.base,
            started,
        })
    }
}

/// Where stage 2 starts from: a base tokenizer, or stage-1 counts to train on.
enum Stage1<'b> {
    Base(&'b Tokenizer),
    Words(Counts),
}

impl TextPlan for SuperbpePlan<'_> {
    /// Stage-1 words and stage-2 pieces in one read (only the pieces on top
    /// of a base).
    fn counter(&self) -> Counter<'_> {
        match self.base {
            // Encoding will normalize as the base does; so is the text counted.
            Some(b) => Counter::new(&self.pre2).with_normalization(b.normalization()),
            None => Counter::with_pretokenizers(vec![&self.pre1, &self.pre2]),
        }
    }

    /// `[words, pieces]`, or `[pieces]` on top of a base.
    fn train(self, counts: Vec<Counts>, journal: &mut dyn Journal) -> Result<(Tokenizer, Report)> {
        let counted = since(self.started);
        let none = Normalization::None;
        let pieces_normalized = self.base.map_or(none, Tokenizer::normalization);
        let (stage1, pieces) = match (self.base, <[Counts; 2]>::try_from(counts)) {
            (None, Ok([words, pieces])) => (Stage1::Words(words), pieces),
            (None, Err(_)) => {
                return Err(Error::config(
                    "train_superbpe needs two counts, (words, pieces): words with the stage-1 \
                     pattern, pieces with the stage-2 pattern and line_boundaries=True",
                ))
            }
            (Some(base), Err(mut one)) if one.len() == 1 => (Stage1::Base(base), one.remove(0)),
            (Some(_), _) => {
                return Err(Error::config(
                    "train_superbpe on a base takes one count: the stage-2 pieces",
                ))
            }
        };
        if !pieces.meta.line_boundaries {
            return Err(Error::config(
                "the stage-2 counts (pieces) must be made with line_boundaries=True",
            ));
        }
        pieces
            .meta
            .check_split("stage2_pattern", self.pre2.spec(), pieces_normalized)?;
        if let Stage1::Words(w) = &stage1 {
            if w.meta.line_boundaries {
                return Err(Error::config(
                    "the stage-1 counts (words) must be made without line_boundaries",
                ));
            }
            w.meta
                .check_split("stage1_pattern", self.pre1.spec(), none)?;
        }
        let bytes = pieces.meta.total_bytes;
        let (mut tokenizer, stage1_merges, stage2) = match stage1 {
            Stage1::Base(base) => {
                let (vocab, st2) = superbpe::extend(base.vocab(), pieces.words, &self.config)?;
                let t = Tokenizer::new(vocab, self.pre2.spec().clone())?
                    .with_normalization(base.normalization())
                    .with_template(base.template().clone())?
                    .with_added_tokens(base.added_tokens().to_vec())?;
                (t, base.vocab().merges().len(), st2)
            }
            Stage1::Words(words) => {
                let t = superbpe::train_superbpe(words.words, pieces.words, &self.config, journal)?;
                let tok = Tokenizer::new(t.vocab, self.pre2.spec().clone())?;
                (tok, t.stage1_merges, t.stage2)
            }
        };
        tokenizer = tokenizer.with_curriculum(Some(Curriculum {
            stage1_pattern: self.pre1.spec().clone(),
            transition: stage1_merges,
        }));
        let report = Report {
            stop: stage2.stop,
            bytes,
            unique_words: stage2.pieces,
            merges: tokenizer.vocab().merges().len(),
            forced_skipped: Vec::new(),
            pruned: pieces.pruned,
            count_seconds: counted,
            seconds: since(self.started),
            superbpe: Some(SuperbpeReport {
                stage1_merges,
                stage2_merges: stage2.merges.len(),
                rejected: stage2.rejected,
                pieces: stage2.pieces,
                symbols: stage2.symbols,
            }),
            parity: None,
        };
        Ok((tokenizer, report))
    }
}

// ---- parity-aware BPE -------------------------------------------------------

/// Parity-aware BPE over several languages: `bytepair.train({lang: corpus},
/// parity=...)`. Each language is counted apart (the binding or the caller
/// counts, with the plan's pattern and normalization).
#[derive(Clone, Debug)]
pub struct ParityRequest {
    pub config: TrainConfig,
    pub pattern: PatternSpec,
    pub normalization: Normalization,
    pub parity: ParityConfig,
    /// Target compression ratios in place of dev text, one per language.
    pub ratios: Option<Vec<f64>>,
}

/// A checked [`ParityRequest`].
pub struct ParityPlan {
    request: ParityRequest,
    pre: Pretokenizer,
    started: Instant,
}

impl ParityRequest {
    pub fn plan(self) -> Result<ParityPlan> {
        let started = Instant::now();
        self.config.validate()?;
        self.parity.validate()?;
        let pre = Pretokenizer::new(self.pattern.clone())?;
        Ok(ParityPlan {
            request: self,
            pre,
            started,
        })
    }
}

impl ParityPlan {
    /// The counter for one language's text (training or dev).
    pub fn counter(&self) -> Counter<'_> {
        Counter::new(&self.pre).with_normalization(self.request.normalization)
    }

    /// Train on each language's counts, and with dev text (no ratios) each
    /// language's dev counts in the same order.
    pub fn train(self, train: Vec<Counts>, dev: Vec<Counts>) -> Result<(Tokenizer, Report)> {
        let counted = since(self.started);
        let r = self.request;
        for c in train.iter().chain(&dev) {
            if c.meta.line_boundaries {
                return Err(Error::config(
                    "parity-aware training takes counts made without line_boundaries",
                ));
            }
            c.meta
                .check_split("pattern", self.pre.spec(), r.normalization)?;
        }
        let (target, measure) = match (r.ratios, dev.is_empty()) {
            (Some(ratios), true) => (Target::Ratio(ratios), "train_tokens"),
            (None, false) => (
                Target::Dev(dev.into_iter().map(|c| c.words).collect()),
                "dev_tokens",
            ),
            (Some(_), false) => {
                return Err(Error::config(
                    "give parity dev text or parity ratios, not both",
                ))
            }
            (None, true) => {
                return Err(Error::config(
                    "parity-aware training needs dev text (parallel across the languages) \
                     or target ratios",
                ))
            }
        };
        let bytes = train.iter().map(|c| c.meta.total_bytes).sum();
        let pruned = train
            .iter()
            .fold(Pruned::default(), |acc, c| acc.combined(c.pruned));
        let words = train.into_iter().map(|c| c.words).collect();
        let trained = train_parity(words, target, &r.parity, &r.config)?;
        let tokenizer = Tokenizer::new(trained.vocab, self.pre.spec().clone())?
            .with_normalization(r.normalization);
        let o = trained.outcome;
        let report = Report {
            stop: o.stop,
            bytes,
            unique_words: trained.unique_words,
            merges: tokenizer.vocab().merges().len(),
            forced_skipped: Vec::new(),
            pruned,
            count_seconds: counted,
            seconds: since(self.started),
            superbpe: None,
            parity: Some(ParityReport {
                chosen: o.chosen,
                measure,
                cost_before: o.cost_before,
                cost_after: o.cost_after,
            }),
        };
        Ok((tokenizer, report))
    }
}

// ---- raw bytes ---------------------------------------------------------------

/// BPE over raw bytes: `bytepair.train_bytes`.
#[derive(Clone, Debug)]
pub struct BytesRequest {
    pub config: ByteTrainConfig,
}

/// A checked [`BytesRequest`].
pub struct BytesPlan {
    config: ByteTrainConfig,
    started: Instant,
}

impl BytesRequest {
    pub fn plan(self) -> Result<BytesPlan> {
        let started = Instant::now();
        self.config.validate()?;
        Ok(BytesPlan {
            config: self.config,
            started,
        })
    }
}

impl BytesPlan {
    /// The counter for the corpus; create it inside the thread pool.
    pub fn counter(&self) -> ByteCounter {
        ByteCounter::new(self.config.window, self.config.split_on_nul)
    }

    /// What `counter` counted, as counts (no pattern: pieces are raw bytes),
    /// which is what a checkpoint stores.
    pub fn pieces(counter: ByteCounter) -> Counts {
        let bytes = counter.bytes;
        Counts {
            words: counter.finish(),
            meta: CountsMeta {
                total_bytes: bytes,
                ..CountsMeta::new(&PatternSpec::None, Normalization::None, false)
            },
            pruned: Pruned::default(),
        }
    }

    /// Train on the pieces [`BytesPlan::counter`] counted
    /// ([`BytesPlan::pieces`]), telling `journal` each merge.
    pub fn train(self, pieces: Counts, journal: &mut dyn Journal) -> Result<(Tokenizer, Report)> {
        let counted = since(self.started);
        let bytes = pieces.meta.total_bytes;
        let trained = train_bytes(pieces.words, &self.config, journal)?;
        let pattern = if self.config.split_on_nul {
            PatternSpec::Named(PatternName::NulRuns)
        } else {
            PatternSpec::None
        };
        let tokenizer = Tokenizer::new(trained.vocab, pattern)?;
        let report = Report {
            stop: trained.stop,
            bytes,
            unique_words: trained.unique_pieces,
            merges: tokenizer.vocab().merges().len(),
            forced_skipped: Vec::new(),
            pruned: Pruned::default(),
            count_seconds: counted,
            seconds: since(self.started),
            superbpe: None,
            parity: None,
        };
        Ok((tokenizer, report))
    }
}

#[cfg(test)]
mod tests {
    use super::super::journal::NoJournal;
    use super::*;
    use crate::train::config::LengthUnit;

    fn config(vocab_size: usize) -> TrainConfig {
        TrainConfig {
            vocab_size,
            special_tokens: vec![],
            min_frequency: 0,
            max_token_length: None,
            length_unit: LengthUnit::Bytes,
            specials_first: false,
            pad_to: None,
            forced_tokens: vec![],
            progress: false,
        }
    }

    fn count(plan: &BpePlan, text: &str) -> Vec<Counts> {
        let mut c = plan.counter();
        c.add_texts(&[text]).expect("count");
        c.finish_counts()
    }

    #[test]
    fn forced_tokens_that_are_not_one_pre_token_are_reported() {
        let mut cfg = config(300);
        cfg.forced_tokens = vec![b" plaintiff".to_vec(), b"U.S.C.".to_vec()];
        let plan = BpeRequest {
            config: cfg,
            pattern: PatternSpec::Named(PatternName::Gpt2),
            normalization: Normalization::None,
            max_distinct: None,
        }
        .plan()
        .expect("plan");
        let counts = count(&plan, "the plaintiff and the plaintiffs");
        let (tok, report) = plan.train(counts, &mut NoJournal).expect("train");
        assert_eq!(report.forced_skipped, ["U.S.C."]);
        assert!(tok.vocab().id_of(b" plaintiff").is_some());
    }

    #[test]
    fn counts_made_another_way_are_refused() {
        let plan = |pattern| {
            BpeRequest {
                config: config(260),
                pattern,
                normalization: Normalization::None,
                max_distinct: None,
            }
            .plan()
            .expect("plan")
        };
        let gpt2 = plan(PatternSpec::Named(PatternName::Gpt2));
        let counts = count(&gpt2, "low lower lowest");
        let cl100k = plan(PatternSpec::Named(PatternName::Cl100k));
        let Err(err) = cl100k.train(counts.clone(), &mut NoJournal) else {
            panic!("counts made with another pattern were accepted");
        };
        assert!(err.to_string().contains("pattern='gpt2'"), "{err}");
        assert!(gpt2.train(counts, &mut NoJournal).is_ok());
    }

    #[test]
    fn fractional_transitions_round_half_to_even() {
        let cfg = SuperConfig {
            vocab_size: 256 + 509,
            transition: 0,
            special_tokens: vec![],
            min_frequency: 0,
            max_token_length: None,
            rules: Default::default(),
            progress: false,
        };
        let plan = SuperbpeRequest {
            config: cfg,
            transition: Transition::Fraction(0.5),
            stage1_pattern: PatternSpec::Named(PatternName::SuperbpeStage1),
            stage2_pattern: PatternSpec::Named(PatternName::SuperbpeStage2),
            base: None,
        }
        .plan()
        .expect("plan");
        assert_eq!(plan.config.transition, 254); // 254.5 -> 254, as Python's round
    }
}
