use ferro::Model;

#[derive(Model)]
#[ferro(index(fields(a, b), uniqe))]
struct Pair {
    #[ferro(primary_key)]
    id: i64,
    a: i32,
    b: i32,
}

fn main() {}
