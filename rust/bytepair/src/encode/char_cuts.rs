//! Where a piece can be cut between two characters so that its halves merge
//! on their own: no token holds bytes of both.
//!
//! BPE can only join the bytes on either side of a boundary into a token
//! that holds them, so if no token does, the two sides merge independently
//! and their ids concatenate to the whole piece's. [`super::Encoder`]
//! already cuts between two *bytes* that no token holds side by side; that
//! rarely fires inside CJK text, where a character's last byte (one of 64
//! continuation bytes) next to a lead byte is in some token for almost every
//! pair. Here the test is on whole characters: a boundary between `a` and
//! `b` is crossed by a token only if
//!
//! * the token holds `a` then `b`, both whole (a *bigram*), or
//! * the token holds the boundary's two bytes where one side is not a whole
//!   character in the token (it starts or ends mid-character, or holds bytes
//!   that are not UTF-8): a *fragment* pair.
//!
//! In a token every byte that is not a continuation byte begins a unit (a
//! character, or a run of bytes that is none), and a character boundary of
//! the text begins with such a byte, so a token that crosses it has a unit
//! boundary there with the same two bytes; that boundary is one of the two
//! kinds above. The bigrams sit in a bit filter (one hash, 128 KB): a false
//! positive only forgoes a cut.
//!
//! Performance notes: classical Chinese is mostly clauses never seen before,
//! each a BPE run over 15-20 bytes with a hash probe per merge. Cut between
//! characters that no token joins (most of them, in cl100k and o200k), a
//! clause becomes characters and short words that repeat, each one table
//! load (a settled character, [`super::atoms`]) or one cache probe.

use super::atoms::is_continuation;
use super::bits::{get as bit, set as set_bit, zeroed};

/// Bits in the bigram filter (128 KB).
const BIGRAM_BITS: u32 = 20;

pub struct CharCuts {
    bigrams: Box<[u64]>,
    /// Bit `x << 8 | y`: some token holds bytes `x`, `y` at a fragment
    /// boundary.
    fragments: Box<[u64]>,
}

#[inline]
fn bigram_bit(a: u32, b: u32) -> usize {
    let x = (u64::from(a) << 21) | u64::from(b);
    (x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - BIGRAM_BITS)) as usize
}

/// The unit of `bytes` that starts at `at`: its length, and its code point
/// when it is a whole character (a lead byte and all its continuation bytes).
/// Anything else (a stray continuation run, a truncated character, a byte
/// that never starts UTF-8) is one unit up to the next byte that is no
/// continuation byte, with no code point.
#[inline]
fn unit(bytes: &[u8], at: usize) -> (usize, Option<u32>) {
    let b0 = bytes[at];
    let (len, bits) = match b0 {
        0x00..=0x7F => return (1, Some(u32::from(b0))),
        0xC2..=0xDF => (2, u32::from(b0 & 0x1F)),
        0xE0..=0xEF => (3, u32::from(b0 & 0x0F)),
        0xF0..=0xF4 => (4, u32::from(b0 & 0x07)),
        _ => (0, 0),
    };
    let run = 1 + bytes[at + 1..]
        .iter()
        .take(3)
        .take_while(|&&b| is_continuation(b))
        .count();
    if len == 0 || run < len {
        return (run, None);
    }
    let cp = bytes[at + 1..at + len]
        .iter()
        .fold(bits, |cp, &b| (cp << 6) | u32::from(b & 0x3F));
    (len, Some(cp))
}

impl CharCuts {
    /// The cuts of a vocabulary whose tokens are `tokens`.
    pub fn new<'a>(tokens: impl Iterator<Item = &'a [u8]>) -> Self {
        let mut bigrams = zeroed(1 << BIGRAM_BITS);
        let mut fragments = zeroed(1 << 16);
        for t in tokens {
            let mut at = 0;
            let mut prev: Option<(Option<u32>, u8)> = None;
            while at < t.len() {
                let (len, cp) = unit(t, at);
                if let Some((prev_cp, last)) = prev {
                    match (prev_cp, cp) {
                        (Some(a), Some(b)) => set_bit(&mut bigrams, bigram_bit(a, b)),
                        _ => set_bit(
                            &mut fragments,
                            (usize::from(last) << 8) | usize::from(t[at]),
                        ),
                    }
                }
                prev = Some((cp, t[at + len - 1]));
                at += len;
            }
        }
        CharCuts { bigrams, fragments }
    }

    /// Whether some token may cross the boundary between the whole
    /// characters `a` (ending in byte `last`) and `b` (starting with `first`).
    #[inline]
    fn may_join(&self, a: u32, last: u8, b: u32, first: u8) -> bool {
        bit(&self.bigrams, bigram_bit(a, b))
            || bit(
                &self.fragments,
                (usize::from(last) << 8) | usize::from(first),
            )
    }

    /// Call `part` with the parts of `piece` between the cuts, in order, and
    /// return true; or return false, without calling it, when `piece` has no
    /// cut. Bytes that are not whole characters are never cut around, and
    /// a piece with such bytes before its first cut is left whole.
    pub fn split<'p>(&self, piece: &'p [u8], mut part: impl FnMut(&'p [u8])) -> bool {
        let mut start = 0;
        let mut cut_any = false;
        let mut at = 0;
        let mut prev: Option<u32> = None;
        while at < piece.len() {
            let (len, cp) = unit(piece, at);
            if cp.is_none() && !cut_any {
                // Not text (binary data, most likely): give up early.
                return false;
            }
            if let (Some(a), Some(b)) = (prev, cp) {
                if !self.may_join(a, piece[at - 1], b, piece[at]) {
                    part(&piece[start..at]);
                    start = at;
                    cut_any = true;
                }
            }
            prev = cp;
            at += len;
        }
        if cut_any {
            part(&piece[start..]);
        }
        cut_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts<'a>(cuts: &CharCuts, piece: &'a str) -> Vec<&'a str> {
        let mut v = Vec::new();
        if !cuts.split(piece.as_bytes(), |p| {
            v.push(std::str::from_utf8(p).expect("cut at a character boundary"))
        }) {
            v.push(piece);
        }
        v
    }

    #[test]
    fn cuts_only_where_no_token_crosses() {
        let tokens: Vec<&[u8]> = vec![
            "中国".as_bytes(),
            // Ends inside 京 (E4 BA AC): the boundary 北|京 has bytes (97, E4).
            b"\xe5\x8c\x97\xe4",
            "ab".as_bytes(),
        ];
        let cuts = CharCuts::new(tokens.into_iter());
        assert_eq!(parts(&cuts, "中国人"), ["中国", "人"]);
        assert_eq!(parts(&cuts, "北京人"), ["北京", "人"]);
        assert_eq!(parts(&cuts, "人中"), ["人", "中"]);
        assert_eq!(parts(&cuts, "abc"), ["ab", "c"]);
        assert_eq!(parts(&cuts, "ab"), ["ab"]);
        // A stray continuation byte is never cut around.
        assert!(!cuts.split(b"x\x80y", |_| {}));
    }

    #[test]
    fn units_of_broken_utf8() {
        assert_eq!(unit(b"\xe4\xb8", 0), (2, None));
        assert_eq!(unit(b"\x80\x80\x80\x80\x80", 0), (4, None));
        assert_eq!(unit("中".as_bytes(), 0), (3, Some(0x4E2D)));
        assert_eq!(unit(b"\xff", 0), (1, None));
    }

    /// Characters that make multi-character tokens in cl100k and o200k
    /// (Chinese and Japanese words, Hangul syllables, fullwidth
    /// punctuation), ones that rarely do, and bytes that are not UTF-8.
    const ALPHABET: &[&[u8]] = &[
        "中".as_bytes(),
        "国".as_bytes(),
        "的".as_bytes(),
        "是".as_bytes(),
        "一".as_bytes(),
        "人".as_bytes(),
        "日".as_bytes(),
        "本".as_bytes(),
        "北".as_bytes(),
        "京".as_bytes(),
        "鬱".as_bytes(),
        "龘".as_bytes(),
        "，".as_bytes(),
        "。".as_bytes(),
        "の".as_bytes(),
        "は".as_bytes(),
        "で".as_bytes(),
        "す".as_bytes(),
        "한".as_bytes(),
        "국".as_bytes(),
        "니".as_bytes(),
        "다".as_bytes(),
        "क".as_bytes(),
        "्".as_bytes(),
        "😀".as_bytes(),
        "—".as_bytes(),
        "’".as_bytes(),
        b"a",
        b" ",
        b"\x80",
        b"\xe4\xb8",
    ];

    /// Every piece must give the same ids cut as whole.
    #[test]
    fn cut_pieces_encode_as_whole_ones() {
        use crate::encode::{Encoder, Scratch};
        let rng = &mut crate::test_rng::Rng(11);
        for name in ["cl100k_base", "o200k_base"] {
            let vocab = crate::encode::atoms::tests::vocab(name);
            let with = Encoder::new(&vocab);
            let mut without = Encoder::new(&vocab);
            without.char_cuts = None;
            let cuts = with.char_cuts.as_ref().expect("byte-level vocab has cuts");
            let mut cut = 0;
            for round in 0..30_000 {
                let mut piece = Vec::new();
                for _ in 0..1 + round % 20 {
                    piece.extend_from_slice(ALPHABET[rng.index(ALPHABET.len())]);
                }
                if piece[0] < 0xE0 {
                    piece.splice(0..0, "中".bytes());
                }
                if cuts.split(&piece, |_| {}) {
                    cut += 1;
                }
                let (mut a, mut b) = (Vec::new(), Vec::new());
                with.encode_piece(&vocab, &piece, &mut a, &mut Scratch::default());
                without.encode_piece(&vocab, &piece, &mut b, &mut Scratch::default());
                assert_eq!(a, b, "{name} {piece:?}");
            }
            // The test means nothing if pieces were never cut.
            assert!(cut > 10_000, "{name}: {cut} pieces cut");
        }
    }
}
