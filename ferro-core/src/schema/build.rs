//! Constructors for the schema types, as migration files use them.
//!
//! The derive writes descriptors as `const` struct literals; a migration file
//! (generated or hand-written) reads better with constructors:
//! `Column::new("age", SqlType::Integer).nullable()`.

use super::{Action, Check, Column, EnumType, EnumValue, ForeignKey, Index, PrimaryKey, SqlType, Str};
use super::{Table, UniqueConstraint, View};

fn names<I, S>(columns: I) -> super::List<Str>
where
    I: IntoIterator<Item = S>,
    S: Into<Str>,
{
    columns.into_iter().map(Into::into).collect()
}

impl SqlType {
    /// `TIMESTAMPTZ`: an instant.
    pub const TIMESTAMPTZ: SqlType = SqlType::Timestamp { with_time_zone: true };

    /// `TIMESTAMP`: a wall-clock date and time.
    pub const TIMESTAMP: SqlType = SqlType::Timestamp {
        with_time_zone: false,
    };

    /// `NUMERIC` without precision or scale.
    pub const NUMERIC: SqlType = SqlType::Numeric {
        precision: None,
        scale: None,
    };

    /// `NUMERIC(precision, scale)`.
    pub const fn numeric(precision: u16, scale: u16) -> SqlType {
        SqlType::Numeric {
            precision: Some(precision),
            scale: Some(scale),
        }
    }

    /// A type given verbatim: SQL written by the code's authors, never built
    /// from user input.
    pub fn custom(sql: impl Into<Str>) -> SqlType {
        SqlType::Custom(sql.into())
    }

    /// An enum type with these values, in order.
    pub fn enumeration<I, S>(name: impl Into<Str>, values: I) -> SqlType
    where
        I: IntoIterator<Item = S>,
        S: Into<Str>,
    {
        SqlType::Enum(EnumType {
            name: name.into(),
            values: values
                .into_iter()
                .map(|v| EnumValue {
                    name: v.into(),
                    renamed_from: None,
                })
                .collect(),
        })
    }
}

impl Column {
    /// A NOT NULL column without default or comment.
    pub fn new(name: impl Into<Str>, ty: SqlType) -> Column {
        Column::plain(name.into(), ty)
    }

    /// [`Column::new`] as a `const fn`, for the constants the derive writes.
    pub(crate) const fn plain(name: Str, ty: SqlType) -> Column {
        Column {
            name,
            ty,
            nullable: false,
            default: None,
            auto_increment: false,
            comment: None,
            collation: None,
            generated: None,
            renamed_from: None,
        }
    }

    /// The column accepts NULL.
    pub fn nullable(mut self) -> Column {
        self.nullable = true;
        self
    }

    /// The column's server default, an SQL expression: SQL written by the
    /// code's authors, never built from user input.
    pub fn default(mut self, sql: impl Into<Str>) -> Column {
        self.default = Some(sql.into());
        self
    }

    /// The column takes the next number when a row is inserted without it.
    pub fn auto_increment(mut self) -> Column {
        self.auto_increment = true;
        self
    }

    /// The column's comment.
    pub fn comment(mut self, text: impl Into<Str>) -> Column {
        self.comment = Some(text.into());
        self
    }

    /// The database computes the column from `expr`, an SQL expression
    /// over the row's other columns; `stored` keeps the value in the row.
    pub fn generated(mut self, expr: impl Into<Str>, stored: bool) -> Column {
        self.generated = Some(super::Generated {
            expr: expr.into(),
            stored,
        });
        self
    }

    /// The column's text is compared and sorted by collation `name`, a
    /// name of the database's own.
    pub fn collation(mut self, name: impl Into<Str>) -> Column {
        self.collation = Some(name.into());
        self
    }
}

impl PrimaryKey {
    /// A primary key over these columns.
    pub fn new<I, S>(name: impl Into<Str>, columns: I) -> PrimaryKey
    where
        I: IntoIterator<Item = S>,
        S: Into<Str>,
    {
        PrimaryKey {
            name: Some(name.into()),
            columns: names(columns),
        }
    }
}

impl Index {
    /// A (non-unique) index over these columns.
    pub fn new<I, S>(name: impl Into<Str>, columns: I) -> Index
    where
        I: IntoIterator<Item = S>,
        S: Into<Str>,
    {
        Index::plain(Some(name.into()), names(columns))
    }

    /// An index over these columns with nothing else, as a `const fn`, for
    /// the constants the derive writes.
    pub(crate) const fn plain(name: Option<Str>, columns: super::List<Str>) -> Index {
        Index {
            name,
            columns,
            unique: false,
            predicate: None,
            descending: super::List::Borrowed(&[]),
            method: None,
            operator_classes: super::List::Borrowed(&[]),
            include: super::List::Borrowed(&[]),
            expressions: super::List::Borrowed(&[]),
        }
    }

    /// An index whose key is these SQL expressions (`lower(email)`) rather
    /// than columns.
    pub fn on_expressions<I, S>(name: impl Into<Str>, expressions: I) -> Index
    where
        I: IntoIterator<Item = S>,
        S: Into<Str>,
    {
        Index {
            expressions: names(expressions),
            ..Index::new(name, Vec::<Str>::new())
        }
    }

    /// The index rejects duplicate keys.
    pub fn unique(mut self) -> Index {
        self.unique = true;
        self
    }

    /// The columns named in `columns` are in descending order, the others
    /// ascending.
    pub fn descending<I, S>(mut self, columns: I) -> Index
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let down: Vec<S> = columns.into_iter().collect();
        self.descending = self
            .columns
            .iter()
            .map(|c| down.iter().any(|d| d.as_ref() == c.as_ref()))
            .collect();
        self
    }

    /// Whether column number `i` descends.
    pub fn is_descending(&self, i: usize) -> bool {
        self.descending.get(i).copied().unwrap_or(false)
    }

    /// The index uses this access method (PostgreSQL's `gin`, `gist`, ...)
    /// rather than a B-tree.
    pub fn using(mut self, method: impl Into<Str>) -> Index {
        self.method = Some(method.into());
        self
    }

    /// Column `column` uses operator class `class` (PostgreSQL's
    /// `jsonb_path_ops`, `gin_trgm_ops`, ...) rather than its type's default.
    /// A column the index does not have is a schema error when the schema
    /// is made.
    pub fn operator_class(mut self, column: impl AsRef<str>, class: impl Into<Str>) -> Index {
        let at = self.columns.iter().position(|c| c.as_ref() == column.as_ref());
        let classes = self.operator_classes.to_mut();
        classes.resize(self.columns.len(), None);
        match at {
            Some(i) => classes[i] = Some(class.into()),
            // Recorded past the columns, where the schema's check finds it.
            None => classes.push(Some(class.into())),
        }
        self
    }

    /// Column number `i`'s operator class, when not its default.
    pub fn operator_class_of(&self, i: usize) -> Option<&str> {
        self.operator_classes.get(i).and_then(|c| c.as_deref())
    }

    /// The index also stores these columns, outside its key (PostgreSQL's
    /// `INCLUDE`).
    pub fn include<I, S>(mut self, columns: I) -> Index
    where
        I: IntoIterator<Item = S>,
        S: Into<Str>,
    {
        self.include = names(columns);
        self
    }

    /// The index covers only the rows `sql` (a boolean SQL expression) is
    /// true of: a partial index.
    pub fn predicate(mut self, sql: impl Into<Str>) -> Index {
        self.predicate = Some(sql.into());
        self
    }
}

impl UniqueConstraint {
    /// A unique constraint over these columns.
    pub fn new<I, S>(name: impl Into<Str>, columns: I) -> UniqueConstraint
    where
        I: IntoIterator<Item = S>,
        S: Into<Str>,
    {
        UniqueConstraint {
            name: Some(name.into()),
            columns: names(columns),
        }
    }
}

impl ForeignKey {
    /// A foreign key from `columns` to `referred_columns` of `referred_table`,
    /// with `NO ACTION` on delete and on update.
    pub fn new<I, S, J, T>(
        name: impl Into<Str>,
        columns: I,
        referred_table: impl Into<Str>,
        referred_columns: J,
    ) -> ForeignKey
    where
        I: IntoIterator<Item = S>,
        S: Into<Str>,
        J: IntoIterator<Item = T>,
        T: Into<Str>,
    {
        ForeignKey {
            name: Some(name.into()),
            columns: names(columns),
            referred_table: referred_table.into(),
            referred_columns: names(referred_columns),
            on_delete: Action::NoAction,
            on_update: Action::NoAction,
        }
    }

    /// What deleting the referred row does.
    pub fn on_delete(mut self, action: Action) -> ForeignKey {
        self.on_delete = action;
        self
    }

    /// What updating the referred key does.
    pub fn on_update(mut self, action: Action) -> ForeignKey {
        self.on_update = action;
        self
    }
}

impl Check {
    /// A check constraint: `expr` must hold for every row. `expr` is SQL
    /// written by the code's authors, never built from user input.
    pub fn new(name: impl Into<Str>, expr: impl Into<Str>) -> Check {
        Check {
            name: name.into(),
            expr: expr.into(),
        }
    }
}

impl Table {
    /// A table with this name and nothing in it yet.
    pub fn new(name: impl Into<Str>) -> Table {
        Table {
            name: name.into(),
            columns: Default::default(),
            primary_key: None,
            indexes: Default::default(),
            unique_constraints: Default::default(),
            foreign_keys: Default::default(),
            checks: Default::default(),
            many_to_many: Default::default(),
            comment: None,
            renamed_from: None,
            alias: None,
        }
    }
}

impl EnumType {
    /// This type without `renamed_from` hints on its values.
    pub fn without_hints(&self) -> EnumType {
        let mut e = self.clone();
        for value in e.values.to_mut() {
            value.renamed_from = None;
        }
        e
    }
}

impl Table {
    /// This table without `renamed_from` hints, as the database has it: the
    /// state a snapshot records. Hints describe a change, not a state.
    pub fn without_hints(&self) -> Table {
        let mut t = self.clone();
        t.renamed_from = None;
        // Copied only when there is a hint to clear: a model's lists are
        // borrowed from its static descriptor.
        if t.columns
            .iter()
            .any(|c| c.renamed_from.is_some() || has_hints(&c.ty))
        {
            for column in t.columns.to_mut() {
                column.renamed_from = None;
                column.ty = type_without_hints(&column.ty);
            }
        }
        if t.many_to_many
            .iter()
            .any(|m| has_hints(&m.source.key_type) || has_hints(&m.target.key_type))
        {
            for m in t.many_to_many.to_mut() {
                m.source.key_type = type_without_hints(&m.source.key_type);
                m.target.key_type = type_without_hints(&m.target.key_type);
            }
        }
        t
    }
}

/// Whether `ty` is an enum with a renamed value.
fn has_hints(ty: &SqlType) -> bool {
    matches!(ty, SqlType::Enum(e) if e.values.iter().any(|v| v.renamed_from.is_some()))
}

fn type_without_hints(ty: &SqlType) -> SqlType {
    match ty {
        SqlType::Enum(e) => SqlType::Enum(e.without_hints()),
        other => other.clone(),
    }
}

impl View {
    /// The view `name` of the query `sql`.
    ///
    /// ```
    /// use ferro::schema::View;
    /// let v = View::new("paid_orders", "SELECT id, total FROM orders WHERE paid").materialized();
    /// assert!(v.materialized);
    /// ```
    pub fn new(name: impl Into<Str>, sql: impl Into<Str>) -> View {
        View {
            name: name.into(),
            sql: sql.into(),
            materialized: false,
            reads: std::borrow::Cow::Borrowed(&[]),
        }
    }

    /// A materialized view (PostgreSQL): the database keeps its rows.
    pub fn materialized(mut self) -> View {
        self.materialized = true;
        self
    }

    /// Tables and views it reads that its SQL does not name.
    pub fn reads<I, S>(mut self, names: I) -> View
    where
        I: IntoIterator<Item = S>,
        S: Into<Str>,
    {
        self.reads = names.into_iter().map(Into::into).collect::<Vec<_>>().into();
        self
    }
}
