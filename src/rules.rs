//! Site rules (`--rules FILE`): words and phrases a site wants handled its own way, on
//! top of the model and without retraining.
//!
//! - `banned`: the comment always goes to review, with reason `site_rule` and the words
//!   as evidence.
//! - `suspect`: adds the reason `suspect` and brings the comment into the queue (ranked
//!   like an accusation), without deciding review.
//! - `allowed`: the words never trigger a detector or weigh in the model (a place name
//!   that contains a slur's letters): they are blanked out before the features are
//!   computed, the output keeps the text as written.
//!
//! Entries are matched through the lexicons' own normaliser (case, accents, leet,
//! masks, split letters, homoglyphs, zero-width characters, repeated letters), on whole
//! words: `Bâtard`, `b@t@rd`, `b.a.t.a.r.d` all match an entry `batard`, and `con`
//! never matches inside `Conches`.
//!
//! The file is a CSV with a header `rule,term` and an optional `note` column (shown with
//! the match):
//!
//! ```csv
//! rule,term,note
//! banned,Gontran Bidule,procédure en cours
//! suspect,mairie de Vierzac,sujet sensible
//! allowed,Bitche,commune de Moselle
//! ```

use crate::features::normalize::normalize;
use crate::model::{EvidenceSpan, ReasonScore, Score};
use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The reason a banned term gives.
pub const BANNED_REASON: &str = "site_rule";
/// The reason a suspect term gives.
pub const SUSPECT_REASON: &str = "suspect";

/// What a rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    /// Always review.
    Banned,
    /// Raise in the queue.
    Suspect,
    /// Never a detector hit.
    Allowed,
}

/// One entry of the rules file.
#[derive(Debug, Clone)]
struct Rule {
    kind: RuleKind,
    term: String,
    note: String,
}

/// A rule that fired on a comment: which one and where (bytes of the comment).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleHit {
    /// `banned`, `suspect` or `allowed`.
    pub rule: RuleKind,
    /// The entry as written in the rules file.
    pub term: String,
    /// The entry's note.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// The words of the comment that matched, exactly as written.
    pub text: String,
    /// Start byte offset in the comment.
    pub start: usize,
    /// End byte offset.
    pub end: usize,
}

/// A loaded rules file.
#[derive(Debug, Clone)]
pub struct Rules {
    rules: Vec<Rule>,
    matcher: AhoCorasick,
    /// The source file, for messages.
    pub path: String,
}

impl Rules {
    /// Reads a rules file; a bad line is an error naming the file and the line.
    pub fn load(path: &Path) -> crate::Result<Rules> {
        let bytes = std::fs::read(path).map_err(|e| crate::Error::io(path, e))?;
        Rules::parse(&bytes, &path.display().to_string())
    }

    /// Parses rules from CSV bytes; `name` names them in errors.
    pub fn parse(bytes: &[u8], name: &str) -> crate::Result<Rules> {
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        let mut rd = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
        let headers = rd
            .headers()
            .map_err(|e| crate::Error::row(name, 1, format!("not a CSV rules file: {e}")))?
            .clone();
        let col = |n: &str| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(n))
        };
        let (Some(rule_col), Some(term_col)) = (col("rule"), col("term")) else {
            return Err(crate::Error::row(
                name,
                1,
                "the header must name the columns `rule` and `term` (and optionally `note`)",
            ));
        };
        let note_col = col("note");
        let mut rules = Vec::new();
        for rec in rd.records() {
            let rec = rec.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                crate::Error::row(name, line, format!("unreadable line: {e}"))
            })?;
            let line = rec.position().map_or(0, |p| p.line());
            let field = |i: usize| rec.get(i).unwrap_or("").trim();
            if rec.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let kind = match field(rule_col).to_lowercase().as_str() {
                "banned" | "interdit" => RuleKind::Banned,
                "suspect" => RuleKind::Suspect,
                "allowed" | "autorisé" | "autorise" => RuleKind::Allowed,
                other => {
                    return Err(crate::Error::row(
                        name,
                        line,
                        format!("unknown rule {other:?}: use banned, suspect or allowed"),
                    ))
                }
            };
            let term = field(term_col);
            if normalize(term).text.trim().is_empty() {
                return Err(crate::Error::row(name, line, "empty term"));
            }
            rules.push(Rule {
                kind,
                term: term.to_string(),
                note: note_col.map(|c| field(c).to_string()).unwrap_or_default(),
            });
        }
        let patterns: Vec<String> = rules
            .iter()
            .map(|r| {
                normalize(&r.term)
                    .text
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        // Standard semantics: the only kind that reports overlapping matches.
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .map_err(|e| {
                crate::Error::Other(format!("{name}: cannot build the rules matcher: {e}"))
            })?;
        Ok(Rules {
            rules,
            matcher,
            path: name.to_string(),
        })
    }

    /// How many entries of each kind: (banned, suspect, allowed).
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |k| self.rules.iter().filter(|r| r.kind == k).count();
        (
            n(RuleKind::Banned),
            n(RuleKind::Suspect),
            n(RuleKind::Allowed),
        )
    }

    /// Every rule that fires on `text`, in text order, on whole words of the
    /// normalised text, with the original words behind each match.
    pub fn matches(&self, text: &str) -> Vec<RuleHit> {
        if self.rules.is_empty() || text.is_empty() {
            return Vec::new();
        }
        let norm = normalize(text);
        // Whitespace runs count as one space, so a phrase matches however it is spaced:
        // `joined` is the normalised text so collapsed, `at[j]` the normalised byte
        // behind byte `j` of it.
        let mut joined = String::with_capacity(norm.text.len());
        let mut at: Vec<usize> = Vec::with_capacity(norm.text.len());
        let mut in_space = false;
        for (i, c) in norm.text.char_indices() {
            if c.is_whitespace() {
                if !in_space {
                    joined.push(' ');
                    at.push(i);
                }
                in_space = true;
                continue;
            }
            in_space = false;
            joined.push(c);
            at.extend(i..i + c.len_utf8());
        }
        let t = joined.as_str();
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        let mut out = Vec::new();
        // Overlapping matches: a longer phrase and a word inside it can both fire.
        for m in self.matcher.find_overlapping_iter(t) {
            let (s, e) = (m.start(), m.end());
            if s == e || word(t[..s].chars().next_back()) || word(t[e..].chars().next()) {
                continue;
            }
            let r = &self.rules[m.pattern().as_usize()];
            let (os, oe) = norm.original_range(at[s], at[e - 1] + 1);
            let Some(words) = text.get(os..oe) else {
                continue;
            };
            out.push(RuleHit {
                rule: r.kind,
                term: r.term.clone(),
                note: r.note.clone(),
                text: words.to_string(),
                start: os,
                end: oe,
            });
        }
        out.sort_by_key(|h| (h.start, h.end));
        out.dedup_by(|a, b| a.start == b.start && a.end == b.end && a.rule == b.rule);
        out
    }

    /// `text` with every `allowed` match blanked out (byte length kept, so spans of the
    /// other words stay valid): what the feature stage sees.
    pub fn mask_allowed<'a>(&self, text: &'a str, hits: &[RuleHit]) -> std::borrow::Cow<'a, str> {
        let allowed: Vec<&RuleHit> = hits
            .iter()
            .filter(|h| h.rule == RuleKind::Allowed)
            .collect();
        if allowed.is_empty() {
            return std::borrow::Cow::Borrowed(text);
        }
        let mut bytes = text.as_bytes().to_vec();
        for h in allowed {
            // Spaces: no word, no n-gram, no cue; the words around keep their offsets.
            for b in &mut bytes[h.start..h.end] {
                *b = b' ';
            }
        }
        // Whole UTF-8 sequences were replaced by ASCII: still valid UTF-8.
        std::borrow::Cow::Owned(String::from_utf8(bytes).unwrap_or_else(|_| text.to_string()))
    }

    /// Applies `banned` and `suspect` hits to a score: banned forces review with
    /// probability one and reason `site_rule`; suspect adds reason `suspect`. Detector
    /// evidence that fell on an allowed word is dropped. The hits are kept for output.
    pub fn apply(&self, hits: &[RuleHit], score: &mut Score) {
        let spans = |kind: RuleKind| -> Vec<EvidenceSpan> {
            hits.iter()
                .filter(|h| h.rule == kind)
                .map(|h| EvidenceSpan {
                    text: h.text.clone(),
                    start: h.start,
                    end: h.end,
                })
                .collect()
        };
        let allowed: Vec<(usize, usize)> = hits
            .iter()
            .filter(|h| h.rule == RuleKind::Allowed)
            .map(|h| (h.start, h.end))
            .collect();
        for r in &mut score.reasons {
            r.evidence
                .retain(|e| !allowed.iter().any(|&(s, en)| e.start < en && s < e.end));
        }
        let banned = spans(RuleKind::Banned);
        if !banned.is_empty() {
            // The site has decided: review is certain, whatever the model thought.
            score.review = true;
            score.score = 1.0;
            score.reasons.insert(
                0,
                ReasonScore {
                    reason: BANNED_REASON.into(),
                    score: 1.0,
                    evidence: banned,
                },
            );
        }
        let suspect = spans(RuleKind::Suspect);
        if !suspect.is_empty() {
            score.reasons.push(ReasonScore {
                reason: SUSPECT_REASON.into(),
                score: score.score,
                evidence: suspect,
            });
        }
        score.rules = hits.to_vec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules::parse(
            "rule,term,note\nbanned,batard,\nbanned,Gontran Bidule,procès\nsuspect,mairie de Vierzac,\nallowed,Bitche,commune\n"
                .as_bytes(),
            "r.csv",
        )
        .unwrap()
    }

    #[test]
    fn terms_match_through_disguises_on_whole_words() {
        let r = rules();
        for text in [
            "Quel bâtard",
            "quel B@T@RD !",
            "un b.a.t.a.r.d",
            "BATARD",
            "bat\u{200b}ard",
        ] {
            let hits = r.matches(text);
            assert_eq!(hits.len(), 1, "{text}: {hits:?}");
            assert_eq!(hits[0].rule, RuleKind::Banned);
            // The evidence is the comment's own words.
            assert_eq!(&text[hits[0].start..hits[0].end], hits[0].text);
            assert!(hits[0].text.to_lowercase().starts_with('b'), "{text}");
        }
        assert!(
            r.matches("les batardeaux du port").is_empty(),
            "whole words only"
        );
        assert!(r.matches("rien à signaler").is_empty());
    }

    #[test]
    fn phrases_and_notes() {
        let r = rules();
        let hits = r.matches("Encore une histoire de GONTRAN   bidule à la Mairie de Vierzac.");
        let kinds: Vec<RuleKind> = hits.iter().map(|h| h.rule).collect();
        assert_eq!(kinds, [RuleKind::Banned, RuleKind::Suspect]);
        assert_eq!(hits[0].note, "procès");
        assert_eq!(hits[1].text, "Mairie de Vierzac");
    }

    #[test]
    fn allowed_words_are_blanked_for_the_features_only() {
        let r = rules();
        let text = "Les gens de Bitche sont accueillants";
        let hits = r.matches(text);
        assert_eq!(hits.len(), 1);
        let masked = r.mask_allowed(text, &hits);
        assert_eq!(masked.len(), text.len());
        assert_eq!(masked, "Les gens de        sont accueillants");
        assert_eq!(r.mask_allowed("rien", &[]), "rien");
    }

    #[test]
    fn banned_forces_review_and_suspect_adds_a_reason() {
        let r = rules();
        let text = "Gontran Bidule à la mairie de Vierzac";
        let hits = r.matches(text);
        let mut s = Score {
            review: false,
            score: 0.1,
            reasons: vec![],
            contributions: vec![],
            reason_scores: [0.0; 5],
            below_threshold: vec![],
            rules: vec![],
        };
        r.apply(&hits, &mut s);
        assert!(s.review);
        assert_eq!(s.score, 1.0);
        let names: Vec<&str> = s.reasons.iter().map(|x| x.reason.as_str()).collect();
        assert_eq!(names, [BANNED_REASON, SUSPECT_REASON]);
        assert_eq!(s.reasons[0].evidence[0].text, "Gontran Bidule");
    }

    #[test]
    fn bad_files_name_the_line() {
        let e = Rules::parse(b"rule,term\nbanned,ok\nforbidden,x\n", "r.csv").unwrap_err();
        assert_eq!(
            e.to_string(),
            "r.csv:3: unknown rule \"forbidden\": use banned, suspect or allowed"
        );
        let e = Rules::parse(b"word\nx\n", "r.csv").unwrap_err();
        assert!(e.to_string().starts_with("r.csv:1: the header"), "{e}");
        let e = Rules::parse(b"rule,term\nbanned,  \n", "r.csv").unwrap_err();
        assert_eq!(e.to_string(), "r.csv:2: empty term");
    }
}
