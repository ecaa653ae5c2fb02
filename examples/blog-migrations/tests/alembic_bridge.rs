//! The Alembic bridge: a database built by Ferro's migrations and the module
//! `sqlalchemy` writes agree, as Alembic's `compare_metadata` sees them (types
//! and server defaults compared too), on SQLite and on PostgreSQL: for the
//! blog, through the example's binary, and for the model zoo (every type and
//! option). Needs Python with SQLAlchemy, Alembic and psycopg
//! (`tests/python/requirements.txt`; `.ci/run` installs them).

use std::path::Path;
use std::process::Command;

use ferro::runtime::{Dialect, Migrator, Target};
use ferro::schema::SqlType;
use ferro_tests::python;

/// Runs the binary; panics unless it succeeds.
fn cli(url: &str, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_blog-migrations"))
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

fn blog(dialect: Dialect) {
    let Some(python) = python::interpreter() else {
        return;
    };
    let Some((url, _dir)) = ferro_tests::fresh_database(dialect, "bridge") else {
        return;
    };
    let out = tempfile::tempdir().expect("a temporary directory");
    let module = out.path().join("blog_schema.py");
    let module_arg = module.to_str().expect("a UTF-8 path");
    assert!(cli(&url, &["sqlalchemy", "--output", module_arg]).contains("wrote"));

    // Before the migrations run, Alembic sees every table as missing: the
    // comparison does look at the database.
    let missing = python::compare_metadata(python, &module, &url);
    for table in ["users", "post", "tag", "post_tags"] {
        let added = format!("('add_table', Table('{table}'");
        assert!(
            missing.iter().any(|d| d.contains(&added)),
            "{table} not reported: {missing:#?}"
        );
    }

    cli(&url, &["upgrade", "head"]);
    let differences = python::compare_metadata(python, &module, &url);
    assert!(
        differences.is_empty(),
        "Alembic finds differences:\n{}",
        differences.join("\n")
    );
}

#[test]
fn the_blog_agrees_with_its_sqlalchemy_module_on_sqlite() {
    blog(Dialect::Sqlite);
}

#[test]
fn the_blog_agrees_with_its_sqlalchemy_module_on_postgres() {
    blog(Dialect::Postgres);
}

/// The zoo's schema, built by the migration that the diff and the plan make
/// from the empty schema, against the zoo's module. Its two `sql_type`
/// columns are left out: a type given verbatim reads back as the database
/// makes of it (on SQLite, SQLAlchemy reads `CITEXT` by its affinity, as
/// `TEXT`), and PostgreSQL's `CITEXT` needs an extension.
fn zoo(dialect: Dialect) {
    let Some(python) = python::interpreter() else {
        return;
    };
    let Some((url, _dir)) = ferro_tests::fresh_database(dialect, "bridge_zoo") else {
        return;
    };
    let tables = ferro_tests::schema().expect("the zoo resolves").into_tables();
    let schema = ferro::Schema::new(tables.into_iter().map(|mut table| {
        let columns = table
            .columns
            .iter()
            .filter(|c| !matches!(c.ty, SqlType::Custom(_)));
        table.columns = columns.cloned().collect::<Vec<_>>().into();
        table
    }))
    .expect("the zoo resolves without its sql_type columns");
    let out = tempfile::tempdir().expect("a temporary directory");
    let module = out.path().join("zoo_schema.py");
    std::fs::write(&module, ferro::sqlalchemy::module(&schema, "the model zoo")).expect("written");
    ferro_tests::block_on(async {
        ferro_tests::pair::set(
            &schema,
            &schema,
            ferro::runtime::Dialect::of_url(&url).expect("a dialect"),
        );
        let migrator = Migrator::new(&ferro_tests::pair::MIGRATIONS);
        let mut db = ferro::runtime::Database::connect(&url).await.expect("connects");
        migrator
            .upgrade(&mut db, &Target::Revision(ferro_tests::pair::A.into()))
            .await
            .expect("the zoo is built");
    });
    let differences = python::compare_metadata(python, Path::new(&module), &url);
    assert!(
        differences.is_empty(),
        "Alembic finds differences:\n{}",
        differences.join("\n")
    );
}

#[test]
fn the_zoo_agrees_with_its_sqlalchemy_module_on_sqlite() {
    zoo(Dialect::Sqlite);
}

#[test]
fn the_zoo_agrees_with_its_sqlalchemy_module_on_postgres() {
    zoo(Dialect::Postgres);
}
