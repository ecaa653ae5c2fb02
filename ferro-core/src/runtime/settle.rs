//! On MySQL, where each schema statement commits as it runs: a migration is
//! marked as started before its first part, and a run that finds a mark
//! settles the part the stopped run may have been in, from the schema.

use std::time::Duration;

use super::checks::by_name;
use super::database::{Database, Tx};
use super::dialect::Dialect;
use super::error::MigrateError;
use super::migrator::{Migrator, Position};
use super::prepare::{Prepared, record, replay};
use super::statement::Statement;
use super::version::Progress;

/// What [`Migrator::mark_or_settle`] did.
pub(crate) enum Settled {
    /// Marked the migration as started: nothing of it had run.
    Marked,
    /// Found that the part a stopped run was in took effect, and recorded it.
    Recorded,
    /// Found the next part still to run.
    Pending,
}

impl Migrator {
    /// On MySQL, where each schema statement commits as it runs: marks `step`
    /// as started in the version table before its first part, or, if a run
    /// that stopped had marked it, settles the part that run may have been
    /// in.
    ///
    /// A schema part is recorded after it commits, so a run killed between
    /// the two leaves it done with no record. The part after the last
    /// recorded one is therefore in doubt; the schema says whether it took
    /// effect when it equals what the operations before the part leave (not
    /// done: run it) or what its operation leaves (done: record it). When
    /// it is neither, the error names the part and the ways out.
    pub(crate) async fn mark_or_settle(
        &self,
        db: &mut Database,
        step: &Prepared,
        up: bool,
    ) -> Result<Settled, MigrateError> {
        let d = db.dialect();
        let id = step.migration.revision.id;
        let progress = self.progress_of(db.fetch_text(&self.table.progress(d, id), 1).await?, id)?;
        // How many parts of this direction a stopped run recorded.
        let stopped = match (up, progress) {
            (true, Some(Progress::Up(k))) | (false, Some(Progress::Down(k))) => Some(k),
            _ => None,
        };
        let Some(index) = stopped else {
            let mark = self.mark(d, step, up)?;
            db.locked(self.lock_key(), async |tx: &mut Tx<'_>| tx.execute(&mark).await)
                .await?;
            return Ok(Settled::Marked);
        };
        // Only a first part's failure keeps the mark with nothing recorded
        // (see `run`); a later raw part that stopped runs again, as its
        // fix may be a table made by hand, which no schema check can tell
        // from DDL the part committed.
        let raw = index == 0 && step.parts.first().is_some_and(|p| p.raw);
        let origin = step.parts.get(index).and_then(|p| p.origin);
        if origin.is_none() && !raw {
            // A data part runs in a transaction with its record: not in doubt.
            return Ok(Settled::Pending);
        }
        let in_doubt = |index: usize| {
            let m = step.migration;
            let parents = match m.revision.parents {
                [] => "base".to_owned(),
                parents => parents.join(" "),
            };
            let (finish, back) = if up {
                (m.revision.id.to_owned(), parents)
            } else {
                (parents, m.revision.id.to_owned())
            };
            MigrateError::InDoubt(Box::new(super::error::PartInDoubt {
                revision: id.to_owned(),
                file: m.file.to_owned(),
                part: index + 1,
                total: step.parts.len(),
                statement: step.parts[index]
                    .tasks
                    .iter()
                    .map(|a| a.text().unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join("; "),
                direction: if up { "upgrade" } else { "downgrade" },
                finish,
                back,
            }))
        };
        // Hand-written SQL keeps its mark only when a statement of it
        // completed before it failed, or when its run was killed: DDL in it
        // commits, with the data statements before it, even when a later
        // statement fails, and an unchanged schema does not say that no
        // data statement was committed so. How much took effect is not
        // known; running it again could apply an `UPDATE` twice.
        let Some(origin) = origin.filter(|_| !raw) else {
            return Err(in_doubt(index));
        };
        let mut state = self.state_before(db, step, up, origin.op).await?;
        let before = state.clone();
        let _ = state.apply(&step.ops[origin.op]);
        let is = async |db: &mut Database, state: &crate::migration::State| self.schema_is(db, state).await;
        let before = is(db, &before).await?;
        let after = is(db, &state).await?;
        let not_done = origin.first && before;
        let took_effect = origin.last && after;
        let position = Position {
            up,
            index,
            total: step.parts.len(),
            create_table: false,
            outside: false,
            started: None,
        };
        match (not_done, took_effect) {
            (true, false) => Ok(Settled::Pending),
            (false, true) => {
                let record = self.bookkeeping(d, step, &position)?;
                db.locked(self.lock_key(), async |tx: &mut Tx<'_>| {
                    for statement in &record {
                        tx.execute(statement).await?;
                    }
                    Ok(())
                })
                .await?;
                Ok(Settled::Recorded)
            }
            _ => Err(in_doubt(index)),
        }
    }

    /// The schema before operation `op` of `step`: what the applied
    /// migrations (in the order applied) and `step`'s operations before it
    /// leave. A schema the history does not model (hand-written SQL) shows
    /// as a difference from the database's.
    pub(crate) async fn state_before(
        &self,
        db: &mut Database,
        step: &Prepared,
        up: bool,
        op: usize,
    ) -> Result<crate::migration::State, MigrateError> {
        let d = db.dialect();
        let mut state = replay(d, self.in_order(&self.applied(db).await?)).unwrap_or_default();
        if !up {
            for s in step.migration.upgrade_steps() {
                let _ = state.apply(&s.op);
            }
        }
        for op in &step.ops[..op.min(step.ops.len())] {
            let _ = state.apply(op);
        }
        Ok(state)
    }

    /// Whether the database's schema is `state`'s.
    pub(crate) async fn schema_is(
        &self,
        db: &mut Database,
        state: &crate::migration::State,
    ) -> Result<bool, MigrateError> {
        let Ok(schema) = crate::schema::Schema::new(state.tables.clone()) else {
            return Ok(false);
        };
        let actual = by_name(&super::introspect::introspect_like(db, &self.table.name, &schema).await?);
        Ok(by_name(&super::stored(db.dialect(), &schema)) == actual)
    }

    /// The statement that marks `step` as started on MySQL: its row with no
    /// part done (an upgrade), or its row as a downgrade with no part done.
    pub(crate) fn mark(&self, d: Dialect, step: &Prepared, up: bool) -> Result<Statement, MigrateError> {
        let m = step.migration;
        if up {
            let row = record(m, 0, Duration::ZERO, step.downgrade.clone(), Progress::Up(0));
            self.table.insert_next(d, &row)
        } else {
            Ok(self.table.set_progress(d, m.revision.id, Progress::Down(0), 0))
        }
    }

    /// What undoes [`Migrator::mark`].
    pub(crate) fn unmark(&self, d: Dialect, step: &Prepared, up: bool) -> Statement {
        let id = step.migration.revision.id;
        if up {
            self.table.delete(d, id)
        } else {
            self.table.set_progress(d, id, Progress::Whole, 0)
        }
    }
}

/// What a migration that stopped on MySQL did: each schema statement there
/// commits as it runs, so the report lists the parts done and the part that
/// failed, and says both ways out.
pub(crate) fn step_by_step(step: &Prepared, position: &Position) -> String {
    let text = |i: usize| -> String {
        let tasks = step.parts[i].tasks.iter().map(|a| a.text().unwrap_or_default());
        tasks.collect::<Vec<_>>().join("; ")
    };
    let done: Vec<String> = (0..position.index)
        .map(|i| format!("\n    {}. {}", i + 1, text(i)))
        .collect();
    let done = if done.is_empty() {
        " none".to_owned()
    } else {
        done.concat()
    };
    let direction = if position.up { "upgrade" } else { "downgrade" };
    let m = step.migration;
    let back = if position.up {
        match m.revision.parents {
            [] => "base".to_owned(),
            parents => parents.join(" "),
        }
    } else {
        m.revision.id.to_owned()
    };
    format!(
        "stopped in part {} of {}. MySQL commits each schema statement as it runs, so the parts before \
         it stay done; the version table records them.\n  done:{done}\n  failed:\n    {}. {}\n  \
         To finish, fix the cause and run `{direction}` again: it resumes with part {}. To go back \
         instead, undo the parts done by hand, then run `stamp {back}`.\n",
        position.index + 1,
        position.total,
        position.index + 1,
        text(position.index),
        position.index + 1,
    )
}
