//! Data-mixture inference: `_core.mixture_replay` and `_core.MixtureReplay`
//! (the replay arrays and the separation sweep). The LP is in Python.

use crate::counts::PyCounts;
use crate::errors::{CoreError, CoreResult};
use crate::pools::thread_pool;
use crate::tokenizer::PyTokenizer;
use bytepair::mixture::{replay, separate, Replay, Slacks};
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// A merge list replayed on each category's counts.
#[pyclass(name = "MixtureReplay", module = "bytepair._core", frozen)]
pub struct PyReplay {
    inner: Replay,
}

/// Replay the tokenizer's first `num_merges` merges (all for None) on each
/// category's counts, one category per thread.
#[pyfunction]
#[pyo3(signature = (*, tokenizer, counts, num_merges, num_threads))]
pub fn mixture_replay(
    py: Python<'_>,
    tokenizer: PyRef<'_, PyTokenizer>,
    counts: Vec<PyRef<'_, PyCounts>>,
    num_merges: Option<usize>,
    num_threads: Option<usize>,
) -> CoreResult<PyReplay> {
    let pool = thread_pool(num_threads)?;
    let counts: Vec<&bytepair::train::count::Counts> = counts.iter().map(|c| &c.inner).collect();
    let tok = &tokenizer.inner;
    let inner = py
        .detach(|| pool.install(|| replay(tok, &counts, num_merges)))
        .map_err(CoreError)?;
    Ok(PyReplay { inner })
}

#[pymethods]
impl PyReplay {
    #[getter]
    fn num_steps(&self) -> usize {
        self.inner.num_steps()
    }

    #[getter]
    fn num_pairs(&self) -> usize {
        self.inner.pairs.len()
    }

    #[getter]
    fn num_categories(&self) -> usize {
        self.inner.categories.len()
    }

    /// Pair id -> (left, right) token ids.
    fn pairs(&self) -> Vec<(u32, u32)> {
        self.inner.pairs.clone()
    }

    /// Step -> its merge's pair id.
    fn merge_pairs(&self) -> Vec<u32> {
        self.inner.merge_pairs.clone()
    }

    /// Steps whose merge occurs in no category.
    fn missing_everywhere(&self) -> Vec<u32> {
        self.inner.missing_everywhere()
    }

    /// Per category: pairs before the first merge and the text's bytes.
    fn totals(&self) -> Vec<(u64, u64)> {
        self.inner
            .categories
            .iter()
            .map(|c| (c.pair_total, c.bytes))
            .collect()
    }

    /// One category's arrays (numpy): initial_pairs, initial_counts,
    /// step_starts, delta_pairs, deltas, merge_counts.
    #[pyo3(signature = (*, index))]
    fn category<'py>(&self, py: Python<'py>, index: usize) -> PyResult<Bound<'py, PyDict>> {
        let c = self.inner.categories.get(index).ok_or_else(|| {
            pyo3::exceptions::PyIndexError::new_err(format!(
                "category {index} of {}",
                self.inner.categories.len()
            ))
        })?;
        let d = PyDict::new(py);
        d.set_item("initial_pairs", PyArray1::from_slice(py, &c.initial_pairs))?;
        d.set_item(
            "initial_counts",
            PyArray1::from_slice(py, &c.initial_counts),
        )?;
        d.set_item("step_starts", PyArray1::from_slice(py, &c.step_starts))?;
        d.set_item("delta_pairs", PyArray1::from_slice(py, &c.delta_pairs))?;
        d.set_item("deltas", PyArray1::from_slice(py, &c.deltas))?;
        d.set_item("merge_counts", PyArray1::from_slice(py, &c.merge_counts))?;
        Ok(d)
    }

    /// One separation sweep: the violated rows as (steps, pair ids,
    /// coefficients row by row, flat).
    #[pyo3(signature = (*, weights, step_slack, pair_slack, per_step, max_rows, tol, skip))]
    #[allow(clippy::too_many_arguments)]
    fn separate(
        &self,
        py: Python<'_>,
        weights: Vec<f64>,
        step_slack: Vec<f64>,
        pair_slack: Vec<(u32, f64)>,
        per_step: usize,
        max_rows: Option<usize>,
        tol: f64,
        skip: Vec<u32>,
    ) -> CoreResult<(Vec<u32>, Vec<u32>, Vec<f64>)> {
        let slacks = Slacks {
            steps: &step_slack,
            pairs: &pair_slack,
        };
        let rows = py
            .detach(|| {
                separate(
                    &self.inner,
                    &weights,
                    &slacks,
                    per_step,
                    max_rows,
                    tol,
                    &skip,
                )
            })
            .map_err(CoreError)?;
        let steps = rows.iter().map(|r| r.step).collect();
        let pairs = rows.iter().map(|r| r.pair).collect();
        let coefficients = rows.into_iter().flat_map(|r| r.coefficients).collect();
        Ok((steps, pairs, coefficients))
    }
}
