//! The options of plain BPE training, checked before any text is read.

use crate::error::{Error, Result};

/// What `max_token_length` counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LengthUnit {
    /// UTF-8 bytes (what HF counts for byte-level models).
    #[default]
    Bytes,
    /// Characters: the bytes of a token that start a UTF-8 character, so a
    /// token's length is the sum of its parts' (a lone continuation byte is 0).
    Chars,
}

impl LengthUnit {
    /// `"byte"` or `"char"`, the API's names.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "byte" => Ok(LengthUnit::Bytes),
            "char" => Ok(LengthUnit::Chars),
            _ => Err(Error::config(format!(
                "unit must be \"byte\" or \"char\", not {name:?}"
            ))),
        }
    }

    /// The length of a token in this unit.
    #[inline]
    pub fn len(self, token: &[u8]) -> u32 {
        match self {
            LengthUnit::Bytes => token.len() as u32,
            LengthUnit::Chars => token.iter().filter(|&&b| b & 0xC0 != 0x80).count() as u32,
        }
    }
}

#[derive(Clone, Debug)]
pub struct TrainConfig {
    /// Total vocabulary size, special tokens included (HF's convention).
    pub vocab_size: usize,
    pub special_tokens: Vec<String>,
    pub min_frequency: u64,
    /// In `length_unit`s, inclusive; no learned token is longer.
    pub max_token_length: Option<usize>,
    pub length_unit: LengthUnit,
    /// Special tokens take ids 0.. (KL3M, Binary BPE >= 0.6) instead of the
    /// ids after the merges.
    pub specials_first: bool,
    /// After training, reserved special tokens `<|reserved_N|>` fill the
    /// vocabulary up to this size (also when training stopped early).
    pub pad_to: Option<usize>,
    /// Domain tokens put in the vocabulary whatever their counts. Each must
    /// be one whole pre-token: it is matched only as a whole pre-token (the
    /// vocabulary gets HF's `ignore_merges`), so never inside a word, and
    /// occurrences of it are left out of the pair counts.
    pub forced_tokens: Vec<Vec<u8>>,
    pub progress: bool,
}

/// What every trainer checks: room for the 256 bytes and the special
/// tokens, special tokens non-empty and distinct, a length limit of at least 1.
pub fn check_common(
    vocab_size: usize,
    special_tokens: &[String],
    max_token_length: Option<usize>,
) -> Result<()> {
    let floor = 256 + special_tokens.len();
    if vocab_size < floor {
        return Err(Error::config(format!(
            "vocab_size={vocab_size} is too small: the 256 byte tokens and {} special token(s) \
             need at least {floor}",
            special_tokens.len()
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for s in special_tokens {
        if s.is_empty() {
            return Err(Error::config("special tokens must not be empty strings"));
        }
        if !seen.insert(s) {
            return Err(Error::config(format!("special token {s:?} is given twice")));
        }
    }
    if max_token_length == Some(0) {
        return Err(Error::config("max_token_length must be at least 1"));
    }
    Ok(())
}

/// Forced tokens must not be empty.
pub fn check_forced(forced: &[Vec<u8>]) -> Result<()> {
    if forced.iter().any(Vec::is_empty) {
        return Err(Error::config("forced tokens must not be empty"));
    }
    Ok(())
}

impl TrainConfig {
    pub fn validate(&self) -> Result<()> {
        check_common(self.vocab_size, &self.special_tokens, self.max_token_length)?;
        check_forced(&self.forced_tokens)?;
        let needed = 256 + self.special_tokens.len() + self.forced_tokens.len();
        if !self.forced_tokens.is_empty() && self.vocab_size < needed {
            return Err(Error::config(format!(
                "vocab_size={} cannot hold the 256 bytes, {} special and {} forced tokens",
                self.vocab_size,
                self.special_tokens.len(),
                self.forced_tokens.len()
            )));
        }
        if let Some(p) = self.pad_to {
            if p < self.vocab_size {
                return Err(Error::config(format!(
                    "pad_to={p} is smaller than vocab_size={}",
                    self.vocab_size
                )));
            }
        }
        Ok(())
    }
}
