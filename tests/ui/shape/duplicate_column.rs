use ferro::Model;

#[derive(Model)]
struct Account {
    #[ferro(primary_key)]
    id: i64,
    #[ferro(column = "id")]
    legacy_id: i64,
}

fn main() {}
