//! Conformance with the comparison cases of Alembic's autogenerate test
//! suite, re-expressed as Ferro fixtures (the list, in our own words, with
//! the number of each row, is summed up in `docs/dialects.md`).
//!
//! Each case is a pair of schemas (A, B) and the operations Ferro's diff and
//! plan must find from A to B, in words; an empty list is Alembic's "no
//! change". Then, on each backend: A is built through a migration and read
//! back (it must equal A as the database stores it); the database is
//! compared with B (a difference must be found exactly when the database
//! stores A and B differently: no false positive, no false negative); A→B is
//! applied and read back (it must equal B); the downgrade goes back to A and
//! then to the empty database.
//!
//! Where Ferro's answer differs from Alembic's on purpose, the case says so
//! (`adapt`): an index or constraint found under another name is a rename,
//! not a drop and an add; a check whose expression changed is a drop and an
//! add; declared values are compared as declared.

use ferro::runtime::{Database, Dialect, Migrator, Target, stored};
use ferro::schema::{Schema, SqlType};
#[path = "support/conformance.rs"]
mod conformance;

use conformance::{CATS, Cat, applies, cases, col, ix, x, xyz};
use ferro_tests::pair::{self, A, by_name, differences, read_back};

/// A built on a fresh database at `url`, with the migrations to B.
async fn build_a(url: &str, a: &Schema, b: &Schema) -> Result<(Migrator, Database), String> {
    pair::set(
        a,
        b,
        ferro::runtime::Dialect::of_url(url).map_err(|e| e.to_string())?,
    );
    let migrator = Migrator::new(&pair::MIGRATIONS);
    let mut db = Database::connect(url).await.map_err(|e| e.to_string())?;
    migrator
        .upgrade(&mut db, &Target::Revision(A.into()))
        .await
        .map_err(|e| format!("building A: {e}"))?;
    Ok((migrator, db))
}

/// The case on one database.
async fn on_database(url: &str, a: &Schema, b: &Schema) -> Result<(), String> {
    let (migrator, mut db) = build_a(url, a, b).await?;
    let d = db.dialect();
    let actual = read_back(&mut db, a, "after building A").await?;
    // The database compared with B: a difference exactly where it stores A
    // and B differently.
    let stores_differently = by_name(&stored(d, a)) != by_name(&stored(d, b));
    let found = differences(&actual, &stored(d, b));
    if stores_differently == found.is_empty() {
        return Err(format!(
            "comparing the database with B found {found:?}, where the database stores A and B {}",
            if stores_differently {
                "differently"
            } else {
                "alike"
            }
        ));
    }
    migrator
        .upgrade(&mut db, &Target::Head)
        .await
        .map_err(|e| format!("A to B: {e}"))?;
    read_back(&mut db, b, "after A to B").await?;
    migrator
        .downgrade(&mut db, &Target::Revision(A.into()))
        .await
        .map_err(|e| format!("B back to A: {e}"))?;
    read_back(&mut db, a, "after B back to A").await?;
    migrator
        .downgrade(&mut db, &Target::Base)
        .await
        .map_err(|e| format!("A back to nothing: {e}"))?;
    let empty = Schema::new([]).expect("the empty schema");
    read_back(&mut db, &empty, "after A back to nothing").await?;
    Ok(())
}

/// Changes a database refuses to make without a hand-written conversion,
/// as Alembic's generated migration would be refused there too.
fn refused(d: Dialect, id: &str) -> Option<&'static str> {
    match (d, id) {
        (Dialect::Postgres, "numeric_to_datetime") => {
            Some("PostgreSQL has no cast from numeric to timestamp")
        }
        _ => None,
    }
}

/// A refused change: A is built, A→B fails, and the database still holds A.
async fn refused_on_database(url: &str, a: &Schema, b: &Schema) -> Result<(), String> {
    let (migrator, mut db) = build_a(url, a, b).await?;
    if migrator.upgrade(&mut db, &Target::Head).await.is_ok() {
        return Err("A to B was expected to be refused by the database".into());
    }
    read_back(&mut db, a, "after the refused A to B").await?;
    Ok(())
}

/// Two cases whose schema Ferro refuses when it is made, before any
/// comparison: a name given over the 63 bytes databases keep (row 125),
/// rather than cut by the database; and an auto-increment column that is
/// not the key (row 202), which only MySQL would hold, and only as a key.
#[test]
fn schemas_ferro_refuses_before_comparing() {
    let long = "ix_".to_owned() + &"x".repeat(61);
    let tables = xyz(|t| t.indexes = vec![ix(&long, &["x"])].into());
    let err = Schema::new(tables).expect_err("a 64-byte index name");
    assert!(err.to_string().contains("64 bytes"), "{err}");
    let err = Schema::new(x(col(SqlType::Integer).auto_increment())).expect_err("a non-key auto-increment");
    assert!(err.to_string().contains("auto-increments"), "{err}");
}

/// Every case's comparison, without a database.
#[test]
fn the_comparisons_find_what_alembic_finds() {
    let mut wrong = Vec::new();
    for case in cases() {
        let a = Schema::new(case.a.clone()).unwrap_or_else(|e| panic!("{}: A: {e}", case.id));
        let b = Schema::new(case.b.clone()).unwrap_or_else(|e| panic!("{}: B: {e}", case.id));
        let found = differences(&a, &b);
        if found != case.expect {
            wrong.push(format!(
                "#{} {}: expected {:?}, found {found:?}",
                case.row, case.id, case.expect
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

fn run(dialect: Dialect) {
    if ferro_tests::fresh_database(dialect, "conformance").is_none() {
        return;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let cases = cases();
    let mut failed = Vec::new();
    let mut passed = std::collections::BTreeMap::<Cat, (usize, usize)>::new();
    for case in cases.iter().filter(|c| applies(dialect, c.id)) {
        let a = Schema::new(case.a.clone()).expect("A");
        let b = Schema::new(case.b.clone()).expect("B");
        let (url, _dir) = ferro_tests::fresh_database(dialect, "conformance").expect("the database");
        let outcome = match refused(dialect, case.id) {
            // The database refuses the change itself: the migration must fail
            // and leave A as it was.
            Some(_) => runtime.block_on(refused_on_database(&url, &a, &b)),
            None => runtime.block_on(on_database(&url, &a, &b)),
        };
        let entry = passed.entry(case.cat).or_default();
        entry.1 += 1;
        match outcome {
            Ok(()) => entry.0 += 1,
            Err(e) => failed.push(format!("#{} {}: {e}", case.row, case.id)),
        }
    }
    let total: usize = passed.values().map(|p| p.0).sum();
    let all: usize = passed.values().map(|p| p.1).sum();
    eprintln!(
        "{}: {total} of {all} cases pass ({} are for other databases)",
        dialect.name(),
        cases.len() - all
    );
    for cat in CATS {
        let (pass, all) = passed.get(&cat).copied().unwrap_or_default();
        eprintln!("  {cat:?}: {pass} of {all}");
    }
    assert!(failed.is_empty(), "{}:\n{}", dialect.name(), failed.join("\n"));
}

#[test]
fn sqlite_conforms() {
    run(Dialect::Sqlite);
}

#[test]
fn postgres_conforms() {
    run(Dialect::Postgres);
}

#[test]
fn mariadb_conforms() {
    run(Dialect::MySql);
}

/// The PostgreSQL schemas (namespaces) a migration makes: made with their
/// first table, dropped with their last, the version table in a schema of
/// its own; and `check --schema` does not take a schema the migrations
/// never made for theirs.
#[test]
fn postgres_schemas_come_and_go_with_their_tables() {
    use sqlx::{AnyConnection, Connection as _, Row as _};
    let Some((url, _dir)) = ferro_tests::fresh_database(Dialect::Postgres, "schemas") else {
        return;
    };
    ferro_tests::block_on(async {
        sqlx::any::install_default_drivers();
        let mut conn = AnyConnection::connect(&url).await.expect("a connection");
        sqlx::raw_sql("CREATE SCHEMA other; CREATE TABLE other.notes (id integer PRIMARY KEY)")
            .execute(&mut conn)
            .await
            .expect("a schema the migrations do not own");
        let a = Schema::new(conformance::parent_only()).expect("A");
        let b = Schema::new(conformance::billed(|_| {})).expect("B");
        pair::set(&a, &b, Dialect::Postgres);
        let migrator = Migrator::new(&pair::MIGRATIONS).version_table("ops.ferro_version");
        let mut db = Database::connect(&url).await.expect("the database");
        let mut schemas = async || -> Vec<String> {
            sqlx::query(
                "SELECT nspname::text FROM pg_namespace WHERE nspname IN ('billing', 'ops', 'other') ORDER BY 1",
            )
            .fetch_all(&mut conn)
            .await
            .expect("the schemas")
            .iter()
            .map(|row| row.get::<String, _>(0))
            .collect()
        };

        migrator.upgrade(&mut db, &Target::Head).await.expect("A, then B");
        assert_eq!(schemas().await, ["billing", "ops", "other"]);
        let drift = migrator.drift(&mut db).await.expect("check --schema");
        assert!(drift.differences.is_empty(), "{:?}", drift.differences);
        assert_eq!(
            migrator.current(&mut db).await.expect("current").len(),
            1,
            "the version table is read in its schema"
        );

        migrator
            .downgrade(&mut db, &Target::Revision(A.into()))
            .await
            .expect("back to A");
        assert_eq!(
            schemas().await,
            ["ops", "other"],
            "billing goes with its last table"
        );
        let drift = migrator.drift(&mut db).await.expect("check --schema");
        assert!(drift.differences.is_empty(), "{:?}", drift.differences);
    });
    // The command line's version table, in a schema of its own too.
    let code = ferro::runtime::cli::Cli::new()
        .database("main", &pair::MIGRATIONS, &url)
        .version_table("audit.versions")
        .run_from(["migrations", "stamp", "head"]);
    assert_eq!(code, std::process::ExitCode::SUCCESS);
    let stamped = ferro_tests::block_on(async {
        use sqlx::{AnyConnection, Connection as _, Row as _};
        let mut conn = AnyConnection::connect(&url).await.expect("a connection");
        sqlx::query("SELECT CAST(count(*) AS BIGINT) FROM audit.versions")
            .fetch_one(&mut conn)
            .await
            .expect("the version table in its schema")
            .try_get::<i64, _>(0)
            .expect("a count")
    });
    assert_eq!(stamped, 2, "both revisions stamped");
}

/// Views through migrations on one backend: made after what they read,
/// dropped and made again around a change to it (a column's type, which
/// PostgreSQL refuses under a view), a changed query replaced, a new one
/// made; `check --schema` finds each one, and every step goes back down.
/// On PostgreSQL a materialized view too, made again with its rows; the
/// others refuse one before running anything.
fn views_on(dialect: Dialect) {
    use ferro::schema::{Column, PrimaryKey, Table, View};
    use sqlx::{AnyConnection, Connection as _, Row as _};
    let Some((url, _dir)) = ferro_tests::fresh_database(dialect, "views") else {
        return;
    };
    let orders = |ty: SqlType, note: bool| {
        let mut columns = vec![Column::new("id", SqlType::BigInt), Column::new("total", ty)];
        if note {
            columns.push(Column::new("note", SqlType::Varchar(20)).nullable());
        }
        Table {
            columns: columns.into(),
            primary_key: Some(PrimaryKey::new("pk_orders", ["id"])),
            ..Table::new("orders")
        }
    };
    let postgres = dialect == Dialect::Postgres;
    let mut a_views = vec![
        View::new("big", "SELECT * FROM paid WHERE total > 100"),
        View::new("paid", "SELECT id, total FROM orders"),
    ];
    let mut b_views = vec![
        View::new("big", "SELECT * FROM paid WHERE total > 100"),
        View::new("paid", "SELECT id, total, note FROM orders"),
        View::new("noted", "SELECT id, note FROM orders WHERE note IS NOT NULL"),
    ];
    if postgres {
        let totals = View::new("totals", "SELECT sum(total) AS s FROM orders").materialized();
        a_views.push(totals.clone());
        b_views.push(totals);
    }
    let a = Schema::with_views([orders(SqlType::Integer, false)], a_views).expect("A");
    let b = Schema::with_views([orders(SqlType::BigInt, true)], b_views).expect("B");
    pair::set(&a, &b, dialect);
    ferro_tests::block_on(async {
        sqlx::any::install_default_drivers();
        let migrator = Migrator::new(&pair::MIGRATIONS);
        let mut db = Database::connect(&url).await.expect("the database");
        let mut conn = AnyConnection::connect(&url).await.expect("a connection");
        let count = async |conn: &mut AnyConnection, sql: &str| -> i64 {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM ({sql}) AS q")))
                .persistent(false)
                .fetch_one(conn)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            row.try_get::<i64, _>(0).expect("a count")
        };
        let clean = async |migrator: &Migrator, db: &mut Database, when: &str| {
            let drift = migrator.drift(db).await.expect("check --schema");
            assert!(drift.differences.is_empty(), "{when}: {:?}", drift.differences);
        };

        migrator
            .upgrade(&mut db, &Target::Revision(A.into()))
            .await
            .expect("A");
        sqlx::raw_sql("INSERT INTO orders (id, total) VALUES (1, 50), (2, 150), (3, 250)")
            .execute(&mut conn)
            .await
            .expect("rows");
        assert_eq!(count(&mut conn, "SELECT * FROM big").await, 2);
        clean(&migrator, &mut db, "A").await;

        migrator.upgrade(&mut db, &Target::Head).await.expect("A to B");
        clean(&migrator, &mut db, "B").await;
        assert_eq!(
            count(&mut conn, "SELECT * FROM big").await,
            2,
            "made again over the new column type"
        );
        assert_eq!(
            count(&mut conn, "SELECT note FROM paid").await,
            3,
            "the new query"
        );
        assert_eq!(count(&mut conn, "SELECT * FROM noted").await, 0);
        if postgres {
            let s: i64 = sqlx::query("SELECT CAST(s AS BIGINT) FROM totals")
                .fetch_one(&mut conn)
                .await
                .expect("the materialized view")
                .try_get(0)
                .expect("its sum");
            assert_eq!(s, 450, "made again with the rows of its time");
        }
        // Drift sees a view gone.
        sqlx::raw_sql("DROP VIEW big")
            .execute(&mut conn)
            .await
            .expect("a view dropped by hand");
        let drift = migrator.drift(&mut db).await.expect("check --schema");
        assert_eq!(drift.differences, ["create view big"]);
        sqlx::raw_sql("CREATE VIEW big AS SELECT * FROM paid WHERE total > 100")
            .execute(&mut conn)
            .await
            .expect("made again by hand");

        migrator
            .downgrade(&mut db, &Target::Revision(A.into()))
            .await
            .expect("B back to A");
        clean(&migrator, &mut db, "back to A").await;
        assert_eq!(count(&mut conn, "SELECT * FROM big").await, 2);
        migrator
            .downgrade(&mut db, &Target::Base)
            .await
            .expect("A back to nothing");
        for view in ["big", "paid", "totals"] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("SELECT 1 FROM {view}")))
                .execute(&mut conn)
                .await
                .expect_err("no view is left");
        }

        if !postgres {
            // A materialized view is PostgreSQL's: refused before anything runs.
            let with = Schema::with_views(
                [orders(SqlType::Integer, false)],
                [View::new("totals", "SELECT sum(total) AS s FROM orders").materialized()],
            )
            .expect("the schema");
            pair::set(&Schema::default(), &with, dialect);
            let error = migrator
                .upgrade(&mut db, &Target::Head)
                .await
                .expect_err("refused");
            assert!(
                error.to_string().contains("materialized views are PostgreSQL's"),
                "{error}"
            );
            sqlx::raw_sql("SELECT 1 FROM orders")
                .execute(&mut conn)
                .await
                .expect_err("nothing made");
        }
    });
}

#[test]
fn sqlite_views() {
    views_on(Dialect::Sqlite);
}

#[test]
fn postgres_views() {
    views_on(Dialect::Postgres);
}

#[test]
fn mariadb_views() {
    views_on(Dialect::MySql);
}
