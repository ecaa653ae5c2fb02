//! The several-databases example end to end: each database is migrated on
//! its own, by name, with its own URL variable and version table. On SQLite
//! the two are two files; on PostgreSQL they share one database, where the
//! version tables keep them apart.

use std::process::Command;

use ferro_tests::shape::{Shape, shape};

/// Runs the binary with `DATABASE_URL` = `app` and `DATABASE_URL_AUDIT` =
/// `audit`; panics unless it succeeds, else returns what it printed.
fn run(app: &str, audit: &str, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_multi-db-migrations"))
        .args(args)
        .env("DATABASE_URL", app)
        .env("DATABASE_URL_AUDIT", audit)
        .output()
        .expect("the binary runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "`{}` failed:\n{text}{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    text
}

fn tables(url: &str) -> Vec<String> {
    let shape: Shape = ferro_tests::block_on(shape(url));
    shape.into_keys().collect()
}

fn head(migrations: &[ferro::migration::Migration]) -> &'static str {
    migrations.last().expect("a migration").revision.id
}

#[test]
fn two_databases_in_two_sqlite_files() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let app = format!("sqlite://{}", dir.path().join("app.db").display());
    let audit = format!("sqlite://{}", dir.path().join("audit.db").display());
    let (app_head, audit_head) = (
        head(multi_db_migrations::app::MIGRATIONS),
        head(multi_db_migrations::audit::MIGRATIONS),
    );

    // Without --database: the first, `app`, from DATABASE_URL.
    assert!(run(&app, &audit, &["upgrade", "head"]).contains(&format!("applied {app_head}")));
    assert_eq!(tables(&app), ["customer", "orders"]);
    assert!(
        !dir.path().join("audit.db").exists(),
        "the audit database is not touched"
    );

    // --database audit: DATABASE_URL_AUDIT.
    assert!(
        run(&app, &audit, &["--database", "audit", "upgrade", "head"])
            .contains(&format!("applied {audit_head}"))
    );
    assert_eq!(tables(&audit), ["event"]);
    assert!(run(&app, &audit, &["--database", "audit", "current"]).starts_with(audit_head));
    assert!(run(&app, &audit, &["current"]).starts_with(app_head));
}

#[test]
fn two_databases_sharing_one_postgres_database() {
    let Some(server) = ferro_tests::pg::server() else {
        return;
    };
    let url = server.create_database();
    let (app_head, audit_head) = (
        head(multi_db_migrations::app::MIGRATIONS),
        head(multi_db_migrations::audit::MIGRATIONS),
    );
    run(&url, &url, &["upgrade", "head"]);
    run(&url, &url, &["--database", "audit", "upgrade", "head"]);
    assert_eq!(tables(&url), ["customer", "event", "orders"]);

    // Each has its version table: reverting the audit log leaves the
    // application's tables and revision as they were.
    run(&url, &url, &["--database", "audit", "downgrade", "base"]);
    assert_eq!(tables(&url), ["customer", "orders"]);
    assert!(run(&url, &url, &["--database", "audit", "current"]).contains("base"));
    assert!(run(&url, &url, &["current"]).starts_with(app_head));
    run(&url, &url, &["--database", "audit", "upgrade", "head"]);
    assert!(run(&url, &url, &["--database", "audit", "current"]).starts_with(audit_head));
}
