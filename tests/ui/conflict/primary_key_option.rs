use ferro::Model;

#[derive(Model)]
struct Account {
    #[ferro(primary_key)]
    id: Option<i64>,
}

fn main() {}
