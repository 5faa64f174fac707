//! Scanning steps shared by the hand-written splitters of the tiktoken family
//! (`cl100k.rs`, `o200k.rs`): each one decides where an alternative of the
//! pattern ends, the way a leftmost-first regex would.

use super::classes::{char_at, LETTER, NUMBER, SPACE};

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

/// The end of the run of characters in `class` that starts at `j`.
#[inline]
pub(super) fn run_end(s: &[u8], mut j: usize, class: u16) -> usize {
    while j < s.len() {
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
