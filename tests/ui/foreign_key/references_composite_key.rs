use ferro::Model;

#[derive(Model)]
#[ferro(primary_key(fields(user_id, group_id)))]
struct Membership {
    user_id: i64,
    group_id: i64,
}

#[derive(Model)]
struct Grant {
    #[ferro(primary_key)]
    id: i64,
    #[ferro(foreign_key(references = Membership))]
    membership: i64,
}

fn main() {}
