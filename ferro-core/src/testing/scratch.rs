//! Throwaway databases: a SQLite file in a folder of its own, or a database
//! of its own on the server `FERRO_TEST_DATABASE_URL` names, dropped when the
//! test is done with it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::Failure;
use crate::runtime::{Database, Dialect, MigrateError, Migrator, Target};

/// The variable that names a PostgreSQL or MySQL/MariaDB server for the
/// kit's databases; without it they are SQLite files.
pub const DATABASE_URL_VARIABLE: &str = "FERRO_TEST_DATABASE_URL";

static COUNT: AtomicUsize = AtomicUsize::new(0);

/// A database of its own for one test, at base when made: a SQLite file in a
/// new folder, or, when `FERRO_TEST_DATABASE_URL` (or
/// `FERRO_TEST_DATABASE_URL_<NAME>` for a named database) is set, a new
/// database on that server. Dropping it removes the file or drops the
/// database.
///
/// Its methods are blocking, for plain `#[test]` functions; see
/// [`Kit::scratch`](super::Kit::scratch) for a test of one data migration.
pub struct Scratch {
    url: String,
    folder: Option<PathBuf>,
    /// On a server, the URL whose database is dropped at the end.
    server: bool,
    pub(super) runtime: tokio::runtime::Runtime,
    pub(super) db: Option<Database>,
    pub(super) migrator: Migrator,
}

impl std::fmt::Debug for Scratch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scratch")
            .field("url", &crate::runtime::redact(&self.url))
            .finish_non_exhaustive()
    }
}

/// A runtime for the kit's blocking calls.
pub(super) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::setup(format!("cannot start a runtime: {e}")))
}

/// `url` with its database named `name` instead.
fn with_database(url: &str, name: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (url, None),
    };
    let authority_start = head.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match head[authority_start..].find('/') {
        Some(slash) => &head[..authority_start + slash],
        None => head,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

impl Scratch {
    /// A new database for `test` (a name for the database), with the
    /// migrator that runs on it.
    pub(super) fn new(test: &str, server: Option<String>, migrator: Migrator) -> Result<Scratch, Failure> {
        let runtime = runtime()?;
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let tag = format!("ferro_test_{}_{}_{n}", test, std::process::id());
        let (url, folder, server) = match server {
            Some(server) => {
                let dialect = Dialect::of_url(&server).map_err(|e| Failure::setup(e.to_string()))?;
                if dialect == Dialect::Sqlite {
                    return Err(Failure::setup(format!(
                        "{DATABASE_URL_VARIABLE} names a server (postgres://, mysql://); SQLite is the default without it"
                    )));
                }
                let url = with_database(&server, &tag);
                runtime
                    .block_on(Database::create_database(&url))
                    .map_err(|e| Failure::setup(format!("cannot create a database for the test: {e}")))?;
                (url, None, true)
            }
            None => {
                let folder = std::env::temp_dir().join(&tag);
                std::fs::create_dir_all(&folder)
                    .map_err(|e| Failure::setup(format!("cannot create {}: {e}", folder.display())))?;
                let url = format!("sqlite://{}", folder.join("test.db").display());
                (url, Some(folder), false)
            }
        };
        let mut scratch = Scratch {
            url,
            folder,
            server,
            runtime,
            db: None,
            migrator,
        };
        let db = scratch
            .runtime
            .block_on(Database::connect(&scratch.url))
            .map_err(|e| Failure::setup(format!("cannot connect to the test's database: {e}")))?;
        scratch.db = Some(db);
        Ok(scratch)
    }

    /// The database's URL (for a connection of the test's own).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's dialect.
    pub fn dialect(&self) -> Dialect {
        self.db.as_ref().map(Database::dialect).unwrap_or(Dialect::Sqlite)
    }

    /// The database and the runtime to drive it.
    pub(super) fn parts(&mut self) -> (&tokio::runtime::Runtime, &mut Database, &Migrator) {
        let db = self
            .db
            .as_mut()
            .expect("a scratch database is connected until it is dropped");
        (&self.runtime, db, &self.migrator)
    }

    /// Upgrades the database to `revision` (an id, `head`, `+1`, …).
    pub fn upgrade_to(&mut self, revision: &str) -> Result<(), MigrateError> {
        let target = Target::parse(revision)?;
        let (runtime, db, migrator) = self.parts();
        runtime.block_on(migrator.upgrade(db, &target)).map(drop)
    }

    /// Downgrades the database to `revision` (an id, `base`, `-1`, …).
    pub fn downgrade_to(&mut self, revision: &str) -> Result<(), MigrateError> {
        let target = Target::parse(revision)?;
        let (runtime, db, migrator) = self.parts();
        runtime.block_on(migrator.downgrade(db, &target)).map(drop)
    }

    /// Runs one SQL statement (an `INSERT` of the test's rows).
    pub fn execute(&mut self, sql: &str) -> Result<(), MigrateError> {
        let (runtime, db, _) = self.parts();
        runtime.block_on(db.fetch_text(sql, 0)).map(drop)
    }

    /// The rows of a query, each value as text (`NULL` as `None`); cast a
    /// value that is not text in the query (`CAST(n AS TEXT)`, on MySQL
    /// `CAST(n AS CHAR)`).
    pub fn query(&mut self, sql: &str, columns: usize) -> Result<Vec<Vec<Option<String>>>, MigrateError> {
        let (runtime, db, _) = self.parts();
        runtime.block_on(db.fetch_text(sql, columns))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Closed first: a server refuses to drop a database in use.
        self.db = None;
        if self.server {
            let _ = self.runtime.block_on(Database::drop_database(&self.url, true));
        }
        if let Some(folder) = &self.folder {
            let _ = std::fs::remove_dir_all(folder);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn a_server_url_gets_the_tests_database() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/app?sslmode=require", "t1"),
            "postgres://u:p@h:5432/t1?sslmode=require"
        );
        assert_eq!(
            with_database("mysql://root@localhost", "t1"),
            "mysql://root@localhost/t1"
        );
        assert_eq!(with_database("postgres://h/", "t1"), "postgres://h/t1");
    }
}
