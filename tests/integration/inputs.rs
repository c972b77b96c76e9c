//! Integration tests for the inputs moderators have: saved HTML pages (WordPress core,
//! older `cite.fn`, Twenty Twenty, block themes, generic markup), WordPress WXR and
//! Disqus exports, pages in other encodings, pastes and platform dumps, long numbered
//! threads and endless inputs. Trees are written out by hand.

use crate::common::{root, run, run_stdin, stderr, stdout, tempdir, write};
use serde_json::Value;

/// (index, parent, depth, author, text) of a comment.
type Row = (u64, Option<u64>, u64, Option<String>, String);

fn r(i: u64, p: Option<u64>, d: u64, a: Option<&str>, t: &str) -> Row {
    (i, p, d, a.map(String::from), t.to_string())
}

fn fixture(name: &str) -> String {
    root()
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

fn rows(v: &Value) -> Vec<Row> {
    v["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["index"].as_u64().unwrap(),
                c["parent"].as_u64(),
                c["depth"].as_u64().unwrap(),
                c["author"].as_str().map(String::from),
                c["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Every thread `thread --format json` prints (one JSON object per line), and stderr.
fn threads(path: &str) -> (Vec<Value>, String) {
    let out = run(&["thread", path, "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    (v, stderr(&out))
}

fn one(path: &str) -> (Value, String) {
    let (mut v, err) = threads(path);
    assert_eq!(v.len(), 1, "one thread");
    (v.remove(0), err)
}

fn dates(v: &Value) -> Vec<(Option<String>, Option<String>)> {
    v["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["date"].as_str().map(String::from),
                c["date_raw"].as_str().map(String::from),
            )
        })
        .collect()
}

fn span_text(path: &str, c: &Value) -> String {
    let bytes = std::fs::read(path).unwrap();
    let s = c["span"][0].as_u64().unwrap() as usize;
    let e = c["span"][1].as_u64().unwrap() as usize;
    String::from_utf8_lossy(&bytes[s..e]).into_owned()
}

#[test]
fn html_wordpress_core() {
    let path = fixture("html/wp_core.html");
    let (v, err) = one(&path);
    assert_eq!(v["structure"], "nested");
    assert_eq!(
        rows(&v),
        vec![
            r(1, None, 0, Some("Gaëlle Morvandin"), "Enfin ! Les halles « rénovées » valent le détour.\nLe parking reste un problème.\nMerci aux commerçants."),
            r(2, Some(1), 1, Some("Firmin Crolles"), "Le parking ? Il y a 3 < 5 places, c’est vrai."),
            r(3, Some(2), 2, Some("Gaëlle Morvandin"), "Firmin, tu es un vrai guignol."),
            r(4, None, 0, Some("Hortense Valdeau"), "Qui a signé le contrat des travaux ?"),
        ]
    );
    assert_eq!(
        v["article"],
        "Après deux ans de travaux, la halle de Sorbiac accueille de nouveau ses maraîchers & fromagers.\nLe maire, Octave Lambrune, promet des horaires élargis le samedi."
    );
    assert_eq!(
        dates(&v)[0],
        (
            Some("2026-03-14T09:05:00".into()),
            Some("14 mars 2026 à 9 h 05 min".into())
        )
    );
    // Spans start at the comment element in the file.
    let c = &v["comments"][0];
    assert!(span_text(&path, c).starts_with("<li id=\"comment-101\""));
    assert!(span_text(&path, &v["comments"][3]).starts_with("<li id=\"comment-104\""));
    assert!(!stdout_has_furniture(&v));
    assert_eq!(err, "");
}

/// Scripts, navigation, share buttons and the comment form never reach a text.
fn stdout_has_furniture(v: &Value) -> bool {
    let all = v.to_string();
    [
        "faux",
        "commentReply",
        "Accueil",
        "Facebook",
        "Annuler",
        "Commentaire\"",
    ]
    .iter()
    .any(|w| all.contains(w))
}

#[test]
fn html_older_cite_fn() {
    let (v, _) = one(&fixture("html/wp_cite.html"));
    assert_eq!(
        rows(&v),
        vec![
            r(
                1,
                None,
                0,
                Some("Romuald Teissier"),
                "Très belle soirée, bravo aux bénévoles."
            ),
            r(
                2,
                Some(1),
                1,
                Some("Solène Abrivard"),
                "D’accord : on revient l’an prochain.\nAvec les enfants."
            ),
        ]
    );
    assert_eq!(dates(&v)[1].0.as_deref(), Some("2025-07-03T07:30:00"));
    assert_eq!(
        v["article"],
        "La fête a réuni trois cents personnes au bord du canal."
    );
}

#[test]
fn html_twenty_twenty() {
    let (v, _) = one(&fixture("html/twentytwenty.html"));
    assert_eq!(
        rows(&v),
        vec![
            r(
                1,
                None,
                0,
                Some("Lucien Pradoux"),
                "Courage aux sinistrés de la rue des Tanneurs."
            ),
            r(
                2,
                Some(1),
                1,
                Some("Maëlys Corbier"),
                "La digue promise en 2019 n’a jamais été construite."
            ),
            r(
                3,
                None,
                0,
                Some("Anatole Vigerie"),
                "Où donner des vêtements ?"
            ),
        ]
    );
    assert_eq!(
        v["article"],
        "La Lône est sortie de son lit dans la nuit de mardi.\nLes pompiers ont évacué vingt habitations."
    );
}

#[test]
fn html_block_theme() {
    let path = fixture("html/block_theme.html");
    let (v, _) = one(&path);
    assert_eq!(
        rows(&v),
        vec![
            r(
                1,
                None,
                0,
                Some("Théodore Quillac"),
                "4 % de plus alors que les fuites ne sont pas réparées."
            ),
            r(
                2,
                Some(1),
                1,
                Some("Inès Ferrandou"),
                "Les réparations sont prévues au printemps.\nVoir le compte rendu."
            ),
        ]
    );
    assert_eq!(dates(&v)[1].0.as_deref(), Some("2026-02-02T13:30:00"));
    assert!(span_text(&path, &v["comments"][1]).starts_with("<li id=\"comment-302\""));
}

#[test]
fn html_generic_reply_links() {
    let (v, _) = one(&fixture("html/generic.html"));
    assert_eq!(
        rows(&v),
        vec![
            r(
                1,
                None,
                0,
                Some("Basile Orcel"),
                "Encore un été sans bassin pour les enfants."
            ),
            r(
                2,
                Some(1),
                1,
                Some("Clémence Aubiat"),
                "Le lac de Sainte-Orne est à vingt minutes."
            ),
            r(
                3,
                None,
                0,
                Some("Didier Fonsalade"),
                "Travaux nécessaires,\nmais quel calendrier !"
            ),
        ]
    );
    assert_eq!(
        dates(&v)[0],
        (
            Some("2026-04-04T10:12:00".into()),
            Some("le 04/04/2026 à 10:12".into())
        )
    );
}

#[test]
fn html_without_comment_section() {
    let path = fixture("html/no_comments.html");
    let out = run(&["thread", &path, "--format", "json"]);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["structure"], "none");
    assert_eq!(v["comments"].as_array().unwrap().len(), 0);
    assert_eq!(
        v["article"],
        "La médiathèque ouvre de 10 h à 17 h du mardi au samedi."
    );
    let err = stderr(&out);
    assert!(
        err.contains(&path) && err.contains("no comment section"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn wxr_export_one_thread_per_post() {
    let path = fixture("export/wxr.xml");
    let (v, err) = threads(&path);
    assert_eq!(v.len(), 2);
    assert_eq!(v[0]["source"], format!("{path}#512"));
    assert_eq!(
        rows(&v[0]),
        vec![
            r(
                1,
                None,
                0,
                Some("Paulin Escoffier"),
                "Le bus 4 fait maintenant un détour de dix minutes."
            ),
            r(
                2,
                Some(1),
                1,
                Some("Rosine Delmar"),
                "Dix minutes ? Plutôt cinq.\nJe le prends tous les jours."
            ),
            r(
                3,
                Some(2),
                2,
                Some("Paulin Escoffier"),
                "Pas aux heures de pointe, Rosine."
            ),
            r(
                4,
                Some(3),
                3,
                Some("Rosine Delmar"),
                "Aux heures de pointe non plus & je maintiens."
            ),
            r(
                5,
                Some(4),
                4,
                Some("Ysaline Fourcade"),
                "Vous deux, arrêtez un peu."
            ),
            r(
                6,
                None,
                0,
                Some("Jordane Brisac"),
                "Je répondais au message effacé."
            ),
        ]
    );
    assert!(v[0]["comments"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["inferred"] == false));
    assert_eq!(dates(&v[0])[0].0.as_deref(), Some("2026-05-02T09:10:00"));
    assert_eq!(
        v[0]["article"],
        "Nouveau sens de circulation place des Tilleuls\nDepuis lundi, la place des Tilleuls est en sens unique.\nLes livreurs s'adaptent."
    );
    assert_eq!(
        rows(&v[1]),
        vec![r(1, None, 0, Some("Noémie Castagnet"), "On y sera !")]
    );
    let span = span_text(&path, &v[0]["comments"][1]);
    assert!(span.starts_with("<wp:comment>") && span.ends_with("</wp:comment>"));
    assert!(span.contains("<wp:comment_id>902</wp:comment_id>"));
    assert!(
        err.contains(&format!("{path}#512: 1 deleted and 1 spam posts left out")),
        "{err}"
    );
    assert!(
        err.contains("1 reply whose parent is missing or left out"),
        "{err}"
    );
}

#[test]
fn disqus_export_groups_posts_by_thread() {
    let path = fixture("export/disqus.xml");
    let (v, err) = threads(&path);
    assert_eq!(v.len(), 2);
    assert_eq!(v[0]["source"], format!("{path}#8001"));
    assert_eq!(v[0]["article"], "Parc éolien de la Crête Rousse");
    assert_eq!(
        rows(&v[0]),
        vec![
            r(
                1,
                None,
                0,
                Some("Gustave Roumanille"),
                "Les éoliennes se verront depuis tout le plateau."
            ),
            r(
                2,
                Some(1),
                1,
                Some("Armelle Tessonnière"),
                "Et alors ? On voit bien les pylônes."
            ),
            r(
                3,
                Some(2),
                2,
                Some("Gustave Roumanille"),
                "Les pylônes ne tournent pas."
            ),
            r(
                4,
                Some(3),
                3,
                Some("Armelle Tessonnière"),
                "Argument ridicule.\nVraiment."
            ),
            r(
                5,
                Some(4),
                4,
                Some("Modération"),
                "Restons courtois, merci."
            ),
            r(6, None, 0, Some("Léonce Barbazan"), "Oui, tout à fait."),
            r(7, None, 0, Some("Odile Maruéjols"), "Et le bruit la nuit ?"),
        ]
    );
    assert_eq!(
        rows(&v[1]),
        vec![r(1, None, 0, Some("Odile Maruéjols"), "Vivement samedi !")]
    );
    assert!(
        err.contains(&format!("{path}#8001: 1 deleted and 1 spam posts left out")),
        "{err}"
    );
    let span = span_text(&path, &v[0]["comments"][0]);
    assert!(span.starts_with("<post dsq:id=\"9001\">") && span.ends_with("</post>"));
}

#[test]
fn exports_are_scored_whole() {
    let out = run(&[
        "score",
        &fixture("export/disqus.xml"),
        &fixture("export/wxr.xml"),
        "--format",
        "jsonl",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let recs: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs.len(), 8 + 7);
    assert!(recs[0]["source"]
        .as_str()
        .unwrap()
        .ends_with("disqus.xml#8001"));
    assert!(recs[14]["source"]
        .as_str()
        .unwrap()
        .ends_with("wxr.xml#515"));
    // Keys stay distinct across the threads of one export.
    let mut keys: Vec<&str> = recs.iter().map(|r| r["key"].as_str().unwrap()).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), 15);
}

#[test]
fn truncated_and_malformed_exports_name_file_and_line() {
    let path = fixture("export/truncated.xml");
    let out = run(&["thread", &path]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(&path) && err.contains("at line 7"), "{err}");
    let dir = tempdir();
    let bad = write(
        dir.path(),
        "bad.xml",
        b"<?xml version=\"1.0\"?>\n<disqus>\n<post dsq:id=\"1\">\n<message>a</thread>\n</post>\n</disqus>\n",
    );
    let out = run(&["score", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("bad.xml: malformed XML export at line 4"),
        "{err}"
    );
}

const ENCODINGS: &[(&str, &str)] = &[
    ("page_utf8.txt", "UTF-8"),
    ("page_utf8_bom.txt", "UTF-8"),
    ("page_utf16le.txt", "UTF-16LE"),
    ("page_utf16be.txt", "UTF-16BE"),
    ("page_windows1252.txt", "windows-1252"),
    ("page_latin9.txt", "ISO-8859-15"),
];

#[test]
fn same_page_in_every_encoding_gives_the_same_tree() {
    let (reference, _) = one(&fixture("encoding/page_utf8.txt"));
    let expected = vec![
        r(
            1,
            None,
            0,
            Some("Évariste Calmèjane"),
            "Enfin une bonne nouvelle pour les producteurs de l'Aubrac.",
        ),
        r(
            2,
            Some(1),
            1,
            Some("Zoé Lancerotte"),
            "« Enfin » ? Ça fait dix ans qu'on attend, Évariste.",
        ),
        r(
            3,
            None,
            0,
            Some("Bérénice Oustalet"),
            "Qui paiera les 80 000 € ? Les mêmes que d'habitude, à coup sûr.",
        ),
    ];
    assert_eq!(rows(&reference), expected);
    for (name, enc) in ENCODINGS {
        let path = fixture(&format!("encoding/{name}"));
        let (v, err) = one(&path);
        assert_eq!(rows(&v), expected, "{name}");
        assert_eq!(dates(&v), dates(&reference), "{name}");
        assert_eq!(v["article"], reference["article"], "{name}");
        assert_eq!(v["encoding"], *enc, "{name}");
        assert_eq!(v["span_unit"], "bytes_as_read");
        if *enc == "UTF-8" {
            assert_eq!(err, "", "{name}");
        } else {
            assert!(err.contains(&format!("read as {enc}")), "{name}: {err}");
        }
        // Spans map back into the bytes of the file as read.
        let bytes = std::fs::read(&path).unwrap();
        let c = &v["comments"][2];
        let (s, e) = (
            c["span"][0].as_u64().unwrap() as usize,
            c["span"][1].as_u64().unwrap() as usize,
        );
        let (enc_rs, _) = encoding_of(enc);
        let (piece, _, _) = enc_rs.decode(&bytes[s..e]);
        assert!(
            piece.starts_with("2. Bérénice Oustalet dit :"),
            "{name}: {piece}"
        );
        assert!(piece.ends_with("à coup sûr."), "{name}: {piece}");
    }
}

fn encoding_of(name: &str) -> (&'static encoding_rs::Encoding, ()) {
    (
        encoding_rs::Encoding::for_label(name.as_bytes()).unwrap(),
        (),
    )
}

#[test]
fn forced_encoding_wins_and_bad_names_are_usage_errors() {
    let path = fixture("encoding/page_utf8.txt");
    let out = run(&[
        "thread",
        &path,
        "--format",
        "json",
        "--encoding",
        "windows-1252",
    ]);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["encoding"], "windows-1252");
    // Read as Windows-1252, the UTF-8 page's "Répondre" is "RÃ©pondre": no comment.
    assert_eq!(v["structure"], "none");
    assert!(v["article"].as_str().unwrap().contains("RÃ©pondre"));
    assert!(stderr(&out).contains("read as windows-1252 (as asked)"));
    let out = run(&["score", &path, "--encoding", "klingon"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown encoding `klingon`"));
}

#[test]
fn pastes_and_platform_dumps() {
    let (v, _) = one(&fixture("paste/comments_only.txt"));
    assert_eq!(v["article"], Value::Null);
    assert_eq!(
        rows(&v),
        vec![
            r(
                1,
                None,
                0,
                Some("Clotilde Varagnac"),
                "Le nouveau pont de Saint-Firmin est enfin ouvert aux vélos."
            ),
            r(
                2,
                None,
                0,
                Some("Hubert Laffargue"),
                "Aux vélos oui, aux piétons toujours pas."
            ),
        ]
    );
    let (v, _) = one(&fixture("paste/blank_separated.txt"));
    assert_eq!(v["article"], Value::Null);
    assert_eq!(
        rows(&v),
        vec![
            r(
                1,
                None,
                0,
                None,
                "La fête du quartier Bellevue était très réussie cette année."
            ),
            r(
                2,
                None,
                0,
                None,
                "Dommage que la buvette ait fermé si tôt !\nIl restait du monde."
            ),
            r(
                3,
                None,
                0,
                None,
                "Merci aux bénévoles de l'association Les Tournesols."
            ),
        ]
    );
    let (v, _) = one(&fixture("paste/disqus_dump.txt"));
    assert_eq!(
        rows(&v),
        vec![
            r(
                1,
                None,
                0,
                Some("Marceline Authier"),
                "Le tracé de la rocade de Vernoux passe au ras de l'école."
            ),
            r(
                2,
                None,
                0,
                Some("Octave Pellissier"),
                "Le tracé a été présenté en réunion publique en janvier."
            ),
            r(
                3,
                None,
                0,
                Some("Justine Mazeyrac"),
                "Personne n'était au courant de cette réunion."
            ),
        ]
    );
    assert_eq!(
        dates(&v)[2],
        (
            Some("2026-04-05T08:05:00".into()),
            Some("le 05/04/2026 à 08:05".into())
        )
    );
    let (v, _) = one(&fixture("paste/facebook_dump.txt"));
    assert_eq!(
        rows(&v),
        vec![
            r(
                1,
                None,
                0,
                Some("Albéric Soustelle"),
                "Bravo au club de rugby de Castelvieil pour la montée !"
            ),
            r(
                2,
                None,
                0,
                Some("Perrine Escande"),
                "Enfin une bonne saison.\nLes jeunes ont tout donné."
            ),
            r(
                3,
                None,
                0,
                Some("Raoul Bénazet"),
                "Et l'an prochain la Fédérale 1 ?"
            ),
        ]
    );
}

#[test]
fn one_comment_on_stdin() {
    let out = run_stdin(
        &["score", "-", "--format", "jsonl"],
        "Quel guignol ce Marcel Dubrac".as_bytes(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let recs: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0]["text"], "Quel guignol ce Marcel Dubrac");
}

#[test]
fn no_comment_is_said_naming_the_file() {
    let dir = tempdir();
    let p = write(dir.path(), "titre.txt", "Un titre seul\n".as_bytes());
    let out = run(&["score", p.to_str().unwrap()]);
    assert!(out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("titre.txt: no comments found (expected"),
        "{err}"
    );
}

#[test]
fn numbered_markers_of_any_length() {
    let n = 30_000;
    let mut page = String::from("Titre\n\nL'article.\n\n30000 commentaires\n\n");
    for i in 1..=n {
        page.push_str(&format!(
            "  {i}. Avis numéro {i} sur la place.\n     Répondre\n"
        ));
    }
    let dir = tempdir();
    let p = write(dir.path(), "long.txt", page.as_bytes());
    let (v, _) = one(p.to_str().unwrap());
    let cs = v["comments"].as_array().unwrap();
    assert_eq!(cs.len(), n);
    for (i, c) in cs.iter().enumerate() {
        assert_eq!(c["text"], format!("Avis numéro {} sur la place.", i + 1));
        assert_eq!(c["depth"], 0);
    }
}

#[cfg(unix)]
#[test]
fn endless_input_is_refused_with_a_clear_error() {
    let out = run(&["thread", "/dev/zero"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("/dev/zero: page larger than 256 MiB"), "{err}");
}

#[test]
fn header_sentences_inside_flat_comments_stay_comments() {
    // Issue 12: "Les commentaires sur … sont indignes." inside the comments made
    // everything before it the article.
    let n = 100_000;
    let mut page = String::from("Le budget de Sarlanges\n\nLe conseil a voté mardi.\n\n\n");
    for i in 0..n {
        match i % 1000 {
            500 => page.push_str(&format!(
                "Les commentaires sur le budget {i} sont indignes.\n"
            )),
            700 => page.push_str("Les commentaires sur ce site\n"),
            _ => page.push_str(&format!(
                "Avis {i} : la taxe foncière augmente encore cette année.\n"
            )),
        }
    }
    let dir = tempdir();
    let p = write(dir.path(), "flat.txt", page.as_bytes());
    // The text tree keeps the test fast in debug builds: one line per comment.
    let out = run(&["thread", p.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].ends_with("flat.txt: flat, 100000 comments"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), n + 1);
    assert_eq!(
        lines[501],
        "501. Les commentaires sur le budget 500 sont indignes."
    );
    assert_eq!(lines[701], "701. Les commentaires sur ce site");
    assert_eq!(
        lines[n],
        format!(
            "{n}. Avis {} : la taxe foncière augmente encore cette année.",
            n - 1
        )
    );
}
