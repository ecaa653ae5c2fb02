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
