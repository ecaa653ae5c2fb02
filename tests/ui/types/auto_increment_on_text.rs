use ferro::Model;

#[derive(Model)]
struct Account {
    #[ferro(primary_key, auto_increment)]
    code: String,
}

fn main() {}
