//! The French lexicons of `data/lexicons/`, compiled into the binary, parsed once on first
//! use and searched with an Aho-Corasick automaton (a compact NFA walked from each word
//! start of the normalised text), whole words only. Also answers the word look-ups that
//! the disguise-undoing normalisation steps need.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use aho_corasick::automaton::Automaton;
use aho_corasick::nfa::contiguous;
use aho_corasick::{AhoCorasick, AhoCorasickKind, Anchored, MatchKind};

use super::normalize;

/// What a lexicon entry is evidence of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A term meant to demean a person or a non-protected group.
    Insult,
    /// A dehumanising nickname (nain, porc, vermine): an insult when aimed at people.
    Dehumanising,
    /// A slur against a protected group (the category names the group).
    Slur,
    /// A vulgar word: never a reason on its own.
    Profanity,
    /// A threat verb or phrase.
    Threat,
    /// A wrongdoing term (corruption, pot-de-vin, vendu…), the core of an accusation.
    Wrongdoing,
    /// A source is cited (selon, le parquet, a déclaré…).
    Attribution,
    /// Hearsay or insinuation (aurait, paraît-il, comme par hasard…).
    Hearsay,
    /// The comment condemns or quotes what it reports (je condamne, traiter de…).
    CounterSpeech,
    /// Negation near a term (pas, jamais…).
    Negation,
    /// A targeting word (ce, sale, espèce de, bande de…).
    Target,
    /// Second-person address (tu, t', vous…).
    SecondPerson,
    /// A third-person pronoun, a possible accusation target.
    Pronoun,
    /// A non-protected group noun (les élus, les arbitres…).
    Group,
    /// A protected-group noun (the category names the group).
    ProtectedGroup,
    /// A cue of one structural frame (`frames.csv`): see `frames::Frame`.
    Frame(super::frames::Frame),
}

impl Kind {
    /// True for the kinds that disguise-undoing steps try to recover.
    pub fn offensive(self) -> bool {
        matches!(
            self,
            Kind::Insult | Kind::Dehumanising | Kind::Slur | Kind::Profanity
        )
    }

    /// Name used in evidence (`detector` for cue kinds) and in `explain`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Insult => "insult",
            Kind::Dehumanising => "dehumanising",
            Kind::Slur => "slur",
            Kind::Profanity => "profanity",
            Kind::Threat => "threat",
            Kind::Wrongdoing => "wrongdoing",
            Kind::Attribution => "attribution",
            Kind::Hearsay => "hearsay",
            Kind::CounterSpeech => "counter_speech",
            Kind::Negation => "negation",
            Kind::Target => "target",
            Kind::SecondPerson => "second_person",
            Kind::Pronoun => "pronoun",
            Kind::Group => "group",
            Kind::ProtectedGroup => "protected_group",
            Kind::Frame(f) => f.name(),
        }
    }
}

/// One lexicon line, its term already normalised like the text it is matched on.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The term as matched (folded: lower case, no accents).
    pub term: String,
    /// The term as written in the CSV.
    pub raw: String,
    /// What the entry is evidence of.
    pub kind: Kind,
    /// The CSV category (for slurs and protected groups: the group).
    pub category: String,
    /// Strength in (0, 1].
    pub weight: f32,
    /// Where it came from, `file:line`, for error messages.
    pub origin: String,
    /// Notes say `common`: one of the few words people mask most (merde, con, pute…).
    pub common: bool,
}

/// The embedded lexicon files, in a fixed order (the checksum depends on it).
pub const FILES: [(&str, &str); 7] = [
    (
        "insults.csv",
        include_str!("../../data/lexicons/insults.csv"),
    ),
    ("slurs.csv", include_str!("../../data/lexicons/slurs.csv")),
    (
        "profanity.csv",
        include_str!("../../data/lexicons/profanity.csv"),
    ),
    (
        "threats.csv",
        include_str!("../../data/lexicons/threats.csv"),
    ),
    (
        "accusation.csv",
        include_str!("../../data/lexicons/accusation.csv"),
    ),
    ("cues.csv", include_str!("../../data/lexicons/cues.csv")),
    ("frames.csv", include_str!("../../data/lexicons/frames.csv")),
];

/// Maps a CSV category to its kind; `None` for an unknown category (a test fails on it).
fn kind_of(category: &str) -> Option<Kind> {
    Some(match category {
        "insult" => Kind::Insult,
        "dehumanising" => Kind::Dehumanising,
        "origin" | "religion" | "sexual_orientation" | "gender_identity" | "sex" | "disability" => {
            Kind::Slur
        }
        "profanity" => Kind::Profanity,
        "threat" => Kind::Threat,
        "wrongdoing" => Kind::Wrongdoing,
        "attribution" => Kind::Attribution,
        "hearsay" => Kind::Hearsay,
        "counter_speech" => Kind::CounterSpeech,
        "negation" => Kind::Negation,
        "target" => Kind::Target,
        "second_person" => Kind::SecondPerson,
        "pronoun" => Kind::Pronoun,
        "group" => Kind::Group,
        c if c.starts_with("group_") => Kind::ProtectedGroup,
        c if c.starts_with("frame_") => Kind::Frame(super::frames::Frame::from_category(c)?),
        _ => return None,
    })
}

/// Parses one lexicon file; errors name `file:line` and the bad value.
pub fn parse(name: &str, content: &str) -> Result<Vec<Entry>, String> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(content.as_bytes());
    let header = rdr.headers().map_err(|e| format!("{name}: {e}"))?.clone();
    if header.iter().collect::<Vec<_>>() != ["term", "category", "weight", "notes"] {
        return Err(format!(
            "{name}:1: header must be term,category,weight,notes"
        ));
    }
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| format!("{name}:{line}: {e}"))?;
        let raw = rec.get(0).unwrap_or("").trim();
        let category = rec.get(1).unwrap_or("").trim();
        let kind = kind_of(category)
            .ok_or_else(|| format!("{name}:{line}: unknown category {category:?}"))?;
        let weight: f32 = rec
            .get(2)
            .unwrap_or("")
            .trim()
            .parse()
            .map_err(|_| format!("{name}:{line}: weight {:?} is not a number", rec.get(2)))?;
        if !(weight > 0.0 && weight <= 1.0) {
            return Err(format!("{name}:{line}: weight {weight} is outside (0, 1]"));
        }
        let term = normalize::fold(raw);
        if term.trim().is_empty() {
            return Err(format!("{name}:{line}: entry is empty after normalization"));
        }
        out.push(Entry {
            term: term.trim().to_string(),
            raw: raw.to_string(),
            kind,
            category: category.to_string(),
            weight,
            origin: format!("{name}:{line}"),
            common: rec.get(3).unwrap_or("").trim() == "common",
        });
    }
    Ok(out)
}

/// FNV-1a as a `Hasher`: the word look-ups of the normalisation steps are short keys
/// on the hot path, where SipHash's DoS resistance buys nothing (the keys are ours).
#[derive(Default)]
pub struct FnvHasher(u64);
impl Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let h = if self.0 == 0 {
            super::ngrams::FNV_OFFSET
        } else {
            self.0
        };
        self.0 = super::ngrams::fnv1a(h, bytes);
    }
}
type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<FnvHasher>>;

/// A word of the mask index: its letters and how likely people mask it.
#[derive(Debug, Clone)]
struct MaskWord {
    letters: Vec<char>,
    term: String,
    prior: f32,
}

/// All lexicons, with the automaton and the word indexes built from them.
pub struct Lexicon {
    /// Every entry of every file.
    pub entries: Vec<Entry>,
    /// The distinct terms, in pattern-id order.
    patterns: Vec<String>,
    /// Aho-Corasick over them, for the unanchored scan: built on first use, since `find`
    /// only needs it as a fallback.
    matcher: std::sync::OnceLock<AhoCorasick>,
    /// The same terms as a compact NFA, walked anchored from each word start (`find`);
    /// `None` if some term starts with a character that is not a letter or digit, which
    /// only the unanchored scan can find.
    anchored: Option<contiguous::NFA>,
    /// For each pattern id, the entries sharing that term.
    pattern_entries: Vec<Vec<u32>>,
    /// Single offensive words → highest weight (for the disguise-undoing steps).
    offensive: FnvMap<String, f32>,
    /// Offensive single words that a mask may stand for.
    mask_words: Vec<MaskWord>,
    /// FNV-1a of every file, for `lexicon_checksum`.
    pub checksum: u64,
}

/// The lexicon, parsed on first use. Panics only if an embedded file is bad, which the
/// unit test `every_entry_parses` catches before any release.
pub static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| build().expect("embedded lexicons"));

fn build() -> Result<Lexicon, String> {
    let mut entries = Vec::new();
    let mut checksum = super::ngrams::FNV_OFFSET;
    for (name, content) in FILES {
        entries.extend(parse(name, content)?);
        checksum = super::ngrams::fnv1a(checksum, name.as_bytes());
        checksum = super::ngrams::fnv1a(checksum, content.as_bytes());
    }
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut patterns: Vec<&str> = Vec::new();
    let mut pattern_entries: Vec<Vec<u32>> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let id = *ids.entry(e.term.as_str()).or_insert_with(|| {
            patterns.push(e.term.as_str());
            pattern_entries.push(Vec::new());
            patterns.len() - 1
        });
        pattern_entries[id].push(i as u32);
    }
    let patterns: Vec<String> = patterns.into_iter().map(str::to_string).collect();
    // Every term starts with a letter or digit (`parse` keeps them so): a match must
    // then start a word, and an anchored walk from each word start finds them all.
    let anchored = if patterns
        .iter()
        .all(|p| p.chars().next().is_some_and(wordish))
    {
        Some(
            contiguous::NFA::builder()
                .match_kind(MatchKind::Standard)
                .build(&patterns)
                .map_err(|e| format!("lexicon automaton: {e}"))?,
        )
    } else {
        None
    };
    let matcher = std::sync::OnceLock::new();
    if anchored.is_none() {
        let _ = matcher.set(scan_matcher(&patterns)?);
    }
    let mut offensive: FnvMap<String, f32> = FnvMap::default();
    let mut mask_prior: HashMap<String, f32> = HashMap::new();
    for e in &entries {
        if !e.kind.offensive() || e.term.contains(' ') {
            continue;
        }
        let w = offensive.entry(e.term.clone()).or_insert(0.0);
        *w = w.max(e.weight);
        // People mask the words a filter would censor: the most common vulgarities
        // first (notes `common`), then slurs and strong insults, rarely mild ones like
        // "nouille". The prior stands in for frequency when ranking mask candidates.
        let prior = match e.kind {
            _ if e.common => 3.0,
            Kind::Slur => 1.0,
            Kind::Profanity if e.weight >= 0.5 => 0.8,
            Kind::Insult if e.weight >= 0.9 => 0.6,
            Kind::Insult => 0.3,
            _ => 0.1,
        };
        if e.term.chars().count() >= 3 {
            let p = mask_prior.entry(e.term.clone()).or_insert(0.0);
            *p = p.max(prior);
        }
    }
    let mut mask_words: Vec<MaskWord> = mask_prior
        .into_iter()
        .map(|(term, prior)| MaskWord {
            letters: term.chars().collect(),
            term,
            prior,
        })
        .collect();
    mask_words.sort_by(|a, b| a.term.cmp(&b.term));
    Ok(Lexicon {
        entries,
        patterns,
        matcher,
        anchored,
        pattern_entries,
        offensive,
        mask_words,
        checksum,
    })
}

/// The unanchored automaton of `Lexicon::find_scan`: a DFA is the fastest search for a
/// few thousand short patterns; overlapping search needs the standard match semantics.
fn scan_matcher(patterns: &[String]) -> Result<AhoCorasick, String> {
    AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(patterns)
        .map_err(|e| format!("lexicon automaton: {e}"))
}

/// One piece of a masked word: a visible letter or a run of mask characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaskPiece {
    /// A visible letter (already folded).
    Letter(char),
    /// A run of `n` mask characters.
    Mask(usize),
}

/// True when `c` may continue a word for the whole-word check.
#[inline]
fn wordish(c: char) -> bool {
    c.is_alphanumeric()
}

impl Lexicon {
    /// Weight of `word` when it is a single offensive lexicon word.
    pub fn offensive_weight(&self, word: &str) -> Option<f32> {
        self.offensive.get(word).copied()
    }

    /// Calls `f(index, entry, start, end)` for every whole-word occurrence of a term in the
    /// normalised `text` (byte offsets). A hyphen joins words, so "cul" does not match
    /// in "cul-de-sac"; a term ending in an apostrophe (t') needs no right boundary.
    ///
    /// Matches come in the order of the unanchored overlapping scan: by end, then by
    /// start (at one end, the automaton lists the longest term first).
    pub fn find(&self, text: &str, mut f: impl FnMut(u32, &Entry, usize, usize)) {
        let Some(nfa) = &self.anchored else {
            return self.find_scan(text, f);
        };
        // The unanchored scan took a transition per byte through a table too big for
        // the L1 cache and then discarded most matches (inside words); walking from word
        // starts only, each walk dies within a few bytes.
        let bytes = text.as_bytes();
        let mut hits: Vec<(u32, u32, u32)> = Vec::new();
        let mut prev_wordish = false;
        for (s, c) in text.char_indices() {
            // Terms start with a letter or digit, so a match starts a word: a wordish
            // char after a non-wordish one, where `boundary_before` agrees (a hyphen
            // glued to a word on its left continues that word).
            let starts = wordish(c) && !prev_wordish && boundary_before(text, bytes, s);
            prev_wordish = wordish(c);
            if !starts {
                continue;
            }
            let Ok(mut sid) = nfa.start_state(Anchored::Yes) else {
                return self.find_scan(text, f);
            };
            for (k, &b) in bytes[s..].iter().enumerate() {
                sid = nfa.next_state(Anchored::Yes, sid, b);
                if nfa.is_dead(sid) {
                    break;
                }
                if nfa.is_match(sid) {
                    let e = s + k + 1;
                    for i in 0..nfa.match_len(sid) {
                        let pid = nfa.match_pattern(sid, i);
                        // A state also lists the terms that end here but start later
                        // (suffixes): those are found from their own start.
                        if e - nfa.pattern_len(pid) == s && boundary_after(text, bytes, e) {
                            hits.push((e as u32, s as u32, pid.as_u32()));
                        }
                    }
                }
            }
        }
        hits.sort_unstable();
        for (e, s, pid) in hits {
            for &i in &self.pattern_entries[pid as usize] {
                f(i, &self.entries[i as usize], s as usize, e as usize);
            }
        }
    }

    /// `find` by an unanchored overlapping scan of the whole text: the reference that
    /// `find` must equal (the unit tests and the `detect` fuzz target compare them), and
    /// its fallback.
    pub fn find_scan(&self, text: &str, mut f: impl FnMut(u32, &Entry, usize, usize)) {
        // Built at load when `find` needs it (`build`); otherwise only the tests that
        // compare the two searches get here, and the same patterns built before.
        let matcher = self
            .matcher
            .get_or_init(|| scan_matcher(&self.patterns).expect("the lexicon's automaton"));
        let bytes = text.as_bytes();
        for m in matcher.find_overlapping_iter(text) {
            let (s, e) = (m.start(), m.end());
            if !boundary_before(text, bytes, s) || !boundary_after(text, bytes, e) {
                continue;
            }
            for &i in &self.pattern_entries[m.pattern().as_usize()] {
                f(i, &self.entries[i as usize], s, e);
            }
        }
    }

    /// Resolves a masked word (`m***e`, `*ouilles`) to the one offensive word it most
    /// likely stands for. Each mask character stands for one letter; when that finds
    /// nothing, a run of k masks may stand for 1..=k+1 letters (people rarely count).
    /// A match needs ≥ 2 visible letters and a clear winner: at most five candidates
    /// and the best prior at least 1.5× the next one.
    pub fn resolve_mask(&self, pieces: &[MaskPiece]) -> Option<&str> {
        let visible = pieces
            .iter()
            .filter(|p| matches!(p, MaskPiece::Letter(_)))
            .count();
        let masks = pieces.len() - visible;
        if visible < 2 || masks == 0 {
            return None;
        }
        let exact_len: usize = pieces
            .iter()
            .map(|p| match p {
                MaskPiece::Letter(_) => 1,
                MaskPiece::Mask(n) => *n,
            })
            .sum();
        // Glob mode only when a run of masks could hide a different count of letters:
        // a lone `*` stands for exactly one.
        let runs = pieces
            .iter()
            .any(|p| matches!(p, MaskPiece::Mask(n) if *n >= 2));
        let (first, last) = (pieces[0], pieces[pieces.len() - 1]);
        for glob in [false, true] {
            if glob && !runs {
                break;
            }
            let mut cands: Vec<&MaskWord> = Vec::new();
            // `mask_words` is sorted by term, so the words starting with a visible first
            // letter are one run: scan only that run, in the same order.
            let run = match first {
                MaskPiece::Letter(c) => {
                    let lo = self.mask_words.partition_point(|w| w.letters[0] < c);
                    let hi = self.mask_words.partition_point(|w| w.letters[0] <= c);
                    &self.mask_words[lo..hi]
                }
                MaskPiece::Mask(_) => &self.mask_words[..],
            };
            for w in run {
                // Cheap filters on the visible ends before the recursive match.
                if let MaskPiece::Letter(c) = first {
                    if w.letters[0] != c {
                        continue;
                    }
                }
                if let MaskPiece::Letter(c) = last {
                    if w.letters[w.letters.len() - 1] != c {
                        continue;
                    }
                }
                let ok = if glob {
                    glob_match(pieces, &w.letters)
                } else {
                    w.letters.len() == exact_len && exact_match(pieces, &w.letters)
                };
                if ok {
                    cands.push(w);
                }
            }
            if cands.is_empty() {
                continue;
            }
            if cands.len() > 5 {
                return None;
            }
            cands.sort_by(|a, b| b.prior.total_cmp(&a.prior));
            if cands.len() == 1 || cands[0].prior >= 1.5 * cands[1].prior {
                return Some(cands[0].term.as_str());
            }
            return None;
        }
        None
    }
}

fn exact_match(pieces: &[MaskPiece], word: &[char]) -> bool {
    let mut i = 0;
    for p in pieces {
        match *p {
            MaskPiece::Letter(c) => {
                if word[i] != c {
                    return false;
                }
                i += 1;
            }
            MaskPiece::Mask(n) => {
                // A mask stands for letters only, never for a space or hyphen.
                if !word[i..i + n].iter().all(|c| c.is_alphabetic()) {
                    return false;
                }
                i += n;
            }
        }
    }
    true
}

fn glob_match(pieces: &[MaskPiece], word: &[char]) -> bool {
    match pieces.split_first() {
        None => word.is_empty(),
        Some((MaskPiece::Letter(c), rest)) => {
            word.first() == Some(c) && glob_match(rest, &word[1..])
        }
        Some((MaskPiece::Mask(n), rest)) => (1..=(*n + 1).min(word.len()))
            .take_while(|&k| word[k - 1].is_alphabetic())
            .any(|k| glob_match(rest, &word[k..])),
    }
}

fn boundary_before(text: &str, bytes: &[u8], s: usize) -> bool {
    if s == 0 {
        return true;
    }
    let first = text[s..].chars().next().unwrap_or(' ');
    if !wordish(first) {
        return true;
    }
    let mut prev = text[..s].chars().rev();
    match prev.next() {
        Some(c) if wordish(c) => false,
        // "de-sac": a hyphen glued to a word on the left continues that word.
        Some('-') => !matches!(prev.next(), Some(c) if wordish(c)),
        _ => {
            let _ = bytes;
            true
        }
    }
}

fn boundary_after(text: &str, bytes: &[u8], e: usize) -> bool {
    if e >= bytes.len() {
        return true;
    }
    let last = text[..e].chars().next_back().unwrap_or(' ');
    if !wordish(last) {
        return true;
    }
    let mut next = text[e..].chars();
    match next.next() {
        Some(c) if wordish(c) => false,
        Some('-') => !matches!(next.next(), Some(c) if wordish(c)),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_parses() {
        for (name, content) in FILES {
            let entries = parse(name, content).unwrap_or_else(|e| panic!("{e}"));
            assert!(!entries.is_empty(), "{name} is empty");
        }
        assert!(LEXICON.entries.len() > 1000);
    }

    #[test]
    fn insults_are_several_hundred() {
        let n = LEXICON
            .entries
            .iter()
            .filter(|e| matches!(e.kind, Kind::Insult | Kind::Dehumanising))
            .count();
        assert!(n >= 300, "only {n} insults");
    }

    #[test]
    fn bad_entries_are_rejected() {
        let h = "term,category,weight,notes\n";
        assert!(parse("x.csv", &format!("{h}con,insult,2,\n")).is_err());
        assert!(parse("x.csv", &format!("{h}con,nope,0.5,\n")).is_err());
        assert!(parse("x.csv", &format!("{h}\u{200b},insult,0.5,\n")).is_err());
        assert!(parse("x.csv", "a,b\ncon,insult\n").is_err());
        let e = parse("x.csv", &format!("{h}x,insult,abc,\n")).unwrap_err();
        assert!(e.starts_with("x.csv:2:"), "{e}");
    }

    fn terms(text: &str) -> Vec<String> {
        let mut v = Vec::new();
        LEXICON.find(text, |_, e, _, _| v.push(e.term.clone()));
        v
    }

    /// Matches as (entry, start, end), in the order a search gives them.
    type Hits = Vec<(u32, usize, usize)>;

    /// Every match of `find` and of `find_scan`, in the order given.
    fn both(text: &str) -> (Hits, Hits) {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        LEXICON.find(text, |i, _, s, e| a.push((i, s, e)));
        LEXICON.find_scan(text, |i, _, s, e| b.push((i, s, e)));
        (a, b)
    }

    /// The anchored walk from word starts finds exactly what the unanchored scan finds,
    /// in the same order, on every normalised text of our corpus.
    #[test]
    fn word_start_walk_equals_the_scan_on_the_corpus() {
        assert!(LEXICON.anchored.is_some(), "every term starts a word");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/corpus");
        let (mut texts, mut matches) = (0, 0);
        for f in std::fs::read_dir(dir).unwrap() {
            let path = f.unwrap().path();
            if path.extension().is_none_or(|x| x != "csv") {
                continue;
            }
            let mut rdr = csv::Reader::from_path(&path).unwrap();
            let col = rdr
                .headers()
                .unwrap()
                .iter()
                .position(|h| h == "text")
                .unwrap();
            for r in rdr.records() {
                let r = r.unwrap();
                let norm = normalize::normalize(&r[col]);
                let (a, b) = both(&norm.text);
                assert_eq!(a, b, "{:?}", norm.text);
                texts += 1;
                matches += a.len();
            }
        }
        // The comparison must have had something to compare.
        assert!(
            texts > 1000 && matches > texts,
            "{texts} texts, {matches} matches"
        );
    }

    proptest::proptest! {
        /// The same on texts made of lexicon terms glued by the characters that decide a
        /// word boundary: hyphens, apostrophes, spaces, letters, digits, accents.
        #[test]
        fn word_start_walk_equals_the_scan(
            parts in proptest::collection::vec((0usize..4000, 0usize..12), 0..24)
        ) {
            let glue = [" ", "-", "'", "", "a", "é", "1", " -", "- ", "--", ".", "’"];
            let mut text = String::new();
            for (t, g) in parts {
                let p = &LEXICON.patterns[t % LEXICON.patterns.len()];
                text.push_str(p);
                text.push_str(glue[g]);
            }
            let (a, b) = both(&text);
            proptest::prop_assert_eq!(a, b, "{:?}", text);
        }
    }

    #[test]
    fn whole_words_only() {
        for t in [
            "assecher",
            "deputee",
            "repute",
            "consulat",
            "connaissance",
            "scunthorpe",
            "salopette",
            "concombre",
            "cul-de-sac",
            "conseil",
        ] {
            let found: Vec<_> = terms(t)
                .into_iter()
                .filter(|x| LEXICON.offensive_weight(x).is_some())
                .collect();
            assert!(found.is_empty(), "{t}: {found:?}");
        }
        assert!(terms("quel con").contains(&"con".to_string()));
        assert!(terms("un pot-de-vin").contains(&"pot-de-vin".to_string()));
    }

    #[test]
    fn masks_resolve_when_clear() {
        use MaskPiece::*;
        let l = &*LEXICON;
        let m = [Letter('m'), Mask(3), Letter('e')];
        assert_eq!(l.resolve_mask(&m), Some("merde"));
        let c: Vec<_> = std::iter::once(Mask(1))
            .chain("ouilles".chars().map(Letter))
            .collect();
        assert_eq!(l.resolve_mask(&c), Some("couilles"));
        assert_eq!(
            l.resolve_mask(&[Letter('p'), Mask(1), Letter('t'), Letter('e')]),
            Some("pute")
        );
        // One visible letter is never enough.
        assert_eq!(l.resolve_mask(&[Letter('c'), Mask(3)]), None);
        // Masks at both ends of an ordinary word: nothing.
        let v: Vec<_> = std::iter::once(Mask(1))
            .chain("vraiment".chars().map(Letter))
            .chain(std::iter::once(Mask(1)))
            .collect();
        assert_eq!(l.resolve_mask(&v), None);
    }
}
