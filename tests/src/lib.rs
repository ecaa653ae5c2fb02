//! Models shared by the workspace tests: the model zoo uses every type and every
//! option of the user contract, and its JSON snapshot is the specification of
//! what the derive produces. `pg` starts a throwaway PostgreSQL server for the
//! database tests (`mariadb` a MariaDB one), `shape` reads back the tables a
//! database holds, and `pair` migrates a database from one schema to another.

pub mod chain;
pub mod families;
mod guides;
mod host;
pub mod mariadb;
pub mod pair;
pub mod pg;
pub mod python;
pub mod shape;
pub mod synthetic;
pub mod trials;
pub mod zoo;

/// A fresh, empty database of `dialect`: a SQLite file in a new temporary
/// directory (kept while the returned guard lives), or a new database of the
/// throwaway PostgreSQL or MariaDB server named after `prefix`; `None` when
/// that server's binaries are missing and `CI` is not set.
pub fn fresh_database(
    dialect: ferro::migrate::Dialect,
    prefix: &str,
) -> Option<(String, Option<tempfile::TempDir>)> {
    use ferro::migrate::Dialect;
    match dialect {
        Dialect::Sqlite => {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let url = format!("sqlite://{}", dir.path().join(format!("{prefix}.db")).display());
            Some((url, Some(dir)))
        }
        Dialect::Postgres => pg::server().map(|server| (server.create_database(), None)),
        Dialect::MySql => mariadb::server().map(|server| (server.create_database(prefix), None)),
    }
}

/// Every model of this crate (the zoo).
pub fn schema() -> Result<ferro::Schema, ferro::SchemaError> {
    ferro::schema!()
}

/// A migration of the tests' hand-written histories: its message is its file
/// name, and it records no schema.
pub const fn migration(
    file: &'static str,
    source: &'static str,
    id: &'static str,
    parents: &'static [&'static str],
    upgrade: fn(&mut ferro::migration::Ops),
    downgrade: fn(&mut ferro::migration::Ops),
) -> ferro::migration::Migration {
    ferro::migration::Migration {
        file,
        source,
        revision: ferro::migration::Revision {
            id,
            parents,
            message: file,
            schema: None,
        },
        upgrade,
        downgrade,
    }
}

/// Runs `work` to its end on a runtime of its own, on this thread: what a
/// database test that is not `async` itself needs.
pub fn block_on<T>(work: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(work)
}
