use ferro::Model;

#[derive(Model)]
struct Line {
    #[ferro(primary_key)]
    id: i64,
    price: i64,
    #[ferro(stored)]
    total: Option<i64>,
}

fn main() {}
