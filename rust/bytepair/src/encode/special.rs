//! Added tokens in text: the one matcher that both splits a text at the
//! added tokens (HF's semantics, flags included; see [`crate::added`]) and
//! finds the first special token a caller forbids (tiktoken's
//! `disallowed_special` check).
//!
//! A token is looked for by its *form* (the text it appears as) and allowed
//! or forbidden by its *content* (its own text, what callers name). The two
//! differ only for HF's `normalized` added tokens, which are found in the
//! normalized text by their normalized form (`▁<s>` under SentencePiece's
//! normalizer).
//!
//! Matching is leftmost-longest among the tokens a call admits: a special
//! token the caller does not allow is invisible, so a shorter or overlapping
//! allowed one is still seen (tiktoken builds its regex from the allowed
//! tokens only). A match that fails `single_word` is dropped and the search
//! goes on after it, as HF's Aho-Corasick iterator does.

use crate::added::AddedToken;
use crate::error::{Error, Result};
use crate::pretok::classes::{class_ranges, classes, SPACE};
use regex_automata::meta::Regex as MetaRegex;
use rustc_hash::FxHashMap;
use std::sync::LazyLock;

/// Which special tokens found in a text are taken as special tokens.
#[derive(Clone, Debug)]
pub enum Specials<'a> {
    All,
    None,
    Only(&'a [String]),
}

impl Specials<'_> {
    /// Whether a call with this set sees `e`. In a split, non-special added
    /// tokens are always seen; in a search (`find`), `All` means every
    /// special token and `Only` any token named.
    fn admits(&self, e: &Entry, splitting: bool) -> bool {
        if splitting && !e.token.special {
            return true;
        }
        match self {
            Specials::All => e.token.special,
            Specials::None => false,
            Specials::Only(list) => list.contains(&e.token.content),
        }
    }
}

/// A stretch of text or an added token's id, in text order.
pub enum Segment<'t> {
    Text(&'t str),
    Special(u32),
}

/// One token to look for: the form it is found as, and the token (its
/// content, id and HF's flags; `normalized` already decided the form).
#[derive(Clone, Debug)]
pub struct Entry {
    pub form: String,
    pub token: AddedToken,
}

impl Entry {
    /// A special token found by its own text, with no flags.
    pub fn plain_special(content: &str, id: u32) -> Self {
        Entry {
            form: content.to_string(),
            token: AddedToken::special(content, id),
        }
    }
}

/// The regex crate's `\w` (what HF's `single_word` test uses), as ranges.
static WORD: LazyLock<Vec<(u32, u32)>> = LazyLock::new(|| class_ranges(r"\w"));

fn is_word(c: char) -> bool {
    let cp = c as u32;
    let i = WORD.partition_point(|r| r.1 < cp);
    WORD.get(i).is_some_and(|r| r.0 <= cp)
}

fn is_space(c: char) -> bool {
    classes(c as u32) & SPACE != 0
}

/// HF's `single_word`: no word character right before or after the match.
fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    !text[..start].chars().next_back().is_some_and(is_word)
        && !text[end..].chars().next().is_some_and(is_word)
}

/// Where the whitespace run that ends at `at` starts.
fn space_before(text: &str, at: usize) -> usize {
    let before = &text[..at];
    before.trim_end_matches(is_space).len()
}

/// Where the whitespace run that starts at `at` ends.
fn space_after(text: &str, at: usize) -> usize {
    let after = &text[at..];
    text.len() - after.trim_start_matches(is_space).len()
}

/// Finds added tokens in text.
#[derive(Default)]
pub struct SpecialMatcher {
    /// Any form, longest first at a position (leftmost-first alternation).
    re: Option<MetaRegex>,
    /// Every entry, longest form first.
    entries: Vec<Entry>,
    /// form -> index in `entries`.
    by_form: FxHashMap<String, usize>,
    /// Some entry is not special (it is matched whatever the call allows).
    has_plain: bool,
}

impl SpecialMatcher {
    /// A matcher over `entries`; a form listed twice keeps its first entry.
    pub fn new(entries: Vec<Entry>) -> Result<Self> {
        if entries.is_empty() {
            return Ok(SpecialMatcher::default());
        }
        let mut entries = entries;
        entries.sort_by_key(|e| std::cmp::Reverse(e.form.len()));
        let alternation = entries
            .iter()
            .map(|e| regex_syntax::escape(&e.form))
            .collect::<Vec<_>>()
            .join("|");
        let re = MetaRegex::new(&alternation)
            .map_err(|e| Error::config(format!("added tokens: {e}")))?;
        let mut by_form = FxHashMap::default();
        for (i, e) in entries.iter().enumerate() {
            by_form.entry(e.form.clone()).or_insert(i);
        }
        let has_plain = entries.iter().any(|e| !e.token.special);
        Ok(SpecialMatcher {
            re: Some(re),
            entries,
            by_form,
            has_plain,
        })
    }

    /// A matcher over special tokens found by their own text, with no flags.
    pub fn by_content(specials: &[(String, u32)]) -> Result<Self> {
        Self::new(
            specials
                .iter()
                .map(|(t, id)| Entry::plain_special(t, *id))
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The leftmost, then longest, token that `which` admits in `text`,
    /// searched from `from`: (start, end, entry).
    fn next_admitted(
        &self,
        text: &str,
        from: usize,
        which: &Specials,
        splitting: bool,
    ) -> Option<(usize, usize, &Entry)> {
        let re = self.re.as_ref()?;
        if from > text.len() {
            return None;
        }
        let mut search = from;
        while let Some(m) = re.find(regex_automata::Input::new(text).range(search..)) {
            // The fast case: the longest form at this position is admitted.
            if let Some(e) = self
                .by_form
                .get(&text[m.range()])
                .map(|&i| &self.entries[i])
            {
                if which.admits(e, splitting) {
                    return Some((m.start(), m.end(), e));
                }
            }
            let at = &text[m.start()..];
            if let Some(e) = self
                .entries
                .iter()
                .find(|e| at.starts_with(e.form.as_str()) && which.admits(e, splitting))
            {
                return Some((m.start(), m.start() + e.form.len(), e));
            }
            search = m.start() + at.chars().next().map_or(1, char::len_utf8);
        }
        None
    }

    /// Cut `text` at the added tokens: every non-special one, and the
    /// special ones `which` allows. Stripped whitespace is dropped with its
    /// token; empty stretches of text are left out.
    pub fn split<'t>(&self, text: &'t str, which: &Specials, out: &mut Vec<Segment<'t>>) {
        // `kept`: where the text after the last token starts (HF's
        // `start_offset`); `search`: where the next match may start. They
        // differ after `rstrip`, which HF does not let move the search.
        let mut kept = 0;
        let mut search = 0;
        if matches!(which, Specials::None) && !self.has_plain {
            search = text.len() + 1; // nothing can be admitted
        }
        while let Some((s, e, entry)) = self.next_admitted(text, search, which, true) {
            search = e;
            let token = &entry.token;
            if token.single_word && !stands_alone(text, s, e) {
                continue;
            }
            let start = if token.lstrip {
                space_before(text, s).max(kept)
            } else {
                s
            };
            let end = if token.rstrip {
                space_after(text, e)
            } else {
                e
            };
            if start >= end {
                // lstrip reached back into whitespace an earlier token's
                // rstrip took: nothing is left of this match. HF drops the
                // empty split (and fails on a backward one).
                kept = kept.max(end);
                continue;
            }
            if kept < start {
                out.push(Segment::Text(&text[kept..start]));
            }
            out.push(Segment::Special(token.id));
            kept = end;
        }
        if kept < text.len() {
            out.push(Segment::Text(&text[kept..]));
        }
    }

    /// The text of the leftmost (then longest) token of `which` in `text`,
    /// looking at every start position, overlaps included; flags ignored.
    pub fn find<'t>(&self, text: &'t str, which: &Specials) -> Option<&'t str> {
        self.next_admitted(text, 0, which, false)
            .map(|(s, e, _)| &text[s..e])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher() -> SpecialMatcher {
        SpecialMatcher::by_content(&[
            ("<|a|>".to_string(), 1),
            ("<|a|>x".to_string(), 2),
            ("|a".to_string(), 3),
        ])
        .expect("matcher")
    }

    fn cut(m: &SpecialMatcher, text: &str, which: &Specials) -> Vec<String> {
        let mut out = Vec::new();
        m.split(text, which, &mut out);
        out.iter()
            .map(|s| match s {
                Segment::Special(id) => format!("#{id}"),
                Segment::Text(t) => t.to_string(),
            })
            .collect()
    }

    #[test]
    fn the_longest_allowed_form_wins() {
        let m = matcher();
        assert_eq!(cut(&m, "<|a|>x", &Specials::All), ["#2"]);
        let only_short = ["<|a|>".to_string()];
        assert_eq!(
            cut(&m, "<|a|>xy", &Specials::Only(&only_short)),
            ["#1", "xy"]
        );
        // An overlap one character on is still seen.
        let only_inner = ["|a".to_string()];
        assert_eq!(m.find("<|a|>x", &Specials::Only(&only_inner)), Some("|a"));
        assert_eq!(m.find("<|a|>x", &Specials::None), None);
        assert_eq!(cut(&m, "plain", &Specials::All), ["plain"]);
    }

    fn flagged(form: &str, id: u32, flags: &str) -> Entry {
        Entry {
            form: form.to_string(),
            token: AddedToken {
                special: flags.contains('s'),
                single_word: flags.contains('w'),
                lstrip: flags.contains('l'),
                rstrip: flags.contains('r'),
                ..AddedToken::special(form, id)
            },
        }
    }

    #[test]
    fn hf_flags() {
        let m = SpecialMatcher::new(vec![flagged("foo", 1, "w"), flagged("<X>", 2, "lr")])
            .expect("matcher");
        // single_word: "xfoo" and "foo_" touch word characters, "foo." does not.
        assert_eq!(
            cut(&m, "foo xfoo foo_ foo.", &Specials::None),
            ["#1", " xfoo foo_ ", "#1", "."]
        );
        // lstrip and rstrip take the whitespace with the token.
        assert_eq!(cut(&m, "a \t<X>\n b", &Specials::None), ["a", "#2", "b"]);
        // A whitespace token: with rstrip the first match takes the run, and
        // with lstrip too the later matches in it come out empty and vanish;
        // with rstrip alone each still counts (HF's find_matches).
        let space = |flags| SpecialMatcher::new(vec![flagged(" ", 5, flags)]).expect("matcher");
        assert_eq!(cut(&space("lr"), "   a", &Specials::None), ["#5", "a"]);
        assert_eq!(
            cut(&space("r"), "   a", &Specials::None),
            ["#5", "#5", "#5", "a"]
        );
        // A special token the call does not allow is plain text; a
        // non-special one is always cut out.
        let s = SpecialMatcher::new(vec![flagged("<S>", 3, "s"), flagged("ab", 4, "")])
            .expect("matcher");
        assert_eq!(cut(&s, "<S>ab", &Specials::None), ["<S>", "#4"]);
        assert_eq!(s.find("<S>ab", &Specials::All), Some("<S>"));
        let named = ["ab".to_string()];
        assert_eq!(s.find("<S>ab", &Specials::Only(&named)), Some("ab"));
    }
}
