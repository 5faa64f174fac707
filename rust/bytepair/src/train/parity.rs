//! Parity-aware BPE (Foroutan et al., 2025, "Parity-Aware Byte-Pair
//! Encoding"): each merge is chosen for the language that currently
//! compresses worst, and applied to every language.
//!
//! Every distinct pre-token of every language is one *word* with a count per
//! *slot*: slot `l` is language `l`'s training text, slot `L + l` its dev text
//! (with a dev set). Per step:
//!
//! 1. the languages are ranked worst first by their *cost*: the tokens their
//!    dev text takes now (dev sets are parallel, so raw counts compare), or,
//!    with target ratios instead of a dev set, the compression of their own
//!    training text (initial symbols / current tokens) divided by the target,
//!    lowest first. Ties go to the lower language index;
//! 2. with `Balance::Window`, a language that took more than `alpha / L` of
//!    the last `size` language-chosen merges goes to the back of the ranking
//!    (the reference's moving window);
//! 3. the first language in the ranking that has a pair occurring at least
//!    `max(min_frequency, 1)` times in its training text gives the merge:
//!    its most frequent pair, ties to the smaller `(left, right)` id pair as
//!    in plain training. The first `global_merges` steps instead take the
//!    most frequent pair of all training text together (the hybrid variant);
//! 4. the merge is applied to every word, which updates every language's pair
//!    counts and every slot's token total at once.
//!
//! Counts are exact: a merge subtracts the merged pair's occurrences, unlike
//! HF's trainer, which plain training follows quirk for quirk. The two agree
//! unless a merge rebuilds a token that already exists.
//!
//! Where this departs from the reference (`swiss-ai/parity-aware-bpe`): when
//! the worst language has no pair left above `min_frequency`, the reference
//! stops; here the next language in the ranking gives the merge, so the
//! vocabulary fills. Its tie-break is the lexicographically largest pair; ours
//! is the plain trainer's.
//!
//! Performance notes: one lazy max-heap per language (stale entries are
//! re-pushed with their live count when they surface, as counts of old pairs
//! only fall), a word index per pair shared by all languages, and one pass
//! per merged word that records the pair changes around each occurrence.
//! Measured on the 15 Bible languages at 16K (merge loop, from counts): the
//! first version diffed each merged word's sorted pair lists before and after
//! (1.67 s); local changes took it to 0.78 s. Per-pair `Vec` word lists were
//! a tenth of the time in malloc; chains in one arena (`PairWords`) and
//! words stored flat (`SlotWords`) gave a few percent each. The window
//! variant counted the window at every step (O(window * languages)); the
//! counts are now kept with the window (FLORES, 36 languages: 1.91 -> 1.27 s).
//! Left: about 230 ns per merged word, mostly the per-language hash updates.

use super::bpe::check_count_total;
use super::config::{LengthUnit, TrainConfig};
use super::count::WordCounts;
use super::merge::{Pair, StopReason};
use crate::byte_level::BYTE_TO_RANK;
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::vocab::Vocab;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};

/// How the worst language is chosen at each step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Balance {
    /// Always the language that compresses worst (the paper's base variant).
    MaxMin,
    /// The worst, unless it took more than `alpha / languages` of the last
    /// `size` merges (the moving-window variant).
    Window { size: usize, alpha: f64 },
}

/// What a language's cost is measured on.
#[derive(Clone, Debug)]
pub enum Target {
    /// One dev text per language, parallel across languages: the cost is the
    /// tokens it takes.
    Dev(Vec<WordCounts>),
    /// Target compression ratios, one per language, in place of a dev set:
    /// the cost is the training text's compression over its target.
    Ratio(Vec<f64>),
}

#[derive(Clone, Debug)]
pub struct ParityConfig {
    pub balance: Balance,
    /// The first this many merges are chosen on all training text together.
    pub global_merges: usize,
}

impl ParityConfig {
    pub fn validate(&self) -> Result<()> {
        if let Balance::Window { size, alpha } = self.balance {
            if size == 0 {
                return Err(Error::config(
                    "the parity window must hold at least one merge",
                ));
            }
            if !(alpha >= 1.0 && alpha.is_finite()) {
                return Err(Error::config(format!(
                    "parity alpha must be a finite number >= 1 (a language may take alpha/L \
                     of the window), got {alpha}"
                )));
            }
        }
        Ok(())
    }
}

/// The words of all languages, each with its count in each slot it occurs
/// in, stored flat: a word's symbols and its `(slot, count)`s back to back.
pub struct SlotWords {
    /// Byte-level symbol ids; word `w` is `symbols[start[w]..start[w] + len[w]]`
    /// (merges shrink it in place).
    symbols: Vec<u32>,
    start: Vec<usize>,
    len: Vec<u32>,
    /// `(slot, count)`, slots ascending; word `w`'s are
    /// `slots[slot_start[w]..slot_start[w + 1]]`.
    slots: Vec<(u32, u64)>,
    slot_start: Vec<usize>,
}

impl SlotWords {
    /// One word table from per-slot counts (slot = index in `per_slot`):
    /// each count sorted (in parallel), then one k-way merge by bytes, so a
    /// word shared by several slots is found without hashing it.
    pub fn from_counts(per_slot: Vec<WordCounts>) -> Self {
        let lists: Vec<Vec<(Box<[u8]>, u64)>> = per_slot
            .into_par_iter()
            .map(WordCounts::into_sorted)
            .collect();
        let total = lists.iter().map(Vec::len).sum();
        let mut out = SlotWords {
            symbols: Vec::new(),
            start: Vec::with_capacity(total),
            len: Vec::with_capacity(total),
            slots: Vec::with_capacity(total),
            slot_start: Vec::with_capacity(total + 1),
        };
        let mut heads: BinaryHeap<Reverse<(&[u8], u32, usize)>> = lists
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
            .map(|(slot, l)| Reverse((&*l[0].0, slot as u32, 0)))
            .collect();
        let mut last: Option<&[u8]> = None;
        while let Some(Reverse((word, slot, at))) = heads.pop() {
            if last != Some(word) {
                out.start.push(out.symbols.len());
                out.len.push(word.len() as u32);
                out.symbols
                    .extend(word.iter().map(|&b| BYTE_TO_RANK[b as usize]));
                out.slot_start.push(out.slots.len());
                last = Some(word);
            }
            let list = &lists[slot as usize];
            out.slots.push((slot, list[at].1));
            if let Some((next, _)) = list.get(at + 1) {
                heads.push(Reverse((&**next, slot, at + 1)));
            }
        }
        out.slot_start.push(out.slots.len());
        out
    }

    pub fn len(&self) -> usize {
        self.start.len()
    }

    pub fn is_empty(&self) -> bool {
        self.start.is_empty()
    }

    fn word(&self, w: usize) -> &[u32] {
        &self.symbols[self.start[w]..self.start[w] + self.len[w] as usize]
    }

    fn counts(&self, w: usize) -> &[(u32, u64)] {
        &self.slots[self.slot_start[w]..self.slot_start[w + 1]]
    }
}

/// What the parity loop learned.
pub struct ParityOutcome {
    pub merges: Vec<(u32, u32)>,
    pub stop: StopReason,
    /// The language each merge was chosen for; `None` for a global merge.
    pub chosen: Vec<Option<u32>>,
    /// Each language's cost measure before the first merge and after the last:
    /// dev tokens, or training tokens with ratio targets.
    pub cost_before: Vec<u64>,
    pub cost_after: Vec<u64>,
}

/// The options of the loop that do not depend on the data.
pub struct LoopConfig<'a> {
    pub languages: usize,
    /// `Some(ratios)` for ratio targets; `None` when slots `L..2L` are dev text.
    pub ratios: Option<&'a [f64]>,
    pub parity: &'a ParityConfig,
    pub target_vocab: usize,
    pub min_frequency: u64,
    pub max_token_length: Option<usize>,
    pub unit: LengthUnit,
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct Candidate {
    count: i64,
    pair: Pair,
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.count
            .cmp(&other.count)
            .then_with(|| other.pair.cmp(&self.pair))
    }
}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// One pool of training text: live pair counts and a lazy heap over them.
#[derive(Default)]
struct Pool {
    counts: FxHashMap<Pair, i64>,
    heap: BinaryHeap<Candidate>,
}

impl Pool {
    fn add(&mut self, pair: Pair, delta: i64) {
        *self.counts.entry(pair).or_insert(0) += delta;
    }

    fn fill_heap(&mut self) {
        self.heap = self
            .counts
            .iter()
            .filter(|(_, &c)| c > 0)
            .map(|(&pair, &count)| Candidate { count, pair })
            .collect();
    }

    fn push_live(&mut self, pair: Pair) {
        let count = self.counts.get(&pair).copied().unwrap_or(0);
        if count > 0 {
            self.heap.push(Candidate { count, pair });
        }
    }

    /// The most frequent pair that `allowed` accepts, with its count.
    fn best(&mut self, allowed: impl Fn(Pair) -> bool) -> Option<(Pair, i64)> {
        while let Some(&top) = self.heap.peek() {
            let live = self.counts.get(&top.pair).copied().unwrap_or(0);
            if live != top.count {
                self.heap.pop();
                // An increase pushed its own entry; a decrease did not.
                if live > 0 && live < top.count {
                    self.heap.push(Candidate {
                        count: live,
                        pair: top.pair,
                    });
                }
                continue;
            }
            if !allowed(top.pair) {
                self.heap.pop(); // token lengths never change: refused for good
                continue;
            }
            return Some((top.pair, live));
        }
        None
    }
}

const END: u32 = u32::MAX;

/// The words where each pair was seen (some may have lost it since), as
/// chains in one arena, so a new pair costs no allocation of its own.
#[derive(Default)]
struct PairWords {
    heads: FxHashMap<Pair, u32>,
    /// `(word, next link)`; `END` ends a chain.
    links: Vec<(u32, u32)>,
}

impl PairWords {
    fn push(&mut self, pair: Pair, word: u32) {
        let head = self.heads.entry(pair).or_insert(END);
        if *head != END && self.links[*head as usize].0 == word {
            return;
        }
        self.links.push((word, *head));
        *head = (self.links.len() - 1) as u32;
    }

    /// The words of `pair`, ascending and distinct, into `out`; the chain is
    /// dropped (its links stay in the arena, unused).
    fn take(&mut self, pair: Pair, out: &mut Vec<u32>) {
        out.clear();
        let mut at = self.heads.remove(&pair).unwrap_or(END);
        while at != END {
            let (word, next) = self.links[at as usize];
            out.push(word);
            at = next;
        }
        out.sort_unstable();
        out.dedup();
    }
}

/// Replace each non-overlapping `(a, b)`, left to right, with `ab`, and
/// record the pair counts that change, one unit at a time (a pair may come
/// and go again within the word; the sum is exact). Returns how many
/// occurrences were merged and the word's new length (it is compacted at
/// the front of `word`).
fn merge_word(
    word: &mut [u32],
    (a, b): Pair,
    ab: u32,
    changes: &mut Vec<(Pair, i64)>,
) -> (usize, usize) {
    let n = word.len();
    let (mut read, mut write, mut merged) = (0, 0, 0);
    while read < n {
        if read + 1 < n && word[read] == a && word[read + 1] == b {
            changes.push(((a, b), -1));
            if write > 0 {
                // The new left neighbour: `ab` itself after an occurrence just
                // merged, which undoes that occurrence's (ab, a) below.
                let prev = word[write - 1];
                changes.push(((prev, a), -1));
                changes.push(((prev, ab), 1));
            }
            if read + 2 < n {
                let next = word[read + 2];
                changes.push(((b, next), -1));
                changes.push(((ab, next), 1));
            }
            word[write] = ab;
            read += 2;
            merged += 1;
        } else {
            word[write] = word[read];
            read += 1;
        }
        write += 1;
    }
    (merged, write)
}

/// Learn merges onto `tokens` (the byte alphabet, in id order) until it
/// holds `target_vocab` tokens or no language has a pair left.
pub fn learn_parity_merges(
    mut words: SlotWords,
    tokens: &mut Vec<Vec<u8>>,
    cfg: &LoopConfig<'_>,
    progress: &Progress,
) -> ParityOutcome {
    let langs = cfg.languages;
    let use_global = cfg.parity.global_merges > 0;
    let mut pools: Vec<Pool> = (0..langs).map(|_| Pool::default()).collect();
    let mut global = Pool::default();
    let mut where_pair = PairWords::default();
    let slots = if cfg.ratios.is_some() {
        langs
    } else {
        2 * langs
    };
    let mut lengths = vec![0i64; slots];
    for w in 0..words.len() {
        let (symbols, counts) = (words.word(w), words.counts(w));
        for &(slot, c) in counts {
            lengths[slot as usize] += symbols.len() as i64 * c as i64;
        }
        for pair in symbols.windows(2).map(|p| (p[0], p[1])) {
            where_pair.push(pair, w as u32);
            for &(slot, c) in counts {
                if (slot as usize) < langs {
                    pools[slot as usize].add(pair, c as i64);
                    if use_global {
                        global.add(pair, c as i64);
                    }
                }
            }
        }
    }
    for pool in &mut pools {
        pool.fill_heap();
    }
    if use_global {
        global.fill_heap();
    }

    let mut token_len: Vec<usize> = tokens.iter().map(|t| cfg.unit.len(t) as usize).collect();
    let mut by_bytes: FxHashMap<Vec<u8>, u32> = tokens
        .iter()
        .enumerate()
        .map(|(i, t)| (t.clone(), i as u32))
        .collect();
    let initial = lengths.clone();
    let cost = |lengths: &[i64], l: usize| -> i64 {
        match cfg.ratios {
            None => lengths[langs + l],
            Some(_) => lengths[l],
        }
    };
    let mut window: VecDeque<u32> = VecDeque::new();
    // How many merges of the window each language took, kept with the window.
    let mut taken = vec![0usize; langs];
    let mut merges = Vec::new();
    let mut chosen = Vec::new();
    let floor = cfg.min_frequency.max(1) as i64;
    let mut stop = StopReason::VocabFull;

    let mut changes: Vec<(Pair, i64)> = Vec::new();
    let mut list = Vec::new();
    let mut touched: Vec<(u32, Pair)> = Vec::new();
    while tokens.len() < cfg.target_vocab {
        let limit = cfg.max_token_length;
        let allowed =
            |(a, b): Pair| limit.is_none_or(|m| token_len[a as usize] + token_len[b as usize] <= m);
        let global_step = merges.len() < cfg.parity.global_merges;
        let mut below_floor = false;
        let mut pick: Option<(Pair, Option<u32>)> = None;
        if global_step {
            match global.best(allowed) {
                Some((pair, c)) if c >= floor => pick = Some((pair, None)),
                Some(_) => below_floor = true,
                None => {}
            }
        } else {
            for l in ranking(&lengths, &initial, cfg, &taken, &cost) {
                match pools[l].best(allowed) {
                    Some((pair, c)) if c >= floor => {
                        pick = Some((pair, Some(l as u32)));
                        break;
                    }
                    Some(_) => below_floor = true,
                    None => {}
                }
            }
        }
        let Some((pair, lang)) = pick else {
            stop = if below_floor {
                StopReason::MinFrequency
            } else {
                StopReason::NoPairs
            };
            break;
        };

        let mut bytes = tokens[pair.0 as usize].clone();
        bytes.extend_from_slice(&tokens[pair.1 as usize]);
        let merged = match by_bytes.get(&bytes) {
            Some(&id) => id,
            None => {
                let id = tokens.len() as u32;
                token_len.push(cfg.unit.len(&bytes) as usize);
                by_bytes.insert(bytes.clone(), id);
                tokens.push(bytes);
                id
            }
        };
        merges.push(pair);
        chosen.push(lang);
        if let (Some(l), Balance::Window { size, .. }) = (lang, cfg.parity.balance) {
            window.push_back(l);
            taken[l as usize] += 1;
            if window.len() > size {
                if let Some(old) = window.pop_front() {
                    taken[old as usize] -= 1;
                }
            }
        }

        // The summed counts are read only by the global merges still to come.
        let global_phase = use_global && merges.len() < cfg.parity.global_merges;
        where_pair.take(pair, &mut list);
        touched.clear();
        for &w in &list {
            changes.clear();
            let (at, len) = (words.start[w as usize], words.len[w as usize] as usize);
            let word = &mut words.symbols[at..at + len];
            let (merged_here, new_len) = merge_word(word, pair, merged, &mut changes);
            if merged_here == 0 {
                continue;
            }
            words.len[w as usize] = new_len as u32;
            let counts = words.counts(w as usize);
            for &(slot, c) in counts {
                lengths[slot as usize] -= merged_here as i64 * c as i64;
            }
            // Slots are ascending: training slots come first.
            let train_slots = counts.partition_point(|&(slot, _)| (slot as usize) < langs);
            for &(p, delta) in &changes {
                if delta > 0 {
                    where_pair.push(p, w);
                }
                for &(slot, c) in &counts[..train_slots] {
                    let d = delta * c as i64;
                    pools[slot as usize].add(p, d);
                    if global_phase {
                        global.add(p, d);
                    }
                    if delta > 0 {
                        touched.push((slot, p));
                    }
                }
            }
        }
        touched.sort_unstable();
        touched.dedup();
        let mut last_global = None;
        for &(slot, p) in &touched {
            pools[slot as usize].push_live(p);
            if global_phase && last_global != Some(p) {
                global.push_live(p);
                last_global = Some(p);
            }
        }
        for pool in &mut pools {
            if pool.counts.get(&pair) == Some(&0) {
                pool.counts.remove(&pair);
            }
        }
        progress.inc(1);
    }
    let measure = |lengths: &[i64]| -> Vec<u64> {
        (0..langs).map(|l| cost(lengths, l).max(0) as u64).collect()
    };
    ParityOutcome {
        merges,
        stop,
        chosen,
        cost_before: measure(&initial),
        cost_after: measure(&lengths),
    }
}

/// Languages, worst-compressed first (see the module notes).
fn ranking(
    lengths: &[i64],
    initial: &[i64],
    cfg: &LoopConfig<'_>,
    taken: &[usize],
    cost: &impl Fn(&[i64], usize) -> i64,
) -> Vec<usize> {
    let mut order: Vec<usize> = (0..cfg.languages).collect();
    match cfg.ratios {
        // Most dev tokens first.
        None => order.sort_by_key(|&l| std::cmp::Reverse(cost(lengths, l))),
        // Lowest compression over its target first.
        Some(ratios) => {
            let rate = |l: usize| {
                let now = lengths[l].max(1) as f64;
                initial[l] as f64 / now / ratios[l]
            };
            order.sort_by(|&x, &y| rate(x).total_cmp(&rate(y)));
        }
    }
    if let Balance::Window { size, alpha } = cfg.parity.balance {
        let share = alpha / cfg.languages as f64;
        let over = |l: usize| taken[l] as f64 / size as f64 > share;
        // Stable: each part keeps its order.
        order.sort_by_key(|&l| over(l));
    }
    order
}

/// What [`train_parity`] produced.
pub struct ParityTrained {
    pub vocab: Vocab,
    pub outcome: ParityOutcome,
    pub unique_words: usize,
}

/// Parity-aware BPE from each language's training counts and a target (dev
/// counts in the same language order, or ratios).
pub fn train_parity(
    train: Vec<WordCounts>,
    target: Target,
    parity: &ParityConfig,
    cfg: &TrainConfig,
) -> Result<ParityTrained> {
    cfg.validate()?;
    parity.validate()?;
    if !cfg.forced_tokens.is_empty() {
        return Err(Error::config(
            "forced_tokens are not supported with parity-aware training",
        ));
    }
    let langs = train.len();
    if langs == 0 {
        return Err(Error::config(
            "parity-aware training needs at least one language",
        ));
    }
    // Pair counts (per language and summed) and token totals are i64.
    let pairs: u128 = train.iter().map(WordCounts::pair_total).sum();
    if pairs > i64::MAX as u128 {
        return Err(Error::config(format!(
            "the languages' counts add up to {pairs} pairs, more than 2^63-1; scale them down"
        )));
    }
    for counts in &train {
        check_count_total(counts)?;
    }
    let (per_slot, ratios) = match target {
        Target::Dev(dev) => {
            if dev.len() != langs {
                return Err(Error::config(format!(
                    "{} dev count(s) for {langs} language(s); give one per language",
                    dev.len()
                )));
            }
            let mut all = train;
            all.extend(dev);
            (all, None)
        }
        Target::Ratio(r) => {
            if r.len() != langs {
                return Err(Error::config(format!(
                    "{} parity ratio(s) for {langs} language(s); give one per language",
                    r.len()
                )));
            }
            if let Some(bad) = r.iter().find(|x| !(x.is_finite() && **x > 0.0)) {
                return Err(Error::config(format!(
                    "parity ratios must be positive numbers, got {bad}"
                )));
            }
            (train, Some(r))
        }
    };
    if let Some(big) = per_slot
        .iter()
        .map(WordCounts::symbol_total)
        .find(|&n| n > i64::MAX as u128)
    {
        return Err(Error::config(format!(
            "a language's counts hold {big} bytes, more than 2^63-1; scale them down"
        )));
    }
    let words = SlotWords::from_counts(per_slot);
    let unique_words = words.len();
    let mut tokens = Vocab::byte_alphabet();
    let target_vocab = (cfg.vocab_size - cfg.special_tokens.len()).max(tokens.len());
    let progress = Progress::items(
        cfg.progress,
        (target_vocab - tokens.len()) as u64,
        "merging (parity-aware)",
    );
    let loop_cfg = LoopConfig {
        languages: langs,
        ratios: ratios.as_deref(),
        parity,
        target_vocab,
        min_frequency: cfg.min_frequency,
        max_token_length: cfg.max_token_length,
        unit: cfg.length_unit,
    };
    let outcome = learn_parity_merges(words, &mut tokens, &loop_cfg, &progress);
    progress.finish();
    let vocab = super::bpe::assemble(tokens, outcome.merges.clone(), cfg)?;
    Ok(ParityTrained {
        vocab,
        outcome,
        unique_words,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(words: &[(&str, u64)]) -> WordCounts {
        let mut c = WordCounts::default();
        for (w, n) in words {
            c.add(w.as_bytes(), *n);
        }
        c
    }

    fn cfg(vocab_size: usize) -> TrainConfig {
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

    fn token(v: &Vocab, a: u32, b: u32) -> String {
        let mut t = v.token_bytes(a).expect("left").to_vec();
        t.extend_from_slice(v.token_bytes(b).expect("right"));
        String::from_utf8_lossy(&t).into_owned()
    }

    #[test]
    fn the_worst_language_chooses_each_merge() {
        // Language 0 is mostly "ab"; language 1 has only "xy", which is rarer
        // but costs more dev tokens, so it is served first.
        let train = vec![counts(&[("ab", 100)]), counts(&[("xy", 10)])];
        let dev = vec![counts(&[("ab", 1)]), counts(&[("xyxy", 1)])];
        let p = ParityConfig {
            balance: Balance::MaxMin,
            global_merges: 0,
        };
        let t = train_parity(train, Target::Dev(dev), &p, &cfg(258)).expect("trains");
        let merges = t.vocab.merges();
        assert_eq!(token(&t.vocab, merges[0].0, merges[0].1), "xy");
        // Then both dev texts take 2 tokens: the tie goes to language 0.
        assert_eq!(token(&t.vocab, merges[1].0, merges[1].1), "ab");
        assert_eq!(t.outcome.chosen, vec![Some(1), Some(0)]);
        assert_eq!(t.outcome.cost_before, vec![2, 4]);
        assert_eq!(t.outcome.cost_after, vec![1, 2]);
    }

    #[test]
    fn global_merges_follow_the_summed_counts() {
        let train = vec![counts(&[("ab", 100)]), counts(&[("xy", 10)])];
        let dev = vec![counts(&[("ab", 1)]), counts(&[("xyxy", 1)])];
        let p = ParityConfig {
            balance: Balance::MaxMin,
            global_merges: 1,
        };
        let t = train_parity(train, Target::Dev(dev), &p, &cfg(258)).expect("trains");
        let m = t.vocab.merges();
        assert_eq!(token(&t.vocab, m[0].0, m[0].1), "ab");
        assert_eq!(token(&t.vocab, m[1].0, m[1].1), "xy");
        assert_eq!(t.outcome.chosen, vec![None, Some(1)]);
    }

    #[test]
    fn an_exhausted_language_hands_over_and_bad_options_are_refused() {
        let train = vec![counts(&[("ab", 5)]), counts(&[("q", 9)])];
        let dev = vec![counts(&[("ab", 1)]), counts(&[("qqqqq", 1)])];
        let p = ParityConfig {
            balance: Balance::MaxMin,
            global_merges: 0,
        };
        let t = train_parity(train, Target::Dev(dev), &p, &cfg(300)).expect("trains");
        assert_eq!(t.outcome.chosen, vec![Some(0)]);
        assert_eq!(t.outcome.stop, StopReason::NoPairs);
        let bad = ParityConfig {
            balance: Balance::Window {
                size: 10,
                alpha: 0.5,
            },
            global_merges: 0,
        };
        let err = train_parity(
            vec![counts(&[("ab", 1)])],
            Target::Ratio(vec![1.0]),
            &bad,
            &cfg(300),
        )
        .err()
        .expect("alpha < 1 is refused");
        assert!(err.to_string().contains("alpha"), "{err}");
        let err = train_parity(
            vec![counts(&[("ab", 1)])],
            Target::Ratio(vec![]),
            &p,
            &cfg(300),
        )
        .err()
        .expect("one ratio per language");
        assert!(err.to_string().contains("one per language"), "{err}");
    }

    #[test]
    fn counts_too_large_for_the_totals_are_refused() {
        let p = ParityConfig {
            balance: Balance::MaxMin,
            global_merges: 0,
        };
        // One-byte words have no pairs, but their token total must fit too.
        let huge = counts(&[("a", u64::MAX / 2), ("ab", 1)]);
        let dev = vec![counts(&[("a", u64::MAX / 2)])];
        let err = train_parity(vec![huge], Target::Dev(dev), &p, &cfg(300))
            .err()
            .expect("refused");
        assert!(err.to_string().contains("more than 2^63-1"), "{err}");
    }

    /// The changes `merge_word` records, summed, against recounting the word.
    #[test]
    fn merge_changes_sum_to_the_recount() {
        let pairs = |w: &[u32]| {
            let mut m: FxHashMap<Pair, i64> = FxHashMap::default();
            for p in w.windows(2) {
                *m.entry((p[0], p[1])).or_insert(0) += 1;
            }
            m
        };
        let cases: [(&[u32], Pair); 6] = [
            (&[1, 1, 1, 2, 1, 1], (1, 1)),
            (&[1, 1, 1, 1], (1, 1)),
            (&[1, 2, 1, 2, 1, 2], (1, 2)),
            (&[3, 1, 2, 1, 2, 3], (1, 2)),
            (&[2, 1, 2], (2, 1)),
            (&[1, 2], (3, 4)),
        ];
        for (word, pair) in cases {
            let mut w = word.to_vec();
            let mut changes = Vec::new();
            let (merged, len) = merge_word(&mut w, pair, 9, &mut changes);
            w.truncate(len);
            let mut want = pairs(&w);
            for (p, c) in pairs(word) {
                *want.entry(p).or_insert(0) -= c;
            }
            let mut got: FxHashMap<Pair, i64> = FxHashMap::default();
            for (p, d) in changes {
                *got.entry(p).or_insert(0) += d;
            }
            want.retain(|_, d| *d != 0);
            got.retain(|_, d| *d != 0);
            assert_eq!(got, want, "{word:?} merging {pair:?}");
            assert_eq!(merged, word.len() - w.len());
        }
    }
}
