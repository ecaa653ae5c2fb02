use ferro::Enum;

#[derive(Enum)]
enum Mood {
    #[ferro(renam = "glad")]
    Happy,
    Sad,
}

fn main() {}
