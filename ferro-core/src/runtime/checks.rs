//! The checks a run makes before anything runs, from what the version table
//! records: each a pure function of the graph and the rows.

use super::checksum::checksum;
use super::error::MigrateError;
use super::graph::Graph;
use super::version::{AppliedRevision, Progress};

/// A migration that stopped part-way in the other direction must be finished
/// in that direction first (`downgrade` says whether this is a downgrade).
pub(crate) fn partial(applied: &[AppliedRevision], downgrade: bool) -> Result<(), MigrateError> {
    // An upgrade marked with no part done (MySQL) did nothing yet.
    let stopped = applied.iter().find(|r| match r.progress {
        Progress::Up(k) if downgrade => k > 0,
        Progress::Down(_) => !downgrade,
        _ => false,
    });
    match stopped {
        Some(row) => Err(MigrateError::Partial {
            revision: row.revision.clone(),
            direction: if downgrade { "upgrade" } else { "downgrade" },
        }),
        None => Ok(()),
    }
}

/// The database records only revisions this program knows (a squash knows
/// those it replaces).
pub(crate) fn unknown_applied(graph: &Graph, applied: &[AppliedRevision]) -> Result<(), MigrateError> {
    let unknown: Vec<String> = applied
        .iter()
        .filter(|r| graph.get(&r.revision).is_none() && graph.replaced_by(&r.revision).is_none())
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
pub(crate) fn verify(
    graph: &Graph,
    applied: &[AppliedRevision],
    reverting: &[&str],
) -> Result<(), MigrateError> {
    unknown_applied(graph, applied)?;
    for row in applied {
        // A revision a squash replaced, its file deleted: the next run
        // records the squash in its place.
        let Some(m) = graph.get(&row.revision) else {
            continue;
        };
        let current = checksum(m.source);
        if current != row.checksum && !reverting.contains(&m.revision.id) {
            // `downgrade -N` reverts the newest N in the order they were
            // applied: this one and exactly what came after it.
            let mut later: Vec<&AppliedRevision> = applied.iter().filter(|r| r.seq > row.seq).collect();
            later.sort_by_key(|r| std::cmp::Reverse(r.seq));
            return Err(MigrateError::ChecksumMismatch {
                revision: row.revision.clone(),
                also_reverts: later.iter().map(|r| r.revision.clone()).collect(),
                file: m.file.to_owned(),
                recorded: row.checksum.clone(),
                current,
            });
        }
    }
    Ok(())
}

/// The tables with their columns by name: a column added to a table comes
/// last in the database, wherever the model declares it.
pub(crate) fn by_name(schema: &crate::schema::Schema) -> Vec<crate::schema::Table> {
    let mut tables = schema.tables().to_vec();
    for t in &mut tables {
        t.columns.to_mut().sort_by(|a, b| a.name.cmp(&b.name));
    }
    tables
}
