//! Comment-platform exports -> one `Thread` per post or discussion, streamed with
//! `quick-xml` so that a 1 GB export never sits in memory:
//!
//! - **WordPress WXR** (`<rss>` with the `wordpress.org/export` namespace): each `<item>`
//!   is a post (its `<title>` and `<content:encoded>` make the article) with its
//!   `<wp:comment>`s (`wp:comment_id`, `wp:comment_parent` — 0 is top level —,
//!   `wp:comment_author`, `wp:comment_date_gmt`, `wp:comment_content`,
//!   `wp:comment_approved`: `1` kept, `spam` and `trash` left out as spam and deleted,
//!   `0` (pending) kept). An item is emitted as soon as it closes: memory holds one post.
//! - **Disqus** (`<disqus>`): `<thread dsq:id>` elements, then `<post>`s pointing to
//!   their thread (`<thread dsq:id/>`) and parent (`<parent dsq:id/>`), with
//!   `<isDeleted>`, `<isSpam>`, `<author><name>`, `<createdAt>` and `<message>` (HTML).
//!   Posts of all threads come mixed after the threads, so each post is spooled to a
//!   temporary file as it is read and only its offset is kept (8 bytes per post, plus
//!   each thread's id and title); threads are then rebuilt one at a time from the spool.
//!
//! Parent links are exact (`inferred` false). Comments are numbered in tree order
//! (each parent before its replies, siblings in export order) so that `index` reads like
//! a page. A reply whose parent is missing or left out becomes top level and is counted.
//! Spans are the byte range of the `<wp:comment>` / `<post>` element in the file.
//! Malformed or truncated XML is an error naming the file and the line.

use super::{Comment, Structure, Thread};
use quick_xml::events::{BytesStart, Event};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::{BufRead, Read};

/// Which export an input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// WordPress eXtended RSS.
    Wxr,
    /// Disqus XML export.
    Disqus,
}

/// Recognises an export from its first bytes: an XML document whose root is a WXR
/// `<rss>` or a `<disqus>`.
pub(crate) fn sniff(head: &[u8]) -> Option<Kind> {
    let h = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let t = h.trim_ascii_start();
    if !t.starts_with(b"<") {
        return None;
    }
    let lower = t.to_ascii_lowercase();
    let has = |n: &[u8]| lower.windows(n.len()).any(|w| w == n);
    if has(b"<disqus") {
        Some(Kind::Disqus)
    } else if has(b"<rss") && has(b"wordpress.org/export") {
        Some(Kind::Wxr)
    } else {
        None
    }
}

/// A comment as exported, before the tree is built.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Post {
    id: String,
    parent: Option<String>,
    author: Option<String>,
    date_raw: Option<String>,
    text: String,
    deleted: bool,
    spam: bool,
    span: (u64, u64),
}

/// Counts the lines of what the XML reader consumed, for error messages.
struct LineCount<R> {
    inner: R,
    lines: u64,
}

impl<R: BufRead> Read for LineCount<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCount<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        if let Ok(b) = self.inner.fill_buf() {
            self.lines += b[..amt.min(b.len())]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
        }
        self.inner.consume(amt);
    }
}

/// The XML reader with the bookkeeping every export needs: the open elements (to tell a
/// truncated file) and the current line.
struct Xml<R: BufRead> {
    reader: quick_xml::Reader<LineCount<R>>,
    buf: Vec<u8>,
    path: String,
    depth: usize,
}

/// One event, owned: enough for both formats.
enum Ev {
    Start(String, Vec<(String, String)>),
    Empty(String, Vec<(String, String)>),
    End(String),
    Text(String),
    Eof,
}

impl<R: BufRead> Xml<R> {
    fn new(path: &str, r: R) -> Self {
        let mut reader = quick_xml::Reader::from_reader(LineCount { inner: r, lines: 0 });
        reader.config_mut().check_end_names = true;
        Xml {
            reader,
            buf: Vec::new(),
            path: path.to_string(),
            depth: 0,
        }
    }

    fn line(&self) -> u64 {
        self.reader.get_ref().lines + 1
    }

    fn err(&self, what: impl std::fmt::Display) -> crate::Error {
        crate::Error::Other(format!(
            "{}: malformed XML export at line {}: {what}",
            self.path,
            self.line()
        ))
    }

    fn pos(&self) -> u64 {
        self.reader.buffer_position()
    }

    fn next(&mut self) -> crate::Result<Ev> {
        loop {
            self.buf.clear();
            let ev = match self.reader.read_event_into(&mut self.buf) {
                Ok(ev) => ev,
                Err(e) => {
                    let msg = e.to_string();
                    return Err(self.err(msg));
                }
            };
            return Ok(match ev {
                Event::Start(s) => {
                    self.depth += 1;
                    let (n, a) = name_attrs(&s);
                    Ev::Start(n, a)
                }
                Event::Empty(s) => {
                    let (n, a) = name_attrs(&s);
                    Ev::Empty(n, a)
                }
                Event::End(e) => {
                    self.depth = self.depth.saturating_sub(1);
                    Ev::End(e.name().as_ref().to_string())
                }
                Event::Text(t) => Ev::Text(t.xml10_content().into_owned()),
                Event::CData(c) => Ev::Text(c.xml10_content().into_owned()),
                Event::GeneralRef(r) => {
                    let s = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        Ok(None) => match r.xml10_content().as_ref() {
                            "amp" => "&".into(),
                            "lt" => "<".into(),
                            "gt" => ">".into(),
                            "quot" => "\"".into(),
                            "apos" => "'".into(),
                            other => format!("&{other};"),
                        },
                        Err(e) => return Err(self.err(e)),
                    };
                    Ev::Text(s)
                }
                Event::Eof => {
                    if self.depth > 0 {
                        return Err(crate::Error::Other(format!(
                            "{}: truncated XML export at line {}: {} element(s) not closed",
                            self.path,
                            self.line(),
                            self.depth
                        )));
                    }
                    Ev::Eof
                }
                _ => continue,
            });
        }
    }

    /// The text content of the element just opened, up to its end (nested elements'
    /// text included).
    fn text_until_end(&mut self) -> crate::Result<String> {
        let mut out = String::new();
        let mut level = 1;
        loop {
            match self.next()? {
                Ev::Start(..) => level += 1,
                Ev::End(_) => {
                    level -= 1;
                    if level == 0 {
                        return Ok(out);
                    }
                }
                Ev::Text(t) => out.push_str(&t),
                Ev::Empty(..) => {}
                Ev::Eof => return Err(self.err("unexpected end of file")),
            }
        }
    }
}

fn name_attrs(s: &BytesStart) -> (String, Vec<(String, String)>) {
    let name = s.name().as_ref().to_string();
    let attrs = s
        .attributes()
        .filter_map(Result::ok)
        .map(|a| {
            let v = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| a.value.clone().into_owned());
            (a.key.as_ref().to_string(), v)
        })
        .collect();
    (name, attrs)
}

fn attr<'a>(attrs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Reads every thread of an export, calling `each` per thread.
pub(crate) fn read(
    path: &str,
    kind: Kind,
    r: impl BufRead,
    each: &mut dyn FnMut(Thread) -> crate::Result<()>,
) -> crate::Result<()> {
    let mut n = 0;
    let mut counted = |t: Thread| {
        n += 1;
        each(t)
    };
    match kind {
        Kind::Wxr => wxr(path, r, &mut counted)?,
        Kind::Disqus => disqus(path, r, &mut counted)?,
    }
    if n == 0 {
        // Said on stderr like any input without comments.
        let mut t = thread(path, None, Vec::new());
        let what = match kind {
            Kind::Wxr => "WordPress export without any <item>",
            Kind::Disqus => "Disqus export without any <thread> or <post>",
        };
        t.notes.push(format!("{path}: no comments found ({what})"));
        each(t)?;
    }
    Ok(())
}

fn wxr(
    path: &str,
    r: impl BufRead,
    each: &mut dyn FnMut(Thread) -> crate::Result<()>,
) -> crate::Result<()> {
    let mut x = Xml::new(path, r);
    let mut n_items = 0;
    loop {
        match x.next()? {
            Ev::Eof => break,
            Ev::Start(n, _) if n == "item" => {
                n_items += 1;
                let mut title = None;
                let mut content = None;
                let mut post_id = None;
                let mut posts = Vec::new();
                loop {
                    let before = x.pos();
                    match x.next()? {
                        Ev::End(n) if n == "item" => break,
                        Ev::Start(n, _) => match n.as_str() {
                            "title" => title = Some(x.text_until_end()?),
                            "content:encoded" => content = Some(x.text_until_end()?),
                            "wp:post_id" => post_id = Some(x.text_until_end()?.trim().to_string()),
                            "wp:comment" => posts.push(wxr_comment(&mut x, before)?),
                            _ => {
                                x.text_until_end()?;
                            }
                        },
                        Ev::Eof => return Err(x.err("unexpected end of file inside <item>")),
                        _ => {}
                    }
                }
                let id = post_id.unwrap_or_else(|| n_items.to_string());
                let article = article(title.as_deref(), content.as_deref());
                each(thread(&format!("{path}#{id}"), article, posts))?;
            }
            _ => {}
        }
    }
    Ok(())
}

fn wxr_comment<R: BufRead>(x: &mut Xml<R>, start: u64) -> crate::Result<Post> {
    let mut p = Post::default();
    let mut date_gmt = None;
    let mut date = None;
    let mut kind = String::new();
    loop {
        match x.next()? {
            Ev::End(n) if n == "wp:comment" => break,
            Ev::Start(n, _) => {
                let v = x.text_until_end()?;
                match n.as_str() {
                    "wp:comment_id" => p.id = v.trim().to_string(),
                    "wp:comment_parent" => {
                        let v = v.trim();
                        if !v.is_empty() && v != "0" {
                            p.parent = Some(v.to_string());
                        }
                    }
                    "wp:comment_author" => p.author = non_empty(&v),
                    "wp:comment_date_gmt" => date_gmt = non_empty(&v),
                    "wp:comment_date" => date = non_empty(&v),
                    "wp:comment_content" => p.text = body(&v),
                    "wp:comment_approved" => match v.trim() {
                        "spam" => p.spam = true,
                        "trash" => p.deleted = true,
                        _ => {}
                    },
                    "wp:comment_type" => kind = v.trim().to_string(),
                    _ => {}
                }
            }
            Ev::Eof => return Err(x.err("unexpected end of file inside <wp:comment>")),
            _ => {}
        }
    }
    // Pingbacks and trackbacks are links from other sites, not comments.
    if matches!(kind.as_str(), "pingback" | "trackback") {
        p.deleted = true;
    }
    p.date_raw = date_gmt.or(date).filter(|d| !d.starts_with("0000"));
    p.span = (start, x.pos());
    Ok(p)
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// A comment body as exported (plain text or HTML) -> text with the dumps' rule.
fn body(s: &str) -> String {
    if s.contains('<') || s.contains('&') {
        super::html::fragment_lines(s).join("\n")
    } else {
        s.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn article(title: Option<&str>, content: Option<&str>) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(t) = title.and_then(non_empty) {
        parts.push(t);
    }
    if let Some(c) = content {
        let b = body(c);
        if !b.is_empty() {
            parts.push(b);
        }
    }
    (!parts.is_empty()).then(|| parts.join("\n"))
}

fn disqus(
    path: &str,
    r: impl BufRead,
    each: &mut dyn FnMut(Thread) -> crate::Result<()>,
) -> crate::Result<()> {
    use std::io::{Seek, SeekFrom, Write};
    let mut x = Xml::new(path, r);
    // Threads in order of appearance: (id, title), and the spool offsets of their posts.
    let mut order: Vec<(String, Option<String>)> = Vec::new();
    let mut known: HashMap<String, usize> = HashMap::new();
    let mut offsets: Vec<Vec<u64>> = Vec::new();
    let spool = tempfile::tempfile().map_err(|e| crate::Error::io(path, e))?;
    let mut out = std::io::BufWriter::new(spool);
    let mut written = 0u64;
    let io = |e| crate::Error::io(path, e);
    let mut slot =
        |id: &str, order: &mut Vec<(String, Option<String>)>, offsets: &mut Vec<Vec<u64>>| {
            *known.entry(id.to_string()).or_insert_with(|| {
                order.push((id.to_string(), None));
                offsets.push(Vec::new());
                order.len() - 1
            })
        };
    let mut level = 0usize;
    loop {
        let before = x.pos();
        match x.next()? {
            Ev::Eof => break,
            Ev::Start(n, attrs) if level == 1 && n == "thread" => {
                let id = attr(&attrs, "dsq:id").unwrap_or_default().to_string();
                let mut title = None;
                loop {
                    match x.next()? {
                        Ev::End(n) if n == "thread" => break,
                        Ev::Start(n, _) => {
                            let v = x.text_until_end()?;
                            if n == "title" {
                                title = non_empty(&v);
                            }
                        }
                        Ev::Eof => return Err(x.err("unexpected end of file inside <thread>")),
                        _ => {}
                    }
                }
                let i = slot(&id, &mut order, &mut offsets);
                order[i].1 = title;
            }
            Ev::Start(n, attrs) if level == 1 && n == "post" => {
                let (p, thread_id) = disqus_post(&mut x, &attrs, before)?;
                let i = slot(&thread_id, &mut order, &mut offsets);
                offsets[i].push(written);
                let line = serde_json::to_string(&p).expect("post serialises");
                out.write_all(line.as_bytes()).map_err(io)?;
                out.write_all(b"\n").map_err(io)?;
                written += line.len() as u64 + 1;
            }
            Ev::Start(..) => level += 1,
            Ev::End(_) => level = level.saturating_sub(1),
            _ => {}
        }
    }
    let mut spool = std::io::BufReader::new(out.into_inner().map_err(|e| io(e.into_error()))?);
    for ((id, title), offs) in order.into_iter().zip(offsets) {
        let mut posts = Vec::with_capacity(offs.len());
        let mut line = String::new();
        for off in offs {
            spool.seek(SeekFrom::Start(off)).map_err(io)?;
            line.clear();
            spool.read_line(&mut line).map_err(io)?;
            posts.push(serde_json::from_str::<Post>(&line).expect("spooled post"));
        }
        each(thread(&format!("{path}#{id}"), title, posts))?;
    }
    Ok(())
}

fn disqus_post<R: BufRead>(
    x: &mut Xml<R>,
    attrs: &[(String, String)],
    start: u64,
) -> crate::Result<(Post, String)> {
    let mut p = Post {
        id: attr(attrs, "dsq:id").unwrap_or_default().to_string(),
        ..Post::default()
    };
    let mut thread_id = String::new();
    loop {
        match x.next()? {
            Ev::End(n) if n == "post" => break,
            Ev::Empty(n, a) | Ev::Start(n, a) if n == "thread" || n == "parent" => {
                let id = attr(&a, "dsq:id").unwrap_or_default().to_string();
                if n == "thread" {
                    thread_id = id;
                } else if !id.is_empty() {
                    p.parent = Some(id);
                }
            }
            Ev::Start(n, _) if n == "author" => loop {
                match x.next()? {
                    Ev::End(n) if n == "author" => break,
                    Ev::Start(n, _) => {
                        let v = x.text_until_end()?;
                        if n == "name" {
                            p.author = non_empty(&v);
                        }
                    }
                    Ev::Eof => return Err(x.err("unexpected end of file inside <author>")),
                    _ => {}
                }
            },
            Ev::Start(n, _) => {
                let v = x.text_until_end()?;
                match n.as_str() {
                    "message" => p.text = body(&v),
                    "createdAt" => p.date_raw = non_empty(&v),
                    "isDeleted" => p.deleted = v.trim() == "true",
                    "isSpam" => p.spam = v.trim() == "true",
                    _ => {}
                }
            }
            Ev::Eof => return Err(x.err("unexpected end of file inside <post>")),
            _ => {}
        }
    }
    p.span = (start, x.pos());
    Ok((p, thread_id))
}

/// `2026-04-04 10:12:00` or `2026-04-04T10:12:00Z` -> `2026-04-04T10:12:00`.
fn iso(raw: &str) -> String {
    let b = raw.as_bytes();
    if b.len() >= 19 && b[4] == b'-' && b[7] == b'-' && b[13] == b':' && raw.is_char_boundary(19) {
        format!("{}T{}", &raw[..10], &raw[11..19])
    } else {
        raw.to_string()
    }
}

/// Builds one thread from its exported posts: spam and deleted posts left out (and
/// counted), parents resolved, tree order, depths, keys.
fn thread(source: &str, article: Option<String>, posts: Vec<Post>) -> Thread {
    let (deleted, spam) = posts.iter().fold((0, 0), |(d, s), p| {
        if p.spam {
            (d, s + 1)
        } else if p.deleted {
            (d + 1, s)
        } else {
            (d, s)
        }
    });
    let kept: Vec<Post> = posts
        .into_iter()
        .filter(|p| !p.spam && !p.deleted)
        .collect();
    let pos: HashMap<&str, usize> = kept
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    // Parent in `kept`, if present; children lists in export order.
    let mut orphans = 0;
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); kept.len()];
    let mut roots = Vec::new();
    for (i, p) in kept.iter().enumerate() {
        match p.parent.as_deref().map(|id| pos.get(id).copied()) {
            Some(Some(j)) if j != i => children[j].push(i),
            Some(_) => {
                orphans += 1;
                roots.push(i);
            }
            None => roots.push(i),
        }
    }
    // Tree order by an explicit stack (no recursion on deep threads). Posts caught in a
    // parent cycle are never reached from a root: they become top level afterwards.
    let mut order: Vec<(usize, Option<usize>, usize)> = Vec::with_capacity(kept.len()); // (post, parent post, depth)
    let mut visited = vec![false; kept.len()];
    let walk =
        |root: usize, order: &mut Vec<(usize, Option<usize>, usize)>, visited: &mut Vec<bool>| {
            let mut stack = vec![(root, None, 0)];
            while let Some((i, parent, depth)) = stack.pop() {
                if visited[i] {
                    continue;
                }
                visited[i] = true;
                order.push((i, parent, depth));
                for &c in children[i].iter().rev() {
                    stack.push((c, Some(i), depth + 1));
                }
            }
        };
    for &r in &roots {
        walk(r, &mut order, &mut visited);
    }
    for i in 0..kept.len() {
        if !visited[i] {
            orphans += 1;
            walk(i, &mut order, &mut visited);
        }
    }
    let mut index_of = vec![0; kept.len()];
    for (k, &(i, _, _)) in order.iter().enumerate() {
        index_of[i] = k + 1;
    }
    let name = std::path::Path::new(source)
        .file_name()
        .map_or_else(|| source.to_string(), |n| n.to_string_lossy().into_owned());
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut kept: Vec<Option<Post>> = kept.into_iter().map(Some).collect();
    let comments: Vec<Comment> = order
        .iter()
        .enumerate()
        .map(|(k, &(i, parent, depth))| {
            let p = kept[i].take().expect("each post once");
            let occ = seen.entry(p.text.clone()).or_insert(0);
            let key = super::link::key(&name, &p.text, *occ);
            *occ += 1;
            Comment {
                index: k + 1,
                parent: parent.map(|j| index_of[j]),
                depth,
                author: p.author,
                date: p.date_raw.as_deref().map(iso),
                date_raw: p.date_raw,
                text: p.text,
                span: (p.span.0 as usize, p.span.1 as usize),
                inferred: false,
                key,
            }
        })
        .collect();
    let mut notes = Vec::new();
    if deleted + spam > 0 {
        notes.push(format!(
            "{source}: {deleted} deleted and {spam} spam posts left out"
        ));
    }
    if orphans > 0 {
        let replies = if orphans == 1 { "reply" } else { "replies" };
        notes.push(format!(
            "{source}: {orphans} {replies} whose parent is missing or left out shown as top level"
        ));
    }
    Thread {
        source: source.to_string(),
        structure: if comments.is_empty() {
            Structure::None
        } else {
            Structure::Nested
        },
        article,
        comments,
        warnings: Vec::new(),
        notes,
        encoding: "UTF-8",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn threads(xml: &str) -> crate::Result<Vec<Thread>> {
        let kind = sniff(xml.as_bytes()).expect("an export");
        let mut out = Vec::new();
        read("x.xml", kind, xml.as_bytes(), &mut |t| {
            out.push(t);
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn disqus_posts_after_threads_grouped_and_filtered() {
        let xml = r#"<?xml version="1.0"?>
<disqus xmlns:dsq="http://disqus.com/disqus-internals">
<thread dsq:id="t1"><title>Premier</title></thread>
<thread dsq:id="t2"><title>Second</title></thread>
<post dsq:id="p1"><message><![CDATA[<p>Un &amp; deux</p>]]></message><thread dsq:id="t1"/><isDeleted>false</isDeleted><isSpam>false</isSpam><author><name>Aline</name></author><createdAt>2026-04-04T10:12:00Z</createdAt></post>
<post dsq:id="p2"><message>Ailleurs</message><thread dsq:id="t2"/><author><name>Bruno</name></author></post>
<post dsq:id="p3"><message>Réponse</message><thread dsq:id="t1"/><parent dsq:id="p1"/><author><name>Chloé</name></author></post>
<post dsq:id="p4"><message>Pub</message><thread dsq:id="t1"/><isSpam>true</isSpam></post>
<post dsq:id="p5"><message>Effacé</message><thread dsq:id="t1"/><isDeleted>true</isDeleted></post>
<post dsq:id="p6"><message>Orpheline</message><thread dsq:id="t1"/><parent dsq:id="p5"/></post>
</disqus>"#;
        let ts = threads(xml).unwrap();
        assert_eq!(ts.len(), 2);
        let t = &ts[0];
        assert_eq!(t.source, "x.xml#t1");
        let got: Vec<_> = t
            .comments
            .iter()
            .map(|c| (c.parent, c.depth, c.author.as_deref(), c.text.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (None, 0, Some("Aline"), "Un & deux"),
                (Some(1), 1, Some("Chloé"), "Réponse"),
                (None, 0, None, "Orpheline"),
            ]
        );
        assert_eq!(t.comments[0].date.as_deref(), Some("2026-04-04T10:12:00"));
        assert_eq!(
            t.notes,
            vec![
                "x.xml#t1: 1 deleted and 1 spam posts left out",
                "x.xml#t1: 1 reply whose parent is missing or left out shown as top level"
            ]
        );
        let span = t.comments[0].span;
        assert!(xml[span.0..span.1].starts_with("<post dsq:id=\"p1\">"));
        assert!(xml[span.0..span.1].ends_with("</post>"));
        assert_eq!(ts[1].comments[0].text, "Ailleurs");
    }

    use proptest::prelude::*;

    proptest! {
        #[test]
        fn exports_never_panic(pieces in proptest::collection::vec(prop_oneof![
            Just("<post dsq:id=\"1\">"), Just("<post dsq:id=\"2\">"), Just("</post>"),
            Just("<thread dsq:id=\"t\"/>"), Just("<thread dsq:id=\"t\">"), Just("</thread>"),
            Just("<parent dsq:id=\"1\"/>"), Just("<parent dsq:id=\"2\"/>"),
            Just("<message><![CDATA[<p>a&amp;b</p>]]></message>"), Just("<message>"),
            Just("</message>"), Just("<isSpam>true</isSpam>"), Just("<isDeleted>true</isDeleted>"),
            Just("&amp;"), Just("&bogus;"), Just("&#1;"), Just("<![CDATA["), Just("]]>"), Just("x\n"),
        ], 0..30), wxr in any::<bool>()) {
            let body = pieces.concat();
            let xml = if wxr {
                format!("<rss xmlns:wp=\"http://wordpress.org/export/1.2/\"><channel><item><wp:comment>{body}</wp:comment></item></channel></rss>")
            } else {
                format!("<disqus>{body}</disqus>")
            };
            if let Ok(ts) = threads(&xml) {
                for t in ts {
                    for (i, c) in t.comments.iter().enumerate() {
                        prop_assert_eq!(c.index, i + 1);
                        prop_assert!(c.span.1 <= xml.len());
                        prop_assert!(c.parent.is_none_or(|p| p < c.index));
                    }
                }
            }
        }
    }

    #[test]
    fn truncated_and_malformed_name_the_line() {
        let xml = "<?xml version=\"1.0\"?>\n<disqus>\n<post dsq:id=\"p1\">\n<message>abc";
        let e = threads(xml).unwrap_err().to_string();
        assert!(e.starts_with("x.xml: "), "{e}");
        assert!(e.contains("line 4"), "{e}");
        let xml = "<?xml version=\"1.0\"?>\n<disqus>\n<post>\n</thread>\n</disqus>";
        let e = threads(xml).unwrap_err().to_string();
        assert!(e.contains("malformed XML export at line 4"), "{e}");
    }
}
