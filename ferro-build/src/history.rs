//! The revision graph of the migrations folder, and its integrity.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::BuildError;
use crate::folder::Entry;

/// The migrations as a graph.
pub(crate) struct History<'a> {
    by_id: BTreeMap<&'a str, &'a Entry>,
    /// Parents before children; among equals, by file name.
    pub(crate) order: Vec<&'a Entry>,
    /// Migrations no other follows.
    pub(crate) heads: Vec<&'a Entry>,
}

impl<'a> History<'a> {
    /// Checks that ids are unique, that every parent exists and that there is
    /// no cycle; the first problem found, in file order, is the error.
    pub(crate) fn new(entries: &'a [Entry]) -> Result<History<'a>, BuildError> {
        let mut by_id: BTreeMap<&str, &Entry> = BTreeMap::new();
        for entry in entries {
            if let Some(first) = by_id.insert(&entry.id, entry) {
                return Err(BuildError::DuplicateRevision {
                    id: entry.id.clone(),
                    first: first.file.clone(),
                    second: entry.file.clone(),
                });
            }
        }
        for entry in entries {
            if let Some(parent) = entry.parents.iter().find(|p| !by_id.contains_key(p.as_str())) {
                return Err(BuildError::UnknownParent {
                    file: entry.file.clone(),
                    id: entry.id.clone(),
                    parent: parent.clone(),
                });
            }
        }
        // Kahn's algorithm, taking ready migrations in file order.
        let mut waiting: BTreeMap<&str, usize> =
            entries.iter().map(|e| (e.id.as_str(), e.parents.len())).collect();
        let mut children: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
        for entry in entries {
            for parent in &entry.parents {
                children.entry(parent).or_default().push(entry);
            }
        }
        let mut ready: BTreeSet<(&str, &str)> = entries
            .iter()
            .filter(|e| e.parents.is_empty())
            .map(|e| (e.file.as_str(), e.id.as_str()))
            .collect();
        let mut order = Vec::new();
        while let Some((file, id)) = ready.pop_first() {
            let _ = file;
            order.push(by_id[id]);
            for child in children.get(id).into_iter().flatten() {
                let count = waiting
                    .get_mut(child.id.as_str())
                    .expect("every child is an entry");
                *count -= 1;
                if *count == 0 {
                    ready.insert((&child.file, &child.id));
                }
            }
        }
        if order.len() < entries.len() {
            let placed: BTreeSet<&str> = order.iter().map(|e| e.id.as_str()).collect();
            return Err(BuildError::Cycle {
                files: entries
                    .iter()
                    .filter(|e| !placed.contains(e.id.as_str()))
                    .map(|e| e.file.clone())
                    .collect(),
            });
        }
        let heads = order
            .iter()
            .copied()
            .filter(|e| !children.contains_key(e.id.as_str()))
            .collect();
        Ok(History { by_id, order, heads })
    }

    /// The migration `id`.
    pub(crate) fn get(&self, id: &str) -> Option<&'a Entry> {
        self.by_id.get(id).copied()
    }

    /// What the snapshot must be after migration `entry`: the fingerprint it
    /// records, or (for a hand-written migration) what its parent leaves. A
    /// merge written by `merge heads` records none: after it, the snapshot is
    /// the models' schema as the build adopted it.
    pub(crate) fn schema_after(&self, entry: &'a Entry) -> Expected<'a> {
        let mut at = Some(entry);
        while let Some(e) = at {
            if let Some(schema) = &e.schema {
                return Expected::Fingerprint(schema);
            }
            if e.parents.len() > 1 {
                return Expected::Adopted(e);
            }
            at = e.parents.first().and_then(|p| self.get(p));
        }
        Expected::Empty
    }
}

/// What the snapshot must hold after a migration.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Expected<'a> {
    /// No table: no migration changed the schema yet.
    Empty,
    /// The schema with this fingerprint.
    Fingerprint(&'a str),
    /// The schema the build adopted for this merge (the snapshot names it).
    Adopted(&'a Entry),
}
