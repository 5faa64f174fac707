//! SuperBPE's stage-2 pre-tokenizers: coarse splits that let merges cross
//! whitespace (Liu et al., 2025; the official trainer's stage-2 regexes).
//!
//! * [`split_recommended`]: `\p{N}{1,3}| ?[^\s\p{L}\p{N}]{2,}[\r\n/]*| +(?!\S)`
//!   as an HF `Split` with `Isolated` behaviour: matches are pieces and so is
//!   the text between them. Digits in groups of up to three, runs of two or
//!   more punctuation characters, and runs of spaces before whitespace or the
//!   end are cut off; everything else (words, single spaces, single
//!   punctuation, tabs, newlines) stays in one piece.
//! * [`split_digits_only`]: the paper-era pipeline, HF's `Digits` (runs of
//!   `\p{N}` isolated) then `Split((?=(\d{3})+(?!\d)), Isolated)`, which cuts a
//!   digit run before every position followed by a multiple of three `\d`
//!   (Unicode `Nd`) characters: `1234567` -> `1 234 567`.
//!
//! Both are checked against HF tokenizers by the Python tests, and the first
//! against fancy-regex in `pretok::tests`.

use super::classes::{char_at, DECIMAL, LETTER, NUMBER, SPACE};
use super::scan::digits_end;

const OTHER_MASK: u16 = SPACE | LETTER | NUMBER;

/// The stage-2 pattern's text, as SuperBPE's scripts write it.
pub const STAGE2_PATTERN: &str = r"\p{N}{1,3}| ?[^\s\p{L}\p{N}]{2,}[\r\n/]*| +(?!\S)";
/// The paper-era stage-2 regex, applied after HF's `Digits` pre-tokenizer.
pub const DIGITS_ONLY_PATTERN: &str = r"(?=(\d{3})+(?!\d))";

/// The end of a run of two or more `[^\s\p{L}\p{N}]` starting at `j`, with its
/// `[\r\n/]*` tail; `None` if the run is shorter.
#[inline]
fn punctuation_run(s: &[u8], j: usize) -> Option<usize> {
    let mut e = j;
    let mut chars = 0;
    while e < s.len() {
        let (_, l, k) = char_at(s, e);
        if k & OTHER_MASK != 0 {
            break;
        }
        e += l;
        chars += 1;
    }
    if chars < 2 {
        return None;
    }
    while e < s.len() && matches!(s[e], b'\r' | b'\n' | b'/') {
        e += 1;
    }
    Some(e)
}

/// Where a match of the stage-2 pattern that starts at `i` ends, if one does.
#[inline]
fn match_end(s: &[u8], i: usize) -> Option<usize> {
    let (c0, l0, k0) = char_at(s, i);
    if k0 & NUMBER != 0 {
        return Some(digits_end(s, i + l0, 3));
    }
    if c0 == u32::from(b' ') {
        if let Some(e) = punctuation_run(s, i + 1) {
            return Some(e);
        }
        // ` +(?!\S)`: the run, or the run less its last space when text follows.
        let mut e = i;
        while e < s.len() && s[e] == b' ' {
            e += 1;
        }
        if e == s.len() || char_at(s, e).2 & SPACE != 0 {
            return Some(e);
        }
        return (e - i >= 2).then_some(e - 1);
    }
    if k0 & OTHER_MASK == 0 {
        return punctuation_run(s, i);
    }
    None
}

/// Call `emit` with each piece of `text` under the recommended stage-2 pattern.
pub fn split_recommended<'a>(text: &'a str, mut emit: impl FnMut(&'a str)) {
    let s = text.as_bytes();
    let mut gap = 0; // start of the text not yet emitted
    let mut i = 0;
    while i < s.len() {
        // Fast paths: no alternative starts at a letter, nor at a single
        // space before a letter or digit.
        if s[i].is_ascii_alphabetic()
            || (s[i] == b' ' && s.get(i + 1).is_some_and(u8::is_ascii_alphanumeric))
        {
            i += 1;
            continue;
        }
        match match_end(s, i) {
            Some(e) => {
                if gap < i {
                    emit(&text[gap..i]);
                }
                emit(&text[i..e]);
                i = e;
                gap = e;
            }
            None => i += char_at(s, i).1,
        }
    }
    if gap < s.len() {
        emit(&text[gap..]);
    }
}

/// Call `emit` with each piece of `text` under the paper-era digits-only split.
pub fn split_digits_only<'a>(text: &'a str, mut emit: impl FnMut(&'a str)) {
    let s = text.as_bytes();
    let mut i = 0;
    // (start, is_decimal) of each character of the current number run.
    let mut run: Vec<(usize, bool)> = Vec::new();
    while i < s.len() {
        let (_, l, k) = char_at(s, i);
        if k & NUMBER == 0 {
            let mut e = i + l;
            while e < s.len() && char_at(s, e).2 & NUMBER == 0 {
                e += char_at(s, e).1;
            }
            emit(&text[i..e]);
            i = e;
            continue;
        }
        run.clear();
        let mut e = i;
        while e < s.len() {
            let (_, l, k) = char_at(s, e);
            if k & NUMBER == 0 {
                break;
            }
            run.push((e, k & DECIMAL != 0));
            e += l;
        }
        // Cut before character j when the `\d` run from j has a length that is
        // a positive multiple of three (the lookahead's only way to succeed).
        let mut cuts = Vec::new();
        let mut decimals_after = 0usize;
        for j in (0..run.len()).rev() {
            decimals_after = if run[j].1 { decimals_after + 1 } else { 0 };
            if j > 0 && decimals_after > 0 && decimals_after % 3 == 0 {
                cuts.push(run[j].0);
            }
        }
        let mut start = i;
        for &c in cuts.iter().rev() {
            emit(&text[start..c]);
            start = c;
        }
        emit(&text[start..e]);
        i = e;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Splitter = fn(&str, &mut dyn FnMut(&str));

    fn pieces(f: Splitter, s: &str) -> Vec<String> {
        let mut v = Vec::new();
        f(s, &mut |p| v.push(p.to_string()));
        v
    }

    fn rec(s: &str, emit: &mut dyn FnMut(&str)) {
        split_recommended(s, emit)
    }
    fn dig(s: &str, emit: &mut dyn FnMut(&str)) {
        split_digits_only(s, emit)
    }

    #[test]
    fn recommended_examples() {
        // HF tokenizers 0.23 gives these pieces for the same Split.
        assert_eq!(
            pieces(rec, "Hello, world.  And  then... 12345 x"),
            [
                "Hello, world.",
                " ",
                " And",
                " ",
                " then",
                "...",
                " ",
                "123",
                "45",
                " x"
            ]
        );
        assert_eq!(pieces(rec, "a   "), ["a", "   "]);
        assert_eq!(pieces(rec, "   b"), ["  ", " b"]);
        assert_eq!(pieces(rec, " !! x"), [" !!", " x"]);
        assert_eq!(pieces(rec, "a\t  b"), ["a\t", " ", " b"]);
    }

    #[test]
    fn digits_only_examples() {
        assert_eq!(
            pieces(dig, "abc 1234567 def"),
            ["abc ", "1", "234", "567", " def"]
        );
        assert_eq!(pieces(dig, "1234"), ["1", "234"]);
        assert_eq!(pieces(dig, "x١٢٣٤٥y"), ["x", "١٢", "٣٤٥", "y"]);
        assert_eq!(pieces(dig, "Ⅷ12345"), ["Ⅷ12", "345"]);
        assert_eq!(pieces(dig, "²³⁴⁵"), ["²³⁴⁵"]);
        assert_eq!(pieces(dig, "a\n\nb  c"), ["a\n\nb  c"]);
    }
}
