//! The command line of 1,000 small migrations (`synthetic::small_migrations`:
//! a table, then one `INSERT` each), which `bench/runtime_peers.py` runs as a
//! process beside `sqlx migrate run` and `alembic upgrade head` on the same
//! statements:
//!
//! ```text
//! cargo build --release -p ferro-tests --example bench_apply
//! target/release/examples/bench_apply --database-url sqlite://bench.db upgrade head
//! ```

fn main() -> std::process::ExitCode {
    ferro::runtime::cli::Cli::new()
        .database(
            "bench",
            ferro_tests::synthetic::small_migrations(1000),
            "sqlite://bench.db",
        )
        .run()
}
