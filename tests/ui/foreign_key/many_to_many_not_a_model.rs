use ferro::Model;

struct Label;

#[derive(Model)]
#[ferro(many_to_many(Label))]
struct Post {
    #[ferro(primary_key)]
    id: i64,
}

fn main() {}
