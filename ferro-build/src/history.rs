//! The revision graph of the migrations folder, and its integrity.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::BuildError;
use crate::folder::Entry;

/// The migrations as a graph. A squash stands for the revisions it
/// replaces: what follows one of them follows the squash, and they are no
/// head (the runtime's graph reads them the same way).
pub(crate) struct History<'a> {
    by_id: BTreeMap<&'a str, &'a Entry>,
    /// Each migration's parents, a replaced one standing for its squash.
    parents: BTreeMap<&'a str, Vec<&'a str>>,
    /// Each revision a squash replaces, with the squash.
    replaced_by: BTreeMap<&'a str, &'a str>,
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
        let mut replaced_by: BTreeMap<&str, &str> = BTreeMap::new();
        for entry in entries {
            for id in &entry.replaces {
                replaced_by.insert(id, &entry.id);
            }
        }
        let stand_in = |mut id: &'a str| {
            // Bounded: a squash that replaces itself (which the runtime
            // refuses) would loop.
            for _ in 0..=replaced_by.len() {
                match replaced_by.get(id) {
                    Some(by) => id = by,
                    None => break,
                }
            }
            id
        };
        let mut parents: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for entry in entries {
            // A replaced revision keeps the parents its file names while they are there.
            let keep = replaced_by.contains_key(entry.id.as_str());
            let mut mine: Vec<&str> = Vec::new();
            for parent in &entry.parents {
                let parent = if keep && by_id.contains_key(parent.as_str()) {
                    parent.as_str()
                } else {
                    stand_in(parent)
                };
                if !by_id.contains_key(parent) {
                    return Err(BuildError::UnknownParent {
                        file: entry.file.clone(),
                        id: entry.id.clone(),
                        parent: parent.to_owned(),
                    });
                }
                if !mine.contains(&parent) {
                    mine.push(parent);
                }
            }
            parents.insert(&entry.id, mine);
        }
        // Kahn's algorithm, taking ready migrations in file order.
        let mut waiting: BTreeMap<&str, usize> = parents.iter().map(|(id, p)| (*id, p.len())).collect();
        let mut children: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
        for entry in entries {
            for parent in &parents[entry.id.as_str()] {
                children.entry(parent).or_default().push(entry);
            }
        }
        let mut ready: BTreeSet<(&str, &str)> = entries
            .iter()
            .filter(|e| parents[e.id.as_str()].is_empty())
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
            .filter(|e| {
                !replaced_by.contains_key(e.id.as_str())
                    && children
                        .get(e.id.as_str())
                        .is_none_or(|c| c.iter().all(|c| replaced_by.contains_key(c.id.as_str())))
            })
            .collect();
        Ok(History {
            by_id,
            parents,
            replaced_by,
            order,
            heads,
        })
    }

    /// Whether `id` is a migration, or a revision a squash replaces (whose
    /// file may be gone).
    pub(crate) fn knows(&self, id: &str) -> bool {
        self.by_id.contains_key(id) || self.replaced_by.contains_key(id)
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
            let parents = &self.parents[e.id.as_str()];
            if parents.len() > 1 {
                return Expected::Adopted(e);
            }
            at = parents.first().and_then(|p| self.get(p));
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
