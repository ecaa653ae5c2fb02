use ferro::Model;

#[derive(Model)]
#[ferro(primary_key(fields(user_id, grop_id)))]
struct Membership {
    user_id: i64,
    group_id: i64,
}

fn main() {}
