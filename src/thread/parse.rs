//! Page text -> comment blocks: decodes the bytes (BOM, CR/CRLF, invalid UTF-8), classifies
//! every line (marker, `Répondre`, header, footer, author, date) and cuts the comment
//! section into blocks. `link.rs` then turns the blocks into a tree.
//!
//! Performance: pages can be hundreds of megabytes, so the per-byte and per-line work is
//! kept lean: NUL and line-end searches look at eight bytes at a time, valid UTF-8 input
//! is borrowed rather than copied, the line classifiers reject ordinary lines with cheap
//! byte checks before their exact (Unicode-aware) tests, and block bodies share one
//! buffer. Each shortcut only ever answers "no" (or "same as the slow path"); the exact
//! rules below stay the reference.

use super::link::{self, Block};
use super::{Structure, Thread};
use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

/// Parses raw page bytes into a thread. `source` names the input in errors and keys.
///
/// Errors only on binary input (NUL bytes); everything else yields a thread, with a
/// warning when the bytes were not valid UTF-8.
pub fn parse(source: &str, bytes: &[u8]) -> crate::Result<Thread> {
    parse_with(source, bytes, None)
}

/// `parse` with the encoding forced (`--encoding`), or detected when `None` (see
/// `decode.rs`). Pages that are not UTF-8 say which encoding was used in `Thread::notes`.
pub(crate) fn parse_with(
    source: &str,
    bytes: &[u8],
    forced: Option<&'static encoding_rs::Encoding>,
) -> crate::Result<Thread> {
    let (page, enc) = super::decode::decode(source, bytes, forced)?;
    let mut t = parse_decoded(source, &page);
    t.encoding = enc.name();
    if enc != encoding_rs::UTF_8 {
        let how = if forced.is_some() {
            "as asked"
        } else {
            "detected"
        };
        t.notes
            .push(format!("{source}: read as {} ({how})", enc.name()));
    }
    Ok(t)
}

/// Parses an already decoded page (text dumps; see `parse_with`).
pub(crate) fn parse_decoded(source: &str, page: &Decoded) -> Thread {
    let mut warnings = Vec::new();
    if let Some(off) = page.first_invalid {
        warnings.push(format!(
            "{source}: invalid UTF-8 at byte offset {off}, decoded lossily"
        ));
    }
    let mut lines = split_lines(&page.text);
    // Dumps of comment platforms (Disqus, Facebook…): their buttons are no text, and a
    // button line with `Répondre` in it closes a comment like `Répondre` alone.
    let platform = platform_dump(&page.text, &lines);
    if platform {
        for l in &mut lines {
            if l.kind == Kind::Text {
                let t = l.text(&page.text);
                if is_furniture(t) {
                    l.kind = if has_reply_part(t) {
                        Kind::Close
                    } else {
                        Kind::Blank
                    };
                }
            }
        }
    }
    // Which lines open a comment with an author and a date: computed once. The date
    // tests of whole lines are remembered for `open_block`, which asks them again.
    let mut dates = DateMemo(vec![0; lines.len()]);
    let ad: Vec<bool> = (0..lines.len())
        .map(|i| {
            lines[i].kind == Kind::Text
                && (author_with_date(&page.text, &lines, i, &mut dates)
                    || (platform && name_with_date(&page.text, &lines, i, &mut dates)))
        })
        .collect();
    let mut layout = find_layout(&page.text, &lines, &ad);
    // Nothing found: a paste of comments alone (stdin, a platform dump, or short
    // paragraphs with no article) is one comment per paragraph.
    if layout == Layout::None && (source == "-" || platform || short_paragraphs(&page.text, &lines))
    {
        layout = Layout::Paste;
    }
    let mut bodies = Vec::new();
    let (structure, article, blocks) = match layout {
        Layout::Paste => (Structure::Flat, None, paragraph_blocks(&lines, &mut bodies)),
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
            flat_blocks(&lines[start..end], &mut bodies),
        ),
        Layout::Nested {
            start,
            end,
            article_end,
            authors,
        } => (
            Structure::Nested,
            article_text(&page.text, &lines[..article_end]),
            nested_blocks(
                &page.text,
                &lines[start..end],
                &ad[start..end],
                authors || platform,
                platform,
                &mut bodies,
                &mut dates.0[start..end],
            ),
        ),
    };
    let comments = link::link(source, structure, page, blocks, &bodies);
    // A nested page whose blocks were all empty is a page without comments.
    let structure = if comments.is_empty() {
        Structure::None
    } else {
        structure
    };
    Thread {
        source: source.to_string(),
        structure,
        article,
        comments,
        warnings,
        notes: Vec::new(),
        encoding: "UTF-8",
    }
}

/// The decoded page and the map back to the input's byte offsets.
pub(crate) struct Decoded<'a> {
    /// The page as UTF-8 (BOM removed, invalid sequences replaced by U+FFFD). Borrowed
    /// from the input when it was valid UTF-8: no copy of a large page.
    pub text: Cow<'a, str>,
    /// Breakpoints `(decoded offset, original offset)`: from each breakpoint on, offsets
    /// advance together until the next one.
    map: Vec<(usize, usize)>,
    /// Byte offset of the first invalid sequence in the input, if any.
    pub(crate) first_invalid: Option<usize>,
    /// Input bytes per decoded byte between breakpoints: 1, or 2 for UTF-16 (whose
    /// breakpoints surround every non-ASCII character).
    scale: usize,
}

impl<'a> Decoded<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Decoded<'a> {
        let (body, bom) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) => (rest, 3),
            None => (bytes, 0),
        };
        let mut map = vec![(0, bom)];
        // Fast path: valid UTF-8 needs one breakpoint and no copy.
        if let Ok(s) = std::str::from_utf8(body) {
            return Decoded {
                text: Cow::Borrowed(s),
                map,
                first_invalid: None,
                scale: 1,
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
            text: Cow::Owned(text),
            map,
            first_invalid,
            scale: 1,
        }
    }

    /// A page decoded elsewhere (`decode.rs`): its text, breakpoints and scale.
    pub(crate) fn from_parts(text: Cow<'a, str>, map: Vec<(usize, usize)>, scale: usize) -> Self {
        Decoded {
            text,
            map,
            first_invalid: None,
            scale,
        }
    }

    /// Maps a decoded byte offset back to the input's byte offset.
    pub fn original(&self, decoded: usize) -> usize {
        let i = self.map.partition_point(|&(d, _)| d <= decoded) - 1;
        let (d, o) = self.map[i];
        o + (decoded - d) * self.scale
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

/// Eight copies of a byte, for the word-at-a-time scans.
const fn splat(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// Whether any byte of `w` is zero (the classic SWAR test: exact, no false positives).
#[inline]
fn has_zero_byte(w: u64) -> bool {
    w.wrapping_sub(splat(0x01)) & !w & splat(0x80) != 0
}

/// Reads eight bytes as one word.
#[inline]
fn word(b: &[u8]) -> u64 {
    u64::from_ne_bytes(b[..8].try_into().expect("eight bytes"))
}

/// Position of the first `needle` byte, scanning two words at a time.
pub(crate) fn find_byte(b: &[u8], needle: u8) -> Option<usize> {
    let mut i = 0;
    let n = splat(needle);
    while i + 16 <= b.len() {
        let (x, y) = (word(&b[i..]) ^ n, word(&b[i + 8..]) ^ n);
        // `has_zero_byte` of either word, in one test.
        let zero = (x.wrapping_sub(splat(1)) & !x) | (y.wrapping_sub(splat(1)) & !y);
        if zero & splat(0x80) != 0 {
            break;
        }
        i += 16;
    }
    while i + 8 <= b.len() {
        if has_zero_byte(word(&b[i..]) ^ n) {
            break;
        }
        i += 8;
    }
    b[i..].iter().position(|&c| c == needle).map(|p| i + p)
}

/// Position of the next `\n` or `\r`, scanning a word at a time.
fn memchr_line_end(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i + 8 <= b.len() {
        let w = word(&b[i..]);
        if has_zero_byte(w ^ splat(b'\n')) || has_zero_byte(w ^ splat(b'\r')) {
            break;
        }
        i += 8;
    }
    b[i..]
        .iter()
        .position(|&c| c == b'\n' || c == b'\r')
        .map(|p| i + p)
}

fn classify(text: &str, start: usize, end: usize) -> Line {
    let s = &text[start..end];
    let mut indent = 0;
    let mut content = end;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // ASCII bytes are decided here (`char::is_whitespace` on ASCII is exactly tab,
        // LF, VT, FF, CR and space); other characters take the exact test.
        let c = match bytes[i] {
            b'\t' => {
                indent += 4;
                i += 1;
                continue;
            }
            b' ' | 0x0a..=0x0d => {
                indent += 1;
                i += 1;
                continue;
            }
            b if b < 0x80 => {
                content = start + i;
                break;
            }
            _ => s[i..].chars().next().expect("char boundary"),
        };
        if c.is_whitespace() || c == '\u{FEFF}' {
            indent += 1;
            i += c.len_utf8();
        } else {
            content = start + i;
            break;
        }
    }
    // Trailing whitespace: ASCII spaces are skipped here, the rest by `trim_end`.
    let mut e = bytes.len();
    while e > 0 && matches!(bytes[e - 1], b' ' | b'\t' | 0x0a..=0x0d) {
        e -= 1;
    }
    let trimmed_end = start + s[..e].trim_end().len();
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
pub(crate) fn is_close(s: &str) -> bool {
    if s.len() > 40 {
        return false;
    }
    // Cheap pre-check: a line starting with an ASCII character other than r/R or the
    // trimmed `|` cannot be one (`s` starts with non-whitespace).
    if let Some(&b) = s.as_bytes().first() {
        if b < 0x80 && !matches!(b, b'r' | b'R' | b'|' | b' ' | 0x09..=0x0d) {
            return false;
        }
    }
    let core = s.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, '↓' | '↳' | '↵' | '→' | '⤶' | '↩' | '›' | '»' | '|' | '·')
    });
    // Cheap pre-check: every variant starts with r/R.
    if !core.starts_with(['r', 'R']) {
        return false;
    }
    [
        "répondre",
        "repondre",
        "reply",
        "répondre à ce commentaire",
        "reply to this comment",
    ]
    .iter()
    .any(|v| lowercase_eq(core, v))
}

/// `s.to_lowercase() == target` for a lowercase `target` without a sigma, without
/// allocating. Characters lowercase one by one the same way as in `str::to_lowercase`,
/// except a final sigma, and both lowercase sigmas are absent from `target`.
fn lowercase_eq(s: &str, target: &str) -> bool {
    // A lowercase form never has fewer bytes than half the original: a quick length bound.
    s.chars().flat_map(char::to_lowercase).eq(target.chars())
}

/// The marker at the start of a line's content and the offset where the rest begins.
pub(crate) fn marker(s: &str) -> Option<(Marker, usize)> {
    let b = s.as_bytes();
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    // Any number of digits: a thread of 30,000 comments numbers them `30000.`.
    if digits > 0 {
        if let Some(&p) = b.get(digits) {
            if p == b'.' || p == b')' {
                let rest = &s[digits + 1..];
                if rest.is_empty() || rest.starts_with(char::is_whitespace) {
                    // Past `u32::MAX` the value no longer matters, only that it is a number.
                    let n = s[..digits].parse().unwrap_or(u32::MAX);
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
    // A heading does not end as a sentence: "Les commentaires sur ce site sont
    // indignes." is a comment (only a bare count may end with a dot: "12 commentaires.").
    let sentence = s.ends_with(['.', '!', '?', '…']) && s.split_whitespace().count() > 3;
    s.len() < 400 && !sentence && HEADER.is_match(s)
}

/// The General Punctuation block: no letters, no digits.
const GENERAL_PUNCTUATION: std::ops::RangeInclusive<char> = '\u{2000}'..='\u{206F}';

/// `char::is_alphanumeric`, with bullets, dashes and quotes (General Punctuation, never
/// alphanumeric: see the `general_punctuation` test) spared the Unicode table walk.
fn is_alphanumeric(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        !GENERAL_PUNCTUATION.contains(&c) && c.is_alphanumeric()
    }
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
    if s.len() > 200 {
        return false;
    }
    let first = if s.as_bytes().first().is_some_and(u8::is_ascii_alphanumeric) {
        s
    } else {
        s.trim_start_matches(|c: char| !is_alphanumeric(c))
    };
    // Cheap pre-check: every footer starts with `lais`, `annu`, `leav` or `canc`. The
    // only non-ASCII characters whose lowercase form starts with an ASCII letter are
    // `İ` (`i` + a combining dot) and the Kelvin sign (`k`), and neither can complete
    // one of these prefixes, so the first four bytes must be ASCII and spell one.
    let Some(head) = first.as_bytes().get(..4) else {
        return false;
    };
    if !head.is_ascii() {
        return false;
    }
    let mut h = [0u8; 4];
    h.copy_from_slice(head);
    h.make_ascii_lowercase();
    if !matches!(&h, b"lais" | b"annu" | b"leav" | b"canc") {
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

/// Page furniture of comment platforms copied along with the comments (Disqus, Facebook
/// and news-site widgets): `Signaler`, `J'aime`, `Voir plus de réponses`, `Répondre · 3 j`,
/// `12 J'aime`, `Partager`… Such a line is never part of a comment's text.
pub(crate) fn is_furniture(s: &str) -> bool {
    if s.len() > 60 {
        return false;
    }
    let lower = s.trim().to_lowercase().replace('’', "'");
    // Parts separated by `·`, `•` or `|`: every part must be furniture (`Répondre · 3 j`,
    // `J'aime · Répondre · Signaler`).
    let mut any = false;
    for part in lower.split(['·', '•', '|']) {
        let p = part.trim();
        if p.is_empty() {
            continue;
        }
        any = true;
        let p = p.trim_start_matches(|c: char| c.is_ascii_digit() || c.is_whitespace());
        let word = matches!(
            p,
            "signaler"
                | "signaler un abus"
                | "j'aime"
                | "je n'aime pas"
                | "aimer"
                | "partager"
                | "répondre"
                | "repondre"
                | "reply"
                | "like"
                | "likes"
                | "share"
                | "report"
                | "modifié"
                | "modifie"
                | "masquer"
                | "voir la traduction"
                | "réponse"
                | "réponses"
                | "reponses"
                | "votes"
                | "vote"
        ) || p.starts_with("voir plus de réponses")
            || p.starts_with("voir plus de reponses")
            || p.starts_with("voir les ")
            || p.starts_with("afficher ")
            || p.starts_with("charger plus")
            || p.starts_with("view more");
        // Relative ages: `3 j`, `2 h`, `5 min`, `1 sem`, `il y a 2 heures`.
        let age = part.trim().starts_with(|c: char| c.is_ascii_digit())
            && matches!(
                p,
                "j" | "h"
                    | "min"
                    | "s"
                    | "sem"
                    | "an"
                    | "ans"
                    | "mois"
                    | "jours"
                    | "heures"
                    | "minutes"
                    | "d"
                    | "w"
                    | "y"
            )
            || p.starts_with("il y a ");
        if !(word || age) {
            return false;
        }
    }
    any
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
    let colon = find_byte(s.as_bytes(), b':')?;
    let head = s[..colon].trim_end();
    // Every verb ends in t, s, d or e, and only those ASCII letters lowercase to them:
    // anything else cannot be an author line.
    if !head
        .as_bytes()
        .last()
        .is_some_and(|b| matches!(b | 0x20, b't' | b's' | b'd' | b'e'))
    {
        return None;
    }
    let rest = s[colon + 1..].trim();
    let hb = head.as_bytes();
    let tail_from = hb.len().saturating_sub(10);
    if hb[tail_from..].is_ascii() {
        // Fast path: the last ten characters are these ten ASCII bytes (or the whole
        // head), whose lowercase forms are ASCII: only the ASCII verbs can match, and a
        // character count is a byte count.
        let mut tail = [0u8; 10];
        let tail = &mut tail[..hb.len() - tail_from];
        tail.copy_from_slice(&hb[tail_from..]);
        tail.make_ascii_lowercase();
        for verb in AUTHOR_VERBS.iter().filter(|v| v.is_ascii()) {
            let Some(before) = tail.strip_suffix(verb.as_bytes()) else {
                continue;
            };
            if !before
                .last()
                .is_none_or(|&b| matches!(b, b' ' | 0x09..=0x0d))
            {
                continue;
            }
            return author_name(&head[..head.len() - verb.len()], rest);
        }
        return None;
    }
    // The last ten characters of the head, lowercased, without allocating. Per-character
    // lowercasing matches `str::to_lowercase` here except for a final sigma, which is
    // neither whitespace nor in any verb, so the tests below see no difference.
    let mut tail = ['\0'; 30]; // at most 3 characters per lowercased character
    let mut n = 0;
    let from = head.char_indices().rev().nth(9).map_or(0, |(i, _)| i);
    for c in head[from..].chars() {
        for l in c.to_lowercase() {
            tail[n] = l;
            n += 1;
        }
    }
    let lower_tail = &tail[..n];
    for verb in AUTHOR_VERBS {
        let verb_chars = verb.chars().count();
        let Some(split) = n.checked_sub(verb_chars) else {
            continue;
        };
        if !lower_tail[split..].iter().copied().eq(verb.chars()) {
            continue;
        }
        // The verb must be a word of its own.
        if !lower_tail[..split].last().is_none_or(|c| c.is_whitespace()) {
            continue;
        }
        // Cut the same number of characters from the original head.
        let cut = head
            .char_indices()
            .rev()
            .nth(verb_chars - 1)
            .map_or(0, |(i, _)| i);
        return author_name(&head[..cut], rest);
    }
    None
}

/// The author line's result once the verb is cut off: `before` is the head before it.
fn author_name<'a>(before: &'a str, rest: &'a str) -> Option<(&'a str, &'a str)> {
    let name = before.trim();
    // A name is short: a sentence ending in "dit :" is body text. ASCII names count
    // their words bytewise (ASCII whitespace is exactly tab to CR and space).
    let words = if name.is_ascii() {
        let b = name.as_bytes();
        let ws = |c: u8| matches!(c, b' ' | 0x09..=0x0d);
        (0..b.len())
            .filter(|&k| !ws(b[k]) && (k == 0 || ws(b[k - 1])))
            .count()
    } else {
        name.split_whitespace().count()
    };
    if name.is_empty() || words > 5 {
        return None;
    }
    Some((name, rest))
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
    "janvier",
    "fevrier",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "aout",
    "septembre",
    "octobre",
    "novembre",
    "decembre",
];

fn month_number(name: &str) -> Option<u32> {
    // Lowercased into a stack buffer: a month word is short, and anything longer than
    // the buffer is longer than every month name, so it matches none.
    let mut buf = [0u8; 32];
    let mut len = 0;
    let mut chars = 0;
    for c in name
        .chars()
        .filter(|&c| c != '.')
        .flat_map(char::to_lowercase)
    {
        let w = c.len_utf8();
        if len + w > buf.len() {
            return None;
        }
        c.encode_utf8(&mut buf[len..]);
        len += w;
        chars += 1;
    }
    let n = std::str::from_utf8(&buf[..len]).expect("encoded chars");
    if chars < 3 {
        return None;
    }
    // Full names, or abbreviations of three letters or more (`janv`, `déc`, `Aug`).
    for list in [MONTHS_FR, MONTHS_FOLDED, MONTHS_EN] {
        if let Some(i) = list.iter().position(|m| m.starts_with(n)) {
            return Some(i as u32 + 1);
        }
    }
    None
}

static DATE_FR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^(?:le\s+)?(?:(?:lun|mar|mer|jeu|ven|sam|dim)[a-z]*\.?\s+)?(\d{1,2})(?:er)?\s+(janv(?:ier|\.)?|f[ée]vr?(?:ier|\.)?|mars|avr(?:il|\.)?|mai|juin|juil(?:let|\.)?|ao[uû]t|sept?(?:embre|\.)?|oct(?:obre|\.)?|nov(?:embre|\.)?|d[ée]c(?:embre|\.)?)\s+(\d{4})
          (?:\s*(?:à|a|,|-|–)?\s*(\d{1,2})\s*(?:h|:)\s*(\d{2})(?:\s*min)?)?\s*$",
    )
    .expect("date regex")
});
static DATE_EN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^(?:[a-z]+,?\s+)?(jan(?:uary|\.)?|feb(?:ruary|\.)?|mar(?:ch|\.)?|apr(?:il|\.)?|may|june?|july?|aug(?:ust|\.)?|sept?(?:ember|\.)?|oct(?:ober|\.)?|nov(?:ember|\.)?|dec(?:ember|\.)?)\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})
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

/// Which date regex a date line matches (the first one, in this order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateKind {
    Fr = 2,
    En,
    Num,
    Iso,
}

/// The shape of a date line: the regexes' fast matchers, no captures.
pub(crate) fn date_kind(s: &str) -> Option<DateKind> {
    if s.len() > 80 || !s.bytes().any(|b| b.is_ascii_digit()) {
        None
    } else if DATE_FR.is_match(s) {
        Some(DateKind::Fr)
    } else if DATE_EN.is_match(s) {
        Some(DateKind::En)
    } else if DATE_NUM.is_match(s) {
        Some(DateKind::Num)
    } else if DATE_ISO.is_match(s) {
        Some(DateKind::Iso)
    } else {
        None
    }
}

/// Whether a line is a date line.
pub(crate) fn is_date(s: &str) -> bool {
    date_kind(s).is_some()
}

/// `date_kind` of whole lines, remembered: one byte per line, 0 = not asked yet, 1 = not
/// a date, else the `DateKind`.
struct DateMemo(Vec<u8>);

/// `date_kind` of line `j`'s text through the memo of `lines`' lines.
fn line_date_kind(memo: &mut [u8], page: &str, lines: &[Line], j: usize) -> Option<DateKind> {
    const KINDS: [DateKind; 4] = [DateKind::Fr, DateKind::En, DateKind::Num, DateKind::Iso];
    match memo[j] {
        0 => {
            let k = date_kind(lines[j].text(page));
            memo[j] = k.map_or(1, |k| k as u8);
            k
        }
        1 => None,
        k => Some(KINDS[usize::from(k) - 2]),
    }
}

/// Parses a date line into ISO 8601 (`2025-08-12T14:03:00` or `2025-08-12`). The parser
/// itself goes through `date_kind` and `parse_date_as`, matching each line once.
#[cfg(test)]
pub(crate) fn parse_date(s: &str) -> Option<String> {
    if s.len() > 80 || !s.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let s = s.trim();
    parse_date_as(s, date_kind(s)?)
}

/// `parse_date` of a trimmed line whose `date_kind` is `kind`. The regexes' fast
/// matchers decided the shape; the fields are read off the runs of digits and letters,
/// which is much cheaper than capture groups.
pub(crate) fn parse_date_as(s: &str, kind: DateKind) -> Option<String> {
    // Runs of digits (numbers) and of letters (words), in order, in stack buffers: runs of
    // one kind are separated by at least one other byte, so 80 bytes hold at most 40.
    let mut nums = [(0usize, 0u32); 40]; // (token position, value)
    let mut n_nums = 0;
    let mut word_at = [(0usize, 0usize, 0usize); 40]; // (token position, from, to)
    let mut n_words = 0;
    let mut pos = 0;
    let mut start = None::<(usize, bool)>;
    let mut push = |from: usize, to: usize, digit: bool, pos: &mut usize| {
        if digit {
            nums[n_nums] = (*pos, s[from..to].parse().unwrap_or(u32::MAX));
            n_nums += 1;
        } else {
            word_at[n_words] = (*pos, from, to);
            n_words += 1;
        }
        *pos += 1;
    };
    let bytes = s.as_bytes();
    let mut next = 0;
    while next < bytes.len() {
        let i = next;
        // Some(true): ASCII digit, Some(false): letter (`char::is_alphabetic`).
        let (kind, width) = match bytes[i] {
            b'0'..=b'9' => (Some(true), 1),
            b if b.is_ascii_alphabetic() => (Some(false), 1),
            b if b < 0x80 => (None, 1),
            _ => {
                let c = s[i..].chars().next().expect("char boundary");
                // Latin-1 letters (`é`, `û`…) without the Unicode table walk.
                let alpha =
                    matches!(c, '\u{C0}'..='\u{FF}') && c != '×' && c != '÷' || c.is_alphabetic();
                (alpha.then_some(false), c.len_utf8())
            }
        };
        next = i + width;
        match (start, kind) {
            (Some((_, d)), Some(k)) if d == k => {}
            (Some((f, d)), _) => {
                push(f, i, d, &mut pos);
                start = kind.map(|k| (i, k));
            }
            (None, Some(k)) => start = Some((i, k)),
            (None, None) => {}
        }
    }
    if let Some((f, d)) = start {
        push(f, s.len(), d, &mut pos);
    }
    let nums = &nums[..n_nums];
    let words = &word_at[..n_words];
    let word = |w: &(usize, usize, usize)| &s[w.1..w.2];
    let n = |k: usize| nums.get(k).map(|x| x.1);
    let word_after = |p: usize| words.iter().find(|w| w.0 > p && word(w) != "er").map(word);
    let word_before = |p: usize| words.iter().rev().find(|w| w.0 < p).map(word);
    let (y, mo, d, h, mi) = match kind {
        DateKind::Fr => {
            let mo = month_number(word_after(nums.first()?.0)?)?;
            (n(1)?, mo, n(0)?, n(2), n(3))
        }
        DateKind::En => {
            let mo = month_number(word_before(nums.first()?.0)?)?;
            let mut h = n(2);
            let last = words.last().map(|w| word(w).to_ascii_lowercase());
            if let (Some(hh), Some(ampm)) = (h, last.as_deref()) {
                if ampm == "pm" || ampm == "am" {
                    h = Some(hh % 12 + if ampm == "pm" { 12 } else { 0 });
                }
            }
            (n(1)?, mo, n(0)?, h, n(3))
        }
        DateKind::Num => (n(2)?, n(1)?, n(0)?, n(3), n(4)),
        DateKind::Iso => (n(0)?, n(1)?, n(2)?, n(3), n(4)),
    };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    // `{y:04}-{mo:02}-{d:02}[T{h:02}:{mi:02}:00]`, written into a stack buffer without
    // the `fmt` machinery (a year is at most 10 digits, the other fields 2).
    let mut out = [0u8; 32];
    let mut n = push_padded(&mut out, 0, y, 4);
    out[n] = b'-';
    n = push_padded(&mut out, n + 1, mo, 2);
    out[n] = b'-';
    n = push_padded(&mut out, n + 1, d, 2);
    if let (Some(h), Some(mi)) = (h, mi) {
        if h < 24 && mi < 60 {
            out[n] = b'T';
            n = push_padded(&mut out, n + 1, h, 2);
            out[n] = b':';
            n = push_padded(&mut out, n + 1, mi, 2);
            out[n..n + 3].copy_from_slice(b":00");
            n += 3;
        }
    }
    Some(std::str::from_utf8(&out[..n]).expect("ASCII").to_string())
}

/// Writes `v` in decimal at `out[at..]`, zero-padded to `width` digits (like
/// `{v:0width$}`); returns the offset just past it.
fn push_padded(out: &mut [u8], at: usize, v: u32, width: usize) -> usize {
    let mut digits = [0u8; 10];
    let mut n = 0;
    let mut x = v;
    loop {
        digits[n] = b'0' + (x % 10) as u8;
        n += 1;
        x /= 10;
        if x == 0 {
            break;
        }
    }
    let mut at = at;
    for _ in n..width {
        out[at] = b'0';
        at += 1;
    }
    for &c in digits[..n].iter().rev() {
        out[at] = c;
        at += 1;
    }
    at
}

/// Where the comments are, in line indices.
#[derive(Debug, PartialEq)]
enum Layout {
    None,
    /// Comments alone, one per paragraph (no article, no markers).
    Paste,
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
fn author_with_date(page: &str, lines: &[Line], i: usize, dates: &mut DateMemo) -> bool {
    let Some((_, rest)) = author_line(lines[i].text(page)) else {
        return false;
    };
    if !rest.is_empty() {
        return is_date(rest);
    }
    next_nonblank(lines, i + 1)
        .is_some_and(|j| line_date_kind(&mut dates.0, page, lines, j).is_some())
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
    // Without `Répondre` or author lines, the comments may be a run of lines: a header
    // stands apart (a blank line or the page's edge next to it), a line inside the run
    // that reads like one is a comment.
    let apart = |i: usize| {
        first_close.is_some()
            || authors
            || i == 0
            || lines[i - 1].kind == Kind::Blank
            || lines.get(i + 1).is_none_or(|l| l.kind == Kind::Blank)
    };
    let header = (0..limit)
        .rev()
        .find(|&i| lines[i].kind == Kind::Text && is_header(lines[i].text(page)) && apart(i));
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

/// One comment per paragraph (lines between blank lines). Body lines go to `bodies`.
fn paragraph_blocks(lines: &[Line], bodies: &mut Vec<(usize, usize)>) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    let mut open = false;
    for l in lines {
        if l.kind == Kind::Blank {
            open = false;
            continue;
        }
        bodies.push((l.content, l.end));
        match blocks.last_mut() {
            Some(b) if open => {
                b.body.end = bodies.len();
                b.span.1 = l.end;
            }
            _ => blocks.push(Block {
                indent: 0,
                marker: None,
                author: None,
                date_raw: None,
                date_kind: None,
                body: bodies.len() - 1..bodies.len(),
                span: (l.content, l.end),
            }),
        }
        open = true;
    }
    blocks
}

/// Whether a page without any comment layout is a paste of short comments: at least two
/// paragraphs, none longer than an ordinary comment (articles have long paragraphs), no
/// bulleted lines (menus), and no title-like first paragraph of a few words.
fn short_paragraphs(page: &str, lines: &[Line]) -> bool {
    let mut paragraphs = 0;
    let mut len = 0;
    let mut prev_blank = true;
    let mut first: Option<(usize, &str)> = None; // (lines, last line) of the first paragraph
    for l in lines {
        if l.kind == Kind::Blank {
            prev_blank = true;
            continue;
        }
        let t = l.text(page);
        if marker(t).is_some() {
            return false;
        }
        if prev_blank {
            paragraphs += 1;
            len = 0;
        }
        if paragraphs == 1 {
            let n = first.map_or(0, |f| f.0);
            first = Some((n + 1, t));
        }
        prev_blank = false;
        len += l.end - l.content;
        if len > 280 {
            return false;
        }
    }
    // A first paragraph of one line without closing punctuation is an article's title.
    let title =
        first.is_some_and(|(n, t)| n == 1 && !t.ends_with(['.', '!', '?', '…', '»', '"', ')']));
    paragraphs >= 2 && !title
}

/// Lines that say the page is a dump of a comment platform: its buttons (`Signaler`,
/// `J'aime · Répondre · 3 j`, `Voir plus de réponses`).
fn platform_dump(page: &str, lines: &[Line]) -> bool {
    // Two such lines, or one button row (`J'aime · Répondre · 3 j`): a comment that
    // only says "J'aime" does not make a page a platform dump.
    let mut seen = 0;
    for l in lines {
        if l.kind != Kind::Text {
            continue;
        }
        let t = l.text(page);
        if !is_furniture(t) {
            continue;
        }
        let lower = t.to_lowercase().replace('’', "'");
        if lower.contains('·') && has_reply_part(t) {
            return true;
        }
        if ["signaler", "j'aime", "voir plus de r", "·"]
            .iter()
            .any(|w| lower.contains(w))
        {
            seen += 1;
            if seen >= 2 {
                return true;
            }
        }
    }
    false
}

/// A furniture line with a `Répondre`/`Reply` button in it.
fn has_reply_part(s: &str) -> bool {
    s.split(['·', '•', '|']).any(|p| {
        let p = p.trim().to_lowercase();
        matches!(p.as_str(), "répondre" | "repondre" | "reply")
    })
}

/// A name alone on a line (`Albane Fourès`, `jm.delorme`): one to four words, no sentence
/// punctuation, no digits, at most 40 bytes.
fn is_name(s: &str) -> bool {
    let words = s.split_whitespace().count();
    (1..=4).contains(&words)
        && s.len() <= 40
        && !s.chars().any(|c| {
            c.is_ascii_digit() || matches!(c, '.' | '!' | '?' | ':' | ';' | ',' | '«' | '»' | '"')
        } && !(c == '.' && words == 1))
        && s.chars().next().is_some_and(char::is_alphabetic)
}

/// A platform dump's author line: a name alone, then a date line (`le 04/04/2026 à 10:12`).
fn name_with_date(page: &str, lines: &[Line], i: usize, dates: &mut DateMemo) -> bool {
    is_name(lines[i].text(page))
        && next_nonblank(lines, i + 1)
            .is_some_and(|j| line_date_kind(&mut dates.0, page, lines, j).is_some())
}

/// One comment per non-empty line. Body lines go to `bodies` (see `Block::body`).
fn flat_blocks(lines: &[Line], bodies: &mut Vec<(usize, usize)>) -> Vec<Block> {
    lines
        .iter()
        .filter(|l| l.kind != Kind::Blank)
        .map(|l| {
            bodies.push((l.content, l.end));
            Block {
                indent: 0,
                marker: None,
                author: None,
                date_raw: None,
                date_kind: None,
                body: bodies.len() - 1..bodies.len(),
                span: (l.content, l.end),
            }
        })
        .collect()
}

/// Cuts a nested comment section into blocks: a comment opens at the section start or
/// right after a `Répondre` (or at an author+date line when the page has them) and runs
/// to its `Répondre`. Body lines go to `bodies`: only the open block appends, so each
/// block's lines are one contiguous range.
fn nested_blocks(
    page: &str,
    lines: &[Line],
    ad: &[bool],
    authors: bool,
    platform: bool,
    bodies: &mut Vec<(usize, usize)>,
    dates: &mut [u8],
) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut cur: Option<Block> = None;
    let mut i = 0;
    let mut blank_run = 0;
    let last_close = lines.iter().rposition(|l| l.kind == Kind::Close);
    let has_close = last_close.is_some();
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
            && ((authors && ad[i])
                || (!has_close && marker(text).is_some())
                || (authors
                    && marker(text).is_some_and(|(_, r)| r == text.len())
                    && next_nonblank(lines, i + 1).is_some_and(|j| ad[j])));
        if reopen {
            blocks.push(cur.take().expect("checked is_some"));
        }
        match cur.as_mut() {
            Some(b) => {
                // The unclosed last comment ends at a gap of blank lines (page furniture).
                if blank_run >= 2 && last_close.is_none_or(|c| c < i) {
                    break;
                }
                bodies.push((l.content, l.end));
                b.body.end = bodies.len();
                b.span.1 = l.end;
                i += 1;
            }
            None => {
                let (b, next) = open_block(page, lines, i, authors, platform, bodies, dates);
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
fn open_block(
    page: &str,
    lines: &[Line],
    i: usize,
    authors: bool,
    platform: bool,
    bodies: &mut Vec<(usize, usize)>,
    dates: &mut [u8],
) -> (Block, usize) {
    let l = lines[i];
    let text = l.text(page);
    let mut block = Block {
        indent: l.indent,
        marker: None,
        author: None,
        date_raw: None,
        date_kind: None,
        body: bodies.len()..bodies.len(),
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
    // Platform dumps name the author alone on the first line (`Albane Fourès`).
    let named = if authors {
        author_line(first_text)
    } else {
        None
    }
    .or_else(|| {
        (platform
            && is_name(first_text)
            && next_nonblank(lines, first_line + 1).is_some_and(|j| lines[j].kind == Kind::Text))
        .then_some((first_text, ""))
    });
    if authors || platform {
        if let Some((name, rest)) = named {
            block.author = Some(name.to_string());
            block.span.1 = lines[first_line].end;
            let rest_date = if rest.is_empty() {
                None
            } else {
                date_kind(rest)
            };
            if rest_date.is_some() {
                block.date_raw = Some(rest.to_string());
                block.date_kind = rest_date;
            } else if let Some(j) = next_nonblank(lines, first_line + 1) {
                if lines[j].kind == Kind::Text {
                    if let Some(k) = line_date_kind(dates, page, lines, j) {
                        block.date_raw = Some(lines[j].text(page).to_string());
                        block.date_kind = Some(k);
                        block.span.1 = lines[j].end;
                        return (block, j + 1);
                    }
                }
            }
            return (block, first_line + 1);
        }
    }
    bodies.push((first, lines[first_line].end));
    block.body.end = bodies.len();
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
        // Sentences inside comments are not headers.
        assert!(!is_header("Les commentaires sur ce site sont indignes."));
        assert!(!is_header("Les commentaires sur le maire sont indignes !"));
        assert!(is_header("12 commentaires."));
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
        // Abbreviated months, with and without the dot.
        assert_eq!(parse_date("12 sep 2025").as_deref(), Some("2025-09-12"));
        assert_eq!(parse_date("3 sept. 2025").as_deref(), Some("2025-09-03"));
        assert_eq!(
            parse_date("3 déc. 2025 à 8h00").as_deref(),
            Some("2025-12-03T08:00:00")
        );
        // A day that does not exist is no date.
        assert_eq!(parse_date("45 août 2025"), None);
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
            // The page as decoded: lossy UTF-8, or a legacy encoding when the bytes hold
            // no valid multi-byte UTF-8 at all (see `decode.rs`).
            let (decoded, _) = crate::thread::decode::decode("p.txt", &bytes, None).expect("no NUL");
            let page = decoded.text.into_owned();
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
    fn platform_buttons_only_on_platform_dumps() {
        // A comment that says "J'aime" is a comment, not a button.
        let page = "Titre\n\n2 commentaires\n\n  1. J'aime\n     Répondre\n  2. Moi aussi.\n     Répondre\n";
        let t = parse("p.txt", page.as_bytes()).unwrap();
        let texts: Vec<&str> = t.comments.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, vec!["J'aime", "Moi aussi."]);
        // A Facebook-style dump: names, texts, button rows.
        let page = "Aline Roc\nBien vu.\nJ'aime · Répondre · 2 h\nBruno Sal\nPas d'accord.\nJ'aime · Répondre · 1 h\n";
        let t = parse("p.txt", page.as_bytes()).unwrap();
        let got: Vec<(Option<&str>, &str)> = t
            .comments
            .iter()
            .map(|c| (c.author.as_deref(), c.text.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some("Aline Roc"), "Bien vu."),
                (Some("Bruno Sal"), "Pas d'accord.")
            ]
        );
        assert!(is_furniture("Voir plus de réponses"));
        assert!(is_furniture("Répondre · 3 j"));
        assert!(is_furniture("12 J'aime"));
        assert!(!is_furniture("J'aime ce quartier"));
    }

    #[test]
    fn general_punctuation() {
        // `is_footer` relies on it: no character of the block is alphanumeric.
        let mut block = GENERAL_PUNCTUATION;
        assert!(block.all(|c| !c.is_alphanumeric()));
    }

    #[test]
    fn byte_scans() {
        let mut b = vec![b'a'; 100];
        for at in 0..100 {
            b[at] = b'\r';
            assert_eq!(memchr_line_end(&b[..]), Some(at));
            assert_eq!(find_byte(&b, b'\r'), Some(at));
            assert_eq!(find_byte(&b[at + 1..], b'\r'), None);
            b[at] = b'a';
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
