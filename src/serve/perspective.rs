//! Perspective API v1alpha1, as far as comment platforms use it: `comments:analyze`
//! (scores for requested attributes, optionally per sentence) and
//! `comments:suggestscore` (a moderator's verdict). Requests are parsed and checked
//! here, without I/O, so that every error of Google's envelope is testable alone.
//!
//! Attribute mapping (tamis has one review model and one model per reason):
//!
//! | attribute | value |
//! |---|---|
//! | `TOXICITY` | the review probability |
//! | `SEVERE_TOXICITY` | min(review, max(threat, hate)): toxic *and* threatening or hateful |
//! | `INSULT` | max(insult, masked_slur): a disguised insult is an insult |
//! | `IDENTITY_ATTACK` | hate |
//! | `THREAT` | threat |
//! | `PROFANITY` | max(the profanity detector, masked_slur) |
//! | `ACCUSATION`, `MASKED_SLUR` | tamis's own reasons |
//!
//! Each name is also accepted with the `_EXPERIMENTAL` suffix clients send for French,
//! and answered under the name requested.

use crate::features::DetectorScores;
use crate::model::Score;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Longest comment accepted, in bytes of UTF-8 (Perspective's own limit).
pub const MAX_COMMENT_BYTES: usize = 20_480;

/// An error in Google's envelope: `{"error":{"code","message","status","details"}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub code: u16,
    /// Google's status name (`INVALID_ARGUMENT`, `UNAUTHENTICATED`…).
    pub status: &'static str,
    /// What is wrong, for a person.
    pub message: String,
    /// Perspective's `errorType` detail (`COMMENT_TOO_LONG`…), when it has one.
    pub error_type: Option<&'static str>,
}

impl ApiError {
    /// A 400 `INVALID_ARGUMENT`.
    pub fn invalid(message: impl Into<String>, error_type: Option<&'static str>) -> Self {
        ApiError {
            code: 400,
            status: "INVALID_ARGUMENT",
            message: message.into(),
            error_type,
        }
    }

    /// Any other status.
    pub fn new(code: u16, status: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            status,
            message: message.into(),
            error_type: None,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        let mut err = json!({
            "code": self.code,
            "message": self.message,
            "status": self.status,
        });
        if let Some(t) = self.error_type {
            err["details"] = json!([{
                "@type": "type.googleapis.com/google.commentanalyzer.v1alpha1.Error",
                "errorType": t,
            }]);
        }
        json!({ "error": err }).to_string()
    }
}

/// The attributes tamis answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attr {
    /// Review probability.
    Toxicity,
    /// Toxic and threatening or hateful.
    SevereToxicity,
    /// Insult (disguised or not).
    Insult,
    /// Hate against a group.
    IdentityAttack,
    /// Threat.
    Threat,
    /// Crude words.
    Profanity,
    /// Unfounded accusation (tamis).
    Accusation,
    /// Disguised slur (tamis).
    MaskedSlur,
}

impl Attr {
    /// Parses a requested name (case as sent; `_EXPERIMENTAL` accepted).
    pub fn parse(name: &str) -> Option<Attr> {
        let base = name.strip_suffix("_EXPERIMENTAL").unwrap_or(name);
        Some(match base {
            "TOXICITY" => Attr::Toxicity,
            "SEVERE_TOXICITY" => Attr::SevereToxicity,
            "INSULT" => Attr::Insult,
            "IDENTITY_ATTACK" => Attr::IdentityAttack,
            "THREAT" => Attr::Threat,
            "PROFANITY" => Attr::Profanity,
            "ACCUSATION" => Attr::Accusation,
            "MASKED_SLUR" => Attr::MaskedSlur,
            _ => return None,
        })
    }

    /// The value of this attribute for one scored text.
    pub fn value(self, s: &Score, det: &DetectorScores) -> f32 {
        // `reason_scores` is in `features::REASONS` order.
        let [insult, masked, accusation, hate, threat] = s.reason_scores;
        let v = match self {
            Attr::Toxicity => s.score,
            Attr::SevereToxicity => s.score.min(threat.max(hate)),
            Attr::Insult => insult.max(masked),
            Attr::IdentityAttack => hate,
            Attr::Threat => threat,
            Attr::Profanity => det.profanity.max(masked),
            Attr::Accusation => accusation,
            Attr::MaskedSlur => masked,
        };
        v.clamp(0.0, 1.0)
    }

    /// The tamis reason a moderator's verdict on this attribute speaks of.
    pub fn reason(self) -> Option<&'static str> {
        match self {
            Attr::Insult => Some("insult"),
            Attr::IdentityAttack => Some("hate"),
            Attr::Threat => Some("threat"),
            Attr::Accusation => Some("accusation"),
            Attr::MaskedSlur => Some("masked_slur"),
            Attr::Toxicity | Attr::SevereToxicity | Attr::Profanity => None,
        }
    }
}

/// `{"text": …, "type": …}` as in `comment` and context entries.
#[derive(Debug, Default, Deserialize)]
pub struct TextEntry {
    /// The text.
    #[serde(default)]
    pub text: Option<String>,
    /// `PLAIN_TEXT` (default) or `HTML`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// `context`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextIn {
    /// Free context entries; the last one that is not JSON metadata is taken as the
    /// comment answered.
    #[serde(default)]
    pub entries: Option<Vec<TextEntry>>,
    /// The article and the parent comment.
    #[serde(default)]
    pub article_and_parent_comment: Option<ArticleAndParent>,
}

/// `context.articleAndParentComment`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArticleAndParent {
    /// The article (accepted, not scored).
    #[serde(default)]
    pub article: Option<TextEntry>,
    /// The comment answered.
    #[serde(default)]
    pub parent_comment: Option<TextEntry>,
}

/// The body of `comments:analyze` (fields Perspective defines; others are ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalyzeRequest {
    /// The comment.
    #[serde(default)]
    pub comment: Option<TextEntry>,
    /// Thread context.
    #[serde(default)]
    pub context: Option<ContextIn>,
    /// Attribute name → `{scoreType, scoreThreshold}`.
    #[serde(default)]
    pub requested_attributes: Option<Map<String, Value>>,
    /// ISO 639-1 codes.
    #[serde(default)]
    pub languages: Option<Vec<String>>,
    /// Nothing about this request may be kept.
    #[serde(default)]
    pub do_not_store: Option<bool>,
    /// Echoed back.
    #[serde(default)]
    pub client_token: Option<String>,
    /// Accepted.
    #[serde(default)]
    pub session_id: Option<String>,
    /// Accepted.
    #[serde(default)]
    pub community_id: Option<String>,
    /// Per-sentence scores.
    #[serde(default)]
    pub span_annotations: Option<bool>,
}

/// The body of `comments:suggestscore`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SuggestRequest {
    /// The comment.
    #[serde(default)]
    pub comment: Option<TextEntry>,
    /// Thread context.
    #[serde(default)]
    pub context: Option<ContextIn>,
    /// Attribute name → `{summaryScore: {value}}`: the moderator's verdict.
    #[serde(default)]
    pub attribute_scores: Option<Map<String, Value>>,
    /// ISO 639-1 codes.
    #[serde(default)]
    pub languages: Option<Vec<String>>,
    /// The site (Coral sends `Coral:<tenant URL>`).
    #[serde(default)]
    pub community_id: Option<String>,
    /// The comment's id (Coral sends `comment:<id>`).
    #[serde(default)]
    pub client_token: Option<String>,
    /// Accepted.
    #[serde(default)]
    pub session_id: Option<String>,
    /// Nothing about this request may be kept.
    #[serde(default)]
    pub do_not_store: Option<bool>,
}

/// One requested attribute, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Requested {
    /// The name as sent (the response uses it).
    pub name: String,
    /// What it maps to.
    pub attr: Attr,
    /// Scores below this are left out of the response.
    pub threshold: Option<f32>,
}

/// A checked `comments:analyze` request.
#[derive(Debug, Clone, PartialEq)]
pub struct Analyze {
    /// The comment's plain text.
    pub text: String,
    /// The parent comment's plain text, from the context.
    pub parent: Option<String>,
    /// Attributes, in request order.
    pub attributes: Vec<Requested>,
    /// The languages echoed back (requested, or detected).
    pub languages: Vec<String>,
    /// Whether the languages were detected rather than given.
    pub detected: bool,
    /// Per-sentence scores wanted.
    pub spans: bool,
    /// Nothing may be kept.
    pub do_not_store: bool,
    /// Echoed back.
    pub client_token: Option<String>,
}

/// Parses JSON into `T`, with Perspective's message for malformed payloads.
pub fn parse_json<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid(format!("Invalid JSON payload received. {e}"), None))
}

/// The plain text of an entry (HTML stripped when `type` says so).
fn entry_text(e: &TextEntry) -> Result<String, ApiError> {
    let text = e.text.clone().unwrap_or_default();
    match e.kind.as_deref() {
        None | Some("PLAIN_TEXT") | Some("TEXT_TYPE_UNSPECIFIED") => Ok(text),
        Some("HTML") => Ok(super::text::html_to_text(&text)),
        Some(other) => Err(ApiError::invalid(
            format!("Unsupported text type {other:?}: use PLAIN_TEXT or HTML"),
            None,
        )),
    }
}

/// The comment's text, checked: present, not blank, at most `MAX_COMMENT_BYTES`.
fn comment_text(c: Option<&TextEntry>) -> Result<String, ApiError> {
    let Some(c) = c else {
        return Err(ApiError::invalid(
            "Comment must be non-empty.",
            Some("COMMENT_EMPTY"),
        ));
    };
    if c.text.as_ref().is_some_and(|t| t.len() > MAX_COMMENT_BYTES) {
        return Err(ApiError::invalid(
            format!("Comment text too long: the limit is {MAX_COMMENT_BYTES} bytes."),
            Some("COMMENT_TOO_LONG"),
        ));
    }
    let text = entry_text(c)?;
    if text.trim().is_empty() {
        return Err(ApiError::invalid(
            "Comment must be non-empty.",
            Some("COMMENT_EMPTY"),
        ));
    }
    Ok(text)
}

/// The comment answered, from `articleAndParentComment.parentComment`, else the last
/// context entry that is text rather than JSON metadata (Coral puts ids and URLs there).
fn parent_text(ctx: Option<&ContextIn>) -> Result<Option<String>, ApiError> {
    let Some(ctx) = ctx else { return Ok(None) };
    if let Some(p) = ctx
        .article_and_parent_comment
        .as_ref()
        .and_then(|a| a.parent_comment.as_ref())
    {
        let t = entry_text(p)?;
        if !t.trim().is_empty() {
            return Ok(Some(shorten_context(t)));
        }
    }
    for e in ctx.entries.iter().flatten().rev() {
        let t = entry_text(e)?;
        let trimmed = t.trim();
        if trimmed.is_empty()
            || (trimmed.starts_with('{') && serde_json::from_str::<Value>(trimmed).is_ok())
        {
            continue;
        }
        return Ok(Some(shorten_context(t)));
    }
    Ok(None)
}

/// Context longer than a comment may be is cut (at a character boundary): only its
/// words matter to the features, and the cost must stay bounded.
fn shorten_context(mut t: String) -> String {
    if t.len() > MAX_COMMENT_BYTES {
        let mut end = MAX_COMMENT_BYTES;
        while !t.is_char_boundary(end) {
            end -= 1;
        }
        t.truncate(end);
    }
    t
}

/// Checks `languages`: French must be among them when given; when absent, a text that
/// is clearly in another language is refused the way Perspective refuses it.
fn check_languages(
    given: Option<&[String]>,
    text: &str,
    first_attr: &str,
) -> Result<(Vec<String>, bool), ApiError> {
    let unsupported = |langs: &str| {
        ApiError::invalid(
            format!("Attribute {first_attr} does not support request languages: {langs}"),
            Some("LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"),
        )
    };
    match given.filter(|l| !l.is_empty()) {
        Some(langs) => {
            let french = langs.iter().any(|l| {
                let l = l.to_ascii_lowercase();
                l == "fr" || l.starts_with("fr-") || l.starts_with("fr_")
            });
            if french {
                Ok((langs.to_vec(), false))
            } else {
                Err(unsupported(&langs.join(",")))
            }
        }
        None => match super::text::not_french(text) {
            Some(lang) => Err(unsupported(lang)),
            None => Ok((vec!["fr".to_string()], true)),
        },
    }
}

/// Checks a `comments:analyze` request.
pub fn check_analyze(req: AnalyzeRequest) -> Result<Analyze, ApiError> {
    let text = comment_text(req.comment.as_ref())?;
    let requested = req.requested_attributes.unwrap_or_default();
    if requested.is_empty() {
        return Err(ApiError::invalid(
            "No requested attributes: name at least one in requestedAttributes (e.g. TOXICITY).",
            None,
        ));
    }
    let mut attributes = Vec::with_capacity(requested.len());
    for (name, opts) in requested {
        let Some(attr) = Attr::parse(&name) else {
            return Err(ApiError::invalid(
                format!("Unknown attribute {name:?}: tamis answers TOXICITY, SEVERE_TOXICITY, INSULT, IDENTITY_ATTACK, THREAT, PROFANITY, ACCUSATION, MASKED_SLUR (and their _EXPERIMENTAL names)"),
                None,
            ));
        };
        let opts = match opts {
            Value::Object(m) => m,
            Value::Null => Map::new(),
            _ => {
                return Err(ApiError::invalid(
                    format!("requestedAttributes.{name} must be an object"),
                    None,
                ))
            }
        };
        match opts.get("scoreType") {
            None | Some(Value::Null) => {}
            Some(Value::String(t)) if t == "PROBABILITY" || t == "SCORE_TYPE_UNSPECIFIED" => {}
            Some(t) => {
                return Err(ApiError::invalid(
                    format!("Unsupported scoreType {t} for {name}: tamis answers PROBABILITY only"),
                    None,
                ))
            }
        }
        let threshold = match opts.get("scoreThreshold") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_f64() {
                Some(t) if (0.0..=1.0).contains(&t) => Some(t as f32),
                _ => {
                    return Err(ApiError::invalid(
                        format!("scoreThreshold of {name} must be a number between 0 and 1"),
                        None,
                    ))
                }
            },
        };
        attributes.push(Requested {
            name,
            attr,
            threshold,
        });
    }
    let (languages, detected) =
        check_languages(req.languages.as_deref(), &text, &attributes[0].name)?;
    Ok(Analyze {
        parent: parent_text(req.context.as_ref())?,
        text,
        attributes,
        languages,
        detected,
        spans: req.span_annotations.unwrap_or(false),
        do_not_store: req.do_not_store.unwrap_or(false),
        client_token: req.client_token,
    })
}

/// A scorer: text and parent text in, the model's verdict and the detectors out.
pub type Scorer<'a> = dyn Fn(&str, Option<&str>) -> (Score, DetectorScores) + 'a;

/// Scores a checked request and builds the response body. Returns the body and the
/// whole-comment score (for logs and metrics).
pub fn analyze(req: &Analyze, score: &Scorer) -> (String, Score) {
    let (s, det) = score(&req.text, req.parent.as_deref());
    // Sentence scores: each sentence scored alone, with the same parent.
    let sentences: Vec<(usize, usize, Score, DetectorScores)> = if req.spans {
        let spans = super::text::sentences(&req.text);
        if spans.len() <= 1 {
            vec![(0, req.text.len(), s.clone(), det)]
        } else {
            spans
                .into_iter()
                .map(|(b, e)| {
                    let (ss, sd) = score(&req.text[b..e], req.parent.as_deref());
                    (b, e, ss, sd)
                })
                .collect()
        }
    } else {
        Vec::new()
    };
    let mut bytes: Vec<usize> = Vec::with_capacity(sentences.len() * 2);
    for (b, e, _, _) in &sentences {
        bytes.push(*b);
        bytes.push(*e);
    }
    let units = super::text::utf16_offsets(&req.text, &bytes);
    let mut scores = Map::new();
    for a in &req.attributes {
        let v = a.attr.value(&s, &det);
        if a.threshold.is_some_and(|t| v < t) {
            continue;
        }
        let mut entry = Map::new();
        if req.spans {
            let spans: Vec<Value> = sentences
                .iter()
                .enumerate()
                .filter_map(|(i, (_, _, ss, sd))| {
                    let sv = a.attr.value(ss, sd);
                    (!a.threshold.is_some_and(|t| sv < t)).then(|| {
                        json!({
                            "begin": units[2 * i],
                            "end": units[2 * i + 1],
                            "score": {"value": prob(sv), "type": "PROBABILITY"},
                        })
                    })
                })
                .collect();
            entry.insert("spanScores".into(), Value::Array(spans));
        }
        entry.insert(
            "summaryScore".into(),
            json!({"value": prob(v), "type": "PROBABILITY"}),
        );
        scores.insert(a.name.clone(), Value::Object(entry));
    }
    let mut out = Map::new();
    out.insert("attributeScores".into(), Value::Object(scores));
    out.insert("languages".into(), json!(req.languages));
    if req.detected {
        out.insert("detectedLanguages".into(), json!(req.languages));
    }
    if let Some(t) = &req.client_token {
        out.insert("clientToken".into(), json!(t));
    }
    (Value::Object(out).to_string(), s)
}

/// A probability as JSON, written with the digits an `f32` has (0.9939726, not
/// 0.9939725995063782).
fn prob(v: f32) -> Value {
    json!(format!("{v}").parse::<f64>().unwrap_or(0.0))
}

/// A checked `comments:suggestscore` request: the moderator's verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggest {
    /// The comment's plain text.
    pub text: String,
    /// The parent's plain text, when the context gives it.
    pub parent: Option<String>,
    /// `remove` when any attribute's value is at least 0.5, else `keep`.
    pub decision: &'static str,
    /// The tamis reasons of the attributes at 0.5 or more, `|`-joined.
    pub reasons: String,
    /// The site.
    pub community_id: Option<String>,
    /// The comment's id.
    pub client_token: Option<String>,
    /// Nothing may be kept.
    pub do_not_store: bool,
}

/// Checks a `comments:suggestscore` request.
pub fn check_suggest(req: SuggestRequest) -> Result<Suggest, ApiError> {
    let text = comment_text(req.comment.as_ref())?;
    let scores = req.attribute_scores.unwrap_or_default();
    if scores.is_empty() {
        return Err(ApiError::invalid(
            "No attribute scores: attributeScores must carry the verdict, e.g. {\"TOXICITY\":{\"summaryScore\":{\"value\":1}}}",
            None,
        ));
    }
    let mut remove = false;
    let mut reasons: Vec<&str> = Vec::new();
    for (name, v) in &scores {
        let Some(attr) = Attr::parse(name) else {
            return Err(ApiError::invalid(
                format!("Unknown attribute {name:?}"),
                None,
            ));
        };
        let value = v
            .get("summaryScore")
            .and_then(|s| s.get("value"))
            .and_then(Value::as_f64)
            .filter(|x| (0.0..=1.0).contains(x))
            .ok_or_else(|| {
                ApiError::invalid(
                    format!("attributeScores.{name}.summaryScore.value must be a number between 0 and 1"),
                    None,
                )
            })?;
        if value >= 0.5 {
            remove = true;
            if let Some(r) = attr.reason() {
                if !reasons.contains(&r) {
                    reasons.push(r);
                }
            }
        }
    }
    Ok(Suggest {
        parent: parent_text(req.context.as_ref())?,
        text,
        decision: if remove { "remove" } else { "keep" },
        reasons: reasons.join("|"),
        community_id: req.community_id,
        client_token: req.client_token,
        do_not_store: req.do_not_store.unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score_of(p: f32, reasons: [f32; 5]) -> Score {
        Score {
            review: p >= 0.5,
            score: p,
            reasons: vec![],
            contributions: vec![],
            reason_scores: reasons,
            below_threshold: vec![],
            rules: vec![],
        }
    }

    fn analyze_req(body: &str) -> Result<Analyze, ApiError> {
        check_analyze(parse_json(body.as_bytes())?)
    }

    #[test]
    fn coral_request_is_accepted() {
        let a = analyze_req(r#"{"comment":{"text":"Merci pour l'article"},"doNotStore":true,"requestedAttributes":{"TOXICITY":{}},"languages":["fr"]}"#).unwrap();
        assert_eq!(a.text, "Merci pour l'article");
        assert_eq!(a.attributes.len(), 1);
        assert_eq!(a.attributes[0].attr, Attr::Toxicity);
        assert!(a.do_not_store);
        assert_eq!(a.languages, ["fr"]);
        assert!(!a.detected);
    }

    #[test]
    fn every_error_has_its_envelope() {
        let cases: &[(&str, Option<&str>, &str)] = &[
            ("{", None, "Invalid JSON payload"),
            (
                r#"{"requestedAttributes":{"TOXICITY":{}}}"#,
                Some("COMMENT_EMPTY"),
                "non-empty",
            ),
            (
                r#"{"comment":{"text":"  "},"requestedAttributes":{"TOXICITY":{}}}"#,
                Some("COMMENT_EMPTY"),
                "non-empty",
            ),
            (
                r#"{"comment":{"text":"salut"}}"#,
                None,
                "No requested attributes",
            ),
            (
                r#"{"comment":{"text":"salut"},"requestedAttributes":{}}"#,
                None,
                "No requested attributes",
            ),
            (
                r#"{"comment":{"text":"salut"},"requestedAttributes":{"FLIRTATION":{}}}"#,
                None,
                "Unknown attribute",
            ),
            (
                r#"{"comment":{"text":"salut"},"requestedAttributes":{"TOXICITY":{"scoreType":"STD_DEV_SCORE"}}}"#,
                None,
                "Unsupported scoreType",
            ),
            (
                r#"{"comment":{"text":"salut"},"requestedAttributes":{"TOXICITY":{"scoreThreshold":2}}}"#,
                None,
                "scoreThreshold",
            ),
            (
                r#"{"comment":{"text":"salut"},"requestedAttributes":{"TOXICITY":{}},"languages":["en"]}"#,
                Some("LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"),
                "does not support request languages: en",
            ),
            (
                r#"{"comment":{"text":"salut","type":"MARKDOWN"},"requestedAttributes":{"TOXICITY":{}}}"#,
                None,
                "Unsupported text type",
            ),
        ];
        for (body, kind, msg) in cases {
            let e = analyze_req(body).unwrap_err();
            assert_eq!(e.code, 400, "{body}");
            assert_eq!(e.status, "INVALID_ARGUMENT");
            assert_eq!(e.error_type, *kind, "{body}");
            assert!(e.message.contains(msg), "{body}: {}", e.message);
            let v: Value = serde_json::from_str(&e.body()).unwrap();
            assert_eq!(v["error"]["code"], 400);
            assert_eq!(v["error"]["status"], "INVALID_ARGUMENT");
        }
        let long = format!(
            r#"{{"comment":{{"text":"{}"}},"requestedAttributes":{{"TOXICITY":{{}}}}}}"#,
            "a".repeat(MAX_COMMENT_BYTES + 1)
        );
        let e = analyze_req(&long).unwrap_err();
        assert_eq!(e.error_type, Some("COMMENT_TOO_LONG"));
        let v: Value = serde_json::from_str(&e.body()).unwrap();
        assert_eq!(v["error"]["details"][0]["errorType"], "COMMENT_TOO_LONG");
        // Exactly the limit is accepted.
        let at_limit = long.replacen("aa", "a", 1);
        assert!(analyze_req(&at_limit).is_ok());
    }

    #[test]
    fn english_text_without_languages_is_refused_like_perspective() {
        let e = analyze_req(r#"{"comment":{"text":"This is the worst thing you have ever written and it shows"},"requestedAttributes":{"TOXICITY":{}}}"#).unwrap_err();
        assert_eq!(e.error_type, Some("LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"));
        let a = analyze_req(r#"{"comment":{"text":"Le maire a encore menti"},"requestedAttributes":{"TOXICITY":{}}}"#).unwrap();
        assert!(a.detected);
        assert_eq!(a.languages, ["fr"]);
    }

    #[test]
    fn context_gives_the_parent_and_metadata_is_not_taken_for_it() {
        let a = analyze_req(r#"{"comment":{"text":"Réponse"},"requestedAttributes":{"TOXICITY":{}},
            "context":{"articleAndParentComment":{"article":{"text":"Article"},"parentComment":{"text":"Le parent"}}}}"#).unwrap();
        assert_eq!(a.parent.as_deref(), Some("Le parent"));
        let a = analyze_req(r#"{"comment":{"text":"Réponse"},"requestedAttributes":{"TOXICITY":{}},
            "context":{"entries":[{"text":"Premier"},{"text":"Dernier <b>gras</b>","type":"HTML"},{"text":"{\"url\":\"x\"}"}]}}"#).unwrap();
        assert_eq!(a.parent.as_deref(), Some("Dernier gras"));
    }

    #[test]
    fn attributes_map_to_reasons_and_thresholds_filter() {
        let a = analyze_req(r#"{"comment":{"text":"Un texte. Deux phrases !"},"spanAnnotations":true,"clientToken":"t1",
            "requestedAttributes":{"TOXICITY":{},"INSULT_EXPERIMENTAL":{},"THREAT":{"scoreThreshold":0.5},"SEVERE_TOXICITY":{}}}"#).unwrap();
        let scorer = |t: &str, _p: Option<&str>| {
            let insult = if t.contains("Deux") { 0.8 } else { 0.1 };
            (
                score_of(0.7, [insult, 0.2, 0.0, 0.3, 0.4]),
                DetectorScores::default(),
            )
        };
        let (body, s) = analyze(&a, &scorer);
        assert_eq!(s.score, 0.7);
        let v: Value = serde_json::from_str(&body).unwrap();
        let at = &v["attributeScores"];
        assert_eq!(
            at["TOXICITY"]["summaryScore"]["value"].as_f64().unwrap() as f32,
            0.7
        );
        assert_eq!(at["TOXICITY"]["summaryScore"]["type"], "PROBABILITY");
        // INSULT = max(insult, masked_slur); the whole text scores 0.8 (it has "Deux").
        assert_eq!(
            at["INSULT_EXPERIMENTAL"]["summaryScore"]["value"]
                .as_f64()
                .unwrap() as f32,
            0.8
        );
        // SEVERE_TOXICITY = min(0.7, max(threat 0.4, hate 0.3)).
        assert_eq!(
            at["SEVERE_TOXICITY"]["summaryScore"]["value"]
                .as_f64()
                .unwrap() as f32,
            0.4
        );
        // THREAT 0.4 is under its threshold: left out.
        assert!(at.get("THREAT").is_none());
        let spans = at["INSULT_EXPERIMENTAL"]["spanScores"].as_array().unwrap();
        assert_eq!(spans.len(), 2);
        assert_eq!(
            (spans[0]["begin"].as_u64(), spans[0]["end"].as_u64()),
            (Some(0), Some(9))
        );
        assert_eq!(
            (spans[1]["begin"].as_u64(), spans[1]["end"].as_u64()),
            (Some(10), Some(24))
        );
        assert_eq!(spans[1]["score"]["value"].as_f64().unwrap() as f32, 0.8);
        assert_eq!(v["clientToken"], "t1");
        assert_eq!(v["detectedLanguages"], json!(["fr"]));
    }

    #[test]
    fn verdicts_become_decisions_and_reasons() {
        let req = |body: &str| check_suggest(parse_json(body.as_bytes()).unwrap());
        let s = req(r#"{"comment":{"text":"Texte"},"attributeScores":{"TOXICITY":{"summaryScore":{"value":1}}},"communityId":"Coral:https://x","clientToken":"comment:9"}"#).unwrap();
        assert_eq!((s.decision, s.reasons.as_str()), ("remove", ""));
        assert_eq!(s.client_token.as_deref(), Some("comment:9"));
        let s = req(r#"{"comment":{"text":"Texte"},"attributeScores":{"TOXICITY":{"summaryScore":{"value":0}}}}"#).unwrap();
        assert_eq!(s.decision, "keep");
        let s = req(r#"{"comment":{"text":"Texte"},"attributeScores":{"THREAT":{"summaryScore":{"value":0.9}},"INSULT":{"summaryScore":{"value":1}}}}"#).unwrap();
        assert_eq!(s.decision, "remove");
        assert_eq!(s.reasons, "insult|threat");
        assert!(req(r#"{"comment":{"text":"Texte"}}"#).is_err());
        assert!(req(r#"{"comment":{"text":"Texte"},"attributeScores":{"TOXICITY":{"summaryScore":{"value":3}}}}"#).is_err());
        assert!(req(r#"{"comment":{"text":"Texte"},"attributeScores":{"NOPE":{"summaryScore":{"value":1}}}}"#).is_err());
    }
}
