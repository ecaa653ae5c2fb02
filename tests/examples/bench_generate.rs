//! Times generation as a migrations crate's build script runs it.
//!
//! Build scripts compile in the profile of the build (`dev` by default, with
//! its unoptimised `build-override`), so run this the same way:
//!
//! ```text
//! cargo run -p ferro-tests --example bench_generate            # as a build script runs
//! cargo run -p ferro-tests --example bench_generate --release  # for comparison
//! ```
//!
//! For N tables (10 columns of mixed types, a unique, an index and a nullable
//! CASCADE foreign key to the previous table each) it reports the median of
//! several runs of what the build script does: resolve the models' schema
//! (`ferro::schema!()`), then either the first generation (diff, plan, write
//! the migration and the snapshot, embed) or a build in which no model changed
//! (the script runs because the models crate was rebuilt).

use std::time::{Duration, Instant};

use ferro::schema::Schema;
use ferro_build::{Builder, Mode};
use ferro_tests::synthetic::descriptors;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    // `BENCH_TABLES=500 BENCH_RUNS=1` runs one size once, for a profiler.
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(11);
    let sizes: Vec<usize> = match std::env::var("BENCH_TABLES").ok().and_then(|v| v.parse().ok()) {
        Some(n) => vec![n],
        None => vec![100, 500, 2000],
    };
    println!("tables  first generation  no change");
    for n in sizes {
        let models = descriptors(n);
        let mut first = Vec::new();
        let mut unchanged = Vec::new();
        for _ in 0..runs {
            let dir = std::env::temp_dir().join(format!("ferro-bench-{}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(dir.join("out")).expect("a scratch folder");
            let build = || {
                Builder::new(Schema::new(models.iter().cloned()))
                    .migrations_dir(&dir)
                    .out_dir(dir.join("out"))
                    .mode(Mode::Generate)
                    .generate()
                    .expect("generation succeeds")
            };
            let start = Instant::now();
            build();
            first.push(start.elapsed());
            let start = Instant::now();
            let report = build();
            unchanged.push(start.elapsed());
            assert!(
                report.written.is_empty(),
                "nothing changed, so nothing is written"
            );
            let _ = std::fs::remove_dir_all(&dir);
        }
        println!(
            "{n:>6}  {:>13.1} ms  {:>6.1} ms",
            median(first).as_secs_f64() * 1e3,
            median(unchanged).as_secs_f64() * 1e3
        );
    }
}
