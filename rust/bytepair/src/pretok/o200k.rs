//! A hand-written splitter equal to the o200k pattern:
//!
//! ```text
//! [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//! |[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//! |\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
//! ```
//!
//! The word alternatives backtrack: the "upper" class (Lu Lt Lm Lo M) and the
//! "lower" class (Ll Lm Lo M) overlap, so `U*W+` takes the longest run of
//! upper-class characters and, if no lower-class character follows, gives
//! characters back until the last one that is also lower-class. We compute that
//! end directly instead of backtracking. Checked against fancy-regex by the
//! property tests in `pretok::tests`.

use super::cl100k::contraction_len;
use super::classes::{char_at, LETTER, LOWERISH, NUMBER, SPACE, UPPERISH};

const OTHER_MASK: u16 = SPACE | LETTER | NUMBER;

/// `'s|'t|'re|'ve|'m|'ll|'d` (case-insensitive) at `e`, if present.
#[inline]
fn with_contraction(s: &[u8], e: usize) -> usize {
    if s.get(e) == Some(&b'\'') {
        let k = contraction_len(s, e + 1);
        if k > 0 {
            return e + 1 + k;
        }
    }
    e
}

#[inline]
fn run_end(s: &[u8], mut j: usize, class: u16) -> usize {
    while j < s.len() {
        let (_, l, k) = char_at(s, j);
        if k & class == 0 {
            break;
        }
        j += l;
    }
    j
}

/// `U*W+` then an optional contraction, starting at `i`.
#[inline]
fn upper_then_lower(s: &[u8], i: usize) -> Option<usize> {
    let n = s.len();
    let mut u = i;
    let mut last_both = None; // end of the last char in the run that is also lower-class
    while u < n {
        let (_, l, k) = char_at(s, u);
        if k & UPPERISH == 0 {
            break;
        }
        if k & LOWERISH != 0 {
            last_both = Some(u + l);
        }
        u += l;
    }
    if u < n {
        let (_, l, k) = char_at(s, u);
        if k & LOWERISH != 0 {
            return Some(with_contraction(s, run_end(s, u + l, LOWERISH)));
        }
    }
    last_both.map(|e| with_contraction(s, e))
}

/// `U+W*` then an optional contraction, starting at `i`.
#[inline]
fn upper_run(s: &[u8], i: usize) -> Option<usize> {
    let u = run_end(s, i, UPPERISH);
    (u > i).then(|| with_contraction(s, run_end(s, u, LOWERISH)))
}

#[inline]
fn piece_end(s: &[u8], i: usize) -> usize {
    let n = s.len();
    let (c0, l0, k0) = char_at(s, i);
    let j = i + l0;
    let crlf = c0 == u32::from(b'\r') || c0 == u32::from(b'\n');
    let prefix = k0 & (LETTER | NUMBER) == 0 && !crlf;
    if prefix && j < n {
        if let Some(e) = upper_then_lower(s, j) {
            return e;
        }
    }
    if let Some(e) = upper_then_lower(s, i) {
        return e;
    }
    if prefix && j < n {
        if let Some(e) = upper_run(s, j) {
            return e;
        }
    }
    if let Some(e) = upper_run(s, i) {
        return e;
    }
    if k0 & NUMBER != 0 {
        let mut e = j;
        for _ in 0..2 {
            if e >= n {
                break;
            }
            let (_, l, k) = char_at(s, e);
            if k & NUMBER == 0 {
                break;
            }
            e += l;
        }
        return e;
    }
    let other_start = if k0 & OTHER_MASK == 0 {
        Some(i)
    } else if c0 == u32::from(b' ') && j < n && char_at(s, j).2 & OTHER_MASK == 0 {
        Some(j)
    } else {
        None
    };
    if let Some(o) = other_start {
        let mut e = o;
        while e < n {
            let (_, l, k) = char_at(s, e);
            if k & OTHER_MASK != 0 {
                break;
            }
            e += l;
        }
        while e < n && matches!(s[e], b'\r' | b'\n' | b'/') {
            e += 1;
        }
        return e;
    }
    let mut e = i;
    let mut after_newline = None;
    let mut last_start = i;
    while e < n {
        let (c, l, k) = char_at(s, e);
        if k & SPACE == 0 {
            break;
        }
        if c == u32::from(b'\r') || c == u32::from(b'\n') {
            after_newline = Some(e + l);
        }
        last_start = e;
        e += l;
    }
    if let Some(k) = after_newline {
        return k; // \s*[\r\n]+
    }
    if e == n {
        return n; // \s+(?!\S) at the end
    }
    if last_start > i {
        return last_start; // \s+(?!\S)
    }
    e // \s+ (one character)
}

/// Call `emit` with each piece of `text`, in order.
pub fn split<'a>(text: &'a str, mut emit: impl FnMut(&'a str)) {
    let s = text.as_bytes();
    let mut i = 0;
    while i < s.len() {
        let e = piece_end(s, i);
        emit(&text[i..e]);
        i = e;
    }
}
