//! Regex pre-tokenizers.
//!
//! The known patterns have hand-written splitters. `set::PatternSet` (tests only)
//! is a second, linear-engine form of GPT-2's pattern the tests compare the
//! hand-written splitter with: the pattern's top-level alternatives compiled as
//! one leftmost-first set, with the `\s+(?!\S)` lookahead (which linear-time
//! engines lack) replaced by `\s+$` and by `\s+\s` whose match gives back its
//! last character; both describe exactly the strings the lookahead accepts.
//!
//! Patterns a user passes (or a tokenizer.json holds) go to `fancy-regex` when
//! the linear engine cannot take them (lookaround); its backtracking limit
//! turns a catastrophic pattern into an error instead of a hang. That limit is
//! per match attempt, so two things it cannot stop are refused up front: a
//! lookaround whose body can match unboundedly long text (`(?=(a+)+b)a` scans
//! to the end from every position: quadratic, 3 s for 40 KB), and
//! backreferences.

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
        check_lookarounds(pattern).map_err(|message| Error::InvalidPattern {
            pattern: pattern.to_string(),
            message,
        })?;
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

/// The longest text a lookaround body may match.
const MAX_LOOKAROUND: usize = 256;

/// Refuse backreferences and lookarounds whose body is not a plain regex of
/// bounded length (see the module notes).
fn check_lookarounds(pattern: &str) -> std::result::Result<(), String> {
    let b = pattern.as_bytes();
    let mut class_depth = 0usize;
    // For each open group: where its body starts if it is a lookaround.
    let mut groups: Vec<Option<usize>> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                let next = b.get(i + 1).copied().unwrap_or(0);
                if class_depth == 0 && ((b'1'..=b'9').contains(&next) || next == b'k') {
                    return Err(
                        "backreferences are not supported (they defeat linear-time matching)"
                            .into(),
                    );
                }
                i += 2;
                continue;
            }
            b'[' => class_depth += 1,
            b']' if class_depth > 0 => class_depth -= 1,
            b'(' if class_depth == 0 => {
                let rest = &pattern[i..];
                match ["(?=", "(?!", "(?<=", "(?<!"]
                    .iter()
                    .find(|p| rest.starts_with(**p))
                {
                    Some(open) => {
                        groups.push(Some(i + open.len()));
                        i += open.len();
                        continue;
                    }
                    None => groups.push(None),
                }
            }
            b')' if class_depth == 0 => {
                if let Some(Some(start)) = groups.pop() {
                    let body = &pattern[start..i];
                    let bounded = regex_syntax::parse(body)
                        .ok()
                        .and_then(|hir| hir.properties().maximum_len())
                        .is_some_and(|n| n <= MAX_LOOKAROUND);
                    if !bounded {
                        return Err(format!(
                            "the lookaround body {body:?} must be a plain regex matching at most \
                             {MAX_LOOKAROUND} bytes (an unbounded one makes splitting quadratic)"
                        ));
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_lookarounds_pass_and_unbounded_ones_and_backreferences_do_not() {
        for ok in [
            r"\s+(?!\S)|\w+",
            r"(?<=a)b",
            r"[(?=]+x",
            r"a(?=[0-9]{3})",
            r"\\1",
        ] {
            assert!(check_lookarounds(ok).is_ok(), "{ok}");
            assert!(UserRegex::new(ok).is_ok(), "{ok}");
        }
        for bad in [
            r"(?=(a+)+b)a",
            r"x(?!a*)",
            r"(a)\1",
            r"(?<n>a)\k<n>",
            r"(?=(?=a)b+)",
        ] {
            assert!(check_lookarounds(bad).is_err(), "{bad}");
            assert!(UserRegex::new(bad).is_err(), "{bad}");
        }
    }
}
