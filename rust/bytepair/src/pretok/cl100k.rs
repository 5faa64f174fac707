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

use super::classes::{char_at, LETTER, NUMBER, SPACE};

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
        let mut e = j;
        for _ in 1..style.max_digits {
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
        while e < n && (s[e] == b'\r' || s[e] == b'\n') {
            e += 1;
        }
        return e;
    }
    // Whitespace: find the run, its last newline and its last character.
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
    if e == n && style.whole_trailing_space {
        return n; // \s++$
    }
    if let Some(k) = after_newline {
        return k; // \s*[\r\n]
    }
    if e == n {
        return n; // \s+(?!\S) at the end
    }
    if last_start > i {
        return last_start; // \s+(?!\S): leave the last one for the next piece
    }
    j // \s
}

/// Call `emit` with each piece of `text`, in order.
pub fn split<'a>(text: &'a str, style: Cl100kStyle, mut emit: impl FnMut(&'a str)) {
    let s = text.as_bytes();
    let mut i = 0;
    while i < s.len() {
        let e = piece_end(s, i, style);
        emit(&text[i..e]);
        i = e;
    }
}
