//! The list of migrations that `ferro::embed_migrations!()` includes.

use std::fmt::Write;

use ferro::migration::escape::literal;

use crate::history::History;

/// The form of the list this crate writes, in the cache's key: a list
/// written by an older form is written again, never reused.
pub(crate) const FORMAT: u32 = 3;

/// The list's file name in `OUT_DIR`, as `ferro::embed_migrations!()` includes it.
pub(crate) const FILE: &str = "ferro_migrations.rs";

/// The Rust source of the list: one module per file, by absolute path, and the
/// `MIGRATIONS` slice in revision order.
pub(crate) fn list(history: &History<'_>) -> String {
    let mut out =
        String::from("// Written by ferro-build: every migration file in the migrations folder.\n\n");
    for (i, entry) in history.order.iter().enumerate() {
        let path = literal(&entry.path.to_string_lossy());
        let _ = writeln!(
            out,
            "#[path = {path}]\n#[allow(unreachable_pub, missing_docs)]\nmod m{i};"
        );
    }
    out.push_str(
        "\n/// Every migration of this crate, parents before children.\n\
         pub static MIGRATIONS: &[::ferro::migration::Migration] = &[\n",
    );
    for (i, entry) in history.order.iter().enumerate() {
        let m = format!("m{i}");
        let path = literal(&entry.path.to_string_lossy());
        let _ = writeln!(
            out,
            "    ::ferro::migration::Migration {{ file: {file}, source: ::core::include_str!({path}), \
             revision: {m}::REVISION, {body}, replaces: {replaces} }},",
            file = literal(&entry.file),
            body = if entry.data {
                format!(
                    "upgrade: ::ferro::migration::Body::Steps({m}::UPGRADE), \
                     downgrade: ::ferro::migration::Body::Steps({m}::DOWNGRADE)"
                )
            } else {
                format!(
                    "upgrade: ::ferro::migration::Body::Code({m}::upgrade), \
                     downgrade: ::ferro::migration::Body::Code({m}::downgrade)"
                )
            },
            replaces = if entry.replaces.is_empty() {
                "&[]".to_owned()
            } else {
                format!("{m}::REPLACES")
            },
        );
    }
    out.push_str("];\n");
    // A file the build script may have misread is checked when the crate
    // compiles ([`crate::folder::is_plain`]); one constant checks them all,
    // not a constant per file: rustc's cost per item is what a history of
    // thousands of files adds to each build.
    let unsure: Vec<_> = history
        .order
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.plain)
        .collect();
    if unsure.is_empty() {
        return out;
    }
    out.push_str(
        "\n/// Each file's `REVISION.id` is the literal the build script read.\n\
         const _: () = {\n    let checks: &[(&str, &str, &str)] = &[\n",
    );
    for (i, entry) in unsure {
        // The message goes in as an argument: a file name may hold `{`, which
        // a format string would take for a placeholder.
        let _ = writeln!(
            out,
            "        (m{i}::REVISION.id, {id}, {msg}),",
            id = literal(&entry.id),
            msg = literal(&format!(
                "{}: `REVISION.id` is not the literal the build script read; write it as a string literal",
                entry.file
            )),
        );
    }
    out.push_str(
        "    ];\n    let mut i = 0;\n    while i < checks.len() {\n        \
         ::core::assert!(::ferro::__private::str_eq(checks[i].0, checks[i].1), \"{}\", checks[i].2);\n        \
         i += 1;\n    }\n};\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::draft::Draft;
    use crate::folder::Entry;

    #[test]
    fn names_and_ids_are_literals() {
        let file = "0001_{x}\n.rs";
        let entries = [Entry {
            file: file.to_owned(),
            path: PathBuf::from("/m").join(file),
            id: "a\"b".to_owned(),
            parents: Vec::new(),
            schema: None,
            draft: Draft::None,
            replaces: Vec::new(),
            data: false,
            plain: false,
        }];
        let list = list(&History::new(&entries).unwrap());
        assert!(list.contains(r#"#[path = "/m/0001_{x}\n.rs"]"#), "{list}");
        assert!(list.contains(r#"file: "0001_{x}\n.rs", "#), "{list}");
        // The file name is an argument, not a format string.
        assert!(
            list.contains(r#"(m0::REVISION.id, "a\"b", "0001_{x}\n.rs: `REVISION.id`"#),
            "{list}"
        );
    }

    /// Only the files the build script may have misread are checked; a list
    /// of plain files holds no check at all.
    #[test]
    fn checks_only_what_may_be_misread() {
        let entry = |file: &str, id: &str, parents: Vec<String>, plain: bool| Entry {
            file: file.to_owned(),
            path: PathBuf::from("/m").join(file),
            id: id.to_owned(),
            parents,
            schema: None,
            draft: Draft::None,
            replaces: Vec::new(),
            data: true,
            plain,
        };
        let plain = [entry("0001_a.rs", "a", Vec::new(), true)];
        let list_of_plain = list(&History::new(&plain).unwrap());
        assert!(!list_of_plain.contains("REVISION.id"), "{list_of_plain}");
        let mixed = [
            entry("0001_a.rs", "a", Vec::new(), true),
            entry("0002_b.rs", "b", vec!["a".to_owned()], false),
        ];
        let list = list(&History::new(&mixed).unwrap());
        assert!(
            list.contains(r#"(m1::REVISION.id, "b", "0002_b.rs: `REVISION.id`"#),
            "{list}"
        );
        assert!(!list.contains("(m0::REVISION.id"), "{list}");
    }
}
