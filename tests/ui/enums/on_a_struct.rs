use ferro::Enum;

#[derive(Enum)]
struct Mood {
    happy: bool,
}

fn main() {}
