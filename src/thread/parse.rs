//! Page text -> comment blocks. (stub)
use super::{Structure, Thread};

/// Parses raw page bytes into a thread.
pub fn parse(source: &str, bytes: &[u8]) -> crate::Result<Thread> {
    let _ = bytes;
    Ok(Thread { source: source.to_string(), structure: Structure::None, article: None, comments: vec![], warnings: vec![] })
}
