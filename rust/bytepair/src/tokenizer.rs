//! A byte-level BPE tokenizer: a vocabulary, a pre-tokenizer and the merge ranks.

use crate::encode::{Encoder, Scratch};
use crate::error::{Error, Result};
use crate::pretok::{PatternSpec, Pretokenizer};
use crate::vocab::Vocab;
use rayon::prelude::*;
use regex_automata::meta::Regex as MetaRegex;

/// Which special tokens found in the text become their ids.
#[derive(Clone, Debug)]
pub enum Specials<'a> {
    All,
    None,
    Only(&'a [String]),
}

impl Specials<'_> {
    fn allows(&self, s: &str) -> bool {
        match self {
            Specials::All => true,
            Specials::None => false,
            Specials::Only(list) => list.iter().any(|x| x == s),
        }
    }
}

/// Unicode normalization applied to text before pre-tokenization (special
/// tokens are matched on the raw text first).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Normalization {
    #[default]
    None,
    Nfc,
    Nfkc,
}

impl Normalization {
    fn apply<'t>(self, text: &'t str) -> std::borrow::Cow<'t, str> {
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
        }
    }
}

/// Ids put around an encoded text when the caller asks for special tokens
/// (HF's `TemplateProcessing` for single sequences, e.g. a BOS id).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Template {
    pub prefix: Vec<u32>,
    pub suffix: Vec<u32>,
}

impl Template {
    pub fn is_empty(&self) -> bool {
        self.prefix.is_empty() && self.suffix.is_empty()
    }
}

pub struct Tokenizer {
    normalization: Normalization,
    template: Template,
    vocab: Vocab,
    pretok: Pretokenizer,
    encoder: Encoder,
    /// Matches any special token, longest first.
    special_re: Option<MetaRegex>,
    specials_by_length: Vec<(String, u32)>,
}

impl Tokenizer {
    pub fn new(vocab: Vocab, pattern: PatternSpec) -> Result<Self> {
        let pretok = Pretokenizer::new(pattern)?;
        let encoder = Encoder::new(&vocab);
        let mut specials_by_length = vocab.specials().to_vec();
        specials_by_length.sort_by_key(|s| std::cmp::Reverse(s.0.len()));
        let special_re = if vocab.specials().is_empty() {
            None
        } else {
            let mut texts: Vec<&str> = vocab.specials().iter().map(|s| s.0.as_str()).collect();
            texts.sort_by_key(|t| std::cmp::Reverse(t.len()));
            let alternation = texts
                .iter()
                .map(|t| regex_syntax::escape(t))
                .collect::<Vec<_>>()
                .join("|");
            Some(
                MetaRegex::new(&alternation)
                    .map_err(|e| Error::config(format!("special tokens: {e}")))?,
            )
        };
        Ok(Tokenizer {
            normalization: Normalization::None,
            template: Template::default(),
            vocab,
            pretok,
            encoder,
            special_re,
            specials_by_length,
        })
    }

    /// Normalize text (NFC, NFKC) before pre-tokenization, as HF's normalizer does.
    pub fn with_normalization(mut self, n: Normalization) -> Self {
        self.normalization = n;
        self
    }

    pub fn normalization(&self) -> Normalization {
        self.normalization
    }

    /// Set the ids added around a text by [`Tokenizer::add_template`]; each
    /// must be an id of this vocabulary.
    pub fn with_template(mut self, template: Template) -> Result<Self> {
        for &id in template.prefix.iter().chain(&template.suffix) {
            if self.vocab.token_bytes(id).is_none() {
                return Err(Error::bad_format(
                    "post-processor template",
                    format!("id {id} is not in the vocabulary"),
                ));
            }
        }
        self.template = template;
        Ok(self)
    }

    pub fn template(&self) -> &Template {
        &self.template
    }

    /// Put the template's ids around `ids`.
    pub fn add_template(&self, ids: Vec<u32>) -> Vec<u32> {
        if self.template.is_empty() {
            return ids;
        }
        let t = &self.template;
        let mut out = Vec::with_capacity(t.prefix.len() + ids.len() + t.suffix.len());
        out.extend_from_slice(&t.prefix);
        out.extend(ids);
        out.extend_from_slice(&t.suffix);
        out
    }

    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    pub fn pattern(&self) -> &PatternSpec {
        self.pretok.spec()
    }

    /// BPE over one piece of bytes, with no pre-tokenization.
    pub fn encode_piece(&self, piece: &[u8]) -> Vec<u32> {
        let mut out = Vec::new();
        let mut scratch = Scratch::default();
        self.encoder
            .encode_piece(&self.vocab, piece, &mut out, &mut scratch);
        out
    }

    /// Encode text with no special-token handling.
    pub fn encode_ordinary(&self, text: &str) -> Result<Vec<u32>> {
        let mut out = Vec::with_capacity(text.len() / 3);
        self.encode_ordinary_into(text, &mut out)?;
        Ok(out)
    }

    fn encode_ordinary_into(&self, text: &str, out: &mut Vec<u32>) -> Result<()> {
        let mut scratch = Scratch::default();
        let text = self.normalization.apply(text);
        self.pretok.split(&text, |piece| {
            self.encoder
                .encode_piece(&self.vocab, piece.as_bytes(), out, &mut scratch)
        })
    }

    /// Encode with tiktoken's checks: if any special token in `disallowed`
    /// occurs anywhere in the text, fail naming it; otherwise encode with the
    /// `allowed` ones becoming their ids and the rest as plain text.
    pub fn encode_checked(
        &self,
        text: &str,
        allowed: &Specials,
        disallowed: &Specials,
    ) -> Result<Vec<u32>> {
        if let Some(found) = self.find_special(text, disallowed) {
            return Err(Error::DisallowedSpecial(found.to_string()));
        }
        self.encode(text, allowed)
    }

    /// The leftmost (then longest) special token of `which` in `text`, looking
    /// at every start position, overlaps included.
    pub fn find_special<'t>(&self, text: &'t str, which: &Specials) -> Option<&'t str> {
        let re = self.special_re.as_ref()?;
        if matches!(which, Specials::None) {
            return None;
        }
        let mut search = 0;
        while let Some(m) = re.find(regex_automata::Input::new(text).range(search..)) {
            let at = &text[m.start()..];
            // Specials are sorted longest first, so the first hit is the longest.
            for (s, _) in &self.specials_by_length {
                if at.starts_with(s.as_str()) && which.allows(s) {
                    return Some(&at[..s.len()]);
                }
            }
            search = m.start() + at.chars().next().map_or(1, char::len_utf8);
        }
        None
    }

    /// Encode text; special tokens that `specials` allows become their ids.
    pub fn encode(&self, text: &str, specials: &Specials) -> Result<Vec<u32>> {
        let Some(re) = self
            .special_re
            .as_ref()
            .filter(|_| !matches!(specials, Specials::None))
        else {
            return self.encode_ordinary(text);
        };
        let mut out = Vec::with_capacity(text.len() / 3);
        let mut start = 0; // start of text not yet encoded
        let mut search = 0;
        while let Some(m) = re.find(regex_automata::Input::new(text).range(search..)) {
            let s = &text[m.range()];
            if specials.allows(s) {
                self.encode_ordinary_into(&text[start..m.start()], &mut out)?;
                if let Some(id) = self.vocab.special_id(s) {
                    out.push(id);
                }
                start = m.end();
                search = m.end();
            } else {
                search = m.start() + s.chars().next().map_or(1, char::len_utf8);
            }
        }
        self.encode_ordinary_into(&text[start..], &mut out)?;
        Ok(out)
    }

    /// Encode raw bytes: no pre-tokenization of invalid UTF-8 is attempted;
    /// valid UTF-8 goes through the normal path.
    pub fn encode_bytes(&self, data: &[u8]) -> Result<Vec<u32>> {
        match std::str::from_utf8(data) {
            Ok(text) => self.encode_ordinary(text),
            Err(_) => {
                let mut out = Vec::new();
                // Valid stretches are pre-tokenized; each invalid stretch is one piece.
                for chunk in data.utf8_chunks() {
                    self.encode_ordinary_into(chunk.valid(), &mut out)?;
                    if !chunk.invalid().is_empty() {
                        let mut scratch = Scratch::default();
                        self.encoder.encode_piece(
                            &self.vocab,
                            chunk.invalid(),
                            &mut out,
                            &mut scratch,
                        );
                    }
                }
                Ok(out)
            }
        }
    }

    /// Encode many texts on the current rayon pool.
    pub fn encode_batch<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
        specials: &Specials,
    ) -> Result<Vec<Vec<u32>>> {
        texts
            .par_iter()
            .map(|t| self.encode(t.as_ref(), specials))
            .collect()
    }

    /// The bytes of a sequence of ids.
    pub fn decode_bytes(&self, ids: &[u32]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(ids.len() * 4);
        for &id in ids {
            let t = self
                .vocab
                .token_bytes(id)
                .ok_or(Error::UnknownId(u64::from(id)))?;
            out.extend_from_slice(t);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pretok::PatternName;

    fn tiny() -> Tokenizer {
        let mut tokens = Vocab::byte_alphabet();
        tokens.push(b"ab".to_vec()); // 256
        tokens.push(b"abc".to_vec()); // 257
        let a = crate::byte_level::BYTE_TO_RANK[b'a' as usize];
        let b = crate::byte_level::BYTE_TO_RANK[b'b' as usize];
        let c = crate::byte_level::BYTE_TO_RANK[b'c' as usize];
        let vocab =
            Vocab::new(tokens, vec![(a, b), (256, c)], &["<|end|>".to_string()]).expect("vocab");
        Tokenizer::new(vocab, PatternSpec::Named(PatternName::Gpt2)).expect("tokenizer")
    }

    #[test]
    fn encode_decode_round_trip() {
        let t = tiny();
        let ids = t.encode("abc ab<|end|>x", &Specials::All).expect("encode");
        assert_eq!(ids[0], 257);
        assert_eq!(ids.last(), Some(&(t.vocab().byte_id(b'x'))));
        assert!(ids.contains(&258));
        let text = t.decode_bytes(&ids).expect("decode");
        assert_eq!(text, b"abc ab<|end|>x");
        let plain = t.encode("<|end|>", &Specials::None).expect("encode");
        assert!(!plain.contains(&258));
    }

    #[test]
    fn long_piece_uses_heap_and_agrees_with_scan() {
        let t = tiny();
        let long = "abc".repeat(100);
        let mut heap = Vec::new();
        t.encoder.encode_heap(long.as_bytes(), &mut heap);
        let mut scan = Vec::new();
        t.encoder
            .encode_scan(long.as_bytes(), &mut scan, &mut Scratch::default());
        assert_eq!(heap, scan);
        assert_eq!(heap, vec![257; 100]);
    }

    #[test]
    fn unknown_id_is_an_error() {
        assert!(tiny().decode_bytes(&[999_999]).is_err());
    }
}
