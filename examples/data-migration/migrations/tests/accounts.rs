//! The data-migration example end to end, on SQLite and PostgreSQL: accounts
//! created before `display_name` existed get one from the data migration
//! (its SQL step and its Rust step), the column then becomes required, and
//! the whole is reverted and applied again.

use std::process::Command;

use sqlx::{Connection as _, Row as _};

fn run(url: &str, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_data-migration-migrations"))
        .args(args)
        .args(["--database-url", url])
        .env_remove("DATABASE_URL")
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

/// Runs `sql` on the database at `url`; its rows' first column, as text.
fn query(url: &str, sql: &str) -> Result<Vec<Option<String>>, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let (url, sql) = (url.to_owned(), sql.to_owned());
    ferro_tests::block_on(async move {
        let mut conn = sqlx::AnyConnection::connect(&url).await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut conn).await?;
        rows.iter()
            .map(|row| row.try_get::<Option<String>, _>(0))
            .collect()
    })
}

fn display_names(url: &str) -> Vec<Option<String>> {
    query(url, "SELECT display_name FROM account ORDER BY id").expect("the names")
}

fn accounts(url: &str) {
    // The schema before the data migration: display_name exists, empty.
    assert!(run(url, &["upgrade", "+2"]).contains("add column account.display_name"));
    query(
        url,
        "INSERT INTO account (email, full_name) VALUES \
         ('ada@example.com', 'Ada Lovelace'), ('grace.hopper@example.com', ''), ('x@example.com', 'X')",
    )
    .expect("accounts from before");

    let applied = run(url, &["upgrade", "head"]);
    assert!(applied.contains("fill display names"), "{applied}");
    let filled = [
        Some("Ada Lovelace".to_owned()),
        Some("Grace.hopper".into()),
        Some("X".into()),
    ];
    assert_eq!(display_names(url), filled);
    // Required from now on.
    let refused = query(
        url,
        "INSERT INTO account (email, full_name) VALUES ('new@example.com', 'New')",
    );
    assert!(refused.is_err(), "a row without display_name is refused");

    // Reverting the last two leaves the column NULL-able and empty; applying
    // them again fills it again.
    run(url, &["downgrade", "-2"]);
    assert_eq!(display_names(url), [None, None, None]);
    run(url, &["upgrade", "head"]);
    assert_eq!(display_names(url), filled);
}

#[test]
fn accounts_on_sqlite() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    accounts(&format!("sqlite://{}", dir.path().join("accounts.db").display()));
}

#[test]
fn accounts_on_postgres() {
    if let Some(server) = ferro_tests::pg::server() {
        accounts(&server.create_database());
    }
}

/// The build script keeps the binary's debug information
/// (`.link_debug_info(true)`), which the dev profile gives it: the blog
/// example, which does not keep it, checks its binary has none.
#[cfg(target_os = "linux")]
#[test]
fn the_binary_keeps_its_debug_information() {
    let sections = ferro_tests::elf_sections(env!("CARGO_BIN_EXE_data-migration-migrations").as_ref());
    assert!(sections.iter().any(|name| name == ".debug_line"), "{sections:?}");
}
