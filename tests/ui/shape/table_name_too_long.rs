use ferro::Model;

#[derive(Model)]
#[ferro(table = "a_table_name_that_is_far_too_long_for_postgresql_to_keep_it_whole")]
struct Account {
    #[ferro(primary_key)]
    id: i64,
}

fn main() {}
