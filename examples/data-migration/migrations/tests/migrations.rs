//! The data-migration example's migrations, tested with `ferro::testing`,
//! and one test of its data migration alone.

use ferro::migration::{Connection, StepFuture};
use ferro::testing::{Failure, Kit};

/// The data migration that fills `display_name`.
const FILL: &str = "d6d3b542e335";
/// The migration that makes it required.
const REQUIRED: &str = "76d871e8fbdd";

/// From the data migration on, the application writes a display name for
/// every new account: so do the rows the kit makes before the column
/// becomes required.
fn as_the_application_would(conn: &mut Connection) -> StepFuture<'_> {
    Box::pin(async move {
        sqlx::query("UPDATE account SET display_name = email WHERE display_name IS NULL")
            .execute(&mut *conn)
            .await?;
        Ok(())
    })
}

fn kit() -> Kit {
    Kit::new(data_migration_migrations::MIGRATIONS)
        .models(data_migration_models::schema())
        .migrations_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        // Filling display names is the point of that migration (and
        // emptying them, of its downgrade).
        .changes_values(FILL, "account.display_name")
        .before_revision(REQUIRED, as_the_application_would)
}

#[test]
fn single_head() -> Result<(), Failure> {
    kit().single_head()
}

#[test]
fn upgrade_base_to_head() -> Result<(), Failure> {
    kit().upgrade_base_to_head()
}

#[test]
fn models_match_migrations() -> Result<(), Failure> {
    kit().models_match_migrations()
}

#[test]
fn stairway() -> Result<(), Failure> {
    kit().stairway()
}

#[test]
fn downgrade_leaves_no_trace() -> Result<(), Failure> {
    kit().downgrade_leaves_no_trace()
}

#[test]
fn data_survives() -> Result<(), Failure> {
    kit().data_survives()
}

#[test]
fn checksums_and_history() -> Result<(), Failure> {
    kit().checksums_and_history()
}

#[test]
fn safe() -> Result<(), Failure> {
    kit().safe()
}

/// The data migration alone: accounts from before it get a display name
/// from their full name, or from their email when they have none.
#[test]
fn the_data_migration_fills_display_names() -> Result<(), Box<dyn std::error::Error>> {
    let mut db = kit().scratch()?;
    db.upgrade_to("2ffd2e872c07")?;
    db.execute(
        "INSERT INTO account (email, full_name) VALUES ('ada@example.com', 'Ada Lovelace'), \
         ('grace.hopper@example.com', '')",
    )?;
    db.upgrade_to(FILL)?;
    let names = db.query("SELECT display_name FROM account ORDER BY id", 1)?;
    assert_eq!(
        names,
        [
            [Some("Ada Lovelace".to_owned())],
            [Some("Grace.hopper".to_owned())]
        ]
    );
    Ok(())
}
