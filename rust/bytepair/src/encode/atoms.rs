//! Multibyte characters that BPE provably settles on its own, so a piece can
//! start from them instead of from their 2 or 3 bytes.
//!
//! A character `c` of the Basic Multilingual Plane, encoded alone, ends as
//! one token or two (its *solo* result). Starting a piece from that result
//! at an occurrence of `c` instead of from `c`'s bytes gives the same ids
//! when:
//!
//! 1. no token covers part of `c` together with a byte outside it, at this
//!    occurrence (checked against the actual neighbouring bytes: a *head* is
//!    the text before `c` that a token ending inside `c` needs, a *tail* the
//!    text after `c` that a token starting inside `c` needs); and
//! 2. if the solo result is one token, every merge that has it as an operand
//!    has a worse priority than every merge that formed it.
//!
//! By 1 no merge joins a byte of `c` with one outside before `c` has reached
//! its solo result (the product would be such a token), so `c`'s own merges
//! commute with the rest. A two-token result never merges outward (that too
//! would need such a token). A one-token result could only merge outward
//! early if that merge beat one of `c`'s own, which 2 rules out. So the
//! greedy sequence is the same merges in another order. The property test
//! in `tokenizer.rs` compares both starts on text built to break this.
//!
//! Performance notes: on classical Chinese most pieces are new clauses, so
//! BPE itself was the cost; a CJK character is three bytes and two merges.
//! Starting from atoms (42% of that text's characters are one token in
//! cl100k, 46% two), side by side in `examples/encode_file.rs` (3 MB, median
//! of 9 alternating runs, passes 2-4): cl100k 24.3 -> 28.9 MB/s, o200k 11.2 ->
//! 16.7; callgrind counts 12% fewer instructions a pass on cl100k. The table
//! is one `u64` per BMP code point (512 KB), one load per character; an 8 KB
//! bit table per side, of the bytes next to a head or tail, clears 94% of the
//! occurrences that have any (o200k, Chinese) before a list is read. Building
//! it takes 10-15 ms of an encoding's load. Inspired by fastokens' "char
//! atoms"; this is our own, simpler rule set (BMP only).

use super::bits::{get as bit, set as set_bit, zeroed};
use rustc_hash::FxHashMap;

/// Entry bits: the first token, the second (or [`NO_ID`]), the rule index.
const ID_BITS: u32 = 21;
const ID_MASK: u64 = (1 << ID_BITS) - 1;
const NO_ID: u64 = ID_MASK;
const RULE_SHIFT: u32 = 2 * ID_BITS;
/// Set in every atom's entry, so 0 means "not an atom".
const VALID: u64 = 1 << 63;

/// Texts that, just before (heads) or after (tails) a character, would let
/// a token cover part of it. One-byte texts are a byte set; longer ones are
/// compared only when the map's filter holds their two bytes nearest the
/// character, so almost every occurrence is cleared without a compare.
#[derive(Default)]
struct Fragments {
    single: [u64; 4],
    texts: Vec<Vec<u8>>,
}

/// Bits in a [`FragmentMap`]'s filter (8 KB).
const FILTER_BITS: u32 = 16;

/// Fragment lists keyed by part of a character: `find` gives a key's list
/// index, 0 (an empty list) when it has none.
struct FragmentMap {
    index: FxHashMap<Vec<u8>, u32>,
    lists: Vec<Fragments>,
    /// Bit [`filter_bit`] of (list, nearest byte, next byte) is set for
    /// every text of two bytes or more.
    filter: Box<[u64]>,
    /// Bit `edge << 8 | near` is set when some text next to a character
    /// whose byte on that side is `edge` has `near` as its nearest byte.
    /// Where it is clear (nearly every CJK occurrence) no list is read.
    near: Box<[u64]>,
}

#[inline]
fn near_bit(edge: u8, near: u8) -> usize {
    (usize::from(edge) << 8) | usize::from(near)
}

#[inline]
fn filter_bit(list: u32, near: u8, next: u8) -> usize {
    let x = (u64::from(list) << 16) | (u64::from(near) << 8) | u64::from(next);
    (x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - FILTER_BITS)) as usize
}

impl FragmentMap {
    fn new() -> Self {
        FragmentMap {
            index: FxHashMap::default(),
            lists: vec![Fragments::default()],
            filter: zeroed(1 << FILTER_BITS),
            near: zeroed(1 << 16),
        }
    }

    /// Add `text` under `key`, a part of a character whose byte next to
    /// `text` is `edge`; `near` is `text`'s bytes from the one next to the
    /// character outward (reversed for a head).
    fn add(&mut self, key: &[u8], edge: u8, text: &[u8], mut near: impl Iterator<Item = u8>) {
        let next = self.lists.len() as u32;
        let i = *self.index.entry(key.to_vec()).or_insert(next);
        if i == next {
            self.lists.push(Fragments::default());
        }
        let list = &mut self.lists[i as usize];
        let b0 = near.next().unwrap_or_default();
        set_bit(&mut self.near, near_bit(edge, b0));
        match near.next() {
            None => set_bit(&mut list.single, usize::from(b0)),
            Some(b1) => {
                set_bit(&mut self.filter, filter_bit(i, b0, b1));
                list.texts.push(text.to_vec());
            }
        }
    }

    fn find(&self, key: &[u8]) -> u32 {
        self.index.get(key).copied().unwrap_or(0)
    }

    /// Whether a text of list `i` may sit where the bytes nearest the
    /// character are `near`, then `next` (if any); `matches` compares one.
    #[inline]
    fn any_at(&self, i: u32, near: u8, next: Option<u8>, matches: impl Fn(&[u8]) -> bool) -> bool {
        if i == 0 {
            return false;
        }
        let f = &self.lists[i as usize];
        if bit(&f.single, usize::from(near)) {
            return true;
        }
        let Some(next) = next else { return false };
        bit(&self.filter, filter_bit(i, near, next)) && f.texts.iter().any(|t| matches(t))
    }
}

#[inline]
pub(super) fn is_continuation(b: u8) -> bool {
    (0x80..0xC0).contains(&b)
}

/// The code point and length of the BMP character at `piece[at..]`, if the
/// bytes there are one in shortest form (never a surrogate).
#[inline]
fn bmp_char(piece: &[u8], at: usize) -> Option<(usize, usize)> {
    let b0 = piece[at];
    match b0 {
        0xC2..=0xDF => {
            let b1 = *piece.get(at + 1)?;
            is_continuation(b1).then(|| ((usize::from(b0 & 0x1F) << 6) | usize::from(b1 & 0x3F), 2))
        }
        0xE0..=0xEF => {
            let (b1, b2) = (*piece.get(at + 1)?, *piece.get(at + 2)?);
            if !is_continuation(b1) || !is_continuation(b2) {
                return None;
            }
            let cp = (usize::from(b0 & 0x0F) << 12)
                | (usize::from(b1 & 0x3F) << 6)
                | usize::from(b2 & 0x3F);
            (cp >= 0x800 && !(0xD800..0xE000).contains(&cp)).then_some((cp, 3))
        }
        _ => None,
    }
}

pub struct CharAtoms {
    /// Code point -> packed entry (0: not an atom).
    entries: Box<[u64]>,
    /// Indexed by an entry's rule: the head lists of the character's 1- and
    /// 2-byte prefixes, then the tail lists of its 1- and 2-byte suffixes.
    rules: Vec<[u32; 4]>,
    heads: FragmentMap,
    tails: FragmentMap,
}

impl CharAtoms {
    /// The atoms of a byte-level vocabulary whose tokens are `tokens`, whose
    /// merges are `merges` (left, right, priority) and whose pair table is
    /// `pair` (priority and result of two ids), or `None` when its ids do not
    /// fit an entry or no character is worth starting from.
    pub fn new(
        tokens: &[Vec<u8>],
        byte_ids: &[u32; 256],
        merges: impl Iterator<Item = (u32, u32, u32)>,
        pair: impl Fn(u32, u32) -> Option<(u32, u32)>,
    ) -> Option<Self> {
        if tokens.len() as u64 >= NO_ID {
            return None;
        }
        // The best priority of a merge that uses each token.
        let mut first_use = vec![u32::MAX; tokens.len()];
        for (left, right, prio) in merges {
            for side in [left, right] {
                if let Some(u) = first_use.get_mut(side as usize) {
                    *u = (*u).min(prio);
                }
            }
        }
        let (heads, tails) = fragment_maps(tokens);
        let mut rules = vec![[0u32; 4]];
        let mut rule_of: FxHashMap<[u32; 4], u64> = FxHashMap::default();
        let mut entries = vec![0u64; 0x1_0000].into_boxed_slice();
        let mut buf = [0u8; 4];
        for cp in 0x80u32..0x1_0000 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            let bytes = c.encode_utf8(&mut buf).as_bytes();
            let (ids, n, worst) = solo(bytes, byte_ids, &pair);
            let ids = &ids[..n];
            let settled = match *ids {
                [one] => first_use.get(one as usize).is_some_and(|&u| u > worst),
                [_, _] => bytes.len() == 3,
                _ => false,
            };
            if !settled {
                continue;
            }
            let mut lists = [0u32; 4];
            for o in 1..bytes.len() {
                lists[o - 1] = heads.find(&bytes[..o]);
                lists[o + 1] = tails.find(&bytes[bytes.len() - o..]);
            }
            let rule = if lists == [0; 4] {
                0
            } else {
                let next = rules.len() as u64;
                let r = *rule_of.entry(lists).or_insert(next);
                if r == next {
                    rules.push(lists);
                }
                r
            };
            if rule > ID_MASK {
                break;
            }
            let second = ids.get(1).map_or(NO_ID, |&id| u64::from(id));
            entries[cp as usize] =
                VALID | (rule << RULE_SHIFT) | (second << ID_BITS) | u64::from(ids[0]);
        }
        entries.iter().any(|&e| e != 0).then_some(CharAtoms {
            entries,
            rules,
            heads,
            tails,
        })
    }

    /// Whether no token could cover part of `piece[at..at + len]` together
    /// with a byte outside it, under `rule`.
    #[inline]
    fn clear_at(&self, rule: usize, piece: &[u8], at: usize, len: usize) -> bool {
        if rule == 0 {
            return true;
        }
        let end = at + len;
        let head_may = at > 0 && bit(&self.heads.near, near_bit(piece[at], piece[at - 1]));
        let tail_may =
            end < piece.len() && bit(&self.tails.near, near_bit(piece[end - 1], piece[end]));
        if !head_may && !tail_may {
            return true;
        }
        let [h1, h2, t1, t2] = self.rules[rule];
        if at > 0 {
            let before = &piece[..at];
            let (near, next) = (piece[at - 1], at.checked_sub(2).map(|j| piece[j]));
            for h in [h1, h2] {
                if self.heads.any_at(h, near, next, |t| before.ends_with(t)) {
                    return false;
                }
            }
        }
        if let Some(&near) = piece.get(end) {
            let after = &piece[end..];
            let next = piece.get(end + 1).copied();
            for t in [t1, t2] {
                if self.tails.any_at(t, near, next, |x| after.starts_with(x)) {
                    return false;
                }
            }
        }
        true
    }

    /// If `part` is one settled character, append its solo ids to `out` and
    /// return true. Alone in its part, no neighbour can cover it.
    #[inline]
    pub fn push_solo(&self, part: &[u8], out: &mut Vec<u32>) -> bool {
        if part.len() < 2 || part.len() > 3 {
            return false;
        }
        let Some((cp, len)) = bmp_char(part, 0) else {
            return false;
        };
        let e = self.entries[cp];
        if len != part.len() || e == 0 {
            return false;
        }
        push_solo_ids(e, out);
        true
    }

    /// Append the starting symbols of `piece` to `ids`: each settled
    /// character as its solo result, every other byte as itself. Returns
    /// whether any character was taken whole.
    pub fn start(&self, piece: &[u8], byte_ids: &[u32; 256], ids: &mut Vec<u32>) -> bool {
        let mut taken = false;
        let mut at = 0;
        while at < piece.len() {
            if piece[at] >= 0xC2 {
                if let Some((cp, len)) = bmp_char(piece, at) {
                    let e = self.entries[cp];
                    if e != 0 && self.clear_at((e >> RULE_SHIFT & ID_MASK) as usize, piece, at, len)
                    {
                        push_solo_ids(e, ids);
                        taken = true;
                        at += len;
                        continue;
                    }
                }
            }
            ids.push(byte_ids[usize::from(piece[at])]);
            at += 1;
        }
        taken
    }
}

/// Append the solo result of an atom's entry: its one or two ids.
#[inline]
fn push_solo_ids(e: u64, out: &mut Vec<u32>) {
    out.push((e & ID_MASK) as u32);
    let second = e >> ID_BITS & ID_MASK;
    if second != NO_ID {
        out.push(second as u32);
    }
}

/// BPE over one character's bytes: the ids it ends with (the first `n`) and
/// the worst (largest) priority of the merges it made.
fn solo(
    bytes: &[u8],
    byte_ids: &[u32; 256],
    pair: &impl Fn(u32, u32) -> Option<(u32, u32)>,
) -> ([u32; 4], usize, u32) {
    let mut ids = [0u32; 4];
    let mut n = bytes.len();
    for (id, &b) in ids.iter_mut().zip(bytes) {
        *id = byte_ids[usize::from(b)];
    }
    let mut worst = 0;
    // The best pair: lowest priority, then leftmost.
    while let Some((prio, at, result)) = (0..n.saturating_sub(1))
        .filter_map(|i| pair(ids[i], ids[i + 1]).map(|(p, r)| (p, i, r)))
        .min()
    {
        worst = worst.max(prio);
        ids[at] = result;
        ids.copy_within(at + 2..n, at + 1);
        n -= 1;
    }
    (ids, n, worst)
}

/// From the tokens that cover part of a character: `heads`, keyed by the
/// start of a character a token ends with, what comes before it in the
/// token; `tails`, keyed by the end of a character a token starts with
/// (continuation bytes), what follows it.
fn fragment_maps(tokens: &[Vec<u8>]) -> (FragmentMap, FragmentMap) {
    let mut heads = FragmentMap::new();
    let mut tails = FragmentMap::new();
    for t in tokens.iter().filter(|t| t.len() >= 2) {
        if let Some(lead) = t.iter().rposition(|&b| b >= 0xC0) {
            let rest = &t[lead + 1..];
            let char_len = match t[lead] {
                0xF0.. => 4,
                0xE0.. => 3,
                _ => 2,
            };
            if lead > 0 && rest.iter().all(|&b| is_continuation(b)) && rest.len() + 1 < char_len {
                heads.add(
                    &t[lead..],
                    t[lead],
                    &t[..lead],
                    t[..lead].iter().rev().copied(),
                );
            }
        }
        let run = t.iter().take_while(|&&b| is_continuation(b)).count();
        for o in 1..=run.min(3).min(t.len() - 1) {
            tails.add(&t[..o], t[o - 1], &t[o..], t[o..].iter().copied());
        }
    }
    (heads, tails)
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::encode::{Encoder, Scratch};
    use crate::vocab::Vocab;
    use std::path::Path;

    pub(crate) fn vocab(name: &str) -> Vocab {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/vocab/tiktoken")
            .join(format!("{name}.tiktoken"));
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let entries = crate::io::tiktoken::read_ranks(&data, name).expect("ranks");
        Vocab::from_ranks(entries, vec![]).expect("vocab")
    }

    /// Characters whose neighbours make tokens that cover part of them in
    /// cl100k or o200k (Cyrillic after a space, Devanagari, Hangul, kana,
    /// CJK, curly quotes), stray and truncated UTF-8, and ASCII.
    const ALPHABET: &[&[u8]] = &[
        "д".as_bytes(),
        "и".as_bytes(),
        "п".as_bytes(),
        "щ".as_bytes(),
        "є".as_bytes(),
        "क".as_bytes(),
        "ि".as_bytes(),
        "्".as_bytes(),
        "한".as_bytes(),
        "국".as_bytes(),
        "の".as_bytes(),
        "ッ".as_bytes(),
        "的".as_bytes(),
        "一".as_bytes(),
        "鬱".as_bytes(),
        "件".as_bytes(),
        "’".as_bytes(),
        "—".as_bytes(),
        "é".as_bytes(),
        "ß".as_bytes(),
        "ა".as_bytes(),
        "ṃ".as_bytes(),
        "😀".as_bytes(),
        b" ",
        b"a",
        b"e",
        b"\n",
        b".",
        b"\x80",
        b"\x84",
        b"\x9a",
        b"\xd0",
        b"\xe4\xbb",
        b"\xe7",
    ];

    /// A listed vocabulary may use a character's token in a merge listed
    /// before the one that forms it: then the character must not start whole
    /// (rule 2), or "éxy" would end as ["éx", "y"], not ["é", "xy"].
    #[test]
    fn a_token_used_before_it_is_formed_is_no_atom() {
        let id = |b: u8| crate::byte_level::BYTE_TO_RANK[b as usize];
        let mut tokens = Vocab::byte_alphabet();
        tokens.extend(["é", "éx", "xy"].map(|t| t.as_bytes().to_vec()));
        let merges = vec![(256, id(b'x')), (id(b'x'), id(b'y')), (id(0xC3), id(0xA9))];
        let vocab = Vocab::new(tokens, merges, &[]).expect("vocab");
        let encoder = Encoder::new(&vocab);
        let mut ids = Vec::new();
        encoder.encode_scan("éxy".as_bytes(), &mut ids, &mut Scratch::default());
        assert_eq!(ids, [256, 258]);
        assert!(encoder.atoms.is_none());
    }

    /// Every piece must encode the same from atoms as from bytes, with the
    /// scan and with the heap, and the heap as the scan.
    #[test]
    fn atoms_start_gives_the_ids_of_bytes() {
        for name in ["cl100k_base", "o200k_base"] {
            let vocab = vocab(name);
            let with = Encoder::new(&vocab);
            assert!(with.atoms.is_some(), "{name} has atoms");
            let mut without = Encoder::new(&vocab);
            without.atoms = None;
            let mut seed = 7u64;
            let mut taken = 0;
            for round in 0..20_000 {
                let mut piece = Vec::new();
                let n = 1 + round % 24;
                for _ in 0..n {
                    seed = seed
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    piece.extend_from_slice(ALPHABET[(seed >> 33) as usize % ALPHABET.len()]);
                }
                let mut ids = Vec::new();
                if with.start_symbols(&piece, &mut ids) {
                    taken += 1;
                }
                let (mut a, mut b) = (Vec::new(), Vec::new());
                with.encode_scan(&piece, &mut a, &mut Scratch::default());
                without.encode_scan(&piece, &mut b, &mut Scratch::default());
                assert_eq!(a, b, "{name} scan {piece:?}");
                let scanned = a;
                let (mut a, mut b) = (Vec::new(), Vec::new());
                with.encode_heap(&piece, &mut a);
                without.encode_heap(&piece, &mut b);
                assert_eq!(a, b, "{name} heap {piece:?}");
                assert_eq!(a, scanned, "{name} heap against scan {piece:?}");
            }
            // The test means nothing if atoms were never taken.
            assert!(taken > 10_000, "{name}: atoms taken in {taken} pieces");
        }
    }
}
