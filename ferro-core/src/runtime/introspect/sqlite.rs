//! SQLite's schema: columns, keys and indexes from its pragmas; constraint
//! names, checks and foreign keys from each table's `CREATE TABLE` text.

use super::ddl::{self, Constraint, Named};
use super::{Fetch, column, parse_type};
use crate::inspect::Note;
use crate::runtime::dialect::literal;
use crate::runtime::error::MigrateError;
use crate::schema::{Action, Check, ForeignKey, Index, PrimaryKey, SqlType, Table, UniqueConstraint, View};

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

/// Whether the index of `pragma_index_list` row `l` is one a model cannot
/// declare: on an expression in descending order, or in a collation of its own. (An index takes its
/// columns' collations, which `pragma_index_xinfo` reports too: a collation
/// of the index's own is one its statement says.)
const SPECIAL_INDEX: &str = "EXISTS (SELECT 1 FROM pragma_index_xinfo(l.name) x \
         WHERE x.key = 1 AND x.cid = -2 AND x.\"desc\" = 1) \
     OR EXISTS (SELECT 1 FROM sqlite_master m WHERE m.type = 'index' AND m.name = l.name \
     AND m.sql LIKE '%COLLATE%')";

/// The views, each with its query: what its stored `CREATE VIEW` says
/// after `AS`. A view whose statement names its columns (`v(a, b)`) is left
/// to [`notes`]: a model's view has its query's columns.
pub(super) async fn views(f: &mut impl Fetch) -> Result<Vec<View>, MigrateError> {
    let rows = f
        .rows(
            "SELECT name, sql FROM sqlite_master WHERE type = 'view' AND sql IS NOT NULL ORDER BY name",
            2,
        )
        .await?;
    let mut out = Vec::new();
    for row in rows {
        let [Some(name), Some(sql)] = <[Option<String>; 2]>::try_from(row).unwrap_or_default() else {
            continue;
        };
        if let Some(query) = ddl::view_query(&sql) {
            out.push(View::new(name, query.to_owned()));
        }
    }
    Ok(out)
}

/// What the database holds that a model cannot declare: views, triggers,
/// tables without a rowid or strict, and the indexes
/// [`table`] leaves out.
pub(super) async fn notes(f: &mut impl Fetch, version_table: &str) -> Result<Vec<Note>, MigrateError> {
    let mut out = Vec::new();
    let rows = f
        .rows(
            "SELECT type, name, tbl_name, sql FROM sqlite_master \
             WHERE type IN ('view', 'trigger') AND sql IS NOT NULL ORDER BY type, name",
            4,
        )
        .await?;
    for row in rows {
        let [Some(kind), Some(name), table, sql] = <[Option<String>; 4]>::try_from(row).unwrap_or_default()
        else {
            continue;
        };
        // A view [`views`] reads is a model's.
        if kind == "view" && sql.as_deref().and_then(ddl::view_query).is_some() {
            continue;
        }
        let text = format!("{kind} {name}: {}", sql.unwrap_or_default());
        out.push(match kind.as_str() {
            "trigger" => Note::on(table.unwrap_or_default(), text),
            _ => Note::of_database(text),
        });
    }
    let rows = f
        .rows(
            &format!(
                "SELECT m.name, l.name, m2.sql FROM sqlite_master m JOIN pragma_index_list(m.name) l \
                 JOIN sqlite_master m2 ON m2.type = 'index' AND m2.name = l.name \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND m.name <> {} \
                 AND l.origin = 'c' AND ({SPECIAL_INDEX}) ORDER BY 1, 2",
                literal(version_table)
            ),
            3,
        )
        .await?;
    for row in rows {
        if let [Some(table), Some(index), sql] = <[Option<String>; 3]>::try_from(row).unwrap_or_default() {
            out.push(Note::on(
                table,
                format!("index {index}: {}", sql.unwrap_or_default()),
            ));
        }
    }
    let rows = f
        .rows(
            &format!(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> {} \
                 AND sql LIKE '%AUTOINCREMENT%' ORDER BY 1",
                literal(version_table)
            ),
            1,
        )
        .await?;
    for table in rows.into_iter().filter_map(|mut row| row.remove(0)) {
        out.push(Note::on(
            table,
            "the key is AUTOINCREMENT (SQLite never reuses a rowid); a model's key reuses the rowids of deleted rows",
        ));
    }
    let rows = f
        .rows(
            &format!(
                "SELECT m.name, x.name FROM sqlite_master m JOIN pragma_table_info(m.name) x \
                 WHERE m.type = 'table' AND m.name <> {} AND x.pk > 0 AND x.\"notnull\" = 0 \
                 AND NOT (upper(x.type) = 'INTEGER' AND (SELECT count(*) FROM pragma_table_info(m.name) k \
                 WHERE k.pk > 0) = 1) ORDER BY 1, x.cid",
                literal(version_table)
            ),
            2,
        )
        .await?;
    for row in rows {
        if let [Some(table), Some(column)] = <[Option<String>; 2]>::try_from(row).unwrap_or_default() {
            out.push(Note::on(
                table,
                format!("primary-key column {column} accepts NULL (SQLite's old rule for a key without NOT NULL); the model says NOT NULL"),
            ));
        }
    }
    let rows = f
        .rows(
            &format!(
                "SELECT name, CAST(wr AS TEXT), CAST(strict AS TEXT) FROM pragma_table_list \
                 WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
                 AND name <> {} AND (wr = 1 OR strict = 1) ORDER BY 1",
                literal(version_table)
            ),
            3,
        )
        .await?;
    for row in rows {
        if let [Some(table), wr, strict] = <[Option<String>; 3]>::try_from(row).unwrap_or_default() {
            let mut what = Vec::new();
            if wr.as_deref() == Some("1") {
                what.push("WITHOUT ROWID");
            }
            if strict.as_deref() == Some("1") {
                what.push("STRICT");
            }
            out.push(Note::on(table, format!("the table is {}", what.join(" and "))));
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
                 FROM pragma_table_xinfo({lit}) WHERE hidden IN (0, 2, 3) ORDER BY cid"
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
        // Some versions of SQLite give a generated column's type with the
        // words that follow it.
        let ty = ty.unwrap_or_default();
        let ty = parse_type(ty.trim_end_matches(" GENERATED ALWAYS"));
        let def = parsed
            .columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(&cname));
        let collation = def.and_then(|c| c.collation.clone());
        let generated = def.and_then(|c| c.generated.clone());
        let mut c = column(cname, ty, notnull.as_deref() != Some("1"), default);
        c.collation = collation.map(Into::into);
        c.generated = generated.map(|(expr, stored)| crate::schema::Generated {
            expr: expr.into(),
            stored,
        });
        columns.push(c);
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
            // after the enum type (an unnamed one stays a check).
            if let Constraint::Check(expr) = &named.constraint
                && named.name.is_some()
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
        // A key's columns: the rowid never holds NULL, and a key column
        // without `NOT NULL`, which SQLite lets hold NULL, is read as the
        // model has it ([`notes`] names it).
        for c in columns
            .iter_mut()
            .filter(|c| key.iter().any(|(_, k)| *k == c.name))
        {
            c.nullable = false;
        }
        table.primary_key = Some(PrimaryKey {
            name: pk_name,
            columns: key.into_iter().map(|(_, c)| c.into()).collect(),
        });
    }
    table.columns = columns.into();

    // Indexes made with CREATE INDEX (those behind keys are the keys), but
    // those a model cannot declare ([`notes`] names them).
    let rows = f
        .rows(
            &format!(
                "SELECT l.name, CAST(l.\"unique\" AS TEXT), l.origin, CAST(l.partial AS TEXT), m.sql \
                 FROM pragma_index_list({lit}) l LEFT JOIN sqlite_master m ON m.type = 'index' AND m.name = l.name \
                 WHERE NOT ({SPECIAL_INDEX}) ORDER BY l.name"
            ),
            5,
        )
        .await?;
    for row in rows {
        let [Some(ix), unique, origin, partial, sql] =
            <[Option<String>; 5]>::try_from(row).map_err(|_| unreadable(name, "an unexpected pragma row"))?
        else {
            continue;
        };
        if origin.as_deref() != Some("c") {
            continue;
        }
        let cols = f
            .rows(
                &format!(
                    "SELECT name, CAST(\"desc\" AS TEXT) FROM pragma_index_xinfo({}) WHERE key = 1 ORDER BY seqno",
                    literal(&ix)
                ),
                2,
            )
            .await?;
        let descending = super::descending(
            cols.iter()
                .map(|r| r.get(1).cloned().flatten().as_deref() == Some("1")),
        );
        // An index with an expression (its row has no name) is read as
        // expressions throughout, each as its statement writes it without
        // the parentheses around it (a column among them as its name).
        let on_expressions = cols.iter().any(|r| r.first().is_some_and(Option::is_none));
        let expressions: Vec<crate::schema::Str> = match (on_expressions, sql.as_deref()) {
            (true, Some(sql)) => ddl::index_parts(sql)
                .unwrap_or_default()
                .iter()
                .map(|part| super::unwrap_parens(part).to_owned().into())
                .collect(),
            _ => Vec::new(),
        };
        let sql = sql.filter(|_| partial.as_deref() == Some("1"));
        let cols = if expressions.is_empty() { cols } else { Vec::new() };
        table.indexes.to_mut().push(Index {
            name: Some(ix.into()),
            columns: cols
                .into_iter()
                .filter_map(|mut r| r.remove(0))
                .map(Into::into)
                .collect(),
            unique: unique.as_deref() == Some("1"),
            predicate: sql.as_deref().and_then(ddl::index_predicate).map(Into::into),
            expressions: expressions.into(),
            descending,
            method: None,
            operator_classes: Vec::new().into(),
            include: Vec::new().into(),
        });
    }
    Ok(Some(table))
}
