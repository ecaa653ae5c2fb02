//! The migration lock on a MariaDB Galera cluster: a row in a replicated
//! table, held for a lease its holder renews.
//!
//! Each Galera node grants `GET_LOCK` on its own, so two runners on two
//! nodes would both go ahead. A write, though, is certified against every
//! other write of the cluster in one total order: of two runners that
//! insert the lock's row on two nodes at once, one commits and the other
//! gets a certification failure (or, on one node, a duplicate key). The
//! row is the lock:
//!
//! - **take**: insert the row (`id = 1`) with this run's owner and a lease
//!   ending `lease` from now, by the server's clock; or, if a row is there
//!   whose lease has ended, take it over by an update that only matches
//!   such a row. Either write, once committed, has won.
//! - **hold**: a task renews the lease every quarter of it, on a
//!   connection of its own, so that a long step does not let it run out.
//!   Before each transaction of the run, the run checks that it still
//!   holds the lock: no renewal found the row gone or someone else's, and
//!   the last write of the row that went through was sent less than a
//!   lease ago; if not (renewals wait behind a schema statement, which
//!   Galera runs across the cluster, or hang on a lost node), the run
//!   writes the row once more itself, and stops with
//!   [`MigrateError::LockLost`] if that finds the row taken.
//! - **release**: delete the row if it is still ours, when the run
//!   finishes or fails (on both connections), or is cancelled (the task
//!   does it when its handle is dropped, while the async runtime lives).
//!   A runner killed outright, or whose program ends in a panic, leaves the
//!   row, which the next runner takes over once its lease has ended.
//!
//! Leases are compared with each node's clock (`UTC_TIMESTAMP`): the
//! nodes' clocks must agree to well within a lease, as Galera itself
//! expects of a cluster.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sqlx::{AssertSqlSafe, Row as _};

use super::connection::Connection;
use super::database::db_error;
use super::dialect::{Dialect, mysql_literal};
use super::error::MigrateError;

/// How long a lease lasts unless renewed, by default
/// ([`Migrator::lock_lease`](super::Migrator::lock_lease)).
pub const DEFAULT_LOCK_LEASE: Duration = Duration::from_secs(60);

/// The lock table of a version table, and the statements on its row.
#[derive(Clone, Debug)]
pub(crate) struct LeaseTable {
    /// The table's name.
    name: String,
    /// The name, quoted.
    table: String,
    lease: Duration,
}

impl LeaseTable {
    /// The lock table of the version table `version`, with leases of
    /// `lease`. Its name is the version table's with `_lock` after it.
    /// MySQL names hold 64 characters at most.
    pub(crate) fn new(version: &str, lease: Duration) -> Result<LeaseTable, MigrateError> {
        let name = table_name(version);
        if name.chars().count() > 64 {
            return Err(MigrateError::LockTableName(version.to_owned()));
        }
        Ok(LeaseTable {
            table: Dialect::MySql.ident(&name),
            name,
            lease,
        })
    }

    /// The lease, for messages.
    pub(crate) fn lease(&self) -> Duration {
        self.lease
    }

    fn create(&self) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {} (id INT NOT NULL PRIMARY KEY, owner VARCHAR(255) NOT NULL, \
             expires_at DATETIME(6) NOT NULL) ENGINE = InnoDB",
            self.table
        )
    }

    fn exists(&self) -> String {
        format!(
            "SELECT CAST(COUNT(*) AS CHAR) FROM information_schema.tables \
             WHERE table_schema = DATABASE() AND table_name = {}",
            mysql_literal(&self.name)
        )
    }

    fn until(&self) -> String {
        format!(
            "UTC_TIMESTAMP(6) + INTERVAL {} MICROSECOND",
            self.lease.as_micros()
        )
    }

    fn insert(&self, owner: &str) -> String {
        format!(
            "INSERT INTO {} (id, owner, expires_at) VALUES (1, {}, {})",
            self.table,
            mysql_literal(owner),
            self.until()
        )
    }

    fn take_over(&self, owner: &str) -> String {
        format!(
            "UPDATE {} SET owner = {}, expires_at = {} WHERE id = 1 AND expires_at < UTC_TIMESTAMP(6)",
            self.table,
            mysql_literal(owner),
            self.until()
        )
    }

    fn renew(&self, owner: &str) -> String {
        format!(
            "UPDATE {} SET expires_at = {} WHERE id = 1 AND owner = {}",
            self.table,
            self.until(),
            mysql_literal(owner)
        )
    }

    fn delete(&self, owner: &str) -> String {
        format!(
            "DELETE FROM {} WHERE id = 1 AND owner = {}",
            self.table,
            mysql_literal(owner)
        )
    }

    /// Who holds the lock and for how much longer, as one row of text.
    pub(crate) fn holder(&self) -> String {
        format!(
            "SELECT owner, CAST(TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(6), expires_at) AS CHAR) \
             FROM {} WHERE id = 1",
            self.table
        )
    }

    /// Makes the lock table if it is missing: a schema statement, which
    /// Galera runs on every node in its total order, so only when needed.
    pub(crate) async fn ensure(&self, conn: &mut Connection) -> Result<(), MigrateError> {
        let sql = self.exists();
        let row = sqlx::raw_sql(AssertSqlSafe(sql.clone()))
            .fetch_one(&mut *conn)
            .await
            .map_err(db_error(format!("cannot read: {sql}")))?;
        if row.try_get::<String, _>(0).ok().as_deref() == Some("1") {
            return Ok(());
        }
        execute(conn, &self.create()).await.map(drop)
    }

    /// Takes the lock for `owner` if it is free or its lease has ended.
    pub(crate) async fn try_take(&self, conn: &mut Connection, owner: &str) -> Result<bool, MigrateError> {
        match execute(conn, &self.insert(owner)).await {
            Ok(_) => return Ok(true),
            Err(error) if lost_race(&error) => {}
            Err(error) => return Err(error),
        }
        match execute(conn, &self.take_over(owner)).await {
            Ok(rows) => Ok(rows == 1),
            Err(error) if lost_race(&error) => Ok(false),
            Err(error) => Err(error),
        }
    }
}

/// Runs `sql` on `conn`, autocommitted: the rows it changed.
async fn execute(conn: &mut Connection, sql: &str) -> Result<u64, MigrateError> {
    let done = sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(&mut *conn)
        .await
        .map_err(db_error(format!("statement failed: {sql}")))?;
    Ok(done.rows_affected())
}

/// Whether `error` is a write that lost to another's: a duplicate key (the
/// row is there), or a deadlock, which is how Galera reports a write that
/// failed certification against another node's.
fn lost_race(error: &MigrateError) -> bool {
    let MigrateError::Database {
        source: sqlx::Error::Database(e),
        ..
    } = error
    else {
        return false;
    };
    matches!(e.code().as_deref(), Some("23000" | "40001"))
}

/// The lock table of the version table `version`: its name with `_lock`
/// after it.
pub(crate) fn table_name(version: &str) -> String {
    format!("{version}_lock")
}

/// A held lease: the task that renews it (and releases it when this is
/// dropped), and until when this run knows the row is its own.
#[derive(Debug)]
pub(crate) struct Lease {
    table: LeaseTable,
    owner: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<()>>,
    state: Arc<State>,
}

/// What the renewing task and the run share.
#[derive(Debug)]
struct State {
    /// A renewal found the row gone or another run's.
    lost: AtomicBool,
    /// When the lease surely still holds until, in milliseconds after
    /// `start`: the time a successful write of the row was sent, plus the
    /// lease (the server set the end later than that).
    until: std::sync::atomic::AtomicU64,
    start: Instant,
}

impl State {
    fn renewed(&self, sent: Instant, lease: Duration) {
        let until = (sent + lease).saturating_duration_since(self.start).as_millis();
        self.until
            .fetch_max(u64::try_from(until).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    fn expired(&self) -> bool {
        let now = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        now >= self.until.load(Ordering::Relaxed)
    }
}

/// How long the final delete of the row may take before the run goes on
/// without it (the lease then ends on its own).
const RELEASE_TIMEOUT: Duration = Duration::from_secs(5);

impl Lease {
    /// Starts renewing `owner`'s lease, taken by a write sent at `sent`, on
    /// `conn`, every quarter of it.
    pub(crate) fn hold(table: LeaseTable, conn: Connection, owner: String, sent: Instant) -> Lease {
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let state = Arc::new(State {
            lost: AtomicBool::new(false),
            until: std::sync::atomic::AtomicU64::new(0),
            start: sent,
        });
        state.renewed(sent, table.lease);
        let done = tokio::spawn(renew(table.clone(), conn, owner.clone(), stopped, state.clone()));
        Lease {
            table,
            owner,
            stop: Some(stop),
            done: Some(done),
            state,
        }
    }

    /// The lock table.
    pub(crate) fn table(&self) -> &LeaseTable {
        &self.table
    }

    /// Whether this run still holds the lock, sure of it: no renewal found
    /// the row taken, and the last write of it was recent enough. When it
    /// was not (renewals held up behind a long schema statement, or on a
    /// connection that hangs), the row is written once more on `conn`, the
    /// run's own connection, outside any transaction: once that commits,
    /// Galera has certified it against any other run's takeover.
    pub(crate) async fn still_held(&self, conn: &mut Connection) -> bool {
        if self.state.lost.load(Ordering::Relaxed) {
            return false;
        }
        if !self.state.expired() {
            return true;
        }
        let sent = Instant::now();
        match execute(conn, &self.table.renew(&self.owner)).await {
            Ok(1) => {
                self.state.renewed(sent, self.table.lease);
                true
            }
            _ => {
                self.state.lost.store(true, Ordering::Relaxed);
                false
            }
        }
    }

    /// Releases the lock: stops the renewals and deletes the row, on the
    /// renewing connection and then on `conn` (the run's own), in case the
    /// first failed. Neither waits longer than a few seconds: a row left
    /// behind ends with its lease.
    pub(crate) async fn release(mut self, conn: Option<&mut Connection>) {
        drop(self.stop.take());
        if let Some(done) = self.done.take() {
            let _ = tokio::time::timeout(RELEASE_TIMEOUT, done).await;
        }
        if let Some(conn) = conn {
            let delete = self.table.delete(&self.owner);
            let _ = tokio::time::timeout(RELEASE_TIMEOUT, execute(conn, &delete)).await;
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        // The task sees its sender dropped and releases the row on its own.
        drop(self.stop.take());
    }
}

/// Renews the lease until told to stop (or its [`Lease`] is dropped), then
/// deletes the row if it is still `owner`'s.
async fn renew(
    table: LeaseTable,
    mut conn: Connection,
    owner: String,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
    state: Arc<State>,
) {
    let every = (table.lease / 4).max(Duration::from_millis(50));
    loop {
        if tokio::time::timeout(every, &mut stopped).await.is_ok() {
            break;
        }
        let sent = Instant::now();
        match execute(&mut conn, &table.renew(&owner)).await {
            Ok(1) => state.renewed(sent, table.lease),
            // The row is gone or another run's: its lease had ended.
            Ok(_) => {
                state.lost.store(true, Ordering::Relaxed);
                break;
            }
            // A renewal that lost a race, or a connection that failed: tried
            // again; the run judges by the time of the last that went
            // through.
            Err(_) => {}
        }
    }
    let _ = tokio::time::timeout(RELEASE_TIMEOUT, execute(&mut conn, &table.delete(&owner))).await;
}

/// A name for this run's hold on the lock, unique to it: where it runs, and
/// a nonce.
pub(crate) fn owner(node: Option<&str>) -> String {
    static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "a host".to_owned());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = RUNS.fetch_add(1, Ordering::Relaxed);
    let nonce = blake3::hash(format!("{host}/{}/{nanos}/{n}", std::process::id()).as_bytes());
    let node = node.map(|n| format!(" through node `{n}`")).unwrap_or_default();
    let mut words = format!(
        "process {} on {host}{node} (run {})",
        std::process::id(),
        &nonce.to_hex()[..12]
    );
    words.truncate(255);
    words
}
