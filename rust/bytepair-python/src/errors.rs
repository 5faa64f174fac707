//! Core errors -> Python exceptions, in one place.
//!
//! | core error                         | Python exception                  |
//! |------------------------------------|-----------------------------------|
//! | InvalidConfig, InvalidPattern,     | `BytepairError` (a `ValueError`)  |
//! | RegexRuntime                       |                                   |
//! | BadFormat                          | `FormatError(BytepairError)`      |
//! | InvalidUtf8                        | `InvalidUtf8Error(BytepairError)` |
//! | Io                                 | `OSError` (or its subclass)       |
//! | UnknownId                          | `KeyError`                        |
//! | Interrupted                        | `KeyboardInterrupt`               |
//! | DisallowedSpecial                  | `DisallowedSpecialError` (tiktoken's message) |
//! | CheckpointMismatch                 | `CheckpointMismatchError(BytepairError)` |
//!
//! The binding's own errors are Python type errors ([`wrong_type`]): a value
//! that cannot be converted at all. Everything else is a core error.

use bytepair::Error;
use pyo3::exceptions::{
    PyFileExistsError, PyFileNotFoundError, PyIsADirectoryError, PyKeyError, PyKeyboardInterrupt,
    PyOSError, PyPermissionError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;

pyo3::create_exception!(
    bytepair._core,
    BytepairError,
    PyValueError,
    "Bad input to bytepair: an option, a pattern, a file's contents."
);
pyo3::create_exception!(
    bytepair._core,
    FormatError,
    BytepairError,
    "A tokenizer file is malformed."
);
pyo3::create_exception!(
    bytepair._core,
    InvalidUtf8Error,
    BytepairError,
    "Text input that is not valid UTF-8."
);

pyo3::create_exception!(
    bytepair._core,
    CheckpointMismatchError,
    BytepairError,
    "A training checkpoint that does not belong to the run resuming it."
);

pyo3::create_exception!(
    bytepair._core,
    DisallowedSpecialError,
    BytepairError,
    "The text contains a special token that the call disallows (tiktoken's check)."
);

/// tiktoken's message, word for word, with Python's repr of the token.
fn disallowed_message(token: &str) -> String {
    let r = Python::attach(|py| {
        pyo3::types::PyString::new(py, token)
            .repr()
            .map(|r| r.to_string())
    })
    .unwrap_or_else(|_| format!("{token:?}"));
    format!(
        "Encountered text corresponding to disallowed special token {r}.\n\
         If you want this text to be encoded as a special token, pass it to `allowed_special`, e.g. `allowed_special={{{r}, ...}}`.\n\
         If you want this text to be encoded as normal text, disable the check for this token by passing `disallowed_special=(enc.special_tokens_set - {{{r}}})`.\n\
         To disable this check for all special tokens, pass `disallowed_special=()`.\n"
    )
}

pub struct CoreError(pub Error);

impl From<Error> for CoreError {
    fn from(e: Error) -> Self {
        CoreError(e)
    }
}

impl From<CoreError> for PyErr {
    fn from(e: CoreError) -> PyErr {
        let msg = e.0.to_string();
        match e.0 {
            Error::InvalidConfig(_) | Error::InvalidPattern { .. } | Error::RegexRuntime(_) => {
                BytepairError::new_err(msg)
            }
            Error::BadFormat { .. } => FormatError::new_err(msg),
            Error::CheckpointMismatch(_) => CheckpointMismatchError::new_err(msg),
            Error::InvalidUtf8 { .. } => InvalidUtf8Error::new_err(msg),
            Error::UnknownId(id) => {
                PyKeyError::new_err(format!("Invalid token for decoding: {id}"))
            }
            Error::Interrupted => PyKeyboardInterrupt::new_err(()),
            Error::DisallowedSpecial(token) => {
                DisallowedSpecialError::new_err(disallowed_message(&token))
            }
            Error::Io { path, source } => {
                let errno = source.raw_os_error().unwrap_or(match source.kind() {
                    std::io::ErrorKind::AlreadyExists => 17, // EEXIST
                    _ => 0,
                });
                let args = (errno, source.to_string(), path.display().to_string());
                match source.kind() {
                    std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(args),
                    std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(args),
                    std::io::ErrorKind::IsADirectory => PyIsADirectoryError::new_err(args),
                    std::io::ErrorKind::AlreadyExists => PyFileExistsError::new_err(args),
                    _ => PyOSError::new_err(args),
                }
            }
        }
    }
}

pub type CoreResult<T> = Result<T, CoreError>;

/// A Python value of the wrong type (a corpus item that is not str, say).
pub fn wrong_type(message: impl Into<String>) -> PyErr {
    PyTypeError::new_err(message.into())
}

/// The name of a Python value's type, for messages.
pub fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map_or_else(|_| "?".to_string(), |n| n.to_string())
}

/// Put the exception classes on the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("BytepairError", py.get_type::<BytepairError>())?;
    m.add("FormatError", py.get_type::<FormatError>())?;
    m.add("InvalidUtf8Error", py.get_type::<InvalidUtf8Error>())?;
    m.add(
        "CheckpointMismatchError",
        py.get_type::<CheckpointMismatchError>(),
    )?;
    m.add(
        "DisallowedSpecialError",
        py.get_type::<DisallowedSpecialError>(),
    )?;
    Ok(())
}
