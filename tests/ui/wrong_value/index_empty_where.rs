use ferro::Model;

#[derive(Model)]
#[ferro(index(fields(email), where = ""))]
struct Account {
    #[ferro(primary_key)]
    id: i64,
    email: String,
}

fn main() {}
