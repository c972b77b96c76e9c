//! Feature stage: turns one comment's text (plus its place in the thread) into a sparse
//! `FeatureVector` — hashed n-grams, named detector scores — and the evidence spans
//! behind every detector hit. Deterministic and explainable.
//!
//! INTERFACE CONTRACT (used by model.rs, pipeline.rs and export/): keep these names.
//!
//! The stage runs in this order: `normalize` (an ordered list of small steps, each
//! keeping the map back to original bytes), `lexicon` hits on the normalised text,
//! the detectors of `detect` and `accusation`, thread context, then `ngrams`.
//!
//! Adding a feature step: write a type implementing `normalize::Step` in
//! `normalize.rs` (a name and an `apply` that rewrites the `NChar` list, keeping each
//! char's original range), put it at the right place in `normalize::STEPS`, and test it
//! alone and through the pipeline with the `check` helper there. A new engineered
//! feature is a name appended to `ENGINEERED` and a value pushed in `engineered_into`
//! (appending changes the feature dimension, so retrain the default model).

pub mod accusation;
pub mod detect;
pub mod frames;
pub mod lexicon;
pub mod ngrams;
pub mod normalize;

use std::cell::RefCell;

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
            hash_bits: 16,
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

/// Counts the steps of the feature stage's inner loops (the scans that used to restart
/// from every position), so tests can assert linear growth by counting work instead of
/// timing it. Compiled to nothing outside tests.
pub(crate) mod work {
    #[cfg(test)]
    thread_local! {
        static OPS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }

    /// Records `n` steps.
    #[inline(always)]
    pub(crate) fn tick(n: usize) {
        #[cfg(test)]
        OPS.with(|o| o.set(o.get() + n as u64));
        #[cfg(not(test))]
        let _ = n;
    }

    /// Steps recorded on this thread since the last call.
    #[cfg(test)]
    pub(crate) fn take() -> u64 {
        OPS.with(|o| o.replace(0))
    }
}

/// The (detector, span) pairs of an evidence list, to skip duplicates in time linear in
/// the list (comparing each new entry with every earlier one was quadratic on long
/// texts). Short lists are scanned; a long one is indexed as it grows.
#[derive(Debug, Default)]
pub(crate) struct EvidenceSet {
    /// Detectors per span of `ev[..synced]`.
    index: std::collections::HashMap<(usize, usize), Vec<String>>,
    synced: usize,
}

impl EvidenceSet {
    /// Below this many entries a scan is cheaper than the index.
    const SCAN: usize = 32;

    /// True when `ev` has no entry of `det` over `[s, e)`.
    pub(crate) fn is_new(&mut self, ev: &[Evidence], det: &str, s: usize, e: usize) -> bool {
        if ev.len() < Self::SCAN {
            work::tick(ev.len());
            return !ev
                .iter()
                .any(|x| x.detector == det && x.start == s && x.end == e);
        }
        work::tick(1 + ev.len() - self.synced);
        for x in &ev[self.synced..] {
            self.index
                .entry((x.start, x.end))
                .or_default()
                .push(x.detector.clone());
        }
        self.synced = ev.len();
        self.index
            .get(&(s, e))
            .is_none_or(|dets| !dets.iter().any(|d| d == det))
    }
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

/// The engineered features before the frames.
const BASE_FEATURES: [&str; 42] = [
    // Detector scores of this comment.
    "det_insult",
    "det_masked_slur",
    "det_hate",
    "det_threat",
    "det_accusation",
    "det_profanity",
    // Lexicon hit counts.
    "n_insult",
    "n_dehumanising",
    "n_slur",
    "n_profanity",
    "n_threat",
    "n_wrongdoing",
    "n_disguised",
    // Cues.
    "target_present",
    "second_person",
    "proper_name",
    "group_noun",
    "protected_group",
    "attribution_cue",
    "hearsay_cue",
    "counter_speech_cue",
    "negation_cue",
    "hit_in_quote",
    // Thread context (zero without a thread).
    "quotes_parent",
    "parent_insult",
    "parent_masked_slur",
    "parent_hate",
    "parent_threat",
    "parent_accusation",
    "parent_profanity",
    "parent_max",
    "depth",
    "is_reply",
    "flagged_siblings",
    "reply_second_person",
    // Shape of the text.
    "log_words",
    "caps_ratio",
    "exclamations",
    "questions",
    "has_url",
    "mask_chars",
    "elongations",
];

/// Names of the engineered (dense, standardised) features, in vector order: the base
/// features, then the structural frames (`frames::FRAME_FEATURES`).
pub const ENGINEERED: &[&str] = &concat_names::<42, 19, 61>(BASE_FEATURES, frames::FRAME_FEATURES);

/// `a` then `b`, at compile time (C = A + B, checked at compile time).
const fn concat_names<const A: usize, const B: usize, const C: usize>(
    a: [&'static str; A],
    b: [&'static str; B],
) -> [&'static str; C] {
    assert!(A + B == C, "C must be A + B");
    let mut out = [""; C];
    let mut i = 0;
    while i < A {
        out[i] = a[i];
        i += 1;
    }
    while i < C {
        out[i] = b[i - A];
        i += 1;
    }
    out
}

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

/// Reusable buffers of one thread (no allocation per comment in the hot path).
#[derive(Default)]
struct Scratch {
    analysis: detect::Analysis,
    /// The text `analysis` was made from (a copy: compared by content, so a later call
    /// can only reuse the analysis of exactly the same text).
    analysed: String,
    parent: detect::Analysis,
    /// The text `parent` was made from (same use as `analysed`): the replies of one
    /// comment, extracted one after another, analyse it once.
    parent_analysed: String,
    ngrams: ngrams::Scratch,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// The longest comment whose features are computed on the whole text: 64 KiB. A longer
/// one (a pasted book, an attack) is cut into windows of at most this size, at a space
/// when there is one in the window's second half; each window is analysed alone and the
/// results are combined (`combine_window`). The comment is still scored and output
/// whole, and marked `long`. Windows bound the feature stage's memory and keep its time
/// per byte flat whatever the input; a hit spanning a cut may be missed.
pub const MAX_COMMENT_BYTES: usize = 64 << 10;

/// True when `text` is analysed in windows (see `MAX_COMMENT_BYTES`).
pub fn is_long(text: &str) -> bool {
    text.len() > MAX_COMMENT_BYTES
}

/// The windows of a long text: `(offset, slice)`, consecutive, covering it exactly.
fn windows(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut at = 0;
    std::iter::from_fn(move || {
        if at >= text.len() {
            return None;
        }
        let rest = &text[at..];
        let mut cut = rest.len().min(MAX_COMMENT_BYTES);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        if cut < rest.len() {
            // Prefer a cut after a space in the second half, so words stay whole.
            if let Some(sp) = rest.as_bytes()[cut / 2..cut]
                .iter()
                .rposition(|b| b.is_ascii_whitespace())
            {
                cut = cut / 2 + sp + 1;
            }
        }
        let w = (at, &rest[..cut]);
        at += cut;
        Some(w)
    })
}

/// The most evidence entries one detector keeps over the windows of a long text: the
/// output lists at most `model::MAX_EVIDENCE` spans per reason (the first ones), so a
/// long text's later windows add none past this, and memory stays that of the text.
const MAX_WINDOW_EVIDENCE: usize = 4 * crate::model::MAX_EVIDENCE;

/// Appends `ev` shifted by `off` bytes (a window's evidence, in the whole text), while
/// its detector has fewer than `MAX_WINDOW_EVIDENCE` entries in `out`.
fn shift_evidence(ev: &[Evidence], off: usize, out: &mut Vec<Evidence>) {
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for e in out.iter() {
        *counts.entry(e.detector.as_str()).or_default() += 1;
    }
    let mut add = Vec::new();
    for e in ev {
        let n = counts.entry(e.detector.as_str()).or_default();
        if *n < MAX_WINDOW_EVIDENCE {
            *n += 1;
            add.push(Evidence {
                start: e.start + off,
                end: e.end + off,
                ..e.clone()
            });
        }
    }
    out.extend(add);
}

/// The strongest of two detector results.
fn max_scores(a: &DetectorScores, b: &DetectorScores) -> DetectorScores {
    DetectorScores {
        insult: a.insult.max(b.insult),
        masked_slur: a.masked_slur.max(b.masked_slur),
        hate: a.hate.max(b.hate),
        threat: a.threat.max(b.threat),
        accusation: a.accusation.max(b.accusation),
        profanity: a.profanity.max(b.profanity),
    }
}

/// Engineered features that add up over windows (counts); `log_words` is recomputed
/// from the summed word counts; `caps_ratio` is averaged by window length; every other
/// one (scores, presence flags, thread context, frames) keeps the strongest window.
const SUMMED: &[&str] = &[
    "n_insult",
    "n_dehumanising",
    "n_slur",
    "n_profanity",
    "n_threat",
    "n_wrongdoing",
    "n_disguised",
    "exclamations",
    "questions",
    "mask_chars",
    "elongations",
];

/// Folds one window's features (`w`, from `len` bytes at offset `off`) into `acc`, the
/// combination of the windows before it (`done` bytes).
fn combine_window(acc: &mut FeatureVector, w: &FeatureVector, off: usize, len: usize, done: usize) {
    if done == 0 {
        acc.hashed.clone_from(&w.hashed);
        acc.engineered.clone_from(&w.engineered);
        acc.detection.scores = w.detection.scores;
        acc.detection.evidence.clear();
        shift_evidence(&w.detection.evidence, off, &mut acc.detection.evidence);
        return;
    }
    // Hashed n-grams: both lists are sorted by bucket; values add up.
    let mut merged = Vec::with_capacity(acc.hashed.len() + w.hashed.len());
    let (mut i, mut j) = (0, 0);
    while i < acc.hashed.len() || j < w.hashed.len() {
        match (acc.hashed.get(i), w.hashed.get(j)) {
            (Some(&(ba, va)), Some(&(bb, vb))) if ba == bb => {
                merged.push((ba, va + vb));
                i += 1;
                j += 1;
            }
            (Some(&a), Some(&b)) if a.0 < b.0 => {
                merged.push(a);
                i += 1;
            }
            (Some(&a), None) => {
                merged.push(a);
                i += 1;
            }
            (_, Some(&b)) => {
                merged.push(b);
                j += 1;
            }
            (None, None) => unreachable!("loop condition"),
        }
    }
    acc.hashed = merged;
    for (k, name) in ENGINEERED.iter().enumerate() {
        let (a, b) = (acc.engineered[k], w.engineered[k]);
        acc.engineered[k] = match *name {
            n if SUMMED.contains(&n) => a + b,
            "log_words" => (a.exp() + b.exp() - 1.0).ln(),
            "caps_ratio" => (a * done as f32 + b * len as f32) / (done + len) as f32,
            _ => a.max(b),
        };
    }
    acc.detection.scores = max_scores(&acc.detection.scores, &w.detection.scores);
    shift_evidence(&w.detection.evidence, off, &mut acc.detection.evidence);
}

/// Runs the detectors alone (used for parent context and `explain`). A long text is
/// read in windows (`MAX_COMMENT_BYTES`).
pub fn detect(text: &str) -> Detection {
    if is_long(text) {
        let mut out = Detection::default();
        for (off, w) in windows(text) {
            let d = detect(w);
            out.scores = max_scores(&out.scores, &d.scores);
            shift_evidence(&d.evidence, off, &mut out.evidence);
        }
        return out;
    }
    let mut a = detect::Analysis::default();
    detect::analyze(text, &mut a);
    let mut evidence = Vec::new();
    let scores = detect::score(text, &a, &mut evidence);
    evidence.sort_by_key(|e| (e.start, e.end));
    Detection { scores, evidence }
}

/// Who or what a comment is about and which frames it uses, in words (for `explain`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct FrameSummary {
    /// Targets: `deuxième personne`, `personne nommée « X »`, `groupe protégé « X »
    /// (origin)`, `institution « X »`, `idée « X »`.
    pub targets: Vec<String>,
    /// Frames found, with their value: `dénigrement d'un groupe (exclusion) « dehors »`….
    pub frames: Vec<String>,
    /// The source of an accusation: none, hearsay, press, official, court.
    pub source: String,
}

/// Describes the targets and frames of `text`.
pub fn describe_frames(text: &str) -> FrameSummary {
    use lexicon::Kind;
    let mut a = detect::Analysis::default();
    detect::analyze(text, &mut a);
    let f = &a.frames;
    let orig = |h: &detect::Hit| text[h.os as usize..h.oe as usize].to_string();
    let mut out = FrameSummary {
        source: f.source.name().to_string(),
        ..Default::default()
    };
    if a.flags.iter().any(|x| x & detect::flag::SECOND != 0) {
        out.targets.push("deuxième personne".into());
    }
    // Runs of capitalised words are one name.
    let mut i = 0;
    while i < a.words.len() {
        // A capitalised group noun ("les Arabes") or pronoun ("Ceux qui…") names no one.
        let not_person = a.flags[i] & (detect::flag::PROTECTED | detect::flag::GROUP) != 0
            || matches!(a.word(i), "ceux" | "celles" | "celui" | "celle");
        if a.flags[i] & detect::flag::NAME != 0 && !not_person {
            let start = i;
            while i + 1 < a.words.len() && a.flags[i + 1] & detect::flag::NAME != 0 {
                i += 1;
            }
            let (s, _) = a.words[start];
            let (_, e) = a.words[i];
            let (os, oe) = a.norm.original_range(s as usize, e as usize);
            out.targets
                .push(format!("personne nommée « {} »", &text[os..oe]));
        }
        i += 1;
    }
    for h in &a.hits {
        let e = &lexicon::LEXICON.entries[h.entry as usize];
        match h.kind {
            Kind::ProtectedGroup => out.targets.push(format!(
                "groupe protégé « {} » ({})",
                orig(h),
                e.category.trim_start_matches("group_")
            )),
            Kind::Group => out
                .targets
                .push(format!("groupe non protégé « {} »", orig(h))),
            Kind::Frame(frames::Frame::Institution) => {
                out.targets.push(format!("institution « {} »", orig(h)))
            }
            Kind::Frame(frames::Frame::Idea) => out.targets.push(format!("idée « {} »", orig(h))),
            _ => {}
        }
    }
    out.targets.dedup();
    for p in &f.predicates {
        let h = &a.hits[p.hit];
        let kind = match p.frame {
            Some(frames::Frame::Emotion) => "émotion négative",
            Some(frames::Frame::Dehumanising) => "comparaison déshumanisante",
            Some(frames::Frame::Exclusion) => "appel à l'exclusion",
            _ if h.kind == Kind::Threat => "violence",
            _ => "terme déshumanisant",
        };
        let how = if p.reported {
            ", rapporté (cité ou introduit par un verbe de parole)"
        } else if p.negated {
            ", nié"
        } else {
            ""
        };
        out.frames.push(format!(
            "envers un groupe protégé : {kind} « {} »{how}",
            orig(h)
        ));
    }
    let named = [
        (f.opinion, "cadre d'opinion"),
        (f.question_group, "question sur un groupe protégé"),
        (f.counter, "contre-discours (propos rapporté et condamné)"),
        (f.source_leap, "saut d'une source à un verdict"),
        (f.veiled, "formule de menace voilée"),
        (f.nickname, "surnom insultant"),
        (f.mockery, "moquerie par comparaison"),
        (f.contempt, "mépris par description"),
    ];
    for (v, name) in named {
        if v > 0.0 {
            out.frames.push(format!("{name} ({v:.2})"));
        }
    }
    out
}

/// The normalised form of `text` (what the lexicons and n-grams see).
pub fn normalized_text(text: &str) -> String {
    normalize::normalize(text).text
}

/// Extracts the full feature vector of one comment.
pub fn extract(text: &str, ctx: &Context, params: &FeatureValidParams) -> FeatureVector {
    let mut fv = FeatureVector::default();
    extract_into(text, ctx, params, &mut fv);
    fv
}

/// Like `extract`, refilling `out` (keeps its allocations).
pub fn extract_into(
    text: &str,
    ctx: &Context,
    params: &FeatureValidParams,
    out: &mut FeatureVector,
) {
    if is_long(text) {
        let mut w = FeatureVector::default();
        let mut done = 0;
        for (off, piece) in windows(text) {
            extract_into(piece, ctx, params, &mut w);
            combine_window(out, &w, off, piece.len(), done);
            done += piece.len();
        }
        return;
    }
    SCRATCH.with(|cell| {
        let mut guard = cell.borrow_mut();
        let sc = &mut *guard;
        detect::analyze(text, &mut sc.analysis);
        sc.analysed.clear();
        sc.analysed.push_str(text);
        out.detection.evidence.clear();
        out.detection.scores = detect::score(text, &sc.analysis, &mut out.detection.evidence);
        out.detection.evidence.sort_by_key(|e| (e.start, e.end));
        // The analysis already split the normalised text into words: hash those.
        ngrams::hash_words_into(
            &sc.analysis.norm.text,
            &sc.analysis.words,
            params,
            &mut sc.ngrams,
            &mut out.hashed,
        );
        let a = &sc.analysis;
        let bits = params.params().hash_bits;
        for (i, &scope) in a.scope.iter().enumerate() {
            if scope & detect::SCOPE_NEGATED != 0 {
                ngrams::add_scoped_word(a.word(i), ngrams::NEGATED_SEED, bits, &mut out.hashed);
            }
            if scope & detect::SCOPE_REPORTED != 0 {
                ngrams::add_scoped_word(a.word(i), ngrams::REPORTED_SEED, bits, &mut out.hashed);
            }
        }
        let quotes = match ctx.parent_text {
            Some(p) if !p.is_empty() => {
                // A long parent is compared through its first window only, so each
                // window of a long reply costs a bounded amount.
                let p = windows(p).next().map_or(p, |(_, w)| w);
                if sc.parent_analysed != p {
                    detect::analyze(p, &mut sc.parent);
                    sc.parent_analysed.clear();
                    sc.parent_analysed.push_str(p);
                }
                quotes_parent(text, &sc.analysis, &sc.parent)
            }
            _ => false,
        };
        engineered_into(
            text,
            &sc.analysis,
            &out.detection.scores,
            ctx,
            quotes,
            &mut out.engineered,
        );
    });
}

/// `ngrams::word_weights(text, …)`, from this thread's last extraction when it was of
/// `text` (the usual case: a score's evidence right after its features), so the text
/// is not normalised and split a second time; computed afresh otherwise.
pub fn word_weights(
    text: &str,
    params: &FeatureValidParams,
    weights: &[f32],
) -> Vec<(usize, usize, f32)> {
    SCRATCH.with(|cell| match cell.try_borrow() {
        Ok(sc) if sc.analysed == text => {
            ngrams::word_weights_of(&sc.analysis.norm, &sc.analysis.words, params, weights)
        }
        _ => ngrams::word_weights(text, params, weights),
    })
}

/// The index of engineered feature `name` (a compile-time name of `ENGINEERED`).
fn slot(name: &str) -> usize {
    ENGINEERED
        .iter()
        .position(|n| *n == name)
        .expect("an engineered feature name")
}

/// The `parent_*` features, in `ENGINEERED` order: the parent's six detector scores,
/// then the strongest reason-bearing one (zeros without a parent).
fn parent_values(ctx: &Context) -> [f32; 7] {
    let p = ctx.parent_scores.copied().unwrap_or_default();
    [
        p.insult,
        p.masked_slur,
        p.hate,
        p.threat,
        p.accusation,
        p.profanity,
        [p.insult, p.masked_slur, p.hate, p.threat, p.accusation]
            .into_iter()
            .fold(0.0, f32::max),
    ]
}

/// Sets the features that come from the rest of the thread, the parent's detector
/// scores and the flagged earlier siblings, in a vector extracted with `ctx` minus those
/// two (same depth, same parent text): the thread's detectors then run once per comment,
/// every comment first, the context after. The values are exactly those `extract` gives
/// with the whole `ctx`.
pub fn set_thread_context(fv: &mut FeatureVector, ctx: &Context) {
    let first = slot("parent_insult");
    let values = parent_values(ctx);
    fv.engineered[first..first + values.len()].copy_from_slice(&values);
    fv.engineered[slot("flagged_siblings")] = ctx.flagged_siblings as f32;
    // `is_reply` (and so `reply_second_person`) also holds when only the parent's
    // scores are known.
    if ctx.parent_scores.is_some() && ctx.parent_text.is_none() {
        fv.engineered[slot("is_reply")] = 1.0;
        fv.engineered[slot("reply_second_person")] = fv.engineered[slot("second_person")];
    }
}

/// True when the comment quotes its parent: a « … » / "…" quotation of ≥ 3 words found
/// in the parent, or ≥ 5 consecutive words shared verbatim (normalised).
fn quotes_parent(text: &str, a: &detect::Analysis, p: &detect::Analysis) -> bool {
    let hash_run = |x: &detect::Analysis, i: usize, n: usize| -> u64 {
        let mut h = ngrams::FNV_OFFSET;
        for k in i..i + n {
            h = ngrams::fnv1a(h, x.word(k).as_bytes());
            h = ngrams::fnv1a(h, b" ");
        }
        h
    };
    // The parent's sorted run hashes, built once per run length (n is 1, 2, 3 or 5)
    // rather than once per quotation.
    let mut parent_runs: [Option<Vec<u64>>; 6] = Default::default();
    let mut shared = |n: usize, from: usize, to: usize| -> bool {
        if to < from + n || p.words.len() < n {
            return false;
        }
        let ph = parent_runs[n].get_or_insert_with(|| {
            work::tick(p.words.len());
            let mut ph: Vec<u64> = (0..=p.words.len() - n).map(|i| hash_run(p, i, n)).collect();
            ph.sort_unstable();
            ph
        });
        work::tick(to - from);
        (from..=to - n).any(|i| ph.binary_search(&hash_run(a, i, n)).is_ok())
    };
    if shared(5, 0, a.words.len()) {
        return true;
    }
    // A quotation: the words inside it, three of them found in a row in the parent.
    a.quotes.iter().any(|&(qs, qe)| {
        let from = a
            .words
            .partition_point(|w| (a.norm.original_range(w.0 as usize, w.1 as usize).0) < qs);
        let to = a
            .words
            .partition_point(|w| (a.norm.original_range(w.0 as usize, w.1 as usize).1) <= qe);
        let _ = text;
        shared(3.min(to.saturating_sub(from)).max(1), from, to) && to > from
    })
}

/// Pushes the `ENGINEERED` values, in order.
fn engineered_into(
    text: &str,
    a: &detect::Analysis,
    s: &DetectorScores,
    ctx: &Context,
    quotes: bool,
    out: &mut Vec<f32>,
) {
    use detect::flag;
    use lexicon::Kind;
    out.clear();
    let b = |x: bool| if x { 1.0 } else { 0.0 };
    let anyf = |m: u16| a.flags.iter().any(|f| f & m != 0);
    out.extend([
        s.insult,
        s.masked_slur,
        s.hate,
        s.threat,
        s.accusation,
        s.profanity,
    ]);
    for k in [
        Kind::Insult,
        Kind::Dehumanising,
        Kind::Slur,
        Kind::Profanity,
        Kind::Threat,
        Kind::Wrongdoing,
    ] {
        out.push(a.count(k) as f32);
    }
    out.push(
        a.hits
            .iter()
            .filter(|h| h.disguised && h.kind.offensive())
            .count() as f32,
    );
    out.push(b(anyf(
        flag::TARGET | flag::SECOND | flag::NAME | flag::GROUP,
    )));
    let second = anyf(flag::SECOND);
    out.push(b(second));
    out.push(b(anyf(flag::NAME)));
    out.push(b(anyf(flag::GROUP)));
    out.push(b(anyf(flag::PROTECTED)));
    out.push(b(accusation::attributed(a)));
    out.push(b(a.has(Kind::Hearsay)));
    out.push(b(a.has(Kind::CounterSpeech)));
    out.push(b(a.has(Kind::Negation)));
    out.push(b(a.hits.iter().any(|h| h.in_quote && h.kind.offensive())));
    // Thread context.
    let reply = ctx.parent_text.is_some() || ctx.parent_scores.is_some();
    out.push(b(quotes));
    out.extend(parent_values(ctx));
    out.push(ctx.depth as f32);
    out.push(b(reply));
    out.push(ctx.flagged_siblings as f32);
    out.push(b(reply && second));
    // Shape of the text.
    out.push((1.0 + a.words.len() as f32).ln());
    // One pass over the bytes: ASCII ones are classified as bytes, other chars decoded.
    // An elongation is a letter equal to the two bytes before it ("aaa" counts once,
    // "aaaa" twice).
    let (mut letters, mut caps, mut excl, mut quest, mut masks) = (0u32, 0u32, 0u32, 0u32, 0u32);
    let mut elong = 0u32;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c >= 0x80 {
            let ch = text[i..].chars().next().expect("char boundary");
            if ch.is_alphabetic() {
                letters += 1;
                caps += ch.is_uppercase() as u32;
            }
            i += ch.len_utf8();
            continue;
        }
        if c.is_ascii_alphabetic() {
            letters += 1;
            caps += c.is_ascii_uppercase() as u32;
            elong += (i >= 2 && bytes[i - 1] == c && bytes[i - 2] == c) as u32;
        }
        match c {
            b'!' => excl += 1,
            b'?' => quest += 1,
            b'*' | b'#' => masks += 1,
            _ => {}
        }
        i += 1;
    }
    out.push(if letters == 0 {
        0.0
    } else {
        caps as f32 / letters as f32
    });
    out.push(excl as f32);
    out.push(quest as f32);
    // Substring searches only when their first cheap clue is there (':' for a scheme,
    // '.' for "www.").
    let scheme = bytes.contains(&b':') && (text.contains("http://") || text.contains("https://"));
    out.push(b(scheme || (bytes.contains(&b'.') && text.contains("www."))));
    out.push(masks as f32);
    out.push(elong as f32);
    out.extend(a.frames.values());
    debug_assert_eq!(out.len(), ENGINEERED.len());
}

/// Checksum of the embedded lexicons (recorded in models; a mismatch refuses the model).
pub fn lexicon_checksum() -> String {
    format!("fnv1a64:{:016x}", lexicon::LEXICON.checksum)
}

#[cfg(test)]
mod tests;
