//! Coral Talk's External Moderation Phases: Coral posts each new or edited comment,
//! signed with the phase's secret; tamis answers 204 to let it through, or 200 with a
//! status and a `FLAG` action to hold it for a moderator.
//!
//! Coral validates the answer strictly (an action's `reason` must be
//! `COMMENT_DETECTED_TOXIC` or `COMMENT_DETECTED_SPAM`, or the whole answer is thrown
//! away and the comment goes through), and strips keys it does not know: tamis's own
//! reasons travel in `additionalDetails`, which Coral keeps where it supports it and
//! drops harmlessly where it does not.
//!
//! Coral's request names the parent by id only. tamis uses the parent's text when it
//! has seen that comment (its id arrives with `suggestscore` feedback as
//! `clientToken: "comment:<id>"`, or with `/v1/score` ids), else scores it alone.

use super::perspective::ApiError;
use crate::model::Score;
use serde::Deserialize;
use serde_json::json;
use std::collections::{HashMap, VecDeque};

/// The part of Coral's request tamis reads (the rest is accepted and ignored).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhaseRequest {
    /// `NEW` or `EDIT`.
    #[serde(default)]
    pub action: Option<String>,
    /// The comment.
    pub comment: PhaseComment,
}

/// `comment` of Coral's request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhaseComment {
    /// The body, as HTML or plain text depending on the phase's format setting.
    pub body: String,
    /// The id of the comment answered.
    #[serde(default, rename = "parentID")]
    pub parent_id: Option<String>,
}

/// What to answer.
#[derive(Debug, Clone, PartialEq)]
pub enum PhaseAnswer {
    /// 204: let it through.
    Pass,
    /// 200 with this body.
    Moderate(String),
}

/// The comment's plain text: Coral sends HTML when the phase's format is HTML, so a body
/// with markup or entities goes through the HTML parser; plain text is taken as is.
pub fn body_text(body: &str) -> String {
    if body.contains('<') || body.contains('&') {
        super::text::html_to_text(body)
    } else {
        body.to_string()
    }
}

/// Parses Coral's request.
pub fn parse(body: &[u8]) -> Result<PhaseRequest, ApiError> {
    let req: PhaseRequest = super::perspective::parse_json(body)?;
    if req.comment.body.len() > 4 * super::perspective::MAX_COMMENT_BYTES {
        return Err(ApiError::invalid(
            "comment.body is too long",
            Some("COMMENT_TOO_LONG"),
        ));
    }
    Ok(req)
}

/// The answer for a scored comment: withheld for review (or rejected outright when the
/// review probability reaches `reject_above`), with tamis's reasons; else let through.
pub fn answer(s: &Score, reject_above: Option<f32>) -> PhaseAnswer {
    if !s.review {
        return PhaseAnswer::Pass;
    }
    let status = if reject_above.is_some_and(|t| s.score >= t) {
        "REJECTED"
    } else {
        "SYSTEM_WITHHELD"
    };
    let details: Vec<String> = s
        .reasons
        .iter()
        .map(|r| {
            let words: Vec<&str> = r.evidence.iter().map(|e| e.text.as_str()).collect();
            if words.is_empty() {
                format!("{} {:.2}", r.reason, r.score)
            } else {
                format!("{} {:.2} «{}»", r.reason, r.score, words.join("», «"))
            }
        })
        .collect();
    PhaseAnswer::Moderate(
        json!({
            "status": status,
            "actions": [{
                "actionType": "FLAG",
                "reason": "COMMENT_DETECTED_TOXIC",
                "additionalDetails": format!("tamis {:.2}: {}", s.score, details.join("; ")),
            }],
        })
        .to_string(),
    )
}

/// Comment texts by id, most recent `cap` kept: the parents Coral names by id.
pub struct ParentCache {
    cap: usize,
    bytes_cap: usize,
    bytes: usize,
    texts: HashMap<String, String>,
    order: VecDeque<String>,
}

impl ParentCache {
    /// At most `cap` comments and `bytes_cap` bytes of text.
    pub fn new(cap: usize, bytes_cap: usize) -> Self {
        ParentCache {
            cap,
            bytes_cap,
            bytes: 0,
            texts: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Remembers a comment's text. Coral's `comment:<id>` token is stored under `<id>`.
    pub fn insert(&mut self, id: &str, text: &str) {
        let id = id.strip_prefix("comment:").unwrap_or(id);
        if id.is_empty() || self.cap == 0 || text.len() > self.bytes_cap {
            return;
        }
        if let Some(old) = self.texts.insert(id.to_string(), text.to_string()) {
            self.bytes -= old.len();
        } else {
            self.order.push_back(id.to_string());
        }
        self.bytes += text.len();
        while self.texts.len() > self.cap || self.bytes > self.bytes_cap {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some(t) = self.texts.remove(&oldest) {
                self.bytes -= t.len();
            }
        }
    }

    /// The text of comment `id`, if remembered.
    pub fn get(&self, id: &str) -> Option<&str> {
        self.texts.get(id).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EvidenceSpan, ReasonScore};

    #[test]
    fn a_flagged_comment_is_withheld_with_an_action_coral_accepts() {
        let s = Score {
            review: true,
            score: 0.91,
            reasons: vec![ReasonScore {
                reason: "insult".into(),
                score: 0.88,
                evidence: vec![EvidenceSpan {
                    text: "abruti".into(),
                    start: 4,
                    end: 10,
                }],
            }],
            contributions: vec![],
            reason_scores: [0.88, 0.0, 0.0, 0.0, 0.0],
            below_threshold: vec![],
            rules: vec![],
        };
        let PhaseAnswer::Moderate(body) = answer(&s, None) else {
            panic!("a review must be moderated")
        };
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["status"], "SYSTEM_WITHHELD");
        assert_eq!(v["actions"][0]["actionType"], "FLAG");
        assert_eq!(v["actions"][0]["reason"], "COMMENT_DETECTED_TOXIC");
        assert!(v["actions"][0]["additionalDetails"]
            .as_str()
            .unwrap()
            .contains("insult 0.88 «abruti»"));
        let PhaseAnswer::Moderate(body) = answer(&s, Some(0.9)) else {
            panic!()
        };
        assert!(body.contains("\"REJECTED\""));
        let pass = Score { review: false, ..s };
        assert_eq!(answer(&pass, Some(0.5)), PhaseAnswer::Pass);
    }

    #[test]
    fn the_parent_cache_is_bounded_by_count_and_bytes() {
        let mut c = ParentCache::new(2, 10);
        c.insert("comment:a", "aaaa");
        c.insert("b", "bbbb");
        assert_eq!(c.get("a"), Some("aaaa"));
        c.insert("c", "cc");
        assert_eq!(c.get("a"), None, "the oldest goes first");
        assert_eq!(c.get("c"), Some("cc"));
        c.insert("d", "ddddddddd");
        assert_eq!(c.get("b"), None);
        assert_eq!(c.get("d"), Some("ddddddddd"));
        c.insert("e", "x".repeat(11).as_str());
        assert_eq!(c.get("e"), None, "a text over the byte cap is not kept");
        c.insert("d", "dd");
        assert_eq!(c.get("d"), Some("dd"));
    }

    #[test]
    fn html_bodies_are_read_as_text() {
        assert_eq!(body_text("<p>Salut &amp; bravo</p>"), "Salut & bravo");
        assert_eq!(body_text("Salut à tous"), "Salut à tous");
    }
}
