//! Counters and latency histograms for `GET /metrics`, in Prometheus' text format.
//! Atomics only on the request path: no lock is taken to count a request.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// The endpoints counted separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `comments:analyze`.
    Analyze,
    /// `comments:suggestscore`.
    SuggestScore,
    /// `POST /coral/phase`.
    CoralPhase,
    /// `POST /v1/score`.
    Score,
    /// `POST /admin/reload`.
    Reload,
    /// `/healthz`, `/metrics`.
    Health,
    /// Anything else (404, 405).
    Other,
}

impl Endpoint {
    const ALL: [Endpoint; 7] = [
        Endpoint::Analyze,
        Endpoint::SuggestScore,
        Endpoint::CoralPhase,
        Endpoint::Score,
        Endpoint::Reload,
        Endpoint::Health,
        Endpoint::Other,
    ];

    /// The label value in the exposition.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Analyze => "analyze",
            Endpoint::SuggestScore => "suggestscore",
            Endpoint::CoralPhase => "coral_phase",
            Endpoint::Score => "score",
            Endpoint::Reload => "reload",
            Endpoint::Health => "health",
            Endpoint::Other => "other",
        }
    }
}

/// Upper bounds of the latency buckets, in seconds (Coral gives up at 0.8 s).
const BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.8,
];

/// Status classes counted per endpoint: 2xx, 4xx, 5xx (1xx/3xx are never answered).
const CLASSES: [&str; 3] = ["2xx", "4xx", "5xx"];

#[derive(Default)]
struct PerEndpoint {
    by_class: [AtomicU64; 3],
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    micros: AtomicU64,
}

/// Everything `/metrics` reports.
#[derive(Default)]
pub struct Metrics {
    endpoints: [PerEndpoint; 7],
    comments: AtomicU64,
    reviews: AtomicU64,
    flagged: [AtomicU64; 5],
    feedback_lines: AtomicU64,
    feedback_skipped: AtomicU64,
    reloads_ok: AtomicU64,
    reloads_failed: AtomicU64,
}

impl Metrics {
    /// Counts one answered request.
    pub fn request(&self, ep: Endpoint, status: u16, took: Duration) {
        let e = &self.endpoints[Endpoint::ALL.iter().position(|&x| x == ep).unwrap_or(6)];
        let class = match status {
            500.. => 2,
            400.. => 1,
            _ => 0,
        };
        e.by_class[class].fetch_add(1, Relaxed);
        let secs = took.as_secs_f64();
        // Cumulative buckets are summed at exposition; each request lands in one.
        if let Some(b) = BUCKETS.iter().position(|&b| secs <= b) {
            e.buckets[b].fetch_add(1, Relaxed);
        }
        e.count.fetch_add(1, Relaxed);
        e.micros
            .fetch_add(u64::try_from(took.as_micros()).unwrap_or(u64::MAX), Relaxed);
    }

    /// Counts one scored comment and the reasons it was flagged for.
    pub fn scored(&self, review: bool, reasons: &[crate::model::ReasonScore]) {
        self.comments.fetch_add(1, Relaxed);
        if review {
            self.reviews.fetch_add(1, Relaxed);
        }
        for r in reasons {
            if let Some(k) = crate::features::REASONS.iter().position(|&n| n == r.reason) {
                self.flagged[k].fetch_add(1, Relaxed);
            }
        }
    }

    /// Counts one feedback line written (`true`) or not kept (`doNotStore`, no file).
    pub fn feedback(&self, written: bool) {
        if written {
            self.feedback_lines.fetch_add(1, Relaxed);
        } else {
            self.feedback_skipped.fetch_add(1, Relaxed);
        }
    }

    /// Counts one model reload.
    pub fn reload(&self, ok: bool) {
        if ok {
            self.reloads_ok.fetch_add(1, Relaxed);
        } else {
            self.reloads_failed.fetch_add(1, Relaxed);
        }
    }

    /// The text exposition (version 0.0.4).
    pub fn render(&self, model_checksum: &str) -> String {
        let mut o = String::with_capacity(4096);
        let _ = writeln!(o, "# HELP tamis_model_info The model being served.");
        let _ = writeln!(o, "# TYPE tamis_model_info gauge");
        let _ = writeln!(
            o,
            "tamis_model_info{{checksum=\"{model_checksum}\",version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        let _ = writeln!(
            o,
            "# HELP tamis_requests_total Requests answered, by endpoint and status class."
        );
        let _ = writeln!(o, "# TYPE tamis_requests_total counter");
        for (ep, e) in Endpoint::ALL.iter().zip(&self.endpoints) {
            for (class, n) in CLASSES.iter().zip(&e.by_class) {
                let _ = writeln!(
                    o,
                    "tamis_requests_total{{endpoint=\"{}\",code=\"{class}\"}} {}",
                    ep.name(),
                    n.load(Relaxed)
                );
            }
        }
        let _ = writeln!(o, "# HELP tamis_request_duration_seconds Time from request head to response, by endpoint.");
        let _ = writeln!(o, "# TYPE tamis_request_duration_seconds histogram");
        for (ep, e) in Endpoint::ALL.iter().zip(&self.endpoints) {
            let mut cumulative = 0;
            for (b, n) in BUCKETS.iter().zip(&e.buckets) {
                cumulative += n.load(Relaxed);
                let _ = writeln!(
                    o,
                    "tamis_request_duration_seconds_bucket{{endpoint=\"{}\",le=\"{b}\"}} {cumulative}",
                    ep.name()
                );
            }
            let count = e.count.load(Relaxed);
            let _ = writeln!(
                o,
                "tamis_request_duration_seconds_bucket{{endpoint=\"{}\",le=\"+Inf\"}} {count}",
                ep.name()
            );
            let _ = writeln!(
                o,
                "tamis_request_duration_seconds_sum{{endpoint=\"{}\"}} {}",
                ep.name(),
                e.micros.load(Relaxed) as f64 / 1e6
            );
            let _ = writeln!(
                o,
                "tamis_request_duration_seconds_count{{endpoint=\"{}\"}} {count}",
                ep.name()
            );
        }
        let counters: [(&str, &str, &AtomicU64); 6] = [
            (
                "tamis_comments_scored_total",
                "Comments scored.",
                &self.comments,
            ),
            (
                "tamis_reviews_total",
                "Comments sent to review.",
                &self.reviews,
            ),
            (
                "tamis_feedback_lines_total",
                "Moderator verdicts appended to the feedback file.",
                &self.feedback_lines,
            ),
            (
                "tamis_feedback_skipped_total",
                "Verdicts not kept (doNotStore, or no --feedback file).",
                &self.feedback_skipped,
            ),
            (
                "tamis_model_reloads_total",
                "Successful model reloads.",
                &self.reloads_ok,
            ),
            (
                "tamis_model_reload_failures_total",
                "Reloads refused (the old model kept serving).",
                &self.reloads_failed,
            ),
        ];
        for (name, help, v) in counters {
            let _ = writeln!(o, "# HELP {name} {help}");
            let _ = writeln!(o, "# TYPE {name} counter");
            let _ = writeln!(o, "{name} {}", v.load(Relaxed));
        }
        let _ = writeln!(
            o,
            "# HELP tamis_flagged_total Comments sent to review, by reason."
        );
        let _ = writeln!(o, "# TYPE tamis_flagged_total counter");
        for (reason, n) in crate::features::REASONS.iter().zip(&self.flagged) {
            let _ = writeln!(
                o,
                "tamis_flagged_total{{reason=\"{reason}\"}} {}",
                n.load(Relaxed)
            );
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative_and_counts_add_up() {
        let m = Metrics::default();
        m.request(Endpoint::Analyze, 200, Duration::from_micros(80));
        m.request(Endpoint::Analyze, 200, Duration::from_millis(3));
        m.request(Endpoint::Analyze, 400, Duration::from_secs(2));
        let text = m.render("abc");
        assert!(text.contains("tamis_model_info{checksum=\"abc\""));
        assert!(text.contains("tamis_requests_total{endpoint=\"analyze\",code=\"2xx\"} 2"));
        assert!(text.contains("tamis_requests_total{endpoint=\"analyze\",code=\"4xx\"} 1"));
        assert!(text.contains(
            "tamis_request_duration_seconds_bucket{endpoint=\"analyze\",le=\"0.0001\"} 1"
        ));
        assert!(text.contains(
            "tamis_request_duration_seconds_bucket{endpoint=\"analyze\",le=\"0.005\"} 2"
        ));
        // 2 s is past every finite bucket: only +Inf has it.
        assert!(text
            .contains("tamis_request_duration_seconds_bucket{endpoint=\"analyze\",le=\"0.8\"} 2"));
        assert!(text
            .contains("tamis_request_duration_seconds_bucket{endpoint=\"analyze\",le=\"+Inf\"} 3"));
        assert!(text.contains("tamis_request_duration_seconds_count{endpoint=\"analyze\"} 3"));
    }

    #[test]
    fn flagged_reasons_are_counted_by_name() {
        let m = Metrics::default();
        let r = |name: &str| crate::model::ReasonScore {
            reason: name.into(),
            score: 0.9,
            evidence: vec![],
        };
        m.scored(true, &[r("threat"), r("insult")]);
        m.scored(false, &[]);
        let text = m.render("x");
        assert!(text.contains("tamis_comments_scored_total 2"));
        assert!(text.contains("tamis_reviews_total 1"));
        assert!(text.contains("tamis_flagged_total{reason=\"threat\"} 1"));
        assert!(text.contains("tamis_flagged_total{reason=\"hate\"} 0"));
    }
}
