//! Rows made from a schema, and the values a migration must keep.
//!
//! Each table gets a few rows whose values follow from the row's number and
//! the column's type: distinct wherever the type allows, one row holding
//! NULL in every NULL-able column, text with a quote and a letter outside
//! ASCII, a negative number. A foreign key takes the values of a row of the
//! table it refers to (of the same batch), a self-reference the row's own.
//! A row the database refuses (a check, a unique over a boolean) is left
//! out: the rows are a sample, not a proof that every row fits.

use std::collections::{BTreeMap, BTreeSet};

use crate::migration::Op;
use crate::runtime::{Database, Dialect, MigrateError};
use crate::schema::{SqlType, Table};

/// Rows per table and batch.
const ROWS: usize = 3;

/// The key of a batch's rows: far above what a sequence hands out in a test.
fn number(batch: usize, row: usize) -> i64 {
    1_000_000 + (batch * 100 + row) as i64
}

/// The SQL literal of row `row` of batch `batch` in a column of `ty` (text
/// cut to a `VARCHAR`'s width).
fn literal(ty: &SqlType, batch: usize, row: usize, dialect: Dialect) -> String {
    let n = number(batch, row);
    let day = 1 + (batch * ROWS + row) % 28;
    match ty {
        SqlType::SmallInt => format!(
            "{}",
            if row == 2 {
                -((batch * 10 + row) as i64)
            } else {
                (batch * 10 + row) as i64
            }
        ),
        SqlType::Integer | SqlType::BigInt => format!("{}", if row == 2 { -n } else { n }),
        SqlType::Real | SqlType::Double => format!("{batch}.{row}5"),
        SqlType::Numeric { scale, .. } => match scale {
            Some(0) => format!("{row}"),
            _ => format!("{row}.5"),
        },
        SqlType::Boolean => if row.is_multiple_of(2) { "TRUE" } else { "FALSE" }.to_owned(),
        SqlType::Text | SqlType::Varchar(_) => {
            let text = if row == 2 {
                format!("O'Brien ü {n}")
            } else {
                format!("v{n}")
            };
            let text: String = match ty {
                SqlType::Varchar(width) => text
                    .chars()
                    .rev()
                    .take(*width as usize)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect(),
                _ => text,
            };
            dialect.literal(&text)
        }
        SqlType::Uuid => format!("'00000000-0000-4000-8000-{n:012}'"),
        SqlType::Date => format!("'2024-02-{day:02}'"),
        SqlType::Time => format!("'12:{:02}:00'", row * 7 % 60),
        SqlType::Timestamp { .. } => format!("'2024-02-{day:02} 12:{:02}:00'", row * 7 % 60),
        SqlType::Json => format!("'{{\"n\": {n}}}'"),
        SqlType::Blob => match dialect {
            Dialect::Postgres => format!("'\\x{:04x}'", row),
            _ => format!("X'{:04x}'", row),
        },
        SqlType::Enum(e) if !e.values.is_empty() => {
            dialect.literal(&e.values[(batch + row) % e.values.len()].name)
        }
        SqlType::Enum(_) => "NULL".to_owned(),
        SqlType::Custom(_) => "NULL".to_owned(),
    }
}

/// Inserts batch `batch` of rows into every table of `tables`, referred
/// tables first; returns how many rows each table took.
pub(super) async fn insert(
    db: &mut Database,
    tables: &[Table],
    batch: usize,
) -> Result<BTreeMap<String, usize>, MigrateError> {
    let dialect = db.dialect();
    let q = |name: &str| dialect.ident(name);
    // The key values of each row inserted, by table and column.
    let mut made: BTreeMap<&str, Vec<BTreeMap<&str, String>>> = BTreeMap::new();
    let mut taken = BTreeMap::new();
    for table in order(tables) {
        let mut rows = Vec::new();
        for row in 0..ROWS {
            let mut values: BTreeMap<&str, String> = BTreeMap::new();
            let mut possible = true;
            for key in table.foreign_keys.iter() {
                let referred = if key.referred_table == table.name {
                    None
                } else {
                    made.get(key.referred_table.as_ref())
                        .and_then(|rows| rows.get(row % rows.len().max(1)))
                };
                for (column, referred_column) in key.columns.iter().zip(key.referred_columns.iter()) {
                    let nullable = table.column(column).is_some_and(|c| c.nullable);
                    let value = match referred {
                        Some(r) => r.get(referred_column.as_ref()).cloned(),
                        None if key.referred_table == table.name => None,
                        None => nullable.then(|| "NULL".to_owned()),
                    };
                    match value {
                        Some(v) => {
                            values.insert(column, v);
                        }
                        // A self-reference takes the row's own key, below.
                        None if key.referred_table == table.name => {}
                        None => possible = false,
                    }
                }
            }
            if !possible {
                continue;
            }
            // A generated column is computed, never written.
            for column in table.columns.iter().filter(|c| c.generated.is_none()) {
                if values.contains_key(column.name.as_ref()) {
                    continue;
                }
                let in_key = table
                    .primary_key
                    .as_ref()
                    .is_some_and(|k| k.columns.contains(&column.name));
                let value = if column.nullable && row == 1 && !in_key {
                    "NULL".to_owned()
                } else {
                    literal(&column.ty, batch, row, dialect)
                };
                values.insert(&column.name, value);
            }
            // A self-reference: the row refers to itself.
            for key in table
                .foreign_keys
                .iter()
                .filter(|k| k.referred_table == table.name)
            {
                for (column, referred) in key.columns.iter().zip(key.referred_columns.iter()) {
                    if let Some(v) = values.get(referred.as_ref()).cloned() {
                        values.insert(column, v);
                    }
                }
            }
            let names: Vec<String> = values.keys().map(|c| q(c)).collect();
            let sql = format!(
                "INSERT INTO {} ({}) VALUES ({})",
                q(&table.name),
                names.join(", "),
                values.values().cloned().collect::<Vec<_>>().join(", ")
            );
            if db.fetch_text(&sql, 0).await.is_ok() {
                rows.push(values);
            }
        }
        taken.insert(table.name.to_string(), rows.len());
        made.insert(&table.name, rows);
    }
    Ok(taken)
}

/// Tables with the tables they refer to first (a cycle is broken anywhere).
fn order(tables: &[Table]) -> Vec<&Table> {
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    while out.len() < tables.len() {
        let before = out.len();
        for t in tables {
            if done.contains(t.name.as_ref()) {
                continue;
            }
            let ready = t.foreign_keys.iter().all(|k| {
                k.referred_table == t.name
                    || done.contains(k.referred_table.as_ref())
                    || !tables.iter().any(|o| o.name == k.referred_table)
            });
            if ready {
                done.insert(&t.name);
                out.push(t);
            }
        }
        if out.len() == before {
            // A cycle: take the first table left.
            if let Some(t) = tables.iter().find(|t| !done.contains(t.name.as_ref())) {
                done.insert(&t.name);
                out.push(t);
            }
        }
    }
    out
}

/// Every table's rows, each a map of column to value as text, sorted.
pub(super) type Contents = BTreeMap<String, Vec<BTreeMap<String, Option<String>>>>;

/// What `tables` hold.
pub(super) async fn read(db: &mut Database, tables: &[Table]) -> Result<Contents, MigrateError> {
    let dialect = db.dialect();
    let text = if dialect == Dialect::MySql { "CHAR" } else { "TEXT" };
    let mut out = Contents::new();
    for table in tables {
        let columns: Vec<&str> = table.columns.iter().map(|c| c.name.as_ref()).collect();
        if columns.is_empty() {
            continue;
        }
        let select: Vec<String> = columns
            .iter()
            .map(|c| format!("CAST({} AS {text})", dialect.ident(c)))
            .collect();
        let sql = format!("SELECT {} FROM {}", select.join(", "), dialect.ident(&table.name));
        let mut rows: Vec<BTreeMap<String, Option<String>>> = db
            .fetch_text(&sql, columns.len())
            .await?
            .into_iter()
            .map(|values| columns.iter().map(|c| c.to_string()).zip(values).collect())
            .collect();
        rows.sort();
        out.insert(table.name.to_string(), rows);
    }
    Ok(out)
}

/// Where the columns of the tables before a migration's steps are after
/// them, for the values the steps keep: renamed tables and columns
/// followed; a column dropped, made again, filled or given another type,
/// or one the caller names in `changing` (`table.column`, old names), left
/// out.
pub(super) fn kept(
    before: &[Table],
    after: &[Table],
    steps: &[Op],
    changing: &[String],
) -> BTreeMap<(String, String), (String, String)> {
    let mut tables: BTreeMap<String, String> = before
        .iter()
        .map(|t| (t.name.to_string(), t.name.to_string()))
        .collect();
    let mut columns: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut lost: BTreeSet<(String, String)> = BTreeSet::new();
    let mut gone_tables: BTreeSet<String> = BTreeSet::new();
    // Steps name tables by their name at the time they run.
    let old_of = |tables: &BTreeMap<String, String>, now: &str| -> Option<String> {
        tables
            .iter()
            .find(|(_, n)| n.as_str() == now)
            .map(|(old, _)| old.clone())
    };
    for op in steps {
        match op {
            Op::RenameTable { from, to } => {
                if let Some(old) = old_of(&tables, from) {
                    tables.insert(old, to.to_string());
                }
            }
            Op::DropTable { name } => {
                if let Some(old) = old_of(&tables, name) {
                    gone_tables.insert(old.clone());
                    tables.remove(&old);
                }
            }
            Op::RenameColumn { table, from, to } => {
                if let Some(old) = old_of(&tables, table) {
                    let original = original(&columns, &old, from);
                    columns.insert((old, original), to.to_string());
                }
            }
            Op::DropColumn { table, column } => {
                if let Some(old) = old_of(&tables, table) {
                    let original = original(&columns, &old, column);
                    lost.insert((old, original));
                }
            }
            Op::AlterColumn { table, from, to } if from.ty != to.ty => {
                if let Some(old) = old_of(&tables, table) {
                    let original = original(&columns, &old, &from.name);
                    lost.insert((old, original));
                }
            }
            Op::FillNulls { table, column, .. } => {
                if let Some(old) = old_of(&tables, table) {
                    let original = original(&columns, &old, column);
                    lost.insert((old, original));
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    for t in before {
        let Some(new_table) = tables.get(t.name.as_ref()) else {
            continue;
        };
        if gone_tables.contains(t.name.as_ref()) {
            continue;
        }
        let Some(after_table) = after.iter().find(|a| a.name.as_ref() == new_table) else {
            continue;
        };
        for c in t.columns.iter() {
            let key = (t.name.to_string(), c.name.to_string());
            if lost.contains(&key) || changing.contains(&format!("{}.{}", t.name, c.name)) {
                continue;
            }
            let new_column = columns.get(&key).cloned().unwrap_or_else(|| c.name.to_string());
            if after_table.column(&new_column).is_some_and(|a| a.ty == c.ty) {
                out.insert(key, (new_table.clone(), new_column));
            }
        }
    }
    out
}

/// The name before the steps of the column of table `table` (its old name)
/// that is named `now` at this point of the steps.
fn original(columns: &BTreeMap<(String, String), String>, table: &str, now: &str) -> String {
    columns
        .iter()
        .find(|((t, _), name)| t == table && name.as_str() == now)
        .map(|((_, c), _)| c.clone())
        .unwrap_or_else(|| now.to_owned())
}

/// The differences between what `before` held and `after` holds, in the
/// columns `kept` maps. Rows are matched by their primary key where the key
/// is kept (a changed value is named with its row and column), else each
/// table's rows, projected on its kept columns, are compared as multisets.
/// At most a few differences are named per table.
pub(super) fn compare(
    tables: &[Table],
    before: &Contents,
    after: &Contents,
    kept: &BTreeMap<(String, String), (String, String)>,
) -> Vec<String> {
    let mut by_table: BTreeMap<&str, Vec<(&str, &str, &str)>> = BTreeMap::new();
    for ((table, column), (new_table, new_column)) in kept {
        by_table
            .entry(table)
            .or_default()
            .push((column, new_table, new_column));
    }
    let show = |v: &Option<String>| v.as_deref().map_or("NULL".to_owned(), |v| format!("{v:?}"));
    let mut out = Vec::new();
    for (table, columns) in by_table {
        let new_table = columns[0].1;
        let names = if table == new_table {
            table.to_owned()
        } else {
            format!("{table} (now {new_table})")
        };
        let was_rows = before.get(table).map(Vec::as_slice).unwrap_or_default();
        let is_rows = after.get(new_table).map(Vec::as_slice).unwrap_or_default();
        let key: Option<Vec<(&str, &str)>> = tables
            .iter()
            .find(|t| t.name.as_ref() == table)
            .and_then(|t| t.primary_key.as_ref())
            .and_then(|pk| {
                pk.columns
                    .iter()
                    .map(|c| {
                        columns
                            .iter()
                            .find(|(old, _, _)| *old == c.as_ref())
                            .map(|(old, _, new)| (*old, *new))
                    })
                    .collect()
            });
        let mut found = Vec::new();
        if let Some(key) = key {
            let key_of = |row: &BTreeMap<String, Option<String>>, new: bool| -> Vec<Option<String>> {
                key.iter()
                    .map(|(old, new_name)| row.get(if new { *new_name } else { *old }).cloned().flatten())
                    .collect()
            };
            let shown_key = |row: &BTreeMap<String, Option<String>>| {
                key.iter()
                    .map(|(old, _)| format!("{old}={}", show(&row.get(*old).cloned().flatten())))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            for was in was_rows {
                let k = key_of(was, false);
                let Some(is) = is_rows.iter().find(|r| key_of(r, true) == k) else {
                    found.push(format!("{names}: the row {} is gone", shown_key(was)));
                    continue;
                };
                for (old, _, new) in &columns {
                    let (a, b) = (was.get(*old).cloned().flatten(), is.get(*new).cloned().flatten());
                    if a != b {
                        found.push(format!(
                            "{names}: in the row {}, {old} was {}, is {}",
                            shown_key(was),
                            show(&a),
                            show(&b)
                        ));
                    }
                }
            }
        } else {
            let project =
                |rows: &[BTreeMap<String, Option<String>>], new: bool| -> Vec<Vec<Option<String>>> {
                    let mut projected: Vec<Vec<Option<String>>> = rows
                        .iter()
                        .map(|row| {
                            columns
                                .iter()
                                .map(|(old, _, new_name)| {
                                    row.get(if new { *new_name } else { *old }).cloned().flatten()
                                })
                                .collect()
                        })
                        .collect();
                    projected.sort();
                    projected
                };
            let (was, is) = (project(was_rows, false), project(is_rows, true));
            for row in was.iter().filter(|r| !is.contains(r)) {
                let shown: Vec<String> = columns
                    .iter()
                    .zip(row)
                    .map(|((n, _, _), v)| format!("{n}={}", show(v)))
                    .collect();
                found.push(format!(
                    "{names}: the row ({}) is gone or changed",
                    shown.join(", ")
                ));
            }
        }
        let more = found.len().saturating_sub(3);
        out.extend(found.into_iter().take(3));
        if more > 0 {
            out.push(format!("{names}: and {more} more"));
        }
    }
    out
}
