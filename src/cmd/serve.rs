//! `tamis serve`: the moderation endpoint (Perspective-compatible, Coral phase, tamis's
//! own API). Arguments only; the server lives in `tamis::serve`.

use super::score::parse_threshold;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use tamis::serve::{auth::Keys, Config};

/// Serve the model over HTTP: Perspective API v1alpha1 (`comments:analyze`,
/// `comments:suggestscore`), Coral's External Moderation Phase, `/v1/score`,
/// `/healthz` and `/metrics`.
///
/// Examples:
///   tamis serve                                         # 127.0.0.1:8080, embedded model
///   tamis serve --keys keys.txt --feedback verdicts.csv # what Coral's Perspective setting needs
///   tamis serve --model models/site.json --admin-keys admin.txt --coral-secret "$SECRET"
///
/// Coral: set the Perspective "Custom endpoint" to http://HOST:8080/v1alpha1 and its key
/// to one line of --keys. Send SIGHUP (or POST /admin/reload) after retraining
/// --model; SIGTERM stops after the requests in flight.
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Address to listen on (port 0 picks a free port, printed on stderr).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Model file (default: the embedded model, which cannot be reloaded).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// API keys, one a line: required on every scoring request when given
    /// (`?key=`, `X-Goog-Api-Key` or `Authorization: Bearer`). Without it any key, or
    /// none, is accepted.
    #[arg(long, value_name = "FILE")]
    pub keys: Option<PathBuf>,
    /// Keys for `POST /admin/reload`, one a line (without it, reload is by SIGHUP only).
    #[arg(long, value_name = "FILE")]
    pub admin_keys: Option<PathBuf>,
    /// Append moderators' verdicts (`comments:suggestscore`) to this CSV, in the queue's
    /// columns: `tamis train data/corpus/*.csv FILE` retrains on them.
    #[arg(long, value_name = "FILE.csv")]
    pub feedback: Option<PathBuf>,
    /// Signing secret of a Coral External Moderation Phase (repeat while rotating;
    /// also read from TAMIS_CORAL_SECRET). Enables `POST /coral/phase`.
    #[arg(
        long,
        value_name = "SECRET",
        env = "TAMIS_CORAL_SECRET",
        hide_env_values = true
    )]
    pub coral_secret: Vec<String>,
    /// Reject (rather than withhold for a moderator) Coral comments whose review
    /// probability reaches P.
    #[arg(long, value_name = "P", value_parser = parse_threshold)]
    pub coral_reject_above: Option<f32>,
    /// Review threshold between 0 and 1 (default: the model's own).
    #[arg(long, value_parser = parse_threshold, value_name = "T")]
    pub threshold: Option<f32>,
    /// Site rules (CSV `rule,term[,note]`): banned words always withheld (TOXICITY 1),
    /// suspect ones flagged, allowed ones never a detector hit.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Put comment texts in the access log (never for doNotStore requests).
    #[arg(long)]
    pub log_text: bool,
    /// No access log on stderr.
    #[arg(long)]
    pub quiet: bool,
    /// Deadline for a whole request, body included, in milliseconds.
    #[arg(long, default_value_t = 5000, value_name = "MS")]
    pub request_timeout: u64,
    /// Open connections beyond this are answered 503 and closed.
    #[arg(long, default_value_t = 1024, value_name = "N")]
    pub max_connections: usize,
    /// Seconds to wait for requests in flight at shutdown.
    #[arg(long, default_value_t = 10, value_name = "S")]
    pub shutdown_grace: u64,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub threads: usize,
}

/// Runs `tamis serve` until SIGTERM/SIGINT.
pub fn run(args: Args) -> tamis::Result<()> {
    let keys = args.keys.as_deref().map(Keys::load).transpose()?;
    let admin_keys = args.admin_keys.as_deref().map(Keys::load).transpose()?;
    if args.max_connections == 0 {
        return Err(tamis::Error::Params(
            "--max-connections must be at least 1".into(),
        ));
    }
    let coral_secrets: Vec<Vec<u8>> = args
        .coral_secret
        .iter()
        .map(|s| s.trim().as_bytes().to_vec())
        .filter(|s| !s.is_empty())
        .collect();
    let rules = args
        .rules
        .as_deref()
        .map(|p| tamis::rules::Rules::load(p).map(std::sync::Arc::new))
        .transpose()?;
    tamis::serve::run(Config {
        rules,
        addr: args.addr,
        model_path: args.model,
        keys,
        admin_keys,
        feedback: args.feedback,
        coral_secrets,
        coral_reject_above: args.coral_reject_above,
        threshold: args.threshold,
        log_text: args.log_text,
        access_log: !args.quiet,
        request_timeout: Duration::from_millis(args.request_timeout.max(1)),
        max_connections: args.max_connections,
        shutdown_grace: Duration::from_secs(args.shutdown_grace),
        threads: args.threads,
    })
}
