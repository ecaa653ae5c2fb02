use ferro::Model;

#[derive(Model)]
struct Country {
    #[ferro(primary_key, max_length = 2)]
    code: String,
}

#[derive(Model)]
struct City {
    #[ferro(primary_key)]
    id: i64,
    #[ferro(foreign_key(references = Country), max_length = 3)]
    country: String,
}

fn main() {}
