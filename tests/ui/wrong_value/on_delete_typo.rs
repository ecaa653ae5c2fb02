use ferro::Model;

#[derive(Model)]
struct User {
    #[ferro(primary_key)]
    id: i64,
}

#[derive(Model)]
struct Post {
    #[ferro(primary_key)]
    id: i64,
    #[ferro(foreign_key(references = User, on_delete = "CASCAD"))]
    author_id: i64,
}

fn main() {}
