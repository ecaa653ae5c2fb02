//! Fills on real databases: a column made NOT NULL over rows that hold NULL
//! gets its NULLs filled first, from the model's default; a fill whose value
//! the file does not say yet refuses to run, online and offline, before
//! anything runs; the downgrade drops the constraint and keeps the values;
//! and a downgrade kept in the version table takes the value written into
//! the file since.

use std::cell::Cell;

use ferro::migration::Migration;
use ferro::migration::prelude::*;
use ferro::runtime::{Database, Dialect, MigrateError, Migrator, Target};
use ferro_tests::{block_on, fresh_database, migration};
use sqlx::{AnyConnection, Connection as _, Row as _};

fn users(nick_nullable: bool, nick_default: bool, score_nullable: bool) -> [Column; 2] {
    let mut nick = Column::new("nick", SqlType::Varchar(40));
    nick.nullable = nick_nullable;
    if nick_default {
        nick = nick.default("'anonymous'");
    }
    let mut score = Column::new("score", SqlType::Integer);
    score.nullable = score_nullable;
    [nick, score]
}

fn create(op: &mut Ops) {
    op.create_table("users", |t| {
        t.column("id", SqlType::BigInt).auto_increment();
        let [nick, score] = users(true, false, true);
        t.add(nick).add(score);
        t.primary_key("pk_users", ["id"]);
    });
}

fn drop(op: &mut Ops) {
    op.drop_table("users").acknowledged(true);
}

/// `nick` becomes NOT NULL with a default: filled from it.
fn nick_required(op: &mut Ops) {
    let [before, _] = users(true, false, true);
    let [after, _] = users(false, true, true);
    op.fill_nulls("users", "nick", Some("'anonymous'"));
    op.alter_column("users", before, after);
}

fn nick_optional(op: &mut Ops) {
    let [before, _] = users(false, true, true);
    let [after, _] = users(true, false, true);
    op.alter_column("users", before, after);
}

/// `score` becomes NOT NULL without a default, and nobody wrote the fill.
fn score_required(op: &mut Ops) {
    let [_, before] = users(false, true, true);
    let [_, after] = users(false, true, false);
    op.fill_nulls("users", "score", None);
    op.alter_column("users", before, after);
}

fn score_optional(op: &mut Ops) {
    let [_, before] = users(false, true, false);
    let [_, after] = users(false, true, true);
    op.alter_column("users", before, after);
}

static FILLS: [Migration; 3] = [
    migration("0001_create.rs", "1", "f00000000001", &[], create, drop),
    migration(
        "0002_nick.rs",
        "2",
        "f00000000002",
        &["f00000000001"],
        nick_required,
        nick_optional,
    ),
    migration(
        "0003_score.rs",
        "3",
        "f00000000003",
        &["f00000000002"],
        score_required,
        score_optional,
    ),
];

thread_local! {
    /// Whether the fill of [`WAY_BACK`]'s downgrade has been written "into
    /// the file" yet (per thread: the migration runs on the test's thread).
    static WRITTEN: Cell<bool> = const { Cell::new(false) };
}

fn create_required(op: &mut Ops) {
    op.create_table("users", |t| {
        t.column("id", SqlType::BigInt).auto_increment();
        let [nick, score] = users(true, false, false);
        t.add(nick).add(score);
        t.primary_key("pk_users", ["id"]);
    });
}

/// The upgrade lets `score` hold NULL; the way back must fill it.
fn score_loosened(op: &mut Ops) {
    score_optional_from_required(op);
}

fn score_optional_from_required(op: &mut Ops) {
    let [_, before] = users(true, false, false);
    let [_, after] = users(true, false, true);
    op.alter_column("users", before, after);
}

fn score_tightened(op: &mut Ops) {
    let [_, before] = users(true, false, true);
    let [_, after] = users(true, false, false);
    let value = WRITTEN.get().then_some("-1");
    op.fill_nulls("users", "score", value);
    op.alter_column("users", before, after);
}

static WAY_BACK: [Migration; 2] = [
    migration("0001_create.rs", "1", "b00000000001", &[], create_required, drop),
    migration(
        "0002_loosen.rs",
        "2",
        "b00000000002",
        &["b00000000001"],
        score_loosened,
        score_tightened,
    ),
];

fn create_moods(op: &mut Ops) {
    op.create_enum("mood", ["a"]);
    op.create_table("moods", |t| {
        t.column("id", SqlType::BigInt).auto_increment();
        t.column("mood", SqlType::enumeration("mood", ["a"])).nullable();
        t.primary_key("pk_moods", ["id"]);
    });
}

fn drop_moods(op: &mut Ops) {
    op.drop_table("moods").acknowledged(true);
    op.drop_enum("mood");
}

/// A new enum value, and the NULLs filled with it, in one migration.
fn new_value_fills(op: &mut Ops) {
    op.add_enum_value("mood", "b", None);
    op.fill_nulls("moods", "mood", Some("'b'"));
    op.alter_column(
        "moods",
        Column::new("mood", SqlType::enumeration("mood", ["a", "b"])).nullable(),
        Column::new("mood", SqlType::enumeration("mood", ["a", "b"])).default("'b'"),
    );
}

fn new_value_back(op: &mut Ops) {
    op.alter_column(
        "moods",
        Column::new("mood", SqlType::enumeration("mood", ["a", "b"])).default("'b'"),
        Column::new("mood", SqlType::enumeration("mood", ["a", "b"])).nullable(),
    );
}

static NEW_VALUE: [Migration; 2] = [
    migration(
        "0001_moods.rs",
        "1",
        "e00000000001",
        &[],
        create_moods,
        drop_moods,
    ),
    migration(
        "0002_fill.rs",
        "2",
        "e00000000002",
        &["e00000000001"],
        new_value_fills,
        new_value_back,
    ),
];

async fn connect(url: &str) -> (Database, AnyConnection) {
    let db = Database::connect(url).await.expect("the migrator's connection");
    let conn = AnyConnection::connect(url).await.expect("the test's connection");
    (db, conn)
}

async fn exec(conn: &mut AnyConnection, sql: &str) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut *conn)
        .await
        .map(|_| ())
}

async fn column(conn: &mut AnyConnection, d: Dialect, name: &str) -> Vec<Option<String>> {
    let sql = format!("SELECT {} FROM users ORDER BY id", d.as_text(name));
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await
        .expect("the column")
        .iter()
        .map(|r| r.get::<Option<String>, _>(0))
        .collect()
}

/// The database at `url` migrated by `migrations` to `to`, with `rows`
/// inserted: the migrator, its connection and the test's.
async fn seeded(
    url: &str,
    migrations: &'static [Migration],
    to: &Target,
    rows: &str,
) -> (Migrator, Database, AnyConnection) {
    let migrator = Migrator::new(migrations);
    let (mut db, mut conn) = connect(url).await;
    migrator.upgrade(&mut db, to).await.unwrap();
    exec(&mut conn, rows).await.unwrap();
    (migrator, db, conn)
}

fn revision(id: &str) -> Target {
    Target::Revision(id.to_owned())
}

fn fills_from_the_default_and_the_downgrade_keeps_the_values(d: Dialect) {
    let Some((url, _dir)) = fresh_database(d, "fills") else {
        return;
    };
    block_on(async {
        let (migrator, mut db, mut conn) = seeded(
            &url,
            &FILLS,
            &revision("f00000000001"),
            "INSERT INTO users (id, nick) VALUES (1, 'ann'), (2, NULL), (3, NULL)",
        )
        .await;
        migrator
            .upgrade(&mut db, &revision("f00000000002"))
            .await
            .unwrap();
        assert_eq!(
            column(&mut conn, d, "nick").await,
            [
                Some("ann".into()),
                Some("anonymous".into()),
                Some("anonymous".into())
            ],
            "the NULLs are filled from the default, the other rows keep theirs"
        );
        assert!(
            exec(&mut conn, "INSERT INTO users (id, nick) VALUES (4, NULL)")
                .await
                .is_err(),
            "the column is NOT NULL now"
        );
        migrator
            .downgrade(&mut db, &revision("f00000000001"))
            .await
            .unwrap();
        exec(&mut conn, "INSERT INTO users (id, nick) VALUES (4, NULL)")
            .await
            .unwrap();
        assert_eq!(
            column(&mut conn, d, "nick").await,
            [
                Some("ann".into()),
                Some("anonymous".into()),
                Some("anonymous".into()),
                None
            ],
            "the downgrade lifts the constraint and leaves the filled values"
        );
    });
}

fn an_unwritten_fill_refuses_before_anything_runs(d: Dialect) {
    let Some((url, _dir)) = fresh_database(d, "fills") else {
        return;
    };
    block_on(async {
        let (migrator, mut db, mut conn) = seeded(
            &url,
            &FILLS,
            &revision("f00000000001"),
            "INSERT INTO users (id, nick, score) VALUES (1, NULL, NULL)",
        )
        .await;
        let refused = migrator.upgrade(&mut db, &Target::Head).await.unwrap_err();
        assert!(
            matches!(&refused, MigrateError::UnwrittenFill { revision, table, column, direction: "upgrade", .. }
                if revision == "f00000000003" && table == "users" && column == "score"),
            "{refused:?}"
        );
        assert_eq!(refused.exit_code(), 10);
        let message = refused.to_string();
        assert!(
            message.contains("0003_score.rs")
                && message.contains(r#"`fill_nulls("users", "score", None)`"#)
                && message.contains("Some("),
            "the message says where and what to write: {message}"
        );
        // Nothing ran: not even the migration before it, whose fill is written.
        assert_eq!(migrator.current(&mut db).await.unwrap(), ["f00000000001"]);
        assert_eq!(column(&mut conn, d, "nick").await, [None]);
        // Offline, the same refusal.
        let offline = migrator
            .upgrade_sql(d, &revision("f00000000001"), &Target::Head)
            .unwrap_err();
        assert!(
            matches!(offline, MigrateError::UnwrittenFill { .. }),
            "{offline:?}"
        );
        // The written one alone runs.
        migrator
            .upgrade(&mut db, &revision("f00000000002"))
            .await
            .unwrap();
        assert_eq!(column(&mut conn, d, "nick").await, [Some("anonymous".into())]);
    });
}

fn a_kept_downgrade_takes_the_fill_written_since(d: Dialect) {
    let Some((url, _dir)) = fresh_database(d, "fills") else {
        return;
    };
    block_on(async {
        WRITTEN.set(false);
        let migrator = Migrator::new(&WAY_BACK);
        let (mut db, mut conn) = connect(&url).await;
        migrator.upgrade(&mut db, &Target::Head).await.unwrap();
        exec(
            &mut conn,
            "INSERT INTO users (id, score) VALUES (1, 5), (2, NULL)",
        )
        .await
        .unwrap();
        // The version table kept the downgrade as it was, without a value.
        let refused = migrator
            .downgrade(&mut db, &revision("b00000000001"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                &refused,
                MigrateError::UnwrittenFill {
                    direction: "downgrade",
                    ..
                }
            ),
            "{refused:?}"
        );
        assert_eq!(migrator.current(&mut db).await.unwrap(), ["b00000000002"]);
        // The developer writes the value into the file; the kept downgrade
        // takes it.
        WRITTEN.set(true);
        migrator
            .downgrade(&mut db, &revision("b00000000001"))
            .await
            .unwrap();
        assert_eq!(
            column(&mut conn, d, "score").await,
            [Some("5".into()), Some("-1".into())]
        );
        WRITTEN.set(false);
    });
}

fn a_fill_may_use_an_enum_value_added_in_its_migration(d: Dialect) {
    let Some((url, _dir)) = fresh_database(d, "fills") else {
        return;
    };
    block_on(async {
        let (migrator, mut db, mut conn) = seeded(
            &url,
            &NEW_VALUE,
            &revision("e00000000001"),
            "INSERT INTO moods (id, mood) VALUES (1, 'a'), (2, NULL)",
        )
        .await;
        // PostgreSQL refuses a new value in the transaction that added it;
        // the value is added, and committed, first.
        migrator.upgrade(&mut db, &Target::Head).await.unwrap();
        let sql = format!("SELECT {} FROM moods ORDER BY id", d.as_text("mood"));
        let moods: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(moods, ["a", "b"]);
    });
}

macro_rules! backends {
    ($($name:ident: $d:expr,)*) => {
        $(
            mod $name {
                use super::*;

                #[test]
                fn fills_from_the_default_and_the_downgrade_keeps_the_values() {
                    super::fills_from_the_default_and_the_downgrade_keeps_the_values($d);
                }

                #[test]
                fn an_unwritten_fill_refuses_before_anything_runs() {
                    super::an_unwritten_fill_refuses_before_anything_runs($d);
                }

                #[test]
                fn a_fill_may_use_an_enum_value_added_in_its_migration() {
                    super::a_fill_may_use_an_enum_value_added_in_its_migration($d);
                }

                #[test]
                fn a_kept_downgrade_takes_the_fill_written_since() {
                    super::a_kept_downgrade_takes_the_fill_written_since($d);
                }
            }
        )*
    };
}

backends! {
    sqlite: Dialect::Sqlite,
    postgres: Dialect::Postgres,
    mariadb: Dialect::MySql,
}
