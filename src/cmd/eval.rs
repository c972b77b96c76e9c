//! `tamis eval`: scores labelled tables with a model (replies in their thread context)
//! and prints, for `review` and each reason, precision, recall, F1, ROC-AUC, the
//! confusion matrix and the threshold used.

use super::common::{ModelArgs, TableArgs};
use std::io::Write;
use tamis::features::REASONS;
use tamis::model::Metrics;
use tamis::pipeline::{rows_to_items, score_items, ScoreOptions};
use tamis::train::{confusion_metrics, roc_auc};

/// Evaluate a model on labelled tables.
///
/// Examples:
///   tamis eval tests/functional/cases.csv --by functionality
///   tamis eval queue_filled.csv --model models/site.json --format json
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Labelled tables.
    #[arg(required = true)]
    pub inputs: Vec<String>,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Overrides the review threshold.
    #[arg(long)]
    pub threshold: Option<f32>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Also report accuracy per value of this column (e.g. `functionality` in the
    /// functional test suite).
    #[arg(long, value_name = "COLUMN")]
    pub by: Option<String>,
    /// With `--by`: a CSV `group,floor` of minimum review accuracies; any group below its
    /// floor is named and the command exits 1.
    #[arg(long, requires = "by")]
    pub floors: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub table: TableArgs,
}

/// Output formats.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// A table for people.
    Text,
    /// One JSON object.
    Json,
}

/// Runs `tamis eval`.
pub fn run(args: Args) -> tamis::Result<()> {
    if let Some(t) = args.threshold {
        if !(0.0..=1.0).contains(&t) {
            return Err(tamis::Error::Params(format!(
                "threshold {t} is outside 0..=1"
            )));
        }
    }
    let model = args.model.load()?;
    let mut opts = args.table.options(true);
    opts.group_column = args.by.clone();
    let rows = tamis::pipeline::read_labelled(&args.inputs, &opts)?;
    let counts = tamis::pipeline::LabelCounts::of(rows.iter().map(|(_, r)| r));
    let rows: Vec<_> = rows
        .into_iter()
        .map(|(_, r)| r)
        .filter(|r| r.review.is_some())
        .collect();
    let items = rows_to_items(&rows);
    let scores = score_items(
        &items,
        &model,
        &ScoreOptions {
            threshold: args.threshold,
            explain: false,
            rules: args.model.rules()?,
        },
    );
    let threshold = args.threshold.unwrap_or(model.threshold());
    let mut results: Vec<(String, Metrics, usize)> = Vec::new();
    // review
    let y: Vec<bool> = rows.iter().map(|r| r.review == Some(true)).collect();
    let p: Vec<f32> = scores.iter().map(|s| s.score).collect();
    let pred: Vec<bool> = scores.iter().map(|s| s.review).collect();
    results.push((
        "review".into(),
        confusion(&pred, &y, roc_auc(&p, &y), threshold),
        y.len(),
    ));
    for (k, reason) in REASONS.iter().enumerate() {
        // Rows flagged without reasons say nothing about each reason.
        let idx: Vec<usize> = (0..rows.len())
            .filter(|&i| !(rows[i].review == Some(true) && rows[i].reasons.is_empty()))
            .collect();
        let y: Vec<bool> = idx
            .iter()
            .map(|&i| rows[i].reasons.iter().any(|r| r == reason))
            .collect();
        let p: Vec<f32> = idx.iter().map(|&i| scores[i].reason_scores[k]).collect();
        let pred: Vec<bool> = idx
            .iter()
            .map(|&i| scores[i].reasons.iter().any(|r| r.reason == *reason))
            .collect();
        let t = model.file().labels[k + 1].threshold;
        results.push((
            reason.to_string(),
            confusion(&pred, &y, roc_auc(&p, &y), t),
            y.len(),
        ));
    }
    if let Some(by) = &args.by {
        if rows.iter().all(|r| r.group.is_none()) {
            return Err(tamis::Error::Other(format!(
                "no input has a column {by:?} to group by"
            )));
        }
    }
    let groups = args.by.as_ref().map(|_| by_group(&rows, &scores));
    let floors = match &args.floors {
        Some(p) => read_floors(p)?,
        None => Vec::new(),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let io = |e| tamis::Error::io("-", e);
    match args.format {
        Format::Json => {
            let labels: Vec<serde_json::Value> = results
                .iter()
                .map(|(name, m, n)| {
                    serde_json::json!({
                        "label": name, "rows": n, "precision": m.precision, "recall": m.recall,
                        "f1": m.f1, "macro_f1": macro_f1(m), "roc_auc": m.roc_auc, "threshold": m.threshold,
                        "confusion": {"tp": m.tp, "fp": m.fp, "fn": m.fn_, "tn": m.tn}
                    })
                })
                .collect();
            let v = serde_json::json!({
                "tamis_version": env!("CARGO_PKG_VERSION"),
                "model": model.checksum(),
                "rows": rows.len(),
                "from_decisions": counts.decisions,
                "overrides": counts.overrides,
                "from_labels": counts.labels,
                "skipped": counts.skipped,
                "labels": labels,
                "groups": groups.as_ref().map(|g| g.iter().map(|x| serde_json::json!({
                    "group": x.name, "rows": x.rows, "accuracy": x.accuracy(),
                    "reason_accuracy": x.reason_accuracy(),
                })).collect::<Vec<_>>()),
            });
            writeln!(out, "{v}").map_err(io)?;
        }
        Format::Text => {
            writeln!(out, "{}, model {}", counts.describe(), model.checksum()).map_err(io)?;
            writeln!(out, "label        rows  precision recall  f1     macro_f1 roc_auc threshold   tp    fp    fn    tn").map_err(io)?;
            for (name, m, n) in &results {
                writeln!(
                    out,
                    "{name:<12} {n:<5} {:<9.3} {:<7.3} {:<6.3} {:<8.3} {:<7.3} {:<10.3} {:<5} {:<5} {:<5} {:<5}",
                    m.precision, m.recall, m.f1, macro_f1(m), m.roc_auc, m.threshold, m.tp, m.fp, m.fn_, m.tn
                )
                .map_err(io)?;
            }
            if let (Some(g), Some(by)) = (&groups, &args.by) {
                writeln!(out).map_err(io)?;
                writeln!(
                    out,
                    "{:<40} {:>5} {:>9} {:>9}",
                    by, "rows", "accuracy", "reasons"
                )
                .map_err(io)?;
                for x in g {
                    let r = x
                        .reason_accuracy()
                        .map_or_else(|| "-".to_string(), |v| format!("{v:.3}"));
                    writeln!(
                        out,
                        "{:<40} {:>5} {:>9.3} {:>9}",
                        x.name,
                        x.rows,
                        x.accuracy(),
                        r
                    )
                    .map_err(io)?;
                }
                let n: usize = g.iter().map(|x| x.rows).sum();
                let ok: usize = g.iter().map(|x| x.correct).sum();
                let mean = g.iter().map(Group::accuracy).sum::<f32>() / g.len().max(1) as f32;
                writeln!(
                    out,
                    "{:<40} {:>5} {:>9.3}   (mean over {} groups {:.3})",
                    "all",
                    n,
                    ok as f32 / n.max(1) as f32,
                    g.len(),
                    mean
                )
                .map_err(io)?;
            }
        }
    }
    out.flush().map_err(io)?;
    drop(out);
    if let Some(g) = &groups {
        let below: Vec<String> = floors
            .iter()
            .filter_map(|(name, floor)| {
                let acc = g
                    .iter()
                    .find(|x| &x.name == name)
                    .map_or(0.0, Group::accuracy);
                (acc < *floor).then(|| format!("{name} {acc:.3} < {floor:.3}"))
            })
            .collect();
        if !below.is_empty() {
            return Err(tamis::Error::Other(format!(
                "{} group(s) below their floor: {}",
                below.len(),
                below.join(", ")
            )));
        }
    }
    Ok(())
}

/// Accuracy of one group of rows (`--by`).
struct Group {
    name: String,
    rows: usize,
    /// Rows whose review decision matches the label.
    correct: usize,
    /// Flagged rows with expected reasons, and those where every expected reason is
    /// among the predicted ones.
    with_reasons: usize,
    reasons_ok: usize,
}

impl Group {
    fn accuracy(&self) -> f32 {
        self.correct as f32 / self.rows.max(1) as f32
    }
    fn reason_accuracy(&self) -> Option<f32> {
        (self.with_reasons > 0).then(|| self.reasons_ok as f32 / self.with_reasons as f32)
    }
}

/// Groups rows by their `--by` value, in order of first appearance.
fn by_group(rows: &[tamis::pipeline::Row], scores: &[tamis::model::Score]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for (r, s) in rows.iter().zip(scores) {
        let name = r.group.clone().unwrap_or_default();
        let i = match groups.iter().position(|g| g.name == name) {
            Some(i) => i,
            None => {
                groups.push(Group {
                    name,
                    rows: 0,
                    correct: 0,
                    with_reasons: 0,
                    reasons_ok: 0,
                });
                groups.len() - 1
            }
        };
        let g = &mut groups[i];
        g.rows += 1;
        let want = r.review == Some(true);
        g.correct += (s.review == want) as usize;
        if want && !r.reasons.is_empty() {
            g.with_reasons += 1;
            let ok = r
                .reasons
                .iter()
                .all(|x| s.reasons.iter().any(|p| &p.reason == x));
            g.reasons_ok += ok as usize;
        }
    }
    groups
}

/// Reads `--floors`: a CSV with a header and rows `group,floor`.
fn read_floors(path: &std::path::Path) -> tamis::Result<Vec<(String, f32)>> {
    let name = path.display().to_string();
    let mut rdr = csv::Reader::from_path(path).map_err(|e| match e.into_kind() {
        csv::ErrorKind::Io(io) => tamis::Error::io(path, io),
        k => tamis::Error::Other(format!("{name}: {k:?}")),
    })?;
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i as u64 + 2;
        let rec = rec.map_err(|e| tamis::Error::row(&name, line, e.to_string()))?;
        let floor: f32 = rec
            .get(1)
            .and_then(|v| v.trim().parse().ok())
            .filter(|v: &f32| (0.0..=1.0).contains(v))
            .ok_or_else(|| tamis::Error::row(&name, line, "floor must be a number in 0..=1"))?;
        out.push((rec.get(0).unwrap_or("").trim().to_string(), floor));
    }
    Ok(out)
}

/// Mean of the F1 of the positive class and of the negative class.
fn macro_f1(m: &Metrics) -> f32 {
    let f = |tp: u32, fp: u32, fn_: u32| {
        let d = 2 * tp + fp + fn_;
        if d == 0 {
            0.0
        } else {
            2.0 * tp as f32 / d as f32
        }
    };
    (f(m.tp, m.fp, m.fn_) + f(m.tn, m.fn_, m.fp)) / 2.0
}

fn confusion(pred: &[bool], y: &[bool], auc: f32, threshold: f32) -> Metrics {
    let (mut tp, mut fp, mut fn_, mut tn) = (0, 0, 0, 0);
    for (&p, &t) in pred.iter().zip(y) {
        match (p, t) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fn_ += 1,
            (false, false) => tn += 1,
        }
    }
    confusion_metrics(tp, fp, fn_, tn, auc, threshold)
}
