//! The migrations folder: the snapshot and the migration files, read without
//! compiling them.

use std::fs;
use std::path::{Path, PathBuf};

use ferro::migration::numbering;
use ferro::snapshot::{Committed, Serialized, Snapshot};

use crate::draft::{self, Draft};
use crate::error::BuildError;

/// The snapshot's file name in the migrations folder.
pub(crate) const SNAPSHOT: &str = "snapshot.json";

/// A migration file and what its `REVISION` says.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) file: String,
    pub(crate) path: PathBuf,
    pub(crate) id: String,
    pub(crate) parents: Vec<String>,
    pub(crate) schema: Option<String>,
    pub(crate) draft: Draft,
    /// The `REVISION`'s message.
    pub(crate) message: String,
    /// What a squash replaces (its `REPLACES`); empty for any other file.
    pub(crate) replaces: Vec<String>,
    /// Whether the file writes its steps as data (`UPGRADE` and
    /// `DOWNGRADE`, the generated form) rather than as functions.
    pub(crate) data: bool,
    /// Whether what the build script read of `REVISION` is certainly what
    /// the compiler sees ([`is_plain`]); the embedding checks the others.
    pub(crate) plain: bool,
}

impl Entry {
    /// The number a generated file's name starts with; 0 without one.
    pub(crate) fn number(&self) -> Result<u32, BuildError> {
        numbering::number(&self.file).map_err(|_| self.too_large())
    }

    fn too_large(&self) -> BuildError {
        BuildError::NumberTooLarge {
            path: self.path.clone(),
            max: u32::MAX - 1,
        }
    }

    /// `id (file)`, as messages name a migration.
    pub(crate) fn label(&self) -> String {
        format!("`{}` ({})", self.id, self.file)
    }
}

/// The number of a new migration file: one more than the highest there is.
pub(crate) fn next_number(entries: &[Entry]) -> Result<u32, BuildError> {
    numbering::next(entries.iter().map(|e| e.file.as_str())).map_err(|file| {
        // `file` is an entry's: its path names it in the error.
        let path = entries.iter().find(|e| e.file == file).map(|e| e.path.clone());
        BuildError::NumberTooLarge {
            path: path.unwrap_or_else(|| file.into()),
            max: u32::MAX - 1,
        }
    })
}

/// What the migrations folder holds.
pub(crate) struct Folder {
    pub(crate) dir: PathBuf,
    pub(crate) snapshot: Snapshot,
    /// The snapshot's fingerprint.
    pub(crate) fingerprint: String,
    /// The snapshot's text; none without a snapshot file.
    pub(crate) snapshot_text: Option<String>,
    pub(crate) entries: Vec<Entry>,
}

pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BuildError + '_ {
    move |source| BuildError::Io {
        path: path.to_owned(),
        source,
    }
}

impl Folder {
    /// Reads the folder; a missing folder is an empty one. `models` is the
    /// models' state, which the snapshot is read alongside (see
    /// [`Serialized::read`]).
    pub(crate) fn read(dir: &Path, models: &Serialized<'_>) -> Result<Folder, BuildError> {
        let snapshot_path = dir.join(SNAPSHOT);
        let (committed, snapshot_text) = match fs::read_to_string(&snapshot_path) {
            Ok(text) => {
                let committed = models.read(&text).map_err(|source| BuildError::Snapshot {
                    path: snapshot_path.clone(),
                    source,
                })?;
                (committed, Some(text))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let snapshot = Snapshot::default();
                let fingerprint = ferro::snapshot::fingerprint(&snapshot.schema);
                (
                    Committed {
                        snapshot,
                        fingerprint,
                    },
                    None,
                )
            }
            Err(e) => return Err(io(&snapshot_path)(e)),
        };
        Ok(Folder {
            dir: dir.to_owned(),
            snapshot: committed.snapshot,
            fingerprint: committed.fingerprint,
            snapshot_text,
            entries: entries(dir)?,
        })
    }
}

/// The migration files in `dir`, by file name; none if there is no `dir`.
pub(crate) fn entries(dir: &Path) -> Result<Vec<Entry>, BuildError> {
    reread(dir, Vec::new(), &[])
}

/// [`entries`] again after a run wrote the files `written`: the entry of a
/// file it did not write is kept from `known` rather than read and parsed
/// again (a 500-table initial migration is half a megabyte of text).
pub(crate) fn reread(dir: &Path, known: Vec<Entry>, written: &[PathBuf]) -> Result<Vec<Entry>, BuildError> {
    let mut known: std::collections::HashMap<PathBuf, Entry> =
        known.into_iter().map(|e| (e.path.clone(), e)).collect();
    let mut entries = Vec::new();
    for (file, path) in migration_files(dir)? {
        if !written.contains(&path)
            && let Some(entry) = known.remove(&path)
        {
            entries.push(entry);
            continue;
        }
        entries.push(entry(file, path)?);
    }
    Ok(entries)
}

fn entry(file: String, path: PathBuf) -> Result<Entry, BuildError> {
    let text = fs::read_to_string(&path).map_err(io(&path))?;
    let header = parse_revision(&text).map_err(|message| BuildError::Header {
        path: path.clone(),
        message,
    })?;
    let replaces = parse_replaces(&text).map_err(|message| BuildError::Header {
        path: path.clone(),
        message,
    })?;
    Ok(Entry {
        file,
        draft: draft::status(&text),
        path,
        message: header.message,
        id: header.id,
        parents: header.parents,
        schema: header.schema,
        replaces,
        data: is_data(&text),
        plain: is_plain(&text),
    })
}

/// The names and paths of the `.rs` files in `dir`, sorted by name.
pub(crate) fn migration_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, BuildError> {
    let listing = match fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(dir)(e)),
    };
    let mut files = Vec::new();
    for item in listing {
        let path = item.map_err(io(dir))?.path();
        let Some(file) = path.file_name().and_then(|f| f.to_str()).map(str::to_owned) else {
            continue;
        };
        if file.ends_with(".rs") && !file.starts_with('.') && path.is_file() {
            files.push((file, path));
        }
    }
    files.sort();
    Ok(files)
}

/// The fields of a `REVISION` constant.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) id: String,
    pub(crate) parents: Vec<String>,
    pub(crate) message: String,
    pub(crate) schema: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
enum Token {
    Ident(String),
    Str(String),
    Punct(char),
}

/// Reads `pub const REVISION: Revision = Revision { .. };` from a migration's
/// source. The build script needs each migration's id and parents before the
/// crate compiles, so it reads them from the text; the fields must be written
/// as literals (the embedding checks at compile time that what was read here
/// is what the compiler sees).
pub(crate) fn parse_revision(text: &str) -> Result<Header, String> {
    let start = declaration(text, "const REVISION")
        .ok_or("no `pub const REVISION: Revision = Revision { .. };` in the file")?;
    let rest = &text[start..];
    let open = rest.find('{').ok_or("`REVISION` has no `{`")?;
    let tokens = tokenize(&rest[open + 1..])?;
    let mut header = Header::default();
    let mut seen = Vec::new();
    let mut i = 0;
    let expect = |i: usize, c: char| -> Result<(), String> {
        match tokens.get(i) {
            Some(Token::Punct(p)) if *p == c => Ok(()),
            other => Err(format!("expected `{c}`, found {other:?}")),
        }
    };
    let string = |i: usize| -> Result<String, String> {
        match tokens.get(i) {
            Some(Token::Str(s)) => Ok(s.clone()),
            other => Err(format!("expected a string literal, found {other:?}")),
        }
    };
    loop {
        match tokens.get(i) {
            Some(Token::Punct('}')) => break,
            Some(Token::Ident(field)) => {
                expect(i + 1, ':')?;
                i += 2;
                match field.as_str() {
                    "id" => {
                        header.id = string(i)?;
                        i += 1;
                    }
                    "message" => {
                        header.message = string(i)?;
                        i += 1;
                    }
                    "parents" => {
                        expect(i, '&')?;
                        expect(i + 1, '[')?;
                        i += 2;
                        while tokens.get(i) != Some(&Token::Punct(']')) {
                            header.parents.push(string(i)?);
                            i += 1;
                            if tokens.get(i) == Some(&Token::Punct(',')) {
                                i += 1;
                            }
                        }
                        i += 1;
                    }
                    "schema" => match tokens.get(i) {
                        Some(Token::Ident(none)) if none == "None" => i += 1,
                        Some(Token::Ident(some)) if some == "Some" => {
                            expect(i + 1, '(')?;
                            header.schema = Some(string(i + 2)?);
                            expect(i + 3, ')')?;
                            i += 4;
                        }
                        other => {
                            return Err(format!(
                                "`schema` must be `Some(\"..\")` or `None`, found {other:?}"
                            ));
                        }
                    },
                    other => return Err(format!("unknown field `{other}`")),
                }
                seen.push(field.clone());
                if tokens.get(i) == Some(&Token::Punct(',')) {
                    i += 1;
                }
            }
            other => return Err(format!("expected a field name, found {other:?}")),
        }
    }
    for field in ["id", "parents", "message", "schema"] {
        if !seen.iter().any(|s| s == field) {
            return Err(format!("field `{field}` is missing"));
        }
    }
    if header.id.is_empty() {
        return Err("`id` is empty".into());
    }
    Ok(header)
}

/// Where `what` is first declared in `text`: the header's comments quote
/// names from the models, which may spell `const REVISION` too, so the
/// declaration is the first one outside a comment. (A squash holds the files
/// it replaces after its own declarations.)
///
/// One search over the whole text, each hit's line looked at, rather than a
/// search per line: a build script runs unoptimised, and there a search
/// set up for each of a 500-table initial migration's 12,500 lines cost
/// more than a quarter of the build after a model edit.
fn declaration(text: &str, what: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = text[from..].find(what) {
        let at = from + found;
        let line = text[..at].rfind('\n').map_or(0, |i| i + 1);
        if !text[line..at].trim_start().starts_with("//") {
            return Some(at);
        }
        // A comment: the declaration, if any, is on a later line.
        from = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
    }
    None
}

/// Whether a file holds its steps as data (`const UPGRADE`, or `static
/// UPGRADE`, which ferro-build writes in a file that creates tables and a
/// file written by hand may say anywhere) and not as functions. A file
/// that declares `fn upgrade(` is embedded by its functions, even with
/// steps beside them: a generated file edited to record its steps and a
/// data step in a function (and a squash, whose functions record the files
/// it holds) means its functions.
pub(crate) fn is_data(text: &str) -> bool {
    declaration(text, "fn upgrade(").is_none()
        && (declaration(text, "static UPGRADE").is_some() || declaration(text, "const UPGRADE").is_some())
}

/// Whether the file's `REVISION` is certainly the one [`parse_revision`]
/// reads, so that the embedding need not check it when the crate compiles:
/// its declaration starts a line, and every line before it is blank, a `//`
/// comment or a one-line `use`, as ferro-build, `ferro revision` and `squash`
/// write a file. Before anything else (an attribute, a block comment, a
/// macro), the compiler could see another `REVISION` than the text shows;
/// and a second `REVISION` after it would not compile. The check costs
/// every build (rustc evaluates it again whenever the list changes: about
/// 0.1 s at 1,000 files), so it is made only where it can fail.
pub(crate) fn is_plain(text: &str) -> bool {
    if text.contains('\r') {
        return false;
    }
    for line in text.lines() {
        if line.starts_with("pub const REVISION:") || line.starts_with("const REVISION:") {
            return true;
        }
        let use_line = line.starts_with("use ")
            && line.trim_end().ends_with(';')
            && !line.contains("/*")
            && !line.contains('"');
        if !(line.trim().is_empty() || line.trim_start().starts_with("//") || use_line) {
            return false;
        }
    }
    false
}

/// Reads a squash's `pub const REPLACES: &[&str] = &["..", ..];`: the
/// revisions it replaces, oldest first; none for a file without one.
pub(crate) fn parse_replaces(text: &str) -> Result<Vec<String>, String> {
    let Some(start) = declaration(text, "const REPLACES") else {
        return Ok(Vec::new());
    };
    let rest = &text[start..];
    let equals = rest.find('=').ok_or("`REPLACES` has no `=`")?;
    let tokens = tokenize(&rest[equals + 1..]).map_err(|e| format!("`REPLACES`: {e}"))?;
    let mut ids = Vec::new();
    let mut tokens = tokens.into_iter();
    if tokens.next() != Some(Token::Punct('&')) || tokens.next() != Some(Token::Punct('[')) {
        return Err("`REPLACES` must be written `&[\"<id>\", ..]`".into());
    }
    loop {
        match tokens.next() {
            Some(Token::Str(id)) => ids.push(id),
            Some(Token::Punct(',')) => {}
            Some(Token::Punct(']')) => break,
            other => return Err(format!("`REPLACES`: expected a string literal, found {other:?}")),
        }
    }
    if tokens.next() != Some(Token::Punct(';')) {
        return Err("`REPLACES` must end with `];`".into());
    }
    if ids.is_empty() {
        return Err("`REPLACES` is empty".into());
    }
    Ok(ids)
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '/' if chars.peek().map(|p| p.1) == Some('/') => {
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '"' => {
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None => return Err("a string literal is not closed".into()),
                        Some((_, '"')) => break,
                        Some((_, '\\')) => match chars.next().map(|p| p.1) {
                            Some('n') => s.push('\n'),
                            Some('t') => s.push('\t'),
                            Some('r') => s.push('\r'),
                            Some('0') => s.push('\0'),
                            Some(c @ ('\\' | '"' | '\'')) => s.push(c),
                            Some('u') => s.push(unicode_escape(&mut chars)?),
                            Some('x') => s.push(byte_escape(&mut chars)?),
                            other => return Err(format!("unsupported escape `\\{}`", other.unwrap_or(' '))),
                        },
                        Some((_, c)) => s.push(c),
                    }
                }
                tokens.push(Token::Str(s));
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut s = String::from(c);
                while let Some(&(_, c)) = chars.peek() {
                    if !(c.is_alphanumeric() || c == '_') {
                        break;
                    }
                    s.push(c);
                    chars.next();
                }
                tokens.push(Token::Ident(s));
            }
            '}' | ';' => {
                tokens.push(Token::Punct(c));
                return Ok(tokens);
            }
            ':' | ',' | '&' | '[' | ']' | '(' | ')' => tokens.push(Token::Punct(c)),
            other => return Err(format!("unexpected `{other}`; write the fields as literals")),
        }
    }
    Err("`REVISION` is not closed with `}`".into())
}

/// The character of a `\u{..}` escape, read after its `u`.
fn unicode_escape(chars: &mut impl Iterator<Item = (usize, char)>) -> Result<char, String> {
    if chars.next().map(|p| p.1) != Some('{') {
        return Err("`\\u` must be followed by `{`".into());
    }
    let mut hex = String::new();
    loop {
        match chars.next().map(|p| p.1) {
            Some('}') => break,
            Some('_') => {}
            Some(c) if c.is_ascii_hexdigit() && hex.len() < 6 => hex.push(c),
            _ => return Err(format!("`\\u{{{hex}` is not a character escape")),
        }
    }
    u32::from_str_radix(&hex, 16)
        .ok()
        .and_then(char::from_u32)
        .ok_or_else(|| format!("`\\u{{{hex}}}` is not a character"))
}

/// The character of a `\x..` escape (two hex digits, at most `7f`), read
/// after its `x`.
fn byte_escape(chars: &mut impl Iterator<Item = (usize, char)>) -> Result<char, String> {
    let hex: String = chars.take(2).map(|p| p.1).collect();
    u8::from_str_radix(&hex, 16)
        .ok()
        .filter(u8::is_ascii)
        .map(char::from)
        .ok_or_else(|| format!("`\\x{hex}` is not an ASCII escape"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Steps alone are data, as statics or as constants; a file with `fn
    /// upgrade(` is embedded by its functions, whatever comes first; a
    /// comment names neither.
    #[test]
    fn a_file_with_functions_is_embedded_by_them() {
        let statics =
            "//! pub fn upgrade(op)\npub static UPGRADE: Steps = &[];\npub static DOWNGRADE: Steps = &[];\n";
        let constants = statics.replace("static", "const");
        for steps in [statics, constants.as_str()] {
            assert!(is_data(steps), "{steps}");
            let both =
                format!("{steps}pub fn upgrade(op: &mut Ops) {{\n    steps::record(op, UPGRADE);\n}}\n");
            assert!(!is_data(&both), "{both}");
        }
        assert!(!is_data("// pub static UPGRADE: Steps = &[];\n"));
        assert!(!is_data(
            "pub fn upgrade(op: &mut Ops) {}\npub fn downgrade(op: &mut Ops) {}\n"
        ));
    }

    /// The declaration is the first hit on a line that is not a comment,
    /// however many comment lines name it first, and wherever on its line.
    #[test]
    fn a_declaration_is_found_past_the_comments_that_name_it() {
        let text = "//! const REVISION twice: const REVISION\n  // const REVISION\n/// x\npub const REVISION: R = R {};\n";
        let at = declaration(text, "const REVISION").expect("declared");
        assert!(text[at..].starts_with("const REVISION: R"), "{}", &text[at..]);
        assert_eq!(declaration("// const REVISION\n", "const REVISION"), None);
        assert_eq!(declaration("", "const REVISION"), None);
        assert_eq!(declaration("x\n    const REVISION\n", "const REVISION"), Some(6));
    }

    /// A file is plain when nothing before its `REVISION` can change what
    /// the compiler sees: comments, blank lines and one-line `use`s.
    #[test]
    fn a_file_is_plain_when_nothing_precedes_its_revision() {
        let header = "pub const REVISION: Revision = Revision { id: \"a\", parents: &[], message: \"\", schema: None };\n";
        let plain = format!(
            "//! Add.\n//!\n//! pub const REVISION: x\n\nuse ferro::migration::steps::*;\n\n{header}"
        );
        assert!(is_plain(&plain));
        assert!(is_plain(header));
        for before in [
            "#[cfg(any())]\n",
            "/* a block comment */\n",
            "/*\n",
            "mod inner;\n",
            "macro_rules! m { () => {} }\n",
            "use a; /*\n",
            "use a::{\n    b,\n};\n",
            "#![allow(unused)]\n",
        ] {
            assert!(!is_plain(&format!("{before}{header}")), "{before}");
        }
        assert!(!is_plain(&header.replace('\n', "\r\n")));
        assert!(!is_plain("pub fn upgrade(op: &mut Ops) {}\n"));
        // Indented, it is not at the top of the file.
        assert!(!is_plain(&format!("    {header}")));
    }

    #[test]
    fn reads_a_generated_header() {
        let text = r#"//! Add column.
use ferro::migration::prelude::*;

pub const REVISION: Revision = Revision {
    id: "abc",
    parents: &["p1", "p2"],
    message: "add \"x\" // not a comment",
    schema: Some("ff"),
};
"#;
        let header = parse_revision(text).unwrap();
        assert_eq!(header.id, "abc");
        assert_eq!(header.parents, ["p1", "p2"]);
        assert_eq!(header.message, "add \"x\" // not a comment");
        assert_eq!(header.schema.as_deref(), Some("ff"));
    }

    #[test]
    fn reads_a_hand_written_header() {
        let text = "pub const REVISION: Revision = Revision { id: \"d1\", // data\n parents: &[\"abc\"], message: \"fill\", schema: None };";
        let header = parse_revision(text).unwrap();
        assert_eq!((header.id.as_str(), header.schema), ("d1", None));
    }

    #[test]
    fn refuses_what_is_not_a_literal() {
        let text =
            "pub const REVISION: Revision = Revision { id: ID, parents: &[], message: \"m\", schema: None };";
        assert!(
            parse_revision(text)
                .unwrap_err()
                .contains("expected a string literal")
        );
        let missing = "pub const REVISION: Revision = Revision { id: \"a\", parents: &[], message: \"m\" };";
        assert_eq!(parse_revision(missing).unwrap_err(), "field `schema` is missing");
        assert!(
            parse_revision("fn main() {}")
                .unwrap_err()
                .contains("no `pub const REVISION")
        );
    }

    #[test]
    fn reads_back_what_the_generators_escape() {
        use ferro::migration::escape::{comment, literal};
        let hostile = [
            "add users\n}fn evil(){}",
            "a\r*/ \"q\" \\ 'x'\t\0\u{1}\u{7f}",
            "\u{2028}\u{202e}\u{301}é日本",
        ];
        for text in hostile {
            // The header's comment spells a declaration of its own.
            let spoof = "const REVISION: Revision = Revision { id: \"spoof\", parents: &[], message: \"\", schema: None };";
            let source = format!(
                "//! {}\n//! {spoof}\n\npub const REVISION: Revision = Revision {{\n    id: \"abc\",\n    \
                 parents: &[{}],\n    message: {},\n    schema: None,\n}};\n",
                comment(text),
                literal(text),
                literal(text),
            );
            let header = parse_revision(&source).unwrap_or_else(|e| panic!("{e}:\n{source}"));
            assert_eq!(header.id, "abc");
            assert_eq!(
                (header.parents.as_slice(), header.message.as_str()),
                ([text.to_owned()].as_slice(), text)
            );
        }
        let text =
            r#"const REVISION: R = R { id: "\x41\u{1_F600}", parents: &[], message: "", schema: None };"#;
        assert_eq!(parse_revision(text).unwrap().id, "A\u{1F600}");
        for bad in [r"\x80", r"\u{110000}", r"\u{12", r"\u12"] {
            let text = format!(
                r#"const REVISION: R = R {{ id: "{bad}", parents: &[], message: "", schema: None }};"#
            );
            assert!(parse_revision(&text).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_number_with_no_successor_is_refused() {
        let entry = |file: &str| Entry {
            file: file.to_owned(),
            path: PathBuf::from("migrations").join(file),
            id: file.to_owned(),
            parents: Vec::new(),
            schema: None,
            draft: Draft::None,
            message: String::new(),
            replaces: Vec::new(),
            data: false,
            plain: true,
        };
        let next = |files: &[&str]| {
            let entries: Vec<Entry> = files.iter().map(|f| entry(f)).collect();
            next_number(&entries).map_err(|e| e.to_string())
        };
        assert_eq!(next(&[]), Ok(1));
        assert_eq!(
            next(&["0001_a.rs", "4294967294_b.rs", "hand_written.rs"]),
            Ok(u32::MAX)
        );
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
