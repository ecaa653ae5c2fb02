use ferro::Model;

#[derive(Model)]
#[ferro(index(fields(name, cache)))]
struct Page {
    #[ferro(primary_key)]
    id: i64,
    name: String,
    #[ferro(skip)]
    cache: Vec<u8>,
}

fn main() {}
