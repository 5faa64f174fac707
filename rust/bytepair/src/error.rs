//! One error type for the core. The Python bindings map each variant to a Python
//! exception class in one place (`bytepair-python/src/errors.rs`).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A training or encoding option is out of range or inconsistent.
    #[error("{0}")]
    InvalidConfig(String),

    /// A user-supplied regular expression does not compile.
    #[error("invalid pre-tokenization pattern {pattern:?}: {message}")]
    InvalidPattern { pattern: String, message: String },

    /// The regex engine gave up on an input (backtracking limit).
    #[error("pre-tokenization regex failed on the input: {0}")]
    RegexRuntime(String),

    /// Text input that is not valid UTF-8.
    #[error("{source_name}: invalid UTF-8 at byte offset {offset}")]
    InvalidUtf8 { source_name: String, offset: u64 },

    /// A file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A tokenizer file is malformed; `context` says where.
    #[error("{context}: {message}")]
    BadFormat { context: String, message: String },

    /// A token id that is not in the vocabulary.
    #[error("invalid token id {0}")]
    UnknownId(u64),

    /// The text contains a special token the caller disallowed (tiktoken's check).
    #[error("Encountered text corresponding to disallowed special token {0:?}")]
    DisallowedSpecial(String),

    /// A checkpoint does not belong to the run resuming it.
    #[error("{0}")]
    CheckpointMismatch(String),

    /// The user interrupted a long operation.
    #[error("interrupted")]
    Interrupted,
}

impl Error {
    pub fn config(msg: impl Into<String>) -> Self {
        Error::InvalidConfig(msg.into())
    }

    pub fn bad_format(context: impl Into<String>, message: impl Into<String>) -> Self {
        Error::BadFormat {
            context: context.into(),
            message: message.into(),
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
