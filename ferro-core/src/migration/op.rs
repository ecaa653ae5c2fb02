//! Operations: the dialect-neutral steps a migration is made of.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::schema::UniqueConstraint;
use crate::schema::{
    Check, Column, EnumType, ForeignKey, Index, List, PrimaryKey, SqlType, Str, Table, View,
};

/// One change to a database's schema, independent of the database.
///
/// Every operation names what it acts on; those that add something carry its
/// whole definition. [`Op::AlterColumn`] carries the column as it was and as it
/// becomes, so that a renderer can pick a cast and a reader can see the change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Op {
    /// `CREATE TABLE`, with its keys, constraints and indexes.
    CreateTable(Table),
    /// `DROP TABLE`.
    DropTable {
        /// The table.
        name: Str,
    },
    /// `ALTER TABLE .. RENAME TO`.
    RenameTable {
        /// The current name.
        from: Str,
        /// The new name.
        to: Str,
    },
    /// `ALTER TABLE .. ADD COLUMN`.
    AddColumn {
        /// The table.
        table: Str,
        /// The new column.
        column: Column,
    },
    /// `ALTER TABLE .. DROP COLUMN`.
    DropColumn {
        /// The table.
        table: Str,
        /// The column.
        column: Str,
    },
    /// `ALTER TABLE .. RENAME COLUMN`.
    RenameColumn {
        /// The table.
        table: Str,
        /// The current name.
        from: Str,
        /// The new name.
        to: Str,
    },
    /// A change of a column's type, nullability, default or comment.
    AlterColumn {
        /// The table.
        table: Str,
        /// The column as it is (its name is the column's).
        from: Column,
        /// The column as it becomes (same name).
        to: Column,
    },
    /// Adds a primary key to a table that has none.
    AddPrimaryKey {
        /// The table.
        table: Str,
        /// The key.
        key: PrimaryKey,
    },
    /// Drops a table's primary key.
    DropPrimaryKey {
        /// The table.
        table: Str,
        /// The key's name.
        name: Str,
    },
    /// `CREATE [UNIQUE] INDEX`.
    CreateIndex {
        /// The table.
        table: Str,
        /// The index.
        index: Index,
    },
    /// `DROP INDEX`.
    DropIndex {
        /// The table.
        table: Str,
        /// The index's name.
        name: Str,
    },
    /// Adds a unique constraint.
    AddUnique {
        /// The table.
        table: Str,
        /// The constraint.
        constraint: UniqueConstraint,
    },
    /// Drops a unique constraint.
    DropUnique {
        /// The table.
        table: Str,
        /// The constraint's name.
        name: Str,
    },
    /// Adds a foreign key.
    AddForeignKey {
        /// The referencing table.
        table: Str,
        /// The key.
        key: ForeignKey,
    },
    /// Drops a foreign key.
    DropForeignKey {
        /// The referencing table.
        table: Str,
        /// The key's name.
        name: Str,
    },
    /// Adds a check constraint.
    AddCheck {
        /// The table.
        table: Str,
        /// The constraint.
        check: Check,
    },
    /// Drops a check constraint.
    DropCheck {
        /// The table.
        table: Str,
        /// The constraint's name.
        name: Str,
    },
    /// Renames an index (the index behind a primary key or unique constraint too).
    RenameIndex {
        /// The table.
        table: Str,
        /// The current name.
        from: Str,
        /// The new name.
        to: Str,
    },
    /// Renames a constraint: a primary key, unique, foreign key or check.
    RenameConstraint {
        /// The table.
        table: Str,
        /// The current name.
        from: Str,
        /// The new name.
        to: Str,
    },
    /// Sets or clears a table's comment.
    SetTableComment {
        /// The table.
        table: Str,
        /// The new comment, or none.
        comment: Option<Str>,
    },
    /// Creates an enum type (a native type on PostgreSQL; elsewhere the columns
    /// that use it carry its values).
    CreateEnum(EnumType),
    /// Drops an enum type no column uses any more.
    DropEnum {
        /// The type's name.
        name: Str,
    },
    /// Adds a value to an enum type.
    AddEnumValue {
        /// The type.
        name: Str,
        /// The new value.
        value: Str,
        /// The value it goes before; at the end when none.
        before: Option<Str>,
    },
    /// Removes a value from an enum type.
    DropEnumValue {
        /// The type.
        name: Str,
        /// The value.
        value: Str,
    },
    /// Puts the values of an enum type in this order (the same values).
    ReorderEnumValues {
        /// The type.
        name: Str,
        /// Every value, in the new order.
        values: List<Str>,
    },
    /// Renames a value of an enum type; rows that hold it hold the new name.
    RenameEnumValue {
        /// The type.
        name: Str,
        /// The current value.
        from: Str,
        /// The new value.
        to: Str,
    },
    /// `UPDATE .. SET column = value WHERE column IS NULL`: the rows that hold
    /// NULL in a column about to become NOT NULL get a value first. The plan
    /// puts one before every such change; `value` is the model's default,
    /// or `None` when the model has none, and then the step refuses to run
    /// until someone writes the SQL expression into the migration file.
    FillNulls {
        /// The table.
        table: Str,
        /// The column.
        column: Str,
        /// The SQL expression the rows that hold NULL get.
        value: Option<Str>,
    },
    /// A renamed column kept for a contract migration, and the column under
    /// its new name, kept equal while both exist: on PostgreSQL and MySQL a
    /// trigger copies each write of one into the other (an insert that
    /// gives `old` takes its value for both), then the rows where one of
    /// them is NULL get the other's value. On SQLite, which one version of
    /// an application writes at a time, only the copy.
    SyncColumns {
        /// The table.
        table: Str,
        /// The column under its old name.
        old: Str,
        /// The column under its new name.
        new: Str,
    },
    /// Drops what [`Op::SyncColumns`] made for the same columns.
    UnsyncColumns {
        /// The table.
        table: Str,
        /// The column under its old name.
        old: Str,
        /// The column under its new name.
        new: Str,
    },
    /// A renamed table's old name kept for the version of the application
    /// that still uses it, until a contract migration: on PostgreSQL and
    /// MySQL a view `alias` that selects every column of `table`, which
    /// both let the application read, insert, update and delete through
    /// (defaults and generated keys come from the table). Nothing on
    /// SQLite, where one version of an application writes at a time.
    AliasTable {
        /// The table.
        table: Str,
        /// The view's name: the table's old name.
        alias: Str,
    },
    /// Drops the view [`Op::AliasTable`] made.
    UnaliasTable {
        /// The table.
        table: Str,
        /// The view's name.
        alias: Str,
    },
    /// `CREATE SCHEMA IF NOT EXISTS`: a PostgreSQL schema (namespace) for
    /// the tables that name it, made before them.
    CreateSchema {
        /// The schema's name.
        name: Str,
    },
    /// `DROP SCHEMA`, once no table is left in it; PostgreSQL refuses it
    /// while the schema still holds anything, so nothing is lost.
    DropSchema {
        /// The schema's name.
        name: Str,
    },
    /// `CREATE VIEW` (or `CREATE MATERIALIZED VIEW`).
    CreateView(View),
    /// `DROP VIEW` (or `DROP MATERIALIZED VIEW`).
    DropView {
        /// The view's name.
        name: Str,
        /// Whether it is a materialized view.
        #[serde(default)]
        materialized: bool,
    },
    /// SQL written by hand, run as it is.
    Sql(Str),
    /// A data step in Rust, by name: the function itself is in the migration
    /// (see `Ops::rust`).
    Rust {
        /// The step's name, unique in its migration.
        name: Str,
    },
    /// This direction cannot be performed: a downgrade that would need data
    /// the upgrade threw away. Reverting it is an error that gives the reason.
    Irreversible {
        /// Why.
        reason: Str,
    },
}

/// What applying an operation risks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Safety {
    /// Loses nothing and cannot fail because of the rows in the tables.
    Safe,
    /// Loses nothing, but may fail because of existing rows (a NOT NULL column
    /// without a default on a table with rows, a unique key over duplicates).
    DataDependent,
    /// Loses data: a dropped table, column or enum value, or a narrowing type
    /// change. It needs an acknowledgement before it is applied.
    Destructive,
}

impl Op {
    /// What applying this operation risks.
    pub fn safety(&self) -> Safety {
        match self {
            Op::DropTable { .. } | Op::DropColumn { .. } | Op::DropEnumValue { .. } => Safety::Destructive,
            Op::AlterColumn { from, to, .. } => alter_safety(from, to),
            Op::AddColumn { column, .. } => {
                if column.nullable || column.default.is_some() || column.auto_increment {
                    Safety::Safe
                } else {
                    Safety::DataDependent
                }
            }
            Op::AddPrimaryKey { .. }
            | Op::AddUnique { .. }
            | Op::AddForeignKey { .. }
            | Op::AddCheck { .. }
            | Op::CreateIndex {
                index: Index { unique: true, .. },
                ..
            } => Safety::DataDependent,
            // Hand-written SQL is reviewed by whoever wrote it.
            Op::Sql(_) => Safety::Safe,
            _ => Safety::Safe,
        }
    }

    /// Whether this operation needs an acknowledgement before it is applied.
    pub fn is_destructive(&self) -> bool {
        self.safety() == Safety::Destructive
    }

    /// Whether this makes or drops a PostgreSQL schema, or names a table in
    /// one (`billing.invoices`): what only PostgreSQL runs.
    pub fn names_a_schema(&self) -> bool {
        let qualified = |name: &str| crate::schema::naming::split(name).0.is_some();
        let refers = |keys: &[ForeignKey]| keys.iter().any(|k| qualified(&k.referred_table));
        match self {
            Op::CreateSchema { .. } | Op::DropSchema { .. } => true,
            Op::CreateView(v) => qualified(&v.name),
            Op::DropView { name, .. } => qualified(name),
            Op::CreateTable(t) => qualified(&t.name) || refers(&t.foreign_keys),
            Op::RenameTable { from, to } => qualified(from) || qualified(to),
            Op::AddForeignKey { table, key } => qualified(table) || qualified(&key.referred_table),
            Op::AliasTable { table, alias } | Op::UnaliasTable { table, alias } => {
                qualified(table) || qualified(alias)
            }
            op => super::op_table(op).is_some_and(qualified),
        }
    }

    /// Whether this is a fill whose value nobody has written yet: a step that
    /// refuses to run.
    pub fn is_unwritten_fill(&self) -> bool {
        matches!(self, Op::FillNulls { value: None, .. })
    }
}

fn alter_safety(from: &Column, to: &Column) -> Safety {
    if from.ty != to.ty && !widens(&from.ty, &to.ty) {
        return Safety::Destructive;
    }
    // Another collation may find two values of a unique key equal.
    if (from.nullable && !to.nullable) || from.collation != to.collation {
        return Safety::DataDependent;
    }
    Safety::Safe
}

/// Whether every value of type `from` is kept unchanged by type `to`.
pub fn widens(from: &SqlType, to: &SqlType) -> bool {
    use SqlType::*;
    fn rank(t: &SqlType) -> Option<u8> {
        match t {
            SmallInt => Some(0),
            Integer => Some(1),
            BigInt => Some(2),
            _ => None,
        }
    }
    match (from, to) {
        _ if from == to => true,
        (Real, Double) => true,
        (Varchar(a), Varchar(b)) => a <= b,
        (Varchar(_), Text) => true,
        (Enum(a), Enum(b)) => a.name == b.name,
        (
            Numeric {
                precision: Some(p1),
                scale: s1,
            },
            Numeric {
                precision: Some(p2),
                scale: s2,
            },
        ) => {
            let (s1, s2) = (s1.unwrap_or(0), s2.unwrap_or(0));
            s2 >= s1 && p2.saturating_sub(s2) >= p1.saturating_sub(s1)
        }
        (Numeric { .. }, Numeric { precision: None, .. }) => true,
        _ => match (rank(from), rank(to)) {
            (Some(a), Some(b)) => a <= b,
            _ => false,
        },
    }
}

impl fmt::Display for Op {
    /// A short description in the words of the migration's message:
    /// `add column users.age`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::CreateTable(table) => write!(f, "create table {}", table.name),
            Op::DropTable { name } => write!(f, "drop table {name}"),
            Op::RenameTable { from, to } => write!(f, "rename table {from} to {to}"),
            Op::AddColumn { table, column } => write!(f, "add column {table}.{}", column.name),
            Op::DropColumn { table, column } => write!(f, "drop column {table}.{column}"),
            Op::RenameColumn { table, from, to } => write!(f, "rename column {table}.{from} to {to}"),
            Op::AlterColumn { table, from, to } => {
                write!(f, "alter column {table}.{} (", to.name)?;
                let mut parts = Vec::new();
                if from.ty != to.ty {
                    parts.push(format!("type {} to {}", type_words(&from.ty), type_words(&to.ty)));
                }
                if from.generated != to.generated {
                    parts.push(match &to.generated {
                        Some(g) => format!("generated as {}", g.expr),
                        None => "not generated".to_owned(),
                    });
                }
                if from.collation != to.collation {
                    parts.push(match &to.collation {
                        Some(c) => format!("collation {c}"),
                        None => "default collation".to_owned(),
                    });
                }
                if from.nullable != to.nullable {
                    parts.push(if to.nullable { "NULL" } else { "NOT NULL" }.to_owned());
                }
                if from.default != to.default {
                    parts.push(match &to.default {
                        Some(d) => format!("default {d}"),
                        None => "no default".to_owned(),
                    });
                }
                if from.auto_increment != to.auto_increment {
                    let word = if to.auto_increment {
                        "auto-increment"
                    } else {
                        "no auto-increment"
                    };
                    parts.push(word.to_owned());
                }
                if from.comment != to.comment {
                    parts.push("comment".to_owned());
                }
                write!(f, "{})", parts.join(", "))
            }
            Op::AddPrimaryKey { table, key } => {
                write!(f, "add primary key {table}({})", key.columns.join(", "))
            }
            Op::DropPrimaryKey { table, name } => write!(f, "drop primary key {table}.{name}"),
            Op::CreateIndex { table, index } => {
                let unique = if index.unique { "unique " } else { "" };
                let mut columns: Vec<String> = (0..index.columns.len())
                    .map(|i| {
                        let class = index
                            .operator_class_of(i)
                            .map(|c| format!(" {c}"))
                            .unwrap_or_default();
                        let order = if index.is_descending(i) { " desc" } else { "" };
                        format!("{}{class}{order}", index.columns[i])
                    })
                    .collect();
                columns.extend(index.expressions.iter().map(|e| e.to_string()));
                let method = index
                    .method
                    .as_deref()
                    .map(|m| format!(" using {m}"))
                    .unwrap_or_default();
                write!(f, "create {unique}index {table}{method}({})", columns.join(", "))?;
                if !index.include.is_empty() {
                    write!(f, " include ({})", index.include.join(", "))?;
                }
                match &index.predicate {
                    Some(predicate) => write!(f, " where {predicate}"),
                    None => Ok(()),
                }
            }
            Op::DropIndex { table, name } => write!(f, "drop index {table}.{name}"),
            Op::AddUnique { table, constraint } => {
                write!(f, "add unique {table}({})", constraint.columns.join(", "))
            }
            Op::DropUnique { table, name } => write!(f, "drop unique {table}.{name}"),
            Op::AddForeignKey { table, key } => write!(
                f,
                "add foreign key {table}({}) to {}",
                key.columns.join(", "),
                key.referred_table
            ),
            Op::DropForeignKey { table, name } => write!(f, "drop foreign key {table}.{name}"),
            Op::AddCheck { table, check } => write!(f, "add check {table}.{}", check.name),
            Op::DropCheck { table, name } => write!(f, "drop check {table}.{name}"),
            Op::RenameIndex { table, from, to } => write!(f, "rename index {table}.{from} to {to}"),
            Op::RenameConstraint { table, from, to } => {
                write!(f, "rename constraint {table}.{from} to {to}")
            }
            Op::SetTableComment { table, .. } => write!(f, "set comment of table {table}"),
            Op::CreateEnum(e) => write!(f, "create enum {}", e.name),
            Op::DropEnum { name } => write!(f, "drop enum {name}"),
            Op::AddEnumValue { name, value, .. } => write!(f, "add value {value} to enum {name}"),
            Op::DropEnumValue { name, value } => write!(f, "drop value {value} of enum {name}"),
            Op::RenameEnumValue { name, from, to } => {
                write!(f, "rename value {from} of enum {name} to {to}")
            }
            Op::ReorderEnumValues { name, .. } => write!(f, "reorder values of enum {name}"),
            Op::FillNulls { table, column, value } => match value {
                Some(value) => write!(f, "fill NULLs of {table}.{column} with {value}"),
                None => write!(f, "fill NULLs of {table}.{column} (value not written)"),
            },
            Op::SyncColumns { table, old, new } => write!(f, "keep {table}.{old} and {table}.{new} equal"),
            Op::AliasTable { table, alias } => write!(f, "keep table {table} also as view {alias}"),
            Op::UnaliasTable { table, alias } => {
                write!(f, "drop view {alias}, the old name of table {table}")
            }
            Op::UnsyncColumns { table, old, new } => {
                write!(f, "stop keeping {table}.{old} and {table}.{new} equal")
            }
            Op::CreateSchema { name } => write!(f, "create schema {name}"),
            Op::CreateView(v) if v.materialized => write!(f, "create materialized view {}", v.name),
            Op::CreateView(v) => write!(f, "create view {}", v.name),
            Op::DropView {
                name,
                materialized: true,
            } => write!(f, "drop materialized view {name}"),
            Op::DropView { name, .. } => write!(f, "drop view {name}"),
            Op::DropSchema { name } => write!(f, "drop schema {name}"),
            Op::Sql(_) => f.write_str("run SQL"),
            Op::Rust { name } => write!(f, "run Rust step {name}"),
            Op::Irreversible { reason } => write!(f, "cannot be reverted: {reason}"),
        }
    }
}

/// A type as the messages spell it: `INTEGER`, `VARCHAR(64)`, `NUMERIC(12, 2)`.
pub fn type_words(ty: &SqlType) -> String {
    match ty {
        SqlType::SmallInt => "SMALLINT".into(),
        SqlType::Integer => "INTEGER".into(),
        SqlType::BigInt => "BIGINT".into(),
        SqlType::Real => "REAL".into(),
        SqlType::Double => "DOUBLE".into(),
        SqlType::Boolean => "BOOLEAN".into(),
        SqlType::Text => "TEXT".into(),
        SqlType::Varchar(n) => format!("VARCHAR({n})"),
        SqlType::Blob => "BLOB".into(),
        SqlType::Numeric {
            precision: Some(p),
            scale: Some(s),
        } => format!("NUMERIC({p}, {s})"),
        SqlType::Numeric {
            precision: Some(p),
            scale: None,
        } => format!("NUMERIC({p})"),
        SqlType::Numeric { .. } => "NUMERIC".into(),
        SqlType::Uuid => "UUID".into(),
        SqlType::Timestamp { with_time_zone: true } => "TIMESTAMPTZ".into(),
        SqlType::Timestamp {
            with_time_zone: false,
        } => "TIMESTAMP".into(),
        SqlType::Date => "DATE".into(),
        SqlType::Time => "TIME".into(),
        SqlType::Json => "JSON".into(),
        SqlType::Enum(e) => format!("ENUM {}", e.name),
        SqlType::Custom(sql) => sql.to_string(),
    }
}
