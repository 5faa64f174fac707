//! Tokenizer files in: the native format, HF `tokenizer.json`, tiktoken rank
//! files (and their `{bytes: rank}` form), and the rank files bundled at
//! build time. (Writing them is a method of `_core.Tokenizer`.)

use crate::bundled;
use crate::errors::CoreResult;
use crate::tokenizer::PyTokenizer;
use bytepair::pretok::PatternSpec;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyBytes, PyDict};

/// A tokenizer from bytepair's own JSON format.
#[pyfunction]
#[pyo3(signature = (*, text, source))]
pub fn load_native_json(
    py: Python<'_>,
    text: PyBackedStr,
    source: &str,
) -> CoreResult<PyTokenizer> {
    let inner = py.detach(|| bytepair::io::load_native_json(&text, source))?;
    Ok(PyTokenizer::wrap(inner))
}

/// A tokenizer from an HF `tokenizer.json` document.
#[pyfunction]
#[pyo3(signature = (*, text, source))]
pub fn load_hf_json(py: Python<'_>, text: PyBackedStr, source: &str) -> CoreResult<PyTokenizer> {
    let inner = py.detach(|| bytepair::io::load_hf_json(&text, source))?;
    Ok(PyTokenizer::wrap(inner))
}

/// A tiktoken-style tokenizer from a rank file's contents; `pattern` is a
/// name or a regex (a known regex gets its built-in splitter).
#[pyfunction]
#[pyo3(signature = (*, data, pattern, special_tokens, source))]
pub fn load_tiktoken(
    py: Python<'_>,
    data: &[u8],
    pattern: Option<&str>,
    special_tokens: Vec<(String, u32)>,
    source: &str,
) -> CoreResult<PyTokenizer> {
    let spec = PatternSpec::from_option(pattern);
    let inner = py.detach(|| bytepair::io::load_tiktoken(data, spec, special_tokens, source))?;
    Ok(PyTokenizer::wrap(inner))
}

/// One of OpenAI's encodings from the rank file bundled at build time
/// (`rank_file` names it), or None when this build has not got it.
#[pyfunction]
#[pyo3(signature = (*, rank_file, pattern, special_tokens))]
pub fn load_bundled(
    py: Python<'_>,
    rank_file: &str,
    pattern: &str,
    special_tokens: Vec<(String, u32)>,
) -> CoreResult<Option<PyTokenizer>> {
    let Some(data) = bundled::rank_file(rank_file) else {
        return Ok(None);
    };
    load_tiktoken(py, data, Some(pattern), special_tokens, rank_file).map(Some)
}

/// OpenAI's rank files: (name, sha256 of the file, bundled in this build).
#[pyfunction]
pub fn rank_files() -> Vec<(&'static str, &'static str, bool)> {
    bundled::RANK_FILES
        .iter()
        .map(|&(name, sha)| (name, sha, bundled::rank_file(name).is_some()))
        .collect()
}

/// A tiktoken-style tokenizer from `{bytes: rank}` (or (bytes, rank) pairs).
#[pyfunction]
#[pyo3(signature = (*, ranks, pattern, special_tokens))]
pub fn tokenizer_from_ranks(
    py: Python<'_>,
    ranks: &Bound<'_, PyAny>,
    pattern: Option<&str>,
    special_tokens: Vec<(String, u32)>,
) -> PyResult<PyTokenizer> {
    let entries: Vec<(Vec<u8>, u32)> = if let Ok(d) = ranks.cast::<PyDict>() {
        let mut v = Vec::with_capacity(d.len());
        for (k, r) in d.iter() {
            v.push((k.extract::<Vec<u8>>()?, r.extract::<u32>()?));
        }
        v
    } else {
        ranks.extract()?
    };
    let spec = PatternSpec::from_option(pattern);
    let inner = py.detach(|| {
        let vocab = bytepair::Vocab::from_ranks(entries, special_tokens)?;
        bytepair::Tokenizer::new(vocab, spec)
    });
    Ok(PyTokenizer::wrap(inner.map_err(crate::errors::CoreError)?))
}

/// Parse a rank file into `{bytes: rank}`, checking every line.
#[pyfunction]
#[pyo3(signature = (*, data, source))]
pub fn read_tiktoken_ranks<'py>(
    py: Python<'py>,
    data: &[u8],
    source: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let entries = py.detach(|| bytepair::io::tiktoken::read_ranks(data, source));
    let d = PyDict::new(py);
    for (t, r) in entries.map_err(crate::errors::CoreError)? {
        d.set_item(PyBytes::new(py, &t), r)?;
    }
    Ok(d)
}
