//! The migration lock and the version table's integrity, on SQLite,
//! PostgreSQL and MariaDB: one lock per run, in either direction; a lock
//! timeout that says whom it waited for; no lock left by a cancelled or
//! panicking run; lock names per database on a MariaDB server; the stored
//! downgrade checked; values no run writes refused; hand-written SQL on
//! MySQL kept in doubt; events as they happen. See `docs/reliability.md`.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ferro::migration::prelude::*;
use ferro::migration::{Migration, StepFuture};
use ferro::runtime::{Database, Dialect, Event, MigrateError, Migrator, Progress, Target};
use ferro_tests::migration;
use sqlx::{AnyConnection, Connection as _};

/// Per backend (0 SQLite, 1 PostgreSQL, 2 MariaDB; 3 for the test of two
/// MariaDB databases, which runs beside the others), whether the gate of
/// [`HELD`] is open, and whether a run has reached it.
static OPEN: [AtomicBool; 4] = [const { AtomicBool::new(false) }; 4];
static REACHED: [AtomicBool; 4] = [const { AtomicBool::new(false) }; 4];

fn slot(d: Dialect) -> usize {
    match d {
        Dialect::Sqlite => 0,
        Dialect::Postgres => 1,
        Dialect::MySql => 2,
    }
}

/// A Rust step that waits for its gate: a run that holds the lock as long
/// as the test wants.
fn gate<const N: usize>(_: &mut ferro::migration::Connection) -> StepFuture<'_> {
    Box::pin(async move {
        REACHED[N].store(true, Ordering::SeqCst);
        while !OPEN[N].load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(())
    })
}
fn held_up<const N: usize>(op: &mut Ops) {
    op.create_table("held", |t| {
        t.column("id", SqlType::Integer);
    });
    op.rust("gate", gate::<N>);
}
fn held_down(op: &mut Ops) {
    op.drop_table("held");
}
fn panics_up(op: &mut Ops) {
    op.create_table("held", |t| {
        t.column("id", SqlType::Integer);
    });
    op.rust("panics", |_| Box::pin(async { panic!("a bug in a Rust step") }));
}
fn table_up<const N: usize>(op: &mut Ops) {
    op.create_table(["t1", "t2", "t3"][N], |t| {
        t.column("id", SqlType::Integer);
        t.column("note", SqlType::Text).nullable();
    });
}
fn table_down<const N: usize>(op: &mut Ops) {
    op.drop_table(["t1", "t2", "t3"][N]).acknowledged(true);
}
fn raw_up(op: &mut Ops) {
    // MySQL commits the CREATE TABLE before the INSERT fails.
    op.sql("CREATE TABLE made (id INTEGER); INSERT INTO no_such_table VALUES (1)");
}

const fn held(up: fn(&mut Ops)) -> [Migration; 1] {
    [migration(
        "0001_held.rs",
        "0001_held.rs",
        "a1a1a1a1a1a1",
        &[],
        up,
        held_down,
    )]
}
static HELD: [[Migration; 1]; 4] = [
    held(held_up::<0>),
    held(held_up::<1>),
    held(held_up::<2>),
    held(held_up::<3>),
];
static PANICS: [Migration; 1] = held(panics_up);
static THREE: [Migration; 3] = [
    migration(
        "0001_t1.rs",
        "0001_t1.rs",
        "b1b1b1b1b1b1",
        &[],
        table_up::<0>,
        table_down::<0>,
    ),
    migration(
        "0002_t2.rs",
        "0002_t2.rs",
        "b2b2b2b2b2b2",
        &["b1b1b1b1b1b1"],
        table_up::<1>,
        table_down::<1>,
    ),
    migration(
        "0003_t3.rs",
        "0003_t3.rs",
        "b3b3b3b3b3b3",
        &["b2b2b2b2b2b2"],
        table_up::<2>,
        table_down::<2>,
    ),
];
static RAW: [Migration; 1] = [migration(
    "0001_raw.rs",
    "0001_raw.rs",
    "c1c1c1c1c1c1",
    &[],
    raw_up,
    held_down,
)];

fn counters_up(op: &mut Ops) {
    op.create_table("counters", |t| {
        t.column("n", SqlType::Integer);
    });
    op.sql("INSERT INTO counters (n) VALUES (0)");
}
fn counters_down(op: &mut Ops) {
    op.drop_table("counters").acknowledged(true);
}
fn bump_up(op: &mut Ops) {
    // MySQL commits the UPDATE as the ALTER begins; the ALTER then fails.
    op.sql("UPDATE counters SET n = n + 1; ALTER TABLE no_such_table ADD COLUMN x INTEGER");
}
fn typo_up(op: &mut Ops) {
    // Fails at its first statement: nothing ran.
    op.sql("UPDATE no_such_table SET n = 1; UPDATE counters SET n = n + 1");
}
fn nothing(_: &mut Ops) {}
const COUNTERS: Migration = migration(
    "0001_counters.rs",
    "0001_counters.rs",
    "c2c2c2c2c2c1",
    &[],
    counters_up,
    counters_down,
);
static BUMP: [Migration; 2] = [
    COUNTERS,
    migration(
        "0002_bump.rs",
        "0002_bump.rs",
        "c2c2c2c2c2c2",
        &["c2c2c2c2c2c1"],
        bump_up,
        nothing,
    ),
];
fn widen_up(op: &mut Ops) {
    op.alter_column(
        "counters",
        Column::new("n", SqlType::Integer),
        Column::new("n", SqlType::BigInt),
    );
}
fn widen_down(op: &mut Ops) {
    op.alter_column(
        "counters",
        Column::new("n", SqlType::BigInt),
        Column::new("n", SqlType::Integer),
    );
}
/// Two migrations that apply (the second rebuilds `counters` on SQLite),
/// then one that fails.
static FAILS_THIRD: [Migration; 3] = [
    COUNTERS,
    migration(
        "0002_widen.rs",
        "0002_widen.rs",
        "c2c2c2c2c2c4",
        &["c2c2c2c2c2c1"],
        widen_up,
        widen_down,
    ),
    migration(
        "0003_bump.rs",
        "0003_bump.rs",
        "c2c2c2c2c2c5",
        &["c2c2c2c2c2c4"],
        bump_up,
        nothing,
    ),
];
fn label_up(op: &mut Ops) {
    op.add_column("counters", Column::new("label", SqlType::Text).nullable());
}
fn label_down(op: &mut Ops) {
    op.drop_column("counters", "label").acknowledged(true);
}
static LABEL: [Migration; 2] = [
    COUNTERS,
    migration(
        "0002_label.rs",
        "0002_label.rs",
        "c2c2c2c2c2c6",
        &["c2c2c2c2c2c1"],
        label_up,
        label_down,
    ),
];
fn items_up(op: &mut Ops) {
    op.create_table("owners", |t| {
        t.column("id", SqlType::BigInt);
        t.primary_key("pk_owners", ["id"]);
    });
    op.create_table("items", |t| {
        t.column("id", SqlType::BigInt).auto_increment();
        t.column("owner_id", SqlType::BigInt).nullable();
        t.primary_key("pk_items", ["id"]);
    });
    op.sql("INSERT INTO owners (id) VALUES (1)");
}
fn items_down(op: &mut Ops) {
    op.drop_table("items").acknowledged(true);
    op.drop_table("owners").acknowledged(true);
}
/// What `Builder::safe(true)` writes for an index and a foreign key on an
/// existing table.
fn owned_up(op: &mut Ops) {
    op.create_index("items", Index::new("ix_items_owner_id", ["owner_id"]))
        .concurrently();
    op.add_foreign_key(
        "items",
        ForeignKey::new("fk_items_owner_id_owners", ["owner_id"], "owners", ["id"]),
    )
    .validate_separately();
}
fn owned_down(op: &mut Ops) {
    op.drop_foreign_key("items", "fk_items_owner_id_owners");
    op.drop_index("items", "ix_items_owner_id").concurrently();
}
static OWNED: [Migration; 2] = [
    migration(
        "0001_items.rs",
        "0001_items.rs",
        "c3c3c3c3c3c1",
        &[],
        items_up,
        items_down,
    ),
    migration(
        "0002_owned.rs",
        "0002_owned.rs",
        "c3c3c3c3c3c2",
        &["c3c3c3c3c3c1"],
        owned_up,
        owned_down,
    ),
];
static TYPO: [Migration; 2] = [
    COUNTERS,
    migration(
        "0002_typo.rs",
        "0002_typo.rs",
        "c2c2c2c2c2c3",
        &["c2c2c2c2c2c1"],
        typo_up,
        nothing,
    ),
];

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

/// A new database; `None` when the server's binaries are missing outside CI.
fn fresh(d: Dialect, prefix: &str) -> Option<(String, Option<tempfile::TempDir>)> {
    ferro_tests::fresh_database(d, prefix)
}

async fn execute(url: &str, sql: &str) {
    let mut conn = AnyConnection::connect(url).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
}

/// Every recorded revision's parents are recorded, and the schema is the
/// one the recorded revisions leave.
async fn consistent(url: &str, migrator: &Migrator) {
    let mut db = Database::connect(url).await.unwrap();
    let applied = migrator.applied(&mut db).await.unwrap();
    for row in &applied {
        assert!(row.progress.is_whole(), "{applied:?}");
        for parent in &row.parents {
            assert!(
                applied.iter().any(|r| &r.revision == parent),
                "`{}` is recorded without its parent `{parent}`: {applied:?}",
                row.revision
            );
        }
    }
    let drift = migrator.drift(&mut db).await.unwrap();
    assert!(drift.differences.is_empty(), "{drift:?}");
}

/// A run that waits for the lock says whom it waits for after a second,
/// and gives up after its lock timeout with exit code 12; through the
/// command line too.
fn a_waiting_run_says_whom_it_waits_for_and_times_out(d: Dialect) {
    let Some((url, _dir)) = fresh(d, "waits") else {
        return;
    };
    let n = slot(d);
    OPEN[n].store(false, Ordering::SeqCst);
    REACHED[n].store(false, Ordering::SeqCst);
    let rt = runtime();
    let held = {
        let url = url.clone();
        rt.spawn(async move {
            let mut db = Database::connect(&url).await.unwrap();
            Migrator::new(&HELD[n]).upgrade(&mut db, &Target::Head).await
        })
    };
    while !REACHED[n].load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let migrator = Migrator::new(&HELD[n])
        .lock_timeout(Duration::from_millis(1500))
        .on_event(move |event| {
            if let Event::Waiting { holder } = event {
                seen.lock().unwrap().push(holder.map(str::to_owned));
            }
        });
    let start = Instant::now();
    let err = rt.block_on(async {
        let mut db = Database::connect(&url).await.unwrap();
        migrator.upgrade(&mut db, &Target::Head).await.unwrap_err()
    });
    assert!(start.elapsed() >= Duration::from_millis(1500));
    assert!(matches!(err, MigrateError::LockTimeout { .. }), "{err}");
    assert_eq!(err.exit_code(), 12);
    let events = events.lock().unwrap().clone();
    assert_eq!(events.len(), 1, "one word after a second: {events:?}");
    let holder = events[0].clone().expect("the database tells who holds the lock");
    let expected = match d {
        Dialect::Sqlite => format!("process {}", std::process::id()),
        Dialect::Postgres => "process ".to_owned(),
        Dialect::MySql => "connection ".to_owned(),
    };
    assert!(holder.starts_with(&expected), "{holder}");
    assert!(err.to_string().contains(&holder), "{err}");

    // The command line: its own exit code, and the word on standard error.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_trial_runner"))
        .args(["--database-url", &url, "--lock-timeout", "1.5", "upgrade", "head"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(12), "{stderr}");
    assert!(
        stderr.contains(&format!("waiting for the migration lock held by {expected}")),
        "{stderr}"
    );

    OPEN[n].store(true, Ordering::SeqCst);
    let done = rt.block_on(held).unwrap().unwrap();
    assert_eq!(done.len(), 1);
}

/// Another connection's run takes the lock at once, and `db`, whose run
/// closed its connection with the lock, connects again and works.
async fn the_lock_is_free(url: &str, migrator: &Migrator, db: &mut Database) {
    let mut other = Database::connect(url).await.unwrap();
    migrator
        .stamp(&mut other, &Target::Base, false)
        .await
        .expect("the lock is free");
    assert!(migrator.applied(db).await.unwrap().is_empty());
}

/// A run whose future is dropped (a timeout around it) leaves no lock: the
/// next run takes it at once, and the first `Database` works on.
fn a_cancelled_run_leaves_no_lock(d: Dialect) {
    let Some((url, _dir)) = fresh(d, "cancel") else {
        return;
    };
    let n = slot(d);
    OPEN[n].store(false, Ordering::SeqCst);
    let rt = runtime();
    rt.block_on(async {
        let migrator = Migrator::new(&HELD[n]).lock_timeout(Duration::from_secs(3));
        let mut db = Database::connect(&url).await.unwrap();
        let run = migrator.upgrade(&mut db, &Target::Head);
        assert!(
            tokio::time::timeout(Duration::from_millis(500), run)
                .await
                .is_err(),
            "the gate holds the run"
        );
        the_lock_is_free(&url, &migrator, &mut db).await;
    });
}

/// A Rust step that panics leaves no lock either.
fn a_panicking_run_leaves_no_lock(d: Dialect) {
    let Some((url, _dir)) = fresh(d, "panics") else {
        return;
    };
    let rt = runtime();
    let migrator = Migrator::new(&PANICS).lock_timeout(Duration::from_secs(3));
    let mut db = rt.block_on(Database::connect(&url)).unwrap();
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(migrator.upgrade(&mut db, &Target::Head)).is_ok()
    }));
    assert!(outcome.is_err(), "the step panicked");
    rt.block_on(the_lock_is_free(&url, &migrator, &mut db));
}

/// `upgrade head` and `downgrade base` started together, held back by a
/// writer until both wait: one runs after the other, and the version
/// table holds what one of the two orders leaves.
fn runs_in_both_directions_follow_one_another(d: Dialect) {
    for trial in 0..5 {
        let Some((url, _dir)) = fresh(d, "race") else {
            return;
        };
        let rt = runtime();
        let migrator = Migrator::new(&THREE);
        rt.block_on(async {
            let mut db = Database::connect(&url).await.unwrap();
            migrator
                .upgrade(&mut db, &Target::Revision("b2b2".into()))
                .await
                .unwrap();
            let mut blocker = AnyConnection::connect(&url).await.unwrap();
            if d == Dialect::Sqlite {
                sqlx::raw_sql("BEGIN IMMEDIATE")
                    .execute(&mut blocker)
                    .await
                    .unwrap();
            }
            let (up_url, down_url) = (url.clone(), url.clone());
            let up = tokio::spawn(async move {
                let mut db = Database::connect(&up_url).await.unwrap();
                Migrator::new(&THREE).upgrade(&mut db, &Target::Head).await
            });
            let down = tokio::spawn(async move {
                let mut db = Database::connect(&down_url).await.unwrap();
                Migrator::new(&THREE).downgrade(&mut db, &Target::Base).await
            });
            tokio::time::sleep(Duration::from_millis(300)).await;
            if d == Dialect::Sqlite {
                sqlx::raw_sql("COMMIT").execute(&mut blocker).await.unwrap();
            }
            let up = up.await.unwrap();
            let down = down.await.unwrap();
            assert!(up.is_ok(), "trial {trial}: {up:?}");
            assert!(down.is_ok(), "trial {trial}: {down:?}");
            consistent(&url, &migrator).await;
            let current = migrator.current(&mut db).await.unwrap();
            assert!(
                current.is_empty() || current == ["b3b3b3b3b3b3"],
                "trial {trial}: at base or head, as one order or the other leaves: {current:?}"
            );
        });
    }
}

/// A new database at [`THREE`]'s first migration: its URL, its folder, a
/// runtime, the migrator and a connection.
#[allow(clippy::type_complexity)]
fn at_first(
    d: Dialect,
    prefix: &str,
) -> Option<(
    String,
    Option<tempfile::TempDir>,
    tokio::runtime::Runtime,
    Migrator,
    Database,
)> {
    let (url, dir) = fresh(d, prefix)?;
    let rt = runtime();
    let migrator = Migrator::new(&THREE);
    let db = rt.block_on(async {
        let mut db = Database::connect(&url).await.unwrap();
        migrator.upgrade(&mut db, &Target::Forward(1)).await.unwrap();
        db
    });
    Some((url, dir, rt, migrator, db))
}

/// The downgrade the version table keeps is checked before it runs; a
/// version table of an earlier release (without the checksum column) is
/// read as it is and brought up to date by the next run.
fn the_stored_downgrade_is_checked(d: Dialect) {
    let Some((url, _dir, rt, migrator, mut db)) = at_first(d, "stored") else {
        return;
    };
    rt.block_on(async {
        execute(&url, "ALTER TABLE ferro_version DROP COLUMN downgrade_checksum").await;
        let rows = migrator.applied(&mut db).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].downgrade_checksum, None);
        migrator.upgrade(&mut db, &Target::Head).await.unwrap();
        let rows = migrator.applied(&mut db).await.unwrap();
        assert_eq!(rows[0].downgrade_checksum, None, "an old row stays unchecked");
        let kept = rows[2].downgrade.clone().unwrap();
        assert!(rows[2].downgrade_checksum.is_some(), "{rows:?}");

        execute(
            &url,
            "UPDATE ferro_version SET downgrade = '[]' WHERE revision = 'b3b3b3b3b3b3'",
        )
        .await;
        let err = migrator.downgrade(&mut db, &Target::Back(1)).await.unwrap_err();
        assert!(matches!(err, MigrateError::DowngradeChanged { .. }), "{err}");
        assert_eq!(err.exit_code(), 4);
        assert_eq!(
            migrator.applied(&mut db).await.unwrap().len(),
            3,
            "nothing reverted"
        );
        consistent(&url, &migrator).await;

        let restore = format!(
            "UPDATE ferro_version SET downgrade = '{}' WHERE revision = 'b3b3b3b3b3b3'",
            kept.replace('\'', "''")
        );
        execute(&url, &restore).await;
        migrator.downgrade(&mut db, &Target::Base).await.unwrap();
        consistent(&url, &migrator).await;
    });
}

/// `steps_done` values no run writes: an error, never a panic.
fn values_no_run_writes_are_refused(d: Dialect) {
    let Some((url, _dir, rt, migrator, mut db)) = at_first(d, "values") else {
        return;
    };
    rt.block_on(async {
        execute(&url, "UPDATE ferro_version SET steps_done = -9223372036854775808").await;
        let rows = migrator.applied(&mut db).await.unwrap();
        assert!(matches!(rows[0].progress, Progress::Down(_)), "{rows:?}");
        let err = migrator.upgrade(&mut db, &Target::Head).await.unwrap_err();
        assert!(matches!(err, MigrateError::Partial { .. }), "{err}");
        if d == Dialect::Sqlite {
            // SQLite keeps any value in any column.
            execute(&url, "UPDATE ferro_version SET steps_done = 'two'").await;
            let err = migrator.applied(&mut db).await.unwrap_err();
            assert!(matches!(err, MigrateError::BadVersionRow { .. }), "{err}");
            assert_eq!(err.exit_code(), 4);
        }
    });
}

/// Two databases on one MariaDB server: a run on one does not wait for a
/// run on the other (lock names are server-wide).
fn databases_on_one_server_do_not_wait_for_each_other(d: Dialect) {
    let (Some((first, _a)), Some((second, _b))) = (fresh(d, "one"), fresh(d, "two")) else {
        return;
    };
    let n = 3;
    OPEN[n].store(false, Ordering::SeqCst);
    REACHED[n].store(false, Ordering::SeqCst);
    let rt = runtime();
    let holder = rt.spawn(async move {
        let mut db = Database::connect(&first).await.unwrap();
        Migrator::new(&HELD[n]).upgrade(&mut db, &Target::Head).await
    });
    while !REACHED[n].load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let done = rt.block_on(async {
        let mut db = Database::connect(&second).await.unwrap();
        Migrator::new(&THREE)
            .lock_timeout(Duration::from_secs(3))
            .upgrade(&mut db, &Target::Head)
            .await
    });
    OPEN[n].store(true, Ordering::SeqCst);
    assert_eq!(done.expect("the other database's lock is its own").len(), 3);
    rt.block_on(holder).unwrap().unwrap();
}

/// On MySQL, hand-written SQL whose DDL was committed before a later
/// statement failed keeps its mark, and the next run finds it in doubt.
fn mysql_raw_sql_that_failed_part_way_is_in_doubt(d: Dialect) {
    let Some((url, _dir)) = fresh(d, "raw") else {
        return;
    };
    let rt = runtime();
    let migrator = Migrator::new(&RAW);
    rt.block_on(async {
        let mut db = Database::connect(&url).await.unwrap();
        migrator.upgrade(&mut db, &Target::Head).await.unwrap_err();
        let rows = migrator.applied(&mut db).await.unwrap();
        assert_eq!(rows.len(), 1, "the mark stays: {rows:?}");
        assert_eq!(rows[0].progress, Progress::Up(0));
        let err = migrator.upgrade(&mut db, &Target::Head).await.unwrap_err();
        assert!(matches!(err, MigrateError::InDoubt(_)), "{err}");
        assert_eq!(err.exit_code(), 11);
    });
}

/// On MySQL, a data statement of hand-written SQL that a later schema
/// statement committed before failing is not run again: the schema is as it
/// was, yet the part is in doubt. Hand-written SQL that failed at its first
/// statement did nothing, and runs again once fixed.
fn mysql_raw_sql_committed_by_a_failed_alter_is_in_doubt(d: Dialect) {
    let Some((url, _dir)) = fresh(d, "bump") else {
        return;
    };
    let counter = async |url: &str| {
        let mut conn = AnyConnection::connect(url).await.unwrap();
        let n: i32 = sqlx::query_scalar("SELECT n FROM counters")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        n
    };
    runtime().block_on(async {
        let mut db = Database::connect(&url).await.unwrap();
        let migrator = Migrator::new(&BUMP);
        migrator.upgrade(&mut db, &Target::Head).await.unwrap_err();
        assert_eq!(counter(&url).await, 1, "MySQL committed the UPDATE");
        let err = migrator.upgrade(&mut db, &Target::Head).await.unwrap_err();
        assert!(matches!(err, MigrateError::InDoubt(_)), "{err}");
        assert_eq!(counter(&url).await, 1, "the UPDATE is not run twice");

        let Some((url, _dir)) = fresh(d, "typo") else {
            return;
        };
        let mut db = Database::connect(&url).await.unwrap();
        let migrator = Migrator::new(&TYPO);
        migrator.upgrade(&mut db, &Target::Head).await.unwrap_err();
        let rows = migrator.applied(&mut db).await.unwrap();
        assert_eq!(
            rows.len(),
            1,
            "no mark left for the migration that did nothing: {rows:?}"
        );
        let err = migrator.upgrade(&mut db, &Target::Head).await.unwrap_err();
        assert!(
            matches!(err, MigrateError::Database { .. }),
            "it runs again: {err}"
        );
        assert_eq!(counter(&url).await, 0);
    });
}

/// Each migration's start and end are told as they happen, statements
/// between them; the command line prints them live, statements with `-v`.
fn events_come_as_they_happen(d: Dialect) {
    let Some((url, _dir)) = fresh(d, "events") else {
        return;
    };
    let rt = runtime();
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let migrator = Migrator::new(&THREE).on_event(move |event| {
        let word = match event {
            Event::Started { revision, .. } => format!("start {revision}"),
            Event::Statement { .. } => "statement".to_owned(),
            Event::Finished { revision, .. } => format!("end {revision}"),
            _ => return,
        };
        seen.lock().unwrap().push(word);
    });
    rt.block_on(async {
        let mut db = Database::connect(&url).await.unwrap();
        migrator.upgrade(&mut db, &Target::Forward(2)).await.unwrap();
    });
    let events = events.lock().unwrap().clone();
    let position = |w: &str| events.iter().position(|e| e == w).unwrap_or(usize::MAX);
    assert_eq!(
        events[position("start b1b1b1b1b1b1") + 1],
        "statement",
        "the migration's statements follow its start: {events:?}"
    );
    assert!(
        position("end b1b1b1b1b1b1") < position("start b2b2b2b2b2b2"),
        "{events:?}"
    );
    assert_eq!(events.last().map(String::as_str), Some("end b2b2b2b2b2b2"));

    let Some((url, _dir)) = fresh(d, "events_cli") else {
        return;
    };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_trial_runner"))
        .args(["--database-url", &url, "upgrade", "+1", "-v"])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    let first = ferro_tests::trials::REVISIONS[0];
    assert!(stderr.contains(&format!("applying {first}")), "{stderr}");
    assert!(
        stderr.contains("    CREATE TABLE"),
        "`-v` shows the statements: {stderr}"
    );
    assert!(stdout.contains(&format!("applied {first}")), "{stdout}");
}

/// A run that fails in its third migration has told, as each was done,
/// that the first two were applied, and the version table records them;
/// on SQLite a table rebuild is told, with its rows, before they are copied.
fn a_failed_run_has_told_what_it_committed(d: Dialect) {
    let Some((url, _dir)) = fresh(d, "told") else {
        return;
    };
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let migrator = Migrator::new(&FAILS_THIRD).on_event(move |event| {
        let word = match event {
            Event::Finished { revision, .. } => format!("end {revision}"),
            Event::Rebuild { table, rows } => format!("rebuild {table} {rows}"),
            Event::Started { revision, .. } => format!("start {revision}"),
            _ => return,
        };
        seen.lock().unwrap().push(word);
    });
    runtime().block_on(async {
        let mut db = Database::connect(&url).await.unwrap();
        let err = migrator.upgrade(&mut db, &Target::Head).await.unwrap_err();
        assert!(err.to_string().contains("0003_bump.rs"), "{err}");
        let applied: Vec<String> = migrator
            .applied(&mut db)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.progress.is_whole())
            .map(|r| r.revision)
            .collect();
        assert_eq!(applied, ["c2c2c2c2c2c1", "c2c2c2c2c2c4"]);
    });
    let events = events.lock().unwrap().clone();
    let mut expected = vec!["start c2c2c2c2c2c1", "end c2c2c2c2c2c1", "start c2c2c2c2c2c4"];
    if d == Dialect::Sqlite {
        expected.push("rebuild counters 1");
    }
    expected.extend(["end c2c2c2c2c2c4", "start c2c2c2c2c2c5"]);
    assert_eq!(events, expected);
}

/// A migration whose table another session holds open (a long read
/// transaction) waits no longer than its table lock timeout, is undone and
/// tried again, and gives up with the database's lock error when the
/// retries run out, leaving the database as it was; once the reader ends,
/// a retry succeeds. Offline scripts set the timeout first. (SQLite: the
/// run's lock is the database's own, and nothing else can hold a table.)
fn a_table_lock_wait_is_bounded_and_tried_again(d: Dialect) {
    let Some((url, _dir)) = fresh(d, "table_lock") else {
        return;
    };
    if d == Dialect::Sqlite {
        let migrator = Migrator::new(&LABEL).table_lock_timeout(Duration::from_millis(300));
        let script = migrator.upgrade_sql(d, &Target::Base, &Target::Head).unwrap();
        assert!(!script.iter().any(|s| s.starts_with("SET")), "{script:?}");
        runtime().block_on(async {
            let mut db = Database::connect(&url).await.unwrap();
            assert_eq!(migrator.upgrade(&mut db, &Target::Head).await.unwrap().len(), 2);
        });
        return;
    }
    // MySQL counts its lock_wait_timeout in whole seconds.
    let timeout = if d == Dialect::MySql {
        Duration::from_secs(1)
    } else {
        Duration::from_millis(300)
    };
    let retries = Arc::new(Mutex::new(0));
    let counted = retries.clone();
    let migrator = |tries: u32| {
        let counted = counted.clone();
        Migrator::new(&LABEL)
            .table_lock_timeout(timeout)
            .lock_retries(tries)
            .on_event(move |event| {
                if let Event::Retrying { .. } = event {
                    *counted.lock().unwrap() += 1;
                }
            })
    };
    let script = migrator(1).upgrade_sql(d, &Target::Base, &Target::Head).unwrap();
    let set = if d == Dialect::MySql {
        "SET SESSION lock_wait_timeout = 1"
    } else {
        "SET lock_timeout = '300ms'"
    };
    assert!(script.iter().take(3).any(|s| s == set), "{script:?}");
    runtime().block_on(async {
        let mut db = Database::connect(&url).await.unwrap();
        migrator(0).upgrade(&mut db, &Target::Forward(1)).await.unwrap();
        // A reader that keeps its transaction open holds the table.
        let mut reader = AnyConnection::connect(&url).await.unwrap();
        sqlx::raw_sql("BEGIN; SELECT * FROM counters")
            .execute(&mut reader)
            .await
            .unwrap();
        let started = Instant::now();
        let err = migrator(1).upgrade(&mut db, &Target::Head).await.unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );
        let text = err.to_string();
        assert!(
            text.to_lowercase().contains("lock"),
            "the database's lock error: {text}"
        );
        assert_eq!(*retries.lock().unwrap(), 1, "tried once more: {text}");
        let applied: Vec<String> = migrator(0)
            .applied(&mut db)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.revision)
            .collect();
        assert_eq!(applied, ["c2c2c2c2c2c1"], "nothing recorded: {text}");
        assert!(migrator(0).drift(&mut db).await.unwrap().differences.is_empty());

        // The reader ends while the run waits: a retry gets the lock.
        *retries.lock().unwrap() = 0;
        let release = tokio::spawn(async move {
            tokio::time::sleep(timeout + Duration::from_millis(200)).await;
            sqlx::raw_sql("COMMIT").execute(&mut reader).await.unwrap();
        });
        let done = migrator(3).upgrade(&mut db, &Target::Head).await.unwrap();
        release.await.unwrap();
        assert_eq!(done.len(), 1);
        assert!(*retries.lock().unwrap() >= 1);
    });
}

/// What a run tells `tracing`: the messages of its events, and the spans
/// they were in.
#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<String>>,
    spans: std::sync::atomic::AtomicU64,
}

struct Message<'a>(&'a mut String);

impl tracing::field::Visit for Message<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            *self.0 = format!("{value:?}");
        }
    }
}

impl tracing::Subscriber for Recorder {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.target().starts_with("ferro")
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        self.seen
            .lock()
            .unwrap()
            .push(format!("span {}", span.metadata().name()));
        tracing::span::Id::from_u64(self.spans.fetch_add(1, Ordering::SeqCst) + 1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut message = String::new();
        event.record(&mut Message(&mut message));
        self.seen.lock().unwrap().push(message);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// An application's `tracing` subscriber sees a run's events, with no
/// observer given.
#[test]
fn a_run_tells_tracing() {
    let Some((url, _dir)) = fresh(Dialect::Sqlite, "tracing") else {
        return;
    };
    let recorder = Arc::new(Recorder::default());
    let dispatch = tracing::Dispatch::from(recorder.clone());
    tracing::dispatcher::with_default(&dispatch, || {
        ferro_tests::block_on(async {
            let mut db = Database::connect(&url).await.unwrap();
            Migrator::new(&THREE)
                .upgrade(&mut db, &Target::Head)
                .await
                .unwrap();
        });
    });
    let seen = recorder.seen.lock().unwrap().clone();
    let count = |m: &str| seen.iter().filter(|s| *s == m).count();
    assert_eq!(count("span migration"), 3, "{seen:?}");
    // Each migration's CREATE TABLE and its version-table row at least
    // (`BEGIN` is told, but sent with the transaction, not run on its own).
    assert!(count("span statement") >= 6, "a span per statement run: {seen:?}");
    assert_eq!(count("migration started"), 3, "{seen:?}");
    assert_eq!(count("migration done"), 3, "{seen:?}");
    assert!(count("statement") >= 3, "{seen:?}");
}

macro_rules! on_every_backend {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $scenario() { super::$scenario(super::Dialect::Sqlite); })*
        }
        mod postgres {
            $(#[test] fn $scenario() { super::$scenario(super::Dialect::Postgres); })*
        }
        mod mariadb {
            $(#[test] fn $scenario() { super::$scenario(super::Dialect::MySql); })*
        }
    };
}

on_every_backend!(
    a_waiting_run_says_whom_it_waits_for_and_times_out,
    a_cancelled_run_leaves_no_lock,
    a_panicking_run_leaves_no_lock,
    runs_in_both_directions_follow_one_another,
    the_stored_downgrade_is_checked,
    values_no_run_writes_are_refused,
    events_come_as_they_happen,
    a_failed_run_has_told_what_it_committed,
    a_table_lock_wait_is_bounded_and_tried_again,
);

/// On a real PostgreSQL: a safe migration (an index built concurrently, a
/// foreign key validated apart) on a table a long read transaction holds,
/// run with a table lock timeout far shorter than the reader. The index
/// build waits for the reader, as `CREATE INDEX CONCURRENTLY` must, without
/// being cut short by the timeout (which would leave an invalid index);
/// another connection's writes to the table go on meanwhile, each at once;
/// once the reader ends, the migration finishes with a valid index and a
/// validated key.
#[test]
fn postgres_a_safe_migration_lets_writes_go_on_while_it_waits() {
    let Some((url, _dir)) = fresh(Dialect::Postgres, "safe_wait") else {
        return;
    };
    let timeout = Duration::from_millis(300);
    let rt = runtime();
    rt.block_on(async {
        let migrator = Migrator::new(&OWNED).table_lock_timeout(timeout);
        let mut db = Database::connect(&url).await.unwrap();
        migrator.upgrade(&mut db, &Target::Forward(1)).await.unwrap();
        let script = migrator
            .upgrade_sql(
                Dialect::Postgres,
                &Target::Revision("c3c3c3c3c3c1".into()),
                &Target::Head,
            )
            .unwrap();
        let lifted = script
            .iter()
            .position(|s| s == "SET lock_timeout = 0")
            .expect("lifted in the script");
        assert!(
            script[lifted + 1].starts_with("CREATE INDEX CONCURRENTLY"),
            "{script:?}"
        );
        assert_eq!(script[lifted + 2], "SET lock_timeout = '300ms'");

        // A report: one snapshot for the whole transaction, which the index
        // build must outwait.
        let mut reader = AnyConnection::connect(&url).await.unwrap();
        sqlx::raw_sql("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT * FROM items")
            .execute(&mut reader)
            .await
            .unwrap();
        let started = Instant::now();
        let run = tokio::spawn(async move { migrator.upgrade(&mut db, &Target::Head).await });
        // Well past the timeout, the index build still waits for the reader;
        // writes meanwhile each finish at once.
        let mut writer = AnyConnection::connect(&url).await.unwrap();
        let mut slowest = Duration::ZERO;
        while started.elapsed() < timeout * 5 {
            let insert = Instant::now();
            sqlx::query("INSERT INTO items (owner_id) VALUES (1)")
                .execute(&mut writer)
                .await
                .unwrap();
            slowest = slowest.max(insert.elapsed());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if run.is_finished() {
            panic!(
                "the index build did not wait for the reader: {:?}",
                run.await.unwrap()
            );
        }
        assert!(slowest < Duration::from_secs(1), "a write waited {slowest:?}");
        sqlx::raw_sql("COMMIT").execute(&mut reader).await.unwrap();
        let done = run
            .await
            .unwrap()
            .expect("the migration finishes once the reader ends");
        assert_eq!(done.len(), 1);
        let valid: bool = sqlx::query_scalar(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_items_owner_id'::regclass",
        )
        .fetch_one(&mut writer)
        .await
        .unwrap();
        let validated: bool = sqlx::query_scalar(
            "SELECT convalidated FROM pg_constraint WHERE conname = 'fk_items_owner_id_owners'",
        )
        .fetch_one(&mut writer)
        .await
        .unwrap();
        assert!(valid && validated);
    });
}

#[test]
fn mariadb_databases_on_one_server_do_not_wait_for_each_other() {
    databases_on_one_server_do_not_wait_for_each_other(Dialect::MySql);
}

#[test]
fn mariadb_raw_sql_that_failed_part_way_is_in_doubt() {
    mysql_raw_sql_that_failed_part_way_is_in_doubt(Dialect::MySql);
}

#[test]
fn mariadb_raw_sql_committed_by_a_failed_alter_is_in_doubt() {
    mysql_raw_sql_committed_by_a_failed_alter_is_in_doubt(Dialect::MySql);
}
