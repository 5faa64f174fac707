//! The thin Python layer over the `bytepair` core: extract arguments, release
//! the GIL, call the core, convert the result. Policy (argument defaults, the
//! tiktoken-style special-token checks) lives in Python.

mod bundled;
mod errors;

use bytepair::pretok::{PatternSpec, Pretokenizer};
use bytepair::train::{self, count::Counter, merge::StopReason, TrainConfig};
use bytepair::{Specials, Tokenizer};
use errors::{
    BytepairError, CoreError, CoreResult, DisallowedSpecialError, FormatError, InvalidUtf8Error,
};
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use pyo3::types::{PyBytes, PyDict, PyInt, PyList};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

/// Text buffered from a Python iterator before counting it without the GIL.
const ITER_BUFFER_BYTES: usize = 8 << 20;

fn pattern_spec(pattern: Option<&str>) -> PatternSpec {
    match pattern {
        None => PatternSpec::None,
        Some(p) => PatternSpec::from_str_or_regex(p),
    }
}

/// Encoding pools by thread count, built once: a batch call should not pay for
/// spawning threads.
///
/// A forked child inherits the map but not the pools' threads, so work sent
/// to them would wait forever (the DataLoader hang HF and rayon users know).
/// The map is therefore tied to the process id: a child drops the parent's
/// pools without running their destructors (their threads are not there to
/// be told) and builds its own.
fn shared_pool(num_threads: Option<usize>) -> CoreResult<Arc<rayon::ThreadPool>> {
    type Pools = (u32, HashMap<usize, Arc<rayon::ThreadPool>>);
    static POOLS: Mutex<Option<Pools>> = Mutex::new(None);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // More threads than cores only adds switching; the result is the same.
    let n = num_threads.unwrap_or(cores).clamp(1, cores);
    let pid = std::process::id();
    let mut guard = POOLS.lock().unwrap_or_else(|p| p.into_inner());
    if guard.as_ref().is_some_and(|(owner, _)| *owner != pid) {
        std::mem::forget(guard.take());
    }
    let (_, pools) = guard.get_or_insert_with(|| (pid, HashMap::new()));
    if let Some(p) = pools.get(&n) {
        return Ok(p.clone());
    }
    let pool = Arc::new(thread_pool(Some(n))?);
    pools.insert(n, pool.clone());
    Ok(pool)
}

/// A special-token set from Python: "all", or a list of texts.
fn special_set(arg: &Bound<'_, PyAny>) -> PyResult<AllowedSpecials> {
    if let Ok(s) = arg.extract::<&str>() {
        if s == "all" {
            return Ok(AllowedSpecials::All);
        }
        return Err(BytepairError::new_err(format!(
            "a special-token set must be \"all\" or a collection of str, not {s:?}"
        )));
    }
    let v: Vec<String> = arg.extract()?;
    Ok(if v.is_empty() {
        AllowedSpecials::None
    } else {
        AllowedSpecials::Only(v)
    })
}

fn thread_pool(num_threads: Option<usize>) -> CoreResult<rayon::ThreadPool> {
    let n = match num_threads {
        Some(0) => {
            return Err(CoreError(bytepair::Error::config(
                "num_threads must be at least 1 (or None for all cores)",
            )))
        }
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .map_err(|e| CoreError(bytepair::Error::config(format!("thread pool: {e}"))))
}

enum AllowedSpecials {
    All,
    None,
    Only(Vec<String>),
}

impl AllowedSpecials {
    fn as_core(&self) -> Specials<'_> {
        match self {
            AllowedSpecials::All => Specials::All,
            AllowedSpecials::None => Specials::None,
            AllowedSpecials::Only(v) => Specials::Only(v),
        }
    }
}

/// Token ids of many texts in one array, and where each text starts.
type FlatIds<'py> = (Bound<'py, PyArray1<u32>>, Bound<'py, PyArray1<u64>>);

/// A trained or loaded tokenizer (immutable; safe to share between threads).
#[pyclass(name = "Tokenizer", module = "bytepair._core", frozen)]
struct PyTokenizer {
    inner: Tokenizer,
    /// One Python int per id, made on first use: building a result list from
    /// these costs an incref per id instead of an int allocation (a third of
    /// the time of a whole `encode` call on 8 KB documents before this).
    int_cache: OnceLock<Vec<Py<PyInt>>>,
}

impl PyTokenizer {
    fn wrap(inner: Tokenizer) -> Self {
        PyTokenizer {
            inner,
            int_cache: OnceLock::new(),
        }
    }

    fn ids_to_list<'py>(&self, py: Python<'py>, ids: &[u32]) -> PyResult<Bound<'py, PyList>> {
        // Mergeable ids only: a special token id can be anything a file says.
        let cache = self.int_cache.get_or_init(|| {
            (0..self.inner.vocab().tokens().len() as u32)
                .map(|i| PyInt::new(py, i).unbind())
                .collect()
        });
        PyList::new(
            py,
            ids.iter().map(|&i| match cache.get(i as usize) {
                Some(obj) => obj.bind(py).clone(),
                None => PyInt::new(py, i),
            }),
        )
    }

    fn checked(
        &self,
        py: Python<'_>,
        text: PyBackedStr,
        allowed: &Bound<'_, PyAny>,
        disallowed: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<u32>> {
        let allowed = special_set(allowed)?;
        let disallowed = special_set(disallowed)?;
        Ok(py
            .detach(|| {
                self.inner
                    .encode_checked(&text, &allowed.as_core(), &disallowed.as_core())
            })
            .map_err(CoreError)?)
    }

    fn checked_batch(
        &self,
        py: Python<'_>,
        texts: Vec<PyBackedStr>,
        allowed: &Bound<'_, PyAny>,
        disallowed: &Bound<'_, PyAny>,
        num_threads: Option<usize>,
    ) -> PyResult<Vec<Vec<u32>>> {
        use rayon::prelude::*;
        let allowed = special_set(allowed)?;
        let disallowed = special_set(disallowed)?;
        let (a, d) = (allowed.as_core(), disallowed.as_core());
        let pool = shared_pool(num_threads)?;
        Ok(py
            .detach(|| {
                pool.install(|| {
                    texts
                        .par_iter()
                        .map(|t| self.inner.encode_checked(t, &a, &d))
                        .collect::<bytepair::Result<Vec<_>>>()
                })
            })
            .map_err(CoreError)?)
    }

    fn lists<'py>(&self, py: Python<'py>, seqs: &[Vec<u32>]) -> PyResult<Bound<'py, PyList>> {
        let lists = seqs
            .iter()
            .map(|ids| self.ids_to_list(py, ids))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, lists)
    }
}

#[pymethods]
impl PyTokenizer {
    /// Encode `text`; `allowed_special` is "all" or a list of special tokens.
    fn encode<'py>(
        &self,
        py: Python<'py>,
        text: PyBackedStr,
        allowed_special: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let allowed = special_set(allowed_special)?;
        let ids = py
            .detach(|| self.inner.encode(&text, &allowed.as_core()))
            .map_err(CoreError)?;
        self.ids_to_list(py, &ids)
    }

    fn encode_ordinary<'py>(
        &self,
        py: Python<'py>,
        text: PyBackedStr,
    ) -> PyResult<Bound<'py, PyList>> {
        let ids = py
            .detach(|| self.inner.encode_ordinary(&text))
            .map_err(CoreError)?;
        self.ids_to_list(py, &ids)
    }

    fn encode_bytes<'py>(&self, py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyList>> {
        let ids = py
            .detach(|| self.inner.encode_bytes(data))
            .map_err(CoreError)?;
        self.ids_to_list(py, &ids)
    }

    #[pyo3(signature = (texts, allowed_special, num_threads=None))]
    fn encode_batch<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<PyBackedStr>,
        allowed_special: &Bound<'py, PyAny>,
        num_threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyList>> {
        let allowed = special_set(allowed_special)?;
        let seqs = py.detach(|| {
            let pool = shared_pool(num_threads)?;
            pool.install(|| self.inner.encode_batch(&texts, &allowed.as_core()))
                .map_err(CoreError)
        })?;
        self.lists(py, &seqs)
    }

    /// tiktoken's encode: fail on a `disallowed` special token anywhere in the
    /// text, turn `allowed` ones into ids. Each set is "all" or a list.
    fn encode_checked<'py>(
        &self,
        py: Python<'py>,
        text: PyBackedStr,
        allowed: &Bound<'py, PyAny>,
        disallowed: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let ids = self.checked(py, text, allowed, disallowed)?;
        self.ids_to_list(py, &ids)
    }

    #[pyo3(signature = (texts, allowed, disallowed, num_threads=None))]
    fn encode_checked_batch<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<PyBackedStr>,
        allowed: &Bound<'py, PyAny>,
        disallowed: &Bound<'py, PyAny>,
        num_threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyList>> {
        let seqs = self.checked_batch(py, texts, allowed, disallowed, num_threads)?;
        self.lists(py, &seqs)
    }

    /// Like `encode_checked`, as a uint32 numpy array.
    fn encode_checked_numpy<'py>(
        &self,
        py: Python<'py>,
        text: PyBackedStr,
        allowed: &Bound<'py, PyAny>,
        disallowed: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<u32>>> {
        let ids = self.checked(py, text, allowed, disallowed)?;
        Ok(PyArray1::from_vec(py, ids))
    }

    /// Encode many texts into one flat uint32 array plus offsets (len + 1).
    #[pyo3(signature = (texts, allowed, disallowed, num_threads=None))]
    fn encode_flat<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<PyBackedStr>,
        allowed: &Bound<'py, PyAny>,
        disallowed: &Bound<'py, PyAny>,
        num_threads: Option<usize>,
    ) -> PyResult<FlatIds<'py>> {
        let parts = self.checked_batch(py, texts, allowed, disallowed, num_threads)?;
        let (flat, offsets) = py.detach(|| {
            let total = parts.iter().map(Vec::len).sum();
            let mut flat = Vec::with_capacity(total);
            let mut offsets = Vec::with_capacity(parts.len() + 1);
            offsets.push(0u64);
            for p in &parts {
                flat.extend_from_slice(p);
                offsets.push(flat.len() as u64);
            }
            (flat, offsets)
        });
        Ok((
            PyArray1::from_vec(py, flat),
            PyArray1::from_vec(py, offsets),
        ))
    }

    /// The bytes of each id.
    fn decode_tokens_bytes<'py>(
        &self,
        py: Python<'py>,
        ids: Vec<u32>,
    ) -> CoreResult<Vec<Bound<'py, PyBytes>>> {
        let vocab = self.inner.vocab();
        ids.iter()
            .map(|&id| {
                vocab
                    .token_bytes(id)
                    .map(|b| PyBytes::new(py, b))
                    .ok_or(CoreError(bytepair::Error::UnknownId(u64::from(id))))
            })
            .collect()
    }

    /// All mergeable tokens' bytes, sorted (tiktoken's `token_byte_values`).
    fn sorted_token_bytes<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyBytes>> {
        let mut all: Vec<&[u8]> = self
            .inner
            .vocab()
            .tokens()
            .iter()
            .filter(|t| !t.is_empty())
            .map(Vec::as_slice)
            .collect();
        all.sort_unstable();
        all.into_iter().map(|b| PyBytes::new(py, b)).collect()
    }

    /// `{token bytes: id}` for every mergeable token.
    fn mergeable_ranks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (id, t) in self.inner.vocab().tokens().iter().enumerate() {
            if !t.is_empty() {
                d.set_item(PyBytes::new(py, t), id)?;
            }
        }
        Ok(d)
    }

    fn is_special(&self, id: u32) -> bool {
        self.inner.vocab().is_special(id)
    }

    /// "ranked" (tiktoken's rule) or "listed" (a merge list, HF's rule).
    #[getter]
    fn merge_rule(&self) -> &'static str {
        match self.inner.vocab().rule() {
            bytepair::vocab::MergeRule::Ranked => "ranked",
            bytepair::vocab::MergeRule::Listed => "listed",
        }
    }

    /// The vocabulary as a tiktoken rank file.
    fn to_tiktoken_text(&self) -> String {
        bytepair::io::tiktoken::write_ranks(self.inner.vocab())
    }

    /// A tiktoken-style tokenizer from `{bytes: rank}` (or (bytes, rank) pairs).
    #[staticmethod]
    fn from_ranks(
        py: Python<'_>,
        ranks: &Bound<'_, PyAny>,
        pattern: Option<&str>,
        special_tokens: Vec<(String, u32)>,
    ) -> PyResult<Self> {
        let entries: Vec<(Vec<u8>, u32)> = if let Ok(d) = ranks.cast::<PyDict>() {
            let mut v = Vec::with_capacity(d.len());
            for (k, r) in d.iter() {
                v.push((k.extract::<Vec<u8>>()?, r.extract::<u32>()?));
            }
            v
        } else {
            ranks.extract()?
        };
        let spec = pattern.map_or(PatternSpec::None, PatternSpec::from_regex);
        let inner = py
            .detach(|| {
                let vocab = bytepair::Vocab::from_ranks(entries, special_tokens)?;
                Tokenizer::new(vocab, spec)
            })
            .map_err(CoreError)?;
        Ok(PyTokenizer::wrap(inner))
    }

    /// A tiktoken-style tokenizer from a rank file's contents.
    #[staticmethod]
    #[pyo3(signature = (data, pattern, special_tokens, source="<rank file>"))]
    fn from_tiktoken_bytes(
        py: Python<'_>,
        data: &[u8],
        pattern: Option<&str>,
        special_tokens: Vec<(String, u32)>,
        source: &str,
    ) -> CoreResult<Self> {
        let spec = pattern.map_or(PatternSpec::None, PatternSpec::from_regex);
        let inner =
            py.detach(|| bytepair::io::load_tiktoken(data, spec, special_tokens, source))?;
        Ok(PyTokenizer::wrap(inner))
    }

    /// Encode whole files (each one document) into a .bin or .npy token file.
    /// Returns (number of ids, document offsets).
    #[pyo3(signature = (paths, out, dtype, eot=None, progress=true))]
    fn encode_files(
        &self,
        py: Python<'_>,
        paths: Vec<PathBuf>,
        out: PathBuf,
        dtype: &str,
        eot: Option<u32>,
        progress: bool,
    ) -> PyResult<(u64, Vec<u64>)> {
        use bytepair::io::token_files::{encode_files, Dtype};
        let dtype = match dtype {
            "uint16" => Dtype::U16,
            "uint32" => Dtype::U32,
            other => {
                return Err(BytepairError::new_err(format!(
                    "dtype must be \"uint16\" or \"uint32\", not {other:?}"
                )))
            }
        };
        let pool = shared_pool(None)?;
        let written = py
            .detach(|| {
                pool.install(|| encode_files(&self.inner, &paths, &out, dtype, eot, progress))
            })
            .map_err(CoreError)?;
        Ok((written.tokens, written.doc_offsets))
    }

    /// A tokenizer from an HF `tokenizer.json` document.
    #[staticmethod]
    #[pyo3(signature = (text, source="tokenizer.json"))]
    fn from_hf_json(py: Python<'_>, text: PyBackedStr, source: &str) -> CoreResult<Self> {
        let inner = py.detach(|| bytepair::io::load_hf_json(&text, source))?;
        Ok(PyTokenizer::wrap(inner))
    }

    /// One of OpenAI's encodings from the rank files bundled at build time.
    #[staticmethod]
    fn from_bundled(
        py: Python<'_>,
        name: &str,
        pattern: &str,
        special_tokens: Vec<(String, u32)>,
    ) -> CoreResult<Option<Self>> {
        let Some(data) = bundled::rank_file(name) else {
            return Ok(None);
        };
        Self::from_tiktoken_bytes(py, data, Some(pattern), special_tokens, name).map(Some)
    }

    /// Parse a rank file into (bytes, rank) pairs, checking every line.
    #[staticmethod]
    #[pyo3(signature = (data, source="<rank file>"))]
    fn read_tiktoken_ranks<'py>(
        py: Python<'py>,
        data: &[u8],
        source: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        let entries = py
            .detach(|| bytepair::io::tiktoken::read_ranks(data, source))
            .map_err(CoreError)?;
        let d = PyDict::new(py);
        for (t, r) in entries {
            d.set_item(PyBytes::new(py, &t), r)?;
        }
        Ok(d)
    }

    fn decode_bytes<'py>(&self, py: Python<'py>, ids: Vec<u32>) -> CoreResult<Bound<'py, PyBytes>> {
        let bytes = py.detach(|| self.inner.decode_bytes(&ids))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// The bytes of one token id (special tokens give their text).
    fn token_bytes<'py>(&self, py: Python<'py>, id: u32) -> CoreResult<Bound<'py, PyBytes>> {
        let b = self
            .inner
            .vocab()
            .token_bytes(id)
            .ok_or(bytepair::Error::UnknownId(u64::from(id)))?;
        Ok(PyBytes::new(py, b))
    }

    /// The id of a token given by its bytes, or None.
    fn token_id(&self, token: &[u8]) -> Option<u32> {
        self.inner.vocab().id_of(token)
    }

    #[getter]
    fn vocab_size(&self) -> usize {
        self.inner.vocab().size()
    }

    /// How many mergeable (non-special) tokens there are.
    #[getter]
    fn num_mergeable(&self) -> usize {
        self.inner.vocab().num_mergeable()
    }

    /// The largest mergeable token id.
    #[getter]
    fn max_mergeable_id(&self) -> usize {
        self.inner.vocab().tokens().len().saturating_sub(1)
    }

    /// BPE over one piece of bytes, with no pre-tokenization.
    fn encode_piece(&self, py: Python<'_>, piece: &[u8]) -> Vec<u32> {
        py.detach(|| self.inner.encode_piece(piece))
    }

    /// The merge list in rank order, as id pairs.
    fn merges(&self) -> Vec<(u32, u32)> {
        self.inner.vocab().merges().to_vec()
    }

    fn special_tokens(&self) -> Vec<(String, u32)> {
        self.inner.vocab().specials().to_vec()
    }

    /// The pattern: its name ("gpt2", "gpt4", "o200k"), a regex, or None.
    #[getter]
    fn pattern(&self) -> Option<String> {
        match self.inner.pattern() {
            PatternSpec::None => None,
            PatternSpec::Named(n) => Some(n.as_str().to_string()),
            PatternSpec::Custom(r) => Some(r.clone()),
        }
    }

    /// How a SuperBPE vocabulary was trained: (stage-1 pattern, transition).
    #[getter]
    fn curriculum(&self) -> Option<(Option<String>, usize)> {
        self.inner.curriculum().map(|c| {
            let pattern = match &c.stage1_pattern {
                PatternSpec::None => None,
                PatternSpec::Named(n) => Some(n.as_str().to_string()),
                PatternSpec::Custom(r) => Some(r.clone()),
            };
            (pattern, c.transition)
        })
    }

    fn to_native_json(&self) -> CoreResult<String> {
        Ok(bytepair::io::native::to_json(
            self.inner.vocab(),
            self.inner.pattern(),
            self.inner.normalization(),
            self.inner.template(),
            self.inner.curriculum(),
        )?)
    }

    fn to_hf_json(&self) -> CoreResult<String> {
        Ok(bytepair::io::hf::to_json(
            self.inner.vocab(),
            self.inner.pattern(),
            self.inner.normalization(),
            self.inner.template(),
        )?)
    }

    /// The ids put (before, after) a text when special tokens are added.
    #[getter]
    fn template(&self) -> (Vec<u32>, Vec<u32>) {
        let t = self.inner.template();
        (t.prefix.clone(), t.suffix.clone())
    }

    #[staticmethod]
    #[pyo3(signature = (text, source="<string>"))]
    fn from_native_json(py: Python<'_>, text: PyBackedStr, source: &str) -> CoreResult<Self> {
        let inner = py.detach(|| bytepair::io::load_native_json(&text, source))?;
        Ok(PyTokenizer::wrap(inner))
    }
}

/// Options beyond the basic ones, with their defaults.
struct TrainExtras<'a> {
    length_unit: &'a str,
    normalization: Option<&'a str>,
    specials_first: bool,
    pad_to: Option<usize>,
    forced_tokens: Vec<String>,
}

impl TrainExtras<'_> {
    fn normalization(&self) -> CoreResult<bytepair::tokenizer::Normalization> {
        match self.normalization {
            None => Ok(Default::default()),
            Some(n) => bytepair::tokenizer::Normalization::from_name(n).ok_or_else(|| {
                CoreError(bytepair::Error::config(format!(
                    "normalization must be NFC, NFKC, Lowercase or NFKC+Lowercase, not {n:?}"
                )))
            }),
        }
    }
}

fn train_config(
    vocab_size: usize,
    special_tokens: Vec<String>,
    min_frequency: u64,
    max_token_length: Option<usize>,
    progress: bool,
    extras: &TrainExtras,
) -> CoreResult<TrainConfig> {
    let length_unit = extras.length_unit;
    let length_unit = train::LengthUnit::parse(length_unit).ok_or_else(|| {
        CoreError(bytepair::Error::config(format!(
            "unit must be \"byte\" or \"char\", not {length_unit:?}"
        )))
    })?;
    Ok(TrainConfig {
        vocab_size,
        special_tokens,
        min_frequency,
        max_token_length,
        length_unit,
        specials_first: extras.specials_first,
        pad_to: extras.pad_to,
        forced_tokens: extras
            .forced_tokens
            .iter()
            .map(|t| t.as_bytes().to_vec())
            .collect(),
        progress,
    })
}

fn finish_training<'py>(
    py: Python<'py>,
    pool: &rayon::ThreadPool,
    counts: train::count::WordCounts,
    bytes: u64,
    cfg: &TrainConfig,
    (pattern, norm): (PatternSpec, bytepair::tokenizer::Normalization),
    started: Instant,
) -> CoreResult<(PyTokenizer, Bound<'py, PyDict>)> {
    let counted = started.elapsed().as_secs_f64();
    let (stop, unique_words, tokenizer) = py.detach(|| {
        pool.install(|| -> CoreResult<_> {
            let trained = train::train_from_counts(counts, cfg)?;
            let tokenizer = Tokenizer::new(trained.vocab, pattern)?.with_normalization(norm);
            Ok((trained.stop, trained.unique_words, tokenizer))
        })
    })?;
    let stats = PyDict::new(py);
    let stop = match stop {
        StopReason::VocabFull => "vocab_full",
        StopReason::NoPairs => "no_pairs",
        StopReason::MinFrequency => "min_frequency",
    };
    stats.set_item("stop", stop).map_err(py_err)?;
    stats
        .set_item("unique_words", unique_words)
        .map_err(py_err)?;
    stats.set_item("bytes", bytes).map_err(py_err)?;
    stats
        .set_item("merges", tokenizer.vocab().merges().len())
        .map_err(py_err)?;
    stats.set_item("count_seconds", counted).map_err(py_err)?;
    stats
        .set_item("seconds", started.elapsed().as_secs_f64())
        .map_err(py_err)?;
    Ok((PyTokenizer::wrap(tokenizer), stats))
}

/// Python errors raised while building a result dict pass through unchanged.
fn py_err(e: PyErr) -> CoreError {
    CoreError(bytepair::Error::config(e.to_string()))
}

/// Train on text files (`corpus` a list of paths, each line a sequence) or an
/// iterator of str (each item a sequence). Returns (tokenizer, stats).
#[pyfunction]
#[pyo3(signature = (corpus, is_files, vocab_size, pattern, special_tokens, min_frequency, max_token_length, num_threads, progress, length_unit="byte", normalization=None, specials_first=false, pad_to=None, forced_tokens=Vec::new(), max_distinct=None))]
#[pyo3(name = "train")]
#[allow(clippy::too_many_arguments)]
fn train_text<'py>(
    py: Python<'py>,
    corpus: Bound<'py, PyAny>,
    is_files: bool,
    vocab_size: usize,
    pattern: Option<&str>,
    special_tokens: Vec<String>,
    min_frequency: u64,
    max_token_length: Option<usize>,
    num_threads: Option<usize>,
    progress: bool,
    length_unit: &str,
    normalization: Option<&str>,
    specials_first: bool,
    pad_to: Option<usize>,
    forced_tokens: Vec<String>,
    max_distinct: Option<usize>,
) -> PyResult<(PyTokenizer, Bound<'py, PyDict>)> {
    let started = Instant::now();
    let spec = pattern_spec(pattern);
    let mut extras = TrainExtras {
        length_unit,
        normalization,
        specials_first,
        pad_to,
        forced_tokens: Vec::new(),
    };
    // A forced token must be one whole pre-token once normalized; the others
    // are returned in the stats (as "forced_skipped") for a warning.
    let norm0 = extras.normalization()?;
    let pre0 = Pretokenizer::new(spec.clone()).map_err(CoreError)?;
    let mut skipped = Vec::new();
    for t in forced_tokens {
        let n = norm0.apply(&t).into_owned();
        match pre0.pieces(&n).map_err(CoreError)?.as_slice() {
            [one] if *one == n => extras.forced_tokens.push(n),
            _ => skipped.push(t),
        }
    }
    let cfg = train_config(
        vocab_size,
        special_tokens,
        min_frequency,
        max_token_length,
        progress,
        &extras,
    )?;
    cfg.validate().map_err(CoreError)?;
    let norm = extras.normalization()?;
    let pre = Pretokenizer::new(spec.clone()).map_err(CoreError)?;
    let pool = thread_pool(num_threads)?;
    let (counts, bytes, pruned) = if let Ok(given) = corpus.cast::<PyCounts>() {
        let given = given.borrow();
        (given.counts.clone(), given.meta.total_bytes, given.pruned)
    } else {
        count_one(
            py,
            &corpus,
            is_files,
            &pre,
            norm,
            max_distinct,
            &pool,
            progress,
        )?
    };
    let (tok, stats) = finish_training(py, &pool, counts, bytes, &cfg, (spec, norm), started)?;
    stats.set_item("forced_skipped", skipped)?;
    stats.set_item("pruned", pruned_dict(py, &pruned)?)?;
    Ok((tok, stats))
}

/// Pull the items of a Python iterable as `T` (str or bytes, `what` names it
/// in the error) and hand them to `flush` in buffers of about
/// `ITER_BUFFER_BYTES`, the last one possibly shorter.
fn in_buffers<T>(
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
        let value: T = item.extract().map_err(|_| {
            pyo3::exceptions::PyTypeError::new_err(format!(
                "corpus item {i} is {}, not {what}",
                item.get_type()
                    .name()
                    .map_or_else(|_| "?".to_string(), |n| n.to_string())
            ))
        })?;
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

/// A file to count: a path, or `(path, start, end)` for the lines that
/// start at a byte offset in `start..end` (a shard of a large file).
#[derive(FromPyObject)]
enum FileArg {
    Range(PathBuf, u64, u64),
    Whole(PathBuf),
}

impl FileArg {
    fn into_slice(self) -> train::FileSlice {
        match self {
            FileArg::Range(path, start, end) => train::FileSlice { path, start, end },
            FileArg::Whole(path) => train::FileSlice::whole(&path),
        }
    }
}

/// What counting a corpus gave: one count per pre-tokenizer, the bytes
/// read, and what a distinct-pre-token cap dropped.
type Counted = (Vec<train::count::WordCounts>, u64, train::count::Pruned);

/// Count a corpus (a list of paths, or a Python iterator of str counted in
/// buffers without the GIL) with `counter`.
fn count_corpus(
    py: Python<'_>,
    corpus: &Bound<'_, PyAny>,
    is_files: bool,
    mut counter: Counter,
    pool: &rayon::ThreadPool,
    progress: bool,
) -> PyResult<Counted> {
    if is_files {
        let slices: Vec<train::FileSlice> = corpus
            .extract::<Vec<FileArg>>()?
            .into_iter()
            .map(FileArg::into_slice)
            .collect();
        py.detach(|| {
            pool.install(|| {
                train::count_slices_into(&slices, &mut counter, progress, || {
                    // Let Ctrl-C through between blocks.
                    Python::attach(|py| py.check_signals())
                        .map_err(|_| bytepair::Error::Interrupted)
                })
            })
        })
        .map_err(CoreError)?;
    } else {
        let bar = bytepair::progress::Progress::bytes(progress, None, "counting");
        in_buffers::<PyBackedStr>(corpus, "str", &bar, |texts| {
            py.detach(|| pool.install(|| counter.add_texts(&texts)))
                .map_err(CoreError)?;
            Ok(())
        })?;
        bar.finish();
    }
    py.detach(|| pool.install(|| counter.fold_and_prune()));
    let (bytes, pruned) = (counter.bytes, counter.pruned);
    let counts = py.detach(|| pool.install(|| counter.finish_all()));
    Ok((counts, bytes, pruned))
}

/// Count a corpus with one pre-tokenizer, a normalization and an optional
/// distinct-pre-token cap: what plain training and `count` both do.
#[allow(clippy::too_many_arguments)]
fn count_one(
    py: Python<'_>,
    corpus: &Bound<'_, PyAny>,
    is_files: bool,
    pre: &Pretokenizer,
    norm: bytepair::tokenizer::Normalization,
    max_distinct: Option<usize>,
    pool: &rayon::ThreadPool,
    progress: bool,
) -> PyResult<(train::count::WordCounts, u64, train::count::Pruned)> {
    let counter = pool.install(|| {
        Counter::new(pre)
            .with_normalization(norm)
            .with_max_distinct(max_distinct)
    });
    let (mut counts, bytes, pruned) = count_corpus(py, corpus, is_files, counter, pool, progress)?;
    Ok((counts.pop().unwrap_or_default(), bytes, pruned))
}

fn pruned_dict<'py>(py: Python<'py>, p: &train::count::Pruned) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("prunes", p.prunes)?;
    d.set_item("distinct", p.distinct)?;
    d.set_item("occurrences", p.occurrences)?;
    d.set_item("max_threshold", p.max_threshold)?;
    d.set_item("threshold_sum", p.threshold_sum)?;
    Ok(d)
}

/// SuperBPE training on files (`corpus` a list of paths) or an iterator of
/// str; with `base`, stage 2 only, on top of that tokenizer.
#[pyfunction]
#[pyo3(signature = (corpus, is_files, vocab_size, transition, stage1_pattern, stage2_pattern,
    special_tokens, min_frequency, max_token_length, max_words_per_token, forbidden_substrings,
    num_threads, progress, base=None))]
#[allow(clippy::too_many_arguments)]
fn train_superbpe<'py>(
    py: Python<'py>,
    corpus: Bound<'py, PyAny>,
    is_files: bool,
    vocab_size: usize,
    transition: usize,
    stage1_pattern: Option<&str>,
    stage2_pattern: Option<&str>,
    special_tokens: Vec<String>,
    min_frequency: u64,
    max_token_length: Option<usize>,
    max_words_per_token: Option<usize>,
    forbidden_substrings: Vec<String>,
    num_threads: Option<usize>,
    progress: bool,
    base: Option<PyRef<'py, PyTokenizer>>,
) -> PyResult<(PyTokenizer, Bound<'py, PyDict>)> {
    use bytepair::train::superbpe::{self, SuperConfig, SuperwordRules};
    let started = Instant::now();
    let stage1_spec = match &base {
        Some(b) => b.inner.pattern().clone(),
        None => pattern_spec(stage1_pattern),
    };
    let stage2_spec = pattern_spec(stage2_pattern);
    let cfg = SuperConfig {
        vocab_size,
        transition,
        special_tokens,
        min_frequency,
        max_token_length,
        rules: SuperwordRules {
            max_words_per_token,
            forbidden_substrings: forbidden_substrings
                .into_iter()
                .map(String::into_bytes)
                .collect(),
        },
        progress,
    };
    let pre1 = Pretokenizer::new(stage1_spec.clone()).map_err(CoreError)?;
    let pre2 = Pretokenizer::new(stage2_spec.clone())
        .map_err(CoreError)?
        .with_line_boundaries();
    let pres = if base.is_some() {
        vec![&pre2]
    } else {
        vec![&pre1, &pre2]
    };
    let pool = thread_pool(num_threads)?;
    // Counts given as `(words, pieces)`, or `pieces` alone on top of a base
    // (`bytepair.train_superbpe` checked how they were made).
    let (mut counts, bytes) =
        if let Ok((w, p)) = corpus.extract::<(PyRef<'py, PyCounts>, PyRef<'py, PyCounts>)>() {
            (vec![w.counts.clone(), p.counts.clone()], p.meta.total_bytes)
        } else if let Ok(p) = corpus.cast::<PyCounts>() {
            let p = p.get();
            (vec![p.counts.clone()], p.meta.total_bytes)
        } else {
            let counter = pool.install(|| Counter::with_pretokenizers(pres));
            let (counts, bytes, _) = count_corpus(py, &corpus, is_files, counter, &pool, progress)?;
            (counts, bytes)
        };
    let counted = started.elapsed().as_secs_f64();
    let pieces = counts.pop().unwrap_or_default();
    let base_vocab = base.as_ref().map(|b| b.inner.vocab());
    let (vocab, stage1_merges, st2) = py
        .detach(|| {
            pool.install(|| -> bytepair::Result<_> {
                match base_vocab {
                    Some(bv) => {
                        let (vocab, st2) = superbpe::extend(bv, pieces, &cfg)?;
                        Ok((vocab, bv.merges().len(), st2))
                    }
                    None => {
                        let words = counts.pop().unwrap_or_default();
                        let t = superbpe::train_superbpe(words, pieces, &cfg)?;
                        Ok((t.vocab, t.stage1_merges, t.stage2))
                    }
                }
            })
        })
        .map_err(CoreError)?;
    let mut tokenizer = Tokenizer::new(vocab, stage2_spec)
        .map_err(CoreError)?
        .with_curriculum(Some(bytepair::tokenizer::Curriculum {
            stage1_pattern: stage1_spec,
            transition: stage1_merges,
        }));
    if let Some(b) = &base {
        tokenizer = tokenizer
            .with_normalization(b.inner.normalization())
            .with_template(b.inner.template().clone())
            .map_err(CoreError)?;
    }
    let stats = PyDict::new(py);
    let stop = match st2.stop {
        StopReason::VocabFull => "vocab_full",
        StopReason::NoPairs => "no_pairs",
        StopReason::MinFrequency => "min_frequency",
    };
    stats.set_item("stop", stop)?;
    stats.set_item("bytes", bytes)?;
    stats.set_item("stage1_merges", stage1_merges)?;
    stats.set_item("stage2_merges", st2.merges.len())?;
    stats.set_item("rejected", st2.rejected)?;
    stats.set_item("stage2_pieces", st2.pieces)?;
    stats.set_item("stage2_symbols", st2.symbols)?;
    stats.set_item("merges", tokenizer.vocab().merges().len())?;
    stats.set_item("count_seconds", counted)?;
    stats.set_item("seconds", started.elapsed().as_secs_f64())?;
    Ok((PyTokenizer::wrap(tokenizer), stats))
}

/// Byte-level BPE over raw bytes: files (each read in windows) or an
/// iterator of bytes objects (each a document). Returns (tokenizer, stats).
#[pyfunction]
#[pyo3(signature = (corpus, is_files, vocab_size, window, split_on_nul, max_token_length,
    allowed_lengths, min_frequency, special_tokens, num_threads, progress))]
#[allow(clippy::too_many_arguments)]
fn train_bytes<'py>(
    py: Python<'py>,
    corpus: Bound<'py, PyAny>,
    is_files: bool,
    vocab_size: usize,
    window: usize,
    split_on_nul: bool,
    max_token_length: Option<usize>,
    allowed_lengths: Option<Vec<usize>>,
    min_frequency: u64,
    special_tokens: Vec<String>,
    num_threads: Option<usize>,
    progress: bool,
) -> PyResult<(PyTokenizer, Bound<'py, PyDict>)> {
    use bytepair::train::binary::{self, ByteCounter, ByteTrainConfig};
    let started = Instant::now();
    let cfg = ByteTrainConfig {
        vocab_size,
        window,
        split_on_nul,
        max_token_length,
        allowed_lengths,
        min_frequency,
        special_tokens,
        progress,
    };
    cfg.validate().map_err(CoreError)?;
    let pool = thread_pool(num_threads)?;
    let mut counter = pool.install(|| ByteCounter::new(window, split_on_nul));
    if is_files {
        let paths: Vec<PathBuf> = corpus.extract()?;
        let total = train::total_size(&paths).map_err(CoreError)?;
        py.detach(|| {
            pool.install(|| -> bytepair::Result<()> {
                let bar = bytepair::progress::Progress::bytes(progress, Some(total), "counting");
                for p in &paths {
                    counter.add_file(p, &bar, &mut || {
                        Python::attach(|py| py.check_signals())
                            .map_err(|_| bytepair::Error::Interrupted)
                    })?;
                }
                bar.finish();
                Ok(())
            })
        })
        .map_err(CoreError)?;
    } else {
        let bar = bytepair::progress::Progress::bytes(progress, None, "counting");
        in_buffers::<pyo3::pybacked::PyBackedBytes>(&corpus, "bytes", &bar, |docs| {
            py.detach(|| pool.install(|| counter.add_documents(&docs)));
            Ok(())
        })?;
        bar.finish();
    }
    let bytes = counter.bytes;
    let counted = started.elapsed().as_secs_f64();
    let trained = py
        .detach(|| pool.install(|| binary::train_bytes(counter.finish(), &cfg)))
        .map_err(CoreError)?;
    let pattern = if split_on_nul {
        PatternSpec::Named(bytepair::pretok::PatternName::NulRuns)
    } else {
        PatternSpec::None
    };
    let tokenizer = Tokenizer::new(trained.vocab, pattern).map_err(CoreError)?;
    let stats = PyDict::new(py);
    let stop = match trained.stop {
        StopReason::VocabFull => "vocab_full",
        StopReason::NoPairs => "no_pairs",
        StopReason::MinFrequency => "min_frequency",
    };
    stats.set_item("stop", stop)?;
    stats.set_item("bytes", bytes)?;
    stats.set_item("unique_words", trained.unique_pieces)?;
    stats.set_item("merges", tokenizer.vocab().merges().len())?;
    stats.set_item("count_seconds", counted)?;
    stats.set_item("seconds", started.elapsed().as_secs_f64())?;
    Ok((PyTokenizer::wrap(tokenizer), stats))
}

/// Train from pre-token counts (`{bytes: count}`), skipping the counting stage.
#[pyfunction]
#[pyo3(signature = (word_counts, vocab_size, pattern, special_tokens, min_frequency, max_token_length, length_unit="byte"))]
#[allow(clippy::too_many_arguments)]
fn train_from_word_counts(
    py: Python<'_>,
    word_counts: Vec<(Vec<u8>, u64)>,
    vocab_size: usize,
    pattern: Option<&str>,
    special_tokens: Vec<String>,
    min_frequency: u64,
    max_token_length: Option<usize>,
    length_unit: &str,
) -> CoreResult<PyTokenizer> {
    let cfg = train_config(
        vocab_size,
        special_tokens,
        min_frequency,
        max_token_length,
        false,
        &TrainExtras {
            length_unit,
            normalization: None,
            specials_first: false,
            pad_to: None,
            forced_tokens: Vec::new(),
        },
    )?;
    let spec = pattern_spec(pattern);
    let inner = py.detach(|| -> CoreResult<Tokenizer> {
        let counts = train::count::WordCounts::from_pairs(
            word_counts.iter().map(|(w, c)| (w.as_slice(), *c)),
        )?;
        let trained = train::train_from_counts(counts, &cfg)?;
        Ok(Tokenizer::new(trained.vocab, spec)?)
    })?;
    Ok(PyTokenizer::wrap(inner))
}

/// Pre-token counts with what they were made with (`bytepair.Counts` wraps it).
#[pyclass(name = "Counts", module = "bytepair._core", frozen)]
struct PyCounts {
    counts: train::count::WordCounts,
    meta: bytepair::io::counts::CountsMeta,
    pruned: train::count::Pruned,
}

impl PyCounts {
    fn sorted(&self) -> Vec<(Box<[u8]>, u64)> {
        self.counts.clone().into_sorted()
    }
}

#[pymethods]
impl PyCounts {
    #[staticmethod]
    #[pyo3(signature = (items, pattern, normalization=None, total_bytes=0, line_boundaries=false))]
    fn from_items(
        items: Vec<(Vec<u8>, u64)>,
        pattern: Option<String>,
        normalization: Option<String>,
        total_bytes: u64,
        line_boundaries: bool,
    ) -> CoreResult<Self> {
        let counts =
            train::count::WordCounts::from_pairs(items.iter().map(|(w, c)| (w.as_slice(), *c)))?;
        Ok(PyCounts {
            counts,
            meta: bytepair::io::counts::CountsMeta {
                pattern,
                normalization,
                total_bytes,
                line_boundaries,
            },
            pruned: Default::default(),
        })
    }

    /// Read the `.bpcounts` format (see `bytepair::io::counts`).
    #[staticmethod]
    #[pyo3(signature = (data, source="<bytes>"))]
    fn from_bytes(py: Python<'_>, data: &[u8], source: &str) -> CoreResult<Self> {
        let (counts, meta) = py.detach(|| bytepair::io::counts::read_counts(data, source))?;
        Ok(PyCounts {
            counts,
            meta,
            pruned: Default::default(),
        })
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let data = py.detach(|| {
            let parts = self.counts.sorted_parts(1);
            bytepair::io::counts::write_counts(&parts[0], &self.meta)
        });
        PyBytes::new(py, &data)
    }

    fn __len__(&self) -> usize {
        self.counts.len()
    }

    fn get(&self, word: &[u8]) -> u64 {
        self.counts.get(word)
    }

    /// The sum of `.bpcounts` byte strings made the same way: each decoded
    /// (in parallel) into a sorted list, then merged without hashing. With
    /// `min_count`, pre-tokens counted fewer times are dropped from the sum,
    /// and `dropped` (distinct, occurrences) cut the same way elsewhere (by
    /// distributed reducers) is added to what `pruned` reports.
    #[staticmethod]
    #[pyo3(signature = (blobs, min_count=1, dropped=(0, 0)))]
    fn sum_bytes(
        py: Python<'_>,
        blobs: Vec<PyBackedBytes>,
        min_count: u64,
        dropped: (u64, u64),
    ) -> CoreResult<Self> {
        let (counts, meta, cut) = py.detach(|| {
            use rayon::prelude::*;
            let decoded = blobs
                .par_iter()
                .map(|b| bytepair::io::counts::read_counts(b, "<bytes>"))
                .collect::<bytepair::Result<Vec<_>>>()?;
            let (lists, metas): (Vec<_>, Vec<_>) = decoded.into_iter().unzip();
            let meta = bytepair::io::counts::CountsMeta::sum(&metas)?;
            let mut counts = train::count::WordCounts::sum_all(lists);
            let cut = counts.drop_below(min_count);
            Ok::<_, bytepair::Error>((counts, meta, cut))
        })?;
        let mut pruned = train::count::Pruned::default();
        if min_count > 1 {
            pruned.record_cut(
                min_count,
                cut.0 + dropped.0,
                cut.1.saturating_add(dropped.1),
            );
        }
        Ok(PyCounts {
            counts,
            meta,
            pruned,
        })
    }

    /// The sum of counts made the same way (each cloned once: counts are
    /// immutable from Python).
    #[staticmethod]
    fn sum(py: Python<'_>, parts: Vec<PyRef<'_, PyCounts>>) -> CoreResult<Self> {
        let metas: Vec<_> = parts.iter().map(|p| p.meta.clone()).collect();
        let meta = bytepair::io::counts::CountsMeta::sum(&metas)?;
        let mut pruned = train::count::Pruned::default();
        for p in &parts {
            pruned = pruned.combined(p.pruned);
        }
        let maps: Vec<&train::count::WordCounts> = parts.iter().map(|p| &p.counts).collect();
        let counts =
            py.detach(|| train::count::WordCounts::sum_all(maps.into_iter().cloned().collect()));
        Ok(PyCounts {
            counts,
            meta,
            pruned,
        })
    }

    /// `parts` disjoint counts, split by a hash of each pre-token that is the
    /// same on every machine (see `WordCounts::partition`); each keeps this
    /// one's metadata, with `total_bytes` on the first only so sums stay exact.
    fn partition(&self, py: Python<'_>, parts: usize) -> CoreResult<Vec<PyCounts>> {
        if parts == 0 {
            return Err(CoreError(bytepair::Error::config(
                "parts must be at least 1",
            )));
        }
        let split = py.detach(|| self.counts.partition(parts));
        Ok(split
            .into_iter()
            .enumerate()
            .map(|(i, counts)| {
                let mut meta = self.meta.clone();
                if i > 0 {
                    meta.total_bytes = 0;
                }
                PyCounts {
                    counts,
                    meta,
                    pruned: if i == 0 {
                        self.pruned
                    } else {
                        Default::default()
                    },
                }
            })
            .collect())
    }

    /// `(pre-token bytes, count)` for the `n` most frequent (all if None),
    /// most frequent first, ties by bytes.
    #[pyo3(signature = (n=None))]
    fn most_common<'py>(&self, py: Python<'py>, n: Option<usize>) -> PyResult<Bound<'py, PyList>> {
        let mut v = self.sorted();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v.truncate(n.unwrap_or(usize::MAX));
        let items = v
            .iter()
            .map(|(w, c)| (PyBytes::new(py, w), *c))
            .collect::<Vec<_>>();
        PyList::new(py, items)
    }

    #[getter]
    fn pattern(&self) -> Option<&str> {
        self.meta.pattern.as_deref()
    }

    #[getter]
    fn normalization(&self) -> Option<&str> {
        self.meta.normalization.as_deref()
    }

    #[getter]
    fn total_bytes(&self) -> u64 {
        self.meta.total_bytes
    }

    #[getter]
    fn line_boundaries(&self) -> bool {
        self.meta.line_boundaries
    }

    #[getter]
    fn pruned<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        pruned_dict(py, &self.pruned)
    }
}

fn normalization_named(name: Option<&str>) -> CoreResult<bytepair::tokenizer::Normalization> {
    match name {
        None => Ok(Default::default()),
        Some(n) => bytepair::tokenizer::Normalization::from_name(n).ok_or_else(|| {
            CoreError(bytepair::Error::config(format!(
                "normalization must be NFC, NFKC, Lowercase or NFKC+Lowercase, not {n:?}"
            )))
        }),
    }
}

fn pretokenizer(pattern: Option<&str>, line_boundaries: bool) -> CoreResult<Pretokenizer> {
    let pre = Pretokenizer::new(pattern_spec(pattern))?;
    Ok(if line_boundaries {
        pre.with_line_boundaries()
    } else {
        pre
    })
}

/// Count the pre-tokens of files or an iterator of str.
#[pyfunction]
#[pyo3(signature = (corpus, is_files, pattern, normalization, num_threads, progress, max_distinct=None, line_boundaries=false))]
#[allow(clippy::too_many_arguments)]
fn count(
    py: Python<'_>,
    corpus: Bound<'_, PyAny>,
    is_files: bool,
    pattern: Option<String>,
    normalization: Option<String>,
    num_threads: Option<usize>,
    progress: bool,
    max_distinct: Option<usize>,
    line_boundaries: bool,
) -> PyResult<PyCounts> {
    let pool = thread_pool(num_threads)?;
    let spec = (pattern, normalization, line_boundaries);
    count_in(py, &corpus, is_files, spec, &pool, progress, max_distinct)
}

/// `count` on a given thread pool; `spec` is (pattern, normalization, line boundaries).
fn count_in(
    py: Python<'_>,
    corpus: &Bound<'_, PyAny>,
    is_files: bool,
    (pattern, normalization, line_boundaries): (Option<String>, Option<String>, bool),
    pool: &rayon::ThreadPool,
    progress: bool,
    max_distinct: Option<usize>,
) -> PyResult<PyCounts> {
    let norm = normalization_named(normalization.as_deref())?;
    let pre = pretokenizer(pattern.as_deref(), line_boundaries)?;
    let (counts, bytes, pruned) = count_one(
        py,
        corpus,
        is_files,
        &pre,
        norm,
        max_distinct,
        pool,
        progress,
    )?;
    Ok(PyCounts {
        counts,
        meta: bytepair::io::counts::CountsMeta {
            pattern,
            normalization,
            total_bytes: bytes,
            line_boundaries,
        },
        pruned,
    })
}

/// `count(...)` split into `parts` `.bpcounts` byte strings by pre-token
/// hash (see `Counts.partition`), without a copy of the counts: a
/// distributed map task. Sorting and writing use the same threads.
#[pyfunction]
#[pyo3(signature = (corpus, is_files, pattern, normalization, num_threads, line_boundaries, parts))]
#[allow(clippy::too_many_arguments)]
fn count_parts<'py>(
    py: Python<'py>,
    corpus: Bound<'py, PyAny>,
    is_files: bool,
    pattern: Option<String>,
    normalization: Option<String>,
    num_threads: Option<usize>,
    line_boundaries: bool,
    parts: usize,
) -> PyResult<Vec<Bound<'py, PyBytes>>> {
    let pool = thread_pool(num_threads)?;
    let spec = (pattern, normalization, line_boundaries);
    let counted = count_in(py, &corpus, is_files, spec, &pool, false, None)?;
    let blobs =
        py.detach(|| pool.install(|| partition_to_bytes(&counted.counts, &counted.meta, parts)));
    Ok(blobs.iter().map(|b| PyBytes::new(py, b)).collect())
}

/// `counts` split into `parts` by pre-token hash, each written as a counts
/// file with `meta` (`total_bytes` on the first part only, so sums stay exact).
fn partition_to_bytes(
    counts: &train::count::WordCounts,
    meta: &bytepair::io::counts::CountsMeta,
    parts: usize,
) -> Vec<Vec<u8>> {
    use rayon::prelude::*;
    counts
        .sorted_parts(parts)
        .par_iter()
        .enumerate()
        .map(|(i, part)| {
            let mut meta = meta.clone();
            if i > 0 {
                meta.total_bytes = 0;
            }
            bytepair::io::counts::write_counts(part, &meta)
        })
        .collect()
}

/// The sum of `.bpcounts` byte strings, written as one: a merge over entries
/// borrowed from the inputs, so no pre-token is copied on the way (a
/// distributed reducer's whole job). Pre-tokens counted fewer than
/// `min_count` times are left out; returns the bytes and the (distinct,
/// occurrences) left out.
#[pyfunction]
#[pyo3(signature = (blobs, min_count=1))]
fn sum_count_bytes<'py>(
    py: Python<'py>,
    blobs: Vec<PyBackedBytes>,
    min_count: u64,
) -> CoreResult<(Bound<'py, PyBytes>, u64, u64)> {
    let (data, cut) = py.detach(|| {
        let files: Vec<&[u8]> = blobs.iter().map(|b| b.as_ref()).collect();
        let (mut entries, meta) = bytepair::io::counts::sum_counts_files(&files, "<bytes>")?;
        let cut = train::count::drop_below(&mut entries, min_count);
        Ok::<_, bytepair::Error>((bytepair::io::counts::write_counts(&entries, &meta), cut))
    })?;
    Ok((PyBytes::new(py, &data), cut.0, cut.1))
}

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

/// Batch-level dynamic merging over base-token sequences (see `bytepair.dynamic`).
#[pyfunction]
#[pyo3(signature = (tokenizer, sequences, boundary, word_ids, max_merges, min_frequency))]
fn dynamic_merge(
    py: Python<'_>,
    tokenizer: &PyTokenizer,
    sequences: Vec<Vec<u32>>,
    boundary: &str,
    word_ids: Option<Vec<Vec<i64>>>,
    max_merges: Option<usize>,
    min_frequency: u32,
) -> CoreResult<DynamicOut> {
    use bytepair::dynamic::{hyphen_ok, merge_batch, whitespace_ok, Interner};
    let tok = &tokenizer.inner;
    let vocab = tok.vocab();
    let mut interner = Interner::default();
    let mut seqs = Vec::with_capacity(sequences.len());
    for (i, seq) in sequences.iter().enumerate() {
        let mut out = Vec::with_capacity(seq.len());
        for (j, &id) in seq.iter().enumerate() {
            let bytes = vocab.token_bytes(id).ok_or_else(|| {
                bytepair::Error::config(format!(
                    "sequence {i}, position {j}: id {id} is not in the base vocabulary"
                ))
            })?;
            out.push(if vocab.is_special(id) {
                interner.special(id, bytes)
            } else {
                interner.ordinary(bytes)
            });
        }
        seqs.push(out);
    }
    let pre = match boundary {
        "pretoken" => Some(Pretokenizer::new(tok.pattern().clone())?),
        "word" | "word_hyphen" | "sentence" => None,
        other => {
            return Err(CoreError(bytepair::Error::config(format!(
                "boundary must be \"pretoken\", \"word\", \"word_hyphen\" or \"sentence\", not {other:?}"
            ))))
        }
    };
    let sentence = boundary == "sentence";
    let hyphen = boundary == "word_hyphen";
    let merged = py.detach(|| {
        merge_batch(
            interner,
            seqs,
            word_ids,
            max_merges,
            min_frequency,
            |a: &[u8], b: &[u8]| {
                if sentence {
                    return true;
                }
                let joined = [a, b].concat();
                if !whitespace_ok(&joined) || (hyphen && !hyphen_ok(a, b)) {
                    return false;
                }
                match (&pre, std::str::from_utf8(&joined)) {
                    // A piece that is not whole UTF-8 may merge, as in the reference.
                    (Some(p), Ok(text)) => p.pieces(text).map(|v| v.len() == 1).unwrap_or(false),
                    _ => true,
                }
            },
        )
    })?;
    let mut dense: HashMap<u32, u32> = HashMap::new();
    let mut token_bytes = Vec::new();
    let mut token_spans = Vec::new();
    let mut base_id = Vec::new();
    let mut dense_seqs = Vec::with_capacity(merged.sequences.len());
    for (s, (seq, spans)) in merged.sequences.iter().zip(&merged.spans).enumerate() {
        let mut row = Vec::with_capacity(seq.len());
        for (&t, &(a, b)) in seq.iter().zip(spans) {
            let next = dense.len() as u32;
            let d = *dense.entry(t).or_insert_with(|| {
                token_bytes.push(merged.interner.bytes(t).to_vec());
                let span = sequences[s][a as usize..b as usize].to_vec();
                base_id.push(if span.len() == 1 {
                    i64::from(span[0])
                } else {
                    -1
                });
                token_spans.push(span);
                next
            });
            row.push(d);
        }
        dense_seqs.push(row);
    }
    let merges = merged
        .merges
        .iter()
        .map(|m| {
            (
                merged.interner.bytes(m.left).to_vec(),
                merged.interner.bytes(m.right).to_vec(),
                m.count,
            )
        })
        .collect();
    Ok((
        dense_seqs,
        token_bytes,
        token_spans,
        base_id,
        merged.word_ids,
        merges,
        merged.lengths_after,
    ))
}

/// Pre-tokenize `text` with a pattern (a name, a regex, or None): for tests and inspection.
#[pyfunction]
#[pyo3(signature = (text, pattern))]
fn pretokenize(
    py: Python<'_>,
    text: PyBackedStr,
    pattern: Option<&str>,
) -> CoreResult<Vec<String>> {
    let pre = Pretokenizer::new(pattern_spec(pattern))?;
    Ok(py.detach(|| {
        pre.pieces(&text)
            .map(|v| v.into_iter().map(str::to_string).collect())
    })?)
}

/// The regex text of a named pattern (tiktoken's form) and its HF-safe form.
#[pyfunction]
fn pattern_regex(name: &str) -> Option<(String, String)> {
    bytepair::pretok::PatternName::parse(name)
        .map(|n| (n.regex().to_string(), n.hf_regex().to_string()))
}

#[pymodule(gil_used = false)]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyTokenizer>()?;
    m.add_function(wrap_pyfunction!(train_text, m)?)?;
    m.add_function(wrap_pyfunction!(count, m)?)?;
    m.add_class::<PyCounts>()?;
    m.add_function(wrap_pyfunction!(train_superbpe, m)?)?;
    m.add_function(wrap_pyfunction!(count_parts, m)?)?;
    m.add_function(wrap_pyfunction!(sum_count_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(train_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(train_from_word_counts, m)?)?;
    m.add_function(wrap_pyfunction!(pretokenize, m)?)?;
    m.add_function(wrap_pyfunction!(pattern_regex, m)?)?;
    m.add_function(wrap_pyfunction!(dynamic_merge, m)?)?;
    m.add("BytepairError", m.py().get_type::<BytepairError>())?;
    m.add("FormatError", m.py().get_type::<FormatError>())?;
    m.add("InvalidUtf8Error", m.py().get_type::<InvalidUtf8Error>())?;
    m.add(
        "DisallowedSpecialError",
        m.py().get_type::<DisallowedSpecialError>(),
    )?;
    Ok(())
}
