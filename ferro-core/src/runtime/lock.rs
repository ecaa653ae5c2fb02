//! The migration lock a run (`upgrade`, `downgrade`, `stamp`) holds from its
//! first read of the version table to its last write, so that runs in
//! either direction follow one another and each reads the state the one
//! before it left.
//!
//! - PostgreSQL: a session advisory lock, one key per version table, polled
//!   with `pg_try_advisory_lock` outside any transaction (a runner that
//!   waited inside one would hold a snapshot that a `CREATE INDEX
//!   CONCURRENTLY` of the holder waits for).
//! - MySQL and MariaDB: the session's named lock (`GET_LOCK`), named from
//!   the database and the version table: lock names are server-wide.
//! - SQLite: an exclusive lock (`flock`) on a file beside the database,
//!   `<file>.ferro-lock`. SQLite's own locks last one transaction at most,
//!   and a run is several; the lock file holds the holder's process id.
//! - A MariaDB Galera cluster (`wsrep_on`), whose nodes each grant their
//!   own `GET_LOCK`: a row in a replicated table, held for a lease its
//!   holder renews ([`super::lease`]).
//!
//! Before it waits, a run asks the server whether it takes writes at all
//! (a PostgreSQL standby, a MySQL replica set `read_only`), and stops at
//! once with [`MigrateError::ReadOnly`] if not.
//!
//! The server (or the kernel, for the lock file) releases each of them when
//! the session (the process) ends. A run that is cancelled or panics closes
//! its connection from [`Run`]'s `Drop`, which releases them as well.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::capabilities::{GALERA, RunnerLock};
use super::database::Database;
use super::dialect::Dialect;
use super::error::MigrateError;
use super::events::{Event, emit};
use super::lease::{Lease, LeaseTable};

/// How many times a part that gave up waiting for a table's lock is tried
/// again, by default ([`Migrator::lock_retries`](super::Migrator::lock_retries)).
pub const DEFAULT_LOCK_RETRIES: u32 = 3;

/// How long a run waits for the migration lock unless told otherwise.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(300);

/// After how long a waiting run says whom it waits for.
const TELL_AFTER: Duration = Duration::from_secs(1);

/// Which lock a run takes: the PostgreSQL key and the version table.
#[derive(Clone, Debug)]
pub(crate) struct LockName {
    pub(crate) key: i64,
    pub(crate) table: String,
    /// On a cluster, how long the lock row's lease lasts unless renewed.
    pub(crate) lease: Duration,
}

impl LockName {
    /// MySQL's lock name, worked out by the server from its database's name:
    /// at most 64 characters, as `GET_LOCK` requires.
    fn mysql(&self) -> String {
        let d = Dialect::MySql;
        format!(
            "CONCAT('ferro_', LEFT(SHA2(CONCAT(IFNULL(DATABASE(), ''), '/', {}), 256), 40))",
            d.literal(&self.table)
        )
    }

    /// The lock file of a SQLite database: one per version table.
    fn file(&self, database: &Path) -> PathBuf {
        let mut name = database.as_os_str().to_owned();
        if self.table == super::version::DEFAULT_TABLE {
            name.push(".ferro-lock");
        } else {
            name.push(format!(".ferro-lock-{:016x}", self.key));
        }
        PathBuf::from(name)
    }
}

/// The file of a SQLite URL; `None` for an in-memory database, which only
/// its one connection sees.
pub(crate) fn sqlite_file(url: &str) -> Option<PathBuf> {
    if url.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    #[cfg(feature = "sqlite")]
    {
        use std::str::FromStr as _;
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(url).ok()?;
        Some(sqlite_options_file(&options))
    }
    #[cfg(not(feature = "sqlite"))]
    None
}

/// The database file of a SQLite connection's options (not in memory).
#[cfg(feature = "sqlite")]
pub(crate) fn sqlite_options_file(options: &sqlx::sqlite::SqliteConnectOptions) -> PathBuf {
    let file = options.get_filename();
    // One file reached by two paths is one lock.
    std::fs::canonicalize(file).unwrap_or_else(|_| file.to_owned())
}

/// A held lock file. Dropping it removes the file and then releases the
/// lock (by closing it), so a finished run leaves no file behind.
#[derive(Debug)]
pub(crate) struct FileLock {
    file: std::fs::File,
    path: PathBuf,
}

impl FileLock {
    /// Takes the lock if it is free. A waiter may have opened the file just
    /// before its holder removed it, and then locks a file no longer there:
    /// it finds so, and tries again with the file at the path.
    fn try_take(path: &Path) -> Result<Option<FileLock>, MigrateError> {
        let io = |source| MigrateError::Io {
            path: path.to_owned(),
            source,
        };
        loop {
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)
                .map_err(io)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
                Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
            }
            if !same_file(&file, path) {
                continue;
            }
            let lock = FileLock {
                file,
                path: path.to_owned(),
            };
            lock.write_holder().map_err(io)?;
            return Ok(Some(lock));
        }
    }

    fn write_holder(&self) -> std::io::Result<()> {
        use std::io::Write as _;
        let mut file = &self.file;
        file.set_len(0)?;
        write!(file, "process {}", std::process::id())
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // Removed while still locked: a waiter that opens the path after
        // this makes a new file, and one that opened the old file finds it
        // gone once it holds it (`same_file`).
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether `file` is still the file at `path`.
#[cfg(unix)]
fn same_file(file: &std::fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Elsewhere an open file cannot be removed, so it is always the one there.
#[cfg(not(unix))]
fn same_file(_: &std::fs::File, _: &Path) -> bool {
    true
}

impl Database {
    /// Takes the run's lock, polling until it is free; after a second says
    /// whom it waits for (an [`Event::Waiting`]), and after `timeout` gives
    /// up with [`MigrateError::LockTimeout`].
    pub(crate) async fn lock_run(&mut self, name: &LockName, timeout: Duration) -> Result<(), MigrateError> {
        self.find_cluster().await?;
        self.check_writable().await?;
        let start = Instant::now();
        let mut told = false;
        // On a cluster: the lock table, the connection that renews the
        // lease, and this run's name in the row.
        let mut lease = match self.caps.runner_lock {
            RunnerLock::LeaseRow => {
                let table = LeaseTable::new(&name.table, name.lease)?;
                let mut conn = self.another().await?;
                // The lock table, if made here, is made on every node.
                super::database::fetch_text(&mut conn, "SET SESSION wsrep_OSU_method = 'TOI'", 0).await?;
                table.ensure(&mut conn).await?;
                let node = super::database::fetch_text(&mut conn, "SELECT @@wsrep_node_name", 1)
                    .await?
                    .into_iter()
                    .next()
                    .and_then(|r| r.into_iter().next().flatten());
                Some((table, conn, super::lease::owner(node.as_deref())))
            }
            _ => None,
        };
        loop {
            let sent = Instant::now();
            let taken = match lease.as_mut() {
                Some((table, conn, owner)) => table.try_take(conn, owner).await?,
                None => self.try_lock(name).await?,
            };
            if taken {
                if let Some((table, conn, owner)) = lease.take() {
                    self.lease = Some(Lease::hold(table, conn, owner, sent));
                }
                if self.dialect == Dialect::Sqlite {
                    // A migration's transaction waits as long for a writer
                    // that is not a runner (the application).
                    let ms = timeout.as_millis().min(i32::MAX as u128);
                    self.fetch_text(&format!("PRAGMA busy_timeout = {ms}"), 0).await?;
                }
                return Ok(());
            }
            let waited = start.elapsed();
            if waited >= timeout {
                return Err(MigrateError::LockTimeout {
                    waited: timeout,
                    holder: self.holder(name).await,
                });
            }
            if !told && waited >= TELL_AFTER {
                told = true;
                let holder = self.holder(name).await;
                emit(
                    self.observer.as_ref(),
                    &Event::Waiting {
                        holder: holder.as_deref(),
                    },
                );
            }
            tokio::time::sleep(Duration::from_millis(50).min(timeout - waited)).await;
        }
    }

    /// Takes the session's lock (the lock file, the advisory or the named
    /// lock) if it is free; the lease row is taken in [`Self::lock_run`].
    async fn try_lock(&mut self, name: &LockName) -> Result<bool, MigrateError> {
        let sql = match self.caps.runner_lock {
            RunnerLock::LockFile => {
                let Some(file) = &self.file else {
                    return Ok(true);
                };
                let Some(lock) = FileLock::try_take(&name.file(file))? else {
                    return Ok(false);
                };
                self.file_lock = Some(lock);
                return Ok(true);
            }
            RunnerLock::AdvisoryLock => format!("SELECT CAST(pg_try_advisory_lock({}) AS TEXT)", name.key),
            RunnerLock::NamedLock => format!("SELECT CAST(GET_LOCK({}, 0) AS CHAR)", name.mysql()),
            RunnerLock::LeaseRow | RunnerLock::None => {
                return Err(MigrateError::Unsupported {
                    op: "the migration lock".to_owned(),
                    dialect: self.caps.engine,
                    reason: "it takes no session lock that holds".to_owned(),
                });
            }
        };
        let rows = self.fetch_text(&sql, 1).await?;
        let answer = rows.first().and_then(|r| r.first().cloned().flatten());
        Ok(matches!(answer.as_deref(), Some("true" | "1")))
    }

    /// Whether the server is a Galera cluster's node: then runs wait for
    /// each other on a lock row, not on `GET_LOCK`.
    async fn find_cluster(&mut self) -> Result<(), MigrateError> {
        if self.dialect != Dialect::MySql {
            return Ok(());
        }
        let rows = self
            .fetch_text("SHOW GLOBAL VARIABLES LIKE 'wsrep_on'", 2)
            .await?;
        let on = rows.first().and_then(|r| r[1].as_deref()) == Some("ON");
        self.caps = if on {
            &GALERA
        } else {
            Dialect::MySql.capabilities()
        };
        Ok(())
    }

    /// Stops a run on a server that takes no writes, before it waits for
    /// the lock or changes anything.
    async fn check_writable(&mut self) -> Result<(), MigrateError> {
        let Some(probe) = self.caps.read_only_probe else {
            return Ok(());
        };
        let rows = self.fetch_text(probe, 1).await?;
        if matches!(
            rows.first().and_then(|r| r[0].as_deref()),
            Some("1" | "ON" | "true")
        ) {
            return Err(MigrateError::ReadOnly {
                database: self.redacted_url(),
                why: match self.dialect {
                    Dialect::Postgres => "a standby in recovery: `pg_is_in_recovery()` is true",
                    _ => "the server is set `read_only`",
                },
            });
        }
        Ok(())
    }

    /// On a cluster, stops a run that may no longer hold the lock before
    /// its next transaction (see [`Lease::still_held`]).
    pub(crate) async fn check_lease(&mut self) -> Result<(), MigrateError> {
        let Some(lease) = self.lease.take() else {
            return Ok(());
        };
        let held = match self.conn().await {
            Ok(conn) => lease.still_held(conn).await,
            Err(_) => false,
        };
        let table = lease.table().clone();
        self.lease = Some(lease);
        if held {
            return Ok(());
        }
        Err(MigrateError::LockLost {
            lease: table.lease(),
            holder: self.lease_holder(&table).await,
        })
    }

    /// Who holds a cluster's lock row, and until when.
    async fn lease_holder(&mut self, table: &LeaseTable) -> Option<String> {
        let rows = self.fetch_text(&table.holder(), 2).await.ok()?;
        let row = rows.into_iter().next()?;
        let owner = row[0].clone()?;
        let left: i64 = row[1].as_deref()?.parse().ok()?;
        Some(if left >= 0 {
            format!("{owner}, its lease ending in {:.1} s", left as f64 / 1e6)
        } else {
            format!("{owner}, its lease ended {:.1} s ago", -left as f64 / 1e6)
        })
    }

    /// Who holds the lock, in words, as far as the database tells.
    async fn holder(&mut self, name: &LockName) -> Option<String> {
        if self.caps.runner_lock == RunnerLock::LeaseRow {
            let table = LeaseTable::new(&name.table, name.lease).ok()?;
            return self.lease_holder(&table).await;
        }
        let sql = match self.dialect {
            Dialect::Sqlite => {
                let path = name.file(self.file.as_ref()?);
                let text = std::fs::read_to_string(path).ok()?;
                return Some(text.trim().to_owned()).filter(|t| !t.is_empty());
            }
            Dialect::Postgres => {
                let key = name.key as u64;
                format!(
                    "SELECT CAST(a.pid AS TEXT), a.application_name, CAST(a.client_addr AS TEXT) \
                     FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
                     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
                     AND l.classid = CAST('{}' AS oid) AND l.objid = CAST('{}' AS oid) \
                     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
                     LIMIT 1",
                    key >> 32,
                    key & 0xffff_ffff
                )
            }
            Dialect::MySql => format!(
                "SELECT CAST(p.id AS CHAR), p.user, p.host FROM information_schema.processlist p \
                 WHERE p.id = IS_USED_LOCK({})",
                name.mysql()
            ),
        };
        let rows = self.fetch_text(&sql, 3).await.ok()?;
        let row = rows.into_iter().next()?;
        let text = |i: usize| row.get(i).cloned().flatten().filter(|t| !t.is_empty());
        let id = text(0)?;
        Some(match self.dialect {
            Dialect::Postgres => {
                let mut words = format!("process {id}");
                if let Some(app) = text(1) {
                    words.push_str(&format!(", application `{app}`"));
                }
                if let Some(addr) = text(2) {
                    words.push_str(&format!(", from {addr}"));
                }
                words
            }
            _ => {
                let mut words = format!("connection {id}");
                if let Some(user) = text(1) {
                    words.push_str(&format!(", user `{user}`"));
                }
                if let Some(host) = text(2) {
                    words.push_str(&format!(", from {host}"));
                }
                words
            }
        })
    }

    /// Releases the run's lock. If the connection is gone, the server has
    /// released it already.
    pub(crate) async fn unlock_run(&mut self, name: &LockName) {
        if let Some(lease) = self.lease.take() {
            lease.release(self.conn.as_mut()).await;
            return;
        }
        let sql = match self.caps.runner_lock {
            RunnerLock::LockFile => {
                self.file_lock = None;
                return;
            }
            RunnerLock::AdvisoryLock => format!("SELECT pg_advisory_unlock({})", name.key),
            RunnerLock::NamedLock => format!("SELECT RELEASE_LOCK({})", name.mysql()),
            RunnerLock::LeaseRow | RunnerLock::None => return,
        };
        if self.fetch_text(&sql, 0).await.is_err() {
            // The connection may be in a state no statement gets through;
            // closing it releases the lock.
            self.abandon();
        }
    }
}

/// A run that holds the migration lock. Its `Drop` (a cancelled future, a
/// panic in a Rust step) closes the connection when the run did not release
/// the lock itself: no path leaves the lock held by a live connection.
pub(crate) struct Run<'d> {
    db: &'d mut Database,
    name: LockName,
    released: bool,
}

impl<'d> Run<'d> {
    /// Takes the lock on `db` for a run.
    pub(crate) async fn start(
        db: &'d mut Database,
        name: LockName,
        timeout: Duration,
        timeouts: &super::statement::Timeouts,
    ) -> Result<Run<'d>, MigrateError> {
        db.enter_run().await?;
        let mut run = Run {
            db,
            name,
            // Nothing to release until the lock is taken; a wait cancelled
            // before then closes the connection all the same, since the
            // server may have granted the lock as the future was dropped.
            released: false,
        };
        match run.db.lock_run(&run.name, timeout).await {
            Ok(()) => match run.db.set_timeouts(timeouts).await {
                Ok(()) => Ok(run),
                Err(error) => {
                    run.finish().await;
                    Err(error)
                }
            },
            Err(error) => {
                // Nothing is held on a server then; a lock file taken just
                // before a failed `busy_timeout` is let go.
                run.released = true;
                run.db.observer = None;
                run.db.file_lock = None;
                run.db.lease = None;
                Err(error)
            }
        }
    }

    /// Releases the lock.
    pub(crate) async fn finish(mut self) {
        self.db.restore_timeouts().await;
        self.db.unlock_run(&self.name).await;
        self.db.observer = None;
        self.released = true;
        self.db.leave_run().await;
    }
}

impl std::ops::Deref for Run<'_> {
    type Target = Database;

    fn deref(&self) -> &Database {
        self.db
    }
}

impl std::ops::DerefMut for Run<'_> {
    fn deref_mut(&mut self) -> &mut Database {
        self.db
    }
}

impl Drop for Run<'_> {
    fn drop(&mut self) {
        if !self.released {
            self.db.abandon();
        }
    }
}
