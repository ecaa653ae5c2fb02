use ferro::Model;

#[derive(Model)]
#[ferro(schema = "", table = "invoices")]
struct Invoice {
    #[ferro(primary_key)]
    id: i64,
}

fn main() {}
