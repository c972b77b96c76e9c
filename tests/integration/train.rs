//! Integration tests for `tamis train` and `tamis eval`: a small model trained on one
//! corpus section (with few hash bits so the debug build stays fast), reproducibility,
//! the queue round trip, refused models and bad labels.

use crate::common::{root, run, stderr, stdout, tempdir, write};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn corpus(name: &str) -> String {
    root().join("data/corpus").join(name).display().to_string()
}

/// `tamis train` with two folds and 256 hashed buckets (fast in a debug build).
pub(crate) fn train(out: &Path, extra: &[&str]) -> std::process::Output {
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

/// The model most tests start from (`fils.csv`, 2 folds, 8 hash bits) and the metrics
/// table its training printed. Trained once per test binary: five tests used to train
/// this same model each, most of the integration stage's time in a debug build.
fn base_model() -> &'static (PathBuf, String) {
    static BASE: OnceLock<(PathBuf, String)> = OnceLock::new();
    BASE.get_or_init(|| {
        // One fixed file, rewritten by each run: training is deterministic and `train`
        // writes atomically, so two concurrent runs write the same bytes, and no file
        // per run piles up (a static is never dropped, so a temp dir would stay too).
        let p = Path::new(env!("CARGO_TARGET_TMPDIR")).join("base_fils.json");
        let out = train(&p, &[&corpus("fils.csv")]);
        assert!(out.status.success(), "{}", stderr(&out));
        (p, stdout(&out))
    })
}

#[test]
fn trains_evaluates_and_reproduces_byte_for_byte() {
    let dir = tempdir();
    let (a, table) = base_model();
    let b = dir.path().join("b.json");
    let fils = corpus("fils.csv");
    // Cross-validated metrics for every label are printed.
    let table = table.clone();
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
        std::fs::read(a).unwrap(),
        std::fs::read(&b).unwrap(),
        "same data and seed, same bytes"
    );

    let m: Value = serde_json::from_slice(&std::fs::read(a).unwrap()).unwrap();
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
    let base = base_model().0.as_path();
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
    let out = train(&fixed, &[&fils, queue.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 without decision or label skipped"),
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
    let (before, after) = (score(base), score(&fixed));
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
    let m = &base_model().0;
    let mut v: Value = serde_json::from_slice(&std::fs::read(m).unwrap()).unwrap();
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

/// Comments for the queue round trip: a few plain insults and threats the base model
/// flags, and everyday remarks it lets through.
const LOOP_COMMENTS: &str = "id,text
c1,Espèce de connard tu comprends rien à rien
c2,Ce maire est un abruti fini et un menteur
c3,T'es qu'une ordure je vais te retrouver
c4,Bande de crétins vous avez ruiné la ville
c5,Va te faire voir sale imbécile
c6,Le conseil municipal se réunit jeudi à 18 heures
c7,La piscine rouvre après trois mois de travaux
c8,Merci pour l'article très clair sur le budget
c9,Le marché du samedi déménage place de la Halle
c10,Les horaires du bus 12 changent en septembre
c11,\"Quel abruti ce Gontran Vasseur, il devrait démissionner\"
c12,La bibliothèque prolonge ses horaires le mercredi
";

/// Cells of a CSV as rows of named fields.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let headers = rdr.headers().unwrap().iter().map(String::from).collect();
    let rows = rdr
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (headers, rows)
}

/// The probability each text gets from a model.
fn scores(dir: &Path, model: &Path, texts: &[String]) -> Vec<f64> {
    let mut table = String::from("id,text\n");
    for (i, t) in texts.iter().enumerate() {
        table += &format!("p{i},\"{}\"\n", t.replace('"', "\"\""));
    }
    let probe = write(dir, "probe.csv", table.as_bytes());
    let out = run(&[
        "score",
        probe.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
        "--format",
        "jsonl",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["score"]
                .as_f64()
                .unwrap()
        })
        .collect()
}

#[test]
fn decisions_against_the_model_retrain_it_the_right_way() {
    let dir = tempdir();
    let base = base_model().0.clone();
    let fixed = dir.path().join("fixed.json");
    let fils = corpus("fils.csv");
    let comments = write(dir.path(), "comments.csv", LOOP_COMMENTS.as_bytes());
    let queue = dir.path().join("queue.csv");
    let out = run(&[
        "queue",
        comments.to_str().unwrap(),
        "--all",
        "--model",
        base.to_str().unwrap(),
        "--out",
        queue.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));

    // The moderator overrides the model both ways: keeps three comments it flagged and
    // removes three it let through; the rest stay undecided.
    let (headers, mut rows) = read_csv(&queue);
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (call, text, decision) = (col("tamis_review"), col("text"), col("decision"));
    assert!(
        !headers.iter().any(|h| h == "review" || h == "score"),
        "the model's columns must not look like labels: {headers:?}"
    );
    let flagged: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i][call] == "true")
        .collect();
    let passed: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i][call] == "false")
        .collect();
    assert!(
        flagged.len() >= 3 && passed.len() >= 3,
        "the base model should flag some and pass some: {rows:?}"
    );
    let kept = &flagged[..3];
    let removed = &passed[..3];
    for &i in kept {
        rows[i][decision] = "keep".into();
    }
    for &i in removed {
        rows[i][decision] = "Supprimer".into();
    }
    let mut w = csv::Writer::from_path(&queue).unwrap();
    w.write_record(&headers).unwrap();
    for r in &rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
    drop(w);

    let out = train(&fixed, &[&fils, queue.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("6 from moderator decisions (6 overriding the model's call)"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{} without decision or label skipped",
            rows.len() - 6
        )),
        "{err}"
    );

    let texts =
        |idx: &[usize]| -> Vec<String> { idx.iter().map(|&i| rows[i][text].clone()).collect() };
    let (k_before, k_after) = (
        scores(dir.path(), &base, &texts(kept)),
        scores(dir.path(), &fixed, &texts(kept)),
    );
    let (r_before, r_after) = (
        scores(dir.path(), &base, &texts(removed)),
        scores(dir.path(), &fixed, &texts(removed)),
    );
    for i in 0..3 {
        assert!(
            k_after[i] < k_before[i],
            "kept comment {:?} should score lower: {} -> {}",
            texts(kept)[i],
            k_before[i],
            k_after[i]
        );
        assert!(
            r_after[i] > r_before[i],
            "removed comment {:?} should score higher: {} -> {}",
            texts(removed)[i],
            r_before[i],
            r_after[i]
        );
    }

    // eval on the filled queue takes the decisions as labels and counts the overrides.
    let out = run(&[
        "eval",
        queue.to_str().unwrap(),
        "--model",
        base.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rows"], 6);
    assert_eq!(v["from_decisions"], 6);
    assert_eq!(v["overrides"], 6);
    // Every decision went against the base model: it gets every one of them wrong.
    let c = &v["labels"][0]["confusion"];
    assert_eq!(
        (c["tp"].as_u64(), c["tn"].as_u64()),
        (Some(0), Some(0)),
        "{v}"
    );
    assert_eq!(
        (c["fp"].as_u64(), c["fn"].as_u64()),
        (Some(3), Some(3)),
        "{v}"
    );
}

#[test]
fn a_queue_without_decisions_is_not_a_labelled_table() {
    // The model's own calls are never labels: a queue nobody decided trains nothing.
    let dir = tempdir();
    let q = write(
        dir.path(),
        "q.csv",
        "rank,key,tamis_review,tamis_score,tamis_reasons,text\n1,k1,true,0.9,insult,Toi le nul\n"
            .as_bytes(),
    );
    let out = train(&dir.path().join("m.json"), &[q.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("needs a `decision` column"),
        "{}",
        stderr(&out)
    );
    // An older queue (columns `review`, `score`, `reason_scores`) is read the same way:
    // its `review` column is the model's call, the decision is the label.
    let old = write(
        dir.path(),
        "old.csv",
        "rank,key,review,score,reasons,reason_scores,text,decision\n\
         1,k1,true,0.9,insult,insult:0.9,Toi le nul,keep\n\
         2,k2,false,0.1,,,Bonjour,\n"
            .as_bytes(),
    );
    let out = run(&["eval", old.to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["rows"].as_u64(), v["overrides"].as_u64()),
        (Some(1), Some(1)),
        "{v}"
    );
    assert_eq!(v["skipped"], 1);
}
