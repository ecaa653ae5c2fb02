//! Fill display names: every account gets one before the column becomes
//! required (the next migration).
//!
//! Revision `d6d3b542e335`, after `2ffd2e872c07`. Written by `revision`, then by
//! hand: an SQL step for what SQL says well, a Rust step for the rest. Both run
//! in the migration's transaction; if either fails, neither has happened.

use ferro::migration::prelude::*;
use ferro::migration::{Connection, StepFuture};

pub const REVISION: Revision = Revision {
    id: "d6d3b542e335",
    parents: &["2ffd2e872c07"],
    message: "fill display names",
    schema: None,
};

pub fn upgrade(op: &mut Ops) {
    // An account with a full name shows it.
    op.sql("UPDATE account SET display_name = full_name WHERE display_name IS NULL AND full_name <> ''");
    // One without shows the part of its email before the `@`, capitalised:
    // `ada.lovelace@example.com` → `Ada.lovelace`.
    op.rust("display names from emails", names_from_emails);
}

pub fn downgrade(op: &mut Ops) {
    // The column still exists here (the migration before this one drops it):
    // emptying it is the whole reverse.
    op.sql("UPDATE account SET display_name = NULL");
}

fn names_from_emails(conn: &mut Connection) -> StepFuture<'_> {
    Box::pin(async move {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, email FROM account WHERE display_name IS NULL")
                .fetch_all(&mut *conn)
                .await?;
        for (id, email) in rows {
            sqlx::query("UPDATE account SET display_name = $1 WHERE id = $2")
                .bind(name_from_email(&email))
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    })
}

fn name_from_email(email: &str) -> String {
    let local = email.split('@').next().unwrap_or(email);
    let mut chars = local.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
