//! Times generation as a migrations crate's build script runs it.
//!
//! Build scripts compile in the profile of the build (`dev` by default, with
//! its unoptimised `build-override`), so run this the same way:
//!
//! ```text
//! cargo run -p ferro-build --example bench_generate            # as a build script runs
//! cargo run -p ferro-build --example bench_generate --release  # for comparison
//! ```
//!
//! For N tables (10 columns of mixed types, a unique, an index and a nullable
//! CASCADE foreign key to the previous table each) it reports the median of
//! several runs of what the build script does: resolve the models' schema
//! (`ferro::schema!()`), then either the first generation (diff, plan, write
//! the migration and the snapshot, embed) or a build in which no model changed
//! (the script runs because the models crate was rebuilt).

use std::time::{Duration, Instant};

use ferro::schema::{
    Action, Column, ForeignKey, Index, PrimaryKey, Schema, SqlType, Table, UniqueConstraint,
};
use ferro_build::{Builder, Mode};

/// A `'static` name, as a model's descriptor holds it.
fn name(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

fn table(i: usize) -> Table {
    let mut t = Table::new(name(format!("table_{i:04}")));
    let mut columns = vec![
        Column::new("id", SqlType::BigInt).auto_increment(),
        Column::new("code", SqlType::Varchar(32)),
        Column::new("name", SqlType::Text),
        Column::new("amount", SqlType::numeric(12, 2)),
        Column::new("active", SqlType::Boolean).default("true"),
        Column::new("created_at", SqlType::TIMESTAMPTZ),
        Column::new("note", SqlType::Text).nullable(),
        Column::new("score", SqlType::Double).nullable(),
        Column::new("payload", SqlType::Json).nullable(),
    ];
    columns.push(Column::new("parent_id", SqlType::BigInt).nullable());
    t.columns = columns.into();
    t.primary_key = Some(PrimaryKey::new(name(format!("pk_table_{i:04}")), ["id"]));
    t.unique_constraints = vec![UniqueConstraint::new(
        name(format!("uq_table_{i:04}_code")),
        ["code"],
    )]
    .into();
    t.indexes = vec![Index::new(name(format!("ix_table_{i:04}_name")), ["name"])].into();
    let referred = name(format!("table_{:04}", i.saturating_sub(1)));
    t.foreign_keys = vec![
        ForeignKey::new(
            name(format!("fk_table_{i:04}_parent_id")),
            ["parent_id"],
            referred,
            ["id"],
        )
        .on_delete(Action::Cascade),
    ]
    .into();
    t
}

/// The models' descriptors: what `ferro::schema!()` resolves on every run.
fn descriptors(n: usize) -> Vec<Table> {
    (0..n).map(table).collect()
}

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
