use ferro::Model;

#[derive(Model)]
#[ferro(tabel = "accounts")]
struct Account {
    #[ferro(primary_key)]
    id: i64,
}

fn main() {}
