//! The recorder a migration's `upgrade` and `downgrade` functions write to.

use super::op::{Op, Safety};
use crate::schema::UniqueConstraint;
use crate::schema::{Check, Column, EnumType, ForeignKey, Index, PrimaryKey, SqlType, Str, Table, View};

/// One recorded operation and its acknowledgement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The operation.
    pub op: Op,
    /// Whether someone has acknowledged that this operation loses data. Only a
    /// [`Safety::Destructive`] operation needs it.
    pub acknowledged: bool,
    /// Whether the step must run outside the migration's transaction (see
    /// [`Step::outside_transaction`]).
    pub outside_transaction: bool,
    /// Whether the step is built without blocking writes on PostgreSQL (see
    /// [`Step::concurrently`] and [`Step::validate_separately`]).
    pub online: bool,
    /// The [`lint`](super::lint) rules whose findings about this step are
    /// accepted, by code (see [`Step::accept`]).
    pub accepted: Vec<Str>,
    /// The function of an [`Op::Rust`] step.
    #[cfg(feature = "runtime")]
    pub rust: Option<RustStep>,
}

/// What a Rust data step returns: a future that borrows the connection.
#[cfg(feature = "runtime")]
pub type StepFuture<'c> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), sqlx::Error>> + Send + 'c>>;

/// The function of a Rust data step: given the connection of the migration's
/// transaction, it reads and writes rows with sqlx. It runs in the migration's
/// transaction, so its failure rolls the whole migration back.
#[derive(Clone, Copy)]
#[cfg(feature = "runtime")]
pub struct RustStep(pub for<'c> fn(&'c mut crate::runtime::Connection) -> StepFuture<'c>);

#[cfg(feature = "runtime")]
impl std::fmt::Debug for RustStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RustStep(..)")
    }
}

/// Two steps with one name are the same step: functions have no equality
/// worth the name.
#[cfg(feature = "runtime")]
impl PartialEq for RustStep {
    fn eq(&self, _: &RustStep) -> bool {
        true
    }
}

#[cfg(feature = "runtime")]
impl Eq for RustStep {}

impl Step {
    /// Records whether the loss this operation causes is acknowledged. A
    /// destructive step is refused until this says `true`.
    pub fn acknowledged(&mut self, yes: bool) -> &mut Step {
        self.acknowledged = yes;
        self
    }

    /// Accepts what the [`lint`](super::lint) rule `code` (`"F101"`) finds
    /// about this step: `lint` still lists it, as accepted, and no longer
    /// counts it toward its exit code. Say why in a comment beside it.
    pub fn accept(&mut self, code: impl Into<Str>) -> &mut Step {
        self.accepted.push(code.into());
        self
    }

    /// Runs this step outside the migration's transaction, for statements a
    /// database refuses inside one (PostgreSQL's `CREATE INDEX CONCURRENTLY`).
    /// The migration then runs in parts: the steps before it in one
    /// transaction, the step on its own, the steps after it in another; the
    /// version table records each part done, so a failure part-way is resumed
    /// by the next `upgrade` rather than repeated.
    pub fn outside_transaction(&mut self) -> &mut Step {
        self.outside_transaction = true;
        self
    }

    /// For a large table on PostgreSQL: an index is created or dropped
    /// `CONCURRENTLY`, outside the migration's transaction, without blocking
    /// writes to the table; a named unique or primary key gets its index so,
    /// and is attached to it (`ADD CONSTRAINT .. UNIQUE USING INDEX`,
    /// `.. PRIMARY KEY USING INDEX`) in a
    /// transaction of its own at the end of the migration, which holds its
    /// lock briefly. On MySQL and MariaDB the statement asks for InnoDB's
    /// online form (`ALGORITHM=INPLACE, LOCK=NONE`), which the server then
    /// refuses rather than block writes (but for a unique key over a TEXT,
    /// BLOB or JSON column, which MariaDB builds only by copying the table).
    /// On SQLite the step runs as usual. On PostgreSQL the migration
    /// then runs in parts, as with [`Step::outside_transaction`]; a failed
    /// `CREATE INDEX CONCURRENTLY` leaves an invalid index to drop before
    /// the next `upgrade`. Refused, when the migration runs, on a step that
    /// does neither.
    pub fn concurrently(&mut self) -> &mut Step {
        self.online = true;
        self
    }

    /// For a large table on PostgreSQL: a foreign key or a check is added
    /// `NOT VALID` in the migration's transaction, which then checks only new
    /// rows and holds its lock briefly, and the existing rows are checked by
    /// `VALIDATE CONSTRAINT` in a transaction of its own at the end of the
    /// migration, which lets writes go on. A column made NOT NULL (and
    /// changed in nothing else) goes the same way through a check
    /// `c IS NOT NULL`, after whose validation `SET NOT NULL` needs no scan
    /// (PostgreSQL 12+) and the check is dropped. Elsewhere the step runs as
    /// usual. Refused, when the migration runs, on any other step.
    pub fn validate_separately(&mut self) -> &mut Step {
        self.online = true;
        self
    }

    /// For a large table on PostgreSQL and MySQL: a fill of NULLs runs
    /// outside the migration's transaction, 10,000 rows a transaction, until
    /// no row holds NULL, so that no row stays locked for long; stopped
    /// part-way, the next `upgrade` goes on with the rows left. An offline
    /// script shows the fill as one `UPDATE`. On SQLite the fill runs as
    /// usual. Refused, when the migration runs, on a step that is not a fill.
    pub fn in_batches(&mut self) -> &mut Step {
        self.online = true;
        self
    }

    /// Whether this step may run in an upgrade: it is not destructive, or it is
    /// acknowledged. A downgrade's steps need no acknowledgement: asking for the
    /// downgrade is the acknowledgement.
    pub fn is_cleared(&self) -> bool {
        self.acknowledged || self.op.safety() != Safety::Destructive
    }
}

/// The operations of one direction of a migration, in the order they run.
///
/// Each method records one [`Op`] and returns its [`Step`], on which a
/// destructive operation is acknowledged.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ops {
    steps: Vec<Step>,
}

/// Builds the table of [`Ops::create_table`].
#[derive(Debug)]
pub struct TableBuilder(Table);

/// A column of [`TableBuilder::column`], being defined.
#[derive(Debug)]
pub struct ColumnDef<'a>(&'a mut Column);

impl ColumnDef<'_> {
    /// The column accepts NULL.
    pub fn nullable(self) -> Self {
        self.0.nullable = true;
        self
    }

    /// The column's server default, an SQL expression: SQL written by the
    /// code's authors, never built from user input.
    pub fn default(self, sql: impl Into<Str>) -> Self {
        self.0.default = Some(sql.into());
        self
    }

    /// The column takes the next number when a row is inserted without it.
    pub fn auto_increment(self) -> Self {
        self.0.auto_increment = true;
        self
    }

    /// The column's comment.
    pub fn comment(self, text: impl Into<Str>) -> Self {
        self.0.comment = Some(text.into());
        self
    }

    /// The column's collation, a name of the database's own.
    pub fn collation(self, name: impl Into<Str>) -> Self {
        self.0.collation = Some(name.into());
        self
    }

    /// The database computes the column from `expr`; `stored` keeps the
    /// value in the row.
    pub fn generated(self, expr: impl Into<Str>, stored: bool) -> Self {
        self.0.generated = Some(crate::schema::Generated {
            expr: expr.into(),
            stored,
        });
        self
    }
}

impl TableBuilder {
    /// Adds a NOT NULL column without default; the returned [`ColumnDef`]
    /// changes that.
    pub fn column(&mut self, name: impl Into<Str>, ty: SqlType) -> ColumnDef<'_> {
        let columns = self.0.columns.to_mut();
        columns.push(Column::new(name, ty));
        ColumnDef(columns.last_mut().expect("a column was just pushed"))
    }

    /// Adds a column built elsewhere.
    pub fn add(&mut self, column: Column) -> &mut Self {
        self.0.columns.to_mut().push(column);
        self
    }

    /// Sets the primary key.
    pub fn primary_key<I, S>(&mut self, name: impl Into<Str>, columns: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<Str>,
    {
        self.0.primary_key = Some(PrimaryKey::new(name, columns));
        self
    }

    /// Adds a unique constraint.
    pub fn unique<I, S>(&mut self, name: impl Into<Str>, columns: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<Str>,
    {
        self.0
            .unique_constraints
            .to_mut()
            .push(UniqueConstraint::new(name, columns));
        self
    }

    /// Adds an index, created with the table.
    pub fn index(&mut self, index: Index) -> &mut Self {
        self.0.indexes.to_mut().push(index);
        self
    }

    /// Adds a foreign key.
    pub fn foreign_key(&mut self, key: ForeignKey) -> &mut Self {
        self.0.foreign_keys.to_mut().push(key);
        self
    }

    /// Adds a check constraint. `expr` is SQL written by the code's authors,
    /// never built from user input.
    pub fn check(&mut self, name: impl Into<Str>, expr: impl Into<Str>) -> &mut Self {
        self.0.checks.to_mut().push(Check::new(name, expr));
        self
    }

    /// Sets the table's comment.
    pub fn comment(&mut self, text: impl Into<Str>) -> &mut Self {
        self.0.comment = Some(text.into());
        self
    }
}

impl Ops {
    /// The recorded steps, in order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The recorded steps, by value.
    pub fn into_steps(self) -> Vec<Step> {
        self.steps
    }

    /// Records an operation; the typed methods below are the usual way.
    pub fn push(&mut self, op: Op) -> &mut Step {
        self.steps.push(Step {
            op,
            acknowledged: false,
            outside_transaction: false,
            online: false,
            accepted: Vec::new(),
            #[cfg(feature = "runtime")]
            rust: None,
        });
        self.steps.last_mut().expect("a step was just pushed")
    }

    /// Creates a table, built by `build`.
    pub fn create_table(&mut self, name: impl Into<Str>, build: impl FnOnce(&mut TableBuilder)) -> &mut Step {
        let mut table = TableBuilder(Table::new(name));
        build(&mut table);
        self.push(Op::CreateTable(table.0))
    }

    /// Drops a table and every row in it.
    pub fn drop_table(&mut self, name: impl Into<Str>) -> &mut Step {
        self.push(Op::DropTable { name: name.into() })
    }

    /// Renames a table.
    pub fn rename_table(&mut self, from: impl Into<Str>, to: impl Into<Str>) -> &mut Step {
        self.push(Op::RenameTable {
            from: from.into(),
            to: to.into(),
        })
    }

    /// Adds a column.
    pub fn add_column(&mut self, table: impl Into<Str>, column: Column) -> &mut Step {
        self.push(Op::AddColumn {
            table: table.into(),
            column,
        })
    }

    /// Drops a column and its values.
    pub fn drop_column(&mut self, table: impl Into<Str>, column: impl Into<Str>) -> &mut Step {
        self.push(Op::DropColumn {
            table: table.into(),
            column: column.into(),
        })
    }

    /// Renames a column.
    pub fn rename_column(
        &mut self,
        table: impl Into<Str>,
        from: impl Into<Str>,
        to: impl Into<Str>,
    ) -> &mut Step {
        self.push(Op::RenameColumn {
            table: table.into(),
            from: from.into(),
            to: to.into(),
        })
    }

    /// Changes a column from its definition `from` to `to` (same name).
    pub fn alter_column(&mut self, table: impl Into<Str>, from: Column, to: Column) -> &mut Step {
        self.push(Op::AlterColumn {
            table: table.into(),
            from,
            to,
        })
    }

    /// Keeps a renamed column, kept for a contract migration, and the
    /// column under its new name equal while both exist ([`Op::SyncColumns`]):
    /// what a safe plan writes when it splits a rename.
    pub fn sync_columns(
        &mut self,
        table: impl Into<Str>,
        old: impl Into<Str>,
        new: impl Into<Str>,
    ) -> &mut Step {
        self.push(Op::SyncColumns {
            table: table.into(),
            old: old.into(),
            new: new.into(),
        })
    }

    /// Undoes [`Ops::sync_columns`] for the same columns.
    pub fn unsync_columns(
        &mut self,
        table: impl Into<Str>,
        old: impl Into<Str>,
        new: impl Into<Str>,
    ) -> &mut Step {
        self.push(Op::UnsyncColumns {
            table: table.into(),
            old: old.into(),
            new: new.into(),
        })
    }

    /// Keeps a renamed table's old name `alias` as a view of `table` that
    /// the application can write through ([`Op::AliasTable`]): what a safe
    /// plan writes when it splits a table's rename.
    pub fn alias_table(&mut self, table: impl Into<Str>, alias: impl Into<Str>) -> &mut Step {
        self.push(Op::AliasTable {
            table: table.into(),
            alias: alias.into(),
        })
    }

    /// Undoes [`Ops::alias_table`].
    pub fn unalias_table(&mut self, table: impl Into<Str>, alias: impl Into<Str>) -> &mut Step {
        self.push(Op::UnaliasTable {
            table: table.into(),
            alias: alias.into(),
        })
    }

    /// Gives the rows that hold NULL in `table.column` the SQL expression
    /// `value`, before a step makes the column NOT NULL. With `None` (what
    /// `cargo build` writes when the model has no default) the step refuses
    /// to run, with a message that says so, until the file says `Some("..")`.
    /// The downgrade leaves the filled values as they are. `value` is SQL
    /// written by the code's authors, never built from user input.
    ///
    /// ```
    /// use ferro::migration::{Op, Ops};
    ///
    /// let mut op = Ops::default();
    /// op.fill_nulls("users", "nickname", Some("'anonymous'"));
    /// op.fill_nulls("users", "age", None);
    /// assert!(!op.steps()[0].op.is_unwritten_fill());
    /// assert!(op.steps()[1].op.is_unwritten_fill());
    /// ```
    pub fn fill_nulls(
        &mut self,
        table: impl Into<Str>,
        column: impl Into<Str>,
        value: Option<&str>,
    ) -> &mut Step {
        self.push(Op::FillNulls {
            table: table.into(),
            column: column.into(),
            value: value.map(|v| Str::from(v.to_owned())),
        })
    }

    /// Adds a primary key.
    pub fn add_primary_key(&mut self, table: impl Into<Str>, key: PrimaryKey) -> &mut Step {
        self.push(Op::AddPrimaryKey {
            table: table.into(),
            key,
        })
    }

    /// Drops the primary key.
    pub fn drop_primary_key(&mut self, table: impl Into<Str>, name: impl Into<Str>) -> &mut Step {
        self.push(Op::DropPrimaryKey {
            table: table.into(),
            name: name.into(),
        })
    }

    /// Creates an index.
    pub fn create_index(&mut self, table: impl Into<Str>, index: Index) -> &mut Step {
        self.push(Op::CreateIndex {
            table: table.into(),
            index,
        })
    }

    /// Drops an index.
    pub fn drop_index(&mut self, table: impl Into<Str>, name: impl Into<Str>) -> &mut Step {
        self.push(Op::DropIndex {
            table: table.into(),
            name: name.into(),
        })
    }

    /// Adds a unique constraint.
    pub fn add_unique(&mut self, table: impl Into<Str>, constraint: UniqueConstraint) -> &mut Step {
        self.push(Op::AddUnique {
            table: table.into(),
            constraint,
        })
    }

    /// Drops a unique constraint.
    pub fn drop_unique(&mut self, table: impl Into<Str>, name: impl Into<Str>) -> &mut Step {
        self.push(Op::DropUnique {
            table: table.into(),
            name: name.into(),
        })
    }

    /// Adds a foreign key.
    pub fn add_foreign_key(&mut self, table: impl Into<Str>, key: ForeignKey) -> &mut Step {
        self.push(Op::AddForeignKey {
            table: table.into(),
            key,
        })
    }

    /// Drops a foreign key.
    pub fn drop_foreign_key(&mut self, table: impl Into<Str>, name: impl Into<Str>) -> &mut Step {
        self.push(Op::DropForeignKey {
            table: table.into(),
            name: name.into(),
        })
    }

    /// Adds a check constraint.
    pub fn add_check(&mut self, table: impl Into<Str>, check: Check) -> &mut Step {
        self.push(Op::AddCheck {
            table: table.into(),
            check,
        })
    }

    /// Drops a check constraint.
    pub fn drop_check(&mut self, table: impl Into<Str>, name: impl Into<Str>) -> &mut Step {
        self.push(Op::DropCheck {
            table: table.into(),
            name: name.into(),
        })
    }

    /// Renames an index.
    pub fn rename_index(
        &mut self,
        table: impl Into<Str>,
        from: impl Into<Str>,
        to: impl Into<Str>,
    ) -> &mut Step {
        self.push(Op::RenameIndex {
            table: table.into(),
            from: from.into(),
            to: to.into(),
        })
    }

    /// Renames a constraint.
    pub fn rename_constraint(
        &mut self,
        table: impl Into<Str>,
        from: impl Into<Str>,
        to: impl Into<Str>,
    ) -> &mut Step {
        self.push(Op::RenameConstraint {
            table: table.into(),
            from: from.into(),
            to: to.into(),
        })
    }

    /// Sets (or, with `None`, clears) a table's comment.
    pub fn set_table_comment(&mut self, table: impl Into<Str>, comment: Option<&'static str>) -> &mut Step {
        self.push(Op::SetTableComment {
            table: table.into(),
            comment: comment.map(Into::into),
        })
    }

    /// Creates an enum type with these values.
    pub fn create_enum<I, S>(&mut self, name: impl Into<Str>, values: I) -> &mut Step
    where
        I: IntoIterator<Item = S>,
        S: Into<Str>,
    {
        let crate::schema::SqlType::Enum(ty) = crate::schema::SqlType::enumeration(name, values) else {
            unreachable!("`enumeration` makes an enum type")
        };
        self.push(Op::CreateEnum(ty))
    }

    /// Creates an enum type.
    pub fn create_enum_type(&mut self, ty: EnumType) -> &mut Step {
        self.push(Op::CreateEnum(ty))
    }

    /// Creates a PostgreSQL schema (namespace), unless it exists, for the
    /// tables named in it (`billing.invoices`).
    pub fn create_schema(&mut self, name: impl Into<Str>) -> &mut Step {
        self.push(Op::CreateSchema { name: name.into() })
    }

    /// Creates a view (`View::new("paid", "SELECT ..")`, `.materialized()`
    /// for PostgreSQL's materialized one).
    pub fn create_view(&mut self, view: View) -> &mut Step {
        self.push(Op::CreateView(view))
    }

    /// Drops a view.
    pub fn drop_view(&mut self, name: impl Into<Str>) -> &mut Step {
        self.push(Op::DropView {
            name: name.into(),
            materialized: false,
        })
    }

    /// Drops a materialized view (PostgreSQL).
    pub fn drop_materialized_view(&mut self, name: impl Into<Str>) -> &mut Step {
        self.push(Op::DropView {
            name: name.into(),
            materialized: true,
        })
    }

    /// Drops a PostgreSQL schema, which must be empty by then.
    pub fn drop_schema(&mut self, name: impl Into<Str>) -> &mut Step {
        self.push(Op::DropSchema { name: name.into() })
    }

    /// Drops an enum type.
    pub fn drop_enum(&mut self, name: impl Into<Str>) -> &mut Step {
        self.push(Op::DropEnum { name: name.into() })
    }

    /// Adds a value to an enum type, before `before` or at the end.
    pub fn add_enum_value(
        &mut self,
        name: impl Into<Str>,
        value: impl Into<Str>,
        before: Option<&'static str>,
    ) -> &mut Step {
        self.push(Op::AddEnumValue {
            name: name.into(),
            value: value.into(),
            before: before.map(Into::into),
        })
    }

    /// Removes a value from an enum type.
    pub fn drop_enum_value(&mut self, name: impl Into<Str>, value: impl Into<Str>) -> &mut Step {
        self.push(Op::DropEnumValue {
            name: name.into(),
            value: value.into(),
        })
    }

    /// Puts the values of an enum type in the order given (the same values).
    pub fn reorder_enum_values<I, S>(&mut self, name: impl Into<Str>, values: I) -> &mut Step
    where
        I: IntoIterator<Item = S>,
        S: Into<Str>,
    {
        self.push(Op::ReorderEnumValues {
            name: name.into(),
            values: values.into_iter().map(Into::into).collect::<Vec<_>>().into(),
        })
    }

    /// Renames a value of an enum type.
    pub fn rename_enum_value(
        &mut self,
        name: impl Into<Str>,
        from: impl Into<Str>,
        to: impl Into<Str>,
    ) -> &mut Step {
        self.push(Op::RenameEnumValue {
            name: name.into(),
            from: from.into(),
            to: to.into(),
        })
    }

    /// Runs SQL written by hand, as it is: it may hold several statements,
    /// so it is SQL written by the code's authors, never built from user
    /// input.
    pub fn sql(&mut self, sql: impl Into<Str>) -> &mut Step {
        self.push(Op::Sql(sql.into()))
    }

    /// Runs a data step written in Rust, in the migration's transaction:
    ///
    /// ```
    /// use ferro::migration::{Connection, Ops, StepFuture};
    ///
    /// fn backfill(conn: &mut Connection) -> StepFuture<'_> {
    ///     Box::pin(async move {
    ///         sqlx::query("UPDATE users SET active = true WHERE active IS NULL")
    ///             .execute(conn)
    ///             .await?;
    ///         Ok(())
    ///     })
    /// }
    ///
    /// pub fn upgrade(op: &mut Ops) {
    ///     op.rust("backfill", backfill);
    /// }
    /// # upgrade(&mut Ops::default());
    /// ```
    ///
    /// Offline SQL (`--sql`) cannot show what it does and says so.
    #[cfg(feature = "runtime")]
    pub fn rust(
        &mut self,
        name: impl Into<Str>,
        step: for<'c> fn(&'c mut crate::runtime::Connection) -> StepFuture<'c>,
    ) -> &mut Step {
        let recorded = self.push(Op::Rust { name: name.into() });
        recorded.rust = Some(RustStep(step));
        recorded
    }

    /// Marks this direction as impossible: `downgrade` refuses it, with the
    /// reason, before anything runs.
    pub fn irreversible(&mut self, reason: impl Into<Str>) -> &mut Step {
        self.push(Op::Irreversible {
            reason: reason.into(),
        })
    }
}
