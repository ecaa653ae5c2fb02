//! `lint` and `show` on the example's history, whose last migration makes a
//! column of an existing table NOT NULL: what each database is told, the
//! exit code a CI job gates on, and the JSON a tool reads. No database is
//! needed.

use std::process::{Command, Output};

/// The migration that makes `display_name` required.
const REQUIRED: &str = "76d871e8fbdd";
/// The migration that adds it, NULL-able.
const ADDED: &str = "2ffd2e872c07";

fn run(args: &[&str]) -> (Option<i32>, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_data-migration-migrations"))
        .args(args)
        .env("DATABASE_URL", "sqlite://unused.db")
        .output()
        .unwrap();
    assert!(stderr.is_empty(), "{}", String::from_utf8_lossy(&stderr));
    (status.code(), String::from_utf8(stdout).unwrap())
}

#[test]
fn a_not_null_change_on_postgres_fails_lint_until_its_level() {
    let (code, out) = run(&["lint", "--dialect", "postgres"]);
    assert_eq!(code, Some(14), "{out}");
    for expected in [
        &format!("{REQUIRED} alter column account.display_name (NOT NULL)") as &str,
        "F105 not-null-scan (error): SET NOT NULL holds ACCESS EXCLUSIVE",
        "F205 required-value (error)",
        "instead: mark the step `.validate_separately()`: a check `c IS NOT NULL` validated",
        "4 migration(s) on PostgreSQL: 5 finding(s), 0 accepted, 4 at warning or above not accepted",
    ] {
        assert!(out.contains(expected), "{expected:?} in {out}");
    }
    // The migration that adds the column NULL-able takes a lock only.
    let (code, out) = run(&["lint", ADDED, "--dialect", "postgres", "--level", "error"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("F110 no-lock-timeout (warning)"), "{out}");
    // A run with a table lock timeout bounds the wait: nothing to say.
    let (code, out) = run(&[
        "lint",
        ADDED,
        "--dialect",
        "postgres",
        "--table-lock-timeout",
        "5",
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("0 finding(s)"), "{out}");
    // FROM:TO: the migrations after the first up to the one that adds it.
    let (code, out) = run(&["lint", &format!("base:{ADDED}"), "--dialect", "mysql"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("2 migration(s) on MySQL: 0 finding(s)"), "{out}");
}

#[test]
fn the_database_url_chooses_the_database_and_json_carries_every_field() {
    let (code, out) = run(&["lint", REQUIRED, "--json"]);
    assert_eq!(code, Some(14));
    let findings: serde_json::Value = serde_json::from_str(&out).unwrap();
    let codes: Vec<&str> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    // SQLite, from the URL: a rebuild, not a lock.
    assert_eq!(codes, ["F401", "F205", "F301"]);
    let first = &findings[0];
    for field in [
        "revision", "file", "op", "name", "level", "finds", "detail", "instead",
    ] {
        assert!(first[field].is_string(), "{field} in {first}");
    }
    assert_eq!(first["step"], 1);
    assert_eq!(first["accepted"], false);

    let (code, out) = run(&["show", &REQUIRED[..4], "--json", "--dialect", "postgres"]);
    assert_eq!(code, Some(0));
    let shown: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(shown["revision"], REQUIRED);
    assert_eq!(
        shown["upgrade"][0],
        "alter column account.display_name (NOT NULL)"
    );
    assert_eq!(shown["findings"][0]["code"], "F105");
}

#[test]
fn show_tells_the_lock_in_words() {
    let (code, out) = run(&["show", REQUIRED, "--dialect", "mysql"]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("on MySQL, what the upgrade does to live tables:\n  step 1: alter column account.display_name (NOT NULL)"),
        "{out}"
    );
    assert!(
        out.contains("[ALGORITHM=INPLACE, LOCK=NONE; every row is written again]"),
        "{out}"
    );
}
