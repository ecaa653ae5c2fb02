//! `squash FROM..TO`: one migration that replaces a linear range.
//!
//! The squash holds the replaced files as they are, each in a module of its
//! own, and its upgrade records theirs in order (its downgrade theirs in
//! reverse): it calls a file's functions, or records its constants. Written so, it does exactly what the range did, data steps and
//! hand-written SQL included, and a squash can be squashed again. The graph
//! ([`Graph`]) takes it in place of the range, and a run settles a database
//! that applied some or all of the range (see `Migrator`).

use std::fs;
use std::path::{Path, PathBuf};

use super::error::MigrateError;
use super::files::{new_id, next_number, slug};
use super::graph::Graph;
use crate::migration::escape::{comment, literal};
use crate::migration::{Body, Migration, Op};

/// The line a draft migration ends with (see `ferro-build`).
const DRAFT_MARK: &str = "// ferro:draft ";

/// The migrations from `from` to `to`, oldest first: refused unless they are
/// a linear range of at least two that nothing branches off before `to`,
/// and every one can be reverted.
pub(super) fn range(graph: &Graph, from: &str, to: &str) -> Result<Vec<&'static Migration>, MigrateError> {
    let cannot = |reason: String| MigrateError::CannotSquash(reason);
    let resolve = |text: &str| -> Result<&'static Migration, MigrateError> {
        let id = graph.resolve(text)?;
        if let Some(by) = graph.replaced_by(id) {
            return Err(cannot(format!("`{id}` is already replaced by squash `{by}`")));
        }
        Ok(graph.get(id).expect("resolved"))
    };
    let (first, last) = (resolve(from)?, resolve(to)?);
    let mut range = vec![last];
    let mut at = last;
    while at.revision.id != first.revision.id {
        let parents = graph.parents(at.revision.id);
        let [parent] = parents else {
            return Err(cannot(if parents.is_empty() {
                format!(
                    "`{}` does not come after `{}`",
                    last.revision.id, first.revision.id
                )
            } else {
                format!(
                    "`{}` merges {}: the range must be linear; squash the ranges before and after the merge",
                    at.revision.id,
                    parents.join(" and ")
                )
            }));
        };
        at = graph.get(parent).expect("a parent is known");
        range.push(at);
    }
    range.reverse();
    if range.len() < 2 {
        return Err(cannot(
            "the range holds one migration: name two or more".to_owned(),
        ));
    }
    if first.revision.parents.len() > 1 {
        return Err(cannot(format!(
            "`{}` is a merge: start the range after it",
            first.revision.id
        )));
    }
    for (m, next) in range.iter().zip(&range[1..]) {
        let children = graph.children(m.revision.id);
        if children.len() > 1 {
            return Err(cannot(format!(
                "the history branches at `{}` (to {}): squash only a range nothing else follows from, \
                 or merge the branches first",
                m.revision.id,
                children.join(" and ")
            )));
        }
        debug_assert_eq!(children, [next.revision.id]);
    }
    for m in &range {
        if m.downgrade_steps()
            .iter()
            .any(|s| matches!(s.op, Op::Irreversible { .. }))
        {
            return Err(cannot(format!(
                "`{}` ({}) cannot be reverted (a data step without its reverse): its squash could not be \
                 reverted either, nor the migrations before it in the range; squash the ranges before and \
                 after it",
                m.revision.id, m.file
            )));
        }
    }
    Ok(range)
}

/// `source` without the line a generated migration ends with while it is a
/// draft: the squash holds it sealed (a draft is only ever the head, and the
/// squash is the head now).
fn without_draft_line(source: &str) -> &str {
    let text = source.trim_end();
    match text.rfind('\n') {
        Some(i) if text[i + 1..].starts_with(DRAFT_MARK) => text[..i].trim_end(),
        _ => text,
    }
}

/// The schema fingerprint the range leaves: the newest one a migration of it
/// records; `None` if none does (the squash leaves what its parent did).
fn schema_after(range: &[&Migration]) -> Option<&'static str> {
    range.iter().rev().find_map(|m| m.revision.schema)
}

/// A module name for the file `file`, the `i`-th of the range.
fn module(i: usize, file: &str) -> String {
    let stem = file.strip_suffix(".rs").unwrap_or(file);
    format!("m{}_{}", i + 1, slug(stem))
}

/// The squash's source, with id `id`.
pub(super) fn source(range: &[&'static Migration], id: &str, message: &str) -> String {
    let first = range.first().expect("a range holds two or more");
    let last = range.last().expect("a range holds two or more");
    let modules: Vec<String> = range.iter().enumerate().map(|(i, m)| module(i, m.file)).collect();
    let parents = first
        .revision
        .parents
        .iter()
        .map(|p| literal(p))
        .collect::<Vec<_>>()
        .join(", ");
    let replaces = range
        .iter()
        .map(|m| literal(m.revision.id))
        .collect::<Vec<_>>()
        .join(", ");
    let schema = schema_after(range).map_or("None".to_owned(), |s| format!("Some({})", literal(s)));
    let mut out = format!(
        "//! {message}\n\
         //!\n\
         //! Revision `{id}`, written by `squash`: it replaces the {n} migrations from\n\
         //! `{first_file}` to `{last_file}`, whose files it holds below as they were. A\n\
         //! fresh database runs it; a database that applied all of them records it\n\
         //! without running anything; one that applied some gets the rest first.\n\
         //! Once every database has run `upgrade` with it, delete the replaced files.\n\
         \n\
         use ferro::migration::prelude::*;\n\
         \n\
         pub const REVISION: Revision = Revision {{\n    \
             id: {id_literal},\n    \
             parents: &[{parents}],\n    \
             message: {message_literal},\n    \
             schema: {schema},\n\
         }};\n\
         \n\
         /// The revisions this squash replaces, oldest first.\n\
         pub const REPLACES: &[&str] = &[{replaces}];\n\
         \n\
         pub fn upgrade(op: &mut Ops) {{\n",
        message = comment(message),
        n = range.len(),
        first_file = comment(first.file),
        last_file = comment(last.file),
        id_literal = literal(id),
        message_literal = literal(message),
    );
    // A file of constants is recorded from them, a file of functions by
    // calling them.
    let call = |body: &Body, m: &str, way: &str| match body {
        Body::Steps(_) | Body::Data(_) => format!(
            "    ferro::migration::steps::record(op, {m}::{});\n",
            way.to_uppercase()
        ),
        Body::Code(_) => format!("    {m}::{way}(op);\n"),
    };
    for (migration, m) in range.iter().zip(&modules) {
        out.push_str(&call(&migration.upgrade, m, "upgrade"));
    }
    out.push_str("}\n\npub fn downgrade(op: &mut Ops) {\n");
    for (migration, m) in range.iter().zip(&modules).rev() {
        out.push_str(&call(&migration.downgrade, m, "downgrade"));
    }
    out.push_str("}\n");
    for (m, module) in range.iter().zip(&modules) {
        out.push_str(&format!(
            "\n// {file}, as it was.\n#[allow(dead_code, unreachable_pub, missing_docs)]\nmod {module} {{\n",
            file = comment(m.file)
        ));
        out.push_str(without_draft_line(m.source));
        out.push_str("\n}\n");
    }
    out
}

/// Writes the squash of `from..to` into `dir`; returns its path and the
/// migrations it replaces.
pub(super) fn write(
    dir: &Path,
    graph: &Graph,
    from: &str,
    to: &str,
    message: Option<&str>,
) -> Result<(PathBuf, Vec<&'static Migration>), MigrateError> {
    let range = range(graph, from, to)?;
    let (first, last) = (range[0], range[range.len() - 1]);
    let message = message.map_or_else(
        || {
            format!(
                "squash {} to {}",
                first.file.trim_end_matches(".rs"),
                last.file.trim_end_matches(".rs")
            )
        },
        str::to_owned,
    );
    let id = new_id(first.revision.parents, &message);
    let number = next_number(dir)?;
    let path = dir.join(format!("{number:04}_{}.rs", slug(&message)));
    fs::write(&path, source(&range, &id, &message)).map_err(|source| MigrateError::Io {
        path: path.clone(),
        source,
    })?;
    Ok((path, range))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::Ops;
    use crate::runtime::graph::tests::migration;

    fn nothing(_: &mut Ops) {}

    fn cannot_revert(op: &mut Ops) {
        op.irreversible("the old values are gone");
    }

    /// a → b → c → d, and a branch b → x; e merges d and x; f after e.
    static HISTORY: [Migration; 7] = [
        migration("aaa", &[]),
        migration("bbb", &["aaa"]),
        // A file of functions; the others hold constants.
        Migration {
            upgrade: Body::Code(nothing),
            downgrade: Body::Code(nothing),
            ..migration("ccc", &["bbb"])
        },
        migration("ddd", &["ccc"]),
        migration("xxx", &["bbb"]),
        migration("eee", &["ddd", "xxx"]),
        Migration {
            downgrade: Body::Code(cannot_revert),
            ..migration("fff", &["eee"])
        },
    ];

    fn refusal(from: &str, to: &str) -> String {
        let graph = Graph::new(&HISTORY).unwrap();
        range(&graph, from, to).unwrap_err().to_string()
    }

    #[test]
    fn a_linear_range_is_taken_oldest_first() {
        let graph = Graph::new(&HISTORY).unwrap();
        let ids: Vec<&str> = range(&graph, "ccc", "ddd")
            .unwrap()
            .iter()
            .map(|m| m.revision.id)
            .collect();
        assert_eq!(ids, ["ccc", "ddd"]);
    }

    #[test]
    fn ranges_that_cannot_be_squashed_are_refused() {
        assert!(
            refusal("aaa", "ccc").contains("branches at `bbb`"),
            "{}",
            refusal("aaa", "ccc")
        );
        assert!(
            refusal("ccc", "eee").contains("merges"),
            "{}",
            refusal("ccc", "eee")
        );
        assert!(
            refusal("eee", "fff").contains("is a merge"),
            "{}",
            refusal("eee", "fff")
        );
        assert!(
            refusal("ddd", "ccc").contains("does not come after"),
            "{}",
            refusal("ddd", "ccc")
        );
        assert!(
            refusal("ccc", "ccc").contains("one migration"),
            "{}",
            refusal("ccc", "ccc")
        );
        assert!(
            refusal("xxx", "fff").contains("merges"),
            "{}",
            refusal("xxx", "fff")
        );
    }

    #[test]
    fn an_irreversible_step_is_refused() {
        static LINEAR: [Migration; 3] = [
            migration("aaa", &[]),
            migration("bbb", &["aaa"]),
            Migration {
                downgrade: Body::Code(cannot_revert),
                ..migration("ccc", &["bbb"])
            },
        ];
        let graph = Graph::new(&LINEAR).unwrap();
        let error = range(&graph, "aaa", "ccc").unwrap_err().to_string();
        assert!(error.contains("`ccc` (ccc) cannot be reverted"), "{error}");
        assert_eq!(range(&graph, "aaa", "bbb").unwrap().len(), 2);
    }

    #[test]
    fn the_source_records_each_file_in_order() {
        let graph = Graph::new(&HISTORY).unwrap();
        let range = range(&graph, "ccc", "ddd").unwrap();
        let text = source(&range, "123456789abc", "squash c and d");
        assert!(text.contains("parents: &[\"bbb\"],"), "{text}");
        assert!(
            text.contains("pub const REPLACES: &[&str] = &[\"ccc\", \"ddd\"];"),
            "{text}"
        );
        // A file's functions are called, a file's constants recorded.
        let up = text.find("    m1_ccc::upgrade(op);").unwrap();
        let next = "    ferro::migration::steps::record(op, m2_ddd::UPGRADE);";
        assert!(up < text.find(next).unwrap(), "{text}");
        let down = text
            .find("    ferro::migration::steps::record(op, m2_ddd::DOWNGRADE);")
            .unwrap();
        assert!(down < text.find("    m1_ccc::downgrade(op);").unwrap(), "{text}");
        assert!(
            text.contains(
                "// ccc, as it was.\n#[allow(dead_code, unreachable_pub, missing_docs)]\nmod m1_ccc {"
            ),
            "{text}"
        );
        syn::parse_file(&text).expect("the squash is Rust");
    }

    #[test]
    fn a_draft_line_is_left_out() {
        let source = "pub fn upgrade() {}\n// ferro:draft 0123 (regenerated while the models change)\n";
        assert_eq!(without_draft_line(source), "pub fn upgrade() {}");
        assert_eq!(without_draft_line("fn f() {}\n"), "fn f() {}");
    }
}
