//! Regex pre-tokenizers.
//!
//! The known patterns have hand-written splitters. `set::PatternSet` (tests only)
//! is a second, linear-engine form of GPT-2's pattern the tests compare the
//! hand-written splitter with: the pattern's top-level alternatives compiled as
//! one leftmost-first set, with the `\s+(?!\S)` lookahead (which linear-time
//! engines lack) replaced by `\s+$` and by `\s+\s` whose match gives back its
//! last character; both describe exactly the strings the lookahead accepts.
//!
//! Patterns a user passes go to `fancy-regex` when the linear engine cannot take
//! them (lookaround, backreferences); its backtracking limit turns a catastrophic
//! pattern into an error instead of a hang.

use crate::error::{Error, Result};
use regex_automata::meta::Regex as MetaRegex;

/// A user pattern: the linear engine when it accepts the pattern, else fancy-regex.
pub enum UserRegex {
    Linear(MetaRegex),
    Backtracking(fancy_regex::Regex),
}

impl UserRegex {
    pub fn new(pattern: &str) -> Result<Self> {
        if let Ok(re) = MetaRegex::new(pattern) {
            return Ok(UserRegex::Linear(re));
        }
        fancy_regex::RegexBuilder::new(pattern)
            .backtrack_limit(1_000_000)
            .build()
            .map(UserRegex::Backtracking)
            .map_err(|e| Error::InvalidPattern {
                pattern: pattern.to_string(),
                message: e.to_string(),
            })
    }

    /// Matches and the text between them, each a piece (HF's `Split` with
    /// `Isolated`): no text is ever dropped.
    pub fn split<'a>(&self, text: &'a str, emit: &mut impl FnMut(&'a str)) -> Result<()> {
        let mut at = 0;
        match self {
            UserRegex::Linear(re) => {
                for m in re.find_iter(text) {
                    if m.start() < m.end() {
                        if at < m.start() {
                            emit(&text[at..m.start()]);
                        }
                        emit(&text[m.range()]);
                        at = m.end();
                    }
                }
            }
            UserRegex::Backtracking(re) => {
                for m in re.find_iter(text) {
                    let m = m.map_err(|e| Error::RegexRuntime(e.to_string()))?;
                    if m.start() < m.end() {
                        if at < m.start() {
                            emit(&text[at..m.start()]);
                        }
                        emit(m.as_str());
                        at = m.end();
                    }
                }
            }
        }
        if at < text.len() {
            emit(&text[at..]);
        }
        Ok(())
    }
}

/// GPT-2's pattern for the linear engine, a test oracle for the hand-written splitter.
#[cfg(test)]
pub(super) mod set {
    use crate::error::{Error, Result};
    use regex_automata::meta::Regex as MetaRegex;
    use regex_automata::Input;

    /// One alternative of a pattern set; `give_back` marks the `\s+\s` stand-in.
    pub struct Alternative {
        pub regex: &'static str,
        pub give_back: bool,
    }

    const fn alt(regex: &'static str) -> Alternative {
        Alternative {
            regex,
            give_back: false,
        }
    }

    const SPACES_NOT_BEFORE_NON_SPACE: [Alternative; 2] = [
        alt(r"\s+$"),
        Alternative {
            regex: r"\s+\s",
            give_back: true,
        },
    ];

    pub fn gpt2_alternatives() -> Vec<Alternative> {
        let mut v = vec![
            alt(r"'s|'t|'re|'ve|'m|'ll|'d"),
            alt(r" ?\p{L}+"),
            alt(r" ?\p{N}+"),
            alt(r" ?[^\s\p{L}\p{N}]+"),
        ];
        v.extend(SPACES_NOT_BEFORE_NON_SPACE);
        v.push(alt(r"\s+"));
        v
    }

    /// A leftmost-first set of alternatives with the lookahead emulation.
    pub struct PatternSet {
        regex: MetaRegex,
        give_back: Vec<bool>,
    }

    impl PatternSet {
        pub fn new(alternatives: &[Alternative]) -> Result<Self> {
            let patterns: Vec<&str> = alternatives.iter().map(|a| a.regex).collect();
            let regex = MetaRegex::new_many(&patterns).map_err(|e| Error::InvalidPattern {
                pattern: patterns.join("|"),
                message: e.to_string(),
            })?;
            Ok(PatternSet {
                regex,
                give_back: alternatives.iter().map(|a| a.give_back).collect(),
            })
        }

        pub fn split<'a>(&self, text: &'a str, emit: &mut impl FnMut(&'a str)) {
            let mut at = 0;
            let mut input = Input::new(text);
            while at < text.len() {
                input.set_start(at);
                let Some(m) = self.regex.find(input.clone()) else {
                    break;
                };
                let mut end = m.end();
                if self.give_back[m.pattern().as_usize()] {
                    // Drop the last character of the match.
                    end = text[..end]
                        .char_indices()
                        .next_back()
                        .map_or(end, |(i, _)| i);
                }
                if end == m.start() {
                    // An empty match cannot make progress; skip one character.
                    at = m.start() + text[m.start()..].chars().next().map_or(1, char::len_utf8);
                    continue;
                }
                emit(&text[m.start()..end]);
                at = end;
            }
        }
    }
}
