//! Crash and concurrency trials: `upgrade head` run by separate processes
//! (`trial_runner`, the command line of `ferro_tests::trials`), killed with
//! SIGKILL at a random moment, or sixteen at once, on SQLite, PostgreSQL and
//! MariaDB. What each trial must leave is in `docs/reliability.md`.
//!
//! The mixed trials start sixteen processes at once with random commands in
//! both directions (`upgrade head`, `upgrade +1`, `downgrade -1`,
//! `downgrade base`, `stamp REV`).
//!
//! `FERRO_CRASH_TRIALS` (default 100), `FERRO_CONCURRENCY_TRIALS` and
//! `FERRO_MIXED_TRIALS` (default 20 each) set the number of trials;
//! `FERRO_TRIAL_SEED` the seed of the kill times and of the commands.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ferro::runtime::{Database, Dialect, Migrator, Progress, Target};
use ferro_tests::block_on;
use ferro_tests::trials::{self, BASE, Delays, FAIL, HEAD, MIGRATIONS, REVISIONS};
use sqlx::{AnyConnection, Connection as _, Row as _};

const ACCOUNTS: usize = 2_000;
const ENTRIES: usize = 10_000;

fn count(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `upgrade head` on `url` in a process of its own.
fn runner(url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trial_runner"));
    command
        .args(["--database-url", url, "upgrade", "head"])
        .env_remove(FAIL)
        .stdin(Stdio::null());
    command
}

/// A new database at [`BASE`] with the seeded rows, and its fingerprint;
/// `None` when the server's binaries are missing outside CI.
async fn seeded_database(
    dialect: Dialect,
    accounts: usize,
    entries: usize,
) -> Option<(String, Option<tempfile::TempDir>, (usize, usize, String))> {
    let (url, dir) = ferro_tests::fresh_database(dialect, "trial")?;
    let mut db = Database::connect(&url).await.unwrap();
    Migrator::new(&MIGRATIONS)
        .upgrade(&mut db, &Target::Revision(BASE.into()))
        .await
        .unwrap();
    drop(db);
    trials::seed(&url, accounts, entries).await.unwrap();
    let fingerprint = trials::fingerprint(&url).await.unwrap();
    assert_eq!((fingerprint.0, fingerprint.1), (accounts, entries));
    Some((url, dir, fingerprint))
}

/// Waits until no session but this one is connected to the database at
/// `url`: a killed runner's session ends when the server notices, and with
/// it its lock (a statement it sent may still be running until then).
async fn sessions_gone(url: &str) {
    let query = match Dialect::of_url(url).unwrap() {
        Dialect::Sqlite => return,
        Dialect::Postgres => {
            "SELECT CAST(count(*) AS TEXT) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()"
        }
        Dialect::MySql => {
            "SELECT CAST(COUNT(*) AS CHAR) FROM information_schema.processlist \
             WHERE db = DATABASE() AND id <> CONNECTION_ID()"
        }
    };
    let mut conn = AnyConnection::connect(url).await.unwrap();
    let start = Instant::now();
    loop {
        let others: String = sqlx::query(query).fetch_one(&mut conn).await.unwrap().get(0);
        if others == "0" {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{others} sessions still open a minute after the runners ended"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    conn.close().await.unwrap();
}

/// How many advisory locks PostgreSQL holds on the database at `url`; 0 on
/// the other databases, where the lock lives and dies with a session that
/// [`sessions_gone`] saw end.
async fn advisory_locks(url: &str) -> i64 {
    if Dialect::of_url(url).unwrap() != Dialect::Postgres {
        return 0;
    }
    let mut conn = AnyConnection::connect(url).await.unwrap();
    let locks: String = sqlx::query(
        "SELECT CAST(count(*) AS TEXT) FROM pg_locks WHERE locktype = 'advisory' \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap()
    .get(0);
    locks.parse().unwrap()
}

/// The database at `url` is at a recorded revision whose schema it has,
/// with every seeded row: the revision, or (on MySQL) the migration that
/// stopped part-way and how many of its parts are recorded.
async fn recorded_state(url: &str, seeded: &(usize, usize, String)) -> String {
    let migrator = Migrator::new(&MIGRATIONS);
    let mut db = Database::connect(url).await.unwrap();
    let applied = migrator.applied(&mut db).await.unwrap();
    let stopped: Vec<_> = applied.iter().filter(|r| !r.progress.is_whole()).collect();
    assert_eq!(
        &trials::fingerprint(url).await.unwrap(),
        seeded,
        "every row is kept"
    );
    if let [row] = stopped.as_slice() {
        // Only MySQL, where each schema statement commits as it runs, may
        // stop between two parts; the version table says which.
        assert_eq!(
            db.dialect(),
            Dialect::MySql,
            "a migration stopped part-way: {row:?}"
        );
        return format!(
            "{} after {} parts",
            row.revision,
            match row.progress {
                Progress::Up(k) | Progress::Down(k) => k,
                Progress::Whole => 0,
            }
        );
    }
    assert!(stopped.is_empty(), "{stopped:?}");
    let current = migrator.current(&mut db).await.unwrap();
    assert_eq!(current.len(), 1, "one current revision: {current:?}");
    assert!(REVISIONS.contains(&current[0].as_str()), "{current:?}");
    let drift = migrator.drift(&mut db).await.unwrap();
    assert!(
        drift.differences.is_empty(),
        "the schema is the one revision {} leaves: {:?}",
        current[0],
        drift.differences
    );
    current[0].clone()
}

/// After a trial: the next `upgrade head` completes, and leaves the head's
/// schema, every row, and the last migration's data step done once.
async fn resumes(url: &str, seeded: &(usize, usize, String)) {
    let migrator = Migrator::new(&MIGRATIONS);
    let mut db = Database::connect(url).await.unwrap();
    tokio::time::timeout(Duration::from_secs(60), migrator.upgrade(&mut db, &Target::Head))
        .await
        .expect("the lock is free")
        .expect("the next upgrade completes");
    assert!(migrator.is_at_head(&mut db).await.unwrap());
    assert_eq!(migrator.current(&mut db).await.unwrap(), [HEAD]);
    let drift = migrator.drift(&mut db).await.unwrap();
    assert!(drift.differences.is_empty(), "{:?}", drift.differences);
    assert_eq!(
        &trials::fingerprint(url).await.unwrap(),
        seeded,
        "every row is kept"
    );
    assert_eq!(trials::runs(url).await.unwrap(), 1, "the last data step ran once");
}

/// Kills `upgrade head` at a random moment, `FERRO_CRASH_TRIALS` times, and
/// checks what each kill left; returns how the trials ended.
fn crash_trials(dialect: Dialect) {
    let trials = count("FERRO_CRASH_TRIALS", 100);
    let seed = count("FERRO_TRIAL_SEED", 20_261_121) as u64;
    block_on(async {
        // One run to the end, timed: the kills fall anywhere from the start
        // of the process to half as long again as such a run.
        let Some((url, _dir, seeded)) = seeded_database(dialect, ACCOUNTS, ENTRIES).await else {
            return;
        };
        let start = Instant::now();
        let out = runner(&url).output().unwrap();
        let whole = start.elapsed();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        resumes(&url, &seeded).await;

        let mut delays = Delays(seed);
        let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
        let mut finished = 0;
        for trial in 0..trials {
            let (url, _dir, seeded) = seeded_database(dialect, ACCOUNTS, ENTRIES).await.unwrap();
            let delay = delays.next(whole * 3 / 2);
            let mut child = runner(&url)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(delay);
            if child.try_wait().unwrap().is_some() {
                finished += 1;
            }
            child.kill().unwrap();
            child.wait().unwrap();
            sessions_gone(&url).await;
            let state = recorded_state(&url, &seeded).await;
            resumes(&url, &seeded).await;
            assert_eq!(advisory_locks(&url).await, 0, "trial {trial}: no lock is left");
            *outcomes.entry(state).or_default() += 1;
        }
        eprintln!(
            "{} crash trials on {} (a whole run {whole:.2?}, seed {seed}): {finished} runs had ended \
             before the kill; the kills left {outcomes:?}",
            trials,
            dialect.name()
        );
        // The kills fell while the run was changing the database, not only
        // before or after it.
        if trials >= 20 {
            assert!(outcomes.len() >= 3, "{outcomes:?}");
        }
    });
}

/// Sixteen processes start `upgrade head` at once, `FERRO_CONCURRENCY_TRIALS`
/// times; in every other trial the last migration fails in the first process
/// that runs it, and the next one to take the lock applies it.
fn concurrency_trials(dialect: Dialect) {
    let trials = count("FERRO_CONCURRENCY_TRIALS", 20);
    block_on(async {
        for trial in 0..trials {
            let Some((url, dir, seeded)) = seeded_database(dialect, 200, 1_000).await else {
                return;
            };
            let failing = trial % 2 == 1;
            let marker = tempfile::tempdir().unwrap();
            let marker = marker.path().join("failed");
            let outputs =
                trials::all_at_once((0..16).map(|_| runner(&url)), failing.then_some(marker.as_path()));
            let failed: Vec<_> = outputs.iter().filter(|o| !o.status.success()).collect();
            if failing {
                assert_eq!(failed.len(), 1, "trial {trial}: only the failing run fails");
                let message = String::from_utf8_lossy(&failed[0].stderr);
                assert!(message.contains("the first run of this step fails"), "{message}");
                assert_eq!(failed[0].status.code(), Some(1));
            } else {
                assert!(
                    failed.is_empty(),
                    "trial {trial}: {:?}",
                    failed
                        .iter()
                        .map(|o| String::from_utf8_lossy(&o.stderr))
                        .collect::<Vec<_>>()
                );
            }
            // Each migration once: whoever applied it printed it, and the
            // version table has each, whole.
            let printed = trials::printed(&outputs);
            // The failing run prints nothing of what it did before failing.
            if failing {
                assert!((1..=4).contains(&printed), "trial {trial}: {printed} printed");
            } else {
                assert_eq!(printed, 4, "trial {trial}: each migration applied once");
            }
            sessions_gone(&url).await;
            assert_eq!(advisory_locks(&url).await, 0, "trial {trial}: no lock is left");
            let migrator = Migrator::new(&MIGRATIONS);
            let mut db = Database::connect(&url).await.unwrap();
            let applied = migrator.applied(&mut db).await.unwrap();
            assert_eq!(applied.len(), 5, "trial {trial}: {applied:?}");
            assert!(applied.iter().all(|r| r.progress.is_whole()), "{applied:?}");
            drop(db);
            resumes(&url, &seeded).await;
            drop(dir);
        }
        eprintln!(
            "{trials} concurrency trials of 16 processes on {}",
            dialect.name()
        );
    });
}

/// A command of a mixed trial, chosen by `pick` (0..100).
fn mixed_command(pick: u64) -> Vec<String> {
    let words: Vec<&str> = match pick % 5 {
        0 => vec!["upgrade", "head"],
        1 => vec!["upgrade", "+1"],
        2 => vec!["downgrade", "-1"],
        3 => vec!["downgrade", "base"],
        _ => {
            let revision = [
                "base",
                REVISIONS[0],
                REVISIONS[1],
                REVISIONS[2],
                REVISIONS[3],
                HEAD,
            ][usize::try_from(pick / 5 % 6).unwrap_or(0)];
            vec!["stamp", revision]
        }
    };
    words.into_iter().map(str::to_owned).collect()
}

/// What a runner of a mixed trial may say when it cannot do what it was
/// asked: there was nothing (more) to go up or down to. Anything else, a
/// panic or a database error above all, fails the trial.
const EXPECTED_REFUSALS: [&str; 2] = ["but only 0 are pending", "but only 0 are applied"];

/// Sixteen processes at once with random commands in both directions,
/// `FERRO_MIXED_TRIALS` times. Every other trial also stamps (which records
/// without running, so the schema need not be the recorded revision's
/// after it); the others check the schema too.
fn mixed_trials(dialect: Dialect) {
    let trials = count("FERRO_MIXED_TRIALS", 20);
    let seed = std::env::var("FERRO_TRIAL_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_u64);
    let mut random = Delays(seed ^ 0x006d_6978_6564);
    block_on(async {
        let (mut ran, mut refused, mut untrue) = (0, 0, 0);
        for trial in 0..trials {
            let Some((url, dir, _)) = seeded_database(dialect, 200, 1_000).await else {
                return;
            };
            let stamps = trial % 2 == 1;
            let commands: Vec<Vec<String>> = (0..16)
                .map(|_| {
                    let mut pick = random.next(Duration::from_micros(1_000_000)).as_micros() as u64;
                    if !stamps {
                        pick %= 4;
                    }
                    mixed_command(pick)
                })
                .collect();
            let children: Vec<_> = commands
                .iter()
                .map(|words| {
                    Command::new(env!("CARGO_BIN_EXE_trial_runner"))
                        .args(["--database-url", &url])
                        .args(words)
                        .env_remove(FAIL)
                        .stdin(Stdio::null())
                        .stdout(Stdio::piped())
                        .stderr(Stdio::piped())
                        .spawn()
                        .unwrap()
                })
                .collect();
            for (words, child) in commands.iter().zip(children) {
                let out = child.wait_with_output().unwrap();
                let stderr = String::from_utf8_lossy(&out.stderr);
                if out.status.success() {
                    ran += 1;
                    continue;
                }
                let code = out.status.code();
                assert!(
                    code == Some(1) || (stamps && code == Some(11)),
                    "trial {trial}, `{words:?}` exited with {code:?}: {stderr}"
                );
                if EXPECTED_REFUSALS.iter().any(|m| stderr.contains(m)) {
                    refused += 1;
                    continue;
                }
                // A stamp records a revision whose schema the database does
                // not have (that is what it is for): a run after it may meet
                // a table that is there or missing, and says which migration
                // and statement failed, and what became of it.
                let untrue_schema = [
                    "failed and was rolled back; statement failed:",
                    ") stopped in part ",
                    "the database is not as the migrations left it",
                    // What such a failure left on MySQL, said to the next run.
                    "stopped part-way through its",
                    "so whether it took effect is not known",
                ];
                assert!(
                    stamps
                        && !stderr.contains("panicked")
                        && untrue_schema.iter().any(|m| stderr.contains(m)),
                    "trial {trial}, `{words:?}` failed: {stderr}"
                );
                untrue += 1;
            }
            sessions_gone(&url).await;
            assert_eq!(advisory_locks(&url).await, 0, "trial {trial}: no lock is left");
            if let Some(dir) = &dir {
                let left: Vec<_> = std::fs::read_dir(dir.path())
                    .unwrap()
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|name| name.contains("ferro-lock"))
                    .collect();
                assert!(left.is_empty(), "trial {trial}: lock files left: {left:?}");
            }
            let migrator = Migrator::new(&MIGRATIONS);
            let mut db = Database::connect(&url).await.unwrap();
            let applied = migrator.applied(&mut db).await.unwrap();
            for row in &applied {
                // Only a statement that failed after a stamp leaves a
                // migration part-way (on MySQL).
                assert!(row.progress.is_whole() || stamps, "trial {trial}: {applied:?}");
                for parent in &row.parents {
                    assert!(
                        applied.iter().any(|r| &r.revision == parent),
                        "trial {trial}: `{}` recorded without its parent `{parent}`: {applied:?}",
                        row.revision
                    );
                }
            }
            if !stamps {
                let drift = migrator.drift(&mut db).await.unwrap();
                assert!(
                    drift.differences.is_empty(),
                    "trial {trial}: the schema is the recorded revision's: {:?}",
                    drift.differences
                );
            }
            drop(db);
            drop(dir);
        }
        eprintln!(
            "{trials} mixed trials of 16 processes on {}: {ran} runs did their work, {refused} had \
             nothing to do, {untrue} met a schema a stamp had made untrue",
            dialect.name()
        );
    });
}

#[test]
fn mixed_trials_sqlite() {
    mixed_trials(Dialect::Sqlite);
}

#[test]
fn mixed_trials_postgres() {
    mixed_trials(Dialect::Postgres);
}

#[test]
fn mixed_trials_mariadb() {
    mixed_trials(Dialect::MySql);
}

#[test]
fn crash_trials_sqlite() {
    crash_trials(Dialect::Sqlite);
}

#[test]
fn crash_trials_postgres() {
    crash_trials(Dialect::Postgres);
}

#[test]
fn crash_trials_mariadb() {
    crash_trials(Dialect::MySql);
}

#[test]
fn concurrency_trials_sqlite() {
    concurrency_trials(Dialect::Sqlite);
}

#[test]
fn concurrency_trials_postgres() {
    concurrency_trials(Dialect::Postgres);
}

#[test]
fn concurrency_trials_mariadb() {
    concurrency_trials(Dialect::MySql);
}

/// The part a killed run was in on MySQL, settled from the schema: done but
/// unrecorded (recorded, and the run goes on), not done (run), or neither (a
/// precise error, exit code 11, and the way out it names works); and the
/// same for a downgrade.
#[test]
fn a_mysql_part_a_killed_run_left_in_doubt_is_settled() {
    block_on(async {
        let Some(server) = ferro_tests::mariadb::server() else {
            return;
        };
        let migrator = Migrator::new(&MIGRATIONS);
        let script = migrator
            .upgrade_sql(
                Dialect::MySql,
                &Target::Revision(BASE.into()),
                &Target::Revision(REVISIONS[1].into()),
            )
            .unwrap();
        // What a run does first: mark the migration as started, then its part 1.
        let mark = script.iter().find(|s| s.starts_with("INSERT INTO")).unwrap();
        let part_1 = script.iter().find(|s| s.contains("ADD COLUMN `status`")).unwrap();
        let upgraded = async |url: &str| {
            let mut db = Database::connect(url).await.unwrap();
            let done = migrator.upgrade(&mut db, &Target::Head).await.unwrap();
            done.into_iter().map(|a| a.revision).collect::<Vec<_>>()
        };

        // Killed after part 1 ran, before its record.
        let (url, _dir, seeded) = seeded_database(Dialect::MySql, 100, 500).await.unwrap();
        server.sql(&url, &format!("{mark}; {part_1}"));
        assert_eq!(upgraded(&url).await, REVISIONS[1..]);
        resumes(&url, &seeded).await;

        // Killed before part 1 ran.
        let (url, _dir, seeded) = seeded_database(Dialect::MySql, 100, 500).await.unwrap();
        server.sql(&url, mark);
        assert_eq!(upgraded(&url).await, REVISIONS[1..]);
        resumes(&url, &seeded).await;

        // The schema is neither: someone changed it meanwhile.
        let (url, _dir, seeded) = seeded_database(Dialect::MySql, 100, 500).await.unwrap();
        server.sql(
            &url,
            &format!("{mark}; ALTER TABLE accounts ADD COLUMN status INTEGER NULL"),
        );
        let versions = "SELECT revision, CAST(steps_done AS CHAR) FROM ferro_version ORDER BY seq";
        let before = server.sql(&url, versions);
        let out = runner(&url).output().unwrap();
        let message = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(11), "{message}");
        for part in [
            "part 1 of 5 was running",
            "ADD COLUMN `status` VARCHAR(20)",
            "stamp 7a0000000002",
            "stamp 7a0000000001",
        ] {
            assert!(message.contains(part), "{part:?} in {message}");
        }
        assert_eq!(server.sql(&url, versions), before, "nothing recorded");
        let column = "SELECT data_type FROM information_schema.columns \
                      WHERE table_schema = DATABASE() AND column_name = 'status'";
        assert_eq!(server.sql(&url, column), "int", "nothing run");
        // The way back it names: undo by hand, stamp the parent, upgrade.
        server.sql(&url, "ALTER TABLE accounts DROP COLUMN status");
        let stamp = Command::new(env!("CARGO_BIN_EXE_trial_runner"))
            .args(["--database-url", &url, "stamp", BASE])
            .output()
            .unwrap();
        assert!(
            stamp.status.success(),
            "{}",
            String::from_utf8_lossy(&stamp.stderr)
        );
        assert_eq!(upgraded(&url).await, REVISIONS[1..]);
        resumes(&url, &seeded).await;

        // A downgrade killed after its statement ran, before its record.
        let mut db = Database::connect(&url).await.unwrap();
        server.sql(
            &url,
            &format!("UPDATE ferro_version SET steps_done = -1 WHERE revision = '{HEAD}'; DROP TABLE runs"),
        );
        let reverted = migrator
            .downgrade(&mut db, &Target::Revision(REVISIONS[3].into()))
            .await
            .unwrap();
        assert_eq!(reverted.len(), 1);
        assert_eq!(migrator.current(&mut db).await.unwrap(), [REVISIONS[3]]);
        assert!(migrator.drift(&mut db).await.unwrap().differences.is_empty());
    });
}
