//! The pipeline: normalizer -> pre-tokenizer -> model (BPE) -> template, and
//! the decoder back. Each stage is its own module; this one only strings
//! them together and holds the special-token matchers.
//!
//! ```text
//! text ─┬─ special tokens (encode::special) ──────────────────────────── ids
//!       └─ normalize ─ pretok ─ encode (BPE per piece) ─ template ──────┘
//! ids ── decode ── bytes
//! ```

use crate::added::{self, AddedToken};
use crate::decode;
use crate::encode::special::{Entry, Segment, SpecialMatcher, Specials};
use crate::encode::template::Template;
use crate::encode::Encoder;
use crate::error::{Error, Result};
use crate::normalize::Normalization;
use crate::pretok::{bytes, PatternName, PatternSpec, Pretokenizer};
use crate::vocab::Vocab;
use rayon::prelude::*;
use rustc_hash::FxHashSet;

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
    /// Every added token, special tokens included, in the order added.
    added: Vec<AddedToken>,
    /// The ids of added tokens marked special (`skip_special_tokens`).
    special_ids: FxHashSet<u32>,
    /// Added tokens found in the raw text, before normalization.
    raw_added: SpecialMatcher,
    /// HF's `normalized` added tokens: found in each normalized stretch of
    /// text by their normalized form (with SentencePiece's normalizer `<s>`
    /// is `▁<s>`).
    normalized_added: SpecialMatcher,
    /// Every added token by its own text, for tiktoken's disallowed check.
    by_content: SpecialMatcher,
    /// Some added token is not special, so even plain encoding looks for it.
    has_plain: bool,
}

impl Tokenizer {
    pub fn new(vocab: Vocab, pattern: PatternSpec) -> Result<Self> {
        let pretok = Pretokenizer::new(pattern)?;
        let encoder = Encoder::new(&vocab);
        let added = vocab
            .specials()
            .iter()
            .map(|(s, id)| AddedToken::special(s.clone(), *id))
            .collect();
        let mut t = Tokenizer {
            curriculum: None,
            normalization: Normalization::None,
            template: Template::default(),
            vocab,
            pretok,
            encoder,
            added,
            special_ids: FxHashSet::default(),
            raw_added: SpecialMatcher::default(),
            normalized_added: SpecialMatcher::default(),
            by_content: SpecialMatcher::default(),
            has_plain: false,
        };
        t.build_matchers()?;
        Ok(t)
    }

    /// Set the added tokens with their flags (HF's `added_tokens`). Each id
    /// is a mergeable token's or one of the vocabulary's text ids with the
    /// same content; text ids not listed stay plain special tokens. Call it
    /// after [`Tokenizer::with_normalization`]: normalized forms depend on it.
    pub fn with_added_tokens(mut self, added: Vec<AddedToken>) -> Result<Self> {
        for t in &added {
            let fits = match self.vocab.tokens().get(t.id as usize) {
                Some(bytes) if !bytes.is_empty() => true,
                _ => {
                    let held = self.vocab.token_bytes(t.id);
                    held == Some(t.content.as_bytes())
                        || held == Some(t.shown(self.normalization).as_bytes())
                }
            };
            if !fits || t.content.is_empty() {
                return Err(Error::bad_format(
                    format!("added token {:?}", t.content),
                    format!(
                        "id {} is neither a token nor a text id with this content",
                        t.id
                    ),
                ));
            }
        }
        let listed: FxHashSet<u32> = added.iter().map(|t| t.id).collect();
        let mut all = added;
        for (s, id) in self.vocab.specials() {
            if !listed.contains(id) {
                all.push(AddedToken::special(s.clone(), *id));
            }
        }
        self.added = all;
        self.build_matchers()?;
        Ok(self)
    }

    /// Add tokens as HF's `add_tokens` does (ids by [`added::assign_ids`]):
    /// a new tokenizer and how many of `requested` changed anything.
    pub fn add_tokens(&self, requested: Vec<AddedToken>) -> Result<(Tokenizer, usize)> {
        let model_size = (self.vocab.num_mergeable() + self.vocab.specials().len()) as u32;
        let assigned = added::assign_ids(&self.added, requested, model_size, |c| {
            added::vocab_entry(&self.vocab, c)
        });
        let fresh: FxHashSet<u32> = assigned.fresh.iter().map(|f| f.1).collect();
        let shown: Vec<(String, u32)> = assigned
            .tokens
            .iter()
            .filter(|t| fresh.contains(&t.id))
            .map(|t| (t.shown(self.normalization), t.id))
            .collect();
        let vocab = self.vocab.with_more_specials(&shown)?;
        let tokenizer = Tokenizer::new(vocab, self.pattern().clone())?
            .with_normalization(self.normalization)
            .with_template(self.template.clone())?
            .with_curriculum(self.curriculum.clone())
            .with_added_tokens(assigned.tokens)?;
        Ok((tokenizer, assigned.added))
    }

    fn build_matchers(&mut self) -> Result<()> {
        let entry = |t: &AddedToken, form: String| Entry {
            form,
            token: t.clone(),
        };
        let mut raw = Vec::new();
        let mut normed = Vec::new();
        for t in &self.added {
            if t.normalized {
                let form = self.normalization.apply(&t.content).into_owned();
                normed.push(entry(t, form));
            } else {
                raw.push(entry(t, t.content.clone()));
            }
        }
        let by_content = self
            .added
            .iter()
            .map(|t| Entry {
                form: t.content.clone(),
                token: AddedToken {
                    single_word: false,
                    lstrip: false,
                    rstrip: false,
                    ..t.clone()
                },
            })
            .collect();
        self.raw_added = SpecialMatcher::new(raw)?;
        self.normalized_added = SpecialMatcher::new(normed)?;
        self.by_content = SpecialMatcher::new(by_content)?;
        self.special_ids = self
            .added
            .iter()
            .filter(|t| t.special)
            .map(|t| t.id)
            .collect();
        self.has_plain = self.added.iter().any(|t| !t.special);
        Ok(())
    }

    /// Every added token, special tokens included, in the order added.
    pub fn added_tokens(&self) -> &[AddedToken] {
        &self.added
    }

    /// Whether `id` is an added token marked special.
    pub fn is_special_token(&self, id: u32) -> bool {
        self.special_ids.contains(&id)
    }

    /// Normalize text (NFC, NFKC) before pre-tokenization, as HF's normalizer does.
    pub fn with_normalization(mut self, n: Normalization) -> Self {
        debug_assert!(
            !self.added.iter().any(|t| t.normalized),
            "with_added_tokens goes after with_normalization"
        );
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

    /// Set the ids put around a text when special tokens are added; each
    /// must be an id of this vocabulary.
    pub fn with_template(mut self, template: Template) -> Result<Self> {
        template.check(&self.vocab)?;
        self.template = template;
        Ok(self)
    }

    pub fn template(&self) -> &Template {
        &self.template
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
        self.encoder.with_scratch(|scratch| {
            self.encoder
                .encode_piece(&self.vocab, piece, &mut out, scratch)
        });
        out
    }

    /// Encode text with no special-token handling (non-special added
    /// tokens are still found: they are part of the vocabulary).
    pub fn encode_ordinary(&self, text: &str) -> Result<Vec<u32>> {
        let mut out = Vec::with_capacity(text.len() / 3);
        self.encode_ordinary_into(text, &mut out)?;
        Ok(out)
    }

    /// [`Tokenizer::encode_ordinary`], appending to `out`.
    pub fn encode_ordinary_into(&self, text: &str, out: &mut Vec<u32>) -> Result<()> {
        if self.has_plain {
            return self.encode_into(text, &Specials::None, out);
        }
        self.encode_text_into(text, out)
    }

    /// Normalize, pre-tokenize and encode; no added tokens looked for.
    fn encode_text_into(&self, text: &str, out: &mut Vec<u32>) -> Result<()> {
        let text = self.normalization.apply(text);
        self.encode_normalized_into(&text, out)
    }

    fn encode_normalized_into(&self, text: &str, out: &mut Vec<u32>) -> Result<()> {
        self.encoder.with_scratch(|scratch| {
            self.encoder
                .encode_split(&self.vocab, out, scratch, |emit| {
                    self.pretok.split(text, |piece| emit(piece.as_bytes()))
                })
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
        let strings = self.disallowed_strings(disallowed)?;
        self.encode_checked_with(strings.as_ref(), text, allowed, disallowed)
    }

    /// [`Tokenizer::encode_checked`] over many texts on the current rayon pool.
    pub fn encode_checked_batch<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
        allowed: &Specials,
        disallowed: &Specials,
    ) -> Result<Vec<Vec<u32>>> {
        let strings = self.disallowed_strings(disallowed)?;
        texts
            .par_iter()
            .map(|t| self.encode_checked_with(strings.as_ref(), t.as_ref(), allowed, disallowed))
            .collect()
    }

    /// tiktoken checks any string it is given, special token or not: a
    /// matcher for `disallowed` when it names a string that is not a special
    /// token (built once per call, not per text).
    fn disallowed_strings(&self, disallowed: &Specials) -> Result<Option<SpecialMatcher>> {
        match disallowed {
            Specials::Only(list)
                if list
                    .iter()
                    .any(|s| !self.added.iter().any(|t| t.content == *s)) =>
            {
                let pairs: Vec<(String, u32)> = list.iter().map(|s| (s.clone(), 0)).collect();
                Ok(Some(SpecialMatcher::by_content(&pairs)?))
            }
            _ => Ok(None),
        }
    }

    fn encode_checked_with(
        &self,
        strings: Option<&SpecialMatcher>,
        text: &str,
        allowed: &Specials,
        disallowed: &Specials,
    ) -> Result<Vec<u32>> {
        let found = match strings {
            Some(any) => any.find(text, &Specials::All),
            None => self.find_special(text, disallowed),
        };
        if let Some(found) = found {
            return Err(Error::DisallowedSpecial(found.to_string()));
        }
        self.encode(text, allowed)
    }

    /// The leftmost (then longest) special token of `which` in `text`, looking
    /// at every start position, overlaps included.
    pub fn find_special<'t>(&self, text: &'t str, which: &Specials) -> Option<&'t str> {
        self.by_content.find(text, which)
    }

    /// Encode text; special tokens that `specials` allows become their ids,
    /// and every non-special added token its id.
    pub fn encode(&self, text: &str, specials: &Specials) -> Result<Vec<u32>> {
        let mut out = Vec::with_capacity(text.len() / 3);
        self.encode_into(text, specials, &mut out)?;
        Ok(out)
    }

    /// HF's two passes: added tokens cut out of the raw text, then the
    /// `normalized` ones out of each normalized stretch, then BPE.
    fn encode_into(&self, text: &str, specials: &Specials, out: &mut Vec<u32>) -> Result<()> {
        let mut raw = Vec::new();
        self.raw_added.split(text, specials, &mut raw);
        for seg in raw {
            match seg {
                Segment::Special(id) => out.push(id),
                Segment::Text(t) if self.normalized_added.is_empty() => {
                    self.encode_text_into(t, out)?
                }
                Segment::Text(t) => {
                    let normalized = self.normalization.apply(t);
                    let mut parts = Vec::new();
                    self.normalized_added
                        .split(&normalized, specials, &mut parts);
                    for part in &parts {
                        match part {
                            Segment::Special(id) => out.push(*id),
                            Segment::Text(p) => self.encode_normalized_into(p, out)?,
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// [`Tokenizer::encode`], then the template's ids around the result when
    /// `add_template` (HF's `add_special_tokens`).
    pub fn encode_with_template(
        &self,
        text: &str,
        specials: &Specials,
        add_template: bool,
    ) -> Result<Vec<u32>> {
        let ids = self.encode(text, specials)?;
        Ok(if add_template {
            self.template.apply(ids)
        } else {
            ids
        })
    }

    /// Encode raw bytes: no pre-tokenization of invalid UTF-8 is attempted;
    /// valid UTF-8 goes through the normal path.
    pub fn encode_bytes(&self, data: &[u8]) -> Result<Vec<u32>> {
        if self.normalization == Normalization::None && self.pretok.is_byte_safe() {
            // Binary tokenizers: the bytes as they are, UTF-8 or not.
            let nul = matches!(self.pretok.spec(), PatternSpec::Named(PatternName::NulRuns));
            let mut out = Vec::new();
            self.encoder.with_scratch(|scratch| {
                bytes::pieces(data, usize::MAX, nul, |p| {
                    self.encoder.encode_piece(&self.vocab, p, &mut out, scratch)
                })
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
                        self.encoder.with_scratch(|scratch| {
                            self.encoder.encode_piece(
                                &self.vocab,
                                chunk.invalid(),
                                &mut out,
                                scratch,
                            )
                        });
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
        add_template: bool,
    ) -> Result<Vec<Vec<u32>>> {
        texts
            .par_iter()
            .map(|t| self.encode_with_template(t.as_ref(), specials, add_template))
            .collect()
    }

    /// The bytes of a sequence of ids.
    pub fn decode_bytes(&self, ids: &[u32]) -> Result<Vec<u8>> {
        decode::decode_bytes(&self.vocab, ids)
    }

    /// The bytes of a sequence of ids, leaving out added tokens marked
    /// special (HF's `skip_special_tokens`).
    pub fn decode_bytes_skipping_specials(&self, ids: &[u32]) -> Result<Vec<u8>> {
        let kept: Vec<u32> = ids
            .iter()
            .copied()
            .filter(|id| !self.special_ids.contains(id))
            .collect();
        decode::decode_bytes(&self.vocab, &kept)
    }

    /// The bytes of many sequences, on the current rayon pool.
    pub fn decode_batch<S: AsRef<[u32]> + Sync>(&self, batch: &[S]) -> Result<Vec<Vec<u8>>> {
        batch
            .par_iter()
            .map(|ids| self.decode_bytes(ids.as_ref()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::Scratch;

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

    /// A vocabulary with a merge across a space, so the encoder runs long
    /// pieces in two phases, and bytes (`z`) that no token holds beside
    /// another, so it cuts them first: neither may change a piece's ids.
    #[test]
    fn phased_and_cut_pieces_agree_with_one_heap_run() {
        let id = |b: u8| crate::byte_level::BYTE_TO_RANK[b as usize];
        let mut tokens = Vocab::byte_alphabet();
        let mut merges = Vec::new();
        for (l, r, t) in [
            (id(b'a'), id(b'b'), &b"ab"[..]),
            (id(b'b'), id(b' '), b"b "),
            (256, id(b'a'), b"aba"),
            (258, 257, b"abab "),
            (257, 256, b"b ab"),
        ] {
            tokens.push(t.to_vec());
            merges.push((l, r));
        }
        let vocab = Vocab::new(tokens, merges, &[]).expect("vocab");
        let t = Tokenizer::new(vocab, PatternSpec::None).expect("tokenizer");
        let mut seed = 11u32;
        for len in [20usize, 150, 5000] {
            let piece: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    b"ab ab z"[(seed >> 16) as usize % 7]
                })
                .collect();
            let mut whole = Vec::new();
            t.encoder.encode_heap(&piece, &mut whole);
            assert_eq!(t.encode_piece(&piece), whole, "length {len}");
        }
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
