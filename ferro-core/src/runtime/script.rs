//! Offline SQL: what `upgrade` and `downgrade` would execute, without a
//! database, for a review or for a DBA to run.

use super::dialect::Dialect;
use super::dialect::MYSQL_SQL_MODE as SQL_MODE;
use super::error::MigrateError;
use super::graph::Target;
use super::migrator::{Migrator, Position};
use super::prepare::{Prepared, Task, prepare_downgrade, prepare_upgrade, replay};
use super::statement::lock_statement;

/// The migrations of `applied` (the stamp set of `from`) in an order they
/// apply in.
fn applied_in_order(
    graph: &super::Graph,
    applied: &[&str],
    from: &Target,
) -> Result<Vec<&'static crate::migration::Migration>, MigrateError> {
    if applied.is_empty() {
        return Ok(Vec::new());
    }
    graph.upgrade_path(&[], from)
}

impl Migrator {
    /// The SQL `upgrade` would run from `from` (what the database is assumed to
    /// have applied) to `to`: the statements online apply executes, in its
    /// order, version-table bookkeeping and transactions included. Only reads
    /// are left out, and each migration's duration, which a script records
    /// as 0.
    pub fn upgrade_sql(&self, d: Dialect, from: &Target, to: &Target) -> Result<Vec<String>, MigrateError> {
        let graph = self.graph()?;
        let applied = graph.stamp_set(from)?;
        let path = graph.upgrade_path(&applied, to)?;
        let mut state = replay(d, applied_in_order(&graph, &applied, from)?);
        let mut out = Vec::new();
        if d == Dialect::MySql {
            out.push(SQL_MODE.to_owned());
        }
        // As online, where the run sets them once it holds its lock.
        out.extend(self.timeouts.statements(d));
        // As online: MySQL creates the version table in a transaction of its own.
        let own = !d.capabilities().transactional_ddl;
        if own && !path.is_empty() {
            out.extend([d.begin().to_owned(), self.table_create(d), "COMMIT".to_owned()]);
        }
        // Every migration prepared before any is written, as online: a
        // refusal names its cause, not a step of an earlier migration.
        let prepared: Vec<Prepared> = path
            .into_iter()
            .map(|m| prepare_upgrade(m, d, state.as_mut()))
            .collect::<Result<_, _>>()?;
        for (i, step) in prepared.iter().enumerate() {
            self.script(d, &mut out, step, true, i == 0 && !own)?;
        }
        Ok(out)
    }

    /// The SQL `downgrade` would run from `from` to `to`, as
    /// [`Migrator::upgrade_sql`] does for upgrades.
    pub fn downgrade_sql(&self, d: Dialect, from: &Target, to: &Target) -> Result<Vec<String>, MigrateError> {
        let graph = self.graph()?;
        let applied = graph.stamp_set(from)?;
        let path = graph.downgrade_path(&applied, to)?;
        let mut state = replay(d, applied_in_order(&graph, &applied, from)?);
        let mut out = Vec::new();
        if d == Dialect::MySql {
            out.push(SQL_MODE.to_owned());
        }
        // As online, where the run sets them once it holds its lock.
        out.extend(self.timeouts.statements(d));
        let prepared: Vec<Prepared> = path
            .into_iter()
            .map(|id| {
                let m = graph.get(id).expect("the path holds known revisions");
                prepare_downgrade(m, None, d, state.as_mut())
            })
            .collect::<Result<_, _>>()?;
        for step in &prepared {
            self.script(d, &mut out, step, false, false)?;
        }
        Ok(out)
    }

    /// One migration as the migrator runs it, part by part.
    fn script(
        &self,
        d: Dialect,
        out: &mut Vec<String>,
        step: &Prepared,
        up: bool,
        create_table: bool,
    ) -> Result<(), MigrateError> {
        let key = self.lock_key();
        let postgres = d == Dialect::Postgres;
        // A script that recorded a Rust step as applied without running it
        // would leave its data unmigrated for good.
        for part in &step.parts {
            if let Some(Task::Rust(name, _)) = part.tasks.iter().find(|a| matches!(a, Task::Rust(..))) {
                return Err(MigrateError::RustStepOffline {
                    revision: step.migration.revision.id.to_owned(),
                    name: name.clone(),
                });
            }
        }
        // As online: MySQL marks the migration as started first.
        if !d.capabilities().transactional_ddl {
            out.extend([
                d.begin().to_owned(),
                self.mark(d, step, up)?.inline,
                "COMMIT".to_owned(),
            ]);
        }
        for (i, part) in step.parts.iter().enumerate() {
            let progress = Position {
                up,
                index: i,
                total: step.parts.len(),
                create_table: create_table && i == 0,
                outside: part.outside,
                // A script records no duration.
                started: None,
            };
            let transaction = |out: &mut Vec<String>| {
                out.push(d.begin().to_owned());
                if postgres {
                    out.push(lock_statement(key).inline);
                }
            };
            if part.outside {
                if progress.create_table {
                    transaction(out);
                    out.push(self.table_create(d));
                    out.push("COMMIT".to_owned());
                }
                let around = self.timeouts.around_outside(d);
                out.extend(around.as_ref().map(|(lift, _)| lift.clone()));
                for task in &part.tasks {
                    out.push(task.text()?);
                }
                out.extend(around.map(|(_, again)| again));
            }
            // As online: foreign keys off around a transaction with a rebuild.
            let rebuilds = part.tasks.iter().any(Task::rebuilds);
            if rebuilds {
                out.push("PRAGMA foreign_keys = OFF".to_owned());
            }
            transaction(out);
            if progress.create_table && !part.outside {
                out.push(self.table_create(d));
            }
            if !part.outside {
                for task in &part.tasks {
                    out.push(task.text()?);
                }
            }
            out.extend(
                self.bookkeeping(d, step, &progress)?
                    .into_iter()
                    .map(|s| s.inline),
            );
            out.push("COMMIT".to_owned());
            if rebuilds {
                out.push("PRAGMA foreign_keys = ON".to_owned());
            }
        }
        Ok(())
    }
}
