//! Migrations written as data: the form `ferro-build` generates.
//!
//! A generated migration file holds its steps as constants:
//!
//! ```
//! use ferro::migration::steps::*;
//!
//! pub const UPGRADE: Steps = &[
//!     add_column("customers", &Column::new("notes", SqlType::Text).nullable()),
//!     create_index("customers", &Index::new("ix_customers_notes", &["notes"])),
//! ];
//!
//! pub const DOWNGRADE: Steps = &[
//!     drop_index("customers", "ix_customers_notes"),
//!     drop_column("customers", "notes").acknowledged(true),
//! ];
//! # assert_eq!(UPGRADE.len(), 2);
//! ```
//!
//! They read as the [`Ops`] calls of a hand-written migration
//! read, and mean the same steps. Why constants: a history of thousands of
//! migrations is compiled into the migrations crate, and rustc compiles a
//! constant's data without generating machine code for it, where each
//! `upgrade` function is code of its own that the compiler's back end
//! handles again whenever a migration is added. A file that creates tables
//! holds them as statics below its steps, and its steps as statics too
//! (`pub static UPGRADE`), for the compiler's sake: a constant pointing at
//! statics was evaluated again whenever one of them changed. Either form
//! compiles anywhere. The runtime turns these constants into
//! [`Step`](super::Step)s when it reads them
//! ([`Body`](super::Body)). A migration that computes its steps, or whose
//! steps are Rust data steps with more than a function to call, keeps the
//! `pub fn upgrade(op: &mut Ops)` form; both may sit in one folder.
//!
//! Every name here is `&'static str` and every list a `&'static [..]`, so
//! that each builder is a `const fn`; a mistake in a constant is a compile
//! error in the file, as in a function. A table, a column, an index and a
//! foreign key are passed by reference (`&Column::new(..)`), so that a step
//! is 64 bytes rather than the 360 of its largest operation: a long history
//! holds thousands of steps, all of them in the program.

use std::borrow::Cow;

use super::Ops;
use super::lint::RULES;
use crate::schema::{self as s, Str};

pub use super::Revision;
pub use crate::schema::Action;

/// One direction of a migration: its steps, in the order they run.
pub type Steps = &'static [Step];

fn str(s: &'static str) -> Str {
    Cow::Borrowed(s)
}

/// A column's SQL type, as [`schema::SqlType`](crate::schema::SqlType) spells it.
///
/// Every type here is `Copy`: the compiler places a list of them in static
/// memory only when nothing in them needs dropping.
#[derive(Clone, Copy, Debug)]
pub struct Type(Ty);

#[derive(Clone, Copy, Debug)]
enum Ty {
    SmallInt,
    Integer,
    BigInt,
    Real,
    Double,
    Boolean,
    Text,
    Varchar(u32),
    Blob,
    Numeric(Option<u16>, Option<u16>),
    Uuid,
    Timestamp(bool),
    Date,
    Time,
    Json,
    Enum(&'static str, &'static [&'static str]),
    Custom(&'static str),
}

impl Type {
    fn build(self) -> s::SqlType {
        match self.0 {
            Ty::SmallInt => s::SqlType::SmallInt,
            Ty::Integer => s::SqlType::Integer,
            Ty::BigInt => s::SqlType::BigInt,
            Ty::Real => s::SqlType::Real,
            Ty::Double => s::SqlType::Double,
            Ty::Boolean => s::SqlType::Boolean,
            Ty::Text => s::SqlType::Text,
            Ty::Varchar(n) => s::SqlType::Varchar(n),
            Ty::Blob => s::SqlType::Blob,
            Ty::Numeric(precision, scale) => s::SqlType::Numeric { precision, scale },
            Ty::Uuid => s::SqlType::Uuid,
            Ty::Timestamp(with_time_zone) => s::SqlType::Timestamp { with_time_zone },
            Ty::Date => s::SqlType::Date,
            Ty::Time => s::SqlType::Time,
            Ty::Json => s::SqlType::Json,
            Ty::Enum(name, values) => s::SqlType::enumeration(name, values.iter().copied()),
            Ty::Custom(sql) => s::SqlType::custom(sql),
        }
    }
}

/// The SQL types, spelled as [`schema::SqlType`](crate::schema::SqlType)'s
/// variants and constructors are, as constants.
#[derive(Clone, Copy, Debug)]
pub struct SqlType;

#[allow(non_upper_case_globals, non_snake_case, missing_docs)]
impl SqlType {
    pub const SmallInt: Type = Type(Ty::SmallInt);
    pub const Integer: Type = Type(Ty::Integer);
    pub const BigInt: Type = Type(Ty::BigInt);
    pub const Real: Type = Type(Ty::Real);
    pub const Double: Type = Type(Ty::Double);
    pub const Boolean: Type = Type(Ty::Boolean);
    pub const Text: Type = Type(Ty::Text);
    pub const Blob: Type = Type(Ty::Blob);
    pub const Uuid: Type = Type(Ty::Uuid);
    pub const Date: Type = Type(Ty::Date);
    pub const Time: Type = Type(Ty::Time);
    pub const Json: Type = Type(Ty::Json);
    pub const NUMERIC: Type = Type(Ty::Numeric(None, None));
    pub const TIMESTAMP: Type = Type(Ty::Timestamp(false));
    pub const TIMESTAMPTZ: Type = Type(Ty::Timestamp(true));

    pub const fn Varchar(length: u32) -> Type {
        Type(Ty::Varchar(length))
    }

    /// `NUMERIC(precision, scale)`.
    pub const fn numeric(precision: u16, scale: u16) -> Type {
        Type(Ty::Numeric(Some(precision), Some(scale)))
    }

    /// `NUMERIC` with either part left to the database.
    pub const fn numeric_of(precision: Option<u16>, scale: Option<u16>) -> Type {
        Type(Ty::Numeric(precision, scale))
    }

    /// A type spelled in the database's own SQL.
    pub const fn custom(sql: &'static str) -> Type {
        Type(Ty::Custom(sql))
    }

    /// An enumerated type of these values, in order.
    pub const fn enumeration(name: &'static str, values: &'static [&'static str]) -> Type {
        Type(Ty::Enum(name, values))
    }
}

/// A column, as [`schema::Column`](crate::schema::Column) builds one.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    name: &'static str,
    ty: Type,
    nullable: bool,
    default: Option<&'static str>,
    auto_increment: bool,
    comment: Option<&'static str>,
    collation: Option<&'static str>,
    generated: Option<(&'static str, bool)>,
}

impl Column {
    /// A NOT NULL column without default or comment.
    pub const fn new(name: &'static str, ty: Type) -> Column {
        Column {
            name,
            ty,
            nullable: false,
            default: None,
            auto_increment: false,
            comment: None,
            collation: None,
            generated: None,
        }
    }

    /// The column accepts NULL.
    pub const fn nullable(mut self) -> Column {
        self.nullable = true;
        self
    }

    /// The column's server default, an SQL expression.
    pub const fn default(mut self, sql: &'static str) -> Column {
        self.default = Some(sql);
        self
    }

    /// The database numbers the rows.
    pub const fn auto_increment(mut self) -> Column {
        self.auto_increment = true;
        self
    }

    /// The column's comment.
    pub const fn comment(mut self, text: &'static str) -> Column {
        self.comment = Some(text);
        self
    }

    /// The collation its text is compared by.
    pub const fn collation(mut self, name: &'static str) -> Column {
        self.collation = Some(name);
        self
    }

    /// The database computes the column from `expr`; `stored` keeps it in the row.
    pub const fn generated(mut self, expr: &'static str, stored: bool) -> Column {
        self.generated = Some((expr, stored));
        self
    }

    fn build(self) -> s::Column {
        let mut c = s::Column::new(self.name, self.ty.build());
        c.nullable = self.nullable;
        c.default = self.default.map(str);
        c.auto_increment = self.auto_increment;
        c.comment = self.comment.map(str);
        c.collation = self.collation.map(str);
        c.generated = self.generated.map(|(expr, stored)| s::Generated {
            expr: str(expr),
            stored,
        });
        c
    }
}

/// A primary key.
#[derive(Clone, Copy, Debug)]
pub struct PrimaryKey(&'static str, &'static [&'static str]);

impl PrimaryKey {
    /// The key `name` over `columns`.
    pub const fn new(name: &'static str, columns: &'static [&'static str]) -> PrimaryKey {
        PrimaryKey(name, columns)
    }

    fn build(self) -> s::PrimaryKey {
        s::PrimaryKey::new(self.0, self.1.iter().copied())
    }
}

/// A unique constraint.
#[derive(Clone, Copy, Debug)]
pub struct UniqueConstraint(&'static str, &'static [&'static str]);

impl UniqueConstraint {
    /// The constraint `name` over `columns`.
    pub const fn new(name: &'static str, columns: &'static [&'static str]) -> UniqueConstraint {
        UniqueConstraint(name, columns)
    }

    fn build(self) -> s::UniqueConstraint {
        s::UniqueConstraint::new(self.0, self.1.iter().copied())
    }
}

/// A check constraint.
#[derive(Clone, Copy, Debug)]
pub struct Check(&'static str, &'static str);

impl Check {
    /// The check `name`, an SQL expression over the row.
    pub const fn new(name: &'static str, expr: &'static str) -> Check {
        Check(name, expr)
    }

    fn build(self) -> s::Check {
        s::Check::new(self.0, self.1)
    }
}

/// An index, as [`schema::Index`](crate::schema::Index) builds one.
#[derive(Clone, Copy, Debug)]
pub struct Index {
    name: &'static str,
    columns: &'static [&'static str],
    expressions: bool,
    unique: bool,
    descending: &'static [&'static str],
    method: Option<&'static str>,
    operator_classes: &'static [(&'static str, &'static str)],
    include: &'static [&'static str],
    predicate: Option<&'static str>,
}

impl Index {
    /// An index `name` over `columns`.
    pub const fn new(name: &'static str, columns: &'static [&'static str]) -> Index {
        Index {
            name,
            columns,
            expressions: false,
            unique: false,
            descending: &[],
            method: None,
            operator_classes: &[],
            include: &[],
            predicate: None,
        }
    }

    /// An index over SQL expressions.
    pub const fn on_expressions(name: &'static str, expressions: &'static [&'static str]) -> Index {
        let mut index = Index::new(name, expressions);
        index.expressions = true;
        index
    }

    /// A unique index.
    pub const fn unique(mut self) -> Index {
        self.unique = true;
        self
    }

    /// These of its columns sort descending.
    pub const fn descending(mut self, columns: &'static [&'static str]) -> Index {
        self.descending = columns;
        self
    }

    /// The index method (`gin`, `hash`, ..).
    pub const fn using(mut self, method: &'static str) -> Index {
        self.method = Some(method);
        self
    }

    /// The operator class of each of these columns: `(column, class)`.
    pub const fn operator_classes(mut self, classes: &'static [(&'static str, &'static str)]) -> Index {
        self.operator_classes = classes;
        self
    }

    /// Columns the index carries without ordering by them.
    pub const fn include(mut self, columns: &'static [&'static str]) -> Index {
        self.include = columns;
        self
    }

    /// A partial index: only the rows where `sql` holds.
    pub const fn predicate(mut self, sql: &'static str) -> Index {
        self.predicate = Some(sql);
        self
    }

    fn build(self) -> s::Index {
        let mut index = if self.expressions {
            s::Index::on_expressions(self.name, self.columns.iter().copied())
        } else {
            s::Index::new(self.name, self.columns.iter().copied())
        };
        if self.unique {
            index = index.unique();
        }
        if !self.descending.is_empty() {
            index = index.descending(self.descending.iter().copied());
        }
        if let Some(method) = self.method {
            index = index.using(method);
        }
        for (column, class) in self.operator_classes {
            index = index.operator_class(column, *class);
        }
        if !self.include.is_empty() {
            index = index.include(self.include.iter().copied());
        }
        if let Some(predicate) = self.predicate {
            index = index.predicate(predicate);
        }
        index
    }
}

/// A foreign key.
#[derive(Clone, Copy, Debug)]
pub struct ForeignKey {
    name: &'static str,
    columns: &'static [&'static str],
    referred_table: &'static str,
    referred_columns: &'static [&'static str],
    on_delete: Action,
    on_update: Action,
}

impl ForeignKey {
    /// The key `name`: `columns` refer to `referred_columns` of `referred_table`.
    pub const fn new(
        name: &'static str,
        columns: &'static [&'static str],
        referred_table: &'static str,
        referred_columns: &'static [&'static str],
    ) -> ForeignKey {
        ForeignKey {
            name,
            columns,
            referred_table,
            referred_columns,
            on_delete: Action::NoAction,
            on_update: Action::NoAction,
        }
    }

    /// What deleting the referred row does.
    pub const fn on_delete(mut self, action: Action) -> ForeignKey {
        self.on_delete = action;
        self
    }

    /// What changing the referred key does.
    pub const fn on_update(mut self, action: Action) -> ForeignKey {
        self.on_update = action;
        self
    }

    fn build(self) -> s::ForeignKey {
        s::ForeignKey::new(
            self.name,
            self.columns.iter().copied(),
            self.referred_table,
            self.referred_columns.iter().copied(),
        )
        .on_delete(self.on_delete)
        .on_update(self.on_update)
    }
}

/// A view.
#[derive(Clone, Copy, Debug)]
pub struct View {
    name: &'static str,
    sql: &'static str,
    materialized: bool,
    reads: &'static [&'static str],
}

impl View {
    /// The view `name` of the query `sql`.
    pub const fn new(name: &'static str, sql: &'static str) -> View {
        View {
            name,
            sql,
            materialized: false,
            reads: &[],
        }
    }

    /// A materialized view (PostgreSQL).
    pub const fn materialized(mut self) -> View {
        self.materialized = true;
        self
    }

    /// The tables and views it reads, made before it.
    pub const fn reads(mut self, names: &'static [&'static str]) -> View {
        self.reads = names;
        self
    }

    fn build(self) -> s::View {
        let mut view = s::View::new(self.name, self.sql);
        if self.materialized {
            view = view.materialized();
        }
        view.reads(self.reads.iter().copied())
    }
}

/// A table to create: its columns, keys, constraints and indexes.
#[derive(Clone, Copy, Debug)]
pub struct Table {
    name: &'static str,
    columns: &'static [Column],
    primary_key: Option<PrimaryKey>,
    unique: &'static [UniqueConstraint],
    foreign_keys: &'static [ForeignKey],
    checks: &'static [Check],
    indexes: &'static [Index],
    comment: Option<&'static str>,
}

impl Table {
    /// The table `name` with `columns`.
    pub const fn new(name: &'static str, columns: &'static [Column]) -> Table {
        Table {
            name,
            columns,
            primary_key: None,
            unique: &[],
            foreign_keys: &[],
            checks: &[],
            indexes: &[],
            comment: None,
        }
    }

    /// Its primary key.
    pub const fn primary_key(mut self, key: PrimaryKey) -> Table {
        self.primary_key = Some(key);
        self
    }

    /// Its unique constraints.
    pub const fn unique(mut self, constraints: &'static [UniqueConstraint]) -> Table {
        self.unique = constraints;
        self
    }

    /// Its foreign keys.
    pub const fn foreign_keys(mut self, keys: &'static [ForeignKey]) -> Table {
        self.foreign_keys = keys;
        self
    }

    /// Its check constraints.
    pub const fn checks(mut self, checks: &'static [Check]) -> Table {
        self.checks = checks;
        self
    }

    /// Its indexes.
    pub const fn indexes(mut self, indexes: &'static [Index]) -> Table {
        self.indexes = indexes;
        self
    }

    /// Its comment.
    pub const fn comment(mut self, text: &'static str) -> Table {
        self.comment = Some(text);
        self
    }

    fn record(self, op: &mut Ops) -> &mut super::Step {
        op.create_table(self.name, |t| {
            for c in self.columns {
                t.add(c.build());
            }
            if let Some(pk) = &self.primary_key {
                t.primary_key(pk.0, pk.1.iter().copied());
            }
            for uq in self.unique {
                t.unique(uq.0, uq.1.iter().copied());
            }
            for key in self.foreign_keys {
                t.foreign_key(key.build());
            }
            for check in self.checks {
                t.check(check.0, check.1);
            }
            for index in self.indexes {
                t.index(index.build());
            }
            if let Some(comment) = self.comment {
                t.comment(comment);
            }
        })
    }
}

/// One step of a migration written as data: an operation and its marks, as
/// [`Step`](super::Step) holds them.
#[derive(Clone, Copy, Debug)]
pub struct Step {
    op: StepOp,
    acknowledged: bool,
    outside_transaction: bool,
    online: bool,
    /// The lint rules it accepts, a bit for each of [`RULES`] by position.
    accepted: u32,
}

#[derive(Clone, Copy, Debug)]
enum StepOp {
    CreateTable(&'static Table),
    Names(Kind, [&'static str; 3]),
    AddColumn(&'static str, &'static Column),
    AlterColumn(&'static str, &'static Column, &'static Column),
    AddPrimaryKey(&'static str, PrimaryKey),
    CreateIndex(&'static str, &'static Index),
    AddUnique(&'static str, UniqueConstraint),
    AddForeignKey(&'static str, &'static ForeignKey),
    AddCheck(&'static str, Check),
    FillNulls(&'static str, &'static str, Option<&'static str>),
    AddEnumValue(&'static str, &'static str, Option<&'static str>),
    SetTableComment(&'static str, Option<&'static str>),
    CreateEnum(&'static str, &'static [&'static str]),
    ReorderEnumValues(&'static str, &'static [&'static str]),
    CreateView(View),
    #[cfg(feature = "runtime")]
    Rust(&'static str, super::RustStep),
}

/// The operations made of names alone, by the [`Ops`] method that records each.
#[derive(Clone, Copy, Debug)]
enum Kind {
    DropTable,
    RenameTable,
    DropColumn,
    RenameColumn,
    SyncColumns,
    UnsyncColumns,
    AliasTable,
    UnaliasTable,
    DropPrimaryKey,
    DropIndex,
    DropUnique,
    DropForeignKey,
    DropCheck,
    RenameIndex,
    RenameConstraint,
    DropEnum,
    DropEnumValue,
    RenameEnumValue,
    CreateSchema,
    DropSchema,
    DropView,
    DropMaterializedView,
    Sql,
    Irreversible,
}

const fn step(op: StepOp) -> Step {
    Step {
        op,
        acknowledged: false,
        outside_transaction: false,
        online: false,
        accepted: 0,
    }
}

const fn names(kind: Kind, a: &'static str, b: &'static str, c: &'static str) -> Step {
    step(StepOp::Names(kind, [a, b, c]))
}

impl Step {
    /// Whether the loss this step causes is acknowledged; see
    /// [`Step::acknowledged`](super::Step::acknowledged).
    pub const fn acknowledged(mut self, yes: bool) -> Step {
        self.acknowledged = yes;
        self
    }

    /// Accepts what the lint rule `code` (`"F101"`) finds about this step;
    /// see [`Step::accept`](super::Step::accept). A code no rule has is a
    /// compile error.
    pub const fn accept(mut self, code: &'static str) -> Step {
        let mut i = 0;
        while i < RULES.len() {
            if crate::__private::str_eq(RULES[i].code, code) {
                self.accepted |= 1 << i;
                return self;
            }
            i += 1;
        }
        panic!("`accept` names no lint rule: the codes are F101, F102, .. (`ferro::migration::lint::RULES`)");
    }

    /// Runs outside the migration's transaction; see
    /// [`Step::outside_transaction`](super::Step::outside_transaction).
    pub const fn outside_transaction(mut self) -> Step {
        self.outside_transaction = true;
        self
    }

    /// See [`Step::concurrently`](super::Step::concurrently).
    pub const fn concurrently(mut self) -> Step {
        self.online = true;
        self
    }

    /// See [`Step::validate_separately`](super::Step::validate_separately).
    pub const fn validate_separately(mut self) -> Step {
        self.online = true;
        self
    }

    /// See [`Step::in_batches`](super::Step::in_batches).
    pub const fn in_batches(mut self) -> Step {
        self.online = true;
        self
    }

    /// Records this step as the [`Ops`] method of its name would.
    pub fn record(&self, op: &mut Ops) {
        let recorded = match self.op {
            StepOp::CreateTable(table) => table.record(op),
            StepOp::Names(kind, [a, b, c]) => record_names(op, kind, a, b, c),
            StepOp::AddColumn(table, column) => op.add_column(table, column.build()),
            StepOp::AlterColumn(table, from, to) => op.alter_column(table, from.build(), to.build()),
            StepOp::AddPrimaryKey(table, key) => op.add_primary_key(table, key.build()),
            StepOp::CreateIndex(table, index) => op.create_index(table, index.build()),
            StepOp::AddUnique(table, u) => op.add_unique(table, u.build()),
            StepOp::AddForeignKey(table, key) => op.add_foreign_key(table, key.build()),
            StepOp::AddCheck(table, check) => op.add_check(table, check.build()),
            StepOp::FillNulls(table, column, value) => op.fill_nulls(table, column, value),
            StepOp::AddEnumValue(name, value, before) => op.add_enum_value(name, value, before),
            StepOp::SetTableComment(table, comment) => op.set_table_comment(table, comment),
            StepOp::CreateEnum(name, values) => op.create_enum(name, values.iter().copied()),
            StepOp::ReorderEnumValues(name, values) => op.reorder_enum_values(name, values.iter().copied()),
            StepOp::CreateView(view) => op.create_view(view.build()),
            #[cfg(feature = "runtime")]
            StepOp::Rust(name, f) => op.rust(name, f.0),
        };
        recorded.acknowledged = self.acknowledged;
        recorded.outside_transaction |= self.outside_transaction;
        recorded.online |= self.online;
        for (i, rule) in RULES.iter().enumerate() {
            if self.accepted & (1 << i) != 0 {
                recorded.accept(rule.code);
            }
        }
    }
}

fn record_names<'o>(
    op: &'o mut Ops,
    kind: Kind,
    a: &'static str,
    b: &'static str,
    c: &'static str,
) -> &'o mut super::Step {
    match kind {
        Kind::DropTable => op.drop_table(a),
        Kind::RenameTable => op.rename_table(a, b),
        Kind::DropColumn => op.drop_column(a, b),
        Kind::RenameColumn => op.rename_column(a, b, c),
        Kind::SyncColumns => op.sync_columns(a, b, c),
        Kind::UnsyncColumns => op.unsync_columns(a, b, c),
        Kind::AliasTable => op.alias_table(a, b),
        Kind::UnaliasTable => op.unalias_table(a, b),
        Kind::DropPrimaryKey => op.drop_primary_key(a, b),
        Kind::DropIndex => op.drop_index(a, b),
        Kind::DropUnique => op.drop_unique(a, b),
        Kind::DropForeignKey => op.drop_foreign_key(a, b),
        Kind::DropCheck => op.drop_check(a, b),
        Kind::RenameIndex => op.rename_index(a, b, c),
        Kind::RenameConstraint => op.rename_constraint(a, b, c),
        Kind::DropEnum => op.drop_enum(a),
        Kind::DropEnumValue => op.drop_enum_value(a, b),
        Kind::RenameEnumValue => op.rename_enum_value(a, b, c),
        Kind::CreateSchema => op.create_schema(a),
        Kind::DropSchema => op.drop_schema(a),
        Kind::DropView => op.drop_view(a),
        Kind::DropMaterializedView => op.drop_materialized_view(a),
        Kind::Sql => op.sql(a),
        Kind::Irreversible => op.irreversible(a),
    }
}

/// Records `steps` into `op`, for a function that joins data and code
/// (a squash of migrations in both forms, or a data step added to a
/// generated migration).
pub fn record(op: &mut Ops, steps: Steps) {
    for step in steps {
        step.record(op);
    }
}

// The operations, as the `Ops` methods of the same names record them.

/// Creates a table.
pub const fn create_table(table: &'static Table) -> Step {
    step(StepOp::CreateTable(table))
}

/// Drops a table and every row in it.
pub const fn drop_table(name: &'static str) -> Step {
    names(Kind::DropTable, name, "", "")
}

/// Renames a table.
pub const fn rename_table(from: &'static str, to: &'static str) -> Step {
    names(Kind::RenameTable, from, to, "")
}

/// Adds a column.
pub const fn add_column(table: &'static str, column: &'static Column) -> Step {
    step(StepOp::AddColumn(table, column))
}

/// Drops a column and its values.
pub const fn drop_column(table: &'static str, column: &'static str) -> Step {
    names(Kind::DropColumn, table, column, "")
}

/// Renames a column.
pub const fn rename_column(table: &'static str, from: &'static str, to: &'static str) -> Step {
    names(Kind::RenameColumn, table, from, to)
}

/// Changes a column from `from` to `to`.
pub const fn alter_column(table: &'static str, from: &'static Column, to: &'static Column) -> Step {
    step(StepOp::AlterColumn(table, from, to))
}

/// Keeps two columns of a split rename in step; see [`Ops::sync_columns`].
pub const fn sync_columns(table: &'static str, old: &'static str, new: &'static str) -> Step {
    names(Kind::SyncColumns, table, old, new)
}

/// Ends [`sync_columns`].
pub const fn unsync_columns(table: &'static str, old: &'static str, new: &'static str) -> Step {
    names(Kind::UnsyncColumns, table, old, new)
}

/// Keeps a renamed table's old name as a view; see [`Ops::alias_table`].
pub const fn alias_table(table: &'static str, alias: &'static str) -> Step {
    names(Kind::AliasTable, table, alias, "")
}

/// Ends [`alias_table`].
pub const fn unalias_table(table: &'static str, alias: &'static str) -> Step {
    names(Kind::UnaliasTable, table, alias, "")
}

/// Gives a column's NULLs `value`; see [`Ops::fill_nulls`].
pub const fn fill_nulls(table: &'static str, column: &'static str, value: Option<&'static str>) -> Step {
    step(StepOp::FillNulls(table, column, value))
}

/// Adds a primary key.
pub const fn add_primary_key(table: &'static str, key: PrimaryKey) -> Step {
    step(StepOp::AddPrimaryKey(table, key))
}

/// Drops a primary key.
pub const fn drop_primary_key(table: &'static str, name: &'static str) -> Step {
    names(Kind::DropPrimaryKey, table, name, "")
}

/// Creates an index.
pub const fn create_index(table: &'static str, index: &'static Index) -> Step {
    step(StepOp::CreateIndex(table, index))
}

/// Drops an index.
pub const fn drop_index(table: &'static str, name: &'static str) -> Step {
    names(Kind::DropIndex, table, name, "")
}

/// Adds a unique constraint.
pub const fn add_unique(table: &'static str, constraint: UniqueConstraint) -> Step {
    step(StepOp::AddUnique(table, constraint))
}

/// Drops a unique constraint.
pub const fn drop_unique(table: &'static str, name: &'static str) -> Step {
    names(Kind::DropUnique, table, name, "")
}

/// Adds a foreign key.
pub const fn add_foreign_key(table: &'static str, key: &'static ForeignKey) -> Step {
    step(StepOp::AddForeignKey(table, key))
}

/// Drops a foreign key.
pub const fn drop_foreign_key(table: &'static str, name: &'static str) -> Step {
    names(Kind::DropForeignKey, table, name, "")
}

/// Adds a check constraint.
pub const fn add_check(table: &'static str, check: Check) -> Step {
    step(StepOp::AddCheck(table, check))
}

/// Drops a check constraint.
pub const fn drop_check(table: &'static str, name: &'static str) -> Step {
    names(Kind::DropCheck, table, name, "")
}

/// Renames an index.
pub const fn rename_index(table: &'static str, from: &'static str, to: &'static str) -> Step {
    names(Kind::RenameIndex, table, from, to)
}

/// Renames a constraint.
pub const fn rename_constraint(table: &'static str, from: &'static str, to: &'static str) -> Step {
    names(Kind::RenameConstraint, table, from, to)
}

/// Sets or removes a table's comment.
pub const fn set_table_comment(table: &'static str, comment: Option<&'static str>) -> Step {
    step(StepOp::SetTableComment(table, comment))
}

/// Creates an enumerated type.
pub const fn create_enum(name: &'static str, values: &'static [&'static str]) -> Step {
    step(StepOp::CreateEnum(name, values))
}

/// Drops an enumerated type.
pub const fn drop_enum(name: &'static str) -> Step {
    names(Kind::DropEnum, name, "", "")
}

/// Adds a value to an enumerated type, before `before` or last.
pub const fn add_enum_value(name: &'static str, value: &'static str, before: Option<&'static str>) -> Step {
    step(StepOp::AddEnumValue(name, value, before))
}

/// Drops a value of an enumerated type.
pub const fn drop_enum_value(name: &'static str, value: &'static str) -> Step {
    names(Kind::DropEnumValue, name, value, "")
}

/// Puts an enumerated type's values in this order.
pub const fn reorder_enum_values(name: &'static str, values: &'static [&'static str]) -> Step {
    step(StepOp::ReorderEnumValues(name, values))
}

/// Renames a value of an enumerated type.
pub const fn rename_enum_value(name: &'static str, from: &'static str, to: &'static str) -> Step {
    names(Kind::RenameEnumValue, name, from, to)
}

/// Creates a schema (PostgreSQL).
pub const fn create_schema(name: &'static str) -> Step {
    names(Kind::CreateSchema, name, "", "")
}

/// Drops an empty schema (PostgreSQL).
pub const fn drop_schema(name: &'static str) -> Step {
    names(Kind::DropSchema, name, "", "")
}

/// Creates a view.
pub const fn create_view(view: View) -> Step {
    step(StepOp::CreateView(view))
}

/// Drops a view.
pub const fn drop_view(name: &'static str) -> Step {
    names(Kind::DropView, name, "", "")
}

/// Drops a materialized view (PostgreSQL).
pub const fn drop_materialized_view(name: &'static str) -> Step {
    names(Kind::DropMaterializedView, name, "", "")
}

/// Runs SQL written by hand, as it is.
pub const fn sql(sql: &'static str) -> Step {
    names(Kind::Sql, sql, "", "")
}

/// Marks this direction as impossible, with the reason.
pub const fn irreversible(reason: &'static str) -> Step {
    names(Kind::Irreversible, reason, "", "")
}

/// A data step written in Rust; see [`Ops::rust`].
#[cfg(feature = "runtime")]
pub const fn rust(
    name: &'static str,
    f: for<'c> fn(&'c mut crate::runtime::Connection) -> super::StepFuture<'c>,
) -> Step {
    step(StepOp::Rust(name, super::RustStep(f)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema as s;

    const UP: Steps = &[
        create_table(
            &Table::new(
                "users",
                &[
                    Column::new("id", SqlType::BigInt).auto_increment(),
                    Column::new("email", SqlType::Varchar(254)).collation("C"),
                    Column::new("mood", SqlType::enumeration("mood", &["ok", "great"])).default("'ok'"),
                    Column::new("total", SqlType::numeric(12, 2)).generated("1 + 1", true),
                ],
            )
            .primary_key(PrimaryKey::new("pk_users", &["id"]))
            .unique(&[UniqueConstraint::new("uq_users_email", &["email"])])
            .checks(&[Check::new("ck_users_total", "total > 0")])
            .indexes(&[Index::new("ix_users_mood", &["mood"]).descending(&["mood"])])
            .comment("people"),
        ),
        create_index(
            "users",
            &Index::new("ix_users_email", &["email"])
                .unique()
                .using("btree")
                .operator_classes(&[("email", "text_pattern_ops")])
                .include(&["id"])
                .predicate("email IS NOT NULL"),
        )
        .concurrently(),
        add_foreign_key(
            "posts",
            &ForeignKey::new("fk_posts_user_id_users", &["user_id"], "users", &["id"])
                .on_delete(Action::Cascade),
        )
        .validate_separately(),
        drop_column("users", "nickname")
            .acknowledged(true)
            .accept("F201")
            .accept("F110"),
        fill_nulls("users", "email", None).in_batches(),
        sql("SELECT 1").outside_transaction(),
        set_table_comment("users", None),
        create_view(
            View::new("v", "SELECT id FROM users")
                .materialized()
                .reads(&["users"]),
        ),
        create_enum("mood", &["ok", "great"]),
        add_enum_value("mood", "meh", Some("ok")),
        reorder_enum_values("mood", &["great", "ok", "meh"]),
        rename_enum_value("mood", "meh", "so-so"),
        irreversible("gone"),
    ];

    /// Each constant step records what the `Ops` method of its name records,
    /// with its marks.
    #[test]
    fn constants_record_what_the_methods_record() {
        let mut from_constants = Ops::default();
        record(&mut from_constants, UP);

        let mut op = Ops::default();
        op.create_table("users", |t| {
            t.column("id", s::SqlType::BigInt).auto_increment();
            t.column("email", s::SqlType::Varchar(254)).collation("C");
            t.column("mood", s::SqlType::enumeration("mood", ["ok", "great"]))
                .default("'ok'");
            t.column("total", s::SqlType::numeric(12, 2))
                .generated("1 + 1", true);
            t.primary_key("pk_users", ["id"]);
            t.unique("uq_users_email", ["email"]);
            t.check("ck_users_total", "total > 0");
            t.index(s::Index::new("ix_users_mood", ["mood"]).descending(["mood"]));
            t.comment("people");
        });
        op.create_index(
            "users",
            s::Index::new("ix_users_email", ["email"])
                .unique()
                .using("btree")
                .operator_class("email", "text_pattern_ops")
                .include(["id"])
                .predicate("email IS NOT NULL"),
        )
        .concurrently();
        op.add_foreign_key(
            "posts",
            s::ForeignKey::new("fk_posts_user_id_users", ["user_id"], "users", ["id"])
                .on_delete(Action::Cascade),
        )
        .validate_separately();
        // A constant step keeps the rules it accepts as a set, in the rules' order.
        op.drop_column("users", "nickname")
            .acknowledged(true)
            .accept("F110")
            .accept("F201");
        op.fill_nulls("users", "email", None).in_batches();
        op.sql("SELECT 1").outside_transaction();
        op.set_table_comment("users", None);
        op.create_view(
            s::View::new("v", "SELECT id FROM users")
                .materialized()
                .reads(["users"]),
        );
        op.create_enum("mood", ["ok", "great"]);
        op.add_enum_value("mood", "meh", Some("ok"));
        op.reorder_enum_values("mood", ["great", "ok", "meh"]);
        op.rename_enum_value("mood", "meh", "so-so");
        op.irreversible("gone");

        assert_eq!(from_constants.steps(), op.steps());
    }
}
