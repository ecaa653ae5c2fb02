//! The audit database of the several-databases example: an append-only log,
//! kept apart from the application's data.

use ferro::Model;

/// One thing someone did.
#[derive(Model)]
#[ferro(index(fields(actor, at)))]
pub struct Event {
    /// Auto-incrementing integer key.
    #[ferro(primary_key)]
    pub id: i64,
    /// When it happened.
    pub at: chrono::DateTime<chrono::Utc>,
    /// Who did it.
    #[ferro(max_length = 128)]
    pub actor: String,
    /// What they did.
    #[ferro(max_length = 32)]
    pub action: String,
    /// The details, if any.
    pub detail: Option<serde_json::Value>,
}

/// Every model of this crate.
pub fn schema() -> Result<ferro::Schema, ferro::SchemaError> {
    ferro::schema!()
}
