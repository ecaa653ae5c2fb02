//! SQLite's schema: columns, keys and indexes from its pragmas; constraint
//! names, checks and foreign keys from each table's `CREATE TABLE` text.

use super::ddl::{self, Constraint, Named};
use super::{Fetch, column, parse_type};
use crate::runtime::dialect::literal;
use crate::runtime::error::MigrateError;
use crate::schema::{Action, Check, ForeignKey, Index, PrimaryKey, SqlType, Table, UniqueConstraint};

/// Every table but SQLite's own, Ferro's scratch tables and the version table.
pub(super) async fn tables(f: &mut impl Fetch, version_table: &str) -> Result<Vec<Table>, MigrateError> {
    let names = f
        .rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
            1,
        )
        .await?;
    let mut out = Vec::new();
    for name in names.into_iter().filter_map(|mut row| row.remove(0)) {
        if name == version_table {
            continue;
        }
        if let Some(table) = table(f, &name).await? {
            out.push(table);
        }
    }
    Ok(out)
}

fn action(word: Option<&str>) -> Action {
    match word {
        Some("CASCADE") => Action::Cascade,
        Some("RESTRICT") => Action::Restrict,
        Some("SET NULL") => Action::SetNull,
        Some("SET DEFAULT") => Action::SetDefault,
        _ => Action::NoAction,
    }
}

fn unreadable(table: &str, what: impl std::fmt::Display) -> MigrateError {
    MigrateError::Introspection(format!("cannot read table {table}: {what}"))
}

/// The table called `name`, or `None` when there is none.
pub(crate) async fn table(f: &mut impl Fetch, name: &str) -> Result<Option<Table>, MigrateError> {
    let lit = literal(name);
    let sql = f
        .rows(
            &format!("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = {lit}"),
            1,
        )
        .await?;
    let Some(Some(sql)) = sql.into_iter().next().map(|mut row| row.remove(0)) else {
        return Ok(None);
    };
    let parsed = ddl::parse(&sql).map_err(|e| unreadable(name, e))?;
    let mut table = Table::new(name.to_owned());

    // Columns and the primary key's columns.
    let rows = f
        .rows(
            &format!(
                "SELECT name, type, CAST(\"notnull\" AS TEXT), dflt_value, CAST(pk AS TEXT) \
                 FROM pragma_table_info({lit}) ORDER BY cid"
            ),
            5,
        )
        .await?;
    let mut key: Vec<(i64, String)> = Vec::new();
    let mut columns = Vec::new();
    for row in rows {
        let [Some(cname), ty, notnull, default, pk] =
            <[Option<String>; 5]>::try_from(row).map_err(|_| unreadable(name, "an unexpected pragma row"))?
        else {
            return Err(unreadable(name, "a column without a name"));
        };
        let position: i64 = pk.as_deref().and_then(|p| p.parse().ok()).unwrap_or(0);
        if position > 0 {
            key.push((position, cname.clone()));
        }
        let ty = parse_type(ty.as_deref().unwrap_or(""));
        columns.push(column(cname, ty, notnull.as_deref() != Some("1"), default));
    }
    key.sort();

    let mut pk_name = None;
    let mut add = |table: &mut Table, named: Named| match named.constraint {
        Constraint::PrimaryKey(_) => pk_name = named.name.map(Into::into),
        Constraint::Unique(cols) => table.unique_constraints.to_mut().push(UniqueConstraint {
            name: named.name.map(Into::into),
            columns: cols.into_iter().map(Into::into).collect(),
        }),
        Constraint::Check(expr) => {
            let fallback = format!("ck_{}_{}", table.name, table.checks.len() + 1);
            table.checks.to_mut().push(Check {
                name: named.name.unwrap_or(fallback).into(),
                expr: expr.into(),
            })
        }
        Constraint::ForeignKey {
            columns,
            table: referred_table,
            referred,
            on_delete,
            on_update,
        } => table.foreign_keys.to_mut().push(ForeignKey {
            name: named.name.map(Into::into),
            columns: columns.into_iter().map(Into::into).collect(),
            referred_table: referred_table.into(),
            referred_columns: referred.into_iter().map(Into::into).collect(),
            on_delete: action(on_delete.as_deref()),
            on_update: action(on_update.as_deref()),
        }),
    };
    for def in parsed.columns {
        for named in def.constraints {
            // An enum is a `TEXT` column with a check of its values, named
            // after the enum type.
            if let Constraint::Check(expr) = &named.constraint
                && let Some(values) = ddl::enum_values(expr, &def.name)
                && let Some(c) = columns
                    .iter_mut()
                    .find(|c| c.name == def.name && c.ty == SqlType::Text)
            {
                c.ty = SqlType::enumeration(named.name.clone().unwrap_or_default(), values);
                continue;
            }
            add(&mut table, named);
        }
    }
    for named in parsed.constraints {
        add(&mut table, named);
    }
    if !key.is_empty() {
        let single_integer = key.len() == 1
            && columns
                .iter()
                .any(|c| c.name == key[0].1 && c.ty == SqlType::Integer);
        if single_integer && let Some(c) = columns.iter_mut().find(|c| c.name == key[0].1) {
            c.auto_increment = true;
        }
        table.primary_key = Some(PrimaryKey {
            name: pk_name,
            columns: key.into_iter().map(|(_, c)| c.into()).collect(),
        });
    }
    table.columns = columns.into();

    // Indexes made with CREATE INDEX (those behind keys are the keys).
    let rows = f
        .rows(
            &format!(
                "SELECT name, CAST(\"unique\" AS TEXT), origin FROM pragma_index_list({lit}) ORDER BY name"
            ),
            3,
        )
        .await?;
    for row in rows {
        let [Some(ix), unique, origin] =
            <[Option<String>; 3]>::try_from(row).map_err(|_| unreadable(name, "an unexpected pragma row"))?
        else {
            continue;
        };
        if origin.as_deref() != Some("c") {
            continue;
        }
        let cols = f
            .rows(
                &format!(
                    "SELECT name FROM pragma_index_info({}) ORDER BY seqno",
                    literal(&ix)
                ),
                1,
            )
            .await?;
        table.indexes.to_mut().push(Index {
            name: Some(ix.into()),
            columns: cols
                .into_iter()
                .filter_map(|mut r| r.remove(0))
                .map(Into::into)
                .collect(),
            unique: unique.as_deref() == Some("1"),
        });
    }
    Ok(Some(table))
}
