//! `tamis score`: scores every comment of the inputs and prints one line (JSONL, CSV) or
//! one block (table) per comment, in input order, to stdout.

use super::common::{InputArgs, ModelArgs};
use std::io::Write;
use tamis::export::{self, ModelInfo};
use tamis::pipeline::{self, ScoreOptions};

/// Score comments for review: probability, decision, reasons and the words behind them.
///
/// INPUT is a page dump, a CSV or JSONL comment table, a directory of them, or `-` for
/// stdin. Every comment is printed once, in input order.
///
/// Examples:
///   tamis score data/pages/piscine_vierzac.txt --explain
///   tamis score comments.csv --format csv > scored.csv
///   tamis score - --input-format jsonl --format jsonl < stream.jsonl
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Files, directories or `-` (stdin).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Output format: `table` for people, `jsonl` and `csv` for programs.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Review threshold between 0 and 1 (default: the model's own).
    #[arg(long, value_parser = parse_threshold, value_name = "T", allow_hyphen_values = true)]
    pub threshold: Option<f32>,
    /// Add each comment's top feature contributions to its score.
    #[arg(long)]
    pub explain: bool,
}

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Indented threads, reasons, evidence highlighted.
    Table,
    /// One JSON object per comment.
    Jsonl,
    /// One CSV row per comment (spreadsheet-safe).
    Csv,
}

/// Checks `--threshold` while parsing, so a bad value is a usage error (exit 2).
pub fn parse_threshold(s: &str) -> Result<f32, String> {
    let t: f32 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number"))?;
    if (0.0..=1.0).contains(&t) {
        Ok(t)
    } else {
        Err(format!("{t} is outside 0..=1"))
    }
}

/// Runs `tamis score`.
pub fn run(args: Args) -> tamis::Result<()> {
    let model = args.model.load()?;
    let score_opts = ScoreOptions {
        threshold: args.threshold,
        explain: args.explain,
        rules: args.model.rules()?,
    };
    let info = ModelInfo {
        checksum: model.checksum().to_string(),
        threshold: args.threshold.unwrap_or_else(|| model.threshold()),
    };
    let opts = args.input.options();

    let stdout = std::io::stdout();
    // anstream decides as other tools do: a terminal, unless NO_COLOR or CLICOLOR=0;
    // CLICOLOR_FORCE colours even a pipe.
    let color = anstream::AutoStream::choice(&stdout) != anstream::ColorChoice::Never;
    let mut w = std::io::BufWriter::new(stdout.lock());
    let io = |e: std::io::Error| tamis::Error::io("-", e);
    // JSONL and CSV stream batch by batch, so memory stays flat on any input size;
    // the table groups threads for people and reads everything first.
    match args.format {
        Format::Jsonl => {
            pipeline::for_each_scored(&args.inputs, &opts, &model, &score_opts, |batch| {
                // Serialised in the worker pool, each worker appending its run of lines
                // to one buffer, and written in input order: the main thread only copies
                // a few large buffers. The batch is consumed there too, so freeing its
                // comments is no serial step either.
                use rayon::prelude::*;
                let chunks: Vec<Vec<u8>> = batch
                    .into_par_iter()
                    .with_min_len(64)
                    .try_fold(Vec::new, |mut buf, s| {
                        export::json::write_score_line(&mut buf, &s, &info, args.explain)
                            .map(|()| buf)
                    })
                    .collect::<std::io::Result<_>>()
                    .map_err(io)?;
                for c in &chunks {
                    w.write_all(c).map_err(io)?;
                }
                Ok(())
            })?;
        }
        Format::Csv => {
            let mut out = export::csv::SafeWriter::new(&mut w, false).map_err(io)?;
            let mut header = export::csv::SCORE_COLUMNS.to_vec();
            if args.explain {
                header.push("contributions");
            }
            out.write_row(&header).map_err(io)?;
            pipeline::for_each_scored(&args.inputs, &opts, &model, &score_opts, |batch| {
                for s in &batch {
                    out.write_row(&export::csv::score_row(s, &info, args.explain))
                        .map_err(io)?;
                }
                Ok(())
            })?;
            out.flush().map_err(io)?;
        }
        Format::Table => {
            let (scored, _summary) =
                pipeline::score_inputs(&args.inputs, &opts, &model, &score_opts)?;
            let opts = export::table::TableOptions {
                color,
                explain: args.explain,
                ..Default::default()
            };
            export::table::write_table(&mut w, &scored, &info, &opts).map_err(io)?;
        }
    }
    w.flush().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_is_checked() {
        assert_eq!(parse_threshold("0.3"), Ok(0.3));
        assert_eq!(parse_threshold("1"), Ok(1.0));
        assert!(parse_threshold("1.5")
            .unwrap_err()
            .contains("outside 0..=1"));
        assert!(parse_threshold("-0.1").is_err());
        assert!(parse_threshold("NaN").is_err());
        assert!(parse_threshold("abc").unwrap_err().contains("not a number"));
    }
}
