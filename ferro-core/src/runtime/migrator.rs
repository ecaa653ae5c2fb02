//! The flow of `upgrade`, `downgrade` and `stamp`: check everything, then
//! apply each migration in a transaction that holds the migration lock and
//! records it in the version table.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tracing::Instrument as _;

use super::checks::{by_name, partial, unknown_applied, verify};
use super::database::{Database, Tx};
use super::dialect::Dialect;
use super::error::MigrateError;
use super::events::{Direction, Event, Observer, emit};
use super::graph::{Graph, Settle, Target};
use super::lock::{DEFAULT_LOCK_RETRIES, DEFAULT_LOCK_TIMEOUT, LockName, Run};
use super::prepare::{
    Part, Prepared, Task, downgrade_json, prepare_downgrade, prepare_upgrade, record, replay,
};
use super::rebuild;
use super::settle::{Settled, step_by_step};
use super::statement::{Statement, Timeouts, is_table_lock_timeout, millis};
use super::version::{AppliedRevision, DEFAULT_TABLE, Progress, VersionTable};
use crate::migration::Migration;

/// What one migration did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    /// The revision.
    pub revision: &'static str,
    /// Its message.
    pub message: &'static str,
    /// Its file.
    pub file: &'static str,
    /// How long its statements took.
    pub duration: Duration,
}

/// Applies a migration set to databases; see the [module](super) docs.
#[derive(Clone)]
pub struct Migrator {
    migrations: &'static [Migration],
    pub(crate) table: VersionTable,
    /// The heads and how many migrations a fresh database runs (all but
    /// those squashes replace), worked out once: `is_at_head` runs at every
    /// start of an application and must stay cheap for a long history.
    heads: std::sync::OnceLock<(Vec<&'static str>, usize)>,
    /// Each migration by its revision id, worked out once: a run looks up
    /// every applied row, thousands in a long history.
    by_id: std::sync::OnceLock<std::collections::HashMap<&'static str, &'static Migration>>,
    lock_timeout: Duration,
    lock_lease: Duration,
    pub(crate) timeouts: Timeouts,
    lock_retries: u32,
    observer: Option<Observer>,
}

impl std::fmt::Debug for Migrator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Migrator")
            .field("migrations", &self.migrations.len())
            .field("table", &self.table.name)
            .field("lock_timeout", &self.lock_timeout)
            .finish_non_exhaustive()
    }
}

impl Migrator {
    /// A migrator for `migrations` (what `embed_migrations!` lists) with the
    /// version table `ferro_version`.
    pub fn new(migrations: &'static [Migration]) -> Migrator {
        Migrator {
            migrations,
            table: VersionTable {
                name: DEFAULT_TABLE.to_owned(),
            },
            heads: std::sync::OnceLock::new(),
            by_id: std::sync::OnceLock::new(),
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            lock_lease: super::lease::DEFAULT_LOCK_LEASE,
            timeouts: Timeouts::default(),
            lock_retries: DEFAULT_LOCK_RETRIES,
            observer: None,
        }
    }

    /// How long `upgrade`, `downgrade` and `stamp` wait for the migration
    /// lock another run holds before they give up with
    /// [`MigrateError::LockTimeout`] (default 300 s). A waiting run says
    /// whom it waits for after a second ([`Event::Waiting`]).
    pub fn lock_timeout(mut self, timeout: Duration) -> Migrator {
        self.lock_timeout = timeout;
        self
    }

    /// On a MariaDB Galera cluster, how long a run's hold on the migration
    /// lock lasts unless renewed (default 60 s). The run renews it every
    /// quarter of that while it runs; a runner killed outright keeps the
    /// others waiting until its lease ends. A schema statement blocks the
    /// cluster's writes, renewals included, while it runs: give a lease
    /// longer than the longest one (see `docs/clusters.md`).
    pub fn lock_lease(mut self, lease: Duration) -> Migrator {
        self.lock_lease = lease.max(Duration::from_millis(200));
        self
    }

    /// How long a statement of a migration waits for a lock on a table
    /// before it gives up: PostgreSQL's `lock_timeout`, MySQL's
    /// `lock_wait_timeout` (whole seconds); nothing on SQLite, whose only
    /// lock the run holds. A statement waiting behind a long query makes
    /// every later query on the table wait behind it, so a migration on a
    /// busy table gives up early, undone, and is tried again up to
    /// [`Migrator::lock_retries`] times (1 s, 2 s, 4 s … apart). A step
    /// outside a transaction (`CREATE INDEX CONCURRENTLY`) runs with the
    /// timeout lifted: its lock queues none of the application's queries,
    /// and cut short it would leave an invalid index. Unset by default: the
    /// database's own setting holds (PostgreSQL waits for ever, MySQL a
    /// year). Offline scripts begin by setting it.
    pub fn table_lock_timeout(mut self, timeout: Duration) -> Migrator {
        self.timeouts.table_lock = Some(timeout);
        self
    }

    /// How many times a part whose statement gave up waiting for a table's
    /// lock is tried again (default 3); see [`Migrator::table_lock_timeout`].
    pub fn lock_retries(mut self, retries: u32) -> Migrator {
        self.lock_retries = retries;
        self
    }

    /// How long a statement of a migration may run on PostgreSQL
    /// (`statement_timeout`), the version table's included; a statement
    /// past it fails, and its migration rolls back. Unset by default.
    pub fn statement_timeout(mut self, timeout: Duration) -> Migrator {
        self.timeouts.statement = Some(timeout);
        self
    }

    /// Calls `observer` with each [`Event`] of a run as it happens (every
    /// event also goes to `tracing`, target `ferro::runtime`).
    ///
    /// ```
    /// use ferro::runtime::{Event, Migrator};
    /// let migrator = Migrator::new(&[]).on_event(|event| {
    ///     if let Event::Finished { revision, duration, .. } = event {
    ///         println!("applied {revision} in {duration:?}");
    ///     }
    /// });
    /// # drop(migrator);
    /// ```
    pub fn on_event(mut self, observer: impl Fn(&Event<'_>) + Send + Sync + 'static) -> Migrator {
        self.observer = Some(std::sync::Arc::new(observer));
        self
    }

    /// Another name for the version table: one per migration set when a
    /// database holds several.
    pub fn version_table(mut self, name: impl Into<String>) -> Migrator {
        self.table.name = name.into();
        self
    }

    /// The version table's name.
    pub fn version_table_name(&self) -> &str {
        &self.table.name
    }

    /// The revision graph.
    pub fn graph(&self) -> Result<Graph, MigrateError> {
        Graph::new(self.migrations)
    }

    /// The run's lock (see [`super::lock`]).
    fn lock_name(&self) -> LockName {
        LockName {
            key: self.lock_key(),
            table: self.table.name.clone(),
            lease: self.lock_lease,
        }
    }

    /// Takes the run's lock on `db`, after which the run re-reads
    /// everything it checks, and brings a version table made by an earlier
    /// release up to date.
    async fn start<'d>(&self, db: &'d mut Database) -> Result<Run<'d>, MigrateError> {
        self.check_table_name()?;
        db.observer = self.observer.clone();
        let mut run = Run::start(db, self.lock_name(), self.lock_timeout, &self.timeouts).await?;
        match self.bring_table_up_to_date(&mut run).await {
            Ok(()) => Ok(run),
            Err(error) => {
                run.finish().await;
                Err(error)
            }
        }
    }

    /// The version table's columns; none when it does not exist.
    async fn table_columns(&self, db: &mut Database) -> Result<Vec<String>, MigrateError> {
        let rows = db.fetch_text(&self.table.columns(db.dialect()), 1).await?;
        Ok(rows.into_iter().filter_map(|mut r| r.remove(0)).collect())
    }

    /// Adds what a version table made by an earlier release lacks.
    async fn bring_table_up_to_date(&self, db: &mut Database) -> Result<(), MigrateError> {
        let d = db.dialect();
        let columns = self.table_columns(db).await?;
        if let Some(add) = self.table.add_missing(d, &columns) {
            db.locked(self.lock_key(), async |tx: &mut Tx<'_>| tx.execute(&add).await)
                .await?;
        }
        Ok(())
    }

    /// The key of the PostgreSQL advisory lock: one per version table, so
    /// migration sets in one database do not wait for each other.
    pub(crate) fn lock_key(&self) -> i64 {
        let hash = blake3::hash(format!("ferro migration lock {}", self.table.name).as_bytes());
        let mut bytes = [0; 8];
        bytes.copy_from_slice(&hash.as_bytes()[..8]);
        i64::from_le_bytes(bytes)
    }

    /// The version table's name must be one every database keeps as it is:
    /// PostgreSQL cuts names longer than 63 bytes, and would then find no
    /// table by the full name.
    fn check_table_name(&self) -> Result<(), MigrateError> {
        let name = &self.table.name;
        if name.is_empty() || name.len() > crate::schema::naming::MAX_IDENTIFIER_BYTES {
            return Err(MigrateError::BadTableName(name.clone()));
        }
        Ok(())
    }

    /// The migration of revision `id`, if there is one.
    fn migration(&self, id: &str) -> Option<&'static Migration> {
        self.by_id
            .get_or_init(|| self.migrations.iter().map(|m| (m.revision.id, m)).collect())
            .get(id)
            .copied()
    }

    /// The migrations of the revisions `applied` whole, in the order they
    /// were applied.
    pub(crate) fn in_order<'a>(
        &'a self,
        applied: &'a [AppliedRevision],
    ) -> impl Iterator<Item = &'static Migration> + 'a {
        applied.iter().filter(|r| r.progress.is_whole()).filter_map(|r| {
            self.migration(&r.revision).or_else(|| {
                // A replaced revision whose file is gone: the squash
                // stands for the chain at its last revision.
                self.migrations
                    .iter()
                    .find(|m| m.replaces.last() == Some(&r.revision.as_str()))
            })
        })
    }

    /// [`Migrator::applied`] with only what an upgrade and a check use: the
    /// revision, its parents, checksum, order and progress (the time it was
    /// applied, its duration and its kept downgrade are left empty).
    async fn applied_for_checks(&self, db: &mut Database) -> Result<Vec<AppliedRevision>, MigrateError> {
        self.check_table_name()?;
        let d = db.dialect();
        let columns = self.table_columns(db).await?;
        if columns.is_empty() {
            return Ok(Vec::new());
        }
        let sql = self.table.select_for_checks(d, &columns);
        VersionTable::parse(d, db.fetch_text(&sql, VersionTable::selected(d)).await?)
    }

    /// The rows of the version table, oldest first; none if it does not exist.
    pub async fn applied(&self, db: &mut Database) -> Result<Vec<AppliedRevision>, MigrateError> {
        self.check_table_name()?;
        let d = db.dialect();
        let columns = self.table_columns(db).await?;
        if columns.is_empty() {
            return Ok(Vec::new());
        }
        VersionTable::parse(
            d,
            db.fetch_text(&self.table.select(d, &columns), VersionTable::selected(d))
                .await?,
        )
    }

    /// The revisions the database is at (the applied ones no applied one
    /// follows).
    pub async fn current(&self, db: &mut Database) -> Result<Vec<String>, MigrateError> {
        let graph = self.graph()?;
        let applied = self.applied(db).await?;
        unknown_applied(&graph, &applied)?;
        let ids: Vec<&str> = applied
            .iter()
            .filter(|r| r.progress.is_whole())
            .map(|r| r.revision.as_str())
            .collect();
        Ok(graph.current(&ids).into_iter().map(str::to_owned).collect())
    }

    /// Checks that every revision the database recorded is known to this
    /// program and that its file is unchanged since it was applied.
    pub async fn verify(&self, db: &mut Database) -> Result<(), MigrateError> {
        let graph = self.graph()?;
        verify(&graph, &self.applied_for_checks(db).await?, &[])
    }

    /// How the database's schema differs from the schema its recorded
    /// revisions should have left: the upgrades of the applied migrations,
    /// replayed in the order they were applied from the empty schema, against
    /// the schema read from the database (both as the database stores a
    /// schema; see [`stored`](super::stored)).
    pub async fn drift(&self, db: &mut Database) -> Result<Drift, MigrateError> {
        let graph = self.graph()?;
        let applied = self.applied(db).await?;
        unknown_applied(&graph, &applied)?;
        let mut state = crate::migration::State::default();
        let mut hand_written = Vec::new();
        for m in self.in_order(&applied) {
            for step in m.upgrade_steps() {
                if matches!(step.op, crate::migration::Op::Sql(_)) && !hand_written.contains(&m.revision.id) {
                    hand_written.push(m.revision.id);
                }
                state.apply(&step.op).map_err(|e| {
                    MigrateError::Introspection(format!("migration `{}`: {e}", m.revision.id))
                })?;
            }
        }
        let views = std::mem::take(&mut state.views);
        let expected = crate::schema::Schema::new(state.tables)
            .map_err(|e| MigrateError::Introspection(e.to_string()))?;
        let expected = super::stored(db.dialect(), &expected);
        let actual = super::introspect::introspect_like(db, &self.table.name, &expected).await?;
        let view_differences = super::introspect::view_differences(db, &expected, &views).await?;
        let mut differences = if by_name(&actual) == by_name(&expected) {
            Vec::new()
        } else {
            let ops = crate::plan::plan(&crate::diff::diff(&actual, &expected));
            let words: Vec<String> = ops.steps.iter().map(|op| op.to_string()).collect();
            if words.is_empty() {
                vec![
                    "the tables differ in details the migrations cannot change (column order aside)"
                        .to_owned(),
                ]
            } else {
                words
            }
        };
        differences.extend(view_differences);
        Ok(Drift {
            differences,
            hand_written: hand_written.into_iter().map(str::to_owned).collect(),
        })
    }

    /// Whether every migration is applied, and nothing else: one query that
    /// returns one row, whatever the length of the history.
    ///
    /// The applied revisions are always closed under "follows": upgrades
    /// apply parents first, downgrades revert children first, `stamp` records
    /// a revision with its ancestors. So every head applied and as many rows
    /// as migrations means every migration applied and no other.
    pub async fn is_at_head(&self, db: &mut Database) -> Result<bool, MigrateError> {
        self.check_table_name()?;
        let d = db.dialect();
        let (heads, effective) = self.heads.get_or_init(|| {
            // With squashes the graph says what a fresh database runs; a
            // graph that is not sound fails the upgrade that follows.
            if self.migrations.iter().any(|m| !m.replaces.is_empty())
                && let Ok(graph) = self.graph()
            {
                return (graph.heads(), graph.effective().count());
            }
            let parents: std::collections::HashSet<&str> = self
                .migrations
                .iter()
                .flat_map(|m| m.revision.parents.iter().copied())
                .collect();
            let heads = self
                .migrations
                .iter()
                .map(|m| m.revision.id)
                .filter(|id| !parents.contains(id))
                .collect();
            (heads, self.migrations.len())
        });
        let rows = match db.fetch_text(&self.table.count_with(d, heads), 2).await {
            Ok(rows) => rows,
            // Without a version table nothing is applied; any other failure
            // is the database's.
            Err(error) => {
                if self.table_columns(db).await?.is_empty() {
                    return Ok(*effective == 0);
                }
                return Err(error);
            }
        };
        let count = |i: usize| -> usize {
            rows.first()
                .and_then(|row| row.get(i).cloned().flatten())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        Ok(count(0) == *effective && count(1) == heads.len())
    }

    /// Applies the migrations that `target` needs, each in its own transaction;
    /// returns what ran. Everything is checked first: the graph, the applied
    /// revisions and their checksums, acknowledgements, and that every
    /// statement renders for this database.
    ///
    /// The whole run holds the migration lock (see [`Migrator::lock_timeout`]);
    /// a run that is cancelled (its future dropped) or panics closes `db`'s
    /// connection, which releases the lock, and `db` connects again when
    /// next used.
    pub async fn upgrade(&self, db: &mut Database, target: &Target) -> Result<Vec<Applied>, MigrateError> {
        let mut run = self.start(db).await?;
        let result = self.upgrade_locked(&mut run, target).await;
        run.finish().await;
        result
    }

    async fn upgrade_locked(&self, db: &mut Database, target: &Target) -> Result<Vec<Applied>, MigrateError> {
        let d = db.dialect();
        let graph = self.graph()?;
        let mut done = self.settle_squashes(db, &graph, true).await?;
        let applied = self.applied_for_checks(db).await?;
        verify(&graph, &applied, &[])?;
        partial(&applied, false)?;
        // A migration that stopped part-way is not applied: the path takes
        // it again, and its run resumes where it stopped.
        let ids: Vec<&str> = applied
            .iter()
            .filter(|r| r.progress.is_whole())
            .map(|r| r.revision.as_str())
            .collect();
        let path = graph.upgrade_path(&ids, target)?;
        let mut state = replay(d, self.in_order(&applied));
        let prepared: Vec<Prepared> = path
            .iter()
            .map(|m| prepare_upgrade(m, d, state.as_mut()))
            .collect::<Result<_, _>>()?;
        // The first transaction creates the version table if it is missing:
        // one commit fewer than a transaction of its own. Not on MySQL,
        // where `CREATE TABLE` commits the transaction it is in.
        let own = !d.capabilities().transactional_ddl;
        if own && !prepared.is_empty() {
            self.create_table(db).await?;
        }
        for (i, step) in prepared.iter().enumerate() {
            let run = self.run(db, step, true, i == 0 && !own);
            if let Some(applied) = run.instrument(span(step)).await? {
                done.push(applied);
            }
        }
        Ok(done)
    }

    /// Reverts the migrations `target` asks for, newest first, each in its own
    /// transaction, with the downgrade each was applied with.
    /// It holds the migration lock as [`Migrator::upgrade`] does.
    pub async fn downgrade(&self, db: &mut Database, target: &Target) -> Result<Vec<Applied>, MigrateError> {
        let mut run = self.start(db).await?;
        let result = self.downgrade_locked(&mut run, target).await;
        run.finish().await;
        result
    }

    async fn downgrade_locked(
        &self,
        db: &mut Database,
        target: &Target,
    ) -> Result<Vec<Applied>, MigrateError> {
        let d = db.dialect();
        let graph = self.graph()?;
        self.settle_squashes(db, &graph, false).await?;
        let applied = self.applied(db).await?;
        partial(&applied, true)?;
        let ids: Vec<&str> = applied.iter().map(|r| r.revision.as_str()).collect();
        let path = graph.downgrade_path(&ids, target)?;
        verify(&graph, &applied, &path)?;
        let mut state = replay(d, self.in_order(&applied));
        let prepared: Vec<Prepared> = path
            .iter()
            .map(|id| {
                let migration = graph.get(id).expect("the path holds known revisions");
                let row = applied.iter().find(|r| r.revision == *id);
                prepare_downgrade(migration, row, d, state.as_mut())
            })
            .collect::<Result<_, _>>()?;
        let mut done = Vec::new();
        for step in &prepared {
            let run = self.run(db, step, false, false);
            if let Some(applied) = run.instrument(span(step)).await? {
                done.push(applied);
            }
        }
        Ok(done)
    }

    /// Brings the version table in line with the squashes: records a squash
    /// whose every replaced revision is applied in their place (running
    /// nothing), forgets replaced revisions recorded beside their squash,
    /// and (`finish`, for an upgrade) applies the rest of what a squash
    /// replaces where the database applied only some, then records the
    /// squash. Returns what it applied.
    async fn settle_squashes(
        &self,
        db: &mut Database,
        graph: &Graph,
        finish: bool,
    ) -> Result<Vec<Applied>, MigrateError> {
        let d = db.dialect();
        let mut done = Vec::new();
        if graph.squashes().next().is_none() {
            return Ok(done);
        }
        loop {
            let applied = self.applied_for_checks(db).await?;
            let recorded: Vec<&str> = applied.iter().map(|r| r.revision.as_str()).collect();
            let whole: Vec<&str> = applied
                .iter()
                .filter(|r| r.progress.is_whole())
                .map(|r| r.revision.as_str())
                .collect();
            let Some(settle) = graph.settle(&whole, &recorded, finish)? else {
                return Ok(done);
            };
            // A replaced file that changed since it was applied is refused
            // as any changed file is: the squash holds it as it is now.
            if !matches!(settle, Settle::Forget { .. }) {
                verify(graph, &applied, &[])?;
            }
            match settle {
                Settle::Finish { run, .. } => {
                    partial(&applied, false)?;
                    let mut state = replay(d, self.in_order(&applied));
                    for m in run {
                        let step = prepare_upgrade(m, d, state.as_mut())?;
                        if let Some(applied) =
                            self.run(db, &step, true, false).instrument(span(&step)).await?
                        {
                            done.push(applied);
                        }
                    }
                }
                Settle::Record { squash } => {
                    let table = &self.table;
                    // The squash takes the place of the newest row it
                    // replaces, so that a downgrade reverts it where they were.
                    let seq = applied
                        .iter()
                        .filter(|r| squash.replaces.contains(&r.revision.as_str()))
                        .map(|r| r.seq)
                        .max()
                        .unwrap_or(0);
                    let row = record(
                        squash,
                        seq,
                        Duration::ZERO,
                        downgrade_json(squash)?,
                        Progress::Whole,
                    );
                    let insert = table.insert(d, &row)?;
                    db.locked(self.lock_key(), async |tx: &mut Tx<'_>| {
                        for id in squash.replaces {
                            tx.execute(&table.delete(d, id)).await?;
                        }
                        tx.execute(&insert).await
                    })
                    .await?;
                    emit(
                        db.observer.as_ref(),
                        &Event::Squashed {
                            revision: squash.revision.id,
                            replaces: squash.replaces,
                        },
                    );
                }
                Settle::Forget { rows, .. } => {
                    let table = &self.table;
                    db.locked(self.lock_key(), async |tx: &mut Tx<'_>| {
                        for id in &rows {
                            tx.execute(&table.delete(d, id)).await?;
                        }
                        Ok(())
                    })
                    .await?;
                }
            }
        }
    }

    /// Records the database as being at `target` without running anything;
    /// `purge` first forgets every recorded revision, known or not.
    /// It holds the migration lock as [`Migrator::upgrade`] does.
    pub async fn stamp(&self, db: &mut Database, target: &Target, purge: bool) -> Result<(), MigrateError> {
        let mut run = self.start(db).await?;
        let result = self.stamp_locked(&mut run, target, purge).await;
        run.finish().await;
        result
    }

    async fn stamp_locked(
        &self,
        db: &mut Database,
        target: &Target,
        purge: bool,
    ) -> Result<(), MigrateError> {
        let d = db.dialect();
        let graph = self.graph()?;
        let wanted = graph.stamp_set(target)?;
        let table = &self.table;
        let own = !d.capabilities().transactional_ddl;
        if own {
            self.create_table(db).await?;
        }
        let create = (!own).then(|| table.create(d));
        // The run made an existing table current; a missing one is made
        // below, current.
        let columns = VersionTable::current_columns();
        db.locked(self.lock_key(), async |tx: &mut Tx<'_>| {
            if let Some(create) = &create {
                tx.execute(create).await?;
            }
            if purge {
                tx.execute(&table.delete_all(d)).await?;
            }
            let rows = VersionTable::parse(
                d,
                tx.fetch_text(&table.select(d, &columns), VersionTable::selected(d))
                    .await?,
            )?;
            if !purge {
                unknown_applied(&graph, &rows)?;
            }
            for row in rows
                .iter()
                .rev()
                .filter(|r| !wanted.contains(&r.revision.as_str()))
            {
                tx.execute(&table.delete(d, &row.revision)).await?;
            }
            // A migration that stopped part-way and was finished by hand.
            for row in rows
                .iter()
                .filter(|r| !r.progress.is_whole() && wanted.contains(&r.revision.as_str()))
            {
                tx.execute(&table.set_progress(d, &row.revision, Progress::Whole, row.duration_ms))
                    .await?;
            }
            let mut seq = rows.iter().map(|r| r.seq).max().unwrap_or(0);
            for id in wanted
                .iter()
                .filter(|id| !rows.iter().any(|r| r.revision == **id))
            {
                seq += 1;
                let migration = graph.get(id).expect("stamp_set holds known revisions");
                let row = record(
                    migration,
                    seq,
                    Duration::ZERO,
                    downgrade_json(migration)?,
                    Progress::Whole,
                );
                tx.execute(&table.insert(d, &row)?).await?;
            }
            Ok(())
        })
        .await
    }

    /// Creates the version table if it is missing, in a transaction of its own.
    async fn create_table(&self, db: &mut Database) -> Result<(), MigrateError> {
        let create = self.table.create(db.dialect());
        db.locked(self.lock_key(), async |tx: &mut Tx<'_>| tx.execute(&create).await)
            .await
    }

    /// Runs one prepared migration, part by part, each part under the lock,
    /// and skips what another runner did meanwhile; `None` when there was
    /// nothing left to do.
    async fn run(
        &self,
        db: &mut Database,
        step: &Prepared,
        up: bool,
        create_table: bool,
    ) -> Result<Option<Applied>, MigrateError> {
        let m = step.migration;
        let total = step.parts.len();
        let start = Instant::now();
        let direction = if up {
            Direction::Upgrade
        } else {
            Direction::Downgrade
        };
        let mut ran = false;
        emit(
            db.observer.as_ref(),
            &Event::Started {
                revision: m.revision.id,
                message: m.revision.message,
                direction,
            },
        );
        // On MySQL the row says a migration started before its first part
        // runs; a row that already said so comes from a run that stopped.
        let marked = if !db.dialect().capabilities().transactional_ddl {
            match self.mark_or_settle(db, step, up).await? {
                Settled::Marked => true,
                Settled::Recorded => {
                    ran = true;
                    false
                }
                Settled::Pending => false,
            }
        } else {
            false
        };
        for (i, part) in step.parts.iter().enumerate() {
            let position = Position {
                up,
                index: i,
                total,
                create_table: create_table && i == 0,
                outside: part.outside,
                started: Some(start),
            };
            // Whether statements of the part were committed before it failed.
            let committed = AtomicBool::new(false);
            let mut retried = 0;
            let did = loop {
                let did = if part.outside {
                    self.run_outside(db, step, part, &position).await
                } else {
                    let work =
                        async |tx: &mut Tx<'_>| self.run_part(tx, step, part, &position, &committed).await;
                    if part.tasks.iter().any(Task::rebuilds) {
                        db.without_foreign_keys(async |db: &mut Database| {
                            db.locked(self.lock_key(), work).await
                        })
                        .await
                    } else {
                        db.locked(self.lock_key(), work).await
                    }
                };
                // A part that gave up waiting for a table's lock was undone
                // whole (a transaction, or MySQL's atomic DDL): try again.
                let again = !part.outside
                    && retried < self.lock_retries
                    && !committed.load(Ordering::Relaxed)
                    && did.as_ref().is_err_and(is_table_lock_timeout);
                if !again {
                    break did;
                }
                retried += 1;
                let wait = Duration::from_secs(1 << (retried - 1).min(5));
                emit(
                    db.observer.as_ref(),
                    &Event::Retrying {
                        revision: m.revision.id,
                        attempt: retried,
                        of: self.lock_retries,
                        wait,
                    },
                );
                tokio::time::sleep(wait).await;
            };
            // The first part failed as a whole (MySQL's DDL is atomic, a
            // data part a transaction): the migration did nothing. Not so
            // for hand-written SQL, which may hold DDL that MySQL committed,
            // with the statements before it, before a later statement
            // failed (see `run_part`): then its mark stays, and the next run
            // finds the part in doubt rather than running again what was
            // committed.
            if did.is_err() && marked && i == 0 && !committed.load(Ordering::Relaxed) {
                let unmark = self.unmark(db.dialect(), step, up);
                let _ = db
                    .locked(self.lock_key(), async |tx: &mut Tx<'_>| tx.execute(&unmark).await)
                    .await;
            }
            ran |= did.map_err(|e| in_migration(e, step, &position, db.dialect()))?;
        }
        let duration = start.elapsed();
        if ran {
            emit(
                db.observer.as_ref(),
                &Event::Finished {
                    revision: m.revision.id,
                    message: m.revision.message,
                    file: m.file,
                    direction,
                    duration,
                },
            );
        }
        Ok(ran.then_some(Applied {
            revision: m.revision.id,
            message: m.revision.message,
            file: m.file,
            duration,
        }))
    }

    /// A part that runs outside a transaction. Its bookkeeping follows in a
    /// transaction of its own: the step itself cannot be undone, and the next
    /// run must not repeat it. On PostgreSQL the run's session lock keeps
    /// other runners out from before the step until it is recorded.
    async fn run_outside(
        &self,
        db: &mut Database,
        step: &Prepared,
        part: &Part,
        position: &Position,
    ) -> Result<bool, MigrateError> {
        let d = db.dialect();
        if position.create_table {
            self.create_table(db).await?;
        }
        let around = self.timeouts.around_outside(d);
        let work = async |tx: &mut Tx<'_>| {
            if !self.part_pending(tx, step, position).await? {
                return Ok(false);
            }
            if let Some((lift, _)) = &around {
                tx.execute(&Statement::plain(lift.clone())).await?;
            }
            // Outside a transaction, each statement stays done as it runs:
            // a failure is a later part's, never the first's in doubt.
            let done = run_tasks(tx, part, &AtomicBool::new(false)).await;
            if let Some((_, again)) = &around {
                tx.execute(&Statement::plain(again.clone())).await?;
            }
            done?;
            Ok(true)
        };
        if !db.outside(work).await? {
            return Ok(false);
        }
        let record = async |tx: &mut Tx<'_>| {
            for statement in self.bookkeeping(d, step, position)? {
                tx.execute(&statement).await?;
            }
            Ok(())
        };
        db.locked(self.lock_key(), record)
            .await
            .map_err(|e| MigrateError::Unrecorded {
                revision: step.migration.revision.id.to_owned(),
                part: position.index + 1,
                source: Box::new(e),
            })?;
        Ok(true)
    }

    /// A part in a transaction: its tasks and its bookkeeping together.
    async fn run_part(
        &self,
        tx: &mut Tx<'_>,
        step: &Prepared,
        part: &Part,
        position: &Position,
        committed: &AtomicBool,
    ) -> Result<bool, MigrateError> {
        let d = tx.dialect();
        if position.create_table {
            tx.execute(&self.table.create(d)).await?;
        }
        if !self.part_pending(tx, step, position).await? {
            return Ok(false);
        }
        let progressed = AtomicBool::new(false);
        let work = async |tx: &mut Tx<'_>| {
            run_tasks(tx, part, &progressed).await?;
            for statement in self.bookkeeping(d, step, position)? {
                tx.execute(&statement).await?;
            }
            Ok(true)
        };
        let outcome = work(tx).await;
        // MySQL commits the transaction when a schema statement begins, the
        // statements before it included, even if it then fails; the
        // statements after it run on their own. Hand-written SQL may hold
        // one: if a statement completed and the transaction is no longer
        // open, what the part did is not all undone.
        if outcome.is_err()
            && !d.capabilities().transactional_ddl
            && part.raw
            && progressed.load(Ordering::Relaxed)
        {
            let open = tx.fetch_text("SELECT CAST(@@in_transaction AS CHAR)", 1).await;
            let open = open.is_ok_and(|rows| rows.first().and_then(|r| r[0].as_deref()) == Some("1"));
            if !open {
                committed.store(true, Ordering::Relaxed);
            }
        }
        outcome
    }

    /// Whether part `position.index` is still to do: read under the lock,
    /// because another runner may have done it while this one waited.
    async fn part_pending(
        &self,
        tx: &mut Tx<'_>,
        step: &Prepared,
        position: &Position,
    ) -> Result<bool, MigrateError> {
        let d = tx.dialect();
        let id = step.migration.revision.id;
        let row = self.progress_of(tx.fetch_text(&self.table.progress(d, id), 1).await?, id)?;
        // How many parts of this direction are done.
        let done = match (position.up, row) {
            (true, None) | (false, Some(Progress::Whole)) => 0,
            (true, Some(Progress::Whole)) | (false, None) => position.total,
            (true, Some(Progress::Up(k))) | (false, Some(Progress::Down(k))) => k,
            (true, Some(Progress::Down(_))) | (false, Some(Progress::Up(_))) => 0,
        };
        Ok(done <= position.index)
    }

    /// What [`VersionTable::progress`] returned: no row (`None`), or the
    /// row's progress.
    pub(crate) fn progress_of(
        &self,
        rows: Vec<Vec<Option<String>>>,
        revision: &str,
    ) -> Result<Option<Progress>, MigrateError> {
        rows.first()
            .map(|r| Progress::read(revision, r.first().cloned().flatten().as_deref()))
            .transpose()
    }

    /// The version table's `CREATE TABLE IF NOT EXISTS`.
    pub(crate) fn table_create(&self, d: Dialect) -> String {
        self.table.create(d).inline
    }

    /// The version-table statements after part `position.index`.
    pub(crate) fn bookkeeping(
        &self,
        d: Dialect,
        step: &Prepared,
        position: &Position,
    ) -> Result<Vec<Statement>, MigrateError> {
        let m = step.migration;
        let id = m.revision.id;
        let last = position.index + 1 == position.total;
        let done = position.index + 1;
        let partial = |up: bool| {
            if last {
                Progress::Whole
            } else if up {
                Progress::Up(done)
            } else {
                Progress::Down(done)
            }
        };
        let duration = match position.started {
            Some(start) if last => millis(start.elapsed()),
            _ => 0,
        };
        // On MySQL the row is there before the first part (`mark`).
        let first = position.index == 0 && d.capabilities().transactional_ddl;
        Ok(match (position.up, first, last) {
            // The first part of an upgrade adds the row: whole, or with its progress.
            (true, true, _) => {
                let row = record(
                    m,
                    0,
                    Duration::from_millis(u64::try_from(duration).unwrap_or(0)),
                    step.downgrade.clone(),
                    partial(true),
                );
                vec![self.table.insert_next(d, &row)?]
            }
            (true, false, _) => vec![self.table.set_progress(d, id, partial(true), duration)],
            (false, _, true) => vec![self.table.delete(d, id)],
            (false, _, false) => vec![self.table.set_progress(d, id, partial(false), 0)],
        })
    }
}

/// What [`Migrator::drift`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Drift {
    /// What would make the database's schema what its revision should be,
    /// as operations in words (`add column users.age`); empty when the two
    /// are the same.
    pub differences: Vec<String>,
    /// The applied migrations with hand-written SQL, whose effect on the
    /// schema is not known: a difference may come from them.
    pub hand_written: Vec<String>,
}

/// Where a migration's run is: which part of how many, in which direction.
pub(crate) struct Position {
    pub(crate) up: bool,
    pub(crate) index: usize,
    pub(crate) total: usize,
    pub(crate) create_table: bool,
    /// Whether this part runs outside a transaction.
    pub(crate) outside: bool,
    /// When the migration started, online; a script records no duration.
    pub(crate) started: Option<Instant>,
}

/// The `tracing` span of a migration's run.
fn span(step: &Prepared) -> tracing::Span {
    tracing::info_span!(target: "ferro::runtime", "migration", revision = step.migration.revision.id)
}

/// Runs a part's tasks.
/// Runs a part's tasks; `done` is set once any statement of them has
/// completed (see [`Tx::execute_each`]).
async fn run_tasks(tx: &mut Tx<'_>, part: &Part, done: &AtomicBool) -> Result<(), MigrateError> {
    for task in &part.tasks {
        match task {
            Task::Sql(statement) => tx.execute_each(statement, done).await?,
            // Outside a transaction: each batch commits as it runs, and a
            // run stopped part-way leaves only rows that still hold NULL.
            Task::Batches { each, .. } => while tx.execute_rows(each).await? > 0 {},
            Task::Rust(name, rust) => tx.run_rust(name, *rust).await?,
            Task::Rebuild(rebuild) => rebuild::run(tx, rebuild).await?,
        }
        done.store(true, Ordering::Relaxed);
    }
    Ok(())
}

/// A failed statement, said with the migration it belongs to and what became
/// of it.
fn in_migration(error: MigrateError, step: &Prepared, position: &Position, d: Dialect) -> MigrateError {
    let MigrateError::Database { context, source } = error else {
        return error;
    };
    let m = step.migration;
    let what = if position.total == 1 && !position.outside {
        "failed and was rolled back".to_owned()
    } else if !d.capabilities().transactional_ddl {
        step_by_step(step, position)
    } else if position.total == 1 {
        "failed outside a transaction: what it did before failing stays done (a failed `CREATE INDEX \
         CONCURRENTLY` leaves an invalid index to drop), nothing was recorded, and the next `upgrade` runs \
         it again"
            .to_owned()
    } else {
        let direction = if position.up { "upgrade" } else { "downgrade" };
        format!(
            "stopped in part {} of {}; the parts before it are recorded as done, and the next \
             `{direction}` resumes with this one once its cause is fixed (a failed `CREATE INDEX \
             CONCURRENTLY` leaves an invalid index to drop first)",
            position.index + 1,
            position.total
        )
    };
    MigrateError::Database {
        context: format!("migration `{}` ({}) {what}; {context}", m.revision.id, m.file),
        source,
    }
}
