//! An application that migrates its database at start-up through its own
//! pool, as a web application (axum, actix-web) does: the pool is made
//! first, the migrations run through one of its connections, then the
//! handlers share the pool in the application's state.
//!
//! `cargo run -p blog-migrations --example app` (with `DATABASE_URL`, or on
//! the SQLite file `blog-app.db`).

use std::sync::Arc;
use std::time::Duration;

use ferro::runtime::{Database, MigrateError, Migrator, Target};
use sqlx::sqlite::{SqlitePool, SqlitePoolOptions};

/// What the handlers share (axum's `State<Arc<AppState>>`).
pub(crate) struct AppState {
    pub(crate) pool: SqlitePool,
}

/// Start-up: the pool, then the migrations through it. Several instances
/// starting together take turns on the migration lock; the ones after the
/// first find nothing to do.
pub(crate) async fn start(url: &str) -> Result<Arc<AppState>, MigrateError> {
    let pool = SqlitePoolOptions::new()
        .max_connections(5)
        .connect(url)
        .await
        .map_err(|source| MigrateError::Database {
            context: "cannot open the pool".to_owned(),
            source,
        })?;
    let migrator = Migrator::new(blog_migrations::MIGRATIONS).lock_timeout(Duration::from_secs(60));
    let mut db = Database::from_pool(&pool)?;
    if !migrator.is_at_head(&mut db).await? {
        migrator.upgrade(&mut db, &Target::Head).await?;
    }
    // The connection `is_at_head` leased goes back with `db`.
    drop(db);
    Ok(Arc::new(AppState { pool }))
}

/// A handler: the number of published posts.
pub(crate) async fn published(state: &AppState) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM post WHERE published_at IS NOT NULL")
        .fetch_one(&state.pool)
        .await
}

#[allow(dead_code)]
fn main() -> std::process::ExitCode {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://blog-app.db?mode=rwc".to_owned());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let state = match start(&url).await {
            Ok(state) => state,
            Err(error) => {
                eprintln!("error: {error}");
                return std::process::ExitCode::FAILURE;
            }
        };
        // Here a web application would serve, e.g.
        // `axum::serve(listener, Router::new().route("/", get(handler)).with_state(state))`.
        match published(&state).await {
            Ok(n) => {
                println!("ready: {n} published posts");
                std::process::ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("error: {error}");
                std::process::ExitCode::FAILURE
            }
        }
    })
}
