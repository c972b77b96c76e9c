//! Inputs -> records -> scored records: reading pages, CSV and JSONL, building the
//! thread context and scoring with a model. (stub)

use crate::model::Score;

/// One comment to score, whatever its input format.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Source file name (`-` for stdin).
    pub source: String,
    /// The table's id, else the comment index, as a string.
    pub id: String,
    /// Stable key (hash of source and text).
    pub key: String,
    /// Comment index (pages) or 1-based row number (tables).
    pub index: usize,
    /// Parent comment index (pages only).
    pub parent: Option<usize>,
    /// Depth (0 for tables).
    pub depth: usize,
    /// Author, if known.
    pub author: Option<String>,
    /// Date (ISO when parsed), if known.
    pub date: Option<String>,
    /// Comment text.
    pub text: String,
}

/// A record with its score and thread neighbourhood.
#[derive(Debug, Clone)]
pub struct Scored {
    /// The comment.
    pub record: Record,
    /// The model's verdict.
    pub score: Score,
    /// The parent's text, when the comment is a reply.
    pub parent_text: Option<String>,
}
