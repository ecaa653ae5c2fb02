use ferro::Model;

#[derive(Model)]
#[ferro(table = "accounts", table = "users")]
struct Account {
    #[ferro(primary_key)]
    id: i64,
}

fn main() {}
