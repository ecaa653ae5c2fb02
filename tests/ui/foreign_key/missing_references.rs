use ferro::Model;

#[derive(Model)]
struct Post {
    #[ferro(primary_key)]
    id: i64,
    #[ferro(foreign_key(on_delete = "CASCADE"))]
    author_id: i64,
}

fn main() {}
