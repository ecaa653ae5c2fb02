use ferro::Model;

#[derive(Model)]
struct Account {
    #[ferro(primary_key)]
    id: i64,
    #[ferro(precision = 10, scale = 2)]
    balance: String,
}

fn main() {}
