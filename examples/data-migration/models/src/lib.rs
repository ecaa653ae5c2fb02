//! The data-migration example's models. `display_name` arrived after accounts
//! existed: `migrations/` adds it as a NULL-able column, fills it with a data
//! migration, then makes it required.

use ferro::Model;

/// An account.
#[derive(Model)]
pub struct Account {
    /// Auto-incrementing integer key.
    #[ferro(primary_key)]
    pub id: i64,
    /// Unique login.
    #[ferro(unique)]
    pub email: String,
    /// The full name; empty when the user never gave one.
    pub full_name: String,
    /// The name shown to others.
    pub display_name: String,
}

/// Every model of this crate.
pub fn schema() -> Result<ferro::Schema, ferro::SchemaError> {
    ferro::schema!()
}
