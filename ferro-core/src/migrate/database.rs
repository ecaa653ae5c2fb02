//! A connection to the database being migrated, through sqlx's `Any` driver,
//! with a record of what it executed.

use std::time::Duration;

use sqlx::{AnyConnection, AssertSqlSafe, Connection as _, Row as _};

use super::error::MigrateError;
use super::render::Dialect;

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

/// An open connection to the database that is being migrated.
pub struct Database {
    conn: AnyConnection,
    dialect: Dialect,
    log: Option<Vec<String>>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("dialect", &self.dialect)
            .finish_non_exhaustive()
    }
}

fn db_error(context: impl Into<String>) -> impl FnOnce(sqlx::Error) -> MigrateError {
    move |source| MigrateError::Database {
        context: context.into(),
        source,
    }
}

impl Database {
    /// Connects to `url` (`sqlite://path`, `postgres://...`). A SQLite file is
    /// created when it does not exist.
    pub async fn connect(url: &str) -> Result<Database, MigrateError> {
        let dialect = Dialect::of_url(url)?;
        let (feature, compiled) = match dialect {
            Dialect::Sqlite => ("sqlite", cfg!(feature = "sqlite")),
            Dialect::Postgres => ("postgres", cfg!(feature = "postgres")),
            Dialect::MySql => ("mysql", cfg!(feature = "mysql")),
        };
        if !compiled {
            return Err(MigrateError::NoDriver {
                database: dialect.name(),
                feature,
            });
        }
        sqlx::any::install_default_drivers();
        let url = match dialect {
            Dialect::Sqlite if !url.contains("mode=") && !url.contains(":memory:") => {
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}mode=rwc")
            }
            _ => url.to_owned(),
        };
        let mut conn = AnyConnection::connect(&url)
            .await
            .map_err(db_error(format!("cannot connect to {}", redact(&url))))?;
        if dialect == Dialect::Sqlite {
            // Runners that lose the race for the write lock wait for the
            // winner's migration (sqlx's default gives up after 5 s).
            sqlx::raw_sql("PRAGMA busy_timeout = 600000")
                .execute(&mut conn)
                .await
                .map_err(db_error("cannot set SQLite's busy timeout"))?;
        }
        if dialect == Dialect::MySql {
            sqlx::raw_sql(super::render::mysql::SQL_MODE)
                .execute(&mut conn)
                .await
                .map_err(db_error("cannot set MySQL's SQL mode"))?;
        }
        Ok(Database {
            conn,
            dialect,
            log: None,
        })
    }

    /// The database's dialect.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Starts recording every statement that changes the database (with its
    /// values written in), for [`Database::take_log`].
    pub fn record(&mut self) {
        self.log = Some(Vec::new());
    }

    /// What was recorded since [`Database::record`].
    pub fn take_log(&mut self) -> Vec<String> {
        self.log.replace(Vec::new()).unwrap_or_default()
    }

    /// Runs `work` in a transaction that holds the migration lock (SQLite: the
    /// write lock of `BEGIN IMMEDIATE`; PostgreSQL: an advisory lock tied to
    /// the transaction, besides the session lock the run holds), committing if
    /// it succeeds and rolling back if it fails, before returning: a failed
    /// migration leaves no open transaction and no lock behind, even when the
    /// caller keeps the connection. (Were the future dropped instead, sqlx
    /// rolls back when the connection is next used or closed.)
    pub(crate) async fn locked<T>(
        &mut self,
        lock_key: i64,
        work: impl AsyncFnOnce(&mut Tx<'_>) -> Result<T, MigrateError>,
    ) -> Result<T, MigrateError> {
        let begin = self.dialect.begin();
        // On PostgreSQL the lock is taken with `BEGIN`, in the same round
        // trip: sqlx sends a `BEGIN` of its own as a simple query, which may
        // hold several statements, and the next statement waits for both.
        // A migration then costs as many round trips as sqlx-cli's: the
        // lock is not a query of its own.
        let lock = (self.dialect == Dialect::Postgres).then(|| lock_statement(lock_key).inline);
        let sql = match &lock {
            Some(lock) => format!("{begin}; {lock}"),
            None => begin.to_owned(),
        };
        let tx = self
            .conn
            .begin_with(AssertSqlSafe(sql))
            .await
            .map_err(db_error("cannot begin a transaction"))?;
        let mut tx = Tx {
            conn: Conn::Transaction(tx),
            log: self.log.as_mut(),
            dialect: self.dialect,
        };
        tx.note(begin);
        if let Some(lock) = &lock {
            tx.note(lock);
        }
        let value = work(&mut tx).await;
        let Tx { conn, log, .. } = tx;
        let Conn::Transaction(transaction) = conn else {
            return value;
        };
        match value {
            Ok(value) => {
                transaction.commit().await.map_err(db_error(
                    "cannot commit; whether the transaction took effect is unknown: check with `current`",
                ))?;
                if let Some(log) = log {
                    log.push("COMMIT".to_owned());
                }
                Ok(value)
            }
            Err(error) => {
                // The error is what the caller needs; a failed rollback
                // means the connection is gone, and the server rolls back.
                let _ = transaction.rollback().await;
                Err(error)
            }
        }
    }

    /// Runs `work` (a transaction that rebuilds a SQLite table) with SQLite's
    /// foreign-key enforcement off, and puts the setting back as it was
    /// afterwards, whatever the outcome. SQLite ignores the setting inside a
    /// transaction, so it is changed around it; the rebuild checks the keys
    /// itself before it commits.
    pub(crate) async fn without_foreign_keys<T>(
        &mut self,
        work: impl AsyncFnOnce(&mut Database) -> Result<T, MigrateError>,
    ) -> Result<T, MigrateError> {
        let rows = self
            .fetch_text("SELECT CAST(foreign_keys AS TEXT) FROM pragma_foreign_keys", 1)
            .await?;
        let was_on = rows.first().and_then(|r| r.first().cloned().flatten()).as_deref() == Some("1");
        if was_on {
            self.pragma("PRAGMA foreign_keys = OFF").await?;
        }
        let outcome = work(self).await;
        if was_on {
            let restored = self.pragma("PRAGMA foreign_keys = ON").await;
            if outcome.is_ok() {
                restored?;
            }
        }
        outcome
    }

    async fn pragma(&mut self, sql: &str) -> Result<(), MigrateError> {
        if let Some(log) = self.log.as_mut() {
            log.push(sql.to_owned());
        }
        sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
            .execute(&mut self.conn)
            .await
            .map_err(db_error(format!("statement failed: {sql}")))?;
        Ok(())
    }

    /// Takes the migration lock for a whole run. On PostgreSQL it is a session
    /// advisory lock, taken by polling `pg_try_advisory_lock` outside any
    /// transaction: a runner that waited inside a transaction would hold a
    /// snapshot, which a `CREATE INDEX CONCURRENTLY` run by the lock's holder
    /// waits for, and neither would move. On MySQL it is the named lock of
    /// `GET_LOCK`, held by the session, which the server releases when the
    /// connection ends. SQLite's lock is the write lock of each migration's
    /// `BEGIN IMMEDIATE`, so there is nothing to take here.
    pub(crate) async fn lock_run(&mut self, lock_key: i64) -> Result<(), MigrateError> {
        let sql = match self.dialect {
            Dialect::Sqlite => return Ok(()),
            Dialect::Postgres => format!("SELECT CAST(pg_try_advisory_lock({lock_key}) AS TEXT)"),
            Dialect::MySql => format!("SELECT CAST(GET_LOCK('{}', 1) AS CHAR)", lock_name(lock_key)),
        };
        loop {
            let rows = self.fetch_text(&sql, 1).await?;
            let answer = rows.first().and_then(|r| r.first().cloned().flatten());
            if matches!(answer.as_deref(), Some("true" | "1")) {
                return Ok(());
            }
            if self.dialect == Dialect::Postgres {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }

    /// Releases the lock of [`Database::lock_run`]. Called on every path of a
    /// run; if the connection is gone, the server has released it already.
    pub(crate) async fn unlock_run(&mut self, lock_key: i64) {
        let sql = match self.dialect {
            Dialect::Sqlite => return,
            Dialect::Postgres => format!("SELECT pg_advisory_unlock({lock_key})"),
            Dialect::MySql => format!("SELECT RELEASE_LOCK('{}')", lock_name(lock_key)),
        };
        let _ = sqlx::query(AssertSqlSafe(sql)).execute(&mut self.conn).await;
    }

    /// Runs `work` outside a transaction, for the steps that cannot run in one
    /// (`CREATE INDEX CONCURRENTLY`). On PostgreSQL the run's session lock
    /// guards it; SQLite has no lock outside a transaction, so there the step
    /// runs unguarded, which the guide says.
    pub(crate) async fn outside<T>(
        &mut self,
        work: impl AsyncFnOnce(&mut Tx<'_>) -> Result<T, MigrateError>,
    ) -> Result<T, MigrateError> {
        let mut tx = Tx {
            conn: Conn::Plain(&mut self.conn),
            log: self.log.as_mut(),
            dialect: self.dialect,
        };
        work(&mut tx).await
    }

    /// Runs a query outside a transaction and returns its rows' text columns.
    pub(crate) async fn fetch_text(
        &mut self,
        sql: &str,
        columns: usize,
    ) -> Result<Vec<Vec<Option<String>>>, MigrateError> {
        fetch_text(&mut self.conn, sql, columns).await
    }
}

/// The name of MySQL's migration lock for `key` (at most 64 characters).
fn lock_name(key: i64) -> String {
    format!("ferro_migration_{key:016x}")
}

/// `SELECT pg_advisory_xact_lock(key)`.
pub(crate) fn lock_statement(key: i64) -> Statement {
    Statement::plain(format!("SELECT pg_advisory_xact_lock({key})"))
}

/// The URL without its password (in the user part or as a `password=`
/// parameter), for messages and logs: every message of this crate that
/// names a database URL names it so.
///
/// ```
/// use ferro::migrate::redact;
/// assert_eq!(redact("postgres://app:s3cret@db/app"), "postgres://app:***@db/app");
/// assert_eq!(redact("mysql://db/app?user=app&password=s3cret"), "mysql://db/app?user=app&password=***");
/// ```
pub fn redact(url: &str) -> String {
    let mut out = match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => match url[scheme + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    };
    if let Some((base, query)) = out.clone().split_once('?') {
        let query: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        out = format!("{base}?{}", query.join("&"));
    }
    out
}

async fn fetch_text(
    conn: &mut AnyConnection,
    sql: &str,
    columns: usize,
) -> Result<Vec<Vec<Option<String>>>, MigrateError> {
    // As one simple query rather than a prepared statement: these queries
    // carry their values inline (a revision id), so each would be prepared,
    // a round trip more, and kept for the connection's life.
    let rows = sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .fetch_all(&mut *conn)
        .await
        .map_err(db_error(format!("cannot read: {sql}")))?;
    rows.iter()
        .map(|row| {
            (0..columns)
                .map(|i| {
                    row.try_get::<Option<String>, _>(i)
                        .map_err(db_error(format!("cannot read: {sql}")))
                })
                .collect()
        })
        .collect()
}

/// The connection a migration's statements run on: in its transaction, or
/// (for a step that cannot run in one) the connection itself.
enum Conn<'c> {
    Transaction(sqlx::Transaction<'c, sqlx::Any>),
    Plain(&'c mut AnyConnection),
}

impl std::ops::Deref for Conn<'_> {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match self {
            Conn::Transaction(tx) => tx,
            Conn::Plain(conn) => conn,
        }
    }
}

impl std::ops::DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Conn::Transaction(tx) => tx,
            Conn::Plain(conn) => conn,
        }
    }
}

/// Where a migration's statements run, with the execution log.
pub(crate) struct Tx<'c> {
    conn: Conn<'c>,
    log: Option<&'c mut Vec<String>>,
    dialect: Dialect,
}

impl Tx<'_> {
    pub(crate) fn dialect(&self) -> Dialect {
        self.dialect
    }

    fn note(&mut self, sql: &str) {
        if let Some(log) = self.log.as_mut() {
            log.push(sql.to_owned());
        }
    }

    /// Executes one statement that changes the database.
    pub(crate) async fn execute(&mut self, statement: &Statement) -> Result<(), MigrateError> {
        self.note(&statement.inline);
        let context = || format!("statement failed: {}", statement.inline);
        if statement.binds.is_empty() {
            sqlx::raw_sql(AssertSqlSafe(statement.sql.clone()))
                .execute(&mut *self.conn)
                .await
                .map_err(db_error(context()))?;
            return Ok(());
        }
        let mut query = sqlx::query(AssertSqlSafe(statement.sql.clone()));
        for bind in &statement.binds {
            query = match bind {
                Bind::Text(text) => query.bind(text.clone()),
                Bind::Int(n) => query.bind(*n),
                Bind::Null => query.bind(None::<String>),
                Bind::NullInt => query.bind(None::<i64>),
            };
        }
        query
            .execute(&mut *self.conn)
            .await
            .map_err(db_error(context()))?;
        Ok(())
    }

    /// Runs a Rust data step on the transaction's connection.
    pub(crate) async fn run_rust(
        &mut self,
        name: &str,
        step: crate::migration::RustStep,
    ) -> Result<(), MigrateError> {
        self.note(&super::prepare::rust_note(name));
        (step.0)(&mut self.conn)
            .await
            .map_err(db_error(format!("Rust step `{name}` failed")))
    }

    /// Runs a query in the transaction and returns its rows' text columns.
    pub(crate) async fn fetch_text(
        &mut self,
        sql: &str,
        columns: usize,
    ) -> Result<Vec<Vec<Option<String>>>, MigrateError> {
        fetch_text(&mut self.conn, sql, columns).await
    }
}

/// How long something took, in whole milliseconds.
pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(
            redact("postgres://h/db?user=u&password=secret"),
            "postgres://h/db?user=u&password=***"
        );
        assert_eq!(redact("sqlite://app.db?mode=rwc"), "sqlite://app.db?mode=rwc");
    }
}
