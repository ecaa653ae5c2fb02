//! Adopting an existing database through the commands, as `docs/adopting.md`
//! tells it, on SQLite, PostgreSQL and MariaDB: a database made by plain SQL
//! (`tests/inspect/*.sql`, not by Ferro), then `ferro inspect`, `ferro init`,
//! a real `cargo build` that writes the initial migration, `stamp head`, and
//! `check --schema`, which finds the database to be what its revision says,
//! untouched. A second build writes nothing.
//!
//! As in `quickstart.rs`, `ferro` is the binary cargo built for this test,
//! and cargo builds into `target/scratch` of this repository, offline.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ferro::runtime::Dialect;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_owned()
}

fn ok(output: Output, what: &str) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{what} failed:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn ferro(root: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_ferro"))
        .args(args)
        .current_dir(root)
        .env_remove("DATABASE_URL")
        .output()
        .expect("ferro runs");
    ok(output, &format!("ferro {}", args.join(" ")))
}

fn cargo_build(root: &Path) -> String {
    let output = ferro_tests::scratch_cargo(root)
        .args(["build", "--offline"])
        .env_remove("CI")
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "cargo build failed:\n{stderr}");
    stderr
}

/// The migrations crate's binary of `name`, with `args`.
fn migrations(name: &str, root: &Path, args: &[&str]) -> Output {
    Command::new(repository().join("target/scratch/debug").join(name))
        .args(args)
        .current_dir(root)
        .env_remove("DATABASE_URL")
        .output()
        .expect("the migrations binary runs")
}

/// The files in `dir` whose names end with `.rs`, sorted.
fn rust_files(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("the folder")
        .map(|e| e.expect("an entry").file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".rs"))
        .collect();
    files.sort();
    files
}

#[test]
fn adopting_a_database_through_the_commands() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let root = dir.path();
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nmembers = []\nresolver = \"3\"\n",
    )
    .expect("written");
    let core = repository().join("ferro-core");
    let core = core.to_str().expect("a UTF-8 path");

    // Each database, made by plain SQL; its models and migrations crates.
    let mut adopted = Vec::new();
    for (d, feature) in [
        (Dialect::Sqlite, "sqlite"),
        (Dialect::Postgres, "postgres"),
        (Dialect::MySql, "mysql"),
    ] {
        let Some((url, db_dir)) = ferro_tests::fresh_database(d, "adopt") else {
            continue;
        };
        let (name, sql) = ferro_tests::plain_sql(d);
        ferro_tests::block_on(ferro_tests::run_sql(&url, sql)).unwrap_or_else(|e| panic!("{name}.sql: {e}"));
        let models = format!("adopt-{name}-models");
        let crate_name = format!("adopt-{name}-migrations");

        let report = ferro(
            root,
            &["inspect", &models, "--database-url", &url, "--ferro-core", core],
        );
        assert!(report.contains("not expressible as models"), "{report}");
        assert!(
            report.contains(&format!("added {models} to the members")),
            "{report}"
        );
        let source = std::fs::read_to_string(root.join(&models).join("src/lib.rs")).expect("the models");
        // The view is a model's view; the trigger stays a note.
        assert!(
            source.contains("#[derive(ferro::View)]\n#[ferro(name = \"paid\")]"),
            "{source}"
        );
        assert!(
            source.contains("// ferro: not expressible: trigger orders_touch"),
            "{source}"
        );
        assert!(
            source.contains("#[derive(ferro::Model)]\n#[ferro(table = \"orders\")]"),
            "{source}"
        );

        let report = ferro(
            root,
            &[
                "init",
                &crate_name,
                "--models",
                &models,
                "--database-url",
                &url,
                "--databases",
                feature,
            ],
        );
        assert!(
            report.contains(&format!("added {crate_name} to the members")),
            "{report}"
        );
        adopted.push((name, url, db_dir, crate_name));
    }
    assert!(
        std::env::var_os("CI").is_none() || adopted.len() == 3,
        "under CI every database is adopted"
    );

    let build = cargo_build(root);
    for (name, url, _dir, crate_name) in &adopted {
        let folder = root.join(crate_name).join("migrations");
        let files = rust_files(&folder);
        assert_eq!(files, ["0001_initial.rs"], "{name}: {build}");

        // Before `stamp`, the database is behind: nothing records it.
        let before = migrations(crate_name, root, &["--database-url", url, "check"]);
        assert_eq!(
            before.status.code(),
            Some(13),
            "{name}: {}",
            String::from_utf8_lossy(&before.stderr)
        );

        let stamped = ok(
            migrations(crate_name, root, &["--database-url", url, "stamp", "head"]),
            &format!("{name}: stamp head"),
        );
        assert!(stamped.contains("stamped"), "{name}: {stamped}");
        let checked = ok(
            migrations(crate_name, root, &["--database-url", url, "check", "--schema"]),
            &format!("{name}: check --schema"),
        );
        assert!(
            checked.contains("the database's schema is the one its revision should have"),
            "{name}: {checked}"
        );
    }

    // The models are the database: a second build writes nothing.
    cargo_build(root);
    for (name, _, _, crate_name) in &adopted {
        assert_eq!(
            rust_files(&root.join(crate_name).join("migrations")),
            ["0001_initial.rs"],
            "{name}"
        );
    }
}
