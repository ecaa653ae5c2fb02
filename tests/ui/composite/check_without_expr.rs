use ferro::Model;

#[derive(Model)]
#[ferro(check(name = "ck_price_positive"))]
struct Product {
    #[ferro(primary_key)]
    id: i64,
    price: i64,
}

fn main() {}
