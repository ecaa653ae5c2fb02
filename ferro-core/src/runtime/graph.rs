//! The revisions as a graph, and what a target means in it.
//!
//! Pure: given the embedded migrations and the revisions a database has
//! applied (in the order it applied them), it says which migrations an
//! `upgrade` or `downgrade` to a target runs, in which order. Nothing here
//! touches a database.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::error::MigrateError;
use crate::migration::Migration;

/// Where an `upgrade`, `downgrade` or `stamp` goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// The one head; an error when there are several (merge them first).
    Head,
    /// Every head.
    Heads,
    /// No revision: everything reverted.
    Base,
    /// `N` more migrations (`+N`).
    Forward(usize),
    /// `N` fewer migrations (`-N`).
    Back(usize),
    /// A revision by its full id or an unambiguous prefix of it.
    Revision(String),
}

impl Target {
    /// Reads `head`, `heads`, `base`, `+N`, `-N` or a revision id.
    pub fn parse(text: &str) -> Result<Target, MigrateError> {
        let text = text.trim();
        let count = |digits: &str| {
            digits
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| MigrateError::BadTarget(text.to_owned()))
        };
        Ok(match text {
            "head" => Target::Head,
            "heads" => Target::Heads,
            "base" => Target::Base,
            _ if text.starts_with('+') => Target::Forward(count(&text[1..])?),
            _ if text.starts_with('-') => Target::Back(count(&text[1..])?),
            _ if !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
                Target::Revision(text.to_owned())
            }
            _ => return Err(MigrateError::BadTarget(text.to_owned())),
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Head => f.write_str("head"),
            Target::Heads => f.write_str("heads"),
            Target::Base => f.write_str("base"),
            Target::Forward(n) => write!(f, "+{n}"),
            Target::Back(n) => write!(f, "-{n}"),
            Target::Revision(id) => f.write_str(id),
        }
    }
}

/// The migrations by id, with their children.
#[derive(Debug)]
pub struct Graph {
    migrations: &'static [Migration],
    by_id: BTreeMap<&'static str, usize>,
    children: BTreeMap<&'static str, Vec<&'static str>>,
}

impl Graph {
    /// The graph of `migrations`, which `embed_migrations!` lists parents first.
    pub fn new(migrations: &'static [Migration]) -> Result<Graph, MigrateError> {
        let mut by_id = BTreeMap::new();
        let mut children: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (i, m) in migrations.iter().enumerate() {
            let id = m.revision.id;
            if by_id.insert(id, i).is_some() {
                return Err(MigrateError::DuplicateRevision(id.to_owned()));
            }
            children.entry(id).or_default();
        }
        for m in migrations {
            for parent in m.revision.parents {
                if !by_id.contains_key(parent) {
                    return Err(MigrateError::UnknownParent {
                        revision: m.revision.id.to_owned(),
                        parent: (*parent).to_owned(),
                    });
                }
                children.entry(parent).or_default().push(m.revision.id);
            }
        }
        // Kahn's order: what it cannot reach from the roots lies on a cycle
        // (or after one).
        let mut waiting: BTreeMap<&str, usize> = migrations
            .iter()
            .map(|m| (m.revision.id, m.revision.parents.len()))
            .collect();
        let mut ready: Vec<&str> = waiting
            .iter()
            .filter(|(_, n)| **n == 0)
            .map(|(id, _)| *id)
            .collect();
        while let Some(id) = ready.pop() {
            waiting.remove(id);
            for child in &children[id] {
                if let Some(n) = waiting.get_mut(child) {
                    *n -= 1;
                    if *n == 0 {
                        ready.push(child);
                    }
                }
            }
        }
        if !waiting.is_empty() {
            return Err(MigrateError::Cycle(
                waiting.keys().map(|id| (*id).to_owned()).collect(),
            ));
        }
        Ok(Graph {
            migrations,
            by_id,
            children,
        })
    }

    /// The migrations, parents first.
    pub fn migrations(&self) -> &'static [Migration] {
        self.migrations
    }

    /// The migration with this full id.
    pub fn get(&self, id: &str) -> Option<&'static Migration> {
        self.by_id.get(id).map(|&i| &self.migrations[i])
    }

    /// The revisions no other follows, in list order.
    pub fn heads(&self) -> Vec<&'static str> {
        self.migrations
            .iter()
            .map(|m| m.revision.id)
            .filter(|id| self.children[id].is_empty())
            .collect()
    }

    /// Revisions with more than one child: where the history branches.
    pub fn branch_points(&self) -> Vec<&'static str> {
        self.migrations
            .iter()
            .map(|m| m.revision.id)
            .filter(|id| self.children[id].len() > 1)
            .collect()
    }

    /// The full id of `text`, a full id or an unambiguous prefix.
    pub fn resolve(&self, text: &str) -> Result<&'static str, MigrateError> {
        if let Some(m) = self.get(text) {
            return Ok(m.revision.id);
        }
        let matches: Vec<&'static str> = self
            .migrations
            .iter()
            .map(|m| m.revision.id)
            .filter(|id| id.starts_with(text))
            .collect();
        match matches[..] {
            [id] => Ok(id),
            [] => Err(MigrateError::UnknownRevision(text.to_owned())),
            _ => Err(MigrateError::AmbiguousRevision {
                prefix: text.to_owned(),
                candidates: matches.iter().map(|s| (*s).to_owned()).collect(),
            }),
        }
    }

    /// `id` and every revision it follows, directly or not.
    pub fn ancestry(&self, id: &'static str) -> BTreeSet<&'static str> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![id];
        while let Some(id) = todo.pop() {
            if seen.insert(id) {
                todo.extend(self.get(id).map_or(&[][..], |m| m.revision.parents));
            }
        }
        seen
    }

    /// The single head, or the error that names them all.
    pub fn head(&self) -> Result<&'static str, MigrateError> {
        match self.heads()[..] {
            [head] => Ok(head),
            [] => Err(MigrateError::NoMigrations),
            ref heads => Err(MigrateError::SeveralHeads(
                heads.iter().map(|s| (*s).to_owned()).collect(),
            )),
        }
    }

    /// The migrations `upgrade target` applies, parents first, given the
    /// revisions the database has applied.
    pub fn upgrade_path(
        &self,
        applied: &[&str],
        target: &Target,
    ) -> Result<Vec<&'static Migration>, MigrateError> {
        let applied: BTreeSet<&str> = applied.iter().copied().collect();
        let wanted: BTreeSet<&'static str> = match target {
            Target::Head => self.ancestry(self.head()?),
            Target::Heads | Target::Forward(_) => {
                self.heads().into_iter().flat_map(|h| self.ancestry(h)).collect()
            }
            Target::Revision(text) => self.ancestry(self.resolve(text)?),
            Target::Base | Target::Back(_) => {
                return Err(MigrateError::WrongDirection {
                    command: "upgrade",
                    target: target.to_string(),
                });
            }
        };
        let mut path: Vec<&'static Migration> = self
            .migrations
            .iter()
            .filter(|m| wanted.contains(m.revision.id) && !applied.contains(m.revision.id))
            .collect();
        if let Target::Forward(n) = *target {
            if n > path.len() {
                return Err(MigrateError::NotThatMany {
                    wanted: n,
                    available: path.len(),
                    direction: "pending",
                });
            }
            path.truncate(n);
        }
        Ok(path)
    }

    /// The migrations `downgrade target` reverts, in the order it reverts
    /// them (the reverse of the order the database applied them).
    pub fn downgrade_path(
        &self,
        applied: &[&str],
        target: &Target,
    ) -> Result<Vec<&'static str>, MigrateError> {
        let newest_first: Vec<&'static str> = applied
            .iter()
            .rev()
            .map(|id| {
                self.get(id)
                    .map(|m| m.revision.id)
                    .ok_or_else(|| MigrateError::UnknownApplied(vec![(*id).to_owned()]))
            })
            .collect::<Result<_, _>>()?;
        Ok(match target {
            Target::Base => newest_first,
            Target::Back(n) => {
                if *n > newest_first.len() {
                    return Err(MigrateError::NotThatMany {
                        wanted: *n,
                        available: newest_first.len(),
                        direction: "applied",
                    });
                }
                newest_first[..*n].to_vec()
            }
            Target::Revision(text) => {
                let id = self.resolve(text)?;
                // Going "down" to a revision the database has not applied
                // would revert every branch it is not on: refuse instead.
                if !newest_first.contains(&id) {
                    return Err(MigrateError::NotApplied(id.to_owned()));
                }
                let keep = self.ancestry(id);
                newest_first.into_iter().filter(|id| !keep.contains(id)).collect()
            }
            Target::Head | Target::Heads | Target::Forward(_) => {
                return Err(MigrateError::WrongDirection {
                    command: "downgrade",
                    target: target.to_string(),
                });
            }
        })
    }

    /// The applied revisions that no other applied revision follows: what
    /// `current` shows.
    pub fn current(&self, applied: &[&str]) -> Vec<&'static str> {
        let applied: BTreeSet<&str> = applied.iter().copied().collect();
        self.migrations
            .iter()
            .map(|m| m.revision.id)
            .filter(|id| applied.contains(id) && !self.children[id].iter().any(|c| applied.contains(c)))
            .collect()
    }

    /// The revisions `stamp target` records as applied.
    pub fn stamp_set(&self, target: &Target) -> Result<Vec<&'static str>, MigrateError> {
        let wanted: BTreeSet<&'static str> = match target {
            Target::Base => BTreeSet::new(),
            Target::Head => self.ancestry(self.head()?),
            Target::Heads => self.heads().into_iter().flat_map(|h| self.ancestry(h)).collect(),
            Target::Revision(text) => self.ancestry(self.resolve(text)?),
            Target::Forward(_) | Target::Back(_) => {
                return Err(MigrateError::WrongDirection {
                    command: "stamp",
                    target: target.to_string(),
                });
            }
        };
        Ok(self
            .migrations
            .iter()
            .map(|m| m.revision.id)
            .filter(|id| wanted.contains(id))
            .collect())
    }
}

#[cfg(test)]
mod tests;
