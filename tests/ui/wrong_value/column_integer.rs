use ferro::Model;

#[derive(Model)]
struct Account {
    #[ferro(primary_key)]
    id: i64,
    #[ferro(column = 5)]
    name: String,
}

fn main() {}
