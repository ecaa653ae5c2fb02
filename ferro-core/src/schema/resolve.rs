//! From descriptors to a resolved, validated [`Schema`].

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::fragment::{self, FragmentError};
use super::naming::{self, MAX_IDENTIFIER_BYTES};
use super::{
    Action, Column, EnumType, ForeignKey, Index, JoinSide, ManyToMany, PrimaryKey, SqlType, Str, Table, View,
};

/// A resolved set of tables: every constraint named, every many-to-many relation
/// expanded into its join table, every reference checked, and everything in a
/// canonical order (tables, indexes and constraints by name; columns as declared),
/// so that the same models always give an equal `Schema` and the same JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Schema {
    tables: Vec<Table>,
    views: Vec<View>,
}

/// Why a set of tables is not a valid schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// Two tables have the same name.
    #[error("table `{0}` is declared twice")]
    DuplicateTable(String),
    /// Two columns of one table have the same name.
    #[error("table `{table}` has two columns named `{column}`")]
    DuplicateColumn {
        /// The table.
        table: String,
        /// The repeated column name.
        column: String,
    },
    /// A key, index or constraint names a column the table does not have.
    #[error("{object} of table `{table}` names column `{column}`, which the table does not have")]
    UnknownColumn {
        /// The table.
        table: String,
        /// What names the column (`index `ix_users_email``, ...).
        object: String,
        /// The missing column.
        column: String,
    },
    /// A foreign key refers to a table that is not in the schema.
    #[error(
        "foreign key `{name}` of table `{table}` refers to table `{referred}`, which is not in the schema"
    )]
    UnknownReferredTable {
        /// The referencing table.
        table: String,
        /// The foreign key.
        name: String,
        /// The missing table.
        referred: String,
    },
    /// A foreign key refers to a column that its referred table does not have.
    #[error("foreign key `{name}` of table `{table}` refers to `{referred}.{column}`, which does not exist")]
    UnknownReferredColumn {
        /// The referencing table.
        table: String,
        /// The foreign key.
        name: String,
        /// The referred table.
        referred: String,
        /// The missing column.
        column: String,
    },
    /// A foreign key's two column lists differ in length.
    #[error("foreign key `{name}` of table `{table}` has {columns} column(s) but refers to {referred}")]
    ForeignKeyArity {
        /// The referencing table.
        table: String,
        /// The foreign key.
        name: String,
        /// How many referencing columns.
        columns: usize,
        /// How many referred columns.
        referred: usize,
    },
    /// `SET NULL` on a column that cannot hold NULL.
    #[error("foreign key `{name}` of table `{table}` sets `{column}` to NULL, but the column is NOT NULL")]
    SetNullOnRequiredColumn {
        /// The table.
        table: String,
        /// The foreign key.
        name: String,
        /// The NOT NULL column.
        column: String,
    },
    /// A primary-key column accepts NULL.
    #[error("primary-key column `{table}.{column}` cannot be NULL-able")]
    NullablePrimaryKey {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A column auto-increments but is not an integer primary key of one column.
    #[error("column `{table}.{column}` auto-increments, which only an integer primary key of one column can")]
    InvalidAutoIncrement {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// Two indexes or constraints would have the same name.
    #[error("the name `{name}` is used twice (in table `{table}`)")]
    DuplicateName {
        /// The table of the second use.
        table: String,
        /// The repeated name.
        name: String,
    },
    /// A name is empty or longer than the databases keep.
    #[error("the name `{name}` is {len} bytes; names must have 1 to {MAX_IDENTIFIER_BYTES} bytes")]
    BadName {
        /// The name.
        name: String,
        /// Its length in bytes.
        len: usize,
    },
    /// A view reads a table or view the schema does not have.
    #[error("view `{view}` reads `{name}`, which is neither a table nor a view of the schema")]
    UnknownRead {
        /// The view.
        view: String,
        /// What it names.
        name: String,
    },
    /// Views that read each other round in a circle.
    #[error("view `{0}` reads itself, through the views it reads")]
    ViewCycle(String),
    /// A view's query is not one piece of SQL.
    #[error("the SQL of view `{view}` (`{sql}`) does not stay within its statement: {source}")]
    BadView {
        /// The view.
        view: String,
        /// Its SQL.
        sql: String,
        /// What in it would leave the statement.
        #[source]
        source: FragmentError,
    },
    /// A name other than a table's holds a `.`, which SQL reads as a
    /// schema's name before a table's.
    #[error(
        "the name `{0}` holds a `.`; only a table's name may, after its PostgreSQL schema (`billing.invoices`)"
    )]
    DottedName(String),
    /// A key, index or constraint has no columns.
    #[error("{object} of table `{table}` has no columns")]
    NoKeyColumns {
        /// The table.
        table: String,
        /// What has no columns.
        object: String,
    },
    /// An index gives the order of another number of columns than it has.
    #[error("index `{name}` of table `{table}` gives an order for another number of columns than it has")]
    IndexOrder {
        /// The table.
        table: String,
        /// The index.
        name: String,
    },
    /// An index's method, operator classes or included columns do not fit
    /// it.
    #[error("index `{name}` of table `{table}`: {reason}")]
    IndexForm {
        /// The table.
        table: String,
        /// The index.
        name: String,
        /// What does not fit.
        reason: String,
    },
    /// A generated column has what it cannot.
    #[error("column `{column}` of table `{table}` is generated, but {reason}")]
    Generated {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Why not.
        reason: &'static str,
    },
    /// A column's collation cannot be.
    #[error("column `{column}` of table `{table}` has the collation `{collation}`, but {reason}")]
    Collation {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The collation.
        collation: String,
        /// Why not.
        reason: &'static str,
    },
    /// A table has no columns.
    #[error("table `{0}` has no columns")]
    NoColumns(String),
    /// An enum type has no values, or a value twice.
    #[error("enum type `{0}` must have at least one value and no value twice")]
    BadEnum(String),
    /// Two columns use enum types of one name with different values.
    #[error("enum type `{0}` is declared twice with different values")]
    ConflictingEnum(String),
    /// A default, a check or an SQL type that would not stay within the
    /// statement it is written into (see [`fragment`]).
    #[error(
        "{place} (`{text}`) does not stay within its statement: {source}; a default, a check or an SQL \
         type is one piece of SQL, with no `;` or comment outside quotes"
    )]
    BadFragment {
        /// What the text is: a column's default or SQL type, a check.
        place: String,
        /// The text.
        text: String,
        /// What in it would leave the statement.
        #[source]
        source: FragmentError,
    },
}

impl Schema {
    /// Resolves descriptors (from [`crate::Model::TABLE`], or built by hand) into a
    /// schema: names the unnamed constraints after [`naming`], expands
    /// many-to-many relations into join tables, sorts, and checks that every
    /// reference holds.
    ///
    /// Resolving a resolved schema's tables again gives an equal schema.
    ///
    /// Defaults, checks and SQL types are SQL written by the code's authors
    /// and must stay within the statement they are written into: a `;` or a
    /// comment outside quotes is an error here, at `cargo build`, rather than
    /// a second statement when the migration runs.
    pub fn new(tables: impl IntoIterator<Item = Table>) -> Result<Schema, SchemaError> {
        let schema = Schema::of_database(tables)?;
        let fragments = schema.tables.iter().flat_map(fragment::of_table);
        if let Some((place, text, source)) = fragment::first_bad(fragments) {
            return Err(SchemaError::BadFragment {
                place: place.to_string(),
                text: text.to_owned(),
                source,
            });
        }
        Ok(schema)
    }

    /// [`Schema::new`] for tables read back from a database: everything is
    /// checked but the text of defaults, checks and types, which is the
    /// database's own spelling of what it holds (a PostgreSQL check may use
    /// `#`, which MySQL would read as a comment), not SQL a model wrote.
    pub(crate) fn of_database(tables: impl IntoIterator<Item = Table>) -> Result<Schema, SchemaError> {
        let mut resolved = Vec::new();
        let mut joins = Vec::new();
        for mut table in tables {
            for relation in std::mem::take(&mut table.many_to_many).iter() {
                joins.push((resolved.len(), relation.clone()));
                resolved.push(join_table(&table, relation));
            }
            resolved.push(table);
        }
        follow_renames(&mut resolved, &joins);
        for table in &mut resolved {
            name_constraints(table);
        }
        resolved.sort_by(|a, b| a.name.cmp(&b.name));
        let schema = Schema {
            tables: resolved,
            views: Vec::new(),
        };
        schema.validate()?;
        Ok(schema)
    }

    /// [`Schema::new`] with views (from [`crate::ViewModel::VIEW`], or built
    /// by hand): each one's `reads` completed with every table and view its
    /// SQL names, checked to exist and not to read round in a circle, and
    /// its SQL checked to be one statement.
    pub fn with_views(
        tables: impl IntoIterator<Item = Table>,
        views: impl IntoIterator<Item = View>,
    ) -> Result<Schema, SchemaError> {
        let mut schema = Schema::new(tables)?;
        for view in views.into_iter().collect::<Vec<_>>().iter() {
            if let Err(source) = fragment::check(&view.sql) {
                return Err(SchemaError::BadView {
                    view: view.name.to_string(),
                    sql: view.sql.to_string(),
                    source,
                });
            }
            schema.views.push(view.clone());
        }
        schema.views = super::views::resolve(&schema.tables, std::mem::take(&mut schema.views))?;
        Ok(schema)
    }

    /// This schema with `views`, resolved as [`Schema::with_views`] does but
    /// for their SQL, which is a database's spelling, read back.
    #[cfg(feature = "runtime")]
    pub(crate) fn and_views(mut self, views: Vec<View>) -> Result<Schema, SchemaError> {
        self.views = super::views::resolve(&self.tables, views)?;
        Ok(self)
    }

    /// The views, sorted by name.
    pub fn views(&self) -> &[View] {
        &self.views
    }

    /// The view called `name`, if there is one.
    pub fn view(&self, name: &str) -> Option<&View> {
        self.views.iter().find(|v| v.name == name)
    }

    /// The tables, sorted by name.
    pub fn tables(&self) -> &[Table] {
        &self.tables
    }

    /// The table called `name`, if there is one.
    pub fn table(&self, name: &str) -> Option<&Table> {
        // The tables are kept sorted by name.
        let i = self.tables.binary_search_by(|t| t.name.as_ref().cmp(name)).ok()?;
        Some(&self.tables[i])
    }

    /// The PostgreSQL schemas (namespaces) that tables and their views
    /// name (`billing` of `billing.invoices`), each once, sorted.
    pub fn namespaces(&self) -> std::collections::BTreeSet<&str> {
        self.tables
            .iter()
            .flat_map(|t| std::iter::once(&t.name).chain(t.alias.as_ref()))
            .chain(self.views.iter().map(|v| &v.name))
            .filter_map(|name| naming::split(name).0)
            .collect()
    }

    /// The enum types that columns use, each once, sorted by name.
    pub fn enums(&self) -> Vec<&EnumType> {
        let mut seen = BTreeMap::new();
        for column in self.tables.iter().flat_map(|t| t.columns.iter()) {
            if let SqlType::Enum(e) = &column.ty {
                seen.entry(e.name.as_ref()).or_insert(e);
            }
        }
        seen.into_values().collect()
    }

    /// This schema without `renamed_from` hints: the state a snapshot records.
    pub fn without_hints(&self) -> Schema {
        Schema {
            tables: self.tables.iter().map(Table::without_hints).collect(),
            views: self.views.clone(),
        }
    }

    /// This schema's tables changed by `change`, which keeps every name: hints
    /// added or cleared, nothing that resolution or validation decide.
    pub(crate) fn with_hints(&self, change: impl Fn(&mut Table)) -> Schema {
        let mut tables = self.tables.clone();
        tables.iter_mut().for_each(change);
        Schema {
            tables,
            views: self.views.clone(),
        }
    }

    /// The tables, by value.
    pub fn into_tables(self) -> Vec<Table> {
        self.tables
    }

    // The checks use sorted lists and linear scans of one table's few names
    // rather than sets: a build script resolves the schema on every run,
    // unoptimised, and there a `BTreeSet` insert per name was most of the time
    // resolving a large schema took.
    fn validate(&self) -> Result<(), SchemaError> {
        // Relation names share one namespace across tables: (name, table).
        let mut relation_names: Vec<(&str, usize)> = Vec::new();
        let mut enums: BTreeMap<&str, &EnumType> = BTreeMap::new();
        for (i, table) in self.tables.iter().enumerate() {
            check_table_name(&table.name)?;
            // The tables are sorted by name, so a second one comes right after.
            if i > 0 && self.tables[i - 1].name == table.name {
                return Err(SchemaError::DuplicateTable(table.name.to_string()));
            }
            validate_columns(table, &mut enums)?;
            validate_keys(table, i, &mut relation_names)?;
            if let Some(alias) = &table.alias {
                // A view: a relation like the table, in the tables' namespace.
                check_table_name(alias)?;
                if self.table(alias).is_some() {
                    return Err(SchemaError::DuplicateTable(alias.to_string()));
                }
                relation_names.push((alias, i));
            }
            for fk in table.foreign_keys.iter() {
                self.validate_foreign_key(table, fk)?;
            }
        }
        relation_names.sort_unstable();
        let clash = relation_names
            .windows(2)
            .filter(|pair| pair[0].0 == pair[1].0)
            .map(|pair| pair[1])
            .min_by_key(|&(_, table)| table);
        if let Some((name, table)) = clash {
            return Err(SchemaError::DuplicateName {
                table: self.tables[table].name.to_string(),
                name: name.to_owned(),
            });
        }
        Ok(())
    }

    fn validate_foreign_key(&self, table: &Table, fk: &ForeignKey) -> Result<(), SchemaError> {
        let name = fk.name.as_deref().unwrap_or_default();
        let referred = self
            .table(&fk.referred_table)
            .ok_or_else(|| SchemaError::UnknownReferredTable {
                table: table.name.to_string(),
                name: name.to_owned(),
                referred: fk.referred_table.to_string(),
            })?;
        if fk.columns.len() != fk.referred_columns.len() || fk.columns.is_empty() {
            return Err(SchemaError::ForeignKeyArity {
                table: table.name.to_string(),
                name: name.to_owned(),
                columns: fk.columns.len(),
                referred: fk.referred_columns.len(),
            });
        }
        if let Some(column) = fk.referred_columns.iter().find(|c| referred.column(c).is_none()) {
            return Err(SchemaError::UnknownReferredColumn {
                table: table.name.to_string(),
                name: name.to_owned(),
                referred: referred.name.to_string(),
                column: column.to_string(),
            });
        }
        if fk.on_delete == Action::SetNull || fk.on_update == Action::SetNull {
            let required = fk
                .columns
                .iter()
                .find(|c| table.column(c).is_some_and(|c| !c.nullable));
            if let Some(column) = required {
                return Err(SchemaError::SetNullOnRequiredColumn {
                    table: table.name.to_string(),
                    name: name.to_owned(),
                    column: column.to_string(),
                });
            }
        }
        Ok(())
    }
}

fn validate_columns<'a>(
    table: &'a Table,
    enums: &mut BTreeMap<&'a str, &'a EnumType>,
) -> Result<(), SchemaError> {
    if table.columns.is_empty() {
        return Err(SchemaError::NoColumns(table.name.to_string()));
    }
    for (i, column) in table.columns.iter().enumerate() {
        check_name(&column.name)?;
        if table.columns[..i].iter().any(|c| c.name == column.name) {
            return Err(SchemaError::DuplicateColumn {
                table: table.name.to_string(),
                column: column.name.to_string(),
            });
        }
        if let SqlType::Enum(e) = &column.ty {
            // A PostgreSQL type may be in a schema too; MySQL's are read
            // back named after their column (`item.status`).
            check_table_name(&e.name)?;
            let repeated =
                (1..e.values.len()).any(|i| e.values[..i].iter().any(|v| v.name == e.values[i].name));
            if e.values.is_empty() || repeated {
                return Err(SchemaError::BadEnum(e.name.to_string()));
            }
            if enums
                .insert(e.name.as_ref(), e)
                .is_some_and(|earlier| earlier != e)
            {
                return Err(SchemaError::ConflictingEnum(e.name.to_string()));
            }
        }
        let single_key = table
            .primary_key
            .as_ref()
            .is_some_and(|pk| pk.columns.len() == 1 && pk.columns[0] == column.name);
        if column.auto_increment && !(single_key && column.ty.is_integer()) {
            return Err(SchemaError::InvalidAutoIncrement {
                table: table.name.to_string(),
                column: column.name.to_string(),
            });
        }
        if let Some(generated) = &column.generated {
            let in_key = table
                .primary_key
                .as_ref()
                .is_some_and(|pk| pk.columns.contains(&column.name));
            let reason = if column.default.is_some() {
                Some("a generated column has no default")
            } else if column.auto_increment || in_key {
                Some("a generated column is neither auto-incremented nor in the primary key")
            } else if !column.nullable {
                // MariaDB takes no NOT NULL on one, and its value is NULL
                // wherever what it is computed from is.
                Some("a generated column accepts NULL (an `Option` field)")
            } else if generated.expr.trim().is_empty() {
                Some("its expression is empty")
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(SchemaError::Generated {
                    table: table.name.to_string(),
                    column: column.name.to_string(),
                    reason,
                });
            }
        }
        if let Some(collation) = &column.collation {
            let reason = if !(column.ty.is_text() || matches!(column.ty, SqlType::Custom(_))) {
                Some("only a text column (or one of an `sql_type`) has a collation")
            } else if !is_collation_name(collation) {
                Some("a collation's name has letters, digits and `_`, `-`, `.`, `@` only")
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(SchemaError::Collation {
                    table: table.name.to_string(),
                    column: column.name.to_string(),
                    collation: collation.to_string(),
                    reason,
                });
            }
        }
    }
    Ok(())
}

/// Whether `name` can be a collation's name on some database: PostgreSQL's
/// `C`, `en_US.utf8` or `und-u-ks-level2`, MySQL's `utf8mb4_bin`, SQLite's
/// `NOCASE`. Nothing a name quoted in any dialect would need escaped.
pub(crate) fn is_collation_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_IDENTIFIER_BYTES
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'))
}

fn validate_keys<'a>(
    table: &'a Table,
    index: usize,
    relation_names: &mut Vec<(&'a str, usize)>,
) -> Result<(), SchemaError> {
    let unknown = |object: String, column: &str| SchemaError::UnknownColumn {
        table: table.name.to_string(),
        object,
        column: column.to_owned(),
    };
    // (what, its name, its columns); the description is written only for an error.
    let mut lists: Vec<(&str, &str, &[Str])> = Vec::new();
    if let Some(pk) = &table.primary_key {
        lists.push(("primary key", pk.name.as_deref().unwrap_or_default(), &pk.columns));
        for column in pk.columns.iter() {
            if table.column(column).is_some_and(|c| c.nullable) {
                return Err(SchemaError::NullablePrimaryKey {
                    table: table.name.to_string(),
                    column: column.to_string(),
                });
            }
        }
    }
    for ix in table.indexes.iter() {
        if ix.expressions.is_empty() {
            lists.push(("index", ix.name.as_deref().unwrap_or_default(), &ix.columns));
        }
        if !ix.descending.is_empty() && ix.descending.len() != ix.columns.len() {
            return Err(SchemaError::IndexOrder {
                table: table.name.to_string(),
                name: ix.name.as_deref().unwrap_or_default().to_owned(),
            });
        }
        if !ix.include.is_empty() {
            lists.push(("index", ix.name.as_deref().unwrap_or_default(), &ix.include));
        }
        index_form(ix).map_err(|reason| SchemaError::IndexForm {
            table: table.name.to_string(),
            name: ix.name.as_deref().unwrap_or_default().to_owned(),
            reason,
        })?;
    }
    for uq in table.unique_constraints.iter() {
        lists.push((
            "unique constraint",
            uq.name.as_deref().unwrap_or_default(),
            &uq.columns,
        ));
    }
    for fk in table.foreign_keys.iter() {
        lists.push(("foreign key", fk.name.as_deref().unwrap_or_default(), &fk.columns));
    }
    for &(what, name, columns) in &lists {
        if columns.is_empty() {
            return Err(SchemaError::NoKeyColumns {
                table: table.name.to_string(),
                object: format!("{what} `{name}`"),
            });
        }
        if let Some(column) = columns.iter().find(|c| table.column(c).is_none()) {
            return Err(unknown(format!("{what} `{name}`"), column));
        }
    }
    // Primary keys, indexes and unique constraints are relations (indexes) that
    // share one namespace per database schema; foreign keys and checks are named
    // per table.
    let duplicate = |name: &str| SchemaError::DuplicateName {
        table: table.name.to_string(),
        name: name.to_owned(),
    };
    let mut table_names: Vec<&str> = Vec::new();
    let relation = table.primary_key.iter().filter_map(|pk| pk.name.as_deref());
    let relation = relation
        .chain(table.indexes.iter().filter_map(|ix| ix.name.as_deref()))
        .chain(
            table
                .unique_constraints
                .iter()
                .filter_map(|uq| uq.name.as_deref()),
        );
    for name in relation {
        check_name(name)?;
        relation_names.push((name, index));
        if table_names.contains(&name) {
            return Err(duplicate(name));
        }
        table_names.push(name);
    }
    let local = table.foreign_keys.iter().filter_map(|fk| fk.name.as_deref());
    for name in local.chain(table.checks.iter().map(|ck| ck.name.as_ref())) {
        check_name(name)?;
        if table_names.contains(&name) {
            return Err(duplicate(name));
        }
        table_names.push(name);
    }
    Ok(())
}

fn check_name(name: &str) -> Result<(), SchemaError> {
    if name.is_empty() || name.len() > MAX_IDENTIFIER_BYTES {
        return Err(SchemaError::BadName {
            name: name.to_owned(),
            len: name.len(),
        });
    }
    if name.contains('.') {
        return Err(SchemaError::DottedName(name.to_owned()));
    }
    Ok(())
}

/// A table's (or a type's) name: a name, or a PostgreSQL schema's and a
/// name in it, each checked as a name (`billing.invoices`).
pub(super) fn check_table_name(name: &str) -> Result<(), SchemaError> {
    match naming::split(name) {
        (Some(schema), table) => {
            check_name(schema)?;
            check_name(table)
        }
        (None, table) => check_name(table),
    }
}

/// What is wrong with an index's method, operator classes and included
/// columns, by PostgreSQL's rules (the only database that has them): only a
/// B-tree is unique or ordered, and only a B-tree, GiST or SP-GiST index
/// includes columns.
fn index_form(ix: &Index) -> Result<(), String> {
    if !ix.expressions.is_empty() {
        if ix.name.is_none() {
            return Err("an index on expressions needs a name".into());
        }
        if !ix.columns.is_empty() {
            return Err("it has both columns and expressions; write each column as an expression".into());
        }
        if !ix.descending.is_empty() || !ix.operator_classes.is_empty() {
            return Err("an index on expressions has no order or operator class of its own here".into());
        }
        if let Some(e) = ix.expressions.iter().find(|e| e.trim().is_empty()) {
            return Err(format!("the expression `{e}` is empty"));
        }
        // The database keeps such an index as one of columns.
        let bare = |e: &str| {
            let e = e.trim().trim_matches('"');
            !e.is_empty() && e.chars().all(|c| c.is_alphanumeric() || c == '_')
        };
        if ix.expressions.iter().all(|e| bare(e)) {
            return Err("its expressions are all column names: declare it on the columns".into());
        }
    }
    let method = ix.method.as_deref().unwrap_or("btree");
    if !is_word(method) {
        return Err(format!("`{method}` is not an index method's name"));
    }
    if ix.operator_classes.len() > ix.columns.len() {
        return Err("it gives an operator class for a column it does not have".into());
    }
    for class in ix.operator_classes.iter().flatten() {
        let mut parts = class.split('.');
        let qualified = parts.clone().count() <= 2;
        if !(qualified && parts.all(is_word)) {
            return Err(format!("`{class}` is not an operator class's name"));
        }
    }
    if let Some(both) = ix.include.iter().find(|c| ix.columns.contains(c)) {
        return Err(format!("it includes `{both}`, which is one of its key columns"));
    }
    if let Some((i, _)) = ix
        .include
        .iter()
        .enumerate()
        .find(|(i, c)| ix.include[..*i].contains(c))
    {
        return Err(format!("it includes `{}` twice", ix.include[i]));
    }
    if method != "btree" {
        if ix.unique {
            return Err(format!(
                "it is unique, and only a btree index can be (not {method})"
            ));
        }
        if !ix.descending.is_empty() {
            return Err(format!(
                "it has a descending column, and only a btree index has an order (not {method})"
            ));
        }
        if !ix.include.is_empty() && !matches!(method, "gist" | "spgist") {
            return Err(format!("it includes columns, which a {method} index cannot"));
        }
    }
    Ok(())
}

/// A lower-case SQL word: what PostgreSQL reads back unquoted as written.
fn is_word(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Fills in every constraint name a descriptor left to the convention, and puts
/// indexes and constraints in name order.
fn name_constraints(table: &mut Table) {
    let t = table.name.to_string();
    if let Some(pk) = &mut table.primary_key {
        pk.name.get_or_insert_with(|| naming::primary_key(&t).into());
    }
    let indexes = table.indexes.to_mut();
    for ix in indexes.iter_mut().filter(|ix| ix.expressions.is_empty()) {
        ix.name
            .get_or_insert_with(|| naming::index(&t, &ix.columns).into());
    }
    for ix in indexes.iter_mut() {
        // Every column ascending is said one way: no order.
        if ix.descending.iter().all(|d| !d) {
            ix.descending = Vec::new().into();
        }
        // So is the default method, and every column's default class.
        if ix.method.as_deref() == Some("btree") {
            ix.method = None;
        }
        if ix.operator_classes.iter().all(Option::is_none) {
            ix.operator_classes = Vec::new().into();
        }
    }
    indexes.sort_by(|a, b| a.name.cmp(&b.name));
    let uniques = table.unique_constraints.to_mut();
    for uq in uniques.iter_mut() {
        uq.name
            .get_or_insert_with(|| naming::unique(&t, &uq.columns).into());
    }
    uniques.sort_by(|a, b| a.name.cmp(&b.name));
    let fks = table.foreign_keys.to_mut();
    for fk in fks.iter_mut() {
        let first = fk.columns.first().map(|c| c.as_ref()).unwrap_or_default();
        let name = naming::foreign_key(&t, first, &fk.referred_table);
        fk.name.get_or_insert_with(|| name.into());
    }
    fks.sort_by(|a, b| a.name.cmp(&b.name));
    table.checks.to_mut().sort_by(|a, b| a.name.cmp(&b.name));
}

/// Gives the join tables at `joins` (index, relation) the `renamed_from`
/// hints their sides imply: a join table named after its sides is renamed
/// with them, and a join column named after a side's key column with it, so
/// that renaming a model keeps the rows of its many-to-many relations.
fn follow_renames(tables: &mut [Table], joins: &[(usize, ManyToMany)]) {
    let was = |tables: &[Table], side: &JoinSide| -> (Str, Str) {
        let table = tables.iter().find(|t| t.name == side.table);
        let old_table = table
            .and_then(|t| t.renamed_from.clone())
            .unwrap_or_else(|| side.table.clone());
        let old_key = table
            .and_then(|t| t.column(&side.key_column))
            .and_then(|c| c.renamed_from.clone())
            .unwrap_or_else(|| side.key_column.clone());
        (old_table, old_key)
    };
    for (at, relation) in joins {
        let (source, target) = (&relation.source, &relation.target);
        let (old_source, old_source_key) = was(tables, source);
        let (old_target, old_target_key) = was(tables, target);
        let join = &mut tables[*at];
        if relation.table.is_none() && (old_source != source.table || old_target != target.table) {
            join.renamed_from = Some(format!("{old_source}_{}", naming::bare(&old_target)).into());
        }
        let same_model = source.model == target.model;
        for (side, old_key, prefix) in [(source, old_source_key, "from_"), (target, old_target_key, "to_")] {
            if old_key == side.key_column {
                continue;
            }
            let prefix = if same_model { prefix } else { "" };
            let now = format!("{prefix}{}_{}", side.model, side.key_column);
            if let Some(column) = join.columns.to_mut().iter_mut().find(|c| c.name == now) {
                column.renamed_from = Some(format!("{prefix}{}_{old_key}", side.model).into());
            }
        }
    }
}

/// The join table of a many-to-many relation: one column per side named
/// `<model>_<key column>` (`from_` and `to_` in front when both sides are the same
/// model), both together the primary key, each a CASCADE foreign key to its side.
fn join_table(owner: &Table, relation: &ManyToMany) -> Table {
    let (source, target) = (&relation.source, &relation.target);
    let name: Str = match &relation.table {
        Some(name) => name.clone(),
        None => format!("{}_{}", owner.name, naming::bare(&target.table)).into(),
    };
    let same_model = source.model == target.model;
    let sides = [(source, "from_"), (target, "to_")].map(|(side, prefix)| {
        let prefix = if same_model { prefix } else { "" };
        (
            side,
            Str::from(format!("{prefix}{}_{}", side.model, side.key_column)),
        )
    });
    Table {
        name,
        columns: sides
            .iter()
            .map(|(side, column)| Column::new(column.clone(), side.key_type.clone()))
            .collect(),
        primary_key: Some(PrimaryKey {
            name: None,
            columns: sides.iter().map(|(_, column)| column.clone()).collect(),
        }),
        indexes: Cow::Borrowed(&[]),
        unique_constraints: Cow::Borrowed(&[]),
        foreign_keys: sides
            .iter()
            .map(|(side, column)| ForeignKey {
                name: None,
                columns: vec![column.clone()].into(),
                referred_table: side.table.clone(),
                referred_columns: vec![side.key_column.clone()].into(),
                on_delete: Action::Cascade,
                on_update: Action::NoAction,
            })
            .collect(),
        checks: Cow::Borrowed(&[]),
        many_to_many: Cow::Borrowed(&[]),
        comment: None,
        renamed_from: None,
        alias: None,
    }
}

#[cfg(test)]
mod tests;
