use ferro::Model;

#[derive(Model)]
#[ferro(index(fields(name, name)))]
struct Page {
    #[ferro(primary_key)]
    id: i64,
    name: String,
}

fn main() {}
