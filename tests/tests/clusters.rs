//! Clustered databases: a three-node MariaDB Galera cluster, and a
//! PostgreSQL primary with a hot standby, both started from the system's
//! packages on loopback (`ferro_tests::galera`, `ferro_tests::pg`). What each
//! must show is in `docs/clusters.md`.
//!
//! On Galera, the trials of `tests/trials.rs` run across the nodes:
//! sixteen `upgrade head` processes spread over the three nodes
//! (`FERRO_GALERA_TRIALS`, default 20), and a node killed with SIGKILL while
//! a run goes through it (`FERRO_GALERA_KILL_TRIALS`, default 10), after
//! which the other nodes hold a recorded state the next run finishes, and
//! the killed node rejoins with the same schema, rows and version table.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use ferro::runtime::{Database, Migrator, Target};
use ferro_tests::block_on;
use ferro_tests::galera::Cluster;
use ferro_tests::trials::{self, BASE, Delays, FAIL, HEAD, MIGRATIONS, REVISIONS};

const ACCOUNTS: usize = 2_000;
const ENTRIES: usize = 10_000;

fn count(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The trials' command line with `args`, on `url`.
fn cli(url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trial_runner"));
    command
        .args(["--database-url", url])
        .args(args)
        .env_remove(FAIL)
        .stdin(Stdio::null());
    command
}

fn text(output: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A new database `name` on every node in `running`, at [`BASE`] with the
/// seeded rows; its fingerprint.
async fn seeded(cluster: &Cluster, name: &str, running: &[usize], accounts: usize) -> (usize, usize, String) {
    cluster.create_database(name, running);
    let url = cluster.url(running[0], name);
    let mut db = Database::connect(&url).await.unwrap();
    Migrator::new(&MIGRATIONS)
        .upgrade(&mut db, &Target::Revision(BASE.into()))
        .await
        .unwrap();
    drop(db);
    trials::seed(&url, accounts, accounts * 5).await.unwrap();
    trials::fingerprint(&url).await.unwrap()
}

/// Rows in the lock table on node `node` (none if it has no lock table),
/// read once the node has applied everything the cluster committed.
fn lock_rows(cluster: &Cluster, node: usize, name: &str) -> String {
    let sql = "SET SESSION wsrep_sync_wait = 1; SELECT COUNT(*) FROM information_schema.tables \
               WHERE table_schema = DATABASE() AND table_name = 'ferro_version_lock'";
    if cluster.sql(node, name, sql) == "0" {
        return "0".to_owned();
    }
    cluster.sql(
        node,
        name,
        "SET SESSION wsrep_sync_wait = 1; SELECT COUNT(*) FROM ferro_version_lock",
    )
}

/// Every node in `nodes` has the head's schema, every seeded row, the last
/// migration's data step done once, one version table, and no lock row.
async fn same_at_head(
    cluster: &Cluster,
    name: &str,
    nodes: &[usize],
    seeded: &(usize, usize, String),
    what: &str,
) {
    let migrator = Migrator::new(&MIGRATIONS);
    let mut tables = Vec::new();
    for &node in nodes {
        let url = cluster.url(node, name);
        // Reads on this node see what the others committed.
        cluster.sql(node, name, "SET GLOBAL wsrep_sync_wait = 1");
        let mut db = Database::connect(&url).await.unwrap();
        let applied = migrator.applied(&mut db).await.unwrap();
        assert!(
            applied.iter().all(|r| r.progress.is_whole()),
            "{what}: node {node}: {applied:?}"
        );
        assert_eq!(
            migrator.current(&mut db).await.unwrap(),
            [HEAD],
            "{what}: node {node}"
        );
        let drift = migrator.drift(&mut db).await.unwrap();
        assert!(
            drift.differences.is_empty(),
            "{what}: node {node}: {:?}\nits log:\n{}",
            drift.differences,
            cluster.log_tail(node, 150)
        );
        assert_eq!(
            &trials::fingerprint(&url).await.unwrap(),
            seeded,
            "{what}: node {node}: every row is kept"
        );
        assert_eq!(
            trials::runs(&url).await.unwrap(),
            1,
            "{what}: node {node}: the last data step ran once"
        );
        assert_eq!(
            lock_rows(cluster, node, name),
            "0",
            "{what}: node {node}: no lock is left"
        );
        tables.push(
            applied
                .iter()
                .map(|r| {
                    (
                        r.revision.clone(),
                        r.checksum.clone(),
                        r.seq,
                        r.applied_at.clone(),
                    )
                })
                .collect::<Vec<_>>(),
        );
        cluster.sql(node, name, "SET GLOBAL wsrep_sync_wait = 0");
    }
    assert!(
        tables.windows(2).all(|w| w[0] == w[1]),
        "{what}: one version table: {tables:?}"
    );
}

/// Sixteen runners over three nodes, `FERRO_GALERA_TRIALS` times; in every
/// other trial the last migration fails in the first process that runs it.
async fn runners_over_three_nodes(cluster: &Cluster) {
    let trials = count("FERRO_GALERA_TRIALS", 20);
    let all = [0, 1, 2];
    for trial in 0..trials {
        let name = format!("runners_{trial}");
        let seeded = seeded(cluster, &name, &all, 200).await;
        let failing = trial % 2 == 1;
        let marker = tempfile::tempdir().unwrap();
        let marker = marker.path().join("failed");
        let outputs: Vec<Output> = trials::all_at_once(
            (0..16).map(|i| cli(&cluster.url(i % 3, &name), &["upgrade", "head"])),
            failing.then_some(marker.as_path()),
        );
        let failed: Vec<_> = outputs.iter().filter(|o| !o.status.success()).collect();
        if failing {
            assert_eq!(
                failed.len(),
                1,
                "trial {trial}: only the failing run fails: {:?}",
                failed.iter().map(|o| text(o)).collect::<Vec<_>>()
            );
            assert!(
                text(failed[0]).contains("the first run of this step fails"),
                "{}",
                text(failed[0])
            );
        } else {
            assert!(
                failed.is_empty(),
                "trial {trial}: {:?}",
                failed.iter().map(|o| text(o)).collect::<Vec<_>>()
            );
        }
        // Each migration once: whoever applied it printed it.
        let printed = trials::printed(&outputs);
        if failing {
            assert!((1..=4).contains(&printed), "trial {trial}: {printed} printed");
            // The failed part is finished by the next run.
            let out = cli(&cluster.url(trial % 3, &name), &["upgrade", "head"])
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", text(&out));
        } else {
            assert_eq!(printed, 4, "trial {trial}: each migration applied once");
        }
        same_at_head(cluster, &name, &all, &seeded, &format!("trial {trial}")).await;
    }
    eprintln!("{trials} trials of 16 runners over three Galera nodes");
}

/// A node killed with SIGKILL while a run goes through it,
/// `FERRO_GALERA_KILL_TRIALS` times, with a second runner on another node.
async fn a_node_killed_during_a_run(cluster: &mut Cluster) {
    let trials = count("FERRO_GALERA_KILL_TRIALS", 10);
    let seed = count("FERRO_TRIAL_SEED", 20_261_205) as u64;
    let lease = ["--lock-lease", "3"];
    // One run to the end, timed.
    let all = [0, 1, 2];
    let seeded_db = seeded(cluster, "killed_whole", &all, ACCOUNTS).await;
    let start = Instant::now();
    let out = cli(&cluster.url(0, "killed_whole"), &["upgrade", "head"])
        .output()
        .unwrap();
    let whole = start.elapsed();
    assert!(out.status.success(), "{}", text(&out));
    same_at_head(cluster, "killed_whole", &all, &seeded_db, "a whole run").await;
    assert_eq!(ENTRIES, ACCOUNTS * 5);

    let mut delays = Delays(seed);
    let mut cut_short = 0;
    let mut outcomes = Vec::new();
    for trial in 0..trials {
        let victim = trial % 3;
        let others: Vec<usize> = all.iter().copied().filter(|&n| n != victim).collect();
        let name = format!("killed_{trial}");
        let seeded = seeded(cluster, &name, &all, ACCOUNTS).await;
        let mut args = lease.to_vec();
        args.extend(["upgrade", "head"]);
        let mut through_victim = cli(&cluster.url(victim, &name), &args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The second runner starts once the first holds the lock, and then
        // waits for it.
        let holder = format!("through node `node{victim}`");
        let begun = Instant::now();
        while through_victim.try_wait().unwrap().is_none()
            && !cluster
                .try_sql(others[1], &name, "SELECT owner FROM ferro_version_lock")
                .is_ok_and(|owner| owner.contains(&holder))
        {
            assert!(
                begun.elapsed() < Duration::from_secs(60),
                "trial {trial}: the first runner took no lock"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        let through_other = cli(&cluster.url(others[0], &name), &args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(delays.next(whole * 3 / 2));
        cluster.kill(victim);
        let victim_out = through_victim.wait_with_output().unwrap();
        let other_out = through_other.wait_with_output().unwrap();
        if !victim_out.status.success() {
            cut_short += 1;
            // The lease of the run cut short ended, and the other took over.
            assert!(
                other_out.status.success() && text(&other_out).contains(&holder),
                "trial {trial}: the run through another node waits for the one cut short, then takes over: {}",
                text(&other_out)
            );
        }
        // The run through a surviving node went on, or stopped with a
        // clear error; either way the next run finishes the work.
        let other_code = other_out.status.code();
        let resumed = cli(&cluster.url(others[1], &name), &args).output().unwrap();
        assert!(
            resumed.status.success(),
            "trial {trial}: the next run on a surviving node finishes: {}\n(the runners: {}\n{})",
            text(&resumed),
            text(&victim_out),
            text(&other_out)
        );
        same_at_head(
            cluster,
            &name,
            &others,
            &seeded,
            &format!("trial {trial}, the survivors"),
        )
        .await;
        cluster.restart(victim);
        assert_eq!(cluster.size(victim), 3, "trial {trial}: the killed node rejoined");
        same_at_head(
            cluster,
            &name,
            &all,
            &seeded,
            &format!("trial {trial}, after the rejoin"),
        )
        .await;
        outcomes.push((victim_out.status.code(), other_code));
    }
    eprintln!(
        "{trials} Galera kill trials (a whole run {whole:.2?}, seed {seed}): {cut_short} runs through the \
         killed node cut short; exit codes (through the killed node, through another): {outcomes:?}"
    );
    if trials >= 10 {
        assert!(cut_short >= 2, "the kills fell during the runs: {outcomes:?}");
    }
}

/// A server set `read_only` refuses a run at once and changes nothing.
async fn a_read_only_node_refuses_a_run(cluster: &Cluster) {
    let name = "read_only";
    cluster.create_database(name, &[0, 1, 2]);
    cluster.sql(2, "", "SET GLOBAL read_only = 1");
    let out = cli(&cluster.url(2, name), &["upgrade", "head"]).output().unwrap();
    cluster.sql(2, "", "SET GLOBAL read_only = 0");
    assert_eq!(out.status.code(), Some(15), "{}", text(&out));
    assert!(text(&out).contains("read-only"), "{}", text(&out));
    let tables = cluster.sql(
        0,
        name,
        "SET SESSION wsrep_sync_wait = 1; SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()",
    );
    assert_eq!(tables, "0", "nothing was made");
}

fn steal_up(op: &mut ferro::migration::Ops) {
    op.rust("steal_the_lock", steal_the_lock);
}
fn nothing(_: &mut ferro::migration::Ops) {}
fn after_up(op: &mut ferro::migration::Ops) {
    op.sql("CREATE TABLE after_the_theft (id INT PRIMARY KEY)");
}
fn after_down(op: &mut ferro::migration::Ops) {
    op.sql("DROP TABLE after_the_theft");
}

/// Another run takes the lock from under this one (as one would after its
/// lease ended), then this step waits past a renewal.
fn steal_the_lock(conn: &mut ferro::migration::Connection) -> ferro::migration::StepFuture<'_> {
    Box::pin(async move {
        use sqlx::Connection as _;
        // On a connection of its own, committed at once, as another run's.
        let url = STOLEN_URL.get().expect("the test sets it");
        let mut other = sqlx::AnyConnection::connect(url).await?;
        sqlx::raw_sql("UPDATE ferro_version_lock SET owner = 'a run that took over'")
            .execute(&mut other)
            .await?;
        other.close().await?;
        // Past the lease: a renewal finds the row someone else's, or none
        // goes through and the run asks once more itself.
        tokio::time::sleep(Duration::from_millis(1_000)).await;
        let _ = conn;
        Ok(())
    })
}

/// The database of [`a_run_that_lost_its_lease_stops`].
static STOLEN_URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();

static STOLEN: [ferro::migration::Migration; 2] = [
    ferro_tests::migration(
        "0001_steal.rs",
        "0001_steal.rs",
        "5a0000000001",
        &[],
        steal_up,
        nothing,
    ),
    ferro_tests::migration(
        "0002_after.rs",
        "0002_after.rs",
        "5a0000000002",
        &["5a0000000001"],
        after_up,
        after_down,
    ),
];

fn hold_up(op: &mut ferro::migration::Ops) {
    op.rust("hold_up_the_renewals", hold_up_the_renewals);
}

/// Holds the lock row in this step's transaction for longer than the lease,
/// so that every renewal waits behind it, as behind a long schema statement.
fn hold_up_the_renewals(conn: &mut ferro::migration::Connection) -> ferro::migration::StepFuture<'_> {
    Box::pin(async move {
        sqlx::raw_sql("SELECT id FROM ferro_version_lock FOR UPDATE")
            .execute(&mut *conn)
            .await?;
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        Ok(())
    })
}

static HELD_UP: [ferro::migration::Migration; 2] = [
    ferro_tests::migration(
        "0001_hold.rs",
        "0001_hold.rs",
        "6a0000000001",
        &[],
        hold_up,
        nothing,
    ),
    ferro_tests::migration(
        "0002_after.rs",
        "0002_after.rs",
        "6a0000000002",
        &["6a0000000001"],
        after_up,
        after_down,
    ),
];

/// A run whose renewals were held up for longer than its lease, with the
/// row still its own, writes it once more and goes on.
async fn a_run_whose_renewals_waited_goes_on(cluster: &Cluster) {
    let name = "held_up";
    cluster.create_database(name, &[0, 1, 2]);
    let migrator = Migrator::new(&HELD_UP).lock_lease(Duration::from_millis(600));
    let mut db = Database::connect(&cluster.url(0, name)).await.unwrap();
    let applied = migrator.upgrade(&mut db, &Target::Head).await.unwrap();
    assert_eq!(applied.len(), 2);
    assert_eq!(lock_rows(cluster, 0, name), "0", "the row is released");
}

/// A run whose lease another run took stops before its next part, and says
/// who holds the lock now.
async fn a_run_that_lost_its_lease_stops(cluster: &Cluster) {
    let name = "lost_lease";
    cluster.create_database(name, &[0, 1, 2]);
    STOLEN_URL.set(cluster.url(2, name)).unwrap();
    sqlx::any::install_default_drivers();
    let migrator = Migrator::new(&STOLEN).lock_lease(Duration::from_millis(800));
    let mut db = Database::connect(&cluster.url(1, name)).await.unwrap();
    let error = migrator.upgrade(&mut db, &Target::Head).await.unwrap_err();
    assert!(
        matches!(&error, ferro::runtime::MigrateError::LockLost { holder: Some(h), .. } if h.contains("a run that took over")),
        "{error:?}"
    );
    assert_eq!(error.exit_code(), 16);
    assert_eq!(
        migrator.current(&mut db).await.unwrap(),
        ["5a0000000001"],
        "the next part did not run"
    );
    assert_eq!(
        cluster.sql(
            1,
            name,
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'after_the_theft'"
        ),
        "0"
    );
    // The row is the other run's: this one left it alone.
    assert_eq!(
        cluster.sql(1, name, "SELECT owner FROM ferro_version_lock"),
        "a run that took over"
    );
}

/// The harness itself: a killed node whose port another process took while
/// it was down restarts on other ports and rejoins (a run of the kill trials
/// once failed so, on the port for incremental state transfer).
fn a_node_restarts_when_its_port_was_taken(cluster: &mut Cluster) {
    let port = cluster.ist_port(1);
    cluster.kill(1);
    // A change while the node is down, so that it needs an incremental
    // state transfer, and so its listener, to catch up.
    cluster.sql(0, "", "CREATE DATABASE while_down");
    let squatter = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    cluster.restart(1);
    drop(squatter);
    assert_ne!(cluster.ist_port(1), port, "the node moved to another port");
    assert_eq!(cluster.size(1), 3, "the node rejoined");
    assert_eq!(
        cluster.sql(1, "while_down", "SELECT 1"),
        "1",
        "the node caught up with what happened while it was down"
    );
}

#[test]
fn galera_cluster_of_three_nodes() {
    let Some(mut cluster) = Cluster::start() else {
        return;
    };
    assert_eq!(cluster.size(0), 3);
    block_on(async {
        a_read_only_node_refuses_a_run(&cluster).await;
        a_run_that_lost_its_lease_stops(&cluster).await;
        a_run_whose_renewals_waited_goes_on(&cluster).await;
        runners_over_three_nodes(&cluster).await;
        a_node_killed_during_a_run(&mut cluster).await;
    });
    a_node_restarts_when_its_port_was_taken(&mut cluster);
}

#[test]
fn a_postgres_standby_answers_reads_and_refuses_runs() {
    let Some(server) = ferro_tests::pg::server() else {
        return;
    };
    let standby = server.standby();
    let primary = server.create_database();
    let name = primary.rsplit('/').next().unwrap().to_owned();
    let replica = standby.url(&name);
    let run = |url: &str, args: &[&str]| cli(url, args).output().unwrap();

    // An upgrade that waits for the standby: the standby has it when the
    // command returns.
    let out = run(&primary, &["upgrade", REVISIONS[2], "--wait-replicas", "60"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("replayed on: `{}`", standby.name())),
        "{}",
        text(&out)
    );
    let current = run(&replica, &["current"]);
    assert!(current.status.success(), "{}", text(&current));
    assert!(text(&current).contains(REVISIONS[2]), "{}", text(&current));

    // Reads work on the standby.
    let history = run(&replica, &["history"]);
    assert!(history.status.success(), "{}", text(&history));
    for id in &REVISIONS[..3] {
        assert!(text(&history).contains(id), "{}", text(&history));
    }
    // Behind head, on either server alike.
    assert_eq!(run(&replica, &["check"]).status.code(), Some(13));
    assert_eq!(run(&replica, &["check", "--schema"]).status.code(), Some(13));

    // Runs against the standby stop at once and change nothing.
    for args in [&["upgrade", "head"][..], &["downgrade", "-1"], &["stamp", "head"]] {
        let start = Instant::now();
        let out = run(&replica, args);
        assert_eq!(out.status.code(), Some(15), "{args:?}: {}", text(&out));
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{args:?} stopped at once"
        );
        let said = text(&out);
        assert!(said.contains("read-only") && said.contains("standby"), "{said}");
    }
    let current = run(&primary, &["current"]);
    assert!(
        text(&current).contains(REVISIONS[2]),
        "nothing changed: {}",
        text(&current)
    );

    // A standby that does not replay: the wait gives up, says which, and
    // the upgrade itself stands.
    server
        .psql(&standby.url("postgres"), "SELECT pg_wal_replay_pause()")
        .unwrap();
    let out = run(&primary, &["upgrade", "+1", "--wait-replicas", "2"]);
    assert_eq!(out.status.code(), Some(17), "{}", text(&out));
    assert!(text(&out).contains(standby.name()), "{}", text(&out));
    assert!(text(&run(&primary, &["current"])).contains(REVISIONS[3]));
    server
        .psql(&standby.url("postgres"), "SELECT pg_wal_replay_resume()")
        .unwrap();

    let out = run(&primary, &["upgrade", "head", "--wait-replicas"]);
    assert!(out.status.success(), "{}", text(&out));
    let current = run(&replica, &["current"]);
    assert!(text(&current).contains(HEAD), "{}", text(&current));
    let check = run(&replica, &["check", "--schema"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));

    // MySQL cannot tell where its replicas stand: refused before anything runs.
    let lone = ferro_tests::mariadb::server().map(|s| s.create_database("lone"));
    if let Some(url) = lone {
        let out = run(&url, &["upgrade", "head", "--wait-replicas", "1"]);
        assert_eq!(out.status.code(), Some(1), "MySQL cannot wait: {}", text(&out));
        assert!(text(&out).contains("--wait-replicas"), "{}", text(&out));
        let current = run(&url, &["current"]);
        assert!(
            text(&current).contains("base (no migration applied)"),
            "said before doing anything: {}",
            text(&current)
        );
    }
}
