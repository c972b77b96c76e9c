//! Integration tests for `tamis explain`: the text report, the JSON object, stdin, and the
//! one-line error on unreadable input.

use crate::common::{run, run_stdin, stderr, stdout};

#[test]
fn explain_text_shows_normalized_hits_and_scores() {
    let o = run(&["explain", "Gaspard Morlaix est un c.o.n.n.a.r.d !"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("normalized: gaspard morlaix est un connard !\n"),
        "{out}"
    );
    assert!(out.contains("\"c.o.n.n.a.r.d\""), "{out}");
    assert!(out.contains("masked_slur"), "{out}");
    assert!(out.contains("scores:\n  insult"), "{out}");
    assert!(out.contains("engineered:\n  det_insult"), "{out}");
}

#[test]
fn explain_json_spans_are_exact_substrings() {
    let text = "Selon le parquet, Gaspard Morlaix aurait touché un pot-de-vin. Quel p*te !";
    let o = run(&["explain", "--format", "json", text]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("one JSON object");
    assert!(v["tamis_version"].is_string());
    assert!(v["normalized"].as_str().unwrap().contains("pute"));
    let hits = v["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    for h in hits {
        let (s, e) = (
            h["start"].as_u64().unwrap() as usize,
            h["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(&text[s..e], h["text"].as_str().unwrap());
    }
    assert!(hits.iter().any(|h| h["detector"] == "attribution"));
    assert!(v["scores"]["accusation"].as_f64().unwrap() < 0.5);
    assert!(v["engineered"]["attribution_cue"].as_f64().unwrap() == 1.0);
}

#[test]
fn explain_reads_stdin() {
    let o = run_stdin(&["explain", "-"], "Espèce de b@tard\n".as_bytes());
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("normalized: espece de batard\n"), "{out}");
    assert!(out.contains("\"b@tard\""), "{out}");
}

#[test]
fn explain_clean_text_has_no_hits() {
    let o = run(&["explain", "Le consulat ferme à midi."]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("hits:\n  (none)\n"), "{}", stdout(&o));
}

#[test]
fn explain_bad_stdin_is_one_line_error() {
    let o = run_stdin(&["explain", "-"], b"con\xff\xfenard");
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("UTF-8"), "{err}");
}

#[test]
fn explain_without_text_is_usage_error() {
    let o = run(&["explain"]);
    assert_eq!(o.status.code(), Some(2));
}
