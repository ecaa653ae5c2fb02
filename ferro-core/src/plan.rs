//! From changes to operations that run: ordered, classified, each with its
//! inverse.
//!
//! The order makes everything a statement needs exist when it runs: enum types
//! and renames first; then foreign keys, indexes and constraints that go away;
//! then new tables (referred tables before the tables that refer to them, a
//! foreign key that closes a cycle added after both exist), new and changed
//! columns, new keys, indexes and constraints (so an index on a new column comes
//! after the column), new foreign keys; last the columns, tables and enum values
//! that are dropped (referring tables before the tables they refer to). The
//! downgrade is the inverse of every step, in reverse order.
//!
//! ```
//! use ferro::{diff::diff, plan::plan, schema::*};
//!
//! let mut users = Table::new("users");
//! users.columns = vec![Column::new("id", SqlType::BigInt)].into();
//! let before = Schema::new([]).unwrap();
//! let after = Schema::new([users]).unwrap();
//! let plan = plan(&diff(&before, &after));
//! assert_eq!(plan.upgrade()[0].to_string(), "create table users");
//! assert_eq!(plan.downgrade()[0].unwrap().to_string(), "drop table users");
//! ```

use std::collections::{BTreeMap, BTreeSet};

use crate::diff::{Change, Diff};
use crate::migration::{Op, Safety};
use crate::schema::{ForeignKey, Str, Table};

/// One planned operation and what undoes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned {
    /// The operation, for the upgrade.
    pub op: Op,
    /// The operation that undoes it, for the downgrade; `None` when nothing can.
    pub inverse: Option<Op>,
}

impl Planned {
    /// What applying the operation risks.
    pub fn safety(&self) -> Safety {
        self.op.safety()
    }
}

/// The ordered operations of a migration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// The steps, in upgrade order.
    pub steps: Vec<Planned>,
}

impl Plan {
    /// The upgrade's operations, in order.
    pub fn upgrade(&self) -> Vec<&Op> {
        self.steps.iter().map(|s| &s.op).collect()
    }

    /// The downgrade's operations, in order, or `None` where a step has no
    /// inverse.
    pub fn downgrade(&self) -> Vec<Option<&Op>> {
        self.steps.iter().rev().map(|s| s.inverse.as_ref()).collect()
    }

    /// The upgrade steps that lose data.
    pub fn destructive(&self) -> impl Iterator<Item = &Op> {
        self.steps
            .iter()
            .map(|s| &s.op)
            .filter(|op| op.safety() == Safety::Destructive)
    }

    /// The upgrade steps that may fail because of existing rows.
    pub fn data_dependent(&self) -> impl Iterator<Item = &Op> {
        self.steps
            .iter()
            .map(|s| &s.op)
            .filter(|op| op.safety() == Safety::DataDependent)
    }
}

/// Orders a diff's changes into a plan.
pub fn plan(diff: &Diff) -> Plan {
    let mut phases: BTreeMap<u8, Vec<Planned>> = BTreeMap::new();
    let mut put = |phase: u8, op: Op, inverse: Op| {
        phases.entry(phase).or_default().push(Planned {
            op,
            inverse: Some(inverse),
        });
    };
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
    let (create_order, deferred) = order(&created);
    for table in create_order {
        let mut inline = table.clone();
        inline
            .foreign_keys
            .to_mut()
            .retain(|k| !deferred.contains(&(table.name.clone(), k.name.clone())));
        put(
            PHASE_CREATE_TABLE,
            Op::CreateTable(inline),
            Op::DropTable {
                name: table.name.clone(),
            },
        );
        for key in table.foreign_keys.iter() {
            if deferred.contains(&(table.name.clone(), key.name.clone())) {
                put(PHASE_ADD_FK, add_fk(&table.name, key), drop_fk(&table.name, key));
            }
        }
    }
    let (drop_order, cut) = order(&dropped);
    for table in drop_order.into_iter().rev() {
        let mut kept = table.clone();
        kept.foreign_keys
            .to_mut()
            .retain(|k| !cut.contains(&(table.name.clone(), k.name.clone())));
        for key in table.foreign_keys.iter() {
            if cut.contains(&(table.name.clone(), key.name.clone())) {
                put(PHASE_DROP_FK, drop_fk(&table.name, key), add_fk(&table.name, key));
            }
        }
        put(
            PHASE_DROP_TABLE,
            Op::DropTable {
                name: table.name.clone(),
            },
            Op::CreateTable(kept),
        );
    }
    for change in &diff.changes {
        if let Some((phase, op, inverse)) = step(change) {
            put(phase, op, inverse);
        }
    }
    Plan {
        steps: phases.into_values().flatten().collect(),
    }
}

const PHASE_ENUM: u8 = 0;
const PHASE_RENAME_TABLE: u8 = 1;
const PHASE_RENAME_COLUMN: u8 = 2;
const PHASE_RENAME_KEY: u8 = 3;
const PHASE_DROP_FK: u8 = 4;
const PHASE_DROP_KEY: u8 = 5;
const PHASE_CREATE_TABLE: u8 = 6;
const PHASE_ADD_COLUMN: u8 = 7;
const PHASE_ALTER: u8 = 8;
const PHASE_ADD_KEY: u8 = 9;
const PHASE_ADD_FK: u8 = 10;
const PHASE_DROP_COLUMN: u8 = 11;
const PHASE_DROP_TABLE: u8 = 12;
const PHASE_DROP_ENUM: u8 = 13;

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

/// The phase, operation and inverse of a change other than a created or
/// dropped table.
fn step(change: &Change) -> Option<(u8, Op, Op)> {
    let s = |s: &Str| s.clone();
    Some(match change {
        Change::CreateTable(_) | Change::DropTable(_) => return None,
        Change::CreateEnum(e) => (
            PHASE_ENUM,
            Op::CreateEnum(e.clone()),
            Op::DropEnum { name: s(&e.name) },
        ),
        Change::DropEnum(e) => (
            PHASE_DROP_ENUM,
            Op::DropEnum { name: s(&e.name) },
            Op::CreateEnum(e.clone()),
        ),
        Change::AddEnumValue { name, value, before } => (
            PHASE_ENUM,
            Op::AddEnumValue {
                name: s(name),
                value: s(value),
                before: before.clone(),
            },
            Op::DropEnumValue {
                name: s(name),
                value: s(value),
            },
        ),
        Change::DropEnumValue { name, value, before } => (
            PHASE_DROP_ENUM,
            Op::DropEnumValue {
                name: s(name),
                value: s(value),
            },
            Op::AddEnumValue {
                name: s(name),
                value: s(value),
                before: before.clone(),
            },
        ),
        Change::ReorderEnumValues { name, from, to } => (
            PHASE_DROP_ENUM,
            Op::ReorderEnumValues {
                name: s(name),
                values: to.clone().into(),
            },
            Op::ReorderEnumValues {
                name: s(name),
                values: from.clone().into(),
            },
        ),
        Change::RenameEnumValue { name, from, to } => (
            PHASE_ENUM,
            Op::RenameEnumValue {
                name: s(name),
                from: s(from),
                to: s(to),
            },
            Op::RenameEnumValue {
                name: s(name),
                from: s(to),
                to: s(from),
            },
        ),
        Change::RenameTable { from, to } => (
            PHASE_RENAME_TABLE,
            Op::RenameTable {
                from: s(from),
                to: s(to),
            },
            Op::RenameTable {
                from: s(to),
                to: s(from),
            },
        ),
        Change::AddColumn { table, column } => (
            PHASE_ADD_COLUMN,
            Op::AddColumn {
                table: s(table),
                column: column.clone(),
            },
            Op::DropColumn {
                table: s(table),
                column: s(&column.name),
            },
        ),
        Change::DropColumn { table, column } => (
            PHASE_DROP_COLUMN,
            Op::DropColumn {
                table: s(table),
                column: s(&column.name),
            },
            Op::AddColumn {
                table: s(table),
                column: column.clone(),
            },
        ),
        Change::RenameColumn { table, from, to } => (
            PHASE_RENAME_COLUMN,
            Op::RenameColumn {
                table: s(table),
                from: s(from),
                to: s(to),
            },
            Op::RenameColumn {
                table: s(table),
                from: s(to),
                to: s(from),
            },
        ),
        Change::AlterColumn { table, from, to } => (
            PHASE_ALTER,
            Op::AlterColumn {
                table: s(table),
                from: from.clone(),
                to: to.clone(),
            },
            Op::AlterColumn {
                table: s(table),
                from: to.clone(),
                to: from.clone(),
            },
        ),
        Change::AddPrimaryKey { table, key } => (
            PHASE_ADD_KEY,
            Op::AddPrimaryKey {
                table: s(table),
                key: key.clone(),
            },
            Op::DropPrimaryKey {
                table: s(table),
                name: key_name(&key.name),
            },
        ),
        Change::DropPrimaryKey { table, key } => (
            PHASE_DROP_KEY,
            Op::DropPrimaryKey {
                table: s(table),
                name: key_name(&key.name),
            },
            Op::AddPrimaryKey {
                table: s(table),
                key: key.clone(),
            },
        ),
        Change::AddIndex { table, index } => (
            PHASE_ADD_KEY,
            Op::CreateIndex {
                table: s(table),
                index: index.clone(),
            },
            Op::DropIndex {
                table: s(table),
                name: key_name(&index.name),
            },
        ),
        Change::DropIndex { table, index } => (
            PHASE_DROP_KEY,
            Op::DropIndex {
                table: s(table),
                name: key_name(&index.name),
            },
            Op::CreateIndex {
                table: s(table),
                index: index.clone(),
            },
        ),
        Change::AddUnique { table, constraint } => (
            PHASE_ADD_KEY,
            Op::AddUnique {
                table: s(table),
                constraint: constraint.clone(),
            },
            Op::DropUnique {
                table: s(table),
                name: key_name(&constraint.name),
            },
        ),
        Change::DropUnique { table, constraint } => (
            PHASE_DROP_KEY,
            Op::DropUnique {
                table: s(table),
                name: key_name(&constraint.name),
            },
            Op::AddUnique {
                table: s(table),
                constraint: constraint.clone(),
            },
        ),
        Change::AddForeignKey { table, key } => (PHASE_ADD_FK, add_fk(table, key), drop_fk(table, key)),
        Change::DropForeignKey { table, key } => (PHASE_DROP_FK, drop_fk(table, key), add_fk(table, key)),
        Change::AddCheck { table, check } => (
            PHASE_ADD_KEY,
            Op::AddCheck {
                table: s(table),
                check: check.clone(),
            },
            Op::DropCheck {
                table: s(table),
                name: s(&check.name),
            },
        ),
        Change::DropCheck { table, check } => (
            PHASE_DROP_KEY,
            Op::DropCheck {
                table: s(table),
                name: s(&check.name),
            },
            Op::AddCheck {
                table: s(table),
                check: check.clone(),
            },
        ),
        Change::RenameIndex { table, from, to } => (
            PHASE_RENAME_KEY,
            Op::RenameIndex {
                table: s(table),
                from: s(from),
                to: s(to),
            },
            Op::RenameIndex {
                table: s(table),
                from: s(to),
                to: s(from),
            },
        ),
        Change::RenameConstraint { table, from, to } => (
            PHASE_RENAME_KEY,
            Op::RenameConstraint {
                table: s(table),
                from: s(from),
                to: s(to),
            },
            Op::RenameConstraint {
                table: s(table),
                from: s(to),
                to: s(from),
            },
        ),
        Change::SetTableComment { table, from, to } => (
            PHASE_ALTER,
            Op::SetTableComment {
                table: s(table),
                comment: to.clone(),
            },
            Op::SetTableComment {
                table: s(table),
                comment: from.clone(),
            },
        ),
    })
}

#[cfg(test)]
mod tests;
