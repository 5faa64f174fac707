//! Python values in, Python values out: special-token sets, corpora, ids as
//! lists, reports as dicts.

use crate::errors::{type_name, wrong_type, CoreError};
use bytepair::train::count::{FileSlice, Pruned};
use bytepair::train::Report;
use bytepair::Specials;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyList};
use std::path::PathBuf;
use std::sync::OnceLock;

/// A special-token set from Python: "all", or a collection of texts.
pub enum SpecialSet {
    All,
    None,
    Only(Vec<String>),
}

impl SpecialSet {
    pub fn extract(arg: &Bound<'_, PyAny>) -> PyResult<Self> {
        if let Ok(s) = arg.extract::<&str>() {
            if s == "all" {
                return Ok(SpecialSet::All);
            }
            return Err(CoreError(bytepair::Error::config(format!(
                "a special-token set must be \"all\" or a collection of str, not {s:?}"
            )))
            .into());
        }
        let v: Vec<String> = arg.extract()?;
        Ok(if v.is_empty() {
            SpecialSet::None
        } else {
            SpecialSet::Only(v)
        })
    }

    pub fn as_core(&self) -> Specials<'_> {
        match self {
            SpecialSet::All => Specials::All,
            SpecialSet::None => Specials::None,
            SpecialSet::Only(v) => Specials::Only(v),
        }
    }
}

/// A file to count: a path, or `(path, start, end)` for the lines that
/// start at a byte offset in `start..end` (a shard of a large file).
#[derive(FromPyObject)]
pub enum FileArg {
    Range(PathBuf, u64, u64),
    Whole(PathBuf),
}

impl FileArg {
    pub fn into_slice(self) -> FileSlice {
        match self {
            FileArg::Range(path, start, end) => FileSlice { path, start, end },
            FileArg::Whole(path) => FileSlice::whole(&path),
        }
    }
}

/// Text to count: files (each line a sequence), or a Python iterable of
/// str (each item a sequence).
pub enum TextInput<'py> {
    Files(Vec<FileSlice>),
    Texts(Bound<'py, PyAny>),
}

impl<'py> TextInput<'py> {
    /// From the `files=` / `texts=` arguments, of which at most one may be
    /// given; `None` if neither is (counts may be given instead).
    pub fn from_args(
        files: Option<Vec<FileArg>>,
        texts: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Option<Self>> {
        match (files, texts) {
            (Some(_), Some(_)) => Err(wrong_type("give files= or texts=, not both")),
            (Some(f), None) => Ok(Some(TextInput::Files(
                f.into_iter().map(FileArg::into_slice).collect(),
            ))),
            (None, Some(t)) => Ok(Some(TextInput::Texts(t))),
            (None, None) => Ok(None),
        }
    }
}

/// Text buffered from a Python iterator before counting it without the GIL.
const ITER_BUFFER_BYTES: usize = 8 << 20;

/// Pull the items of a Python iterable as `T` (str or bytes, `what` names it
/// in the error) and hand them to `flush` in buffers of about
/// `ITER_BUFFER_BYTES`, the last one possibly shorter.
pub fn in_buffers<T>(
    corpus: &Bound<'_, PyAny>,
    what: &str,
    bar: &bytepair::progress::Progress,
    mut flush: impl FnMut(Vec<T>) -> PyResult<()>,
) -> PyResult<()>
where
    T: for<'a, 'py> FromPyObject<'a, 'py> + AsRef<[u8]>,
{
    let mut buffer: Vec<T> = Vec::new();
    let mut buffered = 0usize;
    for (i, item) in corpus.try_iter()?.enumerate() {
        let item = item?;
        let value: T = item.extract().map_err(|_| not_text(&item, i, what))?;
        let len = value.as_ref().len();
        buffered += len;
        bar.inc(len as u64);
        buffer.push(value);
        if buffered >= ITER_BUFFER_BYTES {
            flush(std::mem::take(&mut buffer))?;
            buffered = 0;
        }
    }
    flush(buffer)
}

/// Why corpus item `i` is not a `what`: a str holding a lone surrogate (no
/// UTF-8 exists for it; named with its byte offset), or another type.
fn not_text(item: &Bound<'_, PyAny>, i: usize, what: &str) -> PyErr {
    let surrogate_at = |item: &Bound<'_, PyAny>| -> Option<usize> {
        let bytes: Vec<u8> = item
            .call_method1("encode", ("utf-8", "surrogatepass"))
            .ok()?
            .extract()
            .ok()?;
        bytes.windows(2).position(|w| w[0] == 0xED && w[1] >= 0xA0)
    };
    let lone = if what == "str" {
        surrogate_at(item)
    } else {
        None
    };
    match lone {
        Some(offset) => CoreError(bytepair::Error::InvalidUtf8 {
            source_name: format!("corpus item {i} (a lone surrogate)"),
            offset: offset as u64,
        })
        .into(),
        None => wrong_type(format!(
            "corpus item {i} is {}, not {what}",
            type_name(item)
        )),
    }
}

/// Ctrl-C, noticed between blocks of a long core call.
pub fn check_signals() -> bytepair::Result<()> {
    Python::attach(|py| py.check_signals()).map_err(|_| bytepair::Error::Interrupted)
}

/// One Python int per id below `n`, made on first use: a result list built
/// from these costs an incref per id instead of an int allocation (a third
/// of the time of a whole `encode` call on 8 KB documents before this).
///
/// Performance notes: the incref is then the cost, as a cache miss on the
/// int object (about 100,000 of them, 3 MB for cl100k). Prefetching the
/// object 16 ids ahead overlaps those misses: on English 8 KB documents,
/// one thread, the list's cost over `encode_to_numpy` went from 20-35 to
/// 9-15 ns per id, and the whole `encode` from 75-80 to 92-100 MB/s.
#[derive(Default)]
pub struct IntCache(OnceLock<Vec<Py<PyInt>>>);

impl IntCache {
    pub fn list<'py>(
        &self,
        py: Python<'py>,
        n: usize,
        ids: &[u32],
    ) -> PyResult<Bound<'py, PyList>> {
        let cache = self
            .0
            .get_or_init(|| (0..n as u32).map(|i| PyInt::new(py, i).unbind()).collect());
        let len = ffi::Py_ssize_t::try_from(ids.len())
            .map_err(|_| wrong_type("too many ids for one list"))?;
        // SAFETY: a fresh list of `len` NULL slots; each slot gets exactly one
        // owned reference (`PyList_SetItem` steals it), and an early return
        // drops the list, which allows NULL slots.
        unsafe {
            let list = Bound::from_owned_ptr_or_err(py, ffi::PyList_New(len))?
                .cast_into_unchecked::<PyList>();
            for (i, &id) in ids.iter().enumerate() {
                if let Some(ahead) = ids.get(i + PREFETCH_AHEAD) {
                    if let Some(obj) = cache.get(*ahead as usize) {
                        prefetch(obj.as_ptr());
                    }
                }
                let item = match cache.get(id as usize) {
                    Some(obj) => {
                        let p = obj.as_ptr();
                        incref_shared(p);
                        p
                    }
                    None => PyInt::new(py, id).into_ptr(),
                };
                ffi::PyList_SetItem(list.as_ptr(), i as ffi::Py_ssize_t, item);
            }
            Ok(list)
        }
    }
}

/// How far ahead of the list being filled the int objects are prefetched.
const PREFETCH_AHEAD: usize = 16;

/// Ask the CPU to start loading the object at `p`.
#[inline(always)]
fn prefetch(p: *mut ffi::PyObject) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// `Py_INCREF` as extensions built for the 3.10 stable ABI compile it: an
/// add on the count at the head of the object (CPython keeps that working
/// for them, immortal objects included). pyo3's abi3 `Py_INCREF` is a call
/// into the interpreter instead, which was most of a list's cost.
///
/// SAFETY: `p` is a live object and the GIL is held.
#[inline]
unsafe fn incref_shared(p: *mut ffi::PyObject) {
    *(p as *mut ffi::Py_ssize_t) += 1;
}

pub fn pruned_dict<'py>(py: Python<'py>, p: &Pruned) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("prunes", p.prunes)?;
    d.set_item("distinct", p.distinct)?;
    d.set_item("occurrences", p.occurrences)?;
    d.set_item("max_threshold", p.max_threshold)?;
    d.set_item("threshold_sum", p.threshold_sum)?;
    Ok(d)
}

/// A training report as a dict (`bytepair.TrainReport` / `SuperBPEReport`
/// are built from it).
pub fn report_dict<'py>(py: Python<'py>, r: &Report) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("stop", r.stop.as_str())?;
    d.set_item("bytes", r.bytes)?;
    d.set_item("unique_words", r.unique_words)?;
    d.set_item("merges", r.merges)?;
    d.set_item("forced_skipped", &r.forced_skipped)?;
    d.set_item("pruned", pruned_dict(py, &r.pruned)?)?;
    d.set_item("count_seconds", r.count_seconds)?;
    d.set_item("seconds", r.seconds)?;
    if let Some(s) = &r.superbpe {
        d.set_item("stage1_merges", s.stage1_merges)?;
        d.set_item("stage2_merges", s.stage2_merges)?;
        d.set_item("rejected", s.rejected)?;
        d.set_item("stage2_pieces", s.pieces)?;
        d.set_item("stage2_symbols", s.symbols)?;
    }
    if let Some(p) = &r.parity {
        d.set_item("parity_chosen", p.chosen.clone())?;
        d.set_item("parity_measure", p.measure)?;
        d.set_item("parity_cost_before", p.cost_before.clone())?;
        d.set_item("parity_cost_after", p.cost_after.clone())?;
    }
    Ok(d)
}
