//! Feature-extraction benchmark (not a timed test): one core, a 1M-comment stream cycling
//! the texts of `$TAMIS_SHARED/corpora/mlma_fr/all.csv` (default `../shared`), reporting
//! comments/s and MB/s. Skips with a message when the corpus is missing.
//! `TAMIS_BENCH_N` changes the stream length.

use std::time::Instant;

use tamis::features::{self, Context, FeatureParams, FeatureVector};

fn main() {
    let shared = std::env::var("TAMIS_SHARED").unwrap_or_else(|_| "../shared".into());
    let path = format!("{shared}/corpora/mlma_fr/all.csv");
    let texts: Vec<String> = match csv::Reader::from_path(&path) {
        Ok(mut r) => {
            let col = r
                .headers()
                .ok()
                .and_then(|h| h.iter().position(|x| x == "text"))
                .unwrap_or(1);
            r.records()
                .filter_map(|r| r.ok())
                .filter_map(|r| r.get(col).map(str::to_string))
                .collect()
        }
        Err(e) => {
            println!("features bench skipped: {path}: {e} (set TAMIS_SHARED)");
            return;
        }
    };
    if texts.is_empty() {
        println!("features bench skipped: {path} has no texts");
        return;
    }
    let n: usize = std::env::var("TAMIS_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let params = FeatureParams {
        hash_bits: 18,
        ..FeatureParams::default()
    }
    .check()
    .expect("params");
    let ctx = Context::default();
    let mut fv = FeatureVector::default();
    // Warm up: lexicon parsing and automaton build happen once, outside the timing.
    features::extract_into(&texts[0], &ctx, &params, &mut fv);
    let mut bytes = 0usize;
    let mut checksum = 0f64;
    let cpu0 = thread_cpu_secs();
    let t = Instant::now();
    for i in 0..n {
        let text = &texts[i % texts.len()];
        features::extract_into(text, &ctx, &params, &mut fv);
        bytes += text.len();
        checksum += fv.hashed.len() as f64 + fv.detection.scores.insult as f64;
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "features: {n} comments ({} distinct), {:.1} MB in {secs:.2} s wall on one core: \
         {:.0} comments/s, {:.1} MB/s (checksum {checksum:.0})",
        texts.len(),
        bytes as f64 / 1e6,
        n as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
    // On a shared machine wall time includes waiting for the CPU; the thread's own CPU
    // time (Linux) says what one free core would do.
    if let (Some(c0), Some(c1)) = (cpu0, thread_cpu_secs()) {
        let cpu = c1 - c0;
        println!(
            "features: {cpu:.2} s of CPU: {:.0} comments/CPU-s, {:.1} MB/CPU-s",
            n as f64 / cpu,
            bytes as f64 / 1e6 / cpu
        );
    }
}

/// CPU time of this thread in seconds, from /proc (Linux only; `None` elsewhere).
fn thread_cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}
