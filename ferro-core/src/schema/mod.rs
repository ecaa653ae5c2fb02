//! The schema model: tables, columns, types, keys, indexes and constraints.
//!
//! The same types serve two purposes. `#[derive(Model)]` emits them as `const`
//! `'static` data (every string and list is a [`Cow::Borrowed`]), and
//! [`Schema::new`] turns such descriptors into owned, resolved values that a diff
//! works on and that serialise to the committed snapshot (see [`crate::snapshot`]).
//!
//! A descriptor may leave constraint names out (`name: None`): the naming
//! convention of [`naming`] fills them in when the schema is resolved, because a
//! conventional name can depend on another model (a foreign key's referred table)
//! that a `const` cannot concatenate. Many-to-many relations are likewise declared
//! on a table and expanded into their join table by [`Schema::new`].

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

mod build;
pub mod fragment;
pub mod naming;
mod resolve;
mod views;

pub(crate) use resolve::is_collation_name;
pub use resolve::{Schema, SchemaError};
pub(crate) use views::order as view_order;

/// A string that is `'static` in a descriptor and owned in a resolved schema.
pub type Str = Cow<'static, str>;
/// A list that is a `'static` slice in a descriptor and a `Vec` in a resolved schema.
pub type List<T> = Cow<'static, [T]>;

/// The SQL type of a column, independent of the database it is rendered for.
///
/// The JSON form is the type's name in lower case, with its parameters where it
/// has any: `"bigint"`, `{"varchar": 64}`, `{"numeric": {"precision": 12, "scale": 2}}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SqlType {
    /// A 16-bit integer (`SMALLINT`).
    #[serde(rename = "smallint")]
    SmallInt,
    /// A 32-bit integer (`INTEGER`).
    Integer,
    /// A 64-bit integer (`BIGINT`).
    #[serde(rename = "bigint")]
    BigInt,
    /// A 32-bit float (`REAL`).
    Real,
    /// A 64-bit float (`DOUBLE PRECISION`).
    Double,
    /// A boolean (`BOOLEAN`; 0/1 on SQLite).
    Boolean,
    /// Text of any length (`TEXT`).
    Text,
    /// Text of at most this many characters (`VARCHAR(n)`).
    Varchar(u32),
    /// Bytes (`BYTEA` on PostgreSQL, `BLOB` elsewhere).
    Blob,
    /// An exact decimal number (`NUMERIC(p, s)`, or `NUMERIC` without them).
    Numeric {
        /// Total number of significant digits.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        precision: Option<u16>,
        /// Digits after the decimal point.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scale: Option<u16>,
    },
    /// A UUID (`UUID` on PostgreSQL, hyphenated `TEXT` on SQLite).
    Uuid,
    /// A date and time (`TIMESTAMP`, or `TIMESTAMPTZ` with a time zone).
    Timestamp {
        /// Whether the value is an instant (`TIMESTAMPTZ`) rather than a wall-clock time.
        with_time_zone: bool,
    },
    /// A calendar date (`DATE`).
    Date,
    /// A time of day (`TIME`).
    Time,
    /// A JSON document (`JSONB` on PostgreSQL, `TEXT` on SQLite).
    Json,
    /// An enumeration (a native enum type on PostgreSQL, `TEXT` + `CHECK` on SQLite).
    Enum(EnumType),
    /// A type given verbatim with `#[ferro(sql_type = "..")]`: SQL written by
    /// the code's authors, never built from user input (see [`fragment`]).
    Custom(Str),
}

impl SqlType {
    /// Whether this is one of the integer types, which a single-column primary key
    /// auto-increments by default.
    pub const fn is_integer(&self) -> bool {
        matches!(self, SqlType::SmallInt | SqlType::Integer | SqlType::BigInt)
    }

    /// Whether this is a text type, to which `max_length` applies.
    pub const fn is_text(&self) -> bool {
        matches!(self, SqlType::Text | SqlType::Varchar(_))
    }

    /// Whether this is a decimal type, to which `precision` and `scale` apply.
    pub const fn is_numeric(&self) -> bool {
        matches!(self, SqlType::Numeric { .. })
    }
}

/// An enumeration type with its stored values, in declaration order.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumType {
    /// The type's name (the PostgreSQL type name).
    pub name: Str,
    /// The stored values, in order.
    pub values: List<EnumValue>,
}

/// One stored value of an [`EnumType`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumValue {
    /// The value as stored in the database.
    pub name: Str,
    /// The value's previous name, when it was renamed (`#[ferro(renamed_from = "..")]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<Str>,
}

/// How a generated column is computed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Generated {
    /// The SQL expression over the row's other columns, written by the
    /// code's authors (see [`fragment`]).
    pub expr: Str,
    /// Whether the value is stored when the row is written (`STORED`),
    /// rather than computed when it is read (`VIRTUAL`). PostgreSQL before
    /// 18 has only stored ones.
    #[serde(default, skip_serializing_if = "is_false")]
    pub stored: bool,
}

/// A column of a table.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// The column's name.
    pub name: Str,
    /// The column's SQL type.
    #[serde(rename = "type")]
    pub ty: SqlType,
    /// Whether the column accepts NULL.
    pub nullable: bool,
    /// The server default, an SQL expression: SQL written by the code's
    /// authors, never built from user input (see [`fragment`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Str>,
    /// Whether the database generates values (identity, rowid or `AUTO_INCREMENT`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub auto_increment: bool,
    /// The column's comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<Str>,
    /// The collation its text is compared and sorted by, when not the
    /// database's default: a name of the backend's own (`C` or
    /// `und-x-icu` on PostgreSQL, `utf8mb4_bin` on MySQL, `NOCASE` on
    /// SQLite). Only a text column has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<Str>,
    /// The database computes the column's value from the row's others: a
    /// generated (computed) column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<Generated>,
    /// The column's previous name, when it was renamed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<Str>,
}

/// A table's primary key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrimaryKey {
    /// The constraint's name; `None` in a descriptor means `pk_<table>`.
    pub name: Option<Str>,
    /// The key's columns, in order.
    pub columns: List<Str>,
}

/// An index, unique or not.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Index {
    /// The index's name; `None` in a descriptor means `ix_<table>_<columns>`.
    pub name: Option<Str>,
    /// The indexed columns, in order.
    pub columns: List<Str>,
    /// Whether the index enforces uniqueness.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
    /// The rows it covers, when not all: a partial index's `WHERE`, an SQL
    /// boolean expression written by the code's authors (see [`fragment`]).
    /// PostgreSQL and SQLite have partial indexes; MySQL has none.
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub predicate: Option<Str>,
    /// Each column's order, pairwise with `columns`: `true` where it
    /// descends. Empty when every column ascends (as [`Schema::new`] writes
    /// it then).
    #[serde(default, skip_serializing_if = "is_empty")]
    pub descending: List<bool>,
    /// The index's access method, when not the B-tree every database uses
    /// by default: PostgreSQL's `hash`, `gin`, `gist`, `spgist`, `brin`, or
    /// one an extension adds. Only PostgreSQL has a choice; `btree` is said
    /// as `None`.
    #[serde(default, rename = "using", skip_serializing_if = "Option::is_none")]
    pub method: Option<Str>,
    /// Each column's operator class, pairwise with `columns`: `None` where it
    /// is the default class of the column's type for the method. Empty when
    /// every column has its default (as [`Schema::new`] writes it then).
    /// PostgreSQL only.
    #[serde(default, rename = "ops", skip_serializing_if = "is_empty")]
    pub operator_classes: List<Option<Str>>,
    /// Columns the index stores beside its key, for index-only scans, but
    /// does not order by or make unique: PostgreSQL's `INCLUDE`.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub include: List<Str>,
    /// The index's key when it is made of SQL expressions (`lower(email)`)
    /// rather than of columns, each written by the code's authors (see
    /// [`fragment`]); `columns` is then empty. PostgreSQL and SQLite.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub expressions: List<Str>,
}

/// A unique constraint.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UniqueConstraint {
    /// The constraint's name; `None` in a descriptor means `uq_<table>_<columns>`.
    pub name: Option<Str>,
    /// The constrained columns, in order.
    pub columns: List<Str>,
}

/// What the database does to referencing rows when the referred row is deleted or
/// its key updated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    /// `NO ACTION`: refuse, checked at the end of the statement (the SQL default).
    #[default]
    #[serde(rename = "NO ACTION")]
    NoAction,
    /// `RESTRICT`: refuse at once.
    #[serde(rename = "RESTRICT")]
    Restrict,
    /// `CASCADE`: delete or update the referencing rows too.
    #[serde(rename = "CASCADE")]
    Cascade,
    /// `SET NULL`: set the referencing columns to NULL.
    #[serde(rename = "SET NULL")]
    SetNull,
    /// `SET DEFAULT`: set the referencing columns to their defaults.
    #[serde(rename = "SET DEFAULT")]
    SetDefault,
}

impl Action {
    /// The SQL spelling: `CASCADE`, `SET NULL`, ...
    pub const fn as_sql(self) -> &'static str {
        match self {
            Action::NoAction => "NO ACTION",
            Action::Restrict => "RESTRICT",
            Action::Cascade => "CASCADE",
            Action::SetNull => "SET NULL",
            Action::SetDefault => "SET DEFAULT",
        }
    }

    fn is_default(&self) -> bool {
        *self == Action::NoAction
    }
}

/// A foreign key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignKey {
    /// The constraint's name; `None` in a descriptor means
    /// `fk_<table>_<first column>_<referred table>`.
    pub name: Option<Str>,
    /// The referencing columns of this table.
    pub columns: List<Str>,
    /// The referred table.
    pub referred_table: Str,
    /// The referred columns, pairwise with `columns`.
    pub referred_columns: List<Str>,
    /// What happens when the referred row is deleted.
    #[serde(default, skip_serializing_if = "Action::is_default")]
    pub on_delete: Action,
    /// What happens when the referred key is updated.
    #[serde(default, skip_serializing_if = "Action::is_default")]
    pub on_update: Action,
}

/// A check constraint.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// The constraint's name, as given.
    pub name: Str,
    /// The SQL boolean expression: SQL written by the code's authors, never
    /// built from user input (see [`fragment`]).
    pub expr: Str,
}

/// A many-to-many relation as a model declares it; [`Schema::new`] expands it into
/// a join table and does not keep it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManyToMany {
    /// The join table's name; `None` means `<table>_<target table>`.
    pub table: Option<Str>,
    /// The declaring model's side.
    pub source: JoinSide,
    /// The other model's side.
    pub target: JoinSide,
}

/// One side of a [`ManyToMany`] relation: enough of a model to reference its key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinSide {
    /// The model's name in snake case (`blog_post` for `BlogPost`).
    pub model: Str,
    /// The model's table.
    pub table: Str,
    /// The model's primary-key column.
    pub key_column: Str,
    /// The SQL type of that column.
    pub key_type: SqlType,
}

/// A table with its columns, keys, indexes and constraints.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// The table's name.
    pub name: Str,
    /// The table's columns, in declaration order.
    pub columns: List<Column>,
    /// The primary key, if the table has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<PrimaryKey>,
    /// Indexes, unique or not.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub indexes: List<Index>,
    /// Unique constraints.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub unique_constraints: List<UniqueConstraint>,
    /// Foreign keys.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub foreign_keys: List<ForeignKey>,
    /// Check constraints.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub checks: List<Check>,
    /// Many-to-many relations declared here (descriptors only; see [`ManyToMany`]).
    #[serde(default, skip_serializing_if = "is_empty")]
    pub many_to_many: List<ManyToMany>,
    /// The table's comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<Str>,
    /// The table's previous name, when it was renamed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<Str>,
    /// A second name the table answers to: the name it had before a safe
    /// plan renamed it, kept as a view (`SELECT * FROM` the table, which
    /// PostgreSQL and MySQL let the application write through) while the
    /// version of the application that uses the old name still runs, until
    /// the contract migration drops it ([`crate::diff::expand`]). State, not
    /// a model's choice: models leave it `None`; SQLite has no view for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<Str>,
}

/// A view: a query the database keeps under a name, declared with its SQL
/// (`#[derive(View)]`). A materialized one (PostgreSQL) keeps the query's
/// rows too, as they were when it was made.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct View {
    /// The view's name; in a PostgreSQL schema, after the schema's
    /// (`billing.open_invoices`).
    pub name: Str,
    /// The `SELECT` the view is, written by the code's authors (see
    /// [`fragment`]): one statement, without a `;`.
    pub sql: Str,
    /// Whether the database keeps the rows (PostgreSQL's `MATERIALIZED`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub materialized: bool,
    /// The tables and views it reads, which it is made after and made
    /// again around a change to. A descriptor lists those the SQL does not
    /// name plainly; [`Schema::with_views`] adds every table and view whose
    /// name the SQL holds, and sorts them.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub reads: List<Str>,
}

impl Table {
    /// The column called `name`, if there is one.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_empty<T: Clone>(list: &List<T>) -> bool {
    list.is_empty()
}
