use ferro::Model;

#[derive(Model)]
struct Account {
    #[ferro(primary_key)]
    id: i64,
    #[ferro(auto_increment)]
    serial: i64,
}

fn main() {}
