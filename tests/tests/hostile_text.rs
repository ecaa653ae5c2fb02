//! Text that would leave the statement Ferro writes it into (issue 21), on
//! real databases: an enum type and a value whose names hold PostgreSQL's
//! dollar-quote tag and a quote, through a rebuild of the type and back; a
//! default that holds a second statement, refused before anything runs.

use ferro::migration::Migration;
use ferro::migration::prelude::*;
use ferro::runtime::{Database, Dialect, MigrateError, Migrator, Target};
use ferro_tests::migration;
use ferro_tests::shape::shape;
use sqlx::{AnyConnection, Connection as _, Row as _};

/// The enum type's name and a value of it: each holds the tag the
/// PostgreSQL rebuild's `DO` block was once quoted with.
const MOOD: &str = "mood$ferro$";
const HOSTILE: &str = "it's $ferro$; DROP TABLE feelings; --";

fn feelings_up(op: &mut Ops) {
    op.create_enum(MOOD, ["calm", HOSTILE, "gone"]);
    op.create_table("feelings", |t| {
        t.column("id", SqlType::BigInt).auto_increment();
        t.column("mood", SqlType::enumeration(MOOD, ["calm", HOSTILE, "gone"]))
            .default("'calm'");
        t.primary_key("pk_feelings", ["id"]);
    });
}
fn feelings_down(op: &mut Ops) {
    op.drop_table("feelings");
    op.drop_enum(MOOD);
}
/// A dropped value and a new order: PostgreSQL makes the type again.
fn remake_up(op: &mut Ops) {
    op.drop_enum_value(MOOD, "gone").acknowledged(true);
    op.reorder_enum_values(MOOD, [HOSTILE, "calm"]);
}
fn remake_down(op: &mut Ops) {
    op.add_enum_value(MOOD, "gone", None);
    op.reorder_enum_values(MOOD, ["calm", HOSTILE, "gone"]);
}

static ENUMS: [Migration; 2] = [
    migration(
        "0001_feelings.rs",
        "feelings v1",
        "e1e1e1e1e1e1",
        &[],
        feelings_up,
        feelings_down,
    ),
    migration(
        "0002_remake.rs",
        "remake v1",
        "e2e2e2e2e2e2",
        &["e1e1e1e1e1e1"],
        remake_up,
        remake_down,
    ),
];

/// The moods of the rows, in insertion order.
async fn moods(url: &str, d: Dialect) -> Vec<String> {
    let mut conn = AnyConnection::connect(url).await.unwrap();
    let sql = format!("SELECT {} FROM feelings ORDER BY id", d.as_text("mood"));
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut conn)
        .await
        .unwrap();
    rows.iter().map(|r| r.get::<String, _>(0)).collect()
}

async fn enum_names_stay_data_through_a_rebuild(url: String) {
    sqlx::any::install_default_drivers();
    let migrator = Migrator::new(&ENUMS);
    let mut db = Database::connect(&url).await.unwrap();
    let d = db.dialect();
    migrator.upgrade(&mut db, &Target::Forward(1)).await.unwrap();
    let mut conn = AnyConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(
        "INSERT INTO feelings (mood) VALUES ('it''s $ferro$; DROP TABLE feelings; --');\n\
         INSERT INTO feelings (mood) VALUES ('calm')",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    let rows = [HOSTILE, "calm"];

    migrator.upgrade(&mut db, &Target::Head).await.unwrap();
    assert_eq!(migrator.current(&mut db).await.unwrap(), ["e2e2e2e2e2e2"]);
    assert_eq!(
        migrator.drift(&mut db).await.unwrap().differences,
        Vec::<String>::new()
    );
    assert_eq!(moods(&url, d).await, rows);

    migrator.downgrade(&mut db, &Target::Back(1)).await.unwrap();
    assert_eq!(migrator.current(&mut db).await.unwrap(), ["e1e1e1e1e1e1"]);
    assert_eq!(
        migrator.drift(&mut db).await.unwrap().differences,
        Vec::<String>::new()
    );
    assert_eq!(moods(&url, d).await, rows);

    migrator.downgrade(&mut db, &Target::Base).await.unwrap();
    assert!(shape(&url).await.is_empty());
}

fn users_up(op: &mut Ops) {
    op.create_table("users", |t| {
        t.column("id", SqlType::BigInt).auto_increment();
        t.column("email", SqlType::Varchar(120));
        t.primary_key("pk_users", ["id"]);
    });
}
fn users_down(op: &mut Ops) {
    op.drop_table("users");
}
fn posts_up(op: &mut Ops) {
    op.create_table("posts", |t| {
        t.column("id", SqlType::BigInt).auto_increment();
        t.primary_key("pk_posts", ["id"]);
    });
}
fn posts_down(op: &mut Ops) {
    op.drop_table("posts");
}
fn age_up(op: &mut Ops) {
    op.add_column(
        "users",
        Column::new("age", SqlType::Integer).default("0; DROP TABLE users"),
    );
}
fn age_down(op: &mut Ops) {
    op.drop_column("users", "age").acknowledged(true);
}

static DEFAULTS: [Migration; 3] = [
    migration(
        "0001_users.rs",
        "users v1",
        "d1d1d1d1d1d1",
        &[],
        users_up,
        users_down,
    ),
    migration(
        "0002_posts.rs",
        "posts v1",
        "d2d2d2d2d2d2",
        &["d1d1d1d1d1d1"],
        posts_up,
        posts_down,
    ),
    migration(
        "0003_age.rs",
        "age v1",
        "d3d3d3d3d3d3",
        &["d2d2d2d2d2d2"],
        age_up,
        age_down,
    ),
];

async fn a_default_with_a_second_statement_is_refused_before_anything_runs(url: String) {
    sqlx::any::install_default_drivers();
    let migrator = Migrator::new(&DEFAULTS);
    let mut db = Database::connect(&url).await.unwrap();
    migrator.upgrade(&mut db, &Target::Forward(1)).await.unwrap();
    let mut conn = AnyConnection::connect(&url).await.unwrap();
    sqlx::raw_sql("INSERT INTO users (email) VALUES ('a@example.com')")
        .execute(&mut conn)
        .await
        .unwrap();

    let err = migrator.upgrade(&mut db, &Target::Head).await.unwrap_err();
    assert!(matches!(err, MigrateError::BadFragment(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "migration `d3d3d3d3d3d3` (0003_age.rs), step `add column users.age`: the default of column \
         `users.age` (`0; DROP TABLE users`) does not stay within its statement: at byte 1, a `;` outside \
         quotes ends the statement; a default, a check, an SQL type or a fill is one piece of SQL, with no \
         `;` or comment outside quotes"
    );
    // Nothing ran: not the migration before it on the path, not the default.
    assert_eq!(migrator.current(&mut db).await.unwrap(), ["d1d1d1d1d1d1"]);
    let tables: Vec<String> = shape(&url).await.into_keys().collect();
    assert_eq!(tables, ["users"]);
    let count: i64 = sqlx::query("SELECT COUNT(*) FROM users")
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 1);
}

ferro_tests::on_every_backend!(
    "hostile":
    enum_names_stay_data_through_a_rebuild,
    a_default_with_a_second_statement_is_refused_before_anything_runs,
);
