//! Added tokens: strings matched in the text before BPE sees it, with HF's
//! `AddedToken` flags, and the rule that gives each one its id.
//!
//! A special token (tiktoken's `<|endoftext|>`) is the simplest case: matched
//! by its own text, `special`, no flags. HF adds four flags and non-special
//! added tokens:
//!
//! * `single_word`: a match touching a word character (`\w`) on either side
//!   is not a match (and the search goes on after it, as HF's does);
//! * `lstrip` / `rstrip`: the whitespace (`\s`) before / after a match
//!   belongs to the token and is dropped;
//! * `normalized`: the token is looked for in the normalized text, by its
//!   normalized form, after the other added tokens were cut out of the raw text;
//! * `special`: skipped by `decode(skip_special_tokens=True)` and governed by
//!   `allowed_special`; a non-special added token is always matched.
//!
//! **Ids** follow HF's `AddedVocabulary::add_tokens`: a content already added
//! keeps its id; a content that *is* a vocabulary entry (its byte-level
//! spelling, as HF's `token_to_id` looks it up) takes that entry's id; any
//! other takes the next free id. HF ignores the ids a `tokenizer.json` lists
//! and assigns them this way on load, so the loader does too.

use crate::byte_level;
use crate::normalize::Normalization;
use crate::vocab::Vocab;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// One added token and its id (also its entry in our native file's
/// `added_tokens`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddedToken {
    pub content: String,
    pub id: u32,
    pub special: bool,
    pub single_word: bool,
    pub lstrip: bool,
    pub rstrip: bool,
    pub normalized: bool,
}

impl AddedToken {
    /// A special token as tiktoken has them: its own text, no flags.
    pub fn special(content: impl Into<String>, id: u32) -> Self {
        AddedToken {
            content: content.into(),
            id,
            special: true,
            single_word: false,
            lstrip: false,
            rstrip: false,
            normalized: false,
        }
    }

    /// The text a fresh id of this token holds and decodes to: HF shows a
    /// normalized token by its normalized form.
    pub fn shown(&self, normalization: Normalization) -> String {
        if self.normalized {
            normalization.apply(&self.content).into_owned()
        } else {
            self.content.clone()
        }
    }

    /// The same token and flags; the id is not compared (HF's rule for
    /// "already added, nothing to do").
    fn same_as(&self, other: &AddedToken) -> bool {
        AddedToken {
            id: 0,
            ..self.clone()
        } == AddedToken {
            id: 0,
            ..other.clone()
        }
    }
}

/// What [`assign_ids`] decided.
pub struct Assigned {
    /// Every added token, old ones first, with its id.
    pub tokens: Vec<AddedToken>,
    /// Tokens that needed an id of their own (not a vocabulary entry's).
    pub fresh: Vec<(String, u32)>,
    /// How many of the requested tokens changed anything (HF's return value).
    pub added: usize,
}

/// Give `requested` tokens ids on top of `current` ones, as HF does.
///
/// `model_size` is the size HF's model reports (its vocab entries), which
/// fixes where fresh ids start when no added token lies at or above it;
/// `vocab_entry` finds a content among the model's entries.
pub fn assign_ids(
    current: &[AddedToken],
    requested: Vec<AddedToken>,
    model_size: u32,
    vocab_entry: impl Fn(&str) -> Option<u32>,
) -> Assigned {
    let mut tokens: Vec<AddedToken> = current.to_vec();
    let mut by_content: FxHashMap<String, usize> = tokens
        .iter()
        .enumerate()
        .map(|(i, t)| (t.content.clone(), i))
        .collect();
    let top = tokens.iter().map(|t| t.id).max();
    let mut next = match top {
        Some(m) if m >= model_size || model_size == 0 => m + 1,
        _ => model_size,
    };
    let mut fresh = Vec::new();
    let mut added = 0;
    for mut t in requested {
        if t.content.is_empty() {
            continue;
        }
        if let Some(&i) = by_content.get(&t.content) {
            if tokens[i].same_as(&t) {
                continue;
            }
            // Re-adding with other flags keeps the id and takes the new flags.
            t.id = tokens[i].id;
            tokens[i] = t;
            added += 1;
            continue;
        }
        t.id = match vocab_entry(&t.content) {
            Some(id) => id,
            None => {
                next += 1;
                fresh.push((t.content.clone(), next - 1));
                next - 1
            }
        };
        by_content.insert(t.content.clone(), tokens.len());
        tokens.push(t);
        added += 1;
    }
    Assigned {
        tokens,
        fresh,
        added,
    }
}

/// HF's `model.token_to_id(content)` over our vocabulary: the mergeable token
/// whose byte-level spelling is `content`, or a special token named `content`.
pub fn vocab_entry(vocab: &Vocab, content: &str) -> Option<u32> {
    if vocab.byte_fallback() {
        return vocab
            .id_of(content.as_bytes())
            .or(vocab.special_id(content));
    }
    byte_level::decode_str(content)
        .and_then(|b| vocab.id_of(&b))
        .or(vocab.special_id(content))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(content: &str) -> AddedToken {
        AddedToken {
            special: false,
            normalized: true,
            ..AddedToken::special(content, 0)
        }
    }

    #[test]
    fn ids_follow_hf_add_tokens() {
        let vocab = |s: &str| (s == "ing").then_some(7);
        let first = assign_ids(&[], vec![plain("x"), plain("ing"), plain("x")], 10, vocab);
        let ids: Vec<u32> = first.tokens.iter().map(|t| t.id).collect();
        assert_eq!(ids, [10, 7]);
        assert_eq!(first.added, 2);
        assert_eq!(first.fresh, [("x".to_string(), 10)]);
        // Fresh ids go on after the largest added id once it passed the model.
        let more = assign_ids(&first.tokens, vec![plain("y"), plain("")], 10, vocab);
        assert_eq!(more.tokens.last().map(|t| t.id), Some(11));
        assert_eq!(more.added, 1);
        // The same content with other flags keeps its id.
        let again = assign_ids(
            &more.tokens,
            vec![AddedToken {
                lstrip: true,
                ..plain("x")
            }],
            10,
            vocab,
        );
        assert_eq!(again.added, 1);
        assert!(again.tokens[0].lstrip && again.tokens[0].id == 10);
        assert!(again.fresh.is_empty());
    }
}
