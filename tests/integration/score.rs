//! Integration tests for `tamis score`: the JSONL contract of DESIGN.md, the CSV and
//! table formats, `--threshold`, `--explain`, stdin and a closed stdout.

use crate::common::{run, run_stdin, stderr, stdout, tamis, tempdir, write};
use serde_json::Value;
use std::io::Read;
use std::process::Stdio;

/// A small page in the reference layout: two top-level comments, one reply.
pub const PAGE: &str = "Un article de test\n\nLe conseil municipal a voté le budget.\n\n\n\
3 réflexions au sujet de “Un article de test”\n\n\
  1. Merci pour cet article très clair.\n\n    Répondre\n\
    • Je ne suis pas d’accord, mais c’est bien écrit.\n\n      Répondre\n\
  2. Ce maire est un connard et un voleur, tout le monde le sait.\n\n    Répondre\n\n\
Laisser un commentaire\n";

/// A comment table; the third text would be a formula in a spreadsheet.
pub const TABLE: &str = "id,text\n\
a1,Bonne journée à tous.\n\
a2,\"Espèce de sale c0nnard, je vais te retrouver.\"\n\
a3,=HYPERLINK(\"http://example.invalid\")\n\
a4,Le match d’hier était superbe.\n";

const REASONS: [&str; 5] = ["insult", "masked_slur", "accusation", "hate", "threat"];

fn jsonl(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Checks one score object against the contract.
pub fn check_contract(v: &Value) {
    for f in [
        "source", "id", "key", "index", "parent", "depth", "review", "score", "reasons", "text",
        "model",
    ] {
        assert!(v.get(f).is_some(), "missing `{f}` in {v}");
    }
    assert!(v["source"].is_string() && v["id"].is_string() && v["key"].is_string());
    assert!(v["index"].as_u64().unwrap() >= 1);
    assert!(v["parent"].is_null() || v["parent"].is_u64());
    assert!(v["depth"].is_u64() && v["review"].is_boolean() && v["model"].is_string());
    let p = v["score"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&p), "score {p}");
    let text = v["text"].as_str().unwrap();
    for r in v["reasons"].as_array().unwrap() {
        assert!(REASONS.contains(&r["reason"].as_str().unwrap()), "{r}");
        assert!((0.0..=1.0).contains(&r["score"].as_f64().unwrap()));
        for e in r["evidence"].as_array().unwrap() {
            let (s, t) = (
                e["start"].as_u64().unwrap() as usize,
                e["end"].as_u64().unwrap() as usize,
            );
            assert_eq!(text.get(s..t), e["text"].as_str(), "evidence span in {v}");
        }
    }
    assert!(v["tamis_version"].is_string());
}

#[test]
fn score_jsonl_table_follows_the_contract_in_input_order() {
    let dir = tempdir();
    let t = write(dir.path(), "comments.csv", TABLE.as_bytes());
    let out = run(&["score", t.to_str().unwrap(), "--format", "jsonl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = jsonl(&out.stdout);
    assert_eq!(lines.len(), 4);
    for (i, v) in lines.iter().enumerate() {
        check_contract(v);
        // Tables: the id column, the 1-based row number, no thread.
        assert_eq!(v["id"], format!("a{}", i + 1));
        assert_eq!(v["index"], i as u64 + 1);
        assert_eq!(v["parent"], Value::Null);
        assert_eq!(v["depth"], 0);
        assert!(v.get("contributions").is_none());
    }
    assert_eq!(lines[2]["text"], "=HYPERLINK(\"http://example.invalid\")");
    // Keys are stable from one run to the next.
    let again = jsonl(&run(&["score", t.to_str().unwrap(), "--format", "jsonl"]).stdout);
    assert_eq!(lines, again);
}

#[test]
fn score_jsonl_page_carries_the_thread() {
    let dir = tempdir();
    let p = write(dir.path(), "page.txt", PAGE.as_bytes());
    let out = run(&["score", p.to_str().unwrap(), "--format", "jsonl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = jsonl(&out.stdout);
    assert_eq!(lines.len(), 3);
    for v in &lines {
        check_contract(v);
        assert_eq!(
            v["source"].as_str().unwrap().rsplit('/').next(),
            Some("page.txt")
        );
    }
    let idx: Vec<u64> = lines.iter().map(|v| v["index"].as_u64().unwrap()).collect();
    assert_eq!(idx, vec![1, 2, 3]);
    assert_eq!(lines[1]["parent"], 1);
    assert_eq!(lines[1]["depth"], 1);
    assert_eq!(lines[2]["depth"], 0);
}

#[test]
fn score_reads_jsonl_from_stdin() {
    let input = "{\"id\":\"x\",\"text\":\"Bravo pour ce reportage.\"}\n{\"id\":\"y\",\"text\":\"Quel imbécile ce ministre.\"}\n";
    let out = run_stdin(
        &["score", "-", "--input-format", "jsonl", "--format", "jsonl"],
        input.as_bytes(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = jsonl(&out.stdout);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["source"], "-");
    assert_eq!(lines[1]["id"], "y");
}

#[test]
fn score_csv_has_one_neutralised_row_per_comment() {
    let dir = tempdir();
    let t = write(dir.path(), "comments.csv", TABLE.as_bytes());
    let out = run(&["score", t.to_str().unwrap(), "--format", "csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut rdr = csv::Reader::from_reader(&out.stdout[..]);
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    for col in [
        "source",
        "id",
        "key",
        "index",
        "tamis_review",
        "tamis_score",
        "tamis_reasons",
        "tamis_evidence",
        "text",
        "model",
    ] {
        assert!(
            headers.iter().any(|h| h == col),
            "no `{col}` column in {headers:?}"
        );
    }
    let text = headers.iter().position(|h| h == "text").unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(&rows[2][text], "'=HYPERLINK(\"http://example.invalid\")");
}

#[test]
fn score_explain_adds_contributions() {
    let dir = tempdir();
    let t = write(dir.path(), "comments.csv", TABLE.as_bytes());
    let out = run(&[
        "score",
        t.to_str().unwrap(),
        "--format",
        "jsonl",
        "--explain",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    for v in jsonl(&out.stdout) {
        let c = v["contributions"]
            .as_array()
            .expect("contributions with --explain");
        for x in c {
            assert!(x["feature"].is_string() && x["value"].is_number(), "{x}");
        }
    }
}

#[test]
fn score_threshold_moves_the_decision() {
    let dir = tempdir();
    let t = write(dir.path(), "comments.csv", TABLE.as_bytes());
    let out = run(&[
        "score",
        t.to_str().unwrap(),
        "--format",
        "jsonl",
        "--threshold",
        "0",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    for v in jsonl(&out.stdout) {
        assert_eq!(v["review"], true, "{v}");
        assert_eq!(v["threshold"], 0.0);
    }
}

#[test]
fn score_threshold_out_of_range_is_a_usage_error() {
    for bad in ["1.5", "-0.2", "beaucoup"] {
        let out = run(&["score", "x.txt", "--threshold", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
        assert!(stderr(&out).contains("threshold"), "{}", stderr(&out));
    }
    let out = run(&["score", "x.txt", "--format", "xml"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn score_table_is_plain_when_piped() {
    let dir = tempdir();
    let p = write(dir.path(), "page.txt", PAGE.as_bytes());
    let out = run(&["score", p.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        !text.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    assert!(text.contains("page.txt"), "{text}");
    assert!(text.contains("#1") && text.contains("#3"), "{text}");
    assert!(text.contains("3 comments"), "{text}");
    // The reply is indented under its parent.
    let reply = text
        .lines()
        .find(|l| l.trim_start().starts_with("#2"))
        .unwrap();
    let top = text
        .lines()
        .find(|l| l.trim_start().starts_with("#1"))
        .unwrap();
    let indent = |l: &str| l.len() - l.trim_start().len();
    assert!(indent(reply) > indent(top), "{text}");
}

#[test]
fn score_closed_stdout_is_not_an_error() {
    // Enough rows that the output overflows the pipe after the reader has gone.
    let dir = tempdir();
    let mut table = String::from("id,text\n");
    for i in 0..3000 {
        table.push_str(&format!(
            "{i},Commentaire numéro {i} sur le budget de la commune.\n"
        ));
    }
    let t = write(dir.path(), "many.csv", table.as_bytes());
    let mut child = tamis()
        .args(["score", t.to_str().unwrap(), "--format", "jsonl"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "exit {status}: {err}");
    assert!(err.is_empty(), "{err}");
}

/// A stream of several reading batches (the table is read one batch ahead on a thread
/// of its own): every row comes out once, in input order; a malformed line stops the
/// run with one error naming it, after rows that all come from before it, in order.
#[test]
fn a_stream_of_many_batches_keeps_every_row_in_order() {
    let texts = [
        "Bonne journée à tous.",
        "Ce type est un connard.",
        "Le budget de la commune augmente.",
        "Sale c0nnard, je vais te retrouver.",
    ];
    let row = |i: usize| format!("{{\"id\":\"r{i}\",\"text\":\"{} ({i})\"}}\n", texts[i % 4]);
    let n = 9_000;
    let stream: String = (0..n).map(row).collect();
    let out = run_stdin(
        &["score", "-", "--input-format", "jsonl", "--format", "jsonl"],
        stream.as_bytes(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let ids: Vec<String> = jsonl(&out.stdout)
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    let want: Vec<String> = (0..n).map(|i| format!("r{i}")).collect();
    assert!(
        ids == want,
        "{} rows out of {n}, or out of order",
        ids.len()
    );

    let bad = 8_500;
    let mut broken: String = (0..bad - 1).map(row).collect();
    broken.push_str("{\"id\": \"cut\n");
    broken.extend((bad..n).map(row));
    let out = run_stdin(
        &["score", "-", "--input-format", "jsonl", "--format", "jsonl"],
        broken.as_bytes(),
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(&format!("-:{bad}:")), "{err}");
    let got = jsonl(&out.stdout);
    assert!(got.len() < bad, "{} rows before the bad line", got.len());
    for (i, v) in got.iter().enumerate() {
        assert_eq!(v["id"], format!("r{i}"));
    }
}

#[test]
fn table_colour_follows_clicolor_force_and_no_color() {
    let fixture = crate::common::root().join("tests/fixtures/queue_mixed.csv");
    let f = fixture.to_str().unwrap();
    let forced = crate::common::tamis()
        .args(["score", f])
        .env("CLICOLOR_FORCE", "1")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(forced.status.success());
    assert!(String::from_utf8_lossy(&forced.stdout).contains("\x1b["));
    // A pipe without CLICOLOR_FORCE, or NO_COLOR: plain text, evidence in brackets.
    for env in [("NO_COLOR", "1"), ("TAMIS_UNUSED", "1")] {
        let plain = crate::common::tamis()
            .args(["score", f])
            .env_remove("CLICOLOR_FORCE")
            .env(env.0, env.1)
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&plain.stdout);
        assert!(!out.contains('\x1b'), "{env:?}: {out}");
        assert!(out.contains("[je vais te défoncer]"), "{out}");
    }
}

/// `score --format jsonl` of the MLMA tweets (`../shared/corpora/mlma_fr/all.csv`, as a
/// JSONL stream on stdin) must not change by a byte unless a change means to: a checksum
/// of the output. The scoring speed-ups (packed weights, one-step extraction, borrowed
/// JSONL reading) kept it exactly what the binary of commit b8a8d32 printed before them
/// (1e894c98…); the guard on unbounded features (`pipeline::finish_score`) then raised
/// 35 of the 4,014 scores on purpose, giving the value below. It changes with the model
/// (`models/default.json`, checksum `29d49c55e5fc9e68`) or the features: recompute it
/// then, and say why in the commit. `TAMIS_KEEP_STREAM=FILE` keeps the stream, to run
/// another binary on it.
#[test]
#[ignore = "needs ../shared (TAMIS_SHARED); CI runs it explicitly"]
fn mlma_stream_output_is_unchanged() {
    use sha2::{Digest, Sha256};
    let shared = std::env::var("TAMIS_SHARED").unwrap_or_else(|_| "../shared".into());
    let path = crate::common::root()
        .join(&shared)
        .join("corpora/mlma_fr/all.csv");
    let mut rdr = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let mut stream = Vec::new();
    for (i, r) in rdr
        .deserialize::<std::collections::HashMap<String, String>>()
        .enumerate()
    {
        let r = r.unwrap();
        let line = serde_json::json!({ "id": i.to_string(), "text": r["text"] });
        stream.extend_from_slice(line.to_string().as_bytes());
        stream.push(b'\n');
    }
    if let Ok(keep) = std::env::var("TAMIS_KEEP_STREAM") {
        std::fs::write(keep, &stream).unwrap();
    }
    let out = run_stdin(
        &["score", "-", "--input-format", "jsonl", "--format", "jsonl"],
        &stream,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(out.stdout.iter().filter(|&&b| b == b'\n').count(), 4014);
    let got = format!("{:x}", Sha256::digest(&out.stdout));
    assert_eq!(
        got, "d796a238848ecb91e20ffa3bbc85e34e99f1ecb114e17f815d12724a145d6b3d",
        "the scores of the MLMA stream changed (see this test's doc)"
    );
}
