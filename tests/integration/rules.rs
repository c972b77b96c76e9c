//! Site rules (`--rules`) end to end: banned words forced to review through disguises,
//! suspect words raised in the queue, allowed words kept out of the detectors, the
//! same rules in `serve`, and one-line errors for a bad rules file.

use crate::common::{root, run, stderr, stdout, tempdir, write};
use serde_json::Value;

fn fixture(name: &str) -> String {
    root()
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

fn scores(extra: &[&str]) -> Vec<Value> {
    let comments = fixture("rules_comments.csv");
    let mut args = vec!["score", "--format", "jsonl", comments.as_str()];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn reasons(v: &Value) -> Vec<String> {
    v["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn rules_act_on_top_of_the_model() {
    let rules = fixture("rules.csv");
    let before = scores(&[]);
    let after = scores(&["--rules", &rules]);
    assert_eq!(before.len(), 6);
    assert_eq!(after.len(), 6);
    // Banned, disguised: review, probability 1, reason site_rule on the words as written.
    for (i, words) in [(1, "G0ntran B.i.d.u.l.e"), (3, "ESCR0C")] {
        let v = &after[i];
        assert_eq!(v["review"], true, "{v}");
        assert_eq!(v["score"], 1.0);
        assert_eq!(reasons(v)[0], "site_rule", "{v}");
        assert_eq!(v["reasons"][0]["evidence"][0]["text"], words);
        assert_eq!(v["rules"][0]["rule"], "banned");
    }
    assert_eq!(after[1]["rules"][0]["note"], "procédure en cours");
    // Suspect: a reason is added, the decision is the model's.
    let v = &after[2];
    assert!(reasons(v).contains(&"suspect".to_string()), "{v}");
    assert_eq!(v["review"], before[2]["review"]);
    assert_eq!(v["rules"][0]["text"], "Mairie de   Vierzac");
    // Allowed: the place name no longer triggers the insult detector.
    let (b, a) = (&before[0], &after[0]);
    assert_eq!(b["reasons"][0]["reason"], "insult", "{b}");
    assert_eq!(b["reasons"][0]["evidence"][0]["text"], "Conne", "{b}");
    assert!(
        a["score"].as_f64().unwrap() < b["score"].as_f64().unwrap(),
        "{b}\n{a}"
    );
    assert!(!reasons(a).contains(&"insult".to_string()), "{a}");
    assert_eq!(a["rules"][0]["rule"], "allowed");
    // ...but only as a whole word: the insult of c6 is still one.
    assert!(
        reasons(&after[5]).contains(&"insult".to_string()),
        "{}",
        after[5]
    );
    // Untouched comments are scored exactly as without rules.
    assert_eq!(before[4], after[4]);
    assert!(after[4].get("rules").is_none());
}

#[test]
fn the_queue_says_which_rule_fired_and_ranks_banned_first() {
    let dir = tempdir();
    let out = dir.path().join("q.csv");
    let o = run(&[
        "queue",
        &fixture("rules_comments.csv"),
        "--rules",
        &fixture("rules.csv"),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut rd = csv::Reader::from_path(&out).unwrap();
    let h = rd.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    let ids: Vec<&str> = rows.iter().map(|r| &r[col("id")]).collect();
    // Banned first (either order between them), the suspect one queued.
    let mut top: Vec<&str> = ids[..2].to_vec();
    top.sort_unstable();
    assert_eq!(top, ["c2", "c4"], "{ids:?}");
    assert!(ids.contains(&"c3"), "suspect comments are queued: {ids:?}");
    let c2 = rows.iter().find(|r| &r[col("id")] == "c2").unwrap();
    assert!(
        c2[col("tamis_rules")].starts_with("banned «G0ntran B.i.d.u.l.e»"),
        "{:?}",
        &c2[col("tamis_rules")]
    );
    assert!(c2[col("tamis_rules")].ends_with("(procédure en cours)"));
}

#[test]
fn explain_shows_rule_hits() {
    let o = run(&[
        "explain",
        "Encore ce b@t@rd de Gontran Bidule",
        "--rules",
        &fixture("rules.csv"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("site rules:\n  banned"), "{out}");
    assert!(
        out.contains("\"Gontran Bidule\" (term: Gontran Bidule, procédure en cours)"),
        "{out}"
    );
    assert!(out.lines().last().unwrap().contains("REVIEW"), "{out}");
}

#[test]
fn a_bad_rules_file_is_one_line_naming_the_line() {
    let dir = tempdir();
    let bad = write(
        dir.path(),
        "r.csv",
        "rule,term\nbanned,ok\ninterdire,x\n".as_bytes(),
    );
    let o = run(&[
        "score",
        &fixture("rules_comments.csv"),
        "--rules",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("r.csv:3: unknown rule \"interdire\""), "{err}");
    assert!(stdout(&o).is_empty());
}
