//! From changes to operations that run: ordered and classified, in both
//! directions.
//!
//! [`plan`] orders one diff. Its order makes every name a statement needs
//! exist when the statement runs, and takes no name away before the last
//! statement that needs it: views under a table's old name that go or are
//! made again first ([`crate::schema::Table::alias`]); enum types and values; then every rename
//! of a table, a column, an index or a constraint, so that everything after
//! uses the new names; then foreign keys, keys, indexes and checks that go
//! away; then new tables (referred tables before the tables that refer to
//! them, a self-reference inline, a foreign key that closes a cycle added
//! after every table of the cycle exists, and one that refers to a column
//! or key the diff gives an existing table added after that key); new
//! columns; changed columns (a column becoming NOT NULL has its NULLs
//! filled just before, see [`Op::FillNulls`]); new keys, indexes and
//! constraints (so an index on a new column or over a renamed one comes
//! after it); new foreign keys (after
//! the tables, columns and keys they refer to); the columns, tables and
//! enum values that are dropped (referring tables before the tables they
//! refer to); last the views under a table's old name that are made.
//!
//! The downgrade is not the upgrade's steps undone in reverse: it is the plan
//! of the diff that goes back ([`crate::diff::reverse`]), so it is ordered by
//! the same rules over the names it needs. A table dropped by the upgrade
//! whose foreign key refers to a table the upgrade renames is created again
//! after the rename back, with the key as it was.
//!
//! ```
//! use ferro::{plan::between, schema::*};
//!
//! let mut users = Table::new("users");
//! users.columns = vec![Column::new("id", SqlType::BigInt)].into();
//! let before = Schema::new([]).unwrap();
//! let after = Schema::new([users]).unwrap();
//! let plans = between(&before, &after);
//! assert_eq!(plans.upgrade.steps[0].to_string(), "create table users");
//! assert_eq!(plans.downgrade.steps[0].to_string(), "drop table users");
//! ```

use std::collections::{BTreeMap, BTreeSet};

use crate::diff::{Change, Diff, diff, reverse};
use crate::migration::{Op, Safety};
use crate::schema::{Column, ForeignKey, Schema, Str, Table};

/// The ordered operations of one direction of a migration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// The operations, in the order they run.
    pub steps: Vec<Op>,
}

impl Plan {
    /// The steps that lose data.
    pub fn destructive(&self) -> impl Iterator<Item = &Op> {
        self.steps.iter().filter(|op| op.safety() == Safety::Destructive)
    }

    /// The steps that may fail because of existing rows.
    pub fn data_dependent(&self) -> impl Iterator<Item = &Op> {
        self.steps
            .iter()
            .filter(|op| op.safety() == Safety::DataDependent)
    }

    /// The steps that fill NULLs before a column becomes NOT NULL.
    pub fn fills(&self) -> impl Iterator<Item = &Op> {
        self.steps.iter().filter(|op| matches!(op, Op::FillNulls { .. }))
    }
}

/// Both directions of a migration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plans {
    /// From the old schema to the new.
    pub upgrade: Plan,
    /// From the new schema back to the old.
    pub downgrade: Plan,
}

/// The plans of the migration from `from` to `to`.
pub fn between(from: &Schema, to: &Schema) -> Plans {
    both(from, to, &diff(from, to))
}

/// [`between`], given the diff from `from` to `to` already made.
pub fn both(from: &Schema, to: &Schema, forward: &Diff) -> Plans {
    Plans {
        upgrade: plan(forward),
        downgrade: plan(&reverse(from, to, forward)),
    }
}

/// Orders a diff's changes into a plan.
pub fn plan(diff: &Diff) -> Plan {
    let mut phases: BTreeMap<u8, Vec<Op>> = BTreeMap::new();
    let mut put = |phase: u8, op: Op| phases.entry(phase).or_default().push(op);
    let created: Vec<&Table> = diff
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateTable(t) => Some(t),
            _ => None,
        })
        .collect();
    let dropped: Vec<&Table> = diff
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::DropTable(t) => Some(t),
            _ => None,
        })
        .collect();
    let (create_order, cut) = order(&created);
    for table in create_order {
        let deferred = |key: &ForeignKey| {
            cut.contains(&(table.name.clone(), key.name.clone()))
                || settled_later(diff, &key.referred_table, &key.referred_columns)
        };
        let mut inline = table.clone();
        inline.foreign_keys.to_mut().retain(|k| !deferred(k));
        put(PHASE_CREATE_TABLE, Op::CreateTable(inline));
        for key in table.foreign_keys.iter().filter(|k| deferred(k)) {
            put(PHASE_ADD_FK, add_fk(&table.name, key));
        }
    }
    let (drop_order, cut) = order(&dropped);
    let loosened = loosened(diff, &dropped);
    for table in drop_order.into_iter().rev() {
        for key in table.foreign_keys.iter() {
            if cut.contains(&(table.name.clone(), key.name.clone()))
                || loosened.contains(key.referred_table.as_ref())
            {
                put(PHASE_DROP_FK, drop_fk(&table.name, key));
            }
        }
        put(
            PHASE_DROP_TABLE,
            Op::DropTable {
                name: table.name.clone(),
            },
        );
    }
    for change in &diff.changes {
        match change {
            Change::AddColumn { table, column } if needs_fill(column) => {
                // Added NULL-able, filled, then made NOT NULL: the rows the
                // table already holds need a value nobody has given.
                let mut open = column.clone();
                open.nullable = true;
                put(
                    PHASE_ADD_COLUMN,
                    Op::AddColumn {
                        table: table.clone(),
                        column: open.clone(),
                    },
                );
                put(PHASE_ALTER, fill(table, column));
                put(
                    PHASE_ALTER,
                    Op::AlterColumn {
                        table: table.clone(),
                        from: open,
                        to: column.clone(),
                    },
                );
            }
            Change::AlterColumn { table, from, to } if from.nullable && !to.nullable => {
                // The fill is written in the column's type before the change;
                // with the type changing too, the type changes first.
                let mut from = from.clone();
                if from.ty != to.ty {
                    let mut open = to.clone();
                    open.nullable = true;
                    put(
                        PHASE_ALTER,
                        Op::AlterColumn {
                            table: table.clone(),
                            from,
                            to: open.clone(),
                        },
                    );
                    from = open;
                }
                put(PHASE_ALTER, fill(table, to));
                put(
                    PHASE_ALTER,
                    Op::AlterColumn {
                        table: table.clone(),
                        from,
                        to: to.clone(),
                    },
                );
            }
            _ => {
                if let Some((phase, op)) = step(change) {
                    put(phase, op);
                }
            }
        }
    }
    Plan {
        steps: phases.into_values().flatten().collect(),
    }
}

/// Whether a column added to a table that may hold rows leaves them needing
/// a value: NOT NULL, with neither a default nor numbers of its own.
fn needs_fill(column: &Column) -> bool {
    !column.nullable && column.default.is_none() && !column.auto_increment
}

/// The fill of `column`'s NULLs, with the model's default when it has one.
fn fill(table: &Str, column: &Column) -> Op {
    Op::FillNulls {
        table: table.clone(),
        column: column.name.clone(),
        value: column.default.clone(),
    }
}

const PHASE_DROP_VIEW: u8 = 0;
const PHASE_DROP_ALIAS: u8 = 1;
const PHASE_CREATE_SCHEMA: u8 = 2;
const PHASE_ENUM: u8 = 3;
const PHASE_RENAME_TABLE: u8 = 4;
const PHASE_RENAME_COLUMN: u8 = 5;
const PHASE_RENAME_KEY: u8 = 6;
const PHASE_DROP_FK: u8 = 7;
const PHASE_DROP_KEY: u8 = 8;
const PHASE_CREATE_TABLE: u8 = 9;
const PHASE_ADD_COLUMN: u8 = 10;
const PHASE_ALTER: u8 = 11;
const PHASE_ADD_KEY: u8 = 12;
const PHASE_ADD_FK: u8 = 13;
const PHASE_DROP_COLUMN: u8 = 14;
const PHASE_DROP_TABLE: u8 = 15;
const PHASE_DROP_ENUM: u8 = 16;
const PHASE_ADD_ALIAS: u8 = 17;
const PHASE_CREATE_VIEW: u8 = 18;
const PHASE_DROP_SCHEMA: u8 = 19;

fn add_fk(table: &Str, key: &ForeignKey) -> Op {
    Op::AddForeignKey {
        table: table.clone(),
        key: key.clone(),
    }
}

fn drop_fk(table: &Str, key: &ForeignKey) -> Op {
    Op::DropForeignKey {
        table: table.clone(),
        name: key_name(&key.name),
    }
}

fn key_name(name: &Option<Str>) -> Str {
    name.clone()
        .expect("a resolved schema names every key and constraint")
}

/// The tables, by their old names, that keep existing but lose or change a
/// key, an index or a column before the dropped tables go (the drop phases
/// come last). A dropped table's foreign key to one of them is dropped first:
/// MySQL refuses to drop a primary key, a unique or an index, or to change a
/// column, that a foreign key still uses.
fn loosened<'a>(diff: &'a Diff, dropped: &[&Table]) -> BTreeSet<&'a str> {
    let old_names: BTreeMap<&str, &str> = diff
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::RenameTable { from, to } => Some((to.as_ref(), from.as_ref())),
            _ => None,
        })
        .collect();
    diff.changes
        .iter()
        .filter_map(|c| match c {
            Change::DropPrimaryKey { table, .. }
            | Change::DropUnique { table, .. }
            | Change::DropIndex { table, .. }
            | Change::DropColumn { table, .. }
            | Change::AlterColumn { table, .. } => Some(table.as_ref()),
            _ => None,
        })
        .map(|table| old_names.get(table).copied().unwrap_or(table))
        .filter(|table| !dropped.iter().any(|t| t.name.as_ref() == *table))
        .collect()
}

/// Whether the diff adds or changes the referred columns of an existing
/// table, or adds a key to it, after new tables are created. A new table's
/// foreign key to those columns then waits for them, with the other new
/// foreign keys: PostgreSQL and MySQL refuse a reference to a column that
/// is not there yet or not yet a key, and SQLite's integrity check after
/// the migration fails on it ("foreign key mismatch"). A key of a table
/// created in the same diff is made with its table, which comes first.
fn settled_later(diff: &Diff, table: &str, columns: &[Str]) -> bool {
    diff.changes.iter().any(|change| match change {
        Change::AddColumn { table: t, column } => t == table && columns.contains(&column.name),
        Change::AlterColumn { table: t, to, .. } => t == table && columns.contains(&to.name),
        Change::AddPrimaryKey { table: t, .. } | Change::AddUnique { table: t, .. } => t == table,
        Change::AddIndex { table: t, index } => t == table && index.unique,
        _ => false,
    })
}

/// Tables in an order where every table comes after the tables its foreign
/// keys refer to (among `tables`), and the foreign keys `(table, key name)`
/// left out of that order because they close a cycle.
fn order<'a>(tables: &[&'a Table]) -> (Vec<&'a Table>, BTreeSet<(Str, Option<Str>)>) {
    let by_name: BTreeMap<&str, &Table> = tables.iter().map(|t| (t.name.as_ref(), *t)).collect();
    let mut state: BTreeMap<&str, bool> = BTreeMap::new(); // false: on the path, true: done
    let mut ordered = Vec::new();
    let mut cut = BTreeSet::new();
    fn visit<'a>(
        table: &'a Table,
        by_name: &BTreeMap<&str, &'a Table>,
        state: &mut BTreeMap<&'a str, bool>,
        ordered: &mut Vec<&'a Table>,
        cut: &mut BTreeSet<(Str, Option<Str>)>,
    ) {
        state.insert(&table.name, false);
        for key in table.foreign_keys.iter() {
            let Some(&referred) = by_name.get(key.referred_table.as_ref()) else {
                continue;
            };
            if referred.name == table.name {
                continue;
            }
            match state.get(referred.name.as_ref()) {
                Some(false) => {
                    cut.insert((table.name.clone(), key.name.clone()));
                }
                Some(true) => {}
                None => visit(referred, by_name, state, ordered, cut),
            }
        }
        state.insert(&table.name, true);
        ordered.push(table);
    }
    for table in by_name.values() {
        if !state.contains_key(table.name.as_ref()) {
            visit(table, &by_name, &mut state, &mut ordered, &mut cut);
        }
    }
    (ordered, cut)
}

/// The phase and operation of a change other than a created or dropped
/// table.
fn step(change: &Change) -> Option<(u8, Op)> {
    let s = |s: &Str| s.clone();
    Some(match change {
        Change::CreateTable(_) | Change::DropTable(_) => return None,
        Change::CreateSchema(name) => (PHASE_CREATE_SCHEMA, Op::CreateSchema { name: s(name) }),
        Change::DropView(v) => (
            PHASE_DROP_VIEW,
            Op::DropView {
                name: s(&v.name),
                materialized: v.materialized,
            },
        ),
        Change::CreateView(v) => (PHASE_CREATE_VIEW, Op::CreateView(v.clone())),
        Change::DropSchema(name) => (PHASE_DROP_SCHEMA, Op::DropSchema { name: s(name) }),
        Change::CreateEnum(e) => (PHASE_ENUM, Op::CreateEnum(e.clone())),
        Change::DropEnum(e) => (PHASE_DROP_ENUM, Op::DropEnum { name: s(&e.name) }),
        Change::AddEnumValue { name, value, before } => (
            PHASE_ENUM,
            Op::AddEnumValue {
                name: s(name),
                value: s(value),
                before: before.clone(),
            },
        ),
        Change::DropEnumValue { name, value, .. } => (
            PHASE_DROP_ENUM,
            Op::DropEnumValue {
                name: s(name),
                value: s(value),
            },
        ),
        Change::ReorderEnumValues { name, to, .. } => (
            PHASE_DROP_ENUM,
            Op::ReorderEnumValues {
                name: s(name),
                values: to.clone().into(),
            },
        ),
        Change::RenameEnumValue { name, from, to } => (
            PHASE_ENUM,
            Op::RenameEnumValue {
                name: s(name),
                from: s(from),
                to: s(to),
            },
        ),
        Change::RenameTable { from, to } => (
            PHASE_RENAME_TABLE,
            Op::RenameTable {
                from: s(from),
                to: s(to),
            },
        ),
        Change::AddColumn { table, column } => (
            PHASE_ADD_COLUMN,
            Op::AddColumn {
                table: s(table),
                column: column.clone(),
            },
        ),
        Change::DropColumn { table, column } => (
            PHASE_DROP_COLUMN,
            Op::DropColumn {
                table: s(table),
                column: s(&column.name),
            },
        ),
        Change::RenameColumn { table, from, to } => (
            PHASE_RENAME_COLUMN,
            Op::RenameColumn {
                table: s(table),
                from: s(from),
                to: s(to),
            },
        ),
        Change::AlterColumn { table, from, to } => (
            PHASE_ALTER,
            Op::AlterColumn {
                table: s(table),
                from: from.clone(),
                to: to.clone(),
            },
        ),
        Change::AddPrimaryKey { table, key } => (
            PHASE_ADD_KEY,
            Op::AddPrimaryKey {
                table: s(table),
                key: key.clone(),
            },
        ),
        Change::DropPrimaryKey { table, key } => (
            PHASE_DROP_KEY,
            Op::DropPrimaryKey {
                table: s(table),
                name: key_name(&key.name),
            },
        ),
        Change::AddIndex { table, index } => (
            PHASE_ADD_KEY,
            Op::CreateIndex {
                table: s(table),
                index: index.clone(),
            },
        ),
        Change::DropIndex { table, index } => (
            PHASE_DROP_KEY,
            Op::DropIndex {
                table: s(table),
                name: key_name(&index.name),
            },
        ),
        Change::AddUnique { table, constraint } => (
            PHASE_ADD_KEY,
            Op::AddUnique {
                table: s(table),
                constraint: constraint.clone(),
            },
        ),
        Change::DropUnique { table, constraint } => (
            PHASE_DROP_KEY,
            Op::DropUnique {
                table: s(table),
                name: key_name(&constraint.name),
            },
        ),
        Change::AddForeignKey { table, key } => (PHASE_ADD_FK, add_fk(table, key)),
        Change::DropForeignKey { table, key } => (PHASE_DROP_FK, drop_fk(table, key)),
        Change::AddCheck { table, check } => (
            PHASE_ADD_KEY,
            Op::AddCheck {
                table: s(table),
                check: check.clone(),
            },
        ),
        Change::DropCheck { table, check } => (
            PHASE_DROP_KEY,
            Op::DropCheck {
                table: s(table),
                name: s(&check.name),
            },
        ),
        Change::RenameIndex { table, from, to } => (
            PHASE_RENAME_KEY,
            Op::RenameIndex {
                table: s(table),
                from: s(from),
                to: s(to),
            },
        ),
        Change::RenameConstraint { table, from, to } => (
            PHASE_RENAME_KEY,
            Op::RenameConstraint {
                table: s(table),
                from: s(from),
                to: s(to),
            },
        ),
        Change::SetTableComment { table, to, .. } => (
            PHASE_ALTER,
            Op::SetTableComment {
                table: s(table),
                comment: to.clone(),
            },
        ),
        Change::AddTableAlias { table, alias } => (
            PHASE_ADD_ALIAS,
            Op::AliasTable {
                table: s(table),
                alias: s(alias),
            },
        ),
        Change::DropTableAlias { table, alias } => (
            PHASE_DROP_ALIAS,
            Op::UnaliasTable {
                table: s(table),
                alias: s(alias),
            },
        ),
    })
}

#[cfg(test)]
mod tests;
