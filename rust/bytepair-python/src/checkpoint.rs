//! `_core.Checkpoint` (`read_checkpoint`) and the journal a training call
//! writes its checkpoint with.

use crate::counts::PyCounts;
use crate::errors::CoreResult;
use bytepair::io::checkpoint::{self, Checkpoint, Header, Writer};
use bytepair::train::count::Counts;
use bytepair::train::journal::{Journal, NoJournal};
use pyo3::prelude::*;
use std::path::PathBuf;

/// A checkpoint read back: its settings, source, counts and how far it got.
#[pyclass(name = "Checkpoint", module = "bytepair._core", frozen)]
pub struct PyCheckpoint {
    pub path: PathBuf,
    pub inner: Checkpoint,
}

/// Read and check the checkpoint at `path`.
#[pyfunction]
#[pyo3(signature = (*, path))]
pub fn read_checkpoint(py: Python<'_>, path: PathBuf) -> CoreResult<PyCheckpoint> {
    let inner = py.detach(|| checkpoint::open(&path))?;
    Ok(PyCheckpoint { path, inner })
}

#[pymethods]
impl PyCheckpoint {
    #[getter]
    fn kind(&self) -> &str {
        &self.inner.header.kind
    }

    /// The trainer's settings, as JSON.
    #[getter]
    fn settings(&self) -> String {
        self.inner.header.settings.to_string()
    }

    /// What was counted, as JSON.
    #[getter]
    fn source(&self) -> String {
        self.inner.header.source.to_string()
    }

    #[getter]
    fn every(&self) -> usize {
        self.inner.header.every
    }

    /// `(merges logged, stopped)` for each stage begun.
    #[getter]
    fn stages(&self) -> Vec<(usize, bool)> {
        self.inner
            .log
            .iter()
            .zip(&self.inner.ended)
            .map(|(l, &e)| (l.len(), e))
            .collect()
    }

    /// What the run trains on (copies).
    #[getter]
    fn inputs(&self) -> Vec<PyCounts> {
        self.inner
            .inputs
            .iter()
            .map(|c| PyCounts { inner: c.clone() })
            .collect()
    }
}

/// Where a training call checkpoints: nowhere, a new file (with its header
/// as JSON), or the checkpoint it resumes.
pub enum Checkpointing<'a> {
    Off,
    New { path: PathBuf, header: String },
    Resume(&'a PyCheckpoint),
}

impl<'a> Checkpointing<'a> {
    pub fn from_args(
        path: Option<PathBuf>,
        header: Option<String>,
        resume: Option<&'a PyCheckpoint>,
    ) -> PyResult<Self> {
        match (path, header, resume) {
            (None, None, None) => Ok(Checkpointing::Off),
            (Some(path), Some(header), None) => Ok(Checkpointing::New { path, header }),
            (None, None, Some(r)) => Ok(Checkpointing::Resume(r)),
            _ => Err(crate::errors::wrong_type(
                "give checkpoint= with checkpoint_header=, or resume= alone",
            )),
        }
    }

    /// The counts a resumed run trains on.
    pub fn resumed_inputs(&self) -> Option<Vec<Counts>> {
        match self {
            Checkpointing::Resume(r) => Some(r.inner.inputs.clone()),
            _ => None,
        }
    }

    /// The journal for a run over `inputs` (written to disk for a new checkpoint).
    pub fn journal(&self, inputs: &[Counts]) -> CoreResult<Box<dyn Journal + Send>> {
        Ok(match self {
            Checkpointing::Off => Box::new(NoJournal),
            Checkpointing::New { path, header } => {
                let header = Header::from_json(header)?;
                let refs: Vec<&Counts> = inputs.iter().collect();
                Box::new(Writer::create(path, &header, &refs)?)
            }
            Checkpointing::Resume(r) => Box::new(Writer::resume(&r.path, &r.inner)?),
        })
    }
}
