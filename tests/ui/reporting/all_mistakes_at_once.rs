use ferro::Model;

#[derive(Model)]
#[ferro(tabel = "accounts", index(fields(nmae)))]
struct Account {
    #[ferro(primary_key, nullable)]
    id: i64,
    #[ferro(max_length = "64", uniqe)]
    name: String,
}

fn main() {}
