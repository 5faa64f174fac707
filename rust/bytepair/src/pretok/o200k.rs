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

use super::classes::{char_at, cjk_run, LETTER, LOWERISH, NUMBER, UPPERISH};
use super::scan::{
    ascii_run, contraction_len, digits_end, punctuation_end, run_end, space_run, split_by,
};

/// `'s|'t|'re|'ve|'m|'ll|'d` (case-insensitive) at `e`, if present and the
/// pattern has the contraction suffix (`C`).
#[inline]
fn with_contraction<const C: bool>(s: &[u8], e: usize) -> usize {
    if C && s.get(e) == Some(&b'\'') {
        let k = contraction_len(s, e + 1);
        if k > 0 {
            return e + 1 + k;
        }
    }
    e
}

/// `U*W+` then an optional contraction, starting at `i`.
#[inline]
fn upper_then_lower<const C: bool>(s: &[u8], i: usize) -> Option<usize> {
    let n = s.len();
    // ASCII capitals first (none of them is also lower-class), then the rest.
    let mut u = ascii_run(s, i, b'A', b'Z', 0);
    // An ASCII byte next (most English): only a-z continue the word, and no
    // character so far is also lower-class, so the class lookups can wait.
    if let Some(&b) = s.get(u).filter(|b| b.is_ascii()) {
        return b
            .is_ascii_lowercase()
            .then(|| with_contraction::<C>(s, run_end(s, u + 1, LOWERISH)));
    }
    let mut last_both = None; // end of the last char in the run that is also lower-class
    while u < n {
        if s[u] >= 0xE4 {
            // CJK ideographs are Lo: upper- and lower-class both.
            let e = cjk_run(s, u);
            if e > u {
                last_both = Some(e);
                u = e;
                continue;
            }
        }
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
            return Some(with_contraction::<C>(s, run_end(s, u + l, LOWERISH)));
        }
    }
    last_both.map(|e| with_contraction::<C>(s, e))
}

/// `U+W*` then an optional contraction, starting at `i`.
#[inline]
fn upper_run<const C: bool>(s: &[u8], i: usize) -> Option<usize> {
    let u = run_end(s, i, UPPERISH);
    (u > i).then(|| with_contraction::<C>(s, run_end(s, u, LOWERISH)))
}

#[inline]
fn piece_end<const C: bool>(s: &[u8], i: usize) -> usize {
    let n = s.len();
    let (c0, l0, k0) = char_at(s, i);
    let j = i + l0;
    let crlf = c0 == u32::from(b'\r') || c0 == u32::from(b'\n');
    let prefix = k0 & (LETTER | NUMBER) == 0 && !crlf;
    if prefix && j < n {
        if let Some(e) = upper_then_lower::<C>(s, j) {
            return e;
        }
    }
    if let Some(e) = upper_then_lower::<C>(s, i) {
        return e;
    }
    if prefix && j < n {
        if let Some(e) = upper_run::<C>(s, j) {
            return e;
        }
    }
    if let Some(e) = upper_run::<C>(s, i) {
        return e;
    }
    if k0 & NUMBER != 0 {
        return digits_end(s, j, 3);
    }
    if let Some(e) = punctuation_end(s, (i, c0, k0, j), |b| matches!(b, b'\r' | b'\n' | b'/')) {
        return e;
    }
    let run = space_run(s, i);
    if let Some(k) = run.after_newline {
        return k; // \s*[\r\n]+
    }
    if run.end == n {
        return n; // \s+(?!\S) at the end
    }
    if run.last_start > i {
        return run.last_start; // \s+(?!\S)
    }
    run.end // \s+ (one character)
}

/// Call `emit` with each piece of `text`, in order.
pub fn split<'a>(text: &'a str, emit: impl FnMut(&'a str)) {
    split_by(text, piece_end::<true>, emit);
}

/// The same pattern without its contraction suffixes: SuperBPE's recommended
/// stage-1 pattern, where `'s` stays a piece of its own.
pub fn split_without_contractions<'a>(text: &'a str, emit: impl FnMut(&'a str)) {
    split_by(text, piece_end::<false>, emit);
}
