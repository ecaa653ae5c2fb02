use ferro::Model;

#[derive(Model)]
struct Account {
    #[ferro(primary_key)]
    id: i64,
    #[ferro(default = "")]
    name: String,
}

fn main() {}
