use ferro::View;

#[derive(View)]
#[ferro(name = "paid_orders")]
struct PaidOrders;

fn main() {}
