//! Integration tests for `tamis queue`: every comment once, ranking, `--uncertain`,
//! `--decisions`, spreadsheet-safe CSV, atomic replacement of the output, sources shown
//! relative to the inputs, and (ignored, run by CI explicitly) the HTML page in Debian's
//! headless Chromium: hostile text, keyboard-only triage with bulk, sub-thread and author
//! filter, and the page's real download fed to `eval` and `train`.

use crate::common::{run, stderr, tempdir, write};
use crate::score::{check_contract, PAGE, TABLE};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn jsonl_file(p: &Path) -> Vec<Value> {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Runs `tamis queue` with `args` and asserts it succeeded.
fn queue_ok(args: &[&str]) -> std::process::Output {
    let mut all = vec!["queue"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert!(out.status.success(), "tamis {all:?}: {}", stderr(&out));
    out
}

/// A page and a table in a fresh directory.
fn inputs(dir: &Path) -> (PathBuf, PathBuf) {
    (
        write(dir, "page.txt", PAGE.as_bytes()),
        write(dir, "comments.csv", TABLE.as_bytes()),
    )
}

/// `tamis score --format jsonl` of the same inputs: the reference for what the queue holds.
fn scores(inputs: &[&str]) -> Vec<Value> {
    let mut args = vec!["score", "--format", "jsonl"];
    args.extend_from_slice(inputs);
    let out = run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn id(v: &Value) -> (String, u64) {
    (
        v["source"].as_str().unwrap().to_string(),
        v["index"].as_u64().unwrap(),
    )
}

fn severity(v: &Value) -> u8 {
    v["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| match r["reason"].as_str().unwrap() {
            "threat" => 5,
            "hate" => 4,
            "accusation" => 3,
            "insult" => 2,
            "masked_slur" => 1,
            _ => 0,
        })
        .max()
        .unwrap_or(0)
}

/// The queue's documented danger: probability × (0.5 + 0.1 × severity), in f32 as tamis
/// computes it.
fn danger(v: &Value) -> f32 {
    v["score"].as_f64().unwrap() as f32 * (0.5 + 0.1 * f32::from(severity(v)))
}

/// Asserts the queue order: danger, then probability, then severity, then input order.
fn assert_ranked(items: &[Value], reference: &[Value]) {
    let pos: HashMap<(String, u64), usize> = reference
        .iter()
        .enumerate()
        .map(|(i, v)| (id(v), i))
        .collect();
    for (i, v) in items.iter().enumerate() {
        assert_eq!(v["rank"], i as u64 + 1);
    }
    for w in items.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        let (pa, pb) = (a["score"].as_f64().unwrap(), b["score"].as_f64().unwrap());
        let key = |v: &Value, p: f64| (-danger(v), -p, std::cmp::Reverse(severity(v)), pos[&id(v)]);
        assert!(
            key(a, pa).partial_cmp(&key(b, pb)) == Some(std::cmp::Ordering::Less),
            "out of order:\n{a}\n{b}"
        );
    }
}

#[test]
fn threats_rank_above_insults_in_a_mixed_queue() {
    let dir = tempdir();
    let fixture = crate::common::root().join("tests/fixtures/queue_mixed.csv");
    let out = dir.path().join("q.jsonl");
    queue_ok(&[
        fixture.to_str().unwrap(),
        "--all",
        "--out",
        out.to_str().unwrap(),
    ]);
    let items = jsonl_file(&out);
    assert_eq!(items.len(), 20);
    let kind = |v: &Value| v["id"].as_str().unwrap().chars().next().unwrap();
    let rank = |v: &Value| v["rank"].as_u64().unwrap();
    for t in items.iter().filter(|v| kind(v) == 't') {
        assert!(
            t["review"].as_bool().unwrap(),
            "a direct threat must be reviewed: {t}"
        );
        for o in items.iter().filter(|v| kind(v) == 'i') {
            let (pt, po) = (t["score"].as_f64().unwrap(), o["score"].as_f64().unwrap());
            // At equal (or lower) confidence, the threat comes first.
            if pt >= po {
                assert!(rank(t) < rank(o), "threat {t}\nranked after\n{o}");
            }
        }
    }
    // The top of the queue is threats, whatever the insults' near-certainty: the
    // queue used to open with a wall of insults at 1,00.
    let top: Vec<char> = items.iter().take(6).map(kind).collect();
    assert_eq!(top, ['t'; 6], "{items:#?}");
}

#[test]
fn queue_to_stdout_in_each_format() {
    let fixture = crate::common::root().join("tests/fixtures/queue_mixed.csv");
    let f = fixture.to_str().unwrap();
    let dir = tempdir();
    let file = dir.path().join("q.jsonl");
    queue_ok(&[f, "--out", file.to_str().unwrap()]);
    // JSONL on stdout is the file's content, byte for byte.
    let out = queue_ok(&[f, "--out", "-", "--format", "jsonl"]);
    assert_eq!(out.stdout, std::fs::read(&file).unwrap());
    // Without --format, stdout gets CSV, read back by the csv reader.
    let out = queue_ok(&[f, "--out", "-"]);
    let mut r = csv::Reader::from_reader(out.stdout.as_slice());
    assert_eq!(r.headers().unwrap().get(0), Some("rank"));
    assert_eq!(r.records().count(), jsonl_file(&file).len());
    let out = queue_ok(&[f, "--out", "-", "--format", "html"]);
    assert!(stdout_text(&out).starts_with("<!DOCTYPE html>"));
    assert!(stderr(&out).contains("queued → -"));
}

fn stdout_text(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn queue_all_lists_every_input_comment_exactly_once() {
    let dir = tempdir();
    let (p, t) = inputs(dir.path());
    let (p, t) = (p.to_str().unwrap(), t.to_str().unwrap());
    let out = dir.path().join("q.jsonl");
    queue_ok(&[p, t, "--all", "--out", out.to_str().unwrap()]);
    let items = jsonl_file(&out);
    let reference = scores(&[p, t]);
    assert_eq!(items.len(), reference.len());
    let mut got: Vec<_> = items.iter().map(id).collect();
    let mut want: Vec<_> = reference.iter().map(id).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    for v in &items {
        check_contract(v);
        assert_eq!(v["decision"], "");
        assert_eq!(v["note"], "");
        assert!(v["rank"].is_u64() && v["uncertain"].is_boolean());
        assert!(
            v.get("parent_text").is_some() && v.get("author").is_some() && v.get("date").is_some()
        );
    }
    assert_ranked(&items, &reference);
    // The reply carries its parent's text.
    let reply = items.iter().find(|v| v["parent"] == 1).unwrap();
    assert!(reply["parent_text"]
        .as_str()
        .unwrap()
        .starts_with("Merci pour cet article"));
}

#[test]
fn queue_by_default_holds_the_comments_under_review_ranked() {
    let dir = tempdir();
    let (p, t) = inputs(dir.path());
    let (p, t) = (p.to_str().unwrap(), t.to_str().unwrap());
    let out = dir.path().join("q.jsonl");
    let o = queue_ok(&[p, t, "--out", out.to_str().unwrap()]);
    let items = jsonl_file(&out);
    let reference = scores(&[p, t]);
    let review = reference.iter().filter(|v| v["review"] == true).count();
    assert_eq!(items.len(), review);
    assert!(items
        .iter()
        .all(|v| v["review"] == true && v["uncertain"] == false));
    assert_ranked(&items, &reference);
    // The summary on stderr says what was read, queued and flagged.
    let err = stderr(&o);
    for word in [
        "1 page",
        "1 table",
        "7 comments",
        "queued",
        "flagged",
        "insult",
    ] {
        assert!(err.contains(word), "`{word}` not in summary: {err}");
    }
}

#[test]
fn queue_uncertain_adds_the_closest_to_the_threshold() {
    let dir = tempdir();
    let (p, t) = inputs(dir.path());
    let (p, t) = (p.to_str().unwrap(), t.to_str().unwrap());
    let out = dir.path().join("q.jsonl");
    queue_ok(&[p, t, "--uncertain", "2", "--out", out.to_str().unwrap()]);
    let items = jsonl_file(&out);
    let reference = scores(&[p, t]);
    let uncertain: Vec<&Value> = items.iter().filter(|v| v["uncertain"] == true).collect();
    let mut rest: Vec<&Value> = reference.iter().filter(|v| v["review"] == false).collect();
    assert_eq!(uncertain.len(), rest.len().min(2));
    let threshold = reference[0]["threshold"].as_f64().unwrap();
    let dist = |v: &Value| (v["score"].as_f64().unwrap() - threshold).abs();
    rest.sort_by(|a, b| dist(a).total_cmp(&dist(b)));
    let worst_kept = uncertain.iter().map(|v| dist(v)).fold(0.0, f64::max);
    if let Some(next) = rest.get(uncertain.len()) {
        assert!(
            worst_kept <= dist(next),
            "an uncertain item is farther than one left out"
        );
    }
    assert!(uncertain.iter().all(|v| v["review"] == false));
    assert_ranked(&items, &reference);
}

#[test]
fn queue_decisions_leave_out_decided_comments() {
    let dir = tempdir();
    let (p, t) = inputs(dir.path());
    let (p, t) = (p.to_str().unwrap(), t.to_str().unwrap());
    let first = dir.path().join("lundi.csv");
    queue_ok(&[p, t, "--all", "--out", first.to_str().unwrap()]);

    // A moderator decides the first two rows and saves the sheet.
    let mut rdr = csv::Reader::from_path(&first).unwrap();
    let headers = rdr.headers().unwrap().clone();
    let col = |n: &str| headers.iter().position(|h| h == n).unwrap();
    let (dc, kc) = (col("decision"), col("key"));
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    let decided: Vec<String> = rows[..2].iter().map(|r| r[kc].to_string()).collect();
    let mut w = csv::Writer::from_path(dir.path().join("lundi-fait.csv")).unwrap();
    w.write_record(&headers).unwrap();
    for (i, r) in rows.iter().enumerate() {
        let mut cells: Vec<String> = r.iter().map(String::from).collect();
        cells[dc] = ["remove", "keep", ""][i.min(2)].to_string();
        w.write_record(&cells).unwrap();
    }
    w.flush().unwrap();

    let second = dir.path().join("mardi.jsonl");
    let prev = dir.path().join("lundi-fait.csv");
    let o = queue_ok(&[
        p,
        t,
        "--all",
        "--decisions",
        prev.to_str().unwrap(),
        "--out",
        second.to_str().unwrap(),
    ]);
    let items = jsonl_file(&second);
    assert_eq!(items.len(), rows.len() - 2);
    assert!(items
        .iter()
        .all(|v| !decided.contains(&v["key"].as_str().unwrap().to_string())));
    assert!(stderr(&o).contains("2 already decided"), "{}", stderr(&o));
}

#[test]
fn queue_csv_is_safe_for_spreadsheets_and_readable_by_train() {
    let dir = tempdir();
    let (p, t) = inputs(dir.path());
    let out = dir.path().join("q.csv");
    queue_ok(&[
        p.to_str().unwrap(),
        t.to_str().unwrap(),
        "--all",
        "--excel",
        "--out",
        out.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&out).unwrap();
    assert!(
        bytes.starts_with("\u{feff}".as_bytes()),
        "--excel starts with a BOM"
    );
    let mut rdr = csv::Reader::from_reader(&bytes[3..]);
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    for col in [
        "rank",
        "text",
        "decision",
        "decision_reasons",
        "tamis_reasons",
        "key",
        "id",
        "note",
        "tamis_score",
        "parent_text",
    ] {
        assert!(
            headers.iter().any(|h| h == col),
            "no `{col}` in {headers:?}"
        );
    }
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 7);
    for r in &rows {
        for cell in r.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "formula cell {cell:?}"
            );
        }
    }
    let text = headers.iter().position(|h| h == "text").unwrap();
    assert!(rows
        .iter()
        .any(|r| &r[text] == "'=HYPERLINK(\"http://example.invalid\")"));
    // Without --excel there is no BOM.
    let plain = dir.path().join("plain.csv");
    queue_ok(&[p.to_str().unwrap(), "--out", plain.to_str().unwrap()]);
    assert!(std::fs::read(&plain).unwrap().starts_with(b"rank,"));
}

/// File names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn queue_replaces_an_existing_output_atomically() {
    let dir = tempdir();
    let (p, _) = inputs(dir.path());
    for ext in ["csv", "jsonl", "html"] {
        let out = write(dir.path(), &format!("q.{ext}"), b"ancienne file");
        queue_ok(&[p.to_str().unwrap(), "--all", "--out", out.to_str().unwrap()]);
        let new = std::fs::read_to_string(&out).unwrap();
        assert_ne!(new, "ancienne file");
        assert!(new.len() > 100, "{ext}: {new}");
    }
    // No temporary file is left next to the outputs.
    assert_eq!(
        names(dir.path()),
        vec!["comments.csv", "page.txt", "q.csv", "q.html", "q.jsonl"]
    );
}

#[test]
fn queue_failure_leaves_the_old_output_intact() {
    let dir = tempdir();
    let (p, t) = inputs(dir.path());
    let bad = write(
        dir.path(),
        "broken.jsonl",
        b"{\"text\": \"ok\"}\n{ pas du json\n",
    );
    let baddec = write(dir.path(), "bad-decisions.csv", b"id,text\n1,x\n");
    let out = write(dir.path(), "q.csv", b"ancienne file");
    let (p, t, o) = (
        p.to_str().unwrap(),
        t.to_str().unwrap(),
        out.to_str().unwrap(),
    );
    let cases: Vec<Vec<&str>> = vec![
        // An input error midway: the first inputs were fine.
        vec!["queue", p, t, bad.to_str().unwrap(), "--out", o],
        vec!["queue", p, "missing.txt", "--out", o],
        vec![
            "queue",
            p,
            "--decisions",
            baddec.to_str().unwrap(),
            "--out",
            o,
        ],
        vec!["queue", p, "--model", "no-such-model.json", "--out", o],
    ];
    for args in cases {
        let r = run(&args);
        assert_eq!(r.status.code(), Some(1), "{args:?}: {}", stderr(&r));
        assert_eq!(stderr(&r).lines().count(), 1, "one line: {}", stderr(&r));
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            "ancienne file",
            "{args:?}"
        );
    }
    let mut want = vec![
        "bad-decisions.csv",
        "broken.jsonl",
        "comments.csv",
        "page.txt",
        "q.csv",
    ];
    want.sort();
    assert_eq!(names(dir.path()), want);
}

#[test]
fn queue_refuses_unknown_output_formats_as_usage_errors() {
    for out in ["q.xlsx", "q", "q.txt"] {
        let r = run(&["queue", "x.txt", "--out", out]);
        assert_eq!(r.status.code(), Some(2), "{out}: {}", stderr(&r));
        assert!(
            stderr(&r).contains(".csv, .jsonl or .html"),
            "{}",
            stderr(&r)
        );
    }
    let r = run(&["queue", "x.txt", "--out", "q.csv", "--threshold", "2"]);
    assert_eq!(r.status.code(), Some(2));
}

#[test]
fn queue_html_is_one_self_contained_file() {
    let dir = tempdir();
    let (p, t) = inputs(dir.path());
    let out = dir.path().join("q.html");
    queue_ok(&[
        p.to_str().unwrap(),
        t.to_str().unwrap(),
        "--all",
        "--out",
        out.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<html lang=\"fr\">"));
    assert!(html.contains("http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'"));
    assert!(html.contains("Télécharger les décisions (CSV)"));
    for fetch in ["http://", "https://", " src=\"", "<link", "@import", "url("] {
        // The table's HYPERLINK text is the only URL, and it is escaped text.
        let n = html.matches(fetch).count();
        let allowed = if fetch == "http://" {
            html.matches("http://example.invalid").count()
        } else {
            0
        };
        assert_eq!(n, allowed, "`{fetch}`: the page must fetch nothing");
    }
    assert_eq!(html.matches("<script").count(), 2);
    assert_eq!(html.matches("<li class=\"item").count(), 7);
}

// ---------------------------------------------------------------------------------------
// The page in a real browser.

/// Comment texts that try to break out of every context the page has. Each would change
/// the title, add an element or set an attribute if it ever ran.
const PAYLOADS: &[&str] = &[
    "<script>document.title='PWNED'</script>",
    "<img src=x onerror=\"document.documentElement.setAttribute('data-pwned','1')\">",
    "Voir <a href=\"javascript:document.title='PWNED'\">ce lien</a> pour la vérité",
    "</style><p id=\"pwned\">style cassé</p><style>",
    "\"><svg onload=\"document.title='PWNED'\">",
    "Guillemets ' \" > < & et &amp; &lt;b&gt; pour casser les attributs",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "fin de texte </script><script>document.title='PWNED'</script>",
    "<iframe srcdoc=\"<script>parent.document.title='PWNED'</script>\"></iframe>",
    "<!-- <script> \u{2028} \u{2029} -->",
];

/// A page whose comments and replies carry the payloads.
fn hostile_page() -> String {
    let mut page = String::from(
        "Article piégé\n\nUn article ordinaire.\n\n\n4 réflexions au sujet de “Article piégé”\n\n",
    );
    page.push_str(&format!("  1. {}\n\n    Répondre\n", PAYLOADS[0]));
    page.push_str(&format!("    • {}\n\n      Répondre\n", PAYLOADS[1]));
    page.push_str(&format!("      ◦ {}\n\n        Répondre\n", PAYLOADS[2]));
    page.push_str(&format!(
        "  2. {}\n\n    Répondre\n\nLaisser un commentaire\n",
        PAYLOADS[3]
    ));
    page
}

/// A table with the rest of the payloads.
fn hostile_table() -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["id", "text"]).unwrap();
    for (i, p) in PAYLOADS[4..].iter().enumerate() {
        w.write_record([format!("h{i}"), p.to_string()]).unwrap();
    }
    w.into_inner().unwrap()
}

/// Debian's chromium (or `$CHROMIUM`); never a downloaded build.
fn chromium() -> String {
    let c = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let ok = Command::new(&c)
        .arg("--version")
        .output()
        .map(|o| o.status.success());
    assert!(
        matches!(ok, Ok(true)),
        "`{c}` not found: install Debian's package (apt-get install -y chromium)"
    );
    c
}

/// Runs chromium headless with a fresh profile, under `timeout` so a hung browser fails
/// the test instead of blocking it.
fn headless(chromium: &str, profile: &Path, extra: &[&str], url: &str) -> std::process::Output {
    let profile = format!("--user-data-dir={}", profile.display());
    Command::new("timeout")
        .args([
            "120",
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
        ])
        .args([
            "--disable-background-networking",
            "--disable-component-update",
        ])
        .args(["--disable-sync", "--no-first-run", &profile])
        .args(extra)
        .arg(url)
        .output()
        .expect("chromium runs")
}

#[test]
#[ignore = "needs Debian's chromium (apt-get install -y chromium); CI runs it explicitly"]
fn queue_html_in_headless_chromium_renders_hostile_comments_as_text() {
    let chromium = chromium();
    let dir = tempdir();
    let page = write(dir.path(), "piege.txt", hostile_page().as_bytes());
    let table = write(dir.path(), "piege.csv", &hostile_table());
    let (p, t) = (page.to_str().unwrap(), table.to_str().unwrap());
    let html = dir.path().join("file.html");
    let csv_out = dir.path().join("file.csv");
    // --all: every comment is in the list whatever the model thinks of it.
    queue_ok(&[p, t, "--all", "--out", html.to_str().unwrap()]);
    queue_ok(&[p, t, "--all", "--out", csv_out.to_str().unwrap()]);
    let n = PAYLOADS.len();
    let url = format!("file://{}", html.display());

    // 1. The DOM after the page's script ran: payloads are text, nothing executed.
    let profile = tempdir();
    let out = headless(&chromium, profile.path(), &["--dump-dom"], &url);
    assert!(out.status.success(), "chromium: {}", stderr(&out));
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("<title>tamis — file de modération</title>"),
        "title changed:\n{dom}"
    );
    assert!(!dom.contains("PWNED</title>"));
    assert!(
        dom.contains(&format!("data-rendered-count=\"{n}\"")),
        "rendered count:\n{dom}"
    );
    assert!(dom.contains(&format!("data-visible-count=\"{n}\"")));
    assert_eq!(
        dom.matches("<script").count(),
        2,
        "only the page's own scripts"
    );
    for tag in [
        "<img",
        "<svg",
        "<iframe",
        "<p id=\"pwned\"",
        "<a href=\"javascript",
        "data-pwned=",
    ] {
        assert!(!dom.contains(tag), "`{tag}` made it into the DOM:\n{dom}");
    }
    // Serialised text nodes escape < > &: each payload is there, as text (evidence
    // highlighting may wrap some of its words in <mark>, which is markup of ours: the
    // text is read with those tags taken out).
    let text_only = regex::Regex::new(r#"<mark class="[^"]*" title="[^"]*">|</mark>"#)
        .unwrap()
        .replace_all(&dom, "");
    for frag in [
        "&lt;img src=x onerror=",
        "&lt;/style&gt;&lt;p id=\"pwned\"&gt;",
        "\"&gt;&lt;svg onload=",
        "{{7*7}} ${7*7} &lt;%= 7*7 %&gt;",
        "&lt;/script&gt;",
        "&lt;iframe srcdoc=",
        "&amp;amp; &amp;lt;b&amp;gt;",
    ] {
        assert!(
            text_only.contains(frag),
            "`{frag}` not shown as text:\n{dom}"
        );
    }

    // 2. A screenshot for people to look at (kept in the target directory).
    let keep = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let shot = keep.join("tamis-queue-hostile.png");
    let _ = std::fs::remove_file(&shot);
    std::fs::copy(&html, keep.join("tamis-queue-hostile.html")).unwrap();
    let profile = tempdir();
    let arg = format!("--screenshot={}", shot.display());
    let out = headless(
        &chromium,
        profile.path(),
        &[&arg, "--window-size=1280,2000"],
        &url,
    );
    assert!(out.status.success(), "chromium: {}", stderr(&out));
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "{} bytes",
        png.len()
    );
    eprintln!("screenshot: {}", shot.display());

    // 3. A moderator's session, driven over the DevTools protocol when Node is there:
    // toggles, notes, filters, localStorage across a reload, the CSV download.
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("node not found: skipping the interactive part");
        return;
    }
    let driver = crate::common::root().join("tests/browser/drive.js");
    let profile = tempdir();
    let out = Command::new("timeout")
        .arg("150")
        .arg("node")
        .arg(&driver)
        .args([
            &chromium,
            &url,
            profile.path().to_str().unwrap(),
            &n.to_string(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "drive.js: {}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["violations"],
        serde_json::json!([]),
        "CSP violations"
    );
    let written = std::fs::read_to_string(&csv_out).unwrap();
    // The page's download is the queue CSV, byte for byte, before any decision...
    crate::common::assert_same(&written, report["csv_before"].as_str().unwrap());
    // ...and with the decision and the (neutralised) note after.
    let read = |s: &str| -> Vec<Vec<String>> {
        csv::Reader::from_reader(s.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect()
    };
    let (before, after) = (read(&written), read(report["csv_after"].as_str().unwrap()));
    let cols: Vec<String> = csv::Reader::from_reader(written.as_bytes())
        .headers()
        .unwrap()
        .iter()
        .map(String::from)
        .collect();
    let (dc, nc) = (
        cols.iter().position(|c| c == "decision").unwrap(),
        cols.iter().position(|c| c == "note").unwrap(),
    );
    assert_eq!(after[0][dc], "remove");
    assert_eq!(after[0][nc], "'=HYPERLINK(\"x\")");
    let mut expected = before.clone();
    expected[0][dc] = "remove".into();
    expected[0][nc] = "'=HYPERLINK(\"x\")".into();
    assert_eq!(after, expected);

    // The downloaded decisions feed the next queue: the decided comment is left out.
    let decisions = write(
        dir.path(),
        "decisions.csv",
        report["csv_after"].as_str().unwrap().as_bytes(),
    );
    let next = dir.path().join("next.jsonl");
    queue_ok(&[
        p,
        t,
        "--all",
        "--decisions",
        decisions.to_str().unwrap(),
        "--out",
        next.to_str().unwrap(),
    ]);
    assert_eq!(jsonl_file(&next).len(), n - 1);
}

/// Runs a driver of `tests/browser/` under `timeout`; skips (returns `None`) without Node.
fn node_driver(script: &str, args: &[&str]) -> Option<Value> {
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("node not found: skipping the interactive part");
        return None;
    }
    let driver = crate::common::root().join("tests/browser").join(script);
    let out = Command::new("timeout")
        .arg("150")
        .arg("node")
        .arg(&driver)
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{script}: {}", stderr(&out));
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

/// `tests/fixtures/queue_triage.txt` copied to `dir/pages/sub/vierzac.txt`: the queue is
/// built from `dir/pages`, so the page must show `sub/vierzac.txt`.
fn triage_pages(dir: &Path) -> PathBuf {
    let sub = dir.join("pages/sub");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::copy(
        crate::common::root().join("tests/fixtures/queue_triage.txt"),
        sub.join("vierzac.txt"),
    )
    .unwrap();
    dir.join("pages")
}

#[test]
fn queue_html_shows_sources_relative_to_the_input_given() {
    let dir = tempdir();
    let pages = triage_pages(dir.path());
    let html = dir.path().join("q.html");
    let csv_out = dir.path().join("q.csv");
    let p = pages.to_str().unwrap();
    queue_ok(&[p, "--all", "--out", html.to_str().unwrap()]);
    queue_ok(&[p, "--all", "--out", csv_out.to_str().unwrap()]);
    let html = std::fs::read_to_string(&html).unwrap();
    let full = pages.join("sub").join("vierzac.txt").display().to_string();
    let shown = format!(
        "<span class=\"source\" title=\"{}\">sub/vierzac.txt</span>",
        tamis::export::html::escape(&full)
    );
    // 30 items and the thread's summary.
    assert_eq!(html.matches(&shown).count(), 31);
    assert!(!html.contains(&format!(">{full}<")));
    // The CSV keeps the source as read: the contract does not change.
    let mut r = csv::Reader::from_path(&csv_out).unwrap();
    let col = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "source")
        .unwrap();
    for row in r.records() {
        assert_eq!(&row.unwrap()[col], full);
    }
    // The author list: Gontran78's four comments first, highlighted.
    assert!(html.contains(
        "<button type=\"button\" class=\"author-filter repeat\" data-author=\"Gontran78\" aria-pressed=\"false\"><span class=\"name\">Gontran78</span> <span class=\"n\">4</span>"
    ));
    assert_eq!(html.matches("author-filter repeat").count(), 1);
}

#[test]
#[ignore = "needs Debian's chromium (apt-get install -y chromium); CI runs it explicitly"]
fn queue_html_keyboard_bulk_subthread_and_author_filter_in_headless_chromium() {
    let chromium = chromium();
    let dir = tempdir();
    let pages = triage_pages(dir.path());
    let html = dir.path().join("triage.html");
    queue_ok(&[
        pages.to_str().unwrap(),
        "--all",
        "--out",
        html.to_str().unwrap(),
    ]);
    let url = format!("file://{}", html.display());
    let profile = tempdir();
    // Screenshots are kept in the target directory for people to look at.
    let keep = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let shots = ["tamis-queue-triage.png", "tamis-queue-help.png"];
    for s in shots {
        let _ = std::fs::remove_file(keep.join(s));
    }
    let Some(report) = node_driver(
        "triage.js",
        &[
            &chromium,
            &url,
            profile.path().to_str().unwrap(),
            "triage",
            keep.to_str().unwrap(),
        ],
    ) else {
        return;
    };
    assert_eq!(
        report["violations"],
        serde_json::json!([]),
        "CSP violations"
    );
    for s in shots {
        let png = std::fs::read(keep.join(s)).expect("screenshot written");
        assert!(png.starts_with(b"\x89PNG") && png.len() > 20_000, "{s}");
        eprintln!("screenshot: {}", keep.join(s).display());
    }
}

/// Trains a small model (`train::train`: two folds, 256 hashed buckets) so the debug
/// build stays fast.
fn train_small(out: &Path, inputs: &[&str], extra: &[&str]) {
    let mut args = extra.to_vec();
    args.extend_from_slice(inputs);
    let o = crate::train::train(out, &args);
    assert!(o.status.success(), "tamis train {args:?}: {}", stderr(&o));
}

/// The probability `model` gives each text, in order.
fn probabilities(dir: &Path, model: &Path, texts: &[String]) -> Vec<f64> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["id", "text"]).unwrap();
    for (i, t) in texts.iter().enumerate() {
        w.write_record([format!("p{i}"), t.clone()]).unwrap();
    }
    let probe = write(dir, "probe.csv", &w.into_inner().unwrap());
    let out = run(&[
        "score",
        probe.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
        "--format",
        "jsonl",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["score"]
                .as_f64()
                .unwrap()
        })
        .collect()
}

#[test]
#[ignore = "needs Debian's chromium (apt-get install -y chromium); CI runs it explicitly"]
fn queue_html_download_retrains_the_model_in_headless_chromium() {
    let chromium = chromium();
    let dir = tempdir();
    let fils = crate::common::root().join("data/corpus/fils.csv");
    let fils = fils.to_str().unwrap();
    let base = dir.path().join("base.json");
    train_small(&base, &[fils], &[]);
    let pages = triage_pages(dir.path());
    let html = dir.path().join("lundi.html");
    let csv_out = dir.path().join("lundi.csv");
    let b = base.to_str().unwrap();
    let p = pages.to_str().unwrap();
    queue_ok(&[p, "--all", "--model", b, "--out", html.to_str().unwrap()]);
    queue_ok(&[p, "--all", "--model", b, "--out", csv_out.to_str().unwrap()]);

    let downloads = dir.path().join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let url = format!("file://{}", html.display());
    let profile = tempdir();
    let Some(report) = node_driver(
        "triage.js",
        &[
            &chromium,
            &url,
            profile.path().to_str().unwrap(),
            "retrain",
            downloads.to_str().unwrap(),
        ],
    ) else {
        return;
    };
    assert_eq!(report["violations"], serde_json::json!([]));
    let file = PathBuf::from(report["file"].as_str().unwrap());
    assert_eq!(file.file_name().unwrap(), "lundi-decisions.csv");
    let downloaded = std::fs::read_to_string(&file).unwrap();
    // What the browser saved is what the page previews.
    crate::common::assert_same(report["preview"].as_str().unwrap(), &downloaded);

    // The download is tamis's queue CSV with exactly the driver's decisions filled in.
    let plan: HashMap<String, String> = report["decided"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    assert_eq!(plan.len(), 7);
    let read = |s: &str| -> (Vec<String>, Vec<Vec<String>>) {
        let mut r = csv::Reader::from_reader(s.as_bytes());
        let h = r.headers().unwrap().iter().map(String::from).collect();
        let rows = r
            .records()
            .map(|x| x.unwrap().iter().map(String::from).collect())
            .collect();
        (h, rows)
    };
    let (cols, written) = read(&std::fs::read_to_string(&csv_out).unwrap());
    let (cols2, rows) = read(&downloaded);
    assert_eq!(cols, cols2);
    let col = |n: &str| cols.iter().position(|c| c == n).unwrap();
    let (key, dec, call, text) = (
        col("key"),
        col("decision"),
        col("tamis_review"),
        col("text"),
    );
    assert_eq!(rows.len(), 30);
    let mut expected = written.clone();
    for r in &mut expected {
        if let Some(d) = plan.get(&r[key]) {
            r[dec] = d.clone();
        }
    }
    assert_eq!(rows, expected);
    // Six decisions went against the model's call, one agreed with it.
    let against: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| !r[dec].is_empty() && (r[dec] == "remove") != (r[call] == "true"))
        .collect();
    assert_eq!(against.len(), 6);
    assert_eq!(against.iter().filter(|r| r[dec] == "keep").count(), 3);

    // eval counts the decisions as labels and the overrides.
    let out = run(&[
        "eval",
        file.to_str().unwrap(),
        "--model",
        b,
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["from_decisions"].as_u64(), v["overrides"].as_u64()),
        (Some(7), Some(6)),
        "{v}"
    );

    // Retrained with the downloaded decisions, every overridden comment moves towards
    // the moderator: lower when kept, higher when removed.
    let fixed = dir.path().join("fixed.json");
    train_small(
        &fixed,
        &[fils, file.to_str().unwrap()],
        &["--decisions-weight", "20"],
    );
    let texts: Vec<String> = against.iter().map(|r| r[text].clone()).collect();
    let before = probabilities(dir.path(), &base, &texts);
    let after = probabilities(dir.path(), &fixed, &texts);
    for (i, r) in against.iter().enumerate() {
        eprintln!(
            "{} {:?}: {:.4} -> {:.4}",
            r[dec], r[text], before[i], after[i]
        );
        if r[dec] == "keep" {
            assert!(
                after[i] < before[i],
                "kept {:?}: {} -> {}",
                r[text],
                before[i],
                after[i]
            );
        } else {
            assert!(
                after[i] > before[i],
                "removed {:?}: {} -> {}",
                r[text],
                before[i],
                after[i]
            );
        }
    }
}
