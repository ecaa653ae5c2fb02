//! Times a SQLite table rebuild of a large table, in the profile an
//! application ships with, beside the floor: the same copy written by hand.
//!
//! ```text
//! cargo run --release -p ferro-tests --example bench_rebuild -- SEED.db
//! ```
//!
//! `big` (an integer key, an indexed nullable integer, a `VARCHAR(40)`, a
//! nullable double and a `NUMERIC(12, 2)`) gets `BENCH_ROWS` rows (default
//! 1,000,000) in `SEED.db`, made once and kept, so that `bench/compare.sh` can
//! hand the same file to Alembic's batch mode. Then, on a copy of it for
//! each run, it times:
//! - **Ferro**: `upgrade head` of a migration that widens the `VARCHAR`, gives
//!   the double a default and adds a check, which SQLite can only do by
//!   rebuilding the table;
//! - **the floor**: the rebuild as one would write it by hand, in one
//!   transaction: create the new table, `INSERT INTO … SELECT` every row,
//!   drop the old table, rename the new one, create its index.
//!
//! It prints the median of `BENCH_RUNS` runs (default 5) of each, as JSON
//! lines with `BENCH_JSON=1`.

use std::path::Path;
use std::time::{Duration, Instant};

use ferro::runtime::{Database, Dialect, Migrator, Target};
use ferro::schema::{Check, Column, Index, PrimaryKey, Schema, SqlType, Table, naming};
use ferro_tests::pair::{self, A};
use sqlx::{AnyConnection, AssertSqlSafe, Connection as _};

/// `big` before the change and after it; `name` names the table.
fn big(changed: bool, name: &str) -> Table {
    let mut c = Column::new("c", SqlType::Double).nullable();
    if changed {
        c = c.default("0");
    }
    let mut t = Table::new(name.to_owned());
    t.columns = vec![
        Column::new("id", SqlType::BigInt).auto_increment(),
        Column::new("a", SqlType::Integer).nullable(),
        Column::new("b", SqlType::Varchar(if changed { 60 } else { 40 })),
        c,
        Column::new("d", SqlType::numeric(12, 2)).nullable(),
    ]
    .into();
    t.primary_key = Some(PrimaryKey::new(naming::primary_key(name), ["id"]));
    t.indexes = vec![Index::new("ix_big_a", ["a"])].into();
    if changed {
        t.checks = vec![Check::new("ck_big_c", "c >= 0")].into();
    }
    t
}

fn schema(changed: bool) -> Schema {
    Schema::new([big(changed, "big")]).expect("a valid schema")
}

fn url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

async fn execute(conn: &mut AnyConnection, sql: &str) {
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The database at the first migration, with `rows` rows in `big`.
async fn seed(path: &Path, rows: u64) {
    let mut db = Database::connect(&url(path)).await.expect("a database");
    Migrator::new(&pair::MIGRATIONS)
        .upgrade(&mut db, &Target::Revision(A.into()))
        .await
        .expect("the first migration");
    let mut conn = AnyConnection::connect(&url(path)).await.expect("a connection");
    execute(
        &mut conn,
        &format!(
            "INSERT INTO big (id, a, b, c, d) \
             WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < {rows}) \
             SELECT i, CASE WHEN i % 17 = 0 THEN NULL ELSE i % 100003 - 50000 END, \
             'row ' || i || ' é ''quoted''', i * 0.25, CAST(i % 100000 AS NUMERIC) / 100 FROM k"
        ),
    )
    .await;
}

async fn ferro(path: &Path) -> Duration {
    let mut db = Database::connect(&url(path)).await.expect("a database");
    let start = Instant::now();
    Migrator::new(&pair::MIGRATIONS)
        .upgrade(&mut db, &Target::Head)
        .await
        .expect("the rebuild");
    start.elapsed()
}

/// The rebuild written by hand: the new table made as Ferro makes it, so
/// that both copy into the same table.
async fn floor(path: &Path) -> Duration {
    let create = Schema::new([big(true, "big_new")]).expect("a valid schema");
    let mut statements = vec!["BEGIN IMMEDIATE".to_owned()];
    for op in pair::steps(&Schema::default(), &create).0 {
        for sql in Dialect::Sqlite.render(&op).expect("renders") {
            // The index comes after the rename, under its own name.
            if !sql.starts_with("CREATE INDEX") {
                statements.push(sql);
            }
        }
    }
    statements.extend(
        [
            "INSERT INTO big_new (id, a, b, c, d) SELECT id, a, b, c, d FROM big",
            "DROP TABLE big",
            "ALTER TABLE big_new RENAME TO big",
            "CREATE INDEX ix_big_a ON big (a)",
            "COMMIT",
        ]
        .map(str::to_owned),
    );
    let mut conn = AnyConnection::connect(&url(path)).await.expect("a connection");
    let start = Instant::now();
    for sql in &statements {
        execute(&mut conn, sql).await;
    }
    start.elapsed()
}

fn median(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1e3
}

async fn bench(seed_path: &Path) {
    sqlx::any::install_default_drivers();
    pair::set(&schema(false), &schema(true), ferro::runtime::Dialect::Sqlite);
    let rows: u64 = std::env::var("BENCH_ROWS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    if !seed_path.exists() {
        seed(seed_path, rows).await;
    }
    let dir = tempfile::tempdir().expect("a scratch directory");
    let copy = dir.path().join("big.db");
    let (mut ferro_times, mut floor_times) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        std::fs::copy(seed_path, &copy).expect("a copy of the seed");
        ferro_times.push(ferro(&copy).await);
        std::fs::copy(seed_path, &copy).expect("a copy of the seed");
        floor_times.push(floor(&copy).await);
    }
    let (ferro_ms, floor_ms) = (median(ferro_times), median(floor_times));
    if std::env::var_os("BENCH_JSON").is_some() {
        for (tool, ms) in [("ferro", ferro_ms), ("raw copy", floor_ms)] {
            println!(
                "{{\"case\": \"rebuild\", \"tool\": \"{tool}\", \"rows\": {rows}, \"runs\": {runs}, \"median_ms\": {ms:.1}}}"
            );
        }
    } else {
        println!("rebuild of {rows} rows on SQLite (median of {runs}):");
        println!("  upgrade head        {ferro_ms:>9.1} ms");
        println!("  raw copy (floor)    {floor_ms:>9.1} ms");
        println!("  ratio               {:>9.2}", ferro_ms / floor_ms);
    }
}

fn main() {
    let seed = std::env::args_os().nth(1).expect("usage: bench_rebuild SEED.db");
    ferro_tests::block_on(bench(Path::new(&seed)));
}
