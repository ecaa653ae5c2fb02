//! The database being migrated: a connection (opened from a URL, or leased
//! from the application's pool), with a record of what it executed.

use tracing::Instrument as _;

use sqlx::{AssertSqlSafe, Row as _};

use super::connection::{Connection, Transaction};

use super::dialect::{Dialect, redact};
use super::error::MigrateError;
use super::events::{Event, Observer, emit};
use super::statement::{Bind, Statement, Timeouts, lock_statement, rust_note};

/// An open connection to the database that is being migrated.
///
/// A run that is cancelled (its future dropped) or that panics closes the
/// connection, which releases every lock the run held; the next use of the
/// `Database` connects again.
pub struct Database {
    /// `None` until first used, after a cancelled run closed it, and (from a
    /// pool) between runs.
    pub(super) conn: Option<Connection>,
    /// Where a connection comes from.
    source: Source,
    /// The URL it was opened with (from a pool: the pool's options as a URL,
    /// for messages).
    url: String,
    /// On a connection leased from a pool, the statements that put back the
    /// session settings a run changed.
    restore: Vec<String>,
    /// The statements that put back the timeouts a run set (see
    /// [`Database::set_timeouts`]), on any connection.
    restore_timeouts: Vec<String>,
    pub(super) dialect: Dialect,
    log: Option<Vec<String>>,
    /// Where a run's events go besides `tracing` (set for the run).
    pub(super) observer: Option<Observer>,
    /// On SQLite, the database file, whose lock file guards a run.
    pub(super) file: Option<std::path::PathBuf>,
    /// On SQLite, the lock file a run holds.
    pub(super) file_lock: Option<super::lock::FileLock>,
    /// What the server offers: the dialect's, or a cluster's once a run
    /// found one.
    pub(super) caps: &'static super::capabilities::Capabilities,
    /// On a cluster, the lease on the lock row a run holds.
    pub(super) lease: Option<super::lease::Lease>,
}

/// Where a [`Database`]'s connection comes from.
enum Source {
    /// Opened from the URL.
    Url,
    /// Leased from the application's pool.
    Pool(Box<dyn Lease>),
}

/// A pool of any driver's connections.
trait Lease: Send + Sync {
    fn acquire(&self)
    -> std::pin::Pin<Box<dyn Future<Output = Result<Connection, sqlx::Error>> + Send + '_>>;
}

impl<DB: sqlx::Database> Lease for sqlx::Pool<DB>
where
    DB::Connection: sqlx_core::any::AnyConnectionBackend,
{
    fn acquire(
        &self,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<Connection, sqlx::Error>> + Send + '_>> {
        Box::pin(async move { Ok(Connection::pooled(sqlx::Pool::acquire(self).await?)) })
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("dialect", &self.dialect)
            .finish_non_exhaustive()
    }
}

pub(super) fn db_error(context: impl Into<String>) -> impl FnOnce(sqlx::Error) -> MigrateError {
    move |source| MigrateError::Database {
        context: context.into(),
        source,
    }
}

impl Database {
    /// Connects to `url` (`sqlite://path`, `postgres://...` or
    /// `postgresql://...`, `mysql://...` or `mariadb://...`). A SQLite file
    /// is created when it does not exist.
    pub async fn connect(url: &str) -> Result<Database, MigrateError> {
        let dialect = Self::check_driver(url)?;
        let url = match dialect {
            Dialect::Sqlite if !url.contains("mode=") && !url.contains(":memory:") => {
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}mode=rwc")
            }
            _ => url.to_owned(),
        };
        let conn = open(&url, dialect).await?;
        let file = match dialect {
            Dialect::Sqlite => super::lock::sqlite_file(&url),
            _ => None,
        };
        Ok(Database::new(Some(conn), Source::Url, url, dialect, file))
    }

    fn new(
        conn: Option<Connection>,
        source: Source,
        url: String,
        dialect: Dialect,
        file: Option<std::path::PathBuf>,
    ) -> Database {
        Database {
            conn,
            source,
            url,
            restore: Vec::new(),
            restore_timeouts: Vec::new(),
            dialect,
            log: None,
            observer: None,
            file,
            file_lock: None,
            caps: dialect.capabilities(),
            lease: None,
        }
    }

    /// The database of an application's pool (`PgPool`, `MySqlPool`,
    /// `SqlitePool`), as sqlx's `migrate!().run(&pool)` takes it: each run
    /// (an upgrade, a downgrade, a stamp) leases one connection from the
    /// pool and gives it back when it ends, with the session settings it
    /// changed put back (MySQL's `sql_mode`, SQLite's `busy_timeout`). A run
    /// that is cancelled or panics closes its connection instead, so no lock
    /// or transaction of it goes back into the pool. The pool's own
    /// settings (TLS, `after_connect`, its size) apply; a run needs one
    /// connection free, and on a MariaDB Galera cluster two (the second
    /// renews the run's lease on the lock).
    ///
    /// Reads (`current`, `applied`, `is_at_head`, …) lease a connection too,
    /// and keep it until the next run ends or the `Database` is dropped.
    ///
    /// ```no_run
    /// # async fn start(pool: sqlx::SqlitePool, migrations: &'static [ferro::migration::Migration]) -> Result<(), ferro::runtime::MigrateError> {
    /// use ferro::runtime::{Database, Migrator, Target};
    ///
    /// let mut db = Database::from_pool(&pool)?;
    /// Migrator::new(migrations).upgrade(&mut db, &Target::Head).await?;
    /// # Ok(()) }
    /// ```
    pub fn from_pool<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) -> Result<Database, MigrateError>
    where
        DB::Connection: sqlx_core::any::AnyConnectionBackend,
    {
        use sqlx::ConnectOptions as _;
        let options = pool.connect_options();
        let dialect = match DB::NAME {
            "PostgreSQL" => Dialect::Postgres,
            "MySQL" => Dialect::MySql,
            "SQLite" => Dialect::Sqlite,
            other => return Err(MigrateError::BadUrl(format!("a pool of {other}"))),
        };
        // sqlx 0.9 cannot write an in-memory SQLite database's options as a
        // URL (it panics), so SQLite's is written here: only messages show it.
        #[cfg(feature = "sqlite")]
        let sqlite = (&*options as &dyn std::any::Any).downcast_ref::<sqlx::sqlite::SqliteConnectOptions>();
        #[cfg(not(feature = "sqlite"))]
        let sqlite: Option<&()> = None;
        let (url, file) = match sqlite {
            #[cfg(feature = "sqlite")]
            Some(options) => {
                let name = options.get_filename();
                // sqlx names an in-memory database `file:sqlx-in-memory-N`.
                let text = name.to_string_lossy();
                let memory = text.is_empty() || text.contains(":memory:") || text.starts_with("file:");
                let url = format!("sqlite://{}", name.display());
                (url, (!memory).then(|| super::lock::sqlite_options_file(options)))
            }
            _ => (options.to_url_lossy().to_string(), None),
        };
        Ok(Database::new(
            None,
            Source::Pool(Box::new(pool.clone())),
            url,
            dialect,
            file,
        ))
    }

    /// Creates the database `url` names, if it does not exist: on
    /// PostgreSQL and MySQL through the server's maintenance database (or
    /// none), on SQLite the file. Returns whether it created it.
    pub async fn create_database(url: &str) -> Result<bool, MigrateError> {
        use sqlx::migrate::MigrateDatabase as _;
        Self::check_driver(url)?;
        let context = || format!("cannot create the database {}", redact(url));
        if sqlx::Any::database_exists(url)
            .await
            .map_err(db_error(context()))?
        {
            return Ok(false);
        }
        sqlx::Any::create_database(url)
            .await
            .map_err(db_error(context()))?;
        Ok(true)
    }

    /// Drops the database `url` names (on SQLite, removes the file), if it
    /// exists; `force` first ends the other sessions connected to it (on
    /// PostgreSQL; the others have none to end). Returns whether it existed.
    pub async fn drop_database(url: &str, force: bool) -> Result<bool, MigrateError> {
        use sqlx::migrate::MigrateDatabase as _;
        // Only PostgreSQL has sessions to end; elsewhere there is nothing to force.
        let dialect = Self::check_driver(url)?;
        let force = force && dialect == Dialect::Postgres;
        let context = || format!("cannot drop the database {}", redact(url));
        if !sqlx::Any::database_exists(url)
            .await
            .map_err(db_error(context()))?
        {
            return Ok(false);
        }
        let dropped = if force {
            sqlx::Any::force_drop_database(url).await
        } else {
            sqlx::Any::drop_database(url).await
        };
        dropped.map_err(db_error(context()))?;
        Ok(true)
    }

    /// The database of `url` is one this build has the driver of.
    fn check_driver(url: &str) -> Result<Dialect, MigrateError> {
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
        Ok(dialect)
    }

    /// The connection: opened (or leased) if there is none yet, or again
    /// if a cancelled run closed it.
    pub(crate) async fn conn(&mut self) -> Result<&mut Connection, MigrateError> {
        if self.conn.is_none() {
            self.conn = Some(match &self.source {
                Source::Url => open(&self.url, self.dialect).await?,
                Source::Pool(pool) => pool.acquire().await.map_err(db_error(format!(
                    "cannot take a connection from the pool of {}",
                    redact(&self.url)
                )))?,
            });
        }
        self.conn
            .as_mut()
            .ok_or(MigrateError::NotConfigured("Database::connect"))
    }

    /// Closes the connection, which ends every lock and transaction it
    /// holds, without waiting: what a run that was cancelled or panicked
    /// does from `Drop`, where nothing can be awaited.
    pub(super) fn abandon(&mut self) {
        if let Some(conn) = self.conn.as_mut() {
            conn.discard();
        }
        self.conn = None;
        self.restore.clear();
        self.restore_timeouts.clear();
        self.file_lock = None;
        // Its task deletes the row on a connection of its own.
        self.lease = None;
        self.observer = None;
    }

    /// Before a run takes its lock, on a connection leased from a pool: keeps
    /// the session settings the run changes, and sets MySQL's SQL mode (a
    /// connection the runtime opens has it from the start).
    pub(super) async fn enter_run(&mut self) -> Result<(), MigrateError> {
        if !self.conn().await?.is_pooled() {
            return Ok(());
        }
        let (read, restore): (&str, fn(&str) -> String) = match self.dialect {
            Dialect::Postgres => return Ok(()),
            Dialect::MySql => ("SELECT @@SESSION.sql_mode", |mode| {
                format!("SET SESSION sql_mode = {}", super::dialect::mysql_literal(mode))
            }),
            Dialect::Sqlite => ("SELECT CAST(timeout AS TEXT) FROM pragma_busy_timeout", |ms| {
                format!("PRAGMA busy_timeout = {}", ms.parse::<u64>().unwrap_or(0))
            }),
        };
        let rows = self.fetch_text(read, 1).await?;
        let value = rows
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .unwrap_or_default();
        self.restore = vec![restore(&value)];
        if self.dialect == Dialect::MySql {
            self.fetch_text(super::dialect::MYSQL_SQL_MODE, 0).await?;
        }
        Ok(())
    }

    /// After a run released its lock, on a connection leased from a pool:
    /// puts the session settings back and gives the connection back. A
    /// connection whose settings cannot be put back is closed instead.
    pub(super) async fn leave_run(&mut self) {
        if !matches!(self.source, Source::Pool(_)) {
            return;
        }
        for sql in std::mem::take(&mut self.restore) {
            if self.fetch_text(&sql, 0).await.is_err() {
                self.abandon();
                return;
            }
        }
        self.conn = None;
    }

    /// Sets the run's timeouts on the session, after its lock is taken,
    /// keeping what puts the previous values back.
    pub(super) async fn set_timeouts(&mut self, timeouts: &Timeouts) -> Result<(), MigrateError> {
        let mut settings = timeouts.session(self.dialect);
        if self.caps.runner_lock == super::capabilities::RunnerLock::LeaseRow {
            settings.extend(super::statement::galera_session());
        }
        for setting in settings {
            let rows = self.fetch_text(&setting.read, 1).await?;
            let old = rows
                .first()
                .and_then(|r| r.first().cloned().flatten())
                .unwrap_or_default();
            self.fetch_text(&setting.set, 0).await?;
            self.restore_timeouts.push((setting.restore)(&old));
        }
        Ok(())
    }

    /// Puts back the timeouts [`Database::set_timeouts`] changed.
    pub(super) async fn restore_timeouts(&mut self) {
        for sql in std::mem::take(&mut self.restore_timeouts) {
            if self.fetch_text(&sql, 0).await.is_err() {
                self.abandon();
                return;
            }
        }
    }

    /// A second connection to the database, besides the run's: opened
    /// from the URL, or leased from the pool (which then needs two free).
    pub(super) async fn another(&mut self) -> Result<Connection, MigrateError> {
        match &self.source {
            Source::Url => open(&self.url, self.dialect).await,
            Source::Pool(pool) => pool.acquire().await.map_err(db_error(format!(
                "cannot take a second connection from the pool of {}",
                redact(&self.url)
            ))),
        }
    }

    /// The database's URL, its password hidden.
    pub(super) fn redacted_url(&self) -> String {
        redact(&self.url)
    }

    /// What the server offers (after a run: a cluster's, if it is one).
    pub fn capabilities(&self) -> &'static super::capabilities::Capabilities {
        self.caps
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
        self.check_lease().await?;
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
        let mut tx = self.tx(Some(sql)).await?;
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
            .execute(self.conn().await?)
            .await
            .map_err(db_error(format!("statement failed: {sql}")))?;
        Ok(())
    }

    /// Runs `work` outside a transaction, for the steps that cannot run in one
    /// (`CREATE INDEX CONCURRENTLY`). The run's lock guards it (on SQLite the
    /// lock file: SQLite's own locks last a transaction at most).
    pub(crate) async fn outside<T>(
        &mut self,
        work: impl AsyncFnOnce(&mut Tx<'_>) -> Result<T, MigrateError>,
    ) -> Result<T, MigrateError> {
        self.check_lease().await?;
        let mut tx = self.tx(None).await?;
        work(&mut tx).await
    }

    /// Where a run's statements go: a transaction begun with `begin`, or
    /// (without) the connection itself, opened again if need be, with the
    /// log and the run's observer.
    async fn tx(&mut self, begin: Option<String>) -> Result<Tx<'_>, MigrateError> {
        self.conn().await?;
        let Database {
            conn: Some(conn),
            log,
            observer,
            dialect,
            ..
        } = self
        else {
            return Err(MigrateError::NotConfigured("Database::connect"));
        };
        let conn = match begin {
            Some(sql) => Conn::Transaction(
                conn.begin(sql)
                    .await
                    .map_err(db_error("cannot begin a transaction"))?,
            ),
            None => Conn::Plain(conn),
        };
        Ok(Tx {
            conn,
            log: log.as_mut(),
            observer: observer.as_ref(),
            dialect: *dialect,
        })
    }

    /// Runs a query outside a transaction and returns its rows' text columns.
    pub(crate) async fn fetch_text(
        &mut self,
        sql: &str,
        columns: usize,
    ) -> Result<Vec<Vec<Option<String>>>, MigrateError> {
        fetch_text(self.conn().await?, sql, columns).await
    }
}

/// Opens a connection to `url` with its driver and sets it up for migrating.
async fn open(url: &str, dialect: Dialect) -> Result<Connection, MigrateError> {
    use sqlx::Connection as _;
    let context = || format!("cannot connect to {}", redact(url));
    let mut conn = match dialect {
        #[cfg(feature = "sqlite")]
        Dialect::Sqlite => Connection::owned(
            sqlx::SqliteConnection::connect(url)
                .await
                .map_err(db_error(context()))?,
        ),
        #[cfg(feature = "postgres")]
        Dialect::Postgres => Connection::owned(
            sqlx::PgConnection::connect(url)
                .await
                .map_err(db_error(context()))?,
        ),
        #[cfg(feature = "mysql")]
        Dialect::MySql => Connection::owned(
            sqlx::MySqlConnection::connect(url)
                .await
                .map_err(db_error(context()))?,
        ),
        // `connect` checked that the driver is built in.
        #[allow(unreachable_patterns)]
        _ => {
            return Err(Database::check_driver(url)
                .err()
                .unwrap_or(MigrateError::BadUrl(redact(url))));
        }
    };
    if dialect == Dialect::Sqlite {
        // Runners wait for each other on the run's lock file; this is how
        // long a migration's transaction waits for a writer that is not a
        // runner (the application), until a run sets its lock timeout.
        sqlx::raw_sql("PRAGMA busy_timeout = 600000")
            .execute(&mut conn)
            .await
            .map_err(db_error("cannot set SQLite's busy timeout"))?;
    }
    if dialect == Dialect::MySql {
        sqlx::raw_sql(super::dialect::MYSQL_SQL_MODE)
            .execute(&mut conn)
            .await
            .map_err(db_error("cannot set MySQL's SQL mode"))?;
    }
    Ok(conn)
}

pub(super) async fn fetch_text(
    conn: &mut Connection,
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
    Transaction(Transaction<'c>),
    Plain(&'c mut Connection),
}

impl std::ops::Deref for Conn<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        match self {
            Conn::Transaction(tx) => tx,
            Conn::Plain(conn) => conn,
        }
    }
}

impl std::ops::DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
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
    observer: Option<&'c Observer>,
    dialect: Dialect,
}

impl Tx<'_> {
    pub(crate) fn dialect(&self) -> Dialect {
        self.dialect
    }

    fn note(&mut self, sql: &str) {
        emit(self.observer, &Event::Statement { sql });
        if let Some(log) = self.log.as_mut() {
            log.push(sql.to_owned());
        }
    }

    /// Tells the run's observer and `tracing` about `event`.
    pub(crate) fn emit(&self, event: &Event<'_>) {
        emit(self.observer, event);
    }

    /// Whether anyone listens to the run's events: what only an event needs
    /// (a count of rows) is not worked out for nobody.
    pub(crate) fn observed(&self) -> bool {
        self.observer.is_some() || tracing::enabled!(target: "ferro::runtime", tracing::Level::INFO)
    }

    /// Executes one statement that changes the database.
    pub(crate) async fn execute(&mut self, statement: &Statement) -> Result<(), MigrateError> {
        // A span, so that a subscriber sees how long each statement took.
        let span = tracing::debug_span!(target: "ferro::runtime", "statement");
        self.send(statement).instrument(span).await
    }

    /// Executes one statement, which may be several (hand-written SQL), and
    /// sets `done` as soon as one of them has completed: on MySQL a schema
    /// statement commits what ran before it in the transaction, even when
    /// it then fails, so a failure after one is not a failure of the whole.
    pub(crate) async fn execute_each(
        &mut self,
        statement: &Statement,
        done: &std::sync::atomic::AtomicBool,
    ) -> Result<(), MigrateError> {
        use futures_util::TryStreamExt as _;
        if !statement.binds.is_empty() {
            self.execute(statement).await?;
            done.store(true, std::sync::atomic::Ordering::Relaxed);
            return Ok(());
        }
        let span = tracing::debug_span!(target: "ferro::runtime", "statement");
        async {
            self.note(&statement.inline);
            let context = || format!("statement failed: {}", statement.inline);
            let mut results =
                sqlx::raw_sql(AssertSqlSafe(statement.sql.clone())).execute_many(&mut *self.conn);
            while results.try_next().await.map_err(db_error(context()))?.is_some() {
                done.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            Ok(())
        }
        .instrument(span)
        .await
    }

    /// Executes one statement without values to bind, and says how many
    /// rows it changed.
    pub(crate) async fn execute_rows(&mut self, statement: &Statement) -> Result<u64, MigrateError> {
        let span = tracing::debug_span!(target: "ferro::runtime", "statement");
        async {
            self.note(&statement.inline);
            let context = || format!("statement failed: {}", statement.inline);
            let done = sqlx::raw_sql(AssertSqlSafe(statement.sql.clone()))
                .execute(&mut *self.conn)
                .await
                .map_err(db_error(context()))?;
            Ok(done.rows_affected())
        }
        .instrument(span)
        .await
    }

    async fn send(&mut self, statement: &Statement) -> Result<(), MigrateError> {
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
        self.note(&rust_note(name));
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
