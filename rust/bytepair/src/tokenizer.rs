//! A byte-level BPE tokenizer: a vocabulary, a pre-tokenizer and the merge ranks.

use crate::encode::{Encoder, Scratch};
use crate::error::{Error, Result};
use crate::pretok::{PatternName, PatternSpec, Pretokenizer};
use crate::vocab::Vocab;
use rayon::prelude::*;
use regex_automata::meta::Regex as MetaRegex;
use rustc_hash::FxHashMap;

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
    /// Unicode lowercase (Rust's `str::to_lowercase`, as HF's `Lowercase`).
    Lowercase,
    /// NFKC, then lowercase (KL3M's uncased tokenizers).
    NfkcLowercase,
    /// SentencePiece's: prepend `▁` to a non-empty text and turn spaces into `▁`.
    Metaspace,
}

impl Normalization {
    /// The name HF's `tokenizer.json` and our native format use ("NFC", "NFKC").
    /// `None` for no normalization and for Metaspace, which no file names this way.
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

    pub fn apply<'t>(self, text: &'t str) -> std::borrow::Cow<'t, str> {
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

/// How a SuperBPE vocabulary was trained. Kept for the record and for
/// `inspect`; encoding uses only the stage-2 pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Curriculum {
    pub stage1_pattern: PatternSpec,
    /// Merges inherited from stage 1.
    pub transition: usize,
}

pub struct Tokenizer {
    curriculum: Option<Curriculum>,
    normalization: Normalization,
    template: Template,
    vocab: Vocab,
    pretok: Pretokenizer,
    encoder: Encoder,
    /// Matches any special token, longest first (tiktoken's disallowed check).
    special_re: Option<MetaRegex>,
    specials_by_length: Vec<(String, u32)>,
    /// Special tokens found in the raw text, before normalization.
    raw_specials: SpecialMatcher,
    /// Special tokens HF marks `normalized`: found in the normalized text by
    /// their normalized form (with SentencePiece's normalizer `<s>` is `▁<s>`).
    normalized_specials: SpecialMatcher,
}

/// A text piece or a special token's id, in order.
enum Segment<'t> {
    Text(&'t str),
    Special(u32),
}

/// Finds special tokens by the text they appear as.
#[derive(Default)]
struct SpecialMatcher {
    re: Option<MetaRegex>,
    /// matched text -> (id, the token's own text, which `Specials` names)
    by_text: FxHashMap<String, (u32, String)>,
}

/// A regex matching any of `texts` literally, longest first at a position.
fn longest_first<'t>(texts: impl Iterator<Item = &'t str>) -> Result<MetaRegex> {
    let mut texts: Vec<&str> = texts.collect();
    texts.sort_by_key(|t| std::cmp::Reverse(t.len()));
    let alternation = texts
        .iter()
        .map(|t| regex_syntax::escape(t))
        .collect::<Vec<_>>()
        .join("|");
    MetaRegex::new(&alternation).map_err(|e| Error::config(format!("special tokens: {e}")))
}

impl SpecialMatcher {
    fn new(entries: Vec<(String, String, u32)>) -> Result<Self> {
        if entries.is_empty() {
            return Ok(SpecialMatcher::default());
        }
        let re = longest_first(entries.iter().map(|e| e.0.as_str()))?;
        let by_text = entries
            .into_iter()
            .map(|(form, content, id)| (form, (id, content)))
            .collect();
        Ok(SpecialMatcher {
            re: Some(re),
            by_text,
        })
    }

    /// Cut `text` at the special tokens `specials` allows.
    fn split<'t>(&self, text: &'t str, specials: &Specials, out: &mut Vec<Segment<'t>>) {
        let re = match &self.re {
            Some(re) if !matches!(specials, Specials::None) => re,
            _ => {
                out.push(Segment::Text(text));
                return;
            }
        };
        let mut start = 0;
        let mut search = 0;
        while let Some(m) = re.find(regex_automata::Input::new(text).range(search..)) {
            let found = &text[m.range()];
            match self.by_text.get(found) {
                Some((id, content)) if specials.allows(content) => {
                    out.push(Segment::Text(&text[start..m.start()]));
                    out.push(Segment::Special(*id));
                    start = m.end();
                    search = m.end();
                }
                _ => search = m.start() + found.chars().next().map_or(1, char::len_utf8),
            }
        }
        out.push(Segment::Text(&text[start..]));
    }
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
            Some(longest_first(
                vocab.specials().iter().map(|s| s.0.as_str()),
            )?)
        };
        let raw_specials = SpecialMatcher::new(
            vocab
                .specials()
                .iter()
                .map(|(t, id)| (t.clone(), t.clone(), *id))
                .collect(),
        )?;
        Ok(Tokenizer {
            curriculum: None,
            normalization: Normalization::None,
            template: Template::default(),
            vocab,
            pretok,
            encoder,
            special_re,
            specials_by_length,
            raw_specials,
            normalized_specials: SpecialMatcher::default(),
        })
    }

    /// Mark special tokens as HF's `normalized` ones: they are looked for in
    /// the normalized text, by their normalized form. Set after the normalization.
    pub fn with_normalized_specials(mut self, names: &[String]) -> Result<Self> {
        let mut raw = Vec::new();
        let mut normed = Vec::new();
        for (t, id) in self.vocab.specials() {
            if names.contains(t) {
                let form = self.normalization.apply(t).into_owned();
                normed.push((form, t.clone(), *id));
            } else {
                raw.push((t.clone(), t.clone(), *id));
            }
        }
        self.raw_specials = SpecialMatcher::new(raw)?;
        self.normalized_specials = SpecialMatcher::new(normed)?;
        Ok(self)
    }

    /// Normalize text (NFC, NFKC) before pre-tokenization, as HF's normalizer does.
    pub fn with_normalization(mut self, n: Normalization) -> Self {
        self.normalization = n;
        self
    }

    pub fn with_curriculum(mut self, c: Option<Curriculum>) -> Self {
        self.curriculum = c;
        self
    }

    pub fn curriculum(&self) -> Option<&Curriculum> {
        self.curriculum.as_ref()
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
        let text = self.normalization.apply(text);
        self.encode_normalized_into(&text, out)
    }

    fn encode_normalized_into(&self, text: &str, out: &mut Vec<u32>) -> Result<()> {
        let mut scratch = Scratch::default();
        self.pretok.split(text, |piece| {
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
        let mut raw = Vec::new();
        self.raw_specials.split(text, specials, &mut raw);
        let mut out = Vec::with_capacity(text.len() / 3);
        for seg in raw {
            match seg {
                Segment::Special(id) => out.push(id),
                // No normalized special tokens: nothing to look for after normalizing.
                Segment::Text(t) if self.normalized_specials.re.is_none() => {
                    self.encode_ordinary_into(t, &mut out)?
                }
                Segment::Text(t) => {
                    let normalized = self.normalization.apply(t);
                    let mut parts = Vec::new();
                    self.normalized_specials
                        .split(&normalized, specials, &mut parts);
                    for part in &parts {
                        match part {
                            Segment::Special(id) => out.push(*id),
                            Segment::Text(p) => self.encode_normalized_into(p, &mut out)?,
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// Encode raw bytes: no pre-tokenization of invalid UTF-8 is attempted;
    /// valid UTF-8 goes through the normal path.
    pub fn encode_bytes(&self, data: &[u8]) -> Result<Vec<u32>> {
        if self.normalization == Normalization::None && self.pretok.is_byte_safe() {
            // Binary tokenizers: the bytes as they are, UTF-8 or not.
            let nul = matches!(self.pretok.spec(), PatternSpec::Named(PatternName::NulRuns));
            let mut out = Vec::new();
            let mut scratch = Scratch::default();
            crate::train::binary::pieces(data, usize::MAX, nul, |p| {
                self.encoder
                    .encode_piece(&self.vocab, p, &mut out, &mut scratch)
            });
            return Ok(out);
        }
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
        if self.vocab.byte_fallback() {
            return self.decode_sentencepiece(ids);
        }
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

    /// HF's SentencePiece decoder chain: `<0xXX>` tokens are bytes, `▁` is a
    /// space, and one leading space (the one normalization added) is dropped.
    fn decode_sentencepiece(&self, ids: &[u32]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(ids.len() * 4);
        for &id in ids {
            let t = self
                .vocab
                .token_bytes(id)
                .ok_or(Error::UnknownId(u64::from(id)))?;
            let is_special = self.vocab.is_special(id);
            match t {
                [b'<', b'0', b'x', hi, lo, b'>'] if !is_special => {
                    let hex = [*hi, *lo];
                    match std::str::from_utf8(&hex)
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                    {
                        Some(b) if self.vocab.byte_id(b) == id => out.push(b),
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
