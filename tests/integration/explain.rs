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

#[test]
fn explain_ends_with_the_models_probability_and_decision() {
    let o = run(&["explain", "Gontran, t'es qu'un abruti fini."]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let last = out.lines().last().unwrap();
    assert!(last.starts_with("model "), "{out}");
    assert!(last.contains("→ REVIEW (threshold"), "{last}");
    assert!(out.contains("reason: insult"), "{out}");
    // Contributions are named in words, never as raw hashed buckets.
    let contributions: Vec<&str> = out
        .lines()
        .skip_while(|l| *l != "top contributions:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert!(!contributions.is_empty(), "{out}");
    for c in &contributions {
        assert!(!c.contains("ngram:"), "{c}");
    }
    let o = run(&[
        "explain",
        "Merci pour ce compte rendu du conseil municipal.",
    ]);
    let out = stdout(&o);
    assert!(out.lines().last().unwrap().contains("→ no review"), "{out}");
    // JSON: the same verdict under `model`.
    let o = run(&[
        "explain",
        "--format",
        "json",
        "Gontran, t'es qu'un abruti fini.",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["model"]["review"], true);
    assert_eq!(v["model"]["reasons"][0]["reason"], "insult");
}

#[test]
fn listed_reasons_reach_their_threshold_and_evidence_is_never_a_function_word() {
    // A mixed set: every reason listed by `score` must be over its own threshold,
    // which the model file records; evidence must hold a content word.
    let model: serde_json::Value = serde_json::from_slice(
        &std::fs::read(crate::common::root().join("models/default.json")).unwrap(),
    )
    .unwrap();
    let threshold = |name: &str| {
        model["labels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["name"] == name)
            .unwrap()["threshold"]
            .as_f64()
            .unwrap()
    };
    let o = run(&[
        "score",
        "--format",
        "jsonl",
        "tests/fixtures/queue_mixed.csv",
    ]);
    assert!(o.status.success());
    const FUNCTION: &[&str] = &[
        "es", "toi", "tous", "si", "le", "la", "les", "de", "tu", "te", "un", "une", "et", "qu",
        "que",
    ];
    for line in stdout(&o).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for r in v["reasons"].as_array().unwrap() {
            let name = r["reason"].as_str().unwrap();
            assert!(
                r["score"].as_f64().unwrap() >= threshold(name) - 1e-6,
                "{line}"
            );
            for e in r["evidence"].as_array().unwrap() {
                let t = e["text"].as_str().unwrap().to_lowercase();
                assert!(
                    !FUNCTION.contains(&t.as_str()),
                    "function word as evidence: {line}"
                );
            }
        }
    }
}
