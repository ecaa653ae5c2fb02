//! From an operation to the cases of the table: which facts of the
//! operation change what it does to a live table.

use crate::migration::{Op, widens};
use crate::schema::{Column, SqlType};

/// The rows of the table: one case of an operation, as far as its effect
/// differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    CreateTable {
        refers: bool,
    },
    DropTable,
    RenameTable,
    AddColumn(Fill),
    DropColumn,
    RenameColumn,
    ChangeType(Retype),
    /// Another collation for a text column, of the same type.
    ChangeCollation,
    SetNotNull,
    /// `.validate_separately()`: through a check validated apart.
    SetNotNullValidated,
    DropNotNull,
    ColumnDefault {
        required_loses_it: bool,
    },
    AddIdentity,
    DropIdentity,
    ColumnComment,
    AddPrimaryKey,
    /// A named primary key whose index is built concurrently first.
    AddPrimaryKeyUsingIndex,
    DropPrimaryKey,
    CreateIndex {
        unique: bool,
    },
    CreateIndexConcurrently {
        unique: bool,
    },
    DropIndex,
    DropIndexConcurrently,
    AddUnique,
    /// `.concurrently()`: its index built concurrently, then attached.
    AddUniqueUsingIndex,
    DropUnique,
    AddForeignKey,
    AddForeignKeyNotValid,
    DropForeignKey,
    AddCheck,
    AddCheckNotValid,
    DropCheck,
    RenameIndex,
    RenameConstraint,
    TableComment,
    CreateEnum,
    /// A PostgreSQL schema made or dropped.
    Namespace,
    /// A view made; a materialized one runs its query.
    CreateView {
        materialized: bool,
    },
    DropView,
    DropEnum,
    AddEnumValue {
        last: bool,
    },
    DropEnumValue,
    ReorderEnumValues,
    RenameEnumValue,
    FillNulls,
    /// `.in_batches()`: outside the migration's transaction, a batch at a time.
    FillNullsInBatches,
    /// Triggers keeping a renamed column and its new name equal, and the copy.
    SyncColumns,
    UnsyncColumns,
    /// A view under a renamed table's old name.
    AliasTable,
    UnaliasTable,
    ByHand,
    Irreversible,
}

/// What the rows already in the table get in a new column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fill {
    /// NULL.
    Null,
    /// A literal default.
    Literal,
    /// A default that is an expression: evaluated once (PostgreSQL 11+), or
    /// for every row when it is volatile.
    Expression { volatile: bool },
    /// Nothing: NOT NULL without a default.
    Required,
    /// A number each: an auto-increment column.
    Numbered,
    /// Its value computed from the row: a generated column, stored in the
    /// row or computed when read.
    Generated { stored: bool },
}

/// A change of a column's type, by what it does to the stored values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Retype {
    /// A longer `VARCHAR`; `same_prefix` when InnoDB's length prefix keeps
    /// its size (utf8mb4: both 63 characters or fewer, or both 64 or more).
    LongerVarchar { same_prefix: bool },
    /// Binary-coercible on PostgreSQL: `VARCHAR` to `TEXT`, `NUMERIC` with
    /// more precision and the same scale, or without a limit.
    Coercible,
    /// Every value fits but is stored otherwise: a larger integer, `REAL` to
    /// `DOUBLE`, `NUMERIC` with a larger scale.
    Widening,
    /// A value may not fit.
    Narrowing,
}

/// The cases `op` is made of: one, or for a column change one per thing
/// that changes.
pub(crate) fn kinds(op: &Op, online: bool) -> Vec<Kind> {
    let kind = match op {
        Op::CreateTable(table) => Kind::CreateTable {
            refers: !table.foreign_keys.is_empty(),
        },
        Op::DropTable { .. } => Kind::DropTable,
        Op::RenameTable { .. } => Kind::RenameTable,
        Op::AddColumn { column, .. } => Kind::AddColumn(fill(column)),
        Op::DropColumn { .. } => Kind::DropColumn,
        Op::RenameColumn { .. } => Kind::RenameColumn,
        Op::AlterColumn { from, to, .. } => {
            let mut parts = alter_parts(from, to);
            if online && parts == [Kind::SetNotNull] {
                parts = vec![Kind::SetNotNullValidated];
            }
            return parts;
        }
        // The runtime builds the index only under the key's name.
        Op::AddPrimaryKey { key, .. } if online && key.name.is_some() => Kind::AddPrimaryKeyUsingIndex,
        Op::AddPrimaryKey { .. } => Kind::AddPrimaryKey,
        Op::DropPrimaryKey { .. } => Kind::DropPrimaryKey,
        Op::CreateIndex { index, .. } if online => Kind::CreateIndexConcurrently { unique: index.unique },
        Op::CreateIndex { index, .. } => Kind::CreateIndex { unique: index.unique },
        Op::DropIndex { .. } if online => Kind::DropIndexConcurrently,
        Op::DropIndex { .. } => Kind::DropIndex,
        // The runtime builds the index only under the key's name.
        Op::AddUnique { constraint, .. } if online && constraint.name.is_some() => Kind::AddUniqueUsingIndex,
        Op::AddUnique { .. } => Kind::AddUnique,
        Op::DropUnique { .. } => Kind::DropUnique,
        // The runtime refuses the mark on a key without a name.
        Op::AddForeignKey { key, .. } if online && key.name.is_some() => Kind::AddForeignKeyNotValid,
        Op::AddForeignKey { .. } => Kind::AddForeignKey,
        Op::DropForeignKey { .. } => Kind::DropForeignKey,
        Op::AddCheck { .. } if online => Kind::AddCheckNotValid,
        Op::AddCheck { .. } => Kind::AddCheck,
        Op::DropCheck { .. } => Kind::DropCheck,
        Op::RenameIndex { .. } => Kind::RenameIndex,
        Op::RenameConstraint { .. } => Kind::RenameConstraint,
        Op::SetTableComment { .. } => Kind::TableComment,
        Op::CreateEnum(_) => Kind::CreateEnum,
        Op::CreateSchema { .. } | Op::DropSchema { .. } => Kind::Namespace,
        Op::CreateView(v) => Kind::CreateView {
            materialized: v.materialized,
        },
        Op::DropView { .. } => Kind::DropView,
        Op::DropEnum { .. } => Kind::DropEnum,
        Op::AddEnumValue { before, .. } => Kind::AddEnumValue {
            last: before.is_none(),
        },
        Op::DropEnumValue { .. } => Kind::DropEnumValue,
        Op::ReorderEnumValues { .. } => Kind::ReorderEnumValues,
        Op::RenameEnumValue { .. } => Kind::RenameEnumValue,
        Op::FillNulls { .. } if online => Kind::FillNullsInBatches,
        Op::FillNulls { .. } => Kind::FillNulls,
        Op::SyncColumns { .. } => Kind::SyncColumns,
        Op::UnsyncColumns { .. } => Kind::UnsyncColumns,
        Op::AliasTable { .. } => Kind::AliasTable,
        Op::UnaliasTable { .. } => Kind::UnaliasTable,
        Op::Sql(_) | Op::Rust { .. } => Kind::ByHand,
        Op::Irreversible { .. } => Kind::Irreversible,
    };
    vec![kind]
}

fn alter_parts(from: &Column, to: &Column) -> Vec<Kind> {
    let mut parts = Vec::new();
    if from.ty != to.ty {
        parts.push(Kind::ChangeType(retype(&from.ty, &to.ty)));
    }
    if from.collation != to.collation {
        parts.push(Kind::ChangeCollation);
    }
    match (from.nullable, to.nullable) {
        (true, false) => parts.push(Kind::SetNotNull),
        (false, true) => parts.push(Kind::DropNotNull),
        _ => {}
    }
    if from.default != to.default {
        parts.push(Kind::ColumnDefault {
            required_loses_it: to.default.is_none() && !to.nullable,
        });
    }
    match (from.auto_increment, to.auto_increment) {
        (false, true) => parts.push(Kind::AddIdentity),
        (true, false) => parts.push(Kind::DropIdentity),
        _ => {}
    }
    if from.comment != to.comment {
        parts.push(Kind::ColumnComment);
    }
    parts
}

fn fill(column: &Column) -> Fill {
    match &column.default {
        _ if column.auto_increment => Fill::Numbered,
        _ if column.generated.is_some() => Fill::Generated {
            stored: column.generated.as_ref().is_some_and(|g| g.stored),
        },
        Some(default) if is_literal(default) => Fill::Literal,
        Some(default) => Fill::Expression {
            volatile: is_volatile(default),
        },
        None if column.nullable => Fill::Null,
        None => Fill::Required,
    }
}

fn retype(from: &SqlType, to: &SqlType) -> Retype {
    use SqlType::{Enum, Numeric, Text, Varchar};
    match (from, to) {
        (Varchar(a), Varchar(b)) if b > a => Retype::LongerVarchar {
            same_prefix: (*a <= UTF8MB4_ONE_BYTE_PREFIX) == (*b <= UTF8MB4_ONE_BYTE_PREFIX),
        },
        (Varchar(_), Text) => Retype::Coercible,
        (Enum(a), Enum(b)) if a.name == b.name => Retype::Coercible,
        (
            Numeric {
                precision: p1,
                scale: s1,
            },
            Numeric {
                precision: p2,
                scale: s2,
            },
        ) if p2.is_none() || (p1.is_some() && p2 >= p1 && s1.unwrap_or(0) == s2.unwrap_or(0)) => {
            Retype::Coercible
        }
        _ if widens(from, to) => Retype::Widening,
        _ => Retype::Narrowing,
    }
}

/// The longest `VARCHAR` whose values InnoDB prefixes with one length byte
/// in utf8mb4 (4 bytes a character, 255 bytes at most).
const UTF8MB4_ONE_BYTE_PREFIX: u32 = 63;

/// Whether a default is a literal: what SQLite's `ADD COLUMN` accepts (the
/// runtime's SQLite renderer decides the same way).
fn is_literal(default: &str) -> bool {
    let d = default.trim();
    let number = d.strip_prefix(['-', '+']).unwrap_or(d);
    (d.len() >= 2 && d.starts_with('\'') && d.ends_with('\''))
        || number.parse::<f64>().is_ok()
        || ["NULL", "TRUE", "FALSE"]
            .iter()
            .any(|k| d.eq_ignore_ascii_case(k))
}

/// Whether a default calls one of PostgreSQL's usual volatile functions,
/// which a new column evaluates for every row. A guess from its text: a
/// function of the application's own is not recognised.
fn is_volatile(default: &str) -> bool {
    const VOLATILE: [&str; 8] = [
        "random(",
        "gen_random_uuid(",
        "uuid_generate_v",
        "uuidv4(",
        "uuidv7(",
        "clock_timestamp(",
        "timeofday(",
        "nextval(",
    ];
    let d = default.to_ascii_lowercase();
    VOLATILE.iter().any(|f| d.contains(f))
}
