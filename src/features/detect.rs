//! Lexicon hits on the normalised text and the detectors built on them (insult, masked
//! slur, hate, threat, profanity; accusation lives in `accusation.rs`). Each detector
//! gives a score in [0, 1] and evidence spans in the original text.

use super::lexicon::{Kind, LEXICON};
use super::normalize::{self, Normalized};
use super::work::tick;
use super::{ngrams, DetectorScores, Evidence, EvidenceSet};

/// One lexicon hit.
#[derive(Debug, Clone, Copy)]
pub struct Hit {
    /// What the entry is evidence of.
    pub kind: Kind,
    /// Index into `LEXICON.entries`.
    pub entry: u32,
    /// Normalised byte range.
    pub ns: u32,
    /// Normalised byte range end.
    pub ne: u32,
    /// First word index covered.
    pub ws: u32,
    /// One past the last word index covered.
    pub we: u32,
    /// Original byte range.
    pub os: u32,
    /// Original byte range end.
    pub oe: u32,
    /// Found only thanks to a disguise-undoing step.
    pub disguised: bool,
    /// Inside « … » or "…" in the original.
    pub in_quote: bool,
}

/// Per-word flags used by the proximity rules.
pub mod flag {
    /// ce/cette/sale/espèce de…
    pub const TARGET: u16 = 1;
    /// tu/toi/vous…
    pub const SECOND: u16 = 2;
    /// A non-protected group noun.
    pub const GROUP: u16 = 4;
    /// A protected group noun.
    pub const PROTECTED: u16 = 8;
    /// A capitalised proper name (not a sentence's first function word).
    pub const NAME: u16 = 16;
    /// est/sont/es/êtes: "X est un …" aims the insult at X.
    pub const COPULA: u16 = 32;
    /// pas/jamais/ni…
    pub const NEGATION: u16 = 64;
    /// il/elle/ils/lui…
    pub const PRONOUN: u16 = 128;
    /// Object pronouns before a threat verb (te, le, les…).
    pub const THREAT_OBJ: u16 = 256;
    /// Intention or wish words before a threat verb (vais, faut, mérite…).
    pub const THREAT_INTENT: u16 = 512;
    /// Words that make a threat verb figurative (match, rire, temps…).
    pub const FIGURATIVE: u16 = 1024;
}

/// Everything the detectors and the engineered features read; reused across comments.
#[derive(Debug, Default)]
pub struct Analysis {
    /// The normalised text and its map back to the original.
    pub norm: Normalized,
    /// Words of the normalised text (byte ranges).
    pub words: Vec<(u32, u32)>,
    /// Flags per word (see `flag`).
    pub flags: Vec<u16>,
    /// Sentence number per word.
    pub sentence: Vec<u32>,
    /// Lexicon hits, longest-first within overlapping offensive hits.
    pub hits: Vec<Hit>,
    /// Quoted ranges of the original text (including the quote marks).
    pub quotes: Vec<(usize, usize)>,
    /// The structural frames (computed last, from hits and flags).
    pub frames: super::frames::Frames,
    /// Scope of each word: 0, or `SCOPE_NEGATED` / `SCOPE_REPORTED` bits.
    pub scope: Vec<u8>,
}

/// The word is under a negation ("ne sont pas des voleurs").
pub const SCOPE_NEGATED: u8 = 1;
/// The word is quoted or reported ("« … »", "ceux qui disent que …").
pub const SCOPE_REPORTED: u8 = 2;

/// Negation cues that open a scope by themselves.
const NEG_OPEN: &[&str] = &["pas", "jamais", "aucun", "aucune", "ni", "nullement", "non"];
/// Words that close a negation or reporting scope.
const SCOPE_CLOSE: &[&str] = &["mais", "car", "parce", "alors", "pourtant", "sauf"];

/// Marks the words under a negation (from "ne"/"n'" or a negation word to the end of
/// the clause, at most 8 words) and inside reported speech (quotations, and the rest of
/// the clause after a reporting cue).
fn mark_scopes(a: &mut Analysis) {
    let nw = a.words.len();
    a.scope.clear();
    a.scope.resize(nw, 0);
    let bytes = a.norm.text.as_bytes();
    // A clause ends at punctuation between two words.
    let boundary = |i: usize| -> bool {
        i > 0
            && bytes[a.words[i - 1].1 as usize..a.words[i].0 as usize]
                .iter()
                .any(|b| matches!(b, b'.' | b'!' | b'?' | b';' | b',' | b':' | b'\n'))
    };
    let mut i = 0;
    while i < nw {
        let w = a.word(i);
        let opens = NEG_OPEN.contains(&w)
            || ((w == "ne" || w == "n")
                && (i + 1..(i + 4).min(nw)).any(|j| {
                    matches!(
                        a.word(j),
                        "pas" | "plus" | "jamais" | "rien" | "personne" | "guere"
                    )
                }));
        if opens {
            let mut j = i + 1;
            while j < nw && j <= i + 8 && !boundary(j) && !SCOPE_CLOSE.contains(&a.word(j)) {
                a.scope[j] |= SCOPE_NEGATED;
                j += 1;
            }
            i = j;
            continue;
        }
        i += 1;
    }
    // Quotes are sorted and disjoint, words in order: one merge walk.
    let mut q = 0;
    for k in 0..nw {
        let (s, e) = a.words[k];
        let (os, oe) = a.norm.original_range(s as usize, e as usize);
        while q < a.quotes.len() && a.quotes[q].1 < oe {
            q += 1;
        }
        if q < a.quotes.len() && os >= a.quotes[q].0 && oe <= a.quotes[q].1 {
            a.scope[k] |= SCOPE_REPORTED;
        }
    }
    for h in &a.hits {
        if h.kind != Kind::Frame(super::frames::Frame::Report) {
            continue;
        }
        let mut j = h.we as usize;
        while j < nw && j < h.we as usize + 12 && !boundary(j) && !SCOPE_CLOSE.contains(&a.word(j))
        {
            a.scope[j] |= SCOPE_REPORTED;
            j += 1;
        }
    }
}

impl Analysis {
    /// The normalised text of word `i`.
    pub fn word(&self, i: usize) -> &str {
        let (s, e) = self.words[i];
        &self.norm.text[s as usize..e as usize]
    }

    /// True when any word in `[from, to)` (clamped) has one of `mask`'s flags.
    pub fn any_flag(&self, from: isize, to: isize, mask: u16) -> bool {
        let lo = from.max(0) as usize;
        let hi = (to.max(0) as usize).min(self.flags.len());
        (lo..hi).any(|i| self.flags[i] & mask != 0)
    }

    /// True when a hit of `kind` exists.
    pub fn has(&self, kind: Kind) -> bool {
        self.hits.iter().any(|h| h.kind == kind)
    }

    /// Number of hits of `kind`.
    pub fn count(&self, kind: Kind) -> usize {
        self.hits.iter().filter(|h| h.kind == kind).count()
    }
}

const COPULAS: &[&str] = &["est", "sont", "es", "etes", "etait", "etaient", "reste"];
const THREAT_OBJ: &[&str] = &["te", "t", "vous", "le", "la", "les", "lui", "leur", "l"];
const THREAT_INTENT: &[&str] = &[
    "vais",
    "va",
    "vont",
    "faut",
    "faudrait",
    "faudra",
    "merite",
    "meritent",
    "meriterait",
    "devrait",
    "devraient",
    "doit",
    "finira",
    "finiront",
    "souhaite",
    "espere",
    "allez",
    "aller",
    "veux",
    "voudrais",
];
/// Sports and idioms: "tuer le match", "mort de rire", "tuer le temps".
const FIGURATIVE: &[&str] = &[
    "match",
    "rire",
    "temps",
    "jeu",
    "partie",
    "equipe",
    "but",
    "buts",
    "finale",
    "score",
    "suspense",
    "ennui",
    "boulot",
    "travail",
    "film",
    "serie",
    "concurrence",
];
/// Function words that may start a sentence with a capital without being a name.
const NOT_NAMES: &[&str] = &[
    "le", "la", "les", "l", "un", "une", "des", "de", "du", "d", "ce", "cet", "cette", "ces", "c",
    "il", "elle", "ils", "elles", "on", "je", "j", "tu", "nous", "vous", "et", "mais", "ou",
    "donc", "car", "ni", "si", "quand", "comme", "pour", "par", "avec", "sans", "dans", "en", "au",
    "aux", "qu", "que", "qui", "y", "a", "oui", "non", "bref", "ben", "pas", "sur", "son", "sa",
    "ses", "mon", "ma", "mes", "ton", "ta", "tes", "leur", "leurs", "quel", "quelle", "tout",
    "tous", "toutes", "toute", "encore", "deja", "alors", "apres", "avant", "puis", "ensuite",
    "enfin", "meme", "bien", "moi", "toi", "lui", "n", "s", "m", "t", "ca", "cela", "ceci",
    "voila", "excuse", "merci", "bravo", "bon", "bonne", "pourquoi", "comment", "ah", "oh", "eh",
    "he", "quoi", "vive", "ni", "selon", "certes", "sont", "est",
];

/// Fills `a` for `text`: normalisation, words, sentences, quotes, hits and word flags.
pub fn analyze(text: &str, a: &mut Analysis) {
    normalize::normalize_into(text, normalize::STEPS, &mut a.norm);
    ngrams::words(&a.norm.text, &mut a.words);
    let nw = a.words.len();
    a.flags.clear();
    a.flags.resize(nw, 0);
    // Sentences: a word starts a new one after . ! ? ; or a line break.
    a.sentence.clear();
    let mut sid = 0u32;
    let bytes = a.norm.text.as_bytes();
    for i in 0..nw {
        if i > 0 {
            let gap = &bytes[a.words[i - 1].1 as usize..a.words[i].0 as usize];
            if gap
                .iter()
                .any(|b| matches!(b, b'.' | b'!' | b'?' | b';' | b'\n'))
            {
                sid += 1;
            }
        }
        a.sentence.push(sid);
    }
    find_quotes(text, &mut a.quotes);
    // Hits.
    a.hits.clear();
    let (norm, words, hits, quotes) = (&a.norm, &a.words, &mut a.hits, &a.quotes);
    LEXICON.find(&norm.text, |entry, e, s, en| {
        let (os, oe) = norm.original_range(s, en);
        let ws = words.partition_point(|w| (w.1 as usize) <= s) as u32;
        let we = words.partition_point(|w| (w.0 as usize) < en) as u32;
        hits.push(Hit {
            kind: e.kind,
            entry,
            ns: s as u32,
            ne: en as u32,
            ws,
            we: we.max(ws + 1),
            os: os as u32,
            oe: oe as u32,
            disguised: norm.disguised(s, en),
            in_quote: in_quote(quotes, os, oe),
        });
    });
    // Inside one group of overlapping offensive hits, keep the longest: "pauvre con"
    // is one insult, "fils de pute" is not also "pute".
    let strong = |k: Kind| {
        matches!(
            k,
            Kind::Insult
                | Kind::Dehumanising
                | Kind::Slur
                | Kind::Profanity
                | Kind::Threat
                | Kind::Wrongdoing
        )
    };
    if hits.iter().filter(|h| strong(h.kind)).count() > 1 {
        let cover = Cover::new(hits.iter().filter(|h| strong(h.kind)).map(|h| (h.ns, h.ne)));
        hits.retain(|h| !strong(h.kind) || !cover.strictly_covers(h.ns, h.ne));
    }
    // Word flags from cue hits and word shapes.
    for h in hits.iter() {
        let f = match h.kind {
            Kind::Target => flag::TARGET,
            Kind::SecondPerson => flag::SECOND,
            Kind::Group => flag::GROUP,
            Kind::ProtectedGroup => flag::PROTECTED,
            Kind::Negation => flag::NEGATION,
            Kind::Pronoun => flag::PRONOUN,
            _ => 0,
        };
        for w in h.ws..h.we.min(nw as u32) {
            a.flags[w as usize] |= f;
        }
    }
    for i in 0..nw {
        let (s, e) = a.words[i];
        let w = &a.norm.text[s as usize..e as usize];
        // "c'est minable" judges a thing or an act, not a person.
        let impersonal = i > 0 && matches!(a.word(i - 1), "c" | "ca" | "cela" | "ce");
        if COPULAS.contains(&w) && !impersonal {
            a.flags[i] |= flag::COPULA;
        }
        if THREAT_OBJ.contains(&w) {
            a.flags[i] |= flag::THREAT_OBJ;
        }
        if THREAT_INTENT.contains(&w) {
            a.flags[i] |= flag::THREAT_INTENT;
        }
        if FIGURATIVE.contains(&w) {
            a.flags[i] |= flag::FIGURATIVE;
        }
        if is_name(text, a, i) {
            a.flags[i] |= flag::NAME;
        }
    }
    // A capitalised insult or vulgarity ("M*rde, …", "Connard !") is not a name.
    for h in &a.hits {
        if h.kind.offensive() {
            for w in h.ws..h.we.min(nw as u32) {
                a.flags[w as usize] &= !flag::NAME;
            }
        }
    }
    mark_scopes(a);
    let mut frames = std::mem::take(&mut a.frames);
    super::frames::analyze(text, a, &mut frames);
    a.frames = frames;
}

/// True when the original range `[os, oe)` (non-empty) lies inside one of `quotes`
/// (sorted, disjoint): only the last quote opening at or before `os` can hold it, so a
/// binary search replaces a scan of every quote per hit.
fn in_quote(quotes: &[(usize, usize)], os: usize, oe: usize) -> bool {
    tick(1);
    let i = quotes.partition_point(|q| q.0 <= os);
    i > 0 && oe <= quotes[i - 1].1
}

/// The ranges of the strong hits, to ask in O(log n) whether a range lies inside a
/// strictly longer one (checking every hit against every hit was quadratic).
struct Cover {
    /// Ranges sorted by start.
    ranges: Vec<(u32, u32)>,
    /// `max_end[i]`: the largest end among `ranges[..=i]`.
    max_end: Vec<u32>,
}

impl Cover {
    fn new(it: impl Iterator<Item = (u32, u32)>) -> Cover {
        let mut ranges: Vec<(u32, u32)> = it.collect();
        ranges.sort_unstable();
        let mut m = 0;
        let max_end = ranges
            .iter()
            .map(|r| {
                m = m.max(r.1);
                m
            })
            .collect();
        Cover { ranges, max_end }
    }

    /// Some range `(s, e)` has `s <= ns`, `e >= ne` and is longer than `[ns, ne)`.
    /// Containing and longer means: starting before and ending at or after, or
    /// starting at the same byte and ending after.
    fn strictly_covers(&self, ns: u32, ne: u32) -> bool {
        tick(1 + self.ranges.len().ilog2() as usize);
        let before = self.ranges.partition_point(|r| r.0 < ns);
        if before > 0 && self.max_end[before - 1] >= ne {
            return true;
        }
        // Ranges starting at `ns` are sorted by end: the last one ends furthest.
        let upto = self.ranges.partition_point(|r| r.0 <= ns);
        upto > before && self.ranges[upto - 1].1 > ne
    }
}

/// A capitalised word that is not a sentence-initial function word, or a short acronym.
fn is_name(text: &str, a: &Analysis, i: usize) -> bool {
    let (s, e) = a.words[i];
    let (os, oe) = a.norm.original_range(s as usize, e as usize);
    let orig = &text[os..oe];
    let mut cs = orig.chars();
    let Some(first) = cs.next() else {
        return false;
    };
    if !first.is_uppercase() {
        return false;
    }
    let rest_upper = cs.clone().all(|c| !c.is_lowercase());
    let len = orig.chars().count();
    if rest_upper && len > 4 {
        // Shouting, not a name.
        return false;
    }
    let w = a.word(i);
    let initial = i == 0 || a.sentence[i] != a.sentence[i - 1];
    // Articles are never names; other function words only at a sentence start.
    (!initial || !NOT_NAMES.contains(&w)) && !NOT_NAMES[..4].contains(&w)
}

/// Quoted ranges: « … », “ … ” and straight "…" pairs, in original byte offsets.
pub fn find_quotes(text: &str, out: &mut Vec<(usize, usize)>) {
    out.clear();
    // Every opening mark has one of these bytes ('"', the last byte of '«' and of '“'):
    // without any, there is no quotation to look for.
    if !text.bytes().any(|b| matches!(b, b'"' | 0xAB | 0x9C)) {
        return;
    }
    let mut open: Option<(usize, char)> = None;
    for (i, c) in text.char_indices() {
        match (open, c) {
            (None, '«') => open = Some((i, '»')),
            (None, '“') => open = Some((i, '”')),
            (None, '"') => open = Some((i, '"')),
            (Some((s, close)), c) if c == close => {
                out.push((s, i + c.len_utf8()));
                open = None;
            }
            _ => {}
        }
    }
}

/// The detector scores and evidence, accusation included.
pub fn score(text: &str, a: &Analysis, ev: &mut Vec<Evidence>) -> DetectorScores {
    let mut sc = DetectorScores::default();
    let counter = a.has(Kind::CounterSpeech);
    let nw = a.words.len() as isize;
    let targets =
        flag::TARGET | flag::SECOND | flag::GROUP | flag::NAME | flag::COPULA | flag::PROTECTED;
    // Evidence already pushed, by (detector, span): a set instead of comparing with
    // every earlier entry (quadratic on long texts). Entries `ev` held before the call
    // count too, as they did with the scan.
    let seen = std::cell::RefCell::new(EvidenceSet::default());
    let push = |ev: &mut Vec<Evidence>, det: &str, h: &Hit| {
        let (s, e) = (h.os as usize, h.oe as usize);
        if !seen.borrow_mut().is_new(ev, det, s, e) {
            return;
        }
        ev.push(Evidence {
            detector: det.to_string(),
            term: LEXICON.entries[h.entry as usize].raw.clone(),
            start: s,
            end: e,
            text: text[s..e].to_string(),
        });
    };
    let profanity_hits = a.count(Kind::Profanity);
    let mut figurative_sentences: Option<Vec<bool>> = None;
    let mut weak_masked = false;
    let fr = &a.frames;
    for (hi, h) in a.hits.iter().enumerate() {
        let e = &LEXICON.entries[h.entry as usize];
        let (ws, we) = (h.ws as isize, h.we as isize);
        let phrase = e.term.contains(' ');
        let target = phrase || a.any_flag(ws - 4, ws, targets) || a.any_flag(we, we + 2, targets);
        let negated = a.any_flag(ws - 2, ws, flag::NEGATION);
        // Quoted or reported ("ceux qui traitent les X de …") inside counter-speech.
        let condemned = (h.in_quote && counter) || (fr.counter > 0.0 && fr.is_reported(hi));
        let mut damp = 1.0;
        if condemned {
            damp *= 0.3;
        }
        if negated {
            damp *= 0.5;
        }
        let protected_near = a.any_flag(ws - 4, we + 3, flag::PROTECTED);
        match h.kind {
            Kind::Insult => {
                let s = if target {
                    0.55 + 0.4 * e.weight
                } else {
                    0.35 + 0.3 * e.weight
                };
                sc.insult = sc.insult.max(s * damp);
                push(ev, "insult", h);
                if protected_near {
                    sc.hate = sc.hate.max(0.75 * damp);
                    push(ev, "hate", h);
                }
            }
            Kind::Dehumanising => {
                // Animal words are ordinary nouns ("les cochons d'Inde"): aimed only by a
                // targeting word or second person before them, a copula ("X est un
                // porc"), or "le nain de Kiev" (a singular article, then a name).
                let aimed = a.any_flag(ws - 3, ws, flag::TARGET | flag::SECOND | flag::COPULA)
                    || (ws > 0
                        && matches!(a.word(ws as usize - 1), "le" | "la" | "l")
                        && a.any_flag(we, we + 2, flag::NAME));
                let s = if aimed { 0.45 + 0.4 * e.weight } else { 0.15 };
                sc.insult = sc.insult.max(s * damp);
                push(ev, "insult", h);
                if protected_near {
                    sc.hate = sc.hate.max(0.85 * damp);
                    push(ev, "hate", h);
                }
            }
            // A capitalised disability word mid-sentence is a people ("les Mongols").
            Kind::Slur if e.category == "disability" && capitalised_mid(text, a, h) => {}
            Kind::Slur => {
                let s = 0.6 + 0.35 * e.weight + if target { 0.05 } else { 0.0 };
                sc.hate = sc.hate.max(s.min(1.0) * damp);
                push(ev, "hate", h);
            }
            Kind::Profanity => {
                let s = (0.4 + 0.4 * e.weight + 0.1 * (profanity_hits as f32 - 1.0)).min(1.0);
                sc.profanity = sc.profanity.max(s);
                push(ev, "profanity", h);
                if protected_near && a.any_flag(ws - 3, ws, flag::PROTECTED) {
                    // "<group> de merde"
                    sc.hate = sc.hate.max(0.7 * damp);
                    push(ev, "hate", h);
                }
            }
            Kind::Threat => {
                // A bare verb is weak; an object right before it ("te buter") or a
                // person right after ("pendre Morlaix") aims it, an intention word
                // ("vais", "faut", "mérite") makes it a call or a wish.
                let mut s = if phrase {
                    e.weight
                } else {
                    let mut s: f32 = 0.25;
                    if a.any_flag(ws - 2, ws, flag::THREAT_OBJ | flag::SECOND)
                        || a.any_flag(we, we + 2, flag::NAME | flag::GROUP | flag::SECOND)
                    {
                        s += 0.35;
                    }
                    if a.any_flag(ws - 4, ws, flag::THREAT_INTENT) {
                        s += 0.3;
                    }
                    s.min(0.95)
                };
                let sent = a.sentence[(h.ws as usize).min(a.sentence.len() - 1)];
                let figurative = figurative_sentences
                    .get_or_insert_with(|| {
                        // Once per comment, not once per threat hit.
                        tick(a.sentence.len());
                        let mut f = vec![false; a.sentence.last().map_or(0, |&s| s as usize + 1)];
                        for (i, &s) in a.sentence.iter().enumerate() {
                            f[s as usize] |= a.flags[i] & flag::FIGURATIVE != 0;
                        }
                        f
                    })
                    .get(sent as usize)
                    .copied()
                    .unwrap_or(false);
                if figurative {
                    s *= 0.5;
                }
                sc.threat = sc.threat.max(s * damp);
                push(ev, "threat", h);
            }
            Kind::Attribution
            | Kind::Hearsay
            | Kind::CounterSpeech
            | Kind::Negation
            | Kind::Target
            | Kind::SecondPerson => push(ev, e.kind.name(), h),
            _ => {}
        }
        if h.disguised && e.kind.offensive() {
            // A vulgarity is aimed only at a person ("t'es une p*tain de…", "sale
            // m.e.r.d.e"), not by "quel" ("quel p*tain de match").
            let aimed_vulgar = a.any_flag(ws - 4, we + 2, flag::SECOND | flag::NAME | flag::GROUP)
                || (ws > 0
                    && matches!(
                        a.word(ws as usize - 1),
                        "sale" | "espece" | "bande" | "petite" | "grosse"
                    ));
            let target = if matches!(e.kind, Kind::Profanity | Kind::Dehumanising) {
                aimed_vulgar
            } else {
                target
            };
            let s = match (target, e.kind) {
                (true, _) => 0.9,
                (false, Kind::Insult | Kind::Slur) => 0.65,
                _ => 0.3,
            };
            let damp = if condemned { 0.3 } else { 1.0 };
            if s < 0.5 && !condemned {
                weak_masked = true;
            }
            sc.masked_slur = sc.masked_slur.max(s * damp);
            push(ev, "masked_slur", h);
        }
    }
    // A disguised vulgarity with no target next to it still counts when the comment aims
    // at someone (a name, second person, "ce …") or carries another reason; alone
    // ("M*rde, j'ai raté le début") it stays low.
    let aimed = a
        .flags
        .iter()
        .any(|f| f & (flag::SECOND | flag::NAME | flag::GROUP) != 0);
    if weak_masked && (aimed || sc.insult >= 0.5 || sc.threat >= 0.5 || sc.hate >= 0.5) {
        sc.masked_slur = sc.masked_slur.max(0.6);
    }
    let damp_counter = if counter || fr.counter > 0.0 {
        0.3
    } else {
        1.0
    };
    sc.hate = sc.hate.max(generalisation(a) * damp_counter);
    // Group-directed predicates without a slur: emotion, dehumanisation, exclusion,
    // violence aimed at a protected group, asserted (not negated, not reported).
    for p in &fr.predicates {
        if p.negated || p.reported {
            continue;
        }
        let h = &a.hits[p.hit];
        sc.hate = sc.hate.max((0.5 + 0.4 * p.weight) * damp_counter);
        push(ev, "hate", h);
        let (gs, ge) = a.words[p.group_word];
        let (os, oe) = a.norm.original_range(gs as usize, ge as usize);
        if seen.borrow_mut().is_new(ev, "hate", os, oe) {
            ev.push(Evidence {
                detector: "hate".into(),
                term: "protected_group".into(),
                start: os,
                end: oe,
                text: text[os..oe].to_string(),
            });
        }
        if p.frame.is_none() && h.kind == Kind::Threat {
            sc.threat = sc.threat.max(0.6 * damp_counter);
        }
    }
    // Veiled threats, nicknames, mockery and contempt: what the frames name.
    for &i in &fr.veiled_hits {
        sc.threat = sc.threat.max(0.8 * fr.veiled);
        push(ev, "threat", &a.hits[i]);
    }
    for &i in &fr.insult_hits {
        let w = LEXICON.entries[a.hits[i].entry as usize].weight;
        sc.insult = sc.insult.max(0.45 + 0.3 * w);
        push(ev, "insult", &a.hits[i]);
    }
    let _ = nw;
    sc.accusation = super::accusation::score(text, a, ev);
    sc
}

/// True when the hit's original text starts with a capital and is not sentence-initial.
fn capitalised_mid(text: &str, a: &Analysis, h: &Hit) -> bool {
    let upper = text[h.os as usize..]
        .chars()
        .next()
        .is_some_and(char::is_uppercase);
    let ws = h.ws as usize;
    upper && ws > 0 && ws < a.sentence.len() && a.sentence[ws] == a.sentence[ws - 1]
}

/// "les <protected group> sont tous/toutes/des …": a generalisation, stronger with an
/// insult in the same sentence.
fn generalisation(a: &Analysis) -> f32 {
    let mut best: f32 = 0.0;
    for i in 1..a.words.len() {
        if a.flags[i] & flag::PROTECTED == 0 || a.word(i - 1) != "les" {
            continue;
        }
        let window = (i + 1..(i + 4).min(a.words.len())).map(|j| a.word(j));
        let mut sont = false;
        let mut all = false;
        for w in window {
            sont |= w == "sont";
            all |= sont && matches!(w, "tous" | "toutes" | "des" | "que");
        }
        if sont && all {
            let insult = a.hits.iter().any(|h| {
                matches!(h.kind, Kind::Insult | Kind::Dehumanising)
                    && a.sentence.get(h.ws as usize) == a.sentence.get(i)
            });
            best = best.max(if insult { 0.85 } else { 0.55 });
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(t: &str) -> DetectorScores {
        let mut a = Analysis::default();
        analyze(t, &mut a);
        score(t, &a, &mut Vec::new())
    }

    #[test]
    fn insult_higher_with_target() {
        let alone = scores("Simplet, va !").insult;
        let aimed = scores("Espèce de crétin, Gaspard.").insult;
        assert!(alone > 0.3 && aimed > alone, "{alone} {aimed}");
    }

    #[test]
    fn condemned_quote_is_lower() {
        let q = scores("Je condamne ceux qui traitent Gaspard Morlaix de « connard ».").insult;
        let d = scores("Gaspard Morlaix est un connard.").insult;
        assert!(q < 0.4 && d > 0.8, "{q} {d}");
    }

    #[test]
    fn masked_with_and_without_target() {
        assert!(scores("sont surtout très très C+0+N+S").masked_slur >= 0.9);
        let s = scores("M*rde, j'ai raté le début");
        assert!(s.masked_slur < 0.5 && s.insult == 0.0, "{s:?}");
        assert!(s.profanity > 0.0);
    }

    #[test]
    fn hate_needs_a_protected_group() {
        assert!(scores("Les arabes sont tous des parasites").hate > 0.8);
        assert!(scores("Ce bougnoule").hate > 0.8);
        assert!(scores("Les arbitres sont tous des parasites").hate == 0.0);
    }

    #[test]
    fn threats() {
        assert!(scores("On sait où tu habites, Gaspard.").threat > 0.9);
        assert!(scores("Il finira pendu à un platane.").threat > 0.9);
        assert!(scores("je vais te buter").threat > 0.8);
        assert!(scores("Ce film m'a tué de rire").threat < 0.5);
    }

    #[test]
    fn negation_and_reporting_scopes() {
        let scoped = |t: &str, bit: u8| -> Vec<String> {
            let mut a = Analysis::default();
            analyze(t, &mut a);
            (0..a.words.len())
                .filter(|&i| a.scope[i] & bit != 0)
                .map(|i| a.word(i).to_string())
                .collect()
        };
        assert_eq!(
            scoped("Les Roms ne sont pas des voleurs, point.", SCOPE_NEGATED),
            ["sont", "pas", "des", "voleurs"]
        );
        assert_eq!(
            scoped("Les Roms sont des voleurs.", SCOPE_NEGATED),
            Vec::<String>::new()
        );
        assert_eq!(
            scoped("Il a écrit « les juifs dehors » hier.", SCOPE_REPORTED),
            ["les", "juifs", "dehors"]
        );
        assert_eq!(
            scoped(
                "Ceux qui disent que les Arabes volent ont tort.",
                SCOPE_REPORTED
            ),
            ["disent", "que", "les", "arabes", "volent", "ont", "tort"]
        );
    }

    #[test]
    fn quotes_are_found() {
        let mut q = Vec::new();
        find_quotes("a « b » c \"d\"", &mut q);
        assert_eq!(q.len(), 2);
    }
}
