use ferro::View;

struct Orders;

#[derive(View)]
#[ferro(sql = "SELECT 1", reads(Orders))]
struct One;

fn main() {}
