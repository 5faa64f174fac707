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

const CLASSES: [(u16, &str); 9] = [
    (LETTER, r"\p{L}"),
    (NUMBER, r"\p{N}"),
    (SPACE, r"\s"),
    (UPPER, r"\p{Lu}"),
    (TITLE, r"\p{Lt}"),
    (MODIFIER, r"\p{Lm}"),
    (OTHER_LETTER, r"\p{Lo}"),
    (MARK, r"\p{M}"),
    (LOWER, r"\p{Ll}"),
];

struct Tables {
    bmp: Vec<u16>,
    astral: Vec<(u16, Vec<(u32, u32)>)>,
}

fn class_ranges(expr: &str) -> Vec<(u32, u32)> {
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
