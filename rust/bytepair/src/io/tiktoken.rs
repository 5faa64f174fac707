//! tiktoken rank files: one line per token, `base64(bytes) rank`, no header;
//! special tokens are not in the file.
//!
//! The reader is strict where tiktoken is loose, so a damaged file fails here
//! with the line that is wrong instead of encoding wrongly later: bad base64, a
//! rank that is not a number or absurdly large, a rank or token given twice.
//! Gaps and missing single bytes are checked when the vocabulary is built
//! ([`Vocab::from_ranks`]), where the special tokens are known.

use crate::error::{Error, Result};
use crate::vocab::Vocab;
use base64::Engine as _;

/// Ranks beyond this are refused before any memory is sized by them.
pub const MAX_RANK: u32 = 1 << 26;

/// Parse a rank file into `(token bytes, rank)` entries, in file order.
pub fn read_ranks(data: &[u8], source: &str) -> Result<Vec<(Vec<u8>, u32)>> {
    let engine = &base64::engine::general_purpose::STANDARD;
    let mut entries = Vec::with_capacity(data.len() / 16);
    let mut lines = Vec::with_capacity(data.len() / 16);
    for (index, line) in data.split(|&b| b == b'\n').enumerate() {
        let lineno = index + 1;
        let at = || format!("{source}: line {lineno}");
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let mut fields = line
            .split(|b| b.is_ascii_whitespace())
            .filter(|f| !f.is_empty());
        let (Some(token), Some(rank), None) = (fields.next(), fields.next(), fields.next()) else {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Err(Error::bad_format(
                at(),
                "expected two fields, `base64-token rank`",
            ));
        };
        let bytes = engine.decode(token).map_err(|e| {
            Error::bad_format(
                at(),
                format!("{:?} is not base64 ({e})", String::from_utf8_lossy(token)),
            )
        })?;
        if bytes.is_empty() {
            return Err(Error::bad_format(at(), "empty token"));
        }
        let rank: u32 = std::str::from_utf8(rank)
            .ok()
            .and_then(|r| r.parse().ok())
            .ok_or_else(|| {
                Error::bad_format(
                    at(),
                    format!(
                        "rank {:?} is not a non-negative integer",
                        String::from_utf8_lossy(rank)
                    ),
                )
            })?;
        if rank > MAX_RANK {
            return Err(Error::bad_format(
                at(),
                format!("rank {rank} is absurdly large (limit {MAX_RANK})"),
            ));
        }
        entries.push((bytes, rank));
        lines.push(lineno);
    }
    check_unique(&entries, &lines, source)?;
    Ok(entries)
}

/// Ranks and tokens must each appear once; a repeat names both lines. (Checked
/// after parsing, by sorting indices, so a valid file costs no extra copies.)
fn check_unique(entries: &[(Vec<u8>, u32)], lines: &[usize], source: &str) -> Result<()> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    if !entries.windows(2).all(|w| w[0].1 < w[1].1) {
        order.sort_by_key(|&i| (entries[i].1, lines[i]));
    }
    for w in order.windows(2) {
        if entries[w[0]].1 == entries[w[1]].1 {
            return Err(Error::bad_format(
                format!("{source}: line {}", lines[w[1]]),
                format!(
                    "rank {} was already given on line {}",
                    entries[w[1]].1, lines[w[0]]
                ),
            ));
        }
    }
    let mut first_line: rustc_hash::FxHashMap<&[u8], usize> = rustc_hash::FxHashMap::default();
    first_line.reserve(entries.len());
    for (i, (token, _)) in entries.iter().enumerate() {
        if let Some(first) = first_line.insert(token, lines[i]) {
            return Err(Error::bad_format(
                format!("{source}: line {}", lines[i]),
                format!("this token was already given on line {first}"),
            ));
        }
    }
    Ok(())
}

/// Write entries as a rank file (sorted by rank).
pub fn write_ranks(vocab: &Vocab) -> String {
    let engine = &base64::engine::general_purpose::STANDARD;
    let mut out = String::with_capacity(vocab.tokens().len() * 12);
    for (rank, t) in vocab.tokens().iter().enumerate() {
        if !t.is_empty() {
            out.push_str(&engine.encode(t));
            out.push(' ');
            out.push_str(&rank.to_string());
            out.push('\n');
        }
    }
    out
}

/// A ranked vocabulary from a rank file's contents and the special tokens.
pub fn vocab_from_file(data: &[u8], source: &str, specials: Vec<(String, u32)>) -> Result<Vocab> {
    let entries = read_ranks(data, source)?;
    Vocab::from_ranks(entries, specials).map_err(|e| match e {
        Error::BadFormat { context, message } => Error::BadFormat {
            context: format!("{source}: {context}"),
            message,
        },
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes_file() -> String {
        let e = &base64::engine::general_purpose::STANDARD;
        (0..=255u8)
            .map(|b| format!("{} {}\n", e.encode([b]), b))
            .collect()
    }

    #[test]
    fn reads_and_round_trips() {
        let text = bytes_file() + "YWI= 256\n";
        let v = vocab_from_file(text.as_bytes(), "t", vec![("<|e|>".into(), 257)]).expect("ok");
        assert_eq!(v.id_of(b"ab"), Some(256));
        assert_eq!(write_ranks(&v), text);
    }

    #[test]
    fn damaged_lines_are_named() {
        let cases = [
            ("!!! 256\n", "line 257", "not base64"),
            ("YWI= x\n", "line 257", "not a non-negative integer"),
            ("YWI= 255\n", "line 257", "already given on line 256"),
            ("YQ== 256\n", "line 257", "already given on line 98"),
            ("YWI= 99999999999\n", "line 257", "not a non-negative"),
            ("YWI= 67108865\n", "line 257", "absurdly large"),
            ("YWI=\n", "line 257", "two fields"),
        ];
        for (extra, place, what) in cases {
            let text = bytes_file() + extra;
            let err = read_ranks(text.as_bytes(), "f")
                .expect_err(extra)
                .to_string();
            assert!(
                err.contains(place) && err.contains(what),
                "{extra:?}: {err}"
            );
        }
    }
}
