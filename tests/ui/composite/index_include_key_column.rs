use ferro::Model;

#[derive(Model)]
#[ferro(index(fields(author_id, title), include(title)))]
struct Post {
    #[ferro(primary_key)]
    id: i64,
    author_id: i64,
    title: String,
}

fn main() {}
