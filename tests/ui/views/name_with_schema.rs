use ferro::View;

#[derive(View)]
#[ferro(name = "billing.open", sql = "SELECT 1")]
struct Open;

fn main() {}
