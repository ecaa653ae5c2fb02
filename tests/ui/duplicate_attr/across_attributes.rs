use ferro::Model;

#[derive(Model)]
struct Account {
    #[ferro(primary_key)]
    id: i64,
    #[ferro(column = "mail")]
    #[ferro(column = "email")]
    email: String,
}

fn main() {}
