//! The example's commands; without `--database-url` or `DATABASE_URL` they
//! use the SQLite file `accounts.db` in the working directory.

fn main() -> std::process::ExitCode {
    ferro::runtime::cli::Cli::new()
        .database(
            "accounts",
            data_migration_migrations::MIGRATIONS,
            "sqlite://accounts.db",
        )
        .migrations_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .package(env!("CARGO_PKG_NAME"))
        .run()
}
