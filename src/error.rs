//! The library's one error type. Every variant names the file (and the line or byte
//! offset when there is one) so the binary can print a single useful line.

use std::path::PathBuf;

/// Errors raised by any stage of tamis.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{}: {}", .path.display(), describe_io(.source))]
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

/// An I/O error as a user reads it: the system's words without "(os error 2)", and
/// never the name of a temporary file (the path the error is about is printed before).
pub fn describe_io(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let plain = match e.kind() {
        K::NotFound => Some("no such file or directory"),
        K::PermissionDenied => Some("permission denied"),
        K::AlreadyExists => Some("already exists"),
        K::IsADirectory => Some("is a directory"),
        K::NotADirectory => Some("a parent is not a directory"),
        K::StorageFull => Some("no space left on the device"),
        K::ReadOnlyFilesystem => Some("read-only file system"),
        K::BrokenPipe => Some("broken pipe"),
        _ => None,
    };
    if let Some(p) = plain {
        return p.to_string();
    }
    let mut text = e.to_string();
    // tempfile appends ` at path "…/.tamis-XXXX.tmp"`; the OS appends ` (os error N)`.
    if let Some(i) = text.find(" at path ") {
        text.truncate(i);
    }
    if let Some(i) = text.rfind(" (os error ") {
        text.truncate(i);
    }
    text
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_read_without_os_codes_or_temp_names() {
        let e = Error::io("q.csv", std::io::Error::from(std::io::ErrorKind::NotFound));
        assert_eq!(e.to_string(), "q.csv: no such file or directory");
        let raw = std::io::Error::from_raw_os_error(2);
        assert!(raw.to_string().contains("(os error 2)"));
        assert_eq!(describe_io(&raw), "no such file or directory");
        let wrapped = std::io::Error::other("disk on fire at path \"/d/.tamis-x.tmp\"");
        assert_eq!(describe_io(&wrapped), "disk on fire");
        let other = std::io::Error::from_raw_os_error(5);
        assert!(
            !describe_io(&other).contains("os error"),
            "{}",
            describe_io(&other)
        );
    }
}
