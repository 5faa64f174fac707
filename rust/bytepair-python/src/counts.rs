//! `_core.Counts` and counting: `count`, and the distributed map and reduce
//! steps `count_parts` and `sum_count_bytes`.

use crate::convert::{check_signals, in_buffers, pruned_dict, FileArg, TextInput};
use crate::errors::{wrong_type, CoreError, CoreResult};
use crate::pools::thread_pool;
use bytepair::io::counts as files;
use bytepair::pretok::{PatternSpec, Pretokenizer};
use bytepair::progress::Progress;
use bytepair::train::count::{count_slices_into, Counter, Counts, CountsMeta};
use bytepair::Normalization;
use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use pyo3::types::{PyBytes, PyDict, PyList};

/// Pre-token counts with what they were made with (`bytepair.Counts` wraps it).
#[pyclass(name = "Counts", module = "bytepair._core", frozen)]
pub struct PyCounts {
    pub inner: Counts,
}

/// Feed `input` to `counter`: files in one core call, a Python iterator in
/// buffers, each counted without the GIL.
pub fn feed(
    py: Python<'_>,
    input: TextInput<'_>,
    counter: &mut Counter,
    pool: &rayon::ThreadPool,
    progress: bool,
) -> PyResult<()> {
    match input {
        TextInput::Files(slices) => py
            .detach(|| {
                pool.install(|| count_slices_into(&slices, counter, progress, check_signals))
            })
            .map_err(CoreError)?,
        TextInput::Texts(texts) => {
            let bar = Progress::bytes(progress, None, "counting");
            in_buffers::<PyBackedStr>(&texts, "str", &bar, |buffer| {
                py.detach(|| pool.install(|| counter.add_texts(&buffer)))
                    .map_err(CoreError)?;
                Ok(())
            })?;
            bar.finish();
        }
    }
    Ok(())
}

/// How text is split for counting, from the API's options.
struct Split {
    pre: Pretokenizer,
    norm: Normalization,
}

impl Split {
    fn new(
        pattern: Option<&str>,
        normalization: Option<&str>,
        lowercase: bool,
        line_boundaries: bool,
    ) -> CoreResult<Self> {
        let norm = Normalization::from_options(normalization, lowercase)?;
        let pre = Pretokenizer::new(PatternSpec::from_option(pattern))?;
        let pre = if line_boundaries {
            pre.with_line_boundaries()
        } else {
            pre
        };
        Ok(Split { pre, norm })
    }

    /// Count `input` on `pool`.
    fn count(
        &self,
        py: Python<'_>,
        input: TextInput<'_>,
        pool: &rayon::ThreadPool,
        progress: bool,
        max_distinct: Option<usize>,
    ) -> PyResult<Counts> {
        let mut counter = pool.install(|| {
            Counter::new(&self.pre)
                .with_normalization(self.norm)
                .with_max_distinct(max_distinct)
        });
        feed(py, input, &mut counter, pool, progress)?;
        let mut counts = py.detach(|| pool.install(|| counter.finish_counts()));
        Ok(counts.pop().unwrap_or_default())
    }
}

fn text_input<'py>(
    files: Option<Vec<FileArg>>,
    texts: Option<Bound<'py, PyAny>>,
) -> PyResult<TextInput<'py>> {
    TextInput::from_args(files, texts)?.ok_or_else(|| wrong_type("give files= or texts="))
}

/// Count the pre-tokens of files or an iterator of str.
#[pyfunction]
#[pyo3(signature = (*, pattern, normalization, lowercase, line_boundaries, max_distinct,
    num_threads, progress, files=None, texts=None))]
#[allow(clippy::too_many_arguments)]
pub fn count(
    py: Python<'_>,
    pattern: Option<&str>,
    normalization: Option<&str>,
    lowercase: bool,
    line_boundaries: bool,
    max_distinct: Option<usize>,
    num_threads: Option<usize>,
    progress: bool,
    files: Option<Vec<FileArg>>,
    texts: Option<Bound<'_, PyAny>>,
) -> PyResult<PyCounts> {
    let split = Split::new(pattern, normalization, lowercase, line_boundaries)?;
    let pool = thread_pool(num_threads)?;
    let input = text_input(files, texts)?;
    let inner = split.count(py, input, &pool, progress, max_distinct)?;
    Ok(PyCounts { inner })
}

/// `count(...)` split into `parts` `.bpcounts` byte strings by pre-token
/// hash (see `Counts.partition`), without a copy of the counts: a
/// distributed map task. Sorting and writing use the same threads.
#[pyfunction]
#[pyo3(signature = (*, pattern, normalization, lowercase, line_boundaries, parts, num_threads,
    files=None, texts=None))]
#[allow(clippy::too_many_arguments)]
pub fn count_parts<'py>(
    py: Python<'py>,
    pattern: Option<&str>,
    normalization: Option<&str>,
    lowercase: bool,
    line_boundaries: bool,
    parts: usize,
    num_threads: Option<usize>,
    files: Option<Vec<FileArg>>,
    texts: Option<Bound<'py, PyAny>>,
) -> PyResult<Vec<Bound<'py, PyBytes>>> {
    let split = Split::new(pattern, normalization, lowercase, line_boundaries)?;
    let pool = thread_pool(num_threads)?;
    let input = text_input(files, texts)?;
    let counted = split.count(py, input, &pool, false, None)?;
    let blobs = py
        .detach(|| pool.install(|| files::write_parts(&counted, parts)))
        .map_err(CoreError)?;
    Ok(blobs.iter().map(|b| PyBytes::new(py, b)).collect())
}

/// The sum of `.bpcounts` byte strings, written as one without copying a
/// pre-token (a distributed reducer's whole job). Pre-tokens counted fewer
/// than `min_count` times are left out; returns the bytes and the
/// (distinct, occurrences) left out.
#[pyfunction]
#[pyo3(signature = (*, blobs, min_count))]
pub fn sum_count_bytes<'py>(
    py: Python<'py>,
    blobs: Vec<PyBackedBytes>,
    min_count: u64,
) -> CoreResult<(Bound<'py, PyBytes>, u64, u64)> {
    let (data, cut) = py.detach(|| {
        let blobs: Vec<&[u8]> = blobs.iter().map(|b| b.as_ref()).collect();
        files::sum_files_to_bytes(&blobs, min_count)
    })?;
    Ok((PyBytes::new(py, &data), cut.0, cut.1))
}

#[pymethods]
impl PyCounts {
    /// Counts from `(pre-token, count)` pairs; `normalization` is a name as
    /// `Counts.normalization` gives it.
    #[staticmethod]
    #[pyo3(signature = (*, items, pattern, normalization, total_bytes, line_boundaries))]
    fn from_items(
        items: Vec<(Vec<u8>, u64)>,
        pattern: Option<&str>,
        normalization: Option<&str>,
        total_bytes: u64,
        line_boundaries: bool,
    ) -> CoreResult<Self> {
        let meta = CountsMeta {
            total_bytes,
            ..CountsMeta::new(
                &PatternSpec::from_option(pattern),
                Normalization::parse(normalization)?,
                line_boundaries,
            )
        };
        let inner = Counts::from_pairs(items.iter().map(|(w, c)| (w.as_slice(), *c)), meta)?;
        Ok(PyCounts { inner })
    }

    /// Read the `.bpcounts` format (see `bytepair::io::counts`).
    #[staticmethod]
    #[pyo3(signature = (*, data, source))]
    fn from_bytes(py: Python<'_>, data: &[u8], source: &str) -> CoreResult<Self> {
        let inner = py.detach(|| files::read_counts(data, source))?;
        Ok(PyCounts { inner })
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let data = py.detach(|| files::to_bytes(&self.inner));
        PyBytes::new(py, &data)
    }

    /// The sum of `.bpcounts` byte strings made the same way. With
    /// `min_count`, pre-tokens counted fewer times are dropped from the sum,
    /// and `dropped` (distinct, occurrences) cut the same way elsewhere (by
    /// distributed reducers) is added to what `pruned` reports.
    #[staticmethod]
    #[pyo3(signature = (*, blobs, min_count, dropped))]
    fn sum_bytes(
        py: Python<'_>,
        blobs: Vec<PyBackedBytes>,
        min_count: u64,
        dropped: (u64, u64),
    ) -> CoreResult<Self> {
        let inner = py.detach(|| {
            let blobs: Vec<&[u8]> = blobs.iter().map(|b| b.as_ref()).collect();
            files::sum_files(&blobs, min_count, dropped)
        })?;
        Ok(PyCounts { inner })
    }

    /// The sum of counts made the same way.
    #[staticmethod]
    #[pyo3(signature = (*, parts))]
    fn sum(py: Python<'_>, parts: Vec<PyRef<'_, PyCounts>>) -> CoreResult<Self> {
        let parts: Vec<&Counts> = parts.iter().map(|p| &p.inner).collect();
        let inner = py.detach(|| Counts::sum(&parts))?;
        Ok(PyCounts { inner })
    }

    /// `parts` disjoint counts, split by a hash of each pre-token that is the
    /// same on every machine; `total_bytes` goes with the first.
    #[pyo3(signature = (*, parts))]
    fn partition(&self, py: Python<'_>, parts: usize) -> CoreResult<Vec<PyCounts>> {
        let split = py.detach(|| self.inner.partition(parts))?;
        Ok(split.into_iter().map(|inner| PyCounts { inner }).collect())
    }

    fn __len__(&self) -> usize {
        self.inner.words.len()
    }

    #[pyo3(signature = (*, word))]
    fn get(&self, word: &[u8]) -> u64 {
        self.inner.words.get(word)
    }

    /// `(pre-token bytes, count)` for the `n` most frequent (all if None),
    /// most frequent first, ties by bytes.
    #[pyo3(signature = (*, n))]
    fn most_common<'py>(&self, py: Python<'py>, n: Option<usize>) -> PyResult<Bound<'py, PyList>> {
        let v = py.detach(|| self.inner.most_common(n));
        let items = v
            .iter()
            .map(|(w, c)| (PyBytes::new(py, w), *c))
            .collect::<Vec<_>>();
        PyList::new(py, items)
    }

    #[getter]
    fn pattern(&self) -> Option<&str> {
        self.inner.meta.pattern.as_deref()
    }

    #[getter]
    fn normalization(&self) -> Option<&str> {
        self.inner.meta.normalization.as_deref()
    }

    /// The API's (normalization, lowercase) options that made these counts.
    #[getter]
    fn normalization_options(&self) -> CoreResult<(Option<&'static str>, bool)> {
        Ok(self.inner.meta.normalization()?.options())
    }

    #[getter]
    fn total_bytes(&self) -> u64 {
        self.inner.meta.total_bytes
    }

    #[getter]
    fn line_boundaries(&self) -> bool {
        self.inner.meta.line_boundaries
    }

    #[getter]
    fn pruned<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        pruned_dict(py, &self.inner.pruned)
    }
}
