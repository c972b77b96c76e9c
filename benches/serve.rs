//! Load benchmark of `tamis serve` on the loopback: starts the release binary on a free
//! port, then drives it with keep-alive HTTP/1.1 clients (one thread each) for a bounded
//! time per step: single-comment `comments:analyze` requests (Coral's exact body) at 1,
//! 8 and 64 connections, then 100-comment `/v1/score` batches at 1 and 8. Prints
//! requests/s, comments/s, latency percentiles and the server's peak RSS (VmHWM).
//!
//! `cargo bench --bench serve` (TAMIS_BENCH_SECS sets the seconds per step, default 10).
//! Client and server share the machine's cores: the figures are for both together.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The comment texts: every `text` of the corpus files, Perspective's size limit kept.
fn texts() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/corpus");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("data/corpus")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        let mut r = csv::Reader::from_path(&p).expect("corpus csv");
        let Some(col) = r
            .headers()
            .expect("header")
            .iter()
            .position(|h| h == "text")
        else {
            continue;
        };
        for rec in r.records().map_while(Result::ok) {
            let t = &rec[col];
            if !t.is_empty() && t.len() <= 20_480 {
                out.push(t.to_string());
            }
        }
    }
    out
}

/// Sends one request on a kept-alive connection and reads the whole answer.
fn exchange(s: &mut TcpStream, req: &[u8], buf: &mut Vec<u8>) -> u16 {
    s.write_all(req).expect("send");
    buf.clear();
    let mut chunk = [0u8; 16384];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut chunk).expect("read");
        assert!(n > 0, "server closed the connection");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end]).expect("head");
    let status: u16 = head[9..12].parse().expect("status");
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = s.read(&mut chunk).expect("read body");
        assert!(n > 0, "body cut short");
        buf.extend_from_slice(&chunk[..n]);
    }
    status
}

fn analyze_request(addr: &str, text: &str) -> Vec<u8> {
    let body = format!(
        "{{\"comment\":{{\"text\":{}}},\"doNotStore\":true,\"requestedAttributes\":{{\"TOXICITY\":{{}}}},\"languages\":[\"fr\"]}}",
        serde_json::to_string(text).unwrap()
    );
    format!(
        "POST /v1alpha1/comments:analyze?key=bench HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn batch_request(addr: &str, texts: &[String]) -> Vec<u8> {
    let items: Vec<serde_json::Value> = texts
        .iter()
        .map(|t| serde_json::json!({ "text": t }))
        .collect();
    let body = serde_json::Value::Array(items).to_string();
    format!(
        "POST /v1/score HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Runs `conns` clients for `secs`, each cycling through `requests` from its own offset.
/// Returns sorted latencies.
fn step(addr: &str, conns: usize, secs: f64, requests: Arc<Vec<Vec<u8>>>) -> (Vec<Duration>, f64) {
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let handles: Vec<_> = (0..conns)
        .map(|c| {
            let (addr, requests) = (addr.to_string(), Arc::clone(&requests));
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(&addr).expect("connect");
                s.set_nodelay(true).unwrap();
                let mut buf = Vec::with_capacity(1 << 16);
                let mut lat = Vec::new();
                let mut i = c * 7919;
                while Instant::now() < deadline {
                    let req = &requests[i % requests.len()];
                    let t = Instant::now();
                    let status = exchange(&mut s, req, &mut buf);
                    lat.push(t.elapsed());
                    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&buf));
                    i += 1;
                }
                lat
            })
        })
        .collect();
    let mut all: Vec<Duration> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let wall = start.elapsed().as_secs_f64();
    all.sort_unstable();
    (all, wall)
}

fn pct(lat: &[Duration], p: f64) -> f64 {
    if lat.is_empty() {
        return 0.0;
    }
    let i = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
    lat[i].as_secs_f64() * 1000.0
}

/// CPU seconds (user + system) the process has used so far.
fn cpu_secs(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) start after its ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 here.
    (ticks(11) + ticks(12)) / 100.0
}

fn peak_rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let secs: f64 = std::env::var("TAMIS_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10.0);
    let mut child = Command::new(env!("CARGO_BIN_EXE_tamis"))
        .args(["serve", "--addr", "127.0.0.1:0", "--quiet"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tamis serve");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("server line").expect("stderr");
        if let Some(rest) = line.split("serving on http://").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let texts = texts();
    let singles: Arc<Vec<Vec<u8>>> =
        Arc::new(texts.iter().map(|t| analyze_request(&addr, t)).collect());
    let batches: Arc<Vec<Vec<u8>>> = Arc::new(
        texts
            .chunks(100)
            .filter(|c| c.len() == 100)
            .take(500)
            .map(|c| batch_request(&addr, c))
            .collect(),
    );
    println!(
        "tamis serve on {addr}: {} texts, {secs} s per step, {} cores",
        texts.len(),
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    println!(
        "{:<28} {:>10} {:>11} {:>8} {:>8} {:>8}",
        "step", "req/s", "comments/s", "p50 ms", "p99 ms", "p999 ms"
    );
    // Warm-up: pages faulted in, caches filled.
    let _ = step(&addr, 2, 1.0, Arc::clone(&singles));
    for (name, conns, reqs, per) in [
        ("analyze, 1 connection", 1, &singles, 1),
        ("analyze, 8 connections", 8, &singles, 1),
        ("analyze, 64 connections", 64, &singles, 1),
        ("score x100, 1 connection", 1, &batches, 100),
        ("score x100, 8 connections", 8, &batches, 100),
    ] {
        let cpu0 = cpu_secs(child.id());
        let (lat, wall) = step(&addr, conns, secs, Arc::clone(reqs));
        let cpu = cpu_secs(child.id()) - cpu0;
        let rps = lat.len() as f64 / wall;
        println!(
            "{name:<28} {rps:>10.0} {:>11.0} {:>8.3} {:>8.3} {:>8.3} {:>13.1}",
            rps * per as f64,
            pct(&lat, 0.50),
            pct(&lat, 0.99),
            pct(&lat, 0.999),
            cpu * 1e6 / lat.len().max(1) as f64
        );
    }
    println!(
        "server peak RSS (VmHWM): {:.1} MiB",
        peak_rss_mib(child.id())
    );
    let _ = child.kill();
    let _ = child.wait();
}
