//! The database's own life through the command line, on SQLite, PostgreSQL
//! and MariaDB: `database create`, `drop` (asked first), `reset`, and
//! `upgrade --create-database` for a first run.

use std::process::{Command, Stdio};

use ferro::runtime::Dialect;
use ferro_tests::trials::HEAD;
use sqlx::migrate::MigrateDatabase as _;

/// The trials' binary on `url`: its exit code and everything it printed.
fn cli(url: &str, args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_trial_runner"))
        .args(["--database-url", url])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    (output.status.code().unwrap_or(-1), text)
}

fn exists(url: &str) -> bool {
    sqlx::any::install_default_drivers();
    ferro_tests::block_on(sqlx::Any::database_exists(url)).expect("the server answers")
}

/// A URL of a database that does not exist yet.
fn missing(dialect: Dialect) -> Option<(String, Option<tempfile::TempDir>)> {
    let (url, dir) = ferro_tests::fresh_database(dialect, "life")?;
    let name = url.rsplit('/').next().unwrap_or_default();
    let url = url.replace(name, &format!("{name}_new"));
    Some((url, dir))
}

fn lifecycle(dialect: Dialect) {
    let Some((url, _dir)) = missing(dialect) else {
        return;
    };
    assert!(!exists(&url));
    let (code, text) = cli(&url, &["database", "create"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.starts_with("created "), "{text}");
    assert!(exists(&url));
    let (code, text) = cli(&url, &["database", "create"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.starts_with("already exists: "), "{text}");

    // Dropping asks; with no terminal and no `-y`, the answer is no.
    let (code, text) = cli(&url, &["database", "drop"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("not confirmed") && text.contains("`-y`"), "{text}");
    assert!(exists(&url), "nothing was dropped");
    let (code, text) = cli(&url, &["database", "drop", "-y"]);
    assert_eq!(code, 0, "{text}");
    assert!(!exists(&url));

    // A first run creates what it migrates.
    let (code, text) = cli(&url, &["upgrade", "head", "--create-database"]);
    assert_eq!(code, 0, "{text}");
    assert!(cli(&url, &["current"]).1.contains(HEAD));

    // Reset: drop, create, upgrade head.
    let (code, text) = cli(&url, &["database", "reset"]);
    assert_eq!(code, 1, "{text}");
    let (code, text) = cli(&url, &["database", "reset", "-y", "--force"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("afresh") && text.contains(HEAD), "{text}");
    assert_eq!(cli(&url, &["check"]).0, 0, "at head after a reset");
    assert_eq!(cli(&url, &["database", "drop", "-y", "--force"]).0, 0);
    assert!(!exists(&url));
}

#[test]
fn lifecycle_sqlite() {
    lifecycle(Dialect::Sqlite);
}

#[test]
fn lifecycle_postgres() {
    lifecycle(Dialect::Postgres);
}

#[test]
fn lifecycle_mariadb() {
    lifecycle(Dialect::MySql);
}
