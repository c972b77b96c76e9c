//! The detectors on arbitrary text: scores in [0, 1], evidence an exact substring; and
//! the lexicon search (a walk from word starts) equal to the unanchored reference scan.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    // The lexicons (and the embedded model) are built on first use: do it before the
    // clock starts, so the first input is not reported as a timeout.
    init: {
        let _ = tamis::features::detect("");
        tamis::features::lexicon::LEXICON.find_scan("", |_, _, _, _| {});
    },
    |text: &str| {
    let d = tamis::features::detect(text);
    let s = d.scores;
    for v in [
        s.insult,
        s.masked_slur,
        s.hate,
        s.threat,
        s.accusation,
        s.profanity,
    ] {
        assert!((0.0..=1.0).contains(&v), "score {v}");
    }
    for e in &d.evidence {
        assert_eq!(text.get(e.start..e.end), Some(e.text.as_str()));
    }
    let lex = &*tamis::features::lexicon::LEXICON;
    let norm = tamis::features::normalize::normalize(text);
    for t in [text, norm.text.as_str()] {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        lex.find(t, |i, _, s, e| a.push((i, s, e)));
        lex.find_scan(t, |i, _, s, e| b.push((i, s, e)));
        assert_eq!(a, b, "{t:?}");
    }
});
