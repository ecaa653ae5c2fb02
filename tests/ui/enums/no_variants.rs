use ferro::Enum;

#[derive(Enum)]
enum Never {}

fn main() {}
