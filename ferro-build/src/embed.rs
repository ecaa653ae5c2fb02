//! The list of migrations that `ferro::embed_migrations!()` includes.

use std::fmt::Write;
use std::path::PathBuf;

use ferro::migration::escape::literal;

use crate::folder::Entry;
use crate::history::History;

/// The open draft whose steps the list embeds as data rather than by
/// compiling its file: its entry and its [`crate::draft::data_files`].
pub(crate) struct Data<'a> {
    pub(crate) entry: &'a Entry,
    pub(crate) files: [PathBuf; 2],
}

/// The form of the list this crate writes, in the cache's key: a list
/// written by an older form is written again, never reused.
pub(crate) const FORMAT: u32 = 4;

/// The list's file name in `OUT_DIR`, as `ferro::embed_migrations!()` includes it.
pub(crate) const FILE: &str = "ferro_migrations.rs";

/// The Rust source of the list: one module per file, by absolute path, and the
/// `MIGRATIONS` slice in revision order; the open draft of `data`, if any,
/// by its revision and its steps as data, without a module.
pub(crate) fn list(history: &History<'_>, data: Option<&Data<'_>>) -> String {
    let mut out =
        String::from("// Written by ferro-build: every migration file in the migrations folder.\n\n");
    let as_data = |entry: &Entry| data.filter(|d| std::ptr::eq(d.entry, entry));
    for (i, entry) in history.order.iter().enumerate() {
        if as_data(entry).is_some() {
            continue;
        }
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
        if let Some(data) = as_data(entry) {
            let [upgrade, downgrade] = data.files.each_ref().map(|f| literal(&f.to_string_lossy()));
            let parents: Vec<String> = entry.parents.iter().map(|p| literal(p)).collect();
            let _ = writeln!(
                out,
                "    ::ferro::migration::Migration {{ file: {file}, source: ::core::include_str!({path}), \
                 revision: ::ferro::migration::Revision {{ id: {id}, parents: &[{parents}], message: {message}, \
                 schema: {schema} }}, \
                 upgrade: ::ferro::migration::Body::Data(::core::include_str!({upgrade})), \
                 downgrade: ::ferro::migration::Body::Data(::core::include_str!({downgrade})), replaces: &[] }},",
                file = literal(&entry.file),
                id = literal(&entry.id),
                parents = parents.join(", "),
                message = literal(&entry.message),
                schema = entry
                    .schema
                    .as_ref()
                    .map_or("None".to_owned(), |s| format!("Some({})", literal(s))),
            );
            continue;
        }
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
    if data.is_some() {
        let version = literal(ferro::migration::data::VERSION);
        let _ = write!(
            out,
            "\n/// The open draft's steps are data for the `ferro` that wrote them.\n\
             const _: () = ::core::assert!(\n    \
             ::ferro::__private::str_eq(::ferro::migration::data::VERSION, {version}),\n    \
             {message}\n);\n",
            message = literal(&format!(
                "ferro-build wrote the open draft's steps for ferro {}, and the crate compiles with \
                 another version of ferro: give ferro and ferro-build the same version",
                ferro::migration::data::VERSION
            )),
        );
    }
    // A file the build script may have misread is checked when the crate
    // compiles ([`crate::folder::is_plain`]); one constant checks them all,
    // not a constant per file: rustc's cost per item is what a history of
    // thousands of files adds to each build.
    let unsure: Vec<_> = history
        .order
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.plain && as_data(e).is_none())
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
            message: String::new(),
            replaces: Vec::new(),
            data: false,
            plain: false,
        }];
        let list = list(&History::new(&entries).unwrap(), None);
        assert!(list.contains(r#"#[path = "/m/0001_{x}\n.rs"]"#), "{list}");
        assert!(list.contains(r#"file: "0001_{x}\n.rs", "#), "{list}");
        // The file name is an argument, not a format string.
        assert!(
            list.contains(r#"(m0::REVISION.id, "a\"b", "0001_{x}\n.rs: `REVISION.id`"#),
            "{list}"
        );
    }

    /// The open draft goes in as its revision and its steps' data, without
    /// a module, and the list checks that `ferro` reads what ferro-build
    /// wrote; the other files keep their modules, numbered as before.
    #[test]
    fn an_open_draft_is_data_without_a_module() {
        let entry = |file: &str, id: &str, parents: Vec<String>| Entry {
            file: file.to_owned(),
            path: PathBuf::from("/m").join(file),
            id: id.to_owned(),
            parents,
            schema: Some("f1".to_owned()),
            draft: Draft::Intact("h".to_owned()),
            message: "add \"x\"".to_owned(),
            replaces: Vec::new(),
            data: true,
            plain: true,
        };
        let entries = [
            entry("0001_a.rs", "a", Vec::new()),
            entry("0002_b.rs", "b", vec!["a".to_owned()]),
        ];
        let history = History::new(&entries).unwrap();
        let data = Data {
            entry: &entries[1],
            files: [PathBuf::from("/out/up.json"), PathBuf::from("/out/down.json")],
        };
        let list = list(&history, Some(&data));
        assert!(list.contains("mod m0;") && !list.contains("mod m1;"), "{list}");
        assert!(
            list.contains(
                r#"revision: ::ferro::migration::Revision { id: "b", parents: &["a"], message: "add \"x\"", schema: Some("f1") }"#
            ) && list.contains(r#"upgrade: ::ferro::migration::Body::Data(::core::include_str!("/out/up.json"))"#)
                && list.contains(r#"downgrade: ::ferro::migration::Body::Data(::core::include_str!("/out/down.json"))"#),
            "{list}"
        );
        assert!(
            list.contains(&format!(
                "::ferro::__private::str_eq(::ferro::migration::data::VERSION, \"{}\")",
                ferro::migration::data::VERSION
            )),
            "{list}"
        );
        assert!(!super::list(&history, None).contains("data::VERSION"));
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
            message: String::new(),
            replaces: Vec::new(),
            data: true,
            plain,
        };
        let plain = [entry("0001_a.rs", "a", Vec::new(), true)];
        let list_of_plain = list(&History::new(&plain).unwrap(), None);
        assert!(!list_of_plain.contains("REVISION.id"), "{list_of_plain}");
        let mixed = [
            entry("0001_a.rs", "a", Vec::new(), true),
            entry("0002_b.rs", "b", vec!["a".to_owned()], false),
        ];
        let list = list(&History::new(&mixed).unwrap(), None);
        assert!(
            list.contains(r#"(m1::REVISION.id, "b", "0002_b.rs: `REVISION.id`"#),
            "{list}"
        );
        assert!(!list.contains("(m0::REVISION.id"), "{list}");
    }
}
