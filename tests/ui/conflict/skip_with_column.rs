use ferro::Model;

#[derive(Model)]
struct Account {
    #[ferro(primary_key)]
    id: i64,
    #[ferro(skip, column = "cache")]
    cache: Vec<u8>,
}

fn main() {}
