//! SQLite: what its `ALTER TABLE` can do. Changing a column, a key or a
//! constraint of an existing table needs a table rebuild, which a later
//! release plans; until then those operations are errors that say so.

use super::{Dialect, create_index, create_table, default_clause, enum_values, is_identity, unsupported};
use crate::migrate::error::MigrateError;
use crate::migration::{Op, type_words};
use crate::schema::{Column, SqlType, Table};

const D: Dialect = Dialect::Sqlite;

const REBUILD: &str = "SQLite's ALTER TABLE cannot make this change; it needs a table rebuild, \
                       which a later release plans";

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
    if !column.nullable {
        out.push_str(" NOT NULL");
    }
    if is_identity(table, column) {
        let pk = table.primary_key.as_ref().and_then(|pk| pk.name.as_deref());
        out.push(' ');
        out.push_str(&super::constraint(D, pk));
        out.push_str("PRIMARY KEY");
    }
    out.push_str(&default_clause(column));
    if let Some(values) = enum_values(&column.ty) {
        out.push_str(&format!(" CHECK ({name} IN ({values}))"));
    }
    out
}

fn alter(table: &str, rest: &str) -> String {
    format!("ALTER TABLE {} {rest}", D.ident(table))
}

pub(super) fn render(op: &Op) -> Result<Vec<String>, MigrateError> {
    Ok(match op {
        Op::CreateTable(table) => {
            let inline_key = table.columns.iter().any(|c| is_identity(table, c));
            create_table(D, table, column_def, inline_key)
        }
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
        Op::CreateIndex { table, index } => vec![create_index(D, table, index)],
        Op::DropIndex { name, .. } => vec![format!("DROP INDEX {}", D.ident(name))],
        // SQLite has no comments and no enum types: an enum is a `CHECK` on
        // its column, so the type itself has nothing to create or drop.
        Op::SetTableComment { .. } | Op::CreateEnum(_) | Op::DropEnum { .. } => Vec::new(),
        Op::AlterColumn { from, to, .. } if only_comment_differs(from, to) => Vec::new(),
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
        | Op::RenameEnumValue { .. } => return Err(unsupported(op, D, REBUILD)),
    })
}

fn only_comment_differs(from: &Column, to: &Column) -> bool {
    let mut same = from.clone();
    same.comment = to.comment.clone();
    same == *to
}
