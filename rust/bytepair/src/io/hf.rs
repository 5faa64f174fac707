//! HF `tokenizer.json`: export, and import of byte-level BPE models.
//!
//! Import covers what byte-level BPE files use: a `ByteLevel` pre-tokenizer
//! (GPT-2's regex) or `Sequence[Split(regex, Isolated), ByteLevel]`, merges as
//! `"a b"` strings or `["a", "b"]` pairs, `ignore_merges`, added tokens with
//! their ids, and `NFC`/`NFKC` normalizers. Anything else (Metaspace models,
//! other normalizers) is refused with a message naming it, never half-read.

use crate::added::{self, AddedToken};
use crate::byte_level;
use crate::encode::template::Template;
use crate::error::{Error, Result};
use crate::normalize::Normalization;
use crate::pretok::{PatternName, PatternSpec};
use crate::vocab::{MergeRule, Vocab};
use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::{json, Map, Value};

fn byte_level(use_regex: bool) -> Value {
    json!({"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": use_regex})
}

/// The HF pre-tokenizer that cuts text as `pattern` does.
pub fn pre_tokenizer(pattern: &PatternSpec) -> Value {
    let split = |regex: &str| {
        json!({"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": regex}, "behavior": "Isolated", "invert": false},
            byte_level(false),
        ]})
    };
    match pattern {
        PatternSpec::None => byte_level(false),
        // HF's ByteLevel with use_regex runs exactly the GPT-2 pattern.
        PatternSpec::Named(PatternName::Gpt2) => byte_level(true),
        // SuperBPE's paper-era pipeline, as its tokenizer.json files spell it.
        PatternSpec::Named(PatternName::SuperbpeDigits) => {
            json!({"type": "Sequence", "pretokenizers": [
                {"type": "Digits", "individual_digits": false},
                {"type": "Split", "pattern": {"Regex": PatternName::SuperbpeDigits.regex()},
                 "behavior": "Isolated", "invert": false},
                byte_level(false),
            ]})
        }
        PatternSpec::Named(n) => split(n.hf_regex()),
        PatternSpec::Custom(r) => split(r),
    }
}

/// The whole `tokenizer.json` document.
pub fn to_json(
    vocab: &Vocab,
    pattern: &PatternSpec,
    norm: Normalization,
    template: &Template,
    added: &[AddedToken],
) -> Result<String> {
    if vocab.byte_fallback() {
        return Err(Error::config(
            "exporting a SentencePiece-style (byte-fallback) vocabulary is not supported yet",
        ));
    }
    let mut model_vocab = Map::new();
    for (id, t) in vocab.tokens().iter().enumerate() {
        if !t.is_empty() {
            model_vocab.insert(byte_level::encode_str(t), json!(id));
        }
    }
    // Text ids are in the model's vocab too, so HF's load gives them these ids.
    for (s, id) in vocab.specials() {
        model_vocab.insert(s.clone(), json!(id));
    }
    let mut sorted: Vec<&AddedToken> = added.iter().collect();
    sorted.sort_by_key(|t| t.id);
    let added: Vec<Value> = sorted
        .into_iter()
        .map(|t| {
            json!({"id": t.id, "content": t.content, "single_word": t.single_word,
                   "lstrip": t.lstrip, "rstrip": t.rstrip, "normalized": t.normalized,
                   "special": t.special})
        })
        .collect();
    let spell = |id: u32| byte_level::encode_str(&vocab.tokens()[id as usize]);
    if vocab.rule() == MergeRule::Ranked && vocab.tokens().iter().any(Vec::is_empty) {
        return Err(Error::config(
            "this vocabulary has unused ids between its tokens, which tokenizer.json cannot hold",
        ));
    }
    let merges: Vec<Value> = vocab
        .dedup_merges()
        .into_iter()
        .map(|(a, b)| json!([spell(a), spell(b)]))
        .collect();
    let doc = json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added,
        // (Metaspace has no name here; those vocabularies are refused above.)
        "normalizer": normalizer_json(norm),
        "pre_tokenizer": pre_tokenizer(pattern),
        "post_processor": post_processor(vocab, template),
        "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
        "model": {
            "type": "BPE", "dropout": null, "unk_token": null,
            "continuing_subword_prefix": null, "end_of_word_suffix": null,
            "fuse_unk": false, "byte_fallback": false,
            "ignore_merges": vocab.ignore_merges(),
            "vocab": model_vocab, "merges": merges,
        },
    });
    serde_json::to_string_pretty(&doc)
        .map_err(|e| Error::bad_format("tokenizer.json", e.to_string()))
}

fn post_processor(vocab: &Vocab, template: &Template) -> Value {
    let byte_level = json!({"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true});
    if template.is_empty() {
        return byte_level;
    }
    let text =
        |id: u32| String::from_utf8_lossy(vocab.token_bytes(id).unwrap_or_default()).into_owned();
    let special = |id: u32| json!({"SpecialToken": {"id": text(id), "type_id": 0}});
    let seq = |name: &str| json!({"Sequence": {"id": name, "type_id": 0}});
    let mut single: Vec<Value> = template.prefix.iter().map(|&i| special(i)).collect();
    single.push(seq("A"));
    single.extend(template.suffix.iter().map(|&i| special(i)));
    let mut pair = single.clone();
    pair.extend(template.prefix.iter().map(|&i| special(i)));
    pair.push(seq("B"));
    pair.extend(template.suffix.iter().map(|&i| special(i)));
    let mut specials = Map::new();
    for &id in template.prefix.iter().chain(&template.suffix) {
        specials.insert(
            text(id),
            json!({"id": text(id), "ids": [id], "tokens": [text(id)]}),
        );
    }
    json!({"type": "Sequence", "processors": [
        byte_level,
        {"type": "TemplateProcessing", "single": single, "pair": pair, "special_tokens": specials},
    ]})
}

/// The single-sequence template of a post-processor: ids before and after `$A`.
fn template_of(v: &Value, source: &str) -> Result<Template> {
    match v.get("type").and_then(Value::as_str) {
        Some("TemplateProcessing") => {}
        Some("Sequence") => {
            let mut found = Template::default();
            for p in v
                .get("processors")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                let t = template_of(p, source)?;
                if !t.is_empty() {
                    found = t;
                }
            }
            return Ok(found);
        }
        _ => return Ok(Template::default()),
    }
    let bad = |m: &str| Error::bad_format(format!("{source}: post_processor"), m.to_string());
    let specials = v.get("special_tokens").and_then(Value::as_object);
    let mut t = Template::default();
    let mut seen_sequence = false;
    for item in v
        .get("single")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no \"single\" template"))?
    {
        if item.get("Sequence").is_some() {
            seen_sequence = true;
            continue;
        }
        let name = item
            .get("SpecialToken")
            .and_then(|s| s.get("id"))
            .and_then(Value::as_str)
            .ok_or_else(|| bad("a template item is neither Sequence nor SpecialToken"))?;
        let ids = specials
            .and_then(|m| m.get(name))
            .and_then(|s| s.get("ids"))
            .and_then(Value::as_array)
            .ok_or_else(|| bad(&format!("{name:?} is not in special_tokens")))?;
        for id in ids {
            let id = id
                .as_u64()
                .and_then(|x| u32::try_from(x).ok())
                .ok_or_else(|| bad("a special token id is not an integer"))?;
            if seen_sequence {
                t.suffix.push(id);
            } else {
                t.prefix.push(id);
            }
        }
    }
    Ok(t)
}

/// A tokenizer read from `tokenizer.json`.
pub struct Imported {
    pub vocab: Vocab,
    pub pattern: PatternSpec,
    pub normalization: Normalization,
    pub template: Template,
    /// The added tokens, with the ids HF gives them.
    pub added: Vec<AddedToken>,
}

/// Whether `v` is SentencePiece's normalizer: `Prepend("▁")` then `Replace(" ", "▁")`.
fn is_sentencepiece_normalizer(v: &Value) -> bool {
    let Some(parts) = v.get("normalizers").and_then(Value::as_array) else {
        return false;
    };
    let [prepend, replace] = parts.as_slice() else {
        return false;
    };
    prepend.get("type").and_then(Value::as_str) == Some("Prepend")
        && prepend.get("prepend").and_then(Value::as_str) == Some("\u{2581}")
        && replace.get("type").and_then(Value::as_str) == Some("Replace")
        && replace.pointer("/pattern/String").and_then(Value::as_str) == Some(" ")
        && replace.get("content").and_then(Value::as_str) == Some("\u{2581}")
}

fn unsupported(source: &str, what: impl std::fmt::Display) -> Error {
    Error::bad_format(
        source,
        format!("{what} is not supported (bytepair reads byte-level BPE tokenizer.json files)"),
    )
}

/// HF's form of a normalization: one normalizer, or a Sequence for "A+B".
fn normalizer_json(norm: Normalization) -> Value {
    match norm.name() {
        None => Value::Null,
        Some(n) if n.contains('+') => {
            let parts: Vec<Value> = n.split('+').map(|p| json!({"type": p})).collect();
            json!({"type": "Sequence", "normalizers": parts})
        }
        Some(n) => json!({"type": n}),
    }
}

fn normalization(v: &Value, source: &str) -> Result<Normalization> {
    match v.get("type").and_then(Value::as_str) {
        None if v.is_null() => Ok(Normalization::None),
        Some("Sequence") => {
            let parts = v.get("normalizers").and_then(Value::as_array);
            match parts.map(Vec::as_slice) {
                Some([]) => Ok(Normalization::None),
                Some([one]) => normalization(one, source),
                Some([a, b])
                    if a.get("type").and_then(Value::as_str) == Some("NFKC")
                        && b.get("type").and_then(Value::as_str) == Some("Lowercase") =>
                {
                    Ok(Normalization::NfkcLowercase)
                }
                _ => Err(unsupported(source, "this sequence of normalizers")),
            }
        }
        other => other
            .and_then(Normalization::from_name)
            .ok_or_else(|| unsupported(source, format!("normalizer {other:?}"))),
    }
}

fn byte_level_flags(v: &Value, source: &str) -> Result<bool> {
    if v.get("add_prefix_space").and_then(Value::as_bool) == Some(true) {
        return Err(unsupported(source, "ByteLevel with add_prefix_space=true"));
    }
    Ok(v.get("use_regex").and_then(Value::as_bool).unwrap_or(true))
}

fn pre_tokenizer_spec(v: &Value, source: &str) -> Result<PatternSpec> {
    match v.get("type").and_then(Value::as_str) {
        Some("ByteLevel") => Ok(if byte_level_flags(v, source)? {
            PatternSpec::Named(PatternName::Gpt2)
        } else {
            PatternSpec::None
        }),
        Some("Sequence") => {
            let parts = v
                .get("pretokenizers")
                .and_then(Value::as_array)
                .ok_or_else(|| Error::bad_format(source, "Sequence without \"pretokenizers\""))?;
            // [Digits, Split(lookahead), ByteLevel]: SuperBPE's paper-era form.
            if let [digits, split, bl] = parts.as_slice() {
                let is_digits = digits.get("type").and_then(Value::as_str) == Some("Digits")
                    && digits.get("individual_digits").and_then(Value::as_bool) == Some(false);
                let regex = split
                    .get("pattern")
                    .and_then(|p| p.get("Regex"))
                    .and_then(Value::as_str);
                if is_digits
                    && regex == Some(PatternName::SuperbpeDigits.regex())
                    && split.get("behavior").and_then(Value::as_str) == Some("Isolated")
                    && bl.get("type").and_then(Value::as_str) == Some("ByteLevel")
                    && !byte_level_flags(bl, source)?
                {
                    return Ok(PatternSpec::Named(PatternName::SuperbpeDigits));
                }
            }
            let [split, bl] = parts.as_slice() else {
                return Err(unsupported(
                    source,
                    format!("a pre-tokenizer Sequence of {} steps", parts.len()),
                ));
            };
            if bl.get("type").and_then(Value::as_str) != Some("ByteLevel")
                || byte_level_flags(bl, source)?
            {
                return Err(unsupported(
                    source,
                    "a Sequence not ending in ByteLevel(use_regex=false)",
                ));
            }
            if split.get("type").and_then(Value::as_str) != Some("Split") {
                return Err(unsupported(source, "a Sequence not starting with Split"));
            }
            let behavior = split.get("behavior").and_then(Value::as_str);
            let invert = split
                .get("invert")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if behavior != Some("Isolated") || invert {
                return Err(unsupported(
                    source,
                    format!("Split with behavior {behavior:?}, invert {invert}"),
                ));
            }
            let pattern = split.get("pattern");
            if let Some(r) = pattern.and_then(|p| p.get("Regex")).and_then(Value::as_str) {
                Ok(PatternSpec::from_regex(r))
            } else if let Some(s) = pattern
                .and_then(|p| p.get("String"))
                .and_then(Value::as_str)
            {
                Ok(PatternSpec::Custom(regex_syntax::escape(s)))
            } else {
                Err(Error::bad_format(
                    source,
                    "Split without a Regex or String pattern",
                ))
            }
        }
        None if v.is_null() => Err(unsupported(
            source,
            "a model without a ByteLevel pre-tokenizer",
        )),
        other => Err(unsupported(source, format!("pre-tokenizer {other:?}"))),
    }
}

/// The merges as pairs of vocab strings, in rank order.
fn merge_names<'d>(model: &'d Value, source: &str) -> Result<Vec<(&'d str, &'d str)>> {
    let values = model
        .get("merges")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut out = Vec::with_capacity(values.len());
    for (i, m) in values.iter().enumerate() {
        let bad = |why: &str| Error::bad_format(format!("{source}: merges[{i}]"), why.to_string());
        out.push(match m {
            Value::String(s) => match s.split_once(' ') {
                Some((a, b)) if !b.contains(' ') => (a, b),
                _ => return Err(bad(&format!("{s:?} is not \"left right\""))),
            },
            Value::Array(pair) => match pair.as_slice() {
                [Value::String(a), Value::String(b)] => (a.as_str(), b.as_str()),
                _ => return Err(bad("is not a pair of strings")),
            },
            _ => return Err(bad("is neither \"left right\" nor [left, right]")),
        });
    }
    Ok(out)
}

/// The tokens the merges make, as bytes.
fn merge_results(
    merges: &[(&str, &str)],
    decode: &impl Fn(&str) -> Option<Vec<u8>>,
) -> FxHashSet<Vec<u8>> {
    merges
        .iter()
        .filter_map(|&(a, b)| Some([decode(a)?, decode(b)?].concat()))
        .collect()
}

/// The `added_tokens` list, flags defaulting as HF's `AddedToken` does.
fn added_tokens(doc: &Value, source: &str) -> Result<Vec<AddedToken>> {
    let list = doc
        .get("added_tokens")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut out = Vec::with_capacity(list.len());
    for (i, t) in list.iter().enumerate() {
        let content = t.get("content").and_then(Value::as_str);
        let id = t
            .get("id")
            .and_then(Value::as_u64)
            .and_then(|x| u32::try_from(x).ok());
        let (Some(content), Some(id)) = (content, id) else {
            return Err(Error::bad_format(
                format!("{source}: added_tokens[{i}]"),
                "needs \"content\" (str) and \"id\" (int)",
            ));
        };
        let flag =
            |name: &str, default: bool| t.get(name).and_then(Value::as_bool).unwrap_or(default);
        out.push(AddedToken {
            content: content.to_string(),
            id,
            special: flag("special", false),
            single_word: flag("single_word", false),
            lstrip: flag("lstrip", false),
            rstrip: flag("rstrip", false),
            normalized: flag("normalized", true),
        });
    }
    Ok(out)
}

/// Read a `tokenizer.json` document.
pub fn from_json(text: &str, source: &str) -> Result<Imported> {
    let doc: Value =
        serde_json::from_str(text).map_err(|e| Error::bad_format(source, e.to_string()))?;
    let model = doc
        .get("model")
        .ok_or_else(|| Error::bad_format(source, "no \"model\""))?;
    match model.get("type").and_then(Value::as_str) {
        Some("BPE") | None => {}
        Some(other) => return Err(unsupported(source, format!("model type {other:?}"))),
    }
    let byte_fallback = model.get("byte_fallback").and_then(Value::as_bool) == Some(true);
    let normalizer = doc.get("normalizer").unwrap_or(&Value::Null);
    let pre_tokenizer = doc.get("pre_tokenizer").unwrap_or(&Value::Null);
    if byte_fallback && !(is_sentencepiece_normalizer(normalizer) && pre_tokenizer.is_null()) {
        return Err(unsupported(
            source,
            "a byte_fallback model without the Prepend+Replace normalizer (e.g. a Metaspace pre-tokenizer)",
        ));
    }
    for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
        if let Some(s) = model.get(key).and_then(Value::as_str) {
            if !s.is_empty() {
                return Err(unsupported(source, format!("{key} {s:?}")));
            }
        }
    }
    let (normalization, pattern) = if byte_fallback {
        (Normalization::Metaspace, PatternSpec::None)
    } else {
        (
            normalization(normalizer, source)?,
            pre_tokenizer_spec(pre_tokenizer, source)?,
        )
    };
    let template = template_of(doc.get("post_processor").unwrap_or(&Value::Null), source)?;

    let vocab_map = model
        .get("vocab")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::bad_format(source, "model has no \"vocab\" object"))?;
    let mut id_of: FxHashMap<&str, u32> = FxHashMap::default();
    for (s, id) in vocab_map {
        let id = id
            .as_u64()
            .and_then(|x| u32::try_from(x).ok())
            .ok_or_else(|| {
                Error::bad_format(format!("{source}: vocab {s:?}"), "id is not an integer")
            })?;
        id_of.insert(s.as_str(), id);
    }
    let merge_names = merge_names(model, source)?;
    let requested = added_tokens(&doc, source)?;
    // HF ignores the listed ids and gives each added token one on load.
    let assigned = added::assign_ids(&[], requested, vocab_map.len() as u32, |c| {
        id_of.get(c).copied()
    });
    // A vocab entry that is also an added token stays a mergeable token when
    // the merges need it (HF allows "ing" as both); otherwise its id holds
    // the added token's text, as a special token's does.
    let needed: FxHashSet<&str> = merge_names.iter().flat_map(|&(a, b)| [a, b]).collect();
    let decode_entry = |s: &str| {
        if byte_fallback {
            Some(s.as_bytes().to_vec())
        } else {
            byte_level::decode_str(s)
        }
    };
    let results = std::cell::OnceCell::new();
    let mut text_ids: Vec<(String, u32)> = Vec::new();
    let mut as_text: FxHashSet<u32> = FxHashSet::default();
    for t in &assigned.tokens {
        let entry = id_of.get(t.content.as_str()).copied();
        let mergeable = entry == Some(t.id)
            && decode_entry(&t.content).is_some_and(|b| {
                b.len() == 1
                    || needed.contains(t.content.as_str())
                    || results
                        .get_or_init(|| merge_results(&merge_names, &decode_entry))
                        .contains(&b)
            });
        if !mergeable && as_text.insert(t.id) {
            let shown = if entry == Some(t.id) {
                t.content.clone()
            } else {
                t.shown(normalization)
            };
            text_ids.push((shown, t.id));
        }
    }

    let mut by_text: FxHashMap<&str, u32> = FxHashMap::default();
    let mut entries: Vec<(u32, Vec<u8>)> = Vec::with_capacity(vocab_map.len());
    for (s, &id) in &id_of {
        if as_text.contains(&id) {
            continue; // the id holds an added token's text
        }
        let bytes = decode_entry(s).ok_or_else(|| {
            unsupported(
                source,
                format!("vocab entry {s:?} (not in the byte-level alphabet)"),
            )
        })?;
        by_text.insert(s, id);
        entries.push((id, bytes));
    }
    entries.sort_unstable_by_key(|e| e.0);
    let mut tokens: Vec<Vec<u8>> = Vec::with_capacity(entries.len());
    for (id, bytes) in entries {
        // An id held by an added token leaves an unused slot among the tokens.
        while (tokens.len() as u32) < id && as_text.contains(&(tokens.len() as u32)) {
            tokens.push(Vec::new());
        }
        if id as usize != tokens.len() {
            return Err(Error::bad_format(
                format!("{source}: vocab"),
                format!(
                    "ids must run from 0 without gaps; id {} is missing or repeated",
                    tokens.len()
                ),
            ));
        }
        tokens.push(bytes);
    }
    let mut merges = Vec::with_capacity(merge_names.len());
    for (i, &(a, b)) in merge_names.iter().enumerate() {
        let id = |t: &str| {
            by_text.get(t).copied().ok_or_else(|| {
                Error::bad_format(
                    format!("{source}: merges[{i}]"),
                    format!("{t:?} is not in the vocab"),
                )
            })
        };
        merges.push((id(a)?, id(b)?));
    }
    let ignore_merges = model
        .get("ignore_merges")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let built = if byte_fallback {
        Vocab::with_byte_fallback(tokens, merges, text_ids)
    } else {
        Vocab::with_special_ids(tokens, merges, text_ids)
    };
    let vocab = built
        .map_err(|e| match e {
            Error::BadFormat { context, message } => {
                Error::bad_format(format!("{source}: {context}"), message)
            }
            other => other,
        })?
        .with_ignore_merges(ignore_merges);
    Ok(Imported {
        vocab,
        pattern,
        normalization,
        template,
        added: assigned.tokens,
    })
}
