use ferro::Model;

#[derive(Model)]
#[ferro(index(expressions("lower(title)")))]
struct Post {
    #[ferro(primary_key)]
    id: i64,
    title: String,
}

fn main() {}
