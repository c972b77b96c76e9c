//! The thread model: a page's article and its comments as a reply tree.
//! `parse` turns raw page bytes into a `Thread`; every later stage trusts it.

use serde::Serialize;

mod link;
mod parse;

pub use parse::parse;

/// How the page's comments were laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Structure {
    /// Numbered / bulleted comments closed by `Répondre`.
    Nested,
    /// One comment per non-empty line after the article.
    Flat,
    /// No comment section.
    None,
}

/// One comment of a thread.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comment {
    /// 1-based, document order.
    pub index: usize,
    /// Index of the parent comment, if a reply.
    pub parent: Option<usize>,
    /// 0 = top level.
    pub depth: usize,
    /// Author, when the page gives one.
    pub author: Option<String>,
    /// ISO 8601 when parseable, else the raw date.
    pub date: Option<String>,
    /// The date as written.
    pub date_raw: Option<String>,
    /// The body (see DESIGN.md: lines stripped, joined by `\n`).
    pub text: String,
    /// Byte range of the comment in the input as read.
    pub span: (usize, usize),
    /// True only when the parent link was inferred (flat dumps).
    pub inferred: bool,
    /// Stable id: hash of source name and text.
    pub key: String,
}

/// A parsed page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Thread {
    /// The source name (file path or `-`).
    pub source: String,
    /// Layout found.
    pub structure: Structure,
    /// The article text, if any.
    pub article: Option<String>,
    /// Comments in document order.
    pub comments: Vec<Comment>,
    /// Non-fatal problems (e.g. invalid UTF-8), one line each, naming the source.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// Reads a page from a file (or stdin for `-`) and parses it.
pub fn read_page(path: &str) -> crate::Result<Thread> {
    let bytes = read_bytes(path)?;
    parse(path, &bytes)
}

/// Reads a whole input: a file, or stdin for `-`. A directory is an error naming it.
pub fn read_bytes(path: &str) -> crate::Result<Vec<u8>> {
    use std::io::Read;
    if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| crate::Error::io("-", e))?;
        return Ok(buf);
    }
    let p = std::path::Path::new(path);
    if p.is_dir() {
        return Err(crate::Error::Other(format!(
            "{path}: is a directory, not a page"
        )));
    }
    std::fs::read(p).map_err(|e| crate::Error::io(path, e))
}

/// The `thread --format json` object of DESIGN.md (fields may be added, never renamed).
pub fn to_json(t: &Thread) -> ThreadJson<'_> {
    ThreadJson {
        tamis_version: env!("CARGO_PKG_VERSION"),
        source: &t.source,
        structure: t.structure,
        article: t.article.as_deref(),
        comments: &t.comments,
    }
}

/// The serialised form of a thread, fields in contract order.
#[derive(Debug, Serialize)]
pub struct ThreadJson<'a> {
    /// Version of the tamis that parsed it.
    pub tamis_version: &'static str,
    /// Source name.
    pub source: &'a str,
    /// Layout found.
    pub structure: Structure,
    /// Article text.
    pub article: Option<&'a str>,
    /// Comments.
    pub comments: &'a [Comment],
}

/// The stable key of a comment: a hash of the source's file name, the text and the
/// occurrence number of that text in the source.
pub fn key_for(source: &str, text: &str, occurrence: u32) -> String {
    let name = std::path::Path::new(source)
        .file_name()
        .map_or_else(|| source.to_string(), |n| n.to_string_lossy().into_owned());
    link::key(&name, text, occurrence)
}
