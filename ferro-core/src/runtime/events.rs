//! What a run tells while it runs: the lock it waits for, each migration's
//! start and end as they happen, each statement, a table rebuild's size.
//!
//! Every event is a `tracing` event (target `ferro::runtime`), so an
//! application's subscriber sees them with no code of its own; a program
//! that prints them itself (the command line does) passes a function to
//! [`Migrator::on_event`](super::Migrator::on_event).

use std::sync::Arc;
use std::time::Duration;

/// Which way a migration runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// `upgrade`.
    Upgrade,
    /// `downgrade`.
    Downgrade,
}

impl Direction {
    /// `upgrade` or `downgrade`.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Upgrade => "upgrade",
            Direction::Downgrade => "downgrade",
        }
    }
}

/// One thing a run did or is doing.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// Another run holds the migration lock; this one has waited a second
    /// and goes on waiting, up to the lock timeout.
    Waiting {
        /// Who holds it, as far as the database tells (a process id, a
        /// host, an application name).
        holder: Option<&'a str>,
    },
    /// A statement of a migration gave up waiting for a lock on a table
    /// (the table lock timeout), and the part it was in, undone, is tried
    /// again after `wait`.
    Retrying {
        /// The migration's revision.
        revision: &'a str,
        /// Which retry this is, from 1.
        attempt: u32,
        /// How many retries there may be.
        of: u32,
        /// How long the run waits first.
        wait: std::time::Duration,
    },
    /// A migration starts.
    Started {
        /// Its revision.
        revision: &'a str,
        /// Its message.
        message: &'a str,
        /// Which way.
        direction: Direction,
    },
    /// A squash was recorded in place of the revisions it replaces, every one
    /// of them applied: nothing ran.
    Squashed {
        /// The squash's revision.
        revision: &'a str,
        /// The revisions it replaces.
        replaces: &'a [&'a str],
    },
    /// A statement is about to run (with its values written in).
    Statement {
        /// The SQL.
        sql: &'a str,
    },
    /// A SQLite table is about to be rebuilt: its rows are copied into a new
    /// table in one statement.
    Rebuild {
        /// The table.
        table: &'a str,
        /// How many rows it holds.
        rows: u64,
    },
    /// A migration is done and recorded (committed).
    Finished {
        /// Its revision.
        revision: &'a str,
        /// Its message.
        message: &'a str,
        /// Its file.
        file: &'a str,
        /// Which way.
        direction: Direction,
        /// How long it took.
        duration: Duration,
    },
}

/// The function a run passes its events to, besides `tracing`.
pub(crate) type Observer = Arc<dyn Fn(&Event<'_>) + Send + Sync>;

/// Sends `event` to `tracing` and to `observer`.
pub(crate) fn emit(observer: Option<&Observer>, event: &Event<'_>) {
    match event {
        Event::Waiting { holder } => tracing::warn!(
            target: "ferro::runtime",
            holder = holder.unwrap_or("unknown"),
            "waiting for the migration lock"
        ),
        Event::Retrying {
            revision,
            attempt,
            of,
            wait,
        } => tracing::warn!(
            target: "ferro::runtime",
            revision,
            attempt,
            of,
            wait_ms = wait.as_millis() as u64,
            "a table lock timed out; trying again"
        ),
        Event::Started {
            revision,
            message,
            direction,
        } => tracing::info!(
            target: "ferro::runtime",
            revision,
            // `message` is the event's own text in `tracing`.
            description = message,
            direction = direction.name(),
            "migration started"
        ),
        Event::Statement { sql } => tracing::debug!(target: "ferro::runtime", sql, "statement"),
        Event::Squashed { revision, replaces } => tracing::info!(
            target: "ferro::runtime",
            revision,
            replaces = replaces.join(","),
            "squash recorded in place of the revisions it replaces"
        ),
        Event::Rebuild { table, rows } => {
            tracing::info!(target: "ferro::runtime", table, rows, "rebuilding table")
        }
        Event::Finished {
            revision,
            direction,
            duration,
            ..
        } => tracing::info!(
            target: "ferro::runtime",
            revision,
            direction = direction.name(),
            duration_ms = duration.as_secs_f64() * 1000.0,
            "migration done"
        ),
    }
    if let Some(observer) = observer {
        observer(event);
    }
}
