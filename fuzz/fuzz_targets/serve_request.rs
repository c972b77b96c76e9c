//! The bodies `tamis serve` reads, on arbitrary bytes: Perspective's analyze and
//! suggestscore requests and Coral's phase request. Checking never panics; an accepted
//! analyze request is scored with the embedded model and its UTF-16 spans stay inside
//! the comment.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tamis::serve::{coral, perspective};

fuzz_target!(
    init: {
        let _ = tamis::model::Model::embedded();
    },
    |data: &[u8]| {
    let model = tamis::model::Model::embedded().expect("embedded model");
    let opts = tamis::pipeline::ScoreOptions::default();
    if let Ok(req) = perspective::parse_json::<perspective::AnalyzeRequest>(data) {
        if let Ok(a) = perspective::check_analyze(req) {
            let units = a.text.encode_utf16().count() as u64;
            let (body, _) = perspective::analyze(&a, &|t, p| {
                tamis::pipeline::score_one(t, p, model, &opts)
            });
            let v: serde_json::Value = serde_json::from_str(&body).expect("valid JSON");
            for (_, s) in v["attributeScores"].as_object().expect("scores").iter() {
                for span in s["spanScores"].as_array().into_iter().flatten() {
                    let (b, e) = (span["begin"].as_u64().unwrap(), span["end"].as_u64().unwrap());
                    assert!(b <= e && e <= units, "span {b}..{e} of {units}");
                }
            }
        }
    }
    if let Ok(req) = perspective::parse_json::<perspective::SuggestRequest>(data) {
        let _ = perspective::check_suggest(req);
    }
    if let Ok(req) = coral::parse(data) {
        let _ = coral::body_text(&req.comment.body);
    }
});
