//! Drafts: the newest generated migration, rewritten in place while the
//! models change, until it is sealed.
//!
//! A generated file ends with a line `// ferro:draft <hash>`, the BLAKE3 hash of
//! the rest of the file (line endings normalised). The file is a draft while
//! that line is there and still matches (nobody edited the file), the file is
//! not committed to git, and the schema it was generated from is still in
//! `.draft-base.json` beside it (a file git ignores). Anything else seals it:
//! committing it, editing it (acknowledging a destructive step is an edit),
//! or deleting the line. A sealed migration is never rewritten; later changes
//! go into a new one.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use ferro::migration::data;

use crate::error::BuildError;
use crate::folder::io;

/// The marker line's prefix.
const MARK: &str = "// ferro:draft ";

/// The file beside the draft that keeps the schema it was generated from.
pub(crate) const BASE: &str = ".draft-base.json";

/// What a migration file's last line says about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Draft {
    /// No draft line: written by hand, or sealed.
    None,
    /// A draft nobody has edited, with the hash its line records (the key
    /// of its steps as data, [`data_files`]).
    Intact(String),
    /// A draft line that no longer matches: the file was edited.
    Edited,
}

fn digest(text: &str) -> String {
    let hash = if text.contains('\r') {
        blake3::hash(text.replace("\r\n", "\n").as_bytes())
    } else {
        blake3::hash(text.as_bytes())
    };
    hash.to_hex().to_string()
}

/// `text` with its draft line appended, and the hash the line records
/// (the key of the draft's steps as data, [`data_files`]).
pub(crate) fn mark(text: &str) -> (String, String) {
    let hash = digest(text);
    let marked = format!(
        "{text}{MARK}{hash} (regenerated while the models change; commit the file or delete this line to keep it)\n"
    );
    (marked, hash)
}

/// Whether `text` is an unedited draft.
pub(crate) fn status(text: &str) -> Draft {
    let trimmed = text.trim_end_matches(['\n', '\r']);
    let (body, last) = match trimmed.rfind('\n') {
        Some(i) => (&text[..=i], &trimmed[i + 1..]),
        None => ("", trimmed),
    };
    let Some(rest) = last.strip_prefix(MARK) else {
        return Draft::None;
    };
    let recorded = rest.split_whitespace().next().unwrap_or_default();
    if recorded == digest(body) {
        Draft::Intact(recorded.to_owned())
    } else {
        Draft::Edited
    }
}

/// The files of `out_dir` that hold the steps of the draft whose line
/// records `hash`, upgrade and downgrade, as JSON
/// ([`ferro::migration::data`]).
pub(crate) fn data_files(out_dir: &Path, hash: &str) -> [PathBuf; 2] {
    ["upgrade", "downgrade"].map(|way| out_dir.join(format!("{DATA}{hash}.{way}.json")))
}

/// The start of the names of [`data_files`].
const DATA: &str = "ferro-draft-";

/// Writes the steps of the draft whose line records `hash` into
/// [`data_files`], and removes any other draft's: a folder has one draft.
/// A draft with a Rust data step gets none (its file is compiled).
pub(crate) fn write_data(
    out_dir: &Path,
    hash: &str,
    upgrade: &[ferro::migration::Step],
    downgrade: &[ferro::migration::Step],
) -> Result<(), BuildError> {
    let files = data_files(out_dir, hash);
    forget_data(out_dir, &files)?;
    let (Some(upgrade), Some(downgrade)) = (data::write(upgrade), data::write(downgrade)) else {
        return Ok(());
    };
    for (path, json) in files.iter().zip([upgrade, downgrade]) {
        fs::write(path, json).map_err(io(path))?;
    }
    Ok(())
}

/// Removes the [`data_files`] of `out_dir` but `keep`.
pub(crate) fn forget_data(out_dir: &Path, keep: &[PathBuf]) -> Result<(), BuildError> {
    let listing = match fs::read_dir(out_dir) {
        Ok(listing) => listing,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(out_dir)(e)),
    };
    for item in listing {
        let path = item.map_err(io(out_dir))?.path();
        let ours = path
            .file_name()
            .and_then(|f| f.to_str())
            .is_some_and(|f| f.starts_with(DATA) && f.ends_with(".json"));
        if ours && !keep.contains(&path) {
            fs::remove_file(&path).map_err(io(&path))?;
        }
    }
    Ok(())
}

/// Whether `file` in `dir` is in git's `HEAD` commit. Without git, or outside a
/// repository, nothing is committed.
pub(crate) fn committed(dir: &Path, file: &str) -> bool {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["cat-file", "-e"])
        .arg(format!("HEAD:./{file}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marked_file_is_an_intact_draft_until_edited() {
        let (text, hash) = mark("pub fn upgrade() {}\n");
        assert_eq!(status(&text), Draft::Intact(hash.clone()));
        assert_eq!(status(&text.replace("\n", "\r\n")), Draft::Intact(hash));
        assert_eq!(status(&text.replace("upgrade", "upgrade2")), Draft::Edited);
        assert_eq!(status("pub fn upgrade() {}\n"), Draft::None);
    }
}
