//! Unicode character classes for the hand-written splitters.
//!
//! The ranges come from `regex-syntax`, the parser behind the regex engine we
//! check the splitters against, so both agree on every code point (same Unicode
//! version). The Basic Multilingual Plane gets a flat table; other planes use a
//! binary search over the ranges.

use regex_syntax::hir::{Class, HirKind};
use std::sync::LazyLock;

pub const LETTER: u16 = 1 << 0;
pub const NUMBER: u16 = 1 << 1;
pub const SPACE: u16 = 1 << 2;
pub const UPPER: u16 = 1 << 3; // Lu
pub const TITLE: u16 = 1 << 4; // Lt
pub const MODIFIER: u16 = 1 << 5; // Lm
pub const OTHER_LETTER: u16 = 1 << 6; // Lo
pub const MARK: u16 = 1 << 7; // M
pub const LOWER: u16 = 1 << 8; // Ll
pub const DECIMAL: u16 = 1 << 9; // Nd, what Oniguruma's `\d` matches

const CLASSES: [(u16, &str); 10] = [
    (LETTER, r"\p{L}"),
    (NUMBER, r"\p{N}"),
    (SPACE, r"\s"),
    (UPPER, r"\p{Lu}"),
    (TITLE, r"\p{Lt}"),
    (MODIFIER, r"\p{Lm}"),
    (OTHER_LETTER, r"\p{Lo}"),
    (MARK, r"\p{M}"),
    (LOWER, r"\p{Ll}"),
    (DECIMAL, r"\p{Nd}"),
];

struct Tables {
    bmp: Vec<u16>,
    astral: Vec<(u16, Vec<(u32, u32)>)>,
}

/// The code point ranges of a Unicode class expression (`\p{L}`, `\w`).
pub fn class_ranges(expr: &str) -> Vec<(u32, u32)> {
    // These expressions are constants known to parse into a Unicode class.
    let hir = regex_syntax::Parser::new().parse(expr).ok();
    match hir.as_ref().map(|h| h.kind()) {
        Some(HirKind::Class(Class::Unicode(c))) => c
            .ranges()
            .iter()
            .map(|r| (r.start() as u32, r.end() as u32))
            .collect(),
        _ => Vec::new(),
    }
}

static TABLES: LazyLock<Tables> = LazyLock::new(|| {
    let mut bmp = vec![0u16; 0x10000];
    let mut astral = Vec::new();
    for (bit, expr) in CLASSES {
        let ranges = class_ranges(expr);
        for &(lo, hi) in &ranges {
            for cp in lo..=hi.min(0xFFFF) {
                bmp[cp as usize] |= bit;
            }
        }
        let far: Vec<(u32, u32)> = ranges.into_iter().filter(|r| r.1 > 0xFFFF).collect();
        astral.push((bit, far));
    }
    Tables { bmp, astral }
});

/// The class bits of code point `cp`.
#[inline]
pub fn classes(cp: u32) -> u16 {
    let t = &*TABLES;
    if cp < 0x10000 {
        return t.bmp[cp as usize];
    }
    let mut bits = 0;
    for (bit, ranges) in &t.astral {
        let i = ranges.partition_point(|r| r.1 < cp);
        if i < ranges.len() && ranges[i].0 <= cp {
            bits |= bit;
        }
    }
    bits
}

/// The classes of every code point of U+4E00..=U+9FFF (CJK Unified
/// Ideographs, all `Lo`; checked in a test), so a run of them can be
/// stepped over without a table lookup ([`cjk_run`]).
pub const CJK_IDEOGRAPH: u16 = LETTER | OTHER_LETTER;

/// The end of the run of U+4E00..=U+9FFF characters that starts at `j`:
/// three bytes `E4 B8..BF xx` to `E9 xx xx` each. Classical Chinese is
/// nearly all of them, and the table lookup per character was most of the
/// splitters' time there.
#[inline]
pub fn cjk_run(s: &[u8], mut j: usize) -> usize {
    while let [b0 @ 0xE4..=0xE9, b1 @ 0x80..=0xBF, 0x80..=0xBF, ..] = s[j.min(s.len())..] {
        if b0 == 0xE4 && b1 < 0xB8 {
            break;
        }
        j += 3;
    }
    j
}

/// Letters the o200k pattern lets start a word: Lu, Lt, Lm, Lo and marks.
pub const UPPERISH: u16 = UPPER | TITLE | MODIFIER | OTHER_LETTER | MARK;
/// Letters the o200k pattern lets continue a word: Ll, Lm, Lo and marks.
pub const LOWERISH: u16 = LOWER | MODIFIER | OTHER_LETTER | MARK;

/// ASCII classes as a constant table (checked against [`classes`] in tests).
static ASCII_CLASSES: [u16; 128] = {
    let mut t = [0u16; 128];
    let mut i = 0;
    while i < 128 {
        let c = i as u8;
        t[i] = if c.is_ascii_uppercase() {
            LETTER | UPPER
        } else if c.is_ascii_lowercase() {
            LETTER | LOWER
        } else if c.is_ascii_digit() {
            NUMBER | DECIMAL
        } else if matches!(c, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r') {
            SPACE
        } else {
            0
        };
        i += 1;
    }
    t
};

/// The character at byte `i` of valid UTF-8: (code point, byte length, class bits).
#[inline(always)]
pub fn char_at(s: &[u8], i: usize) -> (u32, usize, u16) {
    let b = s[i];
    if b < 0x80 {
        return (u32::from(b), 1, ASCII_CLASSES[b as usize]);
    }
    let (cp, len) = decode_at(s, i);
    (cp, len, classes(cp))
}

/// Decode the character starting at byte `i` of valid UTF-8: (code point, byte length).
#[inline(always)]
pub fn decode_at(s: &[u8], i: usize) -> (u32, usize) {
    let b0 = s[i] as u32;
    if b0 < 0x80 {
        (b0, 1)
    } else if b0 < 0xE0 {
        (((b0 & 0x1F) << 6) | (s[i + 1] as u32 & 0x3F), 2)
    } else if b0 < 0xF0 {
        (
            ((b0 & 0x0F) << 12) | ((s[i + 1] as u32 & 0x3F) << 6) | (s[i + 2] as u32 & 0x3F),
            3,
        )
    } else {
        (
            ((b0 & 0x07) << 18)
                | ((s[i + 1] as u32 & 0x3F) << 12)
                | ((s[i + 2] as u32 & 0x3F) << 6)
                | (s[i + 3] as u32 & 0x3F),
            4,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_table_agrees() {
        for cp in 0..128u32 {
            assert_eq!(ASCII_CLASSES[cp as usize], classes(cp), "code point {cp}");
        }
    }

    #[test]
    fn cjk_ideographs_are_one_class_and_runs_end_at_the_block() {
        for cp in 0x4E00..=0x9FFFu32 {
            assert_eq!(classes(cp), CJK_IDEOGRAPH, "code point {cp:#x}");
        }
        // U+4DFF (a Yijing hexagram, So) and U+A000 (Yi, Lo) are outside the block.
        for (text, end) in [
            ("一鿿x", 6),
            ("䷿一", 0),
            ("一ꀀ", 3),
            ("一\u{e4}", 3),
            ("", 0),
        ] {
            assert_eq!(cjk_run(text.as_bytes(), 0), end, "{text:?}");
        }
        assert_eq!(cjk_run(&[0xE4, 0xB8], 0), 0);
    }

    #[test]
    fn spot_checks() {
        assert_ne!(classes('a' as u32) & LETTER, 0);
        assert_ne!(classes('a' as u32) & LOWER, 0);
        assert_ne!(classes('7' as u32) & NUMBER, 0);
        assert_ne!(classes(0x3000) & SPACE, 0);
        assert_ne!(classes(0x85) & SPACE, 0);
        assert_eq!(classes('!' as u32), 0);
        assert_ne!(classes(0x1D400) & LETTER, 0); // MATHEMATICAL BOLD CAPITAL A
        assert_ne!(classes(0x1F600), LETTER); // an emoji is not a letter
    }
}
