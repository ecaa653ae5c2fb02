use ferro::Model;

#[derive(Model)]
#[ferro(primary_key(name = "accounts_pkey"))]
struct Account {
    id: i64,
    email: String,
}

fn main() {}
