//! Support for the code `#[derive(Model)]` and `#[derive(Enum)]` generate. Not a
//! public API: it changes without notice.

pub use inventory;

use crate::Model;
use crate::schema::{
    Action, Column, ForeignKey, Generated, Index, List, PrimaryKey, SqlType, Str, Table, UniqueConstraint,
};

/// Reads a model's descriptor; the registration stores this as a `fn` pointer.
pub fn table_of<M: Model>() -> Table {
    M::TABLE
}

/// `V::VIEW`, as a function a registration can hold.
pub fn view_of<V: crate::ViewModel>() -> crate::schema::View {
    V::VIEW
}

/// A column of type `ty` with nothing else: what `#[derive(Model)]` writes
/// for a field without attributes, with `ty` and `nullable` the field's
/// `<T as ColumnType>::SQL_TYPE` and `NULLABLE`. The struct literal it
/// stands for is three times the tokens, and each token a derive writes
/// costs the compiler a call into the macro's server: for a models crate of
/// 500 models of 10 fields, the columns were two fifths of the expansion.
pub const fn column(name: &'static str, ty: SqlType, nullable: bool) -> Column {
    let mut column = Column::plain(Cow::Borrowed(name), ty);
    column.nullable = nullable;
    column
}

/// [`column`] for a model's single-column primary key, which
/// auto-increments when it is an integer.
pub const fn key_column(name: &'static str, ty: SqlType, nullable: bool) -> Column {
    let mut column = column(name, ty, nullable);
    column.auto_increment = column.ty.is_integer();
    column
}

/// A column with any of the rest given: what `#[derive(Model)]` writes for
/// a field that [`column`] does not cover, its parts in the field order of
/// [`Column`]. A call rather than the struct literal for the same reason as
/// [`column`]: the field names, and the paths spelled out, were half the
/// tokens of such a column.
#[allow(clippy::too_many_arguments)]
pub const fn full_column(
    name: &'static str,
    ty: SqlType,
    nullable: bool,
    default: Option<&'static str>,
    auto_increment: bool,
    comment: Option<&'static str>,
    collation: Option<&'static str>,
    generated: Option<Generated>,
    renamed_from: Option<&'static str>,
) -> Column {
    Column {
        name: Cow::Borrowed(name),
        ty,
        nullable,
        default: text(default),
        auto_increment,
        comment: text(comment),
        collation: text(collation),
        generated,
        renamed_from: text(renamed_from),
    }
}

/// A primary key.
pub const fn primary_key(name: Option<&'static str>, columns: List<Str>) -> PrimaryKey {
    PrimaryKey {
        name: text(name),
        columns,
    }
}

/// An index over plain columns with nothing else (no predicate, order,
/// method, operator classes, included columns or expressions).
pub const fn index(name: Option<&'static str>, columns: List<Str>, unique: bool) -> Index {
    let mut index = Index::plain(text(name), columns);
    index.unique = unique;
    index
}

/// A unique constraint.
pub const fn unique(name: Option<&'static str>, columns: List<Str>) -> UniqueConstraint {
    UniqueConstraint {
        name: text(name),
        columns,
    }
}

/// A foreign key.
pub const fn foreign_key(
    name: Option<&'static str>,
    columns: List<Str>,
    referred_table: &'static str,
    referred_columns: List<Str>,
    on_delete: Action,
    on_update: Action,
) -> ForeignKey {
    ForeignKey {
        name: text(name),
        columns,
        referred_table: Cow::Borrowed(referred_table),
        referred_columns,
        on_delete,
        on_update,
    }
}

const fn text(text: Option<&'static str>) -> Option<Str> {
    match text {
        Some(text) => Some(Cow::Borrowed(text)),
        None => None,
    }
}

/// The short names the derives write, brought into each derive's block by one
/// glob import: each token of a path costs the compiler a call into the
/// macro's server, and a model writes some of these a few times per column.
pub mod short {
    pub use super::Cow::{Borrowed as __ferro_list, Borrowed as __ferro_text};
    pub use super::{
        assert_key as __ferro_assert_key, assert_nullable as __ferro_assert_nullable,
        column as __ferro_column, foreign_key as __ferro_foreign_key, full_column as __ferro_full_column,
        index as __ferro_index, is_integer as __ferro_is_integer, is_numeric as __ferro_is_numeric,
        is_text as __ferro_is_text, key_column as __ferro_key_column, primary_key as __ferro_primary_key,
        require as __ferro_require, table_of as __ferro_table_of, unique as __ferro_unique,
    };
    pub use crate::schema::{Action as __ferro_action, SqlType as __ferro_sql};
    pub use crate::{ColumnType as __ferro_type, KeyedModel as __ferro_keyed, Model as __ferro_model};
    pub use core::option::Option::{None as __ferro_none, Some as __ferro_some};
}

/// The key type of a model whose derive failed, so that the errors already
/// reported do not cascade into others about missing trait implementations.
pub struct Unknown;

impl crate::ColumnType for Unknown {
    const SQL_TYPE: SqlType = SqlType::Custom(std::borrow::Cow::Borrowed("unknown"));
}

pub use std::borrow::Cow;

/// The SQL type of a stub.
pub const UNKNOWN_TYPE: SqlType = SqlType::Custom(Cow::Borrowed("unknown"));

/// The descriptor of a model whose derive failed.
pub const fn stub_table(name: &'static str) -> Table {
    Table {
        name: Cow::Borrowed(name),
        columns: Cow::Borrowed(&[]),
        primary_key: None,
        indexes: Cow::Borrowed(&[]),
        unique_constraints: Cow::Borrowed(&[]),
        foreign_keys: Cow::Borrowed(&[]),
        checks: Cow::Borrowed(&[]),
        many_to_many: Cow::Borrowed(&[]),
        comment: None,
        renamed_from: None,
        alias: None,
    }
}

/// A field type that can hold a value of the key type `K`: `K` itself or `Option<K>`.
#[diagnostic::on_unimplemented(
    message = "a foreign-key field of type `{Self}` cannot hold the referred key of type `{K}`",
    label = "expected `{K}` or `Option<{K}>`",
    note = "a foreign-key field has the Rust type of the primary key it refers to"
)]
pub trait HoldsKey<K: ?Sized> {}
impl<K> HoldsKey<K> for K {}
impl<K> HoldsKey<K> for Option<K> {}

/// Compiles only when `F` can hold a key of type `K`.
pub fn assert_key<F: HoldsKey<K>, K>() {}

/// A field type that can hold NULL.
#[diagnostic::on_unimplemented(
    message = "`SET NULL` needs a field that can hold NULL, and `{Self}` cannot",
    label = "the referencing field is NOT NULL",
    note = "make the field an `Option<..>`, or mark it `nullable`"
)]
pub trait NullableField {}
impl<T> NullableField for Option<T> {}

/// Compiles only when `F` can hold NULL.
pub fn assert_nullable<F: NullableField>() {}

/// Stops the compile with `message` unless `holds`: the derive's checks of
/// an attribute against its field's type, which need the type resolved.
///
/// A function, not `assert!` in the derive's output: a macro the derive
/// calls is an expansion that rustc's incremental cache tells apart by where
/// it was called, so every check of every struct below an edit would be
/// checked and compiled again (`docs/performance.md`, One model edit).
/// `#[track_caller]` keeps the error at the attribute.
#[track_caller]
pub const fn require(holds: bool, message: &'static str) {
    if !holds {
        panic!("{}", message);
    }
}

// `SqlType` owns heap data in general, and a `const` item may not drop such a
// value, so these checks take the type by value and forget it (the values in
// question are always borrowed `'static` data, so nothing leaks).

/// Whether `ty` is an integer type.
pub const fn is_integer(ty: SqlType) -> bool {
    let answer = ty.is_integer();
    std::mem::forget(ty);
    answer
}

/// Whether `ty` is a text type.
pub const fn is_text(ty: SqlType) -> bool {
    let answer = ty.is_text();
    std::mem::forget(ty);
    answer
}

/// Whether `ty` is a decimal type.
pub const fn is_numeric(ty: SqlType) -> bool {
    let answer = ty.is_numeric();
    std::mem::forget(ty);
    answer
}

/// Whether two strings are equal, in a `const` context.
pub const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ColumnType;

    /// The short forms the derive writes for plain fields are the columns
    /// the builder makes: the rest of every field empty.
    #[test]
    fn the_short_forms_are_plain_columns() {
        assert_eq!(
            column("note", <Option<String>>::SQL_TYPE, true),
            Column::new("note", SqlType::Text).nullable()
        );
        assert_eq!(
            key_column("id", i64::SQL_TYPE, false),
            Column::new("id", SqlType::BigInt).auto_increment()
        );
        assert_eq!(
            key_column("code", String::SQL_TYPE, false),
            Column::new("code", SqlType::Text)
        );
        assert_eq!(
            column("id", i64::SQL_TYPE, false),
            Column::new("id", SqlType::BigInt)
        );
    }

    /// The other helpers the derive writes build what the builders build.
    #[test]
    fn the_helpers_are_the_builders() {
        let mut renamed = Column::new("code", SqlType::Varchar(32))
            .nullable()
            .default("''")
            .comment("the code")
            .collation("C")
            .generated("upper(name)", true);
        renamed.renamed_from = Some(Cow::Borrowed("old_code"));
        let generated = Some(Generated {
            expr: Cow::Borrowed("upper(name)"),
            stored: true,
        });
        assert_eq!(
            full_column(
                "code",
                SqlType::Varchar(32),
                true,
                Some("''"),
                false,
                Some("the code"),
                Some("C"),
                generated,
                Some("old_code"),
            ),
            renamed
        );
        const ID: List<Str> = Cow::Borrowed(&[Cow::Borrowed("id")]);
        assert_eq!(
            primary_key(Some("pk_users"), ID),
            PrimaryKey::new("pk_users", ["id"])
        );
        assert_eq!(
            primary_key(None, ID),
            PrimaryKey {
                name: None,
                ..PrimaryKey::new("pk", ["id"])
            }
        );
        assert_eq!(
            index(Some("ix_users_id"), ID, true),
            Index::new("ix_users_id", ["id"]).unique()
        );
        assert_eq!(
            unique(Some("uq_users_id"), ID),
            UniqueConstraint::new("uq_users_id", ["id"])
        );
        assert_eq!(
            foreign_key(
                Some("fk_posts_user"),
                ID,
                "users",
                ID,
                Action::Cascade,
                Action::NoAction
            ),
            ForeignKey::new("fk_posts_user", ["id"], "users", ["id"]).on_delete(Action::Cascade)
        );
    }
}
