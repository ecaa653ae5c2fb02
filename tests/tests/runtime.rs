//! The runtime against real databases: a SQLite file and a throwaway
//! PostgreSQL server (`ferro_tests::pg`). Every scenario runs on both.

use ferro::migration::prelude::*;
use ferro::migration::{Migration, Revision};
use ferro::runtime::{Database, Dialect, MigrateError, Migrator, Progress, Target};
use ferro_tests::migration;
use ferro_tests::shape::{Shape, shape};
use sqlx::{AnyConnection, Connection as _, Row as _};

// A small history: users, then users.age, then posts referring to users.

fn users_up(op: &mut Ops) {
    op.create_table("users", |t| {
        t.column("id", SqlType::BigInt).auto_increment();
        t.column("email", SqlType::Varchar(120));
        t.primary_key("pk_users", ["id"]);
        t.unique("uq_users_email", ["email"]);
    });
}
fn users_down(op: &mut Ops) {
    op.drop_table("users");
}
fn age_up(op: &mut Ops) {
    op.add_column("users", Column::new("age", SqlType::Integer).nullable());
}
fn age_down(op: &mut Ops) {
    op.drop_column("users", "age").acknowledged(true);
}
fn posts_up(op: &mut Ops) {
    op.create_table("posts", |t| {
        t.column("id", SqlType::BigInt).auto_increment();
        t.column("author_id", SqlType::BigInt);
        t.column("title", SqlType::Text);
        t.primary_key("pk_posts", ["id"]);
        t.foreign_key(
            ForeignKey::new("fk_posts_author_id_users", ["author_id"], "users", ["id"])
                .on_delete(Action::Cascade),
        );
        t.index(Index::new("ix_posts_author_id", ["author_id"]));
    });
}
fn posts_down(op: &mut Ops) {
    op.drop_table("posts");
}
/// Three statements; the third fails (no such table), after two that would
/// have changed the schema.
fn broken_up(op: &mut Ops) {
    op.create_table("tags", |t| {
        t.column("id", SqlType::Integer);
    });
    op.add_column("posts", Column::new("subtitle", SqlType::Text).nullable());
    op.sql("ALTER TABLE no_such_table ADD COLUMN x INTEGER");
}
fn nothing(_: &mut Ops) {}
fn drop_email_up(op: &mut Ops) {
    op.drop_column("users", "email");
}

const USERS: Migration = migration(
    "0001_users.rs",
    "users v1",
    "a1a1a1a1a1a1",
    &[],
    users_up,
    users_down,
);
const AGE: Migration = migration(
    "0002_age.rs",
    "age v1",
    "b2b2b2b2b2b2",
    &["a1a1a1a1a1a1"],
    age_up,
    age_down,
);
const POSTS: Migration = migration(
    "0003_posts.rs",
    "posts v1",
    "c3c3c3c3c3c3",
    &["b2b2b2b2b2b2"],
    posts_up,
    posts_down,
);

static HISTORY: [Migration; 3] = [USERS, AGE, POSTS];

/// The tables and their columns, as the database reports them (the version
/// table left out).
fn expect(tables: &[(&str, &[&str])]) -> Shape {
    tables
        .iter()
        .map(|(t, cs)| ((*t).to_owned(), cs.iter().map(|c| (*c).to_owned()).collect()))
        .collect()
}

const V1: &[(&str, &[&str])] = &[("users", &["id", "email"])];
const V2: &[(&str, &[&str])] = &[("users", &["id", "email", "age"])];
const V3: &[(&str, &[&str])] = &[
    ("posts", &["id", "author_id", "title"]),
    ("users", &["id", "email", "age"]),
];

async fn lifecycle(url: String) {
    let migrator = Migrator::new(&HISTORY);
    let mut db = Database::connect(&url).await.unwrap();
    assert!(!migrator.is_at_head(&mut db).await.unwrap());

    let applied = migrator.upgrade(&mut db, &Target::Head).await.unwrap();
    assert_eq!(
        applied.iter().map(|a| a.revision).collect::<Vec<_>>(),
        ["a1a1a1a1a1a1", "b2b2b2b2b2b2", "c3c3c3c3c3c3"]
    );
    assert_eq!(shape(&url).await, expect(V3));
    assert_eq!(migrator.current(&mut db).await.unwrap(), ["c3c3c3c3c3c3"]);
    assert!(migrator.is_at_head(&mut db).await.unwrap());
    let rows = migrator.applied(&mut db).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(rows[1].parents, ["a1a1a1a1a1a1"]);
    assert_eq!(rows[0].checksum, ferro::runtime::checksum("users v1"));
    assert!(rows[2].applied_at.starts_with("20"), "{}", rows[2].applied_at);
    assert!(
        migrator.upgrade(&mut db, &Target::Head).await.unwrap().is_empty(),
        "nothing twice"
    );

    let reverted = migrator.downgrade(&mut db, &Target::Back(1)).await.unwrap();
    assert_eq!(reverted[0].revision, "c3c3c3c3c3c3");
    assert_eq!(shape(&url).await, expect(V2));
    assert!(!migrator.is_at_head(&mut db).await.unwrap());
    assert_eq!(migrator.current(&mut db).await.unwrap(), ["b2b2b2b2b2b2"]);

    migrator.downgrade(&mut db, &Target::Base).await.unwrap();
    assert_eq!(shape(&url).await, expect(&[]));
    assert!(migrator.current(&mut db).await.unwrap().is_empty());

    migrator.upgrade(&mut db, &Target::Forward(1)).await.unwrap();
    assert_eq!(shape(&url).await, expect(V1));
    assert_eq!(migrator.current(&mut db).await.unwrap(), ["a1a1a1a1a1a1"]);

    // Stamp records without running: the schema stays as it is.
    migrator
        .stamp(&mut db, &Target::Revision("b2b2".into()), false)
        .await
        .unwrap();
    assert_eq!(migrator.current(&mut db).await.unwrap(), ["b2b2b2b2b2b2"]);
    assert_eq!(shape(&url).await, expect(V1));
    migrator.stamp(&mut db, &Target::Base, false).await.unwrap();
    assert!(migrator.current(&mut db).await.unwrap().is_empty());
}

const BRANCH_A: Migration = migration(
    "0003_a.rs",
    "a",
    "d4d4d4d4d4d4",
    &["b2b2b2b2b2b2"],
    posts_up,
    posts_down,
);
const BRANCH_B: Migration = migration(
    "0003_b.rs",
    "b",
    "e5e5e5e5e5e5",
    &["b2b2b2b2b2b2"],
    nothing,
    nothing,
);
const MERGE: Migration = migration(
    "0004_merge.rs",
    "m",
    "f6f6f6f6f6f6",
    &["d4d4d4d4d4d4", "e5e5e5e5e5e5"],
    nothing,
    nothing,
);
static BRANCHED: [Migration; 4] = [USERS, AGE, BRANCH_A, BRANCH_B];
static MERGED: [Migration; 5] = [USERS, AGE, BRANCH_A, BRANCH_B, MERGE];

async fn branches(url: String) {
    let mut db = Database::connect(&url).await.unwrap();
    let branched = Migrator::new(&BRANCHED);
    assert_eq!(
        branched.graph().unwrap().heads(),
        ["d4d4d4d4d4d4", "e5e5e5e5e5e5"]
    );
    let err = branched.upgrade(&mut db, &Target::Head).await.unwrap_err();
    assert!(matches!(err, MigrateError::SeveralHeads(_)), "{err}");
    assert!(err.to_string().contains("merge heads"), "{err}");
    assert!(
        branched.applied(&mut db).await.unwrap().is_empty(),
        "a refused upgrade applies nothing"
    );
    let merged = Migrator::new(&MERGED);
    let applied = merged.upgrade(&mut db, &Target::Head).await.unwrap();
    assert_eq!(applied.len(), 5);
    assert_eq!(merged.current(&mut db).await.unwrap(), ["f6f6f6f6f6f6"]);
    assert_eq!(shape(&url).await, expect(V3));
}

async fn offline_sql_is_what_runs(url: String) {
    let dialect = Dialect::of_url(&url).unwrap();
    let migrator = Migrator::new(&HISTORY);
    let mut db = Database::connect(&url).await.unwrap();
    db.record();
    migrator.upgrade(&mut db, &Target::Head).await.unwrap();
    let online = db.take_log();
    let mut offline = migrator
        .upgrade_sql(dialect, &Target::Base, &Target::Head)
        .unwrap();
    if dialect == Dialect::MySql {
        // A MySQL script sets the SQL mode the migrator sets as it connects.
        assert!(
            offline
                .remove(0)
                .starts_with("SET SESSION sql_mode = 'STRICT_ALL_TABLES")
        );
    }
    // The one value that differs is measured: how long each migration took,
    // which a script records as 0.
    let measured = mask_durations(&online);
    assert_eq!(measured, mask_durations(&offline));
    let posts = format!("CREATE TABLE {}", dialect.ident("posts"));
    assert!(online.iter().any(|s| s.starts_with(&posts)), "{online:#?}");

    db.record();
    migrator.downgrade(&mut db, &Target::Base).await.unwrap();
    let online = db.take_log();
    let mut offline = migrator
        .downgrade_sql(dialect, &Target::Head, &Target::Base)
        .unwrap();
    if dialect == Dialect::MySql {
        assert!(
            offline
                .remove(0)
                .starts_with("SET SESSION sql_mode = 'STRICT_ALL_TABLES")
        );
    }
    assert_eq!(online, offline);
}

/// The statements with the duration written into each version-table insert
/// (the value after the `seq` subquery) replaced by `_`.
fn mask_durations(statements: &[String]) -> Vec<String> {
    // The subquery's end, without and with MySQL's derived table.
    const SEQ: [&str; 2] = ["FROM \"ferro_version\"), ", "AS m), "];
    statements
        .iter()
        .map(
            |s| match SEQ.iter().find_map(|seq| s.find(seq).map(|i| i + seq.len())) {
                Some(start) if s.starts_with("INSERT INTO") => {
                    let end = start + s[start..].find(',').expect("more values");
                    format!("{}_{}", &s[..start], &s[end..])
                }
                // A migration in several parts records its duration with the last.
                _ if s.starts_with("UPDATE") => {
                    match s.find("duration_ms").map(|i| i + "duration_ms".len() + 4) {
                        Some(start) => {
                            let end = start + s[start..].find(' ').expect("more of the statement");
                            format!("{}_{}", &s[..start], &s[end..])
                        }
                        None => s.clone(),
                    }
                }
                _ => s.clone(),
            },
        )
        .collect()
}

const BROKEN: Migration = migration(
    "0004_broken.rs",
    "broken",
    "0b0b0b0b0b0b",
    &["c3c3c3c3c3c3"],
    broken_up,
    nothing,
);
static WITH_BROKEN: [Migration; 4] = [USERS, AGE, POSTS, BROKEN];

async fn a_failed_migration_changes_nothing(url: String) {
    let migrator = Migrator::new(&WITH_BROKEN);
    let mut db = Database::connect(&url).await.unwrap();
    migrator
        .upgrade(&mut db, &Target::Revision("c3c3".into()))
        .await
        .unwrap();
    let before = migrator.applied(&mut db).await.unwrap();
    let err = migrator.upgrade(&mut db, &Target::Head).await.unwrap_err();
    // The application keeps its connection: before it uses it again, no lock and no open
    // transaction is left behind.
    if url.starts_with("postgres") {
        assert_eq!(held_advisory_locks(&url).await, 0);
        let mut conn = AnyConnection::connect(&url).await.unwrap();
        let open: i64 = sqlx::query(
            "SELECT CAST(count(*) AS BIGINT) FROM pg_stat_activity \
             WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get(0);
        assert_eq!(open, 0, "no transaction is left open");
    }
    let message = err.to_string();
    assert!(message.contains("no_such_table"), "{message}");
    if url.starts_with("mysql") {
        return mysql_reports_each_statement(url, migrator, db, message).await;
    }
    assert!(
        message.contains("0b0b0b0b0b0b") && message.contains("rolled back"),
        "{message}"
    );
    // Neither the new table nor the new column: the whole migration is undone.
    assert_eq!(shape(&url).await, expect(V3));
    assert_eq!(migrator.applied(&mut db).await.unwrap(), before);
    assert_eq!(migrator.current(&mut db).await.unwrap(), ["c3c3c3c3c3c3"]);
    drop(db);
}

/// MySQL commits each schema statement: the report names the two done and
/// the one that failed, the version table records the two, and the way back
/// it gives (undo them by hand, then `stamp` the parent) works.
async fn mysql_reports_each_statement(url: String, migrator: Migrator, mut db: Database, message: String) {
    assert!(message.contains("stopped in part 3 of 3"), "{message}");
    let done = message.find("done:").expect("the parts done");
    let failed = message.find("failed:").expect("the part that failed");
    let (done, failed) = (&message[done..failed], &message[failed..]);
    assert!(done.contains("1. CREATE TABLE `tags`"), "{message}");
    assert!(
        done.contains("2. ALTER TABLE `posts` ADD COLUMN `subtitle`"),
        "{message}"
    );
    assert!(failed.contains("3. ALTER TABLE no_such_table"), "{message}");
    assert!(message.contains("`stamp c3c3c3c3c3c3`"), "{message}");
    let mut v3_and_more = expect(V3);
    v3_and_more.get_mut("posts").unwrap().push("subtitle".into());
    v3_and_more.insert("tags".into(), vec!["id".into()]);
    assert_eq!(shape(&url).await, v3_and_more);
    let rows = migrator.applied(&mut db).await.unwrap();
    assert_eq!(rows.last().unwrap().revision, "0b0b0b0b0b0b");
    assert_eq!(rows.last().unwrap().progress, Progress::Up(2), "{rows:?}");
    assert_eq!(migrator.current(&mut db).await.unwrap(), ["c3c3c3c3c3c3"]);

    let mut conn = AnyConnection::connect(&url).await.unwrap();
    sqlx::raw_sql("DROP TABLE tags; ALTER TABLE posts DROP COLUMN subtitle")
        .execute(&mut conn)
        .await
        .unwrap();
    migrator
        .stamp(&mut db, &Target::Revision("c3c3".into()), false)
        .await
        .unwrap();
    assert_eq!(shape(&url).await, expect(V3));
    assert_eq!(migrator.applied(&mut db).await.unwrap().len(), 3);
    assert_eq!(migrator.current(&mut db).await.unwrap(), ["c3c3c3c3c3c3"]);
}

/// The advisory locks held in the database at `url` (PostgreSQL).
async fn held_advisory_locks(url: &str) -> i64 {
    let mut conn = AnyConnection::connect(url).await.unwrap();
    sqlx::query(
        "SELECT CAST(count(*) AS BIGINT) FROM pg_locks WHERE locktype = 'advisory' \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap()
    .get(0)
}

/// The draft of `AGE` as the build rewrote it after the models changed again:
/// same revision, a second column, and a downgrade that drops both.
fn age_v2_up(op: &mut Ops) {
    op.add_column("users", Column::new("age", SqlType::Integer).nullable());
    op.add_column("users", Column::new("nickname", SqlType::Text).nullable());
}
fn age_v2_down(op: &mut Ops) {
    op.drop_column("users", "nickname").acknowledged(true);
    op.drop_column("users", "age").acknowledged(true);
}
const AGE_REWRITTEN: Migration = migration(
    "0002_age.rs",
    "age v2",
    "b2b2b2b2b2b2",
    &["a1a1a1a1a1a1"],
    age_v2_up,
    age_v2_down,
);
static REWRITTEN: [Migration; 3] = [USERS, AGE_REWRITTEN, POSTS];

/// A local database applied a draft that the build then rewrote: the
/// runtime says so before anything runs, and the way back is the downgrade
/// the database kept (the rewritten file's would drop a column that is not
/// there).
async fn a_rewritten_draft_is_caught_and_can_be_reverted(url: String) {
    let mut db = Database::connect(&url).await.unwrap();
    Migrator::new(&HISTORY)
        .upgrade(&mut db, &Target::Forward(2))
        .await
        .unwrap();
    assert_eq!(shape(&url).await, expect(V2));
    let rewritten = Migrator::new(&REWRITTEN);
    let err = rewritten.upgrade(&mut db, &Target::Head).await.unwrap_err();
    assert!(
        matches!(err, MigrateError::ChecksumMismatch { ref revision, .. } if revision == "b2b2b2b2b2b2"),
        "{err}"
    );
    let message = err.to_string();
    assert!(
        message.contains("draft") && message.contains("`downgrade -1`"),
        "{message}"
    );
    assert_eq!(shape(&url).await, expect(V2), "nothing ran");
    rewritten
        .downgrade(&mut db, &Target::Revision("a1a1a1a1a1a1".into()))
        .await
        .unwrap();
    assert_eq!(shape(&url).await, expect(V1));
    rewritten.upgrade(&mut db, &Target::Head).await.unwrap();
    assert_eq!(
        shape(&url).await,
        expect(&[
            ("posts", &["id", "author_id", "title"]),
            ("users", &["id", "email", "age", "nickname"])
        ])
    );
    // A change to a migration that is not being reverted is still refused.
    let err = Migrator::new(&HISTORY)
        .downgrade(&mut db, &Target::Back(1))
        .await
        .unwrap_err();
    assert!(matches!(err, MigrateError::ChecksumMismatch { .. }), "{err}");
}

const DROP_EMAIL: Migration = migration(
    "0004_drop_email.rs",
    "drop",
    "d0d0d0d0d0d0",
    &["c3c3c3c3c3c3"],
    drop_email_up,
    nothing,
);
static DESTRUCTIVE: [Migration; 4] = [USERS, AGE, POSTS, DROP_EMAIL];
fn drop_email_acknowledged_up(op: &mut Ops) {
    op.drop_column("users", "email").acknowledged(true);
}
/// `DROP_EMAIL` once someone has reviewed it.
const DROP_EMAIL_ACKNOWLEDGED: Migration = migration(
    "0004_drop_email.rs",
    "drop email, acknowledged",
    "d4d4d4d4d4d4",
    &["c3c3c3c3c3c3"],
    drop_email_acknowledged_up,
    nothing,
);
static ACKNOWLEDGED: [Migration; 4] = [USERS, AGE, POSTS, DROP_EMAIL_ACKNOWLEDGED];

async fn a_version_table_name_postgres_would_cut_is_refused(url: String) {
    let mut db = Database::connect(&url).await.unwrap();
    let long = Migrator::new(&HISTORY).version_table("v".repeat(64));
    let err = long.upgrade(&mut db, &Target::Head).await.unwrap_err();
    assert!(matches!(err, MigrateError::BadTableName(_)), "{err}");
    assert_eq!(shape(&url).await, expect(&[]));
}

async fn destructive_steps_wait_for_acknowledgement(url: String) {
    let mut db = Database::connect(&url).await.unwrap();
    let err = Migrator::new(&DESTRUCTIVE)
        .upgrade(&mut db, &Target::Head)
        .await
        .unwrap_err();
    assert!(matches!(err, MigrateError::Unacknowledged { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("drop column users.email"),
        "names the operation: {message}"
    );
    assert!(
        message.contains(".acknowledged(true)"),
        "names the acknowledgement: {message}"
    );
    assert_eq!(shape(&url).await, expect(&[]), "checked before anything ran");
    // Once acknowledged, it runs.
    let done = Migrator::new(&ACKNOWLEDGED)
        .upgrade(&mut db, &Target::Head)
        .await
        .unwrap();
    assert_eq!(done.len(), 4);
    let mut without_email = expect(V3);
    without_email.get_mut("users").unwrap().retain(|c| c != "email");
    assert_eq!(shape(&url).await, without_email);
}

async fn concurrent_runners_apply_each_migration_once(url: String) {
    let mut runners = Vec::new();
    for _ in 0..8 {
        let url = url.clone();
        runners.push(tokio::spawn(async move {
            let mut db = Database::connect(&url).await?;
            Migrator::new(&HISTORY).upgrade(&mut db, &Target::Head).await
        }));
    }
    let mut applied = Vec::new();
    for runner in runners {
        let done = runner
            .await
            .expect("the runner task")
            .expect("every runner succeeds");
        applied.extend(done.into_iter().map(|a| a.revision));
    }
    applied.sort_unstable();
    assert_eq!(
        applied,
        ["a1a1a1a1a1a1", "b2b2b2b2b2b2", "c3c3c3c3c3c3"],
        "each exactly once"
    );
    let mut db = Database::connect(&url).await.unwrap();
    assert_eq!(Migrator::new(&HISTORY).applied(&mut db).await.unwrap().len(), 3);
    if url.starts_with("postgres") {
        let locks = held_advisory_locks(&url).await;
        assert_eq!(locks, 0, "no advisory lock is left behind");
    }
}

fn items_up(op: &mut Ops) {
    op.create_table("items", |t| {
        t.column("n", SqlType::Integer);
    });
    op.sql("INSERT INTO items (n) VALUES (1), (2)");
    op.rust("double", double);
}
fn items_down(op: &mut Ops) {
    op.drop_table("items").acknowledged(true);
}
fn double(conn: &mut ferro::migration::Connection) -> ferro::migration::StepFuture<'_> {
    Box::pin(async move {
        sqlx::query("UPDATE items SET n = n * 2").execute(conn).await?;
        Ok(())
    })
}
fn triple_up(op: &mut Ops) {
    op.rust("triple", |conn| {
        Box::pin(async move {
            sqlx::query("UPDATE items SET n = n * 3").execute(conn).await?;
            Ok(())
        })
    });
}
fn triple_down(op: &mut Ops) {
    op.irreversible("the values before tripling are gone");
}
fn failing_up(op: &mut Ops) {
    op.sql("INSERT INTO items (n) VALUES (100)");
    op.rust("fail", |conn| {
        Box::pin(async move {
            sqlx::query("UPDATE no_such_table SET n = 1")
                .execute(conn)
                .await?;
            Ok(())
        })
    });
}

const ITEMS: Migration = migration(
    "0001_items.rs",
    "items",
    "1a1a1a1a1a1a",
    &[],
    items_up,
    items_down,
);
const TRIPLE: Migration = migration(
    "0002_triple.rs",
    "triple",
    "2b2b2b2b2b2b",
    &["1a1a1a1a1a1a"],
    triple_up,
    triple_down,
);
const FAILING: Migration = migration(
    "0003_failing.rs",
    "failing",
    "3c3c3c3c3c3c",
    &["2b2b2b2b2b2b"],
    failing_up,
    nothing,
);
static DATA: [Migration; 3] = [ITEMS, TRIPLE, FAILING];

async fn items(url: &str) -> Vec<i64> {
    let mut conn = AnyConnection::connect(url).await.unwrap();
    sqlx::query("SELECT n FROM items ORDER BY n")
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|row| row.get::<i64, _>(0))
        .collect()
}

async fn data_steps_in_sql_and_rust(url: String) {
    let migrator = Migrator::new(&DATA);
    let mut db = Database::connect(&url).await.unwrap();
    migrator
        .upgrade(&mut db, &Target::Revision("2b2b".into()))
        .await
        .unwrap();
    assert_eq!(
        items(&url).await,
        [6, 12],
        "SQL inserted, Rust doubled, then tripled"
    );
    // A Rust step that fails rolls its whole migration back, SQL included.
    let err = migrator.upgrade(&mut db, &Target::Head).await.unwrap_err();
    assert!(err.to_string().contains("Rust step `fail` failed"), "{err}");
    assert_eq!(items(&url).await, [6, 12]);
    // And leaves no record (on MySQL, not even the mark it started with).
    let rows = migrator.applied(&mut db).await.unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    // An irreversible downgrade is refused before anything runs.
    let err = migrator.downgrade(&mut db, &Target::Base).await.unwrap_err();
    assert!(matches!(err, MigrateError::Irreversible { .. }), "{err}");
    assert!(
        err.to_string().contains("the values before tripling are gone"),
        "{err}"
    );
    assert_eq!(migrator.current(&mut db).await.unwrap(), ["2b2b2b2b2b2b"]);
    // Offline SQL cannot run Rust, and refuses rather than record the step as done.
    let err = migrator
        .upgrade_sql(
            Dialect::of_url(&url).unwrap(),
            &Target::Base,
            &Target::Revision("1a1a".into()),
        )
        .unwrap_err();
    assert!(
        matches!(err, MigrateError::RustStepOffline { ref name, .. } if name == "double"),
        "{err}"
    );
}

// Steps outside the transaction: VACUUM on SQLite and CREATE INDEX
// CONCURRENTLY on PostgreSQL both refuse to run inside one.
fn parted_up(op: &mut Ops, outside: &'static str) {
    op.add_column("items", Column::new("x", SqlType::Integer).nullable());
    op.sql(outside).outside_transaction();
    op.add_column("items", Column::new("y", SqlType::Integer).nullable());
}
fn parted_sqlite(op: &mut Ops) {
    parted_up(op, "VACUUM");
}
fn parted_postgres(op: &mut Ops) {
    parted_up(op, "CREATE INDEX CONCURRENTLY ix_items_n ON items (n)");
}
fn parted_mysql(op: &mut Ops) {
    parted_up(op, "CREATE INDEX ix_items_n ON items (n)");
}
fn parted_down(op: &mut Ops) {
    op.drop_column("items", "y");
    op.drop_column("items", "x");
}
/// Its step outside the transaction fails until a table `gate` exists.
fn gated_up(op: &mut Ops) {
    op.add_column("items", Column::new("z", SqlType::Integer).nullable());
    op.sql("INSERT INTO gate (v) VALUES (1)").outside_transaction();
    op.sql("UPDATE items SET z = 7");
}
const PARTED_SQLITE: Migration = migration(
    "0002_parted.rs",
    "parted",
    "4d4d4d4d4d4d",
    &["1a1a1a1a1a1a"],
    parted_sqlite,
    parted_down,
);
const PARTED_POSTGRES: Migration = migration(
    "0002_parted.rs",
    "parted",
    "4d4d4d4d4d4d",
    &["1a1a1a1a1a1a"],
    parted_postgres,
    parted_down,
);
const GATED: Migration = migration(
    "0003_gated.rs",
    "gated",
    "5e5e5e5e5e5e",
    &["4d4d4d4d4d4d"],
    gated_up,
    nothing,
);
const PARTED_MYSQL: Migration = migration(
    "0002_parted.rs",
    "parted",
    "4d4d4d4d4d4d",
    &["1a1a1a1a1a1a"],
    parted_mysql,
    parted_down,
);
static PARTED_ON_SQLITE: [Migration; 3] = [ITEMS, PARTED_SQLITE, GATED];
static PARTED_ON_MYSQL: [Migration; 3] = [ITEMS, PARTED_MYSQL, GATED];
static PARTED_ON_POSTGRES: [Migration; 3] = [ITEMS, PARTED_POSTGRES, GATED];

async fn steps_outside_the_transaction(url: String) {
    let dialect = Dialect::of_url(&url).unwrap();
    let migrations: &'static [Migration] = match dialect {
        Dialect::Sqlite => &PARTED_ON_SQLITE,
        Dialect::MySql => &PARTED_ON_MYSQL,
        _ => &PARTED_ON_POSTGRES,
    };
    let migrator = Migrator::new(migrations);
    let mut db = Database::connect(&url).await.unwrap();
    migrator
        .upgrade(&mut db, &Target::Revision("4d4d".into()))
        .await
        .unwrap();
    assert_eq!(shape(&url).await, expect(&[("items", &["n", "x", "y"])]));
    if dialect == Dialect::Postgres {
        let mut conn = AnyConnection::connect(&url).await.unwrap();
        let valid: i64 = sqlx::query(
            "SELECT CAST(count(*) AS BIGINT) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
             WHERE c.relname = 'ix_items_n' AND i.indisvalid",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get(0);
        assert_eq!(valid, 1, "the index was built concurrently");
    }

    // The gated migration stops in its second part: its first is recorded.
    let err = migrator.upgrade(&mut db, &Target::Head).await.unwrap_err();
    assert!(err.to_string().contains("stopped in part 2 of 3"), "{err}");
    let rows = migrator.applied(&mut db).await.unwrap();
    assert_eq!(rows.last().unwrap().progress, Progress::Up(1), "{rows:?}");
    assert_eq!(migrator.current(&mut db).await.unwrap(), ["4d4d4d4d4d4d"]);
    assert!(!migrator.is_at_head(&mut db).await.unwrap());
    let err = migrator.downgrade(&mut db, &Target::Back(1)).await.unwrap_err();
    assert!(
        matches!(
            err,
            MigrateError::Partial {
                direction: "upgrade",
                ..
            }
        ),
        "{err}"
    );

    // With its cause fixed, the next upgrade resumes: adding `z` again would fail.
    let mut conn = AnyConnection::connect(&url).await.unwrap();
    sqlx::query("CREATE TABLE gate (v INTEGER)")
        .execute(&mut conn)
        .await
        .unwrap();
    let done = migrator.upgrade(&mut db, &Target::Head).await.unwrap();
    assert_eq!(done.len(), 1);
    assert!(migrator.is_at_head(&mut db).await.unwrap());
    let z: Vec<i64> = sqlx::query("SELECT z FROM items")
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(z, [7, 7]);

    // Offline SQL runs the step between two transactions.
    let script = migrator
        .upgrade_sql(
            dialect,
            &Target::Revision("1a1a".into()),
            &Target::Revision("4d4d".into()),
        )
        .unwrap();
    let outside = script
        .iter()
        .position(|s| s == "VACUUM" || s.starts_with("CREATE INDEX"))
        .unwrap();
    assert_eq!(script[outside - 1], "COMMIT", "{script:#?}");
    assert_eq!(script[outside + 1], dialect.begin(), "{script:#?}");
}

/// Two migration sets in one database, each with its own version table, chosen
/// with `--database`.
async fn several_databases_through_the_cli(url: String) {
    let cli = || {
        ferro::runtime::cli::Cli::new()
            .database("main", &HISTORY, "sqlite://unused.db")
            .database("data", &DATA[..2], "sqlite://unused.db")
    };
    let run = |args: &[&str]| {
        let mut argv = vec!["migrations", "--database-url", url.as_str()];
        argv.extend_from_slice(args);
        // The CLI starts its own runtime: run it off this one's threads.
        let cli = cli();
        let argv: Vec<String> = argv.iter().map(|s| (*s).to_owned()).collect();
        std::thread::spawn(move || cli.run_from(argv))
            .join()
            .expect("the CLI returns")
    };
    assert_eq!(run(&["upgrade", "head"]), std::process::ExitCode::SUCCESS);
    assert_eq!(
        run(&["--database", "data", "upgrade", "head"]),
        std::process::ExitCode::SUCCESS
    );
    assert_eq!(
        run(&["--database", "nope", "current"]),
        std::process::ExitCode::FAILURE
    );
    let mut db = Database::connect(&url).await.unwrap();
    assert_eq!(
        Migrator::new(&HISTORY).current(&mut db).await.unwrap(),
        ["c3c3c3c3c3c3"]
    );
    let data = Migrator::new(&DATA[..2]).version_table("ferro_version_data");
    assert_eq!(data.current(&mut db).await.unwrap(), ["2b2b2b2b2b2b"]);
    assert_eq!(
        Migrator::new(&HISTORY).applied(&mut db).await.unwrap().len(),
        3,
        "each set keeps its own table"
    );
    assert_eq!(items(&url).await, [6, 12]);
}

// Histories that disagree with what a database applied, or with themselves.
const AGE_TWICE: Migration = migration(
    "0002_age_again.rs",
    "age again",
    "b2b2b2b2b2b2",
    &["a1a1a1a1a1a1"],
    age_up,
    age_down,
);
static DUPLICATE: [Migration; 4] = [USERS, AGE, AGE_TWICE, POSTS];
const LOOP_A: Migration = migration(
    "0001_a.rs",
    "a",
    "a0a0a0a0a0a0",
    &["b0b0b0b0b0b0"],
    nothing,
    nothing,
);
const LOOP_B: Migration = migration(
    "0002_b.rs",
    "b",
    "b0b0b0b0b0b0",
    &["a0a0a0a0a0a0"],
    nothing,
    nothing,
);
static CYCLE: [Migration; 2] = [LOOP_A, LOOP_B];
const AGE_BRANCH: Migration = migration(
    "0002_nickname.rs",
    "nickname",
    "e5e5e5e5e5e5",
    &["a1a1a1a1a1a1"],
    nothing,
    nothing,
);
static TWO_HEADS: [Migration; 4] = [USERS, AGE, POSTS, AGE_BRANCH];

/// Everything a database holds that a refused command must leave alone: its
/// tables and columns and the version table's rows.
async fn everything(url: &str) -> (ferro_tests::shape::Shape, Vec<ferro::runtime::AppliedRevision>) {
    let mut db = Database::connect(url).await.unwrap();
    let rows = Migrator::new(&HISTORY).applied(&mut db).await.unwrap();
    (shape(url).await, rows)
}

/// Each way the migrations can disagree with the database or with
/// themselves is its own error with its own exit code, and the database is
/// left as it was.
async fn integrity_errors_have_exit_codes_of_their_own(url: String) {
    let run = |migrations: &'static [Migration], dir: Option<&std::path::Path>, args: &[&str]| {
        let mut cli = ferro::runtime::cli::Cli::new().database("main", migrations, "sqlite://unused.db");
        if let Some(dir) = dir {
            cli = cli.migrations_dir(&dir.display().to_string());
        }
        let mut argv = vec!["migrations".to_owned(), "--database-url".to_owned(), url.clone()];
        argv.extend(args.iter().map(|a| (*a).to_owned()));
        std::thread::spawn(move || cli.run_from(argv))
            .join()
            .expect("the CLI returns")
    };
    let code = std::process::ExitCode::from;
    let mut db = Database::connect(&url).await.unwrap();
    Migrator::new(&HISTORY)
        .upgrade(&mut db, &Target::Revision("b2b2".into()))
        .await
        .unwrap();
    let before = everything(&url).await;
    for (what, migrations, exit) in [
        ("an applied migration changed", &REWRITTEN[..], 4),
        ("an applied migration deleted", &HISTORY[..1], 5),
        ("two migrations with one id", &DUPLICATE[..], 6),
        ("a cycle in the parents", &CYCLE[..], 7),
        ("two heads", &TWO_HEADS[..], 8),
        ("an unacknowledged destructive step", &DESTRUCTIVE[..], 10),
    ] {
        assert_eq!(run(migrations, None, &["upgrade", "head"]), code(exit), "{what}");
        if ![8, 10].contains(&exit) {
            // `check` finds the same while the database is behind (at
            // `b2b2`, before `POSTS`), not only at head. (Two heads are
            // not an error to `check`: a database may be at both.)
            assert_eq!(run(migrations, None, &["check"]), code(exit), "check: {what}");
        }
        assert_eq!(everything(&url).await, before, "{what}: nothing changed");
    }

    // The snapshot edited by hand: `check` compares it with the schema the
    // newest migration records.
    let users = {
        let mut t = ferro::schema::Table::new("users");
        t.columns = vec![Column::new("id", SqlType::BigInt)].into();
        t.primary_key = Some(PrimaryKey::new("pk_users", ["id"]));
        ferro::schema::Schema::new([t]).unwrap()
    };
    let fingerprint: &'static str = Box::leak(ferro::snapshot::fingerprint(&users).into_boxed_str());
    let recorded: &'static [Migration] = Box::leak(Box::new([Migration {
        revision: Revision {
            schema: Some(fingerprint),
            ..USERS.revision
        },
        ..USERS
    }]));
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("snapshot.json");
    std::fs::write(&snapshot, ferro::snapshot::to_json(&users)).unwrap();
    // As written, the snapshot passes; the database then fails the check
    // for its own reason (it applied revisions these migrations lack).
    assert_eq!(
        run(recorded, Some(dir.path()), &["check"]),
        code(5),
        "the snapshot as written passes"
    );
    let edited = std::fs::read_to_string(&snapshot)
        .unwrap()
        .replace("\"id\"", "\"ident\"");
    std::fs::write(&snapshot, edited).unwrap();
    assert_eq!(
        run(recorded, Some(dir.path()), &["check"]),
        code(9),
        "the snapshot edited by hand"
    );
    assert_eq!(
        everything(&url).await,
        before,
        "the snapshot check changed nothing"
    );
}

// Steps for large tables: on PostgreSQL an index built concurrently, and a
// check added NOT VALID then validated in a transaction of its own (a foreign
// key goes the same way); elsewhere the same steps as usual.
fn online_up(op: &mut Ops) {
    op.create_index("posts", Index::new("ix_posts_title", ["title"]))
        .concurrently();
    op.add_check("users", Check::new("ck_users_age", "age < 50"))
        .validate_separately();
}
fn online_down(op: &mut Ops) {
    op.drop_check("users", "ck_users_age");
    op.drop_index("posts", "ix_posts_title").concurrently();
}
const ONLINE: Migration = migration(
    "0004_online.rs",
    "online",
    "0e0e0e0e0e0e",
    &["c3c3c3c3c3c3"],
    online_up,
    online_down,
);
static WITH_ONLINE: [Migration; 4] = [USERS, AGE, POSTS, ONLINE];

async fn online_steps_for_large_tables(url: String) {
    let dialect = Dialect::of_url(&url).unwrap();
    let migrator = Migrator::new(&WITH_ONLINE);
    let mut db = Database::connect(&url).await.unwrap();
    migrator
        .upgrade(&mut db, &Target::Revision("c3c3".into()))
        .await
        .unwrap();
    // A row the check refuses: its validation must fail.
    let mut conn = AnyConnection::connect(&url).await.unwrap();
    sqlx::raw_sql("INSERT INTO users (id, email, age) VALUES (1, 'a@x', 99)")
        .execute(&mut conn)
        .await
        .unwrap();
    db.record();
    let err = migrator.upgrade(&mut db, &Target::Head).await.unwrap_err();
    let log = db.take_log();
    assert!(err.to_string().contains("ck_users_age"), "{err}");
    if dialect == Dialect::Postgres {
        assert!(
            log.iter()
                .any(|s| s.starts_with("CREATE INDEX CONCURRENTLY \"ix_posts_title\"")),
            "{log:#?}"
        );
        assert!(log.iter().any(|s| s.ends_with("NOT VALID")), "{log:#?}");
        // The check is in place for new rows; the last part, the validation, is what failed.
        let message = err.to_string();
        assert!(message.contains("stopped in part 3 of 3"), "{message}");
        assert!(
            log.iter()
                .any(|s| s.contains("VALIDATE CONSTRAINT \"ck_users_age\"")),
            "{log:#?}"
        );
    }
    if dialect == Dialect::MySql {
        // InnoDB held to its online form for the index; a check has none.
        assert!(
            log.iter()
                .any(|s| s.starts_with("CREATE INDEX") && s.ends_with(" ALGORITHM=INPLACE LOCK=NONE")),
            "{log:#?}"
        );
        assert!(
            log.iter()
                .any(|s| s.contains("ck_users_age") && !s.contains("ALGORITHM")),
            "{log:#?}"
        );
    }
    sqlx::raw_sql("UPDATE users SET age = 1")
        .execute(&mut conn)
        .await
        .unwrap();
    migrator.upgrade(&mut db, &Target::Head).await.unwrap();
    assert!(migrator.is_at_head(&mut db).await.unwrap());
    if dialect == Dialect::Postgres {
        let validated: String = sqlx::query(
            "SELECT CAST(convalidated AS TEXT) FROM pg_constraint WHERE conname = 'ck_users_age'",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get(0);
        assert_eq!(validated, "true");
    }
    let err = sqlx::raw_sql("UPDATE users SET age = 99")
        .execute(&mut conn)
        .await;
    assert!(err.is_err(), "the check holds");
    migrator
        .downgrade(&mut db, &Target::Revision("c3c3".into()))
        .await
        .unwrap();
    assert_eq!(migrator.current(&mut db).await.unwrap(), ["c3c3c3c3c3c3"]);

    // The marks apply to index, key and check steps only.
    fn misplaced(op: &mut Ops) {
        op.add_column("users", Column::new("x", SqlType::Integer).nullable())
            .concurrently();
    }
    static MISPLACED: [Migration; 1] = [migration(
        "0001_x.rs",
        "x",
        "1f1f1f1f1f1f",
        &[],
        misplaced,
        nothing,
    )];
    let err = Migrator::new(&MISPLACED)
        .upgrade_sql(dialect, &Target::Base, &Target::Head)
        .unwrap_err();
    assert!(err.to_string().contains("`.concurrently()`"), "{err}");
}

/// `check --schema`: no drift after the migrations; a column added by hand,
/// a dropped index and a changed nullability are each named; exit code 3.
async fn drift_between_the_database_and_its_revision(url: String) {
    let migrator = Migrator::new(&HISTORY);
    let mut db = Database::connect(&url).await.unwrap();
    migrator.upgrade(&mut db, &Target::Head).await.unwrap();
    assert_eq!(
        migrator.drift(&mut db).await.unwrap().differences,
        Vec::<String>::new()
    );

    let mut conn = AnyConnection::connect(&url).await.unwrap();
    // MySQL will not drop the index its foreign key uses; a unique one then.
    let (drop, missing) = if url.starts_with("mysql") {
        ("DROP INDEX uq_users_email ON users", "add unique users(email)")
    } else {
        ("DROP INDEX ix_posts_author_id", "create index posts(author_id)")
    };
    for sql in ["ALTER TABLE users ADD COLUMN nickname TEXT", drop] {
        sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
    }
    let drift = migrator.drift(&mut db).await.unwrap();
    assert_eq!(drift.differences, [missing, "drop column users.nickname"]);
    let cli = ferro::runtime::cli::Cli::new().database("main", &HISTORY, "sqlite://unused.db");
    let argv: Vec<String> = ["migrations", "--database-url", url.as_str(), "check", "--schema"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let code = std::thread::spawn(move || cli.run_from(argv)).join().unwrap();
    assert_eq!(code, std::process::ExitCode::from(3));
}

fn plain_key_up(op: &mut Ops) {
    op.create_table("tickets", |t| {
        t.column("id", SqlType::BigInt);
        t.column("title", SqlType::Text);
        t.primary_key("pk_tickets", ["id"]);
    });
}
fn plain_key_down(op: &mut Ops) {
    op.drop_table("tickets").acknowledged(true);
}
fn numbered_up(op: &mut Ops) {
    let id = Column::new("id", SqlType::BigInt);
    op.alter_column(
        "tickets",
        id.clone(),
        Column {
            auto_increment: true,
            ..id
        },
    );
}
fn numbered_down(op: &mut Ops) {
    let id = Column::new("id", SqlType::BigInt);
    op.alter_column(
        "tickets",
        Column {
            auto_increment: true,
            ..id.clone()
        },
        id,
    );
}
static NUMBERED: [Migration; 2] = [
    migration(
        "0001_tickets.rs",
        "tickets",
        "d1d1d1d1d1d1",
        &[],
        plain_key_up,
        plain_key_down,
    ),
    migration(
        "0002_numbered.rs",
        "numbered",
        "d2d2d2d2d2d2",
        &["d1d1d1d1d1d1"],
        numbered_up,
        numbered_down,
    ),
];

/// The database at `url` at the first of `migrations`, with `rows` (an
/// `INSERT`) in it: the run's database, its migrator, and a connection of
/// the application's.
async fn seeded_at_first(
    url: &str,
    migrations: &'static [Migration],
    rows: &'static str,
) -> (Database, Migrator, AnyConnection) {
    let mut db = Database::connect(url).await.unwrap();
    let migrator = Migrator::new(migrations);
    migrator.upgrade(&mut db, &Target::Forward(1)).await.unwrap();
    let mut conn = AnyConnection::connect(url).await.unwrap();
    sqlx::query(rows).execute(&mut conn).await.unwrap();
    (db, migrator, conn)
}

/// A key that becomes auto-incremented over rows numbers the next row after
/// them (PostgreSQL's identity starts its sequence at 1 unless told).
async fn a_key_made_auto_increment_numbers_after_the_rows(url: String) {
    let (mut db, migrator, mut conn) = seeded_at_first(
        &url,
        &NUMBERED,
        "INSERT INTO tickets (id, title) VALUES (1, 'a'), (2, 'b'), (7, 'c')",
    )
    .await;
    migrator.upgrade(&mut db, &Target::Head).await.unwrap();
    sqlx::query("INSERT INTO tickets (title) VALUES ('d')")
        .execute(&mut conn)
        .await
        .expect("the new row gets a number no row holds");
    let text = if Dialect::of_url(&url).unwrap() == Dialect::MySql {
        "CHAR"
    } else {
        "TEXT"
    };
    let id: String = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT CAST(id AS {text}) FROM tickets WHERE title = 'd'"
    )))
    .fetch_one(&mut conn)
    .await
    .unwrap()
    .get(0);
    assert_eq!(id, "8");
}

fn served_up(op: &mut Ops) {
    op.create_table("owners", |t| {
        t.column("id", SqlType::BigInt);
        t.primary_key("pk_owners", ["id"]);
    });
    op.create_table("links", |t| {
        t.column("x", SqlType::BigInt);
        t.column("y", SqlType::BigInt);
        t.column("z", SqlType::BigInt);
        t.primary_key("pk_links", ["x", "y"]);
        t.unique("uq_links_y", ["y", "z"]);
        t.index(Index::new("ix_links_z", ["z", "x"]));
        for c in ["x", "y", "z"] {
            t.foreign_key(ForeignKey::new(
                format!("fk_links_{c}_owners"),
                [c],
                "owners",
                ["id"],
            ));
        }
    });
}
fn served_down(op: &mut Ops) {
    op.drop_table("links").acknowledged(true);
    op.drop_table("owners").acknowledged(true);
}
fn unserved_up(op: &mut Ops) {
    op.drop_primary_key("links", "pk_links");
    op.drop_unique("links", "uq_links_y");
    op.drop_index("links", "ix_links_z");
}
fn unserved_down(op: &mut Ops) {
    op.create_index("links", Index::new("ix_links_z", ["z", "x"]));
    op.add_unique("links", UniqueConstraint::new("uq_links_y", ["y", "z"]));
    op.add_primary_key("links", PrimaryKey::new("pk_links", ["x", "y"]));
}
static UNSERVED: [Migration; 2] = [
    migration(
        "0001_links.rs",
        "links",
        "e1e1e1e1e1e1",
        &[],
        served_up,
        served_down,
    ),
    migration(
        "0002_unserved.rs",
        "keys dropped",
        "e2e2e2e2e2e2",
        &["e1e1e1e1e1e1"],
        unserved_up,
        unserved_down,
    ),
];

/// The primary key, a unique key and an index that each serve a foreign key
/// as its only index can be dropped, and back (InnoDB refused: it needs an
/// index that begins with a foreign key's columns); the keys still hold, and
/// the schema read back is the one each revision should have.
async fn keys_that_serve_foreign_keys_can_be_dropped(url: String) {
    let mut db = Database::connect(&url).await.unwrap();
    let migrator = Migrator::new(&UNSERVED);
    migrator.upgrade(&mut db, &Target::Head).await.unwrap();
    assert_eq!(
        migrator.drift(&mut db).await.unwrap().differences,
        Vec::<String>::new()
    );
    let mut conn = AnyConnection::connect(&url).await.unwrap();
    if Dialect::of_url(&url).unwrap() == Dialect::Sqlite {
        sqlx::query("PRAGMA foreign_keys = ON")
            .execute(&mut conn)
            .await
            .unwrap();
    }
    sqlx::query("INSERT INTO owners (id) VALUES (1)")
        .execute(&mut conn)
        .await
        .unwrap();
    for c in ["x", "y", "z"] {
        let values = |v: &str| {
            ["x", "y", "z"]
                .iter()
                .map(|d| if *d == c { v } else { "1" })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let insert = format!("INSERT INTO links (x, y, z) VALUES ({})", values("2"));
        sqlx::query(sqlx::AssertSqlSafe(insert))
            .execute(&mut conn)
            .await
            .expect_err("the foreign key on the column still holds");
    }
    migrator.downgrade(&mut db, &Target::Back(1)).await.unwrap();
    assert_eq!(
        migrator.drift(&mut db).await.unwrap().differences,
        Vec::<String>::new()
    );
    migrator.upgrade(&mut db, &Target::Head).await.unwrap();
    assert_eq!(
        migrator.drift(&mut db).await.unwrap().differences,
        Vec::<String>::new()
    );
}

fn people_up(op: &mut Ops) {
    op.create_table("people", |t| {
        t.column("id", SqlType::BigInt);
        t.column("name", SqlType::Text).nullable();
        t.primary_key("pk_people", ["id"]);
    });
}
fn people_down(op: &mut Ops) {
    op.drop_table("people").acknowledged(true);
}
fn named_up(op: &mut Ops) {
    let name = Column::new("name", SqlType::Text);
    op.alter_column("people", name.clone().nullable(), name)
        .validate_separately();
}
fn named_down(op: &mut Ops) {
    let name = Column::new("name", SqlType::Text);
    op.alter_column("people", name.clone(), name.nullable());
}
fn unique_names_up(op: &mut Ops) {
    op.add_unique("people", UniqueConstraint::new("uq_people_name", ["name"]))
        .concurrently();
}
fn unique_names_down(op: &mut Ops) {
    op.drop_unique("people", "uq_people_name");
}
/// The people, before each scenario's change to them.
const PEOPLE: Migration = migration(
    "0001_people.rs",
    "people",
    "f1f1f1f1f1f1",
    &[],
    people_up,
    people_down,
);
/// On PostgreSQL: the log builds an index concurrently (a statement that
/// starts with `built`) before it attaches it as a key (one that holds
/// `attached`).
fn built_then_attached(log: &[String], built: &str, attached: &str) {
    let built = log
        .iter()
        .position(|s| s.starts_with(built))
        .expect("built concurrently");
    let attached = log.iter().position(|s| s.contains(attached)).expect("attached");
    assert!(built < attached, "{log:#?}");
}

static UNIQUE_NAMES: [Migration; 2] = [
    PEOPLE,
    migration(
        "0002_unique.rs",
        "unique names",
        "f3f3f3f3f3f3",
        &["f1f1f1f1f1f1"],
        unique_names_up,
        unique_names_down,
    ),
];

/// A unique key `.concurrently()`: on PostgreSQL its index built
/// concurrently outside the transaction, then attached as the key
/// (`USING INDEX`); elsewhere as usual. The schema is the key's, duplicates
/// are refused after, and the downgrade drops it.
async fn a_unique_key_built_concurrently(url: String) {
    let (mut db, migrator, mut conn) = seeded_at_first(
        &url,
        &UNIQUE_NAMES,
        "INSERT INTO people (id, name) VALUES (1, 'Ada'), (2, 'Grace'), (3, NULL)",
    )
    .await;
    db.record();
    migrator.upgrade(&mut db, &Target::Head).await.unwrap();
    let log = db.take_log();
    if Dialect::of_url(&url).unwrap() == Dialect::Postgres {
        built_then_attached(&log, "CREATE UNIQUE INDEX CONCURRENTLY", "UNIQUE USING INDEX");
    }
    if Dialect::of_url(&url).unwrap() == Dialect::MySql {
        // Over a LONGTEXT column MariaDB builds the key through a hidden
        // hash column, by copying the table: no online form to ask for.
        assert!(
            log.iter()
                .any(|s| s.contains("UNIQUE") && !s.contains("ALGORITHM")),
            "{log:#?}"
        );
    }
    assert_eq!(
        migrator.drift(&mut db).await.unwrap().differences,
        Vec::<String>::new()
    );
    sqlx::query("INSERT INTO people (id, name) VALUES (4, 'Ada')")
        .execute(&mut conn)
        .await
        .expect_err("the key holds");
    migrator.downgrade(&mut db, &Target::Back(1)).await.unwrap();
    assert_eq!(
        migrator.drift(&mut db).await.unwrap().differences,
        Vec::<String>::new()
    );
}

fn keyed_anew_up(op: &mut Ops) {
    op.drop_primary_key("people", "pk_people");
    op.add_primary_key("people", PrimaryKey::new("pk_people_by_id", ["id"]))
        .concurrently();
}
fn keyed_anew_down(op: &mut Ops) {
    op.drop_primary_key("people", "pk_people_by_id");
    op.add_primary_key("people", PrimaryKey::new("pk_people", ["id"]))
        .concurrently();
}
static KEYED_ANEW: [Migration; 2] = [
    PEOPLE,
    migration(
        "0002_keyed.rs",
        "keyed anew",
        "f5f5f5f5f5f5",
        &["f1f1f1f1f1f1"],
        keyed_anew_up,
        keyed_anew_down,
    ),
];

/// A primary key `.concurrently()`, in both directions: on PostgreSQL its
/// index built concurrently outside the transaction, then attached as the
/// key (`PRIMARY KEY USING INDEX`); elsewhere as usual. The schema is the
/// key's, a duplicate is refused after, and the downgrade puts the old key
/// back the same way.
async fn a_primary_key_built_concurrently(url: String) {
    let (mut db, migrator, mut conn) = seeded_at_first(
        &url,
        &KEYED_ANEW,
        "INSERT INTO people (id, name) VALUES (1, 'Ada'), (2, 'Grace')",
    )
    .await;
    let postgres = Dialect::of_url(&url).unwrap() == Dialect::Postgres;
    db.record();
    migrator.upgrade(&mut db, &Target::Head).await.unwrap();
    let log = db.take_log();
    if postgres {
        built_then_attached(
            &log,
            "CREATE UNIQUE INDEX CONCURRENTLY \"pk_people_by_id\"",
            "PRIMARY KEY USING INDEX \"pk_people_by_id\"",
        );
    }
    if Dialect::of_url(&url).unwrap() == Dialect::MySql {
        assert!(
            log.iter()
                .any(|s| s.contains("ADD PRIMARY KEY") && s.ends_with(", ALGORITHM=INPLACE, LOCK=NONE")),
            "InnoDB is held to its online form: {log:#?}"
        );
    }
    assert_eq!(
        migrator.drift(&mut db).await.unwrap().differences,
        Vec::<String>::new()
    );
    sqlx::query("INSERT INTO people (id, name) VALUES (2, 'Ada')")
        .execute(&mut conn)
        .await
        .expect_err("the key holds");
    db.record();
    migrator.downgrade(&mut db, &Target::Back(1)).await.unwrap();
    let log = db.take_log();
    if postgres {
        assert!(
            log.iter()
                .any(|s| s.contains("PRIMARY KEY USING INDEX \"pk_people\"")),
            "{log:#?}"
        );
    }
    assert_eq!(
        migrator.drift(&mut db).await.unwrap().differences,
        Vec::<String>::new()
    );
}

fn filled_up(op: &mut Ops) {
    op.fill_nulls("people", "name", Some("'someone'")).in_batches();
    let name = Column::new("name", SqlType::Text);
    op.alter_column("people", name.clone().nullable(), name);
}
static FILLED: [Migration; 2] = [
    PEOPLE,
    migration(
        "0002_filled.rs",
        "filled",
        "f4f4f4f4f4f4",
        &["f1f1f1f1f1f1"],
        filled_up,
        named_down,
    ),
];

/// 25,000 people, every tenth named.
const CROWD: &str = "INSERT INTO people (id, name) \
    SELECT n, CASE WHEN n % 10 = 0 THEN 'named' ELSE NULL END FROM (\
      SELECT d1.i + 10 * d2.i + 100 * d3.i + 1000 * d4.i + 10000 * d5.i AS n \
      FROM (SELECT 0 AS i UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 \
            UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) d1 \
      CROSS JOIN (SELECT 0 AS i UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 \
            UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) d2 \
      CROSS JOIN (SELECT 0 AS i UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 \
            UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) d3 \
      CROSS JOIN (SELECT 0 AS i UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 \
            UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) d4 \
      CROSS JOIN (SELECT 0 AS i UNION ALL SELECT 1 UNION ALL SELECT 2) d5) AS numbers \
    WHERE n < 25000";

/// A fill `.in_batches()`: on PostgreSQL and MySQL it runs outside the
/// migration's transaction, 10,000 rows at a time, until no row holds NULL
/// (here three batches and a last that finds none); on SQLite as usual.
/// Every row is filled, the named ones keep their name, NOT NULL holds, and
/// an offline script shows the fill as one UPDATE.
async fn a_fill_in_batches(url: String) {
    let (mut db, migrator, mut conn) = seeded_at_first(&url, &FILLED, CROWD).await;
    let dialect = Dialect::of_url(&url).unwrap();
    // SQLite's NOT NULL is a rebuild, which a script cannot hold.
    if dialect != Dialect::Sqlite {
        let script = migrator
            .upgrade_sql(dialect, &Target::Revision("f1f1".into()), &Target::Head)
            .unwrap();
        let whole = script
            .iter()
            .filter(|s| s.starts_with("UPDATE") && s.contains("IS NULL"))
            .count();
        assert_eq!(whole, 1, "{script:#?}");
        assert!(!script.iter().any(|s| s.contains("LIMIT")), "{script:#?}");
    }
    db.record();
    migrator.upgrade(&mut db, &Target::Head).await.unwrap();
    let batches = db.take_log().iter().filter(|s| s.contains("LIMIT 10000")).count();
    assert_eq!(batches, if dialect == Dialect::Sqlite { 0 } else { 4 });
    let counts: (i64, i64) = sqlx::query_as(
        "SELECT COUNT(CASE WHEN name = 'someone' THEN 1 END), \
                COUNT(CASE WHEN name = 'named' THEN 1 END) FROM people",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(counts, (22_500, 2_500));
    sqlx::query("INSERT INTO people (id, name) VALUES (-1, NULL)")
        .execute(&mut conn)
        .await
        .expect_err("NOT NULL holds");
}

static NAMED: [Migration; 2] = [
    PEOPLE,
    migration(
        "0002_named.rs",
        "named",
        "f2f2f2f2f2f2",
        &["f1f1f1f1f1f1"],
        named_up,
        named_down,
    ),
];

/// A column made NOT NULL `.validate_separately()`: on PostgreSQL through a
/// check added NOT VALID and validated in a transaction of its own, then
/// SET NOT NULL and the check dropped; elsewhere as usual. A row holding
/// NULL stops it (on PostgreSQL in the validation, the migration's last
/// part), and once the row is fixed the next upgrade finishes it; no check
/// is left behind, and NULL is refused after.
async fn not_null_through_a_check_validated_apart(url: String) {
    let (mut db, migrator, mut conn) = seeded_at_first(
        &url,
        &NAMED,
        "INSERT INTO people (id, name) VALUES (1, 'Ada'), (2, NULL)",
    )
    .await;
    let err = migrator.upgrade(&mut db, &Target::Head).await.unwrap_err();
    let text = err.to_string();
    if Dialect::of_url(&url).unwrap() == Dialect::Postgres {
        assert!(text.contains("part 2 of 2"), "the validation stopped it: {text}");
        assert!(text.contains("ck_people_name_not_null"), "{text}");
    }
    sqlx::query("UPDATE people SET name = 'Grace' WHERE id = 2")
        .execute(&mut conn)
        .await
        .unwrap();
    migrator.upgrade(&mut db, &Target::Head).await.unwrap();
    assert_eq!(migrator.current(&mut db).await.unwrap(), ["f2f2f2f2f2f2"]);
    assert_eq!(
        migrator.drift(&mut db).await.unwrap().differences,
        Vec::<String>::new()
    );
    sqlx::query("INSERT INTO people (id, name) VALUES (3, NULL)")
        .execute(&mut conn)
        .await
        .expect_err("NOT NULL holds");
    migrator.downgrade(&mut db, &Target::Back(1)).await.unwrap();
    assert_eq!(
        migrator.drift(&mut db).await.unwrap().differences,
        Vec::<String>::new()
    );
}

ferro_tests::on_every_backend!(
    "runtime":
    a_fill_in_batches,
    a_unique_key_built_concurrently,
    a_primary_key_built_concurrently,
    not_null_through_a_check_validated_apart,
    a_key_made_auto_increment_numbers_after_the_rows,
    keys_that_serve_foreign_keys_can_be_dropped,
    lifecycle,
    branches,
    offline_sql_is_what_runs,
    a_failed_migration_changes_nothing,
    a_rewritten_draft_is_caught_and_can_be_reverted,
    destructive_steps_wait_for_acknowledgement,
    concurrent_runners_apply_each_migration_once,
    data_steps_in_sql_and_rust,
    steps_outside_the_transaction,
    several_databases_through_the_cli,
    a_version_table_name_postgres_would_cut_is_refused,
    drift_between_the_database_and_its_revision,
    online_steps_for_large_tables,
    integrity_errors_have_exit_codes_of_their_own,
);

/// A safe plan's expand and contract migrations, run as a rolling deploy
/// runs them: after the expand migration the old code (which writes the
/// column and the table the models dropped) and the new code (which writes
/// neither) both insert, and the old code reads a value where the new code
/// wrote none; the contract migration then drops them, and both come down
/// again to the first version, its rows kept.
fn expand_now_contract_later(dialect: Dialect) {
    use ferro::schema::{Column, ForeignKey, PrimaryKey, Schema, SqlType, Table};
    use ferro_tests::chain;
    let Some((url, _dir)) = ferro_tests::fresh_database(dialect, "runtime") else {
        return;
    };
    let id = || Column::new("id", SqlType::BigInt);
    let users = |columns: Vec<Column>| Table {
        columns: columns.into(),
        primary_key: Some(PrimaryKey::new("pk_users", ["id"])),
        ..Table::new("users")
    };
    let first = Schema::new([
        users(vec![
            id(),
            Column::new("email", SqlType::Varchar(254)),
            Column::new("visits", SqlType::Integer),
            Column::new("nickname", SqlType::Text).nullable(),
        ]),
        Table {
            columns: vec![id(), Column::new("user_id", SqlType::BigInt)].into(),
            primary_key: Some(PrimaryKey::new("pk_sessions", ["id"])),
            foreign_keys: vec![ForeignKey::new("fk_sessions_user", ["user_id"], "users", ["id"])].into(),
            ..Table::new("sessions")
        },
    ])
    .unwrap();
    let models = Schema::new([users(vec![id()])]).unwrap();
    let expanded = ferro::diff::expand(&first, &models);
    assert_eq!(expanded.held.len(), 4, "{:?}", expanded.held);
    chain::set(chain::plans(&[first, expanded.schema, models]));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut db = Database::connect(&url).await.unwrap();
        let migrator = Migrator::new(&chain::MIGRATIONS[..3]);
        let mut conn = AnyConnection::connect(&url).await.unwrap();
        let run = |sql: &'static str| sqlx::query(sql);
        migrator.upgrade(&mut db, &Target::Forward(1)).await.unwrap();
        run("INSERT INTO users (id, email, visits) VALUES (1, 'ada@example.com', 3)")
            .execute(&mut conn)
            .await
            .unwrap();
        migrator.upgrade(&mut db, &Target::Forward(1)).await.unwrap();
        // The old code, still running, writes what it knows.
        run("INSERT INTO users (id, email, visits, nickname) VALUES (2, 'grace@example.com', 1, 'g')")
            .execute(&mut conn)
            .await
            .expect("the old code inserts after the expand migration");
        run("INSERT INTO sessions (id, user_id) VALUES (1, 2)")
            .execute(&mut conn)
            .await
            .expect("the old code uses the kept table");
        // The new code writes only what the models have.
        run("INSERT INTO users (id) VALUES (3)")
            .execute(&mut conn)
            .await
            .expect("the new code inserts without the dropped columns");
        let row = run("SELECT email, visits FROM users WHERE id = 3")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        let email: Option<String> = row.try_get(0).unwrap();
        let visits: Option<i64> = row
            .try_get::<Option<i32>, _>(1)
            .map(|v| v.map(i64::from))
            .or_else(|_| row.try_get(1))
            .unwrap();
        assert_eq!(
            (email.as_deref(), visits),
            (Some(""), Some(0)),
            "the old code reads a value, not a NULL it cannot decode"
        );
        migrator.upgrade(&mut db, &Target::Head).await.unwrap();
        run("SELECT email FROM users")
            .execute(&mut conn)
            .await
            .expect_err("the contract migration dropped the column");
        run("SELECT id FROM sessions")
            .execute(&mut conn)
            .await
            .expect_err("the contract migration dropped the table");
        migrator
            .downgrade(&mut db, &Target::Base)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(migrator.current(&mut db).await.unwrap().is_empty());
    });
}

#[test]
fn sqlite_expand_now_contract_later() {
    expand_now_contract_later(Dialect::Sqlite);
}

#[test]
fn postgres_expand_now_contract_later() {
    expand_now_contract_later(Dialect::Postgres);
}

#[test]
fn mariadb_expand_now_contract_later() {
    expand_now_contract_later(Dialect::MySql);
}

/// A rename a safe plan splits, run as a rolling deploy runs it: after the
/// expand migration the old code (which reads and writes `name`) and the
/// new code (`full_name`) each see what the other wrote, on PostgreSQL and
/// MariaDB, through the trigger; the existing rows were copied; the
/// contract migration drops the old column and the trigger; both come down
/// again with every value. On SQLite, which one version of an application
/// writes at a time, the split runs without the trigger.
fn a_rename_split_across_two_deploys(dialect: Dialect) {
    use ferro::schema::{Column, PrimaryKey, Schema, SqlType, Table};
    use ferro_tests::chain;
    let Some((url, _dir)) = ferro_tests::fresh_database(dialect, "runtime") else {
        return;
    };
    let customers = |name: Column| {
        Schema::new([Table {
            columns: vec![Column::new("id", SqlType::BigInt), name].into(),
            primary_key: Some(PrimaryKey::new("pk_customers", ["id"])),
            ..Table::new("customers")
        }])
        .unwrap()
    };
    let first = customers(Column::new("name", SqlType::Varchar(100)));
    let mut full_name = Column::new("full_name", SqlType::Varchar(100));
    full_name.renamed_from = Some("name".into());
    let models = customers(full_name);
    let expanded = ferro::diff::expand(&first, &models);
    assert_eq!(
        expanded.held_back(),
        ["drop column customers.name, renamed to full_name"]
    );
    chain::set(chain::plans_for(
        &[first, expanded.schema, models.clone()],
        &models,
    ));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut db = Database::connect(&url).await.unwrap();
        let migrator = Migrator::new(&chain::MIGRATIONS[..3]);
        let mut conn = AnyConnection::connect(&url).await.unwrap();
        let triggers = dialect != Dialect::Sqlite;
        migrator.upgrade(&mut db, &Target::Forward(1)).await.unwrap();
        sqlx::query("INSERT INTO customers (id, name) VALUES (1, 'Ada')")
            .execute(&mut conn)
            .await
            .unwrap();
        migrator.upgrade(&mut db, &Target::Forward(1)).await.unwrap();
        async fn both(conn: &mut AnyConnection, id: i64) -> (Option<String>, Option<String>) {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT name, full_name FROM customers WHERE id = {id}"
            )))
            .fetch_one(conn)
            .await
            .unwrap();
            (row.try_get(0).unwrap(), row.try_get(1).unwrap())
        }
        let same = |v: &str| (Some(v.to_owned()), Some(v.to_owned()));
        assert_eq!(both(&mut conn, 1).await, same("Ada"), "the rows are copied");
        if triggers {
            for (sql, id, value) in [
                ("INSERT INTO customers (id, name) VALUES (2, 'Grace')", 2, "Grace"),
                (
                    "INSERT INTO customers (id, full_name) VALUES (3, 'Linus')",
                    3,
                    "Linus",
                ),
                ("UPDATE customers SET name = 'Ada L.' WHERE id = 1", 1, "Ada L."),
                (
                    "UPDATE customers SET full_name = 'G. H.' WHERE id = 2",
                    2,
                    "G. H.",
                ),
            ] {
                sqlx::query(sql)
                    .execute(&mut conn)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                assert_eq!(both(&mut conn, id).await, same(value), "after {sql}");
            }
        }
        migrator.upgrade(&mut db, &Target::Head).await.unwrap();
        sqlx::query("SELECT name FROM customers")
            .execute(&mut conn)
            .await
            .expect_err("the contract migration dropped the old column");
        sqlx::query("INSERT INTO customers (id, full_name) VALUES (4, 'Barbara')")
            .execute(&mut conn)
            .await
            .expect("the trigger is gone with it");
        migrator.downgrade(&mut db, &Target::Back(1)).await.unwrap();
        assert_eq!(
            both(&mut conn, 4).await,
            same("Barbara"),
            "the old column comes back filled"
        );
        migrator.downgrade(&mut db, &Target::Back(1)).await.unwrap();
        let names: Vec<String> = sqlx::query("SELECT name FROM customers ORDER BY id")
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get(0).unwrap())
            .collect();
        let expected: &[&str] = if triggers {
            &["Ada L.", "G. H.", "Linus", "Barbara"]
        } else {
            &["Ada", "Barbara"]
        };
        assert_eq!(names, expected);
        sqlx::query("INSERT INTO customers (id, name) VALUES (9, 'Edsger')")
            .execute(&mut conn)
            .await
            .expect("the first version's table, without a trigger");
        migrator.downgrade(&mut db, &Target::Base).await.unwrap();
    });
}

#[test]
fn sqlite_a_rename_split_across_two_deploys() {
    a_rename_split_across_two_deploys(Dialect::Sqlite);
}

#[test]
fn postgres_a_rename_split_across_two_deploys() {
    a_rename_split_across_two_deploys(Dialect::Postgres);
}

#[test]
fn mariadb_a_rename_split_across_two_deploys() {
    a_rename_split_across_two_deploys(Dialect::MySql);
}

/// A type changed without downtime, as `docs/safety.md` says to: a new
/// field of the new type renamed from the old one, which a safe plan
/// splits like any rename. Between the deploys the old code writes
/// `visits` (INTEGER) and the new code `visit_count` (BIGINT), and each
/// reads what the other wrote; the contract drops the old column.
fn a_type_changed_through_a_split_rename(dialect: Dialect) {
    use ferro::schema::{Column, PrimaryKey, Schema, SqlType, Table};
    use ferro_tests::chain;
    let Some((url, _dir)) = ferro_tests::fresh_database(dialect, "runtime") else {
        return;
    };
    let pages = |visits: Column| {
        Schema::new([Table {
            columns: vec![Column::new("id", SqlType::BigInt), visits].into(),
            primary_key: Some(PrimaryKey::new("pk_pages", ["id"])),
            ..Table::new("pages")
        }])
        .unwrap()
    };
    let first = pages(Column::new("visits", SqlType::Integer));
    let mut count = Column::new("visit_count", SqlType::BigInt);
    count.renamed_from = Some("visits".into());
    let models = pages(count);
    let expanded = ferro::diff::expand(&first, &models);
    assert_eq!(
        expanded.held_back(),
        ["drop column pages.visits, renamed to visit_count"]
    );
    chain::set(chain::plans_for(
        &[first, expanded.schema, models.clone()],
        &models,
    ));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut db = Database::connect(&url).await.unwrap();
        let migrator = Migrator::new(&chain::MIGRATIONS[..3]);
        let mut conn = AnyConnection::connect(&url).await.unwrap();
        async fn both(conn: &mut AnyConnection, id: i64) -> (i64, i64) {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT visits, visit_count FROM pages WHERE id = {id}"
            )))
            .fetch_one(conn)
            .await
            .unwrap();
            let old = row
                .try_get::<i32, _>(0)
                .map(i64::from)
                .or_else(|_| row.try_get(0))
                .unwrap();
            (old, row.try_get(1).unwrap())
        }
        migrator.upgrade(&mut db, &Target::Forward(1)).await.unwrap();
        sqlx::query("INSERT INTO pages (id, visits) VALUES (1, 3)")
            .execute(&mut conn)
            .await
            .unwrap();
        migrator.upgrade(&mut db, &Target::Forward(1)).await.unwrap();
        assert_eq!(both(&mut conn, 1).await, (3, 3), "the rows are copied");
        if dialect != Dialect::Sqlite {
            sqlx::query("INSERT INTO pages (id, visits) VALUES (2, 5)")
                .execute(&mut conn)
                .await
                .unwrap();
            assert_eq!(both(&mut conn, 2).await, (5, 5), "the old code's insert");
            sqlx::query("INSERT INTO pages (id, visit_count) VALUES (3, 7)")
                .execute(&mut conn)
                .await
                .unwrap();
            assert_eq!(both(&mut conn, 3).await, (7, 7), "the new code's insert");
        }
        migrator.upgrade(&mut db, &Target::Head).await.unwrap();
        sqlx::query("INSERT INTO pages (id, visit_count) VALUES (4, 3000000000)")
            .execute(&mut conn)
            .await
            .expect("the new type holds what the old one could not");
        sqlx::query("DELETE FROM pages WHERE id = 4")
            .execute(&mut conn)
            .await
            .unwrap();
        migrator
            .downgrade(&mut db, &Target::Base)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    });
}

#[test]
fn sqlite_a_type_changed_through_a_split_rename() {
    a_type_changed_through_a_split_rename(Dialect::Sqlite);
}

#[test]
fn postgres_a_type_changed_through_a_split_rename() {
    a_type_changed_through_a_split_rename(Dialect::Postgres);
}

#[test]
fn mariadb_a_type_changed_through_a_split_rename() {
    a_type_changed_through_a_split_rename(Dialect::MySql);
}

/// A table rename a safe plan splits, run as a rolling deploy runs it:
/// after the expand migration the old code reads, inserts (its key and
/// defaults coming from the table), updates and deletes through the view
/// under the old name, and sees what the new code wrote under the new one,
/// on PostgreSQL and MariaDB; a later migration changes a column's type
/// under the view (which PostgreSQL refuses unless the view is made
/// again); the contract migration drops the view; all come down again. On
/// SQLite, whose views cannot be written through, the table is renamed
/// alone.
fn a_table_rename_split_across_two_deploys(dialect: Dialect, to: &'static str) {
    use ferro::schema::{Column, ForeignKey, PrimaryKey, Schema, SqlType, Table};
    use ferro_tests::chain;
    let Some((url, _dir)) = ferro_tests::fresh_database(dialect, "runtime") else {
        return;
    };
    let version = |table: &'static str, name: SqlType| {
        let mut id = Column::new("id", SqlType::BigInt);
        id.auto_increment = true;
        let mut people = Table {
            columns: vec![
                id,
                Column::new("name", name),
                Column::new("visits", SqlType::Integer).default("0"),
            ]
            .into(),
            primary_key: Some(PrimaryKey::new("pk_clients", ["id"])),
            ..Table::new(table)
        };
        if table != "clients" {
            people.renamed_from = Some("clients".into());
        }
        let orders = Table {
            columns: vec![
                Column::new("id", SqlType::BigInt),
                Column::new("client_id", SqlType::BigInt),
            ]
            .into(),
            primary_key: Some(PrimaryKey::new("pk_orders", ["id"])),
            foreign_keys: vec![ForeignKey::new("fk_orders_client", ["client_id"], table, ["id"])].into(),
            ..Table::new("orders")
        };
        Schema::new([people, orders]).unwrap()
    };
    let first = version("clients", SqlType::Varchar(100));
    let models = version(to, SqlType::Varchar(100));
    let expanded = ferro::diff::expand(&first, &models);
    assert_eq!(
        expanded.held_back(),
        [format!("drop view clients, the old name of table {to}")]
    );
    let wider = version(to, SqlType::Varchar(200));
    let still = ferro::diff::expand(&expanded.schema, &wider);
    assert_eq!(
        still.held_back(),
        expanded.held_back(),
        "the next build keeps the view"
    );
    chain::set(chain::plans(&[first, expanded.schema, still.schema, wider]));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut db = Database::connect(&url).await.unwrap();
        let migrator = Migrator::new(&chain::MIGRATIONS[..4]);
        let mut conn = AnyConnection::connect(&url).await.unwrap();
        let views = dialect != Dialect::Sqlite;
        async fn run(conn: &mut AnyConnection, sql: &str) -> Result<(), sqlx::Error> {
            sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(conn)
                .await
                .map(drop)
        }
        async fn rows(conn: &mut AnyConnection, table: &str) -> Vec<(String, i64)> {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT name, visits FROM {table} ORDER BY id"
            )))
            .fetch_all(conn)
            .await
            .unwrap_or_else(|e| panic!("{table}: {e}"))
            .iter()
            .map(|r| {
                let visits = r
                    .try_get::<i32, _>(1)
                    .map(i64::from)
                    .or_else(|_| r.try_get(1))
                    .unwrap();
                (r.try_get(0).unwrap(), visits)
            })
            .collect()
        }
        migrator.upgrade(&mut db, &Target::Forward(1)).await.unwrap();
        run(&mut conn, "INSERT INTO clients (name, visits) VALUES ('Ada', 3)")
            .await
            .unwrap();
        migrator.upgrade(&mut db, &Target::Forward(1)).await.unwrap();
        // The new code.
        run(&mut conn, &format!("INSERT INTO {to} (name) VALUES ('Linus')"))
            .await
            .unwrap();
        if views {
            // The old code, still running, through the view.
            for sql in [
                "INSERT INTO clients (name) VALUES ('Grace')",
                "UPDATE clients SET visits = visits + 1 WHERE name = 'Ada'",
                "INSERT INTO clients (name) VALUES ('Edsger')",
                "DELETE FROM clients WHERE name = 'Edsger'",
            ] {
                run(&mut conn, sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            let expected = [
                ("Ada".to_owned(), 4),
                ("Linus".to_owned(), 0),
                ("Grace".to_owned(), 0),
            ];
            assert_eq!(rows(&mut conn, "clients").await, expected, "the old code's view");
            assert_eq!(rows(&mut conn, to).await, expected, "the new code's table");
        } else {
            run(&mut conn, "SELECT name FROM clients")
                .await
                .expect_err("SQLite renames the table alone");
        }
        run(&mut conn, "INSERT INTO orders (id, client_id) VALUES (1, 1)")
            .await
            .expect("the foreign key follows the rename");
        // A change the view would stop: it is made again around it.
        migrator
            .upgrade(&mut db, &Target::Forward(1))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        if views {
            let long = "x".repeat(150);
            run(
                &mut conn,
                &format!("INSERT INTO clients (name) VALUES ('{long}')"),
            )
            .await
            .expect("the view shows the wider column");
            run(&mut conn, &format!("DELETE FROM clients WHERE name = '{long}'"))
                .await
                .expect("the view made again is written through");
        }
        migrator.upgrade(&mut db, &Target::Head).await.unwrap();
        run(&mut conn, "SELECT name FROM clients")
            .await
            .expect_err("the contract migration dropped the view");
        migrator
            .downgrade(&mut db, &Target::Back(2))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        if views {
            run(&mut conn, "SELECT name FROM clients")
                .await
                .expect("the view is back with the expand migration");
        }
        migrator
            .downgrade(&mut db, &Target::Back(1))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<String> = rows(&mut conn, "clients")
            .await
            .into_iter()
            .map(|r| r.0)
            .collect();
        assert_eq!(
            names[..2],
            ["Ada", "Linus"],
            "the first version's table, every row in it"
        );
        run(&mut conn, &format!("SELECT id FROM {to}"))
            .await
            .expect_err("no table and no view under the new name");
        migrator.downgrade(&mut db, &Target::Base).await.unwrap();
    });
}

#[test]
fn sqlite_a_table_rename_split_across_two_deploys() {
    a_table_rename_split_across_two_deploys(Dialect::Sqlite, "customers");
}

#[test]
fn postgres_a_table_rename_split_across_two_deploys() {
    a_table_rename_split_across_two_deploys(Dialect::Postgres, "customers");
}

/// A table moved to another PostgreSQL schema is renamed as any other: the
/// old name stays a view both versions write through, until the contract.
#[test]
fn postgres_a_table_move_to_another_schema_split_across_two_deploys() {
    a_table_rename_split_across_two_deploys(Dialect::Postgres, "billing.clients");
}

#[test]
fn mariadb_a_table_rename_split_across_two_deploys() {
    a_table_rename_split_across_two_deploys(Dialect::MySql, "customers");
}

/// A text column made shorter than a value it holds: PostgreSQL and MySQL
/// refuse the change, and on every backend the value is still whole
/// afterwards (PostgreSQL's explicit cast to `VARCHAR(n)` would have cut it
/// short without a word).
fn a_shorter_column_keeps_every_character(dialect: Dialect) {
    use ferro::schema::{Column, PrimaryKey, Schema, SqlType, Table};
    use ferro_tests::chain;
    let Some((url, _dir)) = ferro_tests::fresh_database(dialect, "runtime") else {
        return;
    };
    let notes = |n: u32| {
        Schema::new([Table {
            columns: vec![
                Column::new("id", SqlType::BigInt),
                Column::new("body", SqlType::Varchar(n)),
            ]
            .into(),
            primary_key: Some(PrimaryKey::new("pk_notes", ["id"])),
            ..Table::new("notes")
        }])
        .unwrap()
    };
    chain::set(chain::plans(&[notes(200), notes(100)]));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut db = Database::connect(&url).await.unwrap();
        let migrator = Migrator::new(&chain::MIGRATIONS[..2]);
        let mut conn = AnyConnection::connect(&url).await.unwrap();
        migrator.upgrade(&mut db, &Target::Forward(1)).await.unwrap();
        let long = "y".repeat(150);
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO notes (id, body) VALUES (1, '{long}')"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
        let shortened = migrator.upgrade(&mut db, &Target::Head).await;
        if dialect != Dialect::Sqlite {
            let e = shortened.expect_err("the value does not fit");
            assert!(
                e.to_string().to_lowercase().contains("too long") || e.to_string().contains("truncated"),
                "{e}"
            );
        }
        let body: String = sqlx::query("SELECT body FROM notes")
            .fetch_one(&mut conn)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        assert_eq!(body, long, "no character lost");
    });
}

#[test]
fn sqlite_a_shorter_column_keeps_every_character() {
    a_shorter_column_keeps_every_character(Dialect::Sqlite);
}

#[test]
fn postgres_a_shorter_column_keeps_every_character() {
    a_shorter_column_keeps_every_character(Dialect::Postgres);
}

#[test]
fn mariadb_a_shorter_column_keeps_every_character() {
    a_shorter_column_keeps_every_character(Dialect::MySql);
}
