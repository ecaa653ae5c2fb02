use ferro::Enum;

#[derive(Enum)]
enum Mood {
    #[ferro(rename = "sad")]
    Happy,
    Sad,
}

fn main() {}
