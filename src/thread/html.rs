//! Saved HTML pages -> `Thread`, with the same structure, article and comment fields as a
//! text dump. The markup is parsed by html5ever (through `scraper`); nothing here matches
//! markup with patterns.
//!
//! Comment elements, in order of preference:
//! - WordPress: any `li`/`div`/`article` with the class `comment` and an `id` starting
//!   with `comment-` or a `depth-N` class. This covers core markup
//!   (`ol.comment-list > li.comment.depth-N` with `article.comment-body`, `.fn` or the
//!   older `cite.fn`, `time[datetime]`, `.comment-content`, replies in `ol.children`), the
//!   Twenty Twenty theme (`div.comment` nested in `div.children`) and block themes
//!   (`ol.wp-block-comment-template > li.comment`, `.wp-block-comment-content`,
//!   `.wp-block-comment-date time`, replies in a nested `ol`). A reply's parent is its
//!   nearest comment ancestor.
//! - Otherwise a generic reading: every `a`/`button` whose text is "Répondre"/"Reply"
//!   marks one comment; the comment is the smallest element around the link with text of
//!   its own, and replies are recognised when comments sit in nested list items (or in a
//!   following sibling whose class names children or replies).
//!
//! Scripts, styles, navigation, forms, share buttons and the comment form are never
//! read. `<br>` and block elements become line breaks, then the text follows the text
//! dumps' rule (lines trimmed, blank lines dropped, joined by `\n`).
//!
//! Spans: html5ever gives no source positions, so a comment's span is found in the
//! decoded source by searching, in document order: it starts at the `<` of the comment
//! element's opening tag (located by its `id` attribute; without an id, at the tag
//! holding its first text) and ends where the next comment's span starts, or for the last
//! comment just after its last text. It is then mapped back to bytes of the file as read.

use super::decode;
use super::parse::{author_line, date_kind, is_close, parse_date_as, Decoded};
use super::{Comment, Structure, Thread};
use scraper::{ElementRef, Html, Node, Selector};
use std::collections::{HashMap, HashSet};

/// Whether the first bytes of an input look like an HTML document.
pub(crate) fn sniff(head: &[u8]) -> bool {
    // UTF-16 pages: look at every other byte.
    let ascii: Vec<u8> = match head.get(..2) {
        Some([0xFF, 0xFE]) => head[2..].iter().step_by(2).copied().collect(),
        Some([0xFE, 0xFF]) => head[3..].iter().step_by(2).copied().collect(),
        _ => head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head).to_vec(),
    };
    let lower = ascii.to_ascii_lowercase();
    let t = lower.trim_ascii_start();
    // A saved page starts with its doctype or `<html>` (browsers may put a
    // `<!-- saved from url=… -->` comment first).
    t.starts_with(b"<!doctype html")
        || t.starts_with(b"<html")
        || (t.starts_with(b"<!--") && contains(&lower, b"<html"))
        || (t.starts_with(b"<") && (contains(&lower, b"<head") || contains(&lower, b"<body")))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The encoding of an HTML page: forced, else BOM or valid UTF-8, else the page's own
/// `<meta charset>`, else detection.
fn encoding(
    bytes: &[u8],
    forced: Option<&'static encoding_rs::Encoding>,
) -> Option<&'static encoding_rs::Encoding> {
    if forced.is_some() {
        return forced;
    }
    let det = decode::detect(bytes);
    if det == encoding_rs::UTF_8 || det == encoding_rs::UTF_16LE || det == encoding_rs::UTF_16BE {
        return Some(det);
    }
    // `charset=NAME` in the first KiB (the `<meta>` must be there to count for browsers).
    let head = &bytes[..bytes.len().min(1024)];
    let lower = head.to_ascii_lowercase();
    let at = lower.windows(8).position(|w| w == b"charset=")?;
    let rest = &head[at + 8..];
    let rest = rest
        .strip_prefix(b"\"")
        .or(rest.strip_prefix(b"'"))
        .unwrap_or(rest);
    let end = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_')))
        .unwrap_or(rest.len());
    let label = std::str::from_utf8(&rest[..end]).ok()?;
    encoding_rs::Encoding::for_label(label.as_bytes())
        .filter(|e| *e != encoding_rs::UTF_8)
        .or(Some(det))
}

/// Parses a saved HTML page.
pub(crate) fn parse(
    source: &str,
    bytes: &[u8],
    forced: Option<&'static encoding_rs::Encoding>,
) -> crate::Result<Thread> {
    let enc = encoding(bytes, forced);
    let (page, enc) = decode::decode(source, bytes, enc)?;
    let depth = nesting_depth(&page.text);
    if depth > MAX_NESTING {
        // html5ever checks element scope by walking the stack of open elements, so
        // parsing time grows with the square of the nesting: refuse what no page needs.
        return Err(crate::Error::Other(format!(
            "{source}: markup nested about {depth} levels deep (the limit is {MAX_NESTING}): not a saved page"
        )));
    }
    let doc = Html::parse_document(&page.text);
    let mut t = Thread {
        source: source.to_string(),
        structure: Structure::None,
        article: None,
        comments: Vec::new(),
        warnings: Vec::new(),
        notes: Vec::new(),
        encoding: enc.name(),
    };
    if let Some(off) = page.first_invalid {
        t.warnings.push(format!(
            "{source}: invalid UTF-8 at byte offset {off}, decoded lossily"
        ));
    }
    if enc != encoding_rs::UTF_8 {
        t.notes
            .push(format!("{source}: read as {} (HTML page)", enc.name()));
    }
    let mut found = wordpress(&doc);
    if found.is_empty() {
        found = generic(&doc);
    }
    let comment_ids: HashSet<usize> = found.iter().map(|f| nid(f.el)).collect();
    t.article = article(&doc, &comment_ids);
    if found.is_empty() {
        t.notes.push(format!(
            "{source}: no comment section (an HTML page without a WordPress comment list \
             or comments with a \"Répondre\"/\"Reply\" link)"
        ));
        return Ok(t);
    }
    t.structure = Structure::Nested;
    t.comments = build(source, &page, found);
    Ok(t)
}

/// A comment element as found, before numbering.
struct Found<'a> {
    /// The comment's element (its span starts at its opening tag).
    el: ElementRef<'a>,
    /// Index in `found` of the parent.
    parent: Option<usize>,
    author: Option<String>,
    date: Option<String>,
    date_raw: Option<String>,
    text: String,
    /// A short piece of the first and last text, to locate the span's ends.
    first_text: String,
    last_text: String,
}

/// A stable identity for an element of the document.
fn nid(e: ElementRef) -> usize {
    std::ptr::from_ref(e.value()) as usize
}

fn has_class(e: ElementRef, c: &str) -> bool {
    e.value().classes().any(|x| x == c)
}

fn class_contains(e: ElementRef, part: &str) -> bool {
    e.value()
        .classes()
        .any(|x| x.to_ascii_lowercase().contains(part))
}

/// Elements that are never read: code, page furniture, forms, share buttons.
fn excluded(e: ElementRef) -> bool {
    let name = e.value().name();
    if matches!(
        name,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "nav"
            | "form"
            | "iframe"
            | "svg"
            | "head"
            | "select"
            | "textarea"
            | "input"
            | "button"
            | "img"
    ) {
        return true;
    }
    if matches!(
        e.value().id(),
        Some("respond" | "comments-nav" | "reply-title")
    ) {
        return true;
    }
    e.value().classes().any(|c| {
        let c = c.to_ascii_lowercase();
        c.contains("share")
            || c.contains("sharedaddy")
            || c.contains("social")
            || c == "comment-respond"
            || c == "screen-reader-text"
            || c.contains("navigation")
            || c == "comment-awaiting-moderation"
    })
}

fn is_wp_comment(e: ElementRef) -> bool {
    let v = e.value();
    matches!(v.name(), "li" | "div" | "article")
        && has_class(e, "comment")
        && (v.id().is_some_and(|id| id.starts_with("comment-"))
            || v.classes().any(|c| c.starts_with("depth-"))
            || e.parent()
                .and_then(ElementRef::wrap)
                .is_some_and(|p| has_class(p, "wp-block-comment-template")))
}

/// Whether `e` sits inside an excluded element.
fn inside_excluded(e: ElementRef) -> bool {
    e.ancestors().filter_map(ElementRef::wrap).any(excluded)
}

fn wordpress(doc: &Html) -> Vec<Found<'_>> {
    let all: Vec<ElementRef> = doc
        .root_element()
        .descendent_elements()
        .filter(|e| is_wp_comment(*e) && !inside_excluded(*e))
        .collect();
    let index: HashMap<usize, usize> = all.iter().enumerate().map(|(i, e)| (nid(*e), i)).collect();
    let is_comment = |e: ElementRef| index.contains_key(&nid(e));
    all.iter()
        .map(|&el| {
            let parent = el
                .ancestors()
                .filter_map(ElementRef::wrap)
                .find_map(|a| index.get(&nid(a)).copied());
            let own = |pred: &dyn Fn(ElementRef) -> bool| first_own(el, &is_comment, pred);
            let author = own(&|e| has_class(e, "fn"))
                .or_else(|| own(&|e| has_class(e, "wp-block-comment-author-name")))
                .or_else(|| own(&|e| has_class(e, "comment-author")))
                .map(|e| clean_author(&one_line(e)))
                .filter(|a| !a.is_empty());
            let time = own(&|e| e.value().name() == "time");
            let (date, date_raw) = match time {
                Some(t) => {
                    let raw = one_line(t);
                    let iso = t.value().attr("datetime").map(iso_from_attr);
                    let raw = if raw.is_empty() {
                        iso.clone()
                    } else {
                        Some(raw)
                    };
                    (iso.or_else(|| raw.as_deref().map(parse_loose)), raw)
                }
                None => match own(&|e| {
                    has_class(e, "comment-metadata") || has_class(e, "commentmetadata")
                }) {
                    Some(m) => {
                        let raw = one_line(m);
                        (Some(parse_loose(&raw)), Some(raw))
                    }
                    None => (None, None),
                },
            };
            let body = own(&|e| {
                has_class(e, "comment-content") || has_class(e, "wp-block-comment-content")
            });
            let lines = match body {
                Some(b) => render(b, &|_| false),
                // Older themes: the paragraphs of the comment, without its meta parts.
                None => render(el, &|e| {
                    is_comment(e)
                        || class_contains(e, "comment-author")
                        || class_contains(e, "comment-meta")
                        || class_contains(e, "reply")
                        || e.value().name() == "footer"
                }),
            };
            found(el, parent, author, date, date_raw, lines)
        })
        .collect()
}

fn found<'a>(
    el: ElementRef<'a>,
    parent: Option<usize>,
    author: Option<String>,
    date: Option<String>,
    date_raw: Option<String>,
    lines: Vec<String>,
) -> Found<'a> {
    let first_text = lines.first().map(|l| probe(l, true)).unwrap_or_default();
    let last_text = lines.last().map(|l| probe(l, false)).unwrap_or_default();
    Found {
        el,
        parent,
        author,
        date,
        date_raw,
        text: lines.join("\n"),
        first_text,
        last_text,
    }
}

/// A piece of a text line that appears as is in the source: the first (or last) run of
/// ASCII letters and digits (any other character may be written as an entity, and
/// whitespace is collapsed by rendering).
fn probe(line: &str, from_start: bool) -> String {
    let mut runs = line
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty());
    let w = if from_start {
        runs.next()
    } else {
        runs.next_back()
    };
    w.unwrap_or("").to_string()
}

/// The first element under `el`, in document order, matching `pred`, without entering
/// nested comments or excluded elements.
fn first_own<'a>(
    el: ElementRef<'a>,
    is_comment: &dyn Fn(ElementRef) -> bool,
    pred: &dyn Fn(ElementRef) -> bool,
) -> Option<ElementRef<'a>> {
    for c in el.child_elements() {
        if is_comment(c) || excluded(c) {
            continue;
        }
        if pred(c) {
            return Some(c);
        }
        if let Some(f) = first_own(c, is_comment, pred) {
            return Some(f);
        }
    }
    None
}

/// `X dit :` → `X`; whitespace collapsed.
fn clean_author(s: &str) -> String {
    match author_line(s) {
        Some((name, "")) => name.to_string(),
        _ => s.trim_end_matches(':').trim().to_string(),
    }
}

/// The element's text on one line, whitespace collapsed.
fn one_line(e: ElementRef) -> String {
    render(e, &|_| false).join(" ")
}

/// `2026-04-04T10:12:00+00:00` → `2026-04-04T10:12:00` (the text dumps' ISO form).
fn iso_from_attr(s: &str) -> String {
    let s = s.trim();
    let b = s.as_bytes();
    let iso_datetime = b.len() >= 19
        && b[4] == b'-'
        && b[7] == b'-'
        && matches!(b[10], b'T' | b' ')
        && b[13] == b':'
        && b[16] == b':';
    if iso_datetime && s.is_char_boundary(19) {
        format!("{}T{}", &s[..10], &s[11..19])
    } else {
        s.to_string()
    }
}

/// A date written in French or English (`4 avril 2026 à 10 h 12 min`) in ISO when the
/// text dumps' date rules read it, else as written.
fn parse_loose(s: &str) -> String {
    let t = s.trim();
    let t = t.strip_prefix("le ").unwrap_or(t).trim();
    date_kind(t)
        .and_then(|k| parse_date_as(t, k))
        .unwrap_or_else(|| s.trim().to_string())
}

/// Block-level elements: a line break before and after.
pub(crate) fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "li"
            | "ul"
            | "ol"
            | "blockquote"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "pre"
            | "article"
            | "section"
            | "header"
            | "footer"
            | "aside"
            | "main"
            | "tr"
            | "table"
            | "dl"
            | "dt"
            | "dd"
            | "figure"
            | "figcaption"
            | "hr"
            | "address"
    )
}

/// The text of `e` as lines: text nodes with whitespace collapsed, `<br>` and block
/// elements as line breaks, excluded elements and those `skip` names left out; lines
/// trimmed, blank lines dropped.
fn render(e: ElementRef, skip: &dyn Fn(ElementRef) -> bool) -> Vec<String> {
    let mut out = String::new();
    walk(e, skip, &mut out);
    out.split('\n')
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect()
}

/// Appends the text under `e` (not `e`'s own tag) to `out`. Iterative over the tree's
/// edges, so markup nested a million levels deep cannot exhaust the stack.
fn walk(e: ElementRef, skip: &dyn Fn(ElementRef) -> bool, out: &mut String) {
    use ego_tree::iter::Edge;
    let root = e.id();
    // The root of the subtree being left out, while inside it.
    let mut hidden: Option<ego_tree::NodeId> = None;
    for edge in e.traverse() {
        match edge {
            Edge::Open(n) => {
                if n.id() == root || hidden.is_some() {
                    continue;
                }
                match n.value() {
                    Node::Text(t) => out.push_str(t),
                    Node::Element(el) => {
                        let Some(c) = ElementRef::wrap(n) else {
                            continue;
                        };
                        if excluded(c) || skip(c) {
                            hidden = Some(n.id());
                        } else if el.name() == "br" || is_block(el.name()) {
                            out.push('\n');
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(n) => {
                if hidden == Some(n.id()) {
                    hidden = None;
                } else if hidden.is_none() && n.id() != root {
                    if let Node::Element(el) = n.value() {
                        if is_block(el.name()) {
                            out.push('\n');
                        }
                    }
                }
            }
        }
    }
}

/// The generic reading: one comment per "Répondre"/"Reply" link.
fn generic(doc: &Html) -> Vec<Found<'_>> {
    let links: Vec<ElementRef> = doc
        .root_element()
        .descendent_elements()
        .filter(|e| {
            matches!(e.value().name(), "a" | "button" | "span")
                && !inside_excluded(*e)
                && is_close(&one_line_raw(*e))
                // A `span` counts only when it is not inside a counted link.
                && !(e.value().name() == "span"
                    && e.ancestors().filter_map(ElementRef::wrap).any(|a| a.value().name() == "a"))
        })
        .collect();
    if links.is_empty() {
        return Vec::new();
    }
    // Reply links below each element, to tell a comment from the list around it.
    let link_ids: HashSet<usize> = links.iter().map(|l| nid(*l)).collect();
    let mut under: HashMap<usize, usize> = HashMap::new();
    for l in &links {
        for a in l.ancestors().filter_map(ElementRef::wrap) {
            *under.entry(nid(a)).or_insert(0) += 1;
        }
    }
    // The elements holding each link (itself and its ancestors), to tell in constant
    // time whether an element holds another comment's link.
    let holders: HashMap<usize, HashSet<usize>> = links
        .iter()
        .map(|l| {
            let set = std::iter::once(*l)
                .chain(l.ancestors().filter_map(ElementRef::wrap))
                .map(nid)
                .collect();
            (nid(*l), set)
        })
        .collect();
    let holds_other_link = |e: ElementRef, mine: usize| {
        let own = holders.get(&mine).is_some_and(|h| h.contains(&nid(e)));
        let links_below = under.get(&nid(e)).copied().unwrap_or(0);
        (link_ids.contains(&nid(e)) && nid(e) != mine) || (links_below > 0 && !own)
    };
    // Each link's comment element: the smallest ancestor with text besides the links
    // and the platform's buttons (`J'aime · Répondre`).
    let mut els: Vec<(ElementRef, usize)> = Vec::new();
    let mut seen_els = HashSet::new();
    for &l in &links {
        let mine = nid(l);
        let el = l.ancestors().filter_map(ElementRef::wrap).find(|a| {
            render(*a, &|e| {
                link_ids.contains(&nid(e)) || holds_other_link(e, mine)
            })
            .iter()
            .any(|line| is_text_line(line))
        });
        if let Some(el) = el {
            if seen_els.insert(nid(el)) {
                els.push((el, mine));
            }
        }
    }
    // The element that holds a comment and its replies: its list item, or its parent
    // when a following sibling holds the replies.
    let item = |el: ElementRef<'_>| -> usize {
        if let Some(li) = std::iter::once(el)
            .chain(el.ancestors().filter_map(ElementRef::wrap))
            .find(|a| a.value().name() == "li")
        {
            return nid(li);
        }
        let replies_follow = el.next_siblings().filter_map(ElementRef::wrap).any(|s| {
            ["child", "repl", "answer", "respons", "repons"]
                .iter()
                .any(|p| class_contains(s, p))
        });
        match el.parent().and_then(ElementRef::wrap) {
            Some(p) if replies_follow => nid(p),
            _ => nid(el),
        }
    };
    let items: Vec<usize> = els.iter().map(|(e, _)| item(*e)).collect();
    let item_index: HashMap<usize, usize> =
        items.iter().enumerate().map(|(i, &it)| (it, i)).collect();
    els.iter()
        .enumerate()
        .map(|(i, &(el, mine))| {
            // The nearest ancestor of this comment's item that is another comment's item.
            let start = els[i].0;
            let parent = std::iter::once(start)
                .chain(start.ancestors().filter_map(ElementRef::wrap))
                .filter(|a| nid(*a) != items[i])
                .find_map(|a| item_index.get(&nid(a)).copied())
                .filter(|&p| p < i);
            let other = |e: ElementRef| link_ids.contains(&nid(e)) || holds_other_link(e, mine);
            let own = |pred: &dyn Fn(ElementRef) -> bool| first_own(el, &other, pred);
            let author_el = own(&|e| {
                ["author", "user", "name", "fn"]
                    .iter()
                    .any(|p| class_contains(e, p))
            })
            .filter(|e| {
                let a = clean_author(&one_line(*e));
                !a.is_empty() && a.chars().count() <= 60
            });
            let author = author_el.map(|e| clean_author(&one_line(e)));
            // The date: a `time` element, else the first element whose whole text is a
            // date (`le 04/04/2026 à 10:12`).
            let date_el = own(&|e| e.value().name() == "time").or_else(|| {
                own(&|e| e.child_elements().next().is_none() && date_of(&one_line(e)).is_some())
            });
            let (mut date, mut date_raw) = match date_el {
                Some(t) => {
                    let raw = one_line(t);
                    let iso = t.value().attr("datetime").map(iso_from_attr);
                    let raw = if raw.is_empty() {
                        iso.clone()
                    } else {
                        Some(raw)
                    };
                    (iso.or_else(|| raw.as_deref().map(parse_loose)), raw)
                }
                None => (None, None),
            };
            let skip = |e: ElementRef| {
                other(e)
                    || author_el.is_some_and(|a| nid(a) == nid(e))
                    || date_el.is_some_and(|d| nid(d) == nid(e))
            };
            let mut lines = render(el, &skip);
            // Author and date lines written as text are not the body, nor furniture.
            lines.retain(|l| {
                if let Some((name, "")) = author_line(l) {
                    if author.is_none() || author.as_deref() == Some(name) {
                        return false;
                    }
                }
                if let Some(iso) = date_of(l) {
                    if date_raw.is_none() {
                        date_raw = Some(l.trim().to_string());
                        date = Some(iso);
                    }
                    return false;
                }
                is_text_line(l)
            });
            found(el, parent, author, date, date_raw, lines)
        })
        .collect()
}

/// A line with a letter or digit that is not platform furniture.
fn is_text_line(l: &str) -> bool {
    l.chars().any(char::is_alphanumeric) && !super::parse::is_furniture(l)
}

/// The ISO form of a line that is a date (`le 04/04/2026 à 10:12`, `4 avril 2026`).
fn date_of(l: &str) -> Option<String> {
    let t = l.trim();
    let t = t
        .strip_prefix("le ")
        .or(t.strip_prefix("Le "))
        .unwrap_or(t)
        .trim();
    date_kind(t).map(|k| parse_date_as(t, k).unwrap_or_else(|| t.to_string()))
}

/// The lines of an HTML fragment (an exported comment body), as `render` gives them.
/// Markup nested deeper than `MAX_NESTING` is not parsed (its cost would grow with the
/// square of the depth): its text is taken with the tags cut out.
pub(crate) fn fragment_lines(s: &str) -> Vec<String> {
    if nesting_depth(s) > MAX_NESTING {
        return strip_tags(s)
            .split('\n')
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|l| !l.is_empty())
            .collect();
    }
    let doc = Html::parse_fragment(s);
    render(doc.root_element(), &|_| false)
}

/// Deepest markup nesting tamis parses (real pages stay under a hundred levels).
pub(crate) const MAX_NESTING: usize = 4096;

/// An upper estimate of how deep the markup nests, in one pass: start tags minus end
/// tags, leaving out void elements and those whose end tag is optional (`p`, `li`…),
/// which the parser closes by itself.
pub(crate) fn nesting_depth(s: &str) -> usize {
    let b = s.as_bytes();
    let (mut depth, mut max) = (0usize, 0usize);
    let mut i = 0;
    while let Some(off) = b[i..].iter().position(|&c| c == b'<') {
        i += off + 1;
        let closing = b.get(i) == Some(&b'/');
        let start = if closing { i + 1 } else { i };
        let name_len = b[start..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        if name_len == 0 {
            continue;
        }
        let name = s[start..start + name_len].to_ascii_lowercase();
        let self_closing = matches!(
            name.as_str(),
            "br" | "img"
                | "hr"
                | "input"
                | "meta"
                | "link"
                | "wbr"
                | "area"
                | "base"
                | "col"
                | "embed"
                | "source"
                | "track"
                | "param"
                | "p"
                | "li"
                | "dt"
                | "dd"
                | "tr"
                | "td"
                | "th"
                | "option"
                | "optgroup"
                | "rt"
                | "rp"
                | "tbody"
                | "thead"
                | "tfoot"
                | "colgroup"
                | "caption"
        );
        if self_closing {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else {
            depth += 1;
            max = max.max(depth);
        }
    }
    max
}

/// The text outside tags, for markup too deep to parse.
fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// The text of an element with whitespace collapsed (links' own text).
fn one_line_raw(e: ElementRef) -> String {
    e.text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The article: the post's `.entry-content` (outside comments), else `article`, else
/// `main`, rendered without comments, excluded parts and the comments area.
fn article(doc: &Html, comment_ids: &HashSet<usize>) -> Option<String> {
    let in_comment = |e: ElementRef| {
        std::iter::once(e)
            .chain(e.ancestors().filter_map(ElementRef::wrap))
            .any(|a| comment_ids.contains(&nid(a)))
    };
    let skip = |e: ElementRef| {
        comment_ids.contains(&nid(e))
            || matches!(e.value().id(), Some("comments"))
            || [
                "comments-area",
                "comment-list",
                "comments-wrapper",
                "wp-block-comments",
            ]
            .iter()
            .any(|c| has_class(e, c))
    };
    for sel in [
        ".entry-content",
        ".post-content",
        ".entry",
        "article",
        "main",
    ] {
        let s = Selector::parse(sel).expect("selector");
        if let Some(e) = doc
            .select(&s)
            .find(|e| !in_comment(*e) && !inside_excluded(*e) && !skip(*e))
        {
            let lines = render(e, &skip);
            if !lines.is_empty() {
                return Some(lines.join("\n"));
            }
        }
    }
    None
}

/// Numbers the comments, finds their spans and keys.
fn build(source: &str, page: &Decoded, found: Vec<Found>) -> Vec<Comment> {
    let text = page.text.as_ref();
    let mut starts = Vec::with_capacity(found.len());
    let mut cursor = 0;
    for f in &found {
        let start = locate_start(text, cursor, f).unwrap_or(cursor);
        starts.push(start);
        // The next search starts after this tag's first character, on a char boundary.
        cursor = (start + 1).min(text.len());
        while !text.is_char_boundary(cursor) {
            cursor += 1;
        }
    }
    let name = std::path::Path::new(source)
        .file_name()
        .map_or_else(|| source.to_string(), |n| n.to_string_lossy().into_owned());
    let mut seen: HashMap<String, u32> = HashMap::new();
    let depths: Vec<usize> = {
        let mut d = vec![0; found.len()];
        for (i, f) in found.iter().enumerate() {
            d[i] = f.parent.map_or(0, |p| d[p] + 1);
        }
        d
    };
    let n = found.len();
    found
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let start = starts[i];
            let end = if i + 1 < n && starts[i + 1] > start {
                starts[i + 1]
            } else {
                let from = start.min(text.len());
                let mut to = (from + SEARCH_WINDOW).min(text.len());
                while !text.is_char_boundary(to) {
                    to += 1;
                }
                match (!f.last_text.is_empty())
                    .then(|| text[from..to].find(&f.last_text))
                    .flatten()
                {
                    Some(p) => from + p + f.last_text.len(),
                    None => start,
                }
            };
            let occ = seen.entry(f.text.clone()).or_insert(0);
            let key = super::link::key(&name, &f.text, *occ);
            *occ += 1;
            Comment {
                index: i + 1,
                parent: f.parent.map(|p| p + 1),
                depth: depths[i],
                author: f.author,
                date: f.date,
                date_raw: f.date_raw,
                text: f.text,
                span: (page.original(start), page.original(end.max(start))),
                inferred: false,
                key,
            }
        })
        .collect()
}

/// How far after the previous comment's start a comment's tag is looked for: bounds the
/// work on a page whose comments cannot be located (each search stops there).
const SEARCH_WINDOW: usize = 1 << 20;

/// Where a comment element's opening tag is, searching from `from`.
fn locate_start(text: &str, from: usize, f: &Found) -> Option<usize> {
    let mut from = from.min(text.len());
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (from + SEARCH_WINDOW).min(text.len());
    while !text.is_char_boundary(to) {
        to += 1;
    }
    let rest = &text[from..to];
    let at = if let Some(id) = f.el.value().id() {
        ["\"", "'", ""]
            .iter()
            .find_map(|q| rest.find(&format!("id={q}{id}{q}")))
    } else {
        None
    };
    let at = at.or_else(|| {
        (!f.first_text.is_empty())
            .then(|| rest.find(&f.first_text))
            .flatten()
    })?;
    rest[..at].rfind('<').map(|p| from + p)
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_comment_tag_after_a_multibyte_character_is_searched_on_char_boundaries() {
        // Found by the property test below: the search for the next comment started one
        // byte after a comment's start, inside a three-byte character.
        let page = "<html><body><ol class=\"children\"><a<li id=\"comment-1\" class=\"comment depth-1\"><\u{a3c}2</ol><a class=\"comment-reply-link\">Répondre</a><ol class=\"children\"><a class=\"comment-reply-link\">Répondre</a><div class=\"comment-content\"><p><a class=\"comment-reply-link\">Répondre</a><br>&amp;&nbsp;é’<br>&amp;&nbsp;é’a<ol class=\"children\"></div><b class=\"fn\">Aline</b>";
        let t = parse("p.html", page.as_bytes(), None).unwrap();
        for c in &t.comments {
            assert!(c.span.0 <= c.span.1 && c.span.1 <= page.len());
        }
    }

    #[test]
    fn nesting_depth_counts_what_the_parser_keeps_open() {
        assert_eq!(nesting_depth("<div><p>a<p>b<br><div>c</div></div>"), 2);
        assert_eq!(nesting_depth(&"<b>".repeat(10)), 10);
        assert_eq!(nesting_depth("<li>a<li>b<li>c 1 < 2 <!-- x -->"), 0);
        assert_eq!(nesting_depth("</div></div><span>"), 1);
        let page = format!(
            "<html><body>{}</body></html>",
            "<div>".repeat(MAX_NESTING + 1)
        );
        let e = parse("deep.html", page.as_bytes(), None)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("deep.html: markup nested about"), "{e}");
    }

    use super::*;

    #[test]
    fn sniffs_documents_only() {
        assert!(sniff(b"<!DOCTYPE html>\n<html>"));
        assert!(sniff(b"  <html lang=fr>"));
        assert!(sniff(b"<!-- saved from url=(0042) -->\n<html>"));
        assert!(!sniff(b"Titre\n\n<b>pas une page</b>"));
        assert!(!sniff(b"<?xml version=\"1.0\"?><rss>"));
    }

    #[test]
    fn render_breaks_lines_and_skips_furniture() {
        let doc = Html::parse_document(
            "<div id=x><p>Un&nbsp;mot &amp; deux<br>trois</p><script>var a;</script>\
             <nav>Menu</nav><p>  quatre   cinq </p></div>",
        );
        let s = Selector::parse("#x").unwrap();
        let e = doc.select(&s).next().unwrap();
        assert_eq!(
            render(e, &|_| false),
            vec!["Un mot & deux", "trois", "quatre cinq"]
        );
    }

    use proptest::prelude::*;

    fn markup() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("<li id=\"comment-1\" class=\"comment depth-1\">".to_string()),
            Just("<div id=\"comment-2\" class=\"comment\">".to_string()),
            Just("<ol class=\"children\">".to_string()),
            Just("<ol class=\"wp-block-comment-template\"><li>".to_string()),
            Just("</li>".to_string()),
            Just("</ol>".to_string()),
            Just("</div>".to_string()),
            Just("<a class=\"comment-reply-link\">Répondre</a>".to_string()),
            Just("<button>Reply</button>".to_string()),
            Just("<b class=\"fn\">Aline</b>".to_string()),
            Just("<time datetime=\"2026-01-02T03:04:05\">hier</time>".to_string()),
            Just("<div class=\"comment-content\"><p>".to_string()),
            Just("<br>&amp;&nbsp;é’".to_string()),
            Just("<script>Répondre</script>".to_string()),
            "[a-zé <>/\"=]{0,12}",
            any::<String>(),
        ];
        proptest::collection::vec(piece, 0..40).prop_map(|p| format!("<html><body>{}", p.concat()))
    }

    proptest! {
        #[test]
        fn html_never_panics_and_spans_stay_in_the_file(page in markup()) {
            let t = parse("p.html", page.as_bytes(), None).expect("text never fails");
            for (i, c) in t.comments.iter().enumerate() {
                prop_assert_eq!(c.index, i + 1);
                prop_assert!(c.span.0 <= c.span.1 && c.span.1 <= page.len());
                prop_assert!(c.parent.is_none_or(|p| p < c.index));
                prop_assert_eq!(c.depth, c.parent.map_or(0, |p| t.comments[p - 1].depth + 1));
            }
        }
    }

    #[test]
    fn iso_attrs() {
        assert_eq!(
            iso_from_attr("2026-04-04T10:12:00+00:00"),
            "2026-04-04T10:12:00"
        );
        assert_eq!(iso_from_attr("hier"), "hier");
        assert_eq!(
            parse_loose("4 avril 2026 à 10 h 12 min"),
            "2026-04-04T10:12:00"
        );
    }
}
