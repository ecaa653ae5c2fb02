use ferro::Model;

type MaybeId = Option<i64>;

#[derive(Model)]
struct Account {
    #[ferro(primary_key)]
    id: MaybeId,
}

fn main() {}
