//! The French functional test suite (`tests/functional/cases.csv`): written by this
//! project apart from the training corpus, one named functionality per row. Checks that
//! no case leaked into training data (the same text, or a run of 10 words in common), that every functionality has a floor, and that the
//! shipped model stays at or above every floor (`tamis eval --by functionality`).

use crate::common::{root, run, stderr, stdout};
use std::collections::{BTreeSet, HashSet};

fn cases() -> Vec<(String, String)> {
    let mut rdr = csv::Reader::from_path(root().join("tests/functional/cases.csv")).unwrap();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            (r[1].to_string(), r[2].to_string())
        })
        .collect()
}

/// Lower case, letters and digits only, one space between words.
fn words(t: &str) -> Vec<String> {
    t.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn no_case_is_in_the_training_corpus() {
    // Every text, and every run of 10 consecutive words, of the corpus. (Shorter runs
    // are common phrasing that independent writers share: "n'ont rien à faire dans".)
    let mut texts = HashSet::new();
    let mut runs = HashSet::new();
    for entry in std::fs::read_dir(root().join("data/corpus")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "csv") {
            continue;
        }
        let mut rdr = csv::Reader::from_path(&path).unwrap();
        let col = rdr
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "text")
            .unwrap();
        for r in rdr.records() {
            let w = words(&r.unwrap()[col]);
            for run in w.windows(10) {
                runs.insert(run.join(" "));
            }
            texts.insert(w.join(" "));
        }
    }
    assert!(texts.len() > 20_000, "corpus read: {} texts", texts.len());
    let mut leaked = Vec::new();
    for (_, text) in cases() {
        let w = words(&text);
        if texts.contains(&w.join(" ")) || w.windows(10).any(|r| runs.contains(&r.join(" "))) {
            leaked.push(text);
        }
    }
    assert!(leaked.is_empty(), "cases found in the corpus: {leaked:#?}");
}

#[test]
fn the_suite_is_large_and_every_functionality_has_a_floor() {
    let cases = cases();
    let names: BTreeSet<String> = cases.iter().map(|(f, _)| f.clone()).collect();
    assert!(cases.len() >= 2_500, "{} cases", cases.len());
    assert!(names.len() >= 30, "{} functionalities", names.len());
    let floors = std::fs::read_to_string(root().join("tests/functional/floors.csv")).unwrap();
    let with_floor: BTreeSet<String> = floors
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .map(String::from)
        .collect();
    let missing: Vec<_> = names.difference(&with_floor).collect();
    assert!(
        missing.is_empty(),
        "functionalities without a floor: {missing:?}"
    );
}

/// `tamis eval` of the suite by functionality with the given floors file.
fn eval_with_floors(floors: &std::path::Path) -> std::process::Output {
    let cases = root().join("tests/functional/cases.csv");
    run(&[
        "eval",
        cases.to_str().unwrap(),
        "--by",
        "functionality",
        "--floors",
        floors.to_str().unwrap(),
    ])
}

#[test]
fn the_default_model_holds_every_floor() {
    let out = eval_with_floors(&root().join("tests/functional/floors.csv"));
    assert!(out.status.success(), "{}\n{}", stderr(&out), stdout(&out));
    // One line per functionality, and the overall line.
    let table = stdout(&out);
    assert!(table.contains("hate_dehumanisation") && table.lines().any(|l| l.starts_with("all ")));
}

#[test]
fn a_floor_above_the_accuracy_fails_eval() {
    let dir = crate::common::tempdir();
    let floors = crate::common::write(
        dir.path(),
        "floors.csv",
        b"functionality,floor\nthreat_direct,1\nhate_slur,1\ninsult_direct,1\nnonhate_counter_quote,1\n",
    );
    // No model is perfect on four functionalities at once.
    let out = eval_with_floors(&floors);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("below their floor"),
        "{}",
        stderr(&out)
    );
    let ok = crate::common::write(
        dir.path(),
        "zero.csv",
        b"functionality,floor\nthreat_direct,0\n",
    );
    let out = eval_with_floors(&ok);
    assert!(out.status.success(), "{}", stderr(&out));
}
