//! Round trips on real databases, for random pairs of schemas (A, B): build A
//! through a migration, insert rows, apply the migration from A to B that the
//! diff and the plan make, read the schema back and compare it with B, check
//! that the rows of every column both keep are intact, downgrade, and compare
//! with A again; then downgrade to the empty database.
//!
//! The schemas draw on every feature the backends share: tables appearing and
//! going, columns of every type family changing type within it, nullability,
//! defaults, primary keys, indexes unique or not, unique constraints, foreign
//! keys with their actions, checks, enums gaining, losing and reordering
//! values, comments and collations; and on PostgreSQL, index methods,
//! operator classes and included columns, and tables in schemas of their
//! own that move between them; and views over the tables and over a view. 256 cases per backend in the normal run; `PROPTEST_CASES=N`
//! runs N (see the dialects guide).

use ferro::migration::Op;
use ferro::migration::prelude::*;
use ferro::runtime::{Database, Dialect, Migrator, Target};
use ferro::schema::{Schema, Table};
use ferro_tests::families::{FAMILIES, Family, Tape, member};
use ferro_tests::pair::{self, A, read_back, steps};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sqlx::{AnyConnection, Connection as _, Row as _};

const TABLES: usize = 3;
const COLUMNS: usize = 4;
const ROWS: i64 = 3;
const MOOD: [&str; 4] = ["a", "b", "c", "d"];

fn default_for(ty: &SqlType) -> Option<&'static str> {
    Some(match ty {
        t if t.is_integer() => "0",
        SqlType::Text | SqlType::Varchar(_) => "'0'",
        SqlType::Boolean => "false",
        SqlType::Numeric { .. } | SqlType::Real | SqlType::Double => "0",
        SqlType::Json => "'{}'",
        SqlType::Date => "'2024-01-01'",
        SqlType::Timestamp { .. } => "CURRENT_TIMESTAMP",
        SqlType::Enum(_) => "'a'",
        _ => return None,
    })
}

/// The value row `r` holds in a column of `ty`, as an SQL literal.
fn value(ty: &SqlType, r: i64) -> String {
    match ty {
        t if t.is_integer() => r.to_string(),
        SqlType::Text | SqlType::Varchar(_) => format!("'{r}'"),
        SqlType::Boolean => "TRUE".into(),
        SqlType::Numeric { .. } => format!("{r}.5"),
        SqlType::Real | SqlType::Double => format!("{r}.25"),
        SqlType::Uuid => format!("'00000000-0000-0000-0000-00000000000{r}'"),
        SqlType::Json => format!("'{{\"r\": {r}}}'"),
        SqlType::Date => format!("'2024-02-0{r}'"),
        SqlType::Timestamp { .. } => format!("'2024-02-0{r} 10:00:00'"),
        _ => "'a'".into(),
    }
}

/// The two schemas of one case.
#[derive(Clone, Debug)]
struct Case {
    a: Schema,
    b: Schema,
}

/// Schema A or B from the tape; `families` and `parents` are shared by both.
fn schema(
    tape: &mut Tape<'_>,
    families: &[[Family; COLUMNS]; TABLES],
    adds_to: Option<&Schema>,
    d: Dialect,
) -> Schema {
    let mut mood: Vec<&'static str> = vec!["a"];
    mood.extend(MOOD[1..].iter().filter(|_| tape.chance(2)));
    // Sometimes in another order, which is a change of its own.
    if tape.chance(1) {
        mood.reverse();
    }
    let present: Vec<bool> = (0..TABLES).map(|i| i == 0 || tape.chance(3)).collect();
    // On PostgreSQL a table may be in a schema (namespace) of its own, and
    // move from one to another between A and B. Not on the others: there
    // a schema is a database (MySQL) or an attached file (SQLite), and
    // Ferro refuses a migration that names one (`sqlite_and_mysql_refuse_schemas`).
    let homes: Vec<Option<&str>> = (0..TABLES)
        .map(|_| (d == Dialect::Postgres && tape.chance(2)).then(|| ["s1", "s2"][tape.pick(2)]))
        .collect();
    let qualified = |i: usize| match homes[i] {
        Some(schema) => format!("{schema}.t{i}"),
        None => format!("t{i}"),
    };
    let mut tables = Vec::new();
    for (i, families) in families.iter().enumerate() {
        if !present[i] {
            continue;
        }
        let name = format!("t{i}");
        let before = adds_to.and_then(|s| same(s, &name));
        let mut t = Table::new(qualified(i));
        if let Some(before) = before.filter(|b| b.name != t.name) {
            t.renamed_from = Some(before.name.clone());
        }
        let mut columns = vec![Column::new("id", SqlType::BigInt).auto_increment()];
        let mut checks = Vec::new();
        let mut indexes = Vec::new();
        let mut uniques = Vec::new();
        for (j, family) in families.iter().enumerate() {
            if !tape.chance(3) {
                continue;
            }
            let cname = format!("c{j}");
            let ty = member(*family, tape, &mood, d);
            let mut c = Column::new(cname.clone(), ty.clone());
            // A column added to a table with rows needs NULL or a default.
            let added = before.is_some_and(|b| b.column(&cname).is_none());
            let default = default_for(&ty).filter(|_| tape.chance(1));
            if tape.chance(2) || (added && default.is_none()) {
                c = c.nullable();
            }
            if let Some(default) = default {
                c = c.default(default);
            }
            if tape.chance(1) {
                c = c.comment(format!("column {cname}"));
            }
            // A collation of the column's own, each database's name for
            // one that compares bytes or ignores case.
            if ty.is_text() && tape.chance(2) {
                c = c.collation(match d {
                    Dialect::Postgres => "C",
                    Dialect::MySql => "utf8mb4_bin",
                    Dialect::Sqlite => "NOCASE",
                });
            }
            columns.push(c);
            // MySQL indexes no JSON.
            let distinct = match family {
                Family::Boolean | Family::Enum => false,
                Family::Json => d != Dialect::MySql,
                _ => true,
            };
            if distinct && tape.chance(1) {
                let mut ix = Index::new(format!("ix_{name}_{cname}"), [cname.clone()]);
                if tape.chance(2) {
                    ix = ix.unique();
                }
                // A partial index; MySQL has none.
                if d != Dialect::MySql && tape.chance(2) {
                    ix = ix.predicate(format!("{cname} IS NOT NULL"));
                }
                // PostgreSQL's other methods, which are neither unique nor
                // ordered: a GIN index of a document, a BRIN one of others.
                if d == Dialect::Postgres && !ix.unique && tape.chance(2) {
                    ix = match family {
                        Family::Json if tape.chance(1) => {
                            ix.using("gin").operator_class(&cname, "jsonb_path_ops")
                        }
                        Family::Json => ix.using("gin"),
                        _ => ix.using("brin"),
                    };
                }
                // A descending one; MySQL keeps no order for a unique key.
                if ix.method.is_none() && !(d == Dialect::MySql && ix.unique) && tape.chance(2) {
                    ix = ix.descending([cname.clone()]);
                }
                // PostgreSQL's B-tree: the key included, a text's operator
                // class for `LIKE`.
                if d == Dialect::Postgres && ix.method.is_none() {
                    if tape.chance(2) {
                        ix = ix.include(["id"]);
                    }
                    if matches!(ty, SqlType::Text | SqlType::Varchar(_)) && tape.chance(2) {
                        ix = ix.operator_class(&cname, "text_pattern_ops");
                    }
                }
                indexes.push(ix);
            }
            // An index on an expression of a text column; MySQL has none.
            if ty.is_text() && d != Dialect::MySql && tape.chance(1) {
                let mut ix =
                    Index::on_expressions(format!("ix_{name}_{cname}_lower"), [format!("lower({cname})")]);
                if tape.chance(2) {
                    ix = ix.unique();
                }
                indexes.push(ix);
            }
            if distinct && tape.chance(1) {
                uniques.push(UniqueConstraint::new(
                    format!("uq_{name}_{cname}"),
                    [cname.clone()],
                ));
            }
            if ty.is_integer() && tape.chance(1) {
                checks.push(Check::new(format!("ck_{name}_{cname}"), format!("{cname} >= 0")));
            }
        }
        // A generated column, the same in A and B when both have it (a
        // change of how a column is generated is refused by the build);
        // stored on PostgreSQL, which has no virtual ones before 18. Not on
        // MariaDB, which computes none from the AUTO_INCREMENT key, the one
        // column every table has in both (Ferro refuses that there, and
        // conformance cases 1021-1024 cover MariaDB's generated columns).
        // It reads the key, never a column whose type the pair changes:
        // PostgreSQL refuses to change the type of a column a generated
        // column reads, which the build does not handle yet (an open
        // question for the product, written in docs/models.md).
        if d != Dialect::MySql && tape.chance(1) {
            let stored = d == Dialect::Postgres || i % 2 == 0;
            columns.push(
                Column::new("g", SqlType::BigInt)
                    .nullable()
                    .generated("id * 2", stored),
            );
        }
        let mut fks = Vec::new();
        if tape.chance(2) {
            let parent = tape.pick(TABLES);
            if present[parent] {
                let action = [
                    Action::NoAction,
                    Action::Cascade,
                    Action::SetNull,
                    Action::Restrict,
                ][tape.pick(4)];
                columns.push(Column::new("ref", SqlType::BigInt).nullable());
                fks.push(
                    ForeignKey::new(
                        format!("fk_{name}_ref_t{parent}"),
                        ["ref"],
                        qualified(parent),
                        ["id"],
                    )
                    .on_delete(action),
                );
            }
        }
        t.columns = columns.into();
        t.primary_key = Some(PrimaryKey::new(format!("pk_{name}"), ["id"]));
        t.indexes = indexes.into();
        t.unique_constraints = uniques.into();
        t.foreign_keys = fks.into();
        t.checks = checks.into();
        if tape.chance(1) {
            t.comment = Some(format!("table {name}").into());
        }
        tables.push(t);
    }
    // Views over the tables, one over a view: made again around each change
    // to what they read (PostgreSQL refuses to retype, drop or rename a
    // column a view uses, and an enum made again is a retype). On
    // PostgreSQL some are materialized; the others have no materialized
    // views and refuse a migration that makes one.
    let mut views = Vec::new();
    for t in &tables {
        if tape.chance(2) {
            let bare = ferro::schema::naming::bare(&t.name);
            let view = View::new(format!("v_{bare}"), format!("SELECT * FROM {}", quoted(&t.name)));
            views.push(if d == Dialect::Postgres && tape.chance(1) {
                view.materialized()
            } else {
                view
            });
        }
    }
    if let Some(first) = views.first().filter(|_| tape.chance(2)) {
        let sql = format!("SELECT count(*) AS n FROM {}", first.name);
        views.push(View::new("v_count", sql));
    }
    Schema::with_views(tables, views).expect("a valid schema")
}

/// The table of `schema` called `name` in whatever schema it is.
fn same<'a>(schema: &'a Schema, name: &str) -> Option<&'a Table> {
    schema
        .tables()
        .iter()
        .find(|t| ferro::schema::naming::bare(&t.name) == name)
}

/// A table's name as SQL says it: `"s1"."t0"` for `s1.t0`.
fn quoted(table: &str) -> String {
    match ferro::schema::naming::split(table) {
        (Some(schema), name) => format!("\"{schema}\".\"{name}\""),
        (None, name) => format!("\"{name}\""),
    }
}

fn case(bytes: &[u8], d: Dialect) -> Case {
    let mut tape = Tape::new(bytes);
    let mut families = [[Family::Number; COLUMNS]; TABLES];
    for row in &mut families {
        for f in row.iter_mut() {
            *f = FAMILIES[tape.pick(FAMILIES.len())];
        }
    }
    let a = schema(&mut tape, &families, None, d);
    let b = schema(&mut tape, &families, Some(&a), d);
    // The downgrade adds back the columns B drops, to tables that keep their
    // rows: a required one without a default is added NULL-able, filled and
    // made NOT NULL, with the fill the test writes as a developer would. One
    // under a unique key would hold one value in every row, default or fill,
    // which the key refuses (see below): such a column takes NULL.
    let tables = a.tables().iter().map(|t| {
        let mut t = t.clone();
        let unique = unique_columns(&t);
        if let Some(kept) = same(&b, ferro::schema::naming::bare(&t.name)) {
            for c in t.columns.to_mut() {
                if kept.column(&c.name).is_none() && unique.contains(&c.name.to_string()) {
                    c.nullable = true;
                    c.default = None;
                }
            }
        }
        t
    });
    let a = Schema::with_views(tables.collect::<Vec<_>>(), a.views().to_vec()).expect("a valid schema");
    // A column B adds to a table with rows holds its default in every row,
    // which a unique key over it refuses: no database, and no tool, can make
    // one value unique across rows. Such a column takes NULL instead (the
    // history tests give unique columns fills that differ per row).
    let tables = b.tables().iter().map(|t| {
        let mut t = t.clone();
        if let Some(old) = same(&a, ferro::schema::naming::bare(&t.name)) {
            let unique = unique_columns(&t);
            for c in t.columns.to_mut() {
                if old.column(&c.name).is_none() && unique.contains(&c.name.to_string()) {
                    c.default = None;
                    c.nullable = true;
                }
            }
        }
        t
    });
    let b = Schema::with_views(tables.collect::<Vec<_>>(), b.views().to_vec()).expect("a valid schema");
    Case { a, b }
}

/// The columns of `t` under a unique index or constraint, or read by an
/// expression of a unique index (`lower(c1)`).
fn unique_columns(t: &Table) -> Vec<String> {
    let read = |e: &str, c: &str| e == c || e.contains(&format!("({c})"));
    let by_expression = t.columns.iter().map(|c| &c.name).filter(|c| {
        t.indexes
            .iter()
            .filter(|i| i.unique)
            .any(|i| i.expressions.iter().any(|e| read(e, c)))
    });
    t.indexes
        .iter()
        .filter(|i| i.unique)
        .flat_map(|i| i.columns.iter())
        .chain(t.unique_constraints.iter().flat_map(|u| u.columns.iter()))
        .chain(by_expression)
        .map(ToString::to_string)
        .collect()
}

fn fail(e: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

/// Every value of every column of every table but `id`, as text, by table,
/// column and row.
async fn rows(
    conn: &mut AnyConnection,
    schema: &Schema,
    d: Dialect,
) -> Vec<((String, String), Vec<Option<String>>)> {
    let text = if d == Dialect::MySql { "CHAR" } else { "TEXT" };
    let mut out = Vec::new();
    for t in schema.tables() {
        for c in t.columns.iter().filter(|c| c.name != "id") {
            let sql = format!(
                "SELECT CAST(\"{}\" AS {text}) FROM {} ORDER BY id",
                c.name,
                quoted(&t.name)
            );
            // Not prepared: a column's type or collation changes between
            // two readings, which PostgreSQL refuses a cached plan.
            let values = sqlx::query(sqlx::AssertSqlSafe(sql))
                .persistent(false)
                .fetch_all(&mut *conn)
                .await
                .expect("rows")
                .iter()
                .map(|row| row.get::<Option<String>, _>(0))
                .collect();
            // By the table's name in its schema: a table that moves keeps it.
            let table = ferro::schema::naming::bare(&t.name);
            out.push(((table.to_owned(), c.name.to_string()), values));
        }
    }
    out
}

async fn insert(conn: &mut AnyConnection, schema: &Schema) -> Result<(), TestCaseError> {
    for t in schema.tables() {
        for r in 1..=ROWS {
            let mut names = vec!["\"id\"".to_owned()];
            let mut values = vec![r.to_string()];
            for (j, c) in t
                .columns
                .iter()
                .enumerate()
                .filter(|(_, c)| c.name != "id" && c.name != "ref" && c.generated.is_none())
            {
                names.push(format!("\"{}\"", c.name));
                // NULL in one row of each NULL-able column: the rows a NOT
                // NULL change must fill.
                let null = c.nullable && (r + j as i64) % ROWS == 0;
                values.push(if null { "NULL".to_owned() } else { value(&c.ty, r) });
            }
            let sql = format!(
                "INSERT INTO {} ({}) VALUES ({})",
                quoted(&t.name),
                names.join(", "),
                values.join(", ")
            );
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone()))
                .execute(&mut *conn)
                .await
                .map_err(|e| fail(format!("{sql}: {e}")))?;
        }
    }
    Ok(())
}

async fn round_trip(url: &str, case: &Case) -> Result<(), TestCaseError> {
    let empty = Schema::new([]).expect("the empty schema");
    pair::set(
        &case.a,
        &case.b,
        ferro::runtime::Dialect::of_url(url).map_err(fail)?,
    );
    let migrator = Migrator::new(&pair::MIGRATIONS);
    let mut db = Database::connect(url).await.map_err(fail)?;
    let mut conn = AnyConnection::connect(url).await.map_err(fail)?;
    let d = db.dialect();
    if d == Dialect::MySql {
        // Standard quotes, as the migrator's own connection has.
        sqlx::raw_sql("SET SESSION sql_mode = 'STRICT_ALL_TABLES,ANSI_QUOTES'")
            .execute(&mut conn)
            .await
            .map_err(fail)?;
    }
    let rev = |id: &str| Target::Revision(id.to_owned());

    migrator.upgrade(&mut db, &rev(A)).await.map_err(fail)?;
    read_back(&mut db, &case.a, "after building A")
        .await
        .map_err(fail)?;
    views_made(&migrator, &mut db, "after building A").await?;
    insert(&mut conn, &case.a).await?;
    let before = rows(&mut conn, &case.a, d).await;

    migrator.upgrade(&mut db, &Target::Head).await.map_err(fail)?;
    read_back(&mut db, &case.b, "after A to B").await.map_err(fail)?;
    views_made(&migrator, &mut db, "after A to B").await?;
    let after = rows(&mut conn, &case.b, d).await;
    for (column, values) in &before {
        if let Some((_, kept)) = after.iter().find(|(c, _)| c == column) {
            // A NULL becomes a value where the column became NOT NULL: the fill.
            let required = same(&case.b, &column.0)
                .and_then(|t| t.column(&column.1))
                .is_some_and(|c| !c.nullable);
            let same = values.iter().zip(kept).all(|(v, k)| match (v, k) {
                (None, Some(_)) => required,
                (v, k) => v == k,
            });
            prop_assert!(
                same && values.len() == kept.len(),
                "the rows of {:?} changed from A to B: {:?} became {:?}",
                column,
                values,
                kept
            );
        }
    }

    migrator.downgrade(&mut db, &rev(A)).await.map_err(fail)?;
    read_back(&mut db, &case.a, "after B back to A")
        .await
        .map_err(fail)?;
    views_made(&migrator, &mut db, "after B back to A").await?;
    migrator.downgrade(&mut db, &Target::Base).await.map_err(fail)?;
    read_back(&mut db, &empty, "after A back to the empty database")
        .await
        .map_err(fail)?;
    Ok(())
}

/// `check --schema` finds every view the applied migrations made.
async fn views_made(migrator: &Migrator, db: &mut Database, when: &str) -> Result<(), TestCaseError> {
    let drift = migrator.drift(db).await.map_err(fail)?;
    prop_assert!(drift.differences.is_empty(), "{when}: {:?}", drift.differences);
    Ok(())
}

fn run(dialect: Dialect) {
    if ferro_tests::fresh_database(dialect, "case").is_none() {
        return;
    }
    let config = Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(256),
        failure_persistence: None,
        ..Config::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let mut runner = TestRunner::new(config);
    let outcome = runner.run(&prop::collection::vec(any::<u8>(), 160), |bytes| {
        let case = case(&bytes, dialect);
        let (url, _dir) = ferro_tests::fresh_database(dialect, "case").expect("the database server");
        runtime.block_on(round_trip(&url, &case))
    });
    match outcome {
        Err(proptest::test_runner::TestError::Fail(reason, bytes)) => {
            let case = case(&bytes, dialect);
            let empty = Schema::new([]).expect("the empty schema");
            let words = |ops: Vec<Op>| ops.iter().map(ToString::to_string).collect::<Vec<_>>();
            panic!(
                "{}: {reason}\nA from nothing: {:#?}\nA to B: {:#?}",
                dialect.name(),
                words(steps(&empty, &case.a).0),
                words(steps(&case.a, &case.b).0)
            );
        }
        Err(e) => panic!("{}: {e}", dialect.name()),
        Ok(()) => {}
    }
}

#[test]
fn sqlite_round_trips() {
    run(Dialect::Sqlite);
}

#[test]
fn postgres_round_trips() {
    run(Dialect::Postgres);
}

#[test]
fn mariadb_round_trips() {
    run(Dialect::MySql);
}
