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

use bytepair::Error;
use pyo3::exceptions::{
    PyFileNotFoundError, PyIsADirectoryError, PyKeyError, PyKeyboardInterrupt, PyOSError,
    PyPermissionError, PyValueError,
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
            Error::InvalidUtf8 { .. } => InvalidUtf8Error::new_err(msg),
            Error::UnknownId(id) => {
                PyKeyError::new_err(format!("Invalid token for decoding: {id}"))
            }
            Error::Interrupted => PyKeyboardInterrupt::new_err(()),
            Error::Io { path, source } => {
                let errno = source.raw_os_error().unwrap_or(0);
                let args = (errno, source.to_string(), path.display().to_string());
                match source.kind() {
                    std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(args),
                    std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(args),
                    std::io::ErrorKind::IsADirectory => PyIsADirectoryError::new_err(args),
                    _ => PyOSError::new_err(args),
                }
            }
        }
    }
}

pub type CoreResult<T> = Result<T, CoreError>;
