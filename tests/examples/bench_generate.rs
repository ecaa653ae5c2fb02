//! Times generation as a migrations crate's build script runs it.
//!
//! Build scripts compile in the profile of the build with its
//! `build-override`: optimised with debug assertions in a workspace `ferro
//! init` set up, unoptimised in cargo's default `dev` profile. The
//! workspace's profile `build-script` is the first:
//!
//! ```text
//! cargo run -p ferro-tests --example bench_generate --profile build-script  # as ferro init sets it up
//! cargo run -p ferro-tests --example bench_generate                         # cargo's default
//! ```
//!
//! For N tables (10 columns of mixed types, a unique, an index and a nullable
//! CASCADE foreign key to the previous table each) it reports the median of
//! several runs of what the build script does: resolve the models' schema
//! (`ferro::schema!()`), then either the first generation (diff, plan, write
//! the migration and the snapshot, embed), a build in which no model changed
//! (the script runs because the models crate was rebuilt), or, once the
//! initial migration is sealed (committed), the build after one new column on
//! 50 tables (the incremental migration).

use std::time::{Duration, Instant};

use ferro::schema::{Column, Schema, SqlType, Table};
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
    // `BENCH_JSON=1` prints one JSON line per size, for `bench/compare.sh`,
    // naming the tool `BENCH_TOOL` (default `ferro`).
    let json = std::env::var_os("BENCH_JSON").is_some();
    let tool = std::env::var("BENCH_TOOL").unwrap_or_else(|_| "ferro".to_owned());
    if !json {
        println!("tables  first generation  no change  one column on 50 tables");
    }
    for n in sizes {
        let models = descriptors(n);
        let changed = with_new_column(&models, 50);
        let mut first = Vec::new();
        let mut unchanged = Vec::new();
        let mut incremental = Vec::new();
        for _ in 0..runs {
            let dir = std::env::temp_dir().join(format!("ferro-bench-{}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(dir.join("out")).expect("a scratch folder");
            let build = |models: &[Table]| {
                Builder::new(Schema::new(models.iter().cloned()))
                    .migrations_dir(&dir)
                    .out_dir(dir.join("out"))
                    .mode(Mode::Generate)
                    .generate()
                    .expect("generation succeeds")
            };
            let start = Instant::now();
            build(&models);
            first.push(start.elapsed());
            let start = Instant::now();
            let report = build(&models);
            unchanged.push(start.elapsed());
            assert!(
                report.written.is_empty(),
                "nothing changed, so nothing is written"
            );
            // The initial migration is committed before the models change
            // again (as with the peers), so the change is a new migration
            // rather than a rewrite of the draft: without the draft's base,
            // the file is sealed.
            std::fs::remove_file(dir.join(".draft-base.json")).expect("the draft's base");
            let start = Instant::now();
            let report = build(&changed);
            incremental.push(start.elapsed());
            assert!(!report.written.is_empty(), "the new columns make a migration");
            let _ = std::fs::remove_dir_all(&dir);
        }
        let ms = |times: Vec<Duration>| median(times).as_secs_f64() * 1e3;
        let (first, unchanged, incremental) = (ms(first), ms(unchanged), ms(incremental));
        if json {
            println!(
                "{{\"tool\": \"{tool}\", \"tables\": {n}, \"runs\": {runs}, \"first_ms\": {first:.1}, \
                 \"unchanged_ms\": {unchanged:.1}, \"incremental_ms\": {incremental:.1}}}"
            );
        } else {
            println!("{n:>6}  {first:>13.1} ms  {unchanged:>6.1} ms  {incremental:>10.1} ms");
        }
    }
}

/// `models` with a nullable `extra` column on the first `count` tables.
fn with_new_column(models: &[Table], count: usize) -> Vec<Table> {
    let mut changed = models.to_vec();
    for table in changed.iter_mut().take(count) {
        table
            .columns
            .to_mut()
            .push(Column::new("extra", SqlType::Integer).nullable());
    }
    changed
}
