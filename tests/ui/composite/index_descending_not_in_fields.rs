use ferro::Model;

#[derive(Model)]
#[ferro(index(fields(author_id), descending(published_on)))]
struct Post {
    #[ferro(primary_key)]
    id: i64,
    author_id: i64,
    published_on: i64,
}

fn main() {}
