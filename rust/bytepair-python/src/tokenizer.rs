//! `_core.Tokenizer`: encoding, decoding and the facts of a tokenizer.

use crate::convert::{IntCache, SpecialSet};
use crate::counts::PyCounts;
use crate::errors::{CoreError, CoreResult};
use crate::pools::shared_pool;
use bytepair::added::AddedToken;
use bytepair::io::token_files::{encode_files, Dtype};
use bytepair::prune::{prune, PruneRequest};
use bytepair::tally::tally_batch;
use bytepair::Tokenizer;
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyBytes, PyDict, PyList};
use std::path::PathBuf;

/// An added token across the boundary: (content, id, special, single_word,
/// lstrip, rstrip, normalized).
type AddedTuple = (String, u32, bool, bool, bool, bool, bool);

/// Token ids of many texts in one array, and where each text starts.
type FlatIds<'py> = (Bound<'py, PyArray1<u32>>, Bound<'py, PyArray1<u64>>);

/// A trained or loaded tokenizer (immutable; safe to share between threads).
#[pyclass(name = "Tokenizer", module = "bytepair._core", frozen)]
pub struct PyTokenizer {
    pub inner: Tokenizer,
    ints: IntCache,
}

impl PyTokenizer {
    pub fn wrap(inner: Tokenizer) -> Self {
        PyTokenizer {
            inner,
            ints: IntCache::default(),
        }
    }

    fn list<'py>(&self, py: Python<'py>, ids: &[u32]) -> PyResult<Bound<'py, PyList>> {
        // Mergeable ids only: a special token id can be anything a file says.
        self.ints.list(py, self.inner.vocab().tokens().len(), ids)
    }

    fn lists<'py>(&self, py: Python<'py>, seqs: &[Vec<u32>]) -> PyResult<Bound<'py, PyList>> {
        let lists = seqs
            .iter()
            .map(|ids| self.list(py, ids))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, lists)
    }

    fn checked(
        &self,
        py: Python<'_>,
        text: &str,
        allowed: &Bound<'_, PyAny>,
        disallowed: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<u32>> {
        let (a, d) = (
            SpecialSet::extract(allowed)?,
            SpecialSet::extract(disallowed)?,
        );
        let ids = py.detach(|| self.inner.encode_checked(text, &a.as_core(), &d.as_core()));
        Ok(ids.map_err(CoreError)?)
    }

    fn checked_batch(
        &self,
        py: Python<'_>,
        texts: &[PyBackedStr],
        allowed: &Bound<'_, PyAny>,
        disallowed: &Bound<'_, PyAny>,
        num_threads: Option<usize>,
    ) -> PyResult<Vec<Vec<u32>>> {
        let (a, d) = (
            SpecialSet::extract(allowed)?,
            SpecialSet::extract(disallowed)?,
        );
        let pool = shared_pool(num_threads)?;
        let seqs = py.detach(|| {
            pool.install(|| {
                self.inner
                    .encode_checked_batch(texts, &a.as_core(), &d.as_core())
            })
        });
        Ok(seqs.map_err(CoreError)?)
    }
}

#[pymethods]
impl PyTokenizer {
    /// Encode `text`; `allowed_special` is "all" or a list of special
    /// tokens; `add_special_tokens` puts the template's ids around it.
    #[pyo3(signature = (*, text, allowed_special, add_special_tokens))]
    fn encode<'py>(
        &self,
        py: Python<'py>,
        text: PyBackedStr,
        allowed_special: &Bound<'py, PyAny>,
        add_special_tokens: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let allowed = SpecialSet::extract(allowed_special)?;
        let ids = py.detach(|| {
            self.inner
                .encode_with_template(&text, &allowed.as_core(), add_special_tokens)
        });
        self.list(py, &ids.map_err(CoreError)?)
    }

    #[pyo3(signature = (*, text))]
    fn encode_ordinary<'py>(
        &self,
        py: Python<'py>,
        text: PyBackedStr,
    ) -> PyResult<Bound<'py, PyList>> {
        let ids = py.detach(|| self.inner.encode_ordinary(&text));
        self.list(py, &ids.map_err(CoreError)?)
    }

    #[pyo3(signature = (*, data))]
    fn encode_bytes<'py>(&self, py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyList>> {
        let ids = py.detach(|| self.inner.encode_bytes(data));
        self.list(py, &ids.map_err(CoreError)?)
    }

    #[pyo3(signature = (*, texts, allowed_special, add_special_tokens, num_threads))]
    fn encode_batch<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<PyBackedStr>,
        allowed_special: &Bound<'py, PyAny>,
        add_special_tokens: bool,
        num_threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyList>> {
        let allowed = SpecialSet::extract(allowed_special)?;
        let pool = shared_pool(num_threads)?;
        let seqs = py.detach(|| {
            pool.install(|| {
                self.inner
                    .encode_batch(&texts, &allowed.as_core(), add_special_tokens)
            })
        });
        self.lists(py, &seqs.map_err(CoreError)?)
    }

    /// tiktoken's encode: fail on a `disallowed` special token anywhere in the
    /// text, turn `allowed` ones into ids. Each set is "all" or a list.
    #[pyo3(signature = (*, text, allowed, disallowed))]
    fn encode_checked<'py>(
        &self,
        py: Python<'py>,
        text: PyBackedStr,
        allowed: &Bound<'py, PyAny>,
        disallowed: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let ids = self.checked(py, &text, allowed, disallowed)?;
        self.list(py, &ids)
    }

    #[pyo3(signature = (*, texts, allowed, disallowed, num_threads))]
    fn encode_checked_batch<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<PyBackedStr>,
        allowed: &Bound<'py, PyAny>,
        disallowed: &Bound<'py, PyAny>,
        num_threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyList>> {
        let seqs = self.checked_batch(py, &texts, allowed, disallowed, num_threads)?;
        self.lists(py, &seqs)
    }

    /// Like `encode_checked`, as a uint32 numpy array.
    #[pyo3(signature = (*, text, allowed, disallowed))]
    fn encode_checked_numpy<'py>(
        &self,
        py: Python<'py>,
        text: PyBackedStr,
        allowed: &Bound<'py, PyAny>,
        disallowed: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<u32>>> {
        let ids = self.checked(py, &text, allowed, disallowed)?;
        Ok(PyArray1::from_vec(py, ids))
    }

    /// Encode many texts into one flat uint32 array plus offsets (len + 1).
    #[pyo3(signature = (*, texts, allowed, disallowed, num_threads))]
    fn encode_flat<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<PyBackedStr>,
        allowed: &Bound<'py, PyAny>,
        disallowed: &Bound<'py, PyAny>,
        num_threads: Option<usize>,
    ) -> PyResult<FlatIds<'py>> {
        let parts = self.checked_batch(py, &texts, allowed, disallowed, num_threads)?;
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

    /// Per text, (tokens, byte-fallback tokens) of its ordinary encoding,
    /// without building the ids.
    #[pyo3(signature = (*, texts, num_threads))]
    fn tally_batch(
        &self,
        py: Python<'_>,
        texts: Vec<PyBackedStr>,
        num_threads: Option<usize>,
    ) -> PyResult<Vec<(u64, u64)>> {
        let pool = shared_pool(num_threads)?;
        let tallies = py.detach(|| pool.install(|| tally_batch(&self.inner, &texts)));
        Ok(tallies
            .map_err(CoreError)?
            .into_iter()
            .map(|t| (t.tokens, t.fallback))
            .collect())
    }

    /// A smaller tokenizer: the bytes, the specials, `keep`, and the tokens
    /// `corpus` uses (at least `min_count` times, or the most used up to
    /// `target_size` ids), each with what builds it. Returns it and the map
    /// old id -> new id (-1 for dropped).
    #[pyo3(signature = (*, keep, corpus, min_count, target_size))]
    fn prune(
        &self,
        py: Python<'_>,
        keep: Vec<u32>,
        corpus: Option<PyRef<'_, PyCounts>>,
        min_count: u64,
        target_size: Option<usize>,
    ) -> PyResult<(PyTokenizer, Vec<i64>)> {
        let request = PruneRequest {
            keep,
            corpus: corpus.as_ref().map(|c| &c.inner),
            min_count,
            target_size,
        };
        let out = py
            .detach(|| prune(&self.inner, &request))
            .map_err(CoreError)?;
        Ok((PyTokenizer::wrap(out.tokenizer), out.id_map))
    }

    /// BPE over one piece of bytes, with no pre-tokenization.
    #[pyo3(signature = (*, piece))]
    fn encode_piece(&self, py: Python<'_>, piece: &[u8]) -> Vec<u32> {
        py.detach(|| self.inner.encode_piece(piece))
    }

    /// Encode whole files (each one document) into a .bin or .npy token file.
    /// Returns (number of ids, document offsets).
    #[pyo3(signature = (*, paths, out, dtype, eot, progress))]
    fn encode_files(
        &self,
        py: Python<'_>,
        paths: Vec<PathBuf>,
        out: PathBuf,
        dtype: &str,
        eot: Option<u32>,
        progress: bool,
    ) -> CoreResult<(u64, Vec<u64>)> {
        let dtype = Dtype::parse(dtype)?;
        let pool = shared_pool(None)?;
        let written = py.detach(|| {
            pool.install(|| encode_files(&self.inner, &paths, &out, dtype, eot, progress))
        })?;
        Ok((written.tokens, written.doc_offsets))
    }

    /// An error unless every id fits `dtype` ("uint16" or "uint32").
    #[pyo3(signature = (*, dtype))]
    fn check_dtype(&self, dtype: &str) -> CoreResult<()> {
        Ok(Dtype::parse(dtype)?.check_fits(self.inner.vocab())?)
    }

    #[pyo3(signature = (*, ids))]
    fn decode_bytes<'py>(&self, py: Python<'py>, ids: Vec<u32>) -> CoreResult<Bound<'py, PyBytes>> {
        let bytes = py.detach(|| self.inner.decode_bytes(&ids))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// The bytes of `ids` without the added tokens marked special.
    #[pyo3(signature = (*, ids))]
    fn decode_bytes_skipping_specials<'py>(
        &self,
        py: Python<'py>,
        ids: Vec<u32>,
    ) -> CoreResult<Bound<'py, PyBytes>> {
        let bytes = py.detach(|| self.inner.decode_bytes_skipping_specials(&ids))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// The bytes of many id sequences, decoded in parallel.
    #[pyo3(signature = (*, batch, num_threads))]
    fn decode_bytes_batch<'py>(
        &self,
        py: Python<'py>,
        batch: Vec<Vec<u32>>,
        num_threads: Option<usize>,
    ) -> CoreResult<Vec<Bound<'py, PyBytes>>> {
        let pool = shared_pool(num_threads)?;
        let decoded = py.detach(|| pool.install(|| self.inner.decode_batch(&batch)))?;
        Ok(decoded.iter().map(|b| PyBytes::new(py, b)).collect())
    }

    /// The bytes of each id.
    #[pyo3(signature = (*, ids))]
    fn decode_tokens_bytes<'py>(
        &self,
        py: Python<'py>,
        ids: Vec<u32>,
    ) -> CoreResult<Vec<Bound<'py, PyBytes>>> {
        ids.iter()
            .map(|&id| Ok(PyBytes::new(py, self.token(id)?)))
            .collect()
    }

    /// The bytes of one token id (special tokens give their text).
    #[pyo3(signature = (*, id))]
    fn token_bytes<'py>(&self, py: Python<'py>, id: u32) -> CoreResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(py, self.token(id)?))
    }

    /// The id of a token given by its bytes, or None.
    #[pyo3(signature = (*, token))]
    fn token_id(&self, token: &[u8]) -> Option<u32> {
        self.inner.vocab().id_of(token)
    }

    #[pyo3(signature = (*, id))]
    fn is_special(&self, id: u32) -> bool {
        self.inner.vocab().is_special(id)
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

    /// The merge list in rank order, as id pairs.
    fn merges(&self) -> Vec<(u32, u32)> {
        self.inner.vocab().merges().to_vec()
    }

    /// The added tokens marked special, as (text, id).
    fn special_tokens(&self) -> Vec<(String, u32)> {
        self.inner
            .added_tokens()
            .iter()
            .filter(|t| t.special)
            .map(|t| (t.content.clone(), t.id))
            .collect()
    }

    /// Every added token: (content, id, special, single_word, lstrip, rstrip, normalized).
    fn added_tokens(&self) -> Vec<AddedTuple> {
        self.inner
            .added_tokens()
            .iter()
            .map(|t| {
                let AddedToken {
                    content,
                    id,
                    special,
                    single_word,
                    lstrip,
                    rstrip,
                    normalized,
                } = t.clone();
                (
                    content,
                    id,
                    special,
                    single_word,
                    lstrip,
                    rstrip,
                    normalized,
                )
            })
            .collect()
    }

    /// A tokenizer with `tokens` added as HF's `add_tokens` adds them, and how
    /// many of them changed anything. Each is (content, special, single_word,
    /// lstrip, rstrip, normalized).
    #[pyo3(signature = (*, tokens))]
    fn add_tokens(
        &self,
        py: Python<'_>,
        tokens: Vec<(String, bool, bool, bool, bool, bool)>,
    ) -> CoreResult<(PyTokenizer, usize)> {
        let requested = tokens
            .into_iter()
            .map(
                |(content, special, single_word, lstrip, rstrip, normalized)| AddedToken {
                    content,
                    id: 0,
                    special,
                    single_word,
                    lstrip,
                    rstrip,
                    normalized,
                },
            )
            .collect();
        let (tokenizer, added) = py.detach(|| self.inner.add_tokens(requested))?;
        Ok((PyTokenizer::wrap(tokenizer), added))
    }

    /// Whether `id` is an added token marked special.
    #[pyo3(signature = (*, id))]
    fn is_special_token(&self, id: u32) -> bool {
        self.inner.is_special_token(id)
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

    /// The pattern: its name ("gpt2", "gpt4", "o200k"), a regex, or None.
    #[getter]
    fn pattern(&self) -> Option<&str> {
        self.inner.pattern().name_or_regex()
    }

    /// The pattern's regex text as tiktoken writes it, or None.
    #[getter]
    fn pattern_regex(&self) -> Option<&str> {
        self.inner.pattern().regex()
    }

    /// The API's (normalization, lowercase) options the tokenizer applies.
    #[getter]
    fn normalization_options(&self) -> (Option<&'static str>, bool) {
        self.inner.normalization().options()
    }

    /// How a SuperBPE vocabulary was trained: (stage-1 pattern, transition).
    #[getter]
    fn curriculum(&self) -> Option<(Option<&str>, usize)> {
        self.inner
            .curriculum()
            .map(|c| (c.stage1_pattern.name_or_regex(), c.transition))
    }

    /// The ids put (before, after) a text when special tokens are added.
    #[getter]
    fn template(&self) -> (Vec<u32>, Vec<u32>) {
        let t = self.inner.template();
        (t.prefix.clone(), t.suffix.clone())
    }

    /// The vocabulary as a tiktoken rank file.
    fn to_tiktoken_text(&self) -> String {
        bytepair::io::tiktoken::write_ranks(self.inner.vocab())
    }

    fn to_native_json(&self) -> CoreResult<String> {
        let t = &self.inner;
        Ok(bytepair::io::native::to_json(
            t.vocab(),
            t.pattern(),
            t.normalization(),
            t.template(),
            t.curriculum(),
            t.added_tokens(),
        )?)
    }

    fn to_hf_json(&self) -> CoreResult<String> {
        let t = &self.inner;
        Ok(bytepair::io::hf::to_json(
            t.vocab(),
            t.pattern(),
            t.normalization(),
            t.template(),
            t.added_tokens(),
        )?)
    }
}

impl PyTokenizer {
    fn token(&self, id: u32) -> CoreResult<&[u8]> {
        self.inner
            .vocab()
            .token_bytes(id)
            .ok_or(CoreError(bytepair::Error::UnknownId(u64::from(id))))
    }
}
