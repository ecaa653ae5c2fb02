//! `ferro::testing` catches what it claims, on SQLite, PostgreSQL and
//! MariaDB: a clean history passes every test, and each of eight histories
//! with one defect seeded fails the test that claims it, with a message that
//! names the revision and the difference. The histories are built here, in
//! the process, rather than as scratch crates: the kit takes a migration
//! list, and a crate's is made the same way (`examples/blog-migrations`
//! runs the kit on a generated one, and the quick start's test on a crate
//! `ferro init` wrote).

use std::process::Command;

use ferro::migration::prelude::*;
use ferro::migration::{Migration, State};
use ferro::runtime::Dialect;
use ferro::testing::{Failure, Kit};
use ferro_tests::migration;

fn users_up(op: &mut Ops) {
    op.create_table("users", |t| {
        t.column("id", SqlType::BigInt).auto_increment();
        t.column("name", SqlType::Varchar(80));
        t.column("email", SqlType::Varchar(120)).nullable();
        t.primary_key("pk_users", ["id"]);
        t.unique("uq_users_email", ["email"]);
        t.index(Index::new("ix_users_name", ["name"]));
    });
    op.create_table("posts", |t| {
        t.column("id", SqlType::BigInt).auto_increment();
        t.column("user_id", SqlType::BigInt);
        t.column("title", SqlType::Text);
        t.primary_key("pk_posts", ["id"]);
        t.foreign_key(ForeignKey::new(
            "fk_posts_user_id_users",
            ["user_id"],
            "users",
            ["id"],
        ));
    });
}
fn users_down(op: &mut Ops) {
    op.drop_table("posts").acknowledged(true);
    op.drop_table("users").acknowledged(true);
}

fn age() -> Column {
    Column::new("age", SqlType::Integer).nullable()
}
fn age_up(op: &mut Ops) {
    op.add_column("users", age());
    op.create_index("users", Index::new("ix_users_age", ["age"]));
}
fn age_down(op: &mut Ops) {
    op.drop_index("users", "ix_users_age");
    op.drop_column("users", "age").acknowledged(true);
}
/// Defect: the downgrade forgets the column (and its index).
fn age_down_forgets(_: &mut Ops) {}
/// Defect: the downgrade drops another index than the one the upgrade made.
fn age_down_wrong_index(op: &mut Ops) {
    op.drop_index("users", "ix_users_name");
    op.drop_column("users", "age").acknowledged(true);
}
/// Defect: `email` made NOT NULL with nothing to fill the rows that hold NULL.
fn email_required_up(op: &mut Ops) {
    let email = Column::new("email", SqlType::Varchar(120));
    op.alter_column(
        "users",
        Column {
            nullable: true,
            ..email.clone()
        },
        email,
    );
}
fn email_required_down(op: &mut Ops) {
    let email = Column::new("email", SqlType::Varchar(120));
    op.alter_column(
        "users",
        email.clone(),
        Column {
            nullable: true,
            ..email
        },
    );
}

fn headline_up(op: &mut Ops) {
    op.rename_column("posts", "title", "headline");
}
fn headline_down(op: &mut Ops) {
    op.rename_column("posts", "headline", "title");
}
/// The rename accepted in the file: the team has weighed it.
fn headline_up_accepted(op: &mut Ops) {
    op.rename_column("posts", "title", "headline").accept("F203");
}
/// Defect: a data step that loses the users' emails.
fn headline_up_loses(op: &mut Ops) {
    op.rename_column("posts", "title", "headline");
    op.sql("UPDATE users SET email = NULL");
}

const USERS: Migration = migration(
    "0001_users.rs",
    "users v1",
    "c0ffee000001",
    &[],
    users_up,
    users_down,
);
const AGE: Migration = migration(
    "0002_age.rs",
    "age v1",
    "c0ffee000002",
    &["c0ffee000001"],
    age_up,
    age_down,
);
const HEADLINE: Migration = migration(
    "0003_headline.rs",
    "headline v1",
    "c0ffee000003",
    &["c0ffee000002"],
    headline_up,
    headline_down,
);
const HEAD: &str = "c0ffee000003";

static CLEAN: [Migration; 3] = [USERS, AGE, HEADLINE];
static FORGETS: [Migration; 3] = [
    USERS,
    Migration {
        downgrade: ferro::migration::Body::Code(age_down_forgets),
        ..AGE
    },
    HEADLINE,
];
static WRONG_INDEX: [Migration; 3] = [
    USERS,
    Migration {
        downgrade: ferro::migration::Body::Code(age_down_wrong_index),
        ..AGE
    },
    HEADLINE,
];
static TWO_HEADS: [Migration; 4] = [
    USERS,
    AGE,
    HEADLINE,
    migration(
        "0003_other.rs",
        "other",
        "c0ffee0000b3",
        &["c0ffee000002"],
        |_| {},
        |_| {},
    ),
];
static LOSES: [Migration; 3] = [
    USERS,
    AGE,
    Migration {
        upgrade: ferro::migration::Body::Code(headline_up_loses),
        ..HEADLINE
    },
];
static REQUIRED: [Migration; 3] = [
    USERS,
    Migration {
        upgrade: ferro::migration::Body::Code(email_required_up),
        downgrade: ferro::migration::Body::Code(email_required_down),
        ..AGE
    },
    HEADLINE,
];
static ACCEPTED: [Migration; 3] = [
    USERS,
    AGE,
    Migration {
        upgrade: ferro::migration::Body::Code(headline_up_accepted),
        ..HEADLINE
    },
];
/// Defect: the first migration's file changed after it was committed.
static EDITED: [Migration; 3] = [
    Migration {
        source: "users v2",
        ..USERS
    },
    AGE,
    HEADLINE,
];

/// The schema the clean history leaves.
fn head_schema() -> ferro::Schema {
    let mut state = State::default();
    for m in &CLEAN {
        for step in m.upgrade_steps() {
            state.apply(&step.op).unwrap();
        }
    }
    ferro::Schema::new(state.tables).unwrap()
}

/// A repository whose `shop-migrations/migrations/` folder (a folder below
/// the repository's root, as in a real workspace) holds `snapshot.json` of
/// the clean history at its head and the clean files, committed to git.
fn folder() -> tempfile::TempDir {
    folder_with(CLEAN.len())
}

/// The same, with only the first `committed` files in the commit: the
/// others are the branch's, not yet merged.
fn folder_with(committed: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("shop-migrations/migrations");
    std::fs::create_dir_all(&migrations).unwrap();
    let snapshot = ferro::snapshot::Serialized::state(&head_schema()).to_json(Some(HEAD));
    std::fs::write(migrations.join("snapshot.json"), snapshot).unwrap();
    for m in &CLEAN[..committed] {
        std::fs::write(migrations.join(m.file), m.source).unwrap();
    }
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .env("GIT_AUTHOR_NAME", "kit")
            .env("GIT_AUTHOR_EMAIL", "kit@example.com")
            .env("GIT_COMMITTER_NAME", "kit")
            .env("GIT_COMMITTER_EMAIL", "kit@example.com")
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&status.stderr)
        );
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "migrations"]);
    dir
}

/// The kit over `migrations`, on the scenario's server (none on SQLite).
fn kit(url: &str, migrations: &'static [Migration], dir: &std::path::Path) -> Kit {
    let kit = Kit::new(migrations)
        .models(Ok(head_schema()))
        .migrations_dir(&dir.display().to_string());
    match Dialect::of_url(url).unwrap() {
        Dialect::Sqlite => kit,
        _ => kit.server(url),
    }
}

/// Every test of the kit, by name.
fn all(kit: &Kit) -> Vec<(&'static str, Result<(), Failure>)> {
    vec![
        ("single_head", kit.single_head()),
        ("upgrade_base_to_head", kit.upgrade_base_to_head()),
        ("models_match_migrations", kit.models_match_migrations()),
        ("stairway", kit.stairway()),
        ("downgrade_leaves_no_trace", kit.downgrade_leaves_no_trace()),
        ("data_survives", kit.data_survives()),
        ("checksums_and_history", kit.checksums_and_history()),
        ("safe", kit.safe()),
    ]
}

/// Runs the kit's tests off the async runtime of the scenario (they block).
fn outcomes(
    url: &str,
    migrations: &'static [Migration],
    models: Option<ferro::Schema>,
) -> Vec<(&'static str, Result<(), Failure>)> {
    let url = url.to_owned();
    std::thread::spawn(move || {
        let dir = folder();
        let mut kit = kit(&url, migrations, &dir.path().join("shop-migrations/migrations"));
        if let Some(models) = models {
            kit = kit.models(Ok(models));
        }
        all(&kit)
    })
    .join()
    .unwrap()
}

/// Each test fails or passes as `failing` says, and a failure's message
/// holds each of `words`.
fn expect(outcomes: &[(&'static str, Result<(), Failure>)], failing: &[&str], words: &[&str]) {
    for (name, outcome) in outcomes {
        match outcome {
            Ok(()) => assert!(!failing.contains(name), "{name} passed; it should have failed"),
            Err(failure) => {
                assert!(failing.contains(name), "{name} failed: {failure}");
                let text = failure.to_string();
                for word in words {
                    assert!(text.contains(word), "{name}'s message lacks `{word}`: {text}");
                }
            }
        }
    }
}

async fn a_clean_history_passes_every_test(url: String) {
    expect(&outcomes(&url, &CLEAN, None), &[], &[]);
}

async fn a_downgrade_that_forgets_a_column_fails_the_stairway(url: String) {
    expect(
        &outcomes(&url, &FORGETS, None),
        &["stairway", "downgrade_leaves_no_trace"],
        &[
            "revision c0ffee000002 (0002_age.rs), downgrade",
            "drop column users.age",
        ],
    );
}

async fn a_downgrade_that_drops_the_wrong_index_fails_the_stairway(url: String) {
    expect(
        &outcomes(&url, &WRONG_INDEX, None),
        &["stairway", "downgrade_leaves_no_trace"],
        &[
            "revision c0ffee000002 (0002_age.rs), downgrade",
            "create index users(name)",
        ],
    );
}

async fn two_heads_fail_single_head(url: String) {
    let results = outcomes(&url, &TWO_HEADS, None);
    let (_, single) = &results[0];
    let text = single.as_ref().expect_err("two heads").to_string();
    assert!(
        text.contains("2 heads") && text.contains("c0ffee0000b3"),
        "{text}"
    );
}

async fn a_data_step_that_loses_a_value_fails_data_survives(url: String) {
    expect(
        &outcomes(&url, &LOSES, None),
        &["data_survives"],
        &[
            "revision c0ffee000003 (0003_headline.rs), upgrade",
            "users: in the row id=",
            "email was \"",
            ", is NULL",
        ],
    );
}

async fn a_not_null_change_over_rows_holding_null_fails_data_survives(url: String) {
    // The history leaves another schema than the models': that test fails
    // too, and says so; the one that claims the defect is data_survives.
    let results = outcomes(&url, &REQUIRED, None);
    let data = &results
        .iter()
        .find(|(name, _)| *name == "data_survives")
        .unwrap()
        .1;
    let text = data.as_ref().expect_err("NULLs where NOT NULL").to_string();
    assert!(
        text.contains("revision c0ffee000002 (0002_age.rs), upgrade: failed over"),
        "{text}"
    );
    let up = &results
        .iter()
        .find(|(name, _)| *name == "upgrade_base_to_head")
        .unwrap()
        .1;
    assert!(up.is_ok(), "an empty database upgrades: {up:?}");
}

async fn a_model_changed_without_its_migration_fails_models_match(url: String) {
    let mut tables = head_schema().tables().to_vec();
    tables[1]
        .columns
        .to_mut()
        .push(Column::new("nickname", SqlType::Text).nullable());
    let models = ferro::Schema::new(tables).unwrap();
    expect(
        &outcomes(&url, &CLEAN, Some(models)),
        &["models_match_migrations"],
        &[
            "the models changed without a migration",
            "add column users.nickname",
        ],
    );
}

async fn an_edited_migration_fails_checksums(url: String) {
    expect(
        &outcomes(&url, &EDITED, None),
        &["checksums_and_history"],
        &[
            "revision c0ffee000001 (0001_users.rs), its file",
            "changed since main",
        ],
    );
}

/// Runs the kit's tests on a branch that adds every migration after the
/// first, judged for the databases `lint_for` names.
fn outcomes_on_branch(
    url: &str,
    migrations: &'static [Migration],
    lint_for: &[Dialect],
) -> Vec<(&'static str, Result<(), Failure>)> {
    let (url, lint_for) = (url.to_owned(), lint_for.to_vec());
    std::thread::spawn(move || {
        let dir = folder_with(1);
        let mut kit = kit(&url, migrations, &dir.path().join("shop-migrations/migrations"));
        for dialect in lint_for {
            kit = kit.lint_for(dialect);
        }
        all(&kit)
    })
    .join()
    .unwrap()
}

async fn a_risky_step_the_branch_adds_fails_safe(url: String) {
    // Committed before the branch, the same rename passes: see the clean
    // history. Judged for the tests' own database here.
    expect(
        &outcomes_on_branch(&url, &CLEAN, &[]),
        &["safe"],
        &[
            "revision c0ffee000003 (0003_headline.rs), upgrade, step 1 `rename column posts.title to headline`",
            "F203 rename-column (error)",
            "instead: expand and contract",
        ],
    );
    // On PostgreSQL the index the branch builds on `users` blocks writes.
    let results = outcomes_on_branch(&url, &CLEAN, &[Dialect::Postgres]);
    let text = results.last().unwrap().1.as_ref().expect_err("F101").to_string();
    assert!(
        text.contains("0002_age.rs") && text.contains("F101 blocking-index"),
        "{text}"
    );
}

async fn a_finding_accepted_in_its_file_passes_safe(url: String) {
    expect(
        &outcomes_on_branch(&url, &ACCEPTED, &[Dialect::MySql, Dialect::Sqlite]),
        &[],
        &[],
    );
}

ferro_tests::on_every_backend!("kit":
    a_risky_step_the_branch_adds_fails_safe,
    a_finding_accepted_in_its_file_passes_safe,
    a_clean_history_passes_every_test,
    a_downgrade_that_forgets_a_column_fails_the_stairway,
    a_downgrade_that_drops_the_wrong_index_fails_the_stairway,
    two_heads_fail_single_head,
    a_data_step_that_loses_a_value_fails_data_survives,
    a_not_null_change_over_rows_holding_null_fails_data_survives,
    a_model_changed_without_its_migration_fails_models_match,
    an_edited_migration_fails_checksums,
);
