//! Data preservation: a SQLite table rebuild of a large table keeps every
//! row (a content checksum, before and after, and the foreign keys checked),
//! and a PostgreSQL type change with a cast keeps every value.
//!
//! `FERRO_REBUILD_ROWS` sets the rows of the rebuilt table (default
//! 1,000,000); the figures are in `docs/reliability.md`.

use std::time::Instant;

use ferro::migration::prelude::*;
use ferro::runtime::{Database, Dialect, Migrator, Target};
use ferro::schema::{Schema, Table};
use ferro_tests::block_on;
use ferro_tests::pair::{self, A, read_back};
use futures_util::TryStreamExt as _;
use sqlx::{AnyConnection, Connection as _, Row as _};

fn table(name: &str, columns: Vec<Column>) -> Table {
    let mut t = Table::new(name.to_owned());
    t.columns = columns.into();
    t.primary_key = Some(PrimaryKey::new(format!("pk_{name}"), ["id"]));
    t
}

/// `parent` and `big`, whose `b`, `c` and checks `changed` says.
fn rebuilt(changed: bool) -> Schema {
    let parent = table(
        "parent",
        vec![Column::new("id", SqlType::BigInt).auto_increment()],
    );
    let mut c = Column::new("c", SqlType::Double).nullable();
    if changed {
        c = c.default("0");
    }
    let mut big = table(
        "big",
        vec![
            Column::new("id", SqlType::BigInt).auto_increment(),
            Column::new("a", SqlType::Integer).nullable(),
            Column::new("b", SqlType::Varchar(if changed { 60 } else { 40 })),
            c,
            Column::new("d", SqlType::numeric(12, 2)).nullable(),
            Column::new("parent_id", SqlType::BigInt).nullable(),
        ],
    );
    big.foreign_keys = vec![
        ForeignKey::new("fk_big_parent_id_parent", ["parent_id"], "parent", ["id"])
            .on_delete(Action::Cascade),
    ]
    .into();
    big.indexes = vec![Index::new("ix_big_parent_id", ["parent_id"])].into();
    if changed {
        big.checks = vec![Check::new("ck_big_c", "c >= 0")].into();
    }
    Schema::new([parent, big]).expect("a valid schema")
}

/// The database at `url` built up to A, with the migrations on to B, the
/// migrator's connection and one for the test's own statements.
async fn at_a(url: &str, a: &Schema, b: &Schema) -> (Migrator, Database, AnyConnection) {
    pair::set(a, b, ferro::runtime::Dialect::of_url(url).unwrap());
    let migrator = Migrator::new(&pair::MIGRATIONS);
    let mut db = Database::connect(url).await.unwrap();
    migrator
        .upgrade(&mut db, &Target::Revision(A.into()))
        .await
        .unwrap();
    let conn = AnyConnection::connect(url).await.unwrap();
    (migrator, db, conn)
}

/// A BLAKE3 hash of every row of `big` in key order, every column as text.
async fn checksum(conn: &mut AnyConnection) -> (u64, String) {
    let mut hasher = blake3::Hasher::new();
    let mut rows = 0u64;
    let mut stream = sqlx::query(
        "SELECT CAST(id AS TEXT), CAST(a AS TEXT), b, CAST(c AS TEXT), CAST(d AS TEXT), \
         CAST(parent_id AS TEXT) FROM big ORDER BY id",
    )
    .fetch(&mut *conn);
    while let Some(row) = stream.try_next().await.expect("a row") {
        for i in 0..6 {
            match row.get::<Option<String>, _>(i) {
                Some(text) => {
                    hasher.update(&[1]);
                    hasher.update(&(text.len() as u64).to_le_bytes());
                    hasher.update(text.as_bytes());
                }
                None => {
                    hasher.update(&[0]);
                }
            }
        }
        rows += 1;
    }
    (rows, hasher.finalize().to_hex().to_string())
}

#[test]
fn a_sqlite_rebuild_of_a_large_table_keeps_every_row() {
    let rows: u64 = std::env::var("FERRO_REBUILD_ROWS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let (url, _dir) = ferro_tests::fresh_database(Dialect::Sqlite, "big").expect("a SQLite file");
    block_on(async {
        let b = rebuilt(true);
        let (migrator, mut db, mut conn) = at_a(&url, &rebuilt(false), &b).await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "INSERT INTO parent (id) WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 1000) \
             SELECT i FROM k;\n\
             INSERT INTO big (id, a, b, c, d, parent_id) \
             WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < {rows}) \
             SELECT i, CASE WHEN i % 17 = 0 THEN NULL ELSE i % 100003 - 50000 END, \
             'row ' || i || ' é ''quoted''', i * 0.25, CAST(i % 100000 AS NUMERIC) / 100, \
             CASE WHEN i % 13 = 0 THEN NULL ELSE i % 1000 + 1 END FROM k"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
        let before = checksum(&mut conn).await;
        assert_eq!(before.0, rows);

        let start = Instant::now();
        migrator.upgrade(&mut db, &Target::Head).await.unwrap();
        let took = start.elapsed();
        read_back(&mut db, &b, "after the rebuild").await.unwrap();
        let after = checksum(&mut conn).await;
        assert_eq!(after, before, "the rows are the same, value for value");
        let broken: i64 = sqlx::query("SELECT COUNT(*) FROM pragma_foreign_key_check")
            .fetch_one(&mut conn)
            .await
            .unwrap()
            .get(0);
        assert_eq!(broken, 0, "every foreign key still holds");
        let integrity: String = sqlx::query("PRAGMA integrity_check")
            .fetch_one(&mut conn)
            .await
            .unwrap()
            .get(0);
        assert_eq!(integrity, "ok");
        eprintln!("rebuilt {rows} rows in {took:?} (checksum {})", &before.1[..16]);
    });
}

/// `vals` before and after its columns change type.
fn typed(changed: bool) -> Schema {
    let ty = |before: SqlType, after: SqlType| if changed { after } else { before };
    let t = table(
        "vals",
        vec![
            Column::new("id", SqlType::BigInt),
            Column::new("i", ty(SqlType::Integer, SqlType::BigInt)).nullable(),
            Column::new("s", ty(SqlType::SmallInt, SqlType::Integer)).nullable(),
            Column::new("n", ty(SqlType::numeric(10, 2), SqlType::numeric(14, 4))).nullable(),
            Column::new("t", ty(SqlType::Varchar(20), SqlType::BigInt)).nullable(),
            Column::new("f", ty(SqlType::Real, SqlType::Double)).nullable(),
            Column::new("v", ty(SqlType::Varchar(10), SqlType::Text)).nullable(),
        ],
    );
    Schema::new([t]).expect("a valid schema")
}

#[test]
fn a_postgres_type_change_with_a_cast_keeps_every_value() {
    let Some((url, _dir)) = ferro_tests::fresh_database(Dialect::Postgres, "vals") else {
        return;
    };
    block_on(async {
        let b = typed(true);
        let (migrator, mut db, mut conn) = at_a(&url, &typed(false), &b).await;
        // 100,000 rows, with the edges of each type and NULLs among them.
        sqlx::raw_sql(
            "INSERT INTO vals (id, i, s, n, t, f, v) SELECT g, \
             CASE g % 5 WHEN 0 THEN 2147483647 WHEN 1 THEN -2147483648 WHEN 2 THEN NULL ELSE g * 7919 % 2000000 - 1000000 END, \
             CASE g % 4 WHEN 0 THEN 32767 WHEN 1 THEN -32768 WHEN 2 THEN NULL ELSE (g % 60000 - 30000)::smallint END, \
             CASE g % 3 WHEN 0 THEN 99999999.99 WHEN 1 THEN NULL ELSE (g % 100000)::numeric / 100 - 500 END, \
             CASE g % 6 WHEN 0 THEN '9223372036854775807' WHEN 1 THEN NULL ELSE (g::bigint * 104729 - 5000000)::text END, \
             CASE g % 7 WHEN 0 THEN 3.4e38 WHEN 1 THEN NULL WHEN 2 THEN 1.17549435e-38 ELSE g::real / 3 END, \
             CASE g % 8 WHEN 0 THEN NULL ELSE 'v' || (g % 1000000) END \
             FROM generate_series(1, 100000) g;\n\
             CREATE TABLE vals_before AS SELECT * FROM vals",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        migrator.upgrade(&mut db, &Target::Head).await.unwrap();
        let (count, changed): (i64, i64) = {
            let row = sqlx::query(
                "SELECT (SELECT COUNT(*) FROM vals), (SELECT COUNT(*) FROM vals v FULL JOIN vals_before w USING (id) \
                 WHERE v.id IS NULL OR w.id IS NULL \
                 OR v.i IS DISTINCT FROM w.i::bigint OR v.s IS DISTINCT FROM w.s::integer \
                 OR v.n IS DISTINCT FROM w.n::numeric OR v.t IS DISTINCT FROM w.t::bigint \
                 OR v.f IS DISTINCT FROM w.f::double precision OR v.v IS DISTINCT FROM w.v::text)",
            )
            .fetch_one(&mut conn)
            .await
            .unwrap();
            (row.get(0), row.get(1))
        };
        assert_eq!(count, 100_000);
        assert_eq!(changed, 0, "every value is the value it was");
        sqlx::raw_sql("DROP TABLE vals_before")
            .execute(&mut conn)
            .await
            .unwrap();
        read_back(&mut db, &b, "after the type changes").await.unwrap();
    });
}

/// Names with quotes, reserved words, spaces, Unicode, and of 63 bytes.
fn hostile_names() -> Schema {
    let long = format!("t{}", "x".repeat(62));
    assert_eq!(long.len(), 63);
    let mut t = table(
        "select",
        vec![
            Column::new("id", SqlType::BigInt).auto_increment(),
            Column::new("order", SqlType::Integer).nullable(),
            Column::new("we\"ird 'col'", SqlType::Varchar(20)).nullable(),
            Column::new("naïve ünïcode", SqlType::Varchar(20)).nullable(),
            Column::new(format!("c{}", "y".repeat(62)), SqlType::Integer).nullable(),
        ],
    );
    t.indexes = vec![Index::new("ix \"quoted\" name", ["order"])].into();
    t.checks = vec![Check::new("ck_order", "\"order\" >= 0")].into();
    let mut other = table(
        &long,
        vec![
            Column::new("id", SqlType::BigInt).auto_increment(),
            Column::new("select_id", SqlType::BigInt).nullable(),
        ],
    );
    other.primary_key = Some(PrimaryKey::new(ferro::schema::naming::primary_key(&long), ["id"]));
    other.foreign_keys =
        vec![ForeignKey::new("fk with spaces", ["select_id"], "select", ["id"]).on_delete(Action::Cascade)]
            .into();
    Schema::new([t, other]).expect("a valid schema")
}

/// The hostile names are created, read back as they are, and dropped again,
/// on every backend.
#[test]
fn hostile_identifiers_round_trip() {
    for dialect in [Dialect::Sqlite, Dialect::Postgres, Dialect::MySql] {
        let Some((url, _dir)) = ferro_tests::fresh_database(dialect, "names") else {
            continue;
        };
        block_on(async {
            let empty = Schema::new([]).expect("the empty schema");
            let a = hostile_names();
            let (migrator, mut db, _) = at_a(&url, &a, &a).await;
            read_back(&mut db, &a, &format!("{}: after creating", dialect.name()))
                .await
                .unwrap();
            migrator.downgrade(&mut db, &Target::Base).await.unwrap();
            read_back(&mut db, &empty, &format!("{}: after dropping", dialect.name()))
                .await
                .unwrap();
        });
    }
}
