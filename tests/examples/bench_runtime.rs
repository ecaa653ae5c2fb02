//! Times the runtime on SQLite (a file in a temporary directory), in the
//! profile an application ships with:
//!
//! ```text
//! cargo run --release -p ferro-tests --example bench_runtime
//! ```
//!
//! It reports, as medians of several runs:
//! 1. what 1,000 small migrations cost above their own SQL: `upgrade head`
//!    against executing the same statements, each in a transaction of its own,
//!    through sqlx;
//! 2. the initial migration of a 500-table schema against executing the same
//!    SQL in one transaction through sqlx;
//! 3. `is_at_head` with 1,000 migrations applied.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ferro::diff::diff;
use ferro::migration::{Migration, Op, Ops, Revision};
use ferro::plan::plan;
use ferro::runtime::{Database, Dialect, Migrator, Target};
use ferro::schema::Schema;
use sqlx::{AnyConnection, AssertSqlSafe, Connection as _};

use ferro_tests::synthetic::{SMALL, small_migrations};

fn nothing(_: &mut Ops) {}

static OPS: OnceLock<Vec<Op>> = OnceLock::new();

/// The operations that create the 500 tables, worked out once: a migration
/// file records them directly, without a diff.
fn ops() -> &'static [Op] {
    OPS.get_or_init(|| {
        let schema = Schema::new(ferro_tests::synthetic::descriptors(500)).expect("a valid schema");
        plan(&diff(&Schema::default(), &schema)).steps
    })
}

fn initial(op: &mut Ops) {
    for step in ops() {
        op.push(step.clone());
    }
}

static INITIAL: [Migration; 1] = [Migration {
    file: "0001_initial.rs",
    source: "initial",
    revision: Revision {
        id: "000000000001",
        parents: &[],
        message: "initial",
        schema: None,
    },
    upgrade: ferro::migration::Body::Code(initial),
    downgrade: ferro::migration::Body::Code(nothing),
    replaces: &[],
}];

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

async fn raw(url: &str, transactions: &[Vec<String>]) -> Duration {
    let mut conn = AnyConnection::connect(url).await.expect("a connection");
    let start = Instant::now();
    for statements in transactions {
        sqlx::raw_sql(AssertSqlSafe("BEGIN IMMEDIATE".to_owned()))
            .execute(&mut conn)
            .await
            .expect("begin");
        for sql in statements {
            sqlx::raw_sql(AssertSqlSafe(sql.clone()))
                .execute(&mut conn)
                .await
                .expect("the statement");
        }
        sqlx::raw_sql(AssertSqlSafe("COMMIT".to_owned()))
            .execute(&mut conn)
            .await
            .expect("commit");
    }
    start.elapsed()
}

async fn bench() {
    sqlx::any::install_default_drivers();
    // `BENCH_RUNS` and `BENCH_JSON=1` (JSON lines) are for `bench/compare.sh`.
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(11);
    let json = std::env::var_os("BENCH_JSON").is_some();
    let migrations = small_migrations(1000);
    let mut ferro_times = Vec::new();
    let mut raw_times = Vec::new();
    let mut head_checks = Vec::new();
    for _ in 0..runs {
        let dir = tempfile::tempdir().expect("a scratch directory");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("ferro.db").display());
        let mut db = Database::connect(&url).await.expect("a database");
        let migrator = Migrator::new(migrations);
        let start = Instant::now();
        migrator
            .upgrade(&mut db, &Target::Head)
            .await
            .expect("the migrations apply");
        ferro_times.push(start.elapsed());
        let mut checks = Vec::new();
        for _ in 0..50 {
            let start = Instant::now();
            assert!(migrator.is_at_head(&mut db).await.expect("the check"));
            checks.push(start.elapsed());
        }
        head_checks.push(median(checks));

        let url = format!("sqlite://{}?mode=rwc", dir.path().join("raw.db").display());
        let mut statements = vec![vec!["CREATE TABLE bench_log (n INTEGER)".to_owned()]];
        statements.extend((1..1000).map(|_| vec![SMALL.to_owned()]));
        raw_times.push(raw(&url, &statements).await);
    }
    let (ferro_small, raw_small) = (median(ferro_times), median(raw_times));
    let (ferro_initial, raw_initial) = initial_migration(runs).await;
    if json {
        for (case, tool, time) in [
            ("small in process", "ferro", ferro_small),
            ("small in process", "raw", raw_small),
            ("initial 500 tables", "ferro", ferro_initial),
            ("initial 500 tables", "raw", raw_initial),
        ] {
            println!(
                "{{\"case\": \"{case}\", \"tool\": \"{tool}\", \"database\": \"sqlite\", \"runs\": {runs}, \"median_ms\": {:.1}}}",
                ms(time)
            );
        }
        return;
    }
    println!("1,000 small migrations on SQLite (median of {runs}):");
    println!("  upgrade head                 {:>9.1} ms", ms(ferro_small));
    println!("  the same SQL, one tx each    {:>9.1} ms", ms(raw_small));
    println!(
        "  overhead per migration       {:>9.3} ms",
        ms(ferro_small.saturating_sub(raw_small)) / 1000.0
    );
    println!(
        "  is_at_head, 1,000 applied    {:>9.3} ms",
        ms(median(head_checks))
    );
    println!("initial migration of 500 tables on SQLite (median of {runs}):");
    println!("  upgrade head                 {:>9.1} ms", ms(ferro_initial));
    println!("  the same SQL in one tx       {:>9.1} ms", ms(raw_initial));
    println!(
        "  ratio                        {:>9.2}",
        ferro_initial.as_secs_f64() / raw_initial.as_secs_f64()
    );
}

/// The initial migration of 500 tables, and the same SQL in one transaction.
async fn initial_migration(runs: usize) -> (Duration, Duration) {
    let statements: Vec<String> = ops()
        .iter()
        .flat_map(|op| Dialect::Sqlite.render(op).expect("renders"))
        .collect();
    let mut ferro_times = Vec::new();
    let mut raw_times = Vec::new();
    for _ in 0..runs {
        let dir = tempfile::tempdir().expect("a scratch directory");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("ferro.db").display());
        let mut db = Database::connect(&url).await.expect("a database");
        let start = Instant::now();
        Migrator::new(&INITIAL)
            .upgrade(&mut db, &Target::Head)
            .await
            .expect("the migration applies");
        ferro_times.push(start.elapsed());
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("raw.db").display());
        raw_times.push(raw(&url, std::slice::from_ref(&statements)).await);
    }
    (median(ferro_times), median(raw_times))
}

fn main() {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(bench());
}
