//! Generates a migration whenever the accounts' models change.

fn main() {
    ferro_build::Builder::new(data_migration_models::schema()).run();
}
