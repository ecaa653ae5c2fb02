use ferro::View;

#[derive(View)]
#[ferro(sql = "SELECT 1", materialised)]
struct One;

fn main() {}
