//! The data-migration example's migrations: every file in `migrations/`, embedded.

ferro::embed_migrations!();
