//! Text written into generated migration files, by `revision -m` and by
//! ferro-build: messages, revision ids, and names and SQL from the models,
//! which may hold any character. Not a public API: it changes without notice.
//!
//! A line break in a comment would end it and turn the rest into live code, a
//! bare carriage return is an error in a doc comment, and a bidirectional
//! control is refused by rustc's lints; so every such text goes through one of
//! these two functions, which write it with Rust's escapes.

/// `text` as a Rust string literal: quotes and backslashes escaped, and every
/// character that is a control, invisible or combining written as `\n`, `\r`,
/// `\t`, `\0` or `\u{..}` (the escapes ferro-build reads back; see
/// `ferro-build/src/folder.rs`). Other characters stay as they are.
pub fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    escape_into(text, true, &mut out);
    out.push('"');
    out
}

/// `text` for one line of a comment, spelled as inside [`literal`] but with
/// its quotes bare: the comment cannot end early, and a reader sees the same
/// text in the header as in the code below it.
pub fn comment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(text, false, &mut out);
    out
}

fn escape_into(text: &str, in_literal: bool, out: &mut String) {
    for c in text.chars() {
        match c {
            // `\'` is valid in a string literal, but needless.
            '\'' => out.push(c),
            '"' if !in_literal => out.push(c),
            // The standard library's table of what prints as itself: controls,
            // line and paragraph separators, format characters (the bidi
            // overrides among them) and combining marks come out as escapes.
            c => out.extend(c.escape_debug()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_what_rust_needs() {
        assert_eq!(literal("it's \"x\" \\ y"), r#""it's \"x\" \\ y""#);
        assert_eq!(
            literal("a\n}fn evil(){}\r\t\0\u{1}"),
            r#""a\n}fn evil(){}\r\t\0\u{1}""#
        );
        assert_eq!(literal("\u{2028}\u{202e}é日本"), r#""\u{2028}\u{202e}é日本""#);
    }

    #[test]
    fn comments_stay_on_their_line() {
        let text = comment("users\n}fn evil(){}\r */ \"q\" 'a' \\ \u{2028}\u{2066} é");
        assert_eq!(text, r#"users\n}fn evil(){}\r */ "q" 'a' \\ \u{2028}\u{2066} é"#);
        assert!(!text.chars().any(char::is_control));
    }
}
