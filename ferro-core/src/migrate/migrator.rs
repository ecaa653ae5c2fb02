//! The flow of `upgrade`, `downgrade` and `stamp`: check everything, then
//! apply each migration in a transaction that holds the migration lock and
//! records it in the version table.

use std::time::{Duration, Instant};

use super::checksum::checksum;
use super::database::{Database, Statement, Tx, lock_statement, millis};
use super::error::MigrateError;
use super::graph::{Graph, Target};
use super::render::Dialect;
use super::version::{AppliedRevision, DEFAULT_TABLE, VersionTable};
use crate::migration::{Migration, Op, RustStep, Step};

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
#[derive(Clone, Debug)]
pub struct Migrator {
    migrations: &'static [Migration],
    table: VersionTable,
    /// The heads, worked out once: `is_at_head` runs at every start of an
    /// application and must stay cheap for a long history.
    heads: std::sync::OnceLock<Vec<&'static str>>,
}

/// One thing a migration does: a statement, or a Rust data step.
enum Action {
    Sql(Statement),
    Rust(String, RustStep),
}

/// A migration ready to run: its actions, rendered and checked.
struct Prepared {
    migration: &'static Migration,
    statements: Vec<Action>,
    /// The downgrade to keep in the version table (upgrades only).
    downgrade: Option<String>,
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
        }
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

    /// The key of the PostgreSQL advisory lock: one per version table, so
    /// migration sets in one database do not wait for each other.
    fn lock_key(&self) -> i64 {
        let hash = blake3::hash(format!("ferro migration lock {}", self.table.name).as_bytes());
        let mut bytes = [0; 8];
        bytes.copy_from_slice(&hash.as_bytes()[..8]);
        i64::from_le_bytes(bytes)
    }

    /// The rows of the version table, oldest first; none if it does not exist.
    pub async fn applied(&self, db: &mut Database) -> Result<Vec<AppliedRevision>, MigrateError> {
        let d = db.dialect();
        if db.fetch_text(&self.table.exists(d), 1).await?.is_empty() {
            return Ok(Vec::new());
        }
        Ok(VersionTable::parse(
            db.fetch_text(&self.table.select(d), 7).await?,
        ))
    }

    /// The revisions the database is at (the applied ones no applied one
    /// follows).
    pub async fn current(&self, db: &mut Database) -> Result<Vec<String>, MigrateError> {
        let graph = self.graph()?;
        let applied = self.applied(db).await?;
        unknown_applied(&graph, &applied)?;
        let ids: Vec<&str> = applied.iter().map(|r| r.revision.as_str()).collect();
        Ok(graph.current(&ids).into_iter().map(str::to_owned).collect())
    }

    /// Checks that every revision the database recorded is known to this
    /// program and that its file is unchanged since it was applied.
    pub async fn verify(&self, db: &mut Database) -> Result<(), MigrateError> {
        let graph = self.graph()?;
        verify(&graph, &self.applied(db).await?, &[])
    }

    /// Whether every migration is applied, and nothing else: one query that
    /// returns one row, whatever the length of the history.
    ///
    /// The applied revisions are always closed under "follows": upgrades
    /// apply parents first, downgrades revert children first, `stamp` records
    /// a revision with its ancestors. So every head applied and as many rows
    /// as migrations means every migration applied and no other.
    pub async fn is_at_head(&self, db: &mut Database) -> Result<bool, MigrateError> {
        let d = db.dialect();
        let heads = self.heads.get_or_init(|| {
            let parents: std::collections::HashSet<&str> = self
                .migrations
                .iter()
                .flat_map(|m| m.revision.parents.iter().copied())
                .collect();
            self.migrations
                .iter()
                .map(|m| m.revision.id)
                .filter(|id| !parents.contains(id))
                .collect()
        });
        let rows = match db.fetch_text(&self.table.count_with(d, heads), 2).await {
            Ok(rows) => rows,
            // Without a version table nothing is applied; any other failure
            // is the database's.
            Err(error) => {
                if db.fetch_text(&self.table.exists(d), 1).await?.is_empty() {
                    return Ok(self.migrations.is_empty());
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
        Ok(count(0) == self.migrations.len() && count(1) == heads.len())
    }

    /// Applies the migrations that `target` needs, each in its own transaction;
    /// returns what ran. Everything is checked first: the graph, the applied
    /// revisions and their checksums, acknowledgements, and that every
    /// statement renders for this database.
    pub async fn upgrade(&self, db: &mut Database, target: &Target) -> Result<Vec<Applied>, MigrateError> {
        let d = db.dialect();
        let graph = self.graph()?;
        let applied = self.applied(db).await?;
        verify(&graph, &applied, &[])?;
        let ids: Vec<&str> = applied.iter().map(|r| r.revision.as_str()).collect();
        let path = graph.upgrade_path(&ids, target)?;
        let prepared: Vec<Prepared> = path
            .iter()
            .map(|m| prepare_upgrade(m, d))
            .collect::<Result<_, _>>()?;
        let mut done = Vec::new();
        for (i, step) in prepared.iter().enumerate() {
            // The first transaction creates the version table if it is
            // missing: one commit fewer than a transaction of its own.
            if let Some(applied) = self.run(db, step, true, i == 0).await? {
                done.push(applied);
            }
        }
        Ok(done)
    }

    /// Reverts the migrations `target` asks for, newest first, each in its own
    /// transaction, with the downgrade each was applied with.
    pub async fn downgrade(&self, db: &mut Database, target: &Target) -> Result<Vec<Applied>, MigrateError> {
        let d = db.dialect();
        let graph = self.graph()?;
        let applied = self.applied(db).await?;
        let ids: Vec<&str> = applied.iter().map(|r| r.revision.as_str()).collect();
        let path = graph.downgrade_path(&ids, target)?;
        verify(&graph, &applied, &path)?;
        let prepared: Vec<Prepared> = path
            .iter()
            .map(|id| {
                let migration = graph.get(id).expect("the path holds known revisions");
                let row = applied.iter().find(|r| r.revision == *id);
                prepare_downgrade(migration, row, d)
            })
            .collect::<Result<_, _>>()?;
        let mut done = Vec::new();
        for step in &prepared {
            if let Some(applied) = self.run(db, step, false, false).await? {
                done.push(applied);
            }
        }
        Ok(done)
    }

    /// Records the database as being at `target` without running anything;
    /// `purge` first forgets every recorded revision, known or not.
    pub async fn stamp(&self, db: &mut Database, target: &Target, purge: bool) -> Result<(), MigrateError> {
        let d = db.dialect();
        let graph = self.graph()?;
        let wanted = graph.stamp_set(target)?;
        let table = &self.table;
        let create = table.create(d);
        db.locked(self.lock_key(), async |tx: &mut Tx<'_>| {
            tx.execute(&create).await?;
            if purge {
                tx.execute(&table.delete_all(d)).await?;
            }
            let rows = VersionTable::parse(tx.fetch_text(&table.select(d), 7).await?);
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
            let mut seq = rows.iter().map(|r| r.seq).max().unwrap_or(0);
            for id in wanted
                .iter()
                .filter(|id| !rows.iter().any(|r| r.revision == **id))
            {
                seq += 1;
                let migration = graph.get(id).expect("stamp_set holds known revisions");
                let row = record(migration, seq, Duration::ZERO, downgrade_json(migration)?);
                tx.execute(&table.insert(d, &row)?).await?;
            }
            Ok(())
        })
        .await
    }

    /// Runs one prepared migration under the lock, unless another runner got
    /// there first; `None` when there was nothing left to do.
    async fn run(
        &self,
        db: &mut Database,
        step: &Prepared,
        up: bool,
        create_table: bool,
    ) -> Result<Option<Applied>, MigrateError> {
        let d = db.dialect();
        let table = &self.table;
        let m = step.migration;
        db.locked(self.lock_key(), async |tx: &mut Tx<'_>| {
            if create_table {
                tx.execute(&table.create(d)).await?;
            }
            // Read again under the lock: another runner may have applied or
            // reverted this migration while this one waited. Two indexed
            // lookups, not the whole table: a long history stays cheap.
            let is_applied = !tx.fetch_text(&table.find(d, m.revision.id), 1).await?.is_empty();
            if is_applied == up {
                return Ok(None);
            }
            let start = Instant::now();
            for action in &step.statements {
                match action {
                    Action::Sql(statement) => tx.execute(statement).await,
                    Action::Rust(name, rust) => tx.run_rust(name, *rust).await,
                }
                .map_err(|e| in_migration(e, m))?;
            }
            let duration = start.elapsed();
            if up {
                let last = tx.fetch_text(&table.last_seq(d), 1).await?;
                let seq = last
                    .first()
                    .and_then(|row| row.first().cloned().flatten())
                    .and_then(|n| n.parse::<i64>().ok())
                    .unwrap_or(0)
                    + 1;
                let row = record(m, seq, duration, step.downgrade.clone());
                tx.execute(&table.insert(d, &row)?).await?;
            } else {
                tx.execute(&table.delete(d, m.revision.id)).await?;
            }
            Ok(Some(Applied {
                revision: m.revision.id,
                message: m.revision.message,
                file: m.file,
                duration,
            }))
        })
        .await
    }

    /// The SQL `upgrade` would run from `from` (what the database is assumed to
    /// have applied) to `to`, without a database: version-table bookkeeping and
    /// transactions included, so it can be reviewed and run by hand.
    pub fn upgrade_sql(&self, d: Dialect, from: &Target, to: &Target) -> Result<Vec<String>, MigrateError> {
        let graph = self.graph()?;
        let applied = graph.stamp_set(from)?;
        let path = graph.upgrade_path(&applied, to)?;
        let mut out = Vec::new();
        let mut seq = i64::try_from(applied.len()).unwrap_or(i64::MAX);
        for (i, m) in path.into_iter().enumerate() {
            seq += 1;
            let step = prepare_upgrade(m, d)?;
            let row = record(m, seq, Duration::ZERO, step.downgrade.clone());
            let insert = self.table.insert(d, &row)?;
            let create = (i == 0).then(|| self.table.create(d));
            self.script_migration(d, &mut out, &step, create.as_ref(), &insert);
        }
        Ok(out)
    }

    /// The SQL `downgrade` would run from `from` to `to`, as
    /// [`Migrator::upgrade_sql`] does for upgrades.
    pub fn downgrade_sql(&self, d: Dialect, from: &Target, to: &Target) -> Result<Vec<String>, MigrateError> {
        let graph = self.graph()?;
        let applied = graph.stamp_set(from)?;
        let path = graph.downgrade_path(&applied, to)?;
        let mut out = Vec::new();
        for id in path {
            let m = graph.get(id).expect("the path holds known revisions");
            let step = prepare_downgrade(m, None, d)?;
            let delete = self.table.delete(d, id);
            self.script_migration(d, &mut out, &step, None, &delete);
        }
        Ok(out)
    }

    /// One migration's transaction in a script, as [`Migrator::run`] runs it.
    fn script_migration(
        &self,
        d: Dialect,
        out: &mut Vec<String>,
        step: &Prepared,
        create_table: Option<&Statement>,
        bookkeeping: &Statement,
    ) {
        out.push(d.begin().to_owned());
        if d == Dialect::Postgres {
            out.push(lock_statement(self.lock_key()).inline);
        }
        out.extend(create_table.map(|s| s.inline.clone()));
        out.extend(step.statements.iter().map(|action| match action {
            Action::Sql(statement) => statement.inline.clone(),
            Action::Rust(name, _) => rust_note(name),
        }));
        out.push(bookkeeping.inline.clone());
        out.push("COMMIT".to_owned());
    }
}

/// A failed statement, said with the migration it belongs to.
fn in_migration(error: MigrateError, m: &Migration) -> MigrateError {
    match error {
        MigrateError::Database { context, source } => MigrateError::Database {
            context: format!(
                "migration `{}` ({}) failed and was rolled back; {context}",
                m.revision.id, m.file
            ),
            source,
        },
        other => other,
    }
}

fn record(m: &Migration, seq: i64, duration: Duration, downgrade: Option<String>) -> AppliedRevision {
    AppliedRevision {
        revision: m.revision.id.to_owned(),
        parents: m.revision.parents.iter().map(|p| (*p).to_owned()).collect(),
        checksum: checksum(m.source),
        seq,
        applied_at: String::new(),
        duration_ms: millis(duration),
        downgrade,
    }
}

fn downgrade_json(m: &Migration) -> Result<Option<String>, MigrateError> {
    let ops: Vec<Op> = m.downgrade_steps().into_iter().map(|s| s.op).collect();
    Ok(Some(serde_json::to_string(&ops).map_err(|e| {
        MigrateError::Unsupported {
            op: "record the downgrade".into(),
            dialect: "any database",
            reason: e.to_string(),
        }
    })?))
}

/// What the log and an offline script say for a Rust step.
pub(crate) fn rust_note(name: &str) -> String {
    format!("-- Rust step `{name}` (runs only when applied online)")
}

/// The actions of `steps` (one direction of `m`); a Rust step's function
/// comes from `functions` when a step recorded in the version table has none.
fn actions(
    m: &Migration,
    ops: &[(Op, Option<RustStep>)],
    functions: &[Step],
    d: Dialect,
) -> Result<Vec<Action>, MigrateError> {
    let mut out = Vec::new();
    for (op, rust) in ops {
        match op {
            Op::Rust { name } => {
                let function = rust.or_else(|| {
                    functions
                        .iter()
                        .find(|s| matches!(&s.op, Op::Rust { name: n } if n == name))
                        .and_then(|s| s.rust)
                });
                let function = function.ok_or_else(|| MigrateError::MissingRustStep {
                    revision: m.revision.id.to_owned(),
                    name: name.to_string(),
                })?;
                out.push(Action::Rust(name.to_string(), function));
            }
            Op::Irreversible { reason } => {
                return Err(MigrateError::Irreversible {
                    revision: m.revision.id.to_owned(),
                    file: m.file.to_owned(),
                    reason: reason.to_string(),
                });
            }
            op => out.extend(
                d.render(op)?
                    .into_iter()
                    .map(|sql| Action::Sql(Statement::plain(sql))),
            ),
        }
    }
    Ok(out)
}

fn prepare_upgrade(m: &'static Migration, d: Dialect) -> Result<Prepared, MigrateError> {
    let steps = m.upgrade_steps();
    if let Some(step) = steps.iter().find(|s| !s.is_cleared()) {
        return Err(MigrateError::Unacknowledged {
            revision: m.revision.id.to_owned(),
            file: m.file.to_owned(),
            step: step.op.to_string(),
        });
    }
    let ops: Vec<(Op, Option<RustStep>)> = steps.iter().map(|s| (s.op.clone(), s.rust)).collect();
    let statements = actions(m, &ops, &steps, d)?;
    Ok(Prepared {
        migration: m,
        statements,
        downgrade: downgrade_json(m)?,
    })
}

/// A downgrade with the operations the version table kept, else the file's.
fn prepare_downgrade(
    m: &'static Migration,
    row: Option<&AppliedRevision>,
    d: Dialect,
) -> Result<Prepared, MigrateError> {
    let steps = m.downgrade_steps();
    let ops: Vec<(Op, Option<RustStep>)> = match row.and_then(AppliedRevision::downgrade_ops) {
        Some(ops) => ops.into_iter().map(|op| (op, None)).collect(),
        None => steps.iter().map(|s| (s.op.clone(), s.rust)).collect(),
    };
    let statements = actions(m, &ops, &steps, d)?;
    Ok(Prepared {
        migration: m,
        statements,
        downgrade: None,
    })
}

/// The database records only revisions this program knows.
fn unknown_applied(graph: &Graph, applied: &[AppliedRevision]) -> Result<(), MigrateError> {
    let unknown: Vec<String> = applied
        .iter()
        .filter(|r| graph.get(&r.revision).is_none())
        .map(|r| r.revision.clone())
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(MigrateError::UnknownApplied(unknown))
    }
}

/// Every applied revision is known and unchanged, except those about to be
/// reverted (`reverting`), which go back with the downgrade they were applied
/// with.
fn verify(graph: &Graph, applied: &[AppliedRevision], reverting: &[&str]) -> Result<(), MigrateError> {
    unknown_applied(graph, applied)?;
    for row in applied {
        let m = graph.get(&row.revision).expect("checked just above");
        let current = checksum(m.source);
        if current != row.checksum && !reverting.contains(&m.revision.id) {
            return Err(MigrateError::ChecksumMismatch {
                revision: row.revision.clone(),
                back_to: m.revision.parents.first().copied().unwrap_or("base").to_owned(),
                file: m.file.to_owned(),
                recorded: row.checksum.clone(),
                current,
            });
        }
    }
    Ok(())
}
