//! Models shared by the workspace tests: the model zoo uses every type and every
//! option of the user contract, and its JSON snapshot is the specification of
//! what the derive produces. `pg` starts a throwaway PostgreSQL server for the
//! database tests (`mariadb` a MariaDB one), `shape` reads back the tables a
//! database holds, and `pair` migrates a database from one schema to another.

mod host;
pub mod mariadb;
pub mod pair;
pub mod pg;
pub mod shape;
pub mod synthetic;
pub mod zoo;

/// Every model of this crate (the zoo).
pub fn schema() -> Result<ferro::Schema, ferro::SchemaError> {
    ferro::schema!()
}
