//! Migrating through the application's own pool (`SqlitePool`, `PgPool`,
//! `MySqlPool`), on SQLite, PostgreSQL and MariaDB: a run leases one
//! connection and gives it back with the session as the application set it;
//! a cancelled run closes its connection instead, so no lock goes back into
//! the pool; a Rust step runs on the pool's connection; an in-memory SQLite
//! pool is migrated in place. See `docs/runtime.md`.

use std::time::Duration;

use ferro::migration::prelude::*;
use ferro::migration::{Migration, StepFuture};
use ferro::runtime::{Database, Dialect, Migrator, Target};
use ferro_tests::migration;
use ferro_tests::trials::{HEAD, MIGRATIONS};

/// A session setting the application's pool gives each connection, one the
/// runtime changes for a run on MySQL and SQLite; and the query that reads
/// it back.
fn setting(dialect: Dialect) -> (&'static str, &'static str, &'static str) {
    match dialect {
        Dialect::Sqlite => (
            "PRAGMA busy_timeout = 1234",
            "SELECT CAST(timeout AS TEXT) FROM pragma_busy_timeout",
            "1234",
        ),
        Dialect::Postgres => (
            "SET application_name = 'shop'",
            "SELECT current_setting('application_name')",
            "shop",
        ),
        Dialect::MySql => (
            "SET SESSION sql_mode = 'ANSI_QUOTES'",
            "SELECT CAST(@@SESSION.sql_mode AS CHAR)",
            "ANSI_QUOTES",
        ),
    }
}

/// A pool of one connection of `$options`' driver on `$url`, each
/// connection set up with `$setup`.
macro_rules! pool_of_one {
    ($options:ty, $url:expr, $setup:expr) => {
        <$options>::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _| {
                Box::pin(async move { sqlx::raw_sql($setup).execute(conn).await.map(drop) })
            })
            .connect($url)
            .await
            .unwrap()
    };
}

/// Runs `$body` with `$pool` bound to a pool of one connection on `$url`,
/// of the driver its scheme names, each connection set up with `$setup`.
macro_rules! with_pool {
    ($url:expr, $setup:expr, |$pool:ident| $body:expr) => {{
        let url: &str = $url;
        let setup: &'static str = $setup;
        match Dialect::of_url(url).unwrap() {
            Dialect::Sqlite => {
                let $pool = pool_of_one!(sqlx::sqlite::SqlitePoolOptions, &format!("{url}?mode=rwc"), setup);
                $body
            }
            Dialect::Postgres => {
                let $pool = pool_of_one!(sqlx::postgres::PgPoolOptions, url, setup);
                $body
            }
            Dialect::MySql => {
                let $pool = pool_of_one!(sqlx::mysql::MySqlPoolOptions, url, setup);
                $body
            }
        }
    }};
}

/// The trials' history (five migrations, the last with a Rust step) through
/// a pool of a single connection: every query the application makes after
/// the run needs the connection back, with its session as it was.
async fn a_run_leases_one_connection_and_gives_it_back(url: String) {
    let dialect = Dialect::of_url(&url).unwrap();
    let (setup, read, expected) = setting(dialect);
    let migrator = Migrator::new(&MIGRATIONS);
    with_pool!(&url, setup, |pool| {
        let mut db = Database::from_pool(&pool).unwrap();
        let applied = migrator.upgrade(&mut db, &Target::Head).await.unwrap();
        assert_eq!(applied.len(), 5);
        // `db` lives on, but its connection is back in the pool of one.
        let runs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM runs")
            .fetch_one(&pool)
            .await
            .expect("the run gave its connection back");
        assert_eq!(runs, 1, "the Rust step ran once, on the pool's connection");
        let value: String = sqlx::query_scalar(read).fetch_one(&pool).await.unwrap();
        assert_eq!(value, expected, "the session is as the application set it");
        // Reads lease it again, and keep it until the `Database` goes.
        assert_eq!(migrator.current(&mut db).await.unwrap(), [HEAD]);
        drop(db);
        let mut db = Database::from_pool(&pool).unwrap();
        migrator.downgrade(&mut db, &Target::Base).await.unwrap();
        let value: String = sqlx::query_scalar(read).fetch_one(&pool).await.unwrap();
        assert_eq!(value, expected, "after a downgrade too");
        assert!(migrator.current(&mut db).await.unwrap().is_empty());
    });
}

fn forever(_: &mut ferro::migration::Connection) -> StepFuture<'_> {
    Box::pin(std::future::pending())
}
fn stuck_up(op: &mut Ops) {
    op.create_table("stuck", |t| {
        t.column("id", SqlType::Integer);
    });
    op.rust("forever", forever);
}
fn stuck_down(op: &mut Ops) {
    op.drop_table("stuck");
}
static STUCK: [Migration; 1] = [migration(
    "0001_stuck.rs",
    "stuck",
    "5c0000000001",
    &[],
    stuck_up,
    stuck_down,
)];

/// A run cancelled in its Rust step (an application's timeout around the
/// upgrade) holds the migration lock and a transaction on the pool's
/// connection: the connection is closed, not given back, so the next
/// runner, from anywhere, gets the lock and finds nothing half done.
async fn a_cancelled_run_closes_its_connection_instead_of_giving_it_back(url: String) {
    let dialect = Dialect::of_url(&url).unwrap();
    let (setup, _, _) = setting(dialect);
    with_pool!(&url, setup, |pool| {
        let mut db = Database::from_pool(&pool).unwrap();
        let stuck = Migrator::new(&STUCK);
        let run = stuck.upgrade(&mut db, &Target::Head);
        assert!(
            tokio::time::timeout(Duration::from_secs(2), run).await.is_err(),
            "the step never ends"
        );
        // Another runner, on a connection of its own, waits at most a
        // little for the lock: the cancelled run's is gone. Its transaction
        // was rolled back, except on MySQL, where `CREATE TABLE` commits:
        // there the version table says which part is done.
        let mut other = Database::connect(&url).await.unwrap();
        let recorded = stuck.applied(&mut other).await.unwrap();
        let mysql = dialect == Dialect::MySql;
        assert_eq!(recorded.len(), usize::from(mysql), "{recorded:?}");
        stuck
            .lock_timeout(Duration::from_secs(5))
            .stamp(&mut other, &Target::Base, true)
            .await
            .expect("the lock is free");
        let applied = Migrator::new(&MIGRATIONS)
            .lock_timeout(Duration::from_secs(5))
            .upgrade(&mut other, &Target::Head)
            .await
            .unwrap();
        assert_eq!(applied.len(), 5);
        // The pool opens a new connection and goes on.
        let runs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM runs")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(runs, 1);
        let table: Result<i64, _> = sqlx::query_scalar("SELECT COUNT(*) FROM stuck")
            .fetch_one(&pool)
            .await;
        assert_eq!(table.is_ok(), mysql, "only MySQL keeps the table it created");
    });
}

ferro_tests::on_every_backend!("pool":
    a_run_leases_one_connection_and_gives_it_back,
    a_cancelled_run_closes_its_connection_instead_of_giving_it_back,
);

/// An in-memory SQLite database lives as long as its connection: migrating
/// it through a connection of its own would migrate another database. Through
/// the pool, the application sees its tables.
#[test]
fn an_in_memory_sqlite_pool_is_migrated_in_place() {
    ferro_tests::block_on(async {
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        let mut db = Database::from_pool(&pool).unwrap();
        Migrator::new(&MIGRATIONS)
            .upgrade(&mut db, &Target::Head)
            .await
            .unwrap();
        let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(accounts, 0);
        let runs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM runs")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(runs, 1);
    });
}
