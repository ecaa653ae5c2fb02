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

use std::path::Path;
use std::process::Command;

/// The marker line's prefix.
const MARK: &str = "// ferro:draft ";

/// The file beside the draft that keeps the schema it was generated from.
pub(crate) const BASE: &str = ".draft-base.json";

/// What a migration file's last line says about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Draft {
    /// No draft line: written by hand, or sealed.
    None,
    /// A draft nobody has edited.
    Intact,
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

/// `text` with its draft line appended.
pub(crate) fn mark(text: &str) -> String {
    format!(
        "{text}{MARK}{} (regenerated while the models change; commit the file or delete this line to keep it)\n",
        digest(text)
    )
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
        Draft::Intact
    } else {
        Draft::Edited
    }
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
        let text = mark("pub fn upgrade() {}\n");
        assert_eq!(status(&text), Draft::Intact);
        assert_eq!(status(&text.replace("\n", "\r\n")), Draft::Intact);
        assert_eq!(status(&text.replace("upgrade", "upgrade2")), Draft::Edited);
        assert_eq!(status("pub fn upgrade() {}\n"), Draft::None);
    }
}
