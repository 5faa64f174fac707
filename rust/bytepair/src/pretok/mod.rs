//! Pre-tokenization: cutting text into pieces that BPE never merges across.
//!
//! Every pre-tokenizer returns slices of its input, never new strings. The
//! known patterns ([`patterns`]) have hand-written splitters, one file each;
//! any other regex goes to [`regex`]. [`bytes`] cuts raw bytes for binary
//! tokenizers.

pub mod bytes;
pub mod cl100k;
pub mod classes;
pub mod gpt2;
pub mod o200k;
pub mod patterns;
pub mod regex;
mod scan;
pub mod superbpe;

pub use patterns::{PatternName, PatternSpec};

use crate::error::{Error, Result};
use regex::UserRegex;

enum Engine {
    Whole,
    Gpt2,
    Cl100kStyle(cl100k::Cl100kStyle),
    O200k,
    O200kNoContractions,
    SuperbpeStage2,
    SuperbpeDigits,
    NulRuns,
    User(UserRegex),
}

/// A compiled pre-tokenizer; cheap to share between threads.
pub struct Pretokenizer {
    spec: PatternSpec,
    engine: Engine,
    /// Cut at every newline first (SuperBPE stage-2 training).
    lines: bool,
}

impl Pretokenizer {
    pub fn new(spec: PatternSpec) -> Result<Self> {
        let engine = match &spec {
            PatternSpec::None => Engine::Whole,
            PatternSpec::Named(PatternName::Gpt2) => Engine::Gpt2,
            PatternSpec::Named(PatternName::Cl100k) => Engine::Cl100kStyle(cl100k::CL100K),
            PatternSpec::Named(PatternName::Llama3) => Engine::Cl100kStyle(cl100k::LLAMA3),
            PatternSpec::Named(PatternName::Qwen2) => Engine::Cl100kStyle(cl100k::QWEN2),
            PatternSpec::Named(PatternName::O200k) => Engine::O200k,
            PatternSpec::Named(PatternName::SuperbpeStage1) => Engine::O200kNoContractions,
            PatternSpec::Named(PatternName::SuperbpeStage2) => Engine::SuperbpeStage2,
            PatternSpec::Named(PatternName::SuperbpeDigits) => Engine::SuperbpeDigits,
            PatternSpec::Named(PatternName::NulRuns) => Engine::NulRuns,
            PatternSpec::Custom(p) => {
                if p.is_empty() {
                    return Err(Error::InvalidPattern {
                        pattern: String::new(),
                        message: "the pattern is empty; pass None for no split".into(),
                    });
                }
                Engine::User(UserRegex::new(p)?)
            }
        };
        Ok(Pretokenizer {
            spec,
            engine,
            lines: false,
        })
    }

    /// Make every newline a hard boundary: each line, with its `\n`, is split
    /// on its own, so no piece holds a newline followed by more text.
    pub fn with_line_boundaries(mut self) -> Self {
        self.lines = true;
        self
    }

    pub fn spec(&self) -> &PatternSpec {
        &self.spec
    }

    /// Is every newline a hard boundary?
    pub fn line_boundaries(&self) -> bool {
        self.lines
    }

    /// Call `emit` with each piece of `text` in order.
    pub fn split<'a>(&self, text: &'a str, mut emit: impl FnMut(&'a str)) -> Result<()> {
        if self.lines {
            for line in text.split_inclusive('\n') {
                self.split_one(line, &mut emit)?;
            }
            return Ok(());
        }
        self.split_one(text, emit)
    }

    fn split_one<'a>(&self, text: &'a str, mut emit: impl FnMut(&'a str)) -> Result<()> {
        match &self.engine {
            Engine::Whole => {
                if !text.is_empty() {
                    emit(text);
                }
            }
            Engine::Gpt2 => gpt2::split(text, emit),
            Engine::Cl100kStyle(style) => cl100k::split(text, *style, emit),
            Engine::O200k => o200k::split(text, emit),
            Engine::O200kNoContractions => o200k::split_without_contractions(text, emit),
            Engine::SuperbpeStage2 => superbpe::split_recommended(text, emit),
            Engine::SuperbpeDigits => superbpe::split_digits_only(text, emit),
            Engine::NulRuns => {
                // NUL is ASCII, so cutting at NUL runs keeps UTF-8 intact.
                bytes::pieces(text.as_bytes(), usize::MAX, true, |p| {
                    let start = p.as_ptr() as usize - text.as_ptr() as usize;
                    emit(&text[start..start + p.len()]);
                })
            }
            Engine::User(re) => re.split(text, &mut emit)?,
        }
        Ok(())
    }

    /// Does this pre-tokenizer cut raw bytes without reading them as text
    /// (no pattern, or NUL runs)? Then `encode_bytes` never needs UTF-8.
    pub fn is_byte_safe(&self) -> bool {
        matches!(self.engine, Engine::Whole | Engine::NulRuns) && !self.lines
    }

    /// The pieces of `text` as a vector (convenient in tests and small inputs).
    pub fn pieces<'a>(&self, text: &'a str) -> Result<Vec<&'a str>> {
        let mut v = Vec::new();
        self.split(text, |p| v.push(p))?;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gpt2_by_regex(text: &str) -> Vec<&str> {
        let set = regex::set::PatternSet::new(&regex::set::gpt2_alternatives()).expect("gpt2 set");
        let mut v = Vec::new();
        set.split(text, &mut |p| v.push(p));
        v
    }

    fn gpt2_by_fancy(text: &str) -> Vec<&str> {
        let re = fancy_regex::Regex::new(patterns::GPT2_PATTERN_HF).expect("gpt2 fancy");
        re.find_iter(text)
            .map(|m| m.expect("match").as_str())
            .collect()
    }

    const SAMPLES: &[&str] = &[
        "Hello world",
        "  leading spaces and trailing   ",
        "it's we'll they've I'M don't ''s x's !'s",
        "tabs\tand\nnewlines\n\n\nand   \n  mixed\r\n",
        "numbers 12345 and 1,000.5 and ٣٤٥",
        "punct!!! ... ??? \"quoted\" (paren)",
        "ünïcödé 東京 🤖 emoji 👩‍👩‍👧 ZWJ",
        "\u{3000}ideographic\u{3000}\u{3000}space\u{a0}nbsp",
        " ",
        "   ",
        "a",
        "\n",
        " \ta",
        "\t a",
        "x  ",
    ];

    #[test]
    fn gpt2_fast_equals_regex() {
        let pre = Pretokenizer::new(PatternSpec::Named(PatternName::Gpt2)).expect("gpt2");
        for s in SAMPLES {
            let fast = pre.pieces(s).expect("split");
            assert_eq!(fast, gpt2_by_regex(s), "set differs on {s:?}");
            assert_eq!(fast, gpt2_by_fancy(s), "fancy differs on {s:?}");
            assert_eq!(fast.concat(), *s);
        }
    }

    /// Matches and the gaps between them (gaps are empty for tiktoken's patterns).
    fn fancy_pieces<'a>(re: &fancy_regex::Regex, s: &'a str) -> Vec<&'a str> {
        let mut v = Vec::new();
        let mut at = 0;
        for m in re.find_iter(s) {
            let m = m.expect("match");
            if at < m.start() {
                v.push(&s[at..m.start()]);
            }
            v.push(m.as_str());
            at = m.end();
        }
        if at < s.len() {
            v.push(&s[at..]);
        }
        v
    }

    /// Characters that exercise every class boundary of the patterns.
    const ALPHABET: &[char] = &[
        'a',
        'b',
        's',
        't',
        'l',
        'v',
        'e',
        'r',
        'd',
        'm',
        'A',
        'S',
        'L',
        'E',
        'R',
        'D',
        'M',
        'T',
        'V',
        '\'',
        '\u{17F}',
        '0',
        '7',
        '\u{663}',
        '\u{2167}',
        ' ',
        '\t',
        '\n',
        '\r',
        '\u{0B}',
        '\u{0C}',
        '\u{85}',
        '\u{A0}',
        '\u{3000}',
        '\u{2028}',
        '!',
        '/',
        '(',
        '.',
        '\u{301}',
        '\u{94D}',
        '\u{1C5}',
        '\u{2B0}',
        '\u{4E2D}',
        // the edges of the ideograph block the splitters step over fast
        '\u{4DFF}',
        '\u{4E00}',
        '\u{9FFF}',
        '\u{A000}',
        '\u{3400}',
        '\u{1F916}',
        '\u{200D}',
        'é',
        'Ω',
        'ω',
        '\u{1D400}',
        '_',
        '-',
    ];

    use crate::test_rng::Rng;

    fn random_text(rng: &mut Rng) -> String {
        let len = rng.index(24);
        (0..len)
            .map(|_| {
                if rng.index(8) == 0 {
                    // any code point, surrogates excluded
                    char::from_u32(rng.index(0x3_0000) as u32).unwrap_or('x')
                } else {
                    ALPHABET[rng.index(ALPHABET.len())]
                }
            })
            .collect()
    }

    #[test]
    fn hand_written_splitters_equal_fancy_regex() {
        for name in PatternName::ALL {
            if name == PatternName::SuperbpeDigits {
                continue; // not one regex; compared with HF tokenizers in Python
            }
            let pre = Pretokenizer::new(PatternSpec::Named(name)).expect("compile");
            let re = fancy_regex::Regex::new(name.regex()).expect("fancy");
            let re_hf = fancy_regex::Regex::new(name.hf_regex()).expect("fancy");
            for s in SAMPLES {
                let ours = pre.pieces(s).expect("split");
                assert_eq!(ours, fancy_pieces(&re, s), "{name:?} differs on {s:?}");
            }
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
            for _ in 0..30_000 {
                let s = random_text(&mut rng);
                let ours = pre.pieces(&s).expect("split");
                assert_eq!(ours, fancy_pieces(&re, &s), "{name:?} differs on {s:?}");
                assert_eq!(
                    ours,
                    fancy_pieces(&re_hf, &s),
                    "{name:?} (HF form) on {s:?}"
                );
            }
        }
    }

    #[test]
    fn bad_patterns_are_errors() {
        assert!(Pretokenizer::new(PatternSpec::Custom("(".into())).is_err());
        assert!(Pretokenizer::new(PatternSpec::Custom(String::new())).is_err());
        // lookaround goes to the backtracking engine and works
        let pre = Pretokenizer::new(PatternSpec::Custom(r"\w+(?=\s)|\s+|\w+".into()))
            .expect("fancy pattern");
        assert_eq!(pre.pieces("ab cd").expect("split"), vec!["ab", " ", "cd"]);
    }
}
