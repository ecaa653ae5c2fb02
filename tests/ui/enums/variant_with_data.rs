use ferro::Enum;

#[derive(Enum)]
enum Shape {
    Circle(f64),
    Square,
}

fn main() {}
