//! What runs: a statement with the values bound to its placeholders, and the
//! text the log and offline scripts show for it, the lock statement of a
//! PostgreSQL transaction.

use std::time::Duration;

/// A value bound to a statement's placeholder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
    Null,
    NullInt,
}

/// A statement that changes the database: its SQL with placeholders and the
/// values bound to them, and the same SQL with the values written in, which is
/// what `--sql` prints and the execution log records.
#[derive(Clone, Debug)]
pub(crate) struct Statement {
    pub(crate) sql: String,
    pub(crate) binds: Vec<Bind>,
    pub(crate) inline: String,
}

impl Statement {
    /// A statement without placeholders.
    pub(crate) fn plain(sql: String) -> Statement {
        Statement {
            inline: sql.clone(),
            sql,
            binds: Vec::new(),
        }
    }
}

/// What the log and an offline script say for a Rust step.
pub(crate) fn rust_note(name: &str) -> String {
    format!("-- Rust step `{name}` (runs only when applied online)")
}

/// `SELECT pg_advisory_xact_lock(key)`.
pub(crate) fn lock_statement(key: i64) -> Statement {
    Statement::plain(format!("SELECT pg_advisory_xact_lock({key})"))
}

/// How long something took, in whole milliseconds.
pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The timeouts a run sets on its session while it holds its lock: how long
/// a statement waits for a lock on a table, and how long one may run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Timeouts {
    pub(crate) table_lock: Option<Duration>,
    pub(crate) statement: Option<Duration>,
}

/// How to put a session setting back, from the value read before.
pub(crate) type Restore = Box<dyn Fn(&str) -> String + Send + Sync>;

/// One session setting: the query that reads its value, the statement that
/// sets it, and how to put the value read back.
pub(crate) struct Setting {
    pub(crate) read: String,
    pub(crate) set: String,
    pub(crate) restore: Restore,
}

impl Timeouts {
    /// Around a step outside a transaction (`CREATE INDEX CONCURRENTLY`) on
    /// PostgreSQL: the statements that lift the table lock timeout before
    /// it and set it again after. Such a step takes `SHARE UPDATE
    /// EXCLUSIVE`, which the application's reads and writes do not queue
    /// behind, and waits for the transactions already running to end; cut
    /// short by the timeout, it would leave an invalid index, and it is not
    /// tried again.
    pub(crate) fn around_outside(&self, d: super::Dialect) -> Option<(String, String)> {
        let value = self.table_lock.filter(|_| d == super::Dialect::Postgres)?;
        Some((
            "SET lock_timeout = 0".to_owned(),
            format!("SET lock_timeout = '{}ms'", millis(value).max(1)),
        ))
    }

    /// The statements that set them on `dialect`, as an offline script
    /// begins with them.
    pub(crate) fn statements(&self, d: super::Dialect) -> Vec<String> {
        self.session(d).into_iter().map(|s| s.set).collect()
    }

    /// Each setting on `dialect`. PostgreSQL has both (`lock_timeout`,
    /// `statement_timeout`); MySQL the wait for a table's metadata lock, in
    /// whole seconds (`lock_wait_timeout`; its `max_execution_time` applies
    /// to `SELECT` only); SQLite neither: its only lock is the database's,
    /// which the run holds.
    pub(crate) fn session(&self, d: super::Dialect) -> Vec<Setting> {
        let mut out = Vec::new();
        match d {
            super::Dialect::Postgres => {
                for (name, value) in [
                    ("lock_timeout", self.table_lock),
                    ("statement_timeout", self.statement),
                ] {
                    if let Some(value) = value {
                        out.push(Setting {
                            read: format!("SELECT current_setting('{name}')"),
                            set: format!("SET {name} = '{}ms'", millis(value).max(1)),
                            restore: Box::new(move |old: &str| {
                                format!("SET {name} = '{}'", old.replace('\'', "''"))
                            }),
                        });
                    }
                }
            }
            super::Dialect::MySql => {
                if let Some(value) = self.table_lock {
                    let seconds = value.as_millis().div_ceil(1000).max(1);
                    out.push(Setting {
                        read: "SELECT CAST(@@SESSION.lock_wait_timeout AS CHAR)".to_owned(),
                        set: format!("SET SESSION lock_wait_timeout = {seconds}"),
                        restore: Box::new(|old: &str| {
                            format!(
                                "SET SESSION lock_wait_timeout = {}",
                                old.parse::<u64>().unwrap_or(31_536_000)
                            )
                        }),
                    });
                }
            }
            super::Dialect::Sqlite => {}
        }
        out
    }
}

/// The session settings of a run on a Galera cluster, besides its
/// timeouts: causal reads (`wsrep_sync_wait = 1`, so that a read sees every
/// write the cluster committed before it, the last run's version rows
/// among them), and schema statements in total order on every node
/// (`wsrep_OSU_method = TOI`: under `RSU` a statement changes one node
/// only, while the version table, replicated, would say all).
pub(crate) fn galera_session() -> Vec<Setting> {
    [("wsrep_sync_wait", "1"), ("wsrep_OSU_method", "'TOI'")]
        .into_iter()
        .map(|(name, value)| Setting {
            read: format!("SELECT CAST(@@SESSION.{name} AS CHAR)"),
            set: format!("SET SESSION {name} = {value}"),
            restore: Box::new(move |old: &str| match old.parse::<u64>() {
                Ok(number) => format!("SET SESSION {name} = {number}"),
                Err(_) => format!("SET SESSION {name} = {}", super::dialect::mysql_literal(old)),
            }),
        })
        .collect()
}

/// Whether `error` is a statement that gave up waiting for a lock on a
/// table: PostgreSQL's `lock_not_available` (55P03), MySQL's
/// `ER_LOCK_WAIT_TIMEOUT` (1205).
pub(crate) fn is_table_lock_timeout(error: &super::MigrateError) -> bool {
    let super::MigrateError::Database { source, .. } = error else {
        return false;
    };
    let Some(db) = source.as_database_error() else {
        return false;
    };
    db.code().as_deref() == Some("55P03") || db.message().starts_with("Lock wait timeout exceeded")
}
