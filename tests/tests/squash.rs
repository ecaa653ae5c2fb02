//! Squashes against real databases (SQLite, PostgreSQL, MariaDB): a fresh
//! database runs the squash; one that applied the whole range records it
//! without running anything; one that applied part gets the rest, then the
//! squash; one that applied part with the rest's files gone is refused and
//! left as it was; and a squash of a squash settles through both.
//!
//! The histories are hand-written, as `squash` writes them: the squash's
//! upgrade records the replaced upgrades in order, its downgrade theirs in
//! reverse. Two of the replaced migrations hold their steps as constants,
//! as generated files do, and the others as functions, as hand-written ones
//! do. (The command's file, and the build after it, are tested in
//! `build_flow.rs`.)

use std::sync::{Arc, Mutex};

use ferro::migration::prelude::*;
use ferro::migration::{Body, Migration};
use ferro::runtime::{Database, Event, MigrateError, Migrator, Target};
use ferro_tests::migration;
use ferro_tests::shape::{Shape, shape};

fn users_up(op: &mut Ops) {
    op.create_table("users", |t| {
        t.column("id", SqlType::BigInt).auto_increment();
        t.column("email", SqlType::Varchar(120));
        t.primary_key("pk_users", ["id"]);
    });
}
fn users_down(op: &mut Ops) {
    op.drop_table("users");
}
/// The two migrations written as constants, as `ferro-build` writes them.
mod constants {
    use ferro::migration::steps::*;

    pub(crate) const AGE_UP: Steps = &[add_column(
        "users",
        &Column::new("age", SqlType::Integer).nullable(),
    )];
    pub(crate) const AGE_DOWN: Steps = &[drop_column("users", "age").acknowledged(true)];
    pub(crate) const POSTS_UP: Steps = &[create_table(
        &Table::new(
            "posts",
            &[
                Column::new("id", SqlType::BigInt).auto_increment(),
                Column::new("author_id", SqlType::BigInt),
            ],
        )
        .primary_key(PrimaryKey::new("pk_posts", &["id"]))
        .foreign_keys(&[ForeignKey::new(
            "fk_posts_author_id_users",
            &["author_id"],
            "users",
            &["id"],
        )]),
    )];
    pub(crate) const POSTS_DOWN: Steps = &[drop_table("posts")];
}
fn age_up(op: &mut Ops) {
    ferro::migration::steps::record(op, constants::AGE_UP);
}
fn age_down(op: &mut Ops) {
    ferro::migration::steps::record(op, constants::AGE_DOWN);
}
/// A data step with its reverse: it must run exactly once on every path.
fn seed_up(op: &mut Ops) {
    op.sql("INSERT INTO users (email) VALUES ('first@example.com')");
}
fn seed_down(op: &mut Ops) {
    op.sql("DELETE FROM users WHERE email = 'first@example.com'");
}
fn posts_up(op: &mut Ops) {
    ferro::migration::steps::record(op, constants::POSTS_UP);
}
fn posts_down(op: &mut Ops) {
    ferro::migration::steps::record(op, constants::POSTS_DOWN);
}
fn views_up(op: &mut Ops) {
    op.add_column("posts", Column::new("views", SqlType::Integer).nullable());
}
fn views_down(op: &mut Ops) {
    op.drop_column("posts", "views").acknowledged(true);
}
fn nick_up(op: &mut Ops) {
    op.add_column("users", Column::new("nick", SqlType::Varchar(40)).nullable());
}
fn nick_down(op: &mut Ops) {
    op.drop_column("users", "nick").acknowledged(true);
}
fn squash_up(op: &mut Ops) {
    age_up(op);
    seed_up(op);
    posts_up(op);
}
fn squash_down(op: &mut Ops) {
    posts_down(op);
    seed_down(op);
    age_down(op);
}
fn twice_up(op: &mut Ops) {
    squash_up(op);
    views_up(op);
}
fn twice_down(op: &mut Ops) {
    views_down(op);
    squash_down(op);
}

const P: Migration = migration(
    "0001_users.rs",
    "users",
    "a1a1a1a1a1a1",
    &[],
    users_up,
    users_down,
);
const A: Migration = Migration {
    upgrade: Body::Steps(constants::AGE_UP),
    downgrade: Body::Steps(constants::AGE_DOWN),
    ..migration(
        "0002_age.rs",
        "age",
        "b2b2b2b2b2b2",
        &["a1a1a1a1a1a1"],
        age_up,
        age_down,
    )
};
const B: Migration = migration(
    "0003_seed.rs",
    "seed",
    "c3c3c3c3c3c3",
    &["b2b2b2b2b2b2"],
    seed_up,
    seed_down,
);
const C: Migration = Migration {
    upgrade: Body::Steps(constants::POSTS_UP),
    downgrade: Body::Steps(constants::POSTS_DOWN),
    ..migration(
        "0004_posts.rs",
        "posts",
        "d4d4d4d4d4d4",
        &["c3c3c3c3c3c3"],
        posts_up,
        posts_down,
    )
};
const D: Migration = migration(
    "0005_views.rs",
    "views",
    "e5e5e5e5e5e5",
    &["d4d4d4d4d4d4"],
    views_up,
    views_down,
);
/// Squashes A, B and C.
const S: Migration = Migration {
    replaces: &["b2b2b2b2b2b2", "c3c3c3c3c3c3", "d4d4d4d4d4d4"],
    ..migration(
        "0006_squash.rs",
        "squash a to c",
        "f6f6f6f6f6f6",
        &["a1a1a1a1a1a1"],
        squash_up,
        squash_down,
    )
};
/// Squashes S and D.
const T: Migration = Migration {
    replaces: &["f6f6f6f6f6f6", "e5e5e5e5e5e5"],
    ..migration(
        "0007_again.rs",
        "squash s and d",
        "a7a7a7a7a7a7",
        &["a1a1a1a1a1a1"],
        twice_up,
        twice_down,
    )
};
/// After D, written once S was in.
const E: Migration = migration(
    "0008_nick.rs",
    "nick",
    "b8b8b8b8b8b8",
    &["e5e5e5e5e5e5"],
    nick_up,
    nick_down,
);

/// Before any squash.
static ORIGINAL: [Migration; 5] = [P, A, B, C, D];
/// The squash beside the files it replaces.
static SQUASHED: [Migration; 6] = [P, A, B, C, S, D];
/// The squash with the replaced files deleted.
static DELETED: [Migration; 3] = [P, S, D];
/// The squash squashed with D, S's own originals deleted; E after.
static TWICE: [Migration; 5] = [P, S, D, T, E];
/// Every replaced file deleted.
static TWICE_DELETED: [Migration; 3] = [P, T, E];

fn expect(tables: &[(&str, &[&str])]) -> Shape {
    tables
        .iter()
        .map(|(t, cs)| ((*t).to_owned(), cs.iter().map(|c| (*c).to_owned()).collect()))
        .collect()
}

const AT_HEAD: &[(&str, &[&str])] = &[
    ("posts", &["id", "author_id", "views"]),
    ("users", &["id", "email", "age"]),
];
const WITH_NICK: &[(&str, &[&str])] = &[
    ("posts", &["id", "author_id", "views"]),
    ("users", &["id", "email", "age", "nick"]),
];

/// The version table's revisions, in the order a downgrade reverts them
/// backwards.
async fn recorded(migrator: &Migrator, db: &mut Database) -> Vec<String> {
    let mut rows = migrator.applied(db).await.unwrap();
    rows.sort_by_key(|r| r.seq);
    rows.into_iter().map(|r| r.revision).collect()
}

/// How many times the seed row is there, as text every backend returns.
async fn seed_count(url: &str) -> usize {
    use sqlx::{Connection as _, Row as _};
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    sqlx::query("SELECT email FROM users WHERE email = 'first@example.com'")
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .filter(|row| row.get::<String, _>(0) == "first@example.com")
        .count()
}

/// A migrator over `migrations` that notes each squash it records.
fn watched(migrations: &'static [Migration]) -> (Migrator, Arc<Mutex<Vec<String>>>) {
    let squashed = Arc::new(Mutex::new(Vec::new()));
    let seen = squashed.clone();
    let migrator = Migrator::new(migrations).on_event(move |event| {
        if let Event::Squashed { revision, replaces } = event {
            seen.lock()
                .unwrap()
                .push(format!("{revision} for {}", replaces.join(" ")));
        }
    });
    (migrator, squashed)
}

fn ids(applied: &[ferro::runtime::Applied]) -> Vec<&'static str> {
    applied.iter().map(|a| a.revision).collect()
}

async fn a_fresh_database_runs_the_squash(url: String) {
    let mut db = Database::connect(&url).await.unwrap();
    let migrator = Migrator::new(&DELETED);
    let done = migrator.upgrade(&mut db, &Target::Head).await.unwrap();
    assert_eq!(ids(&done), [P.revision.id, S.revision.id, D.revision.id]);
    assert_eq!(shape(&url).await, expect(AT_HEAD));
    assert_eq!(seed_count(&url).await, 1);
    assert!(migrator.is_at_head(&mut db).await.unwrap());
    // With the originals still there, a fresh database runs the squash too.
    let mut again = Database::connect(&url).await.unwrap();
    Migrator::new(&DELETED)
        .downgrade(&mut again, &Target::Base)
        .await
        .unwrap();
    assert_eq!(shape(&url).await, expect(&[]));
    let done = Migrator::new(&SQUASHED)
        .upgrade(&mut again, &Target::Head)
        .await
        .unwrap();
    assert_eq!(ids(&done), [P.revision.id, S.revision.id, D.revision.id]);
    assert_eq!(seed_count(&url).await, 1);
}

async fn a_database_with_the_range_applied_records_the_squash(url: String) {
    let mut db = Database::connect(&url).await.unwrap();
    Migrator::new(&ORIGINAL)
        .upgrade(&mut db, &Target::Head)
        .await
        .unwrap();
    let (migrator, squashed) = watched(&DELETED);
    // Before the next run records it, the reads see the squash applied.
    assert_eq!(migrator.current(&mut db).await.unwrap(), [D.revision.id]);
    migrator.verify(&mut db).await.unwrap();
    assert!(
        !migrator.is_at_head(&mut db).await.unwrap(),
        "the squash is not recorded yet"
    );
    let done = migrator.upgrade(&mut db, &Target::Head).await.unwrap();
    assert!(done.is_empty(), "nothing ran: {:?}", ids(&done));
    assert_eq!(
        *squashed.lock().unwrap(),
        [format!(
            "{} for b2b2b2b2b2b2 c3c3c3c3c3c3 d4d4d4d4d4d4",
            S.revision.id
        )]
    );
    // The squash takes the place of the newest revision it replaces.
    assert_eq!(
        recorded(&migrator, &mut db).await,
        [P.revision.id, S.revision.id, D.revision.id]
    );
    assert!(migrator.is_at_head(&mut db).await.unwrap());
    assert_eq!(seed_count(&url).await, 1);
    assert_eq!(shape(&url).await, expect(AT_HEAD));
    // Reverting goes back through D, then the squash whole.
    let back = migrator.downgrade(&mut db, &Target::Back(1)).await.unwrap();
    assert_eq!(ids(&back), [D.revision.id]);
    let back = migrator.downgrade(&mut db, &Target::Back(1)).await.unwrap();
    assert_eq!(ids(&back), [S.revision.id]);
    assert_eq!(shape(&url).await, expect(&[("users", &["id", "email"])]));
    assert_eq!(seed_count(&url).await, 0);
    assert_eq!(recorded(&migrator, &mut db).await, [P.revision.id]);
}

async fn a_database_with_part_applied_gets_the_rest_then_the_squash(url: String) {
    let mut db = Database::connect(&url).await.unwrap();
    let a = Target::Revision(A.revision.id.to_owned());
    Migrator::new(&ORIGINAL).upgrade(&mut db, &a).await.unwrap();
    let before = shape(&url).await;

    // Without the rest's files the squash cannot be finished: refused, and
    // nothing changes.
    let migrator = Migrator::new(&DELETED);
    let error = migrator.upgrade(&mut db, &Target::Head).await.unwrap_err();
    assert!(matches!(error, MigrateError::PartlySquashed { .. }), "{error}");
    assert_eq!(error.exit_code(), 18);
    assert!(
        error.to_string().contains("c3c3c3c3c3c3, d4d4d4d4d4d4"),
        "{error}"
    );
    assert_eq!(shape(&url).await, before);
    assert_eq!(recorded(&migrator, &mut db).await, [P.revision.id, A.revision.id]);

    // With them, the rest runs, then the squash is recorded, then D.
    let (migrator, squashed) = watched(&SQUASHED);
    assert_eq!(migrator.current(&mut db).await.unwrap(), [A.revision.id]);
    let done = migrator.upgrade(&mut db, &Target::Head).await.unwrap();
    assert_eq!(ids(&done), [B.revision.id, C.revision.id, D.revision.id]);
    assert_eq!(squashed.lock().unwrap().len(), 1);
    assert_eq!(
        recorded(&migrator, &mut db).await,
        [P.revision.id, S.revision.id, D.revision.id]
    );
    assert_eq!(seed_count(&url).await, 1, "the data step ran once");
    assert_eq!(shape(&url).await, expect(AT_HEAD));
}

/// A replaced file that changed after the database applied it is refused
/// before the squash is recorded, as a changed file always is.
async fn a_changed_original_is_refused_before_the_squash(url: String) {
    static CHANGED: [Migration; 6] = [
        P,
        A,
        Migration {
            source: "seed, edited after it was applied",
            ..B
        },
        C,
        S,
        D,
    ];
    let mut db = Database::connect(&url).await.unwrap();
    Migrator::new(&ORIGINAL)
        .upgrade(&mut db, &Target::Head)
        .await
        .unwrap();
    let migrator = Migrator::new(&CHANGED);
    let error = migrator.upgrade(&mut db, &Target::Head).await.unwrap_err();
    assert!(matches!(error, MigrateError::ChecksumMismatch { .. }), "{error}");
    assert_eq!(
        recorded(&migrator, &mut db).await,
        [P, A, B, C, D].map(|m| m.revision.id)
    );
}

async fn a_downgrade_reverts_a_part_one_by_one(url: String) {
    let mut db = Database::connect(&url).await.unwrap();
    let b = Target::Revision(B.revision.id.to_owned());
    Migrator::new(&ORIGINAL).upgrade(&mut db, &b).await.unwrap();
    let migrator = Migrator::new(&SQUASHED);
    let back = migrator.downgrade(&mut db, &Target::Base).await.unwrap();
    assert_eq!(ids(&back), [B.revision.id, A.revision.id, P.revision.id]);
    assert_eq!(shape(&url).await, expect(&[]));
    // With the files gone the same database cannot go down either.
    Migrator::new(&ORIGINAL).upgrade(&mut db, &b).await.unwrap();
    let error = Migrator::new(&DELETED)
        .downgrade(&mut db, &Target::Base)
        .await
        .unwrap_err();
    assert!(matches!(error, MigrateError::PartlySquashed { .. }), "{error}");
    assert_eq!(seed_count(&url).await, 1);
}

async fn a_squash_of_a_squash(url: String) {
    // Applied before either squash: both are recorded, then E runs.
    let mut db = Database::connect(&url).await.unwrap();
    Migrator::new(&ORIGINAL)
        .upgrade(&mut db, &Target::Head)
        .await
        .unwrap();
    let (migrator, squashed) = watched(&TWICE);
    let done = migrator.upgrade(&mut db, &Target::Head).await.unwrap();
    assert_eq!(ids(&done), [E.revision.id]);
    let recorded_squashes = squashed.lock().unwrap().clone();
    assert_eq!(recorded_squashes.len(), 2, "{recorded_squashes:?}");
    assert_eq!(
        recorded(&migrator, &mut db).await,
        [P.revision.id, T.revision.id, E.revision.id]
    );
    assert_eq!(shape(&url).await, expect(WITH_NICK));
    assert_eq!(seed_count(&url).await, 1);
    // Every replaced file deleted: the same database is at head.
    let last = Migrator::new(&TWICE_DELETED);
    assert!(last.is_at_head(&mut db).await.unwrap());
    // Reverting T runs the inner squash's downgrade through it.
    let back = last.downgrade(&mut db, &Target::Back(2)).await.unwrap();
    assert_eq!(ids(&back), [E.revision.id, T.revision.id]);
    assert_eq!(shape(&url).await, expect(&[("users", &["id", "email"])]));
    assert_eq!(seed_count(&url).await, 0);

    // From the first squash with D still to run: D runs, then T is recorded.
    Migrator::new(&DELETED)
        .upgrade(&mut db, &Target::Revision(S.revision.id.to_owned()))
        .await
        .unwrap();
    let done = Migrator::new(&TWICE)
        .upgrade(&mut db, &Target::Head)
        .await
        .unwrap();
    assert_eq!(ids(&done), [D.revision.id, E.revision.id]);
    assert_eq!(
        recorded(&migrator, &mut db).await,
        [P.revision.id, T.revision.id, E.revision.id]
    );
    let settled = shape(&url).await;
    assert_eq!(settled, expect(WITH_NICK));

    // A fresh database runs T alone and ends with the same tables.
    let (fresh, _dir) = ferro_tests::fresh_database(dialect(&url), "squash_fresh").expect("a database");
    let mut other = Database::connect(&fresh).await.unwrap();
    let done = Migrator::new(&TWICE_DELETED)
        .upgrade(&mut other, &Target::Head)
        .await
        .unwrap();
    assert_eq!(ids(&done), [P.revision.id, T.revision.id, E.revision.id]);
    assert_eq!(shape(&fresh).await, settled);
    assert_eq!(seed_count(&fresh).await, 1);
}

fn dialect(url: &str) -> ferro::runtime::Dialect {
    ferro::runtime::Dialect::of_url(url).expect("a known scheme")
}

/// The testing kit takes a history with squashes as a fresh database runs
/// it: the squash, not what it replaces.
#[test]
fn the_kit_steps_through_the_squashes() {
    for migrations in [&SQUASHED[..], &DELETED[..], &TWICE[..], &TWICE_DELETED[..]] {
        let migrations: &'static [Migration] = migrations;
        let kit = ferro::testing::Kit::new(migrations);
        kit.single_head().unwrap();
        kit.upgrade_base_to_head().unwrap();
        kit.stairway().unwrap();
        kit.downgrade_leaves_no_trace().unwrap();
    }
}

ferro_tests::on_every_backend!(
    "squash":
    a_fresh_database_runs_the_squash,
    a_database_with_the_range_applied_records_the_squash,
    a_database_with_part_applied_gets_the_rest_then_the_squash,
    a_downgrade_reverts_a_part_one_by_one,
    a_changed_original_is_refused_before_the_squash,
    a_squash_of_a_squash,
);
