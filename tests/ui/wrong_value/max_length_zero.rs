use ferro::Model;

#[derive(Model)]
struct Account {
    #[ferro(primary_key)]
    id: i64,
    #[ferro(max_length = 0)]
    name: String,
}

fn main() {}
