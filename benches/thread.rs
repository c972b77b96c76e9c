//! Parse throughput of the thread reconstructor on a generated 100 MB page (nested
//! layout with authors, dates, replies and body lists). A benchmark, not a test:
//! `cargo bench --bench thread` prints MB/s on one core.

use std::time::Instant;

fn page(target: usize) -> Vec<u8> {
    let mut s = String::with_capacity(target + 4096);
    s.push_str("Titre de l'article\n\nLe conseil municipal a voté le budget.\n\n");
    s.push_str("100000 réflexions au sujet de “Titre de l'article”\n\n");
    let mut i = 0usize;
    while s.len() < target {
        i += 1;
        s.push_str(&format!(
            "  {i}. Auteur{i} dit :\n     12 août 2025 à 14 h 03 min\n     Le budget des cantines augmente encore, c'est la {i}e fois qu'on en parle.\n     Voilà ce que je propose :\n     - geler les tarifs\n     - publier les comptes\n\n     Répondre\n"
        ));
        for d in 1..=3 {
            let pad = "  ".repeat(d + 1);
            s.push_str(&format!(
                "{pad}• Réponse{d} dit :\n{pad}  13 août 2025 à 9 h 05 min\n{pad}  Pas d'accord avec toi, la cantine reste moins chère qu'ailleurs et le service est correct.\n\n{pad}  Répondre\n"
            ));
        }
    }
    s.push_str("\nLaisser un commentaire\n");
    s.into_bytes()
}

fn main() {
    let mb_target: usize = std::env::var("TAMIS_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let bytes = page(mb_target * 1024 * 1024);
    let mb = bytes.len() as f64 / (1024.0 * 1024.0);
    // One warm-up run on a slice, then the measured run on the whole page.
    let _ = tamis::thread::parse("warmup.txt", &bytes[..1 << 20]);
    let start = Instant::now();
    let t = tamis::thread::parse("bench.txt", &bytes).expect("parses");
    let s = start.elapsed().as_secs_f64();
    println!(
        "thread::parse: {mb:.1} MB, {} comments in {s:.2} s = {:.1} MB/s ({:.0} comments/s), one core",
        t.comments.len(),
        mb / s,
        t.comments.len() as f64 / s
    );
    println!("peak RSS: {} MiB", peak_rss_mib());
}

/// Peak resident memory of this process (Linux: VmHWM), in MiB.
fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}
