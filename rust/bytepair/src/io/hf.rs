//! Export to HF `tokenizer.json` (a BPE model with the byte-level alphabet).

use crate::byte_level;
use crate::error::{Error, Result};
use crate::pretok::{PatternName, PatternSpec};
use crate::vocab::Vocab;
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
        PatternSpec::Named(n) => split(n.hf_regex()),
        PatternSpec::Custom(r) => split(r),
    }
}

/// The whole `tokenizer.json` document.
pub fn to_json(vocab: &Vocab, pattern: &PatternSpec) -> Result<String> {
    let mut model_vocab = Map::new();
    for (id, t) in vocab.tokens().iter().enumerate() {
        model_vocab.insert(byte_level::encode_str(t), json!(id));
    }
    let mut added = Vec::new();
    for (s, id) in vocab.specials() {
        model_vocab.insert(s.clone(), json!(id));
        added.push(
            json!({"id": id, "content": s, "single_word": false, "lstrip": false,
                          "rstrip": false, "normalized": false, "special": true}),
        );
    }
    let spell = |id: u32| byte_level::encode_str(&vocab.tokens()[id as usize]);
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
        "normalizer": null,
        "pre_tokenizer": pre_tokenizer(pattern),
        "post_processor": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
        "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
        "model": {
            "type": "BPE", "dropout": null, "unk_token": null,
            "continuing_subword_prefix": null, "end_of_word_suffix": null,
            "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
            "vocab": model_vocab, "merges": merges,
        },
    });
    serde_json::to_string_pretty(&doc)
        .map_err(|e| Error::bad_format("tokenizer.json", e.to_string()))
}
