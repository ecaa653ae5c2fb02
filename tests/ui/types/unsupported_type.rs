use ferro::Model;

#[derive(Model)]
struct Account {
    #[ferro(primary_key)]
    id: i64,
    tags: std::collections::HashMap<String, String>,
}

fn main() {}
