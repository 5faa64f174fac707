//! BPE inside one pre-token: repeatedly merge the adjacent pair with the best
//! priority, leftmost first. The priority is the merge's index for a listed
//! vocabulary (HF) and the result's rank for a ranked one (tiktoken); see
//! [`crate::vocab::MergeRule`]. Byte-level vocabularies start from bytes,
//! SentencePiece-style ones (byte fallback) from characters.
//!
//! Performance notes:
//! * A pair lives in one `FxHashMap<u64, u64>`: key `left << 32 | right`,
//!   value `priority << 32 | result`, so the best pair is the smallest value and
//!   a lookup hashes one integer. A flat table with key and entry in one
//!   16-byte slot was tried and lost (Chinese 27 -> 17 MB/s): most lookups
//!   are for absent pairs, and hashbrown answers those from its one-byte
//!   control array, which stays in the L2 cache; 16-byte slots do not.
//! * When the vocabulary allows it (tiktoken, HF `ignore_merges`), a pre-token
//!   that is a token is emitted with one hash lookup; on the mixed benchmark
//!   text 81% of o200k's pre-tokens are.
//! * A piece's first round of pair lookups (byte next to byte) reads a dense
//!   256x256 table instead of probing the hash map: +7-12% on mixed text.
//! * Pieces under 128 bytes use tiktoken's scheme: a flat array of pair
//!   priorities, a linear scan for the minimum, and after a merge only the two
//!   neighbouring priorities are recomputed. The arrays are reused across
//!   pieces (`Scratch`), so there is no allocation per piece.
//! * Longer pieces use a min-heap over a linked list: O(n log n), so one huge
//!   piece ("a" * 10**6) never goes quadratic. Its entries were 24 bytes (the
//!   pair entry, the position and both sides' ids, to spot stale entries); a
//!   per-position stamp does that in 16 bytes: `"a" * n` and `" " * n + "x"`
//!   went 1.2-1.35x faster at 1 and 4 MB (3 paired runs each, Python). The
//!   heap's pops are 83% of such a run, cache misses on a 16 MB heap.
//! * Pieces led by a character of 3 bytes or more are cut between characters
//!   no token joins ([`char_cuts`]): classical Chinese 1.6-1.7x (cl100k and
//!   o200k, `examples/encode_file.rs`, medians of 5 paired runs).
//! * Pieces are encoded in batches of [`BATCH`]: every short piece's slot in
//!   the whole-token table is prefetched before the first is read
//!   ([`table`]), so the cache misses of a batch overlap.
//! * Pieces of up to 64 bytes that need merging go through the thread's word
//!   cache ([`cache`]). On mixed English/code/multilingual text 45% of the
//!   pieces that need merging repeat; for a listed vocabulary without
//!   `ignore_merges` every piece merges, so there the cache also stands in for
//!   the whole-token lookup.
//! * The batches and the 64-byte cache together, against the build before
//!   them (`examples/encode_file.rs`, cl100k, 3 MB of each source, best of 3
//!   warm passes, side by side): English 55 -> 79 MB/s, C headers 52 -> 78,
//!   filings 98 -> 122, Ukrainian 38 -> 76; Chinese unchanged at 19 (its
//!   pieces are mostly new, so BPE itself is the cost there).
//! * The thread's scratch (buffers and cache) is borrowed once per text
//!   ([`Encoder::with_scratch`]), not once per piece.
//! * Multibyte characters that BPE settles alone start whole ([`atoms`]).
//!   Long pieces led by a CJK character skip the word cache, and a bit filter
//!   over the long tokens spares most long pieces the hash of the whole
//!   piece and the vocabulary probe (not measured apart from the atoms).

pub mod atoms;
pub mod bits;
pub mod cache;
pub mod char_cuts;
pub mod special;
pub mod table;
pub mod template;

use crate::pack::{self, pack15};
use crate::vocab::{MergeRule, Vocab};
use atoms::CharAtoms;
use cache::{WordCache, MAX_CACHED};
use char_cuts::CharCuts;
use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU64, Ordering};
use table::ShortTokens;

static NEXT_ENCODER: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

const SCAN_LIMIT: usize = 128;
/// The same limit for the second phase of [`Encoder::encode_long`], in tokens.
const PHASE2_SCAN_LIMIT: usize = 256;

/// Bytes in the UTF-8 sequence that starts with `b` (1 for a stray byte).
#[inline]
fn utf8_len(b: u8) -> usize {
    match b {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

const NO_PAIR: u64 = u64::MAX;

/// Whether `piece` starts with a CJK ideograph or kana (U+3000-U+9FFF). A
/// long piece that does is a clause of them, nearly always new (running text
/// has no spaces there), so the word cache would only cost it a miss and an
/// insert: on classical Chinese that was more than its hits saved.
#[inline]
fn cjk_led(piece: &[u8]) -> bool {
    (0xE3..=0xE9).contains(&piece[0])
}

#[inline]
fn key(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// Reusable buffers and the word cache for [`Encoder::encode_piece`].
#[derive(Default)]
pub struct Scratch {
    ids: Vec<u32>,
    prio: Vec<u64>,
    phase1: Vec<u32>,
    cache: WordCache,
}

/// Tokens of up to this many bytes are also kept under an integer key.
const SHORT: usize = pack::MAX_PACKED;

/// Bits in [`Encoder::long_tokens`] (128 KB; o200k's 5,492 tokens of over
/// 15 bytes set about 0.5% of them).
const LONG_TOKEN_BITS: u32 = 20;

/// The bit of [`Encoder::long_tokens`] for bytes of more than 8: from their
/// length and their first and last 8 bytes, which are in the CPU cache
/// already.
#[inline]
fn long_token_bit(b: &[u8]) -> usize {
    let first = u64::from_le_bytes(b[..8].try_into().unwrap_or_default());
    let last = u64::from_le_bytes(b[b.len() - 8..].try_into().unwrap_or_default());
    let x = first.rotate_left(21) ^ last ^ (b.len() as u64);
    (x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - LONG_TOKEN_BITS)) as usize
}

/// Pieces split before their whole-token slots are read.
pub const BATCH: usize = 32;

/// The index of the first merge of a listed vocabulary that joins across a
/// space (its result holds a non-space byte followed by a space), if it comes
/// after some ordinary merges: SuperBPE's transition, found from the merges.
fn first_phrase_merge(vocab: &Vocab) -> Option<usize> {
    if vocab.rule() != MergeRule::Listed || vocab.byte_fallback() {
        return None;
    }
    let t = vocab.merge_results().iter().position(|&id| {
        vocab.tokens()[id as usize]
            .windows(2)
            .any(|w| w[1] == b' ' && !w[0].is_ascii_whitespace())
    })?;
    (t > 0).then_some(t)
}

/// The pair table of a vocabulary.
pub struct Encoder {
    /// Identifies this encoder to the per-thread piece caches.
    id: u64,
    pairs: FxHashMap<u64, u64>,
    /// The pair entry of every two bytes, indexed `first << 8 | second`: a
    /// piece's first round of lookups is array reads, not hash probes.
    byte_pairs: Box<[u64]>,
    /// Whole-token lookup for short pieces: the key is the bytes themselves, so
    /// a probe touches one table slot instead of following a pointer to compare.
    short_tokens: ShortTokens,
    /// Bit [`long_token_bit`] of every token over 15 bytes is set: most long
    /// pieces that are no token (Chinese clauses) are known so from one bit,
    /// without hashing the whole piece and probing the vocabulary.
    long_tokens: Box<[u64]>,
    byte_ids: [u32; 256],
    whole_pieces: bool,
    /// Start from characters, not bytes (SentencePiece-style vocabularies).
    from_chars: bool,
    /// Bit `first << 8 | second` is set when some token holds those two bytes
    /// side by side. Where it is clear no merge can ever join the two sides.
    joinable: Box<[u64]>,
    /// For vocabularies whose later merges join words (SuperBPE): an encoder
    /// for the merges before the first such merge, used as a first phase on
    /// long pieces (see [`Encoder::encode_long`]).
    phase1: Option<Box<Encoder>>,
    /// Multibyte characters a byte-level piece may start from whole.
    atoms: Option<CharAtoms>,
    /// Where a piece of multibyte characters may be cut into parts that
    /// merge alone (byte-level vocabularies; the full encoder only).
    char_cuts: Option<CharCuts>,
    /// Or'ed into piece-cache keys, so the first phase's cached pieces do not
    /// collide with this encoder's (they share a cache owner).
    cache_tag: u8,
}

impl Encoder {
    pub fn new(vocab: &Vocab) -> Self {
        let mut encoder = Self::with_merges(vocab, vocab.merges().len());
        if let Some(t) = first_phrase_merge(vocab) {
            let mut phase1 = Self::with_merges(vocab, t);
            phase1.id = encoder.id;
            phase1.cache_tag = 0x80;
            encoder.phase1 = Some(Box::new(phase1));
        }
        if !vocab.byte_fallback() {
            encoder.char_cuts = Some(CharCuts::new(vocab.tokens().iter().map(Vec::as_slice)));
        }
        encoder
    }

    /// An encoder for the first `limit` merges of `vocab` (all of a ranked one).
    fn with_merges(vocab: &Vocab, limit: usize) -> Self {
        let mut pairs = FxHashMap::default();
        pairs.reserve(vocab.merges().len());
        for ((a, b), priority, id) in vocab.merge_priorities().take(limit) {
            // A later duplicate overwrites the earlier entry, as in HF.
            pairs.insert(key(a, b), (u64::from(priority) << 32) | u64::from(id));
        }
        let tokens: &[Vec<u8>] = if vocab.ignore_merges() {
            vocab.tokens()
        } else {
            &[]
        };
        let short_tokens = ShortTokens::new((0u32..).zip(tokens).map(|(id, t)| (&t[..], id)));
        let byte_ids = *vocab.byte_ids();
        let mut byte_pairs = vec![NO_PAIR; 1 << 16].into_boxed_slice();
        for a in 0..256usize {
            for b in 0..256usize {
                if let Some(&v) = pairs.get(&key(byte_ids[a], byte_ids[b])) {
                    byte_pairs[(a << 8) | b] = v;
                }
            }
        }
        let mut joinable = bits::zeroed(1 << 16);
        let made: Box<dyn Iterator<Item = &Vec<u8>>> = if limit < vocab.merges().len() {
            let results = vocab.merge_results()[..limit].iter();
            Box::new(results.map(|&id| &vocab.tokens()[id as usize]))
        } else {
            Box::new(vocab.tokens().iter())
        };
        for t in made {
            for w in t.windows(2) {
                let bit = (usize::from(w[0]) << 8) | usize::from(w[1]);
                bits::set(&mut joinable, bit);
            }
        }
        let mut long_tokens = bits::zeroed(1 << LONG_TOKEN_BITS);
        for t in tokens.iter().filter(|t| t.len() > SHORT) {
            bits::set(&mut long_tokens, long_token_bit(t));
        }
        let atoms = if vocab.byte_fallback() {
            None
        } else {
            let entry = |a, b| pairs.get(&key(a, b)).copied();
            CharAtoms::new(
                vocab.tokens(),
                &byte_ids,
                pairs
                    .iter()
                    .map(|(&k, &v)| ((k >> 32) as u32, k as u32, (v >> 32) as u32)),
                |a, b| entry(a, b).map(|v| ((v >> 32) as u32, v as u32)),
            )
        };
        Encoder {
            long_tokens,
            atoms,
            char_cuts: None,
            joinable,
            phase1: None,
            cache_tag: 0,
            id: NEXT_ENCODER.fetch_add(1, Ordering::Relaxed),
            byte_pairs,
            pairs,
            short_tokens,
            byte_ids: *vocab.byte_ids(),
            whole_pieces: vocab.ignore_merges(),
            from_chars: vocab.byte_fallback(),
        }
    }

    #[inline]
    fn pair(&self, a: u32, b: u32) -> u64 {
        self.pairs.get(&key(a, b)).copied().unwrap_or(NO_PAIR)
    }

    /// Run `f` with this thread's scratch. A nested call (from inside `f`)
    /// gets a fresh one: correct, only without the cache.
    pub fn with_scratch<R>(&self, f: impl FnOnce(&mut Scratch) -> R) -> R {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut s) => f(&mut s),
            Err(_) => f(&mut Scratch::default()),
        })
    }

    /// The id of `piece` (2 bytes or more) if it is a token.
    #[inline]
    fn whole_token(&self, vocab: &Vocab, piece: &[u8]) -> Option<u32> {
        if piece.len() <= SHORT {
            let key = pack15(piece);
            self.short_tokens.get(self.short_tokens.home(key), key)
        } else {
            let bit = long_token_bit(piece);
            let maybe = bits::get(&self.long_tokens, bit);
            maybe.then(|| vocab.id_of(piece)).flatten()
        }
    }

    /// Encode the pieces `split` gives, in order, appending to `out`. They
    /// are gathered in batches of `BATCH`, whose whole-token slots are
    /// prefetched together (see `Encoder::encode_batch_of`).
    pub fn encode_split<'t, R>(
        &self,
        vocab: &Vocab,
        out: &mut Vec<u32>,
        s: &mut Scratch,
        split: impl FnOnce(&mut dyn FnMut(&'t [u8])) -> R,
    ) -> R {
        let mut batch: [&[u8]; BATCH] = [&[]; BATCH];
        let mut n = 0;
        let result = split(&mut |piece| {
            batch[n] = piece;
            n += 1;
            if n == BATCH {
                self.encode_batch_of(vocab, &batch, out, s);
                n = 0;
            }
        });
        self.encode_batch_of(vocab, &batch[..n], out, s);
        result
    }

    /// [`Encoder::encode_piece`] over a few pieces: first prefetch the
    /// whole-token slot of every short one, then encode them.
    fn encode_batch_of(
        &self,
        vocab: &Vocab,
        pieces: &[&[u8]],
        out: &mut Vec<u32>,
        s: &mut Scratch,
    ) {
        if !self.whole_pieces || self.from_chars {
            for p in pieces {
                self.encode_piece(vocab, p, out, s);
            }
            return;
        }
        let mut keys = [0u128; BATCH];
        let mut homes = [0usize; BATCH];
        for (i, p) in pieces.iter().enumerate() {
            if (2..=SHORT).contains(&p.len()) {
                keys[i] = pack15(p);
                homes[i] = self.short_tokens.home(keys[i]);
                self.short_tokens.prefetch(homes[i]);
            }
        }
        for (i, p) in pieces.iter().enumerate() {
            if (2..=SHORT).contains(&p.len()) {
                match self.short_tokens.get(homes[i], keys[i]) {
                    Some(id) => out.push(id),
                    None => self.encode_cached(p, out, s),
                }
            } else {
                self.encode_piece(vocab, p, out, s);
            }
        }
    }

    /// Append the ids of one pre-token to `out`.
    #[inline]
    pub fn encode_piece(&self, vocab: &Vocab, piece: &[u8], out: &mut Vec<u32>, s: &mut Scratch) {
        if self.from_chars {
            return self.encode_chars(vocab, piece, out);
        }
        match piece.len() {
            0 => {}
            1 => out.push(self.byte_ids[piece[0] as usize]),
            n => {
                if self.whole_pieces {
                    if let Some(id) = self.whole_token(vocab, piece) {
                        out.push(id);
                        return;
                    }
                }
                if n > SHORT && self.cut_chars(piece, out, s) {
                    return;
                }
                if n <= SHORT || (self.phase1.is_none() && n <= MAX_CACHED && !cjk_led(piece)) {
                    self.encode_cached(piece, out, s);
                } else {
                    self.encode_segments(piece, out, s);
                }
            }
        }
    }

    /// One part of a piece cut by [`CharCuts`]: a settled character is its
    /// solo ids, anything else merges, through the cache when short.
    #[inline]
    fn encode_part(&self, part: &[u8], out: &mut Vec<u32>, s: &mut Scratch) {
        if let Some(atoms) = &self.atoms {
            if atoms.push_solo(part, out) {
                return;
            }
        }
        match part.len() {
            3..=SHORT => self.encode_cached_as(part, out, s, false),
            n if n <= MAX_CACHED && self.phase1.is_none() => self.encode_cached(part, out, s),
            _ => self.encode_merging(part, out, s),
        }
    }

    /// Encode `piece` in the parts [`CharCuts`] cuts it into, if it leads
    /// with a character of three bytes or more (CJK, kana, Hangul, Indic
    /// scripts, fullwidth punctuation) and has a cut; else return false.
    #[inline]
    fn cut_chars(&self, piece: &[u8], out: &mut Vec<u32>, s: &mut Scratch) -> bool {
        piece[0] >= 0xE0
            && self
                .char_cuts
                .as_ref()
                .is_some_and(|cuts| cuts.split(piece, |part| self.encode_part(part, out, s)))
    }

    /// BPE on a long piece in two phases: first with only the merges before
    /// the first phrase merge (`phase1`, which cuts the piece into words and
    /// caches them), then with all merges over the resulting tokens.
    ///
    /// This is exact for any split point: until no early merge applies, the
    /// best pair of the full vocabulary is an early one, so the full greedy
    /// process passes through the state phase 1 ends in, and phase 2 is the
    /// full greedy process from there. It pays off because phase 2 starts
    /// from about a quarter as many symbols, and phase 1 is ordinary cached
    /// word-level BPE.
    fn encode_long(&self, phase1: &Encoder, piece: &[u8], out: &mut Vec<u32>, s: &mut Scratch) {
        let mut ids = std::mem::take(&mut s.phase1);
        ids.clear();
        phase1.encode_segments(piece, &mut ids, s);
        if ids.len() < PHASE2_SCAN_LIMIT {
            self.merge_scan(&mut ids, &mut s.prio);
            out.extend_from_slice(&ids);
        } else {
            let first: Vec<u64> = ids.windows(2).map(|w| self.pair(w[0], w[1])).collect();
            self.merge_heap(ids.clone(), |i| first[i], out);
        }
        s.phase1 = ids;
    }

    #[inline]
    fn joinable(&self, a: u8, b: u8) -> bool {
        let bit = (usize::from(a) << 8) | usize::from(b);
        bits::get(&self.joinable, bit)
    }

    /// BPE on a long piece, cut first between every two bytes that no token
    /// holds side by side. No merge can cross such a cut (its result would
    /// hold the two bytes), so the parts merge independently and their results
    /// concatenate to the whole piece's. With SuperBPE pieces of whole
    /// clauses this turns one long heap run into many short, cached ones.
    fn encode_segments(&self, piece: &[u8], out: &mut Vec<u32>, s: &mut Scratch) {
        let mut start = 0;
        for i in 1..piece.len() {
            if !self.joinable(piece[i - 1], piece[i]) {
                self.encode_merging(&piece[start..i], out, s);
                start = i;
            }
        }
        self.encode_merging(&piece[start..], out, s);
    }

    /// BPE on `piece` by size: cached, scanned or with a heap; in two phases
    /// for a vocabulary with phrase merges.
    #[inline]
    fn encode_merging(&self, piece: &[u8], out: &mut Vec<u32>, s: &mut Scratch) {
        match (piece.len(), &self.phase1) {
            (0, _) => {}
            (1, _) => out.push(self.byte_ids[piece[0] as usize]),
            // Two bytes merge or not: one table read (binaries' parts are mostly this short).
            (2, _) => match self.byte_pairs[(usize::from(piece[0]) << 8) | usize::from(piece[1])] {
                NO_PAIR => out.extend(piece.iter().map(|&b| self.byte_ids[b as usize])),
                entry => out.push(entry as u32),
            },
            (n, _) if n <= SHORT => self.encode_cached(piece, out, s),
            // After the cut, so a phase-2 heap never spans more than a segment.
            (_, Some(phase1)) => self.encode_long(phase1, piece, out, s),
            (n, None) if n < SCAN_LIMIT => self.encode_scan(piece, out, s),
            _ => self.encode_heap(piece, out),
        }
    }

    /// BPE on a piece of at most [`MAX_CACHED`] bytes, through the cache.
    fn encode_cached(&self, piece: &[u8], out: &mut Vec<u32>, s: &mut Scratch) {
        self.encode_cached_as(piece, out, s, true);
    }

    /// [`Encoder::encode_cached`]; a short piece missing from the cache is
    /// first offered to [`Encoder::cut_chars`] when `may_cut`.
    fn encode_cached_as(&self, piece: &[u8], out: &mut Vec<u32>, s: &mut Scratch, may_cut: bool) {
        s.cache.claim(self.id);
        let key = WordCache::key(piece, self.cache_tag);
        if let Some(ids) = s.cache.get(key, piece) {
            out.extend_from_slice(ids);
            return;
        }
        let start = out.len();
        if piece.len() <= SHORT {
            if !(may_cut && self.cut_chars(piece, out, s)) {
                self.encode_scan(piece, out, s);
            }
        } else {
            self.encode_segments(piece, out, s);
        }
        s.cache.insert(key, piece, &out[start..]);
    }

    /// tiktoken's scan (see [`Encoder::encode_scan`]) over token ids.
    fn merge_scan(&self, ids: &mut Vec<u32>, prio: &mut Vec<u64>) {
        prio.clear();
        prio.extend(ids.windows(2).map(|w| self.pair(w[0], w[1])));
        self.scan_loop(ids, prio);
    }

    pub(crate) fn encode_scan(&self, piece: &[u8], out: &mut Vec<u32>, s: &mut Scratch) {
        let ids = &mut s.ids;
        let prio = &mut s.prio;
        ids.clear();
        prio.clear();
        if self.start_symbols(piece, ids) {
            prio.extend(ids.windows(2).map(|w| self.pair(w[0], w[1])));
        } else {
            prio.extend(
                piece
                    .windows(2)
                    .map(|w| self.byte_pairs[(usize::from(w[0]) << 8) | usize::from(w[1])]),
            );
        }
        self.scan_loop(ids, prio);
        out.extend_from_slice(ids);
    }

    /// Merge the best pair (`prio[i]` is the entry of `ids[i], ids[i + 1]`)
    /// until none is left, recomputing only the two neighbours of a merge.
    #[inline]
    fn scan_loop(&self, ids: &mut Vec<u32>, prio: &mut Vec<u64>) {
        loop {
            let mut best = NO_PAIR;
            let mut at = 0;
            for (i, &p) in prio.iter().enumerate() {
                if p < best {
                    best = p;
                    at = i;
                }
            }
            if best == NO_PAIR {
                break;
            }
            ids[at] = best as u32;
            // A shift in place, by hand or `copy_within`, measured the same.
            ids.remove(at + 1);
            prio.remove(at);
            if at < prio.len() {
                prio[at] = self.pair(ids[at], ids[at + 1]);
            }
            if at > 0 {
                prio[at - 1] = self.pair(ids[at - 1], ids[at]);
            }
        }
    }

    /// SentencePiece-style: one symbol per character in the vocabulary, else
    /// its `<0xXX>` byte tokens (which no merge touches), then BPE.
    fn encode_chars(&self, vocab: &Vocab, piece: &[u8], out: &mut Vec<u32>) {
        let mut ids = Vec::with_capacity(piece.len());
        let mut i = 0;
        while i < piece.len() {
            let len = utf8_len(piece[i]).min(piece.len() - i);
            match vocab.id_of(&piece[i..i + len]) {
                Some(id) => ids.push(id),
                None => ids.extend(piece[i..i + len].iter().map(|&b| self.byte_ids[b as usize])),
            }
            i += len;
        }
        if ids.len() < 2 {
            out.extend_from_slice(&ids);
        } else {
            let first: Vec<u64> = ids.windows(2).map(|w| self.pair(w[0], w[1])).collect();
            self.merge_heap(ids, |i| first[i], out);
        }
    }

    /// Append `piece`'s starting symbols to `ids`: its bytes, with the
    /// settled characters whole ([`atoms`]). True if any was: then the
    /// symbols are no longer one per byte.
    #[inline]
    fn start_symbols(&self, piece: &[u8], ids: &mut Vec<u32>) -> bool {
        match &self.atoms {
            Some(atoms) if !piece.is_ascii() => atoms.start(piece, &self.byte_ids, ids),
            _ => {
                ids.extend(piece.iter().map(|&b| self.byte_ids[b as usize]));
                false
            }
        }
    }

    pub(crate) fn encode_heap(&self, piece: &[u8], out: &mut Vec<u32>) {
        let mut ids = Vec::with_capacity(piece.len());
        if self.start_symbols(piece, &mut ids) {
            let first: Vec<u64> = ids.windows(2).map(|w| self.pair(w[0], w[1])).collect();
            return self.merge_heap(ids, |i| first[i], out);
        }
        // The first round of pairs are byte pairs: read them from the table.
        let first =
            |i: usize| self.byte_pairs[(usize::from(piece[i]) << 8) | usize::from(piece[i + 1])];
        self.merge_heap(ids, first, out);
    }

    /// Heap entries are 16 bytes: the pair's entry, then its left position
    /// and that position's stamp. A position's stamp moves on whenever the
    /// pair that starts there changes (either side merged, or the position
    /// merged away), so a stale entry is known by one compare, with no
    /// pair-table lookup and no alive flags.
    fn merge_heap(&self, mut id: Vec<u32>, first: impl Fn(usize) -> u64, out: &mut Vec<u32>) {
        const NONE: u32 = u32::MAX;
        let n = id.len();
        let mut next: Vec<u32> = (1..=n as u32)
            .map(|i| if (i as usize) < n { i } else { NONE })
            .collect();
        let mut prev: Vec<u32> = (0..n as u32)
            .map(|i| if i > 0 { i - 1 } else { NONE })
            .collect();
        let mut stamp = vec![0u32; n];
        let at = |i: u32, stamp: u32| (u64::from(i) << 32) | u64::from(stamp);
        // Heapify the first round at once: O(n), where n pushes are O(n log n).
        let firsts: Vec<_> = (0..n - 1)
            .filter_map(|i| {
                let p = first(i);
                (p != NO_PAIR).then(|| Reverse((p, at(i as u32, 0))))
            })
            .collect();
        let mut heap = BinaryHeap::from(firsts);
        while let Some(Reverse((p, x))) = heap.pop() {
            let (i, iu) = ((x >> 32) as u32, (x >> 32) as usize);
            if stamp[iu] != x as u32 {
                continue;
            }
            let j = next[iu] as usize;
            let merged = p as u32;
            id[iu] = merged;
            stamp[iu] += 1;
            stamp[j] += 1;
            let after = next[j];
            next[iu] = after;
            if after != NONE {
                prev[after as usize] = i;
            }
            let q = prev[iu];
            if q != NONE {
                let qu = q as usize;
                stamp[qu] += 1;
                let p = self.pair(id[qu], merged);
                if p != NO_PAIR {
                    heap.push(Reverse((p, at(q, stamp[qu]))));
                }
            }
            if after != NONE {
                let p = self.pair(merged, id[after as usize]);
                if p != NO_PAIR {
                    heap.push(Reverse((p, at(i, stamp[iu]))));
                }
            }
        }
        let mut i = 0;
        while i != NONE {
            out.push(id[i as usize]);
            i = next[i as usize];
        }
    }
}
