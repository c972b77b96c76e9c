//! The JSONL table reader on arbitrary bytes, unlabelled (score) and labelled (train):
//! rows or an error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tamis::pipeline::{InputFormat, InputOptions, TableOptions, TableReader};

fuzz_target!(|data: &[u8]| {
    let plain = TableOptions::unlabelled(&InputOptions::default());
    let mut labelled = plain.clone();
    labelled.label_column = Some("review".into());
    for opts in [plain, labelled] {
        let r = Box::new(std::io::Cursor::new(data.to_vec()));
        if let Ok(mut t) = TableReader::from_reader("fuzz.jsonl", r, InputFormat::Jsonl, &opts) {
            let _ = t.read_all();
        }
    }
});
