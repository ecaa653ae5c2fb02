//! The connection a run works on, and the one a Rust step receives.
//!
//! Written here rather than taken from sqlx: sqlx's `AnyConnection` can only
//! be opened from a URL, and has no way to wrap a connection that an
//! application's pool already holds (`Pool<Postgres>` and the like). sqlx's
//! drivers do implement `AnyConnectionBackend` for their own connections, so
//! this type drives one through that trait, opened by the runtime or leased
//! from the application's pool, and implements sqlx's `Executor` for the
//! `Any` database as `AnyConnection` does: a step's
//! `sqlx::query(..).execute(&mut *conn)` reads the same.

use std::future::Future;
use std::pin::Pin;

use futures_core::stream::BoxStream;
use sqlx::any::{Any, AnyQueryResult, AnyRow, AnyStatement, AnyTypeInfo};
use sqlx::pool::PoolConnection;
use sqlx::{AssertSqlSafe, Describe, Either, Error, Execute, Executor, SqlSafeStr as _, SqlStr};
use sqlx_core::any::AnyConnectionBackend;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The connection of a migration run, and of the migration's transaction that
/// a Rust step ([`crate::migration::Ops::rust`]) receives: an sqlx executor
/// of the [`sqlx::Any`] database, as `sqlx::AnyConnection` is.
///
/// ```
/// use ferro::migration::{Connection, StepFuture};
///
/// fn backfill(conn: &mut Connection) -> StepFuture<'_> {
///     Box::pin(async move {
///         sqlx::query("UPDATE users SET active = TRUE WHERE active IS NULL")
///             .execute(&mut *conn)
///             .await?;
///         Ok(())
///     })
/// }
/// ```
pub struct Connection {
    held: Box<dyn Held>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("backend", &self.held.backend_ref().name())
            .finish_non_exhaustive()
    }
}

/// A driver's connection: owned, or leased from a pool.
trait Held: Send + 'static {
    fn backend(&mut self) -> &mut dyn AnyConnectionBackend;
    fn backend_ref(&self) -> &dyn AnyConnectionBackend;
    /// Makes dropping close the connection rather than give it back to its
    /// pool: after a cancelled run, whose locks and transaction die with it.
    fn discard(&mut self);
    fn is_pooled(&self) -> bool;
}

struct Owned<C>(C);

impl<C: AnyConnectionBackend> Held for Owned<C> {
    fn backend(&mut self) -> &mut dyn AnyConnectionBackend {
        &mut self.0
    }

    fn backend_ref(&self) -> &dyn AnyConnectionBackend {
        &self.0
    }

    fn discard(&mut self) {}

    fn is_pooled(&self) -> bool {
        false
    }
}

impl<DB: sqlx::Database> Held for PoolConnection<DB>
where
    DB::Connection: AnyConnectionBackend,
{
    fn backend(&mut self) -> &mut dyn AnyConnectionBackend {
        &mut **self
    }

    fn backend_ref(&self) -> &dyn AnyConnectionBackend {
        &**self
    }

    fn discard(&mut self) {
        self.close_on_drop();
    }

    fn is_pooled(&self) -> bool {
        true
    }
}

impl Connection {
    /// Wraps a driver's connection the runtime opened.
    pub(super) fn owned(conn: impl AnyConnectionBackend) -> Connection {
        Connection {
            held: Box::new(Owned(conn)),
        }
    }

    /// Wraps a connection leased from a pool; dropping it gives it back.
    pub(super) fn pooled<DB: sqlx::Database>(conn: PoolConnection<DB>) -> Connection
    where
        DB::Connection: AnyConnectionBackend,
    {
        Connection { held: Box::new(conn) }
    }

    /// The name of the database's driver (`PostgreSQL`, `MySQL`, `SQLite`).
    pub fn backend_name(&self) -> &str {
        self.held.backend_ref().name()
    }

    /// Whether the connection was leased from a pool.
    pub(super) fn is_pooled(&self) -> bool {
        self.held.is_pooled()
    }

    /// See [`Held::discard`].
    pub(super) fn discard(&mut self) {
        self.held.discard();
    }

    /// Begins a transaction with `sql` (`BEGIN`, `BEGIN IMMEDIATE`, …).
    pub(super) async fn begin(&mut self, sql: String) -> Result<Transaction<'_>, Error> {
        self.held
            .backend()
            .begin(Some(AssertSqlSafe(sql).into_sql_str()))
            .await?;
        Ok(Transaction {
            conn: self,
            open: true,
        })
    }
}

/// A transaction on a [`Connection`]. Dropped without [`Transaction::commit`]
/// or [`Transaction::rollback`], it is rolled back when the connection is
/// next used, as sqlx's own transactions are.
pub(super) struct Transaction<'c> {
    conn: &'c mut Connection,
    open: bool,
}

impl Transaction<'_> {
    pub(super) async fn commit(mut self) -> Result<(), Error> {
        self.open = false;
        self.conn.held.backend().commit().await
    }

    pub(super) async fn rollback(mut self) -> Result<(), Error> {
        self.open = false;
        self.conn.held.backend().rollback().await
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if self.open {
            self.conn.held.backend().start_rollback();
        }
    }
}

impl std::ops::Deref for Transaction<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl std::ops::DerefMut for Transaction<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn
    }
}

impl<'c> Executor<'c> for &'c mut Connection {
    type Database = Any;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        mut query: E,
    ) -> BoxStream<'e, Result<Either<AnyQueryResult, AnyRow>, Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        let arguments = match query.take_arguments().map_err(Error::Encode) {
            Ok(arguments) => arguments,
            Err(error) => return Box::pin(futures_util::stream::once(std::future::ready(Err(error)))),
        };
        let persistent = query.persistent();
        self.held.backend().fetch_many(query.sql(), persistent, arguments)
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, mut query: E) -> BoxFuture<'e, Result<Option<AnyRow>, Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        let arguments = match query.take_arguments().map_err(Error::Encode) {
            Ok(arguments) => arguments,
            Err(error) => return Box::pin(std::future::ready(Err(error))),
        };
        let persistent = query.persistent();
        self.held
            .backend()
            .fetch_optional(query.sql(), persistent, arguments)
    }

    fn prepare_with<'e>(
        self,
        sql: SqlStr,
        parameters: &[AnyTypeInfo],
    ) -> BoxFuture<'e, Result<AnyStatement, Error>>
    where
        'c: 'e,
    {
        self.held.backend().prepare_with(sql, parameters)
    }

    fn describe<'e>(self, sql: SqlStr) -> BoxFuture<'e, Result<Describe<Any>, Error>>
    where
        'c: 'e,
    {
        self.held.backend().describe(sql)
    }
}
