use ferro::Model;

#[derive(Model)]
#[ferro(schema = "billing.v2", table = "invoices")]
struct Invoice {
    #[ferro(primary_key)]
    id: i64,
}

fn main() {}
