//! A hand-written splitter for the cl100k family of patterns:
//!
//! ```text
//! '(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s
//! ```
//!
//! Llama 3 writes the same alternatives without `\s++$` (so a trailing run of
//! whitespace splits after its last newline) and Qwen 2 also takes one digit
//! at a time; [`Cl100kStyle`] covers the three. Each alternative is decided by
//! looking at one or two characters, the way a leftmost-first regex would try
//! them in order; the property tests in `pretok::tests` compare every form
//! with fancy-regex on random text.
//!
//! Performance notes: one table lookup per ASCII byte, no UTF-8 decoding for
//! ASCII; see the README's encoder table for throughput.

use super::classes::{char_at, LETTER, NUMBER};
use super::scan::{contraction_len, digits_end, punctuation_end, run_end, space_run, split_by};

#[derive(Clone, Copy, Debug)]
pub struct Cl100kStyle {
    /// `\p{N}{1,3}` (3) or `\p{N}` (1).
    pub max_digits: usize,
    /// `\s++$` comes before the newline rule (cl100k), or not (Llama 3, Qwen 2).
    pub whole_trailing_space: bool,
}

pub const CL100K: Cl100kStyle = Cl100kStyle {
    max_digits: 3,
    whole_trailing_space: true,
};
pub const LLAMA3: Cl100kStyle = Cl100kStyle {
    max_digits: 3,
    whole_trailing_space: false,
};
pub const QWEN2: Cl100kStyle = Cl100kStyle {
    max_digits: 1,
    whole_trailing_space: false,
};

/// The end of the piece that starts at `i`.
#[inline]
fn piece_end(s: &[u8], i: usize, style: Cl100kStyle) -> usize {
    let n = s.len();
    let (c0, l0, k0) = char_at(s, i);
    let j = i + l0;
    if c0 == u32::from(b'\'') {
        let k = contraction_len(s, j);
        if k > 0 {
            return j + k;
        }
    }
    if k0 & LETTER != 0 {
        return run_end(s, j, LETTER);
    }
    let crlf = c0 == u32::from(b'\r') || c0 == u32::from(b'\n');
    if k0 & NUMBER == 0 && !crlf && j < n {
        let (_, l1, k1) = char_at(s, j);
        if k1 & LETTER != 0 {
            return run_end(s, j + l1, LETTER);
        }
    }
    if k0 & NUMBER != 0 {
        return digits_end(s, j, style.max_digits);
    }
    if let Some(e) = punctuation_end(s, (i, c0, k0, j), |b| b == b'\r' || b == b'\n') {
        return e;
    }
    let run = space_run(s, i);
    if run.end == n && style.whole_trailing_space {
        return n; // \s++$
    }
    if let Some(k) = run.after_newline {
        return k; // \s*[\r\n]
    }
    if run.end == n {
        return n; // \s+(?!\S) at the end
    }
    if run.last_start > i {
        return run.last_start; // \s+(?!\S): leave the last one for the next piece
    }
    j // \s
}

/// Call `emit` with each piece of `text`, in order.
pub fn split<'a>(text: &'a str, style: Cl100kStyle, emit: impl FnMut(&'a str)) {
    split_by(text, |s, i| piece_end(s, i, style), emit);
}
