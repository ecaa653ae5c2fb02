//! MySQL and MariaDB: enums as column types, `MODIFY COLUMN`, comments in
//! the column definition, and the schema before an operation to say what it
//! touches.
//!
//! MySQL's enums have no name of their own: each column spells its values.
//! A change to an enum's values is therefore a `MODIFY COLUMN` of every
//! column of that enum, and which columns those are comes from the schema
//! the migration history leaves before the operation (a [`State`]), as does
//! the definition of a constraint that MySQL can only rename by dropping and
//! adding it again.

use super::{Dialect, idents, unsupported};
use crate::migration::{Op, State, type_words};
use crate::runtime::dialect::mysql_literal as literal;
use crate::runtime::error::MigrateError;
use crate::schema::{Action, Column, EnumValue, ForeignKey, SqlType, Table};

const D: Dialect = Dialect::MySql;

/// The column type as MySQL spells it (see the type mapping in the guide).
/// Text and bytes are the `LONG` kinds, which hold what a `String` or a
/// `Vec<u8>` can; an instant is a `DATETIME(6)` in UTC, since `TIMESTAMP`
/// ends in 2038.
pub(super) fn sql_type(ty: &SqlType) -> String {
    match ty {
        SqlType::Integer => "INT".into(),
        SqlType::Real => "FLOAT".into(),
        SqlType::Text => "LONGTEXT".into(),
        SqlType::Blob => "LONGBLOB".into(),
        SqlType::Numeric { precision: None, .. } => "DECIMAL(65, 30)".into(),
        SqlType::Numeric {
            precision: Some(p),
            scale,
        } => format!("DECIMAL({p}, {})", scale.unwrap_or(0)),
        SqlType::Uuid => "CHAR(36)".into(),
        SqlType::Timestamp { .. } => "DATETIME(6)".into(),
        SqlType::Time => "TIME(6)".into(),
        SqlType::Enum(e) => enum_sql(&e.values),
        other => type_words(other),
    }
}

fn enum_sql(values: &[EnumValue]) -> String {
    let values: Vec<String> = values.iter().map(|v| literal(&v.name)).collect();
    format!("ENUM({})", values.join(", "))
}

/// A column definition. A default on a `LONGTEXT`, `LONGBLOB` or `JSON`
/// column must be an expression in parentheses.
fn column_def(table: &Table, column: &Column) -> String {
    let mut out = format!("{} {}", D.ident(&column.name), sql_type(&column.ty));
    out.push_str(&super::collate(D, column));
    if let Some(g) = &column.generated {
        // MariaDB takes no NULL or NOT NULL on a generated column.
        let kind = if g.stored { "STORED" } else { "VIRTUAL" };
        out.push_str(&format!(" AS ({}) {kind}", g.expr));
        return out;
    }
    out.push_str(if column.nullable { " NULL" } else { " NOT NULL" });
    if let Some(default) = &column.default {
        if matches!(column.ty, SqlType::Text | SqlType::Blob | SqlType::Json) {
            out.push_str(&format!(" DEFAULT ({default})"));
        } else {
            out.push_str(&format!(" DEFAULT {default}"));
        }
    }
    if super::is_identity(table, column) {
        out.push_str(" AUTO_INCREMENT");
    }
    if let Some(comment) = &column.comment {
        out.push_str(&format!(" COMMENT {}", literal(comment)));
    }
    out
}

fn alter(table: &str, rest: &str) -> String {
    format!("ALTER TABLE {} {rest}", D.ident(table))
}

/// `ON DELETE SET DEFAULT` is refused: InnoDB parses it and then rejects
/// the table.
fn check_actions(op: &Op, keys: &[ForeignKey]) -> Result<(), MigrateError> {
    if keys
        .iter()
        .any(|k| k.on_delete == Action::SetDefault || k.on_update == Action::SetDefault)
    {
        return Err(unsupported(
            op,
            D,
            "InnoDB has no SET DEFAULT action for a foreign key",
        ));
    }
    Ok(())
}

/// A key, index or constraint on a text column of unbounded length, which
/// MySQL cannot index without a prefix length.
fn check_keys(op: &Op, table: &Table) -> Result<(), MigrateError> {
    let mut keyed = table
        .primary_key
        .iter()
        .flat_map(|k| k.columns.iter())
        .chain(table.unique_constraints.iter().flat_map(|u| u.columns.iter()))
        .chain(table.indexes.iter().flat_map(|i| i.columns.iter()))
        .chain(table.foreign_keys.iter().flat_map(|f| f.columns.iter()));
    if let Some(c) = keyed.find(|c| {
        table
            .column(c)
            .is_some_and(|c| matches!(c.ty, SqlType::Text | SqlType::Blob | SqlType::Json))
    }) {
        return Err(unsupported(
            op,
            D,
            &format!(
                "column {c} is text or bytes of unbounded length, which MySQL cannot put in a key or \
                 an index; give it a maximum length (`max_length`, a VARCHAR)"
            ),
        ));
    }
    Ok(())
}

/// A partial index, which MySQL does not have: refused rather than made
/// over every row, which would change what a unique one allows; a unique
/// index with a descending column; and PostgreSQL's index methods,
/// operator classes and included columns.
fn check_index_forms<'a>(
    op: &Op,
    indexes: impl Iterator<Item = &'a crate::schema::Index>,
) -> Result<(), MigrateError> {
    for ix in indexes {
        let name = ix.name.as_deref().unwrap_or_default();
        if ix.predicate.is_some() {
            let why = format!("index {name} is partial (`where`), and MySQL has no partial indexes");
            return Err(unsupported(op, D, &why));
        }
        if let Some(why) =
            super::postgres_index_form(ix, "MySQL").or_else(|| super::expression_index_form(ix))
        {
            return Err(unsupported(op, D, &why));
        }
        // MySQL reads a unique index back as a unique constraint, which
        // has no order.
        if ix.unique && !ix.descending.is_empty() {
            let why = format!(
                "unique index {name} has a descending column, which MySQL does not keep for a unique key"
            );
            return Err(unsupported(op, D, &why));
        }
    }
    Ok(())
}

/// A generated column computed from the table's `AUTO_INCREMENT` column,
/// which MariaDB refuses (error 1901): refused here first, with the reason.
fn check_generated_sources(op: &Op, table: &Table, columns: &[&Column]) -> Result<(), MigrateError> {
    for column in columns {
        let Some(g) = &column.generated else { continue };
        if let Some(auto) = table
            .columns
            .iter()
            .find(|c| c.auto_increment && crate::migration::names(&g.expr, &c.name))
        {
            let why = format!(
                "generated column {} is computed from {}, and MySQL computes none from an AUTO_INCREMENT column",
                column.name, auto.name
            );
            return Err(unsupported(op, D, &why));
        }
    }
    Ok(())
}

/// The SQL for `op`, given the schema `before` it; without that schema, the
/// operations that need it are refused.
pub(super) fn render(op: &Op, before: Option<&State>) -> Result<Vec<String>, MigrateError> {
    let needed = || unsupported(op, D, "MySQL needs the schema before the operation to render it");
    let table_of = |name: &str| {
        before
            .ok_or_else(needed)?
            .table(name)
            .ok_or_else(|| unsupported(op, D, &format!("the migrations before it create no table {name}")))
    };
    Ok(match op {
        Op::CreateTable(table) => {
            check_keys(op, table)?;
            check_index_forms(op, table.indexes.iter())?;
            check_actions(op, &table.foreign_keys)?;
            check_generated_sources(op, table, &table.columns.iter().collect::<Vec<_>>())?;
            let mut statements = super::create_table(D, table, column_def, false);
            if let Some(comment) = &table.comment {
                statements[0].push_str(&format!(" COMMENT = {}", literal(comment)));
            }
            statements
        }
        Op::DropTable { name } => vec![format!("DROP TABLE {}", D.ident(name))],
        Op::RenameTable { from, to } => vec![format!("RENAME TABLE {} TO {}", D.ident(from), D.ident(to))],
        Op::AddColumn { table, column } => {
            if column.generated.is_some() {
                check_generated_sources(op, table_of(table)?, &[column])?;
            }
            // MySQL's auto-increment column must be a key from the start: it
            // comes with its primary key, which the next step would add.
            let mut t = Table::new(table.to_string());
            let auto = column.auto_increment && column.ty.is_integer();
            if auto {
                t.primary_key = Some(crate::schema::PrimaryKey::new("", [column.name.to_string()]));
            }
            let key = if auto { " PRIMARY KEY" } else { "" };
            vec![alter(
                table,
                &format!("ADD COLUMN {}{key}", column_def(&t, column)),
            )]
        }
        Op::DropColumn { table, column } => vec![alter(table, &format!("DROP COLUMN {}", D.ident(column)))],
        Op::RenameColumn { table, from, to } => {
            // MariaDB keeps JSON as LONGTEXT with a check named after the
            // column; `RENAME COLUMN` leaves the check under the old name,
            // and a later column of that name would clash with it. `CHANGE
            // COLUMN` names it after the new column.
            let json = before
                .and_then(|b| b.table(table))
                .and_then(|t| t.column(from).map(|c| (t, c)))
                .filter(|(_, c)| c.ty == SqlType::Json);
            match json {
                Some((t, c)) => {
                    let mut renamed = c.clone();
                    renamed.name = to.clone();
                    vec![alter(
                        table,
                        &format!("CHANGE COLUMN {} {}", D.ident(from), column_def(t, &renamed)),
                    )]
                }
                None => vec![alter(
                    table,
                    &format!("RENAME COLUMN {} TO {}", D.ident(from), D.ident(to)),
                )],
            }
        }
        Op::AlterColumn { table, to, .. } => {
            // The column as it will be, with the enum values its type has
            // now and its place as the key.
            let mut t = table_of(table)?.clone();
            crate::migration::apply_to_table(&mut t, op).map_err(|e| unsupported(op, D, &e.to_string()))?;
            let column = t.column(&to.name).cloned().unwrap_or_else(|| to.clone());
            vec![alter(
                table,
                &format!("MODIFY COLUMN {}", column_def(&t, &column)),
            )]
        }
        Op::AddPrimaryKey { table, key } => {
            if auto_key(table_of(table)?, &key.columns).is_some() {
                // Added with its auto-increment column.
                return Ok(Vec::new());
            }
            let add = format!("ADD PRIMARY KEY ({})", idents(D, &key.columns));
            vec![alter(table, &with_fk_indexes(table_of(table)?, op, &add)?)]
        }
        Op::DropPrimaryKey { table, .. } => {
            let t = table_of(table)?;
            let mut out = Vec::new();
            if let Some(column) = t.primary_key.as_ref().and_then(|k| auto_key(t, &k.columns)) {
                // The auto-increment goes first: MySQL keeps it only on a key.
                let mut plain = column.clone();
                plain.auto_increment = false;
                out.push(alter(table, &format!("MODIFY COLUMN {}", column_def(t, &plain))));
            }
            out.push(alter(table, &with_fk_indexes(t, op, "DROP PRIMARY KEY")?));
            out
        }
        Op::DropUnique { table, name } => vec![alter(
            table,
            &with_fk_indexes(table_of(table)?, op, &format!("DROP INDEX {}", D.ident(name)))?,
        )],
        Op::DropForeignKey { table, name } => drop_foreign_key(table_of(table)?, name),
        Op::DropCheck { table, name } => vec![alter(table, &format!("DROP CONSTRAINT {}", D.ident(name)))],
        Op::CreateIndex { table, index } => {
            check_index_forms(op, std::iter::once(index))?;
            let add = format!(
                "ADD {}({})",
                super::index_head(D, index),
                super::index_columns(D, index)
            );
            match before.and_then(|b| b.table(table)) {
                Some(t) if with_fk_indexes(t, op, &add)? != add => {
                    vec![alter(table, &with_fk_indexes(t, op, &add)?)]
                }
                _ => vec![super::create_index(D, table, index)],
            }
        }
        Op::DropIndex { table, name } => {
            let drop = format!("DROP INDEX {}", D.ident(name));
            match before.and_then(|b| b.table(table)) {
                Some(t) => vec![alter(table, &with_fk_indexes(t, op, &drop)?)],
                None => vec![format!("{drop} ON {}", D.ident(table))],
            }
        }
        Op::AddUnique {
            table,
            constraint: uq,
        } => vec![alter(
            table,
            &with_fk_indexes(table_of(table)?, op, &super::add_unique(D, uq))?,
        )],
        Op::AddForeignKey { table, key } => {
            check_actions(op, std::slice::from_ref(key))?;
            vec![alter(table, &format!("ADD {}", super::foreign_key(D, key)))]
        }
        Op::AddCheck { table, check } => vec![alter(table, &super::add_check(D, check))],
        Op::RenameIndex { table, from, to } => vec![alter(
            table,
            &format!("RENAME INDEX {} TO {}", D.ident(from), D.ident(to)),
        )],
        Op::RenameConstraint { table, from, to } => rename_constraint(op, table_of(table)?, from, to)?,
        Op::SetTableComment { table, comment } => vec![alter(
            table,
            &format!("COMMENT = {}", literal(comment.as_deref().unwrap_or(""))),
        )],
        // The values live in each column's type.
        Op::CreateEnum(_) | Op::DropEnum { .. } => Vec::new(),
        Op::AddEnumValue { name, .. }
        | Op::DropEnumValue { name, .. }
        | Op::ReorderEnumValues { name, .. } => {
            let mut after = before.ok_or_else(needed)?.clone();
            after.apply(op).map_err(|e| unsupported(op, D, &e.to_string()))?;
            modify_enum_columns(&after, name)
        }
        Op::RenameEnumValue { name, from, to } => {
            rename_enum_value(op, before.ok_or_else(needed)?, name, from, to)?
        }
        Op::FillNulls { .. } => super::fill_nulls(D, op)?,
        // As on PostgreSQL; one statement a trigger, so that an offline
        // script needs no DELIMITER.
        Op::SyncColumns { table, old, new } => {
            let name = super::sync_name(table, old, new);
            let (o, n, t) = (D.ident(old), D.ident(new), D.ident(table));
            vec![
                format!(
                    "CREATE TRIGGER {} BEFORE INSERT ON {t} FOR EACH ROW \
                     SET NEW.{n} = COALESCE(NEW.{o}, NEW.{n}), NEW.{o} = NEW.{n}",
                    D.ident(&format!("{name}_i"))
                ),
                format!(
                    "CREATE TRIGGER {} BEFORE UPDATE ON {t} FOR EACH ROW \
                     SET NEW.{n} = IF(NEW.{o} <=> OLD.{o}, NEW.{n}, NEW.{o}), NEW.{o} = NEW.{n}",
                    D.ident(&format!("{name}_u"))
                ),
                super::sync_copy(D, table, old, new),
            ]
        }
        Op::UnsyncColumns { table, old, new } => {
            let name = super::sync_name(table, old, new);
            vec![
                format!("DROP TRIGGER {}", D.ident(&format!("{name}_i"))),
                format!("DROP TRIGGER {}", D.ident(&format!("{name}_u"))),
            ]
        }
        Op::AliasTable { table, alias } => vec![super::alias_view(D, table, alias)],
        Op::UnaliasTable { alias, .. } => vec![format!("DROP VIEW {}", D.ident(alias))],
        Op::CreateView(_) | Op::DropView { .. } => super::view(D, op)?,
        // Refused before this (`refuse_schema`).
        Op::CreateSchema { .. } | Op::DropSchema { .. } => {
            return Err(unsupported(op, D, "a schema is a database here"));
        }
        Op::Sql(sql) => vec![sql.to_string()],
        Op::Rust { .. } | Op::Irreversible { .. } => {
            return Err(unsupported(op, D, "it is not SQL; the migrator runs it itself"));
        }
    })
}

/// The auto-increment column that `columns` (a primary key) is, if it is one.
/// An index, a unique key or a primary key marked `.concurrently()`: each
/// statement asks for InnoDB's online form (`ALGORITHM=INPLACE, LOCK=NONE`),
/// so that MySQL refuses the statement where it would block writes
/// instead of taking the lock quietly. Other statements are left as they
/// are: a foreign key or a check, which InnoDB has no such form for, and a
/// unique key over a `LONGTEXT`, `LONGBLOB` or JSON column, which MariaDB
/// builds through a hidden hash column and so only by copying the table.
pub(crate) fn online(op: &Op, state: Option<&State>, statements: &mut [String]) {
    let (table, columns, unique) = match op {
        Op::CreateIndex { table, index } => (table, &index.columns, index.unique),
        Op::AddUnique { table, constraint } => (table, &constraint.columns, true),
        Op::AddPrimaryKey { table, key } => (table, &key.columns, true),
        Op::DropIndex { .. } => {
            for sql in statements {
                sql.push_str(if sql.starts_with("ALTER TABLE ") {
                    ", ALGORITHM=INPLACE, LOCK=NONE"
                } else {
                    " ALGORITHM=INPLACE LOCK=NONE"
                });
            }
            return;
        }
        _ => return,
    };
    let long = |c: &crate::schema::Str| {
        state
            .and_then(|s| s.table(table))
            .and_then(|t| t.column(c))
            .is_none_or(|c| {
                matches!(
                    c.ty,
                    SqlType::Text | SqlType::Blob | SqlType::Json | SqlType::Custom(_)
                )
            })
    };
    if unique && columns.iter().any(long) {
        return;
    }
    for sql in statements {
        if sql.starts_with("ALTER TABLE ") {
            sql.push_str(", ALGORITHM=INPLACE, LOCK=NONE");
        } else {
            sql.push_str(" ALGORITHM=INPLACE LOCK=NONE");
        }
    }
}

fn auto_key<'t>(table: &'t Table, columns: &[crate::schema::Str]) -> Option<&'t Column> {
    match columns {
        [only] => table
            .column(only)
            .filter(|c| c.auto_increment && c.ty.is_integer()),
        _ => None,
    }
}

/// `MODIFY COLUMN` of every column of enum `name` in `state`.
fn modify_enum_columns(state: &State, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for table in &state.tables {
        for column in table.columns.iter() {
            if matches!(&column.ty, SqlType::Enum(e) if e.name == name) {
                out.push(alter(
                    &table.name,
                    &format!("MODIFY COLUMN {}", column_def(table, column)),
                ));
            }
        }
    }
    out
}

/// A value renamed: each column first allows both names, its rows move to
/// the new one, and then it allows only the new.
fn rename_enum_value(
    op: &Op,
    before: &State,
    name: &str,
    from: &str,
    to: &str,
) -> Result<Vec<String>, MigrateError> {
    let mut both = before.clone();
    both.apply(&Op::AddEnumValue {
        name: name.to_owned().into(),
        value: to.to_owned().into(),
        before: None,
    })
    .map_err(|e| unsupported(op, D, &e.to_string()))?;
    let mut after = before.clone();
    after.apply(op).map_err(|e| unsupported(op, D, &e.to_string()))?;
    let mut out = modify_enum_columns(&both, name);
    for table in &before.tables {
        for column in table.columns.iter() {
            if matches!(&column.ty, SqlType::Enum(e) if e.name == name) {
                let c = D.ident(&column.name);
                out.push(format!(
                    "UPDATE {} SET {c} = {} WHERE {c} = {}",
                    D.ident(&table.name),
                    literal(to),
                    literal(from)
                ));
            }
        }
    }
    out.extend(modify_enum_columns(&after, name));
    Ok(out)
}

/// Drops a foreign key, and the index InnoDB made for it when it was added
/// (named as the key) if no other index could serve it: InnoDB makes one
/// only then, drops it by itself once another index can, and keeps it after
/// the key is gone.
fn drop_foreign_key(table: &Table, name: &str) -> Vec<String> {
    let mut out = vec![alter(
        table.name.as_ref(),
        &format!("DROP FOREIGN KEY {}", D.ident(name)),
    )];
    let Some(key) = table
        .foreign_keys
        .iter()
        .find(|k| k.name.as_deref() == Some(name))
    else {
        return out;
    };
    if !served(table, &key.columns) {
        out.push(alter(
            table.name.as_ref(),
            &format!("DROP INDEX {}", D.ident(name)),
        ));
    }
    out
}

/// `clause` (what `op`, which adds or drops a key or an index of `table`,
/// does), with the index of each foreign key whose columns the change stops
/// or starts serving. InnoDB needs an index that begins with a foreign key's
/// columns and refuses to drop the last one ("Foreign key constraint is
/// incorrectly formed"). Ferro keeps one rule: a foreign key that no
/// declared key or index serves has an index named after it, as InnoDB
/// names the one it makes itself. So a dropped key that served one is
/// replaced by such an index, and a new key that serves one replaces it
/// (InnoDB would drop its own, but not one made by an earlier migration);
/// [`drop_foreign_key`] drops it with the key.
fn with_fk_indexes(table: &Table, op: &Op, clause: &str) -> Result<String, MigrateError> {
    let mut after = table.clone();
    crate::migration::apply_to_table(&mut after, op).map_err(|e| unsupported(op, D, &e.to_string()))?;
    let mut clauses = vec![clause.to_owned()];
    for key in table.foreign_keys.iter() {
        let Some(name) = &key.name else { continue };
        match (served(table, &key.columns), served(&after, &key.columns)) {
            (true, false) => {
                clauses.push(format!(
                    "ADD INDEX {} ({})",
                    D.ident(name),
                    idents(D, &key.columns)
                ));
            }
            (false, true) => clauses.push(format!("DROP INDEX {}", D.ident(name))),
            _ => {}
        }
    }
    Ok(clauses.join(", "))
}

/// Whether an index, a unique constraint or the primary key of `table`
/// begins with `columns`, so that InnoDB needs no index of its own for a
/// foreign key on them.
pub(crate) fn served(table: &Table, columns: &[crate::schema::Str]) -> bool {
    let starts =
        |cols: &[crate::schema::Str]| cols.len() >= columns.len() && cols[..columns.len()] == *columns;
    table.primary_key.as_ref().is_some_and(|k| starts(&k.columns))
        || table.unique_constraints.iter().any(|u| starts(&u.columns))
        || table.indexes.iter().any(|i| starts(&i.columns))
}

/// MySQL renames an index (a unique constraint is one), but not a foreign
/// key or a check, which are dropped and added again under the new name;
/// its primary key is always called `PRIMARY`.
fn rename_constraint(op: &Op, table: &Table, from: &str, to: &str) -> Result<Vec<String>, MigrateError> {
    let name = Some(from);
    if table
        .primary_key
        .as_ref()
        .is_some_and(|k| k.name.as_deref() == name)
    {
        return Ok(Vec::new());
    }
    if table.unique_constraints.iter().any(|u| u.name.as_deref() == name) {
        return Ok(vec![alter(
            &table.name,
            &format!("RENAME INDEX {} TO {}", D.ident(from), D.ident(to)),
        )]);
    }
    if let Some(key) = table.foreign_keys.iter().find(|k| k.name.as_deref() == name) {
        let mut renamed = key.clone();
        renamed.name = Some(to.to_owned().into());
        let mut out = drop_foreign_key(table, from);
        out.push(alter(
            &table.name,
            &format!("ADD {}", super::foreign_key(D, &renamed)),
        ));
        return Ok(out);
    }
    if let Some(check) = table.checks.iter().find(|c| c.name == from) {
        let renamed = crate::schema::Check {
            name: to.to_owned().into(),
            expr: check.expr.clone(),
        };
        return Ok(vec![
            alter(&table.name, &format!("DROP CONSTRAINT {}", D.ident(from))),
            alter(&table.name, &super::add_check(D, &renamed)),
        ]);
    }
    Err(unsupported(
        op,
        D,
        &format!(
            "the migrations before it give table {} no constraint {from}",
            table.name
        ),
    ))
}
