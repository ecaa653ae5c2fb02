//! The Alembic bridge: a schema written as a Python module that defines it as
//! SQLAlchemy `MetaData`, for a team that also runs Alembic (or any SQLAlchemy
//! code) against the databases Ferro manages.
//!
//! ```
//! use ferro::{Model, Schema};
//!
//! #[derive(Model)]
//! #[ferro(table = "users")]
//! struct User {
//!     #[ferro(primary_key)]
//!     id: i64,
//!     #[ferro(unique, max_length = 254)]
//!     email: String,
//! }
//!
//! let module = ferro::sqlalchemy::module(&Schema::new([User::TABLE]).unwrap(), "the users");
//! assert!(module.contains(r#"sa.Column("email", sa.String(254), nullable=False)"#));
//! assert!(module.contains(r#"sa.UniqueConstraint("email", name="uq_users_email")"#));
//! assert!(module.contains("def get_metadata(dialect=None) -> sa.MetaData:"));
//! ```
//!
//! Each column's type is the one Ferro creates on each backend, by SQLAlchemy's
//! `with_variant`: `_uuid()` is `UUID` on PostgreSQL, `TEXT` on SQLite and
//! `CHAR(36)` on MySQL/MariaDB, so Alembic's `compare_metadata` against a
//! database Ferro built reports nothing. Every constraint and index carries the
//! name Ferro gave it; the metadata's naming convention is Ferro's, for
//! constraints a team adds on the Python side.

use std::fmt::Write as _;

use crate::schema::{Action, Column, EnumType, Schema, SqlType, Str, Table};

/// The functions the tables' columns call for their types, the same in every
/// module: each is a SQLAlchemy type with the variants Ferro's backends need.
const PRELUDE: &str = r#"import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

MYSQL = ("mysql", "mariadb")


def _small_int():
    return sa.SmallInteger().with_variant(sa.Integer(), "sqlite")


def _int():
    return sa.Integer()


def _big_int():
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _real():
    return sa.REAL().with_variant(mysql.FLOAT(), *MYSQL)


def _double():
    return sa.Double().with_variant(sa.REAL(), "sqlite")


def _bool():
    return sa.Boolean()


def _text():
    return sa.Text().with_variant(mysql.LONGTEXT(), *MYSQL)


def _varchar(length):
    return sa.String(length)


def _blob():
    return sa.LargeBinary().with_variant(mysql.LONGBLOB(), *MYSQL)


def _numeric(precision=None, scale=None):
    if precision is None:
        return sa.Numeric().with_variant(mysql.DECIMAL(65, 30), *MYSQL)
    return sa.Numeric(precision, scale).with_variant(mysql.DECIMAL(precision, scale or 0), *MYSQL)


def _uuid():
    return sa.Uuid().with_variant(sa.Text(), "sqlite").with_variant(sa.CHAR(36), *MYSQL)


def _timestamp(timezone):
    return (
        sa.DateTime(timezone=timezone)
        .with_variant(sa.Text(), "sqlite")
        .with_variant(mysql.DATETIME(fsp=6), *MYSQL)
    )


def _date():
    return sa.Date().with_variant(sa.Text(), "sqlite")


def _time():
    return sa.Time().with_variant(sa.Text(), "sqlite").with_variant(mysql.TIME(fsp=6), *MYSQL)


def _json():
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql").with_variant(sa.Text(), "sqlite")


def _enum(name):
    # On SQLite Ferro stores an enum as TEXT with a CHECK of its values.
    return ENUMS[name].with_variant(sa.Text(), "sqlite")


class _Sql(sa.types.UserDefinedType):
    """A type given verbatim with `#[ferro(sql_type = "..")]`."""

    cache_ok = True

    def __init__(self, sql):
        self.sql = sql

    def get_col_spec(self, **kw):
        return self.sql


NAMING_CONVENTION = {
    "pk": "pk_%(table_name)s",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
}
"#;

/// What follows the tables: `get_metadata` builds them once per kind of
/// database, since an auto-increment key is an `Identity` everywhere but on
/// SQLite, where it is the rowid (and Alembic reports an `Identity` there as a
/// difference).
const POSTLUDE: &str = r#"

_BUILT = {}


def get_metadata(dialect=None) -> sa.MetaData:
    """The schema's tables, for a database of `dialect`: its name or a database URL.

    Auto-increment keys are identity columns, except on SQLite, where they are
    the rowid: in Alembic's env.py, pass the URL when it may be SQLite's.
    """
    name = "" if dialect is None else str(dialect).split(":")[0].split("+")[0]
    sqlite = name == "sqlite"
    if sqlite not in _BUILT:
        built = sa.MetaData(naming_convention=NAMING_CONVENTION)
        _tables(built, () if sqlite else (sa.Identity(),))
        _BUILT[sqlite] = built
    return _BUILT[sqlite]


metadata = get_metadata()
"#;

/// The Python module defining `schema` as SQLAlchemy `MetaData`: a function
/// `get_metadata(dialect=None)` returning it (the counterpart of Python
/// Ferro's `ferro.migrations.get_metadata()`; `dialect`, a name or a database
/// URL, matters only for SQLite, whose auto-increment keys are the rowid
/// rather than an `Identity`), the module attribute `metadata` (the same for
/// any database but SQLite), and `ENUMS`, the schema's enum types by name.
/// `about` names the schema in the module's docstring.
pub fn module(schema: &Schema, about: &str) -> String {
    let mut out = format!(
        "\"\"\"The schema of {} as SQLAlchemy MetaData, written by Ferro.\n\n\
         Do not edit: write it again after the models change. In Alembic's env.py:\n\n    \
         target_metadata = get_metadata(config.get_main_option(\"sqlalchemy.url\"))\n\"\"\"\n\n",
        about.replace('\\', "\\\\").replace("\"\"\"", "\\\"\\\"\\\"")
    );
    out.push_str(PRELUDE);
    out.push_str("\nENUMS = {");
    let enums = schema.enums();
    if enums.is_empty() {
        out.push('}');
    }
    for (i, e) in enums.iter().enumerate() {
        let _ = write!(out, "\n    {}: {},", py(&e.name), enum_type(e));
        if i + 1 == enums.len() {
            out.push_str("\n}");
        }
    }
    out.push_str("\n\n\ndef _tables(metadata, identity):");
    if schema.tables().is_empty() {
        out.push_str("\n    pass\n");
    }
    for table in schema.tables() {
        out.push('\n');
        table_def(&mut out, table);
    }
    out.push_str(POSTLUDE);
    out
}

fn enum_type(e: &EnumType) -> String {
    let mut out = "sa.Enum(".to_owned();
    for value in e.values.iter() {
        out.push_str(&py(&value.name));
        out.push_str(", ");
    }
    let _ = write!(out, "name={})", py(&e.name));
    out
}

fn table_def(out: &mut String, table: &Table) {
    let _ = write!(
        out,
        "    sa.Table(\n        {},\n        metadata,\n",
        py(crate::schema::naming::bare(&table.name))
    );
    for column in table.columns.iter() {
        let _ = writeln!(out, "        {},", column_def(table, column));
    }
    if let Some(pk) = &table.primary_key {
        let _ = writeln!(
            out,
            "        sa.PrimaryKeyConstraint({}),",
            columns_and_name(&pk.columns, &pk.name)
        );
    }
    for unique in table.unique_constraints.iter() {
        let _ = writeln!(
            out,
            "        sa.UniqueConstraint({}),",
            columns_and_name(&unique.columns, &unique.name)
        );
    }
    for fk in table.foreign_keys.iter() {
        let referred: Vec<String> = fk
            .referred_columns
            .iter()
            .map(|c| format!("{}.{c}", fk.referred_table))
            .collect();
        let _ = write!(
            out,
            "        sa.ForeignKeyConstraint({}, {}",
            list(&fk.columns),
            list(&referred)
        );
        if let Some(name) = &fk.name {
            let _ = write!(out, ", name={}", py(name));
        }
        for (word, action) in [("ondelete", fk.on_delete), ("onupdate", fk.on_update)] {
            if action != Action::NoAction {
                let _ = write!(out, ", {word}={}", py(action.as_sql()));
            }
        }
        out.push_str("),\n");
    }
    for check in table.checks.iter() {
        let _ = writeln!(
            out,
            "        sa.CheckConstraint({}, name={}),",
            py(&check.expr),
            py(&check.name)
        );
    }
    for index in table.indexes.iter() {
        let name = index.name.as_deref().map_or("None".to_owned(), py);
        let _ = write!(out, "        sa.Index({name}");
        for expression in index.expressions.iter() {
            let _ = write!(out, ", sa.text({})", py(expression));
        }
        for (i, column) in index.columns.iter().enumerate() {
            if index.is_descending(i) {
                let _ = write!(out, ", sa.column({}).desc()", py(column));
            } else {
                let _ = write!(out, ", {}", py(column));
            }
        }
        if index.unique {
            out.push_str(", unique=True");
        }
        if let Some(method) = &index.method {
            let _ = write!(out, ", postgresql_using={}", py(method));
        }
        if !index.operator_classes.is_empty() {
            let ops = index.columns.iter().zip(index.operator_classes.iter());
            let ops: Vec<String> = ops
                .filter_map(|(column, class)| Some(format!("{}: {}", py(column), py(class.as_deref()?))))
                .collect();
            let _ = write!(out, ", postgresql_ops={{{}}}", ops.join(", "));
        }
        if !index.include.is_empty() {
            let include: Vec<String> = index.include.iter().map(|c| py(c)).collect();
            let _ = write!(out, ", postgresql_include=[{}]", include.join(", "));
        }
        if let Some(predicate) = &index.predicate {
            let text = py(predicate);
            let _ = write!(
                out,
                ", postgresql_where=sa.text({text}), sqlite_where=sa.text({text})"
            );
        }
        out.push_str("),\n");
    }
    if let Some(comment) = &table.comment {
        let _ = writeln!(out, "        comment={},", py(comment));
    }
    // A table in a PostgreSQL schema: `ForeignKeyConstraint` names it
    // `billing.invoices.id`, as the keys above do.
    if let Some(schema) = crate::schema::naming::split(&table.name).0 {
        let _ = writeln!(out, "        schema={},", py(schema));
    }
    out.push_str("    )\n");
}

fn column_def(table: &Table, column: &Column) -> String {
    let ty = match (&column.collation, &column.ty) {
        (Some(c), SqlType::Text) => {
            let c = py(c);
            format!("sa.Text(collation={c}).with_variant(mysql.LONGTEXT(collation={c}), *MYSQL)")
        }
        (Some(c), SqlType::Varchar(n)) => format!("sa.String({n}, collation={})", py(c)),
        _ => type_expr(&column.ty),
    };
    let mut out = format!("sa.Column({}, {ty}", py(&column.name));
    let single_key = table
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns.len() == 1 && pk.columns[0] == column.name);
    if column.auto_increment && single_key {
        // GENERATED BY DEFAULT AS IDENTITY on PostgreSQL; the rowid on SQLite.
        out.push_str(", *identity, autoincrement=True");
    } else if single_key && column.ty.is_integer() {
        out.push_str(", autoincrement=False");
    }
    out.push_str(if column.nullable {
        ", nullable=True"
    } else {
        ", nullable=False"
    });
    if let Some(default) = &column.default {
        let _ = write!(out, ", server_default=sa.text({})", py(default));
    }
    if let Some(comment) = &column.comment {
        let _ = write!(out, ", comment={}", py(comment));
    }
    if let Some(g) = &column.generated {
        let persisted = if g.stored { "True" } else { "False" };
        let _ = write!(out, ", *[sa.Computed({}, persisted={persisted})]", py(&g.expr));
    }
    out.push(')');
    out
}

/// The type a column of `ty` has, as a call of one of the prelude's functions.
fn type_expr(ty: &SqlType) -> String {
    match ty {
        SqlType::SmallInt => "_small_int()".into(),
        SqlType::Integer => "_int()".into(),
        SqlType::BigInt => "_big_int()".into(),
        SqlType::Real => "_real()".into(),
        SqlType::Double => "_double()".into(),
        SqlType::Boolean => "_bool()".into(),
        SqlType::Text => "_text()".into(),
        SqlType::Varchar(n) => format!("sa.String({n})"),
        SqlType::Blob => "_blob()".into(),
        SqlType::Numeric { precision, scale } => match (precision, scale) {
            (None, _) => "_numeric()".into(),
            (Some(p), None) => format!("_numeric({p})"),
            (Some(p), Some(s)) => format!("_numeric({p}, {s})"),
        },
        SqlType::Uuid => "_uuid()".into(),
        SqlType::Timestamp { with_time_zone } => {
            format!("_timestamp({})", if *with_time_zone { "True" } else { "False" })
        }
        SqlType::Date => "_date()".into(),
        SqlType::Time => "_time()".into(),
        SqlType::Json => "_json()".into(),
        SqlType::Enum(e) => format!("_enum({})", py(&e.name)),
        SqlType::Custom(sql) => format!("_Sql({})", py(sql)),
    }
}

fn columns_and_name(columns: &[Str], name: &Option<Str>) -> String {
    let mut out: Vec<String> = columns.iter().map(|c| py(c)).collect();
    if let Some(name) = name {
        out.push(format!("name={}", py(name)));
    }
    out.join(", ")
}

fn list<S: AsRef<str>>(items: &[S]) -> String {
    let items: Vec<String> = items.iter().map(|s| py(s.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

/// A Python string literal holding `text`: double-quoted, with backslashes,
/// quotes and control characters escaped (the module is UTF-8, so other
/// characters stay as they are).
fn py(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\U{:08x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_python_literals() {
        assert_eq!(py(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(py("x\ny\u{7}"), "\"x\\ny\\U00000007\"");
        assert_eq!(py("naïve"), "\"naïve\"");
    }
}
