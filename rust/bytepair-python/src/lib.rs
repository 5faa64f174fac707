//! The thin Python layer over the `bytepair` core, in files by area. Each
//! function extracts its (keyword-only) arguments, releases the GIL, calls
//! the core once, and converts the result; the core decides everything, and
//! its errors become Python exceptions in `errors.rs` only.
//!
//! * `tokenizer.rs`: `_core.Tokenizer` (encode, decode, facts, export);
//! * `formats.rs`: loading tokenizer files and the bundled encodings;
//! * `train.rs`: `train`, `train_extend`, `train_superbpe`, `train_bytes`, `train_parity`;
//! * `counts.rs`: `_core.Counts`, `count` and the distributed steps;
//! * `checkpoint.rs`: `_core.Checkpoint` and the journal of a checkpointed run;
//! * `dynamic.rs`: batch-level dynamic merging;
//! * `mixture.rs`: data-mixture inference (the replay and its separation sweep);
//! * `patterns.rs`: pre-tokenization and the patterns' regex text;
//! * `convert.rs`: Python values in and out; `pools.rs`: thread pools.

mod bundled;
mod checkpoint;
mod convert;
mod counts;
mod dynamic;
mod errors;
mod formats;
mod mixture;
mod patterns;
mod pools;
mod tokenizer;
mod train;

use pyo3::prelude::*;

#[pymodule(gil_used = false)]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<tokenizer::PyTokenizer>()?;
    m.add_class::<counts::PyCounts>()?;
    m.add_class::<checkpoint::PyCheckpoint>()?;
    m.add_class::<mixture::PyReplay>()?;
    for f in [
        wrap_pyfunction!(formats::load_native_json, m)?,
        wrap_pyfunction!(formats::load_hf_json, m)?,
        wrap_pyfunction!(formats::load_tiktoken, m)?,
        wrap_pyfunction!(formats::load_bundled, m)?,
        wrap_pyfunction!(formats::rank_files, m)?,
        wrap_pyfunction!(formats::tokenizer_from_ranks, m)?,
        wrap_pyfunction!(formats::read_tiktoken_ranks, m)?,
        wrap_pyfunction!(train::train, m)?,
        wrap_pyfunction!(train::train_extend, m)?,
        wrap_pyfunction!(train::train_superbpe, m)?,
        wrap_pyfunction!(train::train_bytes, m)?,
        wrap_pyfunction!(train::train_parity, m)?,
        wrap_pyfunction!(checkpoint::read_checkpoint, m)?,
        wrap_pyfunction!(counts::count, m)?,
        wrap_pyfunction!(counts::count_parts, m)?,
        wrap_pyfunction!(counts::sum_count_bytes, m)?,
        wrap_pyfunction!(dynamic::dynamic_merge, m)?,
        wrap_pyfunction!(mixture::mixture_replay, m)?,
        wrap_pyfunction!(patterns::pretokenize, m)?,
        wrap_pyfunction!(patterns::pattern_regex, m)?,
        wrap_pyfunction!(patterns::normalization_name, m)?,
    ] {
        m.add_function(f)?;
    }
    errors::register(m)
}
