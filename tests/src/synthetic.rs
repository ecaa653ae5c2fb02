//! A synthetic schema for the benchmarks: N tables of 10 columns of mixed
//! types, a unique, an index and a nullable CASCADE foreign key to the
//! previous table each; and a history of N small migrations.

use ferro::migration::{Migration, Ops, Revision};
use ferro::schema::{Action, Column, ForeignKey, Index, PrimaryKey, SqlType, Table, UniqueConstraint};

/// A `'static` name, as a model's descriptor holds it.
fn name(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// A `'static` list, as a model's descriptor holds it: copying the
/// descriptor copies no column.
fn list<T: Clone>(items: Vec<T>) -> ferro::schema::List<T> {
    std::borrow::Cow::Borrowed(Box::leak(items.into_boxed_slice()))
}

/// Table number `i`.
pub fn table(i: usize) -> Table {
    let mut t = Table::new(name(format!("table_{i:04}")));
    let mut columns = vec![
        Column::new("id", SqlType::BigInt).auto_increment(),
        Column::new("code", SqlType::Varchar(32)),
        Column::new("name", SqlType::Text),
        Column::new("amount", SqlType::numeric(12, 2)),
        Column::new("active", SqlType::Boolean).default("true"),
        Column::new("created_at", SqlType::TIMESTAMPTZ),
        Column::new("note", SqlType::Text).nullable(),
        Column::new("score", SqlType::Double).nullable(),
        Column::new("payload", SqlType::Json).nullable(),
    ];
    columns.push(Column::new("parent_id", SqlType::BigInt).nullable());
    t.columns = list(columns);
    t.primary_key = Some(PrimaryKey::new(name(format!("pk_table_{i:04}")), ["id"]));
    t.unique_constraints = list(vec![UniqueConstraint::new(
        name(format!("uq_table_{i:04}_code")),
        ["code"],
    )]);
    t.indexes = list(vec![Index::new(name(format!("ix_table_{i:04}_name")), ["name"])]);
    let referred = name(format!("table_{:04}", i.saturating_sub(1)));
    t.foreign_keys = list(vec![
        ForeignKey::new(
            name(format!("fk_table_{i:04}_parent_id")),
            ["parent_id"],
            referred,
            ["id"],
        )
        .on_delete(Action::Cascade),
    ]);
    t
}

/// The models' descriptors: what `ferro::schema!()` resolves on every run.
pub fn descriptors(n: usize) -> Vec<Table> {
    (0..n).map(table).collect()
}

/// What each small migration runs.
pub const SMALL: &str = "INSERT INTO bench_log (n) VALUES (1)";

fn small(op: &mut Ops) {
    op.sql(SMALL);
}
fn log_table(op: &mut Ops) {
    op.sql("CREATE TABLE bench_log (n INTEGER)");
}
fn nothing(_: &mut Ops) {}

/// `n` migrations in a line: the first creates a table, each other inserts a row.
pub fn small_migrations(n: usize) -> &'static [Migration] {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let id = name(format!("{i:012x}"));
        let parents: &'static [&'static str] = if i == 0 {
            &[]
        } else {
            Box::leak(vec![name(format!("{:012x}", i - 1))].into_boxed_slice())
        };
        out.push(Migration {
            file: id,
            source: id,
            revision: Revision {
                id,
                parents,
                message: "small",
                schema: None,
            },
            upgrade: ferro::migration::Body::Code(if i == 0 { log_table } else { small }),
            downgrade: ferro::migration::Body::Code(nothing),
            replaces: &[],
        });
    }
    Box::leak(out.into_boxed_slice())
}
