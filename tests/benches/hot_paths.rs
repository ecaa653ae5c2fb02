//! Criterion benchmarks of Ferro's hot paths:
//!
//! - `generate/first/N`: what a migrations crate's build script does the
//!   first time, for N synthetic tables (`ferro_tests::synthetic`): diff
//!   against nothing, plan, emit the migration's source and the snapshot,
//!   embed;
//! - `generate/unchanged/N`: the same build once nothing changed;
//! - `render/DIALECT`: rendering the 500-table initial migration's
//!   operations into SQL, for SQLite and PostgreSQL;
//! - `draft_data/read/500`: reading the 500-table initial migration's
//!   steps from the data ferro-build embeds for an open draft
//!   (`Body::Data`), which the runtime does once per direction it needs;
//!   measured in the dev profile too, as a debug binary reads it
//!   (`--profile dev`, below);
//! - `applied/*/N`: on a SQLite file with N migrations applied (1,000 and
//!   5,000), `Migrator::is_at_head` (what an application runs at every
//!   start), `upgrade head` with nothing to do, the reads of `history`, and
//!   the checksum check of `verify`.
//!
//! ```text
//! cargo bench -p ferro-tests --bench hot_paths
//! cargo bench -p ferro-tests --bench hot_paths --profile dev -- draft_data
//! ```

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ferro::diff::diff;
use ferro::plan::plan;
use ferro::runtime::{Database, Dialect, Migrator, Target};
use ferro::schema::Schema;
use ferro_build::{Builder, Mode};
use ferro_tests::synthetic::{descriptors, small_migrations};

fn generate(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate");
    group.sample_size(10);
    for n in [100, 500, 2000] {
        let models = descriptors(n);
        let dir = tempfile::tempdir().expect("a scratch folder");
        let build = |dir: &std::path::Path| {
            Builder::new(Schema::new(models.iter().cloned()))
                .migrations_dir(dir)
                .out_dir(dir.join("out"))
                .mode(Mode::Generate)
                .generate()
                .expect("generation succeeds")
        };
        group.bench_with_input(BenchmarkId::new("first", n), &n, |b, _| {
            b.iter_batched(
                || {
                    let run = tempfile::tempdir_in(dir.path()).expect("a scratch folder");
                    std::fs::create_dir_all(run.path().join("out")).expect("a scratch folder");
                    run
                },
                |run| build(run.path()),
                criterion::BatchSize::PerIteration,
            );
        });
        std::fs::create_dir_all(dir.path().join("out")).expect("a scratch folder");
        build(dir.path());
        group.bench_with_input(BenchmarkId::new("unchanged", n), &n, |b, _| {
            b.iter(|| {
                let report = build(dir.path());
                assert!(report.written.is_empty());
            });
        });
    }
    group.finish();
}

fn render(c: &mut Criterion) {
    let schema = Schema::new(descriptors(500)).expect("a valid schema");
    let ops = plan(&diff(&Schema::default(), &schema));
    let ops = ops.steps;
    let mut group = c.benchmark_group("render");
    // Not MySQL, which refuses the synthetic schema's index on a `TEXT`
    // column (it indexes no unbounded text).
    for d in [Dialect::Sqlite, Dialect::Postgres] {
        group.bench_function(d.name(), |b| {
            b.iter(|| {
                for op in &ops {
                    black_box(d.render(op).expect("renders"));
                }
            });
        });
    }
    group.finish();
}

/// An open draft's steps read from the JSON the build script embeds for
/// it: the 500-table initial migration's upgrade.
fn draft_data(c: &mut Criterion) {
    use ferro::migration::{Body, Ops};
    let schema = Schema::new(descriptors(500)).expect("a valid schema");
    let mut ops = Ops::default();
    for op in plan(&diff(&Schema::default(), &schema)).steps {
        ops.push(op);
    }
    let json = ferro::migration::data::write(ops.steps()).expect("no Rust data step");
    let json: &'static str = Box::leak(json.into_boxed_str());
    let mut group = c.benchmark_group("draft_data");
    group.sample_size(20);
    group.bench_function(BenchmarkId::new("read", 500), |b| {
        b.iter(|| {
            let mut read = Ops::default();
            Body::Data(json).record(&mut read);
            black_box(read)
        });
    });
    group.finish();
}

/// The runtime over a long applied history, on a SQLite file with N small
/// migrations applied: what every start of an application (`is_at_head`)
/// and every deploy with nothing new (`upgrade head`: the lock, the version
/// table read whole, each applied file's checksum checked, the path worked
/// out) pay; `history` and `verify` as the commands run them.
fn long_history(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let mut group = c.benchmark_group("applied");
    group.sample_size(20);
    for n in [1000, 5000] {
        let dir = tempfile::tempdir().expect("a scratch folder");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("head.db").display());
        let migrator = Migrator::new(small_migrations(n));
        let mut db = runtime.block_on(async {
            let mut db = Database::connect(&url).await.expect("a connection");
            migrator
                .upgrade(&mut db, &Target::Head)
                .await
                .expect("the migrations apply");
            db
        });
        group.bench_with_input(BenchmarkId::new("at_head", n), &n, |b, _| {
            b.iter(|| {
                let at = runtime.block_on(migrator.is_at_head(&mut db)).expect("the check");
                assert!(at);
            });
        });
        group.bench_with_input(BenchmarkId::new("upgrade_nothing_to_do", n), &n, |b, _| {
            b.iter(|| {
                let done = runtime
                    .block_on(migrator.upgrade(&mut db, &Target::Head))
                    .expect("the upgrade");
                assert!(done.is_empty());
            });
        });
        group.bench_with_input(BenchmarkId::new("history", n), &n, |b, _| {
            b.iter(|| {
                let graph = migrator.graph().expect("the graph");
                let applied = runtime.block_on(migrator.applied(&mut db)).expect("the rows");
                assert_eq!(applied.len(), n);
                black_box(graph.current(&applied.iter().map(|r| r.revision.as_str()).collect::<Vec<_>>()));
            });
        });
        group.bench_with_input(BenchmarkId::new("verify", n), &n, |b, _| {
            b.iter(|| runtime.block_on(migrator.verify(&mut db)).expect("the checksums"));
        });
    }
    group.finish();
}

criterion_group!(benches, generate, render, draft_data, long_history);
criterion_main!(benches);
