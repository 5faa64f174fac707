//! The streaming counter: stage 1 of training.
//!
//! Text arrives in batches (blocks of a file cut at line ends, or a buffer of
//! Python strings). Each batch is split across the thread pool; every worker
//! counts into its own map, so there is no shared lock, and the maps are summed
//! once at the end. Counting is a sum, so the result does not depend on the
//! number of threads or on how the input was cut.
//!
//! Performance notes: files are read in 1 MB blocks rather than
//! memory-mapped, so the peak RSS stays at a few blocks whatever the file
//! size (per-block overhead is ~50 us).

use super::counts::{Counts, CountsMeta};
use super::prune::Pruned;
use super::words::{sum_pairwise, WordCounts};
use crate::error::{Error, Result};
use crate::normalize::Normalization;
use crate::pretok::Pretokenizer;
use crate::progress::Progress;
use rayon::prelude::*;
use std::io::{BufRead, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::Path;
use std::sync::Mutex;

/// Counts pre-tokens of a stream of text with one map per worker thread,
/// under one or more pre-tokenizers at once (SuperBPE counts both stages'
/// pieces in one read of the corpus).
pub struct Counter<'p> {
    pres: Vec<&'p Pretokenizer>,
    /// Applied to each text before it is split (NFKC, lowercase).
    norm: Normalization,
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
    pub fn with_normalization(mut self, norm: Normalization) -> Self {
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

    /// The counts of each pre-tokenizer, in the order given, each with how
    /// it was made (pattern, normalization, line boundaries, bytes) and what
    /// the cap dropped.
    pub fn finish_counts(mut self) -> Vec<Counts> {
        self.fold_and_prune();
        let metas: Vec<CountsMeta> = self
            .pres
            .iter()
            .map(|pre| CountsMeta {
                total_bytes: self.bytes,
                ..CountsMeta::new(pre.spec(), self.norm, pre.line_boundaries())
            })
            .collect();
        let pruned = self.pruned;
        self.finish_all()
            .into_iter()
            .zip(metas)
            .map(|(words, meta)| Counts {
                words,
                meta,
                pruned,
            })
            .collect()
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
                sum_pairwise(maps)
            })
            .collect()
    }
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
}
