use ferro::Model;

#[derive(Model)]
struct Account {
    #[ferro(primary_key)]
    id: i64,
    #[ferro(max_length = 10)]
    age: i32,
}

fn main() {}
