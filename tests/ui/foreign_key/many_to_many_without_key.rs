use ferro::Model;

#[derive(Model)]
struct Tag {
    #[ferro(primary_key)]
    id: i64,
}

#[derive(Model)]
#[ferro(primary_key(fields(a, b)), many_to_many(Tag))]
struct Pair {
    a: i64,
    b: i64,
}

fn main() {}
