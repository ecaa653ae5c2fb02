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

/// The migrations by id, with their parents and children.
///
/// A squash (a migration with `replaces`) stands for the revisions it
/// replaces: a migration that follows one of them follows the squash, and the
/// replaced revisions, while their files remain, form a side chain that no
/// target reaches. They run only to finish what a database had partly applied
/// before the squash (see [`Graph::settle`]).
#[derive(Debug)]
pub struct Graph {
    migrations: &'static [Migration],
    by_id: BTreeMap<&'static str, usize>,
    parents: BTreeMap<&'static str, Vec<&'static str>>,
    children: BTreeMap<&'static str, Vec<&'static str>>,
    replaced_by: BTreeMap<&'static str, &'static str>,
}

impl Graph {
    /// The graph of `migrations`, which `embed_migrations!` lists parents first.
    pub fn new(migrations: &'static [Migration]) -> Result<Graph, MigrateError> {
        let mut by_id = BTreeMap::new();
        for (i, m) in migrations.iter().enumerate() {
            if by_id.insert(m.revision.id, i).is_some() {
                return Err(MigrateError::DuplicateRevision(m.revision.id.to_owned()));
            }
        }
        let replaced_by = replaced_by(migrations)?;
        // The squash that stands for `id` now: the outermost one.
        let stand_in = |mut id: &'static str| {
            while let Some(by) = replaced_by.get(id) {
                id = by;
            }
            id
        };
        let mut parents: BTreeMap<&'static str, Vec<&'static str>> = BTreeMap::new();
        let mut children: BTreeMap<&'static str, Vec<&'static str>> = BTreeMap::new();
        for m in migrations {
            children.entry(m.revision.id).or_default();
            // A replaced revision keeps the parents its file names while
            // they are there: it follows the one before it in its chain.
            let keep = replaced_by.contains_key(m.revision.id);
            let mut mine = Vec::new();
            for &parent in m.revision.parents {
                let parent = if keep && by_id.contains_key(parent) {
                    parent
                } else {
                    stand_in(parent)
                };
                if !by_id.contains_key(parent) {
                    return Err(MigrateError::UnknownParent {
                        revision: m.revision.id.to_owned(),
                        parent: parent.to_owned(),
                    });
                }
                if !mine.contains(&parent) {
                    mine.push(parent);
                }
            }
            parents.insert(m.revision.id, mine);
        }
        for (&id, mine) in &parents {
            for parent in mine {
                children.entry(parent).or_default().push(id);
            }
        }
        // Kahn's order: what it cannot reach from the roots lies on a cycle
        // (or after one).
        let mut waiting: BTreeMap<&str, usize> = parents.iter().map(|(id, p)| (*id, p.len())).collect();
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
            parents,
            children,
            replaced_by,
        })
    }

    /// The squash that replaces `id`, if one does.
    pub fn replaced_by(&self, id: &str) -> Option<&'static str> {
        self.replaced_by.get(id).copied()
    }

    /// The migrations that are not replaced by a squash: those a fresh
    /// database runs, parents first.
    pub fn effective(&self) -> impl Iterator<Item = &'static Migration> + '_ {
        self.migrations
            .iter()
            .filter(|m| !self.replaced_by.contains_key(m.revision.id))
    }

    /// The revisions the database has applied as the graph sees them: the
    /// replaced revisions of a squash whose every replaced revision is
    /// applied count as the squash (which the next run records so).
    pub fn as_squashed<'a>(&self, applied: &[&'a str]) -> Vec<&'a str> {
        let mut out: Vec<&'a str> = applied.to_vec();
        loop {
            let whole = self
                .squashes()
                .find(|s| !out.contains(&s.revision.id) && s.replaces.iter().all(|r| out.contains(r)));
            let Some(squash) = whole else {
                return out;
            };
            out.retain(|id| !squash.replaces.contains(id));
            out.push(squash.revision.id);
        }
    }

    /// The squashes, parents first.
    pub fn squashes(&self) -> impl Iterator<Item = &'static Migration> + '_ {
        self.migrations.iter().filter(|m| !m.replaces.is_empty())
    }

    /// What a run does first about the squashes, given the revisions the
    /// database recorded (`whole` those applied whole, `recorded` every
    /// recorded one): the first squash to settle, if any.
    ///
    /// Without `finish` (a downgrade), a squash partly applied whose other
    /// replaced revisions have their files is left as it is: the downgrade
    /// reverts the replaced revisions one by one.
    pub fn settle(
        &self,
        whole: &[&str],
        recorded: &[&str],
        finish: bool,
    ) -> Result<Option<Settle>, MigrateError> {
        for squash in self.squashes() {
            let rows: Vec<&'static str> = squash
                .replaces
                .iter()
                .copied()
                .filter(|r| recorded.contains(r))
                .collect();
            if rows.is_empty() {
                continue;
            }
            let id = squash.revision.id;
            if recorded.contains(&id) {
                return Ok(Some(Settle::Forget { squash, rows }));
            }
            let pending: Vec<&'static str> = squash
                .replaces
                .iter()
                .copied()
                .filter(|r| !whole.contains(r))
                .collect();
            if pending.is_empty() {
                return Ok(Some(Settle::Record { squash }));
            }
            let missing: Vec<String> = pending
                .iter()
                .filter(|r| self.get(r).is_none())
                .map(|r| (*r).to_owned())
                .collect();
            if !missing.is_empty() {
                return Err(MigrateError::PartlySquashed {
                    squash: id.to_owned(),
                    applied: rows.iter().map(|r| (*r).to_owned()).collect(),
                    missing,
                });
            }
            if !finish {
                continue;
            }
            let run = pending
                .iter()
                .map(|r| self.get(r).expect("checked above"))
                .collect();
            return Ok(Some(Settle::Finish { squash, run }));
        }
        Ok(None)
    }

    /// The parents of `id` in the graph: what its file names, with a
    /// replaced revision standing for its squash.
    pub fn parents(&self, id: &str) -> &[&'static str] {
        self.parents.get(id).map_or(&[], Vec::as_slice)
    }

    /// `id` resolved, refused if a squash replaced it: targets name what a
    /// fresh database runs.
    fn target(&self, text: &str) -> Result<&'static str, MigrateError> {
        let id = self.resolve(text)?;
        match self.replaced_by(id) {
            Some(by) => Err(MigrateError::Replaced {
                revision: id.to_owned(),
                by: by.to_owned(),
            }),
            None => Ok(id),
        }
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
            .filter(|id| !self.replaced_by.contains_key(id) && self.effective_children(id) == 0)
            .collect()
    }

    /// How many children of `id` a squash does not replace.
    fn effective_children(&self, id: &str) -> usize {
        self.children(id).len()
    }

    /// The revisions that follow `id` directly, but those a squash replaces.
    pub fn children(&self, id: &str) -> Vec<&'static str> {
        self.children
            .get(id)
            .into_iter()
            .flatten()
            .copied()
            .filter(|c| !self.replaced_by.contains_key(c))
            .collect()
    }

    /// Revisions with more than one child: where the history branches.
    pub fn branch_points(&self) -> Vec<&'static str> {
        self.migrations
            .iter()
            .map(|m| m.revision.id)
            .filter(|id| self.effective_children(id) > 1)
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
                todo.extend(self.parents(id));
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
        let applied: BTreeSet<&str> = self.as_squashed(applied).into_iter().collect();
        let wanted: BTreeSet<&'static str> = match target {
            Target::Head => self.ancestry(self.head()?),
            Target::Heads | Target::Forward(_) => {
                self.heads().into_iter().flat_map(|h| self.ancestry(h)).collect()
            }
            Target::Revision(text) => self.ancestry(self.target(text)?),
            Target::Base | Target::Back(_) => {
                return Err(MigrateError::WrongDirection {
                    command: "upgrade",
                    target: target.to_string(),
                });
            }
        };
        let mut path = Vec::new();
        for m in self
            .migrations
            .iter()
            .filter(|m| wanted.contains(m.revision.id) && !applied.contains(m.revision.id))
        {
            self.rest_of(m, &applied, &mut path)?;
        }
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

    /// Pushes `m`, or, for a squash the database applied part of, the rest
    /// of what it replaces. A run settles such a squash before it plans (see
    /// [`Graph::settle`]); this keeps the plan right where nothing settles
    /// first (`upgrade --sql` from a database).
    fn rest_of(
        &self,
        m: &'static Migration,
        applied: &BTreeSet<&str>,
        path: &mut Vec<&'static Migration>,
    ) -> Result<(), MigrateError> {
        if !self.touched(m.revision.id, applied) {
            path.push(m);
            return Ok(());
        }
        for r in m.replaces.iter().filter(|r| !applied.contains(*r)) {
            let Some(original) = self.get(r) else {
                return Err(MigrateError::PartlySquashed {
                    squash: m.revision.id.to_owned(),
                    applied: m
                        .replaces
                        .iter()
                        .filter(|r| self.touched(r, applied))
                        .map(|r| (*r).to_owned())
                        .collect(),
                    missing: vec![(*r).to_owned()],
                });
            };
            self.rest_of(original, applied, path)?;
        }
        Ok(())
    }

    /// Whether the database applied some of what squash `id` replaces,
    /// directly or through squashes it replaces.
    fn touched(&self, id: &str, applied: &BTreeSet<&str>) -> bool {
        self.get(id).is_some_and(|m| {
            m.replaces
                .iter()
                .any(|r| applied.contains(r) || self.touched(r, applied))
        })
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
        let applied: BTreeSet<&str> = self.as_squashed(applied).into_iter().collect();
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
            Target::Revision(text) => self.ancestry(self.target(text)?),
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

/// What a run does about a squash before anything else.
#[derive(Debug)]
pub enum Settle {
    /// Every revision it replaces is applied: record the squash in their
    /// place, running nothing.
    Record {
        /// The squash.
        squash: &'static Migration,
    },
    /// Some are applied: apply the rest, in order, then record the squash.
    Finish {
        /// The squash.
        squash: &'static Migration,
        /// The replaced migrations still to run.
        run: Vec<&'static Migration>,
    },
    /// The squash is recorded and so are some revisions it replaces: forget
    /// them.
    Forget {
        /// The squash.
        squash: &'static Migration,
        /// The replaced revisions still recorded.
        rows: Vec<&'static str>,
    },
}

/// Each revision a squash replaces, with the squash; an error for what the
/// graph cannot follow: a squash that replaces itself, or a revision two
/// squashes replace, or files of the replaced revisions that are not a chain
/// from the squash's parents.
fn replaced_by(
    migrations: &'static [Migration],
) -> Result<BTreeMap<&'static str, &'static str>, MigrateError> {
    let mut out = BTreeMap::new();
    let squashes = || migrations.iter().filter(|m| !m.replaces.is_empty());
    let bad = |squash: &Migration, reason: String| MigrateError::BadSquash {
        squash: squash.revision.id.to_owned(),
        reason,
    };
    for squash in squashes() {
        for &id in squash.replaces {
            if id == squash.revision.id {
                return Err(bad(squash, "it replaces itself".to_owned()));
            }
            if let Some(other) = out.insert(id, squash.revision.id) {
                return Err(bad(squash, format!("`{id}` is replaced by `{other}` too")));
            }
        }
    }
    // `parent` is `expected`, or a revision that a squash `expected` stands
    // for (directly or through squashes of squashes) replaces.
    let is = |mut parent: &'static str, expected: &str| {
        for _ in 0..=out.len() {
            if parent == expected {
                return true;
            }
            match out.get(parent) {
                Some(by) => parent = by,
                None => return false,
            }
        }
        false
    };
    let find = |id: &str| migrations.iter().find(|m| m.revision.id == id);
    for squash in squashes() {
        let mut before: Option<&str> = None;
        for &id in squash.replaces {
            if let Some(m) = find(id) {
                let chained = match before {
                    None => {
                        m.revision.parents.len() == squash.revision.parents.len()
                            && m.revision
                                .parents
                                .iter()
                                .zip(squash.revision.parents)
                                .all(|(p, q)| is(p, q))
                    }
                    Some(before) => matches!(m.revision.parents, [p] if is(p, before)),
                };
                if !chained {
                    return Err(bad(
                        squash,
                        format!(
                            "`{id}` does not follow {}, as a squash's replaced revisions must",
                            before.map_or("the squash's parents".to_owned(), |b| format!("`{b}`"))
                        ),
                    ));
                }
            }
            before = Some(id);
        }
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests;
