//! A throwaway PostgreSQL server for `bench/compare.sh`, started from the
//! system's binaries as the tests start theirs: prints the URL of an empty
//! database on it, then keeps the server until its standard input closes.
//!
//! ```text
//! cargo run -p ferro-tests --example bench_pg
//! ```

use std::io::{Read as _, Write as _};

fn main() {
    let server = ferro_tests::pg::server().expect("the PostgreSQL binaries (see tests/src/pg.rs)");
    println!("{}", server.create_database());
    std::io::stdout().flush().expect("stdout");
    // Until whoever started it is done: the server goes with this process.
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
}
