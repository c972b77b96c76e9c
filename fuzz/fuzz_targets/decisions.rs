//! The `--decisions` reader (a moderator's queue CSV) on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tamis::export::csv::read_decisions_from(data, std::path::Path::new("fuzz.csv"));
});
