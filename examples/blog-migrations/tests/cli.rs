//! The example's binary end to end, on a SQLite file and on the throwaway
//! PostgreSQL server: its full lifecycle, with the database's tables and
//! columns compared with the models after each step.

use std::process::Command;

use ferro_tests::shape::Shape;

/// Runs the binary against `url`; its exit code and everything it printed.
fn cli(url: &str, args: &[&str]) -> (i32, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_blog-migrations"));
    command.args(args).arg("--database-url").arg(url);
    outcome(command)
}

/// What `command` (the binary, without `DATABASE_URL` from the test's
/// environment) exits with, and everything it printed.
fn outcome(mut command: Command) -> (i32, String) {
    let output = command
        .env_remove("DATABASE_URL")
        .output()
        .expect("the binary runs");
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    (output.status.code().unwrap_or(-1), text)
}

fn ok(url: &str, args: &[&str]) -> String {
    let (code, text) = cli(url, args);
    assert_eq!(code, 0, "`{}` failed:\n{text}", args.join(" "));
    text
}

/// The tables and columns of the database, the version table left out.
fn shape(url: &str) -> Shape {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(ferro_tests::shape::shape(url))
}

/// The models' tables and columns.
fn models() -> Shape {
    let schema = blog_models::schema().expect("the models resolve");
    schema
        .tables()
        .iter()
        .map(|t| {
            (
                t.name.to_string(),
                t.columns.iter().map(|c| c.name.to_string()).collect(),
            )
        })
        .collect()
}

fn lifecycle(url: &str) {
    let head = blog_migrations::MIGRATIONS
        .last()
        .expect("a migration")
        .revision
        .id;
    let text = ok(url, &["upgrade", "head"]);
    assert!(text.contains(&format!("applied {head}")), "{text}");
    assert_eq!(shape(url), models());
    assert!(ok(url, &["current"]).starts_with(head));
    assert!(ok(url, &["history", "--verbose"]).contains(&format!("[X] {head}")));
    assert!(ok(url, &["upgrade", "head"]).contains("nothing to do"));

    assert!(ok(url, &["downgrade", "-1"]).contains(&format!("reverted {head}")));
    assert_eq!(shape(url), Shape::new());
    assert!(ok(url, &["current"]).contains("base"));

    ok(url, &["upgrade", "+1"]);
    assert_eq!(shape(url), models());
    ok(url, &["downgrade", "base"]);
    assert_eq!(shape(url), Shape::new());

    // stamp records without running anything.
    ok(url, &["stamp", "head"]);
    assert_eq!(shape(url), Shape::new());
    assert!(ok(url, &["current"]).starts_with(head));
    assert_eq!(cli(url, &["check"]).0, 0);
    ok(url, &["stamp", "base"]);
    let (code, text) = cli(url, &["check"]);
    assert_eq!(code, 13, "{text}");
    assert!(text.contains("not at head"), "{text}");

    let json = ok(url, &["--json", "heads"]);
    assert_eq!(json.trim(), format!("[\"{head}\"]"));
}

#[test]
fn the_example_on_sqlite() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    lifecycle(&format!("sqlite://{}", dir.path().join("blog.db").display()));
}

#[test]
fn the_example_on_postgres() {
    if let Some(server) = ferro_tests::pg::server() {
        lifecycle(&server.create_database());
    }
}

#[test]
fn offline_sql_needs_no_database() {
    let (code, sql) = cli("postgres://nowhere.invalid/blog", &["upgrade", "head", "--sql"]);
    assert_eq!(code, 0, "{sql}");
    assert!(
        sql.contains("CREATE TYPE \"user_role\" AS ENUM ('admin', 'member');"),
        "{sql}"
    );
    assert!(sql.contains("INSERT INTO \"ferro_version\""), "{sql}");
    let (code, sql) = cli(
        "sqlite://x.db",
        &["upgrade", "head", "--sql", "--dialect", "sqlite"],
    );
    assert_eq!(code, 0, "{sql}");
    assert!(
        sql.contains(
            "\"role\" TEXT NOT NULL CONSTRAINT \"user_role\" CHECK (\"role\" IN ('admin', 'member'))"
        ),
        "{sql}"
    );
}

#[test]
fn every_command_has_help() {
    for command in [
        "upgrade",
        "downgrade",
        "current",
        "history",
        "heads",
        "branches",
        "show",
        "stamp",
        "check",
        "migrate",
        "showmigrations",
    ] {
        let (code, text) = cli("sqlite://unused.db", &[command, "--help"]);
        assert_eq!(code, 0, "{command}: {text}");
        assert!(text.contains("Usage:"), "{command}: {text}");
    }
}

#[test]
fn bad_input_is_a_readable_error() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("blog.db").display());
    for (args, expected) in [
        (&["upgrade", "zzz"][..], "no migration has revision `zzz`"),
        (&["downgrade", "head"][..], "goes the wrong way"),
        (&["upgrade", "a b"][..], "is not a target"),
    ] {
        let (code, text) = cli(&url, args);
        assert_eq!(code, 1, "{text}");
        assert!(text.contains(expected), "{args:?}: {text}");
    }
    let (code, text) = cli("mssql://somewhere/db", &["current"]);
    assert_eq!(code, 1);
    assert!(
        text.contains("is not a database URL this build supports"),
        "{text}"
    );
}

#[test]
fn the_database_comes_from_a_dot_env_file_without_a_flag() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = dir.path().join("from-env.db");
    std::fs::write(
        dir.path().join(".env"),
        format!("DATABASE_URL=sqlite://{}\n", db.display()),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_blog-migrations"))
        .args(["upgrade", "head"])
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(db.exists(), "the URL in .env was used");
    assert!(!dir.path().join("blog.db").exists(), "not the default");
}

/// A password in the database URL appears in no output: not in a connection
/// error, an unknown-scheme error, `history --json`, `--sql` or `check`.
#[test]
fn a_password_in_the_url_is_never_printed() {
    let secret = "s3cr3t-pw";
    for url in [
        format!("postgres://ferro:{secret}@127.0.0.1:1/db"),
        format!("postgres://127.0.0.1:1/db?user=ferro&password={secret}"),
        // The driver decodes a parameter's name: `%70assword` is `password`.
        format!("postgres://127.0.0.1:1/db?user=ferro&%70assword={secret}"),
        format!("mysql://127.0.0.1:1/db?user=ferro&pass%77ord={secret}"),
        format!("mysql://ferro:{secret}@127.0.0.1:1/db"),
        format!("mssql://ferro:{secret}@127.0.0.1:1/db"),
    ] {
        for args in [
            &["current"][..],
            &["history", "--json"],
            &["upgrade", "head"],
            &["upgrade", "--sql"],
            &["downgrade", "--sql"],
            &["check", "--schema"],
        ] {
            let (_, text) = cli(&url, args);
            assert!(
                !text.contains(secret),
                "`{}` on {url} printed the password:\n{text}",
                args.join(" ")
            );
        }
    }
    // The connection error names the database without it.
    let (code, text) = cli(&format!("postgres://ferro:{secret}@127.0.0.1:1/db"), &["current"]);
    assert_eq!(code, 1);
    assert!(text.contains("postgres://ferro:***@127.0.0.1:1/db"), "{text}");
}

/// The command line as users of sqlx-cli and Alembic expect it: the URL's
/// variable in the help, a `.env` file in a parent directory, a bare
/// `downgrade` and a wrong `--dialect` said plainly, exit code 2 only for a
/// command line that cannot be read.
#[test]
fn the_command_line_says_what_it_takes() {
    let run = |dir: &std::path::Path, args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_blog-migrations"));
        command.args(args).current_dir(dir);
        outcome(command)
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (code, help) = run(dir.path(), &["--help"]);
    assert_eq!(code, 0);
    assert!(help.contains("[env: DATABASE_URL]"), "{help}");

    // `.env` in a parent of the working directory names the database.
    let db = dir.path().join("from_env.db");
    std::fs::write(
        dir.path().join(".env"),
        format!("DATABASE_URL=sqlite://{}\n", db.display()),
    )
    .unwrap();
    let nested = dir.path().join("a").join("b");
    std::fs::create_dir_all(&nested).unwrap();
    let (code, text) = run(&nested, &["upgrade", "head"]);
    assert_eq!(code, 0, "{text}");
    assert!(db.exists(), "the URL came from the parent's .env: {text}");

    let (code, text) = run(&nested, &["downgrade"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("`downgrade` needs a target: `-N`"), "{text}");
    assert!(text.contains("`base`") && text.contains("revision id"), "{text}");

    let (code, text) = run(&nested, &["upgrade", "--sql", "--dialect", "oracle"]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("`oracle` is not a dialect; use `sqlite`, `postgres`"),
        "{text}"
    );

    let (code, text) = run(&nested, &["frobnicate"]);
    assert_eq!(code, 2, "a command line that cannot be read: {text}");
}

/// The build script links the binary without debug information in the dev
/// profile (`ferro_build::Builder::link_debug_info`): the link after each
/// model edit copies none. The data-migration example keeps it, and its
/// test checks that this profile gives a binary some.
#[cfg(target_os = "linux")]
#[test]
fn the_binary_is_linked_without_debug_information() {
    let sections = ferro_tests::elf_sections(env!("CARGO_BIN_EXE_blog-migrations").as_ref());
    assert!(sections.iter().any(|name| name == ".text"), "{sections:?}");
    // `.debug_gdb_scripts` is not debug information: gdb's pretty printers,
    // loaded with the program.
    let debug: Vec<_> = sections
        .iter()
        .filter(|name| name.starts_with(".debug_") && *name != ".debug_gdb_scripts")
        .collect();
    assert!(debug.is_empty(), "{debug:?}");
}
