//! `tamis serve` over loopback: the real binary on an ephemeral port, driven with raw
//! HTTP/1.1 so that requests go out byte for byte as the clients send them (Coral's
//! Perspective call, its signed moderation phase) and hostile ones can be cut short.

use crate::common::{root, tamis, tempdir, write};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running server, killed when dropped.
struct Server {
    child: Child,
    addr: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = tamis()
            .arg("serve")
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("tamis serve starts");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("serving on http://").nth(1) {
                    let addr = rest.split_whitespace().next().unwrap_or("").to_string();
                    let _ = tx.send(addr);
                }
                sink.lock().unwrap().push(line);
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no address printed; stderr: {:?}", log.lock().unwrap()));
        Server { child, addr, log }
    }

    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    fn signal(&self, sig: &str) {
        let ok = std::process::Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill {sig}");
    }

    /// Waits for the process to end; its exit status.
    fn wait(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(s) = self.child.try_wait().unwrap() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Polls the log until a line contains `needle`.
    fn wait_log(&self, needle: &str) -> bool {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if self.log().iter().any(|l| l.contains(needle)) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A parsed response.
#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends raw bytes on a new connection and reads one response (the request should say
/// `Connection: close`, or carry a body the server refuses).
fn raw(addr: &str, bytes: &[u8]) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(bytes).unwrap();
    read_response(&mut s)
}

fn read_response(s: &mut TcpStream) -> Resp {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut chunk).expect("response head");
        assert!(
            n > 0,
            "connection closed before a response: {:?}",
            String::from_utf8_lossy(&buf)
        );
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        let n = s.read(&mut chunk).expect("response body");
        assert!(n > 0, "body cut short");
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(len);
    Resp {
        status,
        headers,
        body,
    }
}

fn post(addr: &str, path: &str, extra_headers: &[(&str, &str)], body: &[u8]) -> Resp {
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (n, v) in extra_headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    req.push_str("\r\n");
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    raw(addr, &bytes)
}

fn get(addr: &str, path: &str) -> Resp {
    raw(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}

fn analyze(addr: &str, body: &Value) -> Resp {
    post(
        addr,
        "/v1alpha1/comments:analyze",
        &[],
        body.to_string().as_bytes(),
    )
}

fn toxicity(r: &Resp) -> f64 {
    r.json()["attributeScores"]["TOXICITY"]["summaryScore"]["value"]
        .as_f64()
        .unwrap_or_else(|| panic!("no TOXICITY in {}", r.text()))
}

fn keys_file(dir: &Path) -> String {
    write(
        dir,
        "keys.txt",
        b"# keys of the site\ncle-du-journal\nautre-cle\n",
    )
    .display()
    .to_string()
}

const INSULT: &str = "T'es qu'un pauvre abruti, Gontran, ferme-la.";
const POLITE: &str = "Merci pour cet article très clair sur le budget de la commune.";

#[test]
fn coral_perspective_request_byte_for_byte() {
    let dir = tempdir();
    let keys = keys_file(dir.path());
    let srv = Server::start(&["--keys", &keys]);
    // What Coral's axios call puts on the wire: its endpoint setting joined with the
    // operation, the key in the query string, JSON.stringify's compact body.
    let send = |text: &str| {
        let body = format!(
            "{{\"comment\":{{\"text\":{}}},\"doNotStore\":true,\"requestedAttributes\":{{\"TOXICITY\":{{}}}},\"languages\":[\"fr\"]}}",
            serde_json::to_string(text).unwrap()
        );
        let req = format!(
            "POST /v1alpha1/comments:analyze?key=cle-du-journal HTTP/1.1\r\nAccept: application/json, text/plain, */*\r\nContent-Type: application/json\r\nUser-Agent: Coral Perspective/9.0.0\r\nContent-Length: {}\r\nHost: {}\r\nConnection: close\r\n\r\n{body}",
            body.len(),
            srv.addr
        );
        raw(&srv.addr, req.as_bytes())
    };
    let bad = send(INSULT);
    assert_eq!(bad.status, 200, "{}", bad.text());
    assert!(bad
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    // Coral withholds above its default threshold of 0.80.
    assert!(toxicity(&bad) > 0.8, "{}", bad.text());
    let v = bad.json();
    assert_eq!(
        v["attributeScores"]["TOXICITY"]["summaryScore"]["type"],
        "PROBABILITY"
    );
    assert_eq!(v["languages"], serde_json::json!(["fr"]));
    let good = send(POLITE);
    assert!(toxicity(&good) < 0.2, "{}", good.text());
    // doNotStore: the access log has the verdict but never the text.
    assert!(srv.wait_log("\"status\":200"));
    assert!(srv
        .log()
        .iter()
        .all(|l| !l.contains("abruti") && !l.contains("cle-du-journal")));
}

#[test]
fn perspective_request_with_every_field_and_utf16_spans() {
    let srv = Server::start(&["--log-text"]);
    let text = "Bravo 👏 à l'équipe de Vierzac ! Mais toi, Gontran, t'es qu'un abruti. 🤡";
    let req = serde_json::json!({
        "comment": {"text": text, "type": "PLAIN_TEXT"},
        "context": {"articleAndParentComment": {
            "article": {"text": "Le club de Vierzac gagne la coupe."},
            "parentComment": {"text": "Quel match, bravo à tous !"}}},
        "requestedAttributes": {
            "TOXICITY": {"scoreType": "PROBABILITY"},
            "INSULT_EXPERIMENTAL": {},
            "IDENTITY_ATTACK": {"scoreThreshold": 0.9},
            "THREAT": {}, "PROFANITY": {}, "SEVERE_TOXICITY": {},
            "ACCUSATION": {}, "MASKED_SLUR_EXPERIMENTAL": {}},
        "languages": ["fr"],
        "doNotStore": false,
        "spanAnnotations": true,
        "clientToken": "comment:abc-123",
        "sessionId": "s-1",
        "communityId": "journal-test",
    });
    let r = analyze(&srv.addr, &req);
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["clientToken"], "comment:abc-123");
    let at = v["attributeScores"].as_object().unwrap();
    for name in [
        "TOXICITY",
        "INSULT_EXPERIMENTAL",
        "THREAT",
        "PROFANITY",
        "SEVERE_TOXICITY",
        "ACCUSATION",
        "MASKED_SLUR_EXPERIMENTAL",
    ] {
        let s = at[name]["summaryScore"]["value"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&s), "{name} {s}");
    }
    // Under its threshold, IDENTITY_ATTACK is left out, as Perspective does.
    assert!(!at.contains_key("IDENTITY_ATTACK"), "{}", r.text());
    // Spans: the sentences, in UTF-16 code units, end exclusive, computed here apart.
    let units = |s: &str| s.encode_utf16().count() as u64;
    let first = "Bravo 👏 à l'équipe de Vierzac !";
    let second = "Mais toi, Gontran, t'es qu'un abruti.";
    let b2 = units(&text[..text.find("Mais").unwrap()]);
    let b3 = units(&text[..text.find('🤡').unwrap()]);
    let spans = at["INSULT_EXPERIMENTAL"]["spanScores"].as_array().unwrap();
    let got: Vec<(u64, u64)> = spans
        .iter()
        .map(|s| (s["begin"].as_u64().unwrap(), s["end"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        got,
        [(0, units(first)), (b2, b2 + units(second)), (b3, b3 + 2)]
    );
    // The insulting sentence carries the insult, the cheering one does not.
    let sv = |i: usize| spans[i]["score"]["value"].as_f64().unwrap();
    assert!(sv(1) > 0.5 && sv(0) < 0.5, "{}", r.text());
    // --log-text: the text is in the access log when doNotStore is false.
    assert!(srv.wait_log("abruti"));

    // HTML comments are read as text.
    let r = analyze(
        &srv.addr,
        &serde_json::json!({"comment": {"text": "<p>Merci <b>beaucoup</b> &amp; bravo</p>", "type": "HTML"},
            "requestedAttributes": {"TOXICITY": {}}, "spanAnnotations": true}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let span = &r.json()["attributeScores"]["TOXICITY"]["spanScores"][0];
    assert_eq!(span["end"].as_u64(), Some(units("Merci beaucoup & bravo")));
}

#[test]
fn every_error_answers_in_googles_envelope() {
    let dir = tempdir();
    let keys = keys_file(dir.path());
    let srv = Server::start(&["--keys", &keys]);
    let a = &srv.addr;
    let ok_body = serde_json::json!({"comment": {"text": "Bonjour à tous"}, "requestedAttributes": {"TOXICITY": {}}}).to_string();
    let path = "/v1alpha1/comments:analyze?key=cle-du-journal";
    let check = |r: Resp, code: u16, status: &str, needle: &str| {
        assert_eq!(r.status, code, "{}", r.text());
        let v = r.json();
        assert_eq!(v["error"]["code"], code, "{}", r.text());
        assert_eq!(v["error"]["status"], status, "{}", r.text());
        assert!(
            v["error"]["message"].as_str().unwrap().contains(needle),
            "{}",
            r.text()
        );
        v
    };
    // Keys: missing 401, unknown 403, header and query both accepted.
    check(
        post(a, "/v1alpha1/comments:analyze", &[], ok_body.as_bytes()),
        401,
        "UNAUTHENTICATED",
        "API key",
    );
    check(
        post(
            a,
            "/v1alpha1/comments:analyze?key=nope",
            &[],
            ok_body.as_bytes(),
        ),
        403,
        "PERMISSION_DENIED",
        "API key not valid",
    );
    assert_eq!(post(a, path, &[], ok_body.as_bytes()).status, 200);
    assert_eq!(
        post(
            a,
            "/v1alpha1/comments:analyze",
            &[("X-Goog-Api-Key", "autre-cle")],
            ok_body.as_bytes()
        )
        .status,
        200
    );
    // Request errors.
    check(
        post(a, path, &[], b"{\"comment\":"),
        400,
        "INVALID_ARGUMENT",
        "Invalid JSON",
    );
    let v = check(
        post(
            a,
            path,
            &[],
            br#"{"comment":{"text":""},"requestedAttributes":{"TOXICITY":{}}}"#,
        ),
        400,
        "INVALID_ARGUMENT",
        "non-empty",
    );
    assert_eq!(v["error"]["details"][0]["errorType"], "COMMENT_EMPTY");
    let long = serde_json::json!({"comment": {"text": "é".repeat(10_241)}, "requestedAttributes": {"TOXICITY": {}}}).to_string();
    let v = check(
        post(a, path, &[], long.as_bytes()),
        400,
        "INVALID_ARGUMENT",
        "too long",
    );
    assert_eq!(v["error"]["details"][0]["errorType"], "COMMENT_TOO_LONG");
    check(
        post(a, path, &[], br#"{"comment":{"text":"salut"}}"#),
        400,
        "INVALID_ARGUMENT",
        "No requested attributes",
    );
    check(
        post(
            a,
            path,
            &[],
            br#"{"comment":{"text":"salut"},"requestedAttributes":{"SEXUALLY_EXPLICIT":{}}}"#,
        ),
        400,
        "INVALID_ARGUMENT",
        "Unknown attribute",
    );
    check(post(a, path, &[], br#"{"comment":{"text":"salut"},"requestedAttributes":{"TOXICITY":{"scoreType":"RAW"}}}"#), 400, "INVALID_ARGUMENT", "scoreType");
    let v = check(post(a, path, &[], br#"{"comment":{"text":"salut"},"requestedAttributes":{"TOXICITY":{}},"languages":["de"]}"#), 400, "INVALID_ARGUMENT", "languages: de");
    assert_eq!(
        v["error"]["details"][0]["errorType"],
        "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
    );
    check(post(a, path, &[], br#"{"comment":{"text":"You are the worst writer and this is what they all say about you"},"requestedAttributes":{"TOXICITY":{}}}"#), 400, "INVALID_ARGUMENT", "languages: en");
    // 413 before the body is read: the head announces 5 MB, only a few bytes follow.
    let mut s = TcpStream::connect(a).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(
        format!("POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n{{\"comment\"")
            .as_bytes(),
    )
    .unwrap();
    let r = read_response(&mut s);
    check(r, 413, "RESOURCE_EXHAUSTED", "over");
    // The same without Content-Length: chunked, cut off once past the limit.
    let mut s = TcpStream::connect(a).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(
        format!("POST {path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n").as_bytes(),
    )
    .unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 256 * 1024, "a".repeat(256 * 1024));
    let mut refused = None;
    for _ in 0..8 {
        if s.write_all(chunk.as_bytes()).is_err() {
            break;
        }
        s.set_nonblocking(true).unwrap();
        let mut probe = [0u8; 1];
        let ready = s.peek(&mut probe).is_ok();
        s.set_nonblocking(false).unwrap();
        if ready {
            refused = Some(read_response(&mut s));
            break;
        }
    }
    let r = refused.unwrap_or_else(|| read_response(&mut s));
    check(r, 413, "RESOURCE_EXHAUSTED", "over");
    // Unknown path, wrong method.
    check(get(a, "/v2/nothing"), 404, "NOT_FOUND", "no such endpoint");
    check(
        get(a, "/v1alpha1/comments:analyze"),
        405,
        "INVALID_ARGUMENT",
        "not allowed",
    );
    // The server is still answering.
    assert_eq!(post(a, path, &[], ok_body.as_bytes()).status, 200);
}

#[test]
fn a_slow_body_times_out_and_the_server_keeps_answering() {
    let srv = Server::start(&["--request-timeout", "300"]);
    let mut s = TcpStream::connect(&srv.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"POST /v1alpha1/comments:analyze HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"comm").unwrap();
    let start = Instant::now();
    let r = read_response(&mut s);
    assert_eq!(r.status, 408, "{}", r.text());
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(r.json()["error"]["status"], "DEADLINE_EXCEEDED");
    let ok = analyze(
        &srv.addr,
        &serde_json::json!({"comment": {"text": POLITE}, "requestedAttributes": {"TOXICITY": {}}}),
    );
    assert_eq!(ok.status, 200);
}

fn suggest_body(text: &str, value: u8, id: usize, do_not_store: bool) -> String {
    serde_json::json!({
        "comment": {"text": text},
        "context": {"entries": [{"text": format!("{{\"url\":\"https://journal.example/a#comment-{id}\",\"Coral_comment_id\":\"{id}\"}}")}]},
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": value}}},
        "languages": ["fr"],
        "communityId": "Coral:https://journal.example",
        "clientToken": format!("comment:{id}"),
        "doNotStore": do_not_store,
    })
    .to_string()
}

#[test]
fn concurrent_feedback_appends_are_whole_lines_and_train_reads_them() {
    let dir = tempdir();
    let fb = dir.path().join("verdicts.csv");
    let srv = Server::start(&["--feedback", fb.to_str().unwrap()]);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let addr = srv.addr.clone();
            std::thread::spawn(move || {
                for k in 0..25 {
                    let id = t * 100 + k;
                    // Odd ids removed, even kept; a long text with commas, quotes and
                    // line breaks so that a torn line could not parse.
                    let text = format!(
                        "Verdict {id}, \"cité\" ligne\nsuite {}",
                        "x".repeat(id % 7 * 300)
                    );
                    let r = post(
                        &addr,
                        "/v1alpha1/comments:suggestscore",
                        &[],
                        suggest_body(&text, (id % 2) as u8, id, false).as_bytes(),
                    );
                    assert_eq!(r.status, 200, "{}", r.text());
                    assert_eq!(r.json()["clientToken"], format!("comment:{id}"));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // doNotStore: answered, nothing written.
    let r = post(
        &srv.addr,
        "/v1alpha1/comments:suggestscore",
        &[],
        suggest_body("Secret", 1, 999, true).as_bytes(),
    );
    assert_eq!(r.status, 200);
    let mut rd = csv::Reader::from_path(&fb).unwrap();
    let h = rd.headers().unwrap().clone();
    let col = |n: &str| {
        h.iter()
            .position(|c| c == n)
            .unwrap_or_else(|| panic!("no column {n}"))
    };
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 200);
    let mut ids: Vec<usize> = rows
        .iter()
        .map(|r| {
            r[col("id")]
                .strip_prefix("comment:")
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    for r in &rows {
        let id: usize = r[col("id")]
            .strip_prefix("comment:")
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            &r[col("decision")],
            if id % 2 == 1 { "remove" } else { "keep" }
        );
        assert!(r[col("text")].starts_with(&format!("Verdict {id}, \"cité\" ligne\nsuite")));
        assert_eq!(&r[col("source")], "Coral:https://journal.example");
        // The model's own call sits beside the verdict, never in its place.
        assert!(matches!(&r[col("tamis_review")], "true" | "false"));
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 200, "every verdict once");
    assert!(!std::fs::read_to_string(&fb).unwrap().contains("Secret"));
    // eval reads the file as 200 decisions: the label is the moderator's.
    let out = crate::common::run(&["eval", fb.to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["from_decisions"], 200, "{v}");
    assert_eq!(v["from_labels"], 0, "{v}");
}

#[test]
fn coral_moderation_phase_checks_the_signature_and_uses_known_parents() {
    let secret = "phase_0123456789abcdef";
    let srv = Server::start(&[
        "--coral-secret",
        secret,
        "--feedback",
        tempdir().path().join("f.csv").to_str().unwrap(),
    ]);
    let phase = |body: &str, sig: Option<String>| {
        let mut headers = vec![("User-Agent", "Coral Moderation/9.0.0".to_string())];
        if let Some(s) = sig {
            headers.push(("X-Coral-Signature", s));
        }
        let h: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        post(&srv.addr, "/coral/phase", &h, body.as_bytes())
    };
    let request = |text: &str, parent: Option<&str>| {
        // Coral signs JSON.stringify(data, null, 2): indented, as sent.
        serde_json::to_string_pretty(&serde_json::json!({
            "action": "NEW",
            "comment": {"body": text, "parentID": parent},
            "author": {"id": "u1", "role": "COMMENTER"},
            "story": {"id": "s1", "url": "https://journal.example/a"},
            "site": {"id": "site1"},
            "tenantID": "t1",
            "tenantDomain": "journal.example",
        }))
        .unwrap()
    };
    let sign = |b: &str| {
        format!(
            "sha256={}",
            tamis::serve::auth::coral_sign(secret.as_bytes(), b.as_bytes())
        )
    };
    let body = request(&format!("<p>{INSULT}</p>"), None);
    let r = phase(&body, Some(sign(&body)));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["status"], "SYSTEM_WITHHELD");
    assert_eq!(v["actions"][0]["actionType"], "FLAG");
    assert_eq!(v["actions"][0]["reason"], "COMMENT_DETECTED_TOXIC");
    assert!(v["actions"][0]["additionalDetails"]
        .as_str()
        .unwrap()
        .contains("insult"));
    // A rotated secret: two signatures, the second valid.
    let two = format!("sha256={},{}", "ab".repeat(32), sign(&body));
    assert_eq!(phase(&body, Some(two)).status, 200);
    // Polite: 204, no body.
    let body = request(POLITE, None);
    let r = phase(&body, Some(sign(&body)));
    assert_eq!(r.status, 204);
    assert!(r.body.is_empty());
    // Bad, missing signature: refused.
    assert_eq!(phase(&body, Some(sign("autre chose"))).status, 401);
    assert_eq!(phase(&body, None).status, 401);
    // A parent Coral names by id is used once tamis has seen it (through feedback):
    // the access log says so.
    let r = post(
        &srv.addr,
        "/v1alpha1/comments:suggestscore",
        &[],
        suggest_body("Le maire ment sur les comptes.", 0, 77, false).as_bytes(),
    );
    assert_eq!(r.status, 200);
    let body = request("Tout à fait d'accord.", Some("77"));
    assert_eq!(phase(&body, Some(sign(&body))).status, 204);
    assert!(srv.wait_log("NEW, with parent"));
}

#[test]
fn the_coral_phase_is_off_without_a_secret() {
    let srv = Server::start(&[]);
    let r = post(&srv.addr, "/coral/phase", &[], b"{}");
    assert_eq!(r.status, 404);
    assert!(r.text().contains("--coral-secret"));
}

#[test]
fn v1_score_answers_the_records_of_score_jsonl() {
    let dir = tempdir();
    let csv_path = write(
        dir.path(),
        "fil.csv",
        "id,text\nc1,Merci pour ce papier\nc2,\"Gontran, t'es qu'un abruti\"\nc3,Je vais te retrouver et tu vas le regretter\nc4,Les élus de Vierzac ont voté le budget\n".as_bytes(),
    );
    let out = crate::common::run(&["score", csv_path.to_str().unwrap(), "--format", "jsonl"]);
    assert!(out.status.success());
    let expected = String::from_utf8(out.stdout).unwrap();
    let srv = Server::start(&[]);
    let source = csv_path.to_str().unwrap();
    let batch: Vec<Value> = [
        ("c1", "Merci pour ce papier"),
        ("c2", "Gontran, t'es qu'un abruti"),
        ("c3", "Je vais te retrouver et tu vas le regretter"),
        ("c4", "Les élus de Vierzac ont voté le budget"),
    ]
    .iter()
    .map(|(id, t)| serde_json::json!({"id": id, "text": t, "source": source}))
    .collect();
    let r = post(
        &srv.addr,
        "/v1/score",
        &[],
        Value::Array(batch.clone()).to_string().as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/x-ndjson"));
    crate::common::assert_same(&expected, &r.text());
    // One object in, one record out: the same line.
    let one = post(&srv.addr, "/v1/score", &[], batch[1].to_string().as_bytes());
    let first_line = expected.lines().nth(1).unwrap();
    // Its index is 1 (alone in its batch), the rest is identical.
    let mut want: Value = serde_json::from_str(first_line).unwrap();
    want["index"] = 1.into();
    assert_eq!(one.json(), want);
    // Limits and errors.
    let too_many = Value::Array(vec![serde_json::json!({"text": "a"}); 1001]).to_string();
    let r = post(&srv.addr, "/v1/score", &[], too_many.as_bytes());
    assert_eq!(r.status, 400);
    assert!(r.text().contains("limit is 1000"));
    let r = post(&srv.addr, "/v1/score", &[], br#"[{"txt":"a"}]"#);
    assert_eq!(r.status, 400);
    assert!(r.text().contains("comment 1"), "{}", r.text());
}

#[test]
fn metrics_and_health_report_the_model_and_the_traffic() {
    let srv = Server::start(&["--quiet"]);
    let h = get(&srv.addr, "/healthz").json();
    assert_eq!(h["status"], "ok");
    let checksum = h["model"].as_str().unwrap().to_string();
    for text in [INSULT, POLITE] {
        assert_eq!(analyze(&srv.addr, &serde_json::json!({"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}})).status, 200);
    }
    assert_eq!(
        post(&srv.addr, "/v1alpha1/comments:analyze", &[], b"nope").status,
        400
    );
    let m = get(&srv.addr, "/metrics");
    assert!(m.header("content-type").unwrap().starts_with("text/plain"));
    let m = m.text();
    assert!(
        m.contains(&format!("tamis_model_info{{checksum=\"{checksum}\"")),
        "{m}"
    );
    assert!(
        m.contains("tamis_requests_total{endpoint=\"analyze\",code=\"2xx\"} 2"),
        "{m}"
    );
    assert!(
        m.contains("tamis_requests_total{endpoint=\"analyze\",code=\"4xx\"} 1"),
        "{m}"
    );
    assert!(m.contains("tamis_comments_scored_total 2"), "{m}");
    assert!(m.contains("tamis_reviews_total 1"), "{m}");
    assert!(
        m.contains("tamis_flagged_total{reason=\"insult\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("tamis_request_duration_seconds_count{endpoint=\"analyze\"} 3"),
        "{m}"
    );
    // --quiet: no access log.
    assert!(srv.log().iter().all(|l| !l.contains("\"path\"")));
}

#[test]
fn reload_keeps_the_old_model_when_the_new_file_is_bad() {
    let dir = tempdir();
    let model = dir.path().join("site.json");
    let original = std::fs::read(root().join("models/default.json")).unwrap();
    std::fs::write(&model, &original).unwrap();
    let admin = write(dir.path(), "admin.txt", b"admin-secret\n");
    let srv = Server::start(&[
        "--model",
        model.to_str().unwrap(),
        "--admin-keys",
        admin.to_str().unwrap(),
    ]);
    let health = || {
        get(&srv.addr, "/healthz").json()["model"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let before = health();
    let score = || {
        toxicity(&analyze(
            &srv.addr,
            &serde_json::json!({"comment": {"text": INSULT}, "requestedAttributes": {"TOXICITY": {}}}),
        ))
    };
    let s0 = score();
    // A truncated file: refused over HTTP, the old model keeps serving.
    std::fs::write(&model, &original[..original.len() / 2]).unwrap();
    let r = post(
        &srv.addr,
        "/admin/reload",
        &[("Authorization", "Bearer admin-secret")],
        b"",
    );
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("still serving the old model"));
    assert_eq!(health(), before);
    assert_eq!(score(), s0);
    // Without the admin key: refused.
    assert_eq!(post(&srv.addr, "/admin/reload", &[], b"").status, 401);
    // SIGHUP with the bad file: refused too, said on stderr.
    srv.signal("-HUP");
    assert!(srv.wait_log("reload refused"));
    assert_eq!(health(), before);
    // A good new file (another threshold, so another checksum): swapped in.
    let mut v: Value = serde_json::from_slice(&original).unwrap();
    v["labels"][0]["threshold"] = serde_json::json!(0.9);
    std::fs::write(&model, serde_json::to_vec(&v).unwrap()).unwrap();
    srv.signal("-HUP");
    assert!(srv.wait_log("now serving model"));
    let after = health();
    assert_ne!(after, before);
    let h = get(&srv.addr, "/healthz").json();
    assert!((h["threshold"].as_f64().unwrap() - 0.9).abs() < 1e-6);
    assert_eq!(score(), s0, "same weights, same probability");
    let m = get(&srv.addr, "/metrics").text();
    assert!(m.contains("tamis_model_reloads_total 1"), "{m}");
    assert!(m.contains("tamis_model_reload_failures_total 2"), "{m}");
}

#[test]
fn shutdown_under_load_finishes_what_it_started() {
    let mut srv = Server::start(&["--quiet"]);
    let addr = srv.addr.clone();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let answered = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (addr, stop, answered) = (addr.clone(), Arc::clone(&stop), Arc::clone(&answered));
            std::thread::spawn(move || {
                let body = serde_json::json!({"comment": {"text": INSULT}, "requestedAttributes": {"TOXICITY": {}}}).to_string();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    // Once the listener is closed, connecting fails: that is the end.
                    let Ok(mut s) = TcpStream::connect(&addr) else { break };
                    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                    let req = format!("POST /v1alpha1/comments:analyze HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
                    if s.write_all(req.as_bytes()).is_err() {
                        break;
                    }
                    // A request the server read must get a whole answer.
                    let mut buf = Vec::new();
                    let _ = s.read_to_end(&mut buf);
                    if buf.is_empty() {
                        // Accepted by the kernel after the listener closed: never read.
                        break;
                    }
                    let text = String::from_utf8_lossy(&buf);
                    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
                    assert!(text.contains("TOXICITY"), "torn answer: {text}");
                    answered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    srv.signal("-TERM");
    let status = srv
        .wait(Duration::from_secs(15))
        .expect("stops within the grace period");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    assert!(status.success(), "{status:?}");
    assert!(answered.load(std::sync::atomic::Ordering::Relaxed) > 10);
    assert!(srv.log().iter().any(|l| l.contains("tamis: stopped")));
}

#[test]
fn bad_configuration_fails_before_listening() {
    let dir = tempdir();
    let empty = write(dir.path(), "keys.txt", b"# nothing\n\n");
    let out = crate::common::run(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--keys",
        empty.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(crate::common::stderr(&out).contains("no key in the file"));
    let foreign = write(dir.path(), "f.csv", b"id,text\n1,a\n");
    let out = crate::common::run(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--feedback",
        foreign.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(crate::common::stderr(&out).contains("not a tamis feedback file"));
    let bad_model = write(dir.path(), "m.json", b"{}");
    let out = crate::common::run(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--model",
        bad_model.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(crate::common::stderr(&out).lines().count(), 1);
}

#[test]
fn site_rules_apply_to_served_scores() {
    let rules = root().join("tests/fixtures/rules.csv");
    let secret = "phase_secret_rules";
    let srv = Server::start(&["--rules", rules.to_str().unwrap(), "--coral-secret", secret]);
    // A banned name, disguised: TOXICITY 1, so Coral withholds it at any threshold.
    let r = analyze(
        &srv.addr,
        &serde_json::json!({"comment": {"text": "Encore un papier sur G0ntran B.i.d.u.l.e, bravo."}, "requestedAttributes": {"TOXICITY": {}}}),
    );
    assert_eq!(toxicity(&r), 1.0, "{}", r.text());
    let body = serde_json::json!({"action": "NEW", "comment": {"body": "Ce type est un e.s.c.r.o.c", "parentID": null}}).to_string();
    let sig = format!(
        "sha256={}",
        tamis::serve::auth::coral_sign(secret.as_bytes(), body.as_bytes())
    );
    let r = post(
        &srv.addr,
        "/coral/phase",
        &[("X-Coral-Signature", sig.as_str())],
        body.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json()["actions"][0]["additionalDetails"]
        .as_str()
        .unwrap()
        .contains("site_rule"));
    // /v1/score carries the rule that fired, as `score --format jsonl` does.
    let r = post(
        &srv.addr,
        "/v1/score",
        &[],
        br#"{"text":"Que pense la mairie de Vierzac ?"}"#,
    );
    assert_eq!(r.json()["rules"][0]["rule"], "suspect", "{}", r.text());
}
