//! The migration files the commands write: `revision -m` (an empty migration
//! for hand-written steps) and `merge heads -m` (one that joins the heads).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::error::MigrateError;
use crate::migration::escape::{comment, literal};
use crate::migration::numbering;

/// A lower-case file-name slug of `message`: letters, digits and `_`, at most
/// 40 characters.
pub(super) fn slug(message: &str) -> String {
    let mut out = String::new();
    for c in message.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
        if out.len() >= 40 {
            break;
        }
    }
    let out = out.trim_end_matches('_');
    if out.is_empty() {
        "revision".to_owned()
    } else {
        out.to_owned()
    }
}

/// The number the next file takes: one more than the highest a migration
/// file (`.rs`) in `dir` starts with.
pub(super) fn next_number(dir: &Path) -> Result<u32, MigrateError> {
    let io = |source| MigrateError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).map_err(io)? {
        let name = entry.map_err(io)?.file_name().to_string_lossy().into_owned();
        if name.ends_with(".rs") {
            names.push(name);
        }
    }
    numbering::next(names.iter().map(String::as_str)).map_err(|name| too_large(dir, name))
}

fn too_large(dir: &Path, name: &str) -> MigrateError {
    MigrateError::NumberTooLarge {
        path: dir.join(name),
        max: u32::MAX - 1,
    }
}

/// A new revision id: 12 hex digits of BLAKE3 over the parents, the message
/// and the time. Unlike generated ids it need not be reproducible: it names a
/// file someone writes by hand.
pub(super) fn new_id(parents: &[&str], message: &str) -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let seed = format!(
        "{parents:?}\n{message}\n{}\n{}",
        now.as_nanos(),
        std::process::id()
    );
    blake3::hash(seed.as_bytes()).to_hex()[..12].to_owned()
}

/// Writes a revision after `parents` (none: a base; several: a merge) with
/// empty steps, and returns its path.
pub fn write_revision(dir: &Path, parents: &[&str], message: &str) -> Result<PathBuf, MigrateError> {
    let id = new_id(parents, message);
    let number = next_number(dir)?;
    let path = dir.join(format!("{number:04}_{}.rs", slug(message)));
    let after = match parents {
        [] => "the first revision".to_owned(),
        [one] => format!("after `{}`", comment(one)),
        many => format!(
            "merging {}",
            many.iter()
                .map(|p| format!("`{}`", comment(p)))
                .collect::<Vec<_>>()
                .join(" and ")
        ),
    };
    let kind = if parents.len() > 1 {
        "Written by `merge heads`: it joins the heads, so that `upgrade head` has one\n\
         //! head to go to. It usually needs no steps."
    } else {
        "Written by `revision`: add hand-written steps (SQL with `op.sql(..)`, or\n\
         //! operations), and their reverse in `downgrade`."
    };
    let parents_list = parents.iter().map(|p| literal(p)).collect::<Vec<_>>().join(", ");
    // The message and the parents' ids are any text: in the comments they are
    // escaped to stay on their line.
    let text = format!(
        "//! {message_comment}\n\
         //!\n\
         //! Revision `{id}`, {after}. {kind}\n\
         \n\
         use ferro::migration::prelude::*;\n\
         \n\
         pub const REVISION: Revision = Revision {{\n    \
             id: {id_literal},\n    \
             parents: &[{parents_list}],\n    \
             message: {message_literal},\n    \
             schema: None,\n\
         }};\n\
         \n\
         pub fn upgrade(op: &mut Ops) {{\n    \
             let _ = op;\n\
         }}\n\
         \n\
         pub fn downgrade(op: &mut Ops) {{\n    \
             let _ = op;\n\
         }}\n",
        id_literal = literal(&id),
        message_literal = literal(message),
        message_comment = comment(message),
    );
    fs::write(&path, text).map_err(|source| MigrateError::Io {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_file_names() {
        assert_eq!(
            slug("Backfill user.active; set TRUE!"),
            "backfill_user_active_set_true"
        );
        assert_eq!(slug("!!!"), "revision");
    }

    #[test]
    fn a_revision_file_follows_the_heads() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("0007_old.rs"), "").unwrap();
        let path = write_revision(dir.path(), &["aaa", "bbb"], "join \"branches\"").unwrap();
        assert!(path.ends_with("0008_join_branches.rs"), "{}", path.display());
        let text = fs::read_to_string(path).unwrap();
        assert!(text.contains("parents: &[\"aaa\", \"bbb\"],"), "{text}");
        assert!(text.contains("message: \"join \\\"branches\\\"\","), "{text}");
        assert!(text.contains("merging `aaa` and `bbb`"), "{text}");
    }

    /// Messages that would end a comment or a literal early if written as
    /// they are.
    const HOSTILE: &[&str] = &[
        "add users\n}fn evil(){}",
        "a\r}fn evil(){}",
        "end */ /* \"quoted\" \\ back\\",
        "line\u{2028}separator \u{202e}reversed\tand\0nul",
        "\n//! injected\npub fn evil() {}\n//",
    ];

    /// What each item of `file` is: `use`, or the name of a `const` or `fn`.
    fn items(file: &syn::File) -> Vec<String> {
        file.items
            .iter()
            .map(|item| match item {
                syn::Item::Use(_) => "use".to_owned(),
                syn::Item::Const(c) => c.ident.to_string(),
                syn::Item::Fn(f) => f.sig.ident.to_string(),
                _ => "other".to_owned(),
            })
            .collect()
    }

    /// The `//!` lines of `file`, as the compiler reads them.
    fn doc_lines(file: &syn::File) -> Vec<String> {
        file.attrs
            .iter()
            .map(|attr| string(&attr.meta.require_name_value().unwrap().value))
            .collect()
    }

    /// The value of field `name` of `REVISION`.
    fn field<'a>(file: &'a syn::File, name: &str) -> &'a syn::Expr {
        let revision = file.items.iter().find_map(|item| match item {
            syn::Item::Const(c) if c.ident == "REVISION" => Some(&c.expr),
            _ => None,
        });
        let Some(syn::Expr::Struct(revision)) = revision.map(|e| &**e) else {
            panic!("no `REVISION` struct");
        };
        let field = revision
            .fields
            .iter()
            .find(|f| matches!(&f.member, syn::Member::Named(n) if n == name));
        &field.unwrap().expr
    }

    fn string(expr: &syn::Expr) -> String {
        match expr {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => s.value(),
            _ => panic!("not a string literal"),
        }
    }

    fn strings(expr: &syn::Expr) -> Vec<String> {
        match expr {
            syn::Expr::Reference(r) => strings(&r.expr),
            syn::Expr::Array(a) => a.elems.iter().map(string).collect(),
            _ => panic!("not `&[..]`"),
        }
    }

    #[test]
    fn a_hostile_message_stays_data() {
        let parents: [&[&str]; 3] = [&[], &["ab\n}fn evil(){}"], &["a\r*/", "b\"c\u{2028}"]];
        for message in HOSTILE {
            for parents in parents {
                let dir = tempfile::tempdir().unwrap();
                let path = write_revision(dir.path(), parents, message).unwrap();
                let text = fs::read_to_string(&path).unwrap();
                let file = syn::parse_file(&text).unwrap_or_else(|e| panic!("{e}:\n{text}"));
                assert_eq!(
                    items(&file),
                    ["use", "REVISION", "upgrade", "downgrade"],
                    "{text}"
                );
                let docs = doc_lines(&file);
                assert_eq!(docs[0], format!(" {}", comment(message)), "{text}");
                for parent in parents {
                    assert!(docs[2].contains(&format!("`{}`", comment(parent))), "{text}");
                }
                assert_eq!(string(field(&file, "message")), *message);
                assert_eq!(strings(field(&file, "parents")), *parents);
            }
        }
    }

    #[test]
    fn a_number_with_no_successor_is_refused() {
        let next = |files: &[&str]| {
            let dir = tempfile::tempdir().unwrap();
            for file in files {
                fs::write(dir.path().join(file), "").unwrap();
            }
            next_number(dir.path()).map_err(|e| e.to_string())
        };
        assert_eq!(next(&["0001_a.rs", "4294967294_b.rs"]), Ok(u32::MAX));
        // Only migration files count.
        assert_eq!(next(&["0002_a.rs", "20260101120000_dump.sql"]), Ok(3));
        for file in ["4294967295_x.rs", "99999999999_x.rs"] {
            let error = next(&["0001_a.rs", file]).unwrap_err();
            assert!(error.contains(file), "{error}");
            assert!(
                error.contains("is above 4294967294, so no new file can follow it"),
                "{error}"
            );
        }
    }
}
