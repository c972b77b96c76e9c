//! CSV output for `score --format csv` and the review queue: RFC 4180 quoting, cells that
//! a spreadsheet would run as formulas neutralised with a leading `'`, an optional UTF-8
//! BOM for Excel, and the reader for `--decisions`.

use super::{ModelInfo, ReviewItem};
use crate::model::{Contribution, ReasonScore};
use crate::pipeline::Scored;
use std::borrow::Cow;
use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

/// Columns of the queue CSV (and of the HTML page's decisions download). `tamis train`
/// and `tamis eval` take their labels from `decision` (and `decision_reasons`, the
/// moderator's corrected reasons) alone; the `tamis_` columns are the model's own calls.
pub const QUEUE_COLUMNS: &[&str] = &[
    "rank",
    "source",
    "id",
    "key",
    "index",
    "parent",
    "depth",
    "author",
    "date",
    "tamis_review",
    "tamis_score",
    "tamis_reasons",
    "tamis_reason_scores",
    "tamis_evidence",
    "text",
    "parent_text",
    "uncertain",
    "decision",
    "decision_reasons",
    "note",
    "model",
    "tamis_rules",
];

/// Columns of `score --format csv`; `contributions` is added with `--explain`. The model's
/// outputs are prefixed `tamis_` so that no reader takes them for human labels.
pub const SCORE_COLUMNS: &[&str] = &[
    "source",
    "id",
    "key",
    "index",
    "parent",
    "depth",
    "author",
    "date",
    "tamis_review",
    "tamis_score",
    "tamis_reasons",
    "tamis_reason_scores",
    "tamis_evidence",
    "text",
    "model",
    "tamis_rules",
];

/// The byte-order mark Excel needs to read a CSV as UTF-8 rather than the local code page.
pub const BOM: &str = "\u{feff}";

/// Prefixes a cell with `'` when a spreadsheet would read it as a formula (it starts with
/// `=`, `+`, `-`, `@`, tab or CR). `tamis train` strips that `'` when reading back.
///
/// Control characters other than tab and line breaks (a NUL, an escape, DEL, C1) are
/// written as visible `\u{..}` escapes: a raw NUL truncates the cell in many readers
/// and an escape sequence would be obeyed by a terminal showing the file.
pub fn neutralize(cell: &str) -> Cow<'_, str> {
    let cell = escape_controls(cell);
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        cell
    }
}

/// True for the chars `escape_controls` rewrites.
fn hidden_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// `s` with every control char but tab and line breaks as a visible `\u{..}` escape
/// (borrowed when there is none, the usual case).
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(hidden_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hidden_control(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Reason names joined with `|`, the form `tamis train` reads in its `reasons` column.
pub fn format_reasons(reasons: &[ReasonScore]) -> String {
    reasons
        .iter()
        .map(|r| r.reason.as_str())
        .collect::<Vec<_>>()
        .join("|")
}

/// Each reason with its probability: `insult:0.9132|hate:0.6010`.
pub fn format_reason_scores(reasons: &[ReasonScore]) -> String {
    reasons
        .iter()
        .map(|r| format!("{}:{:.4}", r.reason, r.score))
        .collect::<Vec<_>>()
        .join("|")
}

/// Every evidence span for a person reading the sheet: `insult: «connard»@10-17; …`.
pub fn format_evidence(reasons: &[ReasonScore]) -> String {
    reasons
        .iter()
        .flat_map(|r| {
            r.evidence
                .iter()
                .map(move |e| format!("{}: «{}»@{}-{}", r.reason, e.text, e.start, e.end))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Contributions as `feature:+0.1234|…` (score CSV with `--explain`).
pub fn format_contributions(contributions: &[Contribution]) -> String {
    contributions
        .iter()
        .map(|c| format!("{}:{:+.4}", c.feature, c.value))
        .collect::<Vec<_>>()
        .join("|")
}

/// A probability as written in CSV: four decimals are plenty to rank and read.
fn prob(p: f32) -> String {
    format!("{p:.4}")
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(T::to_string).unwrap_or_default()
}

/// The raw (not yet neutralised) cells of one queue item, in `QUEUE_COLUMNS` order. The
/// HTML page embeds these same cells so its download matches this file byte for byte.
pub fn queue_row(item: &ReviewItem) -> Vec<String> {
    vec![
        item.rank.to_string(),
        item.source.clone(),
        item.id.clone(),
        item.key.clone(),
        item.index.to_string(),
        opt(&item.parent),
        item.depth.to_string(),
        opt(&item.author),
        opt(&item.date),
        item.review.to_string(),
        prob(item.score),
        format_reasons(&item.reasons),
        format_reason_scores(&item.reasons),
        format_evidence(&item.reasons),
        item.text.clone(),
        opt(&item.parent_text),
        item.uncertain.to_string(),
        item.decision.clone(),
        String::new(),
        item.note.clone(),
        item.model.clone(),
        format_rules(&item.rules),
    ]
}

/// The site rules that fired: `banned «Gontran Bidule» (procès); suspect «mairie»`.
pub fn format_rules(hits: &[crate::rules::RuleHit]) -> String {
    hits.iter()
        .map(|h| {
            let kind = match h.rule {
                crate::rules::RuleKind::Banned => "banned",
                crate::rules::RuleKind::Suspect => "suspect",
                crate::rules::RuleKind::Allowed => "allowed",
            };
            if h.note.is_empty() {
                format!("{kind} «{}»@{}-{}", h.text, h.start, h.end)
            } else {
                format!("{kind} «{}»@{}-{} ({})", h.text, h.start, h.end, h.note)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The raw cells of one score line, in `SCORE_COLUMNS` order (plus contributions).
pub fn score_row(s: &Scored, model: &ModelInfo, explain: bool) -> Vec<String> {
    let r = &s.record;
    let mut row = vec![
        r.source.clone(),
        r.id.clone(),
        r.key.clone(),
        r.index.to_string(),
        opt(&r.parent),
        r.depth.to_string(),
        opt(&r.author),
        opt(&r.date),
        s.score.review.to_string(),
        prob(s.score.score),
        format_reasons(&s.score.reasons),
        format_reason_scores(&s.score.reasons),
        format_evidence(&s.score.reasons),
        r.text.clone(),
        model.checksum.clone(),
        format_rules(&s.score.rules),
    ];
    if explain {
        row.push(format_contributions(&s.score.contributions));
    }
    row
}

/// A CSV writer with RFC 4180 settings (CRLF records, quotes only where needed) that
/// neutralises every cell it writes.
pub struct SafeWriter<W: Write> {
    inner: csv::Writer<W>,
}

impl<W: Write> SafeWriter<W> {
    /// Starts a CSV on `w`, with a BOM first when `excel` is set.
    pub fn new(mut w: W, excel: bool) -> std::io::Result<Self> {
        if excel {
            w.write_all(BOM.as_bytes())?;
        }
        let inner = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(w);
        Ok(SafeWriter { inner })
    }

    /// Writes one record, neutralising each cell.
    pub fn write_row<S: AsRef<str>>(&mut self, cells: &[S]) -> std::io::Result<()> {
        self.inner
            .write_record(cells.iter().map(|c| neutralize(c.as_ref()).into_owned()))
            .map_err(csv_io)
    }

    /// Flushes the buffered records.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The csv crate wraps I/O errors; unwrap them so a broken pipe keeps its kind.
fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

/// Writes the whole queue as CSV.
pub fn write_queue(w: &mut dyn Write, items: &[ReviewItem], excel: bool) -> std::io::Result<()> {
    let mut out = SafeWriter::new(w, excel)?;
    out.write_row(QUEUE_COLUMNS)?;
    for item in items {
        out.write_row(&queue_row(item))?;
    }
    out.flush()
}

/// Reads the keys that already have a decision from a queue CSV filled by a moderator
/// (`--decisions`): rows whose `decision` is not empty. Errors name the file and line.
pub fn read_decisions(path: &Path) -> crate::Result<HashSet<String>> {
    let file = std::fs::File::open(path).map_err(|e| crate::Error::io(path, e))?;
    read_decisions_from(std::io::BufReader::new(file), path)
}

/// `read_decisions` on any reader (`path` only names it in errors).
pub fn read_decisions_from<R: std::io::Read>(r: R, path: &Path) -> crate::Result<HashSet<String>> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(r);
    let row_err = |line: u64, msg: String| crate::Error::row(path, line, msg);
    let headers = rdr
        .headers()
        .map_err(|e| row_err(1, e.to_string()))?
        .clone();
    // Excel saves a BOM in front of the first header; the HTML download may too.
    let find = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}').trim() == name)
    };
    let key_col = find("key").ok_or_else(|| row_err(1, "no `key` column".into()))?;
    let decision_col = find("decision").ok_or_else(|| row_err(1, "no `decision` column".into()))?;
    let mut decided = HashSet::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            row_err(line, e.to_string())
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        let cell = |i: usize| strip_neutralization(rec.get(i).unwrap_or("").trim());
        let decision = cell(decision_col).to_lowercase();
        if decision.is_empty() {
            continue;
        }
        if decision != "keep" && decision != "remove" {
            return Err(row_err(
                line,
                format!("decision `{decision}` is neither `keep` nor `remove`"),
            ));
        }
        let key = cell(key_col);
        if key.is_empty() {
            return Err(row_err(line, "decision without a `key`".into()));
        }
        decided.insert(key.to_string());
    }
    Ok(decided)
}

/// Undoes `neutralize` on a cell read back.
fn strip_neutralization(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{model, scored};
    use super::super::{build_queue, QueueOptions};
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        for (cell, want) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+33 6", "'+33 6"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("a=b", "a=b"),
            ("", ""),
            ("'déjà", "'déjà"),
        ] {
            assert_eq!(neutralize(cell), want, "{cell:?}");
        }
    }

    #[test]
    fn evidence_and_reasons_format() {
        let s = scored(
            "p",
            1,
            None,
            0,
            "Ce connard de Dupont",
            0.9,
            &[("insult", &["connard"]), ("masked_slur", &[])],
        );
        assert_eq!(format_reasons(&s.score.reasons), "insult|masked_slur");
        assert_eq!(format_evidence(&s.score.reasons), "insult: «connard»@3-10");
        assert_eq!(
            format_reason_scores(&s.score.reasons),
            "insult:0.9000|masked_slur:0.9000"
        );
    }

    fn hostile_queue() -> Vec<ReviewItem> {
        let texts = [
            "=1+1",
            "ligne 1\r\nligne \"2\", avec virgule",
            "-moins",
            "@arobase",
            "\tonglet",
            "normal « guillemets »",
        ];
        let s: Vec<_> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| scored("p", i + 1, None, 0, t, 0.9 - i as f32 / 100.0, &[]))
            .collect();
        build_queue(
            &s,
            &QueueOptions {
                all: true,
                ..Default::default()
            },
            &model(),
        )
        .items
    }

    #[test]
    fn queue_csv_round_trip() {
        let items = hostile_queue();
        let mut buf = Vec::new();
        write_queue(&mut buf, &items, false).unwrap();
        let text = String::from_utf8(buf.clone()).unwrap();
        assert!(text.starts_with("rank,source,id,key,"));
        assert!(text.contains("\r\n"));
        let mut rdr = csv::Reader::from_reader(&buf[..]);
        let headers: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(headers, QUEUE_COLUMNS);
        let text_col = headers.iter().position(|h| h == "text").unwrap();
        let got: Vec<String> = rdr
            .records()
            .map(|r| strip_neutralization(&r.unwrap()[text_col]).to_string())
            .collect();
        let want: Vec<String> = items.iter().map(|i| i.text.clone()).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn excel_bom_and_decisions_read_back() {
        let mut items = hostile_queue();
        items[0].decision = "remove".into();
        items[2].decision = "keep".into();
        let mut buf = Vec::new();
        write_queue(&mut buf, &items, true).unwrap();
        assert!(buf.starts_with(BOM.as_bytes()));
        let decided = read_decisions_from(&buf[..], Path::new("d.csv")).unwrap();
        let want: HashSet<String> = [items[0].key.clone(), items[2].key.clone()].into();
        assert_eq!(decided, want);
    }

    #[test]
    fn decisions_errors_name_the_line() {
        let data = "key,decision\nk1,remove\nk2,peut-être\n";
        let err = read_decisions_from(data.as_bytes(), Path::new("d.csv")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "d.csv:3: decision `peut-être` is neither `keep` nor `remove`"
        );
        let err = read_decisions_from("id,text\n".as_bytes(), Path::new("d.csv")).unwrap_err();
        assert_eq!(err.to_string(), "d.csv:1: no `key` column");
    }

    #[test]
    fn score_row_matches_columns() {
        let s = scored("p", 1, Some(3), 1, "x", 0.5, &[]);
        assert_eq!(score_row(&s, &model(), false).len(), SCORE_COLUMNS.len());
        assert_eq!(score_row(&s, &model(), true).len(), SCORE_COLUMNS.len() + 1);
        assert_eq!(
            queue_row(&build_queue(&[s], &QueueOptions::default(), &model()).items[0]).len(),
            QUEUE_COLUMNS.len()
        );
    }
}
