//! Time per KB of one long comment through the feature stage and the model (issue 12):
//! plain French, masked words and adversarial text (leet runs, split-letter chains, mask
//! runs) from 1 KB to 10 MB. Linear code gives a flat column; a growing one means some
//! step rescans its input. `TAMIS_BENCH_MAX_KB` lowers the largest size (default 10240).
//!
//! Run: `cargo bench --bench long_comments`.

use std::time::Instant;

use tamis::features::{self, Context};
use tamis::model::Model;

/// `unit` repeated to `bytes` bytes (cut at a char boundary).
fn sized(unit: &str, bytes: usize) -> String {
    let mut s = unit.repeat(bytes / unit.len() + 1);
    let mut cut = bytes.min(s.len());
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s.truncate(cut);
    s
}

fn main() {
    let max_kb: usize = std::env::var("TAMIS_BENCH_MAX_KB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10240);
    let model = Model::embedded().expect("embedded model");
    let kinds = [
        (
            "plain",
            "Le conseil municipal a voté la rénovation de la piscine, mais les habitants du \
             quartier Nord attendent toujours le calendrier des travaux. ",
        ),
        (
            "masked",
            "Ce c*o*n*n*a*r*d de Dupont et ce C+0+N+S de Martin, quelle m***e ! ",
        ),
        (
            "adversarial",
            "4@3$0€1 c0000nnard c.o.n.n.a.r.d.c.o.n.n.a.r.d 1.2.3.4.5.6.7.8.9 ******** \
             a........ b____ k0nar zzz s a l o p e « cité » ",
        ),
    ];
    let sizes: Vec<usize> = [1, 10, 100, 1024, 10240]
        .into_iter()
        .filter(|&kb| kb <= max_kb)
        .collect();
    print!("{:<12}", "µs per KB");
    for kb in &sizes {
        print!(
            " {:>10}",
            if *kb >= 1024 {
                format!("{} MB", kb / 1024)
            } else {
                format!("{kb} KB")
            }
        );
    }
    println!();
    for (name, unit) in kinds {
        print!("{name:<12}");
        for &kb in &sizes {
            let text = sized(unit, kb * 1024);
            // Small sizes are repeated so that each cell measures at least ~10 ms.
            let reps = (10240 / kb).clamp(1, 200);
            let t = Instant::now();
            for _ in 0..reps {
                let fv = features::extract(&text, &Context::default(), model.feature_params());
                std::hint::black_box(model.score(&fv, None, false));
            }
            let us = t.elapsed().as_secs_f64() * 1e6 / (reps * kb) as f64;
            print!(" {us:>10.1}");
        }
        println!();
    }
}
