//! Bad and hostile table inputs (issue 12): unterminated quotes, invalid UTF-8 and BOMs
//! in JSONL, control characters in cells, endless lines, and one-line errors from
//! `train`. Every error must name the file and the line, and exit 1.

use crate::common::{run, run_stdin, stderr, stdout, tempdir, write};

/// Exit 1 and exactly one stderr line, which is returned.
fn one_line_error(out: &std::process::Output) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one line expected: {err:?}");
    err
}

#[test]
fn csv_unterminated_quote_names_the_line_where_it_opened() {
    let dir = tempdir();
    let p = write(
        dir.path(),
        "ouvert.csv",
        "id,text\n1,Bonjour Gaston\n2,\"Il a dit « non »\n3,et puis la suite\n4,encore une ligne\n"
            .as_bytes(),
    );
    let out = run(&["score", "--format", "jsonl", p.to_str().unwrap()]);
    let err = one_line_error(&out);
    assert!(err.contains("ouvert.csv:3:"), "{err}");
    assert!(err.contains("unterminated"), "{err}");
    // A closed quote with escaped quotes and a line break inside is fine, and a quote
    // inside an unquoted cell is a literal.
    let ok = write(
        dir.path(),
        "ferme.csv",
        "id,text\n1,\"Il a dit \"\"non\"\"\nsur deux lignes\"\n2,un 5\" écran\n".as_bytes(),
    );
    let out = run(&["score", "--format", "jsonl", ok.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 2);
}

#[test]
fn jsonl_invalid_utf8_names_the_line_and_a_bom_is_accepted() {
    let dir = tempdir();
    let mut bytes = b"{\"id\":\"1\",\"text\":\"Salut Paulette\"}\n\n".to_vec();
    bytes.extend_from_slice(b"{\"id\":\"2\",\"text\":\"caf\xe9 froid\"}\n");
    let p = write(dir.path(), "latin1.jsonl", &bytes);
    let out = run(&["score", "--format", "jsonl", p.to_str().unwrap()]);
    let err = one_line_error(&out);
    assert!(err.contains("latin1.jsonl:3:"), "{err}");
    assert!(err.contains("UTF-8"), "{err}");

    let p = write(
        dir.path(),
        "bom.jsonl",
        "\u{feff}{\"id\":\"a\",\"text\":\"Bonne soirée\"}\r\n{\"id\":\"b\",\"text\":\"Merci\"}\n"
            .as_bytes(),
    );
    let out = run(&["score", "--format", "jsonl", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let ids: Vec<String> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].to_string())
        .collect();
    assert_eq!(ids, ["\"a\"", "\"b\""]);
}

#[test]
fn control_chars_in_cells_are_never_written_raw() {
    let dir = tempdir();
    let p = write(
        dir.path(),
        "nul.csv",
        b"id,text,review\n1,\"Bonjour\x00Gaston \x1b[31m\",peut-etre\n",
    );
    let out = run(&["score", "--format", "csv", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!out.stdout.contains(&0), "raw NUL in the CSV output");
    assert!(!out.stdout.contains(&0x1b), "raw ESC in the CSV output");
    assert!(stdout(&out).contains("Bonjour\\u{0}Gaston \\u{1b}[31m"));

    // The bad label is quoted in the error: escaped there too.
    let p = write(
        dir.path(),
        "label.csv",
        b"id,text,review\n1,Bonjour,\"oui\x00\x1b\"\n2,Salut,non\n",
    );
    let out = run(&["train", "--out", "m.json", p.to_str().unwrap()]);
    let err = one_line_error(&out);
    assert!(
        !out.stderr.contains(&0) && !out.stderr.contains(&0x1b),
        "{err:?}"
    );
    assert!(err.contains("label.csv:2:"), "{err}");
}

#[test]
fn endless_lines_fail_with_a_clear_error() {
    // 17 MiB without a line break, on stdin: refused at the 16 MiB limit.
    let endless = vec![b'a'; 17 << 20];
    for fmt in ["csv", "jsonl"] {
        let out = run_stdin(
            &["score", "--format", "jsonl", "--input-format", fmt, "-"],
            &endless,
        );
        let err = one_line_error(&out);
        assert!(
            err.contains("-:1:") && err.contains("16 MiB"),
            "{fmt}: {err}"
        );
    }
    // An unterminated quote followed by a long tail hits the same limit.
    let mut quoted = b"id,text\n1,\"".to_vec();
    quoted.extend(std::iter::repeat_n(b"ligne\n".as_slice(), 3 << 20).flatten());
    let out = run_stdin(
        &["score", "--format", "jsonl", "--input-format", "csv", "-"],
        &quoted,
    );
    let err = one_line_error(&out);
    assert!(err.contains("-:2:") && err.contains("16 MiB"), "{err}");
    if std::path::Path::new("/dev/zero").exists() {
        for fmt in ["csv", "jsonl"] {
            let out = run(&[
                "score",
                "--format",
                "jsonl",
                "--input-format",
                fmt,
                "/dev/zero",
            ]);
            let err = one_line_error(&out);
            assert!(err.contains("/dev/zero:1:"), "{err}");
        }
    }
}

/// A labelled table of invented comments: `n` insults and `n` harmless remarks.
fn review_table(n: usize, with_negatives: bool) -> String {
    let names = [
        "Gaston", "Paulette", "Firmin", "Odile", "Marcel", "Huguette",
    ];
    let mut t = String::from("id,text,review\n");
    for i in 0..n {
        let who = names[i % names.len()];
        t += &format!("p{i},{who} est un crétin fini et une ordure numéro {i},1\n");
        let label = if with_negatives { 0 } else { 1 };
        t += &format!("n{i},Merci {who} pour le compte rendu du conseil numéro {i},{label}\n");
    }
    t
}

#[test]
fn train_on_review_labels_only_trains_review_and_says_so() {
    let dir = tempdir();
    let p = write(
        dir.path(),
        "sans_raisons.csv",
        review_table(12, true).as_bytes(),
    );
    let m = dir.path().join("m.json");
    let out = run(&[
        "train",
        "--folds",
        "2",
        "--hash-bits",
        "8",
        "--out",
        m.to_str().unwrap(),
        p.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("review model only"),
        "{}",
        stderr(&out)
    );
    let table = stdout(&out);
    assert!(table.lines().any(|l| l.starts_with("review")), "{table}");
    assert!(!table.lines().any(|l| l.starts_with("insult")), "{table}");
    // The model loads and scores; a comment under review lists no reason.
    let probe = write(
        dir.path(),
        "probe.csv",
        "id,text\n1,Marcel est un crétin fini et une ordure\n".as_bytes(),
    );
    let out = run(&[
        "score",
        "--format",
        "jsonl",
        "--model",
        m.to_str().unwrap(),
        probe.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v["review"], true, "{v}");
    assert_eq!(v["reasons"], serde_json::json!([]), "{v}");
}

#[test]
fn train_failure_prints_only_its_error() {
    let dir = tempdir();
    // Only positives: the review model cannot be fitted. The counts line must not come
    // before the error.
    let p = write(
        dir.path(),
        "que_des_oui.csv",
        review_table(4, false).as_bytes(),
    );
    let m = dir.path().join("m.json");
    let out = run(&["train", "--out", m.to_str().unwrap(), p.to_str().unwrap()]);
    let err = one_line_error(&out);
    assert!(!err.contains("labelled rows"), "{err}");
    assert!(err.contains("review"), "{err}");
    assert!(!m.exists());
}

#[test]
fn long_comments_are_scored_whole_and_marked_long() {
    let dir = tempdir();
    let long = "Gaston, ta piscine est une honte et tu le sais très bien. ".repeat(2000);
    assert!(long.len() > 64 << 10);
    let rows = format!("id,text\ncourt,Bonjour Paulette\nlong,\"{long}\"\n");
    let p = write(dir.path(), "longs.csv", rows.as_bytes());
    let out = run(&["score", "--format", "jsonl", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    // Only the long one carries the field; an ordinary record is unchanged.
    assert!(lines[0].get("long").is_none(), "{}", lines[0]);
    assert_eq!(lines[1]["long"], true);
    assert_eq!(lines[1]["text"].as_str(), Some(long.as_str()));
}
