//! The detectors on arbitrary text: scores in [0, 1], evidence an exact substring.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    // The lexicons (and the embedded model) are built on first use: do it before the
    // clock starts, so the first input is not reported as a timeout.
    init: {
        let _ = tamis::features::detect("");
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
});
