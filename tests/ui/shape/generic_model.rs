use ferro::Model;

#[derive(Model)]
struct Account<T> {
    #[ferro(primary_key)]
    id: i64,
    data: T,
}

fn main() {}
