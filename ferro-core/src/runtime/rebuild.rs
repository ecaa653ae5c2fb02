//! SQLite table rebuilds: the changes its `ALTER TABLE` cannot make.
//!
//! The table is read from the database inside the migration's transaction
//! (so it is the table as it is, after the migration's earlier steps and any
//! hand-written SQL), the operations are applied to that definition, and the
//! table is made again in the order SQLite's documentation gives: create the
//! new table under a scratch name, copy every row, drop the old table, rename
//! the new one, re-create its indexes and triggers, then check every foreign
//! key. The migrator turns foreign-key enforcement off around the transaction
//! (SQLite ignores the setting inside one), so dropping the old table neither
//! fails nor cascades to rows that refer to it; the check at the end finds
//! any row the change left without its parent and rolls everything back.

use super::database::Tx;
use super::dialect::{Dialect, literal};
use super::error::MigrateError;
use super::events::Event;
use super::introspect::sqlite_table;
use super::render::sqlite;
use super::statement::Statement;
use crate::migration::{Op, State, op_table};
use crate::schema::{SqlType, Table};

const D: Dialect = Dialect::Sqlite;

/// A run of operations that rebuild one table, or (for an enum change)
/// every table with a column of that enum.
#[derive(Clone, Debug)]
pub(crate) struct Rebuild {
    pub(crate) ops: Vec<Op>,
}

impl Rebuild {
    /// The table the operations act on; `None` for enum changes.
    pub(crate) fn table(&self) -> Option<&str> {
        self.ops.first().and_then(op_table)
    }

    /// The statement an offline script writes: for a dropped column, SQLite's
    /// own `DROP COLUMN`, which is what runs online when no key, index or
    /// constraint uses the column (a generated migration drops those first).
    /// Every other rebuild is worked out from the table in the database, which
    /// a script cannot read: an error that says so.
    pub(crate) fn offline(&self) -> Result<String, MigrateError> {
        if let Some(statements) = fills(&self.ops) {
            return Ok(statements?.join(";\n"));
        }
        match self.ops.as_slice() {
            [Op::DropColumn { table, column }] => Ok(drop_column(table, column)),
            _ => Err(MigrateError::Unsupported {
                op: self
                    .ops
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
                dialect: D.name(),
                reason: "SQLite's ALTER TABLE cannot make this change, and the table rebuild that can \
                         is worked out from the table in the database, which an offline script cannot \
                         read; apply it online (`upgrade`), or write the rebuild by hand with `op.sql`"
                    .to_owned(),
            }),
        }
    }
}

/// Whether `op` can join `rebuild`: it rebuilds the same one table.
pub(crate) fn joins(rebuild: &Rebuild, op: &Op) -> bool {
    rebuild.table().is_some() && op_table(op) == rebuild.table() && !matches!(op, Op::RenameIndex { .. })
}

fn stale(table: &str, reason: impl std::fmt::Display) -> MigrateError {
    MigrateError::Introspection(format!(
        "cannot rebuild table {table}: {reason}; the database is not as the migrations left it \
         (check it with `check --schema`)"
    ))
}

/// Performs `rebuild` in the migration's transaction.
pub(crate) async fn run(tx: &mut Tx<'_>, rebuild: &Rebuild) -> Result<(), MigrateError> {
    let tables = match rebuild.table() {
        Some(table) => vec![table.to_owned()],
        None => enum_tables(tx, rebuild).await?,
    };
    for name in tables {
        let old = sqlite_table(tx, &name)
            .await?
            .ok_or_else(|| stale(&name, "there is no such table"))?;
        let mut state = State {
            tables: vec![old.clone()],
            ..Default::default()
        };
        for op in &rebuild.ops {
            state.apply(op).map_err(|e| stale(&name, e))?;
        }
        let new = state.tables.remove(0);
        let statements = match light(&old, &rebuild.ops) {
            Some(statements) => statements?,
            None => {
                if tx.observed() {
                    let rows = tx
                        .fetch_text(
                            &format!("SELECT CAST(COUNT(*) AS TEXT) FROM {}", D.ident(&name)),
                            1,
                        )
                        .await?;
                    let rows = rows
                        .first()
                        .and_then(|r| r.first().cloned().flatten())
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(0);
                    tx.emit(&Event::Rebuild { table: &name, rows });
                }
                let triggers = tx
                    .fetch_text(
                        &format!(
                            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = {} \
                             AND sql IS NOT NULL ORDER BY name",
                            literal(&name)
                        ),
                        1,
                    )
                    .await?;
                let triggers = triggers.into_iter().filter_map(|mut row| row.remove(0));
                let mut statements = statements(&old, &new, &rebuild.ops);
                statements.extend(triggers);
                statements
            }
        };
        for sql in statements {
            tx.execute(&Statement::plain(sql)).await?;
        }
        check_foreign_keys(tx, &name).await?;
    }
    Ok(())
}

/// The tables with a column of the enum the rebuild changes.
async fn enum_tables(tx: &mut Tx<'_>, rebuild: &Rebuild) -> Result<Vec<String>, MigrateError> {
    let enum_name = match rebuild.ops.first() {
        Some(
            Op::AddEnumValue { name, .. }
            | Op::DropEnumValue { name, .. }
            | Op::RenameEnumValue { name, .. }
            | Op::ReorderEnumValues { name, .. },
        ) => name.to_string(),
        _ => return Ok(Vec::new()),
    };
    let names = tx
        .fetch_text(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
             ORDER BY name",
            1,
        )
        .await?;
    let mut out = Vec::new();
    for name in names.into_iter().filter_map(|mut row| row.remove(0)) {
        let Some(table) = sqlite_table(tx, &name).await? else {
            continue;
        };
        let uses = table
            .columns
            .iter()
            .any(|c| matches!(&c.ty, SqlType::Enum(e) if e.name == enum_name));
        if uses {
            out.push(name);
        }
    }
    Ok(out)
}

/// The statements for a change that needs no copy: a renamed index (dropped
/// and made again), or a dropped column that no key, index or constraint
/// uses (SQLite's own `DROP COLUMN`).
fn light(old: &Table, ops: &[Op]) -> Option<Result<Vec<String>, MigrateError>> {
    if let Some(statements) = fills(ops) {
        return Some(statements);
    }
    Some(Ok(match ops {
        [Op::RenameIndex { from, to, .. }] => {
            let mut index = old
                .indexes
                .iter()
                .find(|i| i.name.as_deref() == Some(from))?
                .clone();
            index.name = Some(to.clone());
            vec![
                format!("DROP INDEX {}", D.ident(from)),
                sqlite::create_index(&old.name, &index),
            ]
        }
        [Op::DropColumn { table, column }] => {
            let used = old.primary_key.iter().any(|k| k.columns.contains(column))
                || old.indexes.iter().any(|i| {
                    i.columns.contains(column)
                        || i.include.contains(column)
                        || i.expressions.iter().any(|e| e.contains(column.as_ref()))
                })
                || old.unique_constraints.iter().any(|u| u.columns.contains(column))
                || old.foreign_keys.iter().any(|f| f.columns.contains(column))
                || old.checks.iter().any(|c| c.expr.contains(column.as_ref()));
            if used {
                return None;
            }
            vec![drop_column(table, column)]
        }
        _ => return None,
    }))
}

/// The `UPDATE`s of a run of fills that no rebuild follows.
fn fills(ops: &[Op]) -> Option<Result<Vec<String>, MigrateError>> {
    if !ops.iter().all(|op| matches!(op, Op::FillNulls { .. })) {
        return None;
    }
    let mut out = Vec::new();
    for op in ops {
        match D.render(op) {
            Ok(statements) => out.extend(statements),
            Err(e) => return Some(Err(e)),
        }
    }
    Some(Ok(out))
}

fn drop_column(table: &str, column: &str) -> String {
    format!("ALTER TABLE {} DROP COLUMN {}", D.ident(table), D.ident(column))
}

/// The scratch name the new table is made under.
fn scratch(name: &str) -> String {
    format!("_ferro_new_{name}")
}

/// The rebuild of `old` into `new`: every column the two share is copied;
/// a renamed enum value is renamed in the rows as they are copied, and a new
/// auto-increment column numbered from the rowid.
fn statements(old: &Table, new: &Table, ops: &[Op]) -> Vec<String> {
    let mut made = new.clone();
    made.name = scratch(&new.name).into();
    made.indexes = Vec::new().into();
    let mut out = sqlite::create(&made);
    let mut names = Vec::new();
    let mut values = Vec::new();
    // A generated column computes its own values.
    let copied = new
        .columns
        .iter()
        .filter(|c| c.generated.is_none() && old.column(&c.name).is_some_and(|o| o.generated.is_none()));
    for column in copied {
        let name = D.ident(&column.name);
        let mut value = name.clone();
        for op in ops {
            if let Op::FillNulls {
                column: filled,
                value: Some(fill),
                ..
            } = op
                && *filled == column.name
            {
                value = format!("COALESCE({value}, {fill})");
            }
            if let (Op::RenameEnumValue { name: e, from, to }, SqlType::Enum(ty)) = (op, &column.ty)
                && ty.name == *e
            {
                value = format!(
                    "CASE WHEN {value} = {} THEN {} ELSE {value} END",
                    literal(from),
                    literal(to)
                );
            }
        }
        names.push(name);
        values.push(value);
    }
    // A new auto-increment column numbers the rows it finds, as an identity
    // column added on PostgreSQL or MySQL does; until the key that makes it
    // SQLite's rowid is added (a later rebuild, when other steps came
    // between), nothing would give it a value, and NOT NULL would refuse
    // every row.
    for column in new
        .columns
        .iter()
        .filter(|c| c.auto_increment && old.column(&c.name).is_none())
    {
        names.push(D.ident(&column.name));
        values.push("rowid".to_owned());
    }
    out.push(format!(
        "INSERT INTO {} ({}) SELECT {} FROM {}",
        D.ident(&made.name),
        names.join(", "),
        values.join(", "),
        D.ident(&old.name)
    ));
    out.push(format!("DROP TABLE {}", D.ident(&old.name)));
    // With the legacy behaviour, the rename touches nothing else: views and
    // triggers that name the table keep naming it.
    out.push("PRAGMA legacy_alter_table = ON".to_owned());
    out.push(format!(
        "ALTER TABLE {} RENAME TO {}",
        D.ident(&made.name),
        D.ident(&new.name)
    ));
    out.push("PRAGMA legacy_alter_table = OFF".to_owned());
    out.extend(new.indexes.iter().map(|ix| sqlite::create_index(&new.name, ix)));
    out
}

/// `PRAGMA foreign_key_check`: an error naming the rows that lost their parent.
async fn check_foreign_keys(tx: &mut Tx<'_>, table: &str) -> Result<(), MigrateError> {
    let rows = tx
        .fetch_text(
            "SELECT \"table\", CAST(rowid AS TEXT), parent FROM pragma_foreign_key_check LIMIT 5",
            3,
        )
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = rows
        .into_iter()
        .map(|r| {
            let [t, rowid, parent] = <[Option<String>; 3]>::try_from(r).unwrap_or_default();
            format!(
                "{} row {} refers to a missing row of {}",
                t.unwrap_or_default(),
                rowid.unwrap_or_else(|| "?".into()),
                parent.unwrap_or_default()
            )
        })
        .collect();
    Err(MigrateError::ForeignKeyCheck {
        table: table.to_owned(),
        rows: rows.join("; "),
    })
}
