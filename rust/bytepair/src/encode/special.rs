//! Special tokens in text: the one matcher that both splits a text at the
//! special tokens a caller allows and finds the first one a caller forbids
//! (tiktoken's `disallowed_special` check).
//!
//! A special token is looked for by its *form* (the text it appears as) and
//! allowed or forbidden by its *content* (its own text, what callers name).
//! The two differ only for HF's `normalized` added tokens, which are found in
//! the normalized text by their normalized form (`▁<s>` under SentencePiece's
//! normalizer).
//!
//! At every position where some form starts, the longest form there that the
//! caller allows wins; if none is allowed the search moves on by one
//! character, so overlapping candidates are all seen.

use crate::error::{Error, Result};
use regex_automata::meta::Regex as MetaRegex;
use rustc_hash::FxHashMap;

/// Which special tokens found in a text are taken as special tokens.
#[derive(Clone, Debug)]
pub enum Specials<'a> {
    All,
    None,
    Only(&'a [String]),
}

impl Specials<'_> {
    fn allows(&self, content: &str) -> bool {
        match self {
            Specials::All => true,
            Specials::None => false,
            Specials::Only(list) => list.iter().any(|x| x == content),
        }
    }
}

/// A stretch of text or a special token's id, in text order.
pub enum Segment<'t> {
    Text(&'t str),
    Special(u32),
}

/// One special token: the form it is found as, its content, its id.
struct Entry {
    form: String,
    content: String,
    id: u32,
}

/// Finds special tokens in text.
#[derive(Default)]
pub struct SpecialMatcher {
    /// Any form, longest first at a position (leftmost-first alternation).
    re: Option<MetaRegex>,
    /// Every entry, longest form first.
    entries: Vec<Entry>,
    /// form -> index in `entries`.
    by_form: FxHashMap<String, usize>,
}

impl SpecialMatcher {
    /// A matcher over `(form, content, id)` triples.
    pub fn new(entries: Vec<(String, String, u32)>) -> Result<Self> {
        if entries.is_empty() {
            return Ok(SpecialMatcher::default());
        }
        let mut entries: Vec<Entry> = entries
            .into_iter()
            .map(|(form, content, id)| Entry { form, content, id })
            .collect();
        entries.sort_by_key(|e| std::cmp::Reverse(e.form.len()));
        let alternation = entries
            .iter()
            .map(|e| regex_syntax::escape(&e.form))
            .collect::<Vec<_>>()
            .join("|");
        let re = MetaRegex::new(&alternation)
            .map_err(|e| Error::config(format!("special tokens: {e}")))?;
        let by_form = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.form.clone(), i))
            .collect();
        Ok(SpecialMatcher {
            re: Some(re),
            entries,
            by_form,
        })
    }

    /// A matcher over tokens found by their own text.
    pub fn by_content(specials: &[(String, u32)]) -> Result<Self> {
        Self::new(
            specials
                .iter()
                .map(|(t, id)| (t.clone(), t.clone(), *id))
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The leftmost special token that `which` allows in `text`, searched
    /// from `from`: (start, end, id).
    fn next_allowed(
        &self,
        text: &str,
        from: usize,
        which: &Specials,
    ) -> Option<(usize, usize, u32)> {
        let re = self.re.as_ref()?;
        if matches!(which, Specials::None) {
            return None;
        }
        let mut search = from;
        while let Some(m) = re.find(regex_automata::Input::new(text).range(search..)) {
            // The fast case: the longest form at this position is allowed.
            if let Some(e) = self
                .by_form
                .get(&text[m.range()])
                .map(|&i| &self.entries[i])
            {
                if which.allows(&e.content) {
                    return Some((m.start(), m.end(), e.id));
                }
            }
            let at = &text[m.start()..];
            if let Some(e) = self
                .entries
                .iter()
                .find(|e| at.starts_with(e.form.as_str()) && which.allows(&e.content))
            {
                return Some((m.start(), m.start() + e.form.len(), e.id));
            }
            search = m.start() + at.chars().next().map_or(1, char::len_utf8);
        }
        None
    }

    /// Cut `text` at the special tokens `which` allows.
    pub fn split<'t>(&self, text: &'t str, which: &Specials, out: &mut Vec<Segment<'t>>) {
        let mut start = 0;
        while let Some((s, e, id)) = self.next_allowed(text, start, which) {
            out.push(Segment::Text(&text[start..s]));
            out.push(Segment::Special(id));
            start = e;
        }
        out.push(Segment::Text(&text[start..]));
    }

    /// The text of the leftmost (then longest) special token of `which` in
    /// `text`, looking at every start position, overlaps included.
    pub fn find<'t>(&self, text: &'t str, which: &Specials) -> Option<&'t str> {
        self.next_allowed(text, 0, which)
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

    fn ids(m: &SpecialMatcher, text: &str, which: &Specials) -> Vec<Option<u32>> {
        let mut out = Vec::new();
        m.split(text, which, &mut out);
        out.iter()
            .map(|s| match s {
                Segment::Special(id) => Some(*id),
                Segment::Text(_) => None,
            })
            .collect()
    }

    #[test]
    fn the_longest_allowed_form_wins() {
        let m = matcher();
        assert_eq!(ids(&m, "<|a|>x", &Specials::All), [None, Some(2), None]);
        let only_short = ["<|a|>".to_string()];
        assert_eq!(
            ids(&m, "<|a|>x", &Specials::Only(&only_short)),
            [None, Some(1), None]
        );
        // An overlap one character on is still seen.
        let only_inner = ["|a".to_string()];
        assert_eq!(m.find("<|a|>x", &Specials::Only(&only_inner)), Some("|a"));
        assert_eq!(m.find("<|a|>x", &Specials::None), None);
        assert_eq!(ids(&m, "plain", &Specials::All), [None]);
    }
}
