use ferro::View;

#[derive(View)]
#[ferro(sql = "SELECT 1", reads("orders"))]
struct One;

fn main() {}
