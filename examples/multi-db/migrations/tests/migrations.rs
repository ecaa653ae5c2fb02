//! Both databases' migrations, tested with `ferro::testing`. The audit
//! database is not the first `Cli::database` adds, so its kit says its name:
//! its version table is `ferro_version_audit`, and
//! `FERRO_TEST_DATABASE_URL_AUDIT` may name a server of its own.

use ferro::testing::{Failure, Kit};

fn app() -> Kit {
    Kit::new(multi_db_migrations::app::MIGRATIONS)
        .models(multi_db_app_models::schema())
        .migrations_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/app"))
}

fn audit() -> Kit {
    Kit::new(multi_db_migrations::audit::MIGRATIONS)
        .database("audit")
        .models(multi_db_audit_models::schema())
        .migrations_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/audit"))
}

/// Every test of the kit on `kit`, stopping at the first failure.
fn all(kit: Kit) -> Result<(), Failure> {
    kit.single_head()?;
    kit.upgrade_base_to_head()?;
    kit.models_match_migrations()?;
    kit.stairway()?;
    kit.downgrade_leaves_no_trace()?;
    kit.data_survives()?;
    kit.checksums_and_history()?;
    kit.safe()
}

#[test]
fn the_app_databases_migrations() -> Result<(), Failure> {
    all(app())
}

#[test]
fn the_audit_databases_migrations() -> Result<(), Failure> {
    all(audit())
}
