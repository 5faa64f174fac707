//! Stage 2 of training: the merge loop.
//!
//! This is the HF `BpeTrainer` algorithm, reproduced merge for merge:
//!
//! * a max-heap of pair entries ordered by count, ties going to the smaller
//!   `(left, right)` id pair; our ids sort the same way as HF's internal ones
//!   (bytes by their byte-level character, then merged tokens by creation);
//!   two entries for the same pair with the same count (possible only after a
//!   merge rebuilt an existing token) go oldest first, where HF's order is
//!   whatever its heap does;
//! * each entry carries the list of words where the pair was seen when the
//!   entry was made; popping an entry merges only those words;
//! * a popped entry whose count is stale is pushed back with the live count
//!   (counts of old pairs only fall, so this yields the true maximum);
//! * after each merge, every pair that gained occurrences gets a new entry with
//!   its total count and the words where it gained them;
//! * the merged pair's own count is left as it is (HF does not decrement it);
//! * two merges can build the same byte string: the second reuses the first id.
//!
//! The last three points only matter when a merge rebuilds an existing token.
//! That did not happen in 32,511 merges on the English novels corpus, but it
//! does on small alphabets (the hypothesis tests find such corpora at once), and
//! HF's output depends on them, so we keep them.
//!
//! Performance notes: HF keeps a hash set of word indices per pair and applies
//! each merge through a parallel iterator that allocates a Vec per word. Here
//! entries own plain `Vec<u32>` word lists, words are `Vec<u32>` compacted in
//! place, and count changes go straight into the pair map, with no allocation
//! per word. Count changes are gathered per step in dense arrays (see
//! `StepDeltas`). perf on the 45 MB corpus: the loop is bound by the first load
//! of each word (cache misses) and by heap compares, which were a quarter of
//! its samples until rare pairs waited outside the heap (`Queue::low`). The
//! loop is serial; applying large merges in parallel has not been tried yet.

use super::packed::PackedLists;
use super::pair_counts::PairCountTable;
use crate::error::Result;
use crate::progress::Progress;
use rustc_hash::FxHashMap;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

pub use super::pair_counts::Pair;
pub(super) use super::pair_counts::PairCounts;

/// A learned merge: `left` + `right` -> `result`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Merge {
    pub left: u32,
    pub right: u32,
    pub result: u32,
}

/// What a merge loop reports to.
pub trait Journal {
    /// Merges an earlier run logged for loop `stage` (empty when not resuming).
    fn logged(&self, stage: usize) -> &[Merge];
    /// Loop `stage` (0, or 0 and 1 for SuperBPE's two stages) starts; its
    /// first merge is the stage's merge `skip` (the ones before were replayed).
    fn begin(&mut self, stage: usize, skip: usize);
    /// After each merge: the loop's merges so far (the skipped ones not included).
    fn merged(&mut self, merges: &[Merge]) -> Result<()>;
    /// The loop stopped with these merges.
    fn end(&mut self, merges: &[Merge]) -> Result<()>;
}

/// A journal that records nothing.
pub struct NoJournal;

impl Journal for NoJournal {
    fn logged(&self, _stage: usize) -> &[Merge] {
        &[]
    }
    fn begin(&mut self, _stage: usize, _skip: usize) {}
    fn merged(&mut self, _merges: &[Merge]) -> Result<()> {
        Ok(())
    }
    fn end(&mut self, _merges: &[Merge]) -> Result<()> {
        Ok(())
    }
}

#[derive(Clone, Debug)]
pub struct MergeConfig {
    /// Stop when the vocabulary (bytes and merged tokens, not specials) reaches this size.
    pub target_vocab: usize,
    /// Stop when the best pair occurs fewer times than this.
    pub min_frequency: u64,
    /// Never build a token longer than this many symbol units (bytes or characters).
    pub max_token_length: Option<usize>,
    /// If set, the only token lengths merges may build (1 is implied).
    pub allowed_lengths: Option<Vec<usize>>,
    /// Unused ids among the existing tokens (holes of a base vocabulary, which
    /// are empty entries): new tokens take these first, lowest first.
    pub free_ids: Vec<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The vocabulary reached its target size.
    VocabFull,
    /// No pair occurs often enough (or at all) any more.
    NoPairs,
    /// The best pair was below `min_frequency`.
    MinFrequency,
}

impl StopReason {
    /// The name reports use (`bytepair.last_train_report.stop`).
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::VocabFull => "vocab_full",
            StopReason::NoPairs => "no_pairs",
            StopReason::MinFrequency => "min_frequency",
        }
    }
}

pub struct MergeOutcome {
    pub merges: Vec<Merge>,
    pub stop: StopReason,
}

#[derive(Clone, Copy)]
pub(super) struct Entry {
    count: u64,
    pair: Pair,
    /// Push order: of two entries with the same count and pair, the older wins.
    seq: u32,
    words: u32, // index into `Queue::word_lists`
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.count
            .cmp(&other.count)
            .then_with(|| other.pair.cmp(&self.pair))
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

impl PairCounts for FxHashMap<Pair, i64> {
    #[inline]
    fn live(&self, pair: Pair) -> i64 {
        self.get(&pair).copied().unwrap_or(0)
    }
    #[inline]
    fn add(&mut self, pair: Pair, delta: i64) {
        *self.entry(pair).or_insert(0) += delta;
    }
    #[inline]
    fn gain(&mut self, pair: Pair, delta: i64, _positions: &[u32]) -> i64 {
        let c = self.entry(pair).or_insert(0);
        *c += delta;
        *c
    }
}

/// The heap of pair entries, each with the words it will merge (HF's rules,
/// see the module notes). Word lists live back to back in one packed arena:
/// a merge run pushes millions of short lists, and one allocation each was a
/// fifth of the positional loop's time (and as much again to free them).
///
/// Entries with a count below `floor` wait unordered in `low`, outside the
/// heap: most pairs stay rare and are never popped, and a heap of the others
/// is a fraction of the size. Every entry in the heap was pushed at or above
/// the floor, so the heap's best is the best of all entries until the heap
/// empties; then the floor drops and the entries at or above the new one
/// move into the heap. So the order of pops is the same as with one heap.
pub(super) struct Queue {
    heap: BinaryHeap<Entry>,
    low: Vec<Entry>,
    floor: u64,
    pushes: u32,
    lists: PackedLists,
}

/// The first floor of [`Queue::low`], and how far each drop lowers it. On
/// the 45 MB novels at 32K (whose last merges have counts in the hundreds) a
/// first floor of 64 took the loop from 0.41 to 0.35 s (median of 10
/// paired runs; 16 gained nothing, 128 and 256 less than 64).
const FIRST_FLOOR: u64 = 64;
const FLOOR_DROP: u64 = 8;

impl Default for Queue {
    fn default() -> Self {
        Queue {
            heap: BinaryHeap::new(),
            low: Vec::new(),
            floor: FIRST_FLOOR,
            pushes: 0,
            lists: PackedLists::default(),
        }
    }
}

/// `Entry::words` of an entry whose list is empty.
const NO_WORDS: u32 = u32::MAX;

impl Queue {
    /// An entry for `pair` with its current total count, if that is positive.
    pub(super) fn push_entry(&mut self, pair: Pair, count: i64, words: &[u32]) {
        if count > 0 {
            let words = self.file_words(words);
            self.push(Entry {
                count: count as u64,
                pair,
                seq: 0,
                words,
            });
        }
    }

    fn file_words(&mut self, words: &[u32]) -> u32 {
        if words.is_empty() {
            return NO_WORDS;
        }
        self.lists.push(words)
    }

    /// Entries with empty word lists for many pairs, in the given order
    /// (which sets their push order), built into the heap in one pass.
    pub(super) fn push_all(&mut self, entries: impl Iterator<Item = (Pair, i64)>) {
        let mut v = std::mem::take(&mut self.heap).into_vec();
        for (pair, count) in entries {
            if count > 0 {
                let entry = Entry {
                    count: count as u64,
                    pair,
                    seq: self.pushes,
                    words: NO_WORDS,
                };
                self.pushes = self.pushes.wrapping_add(1);
                if entry.count < self.floor {
                    self.low.push(entry);
                } else {
                    v.push(entry);
                }
            }
        }
        self.heap = BinaryHeap::from(v);
    }

    fn push(&mut self, mut entry: Entry) {
        entry.seq = self.pushes;
        self.pushes = self.pushes.wrapping_add(1);
        if entry.count < self.floor {
            self.low.push(entry);
        } else {
            self.heap.push(entry);
        }
    }

    /// Lower the floor until some waiting entry is at or above it, and move
    /// those entries into the heap.
    fn lower_floor(&mut self) {
        let best_low = self.low.iter().map(|e| e.count).max().unwrap_or(0);
        while self.floor > best_low {
            self.floor /= FLOOR_DROP;
        }
        let floor = self.floor;
        let mut v = std::mem::take(&mut self.heap).into_vec();
        let before = v.len();
        v.extend(self.low.iter().filter(|e| e.count >= floor).copied());
        if v.len() > before {
            self.low.retain(|e| e.count < floor);
        }
        self.heap = BinaryHeap::from(v);
    }

    /// The best pair whose entry holds its live count, its entry's words put
    /// in `words`; stale entries go back with the live count on the way.
    pub(super) fn pop_live(
        &mut self,
        pair_counts: &impl PairCounts,
        min_frequency: u64,
        words: &mut Vec<u32>,
    ) -> Result<Pair, StopReason> {
        loop {
            if self.heap.is_empty() && !self.low.is_empty() {
                self.lower_floor();
            }
            let Some(mut top) = self.heap.pop() else {
                return Err(StopReason::NoPairs);
            };
            let live = pair_counts.live(top.pair);
            if top.count as i64 != live {
                if live > 0 {
                    top.count = live as u64;
                    self.push(top);
                }
                continue;
            }
            if top.count < min_frequency.max(1) {
                return Err(if top.count == 0 {
                    StopReason::NoPairs
                } else {
                    StopReason::MinFrequency
                });
            }
            words.clear();
            if top.words != NO_WORDS {
                self.lists.read_into(top.words, words);
            }
            return Ok(top.pair);
        }
    }
}

/// Every token's bytes, a map back to ids, and lengths in the unit
/// `max_token_length` counts.
pub(super) struct TokenTable<'t, F: Fn(&[u8]) -> u32> {
    pub tokens: &'t mut Vec<Vec<u8>>,
    /// Unused ids still to fill, highest first (so `pop` gives the lowest).
    free: Vec<u32>,
    ids: FxHashMap<Vec<u8>, u32>,
    pub lens: Vec<u32>,
    unit_len: F,
}

impl<'t, F: Fn(&[u8]) -> u32> TokenTable<'t, F> {
    pub(super) fn new(tokens: &'t mut Vec<Vec<u8>>, unit_len: F, free_ids: &[u32]) -> Self {
        let mut free = free_ids.to_vec();
        free.sort_unstable_by(|a, b| b.cmp(a));
        // Empty entries are unused ids (a base vocabulary's special tokens).
        let ids = tokens
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.is_empty())
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        let lens = tokens.iter().map(|t| unit_len(t)).collect();
        TokenTable {
            tokens,
            free,
            ids,
            lens,
            unit_len,
        }
    }

    pub(super) fn joined(&self, (a, b): Pair) -> Vec<u8> {
        let mut bytes = self.tokens[a as usize].clone();
        bytes.extend_from_slice(&self.tokens[b as usize]);
        bytes
    }

    /// The id of `bytes`, a new one if the token is new.
    pub(super) fn intern(&mut self, bytes: Vec<u8>, progress: &Progress) -> u32 {
        if let Some(&id) = self.ids.get(&bytes) {
            return id;
        }
        let len = (self.unit_len)(&bytes);
        let id = match self.free.pop() {
            Some(id) => {
                self.lens[id as usize] = len;
                self.tokens[id as usize] = bytes.clone();
                id
            }
            None => {
                self.lens.push(len);
                self.tokens.push(bytes.clone());
                (self.tokens.len() - 1) as u32
            }
        };
        self.ids.insert(bytes, id);
        progress.inc(1);
        id
    }

    /// Ids in use: tokens, and the unused ids of specials.
    pub(super) fn size(&self) -> usize {
        self.tokens.len() - self.free.len()
    }
}

/// Words stored back to back in one buffer; merging shrinks a word in place.
#[derive(Default)]
pub struct Words {
    pub(super) symbols: Vec<u32>,
    pub(super) start: Vec<u32>,
    pub(super) len: Vec<u32>,
}

impl Words {
    pub fn with_capacity(words: usize, symbols: usize) -> Self {
        Words {
            symbols: Vec::with_capacity(symbols),
            start: Vec::with_capacity(words),
            len: Vec::with_capacity(words),
        }
    }

    /// Append one word given by its symbols.
    pub fn push(&mut self, word: impl IntoIterator<Item = u32>) {
        let start = self.symbols.len();
        self.symbols.extend(word);
        self.start.push(start as u32);
        self.len.push((self.symbols.len() - start) as u32);
    }

    pub fn count(&self) -> usize {
        self.start.len()
    }

    /// Symbols in all words.
    pub fn total_len(&self) -> usize {
        self.len.iter().map(|&l| l as usize).sum()
    }

    pub fn from_vecs(words: &[Vec<u32>]) -> Self {
        let total = words.iter().map(Vec::len).sum();
        let mut w = Words::with_capacity(words.len(), total);
        for word in words {
            w.push(word.iter().copied());
        }
        w
    }

    #[inline]
    pub fn get(&self, w: usize) -> &[u32] {
        let s = self.start[w] as usize;
        &self.symbols[s..s + self.len[w] as usize]
    }
}

/// Count changes of one merge step, keyed by the neighbour token.
///
/// Every pair whose count a merge of `left right -> result` changes has one of
/// the forms `(x, left)`, `(right, x)` (lost) or `(x, result)`, `(result, x)`
/// (gained), so one dense array per form, indexed by `x`, collects the step's
/// changes; the pair map is touched once per distinct neighbour, not once per
/// occurrence.
#[derive(Default)]
pub(super) struct StepDeltas {
    lost_before_left: Vec<i64>,
    lost_after_right: Vec<i64>,
    touched_lost_before: Vec<u32>,
    touched_lost_after: Vec<u32>,
    gained_before: Gains,
    gained_after: Gains,
}

impl StepDeltas {
    pub(super) fn grow(&mut self, n: usize) {
        if self.lost_before_left.len() < n {
            self.lost_before_left.resize(n, 0);
            self.lost_after_right.resize(n, 0);
            self.gained_before.slot.resize(n, NO_GAIN);
            self.gained_after.slot.resize(n, NO_GAIN);
        }
    }
}

#[inline]
fn add_lost(values: &mut [i64], touched: &mut Vec<u32>, x: u32, w: i64) {
    let v = &mut values[x as usize];
    if *v == 0 {
        touched.push(x);
    }
    *v -= w;
}

/// What one pair gained in a step: count, words, and (for the positional
/// loop) the positions of the new occurrences.
#[derive(Clone, Default)]
struct Gain {
    /// The neighbour token.
    x: u32,
    count: i64,
    words: Vec<u32>,
    positions: Vec<u32>,
}

/// `Gains::slot` of a neighbour with no gain this step.
const NO_GAIN: u32 = u32::MAX;

/// One form's gains in a step: a slot per neighbour token into a pool of
/// gains in the order of first touch. The pool is reused from step to step
/// (its vectors keep their capacity), so it holds as many gains as the
/// busiest step, not one per token of the vocabulary (a 56-byte `Gain` per
/// token and form was 3.7 MB at 32K).
#[derive(Default)]
struct Gains {
    slot: Vec<u32>,
    pool: Vec<Gain>,
    used: usize,
}

impl Gains {
    #[inline]
    fn add(&mut self, x: u32, w: i64, word: u32, position: Option<u32>) {
        let s = &mut self.slot[x as usize];
        if *s == NO_GAIN {
            if self.used == self.pool.len() {
                self.pool.push(Gain::default());
            }
            *s = self.used as u32;
            self.pool[self.used].x = x;
            self.used += 1;
        }
        let g = &mut self.pool[*s as usize];
        g.count += w;
        if g.words.last() != Some(&word) {
            g.words.push(word);
        }
        if let Some(p) = position {
            g.positions.push(p);
        }
    }
}

impl StepDeltas {
    /// Apply the collected changes to the pair counts and queue an entry for
    /// every pair that gained occurrences.
    pub(super) fn apply(
        &mut self,
        (left, right, result): (u32, u32, u32),
        pair_counts: &mut impl PairCounts,
        queue: &mut Queue,
    ) {
        let st = self;
        // The pairs are known before their counts are touched: ask for each
        // one's place a few pairs ahead (the positional loop's table is tens
        // of megabytes).
        const AHEAD: usize = 8;
        for (i, &x) in st.touched_lost_before.iter().enumerate() {
            if let Some(&y) = st.touched_lost_before.get(i + AHEAD) {
                pair_counts.prefetch((y, left));
            }
            pair_counts.add((x, left), st.lost_before_left[x as usize]);
            st.lost_before_left[x as usize] = 0;
        }
        for (i, &x) in st.touched_lost_after.iter().enumerate() {
            if let Some(&y) = st.touched_lost_after.get(i + AHEAD) {
                pair_counts.prefetch((right, y));
            }
            pair_counts.add((right, x), st.lost_after_right[x as usize]);
            st.lost_after_right[x as usize] = 0;
        }
        st.touched_lost_before.clear();
        st.touched_lost_after.clear();
        // Losses go first, and no pair gains twice in a step (the two forms
        // hold (x, result) and (result, x), with (result, result) only in the
        // first), so the count after a gain is the pair's total for the step.
        for (gains, before) in [(&mut st.gained_before, true), (&mut st.gained_after, false)] {
            let pair_of = |x: u32| if before { (x, result) } else { (result, x) };
            for i in 0..gains.used {
                if let Some(ahead) = gains.pool[..gains.used].get(i + AHEAD) {
                    pair_counts.prefetch(pair_of(ahead.x));
                }
                let g = &mut gains.pool[i];
                let pair = pair_of(g.x);
                let live = pair_counts.gain(pair, g.count, &g.positions);
                queue.push_entry(pair, live, &g.words);
                gains.slot[g.x as usize] = NO_GAIN;
                // Cleared, not dropped: the vectors keep their capacity.
                g.count = 0;
                g.words.clear();
                g.positions.clear();
            }
            gains.used = 0;
        }
    }

    /// Record one merge of `left right` into `result` between the symbols
    /// `prev` and `next` (either may be absent) of word `w` with weight `weight`.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    /// `at` gives the positions of the previous symbol and of the merged one,
    /// for the positional loop (`None` in the word loop).
    pub(super) fn record(
        &mut self,
        (left, right, result): (u32, u32, u32),
        prev: Option<u32>,
        next: Option<u32>,
        (w, weight): (u32, i64),
        at: Option<(u32, u32)>,
        fits: impl Fn(u32, u32) -> bool,
    ) {
        if let Some(prev) = prev {
            if fits(prev, left) {
                add_lost(
                    &mut self.lost_before_left,
                    &mut self.touched_lost_before,
                    prev,
                    weight,
                );
            }
            if fits(prev, result) {
                self.gained_before.add(prev, weight, w, at.map(|a| a.0));
            }
        }
        if let Some(next) = next {
            if fits(right, next) {
                add_lost(
                    &mut self.lost_after_right,
                    &mut self.touched_lost_after,
                    next,
                    weight,
                );
            }
            if fits(result, next) {
                // (result, result) is filed under "before" so it is one entry.
                if next == result {
                    self.gained_before.add(next, weight, w, at.map(|a| a.1));
                } else {
                    self.gained_after.add(next, weight, w, at.map(|a| a.1));
                }
            }
        }
    }
}

/// The token lengths (in symbol units) merges may build: at most a maximum,
/// and if a set is given, only lengths in it (Binary BPE's "allowed lengths").
#[derive(Clone, Debug)]
pub(super) struct LengthRule {
    max: usize,
    allowed: Option<Vec<bool>>,
}

impl LengthRule {
    pub(super) fn new(cfg: &MergeConfig) -> Self {
        let mut max = cfg.max_token_length.unwrap_or(usize::MAX);
        let allowed = cfg.allowed_lengths.as_ref().map(|set| {
            let top = set.iter().copied().max().unwrap_or(1);
            max = max.min(top);
            let mut v = vec![false; top + 1];
            for &l in set {
                v[l] = true;
            }
            v
        });
        LengthRule { max, allowed }
    }

    #[inline]
    fn fits(&self, len: usize) -> bool {
        len <= self.max
            && self
                .allowed
                .as_ref()
                .is_none_or(|a| a.get(len).copied().unwrap_or(false))
    }
}

/// May the two tokens be merged under `rule`?
#[inline]
pub(super) fn fits_len(lens: &[u32], rule: &LengthRule, a: u32, b: u32) -> bool {
    rule.max == usize::MAX && rule.allowed.is_none()
        || rule.fits((lens[a as usize] + lens[b as usize]) as usize)
}

/// The mutable state of the loop, over plain data.
struct State<'a> {
    words: Words,
    counts: &'a [u64],
    rule: LengthRule,
    pair_counts: PairCountTable,
    queue: Queue,
    step: StepDeltas,
}

impl State<'_> {
    /// Count every pair of every word and make one entry per pair.
    fn count_initial_pairs(&mut self, lens: &[u32]) {
        let mut where_seen: FxHashMap<Pair, Vec<u32>> = FxHashMap::default();
        for w in 0..self.words.len.len() {
            let word = self.words.get(w);
            let c = self.counts[w] as i64;
            for win in word.windows(2) {
                let pair = (win[0], win[1]);
                if !fits_len(lens, &self.rule, pair.0, pair.1) {
                    continue;
                }
                self.pair_counts.add(pair, c);
                let list = where_seen.entry(pair).or_default();
                if list.last() != Some(&(w as u32)) {
                    list.push(w as u32);
                }
            }
        }
        // Sorted so the heap is built in the same order on every run.
        let mut lists: Vec<_> = where_seen.into_iter().collect();
        lists.sort_unstable_by_key(|e| e.0);
        for (pair, list) in lists {
            let count = self.pair_counts.live(pair);
            self.queue.push_entry(pair, count, &list);
        }
    }

    /// Replace `left right` by `result` in word `w`, collecting count changes.
    fn merge_word(&mut self, w: u32, merge: (u32, u32, u32), lens: &[u32]) {
        let (left, right, result) = merge;
        let wi = w as usize;
        let start = self.words.start[wi] as usize;
        let end = start + self.words.len[wi] as usize;
        let weight = self.counts[wi] as i64;
        let rule = &self.rule;
        let fits = |a: u32, b: u32| fits_len(lens, rule, a, b);
        let st = &mut self.step;
        let symbols = &mut self.words.symbols;
        let mut out = start;
        let mut r = start;
        while r < end {
            let sym = symbols[r];
            if sym == left && r + 1 < end && symbols[r + 1] == right {
                let prev = (out > start).then(|| symbols[out - 1]);
                let next = (r + 2 < end).then(|| symbols[r + 2]);
                st.record(merge, prev, next, (w, weight), None, fits);
                symbols[out] = result;
                r += 2;
            } else {
                symbols[out] = sym;
                r += 1;
            }
            out += 1;
        }
        self.words.len[wi] = (out - start) as u32;
    }
}

/// Learn merges over `words` (symbol id sequences) with multiplicities `counts`.
///
/// `tokens` holds the byte string of every id that exists so far (at least the
/// alphabet); new tokens are appended to it. `unit_len` gives each token's length
/// in the unit `max_token_length` counts (bytes, or characters). `journal`
/// hears of every merge (and may stop the loop with an error).
pub fn learn_merges(
    words: Words,
    counts: &[u64],
    tokens: &mut Vec<Vec<u8>>,
    unit_len: impl Fn(&[u8]) -> u32,
    cfg: &MergeConfig,
    progress: &Progress,
    journal: &mut dyn Journal,
) -> Result<MergeOutcome> {
    let mut table = TokenTable::new(tokens, unit_len, &cfg.free_ids);
    let mut st = State {
        rule: LengthRule::new(cfg),
        words,
        counts,
        pair_counts: PairCountTable::default(),
        queue: Queue::default(),
        step: StepDeltas::default(),
    };
    st.count_initial_pairs(&table.lens);

    let mut merges = Vec::new();
    let mut list = Vec::new();
    let stop = loop {
        if table.size() >= cfg.target_vocab {
            break StopReason::VocabFull;
        }
        let pair = match st
            .queue
            .pop_live(&st.pair_counts, cfg.min_frequency, &mut list)
        {
            Ok(found) => found,
            Err(stop) => break stop,
        };
        let result = table.intern(table.joined(pair), progress);
        let (left, right) = pair;
        merges.push(Merge {
            left,
            right,
            result,
        });
        st.step.grow(table.tokens.len());
        for &w in &list {
            st.merge_word(w, (left, right, result), &table.lens);
        }
        st.step
            .apply((left, right, result), &mut st.pair_counts, &mut st.queue);
        journal.merged(&merges)?;
    };
    journal.end(&merges)?;
    Ok(MergeOutcome { merges, stop })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The queue with its floor against one plain heap of the same entries:
    /// random pushes (ties included) and pops whose live counts have fallen.
    #[test]
    fn the_floor_keeps_the_order_of_one_heap() {
        let mut rng = crate::test_rng::Rng(0x2545_F491_4F6C_DD1D);
        let mut next = move |n: u64| rng.below(n);
        for round in 0..200 {
            let mut queue = Queue::default();
            let mut plain: BinaryHeap<Entry> = BinaryHeap::new();
            let mut plain_lists: Vec<Vec<u32>> = Vec::new();
            let mut live: FxHashMap<Pair, i64> = FxHashMap::default();
            let spread = [4u64, 100, 1000][round % 3];
            let mut seq = 0u32;
            for _ in 0..300 {
                if next(3) > 0 {
                    let pair = (next(5) as u32, next(5) as u32);
                    let count = 1 + next(spread) as i64;
                    let words: Vec<u32> = (0..next(4)).map(|i| i as u32 * 7).collect();
                    *live.entry(pair).or_insert(0) = count;
                    queue.push_entry(pair, count, &words);
                    plain.push(Entry {
                        count: count as u64,
                        pair,
                        seq,
                        words: plain_lists.len() as u32,
                    });
                    plain_lists.push(words);
                    seq += 1;
                } else {
                    // Counts of old pairs only fall: lower one before a pop.
                    if let Some(c) = live.values_mut().find(|c| **c > 1) {
                        *c -= 1 + next(*c as u64 - 1) as i64;
                    }
                    let mut got = Vec::new();
                    let ours = queue.pop_live(&live, 0, &mut got);
                    let theirs = loop {
                        let Some(mut top) = plain.pop() else {
                            break Err(StopReason::NoPairs);
                        };
                        let l = live.live(top.pair);
                        if top.count as i64 != l {
                            if l > 0 {
                                top.count = l as u64;
                                top.seq = seq;
                                seq += 1;
                                plain.push(top);
                            }
                            continue;
                        }
                        break Ok((top.pair, plain_lists[top.words as usize].clone()));
                    };
                    assert_eq!(ours.map(|p| (p, got)), theirs, "round {round}");
                }
            }
        }
    }

    fn run(words: &[(&[u32], u64)], target: usize) -> (Vec<Merge>, Vec<Vec<u8>>) {
        let mut tokens: Vec<Vec<u8>> = (0..4u8).map(|b| vec![b'a' + b]).collect();
        let ws = Words::from_vecs(&words.iter().map(|w| w.0.to_vec()).collect::<Vec<_>>());
        let counts: Vec<u64> = words.iter().map(|w| w.1).collect();
        let cfg = MergeConfig {
            target_vocab: target,
            min_frequency: 0,
            max_token_length: None,
            allowed_lengths: None,
            free_ids: Vec::new(),
        };
        let out = learn_merges(
            ws,
            &counts,
            &mut tokens,
            |t| t.len() as u32,
            &cfg,
            &Progress::items(false, 0, ""),
            &mut NoJournal,
        )
        .expect("no journal, no error");
        (out.merges, tokens)
    }

    #[test]
    fn most_frequent_pair_first_then_smaller_ids() {
        // "ab" x3, "cd" x3, "bc" x1: ab and cd tie at 3; (0,1) < (2,3).
        let (m, t) = run(&[(&[0, 1], 3), (&[2, 3], 3), (&[1, 2], 1)], 6);
        assert_eq!(
            m,
            vec![
                Merge {
                    left: 0,
                    right: 1,
                    result: 4
                },
                Merge {
                    left: 2,
                    right: 3,
                    result: 5
                },
            ]
        );
        assert_eq!(t[4], b"ab");
        assert_eq!(t[5], b"cd");
    }

    #[test]
    fn overlapping_runs_merge_left_to_right() {
        // "aaa": (a,a) counted twice, merged once per word -> "aa a".
        let (m, _) = run(&[(&[0, 0, 0], 1)], 6);
        assert_eq!(
            m[0],
            Merge {
                left: 0,
                right: 0,
                result: 4
            }
        );
        assert_eq!(
            m[1],
            Merge {
                left: 4,
                right: 0,
                result: 5
            }
        );
    }

    #[test]
    fn counts_above_u32_keep_their_order() {
        let big = 5_000_000_000u64;
        let (m, _) = run(&[(&[2, 3], big), (&[0, 1], big - 1)], 5);
        assert_eq!(
            m[0],
            Merge {
                left: 2,
                right: 3,
                result: 4
            }
        );
    }
}
