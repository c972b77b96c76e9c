//! Model loading on arbitrary bytes: a checked model or an error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    // A model that checks out builds the lexicons (their checksum is part of the
    // check): do it before the clock starts, so the first such input is not reported
    // as slow.
    init: {
        let _ = tamis::features::detect("");
    },
    |data: &[u8]| {
    let _ = tamis::model::Model::from_json(data, std::path::Path::new("fuzz.json"));
});
