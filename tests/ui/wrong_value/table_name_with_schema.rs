use ferro::Model;

// A table in a PostgreSQL schema says the schema apart.
#[derive(Model)]
#[ferro(table = "billing.invoices")]
struct Invoice {
    #[ferro(primary_key)]
    id: i64,
}

fn main() {}
