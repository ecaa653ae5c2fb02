// Every field and struct option of the contract compiles together, including a
// many-to-many relation of a model with itself and keys that are not `id`.
use ferro::{Enum, Model};

#[derive(Enum)]
enum Status {
    #[ferro(rename = "on")]
    Active,
    #[ferro(renamed_from = "gone")]
    Removed,
}

#[derive(Model)]
#[ferro(table = "people", renamed_from = "persons", comment = "someone we know")]
#[ferro(index(fields(name, nickname), name = "ix_people_names", unique))]
#[ferro(index(fields(email), name = "ix_people_known", where = "nickname IS NOT NULL"))]
#[ferro(index(fields(age, name), descending(age)))]
#[ferro(index(fields(nickname), using = "gin", ops(nickname = "gin_trgm_ops")))]
#[ferro(index(fields(email), name = "ix_people_covering", include(age, name)))]
#[ferro(index(expressions("status", "lower(email)"), name = "ix_people_email_ci", unique))]
#[ferro(unique(fields(email, status)))]
#[ferro(check(name = "ck_people_age", expr = "age >= 0"))]
#[ferro(many_to_many(Person, table = "friendships"))]
#[ferro(primary_key(name = "people_pkey"))]
struct Person {
    #[ferro(primary_key, auto_increment = false, column = "person_id")]
    id: i32,
    #[ferro(max_length = 80, comment = "full name", collation = "C")]
    name: String,
    #[ferro(nullable, renamed_from = "nick")]
    nickname: String,
    #[ferro(unique, index)]
    email: String,
    #[ferro(default = "0")]
    age: i16,
    #[ferro(sql_type = "CITEXT")]
    handle: Option<String>,
    #[ferro(generated = "age * 12", stored, index)]
    age_in_months: Option<i32>,
    status: Status,
    #[ferro(foreign_key(references = Person, column = "person_id", on_delete = "SET NULL", on_update = "CASCADE"))]
    mentor: Option<i32>,
    #[ferro(foreign_key(references = Person, name = "people_sponsor_fkey"))]
    sponsor: Option<i32>,
    #[ferro(skip)]
    cache: Vec<std::cell::Cell<u8>>,
}

#[derive(Model)]
#[ferro(primary_key(fields(book, edition), name = "editions_pkey"))]
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
    edition: Option<i32>,
}

/// A table in a PostgreSQL schema, with a key to a table of the current one.
#[derive(Model)]
#[ferro(schema = "billing", table = "invoices")]
struct Invoice {
    #[ferro(primary_key)]
    id: i64,
    #[ferro(foreign_key(references = Copy), index)]
    copy_id: i64,
}

/// A view, and a materialized one in a schema that reads a model its SQL
/// does not name plainly.
#[derive(ferro::View)]
#[ferro(sql = "SELECT person_id, name FROM people WHERE age >= 18")]
struct Adult;

#[derive(ferro::View)]
#[ferro(schema = "billing", name = "copies_per_book", materialized, reads(Copy))]
#[ferro(sql = "SELECT book, count(*) AS n FROM copy_of_the_day() GROUP BY book")]
struct CopiesPerBook;

fn main() {
    let schema = ferro::Schema::new([<Person as Model>::TABLE]).expect("valid");
    let friendships = schema.table("friendships").expect("the join table");
    let columns: Vec<&str> = friendships.columns.iter().map(|c| c.name.as_ref()).collect();
    assert_eq!(columns, ["from_person_person_id", "to_person_person_id"]);
    let people = schema.table("people").expect("the table");
    assert_eq!(people.primary_key.as_ref().and_then(|pk| pk.name.as_deref()), Some("people_pkey"));
    let named: Vec<&str> = people.foreign_keys.iter().filter_map(|fk| fk.name.as_deref()).collect();
    assert!(named.contains(&"people_sponsor_fkey"), "{named:?}");
    let known = people.indexes.iter().find(|ix| ix.name.as_deref() == Some("ix_people_known")).expect("the index");
    assert_eq!(known.predicate.as_deref(), Some("nickname IS NOT NULL"));
    let by_age = people.indexes.iter().find(|ix| ix.name.as_deref() == Some("ix_people_age_name")).expect("the index");
    assert_eq!(by_age.descending.as_ref(), [true, false]);
    let copies = ferro::Schema::new([<Edition as Model>::TABLE, <Copy as Model>::TABLE]).expect("valid");
    let key = &copies.table("copy").expect("the table").foreign_keys[0];
    assert_eq!(key.columns.as_ref(), ["book", "edition"]);
    assert_eq!(key.referred_columns.as_ref(), ["book", "edition"]);
    assert_eq!(key.name.as_deref(), Some("fk_copy_book_edition"));
    let billed = ferro::Schema::new([<Edition as Model>::TABLE, <Copy as Model>::TABLE, <Invoice as Model>::TABLE])
        .expect("valid");
    let invoices = billed.table("billing.invoices").expect("the table, named after its schema");
    assert_eq!(invoices.foreign_keys[0].name.as_deref(), Some("fk_invoices_copy_id_copy"));
    assert_eq!(invoices.indexes[0].name.as_deref(), Some("ix_invoices_copy_id"));
    assert_eq!(billed.namespaces().into_iter().collect::<Vec<_>>(), ["billing"]);
    let adult = <Adult as ferro::ViewModel>::VIEW;
    assert_eq!((adult.name.as_ref(), adult.materialized), ("adult", false));
    let counts = <CopiesPerBook as ferro::ViewModel>::VIEW;
    assert_eq!(counts.name, "billing.copies_per_book");
    assert!(counts.materialized);
    assert_eq!(counts.reads.as_ref(), ["copy"]);
}
