use ferro::Model;

#[derive(Model)]
#[ferro(index(fields(title), expressions("lower(title)"), name = "ix_post_title"))]
struct Post {
    #[ferro(primary_key)]
    id: i64,
    title: String,
}

fn main() {}
