//! The blog's migrations: every file in `migrations/`, embedded.
//!
//! `build.rs` keeps `migrations/` in step with `blog-models`: change a model,
//! run `cargo build`, and the migration for the change appears there.

ferro::embed_migrations!();
