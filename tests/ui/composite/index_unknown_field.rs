use ferro::Model;

#[derive(Model)]
#[ferro(index(fields(author_id, publishd_at)))]
struct Post {
    #[ferro(primary_key)]
    id: i64,
    author_id: i64,
    published_at: i64,
}

fn main() {}
