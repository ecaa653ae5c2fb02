//! The start-up example (`examples/app.rs`): an application that migrates
//! through its own pool, started twice on one SQLite file, as two instances
//! of a service would be.

#[path = "../examples/app.rs"]
mod app;

use ferro::runtime::{Database, Migrator};

#[test]
fn the_application_migrates_through_its_pool_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("app.db").display());
    ferro_tests::block_on(async {
        let state = app::start(&url).await.unwrap();
        assert_eq!(app::published(&state).await.unwrap(), 0);
        // A second instance finds the database at head.
        let again = app::start(&url).await.unwrap();
        assert_eq!(app::published(&again).await.unwrap(), 0);
        let migrator = Migrator::new(blog_migrations::MIGRATIONS);
        let mut db = Database::from_pool(&state.pool).unwrap();
        assert!(migrator.is_at_head(&mut db).await.unwrap());
        let head = blog_migrations::MIGRATIONS.last().unwrap().revision.id;
        assert_eq!(migrator.current(&mut db).await.unwrap(), [head]);
    });
}
