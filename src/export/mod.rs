//! Output side: turns scored comments into what people and programs read — score lines
//! (terminal table, JSONL, CSV) and the ranked review queue (CSV, JSONL, self-contained
//! HTML) — and writes files atomically so a failed run never leaves half an output.

pub mod csv;
pub mod html;
pub mod json;
pub mod table;

use crate::model::{Contribution, ReasonScore};
use crate::pipeline::Scored;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

/// The crate version written into every JSON output.
pub const TAMIS_VERSION: &str = env!("CARGO_PKG_VERSION");

/// How many characters of the parent's text a review item keeps: enough to see what is
/// being answered without turning every row into two comments.
pub const PARENT_TEXT_CHARS: usize = 200;

/// What the outputs record about the model that produced the scores.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    /// The model's checksum (the `model` field of every score).
    pub checksum: String,
    /// The review threshold in force (`--threshold`, else the model's own).
    pub threshold: f32,
}

/// One output format of `tamis queue`, chosen from the `--out` extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueFormat {
    /// Spreadsheet-safe CSV (also what `tamis train` reads back).
    Csv,
    /// One `ReviewItem` object per line.
    Jsonl,
    /// One self-contained HTML page.
    Html,
}

impl QueueFormat {
    /// Picks the format from a file name's extension (case-insensitive); anything other
    /// than `.csv`, `.jsonl` or `.html` is an error naming the file.
    pub fn from_path(path: &Path) -> crate::Result<QueueFormat> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("csv") => Ok(QueueFormat::Csv),
            Some("jsonl") => Ok(QueueFormat::Jsonl),
            Some("html") | Some("htm") => Ok(QueueFormat::Html),
            _ => Err(crate::Error::Params(format!(
                "{}: output must end in .csv, .jsonl or .html",
                path.display()
            ))),
        }
    }
}

/// One entry of the review queue: the score object of DESIGN.md's contract plus its
/// place in the queue and the moderator's (empty) decision and note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewItem {
    /// 1-based position in the queue.
    pub rank: usize,
    /// Source file name.
    pub source: String,
    /// The table's id, else the comment index.
    pub id: String,
    /// Stable key (hash of source and text): how decisions are matched across runs.
    pub key: String,
    /// Comment index (pages) or 1-based row number (tables).
    pub index: usize,
    /// Parent comment index, if a reply.
    pub parent: Option<usize>,
    /// Depth in the thread (0 = top level).
    pub depth: usize,
    /// The model's decision at the threshold in force.
    pub review: bool,
    /// Probability of review.
    pub score: f32,
    /// Reasons with their evidence.
    pub reasons: Vec<ReasonScore>,
    /// The comment text.
    pub text: String,
    /// Checksum of the model that scored it.
    pub model: String,
    /// Author, if known.
    pub author: Option<String>,
    /// Date, if known.
    pub date: Option<String>,
    /// The parent's text, shortened to about `PARENT_TEXT_CHARS` characters.
    pub parent_text: Option<String>,
    /// Added by `--uncertain`: its probability is among the closest to the threshold.
    pub uncertain: bool,
    /// The moderator's decision: empty, `keep` or `remove`.
    pub decision: String,
    /// The moderator's note.
    pub note: String,
    /// The review threshold in force when the queue was built.
    pub threshold: f32,
    /// Version of tamis that built the queue.
    pub tamis_version: String,
    /// The site rules that fired (`--rules`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<crate::rules::RuleHit>,
}

/// What goes into the queue besides the comments under review.
#[derive(Debug, Clone, Default)]
pub struct QueueOptions {
    /// Queue every comment, not only those under review (`--all`).
    pub all: bool,
    /// Add this many not-yet-queued comments closest to the threshold (`--uncertain`).
    pub uncertain: usize,
    /// Keys that already have a decision (`--decisions`): left out entirely.
    pub decided: HashSet<String>,
}

/// A ranked queue and the counts for the summary line.
#[derive(Debug, Clone, Default)]
pub struct Queue {
    /// The items, rank 1 first.
    pub items: Vec<ReviewItem>,
    /// Items under review (or all, with `--all`) before the uncertain ones were added.
    pub selected: usize,
    /// Items added by `--uncertain`.
    pub uncertain: usize,
    /// Comments left out because they already had a decision.
    pub already_decided: usize,
    /// Comments carrying each reason, over every scored comment, in `REASONS` order.
    pub flagged: Vec<(String, usize)>,
}

/// Severity of a reason for ranking: a site's banned word > threat > hate > accusation
/// (and a site's suspect word) > insult > masked_slur; an unknown reason ranks below all.
pub fn severity(reason: &str) -> u8 {
    match reason {
        // The site's own banned words come first; its suspect words rank like an
        // accusation.
        crate::rules::BANNED_REASON => 6,
        crate::rules::SUSPECT_REASON => 3,
        "threat" => 5,
        "hate" => 4,
        "accusation" => 3,
        "insult" => 2,
        "masked_slur" => 1,
        _ => 0,
    }
}

/// The most severe reason a comment carries (0 when it has none).
fn max_severity(reasons: &[ReasonScore]) -> u8 {
    reasons
        .iter()
        .map(|r| severity(&r.reason))
        .max()
        .unwrap_or(0)
}

/// How urgently a comment needs a moderator: its calibrated review probability times a
/// factor for the most severe reason it carries, `0.5 + 0.1 × severity` (threat 1.0,
/// hate 0.9, accusation 0.8, insult 0.7, masked slur 0.6, none 0.5). At equal
/// confidence a threat therefore always outranks an insult, and a near-certain insult
/// (0.99 × 0.7 = 0.69) still outranks a doubtful threat (0.6 × 1.0 = 0.60).
pub fn danger(score: &crate::model::Score) -> f32 {
    score.score * (0.5 + 0.1 * f32::from(max_severity(&score.reasons)))
}

/// Queue order of two scored comments given their input positions: danger descending,
/// then probability, then severity, then input order. `total_cmp` keeps the order total
/// even if a model ever produced NaN.
fn priority(a: (&Scored, usize), b: (&Scored, usize)) -> Ordering {
    danger(&b.0.score)
        .total_cmp(&danger(&a.0.score))
        .then_with(|| b.0.score.score.total_cmp(&a.0.score.score))
        .then_with(|| max_severity(&b.0.score.reasons).cmp(&max_severity(&a.0.score.reasons)))
        .then_with(|| a.1.cmp(&b.1))
}

/// `n` and the noun, singular or plural: `1 comment`, `0 comments`, `2 comments`.
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// A probability with the resolution it needs to be told apart near certainty, the
/// French way: `0,42`, `0,994`, `0,9996`, and never `1,00` for what is not 1.
pub fn display_prob(p: f32) -> String {
    let s = if p >= 0.9999 {
        return if p >= 1.0 {
            "1".into()
        } else {
            "> 0,9999".into()
        };
    } else if p >= 0.999 {
        format!("{p:.4}")
    } else if p >= 0.99 {
        format!("{p:.3}")
    } else {
        format!("{p:.2}")
    };
    s.replace('.', ",")
}

/// Builds the ranked review queue from every scored comment (in input order).
pub fn build_queue(scored: &[Scored], opts: &QueueOptions, model: &ModelInfo) -> Queue {
    let mut already_decided = 0;
    let mut selected = Vec::new();
    let mut rest = Vec::new();
    for (i, s) in scored.iter().enumerate() {
        if opts.decided.contains(&s.record.key) {
            already_decided += 1;
        } else if opts.all
            || s.score.review
            || s.score
                .reasons
                .iter()
                .any(|r| r.reason == crate::rules::SUSPECT_REASON)
        {
            selected.push(i);
        } else {
            rest.push(i);
        }
    }
    let n_selected = selected.len();

    // The comments the model is least sure about are the most useful to label next:
    // closest to the threshold first, input order breaking ties so runs are repeatable.
    let distance = |i: usize| (scored[i].score.score - model.threshold).abs();
    rest.sort_by(|&a, &b| distance(a).total_cmp(&distance(b)).then(a.cmp(&b)));
    rest.truncate(opts.uncertain);
    let uncertain: HashSet<usize> = rest.iter().copied().collect();
    selected.extend(rest);

    selected.sort_by(|&a, &b| priority((&scored[a], a), (&scored[b], b)));
    let items = selected
        .iter()
        .enumerate()
        .map(|(r, &i)| review_item(&scored[i], r + 1, uncertain.contains(&i), model))
        .collect();

    Queue {
        items,
        selected: n_selected,
        uncertain: uncertain.len(),
        already_decided,
        flagged: count_reasons(scored),
    }
}

/// How many comments carry each reason: the `REASONS` first, in their order, so the
/// summary always reads the same; any other reason a model reports after them.
fn count_reasons(scored: &[Scored]) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = crate::features::REASONS
        .iter()
        .map(|r| (r.to_string(), 0))
        .collect();
    for s in scored {
        // A reason listed twice on one comment still counts that comment once.
        let mut seen = HashSet::new();
        for r in &s.score.reasons {
            if !seen.insert(r.reason.as_str()) {
                continue;
            }
            match counts.iter_mut().find(|(name, _)| *name == r.reason) {
                Some(c) => c.1 += 1,
                None => counts.push((r.reason.clone(), 1)),
            }
        }
    }
    counts
}

/// Turns one scored comment into a queue entry.
pub fn review_item(s: &Scored, rank: usize, uncertain: bool, model: &ModelInfo) -> ReviewItem {
    let r = &s.record;
    ReviewItem {
        rank,
        source: r.source.clone(),
        id: r.id.clone(),
        key: r.key.clone(),
        index: r.index,
        parent: r.parent,
        depth: r.depth,
        review: s.score.review,
        score: s.score.score,
        reasons: s.score.reasons.clone(),
        text: r.text.clone(),
        model: model.checksum.clone(),
        author: r.author.clone(),
        date: r.date.clone(),
        parent_text: s
            .parent_text
            .as_deref()
            .map(|t| shorten(t, PARENT_TEXT_CHARS)),
        uncertain,
        decision: String::new(),
        note: String::new(),
        threshold: model.threshold,
        tamis_version: TAMIS_VERSION.to_string(),
        rules: s.score.rules.clone(),
    }
}

/// The score object of DESIGN.md's `score --format jsonl` contract, borrowed from a
/// scored comment. Contract fields come first and keep their names; `author`, `date`,
/// `threshold`, `tamis_version` and (with `--explain`) `contributions` are additions.
#[derive(Debug, Serialize)]
pub struct ScoreLine<'a> {
    /// Source file name.
    pub source: &'a str,
    /// The table's id, else the comment index.
    pub id: &'a str,
    /// Stable key.
    pub key: &'a str,
    /// Comment index or 1-based row number.
    pub index: usize,
    /// Parent comment index (null for tables).
    pub parent: Option<usize>,
    /// Depth (0 for tables).
    pub depth: usize,
    /// Decision at the threshold in force.
    pub review: bool,
    /// Probability of review.
    pub score: f32,
    /// Reasons with evidence.
    pub reasons: &'a [ReasonScore],
    /// The comment text.
    pub text: &'a str,
    /// The model's checksum.
    pub model: &'a str,
    /// Author, if known.
    pub author: Option<&'a str>,
    /// Date, if known.
    pub date: Option<&'a str>,
    /// Review threshold in force.
    pub threshold: f32,
    /// Version of tamis.
    pub tamis_version: &'static str,
    /// Per-feature contributions (`--explain` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contributions: Option<&'a [Contribution]>,
    /// `--explain` only, for a review no reason reaches: its most likely reason, below
    /// that reason's own threshold (never listed in `reasons`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub below_threshold: Option<&'a [ReasonScore]>,
    /// The site rules that fired (`--rules`), absent when none did.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub rules: &'a [crate::rules::RuleHit],
    /// Present (true) only when the text is longer than `features::MAX_COMMENT_BYTES`
    /// and its features were computed on windows.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub long: bool,
}

impl<'a> ScoreLine<'a> {
    /// Borrows the fields of one scored comment.
    pub fn new(s: &'a Scored, model: &'a ModelInfo, explain: bool) -> Self {
        let r = &s.record;
        ScoreLine {
            source: &r.source,
            id: &r.id,
            key: &r.key,
            index: r.index,
            parent: r.parent,
            depth: r.depth,
            review: s.score.review,
            score: s.score.score,
            reasons: &s.score.reasons,
            text: &r.text,
            model: &model.checksum,
            author: r.author.as_deref(),
            date: r.date.as_deref(),
            threshold: model.threshold,
            tamis_version: TAMIS_VERSION,
            contributions: explain.then_some(s.score.contributions.as_slice()),
            below_threshold: (explain && !s.score.below_threshold.is_empty())
                .then_some(s.score.below_threshold.as_slice()),
            rules: &s.score.rules,
            long: crate::features::is_long(&r.text),
        }
    }
}

/// A run of a comment's text and the reasons whose evidence covers it (empty when the
/// run is plain text). Used to mark evidence in the table and the HTML page.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment<'a> {
    /// The run of text.
    pub text: &'a str,
    /// Its start byte offset in the comment.
    pub start: usize,
    /// Reasons covering it, in the order they are listed on the score, without repeats.
    pub reasons: Vec<&'a str>,
}

/// Splits `text` into runs at every evidence boundary. Spans that do not fit the text
/// (past its end, empty, or not on a character boundary) are ignored rather than
/// trusted: a bad span must never panic or slice a character in two.
pub fn segments<'a>(text: &'a str, reasons: &'a [ReasonScore]) -> Vec<Segment<'a>> {
    let spans: Vec<(usize, usize, &str)> = reasons
        .iter()
        .flat_map(|r| {
            r.evidence
                .iter()
                .map(move |e| (e.start, e.end, r.reason.as_str()))
        })
        .filter(|&(s, e, _)| {
            s < e && e <= text.len() && text.is_char_boundary(s) && text.is_char_boundary(e)
        })
        .collect();
    let mut cuts: Vec<usize> = vec![0, text.len()];
    cuts.extend(spans.iter().flat_map(|&(s, e, _)| [s, e]));
    cuts.sort_unstable();
    cuts.dedup();

    // A sweep over the cuts: spans open at their start and close at their end, so each
    // span is touched twice whatever the number of spans (a comment with thousands of
    // insults has thousands of evidence spans). A piece's reasons are those of the
    // spans open over it, each listed once, in the order of its first open span in
    // `spans` (the order a scan of every span would give).
    let mut opens: Vec<usize> = (0..spans.len()).collect();
    opens.sort_by_key(|&i| spans[i].0);
    let mut closes: Vec<usize> = (0..spans.len()).collect();
    closes.sort_by_key(|&i| spans[i].1);
    let (mut next_open, mut next_close) = (0, 0);
    // The open spans of each reason, by their index in `spans`.
    let mut open: Vec<(&str, std::collections::BTreeSet<usize>)> = Vec::new();
    let mut out: Vec<Segment<'a>> = Vec::new();
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        while next_close < closes.len() && spans[closes[next_close]].1 <= a {
            let i = closes[next_close];
            if let Some((_, set)) = open.iter_mut().find(|(r, _)| *r == spans[i].2) {
                set.remove(&i);
            }
            next_close += 1;
        }
        while next_open < opens.len() && spans[opens[next_open]].0 <= a {
            let i = opens[next_open];
            // A span that ends at or before `a` is already over (never for s < e).
            if spans[i].1 > a {
                match open.iter_mut().find(|(r, _)| *r == spans[i].2) {
                    Some((_, set)) => {
                        set.insert(i);
                    }
                    None => open.push((spans[i].2, std::iter::once(i).collect())),
                }
            }
            next_open += 1;
        }
        let mut cover: Vec<(usize, &str)> = open
            .iter()
            .filter_map(|(r, set)| set.first().map(|&i| (i, *r)))
            .collect();
        cover.sort_unstable();
        let covering: Vec<&str> = cover.into_iter().map(|(_, r)| r).collect();
        // Merge neighbours with the same cover so one evidence word is one mark.
        match out.last_mut() {
            Some(last) if last.reasons == covering => {
                last.text = &text[last.start..b];
            }
            _ => out.push(Segment {
                text: &text[a..b],
                start: a,
                reasons: covering,
            }),
        }
    }
    if out.is_empty() {
        out.push(Segment {
            text,
            start: 0,
            reasons: Vec::new(),
        });
    }
    out
}

/// Shortens `text` to at most `max` characters (plus `…`), cutting at a word boundary
/// when one is near, so a long parent comment stays readable in one cell.
pub fn shorten(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut = text.char_indices().nth(max).map_or(text.len(), |(i, _)| i);
    let head = &text[..cut];
    // Prefer the last space in the final fifth; a word cut in half reads worse than a
    // slightly shorter excerpt, but a very long "word" (a URL) must still be cut.
    let floor = head.char_indices().nth(max * 4 / 5).map_or(0, |(i, _)| i);
    let end = match head.rfind(char::is_whitespace) {
        Some(i) if i >= floor => i,
        _ => cut,
    };
    format!("{}…", head[..end].trim_end())
}

/// Writes `path` atomically: `write` fills a temporary file in the same directory, which
/// then replaces `path` with one rename. If `write` fails (or the process dies) the old
/// file, if any, is left untouched and the temporary file is removed.
pub fn write_atomic<F>(path: &Path, write: F) -> crate::Result<()>
where
    F: FnOnce(&mut dyn Write) -> crate::Result<()>,
{
    let io = |e: std::io::Error| crate::Error::io(path, e);
    // Same directory, so the final rename never crosses file systems.
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".tamis-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io)?;
    {
        let mut w = std::io::BufWriter::new(tmp.as_file_mut());
        write(&mut w)?;
        w.flush().map_err(io)?;
    }
    // tempfile creates files readable by the owner only; an output replacing an existing
    // file keeps that file's permissions, a new one gets the usual 0644.
    let perms = match std::fs::metadata(path) {
        Ok(m) => m.permissions(),
        Err(_) => default_permissions(),
    };
    tmp.as_file().set_permissions(perms).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

#[cfg(unix)]
fn default_permissions() -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    std::fs::Permissions::from_mode(0o644)
}

#[cfg(not(unix))]
fn default_permissions() -> std::fs::Permissions {
    // Elsewhere a fresh temporary file already has ordinary permissions.
    tempfile::tempfile()
        .and_then(|f| f.metadata())
        .map(|m| m.permissions())
        .expect("temporary file metadata")
}

/// Hand-built scored comments for the export unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use crate::model::{EvidenceSpan, ReasonScore, Score};
    use crate::pipeline::{Record, Scored};

    /// A reason whose evidence is every occurrence of `words` in `text`.
    pub fn reason(text: &str, name: &str, score: f32, words: &[&str]) -> ReasonScore {
        let evidence = words
            .iter()
            .flat_map(|w| {
                text.match_indices(w).map(|(i, m)| EvidenceSpan {
                    text: m.to_string(),
                    start: i,
                    end: i + m.len(),
                })
            })
            .collect();
        ReasonScore {
            reason: name.into(),
            score,
            evidence,
        }
    }

    /// One scored comment of `source`; reasons are `(name, evidence words)`.
    pub fn scored(
        source: &str,
        index: usize,
        parent: Option<usize>,
        depth: usize,
        text: &str,
        score: f32,
        reasons: &[(&str, &[&str])],
    ) -> Scored {
        Scored {
            record: Record {
                source: source.into(),
                id: index.to_string(),
                key: format!("k-{source}-{index}"),
                index,
                parent,
                depth,
                author: Some(format!("Auteur {index}")),
                date: Some("2025-08-12T14:03:00".into()),
                text: text.into(),
            },
            score: Score {
                review: score >= 0.5,
                score,
                reasons: reasons
                    .iter()
                    .map(|(r, w)| reason(text, r, score, w))
                    .collect(),
                contributions: vec![],
                reason_scores: [0.0; 5],
                below_threshold: vec![],
                rules: vec![],
            },
            parent_text: parent.map(|p| format!("Texte du commentaire {p}")),
        }
    }

    /// The model info used in tests.
    pub fn model() -> super::ModelInfo {
        super::ModelInfo {
            checksum: "abc123".into(),
            threshold: 0.5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{model, scored};
    use super::*;

    fn ranks(q: &Queue) -> Vec<usize> {
        q.items.iter().map(|i| i.index).collect()
    }

    #[test]
    fn ranking_is_danger_then_probability_then_input_order() {
        let s = vec![
            scored("p", 1, None, 0, "a", 0.7, &[("insult", &[])]),
            scored("p", 2, None, 0, "b", 0.9, &[("masked_slur", &[])]),
            scored("p", 3, None, 0, "c", 0.7, &[("threat", &[])]),
            scored("p", 4, None, 0, "d", 0.7, &[("insult", &[])]),
            scored("p", 5, None, 0, "e", 0.2, &[]),
            scored("p", 6, None, 0, "f", 0.7, &[("hate", &[]), ("insult", &[])]),
        ];
        let q = build_queue(&s, &QueueOptions::default(), &model());
        // Danger: 3 threat 0.7 × 1.0 = 0.70; 6 hate 0.7 × 0.9 = 0.63; 2 masked slur
        // 0.9 × 0.6 = 0.54; 1 and 4 insult 0.7 × 0.7 = 0.49, in input order.
        assert_eq!(ranks(&q), vec![3, 6, 2, 1, 4]);
        assert_eq!(
            q.items.iter().map(|i| i.rank).collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 5]
        );
        assert_eq!(q.selected, 5);
    }

    #[test]
    fn every_threat_outranks_every_insult_at_equal_confidence() {
        let mut s = Vec::new();
        let mut i = 0;
        for p in [0.45, 0.6, 0.8, 0.95, 0.999, 1.0] {
            for reasons in [
                &[("insult", &[][..])][..],
                &[("threat", &[])],
                &[("masked_slur", &[]), ("insult", &[])],
            ] {
                i += 1;
                s.push(scored("p", i, None, 0, "t", p, reasons));
            }
        }
        let q = build_queue(
            &s,
            &QueueOptions {
                all: true,
                ..Default::default()
            },
            &model(),
        );
        let rank = |idx: usize| q.items.iter().position(|it| it.index == idx).unwrap();
        for a in &s {
            for b in &s {
                let threat = |x: &Scored| x.score.reasons.iter().any(|r| r.reason == "threat");
                if threat(a) && !threat(b) && a.score.score >= b.score.score {
                    assert!(
                        rank(a.record.index) < rank(b.record.index),
                        "{} vs {}",
                        a.record.index,
                        b.record.index
                    );
                }
            }
        }
    }

    #[test]
    fn probabilities_near_certainty_keep_their_resolution() {
        assert_eq!(display_prob(0.4249), "0,42");
        assert_eq!(display_prob(0.9941), "0,994");
        assert_eq!(display_prob(0.99962), "0,9996");
        assert_eq!(display_prob(0.99999), "> 0,9999");
        assert_eq!(display_prob(1.0), "1");
        assert_ne!(display_prob(0.998), display_prob(0.9995));
    }

    #[test]
    fn all_queues_every_comment_once() {
        let s: Vec<_> = (1..=20)
            .map(|i| scored("p", i, None, 0, "t", (i as f32) / 21.0, &[]))
            .collect();
        let q = build_queue(
            &s,
            &QueueOptions {
                all: true,
                ..Default::default()
            },
            &model(),
        );
        let mut idx = ranks(&q);
        assert_eq!(idx[0], 20);
        idx.sort_unstable();
        assert_eq!(idx, (1..=20).collect::<Vec<_>>());
    }

    #[test]
    fn uncertain_adds_the_closest_to_threshold_not_already_queued() {
        let scores = [0.95, 0.49, 0.1, 0.45, 0.51, 0.3, 0.55];
        let s: Vec<_> = scores
            .iter()
            .enumerate()
            .map(|(i, &p)| scored("p", i + 1, None, 0, "t", p, &[]))
            .collect();
        let q = build_queue(
            &s,
            &QueueOptions {
                uncertain: 2,
                ..Default::default()
            },
            &model(),
        );
        // Under review: 1, 5, 7. Closest below the threshold: 2 (0.49), 4 (0.45).
        assert_eq!(ranks(&q), vec![1, 7, 5, 2, 4]);
        let unc: Vec<_> = q
            .items
            .iter()
            .filter(|i| i.uncertain)
            .map(|i| i.index)
            .collect();
        assert_eq!(unc, vec![2, 4]);
        assert_eq!((q.selected, q.uncertain), (3, 2));
    }

    #[test]
    fn uncertain_ties_break_by_input_order_and_never_exceed_the_rest() {
        let s: Vec<_> = (1..=3)
            .map(|i| scored("p", i, None, 0, "t", 0.4, &[]))
            .collect();
        let q = build_queue(
            &s,
            &QueueOptions {
                uncertain: 2,
                ..Default::default()
            },
            &model(),
        );
        assert_eq!(ranks(&q), vec![1, 2]);
        let q = build_queue(
            &s,
            &QueueOptions {
                uncertain: 10,
                ..Default::default()
            },
            &model(),
        );
        assert_eq!(ranks(&q), vec![1, 2, 3]);
    }

    #[test]
    fn decided_keys_are_left_out_even_from_uncertain() {
        let s = vec![
            scored("p", 1, None, 0, "a", 0.9, &[]),
            scored("p", 2, None, 0, "b", 0.8, &[]),
            scored("p", 3, None, 0, "c", 0.45, &[]),
        ];
        let decided = ["k-p-1".to_string(), "k-p-3".to_string()].into();
        let q = build_queue(
            &s,
            &QueueOptions {
                uncertain: 5,
                decided,
                ..Default::default()
            },
            &model(),
        );
        assert_eq!(ranks(&q), vec![2]);
        assert_eq!(q.already_decided, 2);
    }

    #[test]
    fn flagged_counts_follow_reasons_order() {
        let s = vec![
            scored(
                "p",
                1,
                None,
                0,
                "a",
                0.9,
                &[("threat", &[]), ("insult", &[])],
            ),
            scored("p", 2, None, 0, "b", 0.8, &[("insult", &[])]),
        ];
        let q = build_queue(&s, &QueueOptions::default(), &model());
        assert_eq!(
            q.flagged,
            vec![
                ("insult".into(), 2),
                ("masked_slur".into(), 0),
                ("accusation".into(), 0),
                ("hate".into(), 0),
                ("threat".into(), 1)
            ]
        );
    }

    #[test]
    fn review_item_shortens_parent_text() {
        let mut s = scored("p", 2, Some(1), 1, "b", 0.9, &[]);
        s.parent_text = Some("mot ".repeat(100));
        let item = review_item(&s, 1, false, &model());
        let p = item.parent_text.unwrap();
        assert!(p.chars().count() <= PARENT_TEXT_CHARS + 1, "{p}");
        assert!(p.ends_with("mot…"), "{p}");
        assert_eq!(item.decision, "");
        assert_eq!(item.model, "abc123");
    }

    #[test]
    fn shorten_keeps_short_text_and_cuts_long_words() {
        assert_eq!(shorten("  court  ", 10), "court");
        assert_eq!(shorten(&"é".repeat(30), 10), format!("{}…", "é".repeat(10)));
    }

    /// The cover of every piece by a scan of every span, the plain reading of what
    /// `segments` computes with its sweep.
    fn segments_by_scan<'a>(
        text: &'a str,
        spans: &[(usize, usize, &'a str)],
    ) -> Vec<(usize, usize, Vec<&'a str>)> {
        let mut cuts: Vec<usize> = vec![0, text.len()];
        cuts.extend(spans.iter().flat_map(|&(s, e, _)| [s, e]));
        cuts.sort_unstable();
        cuts.dedup();
        let mut out: Vec<(usize, usize, Vec<&str>)> = Vec::new();
        for w in cuts.windows(2) {
            let (a, b) = (w[0], w[1]);
            let mut covering: Vec<&str> = Vec::new();
            for &(s, e, r) in spans {
                if s <= a && b <= e && !covering.contains(&r) {
                    covering.push(r);
                }
            }
            match out.last_mut() {
                Some(last) if last.2 == covering => last.1 = b,
                _ => out.push((a, b, covering)),
            }
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn segments_sweep_equals_a_scan_of_every_span(
            raw in proptest::collection::vec((0usize..40, 1usize..12, 0usize..3), 0..30)
        ) {
            let text = "abcdefghijklmnopqrstuvwxyzabcdefghijklmn";
            let names = ["insult", "threat", "hate"];
            let mut reasons: Vec<ReasonScore> = names
                .iter()
                .map(|n| ReasonScore { reason: n.to_string(), score: 0.9, evidence: Vec::new() })
                .collect();
            for &(s, len, r) in &raw {
                let e = (s + len).min(text.len());
                if s < e {
                    reasons[r].evidence.push(crate::model::EvidenceSpan { text: text[s..e].into(), start: s, end: e });
                }
            }
            let spans: Vec<(usize, usize, &str)> = reasons
                .iter()
                .flat_map(|r| r.evidence.iter().map(move |e| (e.start, e.end, r.reason.as_str())))
                .collect();
            let want = segments_by_scan(text, &spans);
            let got: Vec<(usize, usize, Vec<&str>)> = segments(text, &reasons)
                .into_iter()
                .map(|g| (g.start, g.start + g.text.len(), g.reasons))
                .collect();
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn segments_mark_overlapping_evidence_and_skip_bad_spans() {
        let s = scored(
            "p",
            1,
            None,
            0,
            "Espèce de gros connard, je vais te tuer",
            0.9,
            &[
                ("insult", &["gros connard"]),
                ("threat", &["connard, je vais te tuer"]),
            ],
        );
        let mut reasons = s.score.reasons.clone();
        // Spans that would panic if trusted: past the end, inside a character.
        reasons[0].evidence.push(crate::model::EvidenceSpan {
            text: "x".into(),
            start: 3,
            end: 4,
        });
        reasons[0].evidence.push(crate::model::EvidenceSpan {
            text: "x".into(),
            start: 30,
            end: 400,
        });
        let segs = segments(&s.record.text, &reasons);
        let got: Vec<_> = segs.iter().map(|g| (g.text, g.reasons.clone())).collect();
        assert_eq!(
            got,
            vec![
                ("Espèce de ", vec![]),
                ("gros ", vec!["insult"]),
                ("connard", vec!["insult", "threat"]),
                (", je vais te tuer", vec!["threat"]),
            ]
        );
        let joined: String = segs.iter().map(|g| g.text).collect();
        assert_eq!(joined, s.record.text);
    }

    #[test]
    fn segments_of_empty_text() {
        assert_eq!(segments("", &[]).len(), 1);
    }

    #[test]
    fn queue_format_from_extension() {
        assert_eq!(
            QueueFormat::from_path(Path::new("a/b.HTML")).unwrap(),
            QueueFormat::Html
        );
        assert_eq!(
            QueueFormat::from_path(Path::new("q.jsonl")).unwrap(),
            QueueFormat::Jsonl
        );
        assert!(QueueFormat::from_path(Path::new("q.txt")).is_err());
        assert!(QueueFormat::from_path(Path::new("q")).is_err());
    }

    #[test]
    fn write_atomic_replaces_or_leaves_intact() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.csv");
        std::fs::write(&p, "old").unwrap();
        let err = write_atomic(&p, |w| {
            w.write_all(b"half").map_err(|e| crate::Error::io("x", e))?;
            Err(crate::Error::Other("boom".into()))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old");
        write_atomic(&p, |w| {
            w.write_all(b"new").map_err(|e| crate::Error::io("x", e))
        })
        .unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        // No temporary file is left behind either way.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.csv")]);
    }
}
