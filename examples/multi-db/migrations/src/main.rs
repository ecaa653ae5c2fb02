//! The commands for both databases. Without `--database` they act on `app`
//! (URL: `DATABASE_URL`, else `sqlite://app.db`); `--database audit` on the
//! audit log (URL: `DATABASE_URL_AUDIT`, else `sqlite://audit.db`), whose
//! version table is `ferro_version_audit`, so both can share one database.

fn main() -> std::process::ExitCode {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
    ferro::runtime::cli::Cli::new()
        .database("app", multi_db_migrations::app::MIGRATIONS, "sqlite://app.db")
        .migrations_dir(&format!("{dir}/app"))
        .package(env!("CARGO_PKG_NAME"))
        .database(
            "audit",
            multi_db_migrations::audit::MIGRATIONS,
            "sqlite://audit.db",
        )
        .migrations_dir(&format!("{dir}/audit"))
        .package(env!("CARGO_PKG_NAME"))
        .run()
}
