//! Integration tests for `tamis train` and `tamis eval`: a small model trained on one
//! corpus section (with few hash bits so the debug build stays fast), reproducibility,
//! the queue round trip, refused models and bad labels.

use crate::common::{root, run, stderr, stdout, tempdir, write};
use serde_json::Value;
use std::path::Path;

fn corpus(name: &str) -> String {
    root().join("data/corpus").join(name).display().to_string()
}

fn train(out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "train",
        "--folds",
        "2",
        "--hash-bits",
        "8",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn trains_evaluates_and_reproduces_byte_for_byte() {
    let dir = tempdir();
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    let fils = corpus("fils.csv");
    let out = train(&a, &[&fils]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Cross-validated metrics for every label are printed.
    let table = stdout(&out);
    for label in [
        "review",
        "insult",
        "masked_slur",
        "accusation",
        "hate",
        "threat",
    ] {
        assert!(
            table.lines().any(|l| l.starts_with(label)),
            "{label} missing:\n{table}"
        );
    }
    let out = train(&b, &[&fils]);
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(&a).unwrap(),
        std::fs::read(&b).unwrap(),
        "same data and seed, same bytes"
    );

    let m: Value = serde_json::from_slice(&std::fs::read(&a).unwrap()).unwrap();
    assert_eq!(m["schema_version"], 1);
    assert_eq!(m["features"]["hash_bits"], 8);
    assert_eq!(m["training"]["rows"], 655);
    assert_eq!(m["labels"].as_array().unwrap().len(), 6);

    // eval on the training data: in-sample, the review model must beat chance clearly.
    let out = run(&[
        "eval",
        &fils,
        "--model",
        a.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let review = &v["labels"][0];
    assert_eq!(review["label"], "review");
    assert!(review["roc_auc"].as_f64().unwrap() > 0.8, "{review}");
    let c = &review["confusion"];
    let total: u64 = ["tp", "fp", "fn", "tn"]
        .iter()
        .map(|k| c[k].as_u64().unwrap())
        .sum();
    assert_eq!(total, 655);
}

#[test]
fn moderator_decisions_move_the_model() {
    let dir = tempdir();
    let base = dir.path().join("base.json");
    let fixed = dir.path().join("fixed.json");
    let fils = corpus("fils.csv");
    // Six harmless-looking comments a moderator removed, one undecided row (skipped),
    // and a formula-like cell the queue export had neutralised with a quote.
    let queue = write(
        dir.path(),
        "queue.csv",
        "rank,key,text,decision,reasons,note\n\
         1,k1,Les jardiniers de Brévanne taillent les haies en octobre,remove,insult,\n\
         2,k2,Les jardiniers de Brévanne arrosent les haies le soir,remove,insult,\n\
         3,k3,Les jardiniers de Brévanne plantent les haies en hiver,remove,insult,\n\
         4,k4,Les jardiniers de Brévanne ramassent les feuilles des haies,remove,insult,\n\
         5,k5,Les jardiniers de Brévanne paillent les haies du parc,remove,insult,\n\
         6,k6,Les jardiniers de Brévanne coupent les haies trop hautes,remove,insult,\n\
         7,k7,Commentaire pas encore relu,,,\n\
         8,k8,'=Les jardiniers de Brévanne,keep,insult,\n"
            .as_bytes(),
    );
    assert!(train(&base, &[&fils]).status.success());
    let out = train(&fixed, &[&fils, queue.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 undecided skipped"),
        "{}",
        stderr(&out)
    );
    let probe = write(
        dir.path(),
        "probe.csv",
        "id,text\np,Les jardiniers de Brévanne taillent les haies en octobre\n".as_bytes(),
    );
    let score = |m: &Path| -> f64 {
        let out = run(&[
            "score",
            probe.to_str().unwrap(),
            "--model",
            m.to_str().unwrap(),
            "--format",
            "jsonl",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let v: Value =
            serde_json::from_slice(out.stdout.split(|&b| b == b'\n').next().unwrap()).unwrap();
        v["score"].as_f64().unwrap()
    };
    let (before, after) = (score(&base), score(&fixed));
    assert!(
        after > before + 0.05,
        "removed comment should score higher: {before} -> {after}"
    );
}

#[test]
fn bad_labels_name_the_file_and_line() {
    let dir = tempdir();
    let out_model = dir.path().join("m.json");
    let bad = write(
        dir.path(),
        "bad.csv",
        "id,text,review,reasons\na,Bonjour,true,insult\nb,Salut,peut-être,\n".as_bytes(),
    );
    let out = train(&out_model, &[bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("bad.csv:3:") && err.contains("peut-être"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!out_model.exists(), "no model written on error");

    let bad = write(
        dir.path(),
        "bad2.csv",
        "id,text,review,reasons\na,Bonjour,false,threat\n".as_bytes(),
    );
    let out = train(&out_model, &[bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("bad2.csv:2: review is false but reasons are given"),
        "{}",
        stderr(&out)
    );

    let bad = write(
        dir.path(),
        "bad3.csv",
        "id,comment,review\na,Bonjour,false\n".as_bytes(),
    );
    let out = train(&out_model, &[bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no column \"text\""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn models_from_other_lexicons_are_refused() {
    let dir = tempdir();
    let m = dir.path().join("m.json");
    assert!(train(&m, &[&corpus("fils.csv")]).status.success());
    let mut v: Value = serde_json::from_slice(&std::fs::read(&m).unwrap()).unwrap();
    v["features"]["lexicon_checksum"] = Value::from("0000000000000000");
    let other = write(dir.path(), "other.json", v.to_string().as_bytes());
    let page = root().join("data/pages/piscine_vierzac.txt");
    let out = run(&[
        "score",
        page.to_str().unwrap(),
        "--model",
        other.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("other.json") && err.contains("other lexicons") && err.contains("retrain"),
        "{err}"
    );
}

#[test]
fn version_names_the_embedded_model() {
    let out = run(&["--version"]);
    assert!(out.status.success());
    let s = stdout(&out);
    assert!(s.starts_with("tamis ") && s.contains("(model "), "{s}");
}

/// The default model on the seed comments (needs `../shared`): the figures are printed
/// for the record and must stay above a floor well clear of chance.
#[test]
#[ignore]
fn default_model_on_seed_comments() {
    let shared = std::env::var("TAMIS_SHARED").unwrap_or_else(|_| "../shared".into());
    let labels = root().join(shared).join("seeds/labels.csv");
    let out = run(&[
        "eval",
        labels.to_str().unwrap(),
        "--id-column",
        "index",
        "--thread-column",
        "seed",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    println!("{}", serde_json::to_string_pretty(&v).unwrap());
    let review = &v["labels"][0];
    assert!(review["f1"].as_f64().unwrap() >= 0.6, "{review}");
}
