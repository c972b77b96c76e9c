//! Feature extraction with a thread context: the input is split at its first NUL into
//! a parent and a reply. Never panics; the vector has the engineered dimension and
//! finite values.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tamis::features::{self, Context, FeatureParams, ENGINEERED};

fuzz_target!(
    // The lexicons (and the embedded model) are built on first use: do it before the
    // clock starts, so the first input is not reported as a timeout.
    init: {
        let _ = tamis::features::detect("");
    },
    |text: &str| {
    let (parent, reply) = text.split_once('\0').unwrap_or(("", text));
    let params = FeatureParams::default().check().unwrap();
    let parent_scores = features::detect(parent).scores;
    let ctx = Context {
        depth: 1,
        parent_text: Some(parent),
        parent_scores: Some(&parent_scores),
        flagged_siblings: 1,
    };
    let fv = features::extract(reply, &ctx, &params);
    assert_eq!(fv.engineered.len(), ENGINEERED.len());
    assert!(fv.engineered.iter().all(|v| v.is_finite()));
    assert!(fv
        .hashed
        .iter()
        .all(|(b, v)| (*b as usize) < params.buckets() && v.is_finite()));
});
