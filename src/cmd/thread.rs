//! `tamis thread`: rebuilds the reply tree of one page dump and prints it as an indented
//! tree (`text`) or as the JSON object of DESIGN.md's contract (`json`).

use std::io::Write;
use tamis::thread::{Structure, Thread};

/// Rebuild the reply tree of a page dump (a file, or `-` for stdin).
///
/// Examples:
///   tamis thread data/pages/piscine_vierzac.txt
///   tamis thread page.txt --format json | jq '.comments[] | {index, parent, author}'
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The page: a text file as copied or saved from the site, or `-` for stdin.
    pub input: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Encoding of the page (`utf-8`, `utf-16le`, `windows-1252`, `iso-8859-15`…);
    /// default: detected.
    #[arg(long, value_name = "NAME", value_parser = super::common::parse_encoding)]
    pub encoding: Option<&'static encoding_rs::Encoding>,
}

/// Output formats of `tamis thread`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// An indented tree for people.
    Text,
    /// One JSON object per thread and line (the documented contract; a page is one
    /// thread, an export one per post or discussion).
    Json,
}

/// Runs `tamis thread`.
pub fn run(args: Args) -> tamis::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let io = |e| tamis::Error::io("-", e);
    let opts = tamis::thread::ReadOptions {
        encoding: args.encoding,
    };
    tamis::thread::read_threads(&args.input, &opts, |thread| {
        for w in &thread.warnings {
            eprintln!("tamis: warning: {w}");
        }
        for n in &thread.notes {
            eprintln!("tamis: {n}");
        }
        match args.format {
            Format::Json => {
                serde_json::to_writer(&mut out, &tamis::thread::to_json(&thread))
                    .map_err(|e| tamis::Error::io("-", e.into()))?;
                writeln!(out).map_err(io)?;
            }
            Format::Text => write_tree(&mut out, &thread).map_err(io)?,
        }
        Ok(())
    })?;
    out.flush().map_err(io)
}

fn write_tree(out: &mut impl Write, t: &Thread) -> std::io::Result<()> {
    let structure = match t.structure {
        Structure::Nested => "nested",
        Structure::Flat => "flat",
        Structure::None => "none",
    };
    writeln!(
        out,
        "{}: {structure}, {}",
        t.source,
        tamis::export::count(t.comments.len(), "comment", "comments")
    )?;
    for c in &t.comments {
        let first: String = c.text.replace('\n', " ⏎ ").chars().take(80).collect();
        let more = if c.text.chars().count() > 80 {
            "…"
        } else {
            ""
        };
        let author = c
            .author
            .as_deref()
            .map(|a| format!(" {a}:"))
            .unwrap_or_default();
        let inferred = if c.inferred { " (quote)" } else { "" };
        writeln!(
            out,
            "{}{}.{author}{inferred} {first}{more}",
            "  ".repeat(c.depth),
            c.index
        )?;
    }
    Ok(())
}
