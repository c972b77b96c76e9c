//! Feature stage: turns one comment's text (plus its place in the thread) into a sparse
//! `FeatureVector` — hashed n-grams, named detector scores — and the evidence spans
//! behind every detector hit. Deterministic and explainable.
//!
//! INTERFACE CONTRACT (used by model.rs, pipeline.rs and export/): keep these names.

use serde::{Deserialize, Serialize};

/// The five reasons of the label policy, in severity order used nowhere else.
pub const REASONS: [&str; 5] = ["insult", "masked_slur", "accusation", "hate", "threat"];

/// Unchecked feature parameters, as recorded in a model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureParams {
    /// Hashed n-grams go into 2^hash_bits buckets.
    pub hash_bits: u32,
    /// Word n-gram range, inclusive.
    pub word_ngrams: (usize, usize),
    /// Character n-gram range, inclusive.
    pub char_ngrams: (usize, usize),
}

impl Default for FeatureParams {
    fn default() -> Self {
        FeatureParams {
            hash_bits: 12,
            word_ngrams: (1, 2),
            char_ngrams: (3, 5),
        }
    }
}

/// Checked feature parameters: only these reach `extract`.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureValidParams(FeatureParams);

impl FeatureParams {
    /// Checks the ranges once.
    pub fn check(self) -> crate::Result<FeatureValidParams> {
        if !(4..=24).contains(&self.hash_bits) {
            return Err(crate::Error::Params(format!(
                "hash_bits {} is outside 4..=24",
                self.hash_bits
            )));
        }
        for (name, (lo, hi)) in [("word", self.word_ngrams), ("char", self.char_ngrams)] {
            if lo == 0 || lo > hi || hi > 8 {
                return Err(crate::Error::Params(format!(
                    "{name} n-gram range {lo}..={hi} is not within 1..=8"
                )));
            }
        }
        Ok(FeatureValidParams(self))
    }
}

impl FeatureValidParams {
    /// The parameters as given.
    pub fn params(&self) -> &FeatureParams {
        &self.0
    }
    /// Number of hashed buckets.
    pub fn buckets(&self) -> usize {
        1usize << self.0.hash_bits
    }
    /// Total feature dimension: buckets then the engineered features.
    pub fn dim(&self) -> usize {
        self.buckets() + ENGINEERED.len()
    }
}

/// One evidence span: byte offsets into the comment text as given to `extract`;
/// `text == &comment[start..end]` always holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Detector that produced it: one of REASONS, or a cue kind (`profanity`,
    /// `target`, `attribution`, `hearsay`, `counter_speech`, `negation`).
    pub detector: String,
    /// Lexicon entry (canonical form) that matched, e.g. `connard`.
    pub term: String,
    /// Start byte offset (char boundary).
    pub start: usize,
    /// End byte offset (char boundary).
    pub end: usize,
    /// The exact substring of the original text.
    pub text: String,
}

/// Detector scores in [0, 1] (0 = nothing found).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct DetectorScores {
    /// Insult aimed at someone.
    pub insult: f32,
    /// Disguised insult/slur/vulgarity (with or without target; the model decides).
    pub masked_slur: f32,
    /// Slur or dehumanising term aimed at a protected group.
    pub hate: f32,
    /// Threat or wish of physical harm.
    pub threat: f32,
    /// Unsourced accusation of wrongdoing against a target.
    pub accusation: f32,
    /// Profanity present (never a reason on its own).
    pub profanity: f32,
}

/// What the detectors found in one text.
#[derive(Debug, Clone, Default)]
pub struct Detection {
    /// Scores per detector.
    pub scores: DetectorScores,
    /// Every hit, with its span.
    pub evidence: Vec<Evidence>,
}

/// Where the comment sits in its thread. `Context::default()` = no thread.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// 0 = top level.
    pub depth: usize,
    /// The parent comment's text, when it is a reply.
    pub parent_text: Option<&'a str>,
    /// The parent's detector scores (never the model's probability).
    pub parent_scores: Option<&'a DetectorScores>,
    /// How many earlier siblings (same parent) have any detector score ≥ 0.5.
    pub flagged_siblings: usize,
}

/// Names of the engineered (dense, standardised) features, in vector order.
pub const ENGINEERED: &[&str] = &[];

/// The features of one comment.
#[derive(Debug, Clone, Default)]
pub struct FeatureVector {
    /// Sparse hashed n-grams: (bucket < 2^hash_bits, raw value e.g. ±(1+ln tf)), sorted by bucket, unique.
    pub hashed: Vec<(u32, f32)>,
    /// Engineered features, `ENGINEERED.len()` values, in that order (not standardised).
    pub engineered: Vec<f32>,
    /// Detector results with evidence.
    pub detection: Detection,
}

/// Runs the detectors alone (used for parent context and `explain`).
pub fn detect(_text: &str) -> Detection {
    Detection::default()
}

/// Extracts the full feature vector of one comment.
pub fn extract(text: &str, ctx: &Context, params: &FeatureValidParams) -> FeatureVector {
    let _ = (text, ctx, params);
    FeatureVector {
        hashed: Vec::new(),
        engineered: vec![0.0; ENGINEERED.len()],
        detection: detect(text),
    }
}

/// Checksum of the embedded lexicons (recorded in models; a mismatch refuses the model).
pub fn lexicon_checksum() -> String {
    String::from("none")
}
