//! The checksum that tells whether an applied migration's file changed.

use std::borrow::Cow;

use sha2::{Digest, Sha256};

use crate::schema::naming::lower_hex;

/// The prefix of the line a draft migration ends with (see ferro-build).
const DRAFT_MARK: &str = "// ferro:draft ";

/// The SHA-256 (lower-case hex) of a migration's source, with line endings
/// normalised to `\n` and without its draft line: a file checked out with
/// CRLF line endings, or a draft sealed by deleting that line, is the same
/// migration.
///
/// A run checks every applied file this way, so it copies a source only when
/// it has a carriage return.
pub fn checksum(source: &str) -> String {
    let normalised = if source.contains('\r') {
        Cow::Owned(source.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(source)
    };
    let trimmed = normalised.trim_end_matches('\n');
    let body = match trimmed.rsplit_once('\n') {
        Some((body, last)) if last.starts_with(DRAFT_MARK) => &normalised[..=body.len()],
        _ => &normalised,
    };
    lower_hex(&Sha256::digest(body.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_endings_and_the_draft_line_do_not_count() {
        let unix = "pub fn upgrade() {}\nlet x = 1;\n";
        assert_eq!(checksum(unix), checksum(&unix.replace('\n', "\r\n")));
        let draft = format!("{unix}// ferro:draft 0123 (regenerated while the models change)\n");
        assert_eq!(checksum(unix), checksum(&draft));
        assert_ne!(checksum(unix), checksum(&unix.replace("1", "2")));
        assert_eq!(
            checksum(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
