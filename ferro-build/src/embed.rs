//! The list of migrations that `ferro::embed_migrations!()` includes.

use std::fmt::Write;

use crate::history::History;

/// The list's file name in `OUT_DIR`, as `ferro::embed_migrations!()` includes it.
pub(crate) const FILE: &str = "ferro_migrations.rs";

/// The Rust source of the list: one module per file, by absolute path, and the
/// `MIGRATIONS` slice in revision order.
pub(crate) fn list(history: &History<'_>) -> String {
    let mut out =
        String::from("// Written by ferro-build: every migration file in the migrations folder.\n\n");
    for (i, entry) in history.order.iter().enumerate() {
        let path = entry.path.to_string_lossy();
        let _ = writeln!(
            out,
            "#[path = {path:?}]\n#[allow(unreachable_pub, missing_docs)]\nmod m{i};"
        );
    }
    out.push_str(
        "\n/// Every migration of this crate, parents before children.\n\
         pub static MIGRATIONS: &[::ferro::migration::Migration] = &[\n",
    );
    for (i, entry) in history.order.iter().enumerate() {
        let m = format!("m{i}");
        let path = entry.path.to_string_lossy();
        let _ = writeln!(
            out,
            "    ::ferro::migration::Migration {{ file: {file:?}, source: ::core::include_str!({path:?}), \
             revision: {m}::REVISION, upgrade: {m}::upgrade, downgrade: {m}::downgrade }},",
            file = entry.file,
        );
    }
    out.push_str("];\n\n");
    for (i, entry) in history.order.iter().enumerate() {
        let m = format!("m{i}");
        let _ = writeln!(
            out,
            "const _: () = ::core::assert!(::ferro::__private::str_eq({m}::REVISION.id, {id:?}), {msg:?});",
            id = entry.id,
            msg = format!(
                "{}: `REVISION.id` is not the literal the build script read; write it as a string literal",
                entry.file
            ),
        );
    }
    out
}
