use ferro::Model;

struct Person;

#[derive(Model)]
struct Post {
    #[ferro(primary_key)]
    id: i64,
    #[ferro(foreign_key(references = Person))]
    author_id: i64,
}

fn main() {}
