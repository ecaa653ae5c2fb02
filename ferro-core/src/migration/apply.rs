//! What an operation does to a schema, computed without a database: the
//! state a migration leaves, from the state before it.
//!
//! The runtime uses it to know a table before a SQLite rebuild, and to know
//! the schema a recorded revision should have (replaying the migrations from
//! the empty schema) when it looks for drift.

use crate::schema::{Column, EnumType, EnumValue, SqlType, Str, Table, View};

use super::Op;

/// A schema as operations change it: its tables, in no particular order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct State {
    /// The tables.
    pub tables: Vec<Table>,
    /// The views.
    pub views: Vec<View>,
}

/// Why an operation does not apply to a state: it names something that is
/// not there, or adds something that already is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {op}: {reason}")]
pub struct ApplyError {
    /// The operation, in words.
    pub op: String,
    /// What is missing or already there.
    pub reason: String,
}

impl State {
    /// The table called `name`.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    fn table_mut(&mut self, op: &Op, name: &str) -> Result<&mut Table, ApplyError> {
        self.tables
            .iter_mut()
            .find(|t| t.name == name)
            .ok_or_else(|| error(op, format!("there is no table {name}")))
    }

    /// Applies `op`.
    pub fn apply(&mut self, op: &Op) -> Result<(), ApplyError> {
        match op {
            Op::CreateTable(table) => {
                if self.table(&table.name).is_some() {
                    return Err(error(op, "the table exists".into()));
                }
                self.tables.push(table.clone());
            }
            Op::DropTable { name } => {
                self.table_mut(op, name)?;
                self.tables.retain(|t| t.name != *name);
            }
            Op::RenameTable { from, to } => {
                let table = self.table_mut(op, from)?;
                table.name = to.clone();
                for t in &mut self.tables {
                    for fk in t.foreign_keys.to_mut() {
                        if fk.referred_table == *from {
                            fk.referred_table = to.clone();
                        }
                    }
                }
            }
            Op::CreateView(view) => {
                if self.views.iter().any(|v| v.name == view.name) {
                    return Err(error(op, "the view exists".into()));
                }
                self.views.push(view.clone());
            }
            Op::DropView { name, .. } => {
                if !self.views.iter().any(|v| v.name == *name) {
                    return Err(error(op, format!("there is no view {name}")));
                }
                self.views.retain(|v| v.name != *name);
            }
            // A PostgreSQL schema is what the tables' names say. Hand-written
            // SQL may change the schema in ways not modelled here;
            // `Migrator::drift` names the migrations that hold some.
            Op::CreateEnum(_)
            | Op::DropEnum { .. }
            | Op::CreateSchema { .. }
            | Op::DropSchema { .. }
            | Op::Sql(_)
            | Op::Rust { .. }
            | Op::Irreversible { .. } => {}
            Op::AddEnumValue { name, value, before } => self.each_enum(name, |values| {
                let at = before
                    .as_ref()
                    .and_then(|b| values.iter().position(|v| v.name == *b))
                    .unwrap_or(values.len());
                values.insert(
                    at,
                    EnumValue {
                        name: value.clone(),
                        renamed_from: None,
                    },
                );
            }),
            Op::DropEnumValue { name, value } => {
                self.each_enum(name, |values| values.retain(|v| v.name != *value))
            }
            Op::ReorderEnumValues { name, values: order } => self.each_enum(name, |values| {
                let mut ordered: Vec<EnumValue> = order
                    .iter()
                    .filter_map(|n| values.iter().find(|v| v.name == *n).cloned())
                    .collect();
                // A value the order leaves out keeps its place at the end.
                ordered.extend(values.iter().filter(|v| !order.contains(&v.name)).cloned());
                *values = ordered;
            }),
            Op::RenameEnumValue { name, from, to } => self.each_enum(name, |values| {
                for v in values.iter_mut().filter(|v| v.name == *from) {
                    v.name = to.clone();
                }
            }),
            op => {
                let table = op_table(op).unwrap_or_default();
                let table = self.table_mut(op, table)?;
                apply_to_table(table, op)?;
                if let Op::RenameColumn {
                    table: name,
                    from,
                    to,
                } = op
                {
                    self.rename_referred_column(name, from, to);
                }
            }
        }
        Ok(())
    }

    /// Other tables' foreign keys follow a renamed column.
    fn rename_referred_column(&mut self, table: &str, from: &str, to: &str) {
        for t in &mut self.tables {
            for fk in t.foreign_keys.to_mut() {
                if fk.referred_table == table {
                    for c in fk.referred_columns.to_mut() {
                        if c == from {
                            *c = Str::from(to.to_owned());
                        }
                    }
                }
            }
        }
    }

    /// Changes the values of every column of enum type `name`.
    fn each_enum(&mut self, name: &str, mut change: impl FnMut(&mut Vec<EnumValue>)) {
        for table in &mut self.tables {
            for column in table.columns.to_mut() {
                if let SqlType::Enum(e) = &mut column.ty
                    && e.name == name
                {
                    let mut values = e.values.to_vec();
                    change(&mut values);
                    *e = EnumType {
                        name: e.name.clone(),
                        values: values.into(),
                    };
                }
            }
        }
    }
}

fn error(op: &Op, reason: String) -> ApplyError {
    ApplyError {
        op: op.to_string(),
        reason,
    }
}

/// The table an operation on one table acts on.
pub fn op_table(op: &Op) -> Option<&str> {
    match op {
        Op::AddColumn { table, .. }
        | Op::DropColumn { table, .. }
        | Op::RenameColumn { table, .. }
        | Op::AlterColumn { table, .. }
        | Op::AddPrimaryKey { table, .. }
        | Op::DropPrimaryKey { table, .. }
        | Op::CreateIndex { table, .. }
        | Op::DropIndex { table, .. }
        | Op::AddUnique { table, .. }
        | Op::DropUnique { table, .. }
        | Op::AddForeignKey { table, .. }
        | Op::DropForeignKey { table, .. }
        | Op::AddCheck { table, .. }
        | Op::DropCheck { table, .. }
        | Op::RenameIndex { table, .. }
        | Op::RenameConstraint { table, .. }
        | Op::SetTableComment { table, .. }
        | Op::SyncColumns { table, .. }
        | Op::UnsyncColumns { table, .. }
        | Op::AliasTable { table, .. }
        | Op::UnaliasTable { table, .. }
        | Op::FillNulls { table, .. } => Some(table),
        Op::DropTable { name } => Some(name),
        Op::RenameTable { from, .. } => Some(from),
        Op::CreateTable(t) => Some(&t.name),
        _ => None,
    }
}

/// Applies an operation on one table to that table.
pub fn apply_to_table(table: &mut Table, op: &Op) -> Result<(), ApplyError> {
    let missing = |what: &str, name: &str| error(op, format!("table {} has no {what} {name}", table.name));
    match op {
        // Rows change, not the schema; the column must be there.
        Op::FillNulls { column, .. } => {
            if table.column(column).is_none() {
                return Err(missing("column", column));
            }
        }
        // Triggers and rows, not the schema; both columns must be there.
        Op::SyncColumns { old, new, .. } | Op::UnsyncColumns { old, new, .. } => {
            for column in [old, new] {
                if table.column(column).is_none() {
                    return Err(missing("column", column));
                }
            }
        }
        Op::AddColumn { column, .. } => {
            if table.column(&column.name).is_some() {
                return Err(error(op, "the column exists".into()));
            }
            table.columns.to_mut().push(column.clone());
        }
        Op::DropColumn { column, .. } => {
            if table.column(column).is_none() {
                return Err(missing("column", column));
            }
            table.columns.to_mut().retain(|c| c.name != *column);
            // What uses the column goes with it, as PostgreSQL drops it: the
            // key, indexes and constraints over it, and checks that name it.
            let uses = |cols: &[Str]| cols.iter().any(|c| c == column);
            if table.primary_key.as_ref().is_some_and(|k| uses(&k.columns)) {
                table.primary_key = None;
            }
            table.indexes.to_mut().retain(|i| {
                !uses(&i.columns) && !uses(&i.include) && !i.expressions.iter().any(|e| names(e, column))
            });
            table.unique_constraints.to_mut().retain(|u| !uses(&u.columns));
            table.foreign_keys.to_mut().retain(|f| !uses(&f.columns));
            table.checks.to_mut().retain(|c| !names(&c.expr, column));
        }
        Op::RenameColumn { from, to, .. } => {
            if table.column(from).is_none() {
                return Err(missing("column", from));
            }
            let rename = |c: &mut Str| {
                if c == from {
                    *c = to.clone();
                }
            };
            for c in table.columns.to_mut() {
                if c.name == *from {
                    c.name = to.clone();
                }
            }
            if let Some(pk) = &mut table.primary_key {
                pk.columns.to_mut().iter_mut().for_each(rename);
            }
            for ix in table.indexes.to_mut() {
                ix.columns.to_mut().iter_mut().for_each(rename);
                ix.include.to_mut().iter_mut().for_each(rename);
            }
            for uq in table.unique_constraints.to_mut() {
                uq.columns.to_mut().iter_mut().for_each(rename);
            }
            for fk in table.foreign_keys.to_mut() {
                fk.columns.to_mut().iter_mut().for_each(rename);
                if fk.referred_table == table.name {
                    fk.referred_columns.to_mut().iter_mut().for_each(rename);
                }
            }
        }
        Op::AlterColumn { from, to, .. } => {
            let Some(column) = table.columns.to_mut().iter_mut().find(|c| c.name == from.name) else {
                return Err(missing("column", &from.name));
            };
            let mut changed = Column {
                name: column.name.clone(),
                ..to.clone()
            };
            // An enum's values belong to its type, which the enum operations
            // change; a column keeps the values its type has now.
            if let (SqlType::Enum(now), SqlType::Enum(new)) = (&column.ty, &mut changed.ty)
                && now.name == new.name
            {
                new.values = now.values.clone();
            }
            *column = changed;
        }
        Op::AddPrimaryKey { key, .. } => {
            if table.primary_key.is_some() {
                return Err(error(op, "the table has a primary key".into()));
            }
            table.primary_key = Some(key.clone());
        }
        Op::DropPrimaryKey { .. } => {
            if table.primary_key.take().is_none() {
                return Err(error(op, "the table has no primary key".into()));
            }
        }
        Op::CreateIndex { index, .. } => table.indexes.to_mut().push(index.clone()),
        Op::DropIndex { name, .. } => remove(&mut table.indexes, |i| i.name.as_deref() == Some(name))
            .ok_or_else(|| missing("index", name))?,
        Op::AddUnique { constraint, .. } => table.unique_constraints.to_mut().push(constraint.clone()),
        Op::DropUnique { name, .. } => {
            remove(&mut table.unique_constraints, |u| u.name.as_deref() == Some(name))
                .ok_or_else(|| missing("unique constraint", name))?
        }
        Op::AddForeignKey { key, .. } => table.foreign_keys.to_mut().push(key.clone()),
        Op::DropForeignKey { name, .. } => {
            remove(&mut table.foreign_keys, |f| f.name.as_deref() == Some(name))
                .ok_or_else(|| missing("foreign key", name))?
        }
        Op::AddCheck { check, .. } => table.checks.to_mut().push(check.clone()),
        Op::DropCheck { name, .. } => {
            remove(&mut table.checks, |c| c.name == *name).ok_or_else(|| missing("check", name))?
        }
        Op::RenameIndex { from, to, .. } => {
            let index = table
                .indexes
                .to_mut()
                .iter_mut()
                .find(|i| i.name.as_deref() == Some(from));
            index.ok_or_else(|| missing("index", from))?.name = Some(to.clone());
        }
        Op::RenameConstraint { from, to, .. } => {
            let name = Some(from.clone());
            let renamed = Some(to.clone());
            if let Some(pk) = table.primary_key.as_mut().filter(|pk| pk.name == name) {
                pk.name = renamed;
            } else if let Some(uq) = table
                .unique_constraints
                .to_mut()
                .iter_mut()
                .find(|u| u.name == name)
            {
                uq.name = renamed;
            } else if let Some(fk) = table.foreign_keys.to_mut().iter_mut().find(|f| f.name == name) {
                fk.name = renamed;
            } else if let Some(ck) = table.checks.to_mut().iter_mut().find(|c| c.name == *from) {
                ck.name = to.clone();
            } else {
                return Err(missing("constraint", from));
            }
        }
        Op::SetTableComment { comment, .. } => table.comment = comment.clone(),
        Op::AliasTable { alias, .. } => {
            if let Some(had) = &table.alias {
                return Err(error(op, format!("table {} is also {had} already", table.name)));
            }
            table.alias = Some(alias.clone());
        }
        Op::UnaliasTable { alias, .. } => {
            if table.alias.as_ref() != Some(alias) {
                return Err(missing("second name", alias));
            }
            table.alias = None;
        }
        _ => return Err(error(op, "it is not an operation on one table".into())),
    }
    Ok(())
}

/// Whether the SQL expression `expr` names `column` (as a word, quoted or
/// not).
pub(crate) fn names(expr: &str, column: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    expr.match_indices(column).any(|(at, _)| {
        let before = expr[..at].chars().next_back();
        let after = expr[at + column.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// Removes the first item that matches; `None` when none does.
fn remove<T: Clone>(list: &mut crate::schema::List<T>, matches: impl Fn(&T) -> bool) -> Option<()> {
    let at = list.iter().position(matches)?;
    list.to_mut().remove(at);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Check, Index, PrimaryKey, UniqueConstraint};

    #[test]
    fn a_dropped_column_takes_what_uses_it_along() {
        let mut t = Table::new("users");
        t.columns = vec![
            Column::new("id", SqlType::BigInt),
            Column::new("email", SqlType::Text),
            Column::new("emails", SqlType::Integer),
        ]
        .into();
        t.primary_key = Some(PrimaryKey::new("pk_users", ["id"]));
        t.unique_constraints = vec![UniqueConstraint::new("uq_users_email", ["email"])].into();
        t.indexes = vec![
            Index::new("ix_users_email_id", ["id", "email"]),
            Index::new("ix_users_emails", ["emails"]),
        ]
        .into();
        t.checks = vec![
            Check::new("ck_email", "length(\"email\") > 3"),
            Check::new("ck_emails", "emails >= 0"),
        ]
        .into();
        let op = Op::DropColumn {
            table: "users".into(),
            column: "email".into(),
        };
        apply_to_table(&mut t, &op).unwrap();
        assert!(t.primary_key.is_some());
        assert!(t.unique_constraints.is_empty());
        let indexes: Vec<_> = t
            .indexes
            .iter()
            .map(|i| i.name.clone().unwrap_or_default())
            .collect();
        assert_eq!(indexes, ["ix_users_emails"]);
        let checks: Vec<_> = t.checks.iter().map(|c| c.name.clone()).collect();
        assert_eq!(checks, ["ck_emails"], "a check naming `emails` only stays");
    }
}
