//! Python with SQLAlchemy, Alembic and psycopg, for the tests of the Alembic
//! bridge: [`compare_metadata`] runs Alembic's `compare_metadata` between a
//! database and a module that `sqlalchemy` wrote.
//!
//! The interpreter is `FERRO_PYTHON`, else `tests/python/.venv/bin/python`
//! (which `.ci/run` makes from `tests/python/requirements.txt`), else
//! `python3`, whichever first imports the three. When none does,
//! [`interpreter()`] prints a `skipping:` line and returns `None`, except
//! under `CI`, where it panics.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The script that compares (`tests/python/compare_metadata.py`).
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/python/compare_metadata.py");

/// The interpreter to run the bridge's tests with, if this machine has one.
pub fn interpreter() -> Option<&'static Path> {
    static FOUND: OnceLock<Option<PathBuf>> = OnceLock::new();
    let found = FOUND.get_or_init(|| {
        let venv = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/python/.venv/bin/python"));
        let candidates = std::env::var_os("FERRO_PYTHON")
            .map(PathBuf::from)
            .into_iter()
            .chain([venv, PathBuf::from("python3")]);
        for candidate in candidates {
            let imports = Command::new(&candidate)
                .args(["-c", "import alembic, sqlalchemy, psycopg"])
                .output()
                .is_ok_and(|o| o.status.success());
            if imports {
                return Some(candidate);
            }
        }
        None
    });
    if found.is_none() {
        let message = "no Python with alembic, sqlalchemy and psycopg (set FERRO_PYTHON, or \
                       `python3 -m venv tests/python/.venv && tests/python/.venv/bin/pip install \
                       -r tests/python/requirements.txt`)";
        assert!(std::env::var_os("CI").is_none(), "{message}");
        eprintln!("skipping: {message}");
    }
    found.as_deref()
}

/// The SQLAlchemy URL of a Ferro database URL (`sqlite://PATH`,
/// `postgres://…`).
pub fn sqlalchemy_url(url: &str) -> String {
    if let Some(path) = url.strip_prefix("sqlite://") {
        format!("sqlite:///{path}")
    } else if let Some(rest) = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
    {
        format!("postgresql+psycopg://{rest}")
    } else {
        url.to_owned()
    }
}

/// Alembic's differences between the database at `url` (a Ferro URL) and the
/// metadata of `module`, one per line: empty when there are none. Panics when
/// the script fails otherwise.
pub fn compare_metadata(python: &Path, module: &Path, url: &str) -> Vec<String> {
    let output = Command::new(python)
        .arg(SCRIPT)
        .arg(module)
        .arg(sqlalchemy_url(url))
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0 | 1) => stdout.lines().map(str::to_owned).collect(),
        _ => panic!("compare_metadata.py failed:\n{stdout}{stderr}"),
    }
}

/// squawk, the PostgreSQL migration linter (`squawk-cli` from PyPI):
/// `FERRO_SQUAWK`, else `tests/python/.venv/bin/squawk`, else `squawk` on
/// the path. Without one it prints a `skipping:` line and returns `None`,
/// except under `CI`, where it panics.
pub fn squawk() -> Option<&'static Path> {
    static FOUND: OnceLock<Option<PathBuf>> = OnceLock::new();
    let found = FOUND.get_or_init(|| {
        let venv = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/python/.venv/bin/squawk"));
        std::env::var_os("FERRO_SQUAWK")
            .map(PathBuf::from)
            .into_iter()
            .chain([venv, PathBuf::from("squawk")])
            .find(|candidate| {
                Command::new(candidate)
                    .arg("--version")
                    .output()
                    .is_ok_and(|o| o.status.success())
            })
    });
    if found.is_none() {
        let message = "no squawk (set FERRO_SQUAWK, or `tests/python/.venv/bin/pip install -r \
                       tests/python/requirements.txt`)";
        assert!(std::env::var_os("CI").is_none(), "{message}");
        eprintln!("skipping: {message}");
    }
    found.as_deref()
}

/// The names of the rules squawk finds broken in `sql` (PostgreSQL 12),
/// one per finding, in order.
pub fn squawk_rules(squawk: &Path, sql: &str) -> Vec<String> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("migration.sql");
    std::fs::write(&file, sql).expect("written");
    let output = Command::new(squawk)
        .args(["--reporter", "json", "--pg-version", "12.0"])
        .arg(&file)
        .output()
        .expect("squawk runs");
    let findings: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("squawk's JSON: {e}: {}", String::from_utf8_lossy(&output.stdout)));
    findings
        .as_array()
        .expect("an array")
        .iter()
        .map(|f| f["rule_name"].as_str().expect("a rule name").to_owned())
        .collect()
}
