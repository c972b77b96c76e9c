//! The decision stage: linear models fitted with linfa, saved as JSON with the feature
//! spec that made them, and scored with a sparse dot product. (stub)

use serde::{Deserialize, Serialize};

/// One evidence span as exported (byte offsets in the comment text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceSpan {
    /// Exact substring of the comment.
    pub text: String,
    /// Start byte offset.
    pub start: usize,
    /// End byte offset.
    pub end: usize,
}

/// One reason over its threshold (or the most likely one for a review with none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReasonScore {
    /// One of `features::REASONS`.
    pub reason: String,
    /// Probability from that reason's model.
    pub score: f32,
    /// The words behind it.
    pub evidence: Vec<EvidenceSpan>,
}

/// A feature's contribution to the review score (`--explain`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// Feature name (engineered name, or `ngram:<text>` / `bucket:<n>`).
    pub feature: String,
    /// weight × value.
    pub value: f32,
}

/// The model's verdict on one comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// Decision at the threshold in force.
    pub review: bool,
    /// Probability of review.
    pub score: f32,
    /// Reasons, most probable first.
    pub reasons: Vec<ReasonScore>,
    /// Top contributions (filled only when explaining).
    pub contributions: Vec<Contribution>,
}
