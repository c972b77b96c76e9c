//! `tamis train`: fits the review model and one model per reason on labelled tables
//! (our corpus, another schema, or a moderator's filled-in queue CSV), prints the
//! cross-validated metrics and writes the model file atomically.

use super::common::TableArgs;
use std::io::IsTerminal;
use std::path::PathBuf;
use tamis::train::TrainParams;

/// Train a model on labelled CSV/JSONL tables.
#[derive(Debug, clap::Args)]
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
    #[arg(long, default_value_t = 12)]
    pub hash_bits: u32,
    #[command(flatten)]
    pub table: TableArgs,
}

/// Runs `tamis train`.
pub fn run(args: Args) -> tamis::Result<()> {
    let params = TrainParams {
        folds: args.folds,
        seed: args.seed,
        min_precision: args.min_precision,
        features: tamis::features::FeatureParams {
            hash_bits: args.hash_bits,
            ..Default::default()
        },
        ..Default::default()
    }
    .check()?;
    let opts = args.table.options(true);
    let rows = tamis::pipeline::read_labelled(&args.inputs, &opts)?;
    let counts = tamis::pipeline::LabelCounts::of(rows.iter().map(|(_, r)| r));
    // Rows with neither a decision nor a human label carry no label; a decided row is
    // repeated (linfa has no sample weights). Its copies share the row's fold group, so
    // cross-validation never sees a copy of a held-out row.
    let weight = args.decisions_weight as usize;
    let rows: Vec<_> = rows
        .into_iter()
        .filter(|(_, r)| r.review.is_some())
        .flat_map(|row| {
            let n = if row.1.label_from == tamis::pipeline::LabelFrom::Decision {
                weight
            } else {
                1
            };
            std::iter::repeat_n(row, n)
        })
        .collect();
    eprintln!(
        "tamis: {} from {} file(s)",
        counts.describe(),
        args.inputs.len()
    );
    let tty = std::io::stderr().is_terminal();
    let progress = move |stage: &str, done: usize, total: usize| {
        if tty {
            eprint!("\r\x1b[Ktamis: {stage} {done}/{total}");
            if done == total {
                eprintln!();
            }
        }
    };
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
    println!("label        alpha  pos   precision recall  f1     roc_auc threshold  (cross-validated, {} folds)", args.folds);
    for (name, alpha, m, pos) in &report.labels {
        println!(
            "{name:<12} {alpha:<6} {pos:<5} {:<9.3} {:<7.3} {:<6.3} {:<7.3} {:.3}",
            m.precision, m.recall, m.f1, m.roc_auc, m.threshold
        );
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
