//! The guides in `docs/` and the README, included here so that every Rust
//! sample in them is a doc-test: `cargo test -p ferro-tests --doc` compiles
//! each one and runs those that are not marked `no_run`. They are included as
//! `build.rs` writes them, with each sample's set-up (kept out of sight in
//! an HTML comment) as hidden lines.

/// `docs/quickstart.md`.
#[cfg(doctest)]
#[doc = include_str!(concat!(env!("OUT_DIR"), "/quickstart.md"))]
mod quickstart {}

/// `docs/workflow.md`.
#[cfg(doctest)]
#[doc = include_str!(concat!(env!("OUT_DIR"), "/workflow.md"))]
mod workflow {}

/// `docs/commands.md`.
#[cfg(doctest)]
#[doc = include_str!(concat!(env!("OUT_DIR"), "/commands.md"))]
mod commands {}

/// `docs/types.md`.
#[cfg(doctest)]
#[doc = include_str!(concat!(env!("OUT_DIR"), "/types.md"))]
mod types {}

/// `docs/relations.md`.
#[cfg(doctest)]
#[doc = include_str!(concat!(env!("OUT_DIR"), "/relations.md"))]
mod relations {}

/// `docs/data-migrations.md`.
#[cfg(doctest)]
#[doc = include_str!(concat!(env!("OUT_DIR"), "/data-migrations.md"))]
mod data_migrations {}

/// `docs/testing.md`.
#[cfg(doctest)]
#[doc = include_str!(concat!(env!("OUT_DIR"), "/testing.md"))]
mod testing {}

/// `docs/production.md`.
#[cfg(doctest)]
#[doc = include_str!(concat!(env!("OUT_DIR"), "/production.md"))]
mod production {}

/// `docs/zero-downtime.md`.
#[cfg(doctest)]
#[doc = include_str!(concat!(env!("OUT_DIR"), "/zero-downtime.md"))]
mod zero_downtime {}

/// `docs/databases.md`.
#[cfg(doctest)]
#[doc = include_str!(concat!(env!("OUT_DIR"), "/databases.md"))]
mod databases {}

/// `docs/troubleshooting.md`.
#[cfg(doctest)]
#[doc = include_str!(concat!(env!("OUT_DIR"), "/troubleshooting.md"))]
mod troubleshooting {}

/// `docs/best-practices.md`.
#[cfg(doctest)]
#[doc = include_str!(concat!(env!("OUT_DIR"), "/best-practices.md"))]
mod best_practices {}

/// `docs/adopting.md`.
#[cfg(doctest)]
#[doc = include_str!(concat!(env!("OUT_DIR"), "/adopting.md"))]
mod adopting {}

/// `docs/models.md` (ferro-core shows it as `ferro::guide`).
#[cfg(doctest)]
#[doc = include_str!(concat!(env!("OUT_DIR"), "/models.md"))]
mod models {}

/// `docs/runtime.md` (ferro-core shows it as `ferro::runtime_guide`).
#[cfg(doctest)]
#[doc = include_str!(concat!(env!("OUT_DIR"), "/runtime.md"))]
mod runtime {}

/// `docs/dialects.md` (ferro-core shows it as `ferro::dialects_guide`).
#[cfg(doctest)]
#[doc = include_str!(concat!(env!("OUT_DIR"), "/dialects.md"))]
mod dialects {}

/// `README.md`: its tour compiles.
#[cfg(doctest)]
#[doc = include_str!(concat!(env!("OUT_DIR"), "/README.md"))]
mod readme {}
