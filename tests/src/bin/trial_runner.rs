//! The command line of the trials' history (`ferro_tests::trials`), which the
//! crash and concurrency trials start as separate processes.

fn main() -> std::process::ExitCode {
    ferro::runtime::cli::Cli::new()
        .database("trial", &ferro_tests::trials::MIGRATIONS, "sqlite://trial.db")
        .run()
}
