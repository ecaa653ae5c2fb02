use ferro::Model;

#[derive(Model)]
struct Account {
    #[ferro(primary_key)]
    id: i64,
    #[ferro(scale = 2)]
    balance: rust_decimal::Decimal,
}

fn main() {}
