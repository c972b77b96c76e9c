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
