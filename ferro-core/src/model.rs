//! The traits that `#[derive(Model)]` and `#[derive(Enum)]` implement.

use crate::schema::{EnumType, SqlType, Table};

/// A struct that maps to a table, implemented by `#[derive(Model)]`.
///
/// `TABLE` is the table's descriptor, `const` data built by the compiler; turn
/// descriptors into a resolved [`crate::Schema`] with [`crate::schema!`] (every model
/// of a crate) or [`crate::Schema::new`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a ferro model",
    label = "not a model",
    note = "a model is a struct with `#[derive(ferro::Model)]`"
)]
pub trait Model {
    /// The table's name.
    const TABLE_NAME: &'static str;
    /// The table's descriptor.
    const TABLE: Table;
}

/// A view declared with `#[derive(View)]`: its descriptor.
pub trait ViewModel {
    /// The view's descriptor, its `reads` those the declaration names.
    const VIEW: crate::schema::View;
}

/// A model whose primary key is one column, which foreign keys and many-to-many
/// relations can refer to. `#[derive(Model)]` implements it for such models.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a ferro model with a single-column primary key",
    label = "foreign keys and many-to-many relations refer to a single-column primary key",
    note = "derive `Model` for `{Self}` with one `#[ferro(primary_key)]` field; a foreign key may instead name the column it refers to: `foreign_key(references = {Self}, column = \"..\")`"
)]
pub trait KeyedModel: Model {
    /// The Rust type of the primary-key field.
    type Key: ?Sized;
    /// The model's name in snake case, which names its join-table columns.
    const MODEL_NAME: &'static str;
    /// The primary-key column.
    const KEY_COLUMN: &'static str;
    /// The primary-key column's SQL type.
    const KEY_TYPE: SqlType;
}

/// A Rust enum stored as an SQL enumeration, implemented by `#[derive(Enum)]`,
/// which also implements [`crate::ColumnType`] for it.
pub trait Enum {
    /// The enumeration type: its name and stored values in declaration order.
    const ENUM_TYPE: EnumType;
}
