//! The merge loop for long words (SuperBPE's stage 2, where a word is a
//! whole line or clause).
//!
//! It follows exactly the rules of [`super::merge::learn_merges`] (HF's), and a
//! test checks the two give the same merges. What differs is the bookkeeping:
//! words are doubly linked lists of symbols, and every pair keeps the positions
//! where it was formed. A merge visits only its own occurrences, where the
//! word loop rescans every word that holds the pair; with words of hundreds of
//! symbols that is the difference between seconds and hours (the official
//! trainer's "count pairs stalls" reports).
//!
//! An entry still carries the words it may merge (HF semantics): a position
//! in another word is kept for a later entry of the same pair.
//!
//! A `accept` filter can refuse a pair (SuperBPE's words-per-token and
//! forbidden-substring rules): the pair is dropped, as the official trainer
//! does, and comes back only if a later merge creates new occurrences of it.
//!
//! Performance notes: positions are `u32` into one flat array; stale
//! positions are not removed eagerly but skipped when the pair is merged (a
//! position whose symbols changed no longer matches). The initial count is
//! one pass to give every pair an id (its slot in the pair table prefetched
//! 16 positions ahead) and one to count them (each count's slot prefetched
//! likewise): stage 2 went 9.1 -> 5.4 s on the 40.6 MB novels with these
//! and the prefetch of neighbour pairs in `StepDeltas::apply`.

use super::merge::{
    fits_len, Journal, LengthRule, Merge, MergeConfig, MergeOutcome, Pair, PairCounts, Queue,
    StepDeltas, StopReason, TokenTable, Words,
};
use super::pair_table::PairTable;
use crate::error::Result;
use crate::progress::Progress;

const NONE: u32 = u32::MAX;
/// Alphabets up to this size index initial pairs in a table (4 MB of u32).
const DENSE_ALPHABET: usize = 1024;
/// Occurrences ahead whose node is requested early: the positions of a pair
/// are scattered over the whole text, so each visit is a cache miss.
const PREFETCH_DISTANCE: usize = 4;
/// Positions ahead whose pair slot the index prefetches while it is built.
const AHEAD: usize = 16;

const DEAD: u32 = u32::MAX;

/// One symbol of a word: its token and its neighbours (one cache line holds
/// four, and a merge reads all fields of a node together).
#[derive(Clone, Copy)]
struct Node {
    sym: u32,
    prev: u32,
    next: u32,
    word: u32,
}

/// Everything known about one pair.
#[derive(Clone, Copy)]
struct Slot {
    count: i64,
    /// Its positions in the initial words: a range of `PairIndex::initial`.
    initial: (u32, u32),
    /// Positions recorded since, by gains (some may be stale): the head of a
    /// list of chunks threaded through `PairIndex::chunks`.
    later: u32,
}

impl Slot {
    /// A pair not counted yet.
    const NEW: Slot = Slot {
        count: 0,
        initial: (0, 0),
        later: NONE,
    };
}

/// Pair -> count and positions. Pairs have dense ids; the initial positions
/// of all pairs sit in one array grouped by pair (a counting sort), and later
/// positions in one append-only arena, in chunks (one per pair and step)
/// linked per pair, so the index makes a handful of allocations however many
/// pairs there are, and filing a step's gains is a copy.
struct PairIndex {
    ids: PairTable,
    slots: Vec<Slot>,
    initial: Vec<u32>,
    later_positions: Vec<u32>,
    /// (start in `later_positions`, length, next chunk) of the `later` lists;
    /// a chunk of one position holds the position itself in place of a start.
    chunks: Vec<(usize, u32, u32)>,
}

impl PairIndex {
    fn slot_id(&mut self, pair: Pair) -> usize {
        let slots = &mut self.slots;
        self.ids.get_or_insert(pair, || {
            slots.push(Slot::NEW);
            (slots.len() - 1) as u32
        }) as usize
    }

    /// Move the later positions of slot `id` into `out` (unsorted).
    fn take_later(&mut self, id: usize, out: &mut Vec<u32>) {
        let mut chunk = std::mem::replace(&mut self.slots[id].later, NONE);
        while chunk != NONE {
            let (start, len, next) = self.chunks[chunk as usize];
            if len == 1 {
                out.push(start as u32); // a lone position is kept in the chunk
            } else {
                out.extend_from_slice(&self.later_positions[start..start + len as usize]);
            }
            chunk = next;
        }
    }

    fn add_later(&mut self, id: usize, positions: &[u32]) {
        let start = match positions {
            [] => return,
            [p] => *p as usize,
            _ => {
                self.later_positions.extend_from_slice(positions);
                self.later_positions.len() - positions.len()
            }
        };
        self.chunks
            .push((start, positions.len() as u32, self.slots[id].later));
        self.slots[id].later = (self.chunks.len() - 1) as u32;
    }
}

impl PairCounts for PairIndex {
    #[inline]
    fn live(&self, pair: Pair) -> i64 {
        self.ids
            .get(pair)
            .map_or(0, |id| self.slots[id as usize].count)
    }
    #[inline]
    fn prefetch(&self, pair: Pair) {
        self.ids.prefetch(pair);
    }
    #[inline]
    fn add(&mut self, pair: Pair, delta: i64) {
        let id = self.slot_id(pair);
        self.slots[id].count += delta;
    }
    #[inline]
    fn gain(&mut self, pair: Pair, delta: i64, positions: &[u32]) -> i64 {
        let id = self.slot_id(pair);
        self.slots[id].count += delta;
        self.add_later(id, positions);
        self.slots[id].count
    }
}

fn build_nodes(words: &Words) -> Vec<Node> {
    let mut nodes = Vec::with_capacity(words.total_len());
    for w in 0..words.count() {
        let s = words.get(w);
        let base = nodes.len() as u32;
        for (i, &sym) in s.iter().enumerate() {
            let p = base + i as u32;
            nodes.push(Node {
                sym,
                prev: if i == 0 { NONE } else { p - 1 },
                next: if i + 1 == s.len() { NONE } else { p + 1 },
                word: w as u32,
            });
        }
    }
    nodes
}

/// Count every pair, group its positions, and queue one entry per pair (with
/// an empty word list, which stands for "the words of its initial positions").
fn index_pairs(
    nodes: &[Node],
    counts: &[u64],
    fits: impl Fn(u32, u32) -> bool,
    queue: &mut Queue,
) -> PairIndex {
    // Pass 1: a dense id per pair. With a small alphabet (raw bytes: 256
    // symbols) a table indexed by the pair replaces the hash table; with a
    // large one, the pair `AHEAD` positions on has its slot prefetched.
    let alphabet = nodes.iter().map(|n| n.sym as usize + 1).max().unwrap_or(0);
    let mut table: Vec<u32> = if alphabet <= DENSE_ALPHABET {
        vec![NONE; alphabet * alphabet]
    } else {
        Vec::new()
    };
    let pair_at = |p: usize| {
        let n = nodes[p];
        (n.next != NONE)
            .then(|| (n.sym, nodes[n.next as usize].sym))
            .filter(|&(a, b)| fits(a, b))
    };
    let mut ids = PairTable::with_capacity(if table.is_empty() { nodes.len() / 8 } else { 0 });
    let mut pair_of: Vec<u32> = vec![NONE; nodes.len()];
    let mut pairs: Vec<Pair> = Vec::new();
    for (p, id_at) in pair_of.iter_mut().enumerate() {
        if table.is_empty() && p + AHEAD < nodes.len() {
            if let Some(pair) = pair_at(p + AHEAD) {
                ids.prefetch(pair);
            }
        }
        let Some(pair) = pair_at(p) else { continue };
        let mut new_id = || {
            pairs.push(pair);
            (pairs.len() - 1) as u32
        };
        *id_at = if table.is_empty() {
            ids.get_or_insert(pair, new_id)
        } else {
            let cell = &mut table[pair.0 as usize * alphabet + pair.1 as usize];
            if *cell == NONE {
                *cell = new_id();
            }
            *cell
        };
    }
    // Pass 1b: each pair's count and number of positions, its slot
    // prefetched `AHEAD` positions before.
    let mut slots: Vec<Slot> = vec![Slot::NEW; pairs.len()];
    for (p, &id) in pair_of.iter().enumerate() {
        if let Some(&ahead) = pair_of.get(p + AHEAD) {
            if ahead != NONE {
                crate::prefetch::read(&slots[ahead as usize]);
            }
        }
        if id != NONE {
            let slot = &mut slots[id as usize];
            slot.count += counts[nodes[p].word as usize] as i64;
            slot.initial.1 += 1; // the size, for now
        }
    }
    // Pass 2: offsets, then positions in ascending order within each pair.
    let mut total = 0u32;
    for slot in &mut slots {
        let size = slot.initial.1;
        slot.initial = (total, total);
        total += size;
    }
    let mut initial = vec![0u32; total as usize];
    for (p, &id) in pair_of.iter().enumerate() {
        if id != NONE {
            let end = &mut slots[id as usize].initial.1;
            initial[*end as usize] = p as u32;
            *end += 1;
        }
    }
    drop(pair_of);
    if !table.is_empty() {
        ids = PairTable::with_capacity(pairs.len());
        for (i, &pair) in pairs.iter().enumerate() {
            ids.get_or_insert(pair, || i as u32);
        }
    }
    // Sorted so the heap is built in the same order on every run.
    let mut order: Vec<u32> = (0..pairs.len() as u32).collect();
    order.sort_unstable_by_key(|&i| pairs[i as usize]);
    queue.push_all(
        order
            .iter()
            .map(|&i| (pairs[i as usize], slots[i as usize].count)),
    );
    PairIndex {
        ids,
        slots,
        initial,
        later_positions: Vec::new(),
        chunks: Vec::new(),
    }
}

/// Facts about a run besides the merges.
pub struct PositionalOutcome {
    pub outcome: MergeOutcome,
    /// Pairs the filter refused (each refusal counted).
    pub rejected: u64,
}

/// Learn merges over long `words`, with the filter `accept` on each new token.
///
/// Arguments as in [`super::merge::learn_merges`].
#[allow(clippy::too_many_arguments)]
pub fn learn_merges_positional(
    words: Words,
    counts: &[u64],
    tokens: &mut Vec<Vec<u8>>,
    unit_len: impl Fn(&[u8]) -> u32,
    cfg: &MergeConfig,
    accept: impl Fn(&[u8]) -> bool,
    progress: &Progress,
    journal: &mut dyn Journal,
) -> Result<PositionalOutcome> {
    let mut table = TokenTable::new(tokens, unit_len, &cfg.free_ids);
    let rule = LengthRule::new(cfg);
    let mut nodes = build_nodes(&words);
    let num_words = words.count();
    drop(words);
    let mut queue = Queue::default();
    let mut index = {
        let lens = &table.lens;
        index_pairs(
            &nodes,
            counts,
            |a, b| fits_len(lens, &rule, a, b),
            &mut queue,
        )
    };

    let mut step = StepDeltas::default();
    let mut mark = vec![0u32; num_words];
    let mut stamp = 0u32;
    let mut merges = Vec::new();
    let mut rejected = 0u64;
    let mut occurrences: Vec<u32> = Vec::new();
    let mut later: Vec<u32> = Vec::new();
    let mut list: Vec<u32> = Vec::new();
    let stop = loop {
        if table.size() >= cfg.target_vocab {
            break StopReason::VocabFull;
        }
        let pair = match queue.pop_live(&index, cfg.min_frequency, &mut list) {
            Ok(found) => found,
            Err(stop) => break stop,
        };
        let bytes = table.joined(pair);
        if !accept(&bytes) {
            rejected += 1;
            continue;
        }
        let result = table.intern(bytes, progress);
        let (a, b) = pair;
        merges.push(Merge {
            left: a,
            right: b,
            result,
        });
        step.grow(table.tokens.len());

        // Every recorded position of the pair, in ascending order. The initial
        // range stays: it also says which words the pair's first entry covers.
        let id = index.slot_id(pair);
        let (lo, hi) = index.slots[id].initial;
        later.clear();
        index.take_later(id, &mut later);
        later.sort_unstable();
        later.dedup();
        occurrences.clear();
        occurrences.extend_from_slice(&index.initial[lo as usize..hi as usize]);
        // The entry's words: its list, or for the first entry the words of the
        // initial positions. Marking is needed only if some position could be
        // outside them.
        let everywhere = list.is_empty() && later.is_empty();
        if !everywhere {
            stamp += 1;
            if list.is_empty() {
                for &p in &occurrences {
                    mark[nodes[p as usize].word as usize] = stamp;
                }
            } else {
                for &w in &list {
                    mark[w as usize] = stamp;
                }
            }
            if !later.is_empty() {
                occurrences.extend_from_slice(&later);
                occurrences.sort_unstable();
                occurrences.dedup();
            }
        }
        later.clear();
        let lens = &table.lens;
        let fits = |x: u32, y: u32| fits_len(lens, &rule, x, y);
        for (i, &p) in occurrences.iter().enumerate() {
            if let Some(&ahead) = occurrences.get(i + PREFETCH_DISTANCE) {
                crate::prefetch::read(&nodes[ahead as usize]);
            }
            let pu = p as usize;
            let node = nodes[pu];
            let q = node.next;
            if node.sym != a || q == NONE || nodes[q as usize].sym != b {
                continue; // stale: merged away or changed since it was recorded
            }
            if !everywhere && mark[node.word as usize] != stamp {
                later.push(p); // for a later entry of this pair
                continue;
            }
            let after = nodes[q as usize].next;
            let prev_sym = (node.prev != NONE).then(|| nodes[node.prev as usize].sym);
            let next_sym = (after != NONE).then(|| nodes[after as usize].sym);
            step.record(
                (a, b, result),
                prev_sym,
                next_sym,
                (node.word, counts[node.word as usize] as i64),
                Some((node.prev, p)),
                fits,
            );
            nodes[pu].sym = result;
            nodes[pu].next = after;
            nodes[q as usize].sym = DEAD;
            if after != NONE {
                nodes[after as usize].prev = p;
            }
        }
        index.add_later(id, &later);
        step.apply((a, b, result), &mut index, &mut queue);
        journal.merged(&merges)?;
    };
    journal.end(&merges)?;
    Ok(PositionalOutcome {
        outcome: MergeOutcome { merges, stop },
        rejected,
    })
}

#[cfg(test)]
mod tests {
    use super::super::merge::learn_merges;
    use super::super::merge::NoJournal;
    use super::*;

    use crate::test_rng::Rng;

    fn both(words: &[Vec<u32>], counts: &[u64], max_len: Option<usize>) {
        let alphabet: Vec<Vec<u8>> = (0..4u8).map(|b| vec![b'a' + b]).collect();
        both_over(alphabet, words, counts, max_len);
    }

    fn both_over(
        alphabet: Vec<Vec<u8>>,
        words: &[Vec<u32>],
        counts: &[u64],
        max_len: Option<usize>,
    ) {
        let cfg = MergeConfig {
            target_vocab: alphabet.len() + 56,
            min_frequency: 0,
            max_token_length: max_len,
            allowed_lengths: None,
            free_ids: Vec::new(),
        };
        let quiet = Progress::items(false, 0, "");
        let mut t1 = alphabet.clone();
        let m1 = learn_merges(
            Words::from_vecs(words),
            counts,
            &mut t1,
            |t| t.len() as u32,
            &cfg,
            &quiet,
            &mut NoJournal,
        )
        .expect("no journal");
        let mut t2 = alphabet;
        let m2 = learn_merges_positional(
            Words::from_vecs(words),
            counts,
            &mut t2,
            |t| t.len() as u32,
            &cfg,
            |_| true,
            &quiet,
            &mut NoJournal,
        )
        .expect("no journal");
        assert_eq!(m1.merges, m2.outcome.merges, "words {words:?}");
        assert_eq!(m1.stop, m2.outcome.stop);
        assert_eq!(t1, t2);
    }

    #[test]
    fn same_merges_as_the_word_loop() {
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        for round in 0..400 {
            let n = 1 + rng.below(12) as usize;
            let alphabet = 1 + rng.below(4);
            let words: Vec<Vec<u32>> = (0..n)
                .map(|_| {
                    let len = 1 + rng.below(40) as usize;
                    (0..len).map(|_| rng.below(alphabet) as u32).collect()
                })
                .collect();
            let counts: Vec<u64> = (0..n).map(|_| 1 + rng.below(5)).collect();
            let max_len = (round % 3 == 0).then(|| 2 + rng.below(6) as usize);
            both(&words, &counts, max_len);
        }
    }

    /// Symbols past `DENSE_ALPHABET`, so the index is built in the hash table.
    #[test]
    fn same_merges_over_a_large_alphabet() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let alphabet: Vec<Vec<u8>> = (0..1200u16).map(|i| i.to_be_bytes().to_vec()).collect();
        for _ in 0..100 {
            let n = 1 + rng.below(12) as usize;
            let used = 1 + rng.below(6) as u32;
            let words: Vec<Vec<u32>> = (0..n)
                .map(|_| {
                    let len = 1 + rng.below(40) as usize;
                    (0..len)
                        .map(|_| 1100 + rng.below(used as u64) as u32)
                        .collect()
                })
                .collect();
            let counts: Vec<u64> = (0..n).map(|_| 1 + rng.below(5)).collect();
            both_over(alphabet.clone(), &words, &counts, None);
        }
    }

    #[test]
    fn refused_pairs_are_never_merged() {
        let words = vec![vec![0, 1, 0, 1, 2, 3], vec![0, 1, 2]];
        let mut tokens: Vec<Vec<u8>> = (0..4u8).map(|b| vec![b'a' + b]).collect();
        let cfg = MergeConfig {
            target_vocab: 20,
            min_frequency: 0,
            max_token_length: None,
            allowed_lengths: None,
            free_ids: Vec::new(),
        };
        let out = learn_merges_positional(
            Words::from_vecs(&words),
            &[1, 1],
            &mut tokens,
            |t| t.len() as u32,
            &cfg,
            |t| !t.windows(2).any(|w| w == b"bc"),
            &Progress::items(false, 0, ""),
            &mut NoJournal,
        )
        .expect("no journal");
        assert!(out.rejected > 0);
        assert!(tokens.iter().all(|t| !t.windows(2).any(|w| w == b"bc")));
        assert!(!out.outcome.merges.is_empty());
    }
}
