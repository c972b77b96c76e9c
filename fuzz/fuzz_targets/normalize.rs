//! The normaliser on arbitrary text: never panics, and every normalised char maps back
//! to a char-aligned range of the original.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    // The lexicons (and the embedded model) are built on first use: do it before the
    // clock starts, so the first input is not reported as a timeout.
    init: {
        let _ = tamis::features::detect("");
    },
    |text: &str| {
    let n = tamis::features::normalize::normalize(text);
    assert_eq!(n.char_at.len(), n.text.len());
    for c in &n.chars {
        let (s, e) = (c.start as usize, c.end as usize);
        assert!(
            s <= e && e <= text.len(),
            "range {s}..{e} of {}",
            text.len()
        );
        assert!(text.is_char_boundary(s) && text.is_char_boundary(e));
    }
});
