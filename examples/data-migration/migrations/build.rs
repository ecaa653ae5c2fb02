//! Generates a migration whenever the accounts' models change.

fn main() {
    ferro_build::Builder::new(data_migration_models::schema())
        // The binary keeps its debug information in the dev profile, to step
        // through the Rust data step in a debugger; without this line the
        // build links it without (faster after each model edit).
        .link_debug_info(true)
        .run();
}
