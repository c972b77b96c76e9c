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
#[derive(Debug, clap::Args)]
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
    let rows = tamis::pipeline::read_labelled(&args.inputs, &args.table.options(true))?;
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
        }
    }
    out.flush().map_err(io)
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
