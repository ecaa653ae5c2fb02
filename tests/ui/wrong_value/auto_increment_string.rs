use ferro::Model;

#[derive(Model)]
struct Account {
    #[ferro(primary_key, auto_increment = "yes")]
    id: i64,
}

fn main() {}
