use ferro::Model;

#[derive(Model)]
struct Account {
    #[ferro(primary_key)]
    id: i64,
    #[ferro(precision = 4, scale = 6)]
    balance: rust_decimal::Decimal,
}

fn main() {}
