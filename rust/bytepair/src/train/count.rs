//! Stage 1 of training: count pre-tokens.
//!
//! Text arrives in batches (blocks of a file cut at line ends, or a buffer of
//! Python strings). Each batch is split across the thread pool; every worker
//! counts into its own map, so there is no shared lock, and the maps are summed
//! once at the end. Counting is a sum, so the result does not depend on the
//! number of threads or on how the input was cut.
//!
//! Performance notes: pieces of up to 16 bytes (nearly all of them in natural
//! language) are keys of two u64 words and a length, so a lookup hashes three
//! words and compares inline, where `Box<[u8]>` keys went through `memcmp` (10%
//! of counting samples in perf); the end-to-end gain was within this machine's
//! noise. Longer pieces keep boxed keys. Files are read in blocks rather than memory-
//! mapped so the peak RSS stays at a few blocks whatever the file size.
//!
//! Writing counts out (a distributed map task's last step) sorts borrowed
//! [`Piece`]s whose first 16 bytes are inline: sorting boxed keys cost a
//! malloc per entry and a pointer chase per comparison, and 971 K distinct
//! pre-tokens took 0.56 s to partition and write on one thread; inline heads
//! made it 0.15 s. Sums of sorted lists merge two at a time, shortest first
//! (a heap over all lists was twice as slow).

use crate::error::{Error, Result};
use crate::pretok::Pretokenizer;
use crate::progress::Progress;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::io::{BufRead, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::Path;
use std::sync::Mutex;

/// A piece of at most 16 bytes packed into two words: hashing and comparing it
/// takes a few instructions and no allocation.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
struct ShortKey {
    lo: u64,
    hi: u64,
    len: u8,
}

const SHORT: usize = 16;

impl ShortKey {
    #[inline]
    fn new(piece: &[u8]) -> Self {
        let mut buf = [0u8; SHORT];
        buf[..piece.len()].copy_from_slice(piece);
        let (lo, hi) = buf.split_at(8);
        ShortKey {
            lo: u64::from_le_bytes(lo.try_into().unwrap_or_default()),
            hi: u64::from_le_bytes(hi.try_into().unwrap_or_default()),
            len: piece.len() as u8,
        }
    }

    fn padded(&self) -> [u8; SHORT] {
        let mut buf = [0u8; SHORT];
        buf[..8].copy_from_slice(&self.lo.to_le_bytes());
        buf[8..].copy_from_slice(&self.hi.to_le_bytes());
        buf
    }
}

/// A pre-token borrowed from counts for sorting and writing. Its first 16
/// bytes are copied inline: a short piece needs nothing else, and a sort
/// compares heads as integers without following a pointer to a long piece's
/// bytes (a cache miss each time; that made sorting three times slower).
#[derive(Clone, Copy, Debug)]
pub struct Piece<'a> {
    /// The first 16 bytes, zero-padded.
    head: [u8; SHORT],
    /// The length of a short piece.
    short_len: u8,
    /// The whole of a piece longer than 16 bytes; empty for a short one.
    long: &'a [u8],
}

impl<'a> Piece<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        match bytes.first_chunk::<SHORT>() {
            Some(head) if bytes.len() > SHORT => Piece {
                head: *head,
                short_len: 0,
                long: bytes,
            },
            _ => {
                let mut head = [0u8; SHORT];
                head[..bytes.len()].copy_from_slice(bytes);
                Piece {
                    head,
                    short_len: bytes.len() as u8,
                    long: &[],
                }
            }
        }
    }

    fn from_key(key: &ShortKey) -> Self {
        Piece {
            head: key.padded(),
            short_len: key.len,
            long: &[],
        }
    }

    /// Which of `parts` parts this piece belongs to: a function of its
    /// bytes alone, so every shard sends a pre-token to the same reducer.
    /// Mixes the head and the length (no pass over a long piece's bytes).
    fn part(&self, parts: usize) -> usize {
        let head = u128::from_le_bytes(self.head);
        let len = self.as_ref().len() as u64;
        let mut h = (head as u64) ^ ((head >> 64) as u64).rotate_left(31) ^ len.rotate_left(59);
        h = (h ^ (h >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
        h = (h ^ (h >> 33)).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^= h >> 33;
        (h % parts as u64) as usize
    }
}

impl AsRef<[u8]> for Piece<'_> {
    fn as_ref(&self) -> &[u8] {
        if self.long.is_empty() {
            &self.head[..self.short_len as usize]
        } else {
            self.long
        }
    }
}

impl Ord for Piece<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Zero-padded big-endian heads order like the bytes; equal heads
        // (one piece a zero-padded prefix of the other, or a shared 16-byte
        // start) fall back to the bytes.
        u128::from_be_bytes(self.head)
            .cmp(&u128::from_be_bytes(other.head))
            .then_with(|| self.as_ref().cmp(other.as_ref()))
    }
}

impl PartialOrd for Piece<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Piece<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_ref() == other.as_ref()
    }
}

impl Eq for Piece<'_> {}

/// Sorted, distinct `(pre-token, count)` entries.
pub type SortedCounts = Vec<(Box<[u8]>, u64)>;

/// Pre-token -> number of occurrences.
///
/// Counts read from a file or summed from sorted parts stay a sorted list
/// (`sorted`) until something changes them: the merge loop wants them sorted
/// anyway, and sums of sorted parts are a merge, so the distributed reduce
/// never hashes a pre-token. Any change first moves them into the maps.
#[derive(Default, Debug, Clone)]
pub struct WordCounts {
    short: FxHashMap<ShortKey, u64>,
    long: FxHashMap<Box<[u8]>, u64>,
    sorted: SortedCounts,
}

impl WordCounts {
    /// Counts from entries sorted by bytes with no repeats (not checked here;
    /// the file reader checks them).
    pub fn from_sorted(entries: SortedCounts) -> Self {
        WordCounts {
            sorted: entries,
            ..Default::default()
        }
    }

    /// Move sorted entries into the maps before a change.
    fn hashed(&mut self) {
        for (w, c) in std::mem::take(&mut self.sorted) {
            self.add(&w, c);
        }
    }

    /// The sum of several counts. When every part is a sorted list (counts
    /// read from files) this is a k-way merge, with no hashing.
    pub fn sum_all(parts: Vec<WordCounts>) -> WordCounts {
        if parts.iter().all(WordCounts::is_sorted_list) {
            return WordCounts::from_sorted(merge_sorted(
                parts.into_iter().map(|p| p.sorted).collect(),
            ));
        }
        let mut parts = parts;
        // Fold into the largest so the fewest entries move.
        let Some(largest) = (0..parts.len()).max_by_key(|&i| parts[i].len()) else {
            return WordCounts::default();
        };
        let mut sum = parts.swap_remove(largest);
        for p in parts {
            sum.absorb(p);
        }
        sum
    }

    #[inline]
    pub fn add(&mut self, piece: &[u8], n: u64) {
        if !self.sorted.is_empty() {
            self.hashed();
        }
        if piece.len() <= SHORT {
            let c = self.short.entry(ShortKey::new(piece)).or_insert(0);
            *c = c.saturating_add(n);
        } else if let Some(c) = self.long.get_mut(piece) {
            *c = c.saturating_add(n);
        } else {
            self.long.insert(piece.into(), n);
        }
    }

    /// Counts from `(pre-token, count)` pairs (a repeated pre-token adds up).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a [u8], u64)>) -> Result<Self> {
        let mut counts = WordCounts::default();
        for (w, c) in pairs {
            if w.is_empty() {
                return Err(Error::config("a pre-token in the counts is empty"));
            }
            counts.add(w, c);
        }
        Ok(counts)
    }

    /// Add every pre-token of `text`.
    pub fn add_text(&mut self, pre: &Pretokenizer, text: &str) -> Result<()> {
        pre.split(text, |p| self.add(p.as_bytes(), 1))
    }

    /// Fold `other` into `self`.
    pub fn absorb(&mut self, mut other: WordCounts) {
        self.hashed();
        other.hashed();
        if other.short.len() > self.short.len() {
            std::mem::swap(&mut self.short, &mut other.short);
        }
        if other.long.len() > self.long.len() {
            std::mem::swap(&mut self.long, &mut other.long);
        }
        for (k, v) in other.short {
            let c = self.short.entry(k).or_insert(0);
            *c = c.saturating_add(v);
        }
        for (k, v) in other.long {
            let c = self.long.entry(k).or_insert(0);
            *c = c.saturating_add(v);
        }
    }

    /// Split into `parts` disjoint counts by a hash of each pre-token's bytes
    /// that is the same in every process and on every machine: part `i` of
    /// every shard's counts holds the same pre-tokens, so the parts can be
    /// summed on different nodes and the sums simply put side by side.
    pub fn partition(&self, parts: usize) -> Vec<WordCounts> {
        self.sorted_parts(parts)
            .into_iter()
            .map(|part| WordCounts::from_sorted(owned(part)))
            .collect()
    }

    /// The entries split as [`partition`](Self::partition) does, each part
    /// sorted by bytes and borrowed from `self`: ready to be written
    /// (`io::counts::write_counts`) without a copy of any pre-token.
    pub fn sorted_parts<'a>(&'a self, parts: usize) -> Vec<Vec<(Piece<'a>, u64)>> {
        let parts = parts.max(1);
        let mut out: Vec<Vec<(Piece<'a>, u64)>> = (0..parts)
            .map(|_| Vec::with_capacity(self.len() / parts + 1))
            .collect();
        let mut deal = |piece: Piece<'a>, c: u64| {
            let i = if parts == 1 { 0 } else { piece.part(parts) };
            out[i].push((piece, c));
        };
        for (k, &c) in &self.short {
            deal(Piece::from_key(k), c);
        }
        for (k, &c) in &self.long {
            deal(Piece::new(k), c);
        }
        // A sorted list dealt in order stays sorted; entries are in the list
        // or in the maps, never both.
        for (k, c) in &self.sorted {
            deal(Piece::new(k), *c);
        }
        if !self.is_sorted_list() {
            if parts == 1 {
                out[0].par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
            } else {
                out.par_iter_mut()
                    .for_each(|v| v.sort_unstable_by(|a, b| a.0.cmp(&b.0)));
            }
        }
        out
    }

    /// The words sorted by their bytes: a canonical order whatever the threads did.
    pub fn into_sorted(self) -> Vec<(Box<[u8]>, u64)> {
        if self.is_sorted_list() {
            return self.sorted;
        }
        let mut parts = self.sorted_parts(1);
        owned(parts.pop().unwrap_or_default())
    }

    /// Held as a sorted list (or empty), not in the maps.
    fn is_sorted_list(&self) -> bool {
        self.short.is_empty() && self.long.is_empty()
    }

    /// The count of one piece.
    pub fn get(&self, piece: &[u8]) -> u64 {
        if let Ok(i) = self.sorted.binary_search_by(|(w, _)| (**w).cmp(piece)) {
            return self.sorted[i].1;
        }
        if piece.len() <= SHORT {
            self.short.get(&ShortKey::new(piece)).copied().unwrap_or(0)
        } else {
            self.long.get(piece).copied().unwrap_or(0)
        }
    }

    pub fn len(&self) -> usize {
        self.short.len() + self.long.len() + self.sorted.len()
    }

    /// Adjacent byte pairs over all occurrences: the sum of count x (length-1).
    pub fn pair_total(&self) -> u128 {
        let short = self.short.iter().map(|(k, c)| (k.len as usize, *c));
        let long = self.long.iter().map(|(k, c)| (k.len(), *c));
        let sorted = self.sorted.iter().map(|(k, c)| (k.len(), *c));
        short
            .chain(long)
            .chain(sorted)
            .map(|(n, c)| c as u128 * n.saturating_sub(1) as u128)
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Sorted borrowed entries as owned ones.
fn owned(entries: Vec<(Piece<'_>, u64)>) -> SortedCounts {
    entries
        .into_iter()
        .map(|(p, c)| (Box::from(p.as_ref()), c))
        .collect()
}

/// Merge sorted entry lists (owned or borrowed pre-tokens), adding the counts
/// of equal pre-tokens. Two lists at a time, the two shortest first (as in
/// building a Huffman tree), so each entry moves about log(lists) times
/// when the lists are alike and once or twice when one dominates; a
/// two-pointer merge compares each output once, where a heap over all the
/// lists took about twice as long on four shards' counts.
pub fn merge_sorted<K: Ord>(mut lists: Vec<Vec<(K, u64)>>) -> Vec<(K, u64)> {
    lists.retain(|l| !l.is_empty());
    while lists.len() > 1 {
        lists.sort_by_key(|l| std::cmp::Reverse(l.len()));
        let (Some(a), Some(b)) = (lists.pop(), lists.pop()) else {
            break;
        };
        lists.push(merge_two(a, b));
    }
    lists.pop().unwrap_or_default()
}

fn merge_two<K: Ord>(a: Vec<(K, u64)>, b: Vec<(K, u64)>) -> Vec<(K, u64)> {
    use std::cmp::Ordering;
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let order = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => x.0.cmp(&y.0),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => return out,
        };
        match order {
            Ordering::Less => out.extend(a.next()),
            Ordering::Greater => out.extend(b.next()),
            Ordering::Equal => {
                if let (Some((w, x)), Some((_, y))) = (a.next(), b.next()) {
                    out.push((w, x.saturating_add(y)));
                }
            }
        }
    }
}

/// Counts pre-tokens of a stream of text with one map per worker thread,
/// under one or more pre-tokenizers at once (SuperBPE counts both stages'
/// pieces in one read of the corpus).
pub struct Counter<'p> {
    pres: Vec<&'p Pretokenizer>,
    /// Applied to each text before it is split (NFKC, lowercase).
    norm: crate::tokenizer::Normalization,
    shards: Vec<Mutex<Vec<WordCounts>>>,
    /// Bytes of text seen.
    pub bytes: u64,
    /// Bounded mode: at most this many distinct pre-tokens are kept.
    cap: Option<usize>,
    /// Bounded mode: text counted since the shards were last folded.
    since_fold: u64,
    /// Bounded mode: the counts so far, folded from the shards after each block.
    kept: Vec<WordCounts>,
    /// What bounded mode dropped.
    pub pruned: Pruned,
}

/// What the distinct-pre-token cap dropped. A kept pre-token's count is low
/// by at most `threshold_sum` (it may have been dropped, then seen again);
/// a dropped one occurred at most `max_threshold` times before each drop.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    /// How many times the counts were pruned.
    pub prunes: u64,
    /// Distinct pre-tokens removed, over all prunes.
    pub distinct: u64,
    /// Occurrences removed, over all prunes.
    pub occurrences: u64,
    /// The largest count removed in one prune.
    pub max_threshold: u64,
    /// The sum over prunes of the largest count removed.
    pub threshold_sum: u64,
}

impl Pruned {
    /// Note one prune that dropped everything counted `threshold` or less,
    /// while counting: a kept pre-token may have lost up to `threshold`.
    fn record(&mut self, threshold: u64, distinct: u64, occurrences: u64) {
        self.record_cut(threshold.saturating_add(1), distinct, occurrences);
        self.threshold_sum = self.threshold_sum.saturating_add(threshold);
    }

    /// Note a final cut of everything counted fewer than `min_count` times,
    /// made after the exact sum: what stays is exact, so `threshold_sum`
    /// does not grow.
    pub fn record_cut(&mut self, min_count: u64, distinct: u64, occurrences: u64) {
        self.prunes += 1;
        self.distinct += distinct;
        self.occurrences = self.occurrences.saturating_add(occurrences);
        self.max_threshold = self.max_threshold.max(min_count.saturating_sub(1));
    }

    /// What two counts dropped, for their sum.
    pub fn combined(self, other: Pruned) -> Pruned {
        Pruned {
            prunes: self.prunes + other.prunes,
            distinct: self.distinct + other.distinct,
            occurrences: self.occurrences.saturating_add(other.occurrences),
            max_threshold: self.max_threshold.max(other.max_threshold),
            threshold_sum: self.threshold_sum.saturating_add(other.threshold_sum),
        }
    }
}

/// Drop the entries counted fewer than `min_count` times; returns the
/// (distinct, occurrences) dropped. A `min_count` of 0 or 1 drops nothing
/// (counts of 0 can be made on purpose with `WordCounts::from_pairs`).
pub fn drop_below<K>(entries: &mut Vec<(K, u64)>, min_count: u64) -> (u64, u64) {
    if min_count <= 1 {
        return (0, 0);
    }
    let (mut distinct, mut occurrences) = (0u64, 0u64);
    entries.retain(|(_, c)| {
        let keep = *c >= min_count;
        if !keep {
            distinct += 1;
            occurrences = occurrences.saturating_add(*c);
        }
        keep
    });
    (distinct, occurrences)
}

impl WordCounts {
    /// Drop every pre-token counted fewer than `min_count` times (see
    /// [`drop_below`]); a sorted list stays one.
    pub fn drop_below(&mut self, min_count: u64) -> (u64, u64) {
        if min_count <= 1 {
            return (0, 0);
        }
        if self.is_sorted_list() {
            return drop_below(&mut self.sorted, min_count);
        }
        let mut sorted = std::mem::take(self).into_sorted();
        let dropped = drop_below(&mut sorted, min_count);
        *self = WordCounts::from_sorted(sorted);
        dropped
    }

    /// Remove every pre-token whose count is at most the smallest threshold
    /// that leaves no more than `keep` of them. Returns (threshold, distinct
    /// removed, occurrences removed).
    pub fn prune_to(&mut self, keep: usize) -> (u64, u64, u64) {
        if self.len() <= keep {
            return (0, 0, 0);
        }
        self.hashed();
        let mut counts: Vec<u64> = self
            .short
            .values()
            .chain(self.long.values())
            .copied()
            .collect();
        // The count at rank `keep` from the top: it and all below it go.
        let at = counts.len() - 1 - keep;
        let (_, &mut threshold, _) = counts.select_nth_unstable(at);
        let (mut distinct, mut occurrences) = (0u64, 0u64);
        let mut drop = |c: &u64| {
            if *c <= threshold {
                distinct += 1;
                occurrences = occurrences.saturating_add(*c);
                false
            } else {
                true
            }
        };
        self.short.retain(|_, c| drop(c));
        self.long.retain(|_, c| drop(c));
        // Without this the tables keep their tombstones and capacity, and
        // the next growth doubles them: peak RSS went from 325 to 664 MiB in
        // benches/memory_bench.py.
        self.short.shrink_to_fit();
        self.long.shrink_to_fit();
        (threshold, distinct, occurrences)
    }
}

impl<'p> Counter<'p> {
    /// Must be created inside the thread pool that will run it.
    pub fn new(pre: &'p Pretokenizer) -> Self {
        Self::with_pretokenizers(vec![pre])
    }

    /// A counter that keeps one count per pre-tokenizer.
    pub fn with_pretokenizers(pres: Vec<&'p Pretokenizer>) -> Self {
        let n = rayon::current_num_threads().max(1);
        let k = pres.len();
        Counter {
            pres,
            norm: Default::default(),
            shards: (0..n)
                .map(|_| Mutex::new(vec![WordCounts::default(); k]))
                .collect(),
            bytes: 0,
            cap: None,
            since_fold: 0,
            kept: vec![WordCounts::default(); k],
            pruned: Pruned::default(),
        }
    }

    /// Bounded memory: keep at most `cap` distinct pre-tokens (per
    /// pre-tokenizer). After every `cap` bytes of text (at least 1 MB, at a
    /// block boundary) the per-thread maps are folded into one; when it
    /// holds more than `cap`, the rarest are dropped until at most half
    /// remain. Those bytes hold at most `cap / 2` new pre-tokens, so at most
    /// about `1.5 * cap` are held at once. Folding at fixed points of the input makes the
    /// result independent of the thread count; it still depends on the order
    /// of the input.
    pub fn with_max_distinct(mut self, cap: Option<usize>) -> Self {
        self.cap = cap.map(|c| c.max(2));
        self
    }

    /// Bounded mode: after `bytes` more of text, fold if one is due.
    fn maybe_fold(&mut self, bytes: usize) {
        let Some(cap) = self.cap else { return };
        self.since_fold += bytes as u64;
        if self.since_fold >= (cap as u64).max(1 << 20) {
            self.fold_and_prune();
        }
    }

    /// Bounded mode: fold the shards into `kept` and prune if over the cap
    /// (done by `finish_all`; call it first to read the final `pruned`).
    pub fn fold_and_prune(&mut self) {
        let Some(cap) = self.cap else { return };
        self.since_fold = 0;
        for shard in &self.shards {
            let mut maps = shard.lock().unwrap_or_else(|p| p.into_inner());
            for (kept, m) in self.kept.iter_mut().zip(maps.iter_mut()) {
                kept.absorb(std::mem::take(m));
            }
        }
        for kept in &mut self.kept {
            if kept.len() > cap {
                let (threshold, distinct, occurrences) = kept.prune_to(cap / 2);
                self.pruned.record(threshold, distinct, occurrences);
            }
        }
    }

    /// Normalize every text before counting it.
    pub fn with_normalization(mut self, norm: crate::tokenizer::Normalization) -> Self {
        self.norm = norm;
        self
    }

    /// Count one sequence under every pre-tokenizer.
    fn add_one(&self, maps: &mut [WordCounts], text: &str) -> Result<()> {
        let text = self.norm.apply(text);
        for (wc, pre) in maps.iter_mut().zip(&self.pres) {
            wc.add_text(pre, &text)?;
        }
        Ok(())
    }

    fn with_shard<R>(&self, f: impl FnOnce(&mut [WordCounts]) -> R) -> R {
        let i = rayon::current_thread_index().unwrap_or(0) % self.shards.len();
        let mut guard = match self.shards[i].lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    /// Count a batch of independent texts (each one a "sequence").
    pub fn add_texts<S: AsRef<str> + Sync>(&mut self, texts: &[S]) -> Result<()> {
        let bytes: usize = texts.iter().map(|t| t.as_ref().len()).sum();
        self.bytes += bytes as u64;
        let chunk = texts.len().div_ceil(self.shards.len() * 8).max(1);
        texts.par_chunks(chunk).try_for_each(|part| {
            self.with_shard(|maps| part.iter().try_for_each(|t| self.add_one(maps, t.as_ref())))
        })?;
        self.maybe_fold(bytes);
        Ok(())
    }

    /// Count a block of whole lines, each line (with its `\n`) a sequence, as HF
    /// does when it trains from files.
    pub fn add_lines(&mut self, block: &str) -> Result<()> {
        self.bytes += block.len() as u64;
        let parts = split_at_newlines(block, self.shards.len() * 4);
        parts.par_iter().try_for_each(|part| {
            self.with_shard(|maps| {
                for line in part.split_inclusive('\n') {
                    self.add_one(maps, line)?;
                }
                Ok(())
            })
        })?;
        self.maybe_fold(block.len());
        Ok(())
    }

    /// Count a whole file line by line, streaming it in blocks.
    /// `between_blocks` runs after each block; an error from it stops the count
    /// (the bindings use it to notice Ctrl-C).
    pub fn add_file(
        &mut self,
        path: &Path,
        progress: &Progress,
        between_blocks: &mut impl FnMut() -> Result<()>,
    ) -> Result<()> {
        self.add_file_range(path, 0..u64::MAX, progress, between_blocks)
    }

    /// Count the lines of a file that *start* at a byte offset in `range`, so
    /// that ranges which tile a file count each line exactly once whatever
    /// the cut points (the rule of Hadoop's line reader). This is how one
    /// large file is counted in parallel shards.
    pub fn add_file_range(
        &mut self,
        path: &Path,
        range: Range<u64>,
        progress: &Progress,
        between_blocks: &mut impl FnMut() -> Result<()>,
    ) -> Result<()> {
        // Small blocks keep the peak memory low; per-block overhead is ~50 us.
        const BLOCK: usize = 1 << 20;
        let io = |e| Error::io(path, e);
        let mut file = std::fs::File::open(path).map_err(io)?;
        let mut offset: u64 = 0; // file offset of buf[0]
        if range.start > 0 {
            // The line holding byte start-1 belongs to the range before.
            file.seek(SeekFrom::Start(range.start - 1)).map_err(io)?;
            let mut head = std::io::BufReader::new(&mut file);
            let n = head.skip_until(b'\n').map_err(io)?;
            if n == 0 {
                return Ok(()); // the file ends before the range
            }
            offset = range.start - 1 + n as u64;
            drop(head);
            file.seek(SeekFrom::Start(offset)).map_err(io)?;
        }
        let mut buf: Vec<u8> = Vec::with_capacity(BLOCK);
        let mut eof = false;
        while !eof && offset < range.end {
            // Fill up to BLOCK bytes past what is carried over.
            let want = buf.len() + BLOCK;
            while buf.len() < want {
                let old = buf.len();
                buf.resize(want, 0);
                let n = file.read(&mut buf[old..]).map_err(io)?;
                buf.truncate(old + n);
                if n == 0 {
                    eof = true;
                    break;
                }
            }
            let mut cut = if eof {
                buf.len()
            } else {
                match memchr::memrchr(b'\n', &buf) {
                    Some(i) => i + 1,
                    None => continue, // one long line: read more
                }
            };
            // Stop after the line that holds byte end-1: later lines start
            // at or past the end and belong to the next range.
            let rel_end = range.end.saturating_sub(offset);
            if (cut as u64) > rel_end {
                let last = rel_end.saturating_sub(1) as usize;
                cut = memchr::memchr(b'\n', &buf[last..cut]).map_or(cut, |i| last + i + 1);
            }
            let text = std::str::from_utf8(&buf[..cut]).map_err(|e| Error::InvalidUtf8 {
                source_name: path.display().to_string(),
                offset: offset + e.valid_up_to() as u64,
            })?;
            self.add_lines(text)?;
            progress.inc(cut as u64);
            between_blocks()?;
            buf.drain(..cut);
            offset += cut as u64;
        }
        Ok(())
    }

    /// Sum the per-thread maps.
    pub fn finish(self) -> WordCounts {
        self.finish_all().into_iter().next().unwrap_or_default()
    }

    /// Sum the per-thread maps of each pre-tokenizer, in the order given.
    pub fn finish_all(mut self) -> Vec<WordCounts> {
        if self.cap.is_some() {
            self.fold_and_prune();
            return std::mem::take(&mut self.kept);
        }
        let k = self.pres.len();
        let mut per_thread: Vec<Vec<WordCounts>> = self
            .shards
            .into_iter()
            .map(|m| match m.into_inner() {
                Ok(wc) => wc,
                Err(p) => p.into_inner(),
            })
            .collect();
        (0..k)
            .map(|i| {
                let maps = per_thread
                    .iter_mut()
                    .map(|maps| std::mem::take(&mut maps[i]))
                    .collect();
                sum_maps(maps)
            })
            .collect()
    }
}

/// Add up maps pairwise, so each merge is between maps of similar size.
fn sum_maps(mut maps: Vec<WordCounts>) -> WordCounts {
    while maps.len() > 1 {
        let mut pairs = Vec::with_capacity(maps.len() / 2 + 1);
        let mut it = maps.into_iter();
        while let Some(a) = it.next() {
            pairs.push((a, it.next()));
        }
        maps = pairs
            .into_par_iter()
            .map(|(mut a, b)| {
                if let Some(b) = b {
                    a.absorb(b);
                }
                a
            })
            .collect();
    }
    maps.pop().unwrap_or_default()
}

/// Cut `text` into about `parts` pieces, each ending at a newline (or the end).
fn split_at_newlines(text: &str, parts: usize) -> Vec<&str> {
    let target = (text.len() / parts.max(1)).max(1 << 16);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(parts + 1);
    let mut start = 0;
    while start < text.len() {
        let probe = (start + target).min(text.len());
        let end = if probe == text.len() {
            probe
        } else {
            memchr::memchr(b'\n', &bytes[probe..]).map_or(text.len(), |i| probe + i + 1)
        };
        out.push(&text[start..end]);
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pretok::{PatternName, PatternSpec};

    #[test]
    fn counts_do_not_depend_on_threads() {
        let pre = Pretokenizer::new(PatternSpec::Named(PatternName::Gpt2)).expect("gpt2");
        let text = "the cat sat on the mat\nthe end\n".repeat(5000);
        let mut results = Vec::new();
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            let wc = pool.install(|| {
                let mut c = Counter::new(&pre);
                c.add_lines(&text).expect("count");
                c.finish()
            });
            results.push(wc.into_sorted());
        }
        assert_eq!(results[0], results[1]);
        assert_eq!(results[0], results[2]);
        let the = results[0]
            .iter()
            .find(|(k, _)| &**k == b" the")
            .map(|x| x.1);
        assert_eq!(the, Some(5000));
    }

    fn count_range(pre: &Pretokenizer, path: &Path, range: Range<u64>) -> (WordCounts, u64) {
        let mut c = Counter::new(pre);
        let bar = Progress::bytes(false, None, "");
        c.add_file_range(path, range, &bar, &mut || Ok(()))
            .expect("count");
        let bytes = c.bytes;
        (c.finish(), bytes)
    }

    #[test]
    fn file_ranges_that_tile_a_file_count_it_once() {
        let pre = Pretokenizer::new(PatternSpec::Named(PatternName::Cl100k)).expect("cl100k");
        // Lines of every length around the cut points, blank lines, CRLF,
        // leading spaces (which join a newline run under cl100k) and no
        // final newline.
        let mut text = String::new();
        for i in 0..400 {
            text.push_str(&" ab".repeat(i % 7));
            text.push_str(["\n", "\r\n", "\n\n", "\n  "][i % 4]);
        }
        text.push_str("tail without newline");
        let dir = std::env::temp_dir().join(format!("bytepair-ranges-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("lines.txt");
        std::fs::write(&path, &text).expect("write");
        let len = text.len() as u64;
        let (whole, whole_bytes) = count_range(&pre, &path, 0..u64::MAX);
        assert_eq!(whole_bytes, len);
        let whole = whole.into_sorted();
        for parts in [2u64, 3, 7, 64, 1000] {
            let mut sum = WordCounts::default();
            let mut bytes = 0;
            let cuts: Vec<u64> = (0..=parts).map(|i| i * len / parts).collect();
            for w in cuts.windows(2) {
                let (c, b) = count_range(&pre, &path, w[0]..w[1]);
                sum.absorb(c);
                bytes += b;
            }
            // A range past the end counts nothing.
            let (past, _) = count_range(&pre, &path, len + 5..len + 10);
            assert!(past.is_empty());
            assert_eq!(bytes, len, "{parts} parts");
            assert_eq!(sum.into_sorted(), whole, "{parts} parts");
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn partitions_are_disjoint_and_add_up() {
        let pre = Pretokenizer::new(PatternSpec::Named(PatternName::Gpt2)).expect("gpt2");
        let mut wc = WordCounts::default();
        let text = "short words and some considerablylongerwordsthansixteenbytes too\n";
        wc.add_text(&pre, &text.repeat(3)).expect("count");
        let whole = wc.clone().into_sorted();
        let parts = wc.partition(4);
        assert_eq!(parts.len(), 4);
        let mut sum = WordCounts::default();
        let mut seen = 0;
        for p in parts {
            seen += p.len();
            sum.absorb(p);
        }
        assert_eq!(seen, whole.len(), "a pre-token landed in two parts");
        assert_eq!(sum.into_sorted(), whole);
    }

    /// Random pieces from a tiny alphabet with zero bytes and shared 16-byte
    /// starts: the cases where integer heads tie.
    fn tricky_pieces(n: usize) -> Vec<Vec<u8>> {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let stem = b"0123456789abcdef";
        (0..n)
            .map(|_| {
                let len = 1 + (next() % 40) as usize;
                let mut p: Vec<u8> = (0..len)
                    .map(|_| [0u8, 1, b'a', 0xff][(next() % 4) as usize])
                    .collect();
                if next() % 3 == 0 {
                    p.splice(0..0, stem.iter().copied()); // a shared 16-byte head
                }
                p
            })
            .collect()
    }

    #[test]
    fn pieces_order_like_their_bytes() {
        let pieces = tricky_pieces(400);
        for a in &pieces {
            for b in &pieces {
                assert_eq!(Piece::new(a).cmp(&Piece::new(b)), a.cmp(b), "{a:?} {b:?}");
            }
            assert_eq!(Piece::new(a).as_ref(), &a[..]);
        }
    }

    #[test]
    fn sorted_parts_are_sorted_disjoint_and_complete() {
        let mut wc = WordCounts::default();
        for (i, p) in tricky_pieces(3000).iter().enumerate() {
            wc.add(p, i as u64 % 7 + 1);
        }
        let mut whole: Vec<(Vec<u8>, u64)> = wc
            .short
            .iter()
            .map(|(k, &c)| (k.padded()[..k.len as usize].to_vec(), c))
            .chain(wc.long.iter().map(|(k, &c)| (k.to_vec(), c)))
            .collect();
        whole.sort();
        let parts = wc.sorted_parts(3);
        let mut dealt: Vec<(Vec<u8>, u64)> = Vec::new();
        for part in &parts {
            assert!(
                part.windows(2).all(|w| w[0].0.as_ref() < w[1].0.as_ref()),
                "unsorted part"
            );
            dealt.extend(part.iter().map(|(p, c)| (p.as_ref().to_vec(), *c)));
        }
        dealt.sort();
        assert_eq!(dealt, whole);
        // The same pre-token goes to the same part from any counts.
        let sorted = WordCounts::from_sorted(wc.clone().into_sorted());
        for (a, b) in parts.iter().zip(sorted.sorted_parts(3)) {
            assert_eq!(a, &b);
        }
    }

    #[test]
    fn drop_below_cuts_maps_and_sorted_lists_alike() {
        let mut maps = WordCounts::default();
        for (i, p) in tricky_pieces(500).iter().enumerate() {
            maps.add(p, i as u64 % 5 + 1);
        }
        let mut list = WordCounts::from_sorted(maps.clone().into_sorted());
        let whole = maps.clone().into_sorted();
        let gone: Vec<u64> = whole.iter().map(|e| e.1).filter(|&c| c < 3).collect();
        let want = (gone.len() as u64, gone.iter().sum::<u64>());
        assert_eq!(maps.drop_below(3), want);
        assert_eq!(list.drop_below(3), want);
        let kept: Vec<_> = whole.into_iter().filter(|e| e.1 >= 3).collect();
        assert_eq!(maps.into_sorted(), kept);
        assert_eq!(list.into_sorted(), kept);
    }

    #[test]
    fn sums_of_sorted_lists_merge_without_hashing_and_match_map_sums() {
        let pre = Pretokenizer::new(PatternSpec::Named(PatternName::Gpt2)).expect("gpt2");
        let texts = [
            "the cat and the hat\n",
            "a cat, the end\n",
            "zebra the cat\n",
        ];
        let maps: Vec<WordCounts> = texts
            .iter()
            .map(|t| {
                let mut wc = WordCounts::default();
                wc.add_text(&pre, &t.repeat(3)).expect("count");
                wc
            })
            .collect();
        let by_map = WordCounts::sum_all(maps.clone()).into_sorted();
        let lists: Vec<WordCounts> = maps
            .into_iter()
            .map(|m| WordCounts::from_sorted(m.into_sorted()))
            .collect();
        let merged = WordCounts::sum_all(lists);
        assert!(merged.short.is_empty() && merged.long.is_empty(), "hashed");
        assert_eq!(merged.get(b" cat"), 9);
        assert_eq!(merged.len(), by_map.len());
        let mut changed = merged.clone();
        changed.add(b" cat", 1); // a change moves the list into the maps
        assert_eq!(changed.get(b" cat"), 10);
        assert_eq!(merged.into_sorted(), by_map);
    }
}
