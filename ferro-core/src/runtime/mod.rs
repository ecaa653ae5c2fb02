//! Applying migrations: the revision graph, targets, checksums, and (with the
//! `sqlite` or `postgres` feature) the runtime that applies them.

#[cfg(feature = "runtime")]
mod checks;
mod checksum;
mod error;
mod graph;

pub use checksum::checksum;
pub use error::{FragmentInMigration, MigrateError, PartInDoubt};
pub use graph::{Graph, Settle, Target};

#[cfg(feature = "runtime")]
pub mod capabilities;
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "runtime")]
mod connection;
#[cfg(feature = "runtime")]
mod database;
#[cfg(feature = "runtime")]
mod dialect;
#[cfg(feature = "runtime")]
mod events;
#[cfg(feature = "cli")]
mod files;
/// What `revision -m` writes, for the tests that compile it.
#[cfg(feature = "cli")]
#[doc(hidden)]
pub use files::write_revision;
#[cfg(feature = "runtime")]
mod introspect;
#[cfg(feature = "runtime")]
mod lease;
#[cfg(feature = "runtime")]
mod lock;
#[cfg(feature = "runtime")]
mod migrator;
#[cfg(feature = "runtime")]
mod prepare;
#[cfg(feature = "runtime")]
mod rebuild;
#[cfg(feature = "runtime")]
mod render;
#[cfg(feature = "runtime")]
mod replicas;
#[cfg(feature = "runtime")]
mod script;
#[cfg(feature = "runtime")]
mod settle;
#[cfg(feature = "cli")]
mod squash;
#[cfg(feature = "runtime")]
mod statement;
#[cfg(feature = "runtime")]
mod version;

#[cfg(feature = "testing")]
pub(crate) use checks::by_name;
#[cfg(feature = "runtime")]
pub use connection::Connection;
#[cfg(feature = "runtime")]
pub use database::Database;
#[cfg(feature = "runtime")]
pub use dialect::{Dialect, redact};
#[cfg(feature = "runtime")]
pub use events::{Direction, Event};
#[cfg(feature = "runtime")]
pub use introspect::{Inspection, inspect, introspect, stored};
#[cfg(feature = "runtime")]
pub use lease::DEFAULT_LOCK_LEASE;
#[cfg(feature = "runtime")]
pub use lock::{DEFAULT_LOCK_RETRIES, DEFAULT_LOCK_TIMEOUT};
#[cfg(feature = "runtime")]
pub use migrator::{Applied, Drift, Migrator};
#[cfg(feature = "runtime")]
pub use version::{AppliedRevision, DEFAULT_TABLE, Progress};
