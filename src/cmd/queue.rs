//! `tamis queue`: scores every comment of the inputs and writes the ranked review queue
//! (CSV, JSONL or a self-contained HTML page, from the `--out` extension) atomically,
//! with a summary on stderr.

use super::common::{InputArgs, ModelArgs};
use super::score::parse_threshold;
use std::path::{Path, PathBuf};
use tamis::export::{self, ModelInfo, QueueFormat, QueueOptions};
use tamis::pipeline::{self, ScoreOptions};

/// Build the review queue: the comments that need a moderator, most urgent first.
///
/// Ranked by danger: the review probability times a factor for the most severe reason
/// (threat 1.0, hate 0.9, accusation 0.8, insult 0.7, masked slur 0.6), then
/// probability, then input order. Each item has empty `decision` (keep / remove) and
/// `note` columns; a filled queue CSV trains the next model (`tamis train`).
///
/// Examples:
///   tamis queue pages/ --out queue.html                 # open it, decide, download the CSV
///   tamis queue comments.csv --out queue.csv --uncertain 20
///   tamis queue page.txt --out - --format jsonl | jq .  # to stdout
///   tamis queue pages/ --out next.csv --decisions queue_filled.csv
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Files, directories or `-` (stdin).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Output file: .csv, .jsonl or .html (the format comes from the extension), or `-`
    /// for stdout (CSV unless --format says otherwise).
    #[arg(long, value_parser = parse_out, value_name = "FILE")]
    pub out: PathBuf,
    /// Output format, overriding the extension of --out.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<FormatArg>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Review threshold between 0 and 1 (default: the model's own).
    #[arg(long, value_parser = parse_threshold, value_name = "T", allow_hyphen_values = true)]
    pub threshold: Option<f32>,
    /// Queue every comment, not only those that need review.
    #[arg(long)]
    pub all: bool,
    /// Also queue the N comments whose probability is closest to the threshold (the most
    /// useful to label next), marked `uncertain`.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub uncertain: usize,
    /// A queue CSV already worked on: comments decided there are left out.
    #[arg(long, value_name = "PREVIOUS.csv")]
    pub decisions: Option<PathBuf>,
    /// Start the CSV with a UTF-8 byte-order mark so Excel reads accents correctly.
    #[arg(long)]
    pub excel: bool,
}

/// `--format` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    /// Spreadsheet-safe CSV.
    Csv,
    /// One item per line.
    Jsonl,
    /// One self-contained page.
    Html,
}

/// Checks the `--out` extension while parsing, so a wrong one is a usage error (exit 2).
fn parse_out(s: &str) -> Result<PathBuf, String> {
    let p = PathBuf::from(s);
    if s == "-" {
        return Ok(p);
    }
    QueueFormat::from_path(&p)
        .map(|_| p)
        .map_err(|_| format!("`{s}` must end in .csv, .jsonl or .html (or be - for stdout)"))
}

/// Runs `tamis queue`.
pub fn run(args: Args) -> tamis::Result<()> {
    let to_stdout = args.out.as_os_str() == "-";
    let format = match args.format {
        Some(FormatArg::Csv) => QueueFormat::Csv,
        Some(FormatArg::Jsonl) => QueueFormat::Jsonl,
        Some(FormatArg::Html) => QueueFormat::Html,
        None if to_stdout => QueueFormat::Csv,
        None => QueueFormat::from_path(&args.out)?,
    };
    // Everything that can fail on input happens before the output is touched, so an
    // error leaves a previous queue intact.
    let decided = match &args.decisions {
        Some(p) => export::csv::read_decisions(p)?,
        None => Default::default(),
    };
    let model = args.model.load()?;
    let score_opts = ScoreOptions {
        threshold: args.threshold,
        explain: false,
        rules: args.model.rules()?,
    };
    let (scored, summary) =
        pipeline::score_inputs(&args.inputs, &args.input.options(), &model, &score_opts)?;
    let info = ModelInfo {
        checksum: model.checksum().to_string(),
        threshold: args.threshold.unwrap_or_else(|| model.threshold()),
    };
    let opts = QueueOptions {
        all: args.all,
        uncertain: args.uncertain,
        decided,
    };
    let queue = export::build_queue(&scored, &opts, &info);

    let out = &args.out;
    let io = |e: std::io::Error| tamis::Error::io(out, e);
    let write = |w: &mut dyn std::io::Write| match format {
        QueueFormat::Csv => export::csv::write_queue(w, &queue.items, args.excel).map_err(io),
        QueueFormat::Jsonl => export::json::write_queue(w, &queue.items).map_err(io),
        QueueFormat::Html => {
            let html = export::html::HtmlOptions {
                download_name: download_name(out),
                excel: args.excel,
                comments_read: summary.comments,
                inputs: args.inputs.clone(),
            };
            export::html::write_html(w, &queue, &scored, &info, &html).map_err(io)
        }
    };
    if to_stdout {
        let stdout = std::io::stdout();
        let mut w = std::io::BufWriter::new(stdout.lock());
        write(&mut w)?;
        std::io::Write::flush(&mut w).map_err(io)?;
    } else {
        export::write_atomic(out, write)?;
    }

    eprintln!("{}", summary_line(&summary, &queue, out));
    Ok(())
}

/// The name the HTML page gives its decisions download: `<queue>-decisions.csv`.
fn download_name(out: &Path) -> String {
    let stem = match out.file_stem().and_then(|s| s.to_str()) {
        Some("-") | None => "queue",
        Some(s) => s,
    };
    format!("{stem}-decisions.csv")
}

/// One line for stderr: what was read, what was queued, what was flagged per reason.
fn summary_line(summary: &pipeline::Summary, queue: &export::Queue, out: &Path) -> String {
    let mut read = vec![];
    if summary.pages > 0 {
        read.push(format!("{} page{}", summary.pages, s(summary.pages)));
    }
    if summary.tables > 0 {
        read.push(format!("{} table{}", summary.tables, s(summary.tables)));
    }
    read.push(format!(
        "{} comment{}",
        summary.comments,
        s(summary.comments)
    ));
    let mut queued = format!("{} queued", queue.items.len());
    if queue.uncertain > 0 {
        queued.push_str(&format!(" ({} uncertain)", queue.uncertain));
    }
    if queue.already_decided > 0 {
        queued.push_str(&format!(", {} already decided", queue.already_decided));
    }
    let flagged: Vec<String> = queue
        .flagged
        .iter()
        .map(|(r, n)| format!("{r} {n}"))
        .collect();
    format!(
        "tamis: read {}; {} → {}; flagged: {}",
        read.join(", "),
        queued,
        out.display(),
        flagged.join(", ")
    )
}

fn s(n: usize) -> &'static str {
    if n > 1 {
        "s"
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_extension_is_checked() {
        assert!(parse_out("q.csv").is_ok());
        assert!(parse_out("dir/q.HTML").is_ok());
        assert!(parse_out("q.xlsx")
            .unwrap_err()
            .contains(".csv, .jsonl or .html"));
    }

    #[test]
    fn download_name_follows_the_queue() {
        assert_eq!(
            download_name(Path::new("a/lundi.html")),
            "lundi-decisions.csv"
        );
    }

    #[test]
    fn summary_reads_well() {
        let summary = pipeline::Summary {
            pages: 2,
            tables: 0,
            comments: 31,
        };
        let queue = export::Queue {
            uncertain: 2,
            already_decided: 1,
            flagged: vec![("insult".into(), 4), ("threat".into(), 1)],
            ..Default::default()
        };
        assert_eq!(
            summary_line(&summary, &queue, Path::new("q.html")),
            "tamis: read 2 pages, 31 comments; 0 queued (2 uncertain), 1 already decided → q.html; flagged: insult 4, threat 1"
        );
    }
}
