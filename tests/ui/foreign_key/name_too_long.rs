use ferro::Model;

#[derive(Model)]
struct Author {
    #[ferro(primary_key)]
    id: i64,
}

#[derive(Model)]
struct Book {
    #[ferro(primary_key)]
    id: i64,
    #[ferro(foreign_key(
        references = Author,
        name = "book_author_id_fkey_with_a_name_far_longer_than_any_database_keeps"
    ))]
    author_id: i64,
}

fn main() {}
