//! The thin Python layer over the `bytepair` core: extract arguments, release
//! the GIL, call the core, convert the result. Policy (argument defaults, the
//! tiktoken-style special-token checks) lives in Python.

mod errors;

use bytepair::pretok::{PatternSpec, Pretokenizer};
use bytepair::train::{self, count::Counter, merge::StopReason, TrainConfig};
use bytepair::{Specials, Tokenizer};
use errors::{BytepairError, CoreError, CoreResult, FormatError, InvalidUtf8Error};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyBytes, PyDict};
use std::path::PathBuf;
use std::time::Instant;

/// Text buffered from a Python iterator before counting it without the GIL.
const ITER_BUFFER_BYTES: usize = 8 << 20;

fn pattern_spec(pattern: Option<&str>) -> PatternSpec {
    match pattern {
        None => PatternSpec::None,
        Some(p) => PatternSpec::from_str_or_regex(p),
    }
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

fn specials_arg(allowed: Option<Vec<String>>) -> AllowedSpecials {
    match allowed {
        None => AllowedSpecials::All,
        Some(v) if v.is_empty() => AllowedSpecials::None,
        Some(v) => AllowedSpecials::Only(v),
    }
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

/// A trained or loaded tokenizer (immutable; safe to share between threads).
#[pyclass(name = "Tokenizer", module = "bytepair._core", frozen)]
struct PyTokenizer {
    inner: Tokenizer,
}

#[pymethods]
impl PyTokenizer {
    /// Encode `text`; `allowed_special` None means all special tokens, [] none.
    #[pyo3(signature = (text, allowed_special=None))]
    fn encode(
        &self,
        py: Python<'_>,
        text: PyBackedStr,
        allowed_special: Option<Vec<String>>,
    ) -> CoreResult<Vec<u32>> {
        let allowed = specials_arg(allowed_special);
        py.detach(|| self.inner.encode(&text, &allowed.as_core()))
            .map_err(CoreError)
    }

    fn encode_ordinary(&self, py: Python<'_>, text: PyBackedStr) -> CoreResult<Vec<u32>> {
        py.detach(|| self.inner.encode_ordinary(&text))
            .map_err(CoreError)
    }

    fn encode_bytes(&self, py: Python<'_>, data: &[u8]) -> CoreResult<Vec<u32>> {
        py.detach(|| self.inner.encode_bytes(data))
            .map_err(CoreError)
    }

    #[pyo3(signature = (texts, allowed_special=None, num_threads=None))]
    fn encode_batch(
        &self,
        py: Python<'_>,
        texts: Vec<PyBackedStr>,
        allowed_special: Option<Vec<String>>,
        num_threads: Option<usize>,
    ) -> CoreResult<Vec<Vec<u32>>> {
        let allowed = specials_arg(allowed_special);
        py.detach(|| {
            let pool = thread_pool(num_threads)?;
            pool.install(|| self.inner.encode_batch(&texts, &allowed.as_core()))
                .map_err(CoreError)
        })
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

    #[getter]
    fn num_mergeable(&self) -> usize {
        self.inner.vocab().tokens().len()
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

    fn to_native_json(&self) -> CoreResult<String> {
        Ok(bytepair::io::native::to_json(
            self.inner.vocab(),
            self.inner.pattern(),
        )?)
    }

    fn to_hf_json(&self) -> CoreResult<String> {
        Ok(bytepair::io::hf::to_json(
            self.inner.vocab(),
            self.inner.pattern(),
        )?)
    }

    #[staticmethod]
    #[pyo3(signature = (text, source="<string>"))]
    fn from_native_json(py: Python<'_>, text: PyBackedStr, source: &str) -> CoreResult<Self> {
        let inner = py.detach(|| {
            let (vocab, pattern) = bytepair::io::native::from_json(&text, source)?;
            Tokenizer::new(vocab, pattern)
        })?;
        Ok(PyTokenizer { inner })
    }
}

fn train_config(
    vocab_size: usize,
    special_tokens: Vec<String>,
    min_frequency: u64,
    max_token_length: Option<usize>,
    progress: bool,
) -> TrainConfig {
    TrainConfig {
        vocab_size,
        special_tokens,
        min_frequency,
        max_token_length,
        progress,
    }
}

fn finish_training<'py>(
    py: Python<'py>,
    pool: &rayon::ThreadPool,
    counts: train::count::WordCounts,
    bytes: u64,
    cfg: &TrainConfig,
    pattern: PatternSpec,
    started: Instant,
) -> CoreResult<(PyTokenizer, Bound<'py, PyDict>)> {
    let counted = started.elapsed().as_secs_f64();
    let (stop, unique_words, tokenizer) = py.detach(|| {
        pool.install(|| -> CoreResult<_> {
            let trained = train::train_from_counts(counts, cfg)?;
            let tokenizer = Tokenizer::new(trained.vocab, pattern)?;
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
    Ok((PyTokenizer { inner: tokenizer }, stats))
}

/// Python errors raised while building a result dict pass through unchanged.
fn py_err(e: PyErr) -> CoreError {
    CoreError(bytepair::Error::config(e.to_string()))
}

/// Train on text files, each line a sequence. Returns (tokenizer, stats).
#[pyfunction]
#[pyo3(signature = (paths, vocab_size, pattern, special_tokens, min_frequency, max_token_length, num_threads, progress))]
#[allow(clippy::too_many_arguments)]
fn train_files<'py>(
    py: Python<'py>,
    paths: Vec<PathBuf>,
    vocab_size: usize,
    pattern: Option<&str>,
    special_tokens: Vec<String>,
    min_frequency: u64,
    max_token_length: Option<usize>,
    num_threads: Option<usize>,
    progress: bool,
) -> PyResult<(PyTokenizer, Bound<'py, PyDict>)> {
    let started = Instant::now();
    let spec = pattern_spec(pattern);
    let cfg = train_config(
        vocab_size,
        special_tokens,
        min_frequency,
        max_token_length,
        progress,
    );
    cfg.validate().map_err(CoreError)?;
    let pre = Pretokenizer::new(spec.clone()).map_err(CoreError)?;
    let pool = thread_pool(num_threads)?;
    let (counts, bytes) = py
        .detach(|| {
            pool.install(|| {
                train::count_files(&paths, &pre, progress, || {
                    // Let Ctrl-C through between blocks.
                    Python::attach(|py| py.check_signals())
                        .map_err(|_| bytepair::Error::Interrupted)
                })
            })
        })
        .map_err(CoreError)?;
    Ok(finish_training(
        py, &pool, counts, bytes, &cfg, spec, started,
    )?)
}

/// Train on an iterator of str, each item a sequence. Returns (tokenizer, stats).
#[pyfunction]
#[pyo3(signature = (iterator, vocab_size, pattern, special_tokens, min_frequency, max_token_length, num_threads, progress))]
#[allow(clippy::too_many_arguments)]
fn train_iter<'py>(
    py: Python<'py>,
    iterator: Bound<'py, PyAny>,
    vocab_size: usize,
    pattern: Option<&str>,
    special_tokens: Vec<String>,
    min_frequency: u64,
    max_token_length: Option<usize>,
    num_threads: Option<usize>,
    progress: bool,
) -> PyResult<(PyTokenizer, Bound<'py, PyDict>)> {
    let started = Instant::now();
    let spec = pattern_spec(pattern);
    let cfg = train_config(
        vocab_size,
        special_tokens,
        min_frequency,
        max_token_length,
        progress,
    );
    cfg.validate().map_err(CoreError)?;
    let pre = Pretokenizer::new(spec.clone()).map_err(CoreError)?;
    let pool = thread_pool(num_threads)?;
    let bar = bytepair::progress::Progress::bytes(progress, None, "counting");
    let mut counter = pool.install(|| Counter::new(&pre));
    let mut buffer: Vec<PyBackedStr> = Vec::new();
    let mut buffered = 0usize;
    let flush = |buffer: &mut Vec<PyBackedStr>, counter: &mut Counter| -> PyResult<()> {
        let texts = std::mem::take(buffer);
        py.detach(|| pool.install(|| counter.add_texts(&texts)))
            .map_err(CoreError)?;
        Ok(())
    };
    for (i, item) in iterator.try_iter()?.enumerate() {
        let item = item?;
        let text: PyBackedStr = item.extract().map_err(|_| {
            pyo3::exceptions::PyTypeError::new_err(format!(
                "corpus item {i} is {}, not str",
                item.get_type()
                    .name()
                    .map_or_else(|_| "?".to_string(), |n| n.to_string())
            ))
        })?;
        buffered += text.len();
        bar.inc(text.len() as u64);
        buffer.push(text);
        if buffered >= ITER_BUFFER_BYTES {
            flush(&mut buffer, &mut counter)?;
            buffered = 0;
        }
    }
    flush(&mut buffer, &mut counter)?;
    bar.finish();
    let bytes = counter.bytes;
    let counts = py.detach(|| pool.install(|| counter.finish()));
    Ok(finish_training(
        py, &pool, counts, bytes, &cfg, spec, started,
    )?)
}

/// Train from pre-token counts (`{bytes: count}`), skipping the counting stage.
#[pyfunction]
#[pyo3(signature = (word_counts, vocab_size, pattern, special_tokens, min_frequency, max_token_length))]
fn train_from_word_counts(
    py: Python<'_>,
    word_counts: Vec<(Vec<u8>, u64)>,
    vocab_size: usize,
    pattern: Option<&str>,
    special_tokens: Vec<String>,
    min_frequency: u64,
    max_token_length: Option<usize>,
) -> CoreResult<PyTokenizer> {
    let cfg = train_config(
        vocab_size,
        special_tokens,
        min_frequency,
        max_token_length,
        false,
    );
    let spec = pattern_spec(pattern);
    let inner = py.detach(|| -> CoreResult<Tokenizer> {
        let mut counts = train::count::WordCounts::default();
        for (w, c) in &word_counts {
            if w.is_empty() {
                return Err(CoreError(bytepair::Error::config(
                    "a word in word_counts is empty",
                )));
            }
            counts.add(w, *c);
        }
        let trained = train::train_from_counts(counts, &cfg)?;
        Ok(Tokenizer::new(trained.vocab, spec)?)
    })?;
    Ok(PyTokenizer { inner })
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
    m.add_function(wrap_pyfunction!(train_files, m)?)?;
    m.add_function(wrap_pyfunction!(train_iter, m)?)?;
    m.add_function(wrap_pyfunction!(train_from_word_counts, m)?)?;
    m.add_function(wrap_pyfunction!(pretokenize, m)?)?;
    m.add_function(wrap_pyfunction!(pattern_regex, m)?)?;
    m.add("BytepairError", m.py().get_type::<BytepairError>())?;
    m.add("FormatError", m.py().get_type::<FormatError>())?;
    m.add("InvalidUtf8Error", m.py().get_type::<InvalidUtf8Error>())?;
    Ok(())
}
