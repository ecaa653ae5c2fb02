//! The guides in `docs/`, included here so that every Rust sample in them is a
//! doc-test: `cargo test -p ferro-tests --doc` compiles each one and runs those
//! that are not marked `no_run`.

/// `docs/quickstart.md`.
#[cfg(doctest)]
#[doc = include_str!("../../docs/quickstart.md")]
mod quickstart {}

/// `docs/workflow.md`.
#[cfg(doctest)]
#[doc = include_str!("../../docs/workflow.md")]
mod workflow {}

/// `docs/commands.md`.
#[cfg(doctest)]
#[doc = include_str!("../../docs/commands.md")]
mod commands {}

/// `docs/types.md`.
#[cfg(doctest)]
#[doc = include_str!("../../docs/types.md")]
mod types {}

/// `docs/relations.md`.
#[cfg(doctest)]
#[doc = include_str!("../../docs/relations.md")]
mod relations {}

/// `docs/data-migrations.md`.
#[cfg(doctest)]
#[doc = include_str!("../../docs/data-migrations.md")]
mod data_migrations {}

/// `docs/production.md`.
#[cfg(doctest)]
#[doc = include_str!("../../docs/production.md")]
mod production {}

/// `docs/zero-downtime.md`.
#[cfg(doctest)]
#[doc = include_str!("../../docs/zero-downtime.md")]
mod zero_downtime {}

/// `docs/databases.md`.
#[cfg(doctest)]
#[doc = include_str!("../../docs/databases.md")]
mod databases {}

/// `docs/troubleshooting.md`.
#[cfg(doctest)]
#[doc = include_str!("../../docs/troubleshooting.md")]
mod troubleshooting {}

/// `docs/best-practices.md`.
#[cfg(doctest)]
#[doc = include_str!("../../docs/best-practices.md")]
mod best_practices {}
