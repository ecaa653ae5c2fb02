use ferro::Model;

#[derive(Model)]
#[ferro(index(name = "ix_page_name"))]
struct Page {
    #[ferro(primary_key)]
    id: i64,
    name: String,
}

fn main() {}
