//! From a migration's steps to what the migrator runs: its tasks, rendered
//! for the database and grouped into parts (a transaction, or one step that
//! must run outside one), checked before anything runs.

use std::time::Duration;

use super::checksum::checksum;
use super::dialect::Dialect;
use super::error::{FragmentInMigration, MigrateError};
use super::rebuild::{self, Rebuild};
use super::render::sqlite;
use super::statement::{Statement, millis, rust_note};
use super::version::{AppliedRevision, Progress, StoredStep};
use crate::migration::{Migration, Op, RustStep, State, Step};
use crate::schema::fragment::{self, Place};

/// One thing a migration does: a statement, or a Rust data step.
pub(crate) enum Task {
    Sql(Statement),
    /// A fill `.in_batches()`: `each` run until it changes no row; `whole`
    /// is the same fill as one statement, for offline scripts.
    Batches {
        each: Statement,
        whole: Statement,
    },
    Rust(String, RustStep),
    /// A SQLite table rebuild, worked out from the table when it runs.
    Rebuild(Rebuild),
}

impl Task {
    /// Whether SQLite's foreign-key enforcement must be off around the
    /// transaction this task runs in.
    pub(crate) fn rebuilds(&self) -> bool {
        matches!(self, Task::Rebuild(_))
    }

    /// What an offline script shows for it; an error for what a script
    /// cannot hold.
    pub(crate) fn text(&self) -> Result<String, MigrateError> {
        Ok(match self {
            Task::Sql(statement) | Task::Batches { whole: statement, .. } => statement.inline.clone(),
            Task::Rust(name, _) => rust_note(name),
            Task::Rebuild(rebuild) => rebuild.offline()?,
        })
    }
}

/// A run of tasks in one transaction, or one step outside any.
pub(crate) struct Part {
    pub(crate) tasks: Vec<Task>,
    pub(crate) outside: bool,
    /// Whether it holds only data steps (SQL and Rust), which on MySQL share
    /// a transaction with the data steps next to them.
    pub(crate) data: bool,
    /// Whether it holds hand-written SQL (`op.sql`), which on MySQL may
    /// commit DDL part-way: a failure of such a part leaves it in doubt.
    pub(crate) raw: bool,
    /// The index in [`Prepared::ops`] of its first operation.
    pub(crate) op: usize,
    /// On MySQL, for a schema statement: which operation it comes from, and
    /// whether it is that operation's first and its last statement (see
    /// [`Origin`]).
    pub(crate) origin: Option<Origin>,
}

/// Where a MySQL schema statement comes from. A run killed while such a
/// statement ran leaves it done or not done with no record saying which;
/// the next run compares the schema with the one the operations before it
/// leave (when it is the operation's first statement) and with the one the
/// operation leaves (when it is the last) to find out.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Origin {
    /// The index of the operation in [`Prepared::ops`].
    pub(crate) op: usize,
    pub(crate) first: bool,
    pub(crate) last: bool,
}

/// A migration ready to run in one direction.
pub(crate) struct Prepared {
    pub(crate) migration: &'static Migration,
    pub(crate) parts: Vec<Part>,
    /// The operations the parts come from, in order.
    pub(crate) ops: Vec<Op>,
    /// The downgrade to keep in the version table (upgrades only).
    pub(crate) downgrade: Option<String>,
}

/// A step to prepare: what it does, where it runs, and its Rust function if
/// it has one at hand.
struct Planned {
    op: Op,
    outside: bool,
    online: bool,
    rust: Option<RustStep>,
}

impl From<&Step> for Planned {
    /// A step as the migration file records it.
    fn from(s: &Step) -> Planned {
        Planned {
            op: s.op.clone(),
            outside: s.outside_transaction,
            online: s.online,
            rust: s.rust,
        }
    }
}

/// The version-table row of `m`.
pub(crate) fn record(
    m: &Migration,
    seq: i64,
    duration: Duration,
    downgrade: Option<String>,
    progress: Progress,
) -> AppliedRevision {
    AppliedRevision {
        revision: m.revision.id.to_owned(),
        parents: m.revision.parents.iter().map(|p| (*p).to_owned()).collect(),
        checksum: checksum(m.source),
        seq,
        applied_at: String::new(),
        duration_ms: millis(duration),
        downgrade_checksum: None,
        downgrade,
        progress,
    }
}

/// `m`'s downgrade as the version table keeps it.
pub(crate) fn downgrade_json(m: &Migration) -> Result<Option<String>, MigrateError> {
    let steps: Vec<StoredStep> = m
        .downgrade_steps()
        .into_iter()
        .map(|s| StoredStep {
            op: s.op,
            outside_transaction: s.outside_transaction,
            online: s.online,
        })
        .collect();
    let json = serde_json::to_string(&steps).map_err(|e| MigrateError::Unsupported {
        op: "record the downgrade".into(),
        dialect: "any database",
        reason: e.to_string(),
    })?;
    Ok(Some(json))
}

/// Renders `steps` (one direction of `m`) into parts. A Rust step's function
/// comes from `functions` when the step was recorded in the version table.
///
/// On MySQL, where DDL commits as it runs, every schema statement is a part
/// of its own, so that the version table says exactly how far a migration
/// got (data steps in a row share one, a transaction); and `state`, the
/// schema before the migration, follows each step, since MySQL's SQL for
/// some operations depends on it. A step marked `.concurrently()` or
/// `.validate_separately()` becomes its PostgreSQL form there, and its
/// validation a part at the end.
fn parts(
    m: &Migration,
    steps: Vec<Planned>,
    functions: &[Step],
    d: Dialect,
    mut state: Option<&mut State>,
) -> Result<Vec<Part>, MigrateError> {
    let step_by_step = !d.capabilities().transactional_ddl;
    let mut parts: Vec<Part> = Vec::new();
    // `VALIDATE CONSTRAINT`s, each in a transaction of its own at the end.
    let mut validations = Vec::new();
    // PostgreSQL refuses a value added to an enum type in the transaction
    // that uses it ("unsafe use of new value"): where a fill may use one,
    // the values are added outside the transaction, committed first.
    let new_values_used =
        d == Dialect::Postgres && steps.iter().any(|s| matches!(s.op, Op::FillNulls { .. }));
    for (index, step) in steps.into_iter().enumerate() {
        let mut outside = step.outside || (new_values_used && matches!(step.op, Op::AddEnumValue { .. }));
        // A fill in batches runs outside the transaction, a batch at a time,
        // on PostgreSQL and MySQL; on SQLite as usual.
        let batched = step.online && matches!(step.op, Op::FillNulls { .. });
        let online = if step.online && !batched {
            let online =
                super::render::postgres::online(&step.op).ok_or_else(|| MigrateError::Unsupported {
                    op: step.op.to_string(),
                    dialect: d.name(),
                    reason: "`.in_batches()` is for a fill, `.concurrently()` for a step that creates \
                         or drops an index or adds a named unique or primary key, and \
                         `.validate_separately()` for one that adds a named foreign key or a check, or \
                         that makes a column NOT NULL and changes nothing else"
                        .to_owned(),
                })?;
            Some(online).filter(|_| d == Dialect::Postgres)
        } else {
            None
        };
        super::render::refuse_schema(d, &step.op)?;
        let tasks = match &step.op {
            op if batched && d != Dialect::Sqlite => {
                outside = true;
                let (each, whole) = super::render::batched_fill(d, op)?;
                vec![Task::Batches {
                    each: Statement::plain(each),
                    whole: Statement::plain(whole),
                }]
            }
            _ if let Some((now, validate, apart)) = online => {
                outside |= apart;
                if !validate.is_empty() {
                    validations.push(validate);
                }
                vec![Task::Sql(Statement::plain(now))]
            }
            Op::Rust { name } => {
                let function = step.rust.or_else(|| {
                    functions
                        .iter()
                        .find(|s| matches!(&s.op, Op::Rust { name: n } if n == name))
                        .and_then(|s| s.rust)
                });
                let function = function.ok_or_else(|| MigrateError::MissingRustStep {
                    revision: m.revision.id.to_owned(),
                    name: name.to_string(),
                })?;
                vec![Task::Rust(name.to_string(), function)]
            }
            Op::Irreversible { reason } => {
                return Err(MigrateError::Irreversible {
                    revision: m.revision.id.to_owned(),
                    file: m.file.to_owned(),
                    reason: reason.to_string(),
                });
            }
            op if d == Dialect::Sqlite && sqlite::rebuilds(op) => {
                let last = parts.last_mut().filter(|p| !p.outside && !step.outside);
                if let Some(Task::Rebuild(rebuild)) = last.and_then(|p| p.tasks.last_mut())
                    && rebuild::joins(rebuild, op)
                {
                    rebuild.ops.push(op.clone());
                    continue;
                }
                vec![Task::Rebuild(Rebuild {
                    ops: vec![op.clone()],
                })]
            }
            op => {
                let mut statements = d.render_in(op, state.as_deref())?;
                if step.online && d == Dialect::MySql {
                    super::render::mysql::online(op, state.as_deref(), &mut statements);
                }
                statements
                    .into_iter()
                    .map(|sql| Task::Sql(Statement::plain(sql)))
                    .collect()
            }
        };
        if let Some(state) = state.as_deref_mut() {
            // A schema the history does not model (hand-written SQL) shows
            // when a later statement needs what is missing.
            let _ = state.apply(&step.op);
        }
        // On MySQL, data steps in a row share a transaction; a schema
        // statement is a part of its own.
        let data = matches!(step.op, Op::Sql(_) | Op::Rust { .. } | Op::FillNulls { .. });
        if step_by_step && !data {
            let count = tasks.len();
            parts.extend(tasks.into_iter().enumerate().map(|(i, task)| Part {
                tasks: vec![task],
                outside,
                data: false,
                raw: false,
                op: index,
                origin: Some(Origin {
                    op: index,
                    first: i == 0,
                    last: i + 1 == count,
                }),
            }));
            continue;
        }
        let joins = |last: &Part| !step_by_step || (data && last.data);
        let raw = matches!(step.op, Op::Sql(_));
        match parts.last_mut() {
            Some(last) if !last.outside && !outside && joins(last) => {
                last.tasks.extend(tasks);
                last.raw |= raw;
            }
            _ => parts.push(Part {
                tasks,
                outside,
                data,
                raw,
                op: index,
                origin: None,
            }),
        }
    }
    let ops = parts.last().map_or(0, |p| p.op + 1);
    parts.extend(validations.into_iter().map(|statements: Vec<String>| {
        Part {
            tasks: statements
                .into_iter()
                .map(|sql| Task::Sql(Statement::plain(sql)))
                .collect(),
            outside: false,
            data: false,
            raw: false,
            op: ops,
            origin: None,
        }
    }));
    if parts.is_empty() {
        // A migration without steps still records that it was applied.
        parts.push(Part {
            tasks: Vec::new(),
            outside: false,
            data: false,
            raw: false,
            op: 0,
            origin: None,
        });
    }
    Ok(parts)
}

/// The schema `migrations` leave, applied in this order from the empty
/// schema, when `d` needs it to render (see [`parts`]).
pub(crate) fn replay<'m>(d: Dialect, migrations: impl IntoIterator<Item = &'m Migration>) -> Option<State> {
    if d != Dialect::MySql {
        return None;
    }
    let mut state = State::default();
    for m in migrations {
        for step in m.upgrade_steps() {
            let _ = state.apply(&step.op);
        }
    }
    Some(state)
}

/// `m`'s upgrade, refused if a destructive step is not acknowledged; `state`
/// is the schema before it, which it updates (see [`parts`]).
pub(crate) fn prepare_upgrade(
    m: &'static Migration,
    d: Dialect,
    state: Option<&mut State>,
) -> Result<Prepared, MigrateError> {
    let steps = m.upgrade_steps();
    if let Some(step) = steps.iter().find(|s| !s.is_cleared()) {
        return Err(MigrateError::Unacknowledged {
            revision: m.revision.id.to_owned(),
            file: m.file.to_owned(),
            step: step.op.to_string(),
        });
    }
    let planned: Vec<Planned> = steps.iter().map(Planned::from).collect();
    refuse_unwritten(m, "upgrade", &planned)?;
    refuse_fragments(m, &planned)?;
    let ops = planned.iter().map(|p| p.op.clone()).collect();
    Ok(Prepared {
        migration: m,
        parts: parts(m, planned, &steps, d, state)?,
        ops,
        downgrade: downgrade_json(m)?,
    })
}

/// `m`'s downgrade: the one the version table kept when it was applied, else
/// the file's; `state` as for [`prepare_upgrade`].
pub(crate) fn prepare_downgrade(
    m: &'static Migration,
    row: Option<&AppliedRevision>,
    d: Dialect,
    state: Option<&mut State>,
) -> Result<Prepared, MigrateError> {
    let steps = m.downgrade_steps();
    let stored = match row {
        Some(row) => row.stored_downgrade()?,
        None => None,
    };
    let planned: Vec<Planned> = match stored {
        Some(stored) => stored
            .into_iter()
            .map(|s| Planned {
                op: written(s.op, &steps),
                outside: s.outside_transaction,
                online: s.online,
                rust: None,
            })
            .collect(),
        None => steps.iter().map(Planned::from).collect(),
    };
    refuse_unwritten(m, "downgrade", &planned)?;
    refuse_fragments(m, &planned)?;
    let ops = planned.iter().map(|p| p.op.clone()).collect();
    Ok(Prepared {
        migration: m,
        parts: parts(m, planned, &steps, d, state)?,
        ops,
        downgrade: None,
    })
}

/// A fill the version table kept without a value, with the value the file
/// has written since: the one thing of a kept downgrade the file may add to.
fn written(op: Op, file: &[Step]) -> Op {
    let Op::FillNulls {
        table,
        column,
        value: None,
    } = &op
    else {
        return op;
    };
    file.iter()
        .find_map(|s| match &s.op {
            Op::FillNulls {
                table: t,
                column: c,
                value: Some(_),
            } if t == table && c == column => Some(s.op.clone()),
            _ => None,
        })
        .unwrap_or(op)
}

/// Refuses a direction with a fill whose value nobody has written, before
/// anything runs.
fn refuse_unwritten(m: &Migration, direction: &'static str, steps: &[Planned]) -> Result<(), MigrateError> {
    match steps.iter().find(|s| s.op.is_unwritten_fill()) {
        Some(Planned {
            op: Op::FillNulls { table, column, .. },
            ..
        }) => Err(MigrateError::UnwrittenFill {
            revision: m.revision.id.to_owned(),
            file: m.file.to_owned(),
            direction,
            table: table.to_string(),
            column: column.to_string(),
        }),
        _ => Ok(()),
    }
}

/// Refuses a default, check, SQL type or fill value that would not stay
/// within the statement it is written into (see [`fragment`]), before
/// anything runs. Here rather than in the renderers: every migration of a
/// run is prepared before its first statement, whereas a SQLite rebuild
/// renders its table only when it runs, after the steps before it.
fn refuse_fragments(m: &Migration, steps: &[Planned]) -> Result<(), MigrateError> {
    for step in steps {
        let fragments: Vec<(Place<'_>, &str)> = match &step.op {
            Op::CreateTable(table) => fragment::of_table(table).collect(),
            Op::AddColumn { table, column }
            | Op::AlterColumn {
                table, to: column, ..
            } => fragment::of_column(table, column).collect(),
            Op::CreateIndex { table, index } => fragment::of_index(table, index).collect(),
            Op::AddCheck { table, check } => vec![(
                Place::Check {
                    table,
                    name: &check.name,
                },
                &check.expr,
            )],
            Op::FillNulls {
                table,
                column,
                value: Some(value),
            } => vec![(Place::Fill { table, column }, value)],
            _ => Vec::new(),
        };
        if let Some((place, text, source)) = fragment::first_bad(fragments) {
            return Err(MigrateError::BadFragment(Box::new(FragmentInMigration {
                revision: m.revision.id.to_owned(),
                file: m.file.to_owned(),
                step: step.op.to_string(),
                place: place.to_string(),
                text: text.to_owned(),
                source,
            })));
        }
    }
    Ok(())
}
