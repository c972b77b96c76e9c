//! The review queue as ONE self-contained HTML page in French: the prioritised list, each
//! thread as an indented tree, filters, keep/remove toggles kept in localStorage, and a
//! download of the decisions in the queue CSV format. Comment text is hostile input.
//!
//! For daily work the page also has: keyboard triage (j/k, g/s, x, u, ?), bulk decisions
//! on selected items and on a whole sub-thread (its queued replies are computed here, from
//! `parent`/`index` per source, and written as `data-subtree`), decided items hidden by
//! default, queued comments counted per author with a filter, and sources shown relative
//! to the inputs given. Display only: the CSV the page downloads is unchanged.
//!
//! Security model: everything is rendered here, in Rust, with every piece of text
//! escaped; the page's script only filters, toggles and downloads, and never puts data in
//! `innerHTML`. The data the script needs sits in a `<script type="application/json">`
//! block with `<`, `>`, `&`, U+2028 and U+2029 escaped, so no text can close it. On top,
//! a Content-Security-Policy allows only this page's own script and style (by SHA-256
//! hash): an injected `<script>` or `onerror=` would not run even if escaping failed.

use super::csv::{queue_row, QUEUE_COLUMNS};
use super::{segments, ModelInfo, Queue, ReviewItem, TAMIS_VERSION};
use crate::pipeline::Scored;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Component, Path};
use std::sync::LazyLock;

/// How the page is built.
#[derive(Debug, Clone, Default)]
pub struct HtmlOptions {
    /// File name offered by the decisions download.
    pub download_name: String,
    /// The download starts with a UTF-8 BOM, like the queue CSV with `--excel`.
    pub excel: bool,
    /// Comments read in all (for the header line).
    pub comments_read: usize,
    /// The inputs as the user gave them (`tamis queue pages/ …`): sources are shown
    /// relative to them (`a.txt`, `sub/b.txt`). Display only: the CSV the page downloads
    /// keeps each `source` exactly as tamis wrote it.
    pub inputs: Vec<String>,
}

/// Authors with at least this many queued comments stand out in the author list and on
/// their items: a repeat offender is worth a look as a person, not comment by comment.
pub const REPEAT_AUTHOR: usize = 3;

/// Threads longer than this show only their first comments: the page must stay usable
/// when a queue is built from a large table rather than from pages.
const THREAD_MAX: usize = 2000;

/// The page's stylesheet (hashed into the CSP).
const CSS: &str = include_str!("page.css");
/// The page's script (hashed into the CSP).
const JS: &str = include_str!("page.js");

/// `'sha256-…'` sources for the CSP, computed once.
static CSP: LazyLock<String> = LazyLock::new(|| {
    format!(
        "default-src 'none'; style-src '{}'; script-src '{}'; img-src data:; \
         base-uri 'none'; form-action 'none'",
        csp_hash(CSS),
        csp_hash(JS)
    )
});

/// French labels of the reasons (the interface language); unknown reasons show as is.
fn reason_label(reason: &str) -> &str {
    match reason {
        "insult" => "insulte",
        "masked_slur" => "injure masquée",
        "accusation" => "accusation",
        "hate" => "haine",
        "threat" => "menace",
        other => other,
    }
}

/// Escapes text for HTML content and attribute values (quoted with `"` or `'`).
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Serialises `value` for a `<script type="application/json">` block: `<`, `>` and `&`
/// become `\u003c`… so `</script>` or `<!--` in a comment cannot end or alter the block,
/// and U+2028/U+2029 are escaped for old JavaScript parsers. These characters only ever
/// occur inside JSON strings, where the escapes mean the same thing.
pub fn script_json<T: Serialize>(value: &T) -> String {
    let json = serde_json::to_string(value).expect("serialising plain data cannot fail");
    let mut out = String::with_capacity(json.len() + 64);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// A probability the French way, with the resolution it needs near certainty.
fn fr(p: f32) -> String {
    super::display_prob(p)
}

/// The comment's text with each evidence run in a `<mark>`; every piece escaped on its
/// own, and offsets taken from the byte spans so marks never split a character.
fn marked_text(text: &str, reasons: &[crate::model::ReasonScore]) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    for seg in segments(text, reasons) {
        if seg.reasons.is_empty() {
            out.push_str(&escape(seg.text));
            continue;
        }
        let classes: Vec<String> = seg
            .reasons
            .iter()
            .map(|r| format!("r-{}", class(r)))
            .collect();
        let labels: Vec<&str> = seg.reasons.iter().map(|r| reason_label(r)).collect();
        out.push_str(&format!(
            "<mark class=\"ev {}\" title=\"{}\">{}</mark>",
            classes.join(" "),
            escape(&labels.join(", ")),
            escape(seg.text)
        ));
    }
    out
}

/// A reason as a CSS class name: only ASCII letters, digits, `_` and `-` survive, so a
/// model's unexpected reason name cannot break out of the attribute.
fn class(reason: &str) -> String {
    reason
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

/// Reason chips: `insulte 0,91`.
fn chips(reasons: &[crate::model::ReasonScore]) -> String {
    reasons
        .iter()
        .map(|r| {
            format!(
                "<span class=\"chip r-{}\">{} {}</span>",
                class(&r.reason),
                escape(reason_label(&r.reason)),
                fr(r.score)
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the script needs to rebuild the queue CSV: its columns and each row's raw cells.
#[derive(Serialize)]
struct PageData<'a> {
    columns: &'a [&'a str],
    excel: bool,
    download: &'a str,
    rows: Vec<Row<'a>>,
}

#[derive(Serialize)]
struct Row<'a> {
    key: &'a str,
    cells: Vec<String>,
}

/// Writes the page for `queue`; `scored` (every comment, input order) feeds the threads.
pub fn write_html(
    w: &mut dyn Write,
    queue: &Queue,
    scored: &[Scored],
    model: &ModelInfo,
    opts: &HtmlOptions,
) -> std::io::Result<()> {
    let items = &queue.items;
    // Where each comment sits in the input, to link list items to their thread entry.
    let mut position: HashMap<(&str, usize), usize> = HashMap::new();
    for (i, s) in scored.iter().enumerate() {
        position
            .entry((s.record.source.as_str(), s.record.index))
            .or_insert(i);
    }
    let rank_of: HashMap<usize, usize> = items
        .iter()
        .filter_map(|it| {
            position
                .get(&(it.source.as_str(), it.index))
                .map(|&p| (p, it.rank))
        })
        .collect();
    let page = PageCtx {
        position: &position,
        rank_of: &rank_of,
        replies: replies(scored, &position),
        sources: source_numbers(scored, items),
        labels: source_labels(
            scored
                .iter()
                .map(|s| s.record.source.as_str())
                .chain(items.iter().map(|it| it.source.as_str())),
            &opts.inputs,
        ),
        repeat: author_counts(items)
            .into_iter()
            .filter(|a| a.queued >= REPEAT_AUTHOR)
            .filter_map(|a| a.name)
            .collect(),
    };

    write!(
        w,
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>tamis — file de modération</title>\n<style>{CSS}</style>\n</head>\n\
         <body data-rendered-count=\"0\">\n",
        *CSP
    )?;
    write_header(w, queue, model, opts)?;
    write_controls(w, items)?;
    write_help(w)?;
    writeln!(w, "<main>")?;
    write_authors(w, items)?;
    write_list(w, items, &page)?;
    write_threads(w, scored, &page)?;
    writeln!(w, "</main>")?;

    let data = PageData {
        columns: QUEUE_COLUMNS,
        excel: opts.excel,
        download: &opts.download_name,
        rows: items
            .iter()
            .map(|it| Row {
                key: &it.key,
                cells: queue_row(it),
            })
            .collect(),
    };
    write!(
        w,
        "<pre id=\"csv-preview\" hidden></pre>\n\
         <script type=\"application/json\" id=\"tamis-data\">{}</script>\n\
         <script>{JS}</script>\n</body>\n</html>\n",
        script_json(&data)
    )
}

fn write_header(
    w: &mut dyn Write,
    queue: &Queue,
    model: &ModelInfo,
    opts: &HtmlOptions,
) -> std::io::Result<()> {
    let n = queue.items.len();
    let mut facts = vec![format!(
        "{n} commentaire{} dans la file sur {} lu{}",
        plural(n),
        opts.comments_read,
        plural(opts.comments_read)
    )];
    if queue.uncertain > 0 {
        facts.push(format!(
            "dont {} incertain{}",
            queue.uncertain,
            plural(queue.uncertain)
        ));
    }
    if queue.already_decided > 0 {
        facts.push(format!(
            "{} déjà décidé{} écarté{}",
            queue.already_decided,
            plural(queue.already_decided),
            plural(queue.already_decided)
        ));
    }
    facts.push(format!("seuil {}", fr(model.threshold)));
    facts.push(format!("modèle {}", escape(&model.checksum)));
    facts.push(format!("tamis {TAMIS_VERSION}"));
    writeln!(
        w,
        "<header>\n<h1>tamis — file de modération</h1>\n<p class=\"meta\">{}</p>\n</header>",
        facts.join(" · ")
    )
}

fn plural(n: usize) -> &'static str {
    if n > 1 {
        "s"
    } else {
        ""
    }
}

/// What the list and the threads share: where comments are, how they are shown.
struct PageCtx<'a> {
    /// `(source, index)` → position in `scored`.
    position: &'a HashMap<(&'a str, usize), usize>,
    /// Position in `scored` → rank in the queue, for queued comments.
    rank_of: &'a HashMap<usize, usize>,
    /// Position in `scored` → positions of its direct replies.
    replies: Vec<Vec<usize>>,
    /// Source → its number on the page (`data-source`), in order of first appearance.
    sources: HashMap<String, usize>,
    /// Source → how it is shown (relative to the input given).
    labels: HashMap<String, String>,
    /// Authors with at least `REPEAT_AUTHOR` queued comments.
    repeat: HashSet<&'a str>,
}

impl PageCtx<'_> {
    fn label<'s>(&'s self, source: &'s str) -> &'s str {
        self.labels.get(source).map_or(source, String::as_str)
    }

    /// `<span class="source">` with the shown name, the full one as its tooltip when
    /// they differ.
    fn source_span(&self, source: &str) -> String {
        let shown = self.label(source);
        if shown == source {
            format!("<span class=\"source\">{}</span>", escape(source))
        } else {
            format!(
                "<span class=\"source\" title=\"{}\">{}</span>",
                escape(source),
                escape(shown)
            )
        }
    }

    /// Ranks of the queued comments among the replies of `root`, their replies and so
    /// on, ascending; `root` itself is left out. A visited set guards against a parent
    /// loop in a malformed input.
    fn queued_below(&self, root: usize) -> Vec<usize> {
        let mut seen = HashSet::from([root]);
        let mut stack: Vec<usize> = self.replies[root].clone();
        let mut ranks = Vec::new();
        while let Some(i) = stack.pop() {
            if !seen.insert(i) {
                continue;
            }
            if let Some(&r) = self.rank_of.get(&i) {
                ranks.push(r);
            }
            stack.extend_from_slice(&self.replies[i]);
        }
        ranks.sort_unstable();
        ranks
    }
}

/// For each scored comment, the positions of its direct replies: the comments of the
/// same source whose `parent` is its `index`.
fn replies(scored: &[Scored], position: &HashMap<(&str, usize), usize>) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); scored.len()];
    for (i, s) in scored.iter().enumerate() {
        if let Some(p) = s.record.parent {
            if let Some(&pi) = position.get(&(s.record.source.as_str(), p)) {
                if pi != i {
                    out[pi].push(i);
                }
            }
        }
    }
    out
}

/// Numbers the sources in order of first appearance (scored comments, then any queue
/// item whose source was not scored): `data-source` ties a list item to its thread
/// without repeating a long path in every attribute.
fn source_numbers(scored: &[Scored], items: &[ReviewItem]) -> HashMap<String, usize> {
    let mut out: HashMap<String, usize> = HashMap::new();
    let all = scored
        .iter()
        .map(|s| s.record.source.as_str())
        .chain(items.iter().map(|it| it.source.as_str()));
    for src in all {
        let n = out.len() + 1;
        out.entry(src.to_string()).or_insert(n);
    }
    out
}

/// The normal components of a path (no root, no `.`), as text.
fn components(path: &str) -> Vec<String> {
    Path::new(path)
        .components()
        .filter_map(|c| match c {
            Component::Normal(x) => Some(x.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect()
}

/// How many trailing components of `source` show it relative to the input it came
/// from: a file given as an argument by its name, a file found in a directory argument
/// by its path below that directory. `None` when no input matches (stdin, a queue
/// built from elsewhere): the source is then shown as is.
fn relative_len(source: &str, inputs: &[String]) -> Option<usize> {
    let path = Path::new(source);
    for input in inputs.iter().filter(|i| i.as_str() != "-") {
        let base = Path::new(input);
        if path == base {
            return Some(1);
        }
        if let Ok(rest) = path.strip_prefix(base) {
            let n = components(&rest.to_string_lossy()).len();
            if n > 0 {
                return Some(n);
            }
        }
    }
    None
}

/// How each source is shown on the page: relative to the input it came from
/// (`tamis queue /srv/pages/` shows `a.txt` and `sub/b.txt`). Where two sources would
/// look the same (`a/x.txt` and `b/x.txt` given as files), each grows by one parent
/// directory at a time until they differ; failing that, the source is shown in full.
pub fn source_labels<'a>(
    sources: impl IntoIterator<Item = &'a str>,
    inputs: &[String],
) -> HashMap<String, String> {
    let mut uniq: Vec<&str> = Vec::new();
    let mut seen = HashSet::new();
    for s in sources {
        if seen.insert(s) {
            uniq.push(s);
        }
    }
    let comps: Vec<Vec<String>> = uniq.iter().map(|s| components(s)).collect();
    let mut keep: Vec<Option<usize>> = uniq
        .iter()
        .zip(&comps)
        .map(|(s, c)| relative_len(s, inputs).filter(|&k| k <= c.len()))
        .collect();
    let label = |i: usize, keep: &[Option<usize>]| match keep[i] {
        Some(k) => comps[i][comps[i].len() - k..].join("/"),
        None => uniq[i].to_string(),
    };
    loop {
        let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
        for i in 0..uniq.len() {
            groups.entry(label(i, &keep)).or_default().push(i);
        }
        let clashes: Vec<Vec<usize>> = groups.into_values().filter(|g| g.len() > 1).collect();
        if clashes.is_empty() {
            break;
        }
        let mut grew = false;
        for g in &clashes {
            for &i in g {
                if let Some(k) = keep[i] {
                    if k < comps[i].len() {
                        keep[i] = Some(k + 1);
                        grew = true;
                    }
                }
            }
        }
        if !grew {
            // Nothing left to add: the clashing ones are shown in full (distinct
            // sources have distinct full names).
            for g in clashes {
                for i in g {
                    keep[i] = None;
                }
            }
            break;
        }
    }
    (0..uniq.len())
        .map(|i| (uniq[i].to_string(), label(i, &keep)))
        .collect()
}

/// An author's name as the page groups it: trimmed, and a blank name is no name.
fn author_of(author: Option<&str>) -> Option<&str> {
    author.map(str::trim).filter(|a| !a.is_empty())
}

/// One line of the author list.
#[derive(Debug, PartialEq)]
struct AuthorCount<'a> {
    /// `None` for the comments without an author.
    name: Option<&'a str>,
    /// Comments of this author in the queue.
    queued: usize,
    /// How many of them the model flagged for review.
    review: usize,
}

/// Queued comments per author, most first (then most flagged, then by name); the
/// comments without an author come last as one group, since they are nobody's record.
fn author_counts(items: &[ReviewItem]) -> Vec<AuthorCount<'_>> {
    let mut by: HashMap<Option<&str>, (usize, usize)> = HashMap::new();
    for it in items {
        let e = by.entry(author_of(it.author.as_deref())).or_default();
        e.0 += 1;
        e.1 += usize::from(it.review);
    }
    let mut out: Vec<AuthorCount> = by
        .into_iter()
        .map(|(name, (queued, review))| AuthorCount {
            name,
            queued,
            review,
        })
        .collect();
    out.sort_by(|a, b| {
        a.name
            .is_none()
            .cmp(&b.name.is_none())
            .then(b.queued.cmp(&a.queued))
            .then(b.review.cmp(&a.review))
            .then(a.name.cmp(&b.name))
    });
    out
}

fn write_controls(w: &mut dyn Write, items: &[ReviewItem]) -> std::io::Result<()> {
    // One checkbox per reason present in the queue, in REASONS order then any other.
    let mut reasons: Vec<(String, usize)> = crate::features::REASONS
        .iter()
        .map(|r| (r.to_string(), 0))
        .collect();
    let mut none = 0;
    for it in items {
        if it.reasons.is_empty() {
            none += 1;
        }
        for r in &it.reasons {
            match reasons.iter_mut().find(|(n, _)| *n == r.reason) {
                Some(c) => c.1 += 1,
                None => reasons.push((r.reason.clone(), 1)),
            }
        }
    }
    writeln!(
        w,
        "<nav class=\"controls\" aria-label=\"Filtres et décisions\">"
    )?;
    writeln!(w, "<fieldset class=\"reasons\"><legend>Motifs</legend>")?;
    for (r, n) in reasons.iter().filter(|(_, n)| *n > 0) {
        writeln!(
            w,
            "<label class=\"chip r-{}\"><input type=\"checkbox\" class=\"f-reason\" value=\"{}\" checked> {} ({n})</label>",
            class(r),
            escape(r),
            escape(reason_label(r))
        )?;
    }
    if none > 0 {
        writeln!(
            w,
            "<label class=\"chip\"><input type=\"checkbox\" class=\"f-reason\" value=\"\" checked> sans motif ({none})</label>"
        )?;
    }
    writeln!(w, "</fieldset>")?;
    writeln!(
        w,
        "<label class=\"slider\">Probabilité minimale <input type=\"range\" id=\"f-threshold\" min=\"0\" max=\"1\" step=\"0.01\" value=\"0\"> <output id=\"f-threshold-value\">0,00</output></label>\n\
         <label><input type=\"checkbox\" id=\"f-hide-decided\" checked> masquer les décidés</label>\n\
         <p id=\"counter\" aria-live=\"polite\"></p>\n\
         <div class=\"actions\"><button type=\"button\" id=\"undo\" class=\"secondary\" disabled>Annuler (u)</button> \
         <button type=\"button\" id=\"download\">Télécharger les décisions (CSV)</button> \
         <button type=\"button\" id=\"clear\" class=\"secondary\">Effacer les décisions</button></div>\n\
         <div class=\"bulk\" role=\"group\" aria-label=\"Sélection\">\
         <label><input type=\"checkbox\" id=\"select-visible\"> tout sélectionner (visibles)</label> \
         <span id=\"selection-count\">0 sélectionné</span> \
         <button type=\"button\" id=\"bulk-keep\" class=\"keep\" disabled>Garder la sélection</button> \
         <button type=\"button\" id=\"bulk-remove\" class=\"remove\" disabled>Supprimer la sélection</button></div>\n\
         <p class=\"keys\">Clavier : <kbd>j</kbd>/<kbd>k</kbd> ou <kbd>↓</kbd>/<kbd>↑</kbd> se déplacer · \
         <kbd>g</kbd> garder · <kbd>s</kbd> supprimer · <kbd>x</kbd> sélectionner (<kbd>Maj</kbd>+<kbd>g</kbd>/<kbd>s</kbd> : la sélection) · <kbd>u</kbd> annuler · \
         <button type=\"button\" id=\"help-open\" class=\"link\" aria-controls=\"help\"><kbd>?</kbd> aide</button></p>\n</nav>"
    )
}

/// The shortcuts, in a panel that `?` opens and Escape closes.
fn write_help(w: &mut dyn Write) -> std::io::Result<()> {
    const KEYS: &[(&str, &str)] = &[
        ("j / ↓", "commentaire suivant"),
        ("k / ↑", "commentaire précédent"),
        (
            "g",
            "garder le commentaire courant, puis passer au suivant à décider",
        ),
        (
            "s",
            "supprimer le commentaire courant, puis passer au suivant à décider",
        ),
        ("x", "sélectionner ou désélectionner le commentaire courant"),
        (
            "Maj+g / Maj+s",
            "garder / supprimer tous les commentaires sélectionnés",
        ),
        (
            "u",
            "annuler la dernière décision (plusieurs fois pour remonter)",
        ),
        ("?", "afficher ou masquer cette aide"),
        ("Échap", "fermer cette aide"),
    ];
    writeln!(
        w,
        "<aside id=\"help\" role=\"dialog\" aria-labelledby=\"help-title\" hidden>\n\
         <h2 id=\"help-title\">Raccourcis clavier</h2>\n<dl>"
    )?;
    for (k, what) in KEYS {
        writeln!(w, "<dt><kbd>{k}</kbd></dt><dd>{what}</dd>")?;
    }
    writeln!(
        w,
        "</dl>\n<p>Les raccourcis sont inactifs pendant la saisie d’une note ou dans un champ. \
         « Garder tout le sous-fil » et « Supprimer tout le sous-fil » décident d’un coup un \
         commentaire et toutes ses réponses présentes dans la file ; « Annuler » défait une \
         décision groupée en une fois.</p>\n\
         <button type=\"button\" id=\"help-close\">Fermer</button>\n</aside>"
    )
}

/// The author list: queued comments per author, flagged ones in brackets; a click
/// filters the list to that author. Left out when no comment has an author (tables).
fn write_authors(w: &mut dyn Write, items: &[ReviewItem]) -> std::io::Result<()> {
    let counts = author_counts(items);
    if counts.iter().all(|a| a.name.is_none()) {
        return Ok(());
    }
    writeln!(
        w,
        "<section id=\"authors\" aria-labelledby=\"authors-title\">\n\
         <h2 id=\"authors-title\">Auteurs</h2>\n\
         <p class=\"hint\">Commentaires dans la file par auteur (dont à examiner) ; \
         en évidence : {REPEAT_AUTHOR} commentaires ou plus. Cliquer sur un auteur filtre la file.</p>\n\
         <div class=\"authors\" role=\"group\" aria-label=\"Filtrer par auteur\">\n\
         <button type=\"button\" class=\"author-filter\" data-all aria-pressed=\"true\">tous les auteurs ({})</button>",
        items.len()
    )?;
    for a in &counts {
        let mut classes = String::from("author-filter");
        if a.queued >= REPEAT_AUTHOR && a.name.is_some() {
            classes.push_str(" repeat");
        }
        let attr = match a.name {
            Some(n) => format!("data-author=\"{}\"", escape(n)),
            None => "data-no-author".to_string(),
        };
        let name = match a.name {
            Some(n) => format!("<span class=\"name\">{}</span>", escape(n)),
            None => "<span class=\"name\">(sans auteur)</span>".to_string(),
        };
        writeln!(
            w,
            "<button type=\"button\" class=\"{classes}\" {attr} aria-pressed=\"false\">{name} \
             <span class=\"n\">{}</span> <span class=\"n-review\">({} à examiner)</span></button>",
            a.queued, a.review
        )?;
    }
    writeln!(w, "</div>\n</section>")
}

/// Keep / remove buttons for a comment and its queued replies; `ranks` are the items
/// decided together (the comment's own rank first when it is queued).
fn subthread_buttons(ranks: &[usize]) -> String {
    let list = ranks
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "<span class=\"subthread\" data-subtree=\"{list}\">Sous-fil ({} dans la file) : \
         <button type=\"button\" class=\"keep\" data-subtree-decision=\"keep\">Garder tout le sous-fil</button> \
         <button type=\"button\" class=\"remove\" data-subtree-decision=\"remove\">Supprimer tout le sous-fil</button></span>",
        ranks.len()
    )
}

/// `data-source`, `data-index` and (for a reply) `data-parent` of a comment: its place
/// in its thread, for the page's script and for anyone reading the page.
fn place_attrs(ctx: &PageCtx, source: &str, index: usize, parent: Option<usize>) -> String {
    let mut a = format!(
        " data-source=\"{}\" data-index=\"{index}\"",
        ctx.sources.get(source).copied().unwrap_or(0)
    );
    if let Some(p) = parent {
        a.push_str(&format!(" data-parent=\"{p}\""));
    }
    a
}

fn write_list(w: &mut dyn Write, items: &[ReviewItem], ctx: &PageCtx) -> std::io::Result<()> {
    writeln!(w, "<section id=\"queue\" aria-labelledby=\"queue-title\">\n<h2 id=\"queue-title\">File prioritaire</h2>")?;
    writeln!(w, "<ol class=\"queue\">")?;
    for it in items {
        let reasons: Vec<String> = it.reasons.iter().map(|r| class(&r.reason)).collect();
        let mut classes = vec!["item"];
        if it.review {
            classes.push("review");
        }
        if it.uncertain {
            classes.push("uncertain");
        }
        let author = author_of(it.author.as_deref());
        let mut attrs = place_attrs(ctx, &it.source, it.index, it.parent);
        if let Some(a) = author {
            attrs.push_str(&format!(" data-author=\"{}\"", escape(a)));
        }
        let pos = ctx.position.get(&(it.source.as_str(), it.index)).copied();
        let below = pos.map(|p| ctx.queued_below(p)).unwrap_or_default();
        if !below.is_empty() {
            let list: Vec<String> = below.iter().map(usize::to_string).collect();
            attrs.push_str(&format!(" data-replies=\"{}\"", list.join(" ")));
        }
        writeln!(
            w,
            "<li class=\"{}\" id=\"q-{}\" tabindex=\"-1\" data-rank=\"{}\" data-key=\"{}\" data-score=\"{:.4}\" data-reasons=\"{}\"{attrs}>",
            classes.join(" "),
            it.rank,
            it.rank,
            escape(&it.key),
            it.score,
            escape(&reasons.join(" "))
        )?;
        let mut head = format!(
            "<input type=\"checkbox\" class=\"select\" aria-label=\"Sélectionner le n° {} de la file\">\
             <span class=\"rank\">{}</span><span class=\"prob\" title=\"probabilité d’examen\">{}</span>",
            it.rank,
            it.rank,
            fr(it.score)
        );
        if it.review {
            head.push_str(" <span class=\"chip flag\">à examiner</span>");
        }
        if it.uncertain {
            head.push_str(" <span class=\"chip unc\" title=\"probabilité proche du seuil : utile à étiqueter\">incertain</span>");
        }
        if !it.reasons.is_empty() {
            head.push(' ');
            head.push_str(&chips(&it.reasons));
        }
        writeln!(w, "<div class=\"item-head\">{head}</div>")?;

        let mut place = vec![ctx.source_span(&it.source), format!("n° {}", it.index)];
        if it.id != it.index.to_string() {
            place.push(format!("id {}", escape(&it.id)));
        }
        if let Some(p) = it.parent {
            place.push(format!("réponse au n° {p}"));
        }
        if let Some(a) = author {
            let repeat = if ctx.repeat.contains(a) {
                " repeat"
            } else {
                ""
            };
            place.push(format!(
                "<span class=\"author{repeat}\">{}</span>",
                escape(a)
            ));
        }
        if let Some(d) = &it.date {
            place.push(format!("<time>{}</time>", escape(d)));
        }
        if let Some(pos) = pos {
            place.push(format!("<a href=\"#t-{pos}\">voir dans le fil</a>"));
        }
        writeln!(w, "<div class=\"where\">{}</div>", place.join(" · "))?;
        if let Some(pt) = &it.parent_text {
            writeln!(
                w,
                "<blockquote class=\"parent\"><span class=\"label\">En réponse à :</span> {}</blockquote>",
                escape(pt)
            )?;
        }
        writeln!(
            w,
            "<p class=\"text\">{}</p>",
            marked_text(&it.text, &it.reasons)
        )?;
        // The sub-thread action only where it differs from deciding the comment alone.
        let subthread = if below.is_empty() {
            String::new()
        } else {
            let mut ranks = vec![it.rank];
            ranks.extend(&below);
            subthread_buttons(&ranks)
        };
        writeln!(
            w,
            "<div class=\"decide\" role=\"group\" aria-label=\"Décision\">\
             <button type=\"button\" class=\"keep\" data-decision=\"keep\" aria-pressed=\"false\">Garder</button>\
             <button type=\"button\" class=\"remove\" data-decision=\"remove\" aria-pressed=\"false\">Supprimer</button>\
             {subthread}\
             <input type=\"text\" class=\"note\" placeholder=\"Note (facultative)\" aria-label=\"Note\" maxlength=\"500\"></div>\n</li>"
        )?;
    }
    writeln!(w, "</ol>")?;
    writeln!(
        w,
        "<p class=\"empty\"{}>Aucun commentaire ne correspond aux filtres.</p>\n</section>",
        if items.is_empty() { "" } else { " hidden" }
    )
}

fn write_threads(w: &mut dyn Write, scored: &[Scored], ctx: &PageCtx) -> std::io::Result<()> {
    // Sources in order of first appearance; only those with something in the queue.
    let mut sources: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, s) in scored.iter().enumerate() {
        let src = s.record.source.as_str();
        match sources.iter_mut().find(|(n, _)| *n == src) {
            Some((_, v)) => v.push(i),
            None => sources.push((src, vec![i])),
        }
    }
    sources.retain(|(_, v)| v.iter().any(|i| ctx.rank_of.contains_key(i)));
    if sources.is_empty() {
        return Ok(());
    }
    writeln!(w, "<section id=\"threads\" aria-labelledby=\"threads-title\">\n<h2 id=\"threads-title\">Fils de discussion</h2>")?;
    for (src, members) in &sources {
        let flagged = members.iter().filter(|&&i| scored[i].score.review).count();
        writeln!(
            w,
            "<details class=\"thread\" open>\n<summary>{} — {} commentaire{}, {} à examiner</summary>",
            ctx.source_span(src),
            members.len(),
            plural(members.len()),
            flagged
        )?;
        for &i in members.iter().take(THREAD_MAX) {
            let s = &scored[i];
            let r = &s.record;
            let mut classes = vec![format!("tc d{}", r.depth.min(12))];
            if s.score.review {
                classes.push("flagged".into());
            }
            let mut head = format!("<span class=\"num\">n° {}</span>", r.index);
            if let Some(a) = author_of(r.author.as_deref()) {
                let repeat = if ctx.repeat.contains(a) {
                    " repeat"
                } else {
                    ""
                };
                head.push_str(&format!(
                    " <span class=\"author{repeat}\">{}</span>",
                    escape(a)
                ));
            }
            if let Some(d) = &r.date {
                head.push_str(&format!(" <time>{}</time>", escape(d)));
            }
            head.push_str(&format!(
                " <span class=\"prob\">{}</span>",
                fr(s.score.score)
            ));
            if !s.score.reasons.is_empty() {
                head.push(' ');
                head.push_str(&chips(&s.score.reasons));
            }
            let rank = ctx.rank_of.get(&i).copied();
            if let Some(rank) = rank {
                head.push_str(&format!(
                    " <a href=\"#q-{rank}\">rang {rank} dans la file</a>"
                ));
            }
            let mut attrs = place_attrs(ctx, &r.source, r.index, r.parent);
            if let Some(rank) = rank {
                attrs.push_str(&format!(" data-rank=\"{rank}\""));
            }
            // A comment with replies gets the sub-thread action when something in its
            // sub-thread is queued (the comment itself may not be).
            let mut ranks: Vec<usize> = rank.into_iter().collect();
            if !ctx.replies[i].is_empty() {
                ranks.extend(ctx.queued_below(i));
            }
            let actions = if !ctx.replies[i].is_empty() && !ranks.is_empty() {
                format!("<div class=\"decide\">{}</div>", subthread_buttons(&ranks))
            } else {
                String::new()
            };
            writeln!(
                w,
                "<div class=\"{}\" id=\"t-{i}\"{attrs}><div class=\"tc-head\">{head}</div><p class=\"text\">{}</p>{actions}</div>",
                classes.join(" "),
                marked_text(&r.text, &s.score.reasons)
            )?;
        }
        if members.len() > THREAD_MAX {
            writeln!(
                w,
                "<p class=\"more\">… {} autres commentaires non affichés.</p>",
                members.len() - THREAD_MAX
            )?;
        }
        writeln!(w, "</details>")?;
    }
    writeln!(w, "</section>")
}

/// `sha256-<base64>` of an inline block, the CSP way of allowing exactly that block.
fn csp_hash(block: &str) -> String {
    format!("sha256-{}", base64(&sha256(block.as_bytes())))
}

/// SHA-256 through the `sha2` crate (already needed by `tamis serve`).
fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}

/// Standard base64 with padding (what CSP hashes use).
fn base64(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{model, scored};
    use super::super::{build_queue, QueueOptions};
    use super::*;

    /// Comment texts that try to break out of every context the page has.
    const PAYLOADS: &[&str] = &[
        "<script>document.title='PWNED'</script>",
        "<img src=x onerror=\"document.documentElement.setAttribute('data-pwned','1')\">",
        "<a href=\"javascript:document.title='PWNED'\">clique</a>",
        "</style><style>body{display:none}</style>",
        "\"><svg onload=document.title='PWNED'>",
        "' \" > < &amp; &lt;",
        "{{7*7}} ${7*7}",
        "fin </script><script>document.title='PWNED'</script>",
        "<!-- <script> \u{2028} \u{2029}",
    ];

    fn page() -> String {
        let s: Vec<_> = PAYLOADS
            .iter()
            .enumerate()
            .map(|(i, t)| {
                scored(
                    "<b>src</b>.txt",
                    i + 1,
                    None,
                    0,
                    t,
                    0.9,
                    &[("insult", &["script", "<img"])],
                )
            })
            .collect();
        let q = build_queue(
            &s,
            &QueueOptions {
                all: true,
                ..Default::default()
            },
            &model(),
        );
        let mut buf = Vec::new();
        let opts = HtmlOptions {
            download_name: "q-décisions.csv".into(),
            excel: false,
            comments_read: s.len(),
            inputs: vec![],
        };
        write_html(&mut buf, &q, &s, &model(), &opts).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn escape_covers_the_five_characters() {
        assert_eq!(escape("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&#39;f");
        assert!(matches!(escape("plain é"), Cow::Borrowed(_)));
    }

    #[test]
    fn script_json_cannot_close_the_block() {
        let j = script_json(&vec!["</script><!--", "a&b", "\u{2028}\u{2029}"]);
        assert_eq!(
            j,
            r#"["\u003c/script\u003e\u003c!--","a\u0026b","\u2028\u2029"]"#
        );
        let back: Vec<String> = serde_json::from_str(&j).unwrap();
        assert_eq!(back[0], "</script><!--");
    }

    #[test]
    fn page_has_no_unescaped_payload() {
        let html = page();
        // Exactly our own two scripts, one style, and no tag from the data.
        assert_eq!(html.matches("<script").count(), 2, "{html}");
        assert_eq!(html.matches("</script>").count(), 2);
        assert_eq!(html.matches("<style>").count(), 1);
        assert_eq!(html.matches("</style>").count(), 1);
        for tag in ["<img", "<svg", "<a href=\"javascript", "<b>"] {
            assert!(!html.contains(tag), "{tag} leaked");
        }
        assert!(html.contains("&quot;&gt;&lt;svg onload=document.title=&#39;PWNED&#39;&gt;"));
        assert!(html.contains("&#39; &quot; &gt; &lt; &amp;amp; &amp;lt;"));
        assert!(html.contains("{{7*7}}"));
        assert!(html.contains("&lt;b&gt;src&lt;/b&gt;.txt"));
        // Evidence marks are computed from spans, around escaped pieces.
        assert!(
            html.contains("&lt;<mark class=\"ev r-insult\" title=\"insulte\">script</mark>&gt;")
        );
        assert!(html.contains("<mark class=\"ev r-insult\" title=\"insulte\">&lt;img</mark>"));
        assert!(html.contains("<li class=\"item review\" id=\"q-1\""));
        // Author names are escaped in the filter's attribute like anywhere else.
        assert!(!html.contains("data-author=\"<"));
        assert_eq!(html.matches("<li class=\"item").count(), PAYLOADS.len());
    }

    #[test]
    fn page_is_self_contained_and_locked_by_csp() {
        let html = page();
        assert!(html.contains("Content-Security-Policy"));
        assert!(html.contains(&format!("script-src '{}'", csp_hash(JS))));
        // The policy goes into a double-quoted attribute unescaped: keep it plain.
        assert!(!CSP.contains(['"', '&', '<', '>']));
        // Our own script must not be able to end its element early.
        assert!(!JS.contains("</") && !JS.contains("<!--"));
        for fetch in ["http://", "https://", "src=\"", "@import", "url("] {
            assert!(
                !html.contains(fetch),
                "{fetch} found: the page must fetch nothing"
            );
        }
        assert!(
            !JS.contains("innerHTML")
                && !JS.contains("outerHTML")
                && !JS.contains("insertAdjacentHTML")
        );
        assert!(!JS.contains("eval(") && !JS.contains("document.write"));
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn sources_are_shown_relative_to_the_inputs() {
        let labels = source_labels(
            [
                "/var/tmp/site/pages/a.txt",
                "/var/tmp/site/pages/sub/b.txt",
                "/var/tmp/site/pages/a.txt",
                "export/comments.csv",
                "-",
                "ailleurs.txt",
            ],
            &strings(&["/var/tmp/site/pages/", "export/comments.csv", "-"]),
        );
        assert_eq!(labels.len(), 5, "one label per distinct source");
        assert_eq!(labels["/var/tmp/site/pages/a.txt"], "a.txt");
        assert_eq!(labels["/var/tmp/site/pages/sub/b.txt"], "sub/b.txt");
        // A file given by name shows its name; stdin and unknown sources stay as is.
        assert_eq!(labels["export/comments.csv"], "comments.csv");
        assert_eq!(labels["-"], "-");
        assert_eq!(labels["ailleurs.txt"], "ailleurs.txt");
    }

    #[test]
    fn clashing_sources_grow_until_they_differ() {
        // Two directories with the same file: x.txt, then pages/x.txt clash; one more
        // directory tells them apart.
        let labels = source_labels(
            [
                "lundi/pages/x.txt",
                "mardi/pages/x.txt",
                "mardi/pages/y.txt",
            ],
            &strings(&["lundi/pages", "mardi/pages"]),
        );
        assert_eq!(labels["lundi/pages/x.txt"], "lundi/pages/x.txt");
        assert_eq!(labels["mardi/pages/x.txt"], "mardi/pages/x.txt");
        assert_eq!(labels["mardi/pages/y.txt"], "y.txt");
        // A relative label that would equal another source shown as is grows too.
        let labels = source_labels(["a.txt", "d/a.txt"], &strings(&["d/a.txt"]));
        assert_eq!(labels["a.txt"], "a.txt");
        assert_eq!(labels["d/a.txt"], "d/a.txt");
        // Without inputs (a page built by a library caller) nothing changes.
        let labels = source_labels(["/var/tmp/p.txt"], &[]);
        assert_eq!(labels["/var/tmp/p.txt"], "/var/tmp/p.txt");
    }

    /// One thread, `/var/tmp/pages/sub/fil.txt`:
    /// 1 Léa (0.9, insult) ← 2 Marc (0.2, not queued) ← 3 Léa (0.8, threat);
    /// 4 Léa (0.7, insult); 5 no author (0.6); 6 blank author (0.55).
    /// Danger: 3 → 0.80, 1 → 0.63, 4 → 0.49, 5 → 0.30, 6 → 0.275: ranks 1 to 5.
    fn thread_page() -> (String, Queue) {
        let src = "/var/tmp/pages/sub/fil.txt";
        let mut s = vec![
            scored(
                src,
                1,
                None,
                0,
                "Espèce d'idiot",
                0.9,
                &[("insult", &["idiot"])],
            ),
            scored(src, 2, Some(1), 1, "Calmez-vous", 0.2, &[]),
            scored(
                src,
                3,
                Some(2),
                2,
                "Je vais te frapper",
                0.8,
                &[("threat", &["frapper"])],
            ),
            scored(
                src,
                4,
                None,
                0,
                "Quel crétin",
                0.7,
                &[("insult", &["crétin"])],
            ),
            scored(src, 5, None, 0, "Bof", 0.6, &[]),
            scored(src, 6, None, 0, "Hum", 0.55, &[]),
        ];
        let authors = [
            Some("Léa"),
            Some("Marc"),
            Some("Léa"),
            Some(" Léa "),
            None,
            Some("  "),
        ];
        for (c, a) in s.iter_mut().zip(authors) {
            c.record.author = a.map(String::from);
        }
        let q = build_queue(&s, &QueueOptions::default(), &model());
        let opts = HtmlOptions {
            download_name: "fil-decisions.csv".into(),
            excel: false,
            comments_read: s.len(),
            inputs: vec!["/var/tmp/pages".into()],
        };
        let mut buf = Vec::new();
        write_html(&mut buf, &q, &s, &model(), &opts).unwrap();
        (String::from_utf8(buf).unwrap(), q)
    }

    #[test]
    fn authors_are_counted_most_first_without_author_last() {
        let (_, q) = thread_page();
        let counts = author_counts(&q.items);
        assert_eq!(
            counts,
            vec![
                AuthorCount {
                    name: Some("Léa"),
                    queued: 3,
                    review: 3
                },
                AuthorCount {
                    name: None,
                    queued: 2,
                    review: 2
                },
            ]
        );
        let (html, _) = thread_page();
        let section = &html[html.find("<section id=\"authors\"").unwrap()..];
        let section = &section[..section.find("</section>").unwrap()];
        assert!(section.contains("tous les auteurs (5)"), "{section}");
        // Léa has 3 queued comments: a repeat offender, highlighted, listed first.
        let lea = section
            .find("<button type=\"button\" class=\"author-filter repeat\" data-author=\"Léa\" aria-pressed=\"false\"><span class=\"name\">Léa</span> <span class=\"n\">3</span> <span class=\"n-review\">(3 à examiner)</span></button>")
            .expect(section);
        let none = section
            .find("data-no-author aria-pressed=\"false\"><span class=\"name\">(sans auteur)</span> <span class=\"n\">2</span>")
            .expect(section);
        assert!(lea < none);
        // Marc's only comment is not queued: he is not listed.
        assert!(!section.contains("Marc"));
        assert_eq!(
            html.matches("<span class=\"author repeat\">Léa</span>")
                .count(),
            6,
            "3 items + 3 thread entries"
        );
    }

    #[test]
    fn items_carry_their_place_in_the_thread() {
        let (html, q) = thread_page();
        let rank_of = |index: usize| q.items.iter().find(|it| it.index == index).unwrap().rank;
        assert_eq!(
            (rank_of(3), rank_of(1), rank_of(4), rank_of(5), rank_of(6)),
            (1, 2, 3, 4, 5)
        );
        // Comment 3 (rank 1) answers 2, which is not queued; it has no replies.
        assert!(html.contains("<li class=\"item review\" id=\"q-1\" tabindex=\"-1\" data-rank=\"1\" data-key=\"k-/var/tmp/pages/sub/fil.txt-3\" data-score=\"0.8000\" data-reasons=\"threat\" data-source=\"1\" data-index=\"3\" data-parent=\"2\" data-author=\"Léa\">"), "{html}");
        // Comment 1 (rank 2): its sub-thread reaches rank 1 through the unqueued 2.
        assert!(html.contains(
            "data-source=\"1\" data-index=\"1\" data-author=\"Léa\" data-replies=\"1\">"
        ));
        assert!(html.contains(
            "<span class=\"subthread\" data-subtree=\"2 1\">Sous-fil (2 dans la file) :"
        ));
        // The sub-thread action appears only there in the list, and in the thread view
        // on 1 (ranks 2 and 1) and on the unqueued 2 (rank 1); never on leaves.
        assert_eq!(html.matches("data-subtree=\"2 1\"").count(), 2);
        assert_eq!(html.matches("data-subtree=\"1\"").count(), 1);
        assert_eq!(html.matches("class=\"subthread\"").count(), 3);
        assert!(html.contains(
            "<div class=\"tc d1\" id=\"t-1\" data-source=\"1\" data-index=\"2\" data-parent=\"1\">"
        ));
        assert!(html.contains("<div class=\"tc d2 flagged\" id=\"t-2\" data-source=\"1\" data-index=\"3\" data-parent=\"2\" data-rank=\"1\">"));
        // A blank author is no author; the trimmed name groups with the others.
        assert!(html.contains("data-index=\"6\">"));
        assert!(html.contains("data-index=\"4\" data-author=\"Léa\">"));
    }

    #[test]
    fn sources_are_shown_relative_but_downloaded_in_full() {
        let (html, _) = thread_page();
        let span = "<span class=\"source\" title=\"/var/tmp/pages/sub/fil.txt\">sub/fil.txt</span>";
        // Five items and the thread's summary.
        assert_eq!(html.matches(span).count(), 6, "{html}");
        assert!(!html.contains(">/var/tmp/pages/sub/fil.txt<"));
        // The data block keeps the contract's `source` cell as tamis writes it.
        let data = &html[html.find("id=\"tamis-data\">").unwrap()..];
        let data = &data[data.find('>').unwrap() + 1..data.find("</script>").unwrap()];
        let v: serde_json::Value = serde_json::from_str(data).unwrap();
        let col = v["columns"]
            .as_array()
            .unwrap()
            .iter()
            .position(|c| c == "source")
            .unwrap();
        assert_eq!(v["rows"][0]["cells"][col], "/var/tmp/pages/sub/fil.txt");
    }

    #[test]
    fn controls_offer_keyboard_help_bulk_and_hide_decided() {
        let (html, _) = thread_page();
        assert!(html.contains(
            "<input type=\"checkbox\" id=\"f-hide-decided\" checked> masquer les décidés"
        ));
        assert!(!html.contains("id=\"f-status\""), "merged into the toggle");
        for id in [
            "select-visible",
            "bulk-keep",
            "bulk-remove",
            "undo",
            "help-open",
            "help-close",
        ] {
            assert_eq!(html.matches(&format!("id=\"{id}\"")).count(), 1, "{id}");
        }
        assert!(html
            .contains("<aside id=\"help\" role=\"dialog\" aria-labelledby=\"help-title\" hidden>"));
        for key in [
            "<kbd>g</kbd>",
            "<kbd>s</kbd>",
            "<kbd>u</kbd>",
            "<kbd>?</kbd>",
            "<kbd>j / ↓</kbd>",
        ] {
            assert!(html.contains(key), "{key}");
        }
        assert_eq!(
            html.matches("<input type=\"checkbox\" class=\"select\"")
                .count(),
            5
        );
        // The script finds everything it binds to.
        for id in [
            "f-threshold",
            "f-hide-decided",
            "counter",
            "select-visible",
            "selection-count",
            "bulk-keep",
            "bulk-remove",
            "undo",
            "help",
            "help-open",
            "help-close",
            "download",
            "clear",
            "csv-preview",
            "tamis-data",
        ] {
            if JS.contains(&format!("'{id}'")) {
                assert!(html.contains(&format!("id=\"{id}\"")), "{id} missing");
            }
        }
    }

    #[test]
    fn tables_without_authors_have_no_author_section() {
        let html = page();
        // The payload page's authors are "Auteur 1"… so it has one; a table has none.
        assert!(html.contains("<section id=\"authors\""));
        let s = vec![scored(
            "t.csv",
            1,
            None,
            0,
            "Quel nul",
            0.9,
            &[("insult", &["nul"])],
        )];
        let mut s = s;
        s[0].record.author = None;
        let q = build_queue(&s, &QueueOptions::default(), &model());
        let mut buf = Vec::new();
        write_html(&mut buf, &q, &s, &model(), &HtmlOptions::default()).unwrap();
        let html = String::from_utf8(buf).unwrap();
        assert!(!html.contains("id=\"authors\""));
        assert!(!html.contains("data-author=\""));
    }

    #[test]
    fn hostile_author_names_stay_text() {
        let evil = "\"><img src=x onerror=alert(1)> & 'co'";
        let mut s = vec![
            scored(
                "p.txt",
                1,
                None,
                0,
                "Quel nul",
                0.9,
                &[("insult", &["nul"])],
            ),
            scored(
                "p.txt",
                2,
                None,
                0,
                "Quel crétin",
                0.8,
                &[("insult", &["crétin"])],
            ),
        ];
        for c in &mut s {
            c.record.author = Some(evil.into());
        }
        let q = build_queue(&s, &QueueOptions::default(), &model());
        let mut buf = Vec::new();
        write_html(&mut buf, &q, &s, &model(), &HtmlOptions::default()).unwrap();
        let html = String::from_utf8(buf).unwrap();
        assert!(!html.contains("<img"));
        let esc = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt; &amp; &#39;co&#39;";
        // The filter button, each item's data-author, each item's and thread entry's name.
        assert_eq!(html.matches(&format!("data-author=\"{esc}\"")).count(), 3);
        assert_eq!(
            html.matches(&format!("<span class=\"author\">{esc}</span>"))
                .count(),
            4
        );
    }

    #[test]
    fn sha256_and_base64_known_answers() {
        assert_eq!(
            base64(&sha256(b"")),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        assert_eq!(
            base64(&sha256(b"abc")),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
        // Two blocks (message longer than 55 bytes).
        assert_eq!(
            base64(&sha256(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "JI1qYdIGOLjlwCaTDD5gOaM85Flk/yFn9uzt1BnbBsE="
        );
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"a"), "YQ==");
    }
}
