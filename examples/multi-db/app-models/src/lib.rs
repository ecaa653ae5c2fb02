//! The application database of the several-databases example: customers and
//! their orders.

use ferro::Model;
use rust_decimal::Decimal;

/// Someone who buys.
#[derive(Model)]
pub struct Customer {
    /// Auto-incrementing integer key.
    #[ferro(primary_key)]
    pub id: i64,
    /// Unique login.
    #[ferro(unique)]
    pub email: String,
    /// Shown name.
    pub name: String,
}

/// What a customer bought.
#[derive(Model)]
#[ferro(table = "orders")]
pub struct Order {
    /// Auto-incrementing integer key.
    #[ferro(primary_key)]
    pub id: i64,
    /// Who bought; deleting the customer deletes their orders.
    #[ferro(foreign_key(references = Customer, on_delete = "CASCADE"), index)]
    pub customer_id: i64,
    /// The amount, to the cent.
    #[ferro(precision = 10, scale = 2)]
    pub total: Decimal,
    /// When it was placed.
    pub placed_at: chrono::DateTime<chrono::Utc>,
}

/// Every model of this crate.
pub fn schema() -> Result<ferro::Schema, ferro::SchemaError> {
    ferro::schema!()
}
