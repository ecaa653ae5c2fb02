//! The blog's migrations, tested with `ferro::testing`: one head, every
//! migration applies, the models match what the migrations build, each
//! revision goes up, down and up again, a downgrade leaves no trace, rows
//! keep their values, no committed migration was edited, and no migration
//! the branch adds locks or rewrites a live table unless its file accepts
//! it (judged for PostgreSQL too, where the blog is deployed).
//!
//! On SQLite by default; `FERRO_TEST_DATABASE_URL=postgres://…` runs them on
//! a PostgreSQL server, each test in a database of its own.

use ferro::runtime::Dialect;
use ferro::testing::{Failure, Kit};

fn kit() -> Kit {
    Kit::new(blog_migrations::MIGRATIONS)
        .models(blog_models::schema())
        .migrations_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
}

#[test]
fn single_head() -> Result<(), Failure> {
    kit().single_head()
}

#[test]
fn upgrade_base_to_head() -> Result<(), Failure> {
    kit().upgrade_base_to_head()
}

#[test]
fn models_match_migrations() -> Result<(), Failure> {
    kit().models_match_migrations()
}

#[test]
fn stairway() -> Result<(), Failure> {
    kit().stairway()
}

#[test]
fn downgrade_leaves_no_trace() -> Result<(), Failure> {
    kit().downgrade_leaves_no_trace()
}

#[test]
fn data_survives() -> Result<(), Failure> {
    kit().data_survives()
}

#[test]
fn checksums_and_history() -> Result<(), Failure> {
    kit().checksums_and_history()
}

#[test]
fn safe() -> Result<(), Failure> {
    kit().lint_for(Dialect::Sqlite).lint_for(Dialect::Postgres).safe()
}
