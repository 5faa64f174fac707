//! Training: `train`, `train_extend`, `train_superbpe`, `train_bytes`, `train_parity`. Each builds the core's
//! request from its arguments, plans it, feeds it the corpus (files in one
//! core call, a Python iterator in buffers), and trains; the core decides
//! everything. Returns (tokenizer, report dict).

use crate::checkpoint::{Checkpointing, PyCheckpoint};
use crate::convert::{check_signals, in_buffers, report_dict, FileArg, TextInput};
use crate::counts::{feed, PyCounts};
use crate::errors::{wrong_type, CoreError};
use crate::pools::thread_pool;
use crate::tokenizer::PyTokenizer;
use bytepair::pretok::PatternSpec;
use bytepair::progress::Progress;
use bytepair::train::binary::ByteTrainConfig;
use bytepair::train::count::{total_size, Counts};
use bytepair::train::parity::{Balance, ParityConfig};
use bytepair::train::request::BytesPlan;
use bytepair::train::superbpe::{SuperConfig, SuperwordRules};
use bytepair::train::{
    BpeRequest, BytesRequest, ExtendConfig, ExtendRequest, LengthUnit, ParityRequest, Report,
    SuperbpeRequest, TextPlan, TrainConfig, Transition,
};
use bytepair::Normalization;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::PyDict;
use std::path::PathBuf;

type Trained<'py> = (PyTokenizer, Bound<'py, PyDict>);

fn trained<'py>(
    py: Python<'py>,
    (tok, report): (bytepair::Tokenizer, Report),
) -> PyResult<Trained<'py>> {
    Ok((PyTokenizer::wrap(tok), report_dict(py, &report)?))
}

/// Count `input` (unless it is counts already) and train `plan` on it,
/// checkpointing as `checkpointing` says.
fn run<'py>(
    py: Python<'py>,
    plan: impl TextPlan + Send + Sync,
    input: Input<'_>,
    checkpointing: &Checkpointing<'_>,
    (num_threads, progress): (Option<usize>, bool),
) -> PyResult<Trained<'py>> {
    let pool = thread_pool(num_threads)?;
    let counts = match input {
        Input::Counts(c) => c,
        Input::Text(text) => {
            let mut counter = pool.install(|| plan.counter());
            feed(py, text, &mut counter, &pool, progress)?;
            py.detach(|| pool.install(|| counter.finish_counts()))
        }
    };
    let mut journal = py.detach(|| checkpointing.journal(&counts))?;
    let result = py.detach(|| pool.install(|| plan.train(counts, journal.as_mut())));
    trained(py, result.map_err(CoreError)?)
}

/// What to train on: text to count, or counts made before.
enum Input<'py> {
    Text(TextInput<'py>),
    Counts(Vec<Counts>),
}

fn input<'py>(
    files: Option<Vec<FileArg>>,
    texts: Option<Bound<'py, PyAny>>,
    counts: Option<Vec<PyRef<'py, PyCounts>>>,
    checkpointing: &Checkpointing<'_>,
) -> PyResult<Input<'py>> {
    if let Some(inputs) = checkpointing.resumed_inputs() {
        if files.is_some() || texts.is_some() || counts.is_some() {
            return Err(wrong_type(
                "a resumed run trains on its checkpoint's counts",
            ));
        }
        return Ok(Input::Counts(inputs));
    }
    match (TextInput::from_args(files, texts)?, counts) {
        (Some(t), None) => Ok(Input::Text(t)),
        // Counts are immutable from Python: the core trains on a copy.
        (None, Some(c)) => Ok(Input::Counts(c.iter().map(|c| c.inner.clone()).collect())),
        _ => Err(wrong_type("give exactly one of files=, texts= or counts=")),
    }
}

/// Plain byte-level BPE (`bytepair.train`).
#[pyfunction]
#[pyo3(signature = (*, vocab_size, special_tokens, min_frequency, max_token_length, unit,
    specials_first, pad_to, forced_tokens, pattern, normalization, lowercase, max_distinct,
    num_threads, progress, files=None, texts=None, counts=None, checkpoint=None,
    checkpoint_header=None, resume=None))]
#[allow(clippy::too_many_arguments)]
pub fn train<'py>(
    py: Python<'py>,
    vocab_size: usize,
    special_tokens: Vec<String>,
    min_frequency: u64,
    max_token_length: Option<usize>,
    unit: &str,
    specials_first: bool,
    pad_to: Option<usize>,
    forced_tokens: Vec<String>,
    pattern: Option<&str>,
    normalization: Option<&str>,
    lowercase: bool,
    max_distinct: Option<usize>,
    num_threads: Option<usize>,
    progress: bool,
    files: Option<Vec<FileArg>>,
    texts: Option<Bound<'py, PyAny>>,
    counts: Option<Vec<PyRef<'py, PyCounts>>>,
    checkpoint: Option<PathBuf>,
    checkpoint_header: Option<String>,
    resume: Option<PyRef<'py, PyCheckpoint>>,
) -> PyResult<Trained<'py>> {
    let checkpointing = Checkpointing::from_args(checkpoint, checkpoint_header, resume.as_deref())?;
    let request = BpeRequest {
        config: TrainConfig {
            vocab_size,
            special_tokens,
            min_frequency,
            max_token_length,
            length_unit: LengthUnit::parse(unit).map_err(CoreError)?,
            specials_first,
            pad_to,
            forced_tokens: forced_tokens.into_iter().map(String::into_bytes).collect(),
            progress,
        },
        pattern: PatternSpec::from_option(pattern),
        normalization: Normalization::from_options(normalization, lowercase).map_err(CoreError)?,
        max_distinct,
    };
    let input = input(files, texts, counts, &checkpointing)?;
    let plan = request.plan().map_err(CoreError)?;
    run(py, plan, input, &checkpointing, (num_threads, progress))
}

/// Plain BPE continued on top of `base` (`bytepair.train(base=)`), on text
/// counted with the base's pattern and normalization.
#[pyfunction]
#[pyo3(signature = (*, base, vocab_size, special_tokens, min_frequency, max_token_length,
    max_distinct, num_threads, progress, files=None, texts=None, counts=None))]
#[allow(clippy::too_many_arguments)]
pub fn train_extend<'py>(
    py: Python<'py>,
    base: PyRef<'py, PyTokenizer>,
    vocab_size: usize,
    special_tokens: Vec<String>,
    min_frequency: u64,
    max_token_length: Option<usize>,
    max_distinct: Option<usize>,
    num_threads: Option<usize>,
    progress: bool,
    files: Option<Vec<FileArg>>,
    texts: Option<Bound<'py, PyAny>>,
    counts: Option<Vec<PyRef<'py, PyCounts>>>,
) -> PyResult<Trained<'py>> {
    let request = ExtendRequest {
        config: ExtendConfig {
            vocab_size,
            special_tokens,
            min_frequency,
            max_token_length,
            progress,
        },
        base: &base.inner,
        max_distinct,
    };
    let off = Checkpointing::Off;
    let input = input(files, texts, counts, &off)?;
    let plan = request.plan().map_err(CoreError)?;
    run(py, plan, input, &off, (num_threads, progress))
}

/// Parity-aware BPE (`bytepair.train({lang: corpus}, parity=...)`) on
/// counts the Python layer made per language, dev counts in the same order
/// (or `ratios` instead).
#[pyfunction]
#[pyo3(signature = (*, vocab_size, special_tokens, min_frequency, max_token_length, unit,
    specials_first, pad_to, pattern, normalization, lowercase, balance, window, alpha,
    global_merges, ratios, train, dev, progress))]
#[allow(clippy::too_many_arguments)]
pub fn train_parity<'py>(
    py: Python<'py>,
    vocab_size: usize,
    special_tokens: Vec<String>,
    min_frequency: u64,
    max_token_length: Option<usize>,
    unit: &str,
    specials_first: bool,
    pad_to: Option<usize>,
    pattern: Option<&str>,
    normalization: Option<&str>,
    lowercase: bool,
    balance: &str,
    window: usize,
    alpha: f64,
    global_merges: usize,
    ratios: Option<Vec<f64>>,
    train: Vec<PyRef<'py, PyCounts>>,
    dev: Vec<PyRef<'py, PyCounts>>,
    progress: bool,
) -> PyResult<Trained<'py>> {
    let balance = match balance {
        "max-min" => Balance::MaxMin,
        "window" => Balance::Window {
            size: window,
            alpha,
        },
        other => {
            return Err(CoreError(bytepair::Error::config(format!(
                "balance must be \"max-min\" or \"window\", not {other:?}"
            )))
            .into())
        }
    };
    let request = ParityRequest {
        config: TrainConfig {
            vocab_size,
            special_tokens,
            min_frequency,
            max_token_length,
            length_unit: LengthUnit::parse(unit).map_err(CoreError)?,
            specials_first,
            pad_to,
            forced_tokens: Vec::new(),
            progress,
        },
        pattern: PatternSpec::from_option(pattern),
        normalization: Normalization::from_options(normalization, lowercase).map_err(CoreError)?,
        parity: ParityConfig {
            balance,
            global_merges,
        },
        ratios,
    };
    let plan = request.plan().map_err(CoreError)?;
    // Counts are immutable from Python: the core trains on copies.
    let train: Vec<Counts> = train.iter().map(|c| c.inner.clone()).collect();
    let dev: Vec<Counts> = dev.iter().map(|c| c.inner.clone()).collect();
    let result = py.detach(|| plan.train(train, dev));
    trained(py, result.map_err(CoreError)?)
}

/// How many merges stage 1 learns, from Python: an int, or a float share.
#[derive(FromPyObject)]
pub enum TransitionArg {
    Merges(usize),
    Fraction(f64),
}

/// The SuperBPE curriculum (`bytepair.train_superbpe`); with `base`,
/// stage 2 only, on top of that tokenizer.
#[pyfunction]
#[pyo3(signature = (*, vocab_size, transition, stage1_pattern, stage2_pattern, special_tokens,
    min_frequency, max_token_length, max_words_per_token, forbidden_substrings, num_threads,
    progress, base=None, files=None, texts=None, counts=None, checkpoint=None,
    checkpoint_header=None, resume=None))]
#[allow(clippy::too_many_arguments)]
pub fn train_superbpe<'py>(
    py: Python<'py>,
    vocab_size: usize,
    transition: TransitionArg,
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
    files: Option<Vec<FileArg>>,
    texts: Option<Bound<'py, PyAny>>,
    counts: Option<Vec<PyRef<'py, PyCounts>>>,
    checkpoint: Option<PathBuf>,
    checkpoint_header: Option<String>,
    resume: Option<PyRef<'py, PyCheckpoint>>,
) -> PyResult<Trained<'py>> {
    let checkpointing = Checkpointing::from_args(checkpoint, checkpoint_header, resume.as_deref())?;
    if base.is_some() && !matches!(checkpointing, Checkpointing::Off) {
        return Err(CoreError(bytepair::Error::config(
            "checkpoints of SuperBPE on a base are not supported yet",
        ))
        .into());
    }
    let request = SuperbpeRequest {
        config: SuperConfig {
            vocab_size,
            transition: 0,
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
        },
        transition: match transition {
            TransitionArg::Merges(m) => Transition::Merges(m),
            TransitionArg::Fraction(f) => Transition::Fraction(f),
        },
        stage1_pattern: PatternSpec::from_option(stage1_pattern),
        stage2_pattern: PatternSpec::from_option(stage2_pattern),
        base: base.as_ref().map(|b| &b.inner),
    };
    let input = input(files, texts, counts, &checkpointing)?;
    let plan = request.plan().map_err(CoreError)?;
    run(py, plan, input, &checkpointing, (num_threads, progress))
}

/// Byte-level BPE over raw bytes (`bytepair.train_bytes`): files, each read
/// in windows, or an iterable of bytes objects (each a document).
#[pyfunction]
#[pyo3(signature = (*, vocab_size, window, split_on_nul, max_token_length, allowed_lengths,
    min_frequency, special_tokens, num_threads, progress, files=None, documents=None,
    checkpoint=None, checkpoint_header=None, resume=None))]
#[allow(clippy::too_many_arguments)]
pub fn train_bytes<'py>(
    py: Python<'py>,
    vocab_size: usize,
    window: usize,
    split_on_nul: bool,
    max_token_length: Option<usize>,
    allowed_lengths: Option<Vec<usize>>,
    min_frequency: u64,
    special_tokens: Vec<String>,
    num_threads: Option<usize>,
    progress: bool,
    files: Option<Vec<PathBuf>>,
    documents: Option<Bound<'py, PyAny>>,
    checkpoint: Option<PathBuf>,
    checkpoint_header: Option<String>,
    resume: Option<PyRef<'py, PyCheckpoint>>,
) -> PyResult<Trained<'py>> {
    let checkpointing = Checkpointing::from_args(checkpoint, checkpoint_header, resume.as_deref())?;
    let request = BytesRequest {
        config: ByteTrainConfig {
            vocab_size,
            window,
            split_on_nul,
            max_token_length,
            allowed_lengths,
            min_frequency,
            special_tokens,
            progress,
        },
    };
    let pool = thread_pool(num_threads)?;
    let plan = request.plan().map_err(CoreError)?;
    let pieces = match (checkpointing.resumed_inputs(), files, documents) {
        (Some(mut inputs), None, None) if inputs.len() == 1 => inputs.remove(0),
        (Some(_), _, _) => {
            return Err(wrong_type(
                "a resumed run trains on its checkpoint's counts (one, of byte pieces)",
            ))
        }
        (None, files, documents) => count_bytes(py, &plan, &pool, (files, documents), progress)?,
    };
    let pieces = vec![pieces];
    let mut journal = py.detach(|| checkpointing.journal(&pieces))?;
    let result = py.detach(|| {
        let pieces = pieces.into_iter().next().unwrap_or_default();
        pool.install(|| plan.train(pieces, journal.as_mut()))
    });
    trained(py, result.map_err(CoreError)?)
}

/// Count byte documents: files, each read in windows, or an iterable of bytes.
fn count_bytes(
    py: Python<'_>,
    plan: &BytesPlan,
    pool: &rayon::ThreadPool,
    (files, documents): (Option<Vec<PathBuf>>, Option<Bound<'_, PyAny>>),
    progress: bool,
) -> PyResult<Counts> {
    let mut counter = pool.install(|| plan.counter());
    match (files, documents) {
        (Some(paths), None) => {
            py.detach(|| {
                pool.install(|| -> bytepair::Result<()> {
                    let total = total_size(&paths)?;
                    let bar = Progress::bytes(progress, Some(total), "counting");
                    for p in &paths {
                        counter.add_file(p, &bar, &mut check_signals)?;
                    }
                    bar.finish();
                    Ok(())
                })
            })
            .map_err(CoreError)?;
        }
        (None, Some(docs)) => {
            let bar = Progress::bytes(progress, None, "counting");
            in_buffers::<PyBackedBytes>(&docs, "bytes", &bar, |buffer| {
                py.detach(|| pool.install(|| counter.add_documents(&buffer)));
                Ok(())
            })?;
            bar.finish();
        }
        _ => return Err(wrong_type("give exactly one of files= or documents=")),
    }
    Ok(BytesPlan::pieces(counter))
}
