//! The decoder: ids back to bytes. Byte-level vocabularies concatenate the
//! tokens' bytes; SentencePiece-style ones (byte fallback) follow HF's
//! decoder chain for them.

use crate::error::{Error, Result};
use crate::vocab::Vocab;

/// The bytes of a sequence of ids (special tokens give their text).
pub fn decode_bytes(vocab: &Vocab, ids: &[u32]) -> Result<Vec<u8>> {
    if vocab.byte_fallback() {
        return decode_sentencepiece(vocab, ids);
    }
    let mut out = Vec::with_capacity(ids.len() * 4);
    for &id in ids {
        out.extend_from_slice(token(vocab, id)?);
    }
    Ok(out)
}

fn token(vocab: &Vocab, id: u32) -> Result<&[u8]> {
    vocab.token_bytes(id).ok_or(Error::UnknownId(u64::from(id)))
}

/// HF's SentencePiece decoder chain: `<0xXX>` tokens are bytes, `▁` is a
/// space, and one leading space (the one normalization added) is dropped.
fn decode_sentencepiece(vocab: &Vocab, ids: &[u32]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(ids.len() * 4);
    for &id in ids {
        let t = token(vocab, id)?;
        match t {
            [b'<', b'0', b'x', hi, lo, b'>'] if !vocab.is_special(id) => {
                let hex = [*hi, *lo];
                match std::str::from_utf8(&hex)
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(b) if vocab.byte_id(b) == id => out.push(b),
                    _ => out.extend_from_slice(t),
                }
            }
            _ => {
                // `▁` (E2 96 81) is a space.
                let mut i = 0;
                while i < t.len() {
                    if t[i..].starts_with("\u{2581}".as_bytes()) {
                        out.push(b' ');
                        i += 3;
                    } else {
                        out.push(t[i]);
                        i += 1;
                    }
                }
            }
        }
    }
    if out.first() == Some(&b' ') {
        out.remove(0);
    }
    Ok(out)
}
