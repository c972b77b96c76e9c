//! Tests of the whole feature stage: curated must-match / must-not-match files with their
//! recall and false-positive figures, the seed labels (ignored: needs ../shared), and a
//! property test that no input panics and every span is exact.

use super::*;
use proptest::prelude::*;

fn params() -> FeatureValidParams {
    FeatureParams::default().check().unwrap()
}

fn curated(name: &str) -> Vec<String> {
    let path = format!("{}/tests/features/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// Detectors that count as "this comment was caught" for the curated files.
const OFFENSIVE: [&str; 5] = ["insult", "hate", "profanity", "masked_slur", "threat"];

fn fires(d: &Detection) -> bool {
    let s = d.scores;
    s.insult >= 0.5 || s.masked_slur >= 0.5 || s.hate >= 0.5 || s.threat >= 0.5
}

#[test]
fn curated_recall_and_false_positives() {
    let mut misses = Vec::new();
    let lines = curated("must_match.txt");
    assert!(
        lines.len() >= 150,
        "must_match.txt has {} lines",
        lines.len()
    );
    for line in &lines {
        let (want, text) = line.split_once('\t').expect("term<TAB>text");
        let want = normalize::fold(want);
        let d = detect(text);
        let hit = d.evidence.iter().any(|e| {
            let t = normalize::fold(&e.term);
            OFFENSIVE.contains(&e.detector.as_str())
                // Gender and number forms of the expected term count too.
                && (t == want
                    || t.split(' ').any(|w| w == want)
                    || (t.starts_with(&want) && t.len() <= want.len() + 2))
        });
        if !hit {
            misses.push(format!("{want}\t{text}\t{:?}", normalized_text(text)));
        }
    }
    let mut fps = Vec::new();
    let clean = curated("must_not_match.txt");
    assert!(
        clean.len() >= 100,
        "must_not_match.txt has {} lines",
        clean.len()
    );
    for text in &clean {
        let d = detect(text);
        if fires(&d)
            || d.evidence
                .iter()
                .any(|e| e.detector == "insult" && d.scores.insult >= 0.5)
        {
            fps.push(format!("{text}\t{:?}", d.scores));
        }
    }
    let recall = 1.0 - misses.len() as f64 / lines.len() as f64;
    let fp = fps.len() as f64 / clean.len() as f64;
    println!(
        "curated: recall {:.3} ({}/{}), false positives {:.3} ({}/{})",
        recall,
        lines.len() - misses.len(),
        lines.len(),
        fp,
        fps.len(),
        clean.len()
    );
    for m in &misses {
        println!("MISS\t{m}");
    }
    for f in &fps {
        println!("FP\t{f}");
    }
    assert!(recall >= 0.95, "recall {recall:.3} < 0.95");
    assert!(fp <= 0.02, "false positives {fp:.3} > 0.02");
}

/// The accusation detector on its own labelled set (unsourced accusations vs sourced
/// reporting, counter-speech, criticism and ordinary uses of the same words).
#[test]
fn accusation_eval() {
    let (mut tp, mut fnn, mut fp, mut tn) = (0, 0, 0, 0);
    for line in curated("accusation_eval.tsv") {
        let (label, text) = line.split_once('\t').expect("label<TAB>text");
        let fired = detect(text).scores.accusation >= 0.5;
        match (label == "1", fired) {
            (true, true) => tp += 1,
            (true, false) => {
                fnn += 1;
                println!("MISS\t{text}");
            }
            (false, true) => {
                fp += 1;
                println!("FP\t{text}");
            }
            (false, false) => tn += 1,
        }
    }
    let recall = tp as f64 / (tp + fnn) as f64;
    let fpr = fp as f64 / (fp + tn) as f64;
    println!(
        "accusation: recall {recall:.2} ({tp}/{}), false positives {fpr:.2} ({fp}/{})",
        tp + fnn,
        fp + tn
    );
    assert!(recall >= 0.8, "accusation recall {recall:.2}");
    assert!(fpr <= 0.1, "accusation false positives {fpr:.2}");
}

#[test]
fn engineered_has_every_name() {
    let fv = extract(
        "Gaspard Morlaix est un connard !",
        &Context::default(),
        &params(),
    );
    assert_eq!(fv.engineered.len(), ENGINEERED.len());
    assert!((50..=70).contains(&ENGINEERED.len()));
    assert!(
        ENGINEERED.iter().all(|n| !n.is_empty()),
        "every name filled"
    );
    let mut names: Vec<_> = ENGINEERED.to_vec();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), ENGINEERED.len(), "duplicate names");
    let at = |n: &str| fv.engineered[ENGINEERED.iter().position(|x| *x == n).unwrap()];
    assert!(at("det_insult") > 0.8);
    assert_eq!(at("exclamations"), 1.0);
    assert_eq!(at("is_reply"), 0.0);
}

#[test]
fn context_features() {
    let parent = "Le Parti de l'Élan a encore perdu les élections municipales hier soir.";
    let ps = detect("Quel connard ce Morlaix").scores;
    let ctx = Context {
        depth: 2,
        parent_text: Some(parent),
        parent_scores: Some(&ps),
        flagged_siblings: 3,
    };
    let fv = extract(
        "« a encore perdu les élections municipales » : tu te moques de nous ?",
        &ctx,
        &params(),
    );
    let at = |n: &str| fv.engineered[ENGINEERED.iter().position(|x| *x == n).unwrap()];
    assert_eq!(at("quotes_parent"), 1.0);
    assert_eq!(at("depth"), 2.0);
    assert_eq!(at("is_reply"), 1.0);
    assert_eq!(at("flagged_siblings"), 3.0);
    assert!(at("parent_insult") > 0.5);
    assert_eq!(at("reply_second_person"), 1.0);
    let alone = extract("Rien à voir avec le sujet du jour.", &ctx, &params());
    assert_eq!(
        alone.engineered[ENGINEERED
            .iter()
            .position(|x| *x == "quotes_parent")
            .unwrap()],
        0.0
    );
}

#[test]
fn hashed_is_sorted_and_in_range() {
    let p = params();
    let fv = extract(
        "Gaspard Morlaix, ce c0nnard, a touché un pot-de-vin.",
        &Context::default(),
        &p,
    );
    assert!(fv.hashed.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(fv.hashed.iter().all(|&(b, _)| (b as usize) < p.buckets()));
    assert_eq!(lexicon_checksum(), lexicon_checksum());
    assert!(lexicon_checksum().starts_with("fnv1a64:"));
}

#[test]
fn regression_seed_masked_examples() {
    // The comments of issue 3: fout**t**r de m***e, *ouilles, C+0+N+S.
    let d = detect("Gros bouzin, trump gros fout**t**r de m***e !");
    assert!(d
        .evidence
        .iter()
        .any(|e| e.detector == "masked_slur" && e.text == "m***e"));
    let d = detect("il finira pendu par les *ouilles à la plus haute branche");
    assert!(d.scores.threat > 0.9);
    assert!(d.evidence.iter().any(|e| e.text == "*ouilles"));
}

fn check_spans(text: &str, d: &Detection) {
    for e in &d.evidence {
        assert!(e.start <= e.end && e.end <= text.len(), "{e:?}");
        assert!(
            text.is_char_boundary(e.start) && text.is_char_boundary(e.end),
            "{e:?}"
        );
        assert_eq!(&text[e.start..e.end], e.text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn no_input_panics_and_spans_are_exact(text in "\\PC{0,80}") {
        let d = detect(&text);
        check_spans(&text, &d);
        let fv = extract(&text, &Context { parent_text: Some(&text), ..Context::default() }, &params());
        check_spans(&text, &fv.detection);
        for s in [d.scores.insult, d.scores.masked_slur, d.scores.hate, d.scores.threat, d.scores.accusation, d.scores.profanity] {
            prop_assert!((0.0..=1.0).contains(&s));
        }
    }

    #[test]
    fn disguise_alphabet_never_panics(text in "[a-zA-Z0-9 .*#_+@$€\u{200b}\u{ad}оаеёÉéŒœ«»\"'’-]{0,60}") {
        let d = detect(&text);
        check_spans(&text, &d);
    }
}

/// Per reason, how many labelled seed comments the detectors fire on (score ≥ 0.5), and
/// how many fires hit comments without that reason. Needs ../shared (TAMIS_SHARED).
#[test]
#[ignore]
fn seed_labels_per_reason() {
    let shared = std::env::var("TAMIS_SHARED").unwrap_or_else(|_| "../shared".into());
    let path = format!("{shared}/seeds/labels.csv");
    let mut rdr = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let h = rdr.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (rc, tc) = (col("reasons"), col("text"));
    // reason → (labelled, fired on labelled, false fires)
    let mut table = [(0usize, 0usize, 0usize); 5];
    let mut rows = 0;
    for rec in rdr.records() {
        let rec = rec.unwrap();
        rows += 1;
        let reasons: Vec<&str> = rec[rc].split('|').filter(|s| !s.is_empty()).collect();
        let s = detect(&rec[tc]).scores;
        let got = [s.insult, s.masked_slur, s.accusation, s.hate, s.threat];
        for (i, r) in REASONS.iter().enumerate() {
            let labelled = reasons.contains(r);
            let fired = got[i] >= 0.5;
            table[i].0 += labelled as usize;
            table[i].1 += (labelled && fired) as usize;
            table[i].2 += (!labelled && fired) as usize;
            if labelled != fired {
                let t: String = rec[tc].chars().take(90).collect();
                println!(
                    "{} {r} {:.2}\t{t}",
                    if fired { "FALSE" } else { "MISS " },
                    got[i]
                );
            }
        }
    }
    println!("seed labels: {rows} comments");
    println!(
        "{:<12} {:>9} {:>7} {:>12}",
        "reason", "labelled", "fired", "false fires"
    );
    for (i, r) in REASONS.iter().enumerate() {
        let (l, f, ff) = table[i];
        println!("{r:<12} {l:>9} {f:>7} {ff:>12}");
    }
}

#[test]
fn frames_are_described_in_words() {
    let d = super::describe_frames(
        "Ceux qui disent que les Arabes sont des sauvages devraient avoir honte.",
    );
    assert!(
        d.targets
            .iter()
            .any(|t| t == "groupe protégé « Arabes » (origin)"),
        "{d:?}"
    );
    assert!(
        !d.targets.iter().any(|t| t.starts_with("personne nommée")),
        "{d:?}"
    );
    assert!(
        d.frames.iter().any(|f| f.starts_with("contre-discours")),
        "{d:?}"
    );
    let d = super::describe_frames("Selon le parquet, Gaspard Morlaix est mis en examen.");
    assert_eq!(d.source, "court");
    assert!(
        d.targets
            .iter()
            .any(|t| t == "personne nommée « Gaspard Morlaix »"),
        "{d:?}"
    );
    let d = super::describe_frames("Je sais où tu gares ta voiture, Gaspard.");
    assert!(
        d.targets.contains(&"deuxième personne".to_string()),
        "{d:?}"
    );
    assert!(
        d.frames
            .iter()
            .any(|f| f.starts_with("formule de menace voilée")),
        "{d:?}"
    );
}

/// Steps of the feature stage's inner loops (`work::tick`) to extract `text`, replying
/// to `parent` when given.
fn work_for(text: &str, parent: Option<&str>) -> u64 {
    let ctx = Context {
        depth: parent.map_or(0, |_| 1),
        parent_text: parent,
        ..Context::default()
    };
    work::take();
    let fv = extract(text, &ctx, &params());
    assert_eq!(fv.engineered.len(), ENGINEERED.len());
    work::take()
}

/// Each input was quadratic before issue 12 (a scan restarted from every position, or
/// every hit checked against every other): from `n` to `4n` repetitions the counted work
/// must grow about 4×, not 16×.
#[test]
fn feature_work_grows_linearly_on_inputs_that_were_quadratic() {
    type Make = fn(usize) -> (String, Option<String>);
    let cases: [(&str, Make); 9] = [
        ("leet run", |n| (format!("c{}n", "0".repeat(n)), None)),
        ("digit split chain", |n| ("1.".repeat(n), None)),
        ("dot run after a letter", |n| {
            (format!("a{} b", ".".repeat(n)), None)
        }),
        ("star run", |n| (format!("m{}e", "*".repeat(n)), None)),
        ("masked chain", |n| ("c*o*n*n*a*r*d*".repeat(n), None)),
        ("insults in one sentence", |n| {
            ("espèce de connard et de salope ".repeat(n), None)
        }),
        ("threats in one sentence", |n| {
            ("je vais te buter pendant le match ".repeat(n), None)
        }),
        ("accusations and names", |n| {
            (
                "Gaston Morlaix a volé et détourné des fonds puis ".repeat(n),
                None,
            )
        }),
        ("quotes of the parent", |n| {
            (
                "« la piscine est fermée » ".repeat(n),
                Some("Bonjour, la piscine est fermée depuis lundi. ".repeat(n)),
            )
        }),
    ];
    for (name, make) in cases {
        let (small, sp) = make(500);
        let (large, lp) = make(2000);
        let (a, b) = (
            work_for(&small, sp.as_deref()),
            work_for(&large, lp.as_deref()),
        );
        eprintln!("{name}: {a} -> {b}");
        assert!(a > 0, "{name}: no counted work");
        assert!(
            b <= a * 5,
            "{name}: work {a} at 500 repetitions, {b} at 2000 (quadratic?)"
        );
    }
}

#[test]
fn long_comments_are_read_in_windows_with_exact_spans() {
    let unit = "Ce connard de Gaston a encore volé la caisse du club, quelle m***e ! ";
    let text = unit.repeat(3 * MAX_COMMENT_BYTES / unit.len());
    assert!(is_long(&text));
    let ws: Vec<(usize, &str)> = windows(&text).collect();
    assert!(ws.len() >= 3, "{} windows", ws.len());
    let mut at = 0;
    for &(off, w) in &ws {
        assert_eq!(off, at, "windows are consecutive");
        assert!(!w.is_empty() && w.len() <= MAX_COMMENT_BYTES);
        // Cut after a space: no word is split.
        assert!(off == 0 || text[..off].ends_with(' '));
        at += w.len();
    }
    assert_eq!(at, text.len(), "windows cover the text");

    let fv = extract(&text, &Context::default(), &params());
    assert_eq!(fv.engineered.len(), ENGINEERED.len());
    let one = extract(ws[0].1, &Context::default(), &params());
    // Scores: the strongest window; counts: summed over windows.
    assert_eq!(fv.detection.scores, one.detection.scores);
    let n_insult = ENGINEERED.iter().position(|n| *n == "n_insult").unwrap();
    assert!(fv.engineered[n_insult] > 2.0 * one.engineered[n_insult]);
    // Evidence in the whole text's offsets; this dense text has thousands of hits, and
    // each detector keeps its first `MAX_WINDOW_EVIDENCE`.
    for e in &fv.detection.evidence {
        assert_eq!(&text[e.start..e.end], e.text);
    }
    let insults = fv
        .detection
        .evidence
        .iter()
        .filter(|e| e.detector == "insult")
        .count();
    assert_eq!(insults, MAX_WINDOW_EVIDENCE);
    let d = detect(&text);
    assert_eq!(d.scores, fv.detection.scores);
    assert_eq!(d.evidence.len(), fv.detection.evidence.len());

    // Sparse hits: evidence from every window.
    let filler = "Le conseil a voté le budget de la piscine sans débat particulier. ";
    let sparse = format!("{}Ce connard de Gaston ! ", filler.repeat(40))
        .repeat(3 * MAX_COMMENT_BYTES / (41 * filler.len()));
    let fv = extract(&sparse, &Context::default(), &params());
    let ws: Vec<(usize, &str)> = windows(&sparse).collect();
    assert!(ws.len() >= 3);
    for &(off, w) in &ws {
        assert!(
            fv.detection
                .evidence
                .iter()
                .any(|e| e.start >= off && e.end <= off + w.len()),
            "no evidence from the window at {off}"
        );
    }
}
