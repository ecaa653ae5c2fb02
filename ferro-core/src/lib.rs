//! Ferro: schema migrations generated from Rust models.
//!
//! Declare tables as plain structs with `#[derive(Model)]`; Ferro turns them into
//! static schema descriptors ([`Model::TABLE`]), gathers a crate's models into a
//! [`Schema`] ([`schema!`]) and gives that schema one stable JSON form
//! ([`snapshot`]), the committed snapshot that migrations are generated against.
//!
//! ```
//! use ferro::{Enum, Model};
//!
//! #[derive(Enum)]
//! #[ferro(name = "user_role")]
//! enum Role { Admin, Member }
//!
//! #[derive(Model)]
//! #[ferro(table = "users")]
//! struct User {
//!     #[ferro(primary_key)]
//!     id: i64,
//!     #[ferro(unique, max_length = 254)]
//!     email: String,
//!     bio: Option<String>,
//!     role: Role,
//! }
//!
//! let schema = ferro::Schema::new([User::TABLE]).unwrap();
//! let users = schema.table("users").unwrap();
//! assert_eq!(users.unique_constraints[0].name.as_deref(), Some("uq_users_email"));
//! assert!(users.column("bio").unwrap().nullable);
//! ```
//!
//! The attributes, the type mapping, names and discovery are described in the
//! [`guide`].
#![doc(html_root_url = "https://docs.rs/ferro-core/0.1.0")]

pub mod diff;
pub mod inspect;
pub mod migration;
mod model;
pub mod plan;
pub mod registry;
pub mod runtime;
pub mod schema;
pub mod snapshot;
pub mod sqlalchemy;
#[cfg(feature = "testing")]
pub mod testing;
pub mod types;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use ferro_macros::{Enum, Model, View};
pub use model::{Enum, KeyedModel, Model, ViewModel};
pub use schema::{Schema, SchemaError};
pub use types::{ColumnType, Json};

/// The guide to models: options, types, names, discovery (`docs/models.md`).
///
/// The guides' samples are doc-tests of `ferro-tests`, which gives them
/// their set-up; here they are only shown.
#[cfg_attr(not(doctest), doc = include_str!("../../docs/models.md"))]
pub mod guide {}

/// The guide to applying migrations: commands, targets, promises (`docs/runtime.md`).
#[cfg(feature = "runtime")]
#[cfg_attr(not(doctest), doc = include_str!("../../docs/runtime.md"))]
pub mod runtime_guide {}

/// The guide to dialects: SQLite rebuilds, PostgreSQL types, MySQL/MariaDB, drift, conformance
/// (`docs/dialects.md`).
#[cfg(feature = "runtime")]
#[cfg_attr(not(doctest), doc = include_str!("../../docs/dialects.md"))]
pub mod dialects_guide {}
