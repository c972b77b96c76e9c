//! The accusation detector: a target (proper name, pronoun, group noun, "ce/cette …",
//! second person) plus a wrongdoing term in the same sentence, asserted or insinuated
//! (hearsay cues raise it), and no attribution cue (a cited source, a court, a URL).

use super::detect::{flag, Analysis, Hit};
use super::lexicon::{Kind, LEXICON};
use super::work::tick;
use super::{Evidence, EvidenceSet};

/// Target flags, by preference: a named person first, then groups and pronouns.
const TARGETS: u16 =
    flag::NAME | flag::PRONOUN | flag::GROUP | flag::PROTECTED | flag::TARGET | flag::SECOND;

const AUXILIARIES: &[&str] = &[
    "a", "ai", "as", "avons", "avez", "ont", "avait", "avaient", "aurait", "auraient", "avoir",
];
/// Impersonal "il": "il faut", "il y a", "il semble" name nobody.
const IMPERSONAL_NEXT: &[&str] = &["faut", "y", "semble", "parait", "reste", "suffit", "s"];

/// True when the comment cites a source: an attribution cue or a URL.
pub fn attributed(a: &Analysis) -> bool {
    a.has(Kind::Attribution)
}

/// Scores the comment's strongest accusation and pushes its evidence: the wrongdoing span
/// (term = the lexicon entry) and the target span (term = `target`).
pub fn score(text: &str, a: &Analysis, ev: &mut Vec<Evidence>) -> f32 {
    let wrongs: Vec<&Hit> = a
        .hits
        .iter()
        .filter(|h| h.kind == Kind::Wrongdoing)
        .collect();
    if wrongs.is_empty() {
        return 0.0;
    }
    let fr = &a.frames;
    let hearsay = a.has(Kind::Hearsay) || fr.source == super::frames::Source::Hearsay;
    // A named source lowers the score unless the comment leaps from it to a verdict.
    let source = attributed(a) && fr.source_leap == 0.0;
    let counter = a.has(Kind::CounterSpeech);
    let mut best: f32 = 0.0;
    let mut seen = EvidenceSet::default();
    // Name words, once: the nearest one on each side of a hit is found by binary search.
    let names: Vec<usize> = (0..a.words.len())
        .filter(|&i| a.flags[i] & flag::NAME != 0)
        .collect();
    for h in wrongs {
        let e = &LEXICON.entries[h.entry as usize];
        // "a vendu sa maison": after an auxiliary, "vendu" is the verb, not the insult.
        let prev = (h.ws as usize).checked_sub(1).map(|i| a.word(i));
        if e.term.starts_with("vendu") && prev.is_some_and(|w| AUXILIARIES.contains(&w)) {
            continue;
        }
        let sent = a.sentence[(h.ws as usize).min(a.sentence.len() - 1)];
        let target = nearest_target(a, &names, h, sent);
        let mut s = 0.35 + 0.4 * e.weight;
        if target.is_none() {
            s *= 0.5;
        }
        if hearsay {
            s += 0.15;
        }
        if source {
            s *= 0.3;
        }
        if h.in_quote {
            s *= 0.6;
        }
        if a.any_flag(h.ws as isize - 2, h.ws as isize, flag::NEGATION) {
            s *= 0.5;
        }
        if counter {
            s *= 0.7;
        }
        let s = s.min(1.0);
        if s >= 0.3 {
            let (os, oe) = (h.os as usize, h.oe as usize);
            push(&mut seen, ev, &e.raw, os, oe, text);
            if let Some((ts, te)) = target {
                push(&mut seen, ev, "target", ts, te, text);
            }
        }
        best = best.max(s);
    }
    best
}

fn push(
    seen: &mut EvidenceSet,
    ev: &mut Vec<Evidence>,
    term: &str,
    s: usize,
    e: usize,
    text: &str,
) {
    if !seen.is_new(ev, "accusation", s, e) {
        return;
    }
    ev.push(Evidence {
        detector: "accusation".into(),
        term: term.into(),
        start: s,
        end: e,
        text: text[s..e].to_string(),
    });
}

/// The nearest target word in the hit's sentence (names extended to the whole
/// capitalised sequence), as an original byte range.
///
/// Only a few words can win: any target word within 6 words of the hit (pronouns and
/// groups count only there) and the nearest name on each side (a farther name is
/// farther). The rule is applied to those alone, in word order, instead of to every
/// word of the text for every hit (quadratic on long texts). `names` lists the words
/// flagged `NAME`, in order.
fn nearest_target(a: &Analysis, names: &[usize], h: &Hit, sent: u32) -> Option<(usize, usize)> {
    let n = a.words.len();
    let (ws, we) = (h.ws as usize, h.we as usize);
    let mut cands: Vec<usize> = (ws.saturating_sub(6)..ws.min(n))
        .chain(we..(we + 6).min(n))
        .collect();
    let left = names.partition_point(|&i| i < ws);
    if left > 0 {
        cands.push(names[left - 1]);
    }
    let right = names.partition_point(|&i| i < we);
    if let Some(&i) = names.get(right) {
        cands.push(i);
    }
    cands.sort_unstable();
    cands.dedup();
    tick(cands.len());
    let mut best: Option<(usize, usize)> = None; // (distance, word)
    for i in cands {
        if a.sentence[i] != sent || a.flags[i] & TARGETS == 0 {
            continue;
        }
        if i >= h.ws as usize && i < h.we as usize {
            continue;
        }
        if a.flags[i] == flag::PRONOUN
            && a.word(i) == "il"
            && i + 1 < n
            && IMPERSONAL_NEXT.contains(&a.word(i + 1))
        {
            continue;
        }
        // Prefer names: they identify someone; a pronoun counts only when close.
        let name = a.flags[i] & flag::NAME != 0;
        let d = if i < h.ws as usize {
            h.ws as usize - i
        } else {
            i + 1 - h.we as usize
        };
        if !name && d > 6 {
            continue;
        }
        let d = if name { d } else { d + 3 };
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, i));
        }
    }
    let (_, i) = best?;
    let (mut lo, mut hi) = (i, i + 1);
    if a.flags[i] & flag::NAME != 0 {
        while lo > 0 && a.flags[lo - 1] & flag::NAME != 0 && a.sentence[lo - 1] == sent {
            lo -= 1;
        }
        while hi < n && a.flags[hi] & flag::NAME != 0 && a.sentence[hi] == sent {
            hi += 1;
        }
    } else if a.flags[i] & flag::TARGET != 0 && hi < n {
        // "ce ministre": the determiner and its noun.
        hi += 1;
    }
    let (s, _) = a.words[lo];
    let (_, e) = a.words[hi - 1];
    Some(a.norm.original_range(s as usize, e as usize))
}

#[cfg(test)]
mod tests {
    use super::super::detect::{analyze, Analysis};
    use super::*;

    fn acc(t: &str) -> (f32, Vec<Evidence>) {
        let mut a = Analysis::default();
        analyze(t, &mut a);
        let mut ev = Vec::new();
        (score(t, &a, &mut ev), ev)
    }

    #[test]
    fn asserted_accusation_with_target() {
        let (s, ev) = acc("Gaspard Morlaix a touché un pot-de-vin de la société Brunel.");
        assert!(s >= 0.6, "{s}");
        assert!(ev.iter().any(|e| e.text == "Gaspard Morlaix"), "{ev:?}");
        assert!(ev.iter().any(|e| e.text == "pot-de-vin"), "{ev:?}");
    }

    #[test]
    fn conditional_raises_and_source_lowers() {
        let (hearsay, _) = acc("Comme par hasard, Morlaix serait payé par les Russes.");
        let (sourced, _) = acc("Selon le parquet, Gaspard Morlaix aurait touché un pot-de-vin.");
        assert!(hearsay > 0.7, "{hearsay}");
        assert!(sourced < 0.3, "{sourced}");
    }

    #[test]
    fn no_wrongdoing_no_accusation() {
        assert_eq!(acc("Gaspard Morlaix a fait un bon discours.").0, 0.0);
    }
}
