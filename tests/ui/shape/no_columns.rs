use ferro::Model;

#[derive(Model)]
struct Account {
    #[ferro(skip)]
    cache: Vec<u8>,
}

fn main() {}
