use ferro::Model;

#[derive(Model)]
struct Account {
    #[ferro(primary_key)]
    id: i64,
    #[ferro(nulable)]
    nickname: String,
}

fn main() {}
