//! The normalizer: Unicode normalization applied to text before it is
//! pre-tokenized, the same way in training and in encoding (HF's
//! `normalizer` stage).

use crate::error::{Error, Result};
use std::borrow::Cow;

/// What happens to text before pre-tokenization. Special tokens are matched
/// on the raw text first (except HF's `normalized` ones; see
/// [`crate::encode::special`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Normalization {
    #[default]
    None,
    Nfc,
    Nfkc,
    /// Unicode lowercase (Rust's `str::to_lowercase`, as HF's `Lowercase`).
    Lowercase,
    /// NFKC, then lowercase (KL3M's uncased tokenizers).
    NfkcLowercase,
    /// SentencePiece's: prepend `▁` to a non-empty text and turn spaces into `▁`.
    Metaspace,
}

/// The names [`Normalization::name`] gives, for messages.
const NAMES: &str = "NFC, NFKC, Lowercase or NFKC+Lowercase";

impl Normalization {
    /// The name HF's `tokenizer.json`, our native format and counts files use
    /// ("NFC", "NFKC+Lowercase"). `None` for no normalization and for
    /// Metaspace, which no file names this way.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Normalization::Nfc => Some("NFC"),
            Normalization::Nfkc => Some("NFKC"),
            Normalization::Lowercase => Some("Lowercase"),
            Normalization::NfkcLowercase => Some("NFKC+Lowercase"),
            Normalization::None | Normalization::Metaspace => None,
        }
    }

    /// The inverse of [`Normalization::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "NFC" => Some(Normalization::Nfc),
            "NFKC" => Some(Normalization::Nfkc),
            "Lowercase" => Some(Normalization::Lowercase),
            "NFKC+Lowercase" => Some(Normalization::NfkcLowercase),
            _ => None,
        }
    }

    /// A name as [`Normalization::name`] writes it, or none at all.
    pub fn parse(name: Option<&str>) -> Result<Self> {
        match name {
            None => Ok(Normalization::None),
            Some(n) => Self::from_name(n).ok_or_else(|| {
                Error::config(format!(
                    "normalization must be {NAMES} (or none), not {n:?}"
                ))
            }),
        }
    }

    /// The API's two options: `normalization` (none, "NFC" or "NFKC") and
    /// `lowercase`, which goes with none or NFKC.
    pub fn from_options(normalization: Option<&str>, lowercase: bool) -> Result<Self> {
        let base = match normalization {
            None => Normalization::None,
            Some("NFC") => Normalization::Nfc,
            Some("NFKC") => Normalization::Nfkc,
            Some(other) => {
                return Err(Error::config(format!(
                    "normalization must be None, \"NFC\" or \"NFKC\", not {other:?}"
                )))
            }
        };
        Ok(match (base, lowercase) {
            (n, false) => n,
            (Normalization::None, true) => Normalization::Lowercase,
            (Normalization::Nfkc, true) => Normalization::NfkcLowercase,
            _ => {
                return Err(Error::config(
                    "lowercase=True goes with normalization None or NFKC",
                ))
            }
        })
    }

    /// The inverse of [`Normalization::from_options`]: (normalization, lowercase).
    pub fn options(self) -> (Option<&'static str>, bool) {
        match self {
            Normalization::None | Normalization::Metaspace => (None, false),
            Normalization::Nfc => (Some("NFC"), false),
            Normalization::Nfkc => (Some("NFKC"), false),
            Normalization::Lowercase => (None, true),
            Normalization::NfkcLowercase => (Some("NFKC"), true),
        }
    }

    pub fn apply(self, text: &str) -> Cow<'_, str> {
        use unicode_normalization::{
            is_nfc_quick, is_nfkc_quick, IsNormalized, UnicodeNormalization,
        };
        match self {
            Normalization::None => text.into(),
            Normalization::Nfc => match is_nfc_quick(text.chars()) {
                IsNormalized::Yes => text.into(),
                _ => text.nfc().collect::<String>().into(),
            },
            Normalization::Nfkc => match is_nfkc_quick(text.chars()) {
                IsNormalized::Yes => text.into(),
                _ => text.nfkc().collect::<String>().into(),
            },
            Normalization::Lowercase => {
                if text.chars().any(char::is_uppercase) || !text.is_ascii() {
                    text.to_lowercase().into()
                } else {
                    text.into()
                }
            }
            Normalization::NfkcLowercase => {
                let n = Normalization::Nfkc.apply(text);
                Normalization::Lowercase.apply(&n).into_owned().into()
            }
            Normalization::Metaspace if text.is_empty() => text.into(),
            Normalization::Metaspace => format!("\u{2581}{}", text.replace(' ', "\u{2581}")).into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_options_combine() {
        for n in [
            Normalization::Nfc,
            Normalization::Nfkc,
            Normalization::Lowercase,
            Normalization::NfkcLowercase,
        ] {
            assert_eq!(Normalization::parse(n.name()).expect("parse"), n);
            let (name, lowercase) = n.options();
            assert_eq!(
                Normalization::from_options(name, lowercase).expect("options"),
                n
            );
        }
        assert_eq!(
            Normalization::from_options(Some("NFKC"), true).expect("options"),
            Normalization::NfkcLowercase
        );
        assert!(Normalization::from_options(Some("NFC"), true).is_err());
        assert!(Normalization::from_options(Some("nfc"), false).is_err());
        assert!(Normalization::parse(Some("NFD")).is_err());
        assert_eq!(Normalization::Metaspace.apply("a b"), "\u{2581}a\u{2581}b");
    }
}
