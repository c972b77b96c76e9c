//! The review queue as ONE self-contained HTML page in French: the prioritised list, each
//! thread as an indented tree, filters, keep/remove toggles kept in localStorage, and a
//! download of the decisions in the queue CSV format. Comment text is hostile input.
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
use std::collections::HashMap;
use std::io::Write;
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
}

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
    writeln!(w, "<main>")?;
    write_list(w, items, &position)?;
    write_threads(w, scored, &rank_of)?;
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
         <label>Afficher <select id=\"f-status\"><option value=\"all\">tous</option><option value=\"todo\">à décider</option><option value=\"done\">décidés</option></select></label>\n\
         <p id=\"counter\" aria-live=\"polite\"></p>\n\
         <div class=\"actions\"><button type=\"button\" id=\"download\">Télécharger les décisions (CSV)</button> \
         <button type=\"button\" id=\"clear\" class=\"secondary\">Effacer les décisions</button></div>\n</nav>"
    )
}

fn write_list(
    w: &mut dyn Write,
    items: &[ReviewItem],
    position: &HashMap<(&str, usize), usize>,
) -> std::io::Result<()> {
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
        writeln!(
            w,
            "<li class=\"{}\" id=\"q-{}\" data-rank=\"{}\" data-key=\"{}\" data-score=\"{:.4}\" data-reasons=\"{}\">",
            classes.join(" "),
            it.rank,
            it.rank,
            escape(&it.key),
            it.score,
            escape(&reasons.join(" "))
        )?;
        let mut head = format!(
            "<span class=\"rank\">{}</span><span class=\"prob\" title=\"probabilité d’examen\">{}</span>",
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

        let mut place = vec![
            format!("<span class=\"source\">{}</span>", escape(&it.source)),
            format!("n° {}", it.index),
        ];
        if it.id != it.index.to_string() {
            place.push(format!("id {}", escape(&it.id)));
        }
        if let Some(p) = it.parent {
            place.push(format!("réponse au n° {p}"));
        }
        if let Some(a) = &it.author {
            place.push(format!("<span class=\"author\">{}</span>", escape(a)));
        }
        if let Some(d) = &it.date {
            place.push(format!("<time>{}</time>", escape(d)));
        }
        if let Some(pos) = position.get(&(it.source.as_str(), it.index)) {
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
        writeln!(
            w,
            "<div class=\"decide\" role=\"group\" aria-label=\"Décision\">\
             <button type=\"button\" class=\"keep\" data-decision=\"keep\" aria-pressed=\"false\">Garder</button>\
             <button type=\"button\" class=\"remove\" data-decision=\"remove\" aria-pressed=\"false\">Supprimer</button>\
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

fn write_threads(
    w: &mut dyn Write,
    scored: &[Scored],
    rank_of: &HashMap<usize, usize>,
) -> std::io::Result<()> {
    // Sources in order of first appearance; only those with something in the queue.
    let mut sources: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, s) in scored.iter().enumerate() {
        let src = s.record.source.as_str();
        match sources.iter_mut().find(|(n, _)| *n == src) {
            Some((_, v)) => v.push(i),
            None => sources.push((src, vec![i])),
        }
    }
    sources.retain(|(_, v)| v.iter().any(|i| rank_of.contains_key(i)));
    if sources.is_empty() {
        return Ok(());
    }
    writeln!(w, "<section id=\"threads\" aria-labelledby=\"threads-title\">\n<h2 id=\"threads-title\">Fils de discussion</h2>")?;
    for (src, members) in &sources {
        let flagged = members.iter().filter(|&&i| scored[i].score.review).count();
        writeln!(
            w,
            "<details class=\"thread\" open>\n<summary><span class=\"source\">{}</span> — {} commentaire{}, {} à examiner</summary>",
            escape(src),
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
            if let Some(a) = &r.author {
                head.push_str(&format!(" <span class=\"author\">{}</span>", escape(a)));
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
            if let Some(rank) = rank_of.get(&i) {
                head.push_str(&format!(
                    " <a href=\"#q-{rank}\">rang {rank} dans la file</a>"
                ));
            }
            writeln!(
                w,
                "<div class=\"{}\" id=\"t-{i}\"><div class=\"tc-head\">{head}</div><p class=\"text\">{}</p></div>",
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
