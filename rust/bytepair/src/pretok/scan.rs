//! Scanning steps shared by the hand-written splitters of the tiktoken family
//! (`cl100k.rs`, `o200k.rs`): each one decides where an alternative of the
//! pattern ends, the way a leftmost-first regex would.
//!
//! Performance notes: letter runs step over ASCII letters eight bytes at a
//! time ([`ascii_run`]) and over CJK ideographs three bytes at a time without
//! a class lookup ([`cjk_run`]). The second took callgrind's count for one
//! pass over 1 MB of classical Chinese from 158 to 149 million instructions
//! (cl100k) and from 195 to 180 million (o200k): the clauses are short, so the
//! per-piece steps remain. In o200k's `upper_then_lower` an ASCII byte after
//! the capitals ends the class lookups at once: English, 137 -> 131 million
//! instructions a pass over 1 MB.

use super::classes::{char_at, cjk_run, CJK_IDEOGRAPH, LETTER, LOWERISH, NUMBER, SPACE};

/// Neither letter, number nor whitespace: `[^\s\p{L}\p{N}]`.
const OTHER_MASK: u16 = SPACE | LETTER | NUMBER;

/// Length of `(?i:[sdmt]|ll|ve|re)` at `i` (0 if none). `ſ` (U+017F) folds to `s`.
#[inline]
pub(super) fn contraction_len(s: &[u8], i: usize) -> usize {
    let lower = |j: usize| s.get(j).map(u8::to_ascii_lowercase);
    match lower(i) {
        Some(b's' | b'd' | b'm' | b't') => 1,
        Some(b'l') if lower(i + 1) == Some(b'l') => 2,
        Some(b'v' | b'r') if lower(i + 1) == Some(b'e') => 2,
        Some(0xC5) if s.get(i + 1) == Some(&0xBF) => 2,
        _ => 0,
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = ONES * 0x80;

/// The end of the run from `j` of ASCII bytes `b` with `b | fold` in
/// `lo..=hi` (`lo` at least 0x40), eight bytes at a time.
///
/// Performance notes: a byte loop pays a taken branch per letter and a
/// mispredicted one at each word's end; this pays one compare per eight
/// bytes. Each byte's range test is an add whose carry lands in the byte's
/// top bit; masking to 7 bits first keeps carries inside their byte.
#[inline(always)]
pub(super) fn ascii_run(s: &[u8], mut j: usize, lo: u8, hi: u8, fold: u8) -> usize {
    while j + 8 <= s.len() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[j..j + 8]);
        let x = u64::from_le_bytes(w);
        let y = (x | (ONES * u64::from(fold))) & (ONES * 0x7F);
        let at_least_lo = y + ONES * u64::from(0x80 - lo);
        let above_hi = y + ONES * u64::from(0x7F - hi);
        let outside = !(at_least_lo & !above_hi & !x) & HIGH;
        if outside != 0 {
            return j + (outside.trailing_zeros() / 8) as usize;
        }
        j += 8;
    }
    while j < s.len() && s[j] < 0x80 && (lo..=hi).contains(&(s[j] | fold)) {
        j += 1;
    }
    j
}

/// The end of the run of characters in `class` that starts at `j`.
#[inline]
pub(super) fn run_end(s: &[u8], mut j: usize, class: u16) -> usize {
    // ASCII letters first; the loop below takes over at a non-ASCII byte.
    if class == LETTER {
        j = ascii_run(s, j, b'a', b'z', 0x20);
    } else if class == LOWERISH {
        j = ascii_run(s, j, b'a', b'z', 0);
    }
    let cjk = class & CJK_IDEOGRAPH != 0;
    while j < s.len() {
        if cjk && s[j] >= 0xE4 {
            j = cjk_run(s, j);
            if j >= s.len() {
                break;
            }
        }
        let (_, l, k) = char_at(s, j);
        if k & class == 0 {
            break;
        }
        j += l;
    }
    j
}

/// `\p{N}{1,max}` whose first digit ends at `j`.
#[inline]
pub(super) fn digits_end(s: &[u8], mut j: usize, max: usize) -> usize {
    for _ in 1..max {
        if j >= s.len() {
            break;
        }
        let (_, l, k) = char_at(s, j);
        if k & NUMBER == 0 {
            break;
        }
        j += l;
    }
    j
}

/// ` ?[^\s\p{L}\p{N}]+` then a run of bytes `tail` accepts, for the piece that
/// starts at `i` with the character (`c0`, class `k0`) ending at `j`; `None`
/// if the piece does not start that way.
#[inline]
pub(super) fn punctuation_end(
    s: &[u8],
    (i, c0, k0, j): (usize, u32, u16, usize),
    tail: impl Fn(u8) -> bool,
) -> Option<usize> {
    let start = if k0 & OTHER_MASK == 0 {
        i
    } else if c0 == u32::from(b' ') && j < s.len() && char_at(s, j).2 & OTHER_MASK == 0 {
        j
    } else {
        return None;
    };
    let mut e = start;
    while e < s.len() {
        let (_, l, k) = char_at(s, e);
        if k & OTHER_MASK != 0 {
            break;
        }
        e += l;
    }
    while e < s.len() && tail(s[e]) {
        e += 1;
    }
    Some(e)
}

/// A run of whitespace from the start of a piece.
pub(super) struct SpaceRun {
    /// Where the run ends.
    pub end: usize,
    /// Just after its last `\r` or `\n`, if it has one.
    pub after_newline: Option<usize>,
    /// Where its last character starts.
    pub last_start: usize,
}

#[inline]
pub(super) fn space_run(s: &[u8], i: usize) -> SpaceRun {
    let mut run = SpaceRun {
        end: i,
        after_newline: None,
        last_start: i,
    };
    while run.end < s.len() {
        let (c, l, k) = char_at(s, run.end);
        if k & SPACE == 0 {
            break;
        }
        if c == u32::from(b'\r') || c == u32::from(b'\n') {
            run.after_newline = Some(run.end + l);
        }
        run.last_start = run.end;
        run.end += l;
    }
    run
}

/// Call `emit` with each piece of `text`, `piece_end(bytes, start)` saying
/// where the piece starting at `start` ends.
#[inline]
pub(super) fn split_by<'a>(
    text: &'a str,
    piece_end: impl Fn(&[u8], usize) -> usize,
    mut emit: impl FnMut(&'a str),
) {
    let s = text.as_bytes();
    let mut i = 0;
    while i < s.len() {
        let e = piece_end(s, i);
        emit(&text[i..e]);
        i = e;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_runs_match_a_byte_loop() {
        let alphabet = b"aZz@[`{AbMn0 \xff\x80y";
        let mut seed = 7u32;
        for _ in 0..2000 {
            let len = (seed % 23) as usize;
            let text: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    alphabet[(seed >> 16) as usize % alphabet.len()]
                })
                .collect();
            for j in 0..=text.len() {
                let slow = |fold: u8| {
                    let mut e = j;
                    while e < text.len() && text[e] < 0x80 && (text[e] | fold).is_ascii_lowercase()
                    {
                        e += 1;
                    }
                    e
                };
                assert_eq!(
                    ascii_run(&text, j, b'a', b'z', 0x20),
                    slow(0x20),
                    "{text:?} {j}"
                );
                assert_eq!(ascii_run(&text, j, b'a', b'z', 0), slow(0), "{text:?} {j}");
            }
        }
    }
}
