//! The GPT-2 byte-level alphabet.
//!
//! Byte-level BPE works on bytes, but HF `tokenizer.json` files and GPT-2's
//! `encoder.json` spell each byte as a printable character: the bytes that are
//! already printable keep their code point, the other 68 are moved to U+0100 and
//! up in byte order. Sorting bytes by that character gives the order tiktoken's
//! rank files and HF's trainer use for the first 256 ids, so it is also ours.

/// The printable character standing for `byte`.
pub const fn byte_to_char(byte: u8) -> char {
    let b = byte as u32;
    let cp = if is_printable_byte(byte) {
        b
    } else {
        // Count the non-printable bytes below `byte`: they take U+0100, U+0101, ...
        let mut n = 0u32;
        let mut x = 0u32;
        while x < b {
            if !is_printable_byte(x as u8) {
                n += 1;
            }
            x += 1;
        }
        256 + n
    };
    match char::from_u32(cp) {
        Some(c) => c,
        None => '\u{FFFD}',
    }
}

const fn is_printable_byte(b: u8) -> bool {
    matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF)
}

/// `BYTE_CHARS[b]` is the character for byte `b`.
pub static BYTE_CHARS: [char; 256] = {
    let mut t = ['\0'; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = byte_to_char(i as u8);
        i += 1;
    }
    t
};

/// `RANK_TO_BYTE[r]` is the byte whose id is `r`: bytes sorted by their character.
pub static RANK_TO_BYTE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut r = 0;
    // printable bytes first, in byte order (their characters are < U+0100) ...
    let mut b = 0;
    while b < 256 {
        if is_printable_byte(b as u8) {
            t[r] = b as u8;
            r += 1;
        }
        b += 1;
    }
    // ... then the rest, which map to U+0100.. in byte order.
    b = 0;
    while b < 256 {
        if !is_printable_byte(b as u8) {
            t[r] = b as u8;
            r += 1;
        }
        b += 1;
    }
    t
};

/// `BYTE_TO_RANK[b]` is the id of the single-byte token `b`.
pub static BYTE_TO_RANK: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut r = 0;
    while r < 256 {
        t[RANK_TO_BYTE[r] as usize] = r as u32;
        r += 1;
    }
    t
};

/// Spell `bytes` in the byte-level alphabet.
pub fn encode_str(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| BYTE_CHARS[b as usize]).collect()
}

/// Read a byte-level spelling back into bytes; `None` if a character is not in the alphabet.
pub fn decode_str(s: &str) -> Option<Vec<u8>> {
    s.chars().map(char_to_byte).collect()
}

/// The byte a byte-level character stands for.
pub fn char_to_byte(c: char) -> Option<u8> {
    let cp = c as u32;
    if cp < 256 {
        let b = cp as u8;
        return is_printable_byte(b).then_some(b);
    }
    let n = cp.checked_sub(256)? as usize;
    // The n-th non-printable byte.
    (0u16..256)
        .map(|b| b as u8)
        .filter(|&b| !is_printable_byte(b))
        .nth(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_characters() {
        assert_eq!(byte_to_char(b' '), '\u{120}');
        assert_eq!(byte_to_char(b'\n'), '\u{10A}');
        assert_eq!(byte_to_char(0), '\u{100}');
        assert_eq!(byte_to_char(0x7F), '\u{121}');
        assert_eq!(byte_to_char(0xAD), '\u{143}');
        assert_eq!(byte_to_char(b'a'), 'a');
    }

    #[test]
    fn rank_order_is_character_order() {
        for r in 1..256 {
            assert!(
                BYTE_CHARS[RANK_TO_BYTE[r - 1] as usize] < BYTE_CHARS[RANK_TO_BYTE[r] as usize]
            );
        }
        assert_eq!(RANK_TO_BYTE[0], b'!');
        assert_eq!(BYTE_TO_RANK[b' ' as usize], 220);
    }

    #[test]
    fn round_trip_all_bytes() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(decode_str(&encode_str(&all)), Some(all));
        assert_eq!(decode_str("\u{3000}"), None);
    }
}
