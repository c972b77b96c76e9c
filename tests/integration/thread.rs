//! Integration tests for `tamis thread`: the fixtures under `tests/fixtures/` (our own
//! text, one per layout trap) with trees written out by hand, bad input, and the seeds
//! (ignored by default: they live in `../shared`).

use crate::common::{root, run, run_stdin, stderr, stdout, tempdir, write};
use serde_json::Value;

/// (index, parent, depth, author, text) of every comment, text whitespace-normalised.
type Row = (u64, Option<u64>, u64, Option<String>, String);

fn tree(path: &str) -> (String, Vec<Row>, Value) {
    let out = run(&["thread", path, "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let rows = v["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["index"].as_u64().unwrap(),
                c["parent"].as_u64(),
                c["depth"].as_u64().unwrap(),
                c["author"].as_str().map(String::from),
                c["text"]
                    .as_str()
                    .unwrap()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        })
        .collect();
    (v["structure"].as_str().unwrap().to_string(), rows, v)
}

fn fixture(name: &str) -> String {
    root()
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

fn r(i: u64, p: Option<u64>, d: u64, a: Option<&str>, t: &str) -> Row {
    (i, p, d, a.map(String::from), t.to_string())
}

#[test]
fn wordpress_author_and_date_lines() {
    let (s, rows, v) = tree(&fixture("wp_authors.txt"));
    assert_eq!(s, "nested");
    assert_eq!(
        rows,
        vec![
            r(1, None, 0, Some("Jean-Marc"), "Enfin une bonne nouvelle pour les familles. Ma fille dit : « ça sera meilleur ? » On verra."),
            r(2, Some(1), 1, Some("Sylvie R."), "Meilleur, je demande à voir."),
            r(3, None, 0, Some("Pascal"), "Le prix du repas augmente encore de 20 centimes."),
        ]
    );
    let c = &v["comments"][0];
    assert_eq!(c["date"], "2025-08-12T14:03:00");
    assert_eq!(c["date_raw"], "12 août 2025 à 14 h 03 min");
    assert_eq!(v["comments"][2]["date"], "2025-08-13T09:05:00");
    // The article is kept, the header and what follows the footer are not.
    let article = v["article"].as_str().unwrap();
    assert!(article.contains("budget des cantines scolaires"));
    assert!(!article.contains("réflexions"));
}

#[test]
fn english_wordpress_layout() {
    let (s, rows, v) = tree(&fixture("wp_english.txt"));
    assert_eq!(s, "nested");
    assert_eq!(
        rows,
        vec![
            r(
                1,
                None,
                0,
                Some("Alice Martin"),
                "Long overdue, in my opinion."
            ),
            r(
                2,
                Some(1),
                1,
                Some("Bob"),
                "Agreed, but the price keeps rising."
            ),
        ]
    );
    assert_eq!(v["comments"][0]["date"], "2025-08-12T14:03:00");
    assert_eq!(v["comments"][1]["date"], "2025-08-12T15:15:00");
}

fn roadworks() -> Vec<Row> {
    vec![
        r(
            1,
            None,
            0,
            None,
            "Encore des travaux, la rue est bloquée depuis des mois.",
        ),
        r(
            2,
            Some(1),
            1,
            None,
            "C'est pour les canalisations, c'était annoncé.",
        ),
        r(3, None, 0, None, "Qui paie la facture ?"),
        r(
            4,
            Some(3),
            1,
            None,
            "La métropole, d'après le bulletin municipal.",
        ),
    ]
}

#[test]
fn crlf_and_bom() {
    let (s, rows, v) = tree(&fixture("crlf_bom.txt"));
    assert_eq!(s, "nested");
    assert_eq!(rows, roadworks());
    // Spans index the bytes as read: BOM and CRLF included.
    let bytes = std::fs::read(fixture("crlf_bom.txt")).unwrap();
    let c = &v["comments"][0];
    let (a, b) = (
        c["span"][0].as_u64().unwrap() as usize,
        c["span"][1].as_u64().unwrap() as usize,
    );
    let got = String::from_utf8(bytes[a..b].to_vec()).unwrap();
    assert!(got.starts_with("1. Encore des travaux"), "{got}");
    assert!(got.ends_with("depuis des mois."), "{got}");
}

#[test]
fn cr_only_line_endings() {
    let (s, rows, _) = tree(&fixture("cr_only.txt"));
    assert_eq!(s, "nested");
    assert_eq!(rows, roadworks());
}

#[test]
fn deep_levels_tabs_nbsp_and_two_digit_numbers() {
    let (_, rows, _) = tree(&fixture("deep_levels.txt"));
    assert_eq!(rows.len(), 15);
    let shape: Vec<(u64, Option<u64>, u64)> = rows.iter().map(|r| (r.0, r.1, r.2)).collect();
    let mut expected = vec![
        (1, None, 0),
        (2, None, 0),
        (3, Some(2), 1),
        (4, Some(3), 2),
        (5, Some(4), 3),
        (6, Some(2), 1),
    ];
    // Top-level comments 3 to 11 (" 10." is indented one space less than "  9.").
    expected.extend((7..=15).map(|i| (i, None, 0)));
    assert_eq!(shape, expected);
    assert_eq!(rows[14].4, "Commentaire numéro 11 sur le match.");
}

#[test]
fn lists_and_repondre_inside_bodies_and_unclosed_last_comment() {
    let (_, rows, _) = tree(&fixture("body_traps.txt"));
    assert_eq!(
        rows,
        vec![
            r(1, None, 0, None, "Ce qu'il faut savoir : 1. la ligne 4 disparaît ; 2. la ligne 7 passe toutes les 20 minutes. - les tarifs ne bougent pas Je ne sais pas quoi répondre à ceux qui trouvent ça bien."),
            r(2, Some(1), 1, None, "*ouilles de mammouth, quelle histoire."),
            r(3, None, 0, None, "Le dernier commentaire n'a pas de bouton. Ma fille dit : elle prendra le vélo."),
        ]
    );
}

#[test]
fn flat_dump_with_inferred_quote() {
    let (s, rows, v) = tree(&fixture("flat_quote.txt"));
    assert_eq!(s, "flat");
    let shape: Vec<(u64, Option<u64>, u64)> = rows.iter().map(|r| (r.0, r.1, r.2)).collect();
    assert_eq!(
        shape,
        vec![(1, None, 0), (2, None, 0), (3, Some(1), 1), (4, None, 0)]
    );
    assert_eq!(v["comments"][2]["inferred"], true);
    assert_eq!(v["comments"][1]["inferred"], false);
}

#[test]
fn bulleted_menu_is_not_comments() {
    let out = run(&["thread", &fixture("menu_none.txt"), "--format", "json"]);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["structure"], "none");
    assert_eq!(v["comments"].as_array().unwrap().len(), 0);
    assert!(v["article"].as_str().unwrap().contains("marché de Noël"));
    assert!(stderr(&out).contains("no comments found"));
}

#[test]
fn dashes_and_comment_header_without_numbers() {
    let (_, rows, _) = tree(&fixture("dash_header.txt"));
    let shape: Vec<(u64, Option<u64>, u64)> = rows.iter().map(|r| (r.0, r.1, r.2)).collect();
    assert_eq!(shape, vec![(1, None, 0), (2, Some(1), 1), (3, None, 0)]);
}

#[test]
fn invalid_utf8_warns_once_with_offset() {
    let path = fixture("invalid_utf8.txt");
    let bytes = std::fs::read(&path).unwrap();
    let bad = bytes.iter().position(|&b| b == 0xff).unwrap();
    let out = run(&["thread", &path, "--format", "json"]);
    assert!(out.status.success());
    let err = stderr(&out);
    assert_eq!(err.matches("invalid UTF-8").count(), 1, "{err}");
    assert!(err.contains(&format!("byte offset {bad}")), "{err}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["comments"].as_array().unwrap().len(), 2);
    // The span after the bad bytes still points at the original bytes.
    let c = &v["comments"][1];
    let (a, b) = (
        c["span"][0].as_u64().unwrap() as usize,
        c["span"][1].as_u64().unwrap() as usize,
    );
    assert_eq!(&bytes[a..b], "2. Second avis.".as_bytes());
}

#[test]
fn stdin_and_text_format() {
    let page = std::fs::read(fixture("crlf_bom.txt")).unwrap();
    let out = run_stdin(&["thread", "-"], &page);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("nested, 4 comments"), "{text}");
    assert!(
        text.contains("\n  2. C'est pour les canalisations"),
        "{text}"
    );
}

#[test]
fn bad_inputs_are_one_line_errors() {
    let dir = tempdir();
    let missing = dir.path().join("absent.txt");
    let out = run(&["thread", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("absent.txt"), "{err}");

    let out = run(&["thread", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is a directory"));

    let bin = write(dir.path(), "page.bin", b"abc\0def");
    let out = run(&["thread", bin.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("page.bin") && err.contains("not a text page"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);

    let empty = write(dir.path(), "empty.txt", b"");
    let out = run(&["thread", empty.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("no comments found"));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["structure"], "none");

    let out = run(&["thread"]);
    assert_eq!(out.status.code(), Some(2), "usage error");
}

/// The seed pages of `../shared/seeds` against their labels (needs `../shared`).
#[test]
#[ignore]
fn seeds_match_labels() {
    let shared = std::env::var("TAMIS_SHARED").unwrap_or_else(|_| "../shared".into());
    let seeds = root().join(&shared).join("seeds");
    let labels = std::fs::read_to_string(seeds.join("labels.csv")).expect("labels.csv");
    let mut rdr = csv::Reader::from_reader(labels.as_bytes());
    let mut expected: std::collections::BTreeMap<String, Vec<(u64, Option<u64>, String)>> =
        Default::default();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let norm = rec[5].split_whitespace().collect::<Vec<_>>().join(" ");
        expected.entry(rec[0].to_string()).or_default().push((
            rec[1].parse().unwrap(),
            rec[2].parse().ok(),
            norm,
        ));
    }
    for (seed, rows) in &expected {
        let (_, got, _) = tree(&seeds.join(seed).display().to_string());
        let got: Vec<(u64, Option<u64>, String)> =
            got.into_iter().map(|r| (r.0, r.1, r.4)).collect();
        assert_eq!(&got, rows, "{seed}");
    }
    assert_eq!(expected["000_d5a166ec5b04d8bf.txt"].len(), 28);
    for none in [
        "002_b38e9bd0a2cac8ca.txt",
        "003_7015e09a4b3c28bd.txt",
        "004_088c5f029d7dcfe4.txt",
    ] {
        let (s, rows, _) = tree(&seeds.join(none).display().to_string());
        assert_eq!((s.as_str(), rows.len()), ("none", 0), "{none}");
    }
}
