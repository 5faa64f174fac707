//! `dynamic_merge`: batch-level dynamic merging (`bytepair.dynamic`).

use crate::errors::CoreResult;
use crate::tokenizer::PyTokenizer;
use bytepair::dynamic::{merge_tokenized, Boundary};

/// What `dynamic_merge` returns: the sequences in dense dynamic ids (in order
/// of first appearance), each dynamic token's bytes, base-id span (at its first
/// occurrence) and base id (-1 if merged), word ids, the merges as
/// (left bytes, right bytes, count), and total lengths after each merge.
type DynamicOut = (
    Vec<Vec<u32>>,
    Vec<Vec<u8>>,
    Vec<Vec<u32>>,
    Vec<i64>,
    Option<Vec<Vec<i64>>>,
    Vec<(Vec<u8>, Vec<u8>, u32)>,
    Vec<u64>,
);

/// Batch-level dynamic merging over base-token sequences.
#[pyo3::pyfunction]
#[pyo3(signature = (*, tokenizer, sequences, boundary, word_ids, max_merges, min_frequency))]
pub fn dynamic_merge(
    py: pyo3::Python<'_>,
    tokenizer: &PyTokenizer,
    sequences: Vec<Vec<u32>>,
    boundary: &str,
    word_ids: Option<Vec<Vec<i64>>>,
    max_merges: Option<usize>,
    min_frequency: u32,
) -> CoreResult<DynamicOut> {
    let boundary = Boundary::parse(boundary)?;
    let out = py.detach(|| {
        merge_tokenized(
            &tokenizer.inner,
            &sequences,
            boundary,
            word_ids,
            max_merges,
            min_frequency,
        )
    })?;
    let base_ids = out
        .base_ids
        .iter()
        .map(|b| b.map_or(-1, i64::from))
        .collect();
    Ok((
        out.sequences,
        out.token_bytes,
        out.token_spans,
        base_ids,
        out.word_ids,
        out.merges,
        out.lengths_after,
    ))
}
