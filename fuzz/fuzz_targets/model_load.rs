//! Model loading on arbitrary bytes: a checked model or an error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tamis::model::Model::from_json(data, std::path::Path::new("fuzz.json"));
});
