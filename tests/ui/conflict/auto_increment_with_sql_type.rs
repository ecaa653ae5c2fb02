use ferro::Model;

#[derive(Model)]
struct Account {
    #[ferro(primary_key, auto_increment, sql_type = "BIGINT")]
    id: i64,
}

fn main() {}
