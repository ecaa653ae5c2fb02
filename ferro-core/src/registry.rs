//! Discovery: every model of a crate, as a [`Schema`].
//!
//! `#[derive(Model)]` registers each model when the program is linked (through
//! the `inventory` crate), so no list of models has to be kept by hand and no
//! module has to be imported for its models to count — the failure Alembic users
//! know as "ensure models are imported to register them". A crate's models are
//! gathered with [`crate::schema!`], called in that crate:
//!
//! ```standalone_crate
//! #[derive(ferro::Model)]
//! struct Author {
//!     #[ferro(primary_key)]
//!     id: i64,
//!     name: String,
//! }
//!
//! mod deeper {
//!     // Nothing refers to this module; its model is found all the same.
//!     #[derive(ferro::Model)]
//!     struct Book {
//!         #[ferro(primary_key)]
//!         id: i64,
//!         #[ferro(foreign_key(references = super::Author))]
//!         author_id: i64,
//!     }
//! }
//!
//! /// Every model of this crate; a migrations crate's build script calls this.
//! pub fn schema() -> Result<ferro::Schema, ferro::SchemaError> {
//!     ferro::schema!()
//! }
//!
//! # fn main() {
//! let schema = schema().unwrap();
//! let names: Vec<_> = schema.tables().iter().map(|t| t.name.as_ref()).collect();
//! assert_eq!(names, ["author", "book"]);
//! # }
//! ```
//!
//! Calling a function of the models crate (as `schema()` above) is what makes the
//! linker include that crate, and with it every registration of its models; a
//! crate nothing calls contributes nothing, so the schema always comes from a
//! function of the crate it describes.

use crate::schema::{Schema, SchemaError, Table, View};

/// One model's registration, submitted by `#[derive(Model)]`.
#[derive(Debug)]
pub struct Registration {
    /// `module_path!()` where the model is declared; its first segment is the crate.
    pub module_path: &'static str,
    /// The model's Rust name.
    pub model: &'static str,
    /// The model's table descriptor.
    pub table: fn() -> Table,
}

impl Registration {
    /// The name of the crate that declares the model.
    pub fn crate_name(&self) -> &'static str {
        crate_of(self.module_path)
    }
}

inventory::collect!(Registration);

/// One view's registration, submitted by `#[derive(View)]`.
#[derive(Debug)]
pub struct ViewRegistration {
    /// `module_path!()` where the view is declared.
    pub module_path: &'static str,
    /// The view's descriptor.
    pub view: fn() -> View,
}

inventory::collect!(ViewRegistration);

/// Every view registered in this program, in no particular order.
pub fn view_registrations() -> impl Iterator<Item = &'static ViewRegistration> {
    inventory::iter::<ViewRegistration>.into_iter()
}

/// The views declared in the crate `crate_name`.
fn crate_views(crate_name: &str) -> impl Iterator<Item = View> {
    view_registrations()
        .filter(move |r| crate_of(r.module_path) == crate_name)
        .map(|r| (r.view)())
}

/// Every model registered in this program, from every linked crate, in no
/// particular order.
pub fn registrations() -> impl Iterator<Item = &'static Registration> {
    inventory::iter::<Registration>.into_iter()
}

/// The resolved schema of every model declared in the crate `crate_name`
/// (as `module_path!()` spells it: `my_models`, not `my-models`).
pub fn crate_schema(crate_name: &str) -> Result<Schema, SchemaError> {
    Schema::with_views(
        registrations()
            .filter(|r| r.crate_name() == crate_name)
            .map(|r| (r.table)()),
        crate_views(crate_name),
    )
}

/// The resolved schema of the models of the crate `crate_name` together
/// with the tables of `others`, the schemas of other models crates: the
/// schema of one database whose models several crates declare, with
/// foreign keys between them. A table both have (the same model, reached
/// twice) counts once; two different tables of one name are an error.
pub fn crates_schema(
    crate_name: &str,
    others: impl IntoIterator<Item = Result<Schema, SchemaError>>,
) -> Result<Schema, SchemaError> {
    let mut tables: Vec<Table> = registrations()
        .filter(|r| r.crate_name() == crate_name)
        .map(|r| (r.table)())
        .collect();
    let mut views: Vec<View> = crate_views(crate_name).collect();
    for other in others {
        let other = other?;
        for view in other.views() {
            if !views.iter().any(|v| v.name == view.name && v.sql == view.sql) {
                views.push(view.clone());
            }
        }
        for table in other.into_tables() {
            if !tables.contains(&table) {
                tables.push(table);
            }
        }
    }
    Schema::with_views(tables, views)
}

/// The crate part of a `module_path!()`.
pub fn crate_of(module_path: &str) -> &str {
    module_path.split("::").next().unwrap_or(module_path)
}

/// The resolved [`Schema`] of every model declared in the crate that calls it.
///
/// Expands to `ferro::registry::crate_schema(<this crate>)`; see [`crate::registry`].
///
/// `schema!(auth_models, billing_models)` adds the models of other crates,
/// each through the `schema()` function every models crate has (which
/// links that crate too): a model here may then have a foreign key to a
/// model there, and one migrations crate makes the tables of all of them
/// ([`crates_schema`](crate::registry::crates_schema)).
#[macro_export]
macro_rules! schema {
    () => {
        $crate::registry::crate_schema($crate::registry::crate_of(::core::module_path!()))
    };
    ($($other:ident),+ $(,)?) => {
        $crate::registry::crates_schema(
            $crate::registry::crate_of(::core::module_path!()),
            [$($other::schema()),+],
        )
    };
}
