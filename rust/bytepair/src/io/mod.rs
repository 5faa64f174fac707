//! Reading and writing tokenizer files.
//!
//! The `load_*` functions turn a whole file into a ready [`Tokenizer`]; they are
//! what the Python bindings call and what the fuzz targets in `fuzz/` drive.

pub mod checkpoint;
pub mod counts;
pub mod hf;
pub mod native;
pub mod tiktoken;
pub mod token_files;

use crate::error::Result;
use crate::pretok::PatternSpec;
use crate::tokenizer::Tokenizer;

/// A tokenizer from an HF `tokenizer.json` document.
pub fn load_hf_json(text: &str, source: &str) -> Result<Tokenizer> {
    let imported = hf::from_json(text, source)?;
    Tokenizer::new(imported.vocab, imported.pattern)?
        .with_normalization(imported.normalization)
        .with_added_tokens(imported.added)?
        .with_template(imported.template)
}

/// A tokenizer from bytepair's own JSON format.
pub fn load_native_json(text: &str, source: &str) -> Result<Tokenizer> {
    let n = native::from_json(text, source)?;
    let t = Tokenizer::new(n.vocab, n.pattern)?
        .with_normalization(n.normalization)
        .with_curriculum(n.curriculum)
        .with_template(n.template)?;
    match n.added {
        Some(added) => t.with_added_tokens(added),
        None => Ok(t),
    }
}

/// A tokenizer from a tiktoken rank file, its pattern and special tokens.
pub fn load_tiktoken(
    data: &[u8],
    pattern: PatternSpec,
    specials: Vec<(String, u32)>,
    source: &str,
) -> Result<Tokenizer> {
    Tokenizer::new(tiktoken::vocab_from_file(data, source, specials)?, pattern)
}
