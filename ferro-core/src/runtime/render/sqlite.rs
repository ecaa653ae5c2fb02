//! SQLite: what its `ALTER TABLE` can do. Changing a column, a key or a
//! constraint of an existing table needs a table rebuild, which the migrator
//! performs when it applies the migration, from the table as the database
//! holds it (see `runtime::rebuild`); [`rebuilds`] says which operations.

use super::{Dialect, create_table, enum_values, is_identity, unsupported};
use crate::migration::{Op, type_words};
use crate::runtime::error::MigrateError;
use crate::schema::{Column, SqlType, Table};

const D: Dialect = Dialect::Sqlite;

const REBUILD: &str = "SQLite's ALTER TABLE cannot make this change; the migrator rebuilds the table \
                       when it applies the migration";

/// The column type as SQLite stores it (see the type mapping in the guide):
/// the words of [`type_words`], but for the types SQLite keeps as integers,
/// reals or text.
pub(super) fn sql_type(ty: &SqlType) -> String {
    match ty {
        SqlType::SmallInt | SqlType::Integer | SqlType::BigInt => "INTEGER".into(),
        SqlType::Real | SqlType::Double => "REAL".into(),
        SqlType::Uuid
        | SqlType::Timestamp { .. }
        | SqlType::Date
        | SqlType::Time
        | SqlType::Json
        | SqlType::Enum(_) => "TEXT".into(),
        other => type_words(other),
    }
}

/// A column definition; the auto-increment key is `INTEGER PRIMARY KEY`
/// inline (the rowid), an enum a `CHECK` of its values.
fn column_def(table: &Table, column: &Column) -> String {
    let name = D.ident(&column.name);
    let mut out = format!("{name} {}", sql_type(&column.ty));
    out.push_str(&super::collate(D, column));
    out.push_str(&super::generated_clause(column));
    if !column.nullable {
        out.push_str(" NOT NULL");
    }
    if is_identity(table, column) {
        let pk = table.primary_key.as_ref().and_then(|pk| pk.name.as_deref());
        out.push(' ');
        out.push_str(&super::constraint(D, pk));
        out.push_str("PRIMARY KEY");
    }
    if let Some(default) = &column.default {
        out.push_str(" DEFAULT ");
        out.push_str(&expression_default(default));
    }
    if let (Some(values), SqlType::Enum(e)) = (enum_values(&column.ty), &column.ty) {
        // Named after the enum type, so that the type can be found again.
        out.push_str(&format!(
            " CONSTRAINT {} CHECK ({name} IN ({values}))",
            D.ident(&e.name)
        ));
    }
    out
}

/// `CREATE TABLE` and `CREATE INDEX` statements for `table`.
pub(crate) fn create(table: &Table) -> Vec<String> {
    let inline_key = table.columns.iter().any(|c| is_identity(table, c));
    create_table(D, table, column_def, inline_key)
}

/// `CREATE [UNIQUE] INDEX` for one index of `table`.
pub(crate) fn create_index(table: &str, index: &crate::schema::Index) -> String {
    super::create_index(D, table, index)
}

/// Whether SQLite's `ALTER TABLE` cannot perform `op`, so that the table
/// (or, for an enum change, each table with a column of that enum) is
/// rebuilt. A column that takes neither NULL nor a default is added by a
/// rebuild. A dropped column is rebuilt only when a key or constraint uses
/// it, and a renamed index is dropped and made again rather than rebuilt,
/// which the migrator decides from the table.
pub(crate) fn rebuilds(op: &Op) -> bool {
    match op {
        Op::AlterColumn { from, to, .. } => !only_comment_differs(from, to),
        // SQLite refuses to add a NOT NULL column without a default even to
        // an empty table; a rebuild adds it (and fails, as every database
        // does, when the table has rows).
        // Nor will it add one whose default is not a constant
        // (`CURRENT_TIMESTAMP`, an expression).
        // Nor a stored generated column.
        Op::AddColumn { column, .. } => {
            (!column.nullable && column.default.is_none())
                || column.default.as_deref().is_some_and(|d| !is_constant(d))
                || column.generated.as_ref().is_some_and(|g| g.stored)
        }
        Op::DropColumn { .. }
        | Op::AddPrimaryKey { .. }
        | Op::DropPrimaryKey { .. }
        | Op::AddUnique { .. }
        | Op::DropUnique { .. }
        | Op::AddForeignKey { .. }
        | Op::DropForeignKey { .. }
        | Op::AddCheck { .. }
        | Op::DropCheck { .. }
        | Op::RenameConstraint { .. }
        | Op::RenameIndex { .. }
        | Op::AddEnumValue { .. }
        | Op::DropEnumValue { .. }
        | Op::ReorderEnumValues { .. }
        | Op::RenameEnumValue { .. } => true,
        // A fill joins the rebuild of the change after it, which copies
        // `COALESCE(column, value)`; alone, it is an `UPDATE`.
        Op::FillNulls { .. } => true,
        _ => false,
    }
}

fn alter(table: &str, rest: &str) -> String {
    format!("ALTER TABLE {} {rest}", D.ident(table))
}

pub(super) fn render(op: &Op) -> Result<Vec<String>, MigrateError> {
    let indexes = match op {
        Op::CreateTable(table) => table.indexes.iter().collect(),
        Op::CreateIndex { index, .. } => vec![index],
        _ => Vec::new(),
    };
    if let Some(why) = indexes
        .into_iter()
        .find_map(|ix| super::postgres_index_form(ix, "SQLite"))
    {
        return Err(unsupported(op, D, &why));
    }
    super::check_generated(op, D)?;
    Ok(match op {
        Op::CreateTable(table) => create(table),
        Op::DropTable { name } => vec![format!("DROP TABLE {}", D.ident(name))],
        Op::RenameTable { from, to } => vec![alter(from, &format!("RENAME TO {}", D.ident(to)))],
        Op::AddColumn { table, column } => {
            let t = Table::new(table.to_string());
            vec![alter(table, &format!("ADD COLUMN {}", column_def(&t, column)))]
        }
        Op::DropColumn { table, column } => vec![alter(table, &format!("DROP COLUMN {}", D.ident(column)))],
        Op::RenameColumn { table, from, to } => vec![alter(
            table,
            &format!("RENAME COLUMN {} TO {}", D.ident(from), D.ident(to)),
        )],
        Op::CreateIndex { table, index } => vec![create_index(table, index)],
        Op::DropIndex { name, .. } => vec![format!("DROP INDEX {}", D.ident(name))],
        // SQLite has no comments and no enum types: an enum is a `CHECK` on
        // its column, so the type itself has nothing to create or drop.
        Op::SetTableComment { .. } | Op::CreateEnum(_) | Op::DropEnum { .. } => Vec::new(),
        Op::AlterColumn { from, to, .. } if only_comment_differs(from, to) => Vec::new(),
        Op::FillNulls { .. } => super::fill_nulls(D, op)?,
        // One version of an application writes a SQLite file at a time, and
        // a rebuild would drop a trigger: the copy only.
        Op::SyncColumns { table, old, new } => vec![super::sync_copy(D, table, old, new)],
        // A SQLite view cannot be written through, and a rebuild of the
        // table would have to drop it and make it again: the rename alone.
        Op::UnsyncColumns { .. } | Op::AliasTable { .. } | Op::UnaliasTable { .. } => Vec::new(),
        Op::CreateView(_) | Op::DropView { .. } => super::view(D, op)?,
        // Refused before this (`refuse_schema`).
        Op::CreateSchema { .. } | Op::DropSchema { .. } => {
            return Err(unsupported(op, D, "a schema is an attached file here"));
        }
        Op::Sql(sql) => vec![sql.to_string()],
        Op::Rust { .. } | Op::Irreversible { .. } => {
            return Err(unsupported(op, D, "it is not SQL; the migrator runs it itself"));
        }
        Op::AlterColumn { .. }
        | Op::AddPrimaryKey { .. }
        | Op::DropPrimaryKey { .. }
        | Op::AddUnique { .. }
        | Op::DropUnique { .. }
        | Op::AddForeignKey { .. }
        | Op::DropForeignKey { .. }
        | Op::AddCheck { .. }
        | Op::DropCheck { .. }
        | Op::RenameIndex { .. }
        | Op::RenameConstraint { .. }
        | Op::AddEnumValue { .. }
        | Op::DropEnumValue { .. }
        | Op::ReorderEnumValues { .. }
        | Op::RenameEnumValue { .. } => return Err(unsupported(op, D, REBUILD)),
    })
}

/// A default as SQLite's `DEFAULT` takes it: a literal or `CURRENT_TIME`,
/// `CURRENT_DATE` or `CURRENT_TIMESTAMP` as written, anything else (a
/// function's call, an expression) in parentheses, without which SQLite
/// refuses it. SQLite gives it back as written, and the parentheses are lost
/// again in the reading ([`crate::runtime::stored`]).
fn expression_default(default: &str) -> String {
    let d = default.trim();
    let keyword = ["CURRENT_TIME", "CURRENT_DATE", "CURRENT_TIMESTAMP"]
        .iter()
        .any(|k| d.eq_ignore_ascii_case(k));
    if is_constant(d) || keyword || crate::runtime::introspect::unwrap_parens(d) != d {
        d.to_owned()
    } else {
        format!("({d})")
    }
}

/// Whether a default is a literal, which SQLite's `ADD COLUMN` accepts.
fn is_constant(default: &str) -> bool {
    let d = default.trim();
    let number = d.strip_prefix(['-', '+']).unwrap_or(d);
    (d.starts_with('\'') && d.ends_with('\'') && d.len() >= 2)
        || number.parse::<f64>().is_ok()
        || ["NULL", "TRUE", "FALSE"]
            .iter()
            .any(|k| d.eq_ignore_ascii_case(k))
}

fn only_comment_differs(from: &Column, to: &Column) -> bool {
    let mut same = from.clone();
    same.comment = to.comment.clone();
    same == *to
}
