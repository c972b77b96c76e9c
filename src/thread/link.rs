//! Blocks -> tree: reply links from indentation and markers (nested pages) or from
//! quotes of earlier comments (flat pages), the cleaned text, and stable keys.

use super::parse::{parse_date, Decoded, Marker};
use super::{Comment, Structure};

/// A comment as cut from the page, before linking. Offsets are in the decoded text.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    /// Indentation of the opening line.
    pub indent: usize,
    /// The marker that opened it, if any.
    pub marker: Option<Marker>,
    /// Author from an author line.
    pub author: Option<String>,
    /// Date line as written.
    pub date_raw: Option<String>,
    /// Body lines: (start, end) of each line's content.
    pub body: Vec<(usize, usize)>,
    /// From the opening line's first character to the end of the last line.
    pub span: (usize, usize),
}

/// How many words a flat comment must share with an earlier one to be its reply.
const QUOTE_WORDS: usize = 8;

/// Links blocks into comments.
pub(crate) fn link(
    source: &str,
    structure: Structure,
    page: &Decoded,
    blocks: Vec<Block>,
) -> Vec<Comment> {
    let mut comments: Vec<Comment> = Vec::with_capacity(blocks.len());
    let mut stack: Vec<(usize, Option<Marker>, usize)> = Vec::new(); // (indent, marker, index)
    // Occurrences of each text, by hash: two identical "+1" get distinct keys.
    let mut seen = std::collections::HashMap::<u64, u32>::new();
    let src_name = std::path::Path::new(source)
        .file_name()
        .map_or_else(|| source.to_string(), |n| n.to_string_lossy().into_owned());
    for (i, b) in blocks.into_iter().enumerate() {
        let index = i + 1;
        let text = body_text(&page.text, &b.body);
        let (parent, depth) = match structure {
            Structure::Nested => nest(&mut stack, &b, index),
            _ => (None, 0),
        };
        let n = seen.entry(text_hash(&text)).or_insert(0);
        let key = key(&src_name, &text, *n);
        *n += 1;
        comments.push(Comment {
            index,
            parent,
            depth,
            author: b.author,
            date: b
                .date_raw
                .as_deref()
                .map(|d| parse_date(d).unwrap_or_else(|| d.to_string())),
            date_raw: b.date_raw,
            text,
            span: (page.original(b.span.0), page.original(b.span.1)),
            inferred: false,
            key,
        });
    }
    if structure == Structure::Flat {
        infer_quotes(&mut comments);
    }
    comments
}

/// Parent and depth of a nested comment from the comments before it: numbered markers are
/// top level; otherwise deeper indentation (or, at equal indentation, a bullet not yet
/// used at that indentation) makes a child.
fn nest(
    stack: &mut Vec<(usize, Option<Marker>, usize)>,
    b: &Block,
    index: usize,
) -> (Option<usize>, usize) {
    if matches!(b.marker, Some(Marker::Number(_))) {
        stack.clear();
    }
    while stack.last().is_some_and(|t| t.0 > b.indent) {
        stack.pop();
    }
    if let Some(top) = stack.last().copied() {
        if top.0 == b.indent {
            let same_level = |m: &Option<Marker>| match (m, &b.marker) {
                (Some(Marker::Bullet(x)), Some(Marker::Bullet(y))) => x == y,
                (Some(Marker::Bullet(_)), _) | (_, Some(Marker::Bullet(_))) => false,
                _ => true,
            };
            if let Some(pos) = stack
                .iter()
                .rposition(|e| e.0 == b.indent && same_level(&e.1))
            {
                stack.truncate(pos);
            }
            // else: a new bullet at the same indentation is one level deeper.
        }
    }
    let parent = stack.last().map(|t| t.2);
    let depth = stack.len();
    stack.push((b.indent, b.marker, index));
    (parent, depth)
}

/// The body: each line stripped of indentation, joined by one `\n`, blank lines dropped.
fn body_text(page: &str, body: &[(usize, usize)]) -> String {
    let mut out = String::new();
    for &(s, e) in body {
        let line = page[s..e].trim();
        if line.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
    }
    out
}

/// Lower-cased words, punctuation and guillemets aside.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// A flat comment that opens with `QUOTE_WORDS` consecutive words of an earlier comment
/// replies to it (the longest such match; the earliest on ties).
fn infer_quotes(comments: &mut [Comment]) {
    let all: Vec<Vec<String>> = comments.iter().map(|c| words(&c.text)).collect();
    for i in 0..comments.len() {
        let w = &all[i];
        if w.len() < QUOTE_WORDS {
            continue;
        }
        let head = &w[..QUOTE_WORDS];
        let mut best: Option<(usize, usize)> = None; // (earlier index, run length)
        for (j, e) in all.iter().enumerate().take(i) {
            let run = e
                .windows(QUOTE_WORDS)
                .enumerate()
                .filter(|(_, win)| *win == head)
                .map(|(p, _)| {
                    e[p..]
                        .iter()
                        .zip(w.iter())
                        .take_while(|(a, b)| a == b)
                        .count()
                })
                .max();
            if let Some(r) = run {
                if best.is_none_or(|(_, br)| r > br) {
                    best = Some((j, r));
                }
            }
        }
        if let Some((j, _)) = best {
            comments[i].parent = Some(comments[j].index);
            comments[i].depth = comments[j].depth + 1;
            comments[i].inferred = true;
        }
    }
}

fn text_hash(t: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    t.hash(&mut h);
    h.finish()
}

/// A stable key: FNV-1a over the source name, the text and the occurrence number of that
/// text in the page (so two identical "+1" comments keep distinct keys).
pub(crate) fn key(source: &str, text: &str, occurrence: u32) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in source
        .bytes()
        .chain([0xff])
        .chain(text.bytes())
        .chain([0xff])
        .chain(occurrence.to_le_bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(indent: usize, marker: Option<Marker>) -> Block {
        Block {
            indent,
            marker,
            author: None,
            date_raw: None,
            body: vec![],
            span: (0, 0),
        }
    }

    #[test]
    fn nesting_by_indentation_and_bullets() {
        let mut st = Vec::new();
        let n1 = Some(Marker::Number(1));
        let dot = Some(Marker::Bullet('•'));
        let circ = Some(Marker::Bullet('◦'));
        assert_eq!(nest(&mut st, &block(2, n1), 1), (None, 0));
        assert_eq!(nest(&mut st, &block(4, dot), 2), (Some(1), 1));
        assert_eq!(nest(&mut st, &block(6, circ), 3), (Some(2), 2));
        assert_eq!(nest(&mut st, &block(4, dot), 4), (Some(1), 1));
        assert_eq!(
            nest(&mut st, &block(1, Some(Marker::Number(10))), 5),
            (None, 0)
        );
        // No indentation at all: a new bullet kind is a level deeper, a known one a sibling.
        let mut st = Vec::new();
        assert_eq!(nest(&mut st, &block(0, dot), 1), (None, 0));
        assert_eq!(nest(&mut st, &block(0, circ), 2), (Some(1), 1));
        assert_eq!(nest(&mut st, &block(0, circ), 3), (Some(1), 1));
        assert_eq!(nest(&mut st, &block(0, dot), 4), (None, 0));
    }

    #[test]
    fn quote_inference_needs_eight_words() {
        let mk = |i: usize, t: &str| Comment {
            index: i,
            parent: None,
            depth: 0,
            author: None,
            date: None,
            date_raw: None,
            text: t.into(),
            span: (0, 0),
            inferred: false,
            key: String::new(),
        };
        let mut cs = vec![
            mk(1, "Le conseil municipal a voté le budget hier soir, enfin."),
            mk(2, "Rien à voir."),
            mk(
                3,
                "« Le conseil municipal a voté le budget hier soir » : et alors ?",
            ),
            mk(4, "Le conseil municipal a voté le budget, bravo."),
        ];
        infer_quotes(&mut cs);
        assert_eq!(
            (cs[2].parent, cs[2].depth, cs[2].inferred),
            (Some(1), 1, true)
        );
        assert_eq!(cs[3].parent, None, "7 words only");
    }

    #[test]
    fn keys_are_stable_and_distinct() {
        assert_eq!(key("a.txt", "+1", 0), key("a.txt", "+1", 0));
        assert_ne!(key("a.txt", "+1", 0), key("a.txt", "+1", 1));
        assert_ne!(key("a.txt", "+1", 0), key("b.txt", "+1", 0));
    }
}
