//! The thread model: a page's article and its comments as a reply tree.
//! `parse` turns raw page bytes into a `Thread`; every later stage trusts it.

use serde::Serialize;

mod decode;
mod export;
mod html;
mod link;
mod parse;

pub use decode::encoding_for_label;
pub use parse::parse;

/// The text of an HTML fragment (a comment body), as a reader sees it: tags dropped,
/// entities decoded, `<br>` and blocks as line breaks, scripts, styles and forms left
/// out, whitespace collapsed, one line per line of text.
pub fn html_fragment_text(html: &str) -> String {
    html::fragment_lines(html).join("\n")
}

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
    /// Informational lines for stderr (encoding used, no comment found, posts left out of
    /// an export), one line each, naming the source.
    #[serde(skip)]
    pub notes: Vec<String>,
    /// The encoding the input was decoded from (`UTF-8`, `UTF-16LE`, `windows-1252`…).
    #[serde(skip)]
    pub encoding: &'static str,
}

/// The largest page read whole (text dumps and HTML): 256 MiB. Beyond it reading stops
/// with an error instead of buffering an endless input (`/dev/zero`). Exports (WXR,
/// Disqus) are streamed and have no such bound.
pub const MAX_PAGE_BYTES: u64 = 256 << 20;

/// How to read inputs.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// Decode with this encoding instead of detecting one (`--encoding`).
    pub encoding: Option<&'static encoding_rs::Encoding>,
}

/// Reads a page from a file (or stdin for `-`) and parses it. An export holding several
/// threads yields its first one; `read_threads` yields them all.
pub fn read_page(path: &str) -> crate::Result<Thread> {
    let mut first = None;
    read_threads(path, &ReadOptions::default(), |t| {
        if first.is_none() {
            first = Some(t);
        }
        Ok(())
    })?;
    Ok(first.unwrap_or_else(|| empty(path)))
}

/// A thread without comments (an export without posts).
fn empty(source: &str) -> Thread {
    Thread {
        source: source.to_string(),
        structure: Structure::None,
        article: None,
        comments: Vec::new(),
        warnings: Vec::new(),
        notes: Vec::new(),
        encoding: "UTF-8",
    }
}

/// Reads every thread of an input, detected by content: a WordPress WXR or Disqus XML
/// export (one thread per post / Disqus thread, streamed: memory stays proportional to
/// one thread), a saved HTML page, or a text dump. Calls `each` once per thread, in
/// input order.
pub fn read_threads(
    path: &str,
    opts: &ReadOptions,
    each: impl FnMut(Thread) -> crate::Result<()>,
) -> crate::Result<()> {
    let input = open(path)?;
    read_threads_from(path, input, opts, each)
}

/// `read_threads` over any reader (`path` names it in messages): what the fuzz target of
/// the input formats drives with arbitrary bytes.
pub fn read_threads_from(
    path: &str,
    mut input: impl std::io::Read,
    opts: &ReadOptions,
    mut each: impl FnMut(Thread) -> crate::Result<()>,
) -> crate::Result<()> {
    use std::io::Read;
    // The first bytes decide the format; they are put back in front of the rest.
    let mut head = Vec::with_capacity(4096);
    (&mut input)
        .take(4096)
        .read_to_end(&mut head)
        .map_err(|e| crate::Error::io(path, e))?;
    let reader = std::io::Cursor::new(head.clone()).chain(input);
    if let Some(kind) = export::sniff(&head) {
        return export::read(path, kind, std::io::BufReader::new(reader), &mut each);
    }
    let bytes = read_bounded(path, reader)?;
    let t = if html::sniff(&head) {
        html::parse(path, &bytes, opts.encoding)?
    } else {
        let mut t = parse::parse_with(path, &bytes, opts.encoding)?;
        if t.comments.is_empty() && !bytes.iter().any(|b| !b.is_ascii_whitespace()) {
            t.notes
                .push(format!("{path}: no comments found (empty input)"));
        } else if t.comments.is_empty() {
            t.notes.push(format!(
                "{path}: no comments found (expected comments closed by `Répondre`, numbered \
                 or bulleted markers, `NAME dit :` author lines, or one comment per line after \
                 the article)"
            ));
        }
        t
    };
    each(t)
}

/// A file, or stdin for `-`; a directory is an error naming it.
fn open(path: &str) -> crate::Result<Box<dyn std::io::Read>> {
    if path == "-" {
        return Ok(Box::new(std::io::stdin()));
    }
    let p = std::path::Path::new(path);
    if p.is_dir() {
        return Err(crate::Error::Other(format!(
            "{path}: is a directory, not a page"
        )));
    }
    let f = std::fs::File::open(p).map_err(|e| crate::Error::io(path, e))?;
    Ok(Box::new(f))
}

/// Reads at most `MAX_PAGE_BYTES`; more is an error naming the input.
fn read_bounded(path: &str, r: impl std::io::Read) -> crate::Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::new();
    r.take(MAX_PAGE_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| crate::Error::io(path, e))?;
    if buf.len() as u64 > MAX_PAGE_BYTES {
        return Err(crate::Error::Other(format!(
            "{path}: page larger than {} MiB, the maximum page size (split it, or use an \
             export or a table)",
            MAX_PAGE_BYTES >> 20
        )));
    }
    Ok(buf)
}

/// Reads a whole input: a file, or stdin for `-`, at most `MAX_PAGE_BYTES`. A directory
/// is an error naming it.
pub fn read_bytes(path: &str) -> crate::Result<Vec<u8>> {
    read_bounded(path, open(path)?)
}

/// The `thread --format json` object of DESIGN.md (fields may be added, never renamed).
pub fn to_json(t: &Thread) -> ThreadJson<'_> {
    ThreadJson {
        tamis_version: env!("CARGO_PKG_VERSION"),
        source: &t.source,
        structure: t.structure,
        article: t.article.as_deref(),
        comments: &t.comments,
        encoding: t.encoding,
        span_unit: "bytes_as_read",
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
    /// The encoding the input was decoded from.
    pub encoding: &'static str,
    /// What `span` counts: byte offsets into the file as read, before any decoding.
    pub span_unit: &'static str,
}

/// The stable key of a comment: a hash of the source's file name, the text and the
/// occurrence number of that text in the source.
pub fn key_for(source: &str, text: &str, occurrence: u32) -> String {
    KeyPrefix::new(source).key(&[text], occurrence)
}

/// `key_for` of one source, its file name hashed once for all its comments.
#[derive(Debug, Clone, Copy)]
pub struct KeyPrefix(u64);

impl KeyPrefix {
    /// The prefix of `source`'s keys.
    pub fn new(source: &str) -> KeyPrefix {
        let name = std::path::Path::new(source)
            .file_name()
            .map_or_else(|| source.to_string(), |n| n.to_string_lossy().into_owned());
        KeyPrefix(link::key_prefix(&name))
    }

    /// `key_for(source, text, occurrence)` where `text` is the concatenation of `parts`.
    pub fn key(&self, parts: &[&str], occurrence: u32) -> String {
        link::key_from_parts(self.0, parts, occurrence)
    }
}
