//! Reading a live database's schema back into a [`Schema`], and the schema a
//! model gives once a database has stored it, so that the two compare.
//!
//! A database does not keep everything a model says: SQLite stores a `UUID`
//! as `TEXT` and keeps no comments, PostgreSQL spells a default its own way.
//! [`stored`] applies those losses to a model's schema; what [`introspect`]
//! reads from a database that a migration built from that model equals it.

use crate::inspect::Note;
use crate::runtime::database::{Database, Tx};
use crate::runtime::dialect::Dialect;
use crate::runtime::error::MigrateError;
use crate::schema::{Column, Schema, SchemaError, SqlType, Table, UniqueConstraint};

mod ddl;
mod mysql;
mod postgres;
mod sqlite;

pub(crate) use sqlite::table as sqlite_table;

/// Rows of text columns.
pub(crate) type Rows = Vec<Vec<Option<String>>>;

/// Where catalog queries run: a connection, or a migration's transaction.
pub(crate) trait Fetch {
    /// Runs a query and returns its rows' text columns.
    async fn rows(&mut self, sql: &str, columns: usize) -> Result<Rows, MigrateError>;
}

impl Fetch for Database {
    async fn rows(&mut self, sql: &str, columns: usize) -> Result<Rows, MigrateError> {
        self.fetch_text(sql, columns).await
    }
}

impl Fetch for Tx<'_> {
    async fn rows(&mut self, sql: &str, columns: usize) -> Result<Rows, MigrateError> {
        self.fetch_text(sql, columns).await
    }
}

/// The tables `rows` name (each row: the name and the comment, if any), the
/// version table and its lock table left out, each read by `read`.
async fn each_table<F: Fetch>(
    f: &mut F,
    rows: Rows,
    version_table: &str,
    mut read: impl AsyncFnMut(&mut F, &str) -> Result<Table, MigrateError>,
) -> Result<Vec<Table>, MigrateError> {
    let mut out = Vec::new();
    for row in rows {
        let [Some(name), comment] = <[Option<String>; 2]>::try_from(row).unwrap_or([None, None]) else {
            continue;
        };
        // The version table, and its lock table on a Galera cluster.
        if name == version_table || name == super::lease::table_name(version_table) {
            continue;
        }
        let mut t = read(f, &name).await?;
        t.comment = comment.filter(|c| !c.is_empty()).map(Into::into);
        out.push(t);
    }
    Ok(out)
}

/// The schema of the database `db` is connected to: every table but the
/// version table `version_table`, with its columns, keys, indexes and
/// constraints, in the terms of [`stored`].
///
/// A key or constraint that breaks a rule of Ferro's schema, which no model
/// could have made, is left out as [`inspect`] leaves it out.
pub async fn introspect(db: &mut Database, version_table: &str) -> Result<Schema, MigrateError> {
    let tables = tables(db, version_table, None).await?;
    resolve(tables).map(|(schema, _)| schema)
}

/// [`introspect`], reading on PostgreSQL only the current schema and those
/// that `expected`'s tables name: what `check --schema` compares with the
/// migrations' schema. A schema the migrations do not use is not theirs.
pub(crate) async fn introspect_like(
    db: &mut Database,
    version_table: &str,
    expected: &Schema,
) -> Result<Schema, MigrateError> {
    let tables = tables(db, version_table, Some(&expected.namespaces())).await?;
    resolve(tables).map(|(schema, _)| schema)
}

/// `tables` resolved into a schema, with a note for each key or constraint
/// set aside on the way ([`inspect`]).
fn resolve(mut tables: Vec<Table>) -> Result<(Schema, Vec<Note>), MigrateError> {
    let mut notes = Vec::new();
    loop {
        match Schema::of_database(tables.clone()) {
            Ok(schema) => return Ok((schema, notes)),
            Err(e) => match set_aside(&mut tables, &e) {
                Some(note) => notes.push(note),
                None => return Err(MigrateError::Introspection(e.to_string())),
            },
        }
    }
}

/// What would give the database the views `views` (of a schema whose
/// tables are `tables`), as operations in words: each one missing, or of
/// the other kind (materialized or not), by name. Their SQL is not
/// compared: each database keeps a view's query in its own spelling. A view
/// the migrations did not make (by hand-written SQL, say) is not theirs,
/// and is left alone, as before views could be declared. On PostgreSQL only
/// the current schema and those `tables` name are read.
pub(crate) async fn view_differences(
    db: &mut Database,
    tables: &Schema,
    views: &[crate::schema::View],
) -> Result<Vec<String>, MigrateError> {
    if views.is_empty() {
        return Ok(Vec::new());
    }
    let mut namespaces = tables.namespaces();
    namespaces.extend(
        views
            .iter()
            .filter_map(|v| crate::schema::naming::split(&v.name).0),
    );
    let sql = match db.dialect() {
        Dialect::Sqlite => {
            "SELECT name, 'false' FROM sqlite_master WHERE type = 'view' ORDER BY name".to_owned()
        }
        Dialect::Postgres => postgres::VIEWS.to_owned(),
        Dialect::MySql => "SELECT CAST(TABLE_NAME AS CHAR), 'false' FROM information_schema.VIEWS \
                           WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1"
            .to_owned(),
    };
    let mut actual: Vec<(String, bool)> = Vec::new();
    for row in db.fetch_text(&sql, 2).await? {
        let [Some(name), kind] = <[Option<String>; 2]>::try_from(row).unwrap_or([None, None]) else {
            continue;
        };
        let theirs = crate::schema::naming::split(&name)
            .0
            .is_none_or(|schema| namespaces.contains(schema));
        if theirs {
            actual.push((name, kind.as_deref() == Some("true")));
        }
    }
    let word = |materialized: bool| if materialized { "materialized view" } else { "view" };
    Ok(views
        .iter()
        .filter(|v| {
            !actual
                .iter()
                .any(|(name, m)| v.name == *name && v.materialized == *m)
        })
        .map(|v| format!("create {} {}", word(v.materialized), v.name))
        .collect())
}

/// The tables as read, before they are resolved into a schema.
async fn tables(
    db: &mut Database,
    version_table: &str,
    schemas: Option<&std::collections::BTreeSet<&str>>,
) -> Result<Vec<Table>, MigrateError> {
    match db.dialect() {
        Dialect::Sqlite => sqlite::tables(db, version_table).await,
        Dialect::Postgres => postgres::tables(db, version_table, schemas).await,
        Dialect::MySql => mysql::tables(db, version_table).await,
    }
}

/// A database's schema, and what it holds that a model cannot declare.
#[derive(Clone, Debug)]
pub struct Inspection {
    /// What [`introspect`] reads: the schema in the terms of [`stored`].
    pub schema: Schema,
    /// Views, triggers, special indexes, ...: each
    /// thing a model cannot declare, which [`introspect`] leaves out, named.
    pub notes: Vec<Note>,
}

/// The schema of the database `db` is connected to, as [`introspect`] reads
/// it, with a [`Note`] for each thing it holds that a model cannot declare:
/// what `ferro inspect` writes models from.
///
/// Where [`introspect`] would refuse the database because a key or a
/// constraint breaks a rule of Ferro's schema (a `SET NULL` key on a
/// `NOT NULL` column, a key to a table of another schema, an index name
/// that two tables use, a default that is not one piece of SQL), that key
/// or constraint is set aside with a note saying why, and the rest is read.
pub async fn inspect(db: &mut Database, version_table: &str) -> Result<Inspection, MigrateError> {
    let (schema, set_aside) = resolve(tables(db, version_table, None).await?)?;
    let views = match db.dialect() {
        Dialect::Sqlite => sqlite::views(db).await?,
        Dialect::Postgres => postgres::views(db).await?,
        Dialect::MySql => mysql::views(db).await?,
    };
    let (schema, views_set_aside) = with_views(schema, views);
    let mut notes = match db.dialect() {
        Dialect::Sqlite => sqlite::notes(db, version_table).await?,
        Dialect::Postgres => postgres::notes(db, version_table).await?,
        Dialect::MySql => mysql::notes(db, version_table).await?,
    };
    notes.extend(set_aside);
    notes.extend(views_set_aside);
    Ok(Inspection { schema, notes })
}

/// `schema` with the views read: each one a model can declare, and a note
/// for each other (a query that is not one piece of SQL a model could
/// write).
fn with_views(schema: Schema, views: Vec<crate::schema::View>) -> (Schema, Vec<Note>) {
    let mut notes = Vec::new();
    let mut kept = Vec::new();
    for view in views {
        match crate::schema::fragment::check(&view.sql) {
            Ok(()) => kept.push(view),
            Err(e) => notes.push(Note::of_database(format!(
                "view {}: {}: {e}",
                view.name, view.sql
            ))),
        }
    }
    match schema.clone().and_views(kept.clone()) {
        Ok(with) => (with, notes),
        Err(e) => {
            notes.extend(
                kept.iter()
                    .map(|v| Note::of_database(format!("view {}: {}: {e}", v.name, v.sql))),
            );
            (schema, notes)
        }
    }
}

/// Takes out of `tables` the key, index, constraint or default that `e`
/// is about, and says so; `None` when `e` is about something a model must
/// have (a table, a column, a type).
fn set_aside(tables: &mut [Table], e: &SchemaError) -> Option<Note> {
    use SchemaError as E;
    let find =
        |tables: &mut [Table], name: &str| -> Option<usize> { tables.iter().position(|t| t.name == name) };
    match e {
        E::SetNullOnRequiredColumn { table, name, .. }
        | E::UnknownReferredTable { table, name, .. }
        | E::UnknownReferredColumn { table, name, .. }
        | E::ForeignKeyArity { table, name, .. } => {
            let t = &mut tables[find(tables, table)?];
            let at = t
                .foreign_keys
                .iter()
                .position(|fk| fk.name.as_deref() == Some(name))?;
            let fk = t.foreign_keys.to_mut().remove(at);
            Some(Note::on(
                table.clone(),
                format!(
                    "foreign key {name} ({}) REFERENCES {} ({}): {e}",
                    fk.columns.join(", "),
                    fk.referred_table,
                    fk.referred_columns.join(", ")
                ),
            ))
        }
        // A generated column a model cannot say (NOT NULL, in the key, with
        // a default): read as a plain column, and named.
        E::Generated { table, column, .. } => {
            let t = &mut tables[find(tables, table)?];
            let c = t.columns.to_mut().iter_mut().find(|c| c.name == *column)?;
            let g = c.generated.take()?;
            let kind = if g.stored { "STORED" } else { "VIRTUAL" };
            Some(Note::on(
                table.clone(),
                format!(
                    "generated column {column}: GENERATED ALWAYS AS ({}) {kind}: {e}",
                    g.expr
                ),
            ))
        }
        E::DuplicateName { table, name } => {
            let t = &mut tables[find(tables, table)?];
            take_named(t, name).map(|what| Note::on(table.clone(), format!("{what} {name}: {e}")))
        }
        E::BadName { name, .. } | E::DottedName(name) => tables.iter_mut().find_map(|t| {
            let table = t.name.to_string();
            take_named(t, name).map(|what| Note::on(table, format!("{what} {name}: {e}")))
        }),
        E::BadFragment { text, .. } => tables.iter_mut().find_map(|t| {
            if let Some(at) = t.checks.iter().position(|ck| ck.expr == *text) {
                let ck = t.checks.to_mut().remove(at);
                return Some(Note::on(
                    t.name.to_string(),
                    format!("check {} ({text}): {e}", ck.name),
                ));
            }
            let c = t
                .columns
                .to_mut()
                .iter_mut()
                .find(|c| c.default.as_deref() == Some(text))?;
            c.default = None;
            let column = c.name.to_string();
            Some(Note::on(
                t.name.to_string(),
                format!("the default of column {column} ({text}): {e}"),
            ))
        }),
        _ => None,
    }
}

/// Takes the index, unique constraint, check or foreign key called `name`
/// out of `table`; what it was.
fn take_named(table: &mut Table, name: &str) -> Option<&'static str> {
    let named = |n: &Option<crate::schema::Str>| n.as_deref() == Some(name);
    if let Some(at) = table.indexes.iter().position(|ix| named(&ix.name)) {
        table.indexes.to_mut().remove(at);
        return Some("index");
    }
    if let Some(at) = table.unique_constraints.iter().position(|uq| named(&uq.name)) {
        table.unique_constraints.to_mut().remove(at);
        return Some("unique constraint");
    }
    if let Some(at) = table.foreign_keys.iter().position(|fk| named(&fk.name)) {
        table.foreign_keys.to_mut().remove(at);
        return Some("foreign key");
    }
    if let Some(at) = table.checks.iter().position(|ck| ck.name == name) {
        table.checks.to_mut().remove(at);
        return Some("check");
    }
    None
}

/// `schema` as `dialect` stores it: the schema [`introspect`] reads from a
/// database where exactly `schema` was created.
pub fn stored(dialect: Dialect, schema: &Schema) -> Schema {
    let tables = schema
        .tables()
        .iter()
        .map(|t| stored_table(dialect, t))
        .collect::<Vec<_>>();
    Schema::of_database(tables).unwrap_or_else(|_| schema.clone())
}

fn stored_table(d: Dialect, table: &Table) -> Table {
    let mut t = table.without_hints();
    // A view, not part of the table (and not read back as one).
    t.alias = None;
    let single_key = t
        .primary_key
        .as_ref()
        .filter(|pk| pk.columns.len() == 1)
        .map(|pk| pk.columns[0].clone());
    for c in t.columns.to_mut() {
        c.ty = stored_type(d, &c.ty);
        if let (Dialect::MySql, SqlType::Enum(e)) = (d, &mut c.ty) {
            e.name = mysql::enum_name(&table.name, &c.name).into();
        }
        match d {
            Dialect::Sqlite => {
                c.comment = None;
                // SQLite gives an expression default back without the
                // parentheses it must be written in.
                c.default = c.default.as_deref().map(|d| unwrap_parens(d).to_owned().into());
                // SQLite's `INTEGER` single-column key is the rowid, which
                // the database fills whether asked or not.
                c.auto_increment = single_key.as_ref() == Some(&c.name) && c.ty == SqlType::Integer;
            }
            Dialect::Postgres => {
                c.auto_increment =
                    single_key.as_ref() == Some(&c.name) && c.auto_increment && c.ty.is_integer();
                c.default = c.default.as_deref().map(|d| postgres::plain_default(d).into());
            }
            Dialect::MySql => {
                c.auto_increment =
                    single_key.as_ref() == Some(&c.name) && c.auto_increment && c.ty.is_integer();
                c.default = c
                    .default
                    .as_deref()
                    .and_then(mysql::plain_default)
                    .map(Into::into);
            }
        }
        if c.auto_increment {
            c.default = None;
        }
        // A generated column's expression, in the database's spelling.
        if let Some(g) = &mut c.generated {
            match d {
                Dialect::Postgres => g.expr = postgres::plain_check(&g.expr).into(),
                Dialect::MySql => g.expr = mysql::plain_check(&g.expr).into(),
                Dialect::Sqlite => {}
            }
        }
    }
    if d == Dialect::Sqlite {
        t.comment = None;
    }
    if d == Dialect::MySql {
        if let Some(pk) = &mut t.primary_key {
            pk.name = None;
        }
        let (unique, plain): (Vec<_>, Vec<_>) = t.indexes.iter().cloned().partition(|ix| ix.unique);
        t.indexes = plain.into();
        t.unique_constraints
            .to_mut()
            .extend(unique.into_iter().map(|ix| UniqueConstraint {
                name: ix.name,
                columns: ix.columns,
            }));
        t.foreign_keys.to_mut().iter_mut().for_each(mysql::stored_key);
        for ck in t.checks.to_mut() {
            ck.expr = mysql::plain_check(&ck.expr).into();
        }
        mysql::in_order(&mut t);
    }
    t
}

/// A type as `d` stores it, in the words [`parse_type`] reads back.
fn stored_type(d: Dialect, ty: &SqlType) -> SqlType {
    match ty {
        SqlType::Enum(e) => SqlType::Enum(e.without_hints()),
        _ if d == Dialect::MySql => mysql::parse_type(&d.type_sql(ty)),
        _ => parse_type(&d.type_sql(ty)),
    }
}

/// A column type as a database reports it, in the model's terms; a type the
/// model has no word for is [`SqlType::Custom`], as written.
pub(crate) fn parse_type(text: &str) -> SqlType {
    let upper = text.trim().to_ascii_uppercase();
    let (base, args) = match upper.split_once('(') {
        Some((base, rest)) => (base.trim(), rest.trim_end_matches(')').trim()),
        None => (upper.as_str(), ""),
    };
    let numbers: Vec<u32> = args.split(',').filter_map(|n| n.trim().parse().ok()).collect();
    match (base, numbers.as_slice()) {
        ("SMALLINT" | "INT2", []) => SqlType::SmallInt,
        ("INTEGER" | "INT" | "INT4", []) => SqlType::Integer,
        ("BIGINT" | "INT8", []) => SqlType::BigInt,
        ("REAL" | "FLOAT4", []) => SqlType::Real,
        ("DOUBLE" | "DOUBLE PRECISION" | "FLOAT8", []) => SqlType::Double,
        ("BOOLEAN" | "BOOL", []) => SqlType::Boolean,
        ("TEXT", []) => SqlType::Text,
        ("VARCHAR" | "CHARACTER VARYING", [n]) => SqlType::Varchar(*n),
        ("BLOB" | "BYTEA", []) => SqlType::Blob,
        ("NUMERIC" | "DECIMAL", []) => SqlType::Numeric {
            precision: None,
            scale: None,
        },
        ("NUMERIC" | "DECIMAL", [p]) => SqlType::Numeric {
            precision: u16::try_from(*p).ok(),
            scale: None,
        },
        ("NUMERIC" | "DECIMAL", [p, s]) => SqlType::Numeric {
            precision: u16::try_from(*p).ok(),
            scale: u16::try_from(*s).ok(),
        },
        ("UUID", []) => SqlType::Uuid,
        ("TIMESTAMP" | "TIMESTAMP WITHOUT TIME ZONE", []) => SqlType::Timestamp {
            with_time_zone: false,
        },
        ("TIMESTAMPTZ" | "TIMESTAMP WITH TIME ZONE", []) => SqlType::Timestamp { with_time_zone: true },
        ("DATE", []) => SqlType::Date,
        ("TIME" | "TIME WITHOUT TIME ZONE", []) => SqlType::Time,
        ("JSON" | "JSONB", []) => SqlType::Json,
        _ => SqlType::Custom(text.trim().to_owned().into()),
    }
}

/// `text` without the parentheses around all of it, however many pairs.
pub(crate) fn unwrap_parens(text: &str) -> &str {
    let mut s = text.trim();
    while s.starts_with('(') && s.ends_with(')') && balanced(&s[1..s.len() - 1]) {
        s = s[1..s.len() - 1].trim();
    }
    s
}

/// Whether every parenthesis in `s` closes one opened before it, and all do.
fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// An index's column orders as [`crate::schema::Index::descending`] keeps
/// them: empty when every column ascends.
pub(crate) fn descending(order: impl IntoIterator<Item = bool>) -> crate::schema::List<bool> {
    let order: Vec<bool> = order.into_iter().collect();
    if order.iter().any(|d| *d) {
        order.into()
    } else {
        Vec::new().into()
    }
}

/// A column as read from a catalog, before its keys are known.
pub(crate) fn column(name: String, ty: SqlType, nullable: bool, default: Option<String>) -> Column {
    Column {
        name: name.into(),
        ty,
        nullable,
        default: default.map(Into::into),
        auto_increment: false,
        comment: None,
        collation: None,
        generated: None,
        renamed_from: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_read_back_as_the_model_says_them() {
        for ty in [
            SqlType::SmallInt,
            SqlType::BigInt,
            SqlType::Double,
            SqlType::Varchar(40),
            SqlType::Numeric {
                precision: Some(12),
                scale: Some(2),
            },
            SqlType::Timestamp { with_time_zone: true },
            SqlType::Json,
            SqlType::Uuid,
        ] {
            assert_eq!(parse_type(&Dialect::Postgres.type_sql(&ty)), ty);
        }
        assert_eq!(parse_type("character varying(12)"), SqlType::Varchar(12));
        assert_eq!(
            parse_type("geometry(Point)"),
            SqlType::Custom("geometry(Point)".into())
        );
        assert_eq!(
            parse_type(&Dialect::Sqlite.type_sql(&SqlType::Uuid)),
            SqlType::Text
        );
    }
}
