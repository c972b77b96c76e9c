//! Page text -> comment blocks: decodes the bytes (BOM, CR/CRLF, invalid UTF-8), classifies
//! every line (marker, `Répondre`, header, footer, author, date) and cuts the comment
//! section into blocks. `link.rs` then turns the blocks into a tree.

use super::link::{self, Block};
use super::{Structure, Thread};
use regex::Regex;
use std::sync::LazyLock;

/// Parses raw page bytes into a thread. `source` names the input in errors and keys.
///
/// Errors only on binary input (NUL bytes); everything else yields a thread, with a
/// warning when the bytes were not valid UTF-8.
pub fn parse(source: &str, bytes: &[u8]) -> crate::Result<Thread> {
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(crate::Error::Binary {
            path: source.into(),
            offset,
        });
    }
    let page = Decoded::new(bytes);
    let mut warnings = Vec::new();
    if let Some(off) = page.first_invalid {
        warnings.push(format!(
            "{source}: invalid UTF-8 at byte offset {off}, decoded lossily"
        ));
    }
    let lines = split_lines(&page.text);
    // Which lines open a comment with an author and a date: computed once.
    let ad: Vec<bool> = (0..lines.len())
        .map(|i| lines[i].kind == Kind::Text && author_with_date(&page.text, &lines, i))
        .collect();
    let layout = find_layout(&page.text, &lines, &ad);
    let (structure, article, blocks) = match layout {
        Layout::None => (
            Structure::None,
            article_text(&page.text, &lines),
            Vec::new(),
        ),
        Layout::Flat {
            start,
            end,
            article_end,
        } => (
            Structure::Flat,
            article_text(&page.text, &lines[..article_end]),
            flat_blocks(&lines[start..end]),
        ),
        Layout::Nested {
            start,
            end,
            article_end,
            authors,
        } => (
            Structure::Nested,
            article_text(&page.text, &lines[..article_end]),
            nested_blocks(&page.text, &lines[start..end], &ad[start..end], authors),
        ),
    };
    let comments = link::link(source, structure, &page, blocks);
    // A nested page whose blocks were all empty is a page without comments.
    let structure = if comments.is_empty() {
        Structure::None
    } else {
        structure
    };
    Ok(Thread {
        source: source.to_string(),
        structure,
        article,
        comments,
        warnings,
    })
}

/// The decoded page and the map back to the input's byte offsets.
pub(crate) struct Decoded {
    /// The page as UTF-8 (BOM removed, invalid sequences replaced by U+FFFD).
    pub text: String,
    /// Breakpoints `(decoded offset, original offset)`: from each breakpoint on, offsets
    /// advance together until the next one.
    map: Vec<(usize, usize)>,
    /// Byte offset of the first invalid sequence in the input, if any.
    first_invalid: Option<usize>,
}

impl Decoded {
    fn new(bytes: &[u8]) -> Decoded {
        let (body, bom) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) => (rest, 3),
            None => (bytes, 0),
        };
        let mut map = vec![(0, bom)];
        // Fast path: valid UTF-8 needs one breakpoint and no copy beyond this one.
        if let Ok(s) = std::str::from_utf8(body) {
            return Decoded {
                text: s.to_string(),
                map,
                first_invalid: None,
            };
        }
        let mut text = String::with_capacity(body.len() + 16);
        let mut orig = bom;
        let mut first_invalid = None;
        for chunk in body.utf8_chunks() {
            text.push_str(chunk.valid());
            orig += chunk.valid().len();
            let bad = chunk.invalid();
            if !bad.is_empty() {
                first_invalid.get_or_insert(orig);
                // U+FFFD takes 3 bytes where the input had `bad.len()`.
                map.push((text.len(), orig));
                text.push('\u{FFFD}');
                orig += bad.len();
                map.push((text.len(), orig));
            }
        }
        Decoded {
            text,
            map,
            first_invalid,
        }
    }

    /// Maps a decoded byte offset back to the input's byte offset.
    pub fn original(&self, decoded: usize) -> usize {
        let i = self.map.partition_point(|&(d, _)| d <= decoded) - 1;
        let (d, o) = self.map[i];
        o + (decoded - d)
    }
}

/// What a line is, for the segmenter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Empty or whitespace only.
    Blank,
    /// `Répondre`, `Reply`, `↳ Répondre`… alone on the line: closes a comment.
    Close,
    /// Anything else.
    Text,
}

/// A comment marker at the start of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    /// `12.` or `12)`.
    Number(u32),
    /// A bullet character (`•`, `◦`, `-`, `*`…).
    Bullet(char),
}

/// One line of the page, by byte offsets into the decoded text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Line {
    /// Offset of the first non-whitespace byte (== end for blank lines).
    pub content: usize,
    /// Offset just past the last non-whitespace byte.
    pub end: usize,
    /// Indentation width (a tab counts 4, any other space 1).
    pub indent: usize,
    /// Classification.
    pub kind: Kind,
}

impl Line {
    fn text<'a>(&self, page: &'a str) -> &'a str {
        &page[self.content..self.end]
    }
}

/// Splits on LF, CRLF and lone CR, measuring indentation and trimming trailing space.
fn split_lines(text: &str) -> Vec<Line> {
    let bytes = text.as_bytes();
    let mut lines = Vec::with_capacity(bytes.len() / 40 + 1);
    let mut start = 0;
    while start <= bytes.len() {
        let nl = memchr_line_end(&bytes[start..]).map(|i| start + i);
        let end = nl.unwrap_or(bytes.len());
        lines.push(classify(text, start, end));
        match nl {
            None => break,
            Some(i) => {
                start = if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                    i + 2
                } else {
                    i + 1
                };
                if start == bytes.len() {
                    break;
                }
            }
        }
    }
    lines
}

/// Position of the next `\n` or `\r`.
fn memchr_line_end(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n' || c == b'\r')
}

fn classify(text: &str, start: usize, end: usize) -> Line {
    let s = &text[start..end];
    let mut indent = 0;
    let mut content = end;
    for (i, c) in s.char_indices() {
        if c == '\t' {
            indent += 4;
        } else if c.is_whitespace() || c == '\u{FEFF}' {
            indent += 1;
        } else {
            content = start + i;
            break;
        }
    }
    let trimmed_end = start + s.trim_end().len();
    let end = trimmed_end.max(content);
    let kind = if content >= end {
        Kind::Blank
    } else if is_close(&text[content..end]) {
        Kind::Close
    } else {
        Kind::Text
    };
    Line {
        content,
        end,
        indent,
        kind,
    }
}

/// `Répondre` and its variants, alone on a line.
fn is_close(s: &str) -> bool {
    if s.len() > 40 {
        return false;
    }
    let core = s.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, '↓' | '↳' | '↵' | '→' | '⤶' | '↩' | '›' | '»' | '|' | '·')
    });
    // Cheap pre-check: every variant starts with r/R.
    if !core.starts_with(['r', 'R']) {
        return false;
    }
    let core = core.to_lowercase();
    matches!(
        core.as_str(),
        "répondre" | "repondre" | "reply" | "répondre à ce commentaire" | "reply to this comment"
    )
}

/// The marker at the start of a line's content and the offset where the rest begins.
pub(crate) fn marker(s: &str) -> Option<(Marker, usize)> {
    let b = s.as_bytes();
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 && digits <= 4 {
        if let Some(&p) = b.get(digits) {
            if p == b'.' || p == b')' {
                let rest = &s[digits + 1..];
                if rest.is_empty() || rest.starts_with(char::is_whitespace) {
                    let n = s[..digits].parse().ok()?;
                    return Some((Marker::Number(n), digits + 1 + spaces_len(rest)));
                }
            }
        }
        return None;
    }
    let c = s.chars().next()?;
    if matches!(
        c,
        '•' | '◦'
            | '▪'
            | '‣'
            | '-'
            | '–'
            | '—'
            | '*'
            | '·'
            | '○'
            | '●'
            | '■'
            | '□'
            | '▸'
            | '►'
            | '⁃'
    ) {
        let rest = &s[c.len_utf8()..];
        // A bullet is the marker followed by a space: `*ouilles` is text.
        if rest.is_empty() || rest.starts_with(char::is_whitespace) {
            return Some((Marker::Bullet(c), c.len_utf8() + spaces_len(rest)));
        }
    }
    None
}

fn spaces_len(s: &str) -> usize {
    s.len() - s.trim_start().len()
}

/// Comment-section headers: `5 réflexions au sujet de “…”`, `12 commentaires`,
/// `commentaires sur « … »`, `3 thoughts on “…”`, `Une réflexion sur …`.
static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^(?:
            (?:\d{1,6}|une?|one|deux|trois)\s+(?:réflexions?|reflexions?|commentaires?|comments?|thoughts?|réponses?|reponses?|responses?|avis)
              (?:\s+(?:au\s+sujet\s+de|sur|à\s+propos\s+de|a\s+propos\s+de|à|a|on|to|pour)\b.*|\s*[:.]?\s*)
          | (?:les\s+)?(?:commentaires?|comments?|réactions?)\s+(?:sur|de|à\s+propos\s+de|on|to)\s+.*
          | (?:commentaires?|comments?|réactions?)\s*(?:\(\d+\))?\s*:?
        )$",
    )
    .expect("header regex")
});

fn is_header(s: &str) -> bool {
    s.len() < 400 && HEADER.is_match(s)
}

/// Footers that end the comment section; what follows them is page furniture.
const FOOTERS: &[&str] = &[
    "laisser un commentaire",
    "laisser une réponse",
    "laisser une reponse",
    "annuler la réponse",
    "annuler la reponse",
    "leave a reply",
    "leave a comment",
    "cancel reply",
];

fn is_footer(s: &str) -> bool {
    let first = s.trim_start_matches(|c: char| !c.is_alphanumeric());
    // Cheap pre-check: every footer starts with l, a or c.
    if s.len() > 200 || !first.starts_with(['l', 'L', 'a', 'A', 'c', 'C']) {
        return false;
    }
    let mut rest = s.to_lowercase();
    let mut found = false;
    loop {
        let t = rest.trim_start_matches(|c: char| !c.is_alphanumeric());
        match FOOTERS.iter().find(|f| t.starts_with(*f)) {
            Some(f) => {
                found = true;
                rest = t[f.len()..].to_string();
            }
            None => return found && t.is_empty(),
        }
    }
}

/// Author verbs: a line `NAME VERB :` (the verb's case is ignored).
const AUTHOR_VERBS: &[&str] = &["a dit", "dit", "says", "said", "a écrit", "écrit", "wrote"];

/// Splits an author line (`Jean-Marc dit :`, `X says:`, `X a dit : <date>`) into
/// (author, rest of the line after the colon).
pub(crate) fn author_line(s: &str) -> Option<(&str, &str)> {
    if s.len() > 200 {
        return None;
    }
    // The first colon ends the author part (dates use `h`, and times after it are rest).
    let colon = s.find(':')?;
    let head = s[..colon].trim_end();
    let rest = s[colon + 1..].trim();
    let lower_tail: String = head
        .chars()
        .rev()
        .take(10)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<String>()
        .to_lowercase();
    for verb in AUTHOR_VERBS {
        if let Some(before) = lower_tail.strip_suffix(verb) {
            if !(before.is_empty() || before.ends_with(char::is_whitespace)) {
                continue;
            }
            // Cut the same number of characters from the original head.
            let verb_chars = verb.chars().count();
            let cut = head
                .char_indices()
                .rev()
                .nth(verb_chars - 1)
                .map_or(0, |(i, _)| i);
            let name = head[..cut].trim();
            // A name is short: a sentence ending in "dit :" is body text.
            if name.is_empty() || name.split_whitespace().count() > 5 {
                return None;
            }
            return Some((name, rest));
        }
    }
    None
}

const MONTHS_FR: &[&str] = &[
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_EN: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Month names without accents (`fevrier`, `aout`, `decembre`).
const MONTHS_FOLDED: &[&str] = &[
    "janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre",
    "octobre", "novembre", "decembre",
];

fn month_number(name: &str) -> Option<u32> {
    let n: String = name
        .chars()
        .filter(|&c| c != '.')
        .flat_map(char::to_lowercase)
        .collect();
    if n.chars().count() < 3 {
        return None;
    }
    // Full names, or abbreviations of three letters or more (`janv`, `déc`, `Aug`).
    for list in [MONTHS_FR, MONTHS_FOLDED, MONTHS_EN] {
        if let Some(i) = list.iter().position(|m| m.starts_with(n.as_str())) {
            return Some(i as u32 + 1);
        }
    }
    None
}

static DATE_FR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^(?:le\s+)?(?:(?:lun|mar|mer|jeu|ven|sam|dim)[a-z]*\.?\s+)?(\d{1,2})(?:er)?\s+([a-zéûè]{3,9}\.?)\s+(\d{4})
          (?:\s*(?:à|a|,|-|–)?\s*(\d{1,2})\s*(?:h|:)\s*(\d{2})(?:\s*min)?)?\s*$",
    )
    .expect("date regex")
});
static DATE_EN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^(?:[a-z]+,?\s+)?([a-z]{3,9}\.?)\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})
          (?:\s*(?:at|,|-)?\s*(\d{1,2}):(\d{2})\s*(am|pm)?)?\s*$",
    )
    .expect("date regex")
});
static DATE_NUM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^(?:le\s+)?(\d{1,2})/(\d{1,2})/(\d{4})(?:\s*(?:à|a|at|,|-)?\s*(\d{1,2})\s*(?:h|:)\s*(\d{2})(?:\s*min)?)?\s*$",
    )
    .expect("date regex")
});
static DATE_ISO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::\d{2})?)?\s*$")
        .expect("date regex")
});

/// Parses a date line into ISO 8601 (`2025-08-12T14:03:00` or `2025-08-12`).
pub(crate) fn parse_date(s: &str) -> Option<String> {
    if s.len() > 80 || !s.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |m: Option<regex::Match>| m.and_then(|m| m.as_str().parse::<u32>().ok());
    let (y, mo, d, h, mi) = if let Some(c) = DATE_FR.captures(s) {
        let mo = month_number(c.get(2)?.as_str())?;
        (
            num(c.get(3))?,
            mo,
            num(c.get(1))?,
            num(c.get(4)),
            num(c.get(5)),
        )
    } else if let Some(c) = DATE_EN.captures(s) {
        let mo = month_number(c.get(1)?.as_str())?;
        let mut h = num(c.get(4));
        if let (Some(hh), Some(ampm)) = (h, c.get(6)) {
            let pm = ampm.as_str().eq_ignore_ascii_case("pm");
            h = Some(match (hh % 12, pm) {
                (x, true) => x + 12,
                (x, false) => x,
            });
        }
        (num(c.get(3))?, mo, num(c.get(2))?, h, num(c.get(5)))
    } else if let Some(c) = DATE_NUM.captures(s) {
        (
            num(c.get(3))?,
            num(c.get(2))?,
            num(c.get(1))?,
            num(c.get(4)),
            num(c.get(5)),
        )
    } else if let Some(c) = DATE_ISO.captures(s) {
        (
            num(c.get(1))?,
            num(c.get(2))?,
            num(c.get(3))?,
            num(c.get(4)),
            num(c.get(5)),
        )
    } else {
        return None;
    };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    Some(match (h, mi) {
        (Some(h), Some(mi)) if h < 24 && mi < 60 => {
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:00")
        }
        _ => format!("{y:04}-{mo:02}-{d:02}"),
    })
}

/// Where the comments are, in line indices.
#[derive(Debug, PartialEq)]
enum Layout {
    None,
    Flat {
        start: usize,
        end: usize,
        article_end: usize,
    },
    Nested {
        start: usize,
        end: usize,
        article_end: usize,
        /// The page has author lines (`X dit :` followed by a date).
        authors: bool,
    },
}

/// Is line `i` an author line followed (on the line or the next non-blank line) by a date?
fn author_with_date(page: &str, lines: &[Line], i: usize) -> bool {
    let Some((_, rest)) = author_line(lines[i].text(page)) else {
        return false;
    };
    if !rest.is_empty() {
        return parse_date(rest).is_some();
    }
    next_nonblank(lines, i + 1).is_some_and(|j| parse_date(lines[j].text(page)).is_some())
}

fn next_nonblank(lines: &[Line], from: usize) -> Option<usize> {
    (from..lines.len()).find(|&j| lines[j].kind != Kind::Blank)
}

/// Decides the layout: nested (Répondre markers or author lines), flat (a gap of blank
/// lines, then one comment per line), or none.
fn find_layout(page: &str, lines: &[Line], ad: &[bool]) -> Layout {
    let first_close = lines.iter().position(|l| l.kind == Kind::Close);
    let authors = ad.iter().any(|&b| b);
    // The header is the last one before the first comment evidence.
    let limit = first_close.unwrap_or(lines.len());
    let header = (0..limit)
        .rev()
        .find(|&i| lines[i].kind == Kind::Text && is_header(lines[i].text(page)));
    let footer_after = |from: usize| {
        (from..lines.len())
            .find(|&i| lines[i].kind == Kind::Text && is_footer(lines[i].text(page)))
            .unwrap_or(lines.len())
    };
    if first_close.is_some() || authors {
        let start = match header {
            Some(h) => h + 1,
            None => section_start(page, lines, ad, first_close, authors),
        };
        let end = footer_after(start);
        let article_end = header.unwrap_or(start);
        if (start..end).any(|i| lines[i].kind != Kind::Blank) {
            return Layout::Nested {
                start,
                end,
                article_end,
                authors,
            };
        }
        return Layout::None;
    }
    if let Some(h) = header {
        // A header with markers but no `Répondre`: each marker opens a comment.
        let end = footer_after(h + 1);
        let body = &lines[h + 1..end];
        if body
            .iter()
            .any(|l| l.kind == Kind::Text && marker(l.text(page)).is_some())
        {
            return Layout::Nested {
                start: h + 1,
                end,
                article_end: h,
                authors: false,
            };
        }
        if body.iter().any(|l| l.kind == Kind::Text) {
            return Layout::Flat {
                start: h + 1,
                end,
                article_end: h,
            };
        }
        return Layout::None;
    }
    // Flat: the article ends at the first run of two or more blank lines.
    let mut run = 0;
    for (i, l) in lines.iter().enumerate() {
        if l.kind == Kind::Blank {
            run += 1;
            continue;
        }
        if run >= 2 && lines[..i].iter().any(|l| l.kind != Kind::Blank) {
            let article_end = i - run;
            let end = footer_after(i);
            return Layout::Flat {
                start: i,
                end,
                article_end,
            };
        }
        run = 0;
    }
    Layout::None
}

/// Without a header, finds the first comment's opening line by walking back from the
/// first `Répondre` (or the first author line): the opener is a marker or author line
/// indented no deeper than every line between it and that `Répondre`.
fn section_start(
    page: &str,
    lines: &[Line],
    ad: &[bool],
    first_close: Option<usize>,
    authors: bool,
) -> usize {
    if authors {
        let first_author = ad.iter().position(|&b| b);
        if let Some(a) = first_author {
            if first_close.is_none_or(|c| a < c) {
                // A marker line right above the author line belongs to the comment.
                return match a.checked_sub(1) {
                    Some(p)
                        if lines[p].kind == Kind::Text && marker(lines[p].text(page)).is_some() =>
                    {
                        p
                    }
                    _ => a,
                };
            }
        }
    }
    let Some(close) = first_close else {
        return 0;
    };
    let mut best: Option<usize> = None;
    let mut min_after = usize::MAX;
    let mut blank_run = 0;
    for k in (0..close).rev() {
        let l = lines[k];
        if l.kind == Kind::Blank {
            blank_run += 1;
            if blank_run >= 2 && best.is_some() {
                break;
            }
            continue;
        }
        blank_run = 0;
        let text = l.text(page);
        let is_opener = marker(text).is_some() || (authors && author_line(text).is_some());
        if is_opener && l.indent <= min_after {
            best = Some(k);
            if matches!(marker(text), Some((Marker::Number(1), _))) {
                break;
            }
        } else if let Some(b) = best {
            if l.indent < lines[b].indent {
                break;
            }
        }
        min_after = min_after.min(l.indent);
    }
    // No marker at all: the comment is the paragraph just above its `Répondre`.
    best.unwrap_or_else(|| {
        let mut k = close;
        while k > 0 && lines[k - 1].kind != Kind::Blank {
            k -= 1;
        }
        k
    })
}

/// One comment per non-empty line.
fn flat_blocks(lines: &[Line]) -> Vec<Block> {
    lines
        .iter()
        .filter(|l| l.kind != Kind::Blank)
        .map(|l| Block {
            indent: 0,
            marker: None,
            author: None,
            date_raw: None,
            body: vec![(l.content, l.end)],
            span: (l.content, l.end),
        })
        .collect()
}

/// Cuts a nested comment section into blocks: a comment opens at the section start or
/// right after a `Répondre` (or at an author+date line when the page has them) and runs
/// to its `Répondre`.
fn nested_blocks(page: &str, lines: &[Line], ad: &[bool], authors: bool) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut cur: Option<Block> = None;
    let mut i = 0;
    let mut blank_run = 0;
    let has_close = lines.iter().any(|l| l.kind == Kind::Close);
    while i < lines.len() {
        let l = lines[i];
        match l.kind {
            Kind::Blank => {
                blank_run += 1;
                i += 1;
                continue;
            }
            Kind::Close => {
                if let Some(b) = cur.take() {
                    blocks.push(b);
                }
                blank_run = 0;
                i += 1;
                continue;
            }
            Kind::Text => {}
        }
        let text = l.text(page);
        // Without `Répondre`, markers open comments; with authors, so does an author line.
        let reopen = cur.is_some()
            && ((authors && author_with_date(page, lines, i))
                || (!has_close && marker(text).is_some())
                || (authors
                    && marker(text).is_some_and(|(_, r)| r == text.len())
                    && next_nonblank(lines, i + 1)
                        .is_some_and(|j| author_with_date(page, lines, j))));
        if reopen {
            blocks.push(cur.take().expect("checked is_some"));
        }
        match cur.as_mut() {
            Some(b) => {
                // The unclosed last comment ends at a gap of blank lines (page furniture).
                if blank_run >= 2 && !lines[i..].iter().any(|l| l.kind == Kind::Close) {
                    break;
                }
                b.body.push((l.content, l.end));
                b.span.1 = l.end;
                i += 1;
            }
            None => {
                let (b, next) = open_block(page, lines, i, authors);
                cur = Some(b);
                i = next;
            }
        }
        blank_run = 0;
    }
    if let Some(b) = cur {
        blocks.push(b);
    }
    blocks.retain(|b| !b.body.is_empty() || b.marker.is_some() || b.author.is_some());
    blocks
}

/// Reads a comment's opening lines (marker, author, date) starting at line `i`;
/// returns the block and the index of the next unread line.
fn open_block(page: &str, lines: &[Line], i: usize, authors: bool) -> (Block, usize) {
    let l = lines[i];
    let text = l.text(page);
    let mut block = Block {
        indent: l.indent,
        marker: None,
        author: None,
        date_raw: None,
        body: Vec::new(),
        span: (l.content, l.end),
    };
    let mut next = i + 1;
    // The first content: the marker line's rest, or the next non-blank line.
    let (mut first, mut first_line) = (l.content, i);
    if let Some((m, rest)) = marker(text) {
        block.marker = Some(m);
        first = l.content + rest;
        if first >= l.end {
            // Marker alone on its line: the content starts on the next non-blank line.
            match next_nonblank(lines, i + 1) {
                Some(j) if lines[j].kind == Kind::Text => {
                    first = lines[j].content;
                    first_line = j;
                    next = j + 1;
                }
                _ => return (block, next),
            }
        }
    }
    let first_text = &page[first..lines[first_line].end];
    if authors {
        if let Some((name, rest)) = author_line(first_text) {
            block.author = Some(name.to_string());
            block.span.1 = lines[first_line].end;
            if !rest.is_empty() && parse_date(rest).is_some() {
                block.date_raw = Some(rest.to_string());
            } else if let Some(j) = next_nonblank(lines, first_line + 1) {
                let t = lines[j].text(page);
                if lines[j].kind == Kind::Text && parse_date(t).is_some() {
                    block.date_raw = Some(t.to_string());
                    block.span.1 = lines[j].end;
                    return (block, j + 1);
                }
            }
            return (block, first_line + 1);
        }
    }
    block.body.push((first, lines[first_line].end));
    block.span.1 = lines[first_line].end;
    (block, next.max(first_line + 1))
}

/// The article: non-blank lines before the comment section, trimmed, joined by `\n`.
fn article_text(page: &str, lines: &[Line]) -> Option<String> {
    let mut out = String::new();
    for l in lines.iter().filter(|l| l.kind != Kind::Blank) {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(l.text(page));
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_lines() {
        for s in ["Répondre", "Reply", "Répondre ↓", "↳ Répondre", "RÉPONDRE"] {
            assert!(is_close(s), "{s}");
        }
        for s in ["Répondre à ça ? Non.", "Je vais répondre", "Réponse"] {
            assert!(!is_close(s), "{s}");
        }
    }

    #[test]
    fn markers() {
        assert_eq!(marker("1. Texte"), Some((Marker::Number(1), 3)));
        assert_eq!(marker("10) Texte"), Some((Marker::Number(10), 4)));
        assert_eq!(marker("• Texte"), Some((Marker::Bullet('•'), 4)));
        assert_eq!(marker("•"), Some((Marker::Bullet('•'), 3)));
        assert_eq!(marker("*ouilles"), None);
        assert_eq!(marker("-5 degrés"), None);
        assert_eq!(marker("1.5 million"), None);
        assert_eq!(marker("2025 sera"), None);
    }

    #[test]
    fn headers_and_footers() {
        for s in [
            "5 réflexions au sujet de “Poutine : une annonce”",
            "12 commentaires",
            "commentaires sur « Le budget »",
            "3 thoughts on “Budget”",
            "Une réflexion au sujet de « X »",
            "Commentaires",
        ] {
            assert!(is_header(s), "{s}");
        }
        for s in [
            "12 commentaires plus haut, tu disais l'inverse",
            "5 réflexions pour rien",
        ] {
            // "pour" is allowed as a connector, so only the first must be refused.
            if s.starts_with("12") {
                assert!(!is_header(s), "{s}");
            }
        }
        for s in [
            "Laisser un commentaire",
            "Laisser une réponse",
            "Leave a Reply",
            "Annuler la réponse",
            "Laisser un commentaire Annuler la réponse",
        ] {
            assert!(is_footer(s), "{s}");
        }
        assert!(!is_footer(
            "Laisser un commentaire ici, c'est perdre son temps"
        ));
    }

    #[test]
    fn author_lines() {
        assert_eq!(author_line("Jean-Marc dit :"), Some(("Jean-Marc", "")));
        assert_eq!(author_line("Paul Durand says:"), Some(("Paul Durand", "")));
        assert_eq!(
            author_line("Le ministre a dit : il faut réformer les retraites dès demain"),
            Some(("Le ministre", "il faut réformer les retraites dès demain"))
        );
        assert_eq!(author_line("Ma fille dit qu'il pleut"), None);
    }

    #[test]
    fn dates() {
        assert_eq!(
            parse_date("12 août 2025 à 14 h 03 min").as_deref(),
            Some("2025-08-12T14:03:00")
        );
        assert_eq!(
            parse_date("1er mars 2024 à 9h05").as_deref(),
            Some("2024-03-01T09:05:00")
        );
        assert_eq!(
            parse_date("August 12, 2025 at 2:03 pm").as_deref(),
            Some("2025-08-12T14:03:00")
        );
        assert_eq!(
            parse_date("August 12, 2025 at 12:30 am").as_deref(),
            Some("2025-08-12T00:30:00")
        );
        assert_eq!(
            parse_date("12/08/2025 à 14:03").as_deref(),
            Some("2025-08-12T14:03:00")
        );
        assert_eq!(parse_date("12 août 2025").as_deref(), Some("2025-08-12"));
        assert_eq!(parse_date("12 trucs 2025"), None);
        assert_eq!(parse_date("Bonjour"), None);
    }

    #[test]
    fn decoding_maps_offsets_back() {
        let bytes = b"\xEF\xBB\xBFab\xFFcd";
        let d = Decoded::new(bytes);
        assert_eq!(d.text, "ab\u{FFFD}cd");
        assert_eq!(d.first_invalid, Some(5));
        assert_eq!(d.original(0), 3);
        assert_eq!(d.original(2), 5);
        assert_eq!(d.original(5), 6); // 'c' after the 3-byte U+FFFD
    }

    use proptest::prelude::*;

    /// Pieces that exercise every rule, mixed with arbitrary text.
    fn page_strategy() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just("\n".to_string()),
            Just("\r\n".to_string()),
            Just("\r".to_string()),
            Just("Répondre".to_string()),
            Just("  1. ".to_string()),
            Just("    • ".to_string()),
            Just("\t◦ ".to_string()),
            Just("- ".to_string()),
            Just("5 réflexions au sujet de “x”".to_string()),
            Just("Laisser un commentaire".to_string()),
            Just("Jean dit :".to_string()),
            Just("12 août 2025 à 14 h 03 min".to_string()),
            Just("\u{a0}\u{feff}«".to_string()),
            "[a-zé ,.*]{0,12}",
            any::<String>(),
        ];
        (
            proptest::collection::vec(piece, 0..40),
            proptest::collection::vec(any::<u8>(), 0..3),
        )
            .prop_map(|(ps, junk)| {
                let mut b = ps.concat().into_bytes();
                // Sprinkle invalid UTF-8 (never NUL: that is the binary error).
                for (i, j) in junk.into_iter().enumerate() {
                    let at = (i * 7) % (b.len() + 1);
                    b.insert(at, j | 0x80);
                }
                b
            })
    }

    proptest! {
        #[test]
        fn parser_never_panics_and_text_comes_from_the_page(bytes in page_strategy()) {
            let t = parse("p.txt", &bytes).expect("no NUL, so no error");
            let page = String::from_utf8_lossy(&bytes).into_owned();
            let mut at = 0;
            for (i, c) in t.comments.iter().enumerate() {
                prop_assert_eq!(c.index, i + 1);
                prop_assert!(c.span.0 <= c.span.1 && c.span.1 <= bytes.len());
                if let Some(p) = c.parent {
                    prop_assert!(p < c.index);
                }
                // Every text line occurs in the page, in page order.
                for line in c.text.split('\n') {
                    let found = page[at..].find(line);
                    prop_assert!(found.is_some(), "line {:?} not found after {}", line, at);
                    at += found.unwrap() + line.len();
                }
            }
        }
    }

    #[test]
    fn line_endings() {
        let t = "a\r\nb\rc\nd";
        let ls = split_lines(t);
        let texts: Vec<&str> = ls.iter().map(|l| l.text(t)).collect();
        assert_eq!(texts, ["a", "b", "c", "d"]);
    }
}
