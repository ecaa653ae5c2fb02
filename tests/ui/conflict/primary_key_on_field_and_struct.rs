use ferro::Model;

#[derive(Model)]
#[ferro(primary_key(fields(user_id, group_id)))]
struct Membership {
    #[ferro(primary_key)]
    user_id: i64,
    group_id: i64,
}

fn main() {}
