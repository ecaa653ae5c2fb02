use ferro::Model;

#[derive(Model)]
struct Line {
    #[ferro(primary_key)]
    id: i64,
    price: i64,
    #[ferro(generated = "price * 2", stored)]
    total: i64,
}

fn main() {}
