//! The blog's migration commands: `upgrade`, `downgrade`, `current`,
//! `history`, ... (`--help` lists them). Without `--database-url` or
//! `DATABASE_URL` it works on the SQLite file `blog.db` in the working
//! directory.

fn main() -> std::process::ExitCode {
    ferro::runtime::cli::Cli::new()
        .database("blog", blog_migrations::MIGRATIONS, "sqlite://blog.db")
        .migrations_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .package(env!("CARGO_PKG_NAME"))
        .run()
}
