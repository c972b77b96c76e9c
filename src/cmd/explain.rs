//! `tamis explain TEXT|-`: shows what the feature stage sees in one comment — the
//! normalised text, every lexicon hit with its byte span and exact original substring,
//! the detector scores and the engineered features. What a moderator reads to understand
//! a flag.

use std::io::{Read, Write};

use super::common::ModelArgs;
use tamis::features::{self, Context, FeatureParams};
use tamis::pipeline::{self, ScoreOptions};

/// Explain one comment: normalised text, hits with spans, detector scores, engineered
/// features, then the model's probability, decision, reasons and top contributions.
///
/// Examples:
///   tamis explain "t'es qu'un c.o.n.n.a.r.d"
///   echo "Je vais te retrouver" | tamis explain - --format json
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The comment text, or `-` to read it from stdin.
    pub text: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    #[command(flatten)]
    pub model: ModelArgs,
}

/// Output formats of `tamis explain`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Aligned sections for people.
    Text,
    /// One JSON object.
    Json,
}

/// Reads the comment: the argument itself, or all of stdin for `-` (must be UTF-8; one
/// trailing newline, as left by `echo`, is dropped).
fn read_text(arg: &str) -> tamis::Result<String> {
    if arg != "-" {
        return Ok(arg.to_string());
    }
    let mut buf = Vec::new();
    std::io::stdin()
        .read_to_end(&mut buf)
        .map_err(|e| tamis::Error::io("-", e))?;
    let mut s = String::from_utf8(buf).map_err(|e| {
        tamis::Error::Other(format!(
            "-: stdin is not valid UTF-8 (byte {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    if s.ends_with('\n') {
        s.pop();
        if s.ends_with('\r') {
            s.pop();
        }
    }
    Ok(s)
}

/// Runs `tamis explain`.
pub fn run(args: Args) -> tamis::Result<()> {
    let text = read_text(&args.text)?;
    let params = FeatureParams::default().check()?;
    let fv = features::extract(&text, &Context::default(), &params);
    let normalized = features::normalized_text(&text);
    let frames = features::describe_frames(&text);
    let s = fv.detection.scores;
    let scores = [
        ("insult", s.insult),
        ("masked_slur", s.masked_slur),
        ("accusation", s.accusation),
        ("hate", s.hate),
        ("threat", s.threat),
        ("profanity", s.profanity),
    ];
    let model = args.model.load()?;
    let rules = args.model.rules()?;
    let rule_hits = rules
        .as_deref()
        .map(|r| r.matches(&text))
        .unwrap_or_default();
    let (verdict, _) = pipeline::score_one(
        &text,
        None,
        &model,
        &ScoreOptions {
            threshold: None,
            explain: true,
            rules: rules.clone(),
        },
    );
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let io = |e| tamis::Error::io("-", e);
    match args.format {
        Format::Json => {
            let engineered: serde_json::Map<String, serde_json::Value> = features::ENGINEERED
                .iter()
                .zip(&fv.engineered)
                .map(|(n, v)| (n.to_string(), serde_json::json!(v)))
                .collect();
            let scores: serde_json::Map<String, serde_json::Value> = scores
                .iter()
                .map(|(n, v)| (n.to_string(), serde_json::json!(v)))
                .collect();
            let obj = serde_json::json!({
                "tamis_version": tamis::version_line(),
                "lexicon_checksum": features::lexicon_checksum(),
                "text": text,
                "normalized": normalized,
                "hits": fv.detection.evidence,
                "frames": frames,
                "scores": scores,
                "engineered": engineered,
                "hashed_features": fv.hashed.len(),
                "rules": rule_hits,
                "model": {
                    "checksum": model.checksum(),
                    "threshold": model.threshold(),
                    "score": verdict.score,
                    "review": verdict.review,
                    "reasons": verdict.reasons,
                    "below_threshold": verdict.below_threshold,
                    "contributions": verdict.contributions,
                },
            });
            serde_json::to_writer(&mut out, &obj).map_err(|e| io(e.into()))?;
            writeln!(out).map_err(io)?;
        }
        Format::Text => {
            writeln!(out, "normalized: {normalized}").map_err(io)?;
            writeln!(out, "hits:").map_err(io)?;
            if fv.detection.evidence.is_empty() {
                writeln!(out, "  (none)").map_err(io)?;
            }
            for e in &fv.detection.evidence {
                writeln!(
                    out,
                    "  {:<15} {:>5}..{:<5} {:?} (term: {})",
                    e.detector, e.start, e.end, e.text, e.term
                )
                .map_err(io)?;
            }
            writeln!(out, "targets:").map_err(io)?;
            if frames.targets.is_empty() {
                writeln!(out, "  (none)").map_err(io)?;
            }
            for t in &frames.targets {
                writeln!(out, "  {t}").map_err(io)?;
            }
            writeln!(out, "frames:").map_err(io)?;
            if frames.frames.is_empty() {
                writeln!(out, "  (none)").map_err(io)?;
            }
            for f in &frames.frames {
                writeln!(out, "  {f}").map_err(io)?;
            }
            writeln!(out, "accusation source: {}", frames.source).map_err(io)?;
            writeln!(out, "scores:").map_err(io)?;
            for (n, v) in scores {
                writeln!(out, "  {n:<15} {v:.3}").map_err(io)?;
            }
            writeln!(out, "engineered:").map_err(io)?;
            for (n, v) in features::ENGINEERED.iter().zip(&fv.engineered) {
                writeln!(out, "  {n:<20} {v:.3}").map_err(io)?;
            }
            writeln!(out, "hashed features: {}", fv.hashed.len()).map_err(io)?;
            if rules.is_some() {
                writeln!(out, "site rules:").map_err(io)?;
                if rule_hits.is_empty() {
                    writeln!(out, "  (none)").map_err(io)?;
                }
                for h in &rule_hits {
                    writeln!(
                        out,
                        "  {:<8} {:>5}..{:<5} {:?} (term: {}{})",
                        format!("{:?}", h.rule).to_lowercase(),
                        h.start,
                        h.end,
                        h.text,
                        h.term,
                        if h.note.is_empty() {
                            String::new()
                        } else {
                            format!(", {}", h.note)
                        }
                    )
                    .map_err(io)?;
                }
            }
            writeln!(out, "top contributions:").map_err(io)?;
            for c in &verdict.contributions {
                writeln!(out, "  {:+.3}  {}", c.value, c.feature).map_err(io)?;
            }
            let words = |r: &tamis::model::ReasonScore| {
                let w: Vec<String> = r.evidence.iter().map(|e| format!("«{}»", e.text)).collect();
                format!("{} {:.2} {}", r.reason, r.score, w.join(" "))
            };
            for r in &verdict.reasons {
                writeln!(out, "reason: {}", words(r).trim_end()).map_err(io)?;
            }
            for r in &verdict.below_threshold {
                writeln!(out, "below its threshold: {}", words(r).trim_end()).map_err(io)?;
            }
            writeln!(
                out,
                "model {}: probability {} → {} (threshold {:.2})",
                model.checksum(),
                tamis::export::display_prob(verdict.score).replace(',', "."),
                if verdict.review {
                    "REVIEW"
                } else {
                    "no review"
                },
                model.threshold()
            )
            .map_err(io)?;
        }
    }
    out.flush().map_err(io)
}
