//! What changed between two schemas: `Schema × Schema → Vec<Change>`.
//!
//! The diff is a pure function of its two inputs. Tables and columns match by
//! name, or through a `renamed_from` hint on the new side when the new name is
//! not in the old schema; nothing else is taken for a rename. A dropped and an
//! added table or column that look alike are reported as a [`RenameHint`] and
//! still diffed as a drop and an add. Indexes and constraints match by what they
//! are (columns, referred table, actions, expression), with the old side's
//! names of renamed tables and columns mapped to the new ones, so that the
//! index of a renamed column follows it, and a match with another name is a
//! rename.
//!
//! ```
//! use ferro::diff::{diff, Change};
//! use ferro::schema::{Column, Schema, SqlType, Table, PrimaryKey};
//!
//! let users = |columns: Vec<Column>| {
//!     let mut t = Table::new("users");
//!     t.columns = columns.into();
//!     t.primary_key = Some(PrimaryKey::new("pk_users", ["id"]));
//!     t
//! };
//! let id = Column::new("id", SqlType::BigInt);
//! let before = Schema::new([users(vec![id.clone()])]).unwrap();
//! let after = Schema::new([users(vec![id, Column::new("age", SqlType::Integer).nullable()])]).unwrap();
//! let changes = diff(&before, &after).changes;
//! assert!(matches!(&changes[..], [Change::AddColumn { table, column }] if table == "users" && column.name == "age"));
//! ```

mod contract;

use std::collections::{BTreeMap, BTreeSet};

pub use contract::{Expand, expand, held_back, placeholder, sync_renames};
use std::fmt;

use crate::schema::UniqueConstraint;
use crate::schema::{
    Check, Column, EnumType, ForeignKey, Index, PrimaryKey, Schema, SqlType, Str, Table, View,
};

/// One difference between two schemas. Table names are the new schema's (a
/// rename comes first); a dropped column or constraint carries its old
/// definition, so that the change can be undone.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// A PostgreSQL schema (namespace) that a table of the new schema names
    /// and none of the old did.
    CreateSchema(Str),
    /// A PostgreSQL schema no table names any more.
    DropSchema(Str),
    /// A view made: new, changed, or made again after a change to what it
    /// reads. Changes come in the order views are made in.
    CreateView(View),
    /// A view dropped, with its old definition: gone, changed, or to be
    /// made again around a change to what it reads. Changes come in the
    /// order views are dropped in (what reads a view first).
    DropView(View),
    /// A new enum type.
    CreateEnum(EnumType),
    /// An enum type no column uses any more.
    DropEnum(EnumType),
    /// A new value of an enum type.
    AddEnumValue {
        /// The type.
        name: Str,
        /// The value.
        value: Str,
        /// The existing value it goes before; at the end when none.
        before: Option<Str>,
    },
    /// A value removed from an enum type.
    DropEnumValue {
        /// The type.
        name: Str,
        /// The value.
        value: Str,
        /// The value it stood before (by its new name), to put it back.
        before: Option<Str>,
    },
    /// The values of an enum type put in another order, once values were
    /// added, dropped and renamed: the order they would be in, and the order
    /// the model gives.
    ReorderEnumValues {
        /// The type.
        name: Str,
        /// The values in the order the other changes leave them.
        from: Vec<Str>,
        /// The values in the model's order.
        to: Vec<Str>,
    },
    /// A value renamed (`#[ferro(renamed_from)]` on the variant).
    RenameEnumValue {
        /// The type.
        name: Str,
        /// The old value.
        from: Str,
        /// The new value.
        to: Str,
    },
    /// A new table (a model or a many-to-many join table).
    CreateTable(Table),
    /// A table that is gone, with its old definition.
    DropTable(Table),
    /// A renamed table.
    RenameTable {
        /// The old name.
        from: Str,
        /// The new name.
        to: Str,
    },
    /// A new column.
    AddColumn {
        /// The table.
        table: Str,
        /// The column.
        column: Column,
    },
    /// A column that is gone, with its old definition.
    DropColumn {
        /// The table.
        table: Str,
        /// The column.
        column: Column,
    },
    /// A renamed column.
    RenameColumn {
        /// The table.
        table: Str,
        /// The old name.
        from: Str,
        /// The new name.
        to: Str,
    },
    /// A column whose type, nullability, default, auto-increment or comment changed.
    AlterColumn {
        /// The table.
        table: Str,
        /// The column as it was (under its new name).
        from: Column,
        /// The column as it becomes.
        to: Column,
    },
    /// A new primary key (or the new one of a changed key).
    AddPrimaryKey {
        /// The table.
        table: Str,
        /// The key.
        key: PrimaryKey,
    },
    /// A dropped primary key (or the old one of a changed key).
    DropPrimaryKey {
        /// The table.
        table: Str,
        /// The key.
        key: PrimaryKey,
    },
    /// A new index.
    AddIndex {
        /// The table.
        table: Str,
        /// The index.
        index: Index,
    },
    /// A dropped index.
    DropIndex {
        /// The table.
        table: Str,
        /// The index.
        index: Index,
    },
    /// A new unique constraint.
    AddUnique {
        /// The table.
        table: Str,
        /// The constraint.
        constraint: UniqueConstraint,
    },
    /// A dropped unique constraint.
    DropUnique {
        /// The table.
        table: Str,
        /// The constraint.
        constraint: UniqueConstraint,
    },
    /// A new foreign key (or the new form of a changed one).
    AddForeignKey {
        /// The table.
        table: Str,
        /// The key.
        key: ForeignKey,
    },
    /// A dropped foreign key (or the old form of a changed one).
    DropForeignKey {
        /// The table.
        table: Str,
        /// The key.
        key: ForeignKey,
    },
    /// A new check constraint.
    AddCheck {
        /// The table.
        table: Str,
        /// The constraint.
        check: Check,
    },
    /// A dropped check constraint.
    DropCheck {
        /// The table.
        table: Str,
        /// The constraint.
        check: Check,
    },
    /// An index that is the same under another name.
    RenameIndex {
        /// The table.
        table: Str,
        /// The old name.
        from: Str,
        /// The new name.
        to: Str,
    },
    /// A constraint that is the same under another name.
    RenameConstraint {
        /// The table.
        table: Str,
        /// The old name.
        from: Str,
        /// The new name.
        to: Str,
    },
    /// A view under a table's old name, made after everything else in the
    /// migration ([`Table::alias`]).
    AddTableAlias {
        /// The table, by the name it has after the migration.
        table: Str,
        /// The view's name.
        alias: Str,
    },
    /// A table's [`Table::alias`] dropped, before anything else in the
    /// migration: gone, or made again after changes to the table that a
    /// view over it would stop.
    DropTableAlias {
        /// The table, by the name it has before the migration.
        table: Str,
        /// The view's name.
        alias: Str,
    },
    /// A table's comment changed.
    SetTableComment {
        /// The table.
        table: Str,
        /// The old comment.
        from: Option<Str>,
        /// The new comment.
        to: Option<Str>,
    },
}

/// A dropped and an added table or column that look like one renamed. The diff
/// never takes them for a rename; the build reports them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenameHint {
    /// The table (its new name) for a column; `None` for a table.
    pub table: Option<Str>,
    /// The dropped name.
    pub dropped: Str,
    /// The added name.
    pub added: Str,
}

impl fmt::Display for RenameHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (dropped, added) = (&self.dropped, &self.added);
        match &self.table {
            Some(table) => write!(
                f,
                "column `{table}.{dropped}` is dropped and `{table}.{added}` added with the same type; \
                 if it was renamed, mark the field `#[ferro(renamed_from = \"{dropped}\")]`, \
                 or the migration drops the column and its data"
            ),
            None => write!(
                f,
                "table `{dropped}` is dropped and `{added}` added with the same columns; \
                 if it was renamed, mark the model `#[ferro(renamed_from = \"{dropped}\")]`, \
                 or the migration drops the table and its rows"
            ),
        }
    }
}

/// The result of [`diff`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diff {
    /// The changes, grouped by kind; [`crate::plan`] puts them in an order that runs.
    pub changes: Vec<Change>,
    /// Drops and adds that may be renames without a `renamed_from`.
    pub hints: Vec<RenameHint>,
}

impl Diff {
    /// Whether the two schemas are the same.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// The changes that turn schema `from` into schema `to`.
pub fn diff(from: &Schema, to: &Schema) -> Diff {
    let mut out = Diff::default();
    let (old, new) = (from.namespaces(), to.namespaces());
    for name in new.difference(&old) {
        out.changes
            .push(Change::CreateSchema(Str::from(name.to_string())));
    }
    for name in old.difference(&new) {
        out.changes.push(Change::DropSchema(Str::from(name.to_string())));
    }
    diff_enums(from, to, &mut out.changes);
    let renames = table_renames(from, to);
    let renamed_old: BTreeSet<&str> = renames.values().map(|t| t.name.as_ref()).collect();
    let matched = |new: &Table| {
        from.table(&new.name)
            .or_else(|| renames.get(new.name.as_ref()).copied())
    };
    // Every table's renamed columns, for the keys of other tables that refer to them.
    let mut names = Names {
        tables: renames
            .iter()
            .map(|(new, old)| (old.name.as_ref(), *new))
            .collect(),
        columns: BTreeMap::new(),
    };
    for new in to.tables() {
        let Some(old) = matched(new) else { continue };
        for column in new.columns.iter() {
            if let Some(was) = old_column(old, new, column).filter(|was| was.name != column.name) {
                names.columns.insert((&old.name, &was.name), &column.name);
            }
        }
    }
    // With nothing renamed, a table equal to its old self has no changes:
    // comparing is cheaper than diffing it, and most tables are unchanged.
    let no_renames = names.tables.is_empty() && names.columns.is_empty();
    let mut created = Vec::new();
    for new in to.tables() {
        match matched(new) {
            Some(old) if no_renames && old == new => {}
            Some(old) => {
                if old.name != new.name {
                    out.changes.push(Change::RenameTable {
                        from: old.name.clone(),
                        to: new.name.clone(),
                    });
                }
                diff_table(old, new, &names, &mut out);
            }
            None => created.push(new),
        }
    }
    let dropped: Vec<&Table> = from
        .tables()
        .iter()
        .filter(|t| to.table(&t.name).is_none() && !renamed_old.contains(t.name.as_ref()))
        .collect();
    for old in &dropped {
        for new in &created {
            let names = |t: &Table| t.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
            if names(old) == names(new) {
                out.hints.push(RenameHint {
                    table: None,
                    dropped: old.name.clone(),
                    added: new.name.clone(),
                });
            }
        }
    }
    for t in &created {
        out.changes.push(Change::CreateTable(t.without_hints()));
        if let Some(alias) = &t.alias {
            out.changes.push(Change::AddTableAlias {
                table: t.name.clone(),
                alias: alias.clone(),
            });
        }
    }
    for t in dropped {
        if let Some(alias) = &t.alias {
            out.changes.push(Change::DropTableAlias {
                table: t.name.clone(),
                alias: alias.clone(),
            });
        }
        out.changes.push(Change::DropTable(t.clone()));
    }
    diff_views(from, to, &mut out.changes);
    out
}

/// The views dropped and made: those gone, new or changed, and those made
/// again because a table or view they read changes (PostgreSQL refuses to
/// drop or retype a column a view uses, and a `SELECT *` keeps the columns
/// it had when the view was made). Dropped ones first, what reads a view
/// before it; made ones in the order that makes each after what it reads.
fn diff_views(from: &Schema, to: &Schema, changes: &mut Vec<Change>) {
    if from.views().is_empty() && to.views().is_empty() {
        return;
    }
    let mut touched: BTreeSet<String> = BTreeSet::new();
    let enum_tables = |name: &str, touched: &mut BTreeSet<String>| {
        for schema in [from, to] {
            for t in schema.tables() {
                if t.columns
                    .iter()
                    .any(|c| matches!(&c.ty, SqlType::Enum(e) if e.name == name))
                {
                    touched.insert(t.name.to_string());
                }
            }
        }
    };
    for change in changes.iter() {
        match change {
            Change::RenameTable { from, to } => {
                touched.insert(from.to_string());
                touched.insert(to.to_string());
            }
            Change::DropTable(t) => {
                touched.insert(t.name.to_string());
            }
            Change::AddColumn { table, .. }
            | Change::DropColumn { table, .. }
            | Change::RenameColumn { table, .. } => {
                touched.insert(table.to_string());
            }
            // A view minds a column's type, not its default, nullability
            // or comment.
            Change::AlterColumn { table, from, to }
                if from.ty != to.ty || from.collation != to.collation || from.generated != to.generated =>
            {
                touched.insert(table.to_string());
            }
            Change::DropEnum(e) => enum_tables(&e.name, &mut touched),
            Change::AddEnumValue { name, .. }
            | Change::DropEnumValue { name, .. }
            | Change::ReorderEnumValues { name, .. }
            | Change::RenameEnumValue { name, .. } => enum_tables(name, &mut touched),
            _ => {}
        }
    }
    // The views of `to` made again: changed, or reading what is, until
    // nothing more is.
    let mut remade: BTreeSet<&str> = to
        .views()
        .iter()
        .filter(|v| from.view(&v.name).is_some_and(|old| old != *v))
        .map(|v| v.name.as_ref())
        .collect();
    loop {
        let more: Vec<&str> = to
            .views()
            .iter()
            .filter(|v| !remade.contains(v.name.as_ref()) && from.view(&v.name).is_some())
            .filter(|v| {
                v.reads
                    .iter()
                    .any(|r| touched.contains(r.as_ref()) || remade.contains(r.as_ref()))
            })
            .map(|v| v.name.as_ref())
            .collect();
        if more.is_empty() {
            break;
        }
        remade.extend(more);
    }
    let old_order = crate::schema::view_order(from.views()).unwrap_or_default();
    for old in old_order.into_iter().rev() {
        if to.view(&old.name).is_none() || remade.contains(old.name.as_ref()) {
            changes.push(Change::DropView(old.clone()));
        }
    }
    for new in crate::schema::view_order(to.views()).unwrap_or_default() {
        if from.view(&new.name).is_none() || remade.contains(new.name.as_ref()) {
            changes.push(Change::CreateView(new.clone()));
        }
    }
}

/// The diff that undoes `forward`, the diff from `from` to `to`: from `to`
/// back to `from`, every rename the other way round. The downgrade of a
/// migration is planned from it (see [`crate::plan`]).
pub fn reverse(from: &Schema, to: &Schema, forward: &Diff) -> Diff {
    // The hints of the way back: on the old schema's tables, columns and
    // enum values, naming what the forward diff renamed them to.
    let mut tables: BTreeMap<&str, &Str> = BTreeMap::new(); // old name → new name
    let mut columns: Vec<(&str, &str, &Str)> = Vec::new(); // table (new name), old, new
    let mut values: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    for change in &forward.changes {
        match change {
            Change::RenameTable { from, to } => {
                tables.insert(from, to);
            }
            Change::RenameColumn { table, from, to } => columns.push((table, from, to)),
            Change::RenameEnumValue { name, from, to } => {
                values.insert((name, from), to);
            }
            _ => {}
        }
    }
    if tables.is_empty() && columns.is_empty() && values.is_empty() {
        // Nothing renamed: no hints to turn round, and no copy of the schema.
        return diff(&to.without_hints(), from);
    }
    let old_table = |new: &str| -> String {
        tables
            .iter()
            .find(|(_, n)| n.as_ref() == new)
            .map_or(new, |(old, _)| old)
            .to_owned()
    };
    let renamed_tables: BTreeMap<String, Str> = tables
        .iter()
        .map(|(old, new)| ((*old).to_owned(), (*new).clone()))
        .collect();
    let columns: BTreeMap<(String, String), Str> = columns
        .into_iter()
        .map(|(t, c, to)| ((old_table(t), c.to_owned()), to.clone()))
        .collect();
    let back = from.with_hints(|t| {
        t.renamed_from = renamed_tables.get(t.name.as_ref()).cloned();
        let name = t.name.to_string();
        let hinted = |c: &Column| {
            columns.contains_key(&(name.clone(), c.name.to_string())) || enum_hinted(&c.ty, &values)
        };
        if !t.columns.iter().any(hinted) {
            return;
        }
        for c in t.columns.to_mut() {
            c.renamed_from = columns.get(&(name.clone(), c.name.to_string())).cloned();
            if let SqlType::Enum(e) = &mut c.ty {
                for v in e.values.to_mut() {
                    v.renamed_from = values
                        .get(&(e.name.as_ref(), v.name.as_ref()))
                        .map(|to| Str::from(to.to_string()));
                }
            }
        }
    });
    diff(&to.without_hints(), &back)
}

/// Whether `ty` is an enum type with a value the forward diff renamed.
fn enum_hinted(ty: &SqlType, values: &BTreeMap<(&str, &str), &str>) -> bool {
    match ty {
        SqlType::Enum(e) => e
            .values
            .iter()
            .any(|v| values.contains_key(&(e.name.as_ref(), v.name.as_ref()))),
        _ => false,
    }
}

/// New tables named after a `renamed_from` hint: new name → old table.
fn table_renames<'a>(from: &'a Schema, to: &'a Schema) -> BTreeMap<&'a str, &'a Table> {
    to.tables()
        .iter()
        .filter(|t| from.table(&t.name).is_none())
        .filter_map(|t| {
            let old = from.table(t.renamed_from.as_deref()?)?;
            (to.table(&old.name).is_none()).then_some((t.name.as_ref(), old))
        })
        .collect()
}

/// Maps old names of tables and columns to new ones.
struct Names<'a> {
    tables: BTreeMap<&'a str, &'a str>,
    columns: BTreeMap<(&'a str, &'a str), &'a str>,
}

impl Names<'_> {
    fn table<'s>(&'s self, old: &'s str) -> &'s str {
        self.tables.get(old).copied().unwrap_or(old)
    }

    /// The new name of column `column` of the old table `table`.
    fn column<'s>(&'s self, table: &'s str, column: &'s str) -> &'s str {
        self.columns.get(&(table, column)).copied().unwrap_or(column)
    }

    fn columns(&self, table: &str, columns: &[Str]) -> Vec<String> {
        columns.iter().map(|c| self.column(table, c).to_owned()).collect()
    }
}

/// The column of the old table that `column` of the new table is: the one of
/// its name, or the one its `renamed_from` names if the new table has no
/// column of that name.
fn old_column<'a>(old: &'a Table, new: &Table, column: &Column) -> Option<&'a Column> {
    let hinted = || {
        let hint = column.renamed_from.as_deref()?;
        (new.column(hint).is_none()).then(|| old.column(hint)).flatten()
    };
    old.column(&column.name).or_else(hinted)
}

fn diff_table(old: &Table, new: &Table, names: &Names<'_>, out: &mut Diff) {
    let table = &new.name;
    let changes = &mut out.changes;
    let before = changes.len();
    let mut matched = BTreeSet::new();
    let mut added = Vec::new();
    for column in new.columns.iter() {
        match old_column(old, new, column) {
            Some(was) => {
                matched.insert(was.name.as_ref());
                if was.name != column.name {
                    changes.push(Change::RenameColumn {
                        table: table.clone(),
                        from: was.name.clone(),
                        to: column.name.clone(),
                    });
                }
                let mut was = was.clone();
                was.name = column.name.clone();
                was.renamed_from = None;
                if same_type(&was.ty, &column.ty) {
                    was.ty = column.ty.clone();
                }
                let mut now = column.clone();
                now.renamed_from = None;
                if was != now {
                    changes.push(Change::AlterColumn {
                        table: table.clone(),
                        from: was,
                        to: now,
                    });
                }
            }
            None => added.push(column),
        }
    }
    let dropped: Vec<&Column> = old
        .columns
        .iter()
        .filter(|c| !matched.contains(c.name.as_ref()))
        .collect();
    for d in &dropped {
        for a in &added {
            if same_type(&d.ty, &a.ty) && d.nullable == a.nullable {
                out.hints.push(RenameHint {
                    table: Some(table.clone()),
                    dropped: d.name.clone(),
                    added: a.name.clone(),
                });
            }
        }
    }
    for column in added {
        let mut column = column.clone();
        column.renamed_from = None;
        changes.push(Change::AddColumn {
            table: table.clone(),
            column,
        });
    }
    for column in dropped {
        changes.push(Change::DropColumn {
            table: table.clone(),
            column: column.clone(),
        });
    }
    // A view over the table stops a column it reads from being dropped or
    // changed (PostgreSQL), or breaks when one is renamed (MySQL). A column
    // whose enum type gets other values is changed too, with no change of
    // its own here. Looked at only for a table that has a view.
    let stops_a_view = old.alias.is_some()
        && (old.name != new.name
            || changes[before..].iter().any(|c| {
                matches!(
                    c,
                    Change::DropColumn { .. } | Change::RenameColumn { .. } | Change::AlterColumn { .. }
                )
            })
            || new
                .columns
                .iter()
                .any(|c| old_column(old, new, c).is_some_and(|was| was.ty != c.ty)));
    diff_keys(old, new, names, changes);
    if old.comment != new.comment {
        changes.push(Change::SetTableComment {
            table: table.clone(),
            from: old.comment.clone(),
            to: new.comment.clone(),
        });
    }
    diff_alias(old, new, stops_a_view, changes);
}

/// The table's view under another name ([`Table::alias`]) dropped, made,
/// or dropped and made `again` around changes it would stop.
fn diff_alias(old: &Table, new: &Table, again: bool, changes: &mut Vec<Change>) {
    if let Some(alias) = &old.alias
        && (old.alias != new.alias || again)
    {
        changes.push(Change::DropTableAlias {
            table: old.name.clone(),
            alias: alias.clone(),
        });
    }
    if let Some(alias) = &new.alias
        && (old.alias != new.alias || again)
    {
        changes.push(Change::AddTableAlias {
            table: new.name.clone(),
            alias: alias.clone(),
        });
    }
}

/// Whether two column types are the same; enum types by name only, since
/// their values are diffed once per type.
fn same_type(a: &SqlType, b: &SqlType) -> bool {
    match (a, b) {
        (SqlType::Enum(a), SqlType::Enum(b)) => a.name == b.name,
        _ => a == b,
    }
}

fn diff_keys(old: &Table, new: &Table, names: &Names<'_>, changes: &mut Vec<Change>) {
    let t = &new.name;
    let o = old.name.as_ref();
    let cols = |c: &[Str]| names.columns(o, c);
    let new_cols = |c: &[Str]| c.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    let rename_constraint = |from: &Str, to: &Str| Change::RenameConstraint {
        table: t.clone(),
        from: from.clone(),
        to: to.clone(),
    };

    match (&old.primary_key, &new.primary_key) {
        (Some(a), Some(b)) if cols(&a.columns) == new_cols(&b.columns) => {
            if a.name != b.name {
                changes.push(rename_constraint(name(&a.name), name(&b.name)));
            }
        }
        (a, b) => {
            if let Some(key) = a {
                changes.push(Change::DropPrimaryKey {
                    table: t.clone(),
                    key: key.clone(),
                });
            }
            if let Some(key) = b {
                changes.push(Change::AddPrimaryKey {
                    table: t.clone(),
                    key: key.clone(),
                });
            }
        }
    }

    let (gone, added, renamed) = pair(
        &old.indexes,
        &new.indexes,
        |i| {
            (
                cols(&i.columns),
                i.unique,
                i.predicate.clone(),
                i.descending.clone(),
                (i.method.clone(), i.operator_classes.clone(), cols(&i.include)),
                i.expressions.clone(),
            )
        },
        |i| {
            (
                new_cols(&i.columns),
                i.unique,
                i.predicate.clone(),
                i.descending.clone(),
                (i.method.clone(), i.operator_classes.clone(), new_cols(&i.include)),
                i.expressions.clone(),
            )
        },
        |i| &i.name,
    );
    for (from, to) in renamed {
        changes.push(Change::RenameIndex {
            table: t.clone(),
            from: from.clone(),
            to: to.clone(),
        });
    }
    changes.extend(gone.into_iter().map(|i| Change::DropIndex {
        table: t.clone(),
        index: i.clone(),
    }));
    changes.extend(added.into_iter().map(|i| Change::AddIndex {
        table: t.clone(),
        index: i.clone(),
    }));

    let (gone, added, renamed) = pair(
        &old.unique_constraints,
        &new.unique_constraints,
        |u| cols(&u.columns),
        |u| new_cols(&u.columns),
        |u| &u.name,
    );
    changes.extend(renamed.into_iter().map(|(a, b)| rename_constraint(a, b)));
    changes.extend(gone.into_iter().map(|u| Change::DropUnique {
        table: t.clone(),
        constraint: u.clone(),
    }));
    changes.extend(added.into_iter().map(|u| Change::AddUnique {
        table: t.clone(),
        constraint: u.clone(),
    }));

    let (gone, added, renamed) = pair(
        &old.foreign_keys,
        &new.foreign_keys,
        |k| {
            let referred = names.table(&k.referred_table).to_owned();
            let referred_cols = names.columns(&k.referred_table, &k.referred_columns);
            (
                cols(&k.columns),
                referred,
                referred_cols,
                k.on_delete,
                k.on_update,
            )
        },
        |k| {
            let referred = k.referred_table.to_string();
            (
                new_cols(&k.columns),
                referred,
                new_cols(&k.referred_columns),
                k.on_delete,
                k.on_update,
            )
        },
        |k| &k.name,
    );
    changes.extend(renamed.into_iter().map(|(a, b)| rename_constraint(a, b)));
    changes.extend(gone.into_iter().map(|k| Change::DropForeignKey {
        table: t.clone(),
        key: k.clone(),
    }));
    changes.extend(added.into_iter().map(|k| Change::AddForeignKey {
        table: t.clone(),
        key: k.clone(),
    }));

    let (gone, added, renamed) = pair(
        &old.checks,
        &new.checks,
        |c| c.expr.to_string(),
        |c| c.expr.to_string(),
        |c| &c.name,
    );
    changes.extend(renamed.into_iter().map(|(a, b)| rename_constraint(a, b)));
    changes.extend(gone.into_iter().map(|c| Change::DropCheck {
        table: t.clone(),
        check: c.clone(),
    }));
    changes.extend(added.into_iter().map(|c| Change::AddCheck {
        table: t.clone(),
        check: c.clone(),
    }));
}

/// A name that resolution has filled in.
fn name(name: &Option<Str>) -> &Str {
    name.as_ref()
        .expect("a resolved schema names every key and constraint")
}

/// The name of something that may be named or always is.
trait Named {
    fn name(&self) -> &Str;
}

impl Named for Option<Str> {
    fn name(&self) -> &Str {
        name(self)
    }
}

impl Named for Str {
    fn name(&self) -> &Str {
        self
    }
}

/// Matches old and new items by `key` (the old side's names mapped to new
/// ones): the unmatched old ones, the unmatched new ones, and the name pairs of
/// matches whose names differ. Items of one name are preferred as partners.
fn pair<'a, T, K: PartialEq, N: Named + 'a>(
    old: &'a [T],
    new: &'a [T],
    old_key: impl Fn(&T) -> K,
    new_key: impl Fn(&T) -> K,
    name_of: impl Fn(&'a T) -> &'a N,
) -> (Vec<&'a T>, Vec<&'a T>, Vec<(&'a Str, &'a Str)>) {
    let old_keys: Vec<K> = old.iter().map(&old_key).collect();
    let mut taken = vec![false; old.len()];
    let mut added = Vec::new();
    let mut renamed = Vec::new();
    for item in new {
        let key = new_key(item);
        let candidates = || (0..old.len()).filter(|&i| !taken[i] && old_keys[i] == key);
        let same_name = candidates().find(|&i| name_of(&old[i]).name() == name_of(item).name());
        match same_name.or_else(|| candidates().next()) {
            Some(i) => {
                taken[i] = true;
                let (a, b) = (name_of(&old[i]).name(), name_of(item).name());
                if a != b {
                    renamed.push((a, b));
                }
            }
            None => added.push(item),
        }
    }
    let gone = old
        .iter()
        .zip(&taken)
        .filter(|(_, t)| !**t)
        .map(|(o, _)| o)
        .collect();
    (gone, added, renamed)
}

fn diff_enums(from: &Schema, to: &Schema, changes: &mut Vec<Change>) {
    let old: BTreeMap<&str, &EnumType> = from.enums().into_iter().map(|e| (e.name.as_ref(), e)).collect();
    let new: BTreeMap<&str, &EnumType> = to.enums().into_iter().map(|e| (e.name.as_ref(), e)).collect();
    for (name, e) in &new {
        let Some(was) = old.get(name) else {
            changes.push(Change::CreateEnum(e.without_hints()));
            continue;
        };
        let had = |v: &str| was.values.iter().any(|w| w.name == v);
        let has = |v: &str| e.values.iter().any(|w| w.name == v);
        // Old value → new value, for renamed and kept values.
        let mut kept: BTreeMap<&str, &str> = BTreeMap::new();
        for value in e.values.iter() {
            if had(&value.name) {
                kept.insert(&value.name, &value.name);
            } else if let Some(from) = value.renamed_from.as_deref().filter(|f| had(f) && !has(f)) {
                kept.insert(from, &value.name);
                changes.push(Change::RenameEnumValue {
                    name: e.name.clone(),
                    from: from.to_owned().into(),
                    to: value.name.clone(),
                });
            }
        }
        let surviving: BTreeSet<&str> = kept.values().copied().collect();
        for (i, value) in e.values.iter().enumerate() {
            if surviving.contains(value.name.as_ref()) {
                continue;
            }
            let before = e.values[i + 1..]
                .iter()
                .find(|v| surviving.contains(v.name.as_ref()))
                .map(|v| v.name.clone());
            changes.push(Change::AddEnumValue {
                name: e.name.clone(),
                value: value.name.clone(),
                before,
            });
        }
        // The order the changes above leave: the kept values in their old
        // order under their new names, each added value before the kept
        // value that follows it in the model.
        let mut order: Vec<Str> = was
            .values
            .iter()
            .filter_map(|v| kept.get(v.name.as_ref()).map(|n| Str::from(n.to_string())))
            .collect();
        for (i, value) in e.values.iter().enumerate() {
            if surviving.contains(value.name.as_ref()) {
                continue;
            }
            let before = e.values[i + 1..]
                .iter()
                .find(|v| surviving.contains(v.name.as_ref()));
            let at = before
                .and_then(|b| order.iter().position(|o| *o == b.name))
                .unwrap_or(order.len());
            order.insert(at, value.name.clone());
        }
        let wanted: Vec<Str> = e.values.iter().map(|v| v.name.clone()).collect();
        let reorder = (order != wanted).then(|| Change::ReorderEnumValues {
            name: e.name.clone(),
            from: order,
            to: wanted,
        });
        for (i, value) in was.values.iter().enumerate() {
            if kept.contains_key(value.name.as_ref()) {
                continue;
            }
            // The downgrade puts the dropped values back in reverse order, so
            // the value that followed this one is there again by then: by its
            // new name if it was kept, else as it was.
            let before = was.values.get(i + 1).map(|v| match kept.get(v.name.as_ref()) {
                Some(kept) => Str::from(kept.to_string()),
                None => v.name.clone(),
            });
            changes.push(Change::DropEnumValue {
                name: e.name.clone(),
                value: value.name.clone(),
                before,
            });
        }
        // Last, after the values dropped: the plan keeps this order.
        changes.extend(reorder);
    }
    for (name, e) in &old {
        if !new.contains_key(name) {
            changes.push(Change::DropEnum(e.without_hints()));
        }
    }
}

#[cfg(test)]
mod tests;
