use ferro::Model;

#[derive(Model)]
struct Account {
    #[ferro(primary_key)]
    id: i64,
    #[ferro(unique = true)]
    email: String,
}

fn main() {}
