use ferro::Model;

#[derive(Model)]
struct Book {
    #[ferro(primary_key)]
    id: i64,
}

#[derive(Model)]
#[ferro(foreign_key(fields(book), references = Book))]
struct Copy {
    #[ferro(primary_key)]
    id: i64,
    book: i64,
}

fn main() {}
