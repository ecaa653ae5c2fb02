//! Tests of a migrations crate's own migrations, for its `tests/` folder:
//! pytest-alembic's built-in tests and more (the `testing` feature).
//!
//! ```no_run
//! # mod shop_migrations { pub static MIGRATIONS: &[ferro::migration::Migration] = &[]; }
//! # mod shop_models { pub fn schema() -> Result<ferro::Schema, ferro::SchemaError> { ferro::schema!() } }
//! use ferro::testing::{Failure, Kit};
//!
//! fn kit() -> Kit {
//!     Kit::new(shop_migrations::MIGRATIONS)
//!         .models(shop_models::schema())
//!         .migrations_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
//! }
//!
//! #[test]
//! fn single_head() -> Result<(), Failure> {
//!     kit().single_head()
//! }
//!
//! #[test]
//! fn stairway() -> Result<(), Failure> {
//!     kit().stairway()
//! }
//! ```
//!
//! Each test runs on a database of its own ([`Scratch`]): a SQLite file by
//! default; with `FERRO_TEST_DATABASE_URL=postgres://…` (or `mysql://…`) a
//! new database on that server, dropped afterwards. The tests block: call
//! them from plain `#[test]` functions, not from inside an async runtime.
//! A failure says which test, which revision (id and file), which step and
//! what differs. `docs/testing.md` is the guide.

mod rows;
mod scratch;

use std::fmt;
use std::path::PathBuf;

pub use scratch::{DATABASE_URL_VARIABLE, Scratch};

use crate::migration::{Migration, Op, State, StepFuture};
use crate::runtime::{Applied, Database, Graph, Migrator, Target, introspect, stored};
use crate::schema::{Schema, SchemaError, Table};

/// Why a test of the kit failed: the test, the revision and the step it was
/// at, and what it found, in words. Its `Debug` is its `Display`, so a test
/// that returns `Result<(), Failure>` prints it readably.
pub struct Failure {
    test: &'static str,
    at: Option<String>,
    what: String,
}

impl Failure {
    fn new(test: &'static str, at: Option<String>, what: impl Into<String>) -> Failure {
        Failure {
            test,
            at,
            what: what.into(),
        }
    }

    fn setup(what: impl Into<String>) -> Failure {
        Failure::new("set-up", None, what)
    }

    /// The test that failed (`stairway`, `data_survives`, …).
    pub fn test(&self) -> &str {
        self.test
    }

    /// Where it failed: the revision (id and file) and the step.
    pub fn at(&self) -> Option<&str> {
        self.at.as_deref()
    }

    /// What it found.
    pub fn what(&self) -> &str {
        &self.what
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.at {
            Some(at) => write!(f, "{}: {at}: {}", self.test, self.what),
            None => write!(f, "{}: {}", self.test, self.what),
        }
    }
}

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Failure {}

/// A data step of the test's own, run before a revision is upgraded to:
/// rows the generated ones cannot stand for.
pub type Seed = for<'c> fn(&'c mut crate::runtime::Connection) -> StepFuture<'c>;

/// The tests, over one migrations crate's migrations; see the
/// [module](self).
pub struct Kit {
    migrations: &'static [Migration],
    models: Option<Result<Schema, String>>,
    dir: Option<PathBuf>,
    database: Option<String>,
    server: Option<String>,
    seeds: Vec<(String, Seed)>,
    changing: Vec<(String, String)>,
    judged: Vec<crate::runtime::Dialect>,
}

impl Kit {
    /// The tests of `migrations` (a crate's `MIGRATIONS`).
    pub fn new(migrations: &'static [Migration]) -> Kit {
        Kit {
            migrations,
            models: None,
            dir: None,
            database: None,
            server: None,
            seeds: Vec::new(),
            changing: Vec::new(),
            judged: Vec::new(),
        }
    }

    /// The models' schema (`models_crate::schema()`), for
    /// [`Kit::models_match_migrations`].
    pub fn models(mut self, schema: Result<Schema, SchemaError>) -> Kit {
        self.models = Some(schema.map_err(|e| e.to_string()));
        self
    }

    /// The migrations folder (`concat!(env!("CARGO_MANIFEST_DIR"),
    /// "/migrations")`): its `snapshot.json`, and its files as git has them.
    pub fn migrations_dir(mut self, dir: &str) -> Kit {
        self.dir = Some(PathBuf::from(dir));
        self
    }

    /// For a crate with several databases, the one these migrations are
    /// for, as `Cli::database` names it: its version table
    /// (`ferro_version_<name>`) and its variable,
    /// `FERRO_TEST_DATABASE_URL_<NAME>` before `FERRO_TEST_DATABASE_URL`.
    pub fn database(mut self, name: &str) -> Kit {
        self.database = Some(name.to_owned());
        self
    }

    /// The PostgreSQL or MySQL/MariaDB server for the tests' databases (each
    /// test makes one of its own there and drops it), instead of what
    /// `FERRO_TEST_DATABASE_URL` says.
    pub fn server(mut self, url: &str) -> Kit {
        self.server = Some(url.to_owned());
        self
    }

    /// Runs `seed` before every upgrade to `revision` (an id or a prefix of
    /// one), in [`Kit::upgrade_base_to_head`] and [`Kit::data_survives`], as
    /// pytest-alembic's `before_revision_data`: rows of the test's own, or
    /// (in `data_survives`, where it runs after the kit's rows go in) the
    /// rows made what the application would have made them by then.
    pub fn before_revision(mut self, revision: &str, seed: Seed) -> Kit {
        self.seeds.push((revision.to_owned(), seed));
        self
    }

    /// Says that migration `revision` changes the values of `column`
    /// (`table.column`, by the names before the migration) on purpose, so
    /// [`Kit::data_survives`] does not compare them.
    pub fn changes_values(mut self, revision: &str, column: &str) -> Kit {
        self.changing.push((revision.to_owned(), column.to_owned()));
        self
    }

    /// A database [`Kit::safe`] judges the migrations for, as `lint
    /// --dialect` does; call it once for each database the crate deploys
    /// to. Without it, `safe` judges for the database the tests run on.
    pub fn lint_for(mut self, dialect: crate::runtime::Dialect) -> Kit {
        self.judged.push(dialect);
        self
    }

    fn migrator(&self) -> Migrator {
        let migrator = Migrator::new(self.migrations);
        match &self.database {
            Some(name) => {
                let table = format!("{}_{}", crate::runtime::DEFAULT_TABLE, name.replace('-', "_"));
                migrator.version_table(table)
            }
            None => migrator,
        }
    }

    fn variable(&self) -> String {
        match &self.database {
            Some(name) => format!(
                "{DATABASE_URL_VARIABLE}_{}",
                name.to_uppercase().replace('-', "_")
            ),
            None => DATABASE_URL_VARIABLE.to_owned(),
        }
    }

    /// A throwaway database at base, for a test of the crate's own: seed
    /// rows at one revision, upgrade to the next, look at what the data
    /// migration made of them.
    pub fn scratch(&self) -> Result<Scratch, Failure> {
        self.new_scratch("scratch")
    }

    fn new_scratch(&self, test: &str) -> Result<Scratch, Failure> {
        Scratch::new(
            test,
            self.server.clone().or_else(|| self.server_from_env()),
            self.migrator(),
        )
    }

    /// The server the environment names: `FERRO_TEST_DATABASE_URL_<NAME>`
    /// for a named database, else `FERRO_TEST_DATABASE_URL`.
    fn server_from_env(&self) -> Option<String> {
        std::env::var(self.variable())
            .ok()
            .or_else(|| std::env::var(DATABASE_URL_VARIABLE).ok())
            .filter(|url| !url.is_empty())
    }

    fn graph(&self, test: &'static str) -> Result<Graph, Failure> {
        Graph::new(self.migrations).map_err(|e| Failure::new(test, None, e.to_string()))
    }

    /// The migrations a fresh database runs (a squash, not what it
    /// replaces), in an order they apply in, oldest first.
    fn in_order(&self, test: &'static str) -> Result<Vec<&'static Migration>, Failure> {
        let graph = self.graph(test)?;
        let effective: Vec<&'static Migration> = graph.effective().collect();
        let mut done: Vec<&'static str> = Vec::new();
        let mut out = Vec::new();
        while out.len() < effective.len() {
            let next = effective.iter().copied().find(|m| {
                !done.contains(&m.revision.id)
                    && graph.parents(m.revision.id).iter().all(|p| done.contains(p))
            });
            let Some(next) = next else {
                return Err(Failure::new(test, None, "the revisions' parents form a cycle"));
            };
            done.push(next.revision.id);
            out.push(next);
        }
        Ok(out)
    }

    /// One head: no two branches left unmerged.
    pub fn single_head(&self) -> Result<(), Failure> {
        let heads = self.graph("single_head")?.heads();
        match heads.len() {
            1 => Ok(()),
            0 => Err(Failure::new("single_head", None, "there are no migrations")),
            _ => Err(Failure::new(
                "single_head",
                None,
                format!(
                    "{} heads ({}): join them with `merge heads -m \"…\"`",
                    heads.len(),
                    heads.join(", ")
                ),
            )),
        }
    }

    /// Every migration applies, one after another, from an empty database.
    pub fn upgrade_base_to_head(&self) -> Result<(), Failure> {
        const TEST: &str = "upgrade_base_to_head";
        let order = self.in_order(TEST)?;
        let mut scratch = self.new_scratch("up")?;
        for m in order {
            let (runtime, db, migrator) = scratch.parts();
            runtime
                .block_on(self.seed(db, m))
                .map_err(|e| Failure::new(TEST, Some(at(m, "its seed")), e))?;
            runtime
                .block_on(migrator.upgrade(db, &Target::Revision(m.revision.id.to_owned())))
                .map_err(|e| Failure::new(TEST, Some(at(m, "upgrade")), e.to_string()))?;
        }
        Ok(())
    }

    /// The snapshot is the models' schema, and the database the migrations
    /// build is the snapshot's schema (as the database stores it).
    pub fn models_match_migrations(&self) -> Result<(), Failure> {
        const TEST: &str = "models_match_migrations";
        let snapshot = self.snapshot(TEST)?;
        let models = match &self.models {
            Some(Ok(models)) => models,
            Some(Err(e)) => {
                return Err(Failure::new(
                    TEST,
                    None,
                    format!("the models do not resolve: {e}"),
                ));
            }
            None => {
                return Err(Failure::new(
                    TEST,
                    None,
                    "call `Kit::models(models_crate::schema())` first",
                ));
            }
        };
        // As the build compares them: the models' state (without rename
        // hints) against the snapshot, by fingerprint.
        if crate::snapshot::Serialized::state(models).fingerprint()
            != crate::snapshot::fingerprint(&snapshot.schema)
        {
            let changes = differences(&snapshot.schema, &models.without_hints());
            return Err(Failure::new(
                TEST,
                None,
                format!(
                    "the models changed without a migration (run `cargo build` to write it); they need:\n  {}",
                    changes.join("\n  ")
                ),
            ));
        }
        let mut scratch = self.new_scratch("models")?;
        let (runtime, db, migrator) = scratch.parts();
        runtime
            .block_on(migrator.upgrade(db, &Target::Heads))
            .map_err(|e| Failure::new(TEST, Some("upgrade heads".to_owned()), e.to_string()))?;
        let actual = runtime
            .block_on(introspect(db, migrator.version_table_name()))
            .map_err(|e| Failure::new(TEST, None, e.to_string()))?;
        let expected = stored(db.dialect(), &snapshot.schema);
        let changes = differences(&actual, &expected);
        if changes.is_empty() {
            Ok(())
        } else {
            Err(Failure::new(
                TEST,
                Some("after upgrade heads".to_owned()),
                format!(
                    "the {} database the migrations build is not the snapshot's schema; to match it, it would need:\n  {}",
                    db.dialect().name(),
                    changes.join("\n  ")
                ),
            ))
        }
    }

    /// For each revision in turn: up, down, up again, the schema compared
    /// with the one before at each point.
    pub fn stairway(&self) -> Result<(), Failure> {
        const TEST: &str = "stairway";
        let order = self.in_order(TEST)?;
        let mut scratch = self.new_scratch("stairway")?;
        let (runtime, db, migrator) = scratch.parts();
        let mut before = read(TEST, runtime, db, migrator)?;
        for m in order {
            up(runtime, db, migrator, m).map_err(|e| Failure::new(TEST, Some(at(m, "upgrade")), e))?;
            let after = read(TEST, runtime, db, migrator)?;
            if is_irreversible(m) {
                before = after;
                continue;
            }
            down(runtime, db, migrator, m).map_err(|e| Failure::new(TEST, Some(at(m, "downgrade")), e))?;
            let back = read(TEST, runtime, db, migrator)?;
            same(&back, &before).map_err(|d| {
                Failure::new(
                    TEST,
                    Some(at(m, "downgrade")),
                    format!("the schema is not the one before the upgrade; it would need:\n  {d}"),
                )
            })?;
            up(runtime, db, migrator, m).map_err(|e| Failure::new(TEST, Some(at(m, "upgrade again")), e))?;
            let again = read(TEST, runtime, db, migrator)?;
            same(&again, &after).map_err(|d| {
                Failure::new(
                    TEST,
                    Some(at(m, "upgrade again")),
                    format!("the schema is not the one the first upgrade left; it would need:\n  {d}"),
                )
            })?;
            before = after;
        }
        Ok(())
    }

    /// Upgrades from base to head, then downgrades one revision at a time:
    /// after each downgrade the schema is the one before that revision's
    /// upgrade (down to the newest irreversible migration, if there is one).
    pub fn downgrade_leaves_no_trace(&self) -> Result<(), Failure> {
        const TEST: &str = "downgrade_leaves_no_trace";
        let order = self.in_order(TEST)?;
        let mut scratch = self.new_scratch("down")?;
        let (runtime, db, migrator) = scratch.parts();
        let mut schemas = vec![read(TEST, runtime, db, migrator)?];
        for m in &order {
            up(runtime, db, migrator, m).map_err(|e| Failure::new(TEST, Some(at(m, "upgrade")), e))?;
            schemas.push(read(TEST, runtime, db, migrator)?);
        }
        for (i, m) in order.iter().enumerate().rev() {
            if is_irreversible(m) {
                break;
            }
            down(runtime, db, migrator, m).map_err(|e| Failure::new(TEST, Some(at(m, "downgrade")), e))?;
            let back = read(TEST, runtime, db, migrator)?;
            same(&back, &schemas[i]).map_err(|d| {
                Failure::new(
                    TEST,
                    Some(at(m, "downgrade")),
                    format!("it left the schema other than before its upgrade; it would need:\n  {d}"),
                )
            })?;
        }
        Ok(())
    }

    /// Rows generated from the schema at each revision (keys, uniques,
    /// foreign keys, checks and enums respected) go in before each upgrade,
    /// and every value the next revision keeps is still there after it;
    /// then the same for each downgrade, from head down.
    pub fn data_survives(&self) -> Result<(), Failure> {
        const TEST: &str = "data_survives";
        let order = self.in_order(TEST)?;
        let mut scratch = self.new_scratch("data")?;
        let (runtime, db, migrator) = scratch.parts();
        let mut state = State::default();
        let mut batch = 0;
        let mut states = vec![state.clone()];
        for m in &order {
            batch += 1;
            let steps: Vec<Op> = m.upgrade_steps().into_iter().map(|s| s.op).collect();
            let mut next = state.clone();
            for op in &steps {
                next.apply(op)
                    .map_err(|e| Failure::new(TEST, Some(at(m, "upgrade")), e.to_string()))?;
            }
            self.cross(
                runtime,
                db,
                migrator,
                m,
                (&state.tables, &next.tables),
                &steps,
                batch,
                true,
            )
            .map_err(|e| Failure::new(TEST, Some(at(m, "upgrade")), e))?;
            state = next;
            states.push(state.clone());
        }
        for (i, m) in order.iter().enumerate().rev() {
            if is_irreversible(m) {
                break;
            }
            batch += 1;
            let steps: Vec<Op> = m.downgrade_steps().into_iter().map(|s| s.op).collect();
            self.cross(
                runtime,
                db,
                migrator,
                m,
                (&states[i + 1].tables, &states[i].tables),
                &steps,
                batch,
                false,
            )
            .map_err(|e| Failure::new(TEST, Some(at(m, "downgrade")), e))?;
        }
        Ok(())
    }

    /// Inserts a batch of rows into `tables.0`, runs `m` up (or down), and
    /// compares the values the steps keep.
    #[allow(clippy::too_many_arguments)]
    fn cross(
        &self,
        runtime: &tokio::runtime::Runtime,
        db: &mut Database,
        migrator: &Migrator,
        m: &Migration,
        tables: (&[Table], &[Table]),
        steps: &[Op],
        batch: usize,
        upgrade: bool,
    ) -> Result<(), String> {
        let (from, to) = tables;
        runtime
            .block_on(rows::insert(db, from, batch))
            .map_err(|e| format!("cannot insert rows: {e}"))?;
        if upgrade {
            runtime
                .block_on(self.seed(db, m))
                .map_err(|e| format!("its seed: {e}"))?;
        }
        let before = runtime
            .block_on(rows::read(db, from))
            .map_err(|e| e.to_string())?;
        let held: usize = before.values().map(Vec::len).sum();
        let run = if upgrade {
            up(runtime, db, migrator, m)
        } else {
            down(runtime, db, migrator, m)
        };
        run.map_err(|e| format!("failed over {held} rows: {e}"))?;
        let after = runtime.block_on(rows::read(db, to)).map_err(|e| e.to_string())?;
        let changing: Vec<String> = self
            .changing
            .iter()
            .filter(|(revision, _)| m.revision.id.starts_with(revision.as_str()))
            .map(|(_, column)| column.clone())
            .collect();
        let kept = rows::kept(from, to, steps, &changing);
        let lost = rows::compare(from, &before, &after, &kept);
        if lost.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "values the next revision keeps were lost or changed:\n  {}",
                lost.join("\n  ")
            ))
        }
    }

    /// No two migrations with one id, no applied file edited (a file of the
    /// base the branch started from, as git has it, changed since), and the
    /// snapshot is the schema the newest migration records.
    pub fn checksums_and_history(&self) -> Result<(), Failure> {
        const TEST: &str = "checksums_and_history";
        let graph = self.graph(TEST)?;
        let snapshot = self.snapshot(TEST)?;
        let heads = graph.heads();
        if let [head] = heads.as_slice() {
            let newest = graph.get(head).expect("a head is a known revision");
            if snapshot.revision.as_deref() != Some(*head) {
                return Err(Failure::new(
                    TEST,
                    None,
                    format!(
                        "snapshot.json is at revision {}, the migrations end at {head}: run `cargo build`",
                        snapshot.revision.as_deref().unwrap_or("none")
                    ),
                ));
            }
            if let Some(recorded) = newest.revision.schema
                && crate::snapshot::fingerprint(&snapshot.schema) != recorded
            {
                return Err(Failure::new(
                    TEST,
                    Some(at(newest, "its schema")),
                    "snapshot.json is not the schema the newest migration records: it was edited by hand",
                ));
            }
        }
        let dir = self.dir.as_ref().expect("snapshot() needs the folder");
        if let Some((base, files)) = git_base(dir) {
            for m in self.migrations {
                let Some(old) = files.get(m.file) else {
                    continue;
                };
                if crate::runtime::checksum(old) != crate::runtime::checksum(m.source) {
                    return Err(Failure::new(
                        TEST,
                        Some(at(m, "its file")),
                        format!(
                            "changed since {base}, where it was committed: a database that applied it refuses it \
                             (checksum); put the change in a new migration"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// No `lint` finding at warning or above that is not accepted in its
    /// file (`.accept("F101")` on the step), about a migration this branch
    /// adds: one that is not in the git base [`Kit::checksums_and_history`]
    /// compares with (every migration, outside a git repository or without
    /// [`Kit::migrations_dir`]). A migration already merged was judged when
    /// it was added. The databases are those [`Kit::lint_for`] names, else
    /// the one the tests run on.
    pub fn safe(&self) -> Result<(), Failure> {
        const TEST: &str = "safe";
        use crate::migration::lint::{Level, lint};
        let committed = self
            .dir
            .as_deref()
            .and_then(git_base)
            .map(|(_, files)| files)
            .unwrap_or_default();
        let dialects = if self.judged.is_empty() {
            let url = self.server.clone().or_else(|| self.server_from_env());
            vec![
                url.map_or(Ok(crate::runtime::Dialect::Sqlite), |u| {
                    crate::runtime::Dialect::of_url(&u)
                })
                .map_err(|e| Failure::setup(e.to_string()))?,
            ]
        } else {
            self.judged.clone()
        };
        let mut found = Vec::new();
        for m in self.in_order(TEST)? {
            if committed.contains_key(m.file) {
                continue;
            }
            for dialect in &dialects {
                for f in lint(&m.upgrade_steps(), (*dialect).into()) {
                    if !f.accepted && f.rule.level >= Level::Warning {
                        found.push(format!(
                            "{}, step {} `{}`, on {}: {} {} ({}): {}; instead: {}",
                            at(m, "upgrade"),
                            f.step + 1,
                            f.op,
                            dialect.name(),
                            f.rule.code,
                            f.rule.name,
                            f.rule.level,
                            f.rule.finds,
                            f.rule.instead
                        ));
                    }
                }
            }
        }
        if found.is_empty() {
            return Ok(());
        }
        Err(Failure::new(
            TEST,
            None,
            format!(
                "{} finding(s) not accepted; make each step safer, or accept the finding on its step in the \
                 file (`.accept(\"F101\")`):\n  {}",
                found.len(),
                found.join("\n  ")
            ),
        ))
    }

    fn snapshot(&self, test: &'static str) -> Result<crate::snapshot::Snapshot, Failure> {
        let Some(dir) = &self.dir else {
            return Err(Failure::new(
                test,
                None,
                "call `Kit::migrations_dir(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/migrations\"))` first",
            ));
        };
        let path = dir.join("snapshot.json");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Failure::new(test, None, format!("{}: {e}", path.display())))?;
        crate::snapshot::Snapshot::from_json(&text)
            .map_err(|e| Failure::new(test, None, format!("{}: {e}", path.display())))
    }

    /// Runs the seeds given for `m`.
    async fn seed(&self, db: &mut Database, m: &Migration) -> Result<(), String> {
        for (revision, seed) in &self.seeds {
            if m.revision.id.starts_with(revision.as_str()) {
                let conn = db.conn().await.map_err(|e| e.to_string())?;
                seed(conn).await.map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }
}

/// Where a failure happened: the revision, its file, the step.
fn at(m: &Migration, step: &str) -> String {
    format!("revision {} ({}), {step}", m.revision.id, m.file)
}

fn is_irreversible(m: &Migration) -> bool {
    m.downgrade_steps()
        .iter()
        .any(|s| matches!(s.op, Op::Irreversible { .. }))
}

fn up(
    runtime: &tokio::runtime::Runtime,
    db: &mut Database,
    migrator: &Migrator,
    m: &Migration,
) -> Result<Vec<Applied>, String> {
    runtime
        .block_on(migrator.upgrade(db, &Target::Revision(m.revision.id.to_owned())))
        .map_err(|e| e.to_string())
}

/// Reverts `m` alone: down to the state where its parents are applied.
fn down(
    runtime: &tokio::runtime::Runtime,
    db: &mut Database,
    migrator: &Migrator,
    m: &Migration,
) -> Result<Vec<Applied>, String> {
    let done = runtime
        .block_on(migrator.downgrade(db, &Target::Back(1)))
        .map_err(|e| e.to_string())?;
    match done.as_slice() {
        [one] if one.revision == m.revision.id => Ok(done),
        _ => Err(format!(
            "`downgrade -1` reverted {} rather than {}",
            done.iter().map(|a| a.revision).collect::<Vec<_>>().join(", "),
            m.revision.id
        )),
    }
}

/// The database's schema, read back.
fn read(
    test: &'static str,
    runtime: &tokio::runtime::Runtime,
    db: &mut Database,
    migrator: &Migrator,
) -> Result<Schema, Failure> {
    runtime
        .block_on(introspect(db, migrator.version_table_name()))
        .map_err(|e| Failure::new(test, None, e.to_string()))
}

/// The steps that would turn `from` into `to`, in words; none when they
/// are the same (the order of columns aside).
fn differences(from: &Schema, to: &Schema) -> Vec<String> {
    if crate::runtime::by_name(from) == crate::runtime::by_name(to) {
        return Vec::new();
    }
    let words: Vec<String> = crate::plan::plan(&crate::diff::diff(from, to))
        .steps
        .iter()
        .map(ToString::to_string)
        .collect();
    if words.is_empty() {
        vec!["(they differ in details no migration step changes)".to_owned()]
    } else {
        words
    }
}

fn same(actual: &Schema, expected: &Schema) -> Result<(), String> {
    let d = differences(actual, expected);
    if d.is_empty() { Ok(()) } else { Err(d.join("\n  ")) }
}

/// The files of the migrations folder at the commit the current branch
/// started from: `FERRO_TEST_BASE_REF` if set, else the first of
/// `origin/main`, `origin/master`, `main`, `master` that exists, else
/// `HEAD` (which catches a committed file edited and not yet committed).
/// `None` outside a git repository.
fn git_base(dir: &std::path::Path) -> Option<(String, std::collections::BTreeMap<String, String>)> {
    let raw = |args: &[&str]| -> Option<String> {
        let output = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    };
    let git = |args: &[&str]| raw(args).map(|text| text.trim_end().to_owned());
    let candidates: Vec<String> = match std::env::var("FERRO_TEST_BASE_REF") {
        Ok(r) if !r.is_empty() => vec![r],
        _ => ["origin/main", "origin/master", "main", "master", "HEAD"]
            .map(str::to_owned)
            .to_vec(),
    };
    let (name, base) = candidates
        .iter()
        .find_map(|r| git(&["merge-base", "HEAD", r]).map(|commit| (r.clone(), commit)))?;
    let prefix = git(&["rev-parse", "--show-prefix"])?;
    let listing = git(&["ls-tree", "--name-only", "--full-name", &base, "--", "."])?;
    let mut files = std::collections::BTreeMap::new();
    for path in listing.lines() {
        let file = path.strip_prefix(prefix.as_str()).unwrap_or(path);
        if !file.ends_with(".rs") || file.contains('/') {
            continue;
        }
        if let Some(text) = raw(&["show", &format!("{base}:{path}")]) {
            files.insert(file.to_owned(), text);
        }
    }
    Some((format!("{name} ({})", &base[..base.len().min(12)]), files))
}
