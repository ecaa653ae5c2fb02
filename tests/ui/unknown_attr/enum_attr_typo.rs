use ferro::Enum;

#[derive(Enum)]
#[ferro(nme = "mood")]
enum Mood {
    Happy,
    Sad,
}

fn main() {}
