//! The migrations of both databases, each set embedded in a module of its own.

/// The application database's migrations (`migrations/app/`).
pub mod app {
    ferro::embed_migrations!("app");
}

/// The audit database's migrations (`migrations/audit/`).
pub mod audit {
    ferro::embed_migrations!("audit");
}
