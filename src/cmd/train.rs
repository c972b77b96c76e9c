//! `tamis train`: fits the review model and one model per reason on labelled tables
//! (our corpus, another schema, or a moderator's filled-in queue CSV), prints the
//! cross-validated metrics and writes the model file atomically.

use super::common::TableArgs;
use std::io::IsTerminal;
use std::path::PathBuf;
use tamis::train::TrainParams;

/// Train a model on labelled CSV/JSONL tables.
///
/// A filled queue CSV (or a `tamis serve --feedback` file) is read through its
/// `decision` column, which overrides every other label.
///
/// Examples:
///   tamis train data/corpus/politique.csv data/corpus/insultes.csv --out models/site.json
///   tamis train data/corpus/*.csv queue_filled.csv --decisions-weight 5 --out models/site.json
///   tamis train cases.csv --by register --folds 5 --out m.json   # F1 per register
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Labelled tables (`id,text,review,reasons[,thread,parent]`, or a queue CSV with `decision`).
    #[arg(required = true)]
    pub inputs: Vec<String>,
    /// Where to write the model (JSON).
    #[arg(long)]
    pub out: PathBuf,
    /// Cross-validation folds.
    #[arg(long, default_value_t = 4)]
    pub folds: usize,
    /// Seed of the fold assignment.
    #[arg(long, default_value_t = 17)]
    pub seed: u64,
    /// Choose each threshold as the best F1 among those reaching this precision.
    #[arg(long)]
    pub min_precision: Option<f32>,
    /// How many times each row labelled by a moderator's decision counts (a site's own
    /// decisions are few next to the corpus; 1 counts them like any row).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub decisions_weight: u32,
    /// Hashed n-gram buckets: 2^hash_bits.
    #[arg(long, default_value_t = 16)]
    pub hash_bits: u32,
    /// At most this many hashed buckets are fitted (chosen by χ²; the rest weigh 0).
    #[arg(long, default_value_t = 4096)]
    pub max_columns: usize,
    /// Also print the cross-validated F1 of every label per value of this column (e.g.
    /// `register`); rows without it are grouped as `-`.
    #[arg(long, value_name = "COLUMN")]
    pub by: Option<String>,
    #[command(flatten)]
    pub table: TableArgs,
}

/// Runs `tamis train`.
pub fn run(args: Args) -> tamis::Result<()> {
    let params = TrainParams {
        folds: args.folds,
        seed: args.seed,
        min_precision: args.min_precision,
        max_columns: args.max_columns,
        features: tamis::features::FeatureParams {
            hash_bits: args.hash_bits,
            ..Default::default()
        },
        ..Default::default()
    }
    .check()?;
    let mut opts = args.table.options(true);
    opts.group_column = args.by.clone();
    let rows = tamis::pipeline::read_labelled(&args.inputs, &opts)?;
    let counts = tamis::pipeline::LabelCounts::of(rows.iter().map(|(_, r)| r));
    // Rows with neither a decision nor a human label carry no label; a decided row is
    // repeated (linfa has no sample weights). Its copies share the row's fold group, so
    // cross-validation never sees a copy of a held-out row.
    let weight = args.decisions_weight as usize;
    let (rows, dups) = dedupe(
        rows.into_iter()
            .filter(|(_, r)| r.review.is_some())
            .collect(),
    );
    // Informational lines wait for success: a failing run prints its one error line only.
    let mut notes: Vec<String> = Vec::new();
    if dups.rows > 0 {
        notes.push(format!(
            "tamis: {} duplicate row(s) counted once ({} with conflicting labels: a decision wins, else the first)",
            dups.rows, dups.conflicts
        ));
    }
    let rows: Vec<_> = rows
        .into_iter()
        .flat_map(|row| {
            let n = if row.1.label_from == tamis::pipeline::LabelFrom::Decision {
                weight
            } else {
                1
            };
            std::iter::repeat_n(row, n)
        })
        .collect();
    notes.insert(
        0,
        format!(
            "tamis: {} from {} file(s)",
            counts.describe(),
            args.inputs.len()
        ),
    );
    let reporter = super::progress::Reporter::new(std::io::stderr().is_terminal());
    let progress = |stage: &str, done: usize, total: usize| reporter.update(stage, done, total);
    let sources = args
        .inputs
        .iter()
        .map(|p| {
            std::path::Path::new(p)
                .file_name()
                .map_or_else(|| p.clone(), |n| n.to_string_lossy().into_owned())
        })
        .collect();
    let start = std::time::Instant::now();
    let (model, report) = tamis::train::fit(&rows, &params, sources, &progress)?;
    if report.review_only {
        notes.push(
            "tamis: no row names a reason (no reasons column, or all empty): trained the review model only; scores will list no reasons"
                .to_string(),
        );
    }
    for n in reporter.take_lines().iter().chain(&notes) {
        eprintln!("{n}");
    }
    println!("label        alpha  pos   precision recall  f1     roc_auc threshold  (cross-validated, {} folds)", args.folds);
    for (name, alpha, m, pos) in &report.labels {
        println!(
            "{name:<12} {alpha:<6} {pos:<5} {:<9.3} {:<7.3} {:<6.3} {:<7.3} {:.3}",
            m.precision, m.recall, m.f1, m.roc_auc, m.threshold
        );
    }
    if args.by.is_some() {
        print_by_group(&rows, &report);
    }
    model.save(&args.out)?;
    eprintln!(
        "tamis: wrote {} (checksum {}) in {:.1} s",
        args.out.display(),
        model.checksum(),
        start.elapsed().as_secs_f32()
    );
    Ok(())
}

/// Cross-validated F1 (and rows) of every label per group of rows.
fn print_by_group(rows: &[(String, tamis::pipeline::Row)], report: &tamis::train::Report) {
    let group = |i: usize| rows[i].1.group.clone().unwrap_or_else(|| "-".into());
    let mut names: Vec<String> = (0..rows.len()).map(group).collect();
    names.sort();
    names.dedup();
    print!("{:<14} {:>6}", "group", "rows");
    for (label, ..) in &report.labels {
        print!(" {label:>12}");
    }
    println!("   (cross-validated F1 per group)");
    for name in &names {
        let n = (0..rows.len()).filter(|&i| group(i) == *name).count();
        print!("{name:<14} {n:>6}");
        for h in &report.held_out {
            let (mut tp, mut fp, mut fn_) = (0u32, 0u32, 0u32);
            for (k, &i) in h.rows.iter().enumerate() {
                if group(i) != *name {
                    continue;
                }
                match (h.p[k] >= h.threshold, h.y[k]) {
                    (true, true) => tp += 1,
                    (true, false) => fp += 1,
                    (false, true) => fn_ += 1,
                    _ => {}
                }
            }
            if tp + fn_ == 0 {
                print!(" {:>12}", "-");
            } else {
                print!(" {:>12.3}", 2.0 * tp as f32 / (2 * tp + fp + fn_) as f32);
            }
        }
        println!();
    }
}

/// Duplicates removed by `dedupe`.
#[derive(Debug, Default, PartialEq)]
struct Dups {
    rows: usize,
    conflicts: usize,
}

/// Counts each top-level text once across every input file (a reply is kept: the same
/// words under another parent are another example). When copies disagree, a moderator's
/// decision wins over a label, else the first copy.
fn dedupe(
    rows: Vec<(String, tamis::pipeline::Row)>,
) -> (Vec<(String, tamis::pipeline::Row)>, Dups) {
    use std::collections::hash_map::Entry;
    let mut first: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut out: Vec<(String, tamis::pipeline::Row)> = Vec::with_capacity(rows.len());
    let mut dups = Dups::default();
    for (file, row) in rows {
        if row.parent.is_some() {
            out.push((file, row));
            continue;
        }
        let key = row.text.split_whitespace().collect::<Vec<_>>().join(" ");
        match first.entry(key) {
            Entry::Vacant(v) => {
                v.insert(out.len());
                out.push((file, row));
            }
            Entry::Occupied(o) => {
                dups.rows += 1;
                let kept = &mut out[*o.get()];
                if kept.1.review != row.review || kept.1.reasons != row.reasons {
                    dups.conflicts += 1;
                    let decision = tamis::pipeline::LabelFrom::Decision;
                    if row.label_from == decision && kept.1.label_from != decision {
                        *kept = (file, row);
                    }
                }
            }
        }
    }
    (out, dups)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tamis::pipeline::{LabelFrom, Row};

    fn row(text: &str, review: bool, from: LabelFrom, parent: Option<&str>) -> (String, Row) {
        (
            "f.csv".into(),
            Row {
                number: 1,
                line: 2,
                id: text.into(),
                text: text.into(),
                thread: None,
                parent: parent.map(String::from),
                review: Some(review),
                reasons: Vec::new(),
                key: None,
                label_from: from,
                group: None,
                model_review: None,
            },
        )
    }

    #[test]
    fn duplicates_count_once_and_decisions_win() {
        let rows = vec![
            row("Bonjour  à tous", false, LabelFrom::Label, None),
            row("Bonjour à tous", false, LabelFrom::Label, None),
            row("Toi, là", false, LabelFrom::Label, None),
            row("Toi, là", true, LabelFrom::Decision, None),
            row("Toi, là", true, LabelFrom::Label, Some("p")),
        ];
        let (out, dups) = dedupe(rows);
        assert_eq!(
            dups,
            Dups {
                rows: 2,
                conflicts: 1
            }
        );
        assert_eq!(out.len(), 3);
        assert_eq!(out[1].1.label_from, LabelFrom::Decision);
        assert_eq!(out[2].1.parent.as_deref(), Some("p"));
    }
}
