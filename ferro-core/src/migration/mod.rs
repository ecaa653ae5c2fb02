//! Migrations as data: what a migration file declares and how a migrations
//! crate embeds its files.
//!
//! A migration file is a Rust module with a [`Revision`] and its steps both
//! ways. `ferro-build` writes the steps as two constants (see [`steps`]):
//!
//! ```
//! use ferro::migration::steps::*;
//!
//! pub const REVISION: Revision = Revision {
//!     id: "5be3a1f0c2d4",
//!     parents: &["0a1b2c3d4e5f"],
//!     message: "add column users.age",
//!     schema: None,
//! };
//!
//! pub const UPGRADE: Steps = &[
//!     add_column("users", &Column::new("age", SqlType::Integer).nullable()),
//! ];
//!
//! pub const DOWNGRADE: Steps = &[drop_column("users", "age")];
//!
//! let mut ops = ferro::migration::Ops::default();
//! record(&mut ops, UPGRADE);
//! assert_eq!(ops.steps()[0].op.to_string(), "add column users.age");
//! ```
//!
//! A file written by hand may hold two functions that record [`Op`]s
//! instead, and compute them:
//!
//! ```
//! use ferro::migration::prelude::*;
//!
//! pub fn upgrade(op: &mut Ops) {
//!     for table in ["users", "teams"] {
//!         op.add_column(table, Column::new("note", SqlType::Text).nullable());
//!     }
//! }
//!
//! let mut ops = Ops::default();
//! upgrade(&mut ops);
//! assert_eq!(ops.steps()[1].op.to_string(), "add column teams.note");
//! ```
//!
//! The migrations crate embeds every file of its `migrations/` folder with
//! [`embed_migrations!`](crate::embed_migrations).

mod apply;
#[doc(hidden)]
pub mod data;
#[doc(hidden)]
pub mod escape;
/// Findings about a migration's steps on a live database, by rule
/// (`docs/safety.md`).
pub mod lint;
/// What each operation does to a live table, per database (`docs/safety.md`).
pub mod locks;
#[doc(hidden)]
pub mod numbering;
mod op;
mod ops;
pub mod steps;

#[cfg_attr(not(feature = "runtime"), allow(unused_imports))]
pub(crate) use apply::names;
pub use apply::{ApplyError, State, apply_to_table, op_table};

#[cfg(feature = "runtime")]
pub use crate::runtime::Connection;
pub use op::{Op, Safety, type_words, widens};
pub use ops::{ColumnDef, Ops, Step, TableBuilder};
#[cfg(feature = "runtime")]
pub use ops::{RustStep, StepFuture};

/// What a migration is: its id, the revisions it follows, its message and the
/// schema it leaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Revision {
    /// The revision id: 12 lower-case hex digits, unique among the migrations.
    pub id: &'static str,
    /// The revisions this one follows: none for the first, two or more for a merge.
    pub parents: &'static [&'static str],
    /// What the migration does, in a line.
    pub message: &'static str,
    /// The SHA-256 (hex) of the snapshot this migration leaves, for migrations
    /// that change the schema; `None` for one that leaves it as its parent did
    /// (a data migration).
    pub schema: Option<&'static str>,
}

/// One embedded migration file.
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    /// The file's name in `migrations/`.
    pub file: &'static str,
    /// The file's text, for its checksum.
    pub source: &'static str,
    /// The file's [`Revision`].
    pub revision: Revision,
    /// The upgrade's operations.
    pub upgrade: Body,
    /// The downgrade's operations.
    pub downgrade: Body,
    /// The revisions this migration replaces, oldest first: empty but for a
    /// squash (the file's `pub const REPLACES`, written by `squash`).
    pub replaces: &'static [&'static str],
}

impl Migration {
    /// The upgrade's operations.
    pub fn upgrade_steps(&self) -> Vec<Step> {
        let mut ops = Ops::default();
        self.upgrade.record(&mut ops);
        ops.into_steps()
    }

    /// The downgrade's operations.
    pub fn downgrade_steps(&self) -> Vec<Step> {
        let mut ops = Ops::default();
        self.downgrade.record(&mut ops);
        ops.into_steps()
    }
}

/// One direction of a migration, in one of the two forms of a migration file.
#[derive(Clone, Copy, Debug)]
pub enum Body {
    /// Steps written as data (`pub const UPGRADE: Steps`, or `pub static`
    /// in a file that creates tables), the form `ferro-build` generates:
    /// see [`steps`].
    Steps(steps::Steps),
    /// A function that records the steps (`pub fn upgrade(op: &mut Ops)`),
    /// for a migration that computes them.
    Code(fn(&mut Ops)),
    /// The steps of an open draft as JSON, which `ferro-build` embeds in
    /// place of compiling the file while nobody has edited or committed it
    /// (`docs/performance.md`, The draft as data): the same steps as the
    /// file's constants.
    Data(&'static str),
}

impl Body {
    /// Records this direction's steps into `op`.
    pub fn record(self, op: &mut Ops) {
        match self {
            Body::Steps(steps) => steps::record(op, steps),
            Body::Code(f) => f(op),
            Body::Data(json) => data::record(op, json),
        }
    }
}

/// What a migration file needs in scope.
pub mod prelude {
    pub use super::{Ops, Revision};
    pub use crate::schema::{
        Action, Check, Column, ForeignKey, Index, PrimaryKey, SqlType, UniqueConstraint, View,
    };
}

/// Embeds the migrations that the build script found in `migrations/`, as
/// `pub static MIGRATIONS: &[ferro::migration::Migration]`, in revision order
/// (parents before children).
///
/// Call it once in the migrations crate's `lib.rs`; its `build.rs` calls
/// `ferro_build::Builder::run`, which writes the list this includes. Every
/// `.rs` file in `migrations/` is embedded, the ones the same build just wrote
/// included, without a list to keep.
///
/// A crate that manages several databases, whose build script runs a
/// `Builder` with `.database("<name>")` for each, embeds each set in a module
/// of its own with `embed_migrations!("<name>")` (its files being in
/// `migrations/<name>/`):
///
/// ```ignore
/// pub mod app {
///     ferro::embed_migrations!("app");
/// }
/// pub mod audit {
///     ferro::embed_migrations!("audit");
/// }
/// ```
#[macro_export]
macro_rules! embed_migrations {
    () => {
        ::core::include!(::core::concat!(
            ::core::env!("OUT_DIR"),
            "/ferro_migrations.rs"
        ));
    };
    ($database:literal) => {
        ::core::include!(::core::concat!(
            ::core::env!("OUT_DIR"),
            "/",
            $database,
            "/ferro_migrations.rs"
        ));
    };
}
