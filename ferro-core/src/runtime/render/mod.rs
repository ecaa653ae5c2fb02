//! From dialect-neutral operations to SQL, per dialect.
//!
//! Identifiers are quoted by sea-query's builder for the dialect, always;
//! string literals (enum values, comments) are quoted by doubling `'`, which
//! both SQLite and PostgreSQL read as standard SQL. The DDL is written here:
//! sea-query's schema builders cannot express identity columns on a given
//! type, `USING` casts or comments on these backends, write constraint and
//! index names unescaped, drop foreign-key names on SQLite, and panic on the
//! `ALTER` forms SQLite lacks. An operation a dialect cannot perform is an
//! error, never a panic.

use std::fmt::Write as _;

pub(crate) use super::dialect::{Dialect, literal};
use super::error::MigrateError;
use crate::migration::{Op, State};
use crate::schema::{Action, Column, ForeignKey, SqlType, Table};

pub(crate) mod mysql;
pub(crate) mod postgres;
pub(crate) mod sqlite;

impl Dialect {
    /// A column type as this dialect writes it in `CREATE TABLE`.
    pub fn type_sql(self, ty: &SqlType) -> String {
        match self {
            Dialect::Sqlite => sqlite::sql_type(ty),
            Dialect::Postgres => postgres::sql_type(ty),
            Dialect::MySql => mysql::sql_type(ty),
        }
    }

    /// The SQL statements that perform `op`. On MySQL, the operations that
    /// need to know the schema before them (a column change, an enum's
    /// values, a dropped or renamed constraint) are refused here; the
    /// migrator renders them knowing it. Defaults, checks, SQL types and fill
    /// values are written as they are: the migrator checks them before a run
    /// (see [`crate::schema::fragment`]), and so must another caller.
    pub fn render(self, op: &Op) -> Result<Vec<String>, MigrateError> {
        self.render_in(op, None)
    }

    /// [`Dialect::render`], knowing the schema `before` the operation.
    pub(crate) fn render_in(self, op: &Op, before: Option<&State>) -> Result<Vec<String>, MigrateError> {
        refuse_schema(self, op)?;
        match self {
            Dialect::Sqlite => sqlite::render(op),
            Dialect::Postgres => postgres::render(op),
            Dialect::MySql => mysql::render(op, before),
        }
    }
}

/// An error when `d` is not PostgreSQL and `op` makes or drops a schema or
/// names a table in one.
pub(crate) fn refuse_schema(d: Dialect, op: &Op) -> Result<(), MigrateError> {
    if d == Dialect::Postgres || !op.names_a_schema() {
        return Ok(());
    }
    Err(unsupported(
        op,
        d,
        "schemas (namespaces) of tables are PostgreSQL's; here a schema is a database \
         (MySQL) or an attached file (SQLite), which Ferro does not manage",
    ))
}

/// `CREATE VIEW` or `DROP VIEW`, the same on every backend but for
/// materialized views, which only PostgreSQL has.
fn view(d: Dialect, op: &Op) -> Result<Vec<String>, MigrateError> {
    let (materialized, sql) = match op {
        Op::CreateView(v) => (v.materialized, format!("VIEW {} AS {}", d.ident(&v.name), v.sql)),
        Op::DropView { name, materialized } => (*materialized, format!("VIEW {}", d.ident(name))),
        _ => return Err(unsupported(op, d, "not a view")),
    };
    if materialized && d != Dialect::Postgres {
        return Err(unsupported(op, d, "materialized views are PostgreSQL's"));
    }
    let verb = if matches!(op, Op::CreateView(_)) {
        "CREATE"
    } else {
        "DROP"
    };
    let kind = if materialized { "MATERIALIZED " } else { "" };
    Ok(vec![format!("{verb} {kind}{sql}")])
}

/// `"a", "b"`.
fn idents(dialect: Dialect, names: &[impl AsRef<str>]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| dialect.ident(n.as_ref())).collect();
    quoted.join(", ")
}

fn unsupported(op: &Op, dialect: Dialect, reason: &str) -> MigrateError {
    MigrateError::Unsupported {
        op: op.to_string(),
        dialect: dialect.name(),
        reason: reason.to_owned(),
    }
}

/// `UPDATE "t" SET "c" = value WHERE "c" IS NULL`, the same on every
/// backend; a fill without a value is refused (the migrator refuses it
/// earlier, naming the migration).
fn fill_nulls(d: Dialect, op: &Op) -> Result<Vec<String>, MigrateError> {
    let Op::FillNulls { table, column, value } = op else {
        return Err(unsupported(op, d, "not a fill"));
    };
    let value = value
        .as_ref()
        .ok_or_else(|| unsupported(op, d, "the fill has no value written"))?;
    let column = d.ident(column);
    Ok(vec![format!(
        "UPDATE {} SET {column} = {value} WHERE {column} IS NULL",
        d.ident(table)
    )])
}

/// The name of the trigger (and, on PostgreSQL, its function) that keeps
/// `table.old` and `table.new` equal: `ferro_sync_` and a hash of the
/// three names, short enough for every backend's identifiers.
fn sync_name(table: &str, old: &str, new: &str) -> String {
    let hash = blake3::hash(format!("{table}\0{old}\0{new}").as_bytes()).to_hex();
    format!("ferro_sync_{}", &hash[..16])
}

/// The rows where one of two synced columns is NULL get the other's value:
/// after a rename's new column is added (every row), or its old one added
/// back by a downgrade.
fn sync_copy(d: Dialect, table: &str, old: &str, new: &str) -> String {
    let (old, new) = (d.ident(old), d.ident(new));
    format!(
        "UPDATE {} SET {new} = COALESCE({new}, {old}), {old} = COALESCE({old}, {new}) \
         WHERE {new} IS NULL OR {old} IS NULL",
        d.ident(table)
    )
}

/// The view under a renamed table's old name ([`Op::AliasTable`]): every
/// column, from the one table, so that PostgreSQL and MySQL let the
/// application insert, update and delete through it.
fn alias_view(d: Dialect, table: &str, alias: &str) -> String {
    let merge = if d == Dialect::MySql {
        "ALGORITHM = MERGE "
    } else {
        ""
    };
    format!(
        "CREATE {merge}VIEW {} AS SELECT * FROM {}",
        d.ident(alias),
        d.ident(table)
    )
}

/// How many rows a fill `.in_batches()` updates a transaction.
pub(crate) const FILL_BATCH: u32 = 10_000;

/// A fill `.in_batches()`: the statement that fills one batch, run until it
/// changes no row, and the whole fill as one statement, for offline scripts.
pub(crate) fn batched_fill(d: Dialect, op: &Op) -> Result<(String, String), MigrateError> {
    let whole = fill_nulls(d, op)?.remove(0);
    let Op::FillNulls {
        table,
        column,
        value: Some(value),
    } = op
    else {
        return Err(unsupported(op, d, "not a fill"));
    };
    let (table, column) = (d.ident(table), d.ident(column));
    let each = match d {
        Dialect::Postgres => format!(
            "UPDATE {table} SET {column} = {value} WHERE ctid IN \
             (SELECT ctid FROM {table} WHERE {column} IS NULL LIMIT {FILL_BATCH})"
        ),
        _ => format!("UPDATE {table} SET {column} = {value} WHERE {column} IS NULL LIMIT {FILL_BATCH}"),
    };
    Ok((each, whole))
}

/// `CONSTRAINT "fk" FOREIGN KEY ("a") REFERENCES "t" ("id") ON DELETE CASCADE`.
fn foreign_key(d: Dialect, fk: &ForeignKey) -> String {
    let mut out = String::new();
    if let Some(name) = &fk.name {
        let _ = write!(out, "CONSTRAINT {} ", d.ident(name));
    }
    let _ = write!(
        out,
        "FOREIGN KEY ({}) REFERENCES {} ({})",
        idents(d, &fk.columns),
        d.ident(&fk.referred_table),
        idents(d, &fk.referred_columns)
    );
    for (clause, action) in [("ON DELETE", fk.on_delete), ("ON UPDATE", fk.on_update)] {
        if action != Action::NoAction {
            let _ = write!(out, " {clause} {}", action.as_sql());
        }
    }
    out
}

/// `ADD CONSTRAINT "uq" UNIQUE ("a", "b")`, for `ALTER TABLE`.
fn add_unique(d: Dialect, uq: &crate::schema::UniqueConstraint) -> String {
    format!(
        "ADD {}UNIQUE ({})",
        constraint(d, uq.name.as_deref()),
        idents(d, &uq.columns)
    )
}

/// `ADD CONSTRAINT "ck" CHECK (expr)`, for `ALTER TABLE`.
fn add_check(d: Dialect, check: &crate::schema::Check) -> String {
    format!("ADD CONSTRAINT {} CHECK ({})", d.ident(&check.name), check.expr)
}

/// ` COLLATE "name"`, or nothing for the database's default collation.
fn collate(d: Dialect, column: &Column) -> String {
    column
        .collation
        .as_deref()
        .map(|c| format!(" COLLATE {}", d.ident(c)))
        .unwrap_or_default()
}

/// `CONSTRAINT "name" ` or nothing.
fn constraint(d: Dialect, name: Option<&str>) -> String {
    name.map(|n| format!("CONSTRAINT {} ", d.ident(n)))
        .unwrap_or_default()
}

/// `CREATE [UNIQUE] INDEX "ix" ON "t" [USING ..] ("a", "b") [INCLUDE (..)]
/// [WHERE ..]`. Written here rather than by sea-query's `Index::create`,
/// which writes index names unescaped.
fn create_index(d: Dialect, table: &str, index: &crate::schema::Index) -> String {
    let method = index
        .method
        .as_deref()
        .map(|m| format!(" USING {m}"))
        .unwrap_or_default();
    let mut sql = format!(
        "CREATE {}ON {}{method} ({})",
        index_head(d, index),
        d.ident(table),
        index_columns(d, index)
    );
    if !index.include.is_empty() {
        sql.push_str(&format!(" INCLUDE ({})", idents(d, &index.include)));
    }
    if let Some(predicate) = &index.predicate {
        sql.push_str(" WHERE ");
        sql.push_str(predicate);
    }
    sql
}

/// Why `database` cannot make `index`, when it has what only PostgreSQL
/// has: a method other than a B-tree, an operator class, included columns.
/// Refused rather than made as a plain index, which would not serve the
/// queries it is for (a `gin` index's containment, say).
fn postgres_index_form(index: &crate::schema::Index, database: &str) -> Option<String> {
    let name = index.name.as_deref().unwrap_or_default();
    if let Some(method) = &index.method {
        return Some(format!(
            "index {name} uses `{method}`, and {database} has only its own index methods"
        ));
    }
    if !index.operator_classes.is_empty() {
        return Some(format!(
            "index {name} names operator classes, which {database} does not have"
        ));
    }
    if !index.include.is_empty() {
        return Some(format!(
            "index {name} includes columns (`INCLUDE`), which {database} cannot"
        ));
    }
    None
}

/// Why MySQL cannot make `index`, when it is on expressions: MariaDB has
/// no indexes on expressions (MySQL 8.0.13 has, which Ferro does not make
/// there yet).
fn expression_index_form(index: &crate::schema::Index) -> Option<String> {
    let name = index.name.as_deref().unwrap_or_default();
    (!index.expressions.is_empty()).then(|| {
        format!(
            "index {name} is on expressions, which MariaDB cannot index (and Ferro does not make on MySQL)"
        )
    })
}

/// `"a" jsonb_path_ops, "b" DESC`: an index's columns, each with its
/// operator class and in its order.
fn index_columns(d: Dialect, index: &crate::schema::Index) -> String {
    if !index.expressions.is_empty() {
        let parts: Vec<String> = index.expressions.iter().map(|e| format!("({e})")).collect();
        return parts.join(", ");
    }
    index
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let class = index
                .operator_class_of(i)
                .map(|class| format!(" {class}"))
                .unwrap_or_default();
            let order = if index.is_descending(i) { " DESC" } else { "" };
            format!("{}{class}{order}", d.ident(c))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `UNIQUE INDEX "ix" `: what an index's definition starts with.
fn index_head(d: Dialect, index: &crate::schema::Index) -> String {
    let unique = if index.unique { "UNIQUE " } else { "" };
    let name = index
        .name
        .as_deref()
        .map(|n| format!("{} ", d.ident(n)))
        .unwrap_or_default();
    format!("{unique}INDEX {name}")
}

/// The parts of `CREATE TABLE` both dialects share; `column` writes a column
/// definition, and `inline_key` says whether the primary key went inline.
fn create_table(
    d: Dialect,
    table: &Table,
    column: impl Fn(&Table, &Column) -> String,
    inline_key: bool,
) -> Vec<String> {
    let mut parts: Vec<String> = table.columns.iter().map(|c| column(table, c)).collect();
    if let Some(pk) = table.primary_key.as_ref().filter(|_| !inline_key) {
        parts.push(format!(
            "{}PRIMARY KEY ({})",
            constraint(d, pk.name.as_deref()),
            idents(d, &pk.columns)
        ));
    }
    for uq in table.unique_constraints.iter() {
        parts.push(format!(
            "{}UNIQUE ({})",
            constraint(d, uq.name.as_deref()),
            idents(d, &uq.columns)
        ));
    }
    for fk in table.foreign_keys.iter() {
        parts.push(foreign_key(d, fk));
    }
    for ck in table.checks.iter() {
        parts.push(format!("CONSTRAINT {} CHECK ({})", d.ident(&ck.name), ck.expr));
    }
    // MySQL declares the indexes in `CREATE TABLE`: one statement, which it
    // applies whole or not at all, so a run stopped in it leaves no table
    // without its indexes.
    let inline_indexes = d == Dialect::MySql;
    if inline_indexes {
        parts.extend(
            table
                .indexes
                .iter()
                .map(|ix| format!("{}({})", index_head(d, ix), index_columns(d, ix))),
        );
    }
    let mut statements = vec![format!(
        "CREATE TABLE {} (\n    {}\n)",
        d.ident(&table.name),
        parts.join(",\n    ")
    )];
    if !inline_indexes {
        statements.extend(table.indexes.iter().map(|ix| create_index(d, &table.name, ix)));
    }
    statements
}

/// A column's default clause.
/// ` GENERATED ALWAYS AS (expr) STORED`, or nothing for a column that is not
/// generated; `VIRTUAL` where the dialect has it.
fn generated_clause(column: &Column) -> String {
    column
        .generated
        .as_ref()
        .map(|g| {
            let kind = if g.stored { "STORED" } else { "VIRTUAL" };
            format!(" GENERATED ALWAYS AS ({}) {kind}", g.expr)
        })
        .unwrap_or_default()
}

/// Why `op` cannot make or change a generated column here: PostgreSQL
/// before 18 has no virtual ones, and no database but MySQL alters a
/// column's generation in place (a build refuses such a change before any
/// migration has it; a hand-written one is refused here).
fn check_generated(op: &Op, d: Dialect) -> Result<(), MigrateError> {
    let columns: Vec<&Column> = match op {
        Op::CreateTable(table) => table.columns.iter().collect(),
        Op::AddColumn { column, .. } => vec![column],
        Op::AlterColumn { from, to, .. } => {
            if from.generated != to.generated && d == Dialect::Postgres {
                return Err(unsupported(
                    op,
                    d,
                    "PostgreSQL cannot change whether or how a column is generated in place; \
                     drop the column in one migration and add it in the next",
                ));
            }
            vec![to]
        }
        _ => Vec::new(),
    };
    if d == Dialect::Postgres
        && let Some(c) = columns
            .iter()
            .find(|c| c.generated.as_ref().is_some_and(|g| !g.stored))
    {
        let why = format!(
            "column {} is a virtual generated column, which PostgreSQL before 18 does not have; make it `stored`",
            c.name
        );
        return Err(unsupported(op, d, &why));
    }
    Ok(())
}

fn default_clause(column: &Column) -> String {
    column
        .default
        .as_ref()
        .map(|sql| format!(" DEFAULT {sql}"))
        .unwrap_or_default()
}

/// Whether `column` is `table`'s single-column, auto-incrementing key.
fn is_identity(table: &Table, column: &Column) -> bool {
    column.auto_increment
        && table
            .primary_key
            .as_ref()
            .is_some_and(|pk| pk.columns.len() == 1 && pk.columns[0] == column.name)
}

/// The SQL of an enum column's allowed values: `'a', 'b'`.
fn enum_values(ty: &SqlType) -> Option<String> {
    match ty {
        SqlType::Enum(e) => {
            let values: Vec<String> = e.values.iter().map(|v| literal(&v.name)).collect();
            Some(values.join(", "))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
