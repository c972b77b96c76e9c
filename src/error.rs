//! The library's one error type. Every variant names the file (and the line or byte
//! offset when there is one) so the binary can print a single useful line.

use std::path::PathBuf;

/// Errors raised by any stage of tamis.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned (`-` for stdin/stdout).
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The input is not a text page (NUL bytes).
    #[error("{path}: not a text page (NUL byte at offset {offset})")]
    Binary {
        /// The file concerned.
        path: PathBuf,
        /// Byte offset of the first NUL.
        offset: usize,
    },
    /// A table or JSONL row is malformed; `line` is 1-based.
    #[error("{path}:{line}: {message}")]
    Row {
        /// The file concerned.
        path: PathBuf,
        /// 1-based line number in the file.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A model file cannot be used.
    #[error("{path}: {message}")]
    Model {
        /// The model file (or `<embedded>`).
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Bad parameter values (checked once, before any work).
    #[error("invalid parameter: {0}")]
    Params(String),
    /// Anything else, already phrased for the user.
    #[error("{0}")]
    Other(String),
}

/// The library's result alias.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// A row error at `path:line`.
    pub fn row(path: impl Into<PathBuf>, line: u64, message: impl Into<String>) -> Self {
        Error::Row {
            path: path.into(),
            line,
            message: message.into(),
        }
    }
}
