use ferro::Model;

#[derive(Model)]
enum Account {
    Active,
}

fn main() {}
