//! Generates each database's migrations from its own models: `migrations/app/`
//! from the application's, `migrations/audit/` from the audit log's.

fn main() {
    ferro_build::Builder::new(multi_db_app_models::schema())
        .database("app")
        .run();
    ferro_build::Builder::new(multi_db_audit_models::schema())
        .database("audit")
        .run();
}
