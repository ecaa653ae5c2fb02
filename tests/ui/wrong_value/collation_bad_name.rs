use ferro::Model;

#[derive(Model)]
struct Account {
    #[ferro(primary_key)]
    id: i64,
    #[ferro(collation = "C\" COLLATE \"x")]
    name: String,
}

fn main() {}
