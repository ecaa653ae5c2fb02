use ferro::Model;

#[derive(Model)]
struct Account(i64, String);

fn main() {}
