use ferro::Model;

#[derive(Model)]
struct Membership {
    #[ferro(primary_key)]
    user_id: i64,
    #[ferro(primary_key)]
    group_id: i64,
}

fn main() {}
