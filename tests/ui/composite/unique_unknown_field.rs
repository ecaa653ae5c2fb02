use ferro::Model;

#[derive(Model)]
#[ferro(unique(fields(slug, langauge)))]
struct Page {
    #[ferro(primary_key)]
    id: i64,
    slug: String,
    language: String,
}

fn main() {}
