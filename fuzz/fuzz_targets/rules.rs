//! Site rules on arbitrary bytes: the first line break splits a rules file from a comment.
//! Parsing never panics; every hit is an exact substring of the comment at its offsets.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        let _ = tamis::features::detect("");
    },
    |data: &[u8]| {
    let (rules, comment) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b"Gontran Bidule est un b@t@rd"[..]),
    };
    let Ok(r) = tamis::rules::Rules::parse(rules, "fuzz.csv") else { return };
    let Ok(text) = std::str::from_utf8(comment) else { return };
    let hits = r.matches(text);
    for h in &hits {
        assert_eq!(text.get(h.start..h.end), Some(h.text.as_str()));
    }
    assert_eq!(r.mask_allowed(text, &hits).len(), text.len());
});
