//! Export of one scored comment (JSONL line, CSV row, table, queue in every format) for
//! an arbitrary text scored by the embedded model: never panics, JSONL parses back.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tamis::export::{self, ModelInfo, QueueOptions};
use tamis::features::{self, Context};
use tamis::model::Model;
use tamis::pipeline::{Record, Scored};

fuzz_target!(
    // The lexicons (and the embedded model) are built on first use: do it before the
    // clock starts, so the first input is not reported as a timeout.
    init: {
        let _ = tamis::model::Model::embedded().map(|_| ());
    },
    |text: &str| {
    let model = Model::embedded().unwrap();
    let fv = features::extract(text, &Context::default(), model.feature_params());
    let score = model.score(&fv, None, true);
    let info = ModelInfo {
        checksum: model.checksum().to_string(),
        threshold: model.threshold(),
    };
    let s = Scored {
        record: Record {
            source: "fuzz.csv".into(),
            id: "1".into(),
            key: "k".into(),
            index: 1,
            parent: None,
            depth: 0,
            author: Some(text.chars().take(8).collect()),
            date: None,
            text: text.to_string(),
        },
        score,
        parent_text: Some(text.to_string()),
    };
    let mut buf = Vec::new();
    export::json::write_score_line(&mut buf, &s, &info, true).unwrap();
    let _: serde_json::Value = serde_json::from_slice(&buf).unwrap();
    buf.clear();
    let mut w = export::csv::SafeWriter::new(&mut buf, false).unwrap();
    w.write_row(&export::csv::score_row(&s, &info, true))
        .unwrap();
    w.flush().unwrap();
    drop(w);
    assert!(!buf.contains(&0), "raw NUL in CSV output");
    buf.clear();
    let topts = export::table::TableOptions {
        color: false,
        explain: true,
        text_chars: 240,
    };
    export::table::write_table(&mut buf, std::slice::from_ref(&s), &info, &topts).unwrap();
    let q = export::build_queue(std::slice::from_ref(&s), &QueueOptions::default(), &info);
    buf.clear();
    export::json::write_queue(&mut buf, &q.items).unwrap();
    buf.clear();
    export::csv::write_queue(&mut buf, &q.items, true).unwrap();
});
