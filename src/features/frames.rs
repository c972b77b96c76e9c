//! Structural frames: what a comment does with the words the lexicons find, for the cases
//! n-grams miss. Each frame is one small named rule over the lexicon hits and word flags
//! of `detect::Analysis`, with its cues in `data/lexicons/frames.csv`:
//!
//! - **target**: second person, a named person, a protected group (with its ground), an
//!   institution, an idea — who or what the comment is about;
//! - **group predicates**: negative emotion, dehumanising comparison, exclusion or
//!   violence aimed at a protected group in the same sentence (or the one before, through
//!   a pronoun), with negation scope;
//! - **question and opinion frames** ("pourquoi les X… ?", "je dis juste que…");
//! - **reported speech and counter-speech**: an offensive span quoted or introduced by a
//!   reporting verb ("ceux qui disent que…", "traiter les X de…") and, with condemnation
//!   or correction around it, a counter-speech frame that lowers what it quotes;
//! - **accusation sources** (hearsay, press, official, court) and the leap from a source
//!   to a verdict ("une enquête est ouverte, donc il est coupable");
//! - **veiled threats** (knowing where someone lives, wishing harm on property);
//! - **nickname insults** ("le Pingouin de la mairie"), mockery by comparison ("le QI
//!   d'une huître") and contempt written as description ("cette chose qui nous sert de
//!   maire").
//!
//! The frames feed engineered features (`ENGINEERED`, `frame_*`) and, where they are
//! unambiguous, the detectors (with evidence spans), so that `explain` names them.

use super::detect::{flag, Analysis, Hit};
use super::lexicon::{Kind, LEXICON};

/// The cue categories of `frames.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Frame {
    /// Negative emotion verbs and phrases (déteste, me dégoûtent).
    Emotion,
    /// Dehumanising comparisons (comme des rats, pullulent, invasion).
    Dehumanising,
    /// Exclusion and expulsion calls (dehors, rentrer chez eux, remigration).
    Exclusion,
    /// Opinion frames (je dis juste, c'est pas raciste mais).
    Opinion,
    /// Reporting verbs and nouns (dire que, traiter de, le cliché).
    Report,
    /// Condemnation or correction (honteux, c'est faux, êtres humains).
    Condemn,
    /// A court as the source (tribunal, condamné, mis en examen).
    Court,
    /// An official source (le parquet, la préfecture, un rapport).
    Official,
    /// The press as the source (l'article, le journal, selon).
    Press,
    /// A hearsay source (mon beau-frère, une vidéo qui tourne).
    Hearsay,
    /// A verdict drawn from a source (donc, c'est la preuve, coupable).
    Verdict,
    /// Veiled-threat formulas (je sais où tu, un accident est vite arrivé).
    Veiled,
    /// Nickname heads (pingouin, guignol, larbin).
    Nickname,
    /// Mockery by comparison (le QI d'une huître, deux neurones).
    Mockery,
    /// Contempt written as description (cette chose, ce qui nous sert de).
    Contempt,
    /// Ideas, doctrines, policies (l'idéologie, le dogme, la politique).
    Idea,
    /// Institutions (la mairie, Matignon, le conseil).
    Institution,
    /// Negative traits asserted of whole groups (voleurs, violents, inférieurs).
    Stereotype,
}

/// Every frame, in `frames.csv` category order.
pub const FRAMES: [Frame; 18] = [
    Frame::Emotion,
    Frame::Dehumanising,
    Frame::Exclusion,
    Frame::Opinion,
    Frame::Report,
    Frame::Condemn,
    Frame::Court,
    Frame::Official,
    Frame::Press,
    Frame::Hearsay,
    Frame::Verdict,
    Frame::Veiled,
    Frame::Nickname,
    Frame::Mockery,
    Frame::Contempt,
    Frame::Idea,
    Frame::Institution,
    Frame::Stereotype,
];

impl Frame {
    /// The CSV category (also the evidence detector name).
    pub fn name(self) -> &'static str {
        match self {
            Frame::Emotion => "frame_emotion",
            Frame::Dehumanising => "frame_dehumanising",
            Frame::Exclusion => "frame_exclusion",
            Frame::Opinion => "frame_opinion",
            Frame::Report => "frame_report",
            Frame::Condemn => "frame_condemn",
            Frame::Court => "frame_court",
            Frame::Official => "frame_official",
            Frame::Press => "frame_press",
            Frame::Hearsay => "frame_hearsay",
            Frame::Verdict => "frame_verdict",
            Frame::Veiled => "frame_veiled",
            Frame::Nickname => "frame_nickname",
            Frame::Mockery => "frame_mockery",
            Frame::Contempt => "frame_contempt",
            Frame::Idea => "frame_idea",
            Frame::Institution => "frame_institution",
            Frame::Stereotype => "frame_stereotype",
        }
    }

    /// The frame of a CSV category, if it names one.
    pub fn from_category(c: &str) -> Option<Frame> {
        FRAMES.into_iter().find(|f| f.name() == c)
    }
}

/// Where an accusation's claim comes from, strongest source first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    /// No source named.
    #[default]
    None,
    /// A relative, a colleague, a video, "on m'a dit".
    Hearsay,
    /// The press.
    Press,
    /// A prosecutor, a prefecture, an official report.
    Official,
    /// A court: a judgment, a conviction, an indictment.
    Court,
}

impl Source {
    /// Name shown by `explain`.
    pub fn name(self) -> &'static str {
        match self {
            Source::None => "none",
            Source::Hearsay => "hearsay",
            Source::Press => "press",
            Source::Official => "official",
            Source::Court => "court",
        }
    }
}

/// One group-directed predicate found in the text.
#[derive(Debug, Clone, Copy)]
pub struct GroupPredicate {
    /// Emotion, Dehumanising or Exclusion; `None` for a threat or insult word.
    pub frame: Option<Frame>,
    /// The predicate hit (index into `Analysis::hits`).
    pub hit: usize,
    /// The protected-group word it is aimed at (word index).
    pub group_word: usize,
    /// Strength from the lexicon weight.
    pub weight: f32,
    /// Under a negation ("ne sont pas des animaux").
    pub negated: bool,
    /// Quoted or introduced by a reporting verb ("ceux qui disent que…").
    pub reported: bool,
}

/// What the frames found in one comment. Values are in [0, 1].
#[derive(Debug, Clone, Default)]
pub struct Frames {
    /// Negative emotion aimed at a protected group (asserted, not negated or reported).
    pub group_emotion: f32,
    /// Dehumanising comparison aimed at a protected group.
    pub group_dehumanising: f32,
    /// Exclusion call aimed at a protected group.
    pub group_exclusion: f32,
    /// Violence (a threat word) aimed at a protected group.
    pub group_violence: f32,
    /// A group predicate under negation.
    pub group_negated: f32,
    /// An opinion frame, stronger around a protected group.
    pub opinion: f32,
    /// A question about a protected group.
    pub question_group: f32,
    /// An offensive span or group predicate that is reported or quoted.
    pub reported: f32,
    /// Reported plus condemned or corrected: counter-speech.
    pub counter: f32,
    /// The strongest accusation source named.
    pub source: Source,
    /// A verdict drawn from a named source.
    pub source_leap: f32,
    /// Veiled-threat formulas.
    pub veiled: f32,
    /// A nickname insult.
    pub nickname: f32,
    /// Mockery by comparison, aimed at someone.
    pub mockery: f32,
    /// Contempt written as description.
    pub contempt: f32,
    /// The comment is about an idea or a policy.
    pub target_idea: f32,
    /// The comment is about an institution.
    pub target_institution: f32,
    /// A negative trait asserted of a protected group ("les X sont violents").
    pub group_stereotype: f32,
    /// A negative trait or predicate under negation ("ne sont pas des voleurs"): denial
    /// of a stereotype, whoever it is about.
    pub negated_negative: f32,
    /// Group-directed predicates, for the detectors and `explain`.
    pub predicates: Vec<GroupPredicate>,
    /// Hits reported by a frame (indexes into `Analysis::hits`), sorted.
    pub reported_hits: Vec<usize>,
    /// Nickname, mockery and contempt hits aimed at someone (indexes), for evidence.
    pub insult_hits: Vec<usize>,
    /// Strong veiled-threat hits (indexes), for evidence.
    pub veiled_hits: Vec<usize>,
    /// Per-sentence and per-word buffers, kept across comments (no allocation per
    /// comment once they have grown).
    buf: Buffers,
}

/// Scratch space of `analyze`.
#[derive(Debug, Clone, Default)]
struct Buffers {
    first: Vec<usize>,
    last: Vec<usize>,
    protected_in: Vec<usize>,
    anaphora_in: Vec<bool>,
    report_end: Vec<u32>,
    institution_at: Vec<bool>,
}

/// Clears `v` and fills it with `n` copies of `x`, keeping its allocation.
fn refill<T: Clone>(v: &mut Vec<T>, n: usize, x: T) {
    v.clear();
    v.resize(n, x);
}

impl Frames {
    /// The engineered values, in `FRAME_FEATURES` order.
    pub fn values(&self) -> [f32; 19] {
        [
            self.group_emotion,
            self.group_dehumanising,
            self.group_exclusion,
            self.group_violence,
            self.group_negated,
            self.opinion,
            self.question_group,
            self.reported,
            self.counter,
            (self.source == Source::Hearsay) as u8 as f32,
            matches!(
                self.source,
                Source::Press | Source::Official | Source::Court
            ) as u8 as f32,
            self.source_leap,
            self.veiled,
            self.nickname,
            self.mockery,
            self.contempt,
            self.target_idea.max(self.target_institution),
            self.group_stereotype,
            self.negated_negative,
        ]
    }

    /// True when hit `i` is reported by a frame.
    pub fn is_reported(&self, i: usize) -> bool {
        self.reported_hits.binary_search(&i).is_ok()
    }

    /// The strongest asserted group predicate (emotion, dehumanisation, exclusion,
    /// violence), 0 when none.
    pub fn group_attack(&self) -> f32 {
        self.group_emotion
            .max(self.group_dehumanising)
            .max(self.group_exclusion)
            .max(self.group_violence)
    }
}

/// Names of the frame features, appended to `ENGINEERED`.
pub const FRAME_FEATURES: [&str; 19] = [
    "frame_group_emotion",
    "frame_group_dehumanising",
    "frame_group_exclusion",
    "frame_group_violence",
    "frame_group_negated",
    "frame_opinion",
    "frame_question_group",
    "frame_reported",
    "frame_counter_speech",
    "frame_source_hearsay",
    "frame_source_named",
    "frame_source_leap",
    "frame_veiled_threat",
    "frame_nickname",
    "frame_mockery",
    "frame_contempt",
    "frame_target_idea",
    "frame_group_stereotype",
    "frame_negated_negative",
];

fn frame_of(h: &Hit) -> Option<Frame> {
    match h.kind {
        Kind::Frame(f) => Some(f),
        _ => None,
    }
}

fn weight(h: &Hit) -> f32 {
    LEXICON.entries[h.entry as usize].weight
}

/// Pronouns and determiners that carry a group named in the sentence before
/// ("Les Roms ? Ils pullulent.").
const ANAPHORA: &[&str] = &[
    "ils", "elles", "eux", "les", "ces", "ceux", "leur", "leurs", "ca", "cette",
];
/// Determiners that make a nickname head a title ("le Pingouin de…").
const TITLE_DET: &[&str] = &[
    "le", "la", "l", "du", "au", "ce", "cette", "cet", "notre", "votre", "leur", "un", "une",
    "son", "sa",
];

/// Fills `out` from the analysis (hits and word flags must be computed).
pub fn analyze(text: &str, a: &Analysis, out: &mut Frames) {
    // Reset every value, keep the allocations.
    let mut buf = std::mem::take(&mut out.buf);
    let mut lists = (
        std::mem::take(&mut out.predicates),
        std::mem::take(&mut out.reported_hits),
        std::mem::take(&mut out.insult_hits),
        std::mem::take(&mut out.veiled_hits),
    );
    lists.0.clear();
    lists.1.clear();
    lists.2.clear();
    lists.3.clear();
    *out = Frames {
        predicates: lists.0,
        reported_hits: lists.1,
        insult_hits: lists.2,
        veiled_hits: lists.3,
        ..Frames::default()
    };
    analyze_with(text, a, out, &mut buf);
    out.buf = buf;
}

fn analyze_with(text: &str, a: &Analysis, out: &mut Frames, buf: &mut Buffers) {
    let nw = a.words.len();
    if nw == 0 {
        return;
    }
    // Sentence ranges of words, for the per-sentence scopes: [start, end) per sentence.
    let sent_of = |w: usize| a.sentence[w.min(nw - 1)];
    let sentences = a.sentence[nw - 1] as usize + 1;
    refill(&mut buf.first, sentences, usize::MAX);
    refill(&mut buf.last, sentences, 0);
    let (first, last) = (&mut buf.first, &mut buf.last);
    for (i, &s) in a.sentence.iter().enumerate() {
        let s = s as usize;
        first[s] = first[s].min(i);
        last[s] = i + 1;
    }
    // A protected word per sentence, and whether the sentence has an anaphora.
    refill(&mut buf.protected_in, sentences, usize::MAX);
    refill(&mut buf.anaphora_in, sentences, false);
    let (protected_in, anaphora_in) = (&mut buf.protected_in, &mut buf.anaphora_in);
    for i in 0..nw {
        let s = a.sentence[i] as usize;
        if a.flags[i] & flag::PROTECTED != 0 && protected_in[s] == usize::MAX {
            protected_in[s] = i;
        }
        if ANAPHORA.contains(&a.word(i)) {
            anaphora_in[s] = true;
        }
    }
    let short = nw <= 25;
    let any_protected = protected_in.iter().copied().find(|&w| w != usize::MAX);
    // The group a word in sentence `s` is aimed at: the sentence's own, the previous
    // sentence's through a pronoun, or in a short comment the only one there is.
    let group_for = |s: usize| -> Option<usize> {
        if protected_in[s] != usize::MAX {
            return Some(protected_in[s]);
        }
        if s > 0 && anaphora_in[s] && protected_in[s - 1] != usize::MAX {
            return Some(protected_in[s - 1]);
        }
        if short {
            return any_protected;
        }
        None
    };
    // The earliest end of a reporting cue in each sentence: a hit after it is reported.
    // (Per-sentence minima keep the frames linear in the number of hits.)
    refill(&mut buf.report_end, sentences, u32::MAX);
    let report_end = &mut buf.report_end;
    for r in &a.hits {
        if frame_of(r) == Some(Frame::Report) {
            let s = sent_of(r.ws as usize) as usize;
            report_end[s] = report_end[s].min(r.we);
        }
    }
    let report_before = |h: &Hit| -> bool {
        let s = sent_of(h.ws as usize) as usize;
        report_end[s] <= h.ws
    };
    let negated = |h: &Hit| a.any_flag(h.ws as isize - 3, h.ws as isize, flag::NEGATION);
    let condemned = a
        .hits
        .iter()
        .any(|h| frame_of(h) == Some(Frame::Condemn) || h.kind == Kind::CounterSpeech);

    let mut reported_any: f32 = 0.0;
    for (i, h) in a.hits.iter().enumerate() {
        let frame = frame_of(h);
        let group_kind = matches!(
            frame,
            Some(Frame::Emotion | Frame::Dehumanising | Frame::Exclusion)
        ) || matches!(h.kind, Kind::Threat | Kind::Dehumanising);
        let offensive = h.kind.offensive() || group_kind;
        if !offensive {
            continue;
        }
        let reported = h.in_quote || report_before(h);
        if reported {
            out.reported_hits.push(i);
        }
        if !group_kind {
            if reported {
                reported_any = reported_any.max(0.7);
            }
            continue;
        }
        let s = sent_of(h.ws as usize);
        let Some(g) = group_for(s as usize) else {
            continue;
        };
        // A threat or dehumanising word needs the group close by: "les Roms" three
        // sentences away from "tuer le temps" is no attack.
        if frame.is_none() && (g as isize - h.ws as isize).unsigned_abs() > 8 {
            continue;
        }
        let p = GroupPredicate {
            frame,
            hit: i,
            group_word: g,
            weight: weight(h),
            negated: negated(h),
            reported,
        };
        out.predicates.push(p);
        if p.reported {
            reported_any = reported_any.max(1.0);
            continue;
        }
        if p.negated {
            out.group_negated = out.group_negated.max(p.weight);
            continue;
        }
        let slot = match frame {
            Some(Frame::Emotion) => &mut out.group_emotion,
            Some(Frame::Dehumanising) => &mut out.group_dehumanising,
            Some(Frame::Exclusion) => &mut out.group_exclusion,
            _ if h.kind == Kind::Dehumanising => &mut out.group_dehumanising,
            _ => &mut out.group_violence,
        };
        *slot = slot.max(p.weight);
    }
    // Stereotypes: a negative trait with a protected group in scope, asserted; any
    // negative trait or predicate under negation is a denial.
    for h in &a.hits {
        let negative = frame_of(h) == Some(Frame::Stereotype)
            || matches!(
                frame_of(h),
                Some(Frame::Emotion | Frame::Dehumanising | Frame::Exclusion)
            )
            || matches!(
                h.kind,
                Kind::Insult | Kind::Dehumanising | Kind::Slur | Kind::Wrongdoing
            );
        if !negative {
            continue;
        }
        let ws = (h.ws as usize).min(nw - 1);
        if a.scope[ws] & super::detect::SCOPE_NEGATED != 0 || negated(h) {
            out.negated_negative = out.negated_negative.max(weight(h));
            continue;
        }
        if frame_of(h) != Some(Frame::Stereotype)
            || a.scope[ws] & super::detect::SCOPE_REPORTED != 0
        {
            continue;
        }
        if group_for(sent_of(ws) as usize).is_some() {
            out.group_stereotype = out.group_stereotype.max(weight(h));
        }
    }
    out.reported = reported_any;
    // Counter-speech: something offensive is reported and the comment condemns or
    // corrects it, or it negates a group predicate ("ils ne sont pas des animaux").
    if condemned && (reported_any > 0.0 || out.group_negated > 0.0) {
        out.counter = 1.0;
    }

    // Question and opinion frames.
    let bytes = a.norm.text.as_bytes();
    for s in 0..sentences {
        if first[s] == usize::MAX || protected_in[s] == usize::MAX {
            continue;
        }
        let end = a.words[last[s] - 1].1 as usize;
        let next = if last[s] < nw {
            a.words[last[s]].0 as usize
        } else {
            bytes.len()
        };
        if bytes[end..next].contains(&b'?') {
            out.question_group = 1.0;
        }
    }
    for h in &a.hits {
        match frame_of(h) {
            Some(Frame::Opinion) => {
                let w = weight(h) * if any_protected.is_some() { 1.0 } else { 0.5 };
                out.opinion = out.opinion.max(w);
            }
            Some(Frame::Idea) => out.target_idea = out.target_idea.max(weight(h)),
            Some(Frame::Institution) => {
                out.target_institution = out.target_institution.max(weight(h))
            }
            _ => {}
        }
    }

    // Sources and the leap to a verdict.
    let mut named_source = false;
    for h in &a.hits {
        let src = match frame_of(h) {
            Some(Frame::Court) => Source::Court,
            Some(Frame::Official) => Source::Official,
            Some(Frame::Press) if weight(h) >= 0.6 => Source::Press,
            Some(Frame::Hearsay) => Source::Hearsay,
            _ if h.kind == Kind::Hearsay => Source::Hearsay,
            _ => continue,
        };
        named_source |= matches!(src, Source::Court | Source::Official | Source::Press);
        // Hearsay wins over a named source only when no named source is given.
        let rank = |s: Source| match s {
            Source::None => 0,
            Source::Hearsay => 1,
            Source::Press => 2,
            Source::Official => 3,
            Source::Court => 4,
        };
        if rank(src) > rank(out.source) {
            out.source = src;
        }
    }
    if named_source && a.has(Kind::Wrongdoing) {
        let last_charge = a
            .hits
            .iter()
            .filter(|w| matches!(w.kind, Kind::Wrongdoing | Kind::Insult))
            .map(|w| w.ws)
            .max();
        for h in &a.hits {
            if frame_of(h) != Some(Frame::Verdict) {
                continue;
            }
            // "donc" is a leap only when a wrongdoing or insult word follows it.
            let strong = weight(h) >= 0.8 || last_charge.is_some_and(|ws| ws >= h.we);
            if strong {
                out.source_leap = 1.0;
            }
        }
    }

    // Veiled threats: a strong formula, or two weak ones (a child and a car).
    let aimed = a.any_flag(0, nw as isize, flag::SECOND | flag::NAME | flag::PRONOUN);
    let mut weak = 0u32;
    for (i, h) in a.hits.iter().enumerate() {
        if frame_of(h) != Some(Frame::Veiled) {
            continue;
        }
        let w = weight(h);
        if w >= 0.8 {
            out.veiled = out.veiled.max(if aimed { w } else { 0.6 * w });
            if aimed && !h.in_quote {
                out.veiled_hits.push(i);
            }
        } else {
            weak += 1;
            out.veiled = out.veiled.max(0.4 * w);
        }
    }
    if weak >= 2 {
        out.veiled = out.veiled.max(0.7);
    }

    // Insults without insult words.
    refill(&mut buf.institution_at, nw, false);
    let institution_at = &mut buf.institution_at;
    for x in &a.hits {
        if frame_of(x) == Some(Frame::Institution) {
            institution_at[(x.ws as usize).min(nw - 1)] = true;
        }
    }
    let someone = aimed || a.any_flag(0, nw as isize, flag::TARGET);
    for (i, h) in a.hits.iter().enumerate() {
        let (ws, we) = (h.ws as usize, (h.we as usize).min(nw));
        match frame_of(h) {
            Some(Frame::Nickname) => {
                let det = ws > 0 && TITLE_DET.contains(&a.word(ws - 1));
                let capital = text[h.os as usize..]
                    .chars()
                    .next()
                    .is_some_and(char::is_uppercase);
                // "le Pingouin de Matignon": the head, then de/du/des and a name or an
                // institution; "Dumont la girouette": a name, then an article.
                let of_place = we + 1 < nw
                    && matches!(a.word(we), "de" | "du" | "des" | "d")
                    && (a.flags[we + 1] & flag::NAME != 0
                        || institution_at[we + 1]
                        || matches!(a.word(we + 1), "la" | "l" | "le"));
                let named = ws >= 2
                    && matches!(a.word(ws - 1), "le" | "la" | "l")
                    && a.flags[ws - 2] & flag::NAME != 0;
                let title = det && (of_place || (capital && ws > 0));
                if title || named {
                    out.nickname = out.nickname.max(weight(h));
                    out.insult_hits.push(i);
                }
            }
            Some(Frame::Mockery) if someone => {
                out.mockery = out.mockery.max(weight(h));
                if weight(h) >= 0.8 {
                    out.insult_hits.push(i);
                }
            }
            Some(Frame::Contempt) => {
                let w = weight(h) * if someone { 1.0 } else { 0.6 };
                out.contempt = out.contempt.max(w);
                if someone && weight(h) >= 0.9 {
                    out.insult_hits.push(i);
                }
            }
            _ => {}
        }
    }
    out.insult_hits.sort_unstable();
    out.insult_hits.dedup();
}

#[cfg(test)]
mod tests {
    use super::super::detect::{analyze as analyze_text, Analysis};
    use super::*;

    fn frames(t: &str) -> Frames {
        let mut a = Analysis::default();
        analyze_text(t, &mut a);
        a.frames.clone()
    }

    #[test]
    fn every_category_has_a_frame() {
        for f in FRAMES {
            assert_eq!(Frame::from_category(f.name()), Some(f));
        }
        assert_eq!(Frame::from_category("frame_nothing"), None);
    }

    #[test]
    fn group_predicates_need_the_group() {
        assert!(frames("Je déteste les musulmans.").group_emotion > 0.8);
        assert!(frames("Les Roms ? Ils pullulent dans la vallée.").group_dehumanising > 0.8);
        assert!(frames("Les migrants, dehors, tous dehors !").group_exclusion > 0.8);
        assert_eq!(frames("Je déteste les lundis matin.").group_emotion, 0.0);
        assert_eq!(
            frames("Tout le monde dehors, il fait beau !").group_exclusion,
            0.0
        );
    }

    #[test]
    fn negation_and_reporting_are_not_attacks() {
        let f = frames("Les Noirs ne sont pas des animaux, fin du débat.");
        assert_eq!(f.group_attack(), 0.0);
        assert!(f.group_negated > 0.0);
        let f = frames("Ceux qui disent que les Arabes sont des sauvages devraient avoir honte.");
        assert_eq!(f.group_attack(), 0.0, "{f:?}");
        assert!(f.reported > 0.0 && f.counter > 0.0, "{f:?}");
        let f = frames("« Les juifs, dehors » : c'est ignoble, j'ai signalé le message.");
        assert_eq!(f.group_attack(), 0.0, "{f:?}");
        assert_eq!(f.counter, 1.0);
    }

    #[test]
    fn stereotypes_asserted_and_denied() {
        let f = frames("Les Roumains sont tous des voleurs.");
        assert!(
            f.group_stereotype > 0.8 && f.negated_negative == 0.0,
            "{f:?}"
        );
        let f = frames("Non, les Roumains ne sont pas des voleurs.");
        assert!(
            f.group_stereotype == 0.0 && f.negated_negative > 0.8,
            "{f:?}"
        );
        let f = frames("Les voleurs de vélos sévissent encore rue Haute.");
        assert_eq!(f.group_stereotype, 0.0, "{f:?}");
    }

    #[test]
    fn question_and_opinion_frames() {
        let f = frames("Pourquoi les femmes ne savent pas conduire ?");
        assert_eq!(f.question_group, 1.0);
        assert!(frames("Je dis juste que les Roumains volent.").opinion >= 1.0);
        assert_eq!(
            frames("Pourquoi le bus est en retard ?").question_group,
            0.0
        );
    }

    #[test]
    fn sources_and_the_leap_to_a_verdict() {
        let f = frames(
            "Mon beau-frère qui bosse à la mairie dit que Castagnède touche des pots-de-vin.",
        );
        assert_eq!(f.source, Source::Hearsay);
        let f = frames("Selon le parquet, Castagnède est soupçonné de corruption.");
        assert_eq!(f.source, Source::Official);
        assert_eq!(f.source_leap, 0.0);
        let f = frames(
            "Le parquet a ouvert une enquête, c'est bien la preuve que Castagnède est corrompu.",
        );
        assert_eq!(f.source_leap, 1.0);
    }

    #[test]
    fn veiled_threats() {
        assert!(frames("Je sais où tu gares ta Clio, Gaspard.").veiled >= 0.9);
        assert!(frames("Belle boutique. Un accident est vite arrivé, tu sais.").veiled >= 0.9);
        assert!(frames("Ta voiture est garée devant la pharmacie.").veiled < 0.5);
    }

    #[test]
    fn nicknames_mockery_and_contempt() {
        assert!(frames("Encore une annonce du Pingouin de Matignon.").nickname > 0.7);
        assert!(frames("Dumont la girouette a encore changé d'avis.").nickname > 0.7);
        assert_eq!(
            frames("Les pingouins de l'Antarctique nagent vite.").nickname,
            0.0
        );
        assert!(frames("T'as le QI d'une huître, toi.").mockery > 0.9);
        assert!(frames("Cette chose qui nous sert de maire a encore frappé.").contempt > 0.9);
    }
}
