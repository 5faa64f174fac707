//! The native format: one JSON document.
//!
//! ```json
//! {"format": "bytepair", "version": 1, "kind": "bpe",
//!  "pattern": {"name": "gpt2"} | {"regex": "..."} | null,
//!  "tokens": ["!", "\"", ...],          // id -> token, in the byte-level alphabet
//!  "merges": [[left_id, right_id], ...],  // in rank order
//!  "special_tokens": [["<|endoftext|>", 50256], ...],
//!  "merge_rule": "listed" | "ranked", "ignore_merges": false,    // version 2
//!  "normalization": "NFC" | "NFKC",                             // version 2, optional
//!  "template": [[prefix ids], [suffix ids]],                    // version 2, optional
//!  "superbpe": {"stage1_pattern": {...} | null, "transition": N}, // version 2, optional
//!  "added_tokens": [{"content": "<x>", "id": 5, "special": false, "single_word": false,
//!                    "lstrip": false, "rstrip": false, "normalized": true}, ...]} // version 2, optional
//! ```
//! A ranked (tiktoken) vocabulary stores no merges (they follow from the
//! tokens) and may have unused ids, written as `""`. Files that need those
//! fields are written as version 2 so an older reader refuses them instead of
//! reading them wrongly; everything else stays version 1. Readers refuse a
//! newer `version` with a message that says so.

use crate::added::AddedToken;
use crate::byte_level;
use crate::encode::template::Template;
use crate::error::{Error, Result};
use crate::normalize::Normalization;
use crate::pretok::{PatternName, PatternSpec};
use crate::tokenizer::Curriculum;
use crate::vocab::{MergeRule, Vocab};
use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "bytepair";
pub const VERSION: u32 = 2;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternJson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    regex: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct FileJson {
    format: String,
    version: u32,
    kind: String,
    pattern: Option<PatternJson>,
    tokens: Vec<String>,
    merges: Vec<(u32, u32)>,
    special_tokens: Vec<(String, u32)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    merge_rule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ignore_merges: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    normalization: Option<String>,
    /// Ids put before / after a text when special tokens are added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    template: Option<(Vec<u32>, Vec<u32>)>,
    /// How a SuperBPE vocabulary was trained (`pattern` is its stage-2 one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    superbpe: Option<SuperbpeJson>,
    /// Added tokens with HF's flags, when any is more than a plain special token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    added_tokens: Option<Vec<AddedToken>>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SuperbpeJson {
    stage1_pattern: Option<PatternJson>,
    transition: usize,
}

fn pattern_json(pattern: &PatternSpec) -> Option<PatternJson> {
    match pattern {
        PatternSpec::None => None,
        PatternSpec::Named(n) => Some(PatternJson {
            name: Some(n.as_str().to_string()),
            regex: None,
        }),
        PatternSpec::Custom(r) => Some(PatternJson {
            name: None,
            regex: Some(r.clone()),
        }),
    }
}

fn pattern_spec(json: Option<PatternJson>, source: &str) -> Result<PatternSpec> {
    Ok(match json {
        None => PatternSpec::None,
        Some(PatternJson {
            name: Some(n),
            regex: None,
        }) => PatternSpec::Named(
            PatternName::parse(&n)
                .ok_or_else(|| Error::bad_format(source, format!("unknown pattern name {n:?}")))?,
        ),
        Some(PatternJson {
            name: None,
            regex: Some(r),
        }) => PatternSpec::Custom(r),
        Some(_) => {
            return Err(Error::bad_format(
                source,
                "\"pattern\" needs exactly one of \"name\" or \"regex\"",
            ))
        }
    })
}

/// Serialize a vocabulary and its pattern.
pub fn to_json(
    vocab: &Vocab,
    pattern: &PatternSpec,
    norm: Normalization,
    template: &Template,
    curriculum: Option<&Curriculum>,
    added: &[AddedToken],
) -> Result<String> {
    let pattern = pattern_json(pattern);
    let flagged = added
        .iter()
        .any(|t| *t != AddedToken::special(t.content.clone(), t.id));
    if vocab.byte_fallback() {
        return Err(Error::config(
            "saving a SentencePiece-style (byte-fallback) vocabulary is not supported yet",
        ));
    }
    let ranked = vocab.rule() == MergeRule::Ranked;
    let plain = !ranked
        && !vocab.ignore_merges()
        && norm == Normalization::None
        && template.is_empty()
        && curriculum.is_none()
        && !flagged;
    let file = FileJson {
        format: FORMAT.into(),
        version: if plain { 1 } else { VERSION },
        kind: "bpe".into(),
        pattern,
        tokens: vocab
            .tokens()
            .iter()
            .map(|t| byte_level::encode_str(t))
            .collect(),
        merges: if ranked {
            Vec::new()
        } else {
            vocab.merges().to_vec()
        },
        special_tokens: vocab.specials().to_vec(),
        merge_rule: (!plain).then(|| if ranked { "ranked" } else { "listed" }.to_string()),
        ignore_merges: (!plain).then_some(vocab.ignore_merges()),
        // (Metaspace has no name; those vocabularies are refused above.)
        normalization: norm.name().map(str::to_string),
        template: (!template.is_empty())
            .then(|| (template.prefix.clone(), template.suffix.clone())),
        superbpe: curriculum.map(|c| SuperbpeJson {
            stage1_pattern: pattern_json(&c.stage1_pattern),
            transition: c.transition,
        }),
        added_tokens: flagged.then(|| added.to_vec()),
    };
    serde_json::to_string(&file).map_err(|e| Error::bad_format("native file", e.to_string()))
}

/// Parse a native file (already read into memory).
/// A parsed native file: the parts a [`crate::Tokenizer`] is built from.
pub struct Native {
    pub vocab: Vocab,
    pub pattern: PatternSpec,
    pub normalization: Normalization,
    pub template: Template,
    pub curriculum: Option<Curriculum>,
    /// Added tokens with flags; `None`: the special tokens, plain.
    pub added: Option<Vec<AddedToken>>,
}

pub fn from_json(text: &str, source: &str) -> Result<Native> {
    // Check the header first so a newer file gets a clear message, not a field error.
    let head: serde_json::Value =
        serde_json::from_str(text).map_err(|e| Error::bad_format(source, e.to_string()))?;
    match head.get("format").and_then(|v| v.as_str()) {
        Some(FORMAT) => {}
        _ => {
            return Err(Error::bad_format(
                source,
                "not a bytepair tokenizer file (no \"format\": \"bytepair\")",
            ))
        }
    }
    let version = head.get("version").and_then(serde_json::Value::as_u64);
    match version {
        Some(v) if (1..=u64::from(VERSION)).contains(&v) => {}
        Some(v) if v > u64::from(VERSION) => {
            return Err(Error::bad_format(
                source,
                format!("written by a newer bytepair (format version {v}); this version reads format {VERSION}; upgrade bytepair"),
            ))
        }
        _ => return Err(Error::bad_format(source, "missing or invalid \"version\"")),
    }
    let file: FileJson =
        serde_json::from_value(head).map_err(|e| Error::bad_format(source, e.to_string()))?;
    if file.kind != "bpe" {
        return Err(Error::bad_format(
            source,
            format!("unsupported kind {:?}", file.kind),
        ));
    }
    let pattern = pattern_spec(file.pattern, source)?;
    let curriculum = match file.superbpe {
        None => None,
        Some(c) => Some(Curriculum {
            stage1_pattern: pattern_spec(c.stage1_pattern, source)?,
            transition: c.transition,
        }),
    };
    let tokens = file
        .tokens
        .iter()
        .enumerate()
        .map(|(i, t)| {
            byte_level::decode_str(t).ok_or_else(|| {
                Error::bad_format(
                    format!("{source}: token {i}"),
                    format!("{t:?} has a character outside the byte-level alphabet"),
                )
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let vocab = match file.merge_rule.as_deref() {
        None | Some("listed") => Vocab::with_special_ids(tokens, file.merges, file.special_tokens),
        Some("ranked") => {
            let entries = tokens
                .into_iter()
                .enumerate()
                .filter(|(_, t)| !t.is_empty())
                .map(|(i, t)| (t, i as u32))
                .collect();
            Vocab::from_ranks(entries, file.special_tokens)
        }
        Some(other) => {
            return Err(Error::bad_format(
                source,
                format!("unknown merge_rule {other:?}"),
            ))
        }
    }
    .map_err(|e| prefix(e, source))?
    .with_ignore_merges(file.ignore_merges.unwrap_or(false));
    let norm = match file.normalization.as_deref() {
        None => Normalization::None,
        Some(name) => Normalization::from_name(name)
            .ok_or_else(|| Error::bad_format(source, format!("unknown normalization {name:?}")))?,
    };
    let template = file
        .template
        .map(|(prefix, suffix)| Template { prefix, suffix })
        .unwrap_or_default();
    Ok(Native {
        vocab,
        pattern,
        normalization: norm,
        template,
        curriculum,
        added: file.added_tokens,
    })
}

fn prefix(e: Error, source: &str) -> Error {
    match e {
        Error::BadFormat { context, message } => Error::BadFormat {
            context: format!("{source}: {context}"),
            message,
        },
        other => other,
    }
}
