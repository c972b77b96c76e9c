//! The decision stage: one linear model for `review` and one per reason, fitted with
//! linfa's logistic regression on the feature stage's vectors, saved as JSON with the
//! feature spec that made them, and scored with a sparse dot product so every score
//! splits into per-feature contributions.

use crate::features::{
    self, FeatureParams, FeatureValidParams, FeatureVector, ENGINEERED, REASONS,
};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::LazyLock;

/// Version of the model file layout; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// The label of the review model, first in every model file.
pub const REVIEW: &str = "review";

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
    /// Feature name (engineered name, or `ngram:<bucket>`).
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
    /// Reasons, most probable first (empty when `review` is false).
    pub reasons: Vec<ReasonScore>,
    /// Top contributions (filled only when explaining).
    pub contributions: Vec<Contribution>,
    /// Every reason model's probability, in `REASONS` order (for evaluation).
    #[serde(skip)]
    pub reason_scores: [f32; 5],
    /// When explaining a review that no reason reaches: its most likely reason, which
    /// stays below its own threshold and is therefore not one of `reasons`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub below_threshold: Vec<ReasonScore>,
    /// The site rules that fired (`--rules`), in text order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<crate::rules::RuleHit>,
}

/// The feature spec a model was trained with; scoring rebuilds exactly these features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    /// Hashing and n-gram parameters.
    #[serde(flatten)]
    pub params: FeatureParams,
    /// Names of the engineered features, in vector order.
    pub engineered: Vec<String>,
    /// Checksum of the lexicons compiled into the binary that trained it.
    pub lexicon_checksum: String,
    /// How the hashed n-gram values are scaled per comment: `l2` (unit length, so a
    /// long comment's many n-grams do not drown its few strong words) or `none`.
    #[serde(default = "no_norm")]
    pub ngram_norm: String,
}

fn no_norm() -> String {
    "none".into()
}

/// The n-gram scaling this binary trains with.
pub const NGRAM_NORM: &str = "l2";

/// The factor applied to every hashed n-gram value of a comment under `norm`.
pub fn ngram_scale(norm: &str, hashed: &[(u32, f32)]) -> f32 {
    if norm != "l2" {
        return 1.0;
    }
    let sq: f32 = hashed.iter().map(|&(_, v)| v * v).sum();
    if sq > 0.0 {
        1.0 / sq.sqrt()
    } else {
        0.0
    }
}

/// Standardisation of the engineered features (hashed n-grams stay raw).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scaler {
    /// Means.
    pub mean: Vec<f32>,
    /// Standard deviations (1 where a feature never varied).
    pub std: Vec<f32>,
}

/// Quality figures for one label.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Precision at the threshold.
    pub precision: f32,
    /// Recall at the threshold.
    pub recall: f32,
    /// F1 at the threshold.
    pub f1: f32,
    /// Area under the ROC curve.
    pub roc_auc: f32,
    /// The threshold used.
    pub threshold: f32,
    /// True positives.
    pub tp: u32,
    /// False positives.
    pub fp: u32,
    /// False negatives.
    pub fn_: u32,
    /// True negatives.
    pub tn: u32,
}

/// One fitted binary model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelModel {
    /// `review` or a reason.
    pub name: String,
    /// L2 strength chosen by cross-validation.
    pub alpha: f32,
    /// Decision threshold chosen on the folds.
    pub threshold: f32,
    /// Intercept.
    pub intercept: f32,
    /// One weight per feature (buckets, then engineered).
    pub weights: Vec<f32>,
    /// Cross-validated metrics at the threshold.
    pub cv: Metrics,
}

/// How the model was trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingInfo {
    /// Labelled rows used.
    pub rows: usize,
    /// Positives per label.
    pub label_counts: std::collections::BTreeMap<String, usize>,
    /// FNV-1a checksum of the training texts and labels.
    pub data_checksum: String,
    /// Cross-validation folds.
    pub folds: usize,
    /// Seed of the fold assignment.
    pub seed: u64,
    /// Minimum precision asked for when choosing thresholds, if any.
    pub min_precision: Option<f32>,
    /// The training files, by name.
    pub sources: Vec<String>,
}

/// The model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    /// Layout version.
    pub schema_version: u32,
    /// tamis version that trained it.
    pub tamis_version: String,
    /// Feature spec.
    pub features: FeatureSpec,
    /// Scaler of the engineered features.
    pub scaler: Scaler,
    /// `review` first, then one model per reason in `REASONS` order.
    pub labels: Vec<LabelModel>,
    /// Training metadata.
    pub training: TrainingInfo,
}

/// A loaded, checked model ready to score.
#[derive(Debug, Clone)]
pub struct Model {
    file: ModelFile,
    params: FeatureValidParams,
    checksum: String,
    /// Every label's weights side by side, one row of `LANES` per feature (a lane per
    /// label, unused lanes zero): scoring reads one row per n-gram and updates all six
    /// margins at once, instead of six passes over six separate vectors.
    packed: Vec<[f32; LANES]>,
    /// `(engineered index, cap)` of each `UNBOUNDED` feature: the range its training
    /// saw, the scaler's mean + 4 standard deviations, never below two.
    caps: Vec<(usize, f32)>,
}

/// Engineered features without an upper bound (hit counts, length, punctuation). The
/// model weighs each linearly, and some learned a small negative weight beside a large
/// positive one elsewhere (a hit count beside its detector's score, the length beside the
/// words): counted far past what training saw, that correction alone would outweigh the
/// signal, and thirty insults in one comment would score lower than one.
pub const UNBOUNDED: [&str; 12] = [
    "n_insult",
    "n_dehumanising",
    "n_slur",
    "n_profanity",
    "n_threat",
    "n_wrongdoing",
    "n_disguised",
    "log_words",
    "exclamations",
    "questions",
    "mask_chars",
    "elongations",
];

/// Lanes of a packed weight row: six labels, padded to a vector width.
const LANES: usize = 8;

/// Builds the packed rows of `labels` (see `Model::packed`); a label without weights
/// (a reason never trained) keeps zeros.
fn pack_weights(labels: &[LabelModel], dim: usize) -> Vec<[f32; LANES]> {
    let mut rows = vec![[0f32; LANES]; dim];
    for (l, label) in labels.iter().enumerate().take(LANES) {
        for (row, &w) in rows.iter_mut().zip(&label.weights) {
            row[l] = w;
        }
    }
    rows
}

static DEFAULT_JSON: &str = include_str!("../models/default.json");
static EMBEDDED: LazyLock<std::result::Result<Model, String>> = LazyLock::new(|| {
    Model::from_json(
        DEFAULT_JSON.as_bytes(),
        Path::new("<embedded models/default.json>"),
    )
    .map_err(|e| e.to_string())
});

/// FNV-1a over bytes, as 16 hex digits (checksums of models and data).
pub fn fnv1a_hex(chunks: &[&[u8]]) -> String {
    use crate::features::ngrams::{fnv1a, FNV_OFFSET};
    let h = chunks.iter().fold(FNV_OFFSET, |h, c| fnv1a(h, c));
    format!("{h:016x}")
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

impl Model {
    /// The model compiled into the binary.
    pub fn embedded() -> Result<&'static Model> {
        EMBEDDED.as_ref().map_err(|e| Error::Other(e.clone()))
    }

    /// Loads a model file, refusing one whose feature spec or lexicons differ from this
    /// binary's.
    pub fn load(path: &Path) -> Result<Model> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Model::from_json(&bytes, path)
    }

    /// Parses and checks a model from JSON bytes.
    pub fn from_json(bytes: &[u8], path: &Path) -> Result<Model> {
        let err = |m: String| Error::Model {
            path: path.into(),
            message: m,
        };
        let file: ModelFile =
            serde_json::from_slice(bytes).map_err(|e| err(format!("not a tamis model: {e}")))?;
        if file.schema_version != SCHEMA_VERSION {
            return Err(err(format!(
                "model schema version {} is not supported (this tamis reads {SCHEMA_VERSION})",
                file.schema_version
            )));
        }
        let spec = &file.features;
        let want: Vec<&str> = ENGINEERED.to_vec();
        if spec
            .engineered
            .iter()
            .map(String::as_str)
            .ne(want.iter().copied())
        {
            return Err(err(format!(
                "the model was trained with other engineered features ({} names, this binary has {}): retrain it with `tamis train`",
                spec.engineered.len(),
                want.len()
            )));
        }
        let lex = features::lexicon_checksum();
        if spec.lexicon_checksum != lex {
            return Err(err(format!(
                "the model was trained with other lexicons (checksum {}, this binary has {lex}): retrain it with `tamis train`",
                spec.lexicon_checksum
            )));
        }
        if spec.ngram_norm != "l2" && spec.ngram_norm != "none" {
            return Err(err(format!("unknown n-gram scaling {:?}", spec.ngram_norm)));
        }
        let params = spec.params.clone().check()?;
        let names: Vec<&str> = file.labels.iter().map(|l| l.name.as_str()).collect();
        let mut expected = vec![REVIEW];
        expected.extend(REASONS);
        if names != expected {
            return Err(err(format!("labels {names:?}, expected {expected:?}")));
        }
        for (i, l) in file.labels.iter().enumerate() {
            // A reason trained from no reason labels at all (`train` on review labels
            // only) has no weights: it never scores and never lists that reason.
            if i > 0 && l.weights.is_empty() {
                continue;
            }
            if l.weights.len() != params.dim() {
                return Err(err(format!(
                    "label {}: {} weights for {} features",
                    l.name,
                    l.weights.len(),
                    params.dim()
                )));
            }
        }
        if file.scaler.mean.len() != ENGINEERED.len() || file.scaler.std.len() != ENGINEERED.len() {
            return Err(err("scaler does not match the engineered features".into()));
        }
        let packed = pack_weights(&file.labels, params.dim());
        let sc = &file.scaler;
        let caps = UNBOUNDED
            .iter()
            .filter_map(|n| ENGINEERED.iter().position(|e| e == n))
            .map(|k| (k, (sc.mean[k] + 4.0 * sc.std[k]).max(2.0)))
            .collect();
        Ok(Model {
            checksum: fnv1a_hex(&[bytes]),
            file,
            params,
            packed,
            caps,
        })
    }

    /// The caps of the unbounded engineered features (see `UNBOUNDED`).
    pub fn caps(&self) -> &[(usize, f32)] {
        &self.caps
    }

    /// Checksum of the model file (reported in every score).
    pub fn checksum(&self) -> &str {
        &self.checksum
    }

    /// The review threshold.
    pub fn threshold(&self) -> f32 {
        self.file.labels[0].threshold
    }

    /// The feature parameters scoring must use.
    pub fn feature_params(&self) -> &FeatureValidParams {
        &self.params
    }

    /// The model file's content.
    pub fn file(&self) -> &ModelFile {
        &self.file
    }

    /// The terms of label `l`'s linear score, one per non-zero feature (for
    /// `--explain`); their sum, with the intercept, is that label's lane of `margins`.
    fn contributions(&self, l: &LabelModel, fv: &FeatureVector) -> Vec<(usize, f32)> {
        let b = self.params.buckets();
        let scale = ngram_scale(&self.file.features.ngram_norm, &fv.hashed);
        let sc = &self.file.scaler;
        let hashed = fv
            .hashed
            .iter()
            .map(|&(i, v)| (i as usize, l.weights[i as usize] * v * scale));
        let engineered = fv
            .engineered
            .iter()
            .enumerate()
            .map(|(k, &x)| (b + k, l.weights[b + k] * (x - sc.mean[k]) / sc.std[k]));
        hashed.chain(engineered).collect()
    }

    /// Raw linear scores of every label at once (lane `l` is label `l`), each summed in
    /// exactly the order and with exactly the operations of `margin`, so the results are
    /// bit for bit the same: lanes are independent IEEE operations.
    fn margins(&self, fv: &FeatureVector) -> [f32; LANES] {
        let b = self.params.buckets();
        let mut z = [0f32; LANES];
        for (zl, l) in z.iter_mut().zip(&self.file.labels) {
            *zl = l.intercept;
        }
        let scale = ngram_scale(&self.file.features.ngram_norm, &fv.hashed);
        for &(i, v) in &fv.hashed {
            let w = &self.packed[i as usize];
            for l in 0..LANES {
                z[l] += w[l] * v * scale;
            }
        }
        let sc = &self.file.scaler;
        for (k, &x) in fv.engineered.iter().enumerate() {
            let w = &self.packed[b + k];
            let (m, sd) = (sc.mean[k], sc.std[k]);
            for l in 0..LANES {
                z[l] += w[l] * (x - m) / sd;
            }
        }
        z
    }

    /// Scores one comment. `threshold` overrides the review threshold.
    pub fn score(&self, fv: &FeatureVector, threshold: Option<f32>, explain: bool) -> Score {
        self.score_with(fv, threshold, explain, true)
    }

    /// Scores one comment; `masked_possible` false means the text shows no sign of a
    /// disguise at all, so `masked_slur` cannot be one of its reasons (its model also
    /// learned the topics that disguised words come with, threats among them).
    pub fn score_with(
        &self,
        fv: &FeatureVector,
        threshold: Option<f32>,
        explain: bool,
        masked_possible: bool,
    ) -> Score {
        let labels = &self.file.labels;
        let parts = explain.then(|| self.contributions(&labels[0], fv));
        let z = self.margins(fv);
        let p = sigmoid(z[0]);
        let review = p >= threshold.unwrap_or(labels[0].threshold);
        let mut reason_scores = [0f32; 5];
        for (k, l) in labels[1..].iter().enumerate() {
            if !l.weights.is_empty() {
                reason_scores[k] = sigmoid(z[k + 1]);
            }
        }
        // Only reasons over their own threshold are reasons. A review none of them
        // explains gets its most likely reason under `below_threshold` when explaining,
        // never presented as a reason.
        // A review-only model (trained without reasons) has empty reason weights.
        let allowed = |k: usize| {
            (masked_possible || REASONS[k] != "masked_slur") && !labels[k + 1].weights.is_empty()
        };
        let mut reasons = Vec::new();
        let mut below_threshold = Vec::new();
        if review {
            for k in (0..REASONS.len()).filter(|&k| allowed(k)) {
                if reason_scores[k] >= labels[k + 1].threshold {
                    reasons.push(ReasonScore {
                        reason: REASONS[k].to_string(),
                        score: reason_scores[k],
                        evidence: evidence_for(REASONS[k], fv),
                    });
                }
            }
            reasons.sort_by(|a, b| b.score.total_cmp(&a.score));
            if reasons.is_empty() && explain {
                let best = (0..REASONS.len()).filter(|&k| allowed(k)).max_by(|&a, &b| {
                    let ra = reason_scores[a] / labels[a + 1].threshold.max(1e-6);
                    let rb = reason_scores[b] / labels[b + 1].threshold.max(1e-6);
                    ra.total_cmp(&rb)
                });
                if let Some(k) = best {
                    below_threshold.push(ReasonScore {
                        reason: REASONS[k].to_string(),
                        score: reason_scores[k],
                        evidence: evidence_for(REASONS[k], fv),
                    });
                }
            }
        }
        let contributions = parts
            .map(|mut ps| {
                ps.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
                ps.truncate(10);
                ps.into_iter()
                    .map(|(i, v)| Contribution {
                        feature: self.feature_name(i),
                        value: v,
                    })
                    .collect()
            })
            .unwrap_or_default();
        Score {
            review,
            score: p,
            reasons,
            contributions,
            reason_scores,
            below_threshold,
            rules: Vec::new(),
        }
    }

    /// The (at most two) words of `text` whose own n-grams weigh most for `reason`'s
    /// model, when that weight is positive: exact substrings of `text`.
    pub fn word_evidence(&self, reason: &str, text: &str) -> Vec<EvidenceSpan> {
        let Some(l) = self.file.labels.iter().find(|l| l.name == reason) else {
            return Vec::new();
        };
        if l.weights.is_empty() {
            return Vec::new();
        }
        let b = self.params.buckets();
        let mut ws = features::word_weights(text, &self.params, &l.weights[..b]);
        // Function words carry weight (generalisations start with "les … sont") but
        // show a moderator nothing: the evidence is the content words.
        ws.retain(|w| {
            w.2 > 0.0
                && !text
                    .get(w.0..w.1)
                    .is_some_and(|t| FUNCTION_WORDS.contains(&t.to_lowercase().as_str()))
        });
        ws.sort_by(|x, y| y.2.total_cmp(&x.2));
        let mut out: Vec<EvidenceSpan> = ws
            .into_iter()
            .take(2)
            .filter_map(|(s, e, _)| {
                text.get(s..e).map(|t| EvidenceSpan {
                    text: t.to_string(),
                    start: s,
                    end: e,
                })
            })
            .collect();
        out.sort_by_key(|e| e.start);
        out
    }

    /// A readable name for feature column `i`: what the feature means in French, then
    /// its technical name (`cible : deuxième personne (second_person)`). Hashed columns
    /// are `ngram:<bucket>` until the scorer names them by the comment's own n-grams.
    pub fn feature_name(&self, i: usize) -> String {
        let b = self.params.buckets();
        if i >= b {
            ENGINEERED.get(i - b).map_or_else(
                || format!("feature:{i}"),
                |n| match describe_engineered(n) {
                    Some(d) => format!("{d} ({n})"),
                    None => n.to_string(),
                },
            )
        } else {
            format!("ngram:{i}")
        }
    }

    /// Writes the model file atomically (temp file in the same directory, then rename).
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = to_json(&self.file)?;
        write_atomic(path, json.as_bytes())
    }
}

/// What an engineered feature means, in French, for `--explain`.
pub fn describe_engineered(name: &str) -> Option<&'static str> {
    Some(match name {
        "det_insult" => "détecteur : insulte",
        "det_masked_slur" => "détecteur : mot masqué",
        "det_hate" => "détecteur : haine",
        "det_threat" => "détecteur : menace",
        "det_accusation" => "détecteur : accusation",
        "det_profanity" => "détecteur : grossièreté",
        "n_insult" => "mots d’insulte",
        "n_dehumanising" => "mots déshumanisants",
        "n_slur" => "injures visant un groupe",
        "n_profanity" => "grossièretés",
        "n_threat" => "mots de menace",
        "n_wrongdoing" => "mots d’accusation (délit, faute)",
        "n_disguised" => "mots déguisés",
        "target_present" => "une cible est nommée",
        "second_person" => "cible : deuxième personne",
        "proper_name" => "cible : nom propre",
        "group_noun" => "cible : un groupe",
        "protected_group" => "cible : groupe protégé",
        "attribution_cue" => "attribution (« il a », « elle est »)",
        "hearsay_cue" => "ouï-dire (« on dit que »)",
        "counter_speech_cue" => "contre-discours",
        "negation_cue" => "négation",
        "hit_in_quote" => "mot entre guillemets",
        "quotes_parent" => "cite le commentaire parent",
        "parent_insult" => "parent : insulte",
        "parent_masked_slur" => "parent : mot masqué",
        "parent_hate" => "parent : haine",
        "parent_threat" => "parent : menace",
        "parent_accusation" => "parent : accusation",
        "parent_profanity" => "parent : grossièreté",
        "parent_max" => "parent : détecteur le plus fort",
        "depth" => "profondeur dans le fil",
        "is_reply" => "est une réponse",
        "flagged_siblings" => "réponses voisines signalées",
        "reply_second_person" => "réponse en deuxième personne",
        "log_words" => "longueur",
        "caps_ratio" => "majuscules",
        "exclamations" => "points d’exclamation",
        "questions" => "points d’interrogation",
        "has_url" => "lien",
        "mask_chars" => "caractères de masquage",
        "elongations" => "lettres répétées",
        "frame_group_emotion" => "cadre : émotion envers un groupe",
        "frame_group_dehumanising" => "cadre : groupe déshumanisé",
        "frame_group_exclusion" => "cadre : exclusion d’un groupe",
        "frame_group_violence" => "cadre : violence contre un groupe",
        "frame_group_negated" => "cadre : propos sur un groupe nié",
        "frame_opinion" => "cadre : opinion",
        "frame_question_group" => "cadre : question sur un groupe",
        "frame_reported" => "cadre : propos rapportés",
        "frame_counter_speech" => "cadre : contre-discours",
        "frame_source_hearsay" => "source : ouï-dire",
        "frame_source_named" => "source : presse, autorité ou justice",
        "frame_source_leap" => "cadre : conclusion sans source",
        "frame_veiled_threat" => "cadre : menace voilée",
        "frame_nickname" => "cadre : surnom moqueur",
        "frame_mockery" => "cadre : moquerie",
        "frame_contempt" => "cadre : mépris",
        "frame_target_idea" => "cible : une idée ou une institution",
        "frame_group_stereotype" => "cadre : stéréotype sur un groupe",
        "frame_negated_negative" => "cadre : négatif nié",
        _ => return None,
    })
}

/// An n-gram as `ngrams_in_bucket` describes it (`w:t'es con`, `c: con`), in words:
/// `mot « con »`, `suite « t'es con »`, `n-gramme « ␣con »` (␣ marks a word edge).
pub fn describe_ngram(d: &str) -> String {
    if let Some(w) = d.strip_prefix("w:") {
        if w.contains(' ') {
            format!("suite « {w} »")
        } else {
            format!("mot « {w} »")
        }
    } else if let Some(c) = d.strip_prefix("c:") {
        format!("n-gramme « {} »", c.replace(' ', "␣"))
    } else {
        d.to_string()
    }
}

/// French function words left out of n-gram evidence.
const FUNCTION_WORDS: &[&str] = &[
    "a", "à", "ai", "alors", "as", "au", "aussi", "aux", "avec", "avez", "avoir", "avons", "bien",
    "c", "ca", "ça", "car", "ce", "ceci", "cela", "ces", "cette", "comme", "d", "dans", "de",
    "des", "donc", "dont", "du", "elle", "elles", "en", "encore", "es", "est", "et", "été", "êtes",
    "être", "eux", "fait", "ici", "il", "ils", "j", "je", "l", "la", "là", "le", "les", "leur",
    "leurs", "lui", "m", "ma", "mais", "me", "même", "mes", "moi", "moins", "mon", "n", "ne", "ni",
    "nos", "notre", "nous", "on", "ont", "or", "ou", "où", "par", "pas", "plus", "pour", "qu",
    "quand", "que", "qui", "quoi", "s", "sa", "sans", "se", "ses", "si", "soit", "sommes", "son",
    "sont", "suis", "sur", "t", "ta", "te", "tes", "toi", "ton", "tous", "tout", "toute", "toutes",
    "très", "tu", "un", "une", "vos", "votre", "vous", "y",
];

/// The evidence of a reason: the detector spans of that reason (masked words for
/// `masked_slur`), deduplicated.
/// The most evidence spans one reason lists: the first ones in the text. A moderator
/// reads a handful; a pasted wall of insults would otherwise carry every one of its
/// thousands of hits into each output line and the review page.
pub const MAX_EVIDENCE: usize = 100;

fn evidence_for(reason: &str, fv: &FeatureVector) -> Vec<EvidenceSpan> {
    // Each span once (the first time), whatever the number of hits.
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<EvidenceSpan> = fv
        .detection
        .evidence
        .iter()
        .filter(|e| e.detector == reason && seen.insert((e.start, e.end)))
        .map(|e| EvidenceSpan {
            text: e.text.clone(),
            start: e.start,
            end: e.end,
        })
        .collect();
    out.sort_by_key(|e| e.start);
    out.truncate(MAX_EVIDENCE);
    out
}

/// Serialises a model file: pretty JSON for the header, one line per weight vector.
pub fn to_json(file: &ModelFile) -> Result<String> {
    serde_json::to_string(file).map_err(|e| Error::Other(format!("cannot serialise model: {e}")))
}

/// Writes `bytes` to `path` atomically: a temp file beside it, then a rename, so a
/// failure never leaves a half-written file and an existing file is replaced whole.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(dir, e))?;
    tmp.write_all(bytes).map_err(|e| Error::io(path, e))?;
    // A temp file is created 0600; the written file is an ordinary output (0644, or
    // whatever the file it replaces had).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o777);
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(|e| Error::io(path, e))?;
    }
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn every_unbounded_feature_has_a_cap() {
        let m = Model::embedded().unwrap();
        assert_eq!(m.caps().len(), UNBOUNDED.len());
        for &(k, cap) in m.caps() {
            assert!(UNBOUNDED.contains(&ENGINEERED[k]) && cap >= 2.0);
        }
    }

    #[test]
    fn atomic_writes_are_readable_by_others() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.json");
        write_atomic(&p, b"{}").unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
        assert_eq!(std::fs::read(&p).unwrap(), b"{}");
    }

    #[test]
    fn fnv_is_the_published_function() {
        // FNV-1a 64 of "a" is af63dc4c8601ec8c (published test vector).
        assert_eq!(fnv1a_hex(&[b"a"]), "af63dc4c8601ec8c");
        assert_eq!(fnv1a_hex(&[b"", b"a"]), fnv1a_hex(&[b"a"]));
    }

    #[test]
    fn sigmoid_is_symmetric() {
        assert!((sigmoid(0.0) - 0.5).abs() < 1e-6);
        assert!((sigmoid(3.0) + sigmoid(-3.0) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn atomic_write_replaces_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.json");
        std::fs::write(&p, "old").unwrap();
        write_atomic(&p, b"new content").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new content");
        // A directory that does not exist: error, nothing written.
        let bad = dir.path().join("absent/m.json");
        assert!(write_atomic(&bad, b"x").is_err());
        assert!(!bad.exists());
    }

    #[test]
    fn embedded_model_matches_this_binary() {
        // The shipped model must load: same feature spec, same lexicons.
        let m = Model::embedded().expect(
            "models/default.json matches the feature spec; retrain with the README command",
        );
        assert_eq!(m.file().labels.len(), 1 + REASONS.len());
        assert!(m.threshold() > 0.0 && m.threshold() < 1.0);
    }
}
