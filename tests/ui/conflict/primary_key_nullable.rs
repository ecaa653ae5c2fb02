use ferro::Model;

#[derive(Model)]
struct Account {
    #[ferro(primary_key, nullable)]
    id: i64,
}

fn main() {}
