use ferro::Model;

#[derive(Model)]
#[ferro(primary_key(fields(book, edition)))]
struct Edition {
    book: i64,
    edition: i32,
}

#[derive(Model)]
#[ferro(foreign_key(fields(book, edition), references = Edition, columns("book", "edition"), on_delete = "SET NULL"))]
struct Copy {
    #[ferro(primary_key)]
    id: i64,
    book: Option<i64>,
    edition: i32,
}

fn main() {}
