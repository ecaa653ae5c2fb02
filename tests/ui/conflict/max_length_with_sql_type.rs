use ferro::Model;

#[derive(Model)]
struct Account {
    #[ferro(primary_key)]
    id: i64,
    #[ferro(max_length = 64, sql_type = "CITEXT")]
    email: String,
}

fn main() {}
