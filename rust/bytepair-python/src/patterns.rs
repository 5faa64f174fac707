//! Pre-tokenization and normalization facts for the Python layer: the
//! patterns' regex text lives in the core only, and Python asks for it here.

use crate::errors::CoreResult;
use bytepair::pretok::{PatternName, PatternSpec, Pretokenizer};
use bytepair::Normalization;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;

/// Pre-tokenize `text` with a pattern (a name, a regex, or None).
#[pyfunction]
#[pyo3(signature = (*, text, pattern))]
pub fn pretokenize(
    py: Python<'_>,
    text: PyBackedStr,
    pattern: Option<&str>,
) -> CoreResult<Vec<String>> {
    let pre = Pretokenizer::new(PatternSpec::from_option(pattern))?;
    let pieces = py.detach(|| {
        pre.pieces(&text)
            .map(|v| v.into_iter().map(str::to_string).collect())
    })?;
    Ok(pieces)
}

/// The regex text of a named pattern (tiktoken's form) and its HF form, or
/// None for a name that is not a pattern's.
#[pyfunction]
#[pyo3(signature = (*, name))]
pub fn pattern_regex(name: &str) -> Option<(&'static str, &'static str)> {
    PatternName::parse(name).map(|n| (n.regex(), n.hf_regex()))
}

/// The name of the normalization the API's two options ask for, or None;
/// an error for options that do not combine.
#[pyfunction]
#[pyo3(signature = (*, normalization, lowercase))]
pub fn normalization_name(
    normalization: Option<&str>,
    lowercase: bool,
) -> CoreResult<Option<&'static str>> {
    Ok(Normalization::from_options(normalization, lowercase)?.name())
}
