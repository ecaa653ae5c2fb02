//! The SQL that models and migrations give as text and Ferro writes into its
//! own statements as it is: a column's default, a type given verbatim, a
//! check's expression, a fill's value.
//!
//! Such text is SQL by design, written by the code's authors and never built
//! from user input. The runtime runs its statements through executors that
//! take several statements in one text (sqlx's `raw_sql`, PostgreSQL's simple
//! query), so a `;` in a default would start a statement of its own, and a
//! comment would swallow the rest of the line it is on.
//! [`Schema::new`](super::Schema::new) (at `cargo build`) and the runtime
//! (before the first statement of a run) refuse both, and quotes or
//! parentheses left open, which carry the text past the place it was
//! written into. The check is not a parser: it follows
//! quotes, comments and parentheses as each database's tokenizer does, and
//! lets a text pass only when all three read it so, since one migration runs
//! on whichever database it is pointed at. It guards against mistakes; it
//! does not make a user's text safe.

use std::fmt;

use super::{Column, Index, SqlType, Table};

/// Why a piece of SQL would not stay within the statement it is written into.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("at byte {at}, {problem}{}", as_read(.reader))]
#[non_exhaustive]
pub struct FragmentError {
    /// What was found.
    pub problem: Problem,
    /// Where, in bytes from the start of the text.
    pub at: usize,
    /// The database that reads the text so, when not every one does.
    pub reader: Option<&'static str>,
}

fn as_read(reader: &Option<&'static str>) -> String {
    reader
        .map(|name| format!(" (as {name} reads it)"))
        .unwrap_or_default()
}

/// What takes a piece of SQL out of its statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// A `;` outside quotes: the end of the statement.
    #[error("a `;` outside quotes ends the statement")]
    Semicolon,
    /// `--`, a comment to the end of the line.
    #[error("`--` outside quotes starts a comment")]
    LineComment,
    /// `/*`, a comment to its `*/`.
    #[error("`/*` outside quotes starts a comment")]
    BlockComment,
    /// `#`, a comment to the end of the line on MySQL.
    #[error("`#` outside quotes starts a comment")]
    HashComment,
    /// A string literal that is not closed.
    #[error("a string literal is not closed")]
    UnclosedString,
    /// A quoted identifier (`"…"`, `` `…` ``, `[…]`) that is not closed.
    #[error("a quoted identifier is not closed")]
    UnclosedIdentifier,
    /// A PostgreSQL dollar-quoted string that is not closed.
    #[error("a dollar-quoted string is not closed")]
    UnclosedDollarString,
    /// A `)` that closes no `(` of the text.
    #[error("a `)` closes no `(`")]
    Unopened,
    /// A `(` that the text does not close.
    #[error("a `(` is not closed")]
    UnclosedParenthesis,
}

/// Where a piece of SQL is written, as messages name it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Place<'a> {
    Default {
        table: &'a str,
        column: &'a str,
    },
    Type {
        table: &'a str,
        column: &'a str,
    },
    Check {
        table: &'a str,
        name: &'a str,
    },
    Predicate {
        table: &'a str,
        index: &'a str,
    },
    IndexExpression {
        table: &'a str,
        index: &'a str,
    },
    Generated {
        table: &'a str,
        column: &'a str,
    },
    // Only the runtime reads a migration's fills.
    #[cfg_attr(not(feature = "runtime"), allow(dead_code))]
    Fill {
        table: &'a str,
        column: &'a str,
    },
}

impl fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Default { table, column } => write!(f, "the default of column `{table}.{column}`"),
            Place::Type { table, column } => write!(f, "the SQL type of column `{table}.{column}`"),
            Place::Check { table, name } => write!(f, "check `{name}` of table `{table}`"),
            Place::Predicate { table, index } => {
                write!(f, "the `where` of index `{index}` of table `{table}`")
            }
            Place::Generated { table, column } => {
                write!(f, "the expression of generated column `{table}.{column}`")
            }
            Place::IndexExpression { table, index } => {
                write!(f, "an expression of index `{index}` of table `{table}`")
            }
            Place::Fill { table, column } => write!(f, "the fill of column `{table}.{column}`"),
        }
    }
}

/// The SQL a column gives as text: its default, and its type when given
/// verbatim.
pub(crate) fn of_column<'a>(
    table: &'a str,
    column: &'a Column,
) -> impl Iterator<Item = (Place<'a>, &'a str)> {
    let default = column.default.as_deref().map(|sql| {
        let place = Place::Default {
            table,
            column: &column.name,
        };
        (place, sql)
    });
    let ty = match &column.ty {
        SqlType::Custom(sql) => Some((
            Place::Type {
                table,
                column: &column.name,
            },
            sql.as_ref(),
        )),
        _ => None,
    };
    let generated = column.generated.as_ref().map(|g| {
        let place = Place::Generated {
            table,
            column: &column.name,
        };
        (place, g.expr.as_ref())
    });
    default.into_iter().chain(ty).chain(generated)
}

/// The SQL an index gives as text: a partial index's `where`.
pub(crate) fn of_index<'a>(table: &'a str, index: &'a Index) -> impl Iterator<Item = (Place<'a>, &'a str)> {
    let name = index.name.as_deref().unwrap_or_default();
    let predicate = index
        .predicate
        .as_deref()
        .map(move |sql| (Place::Predicate { table, index: name }, sql));
    let expressions = index
        .expressions
        .iter()
        .map(move |sql| (Place::IndexExpression { table, index: name }, sql.as_ref()));
    predicate.into_iter().chain(expressions)
}

/// The SQL a table gives as text: its columns', its checks' and its
/// indexes'.
pub(crate) fn of_table(table: &Table) -> impl Iterator<Item = (Place<'_>, &str)> {
    let checks = table.checks.iter().map(|check| {
        let place = Place::Check {
            table: &table.name,
            name: &check.name,
        };
        (place, check.expr.as_ref())
    });
    table
        .columns
        .iter()
        .flat_map(|column| of_column(&table.name, column))
        .chain(checks)
        .chain(table.indexes.iter().flat_map(|ix| of_index(&table.name, ix)))
}

/// The first of `fragments` that would not stay within its statement, with
/// why.
pub(crate) fn first_bad<'a>(
    fragments: impl IntoIterator<Item = (Place<'a>, &'a str)>,
) -> Option<(Place<'a>, &'a str, FragmentError)> {
    fragments
        .into_iter()
        .find_map(|(place, text)| check(text).err().map(|e| (place, text, e)))
}

/// Whether `text` stays within the statement it is written into, however
/// SQLite, PostgreSQL and MySQL read it: no `;` or comment outside quotes,
/// every quote and parenthesis it opens closed.
pub(crate) fn check(text: &str) -> Result<(), FragmentError> {
    let found: Vec<(Reader, (usize, Problem))> = Reader::ALL
        .iter()
        .filter_map(|&reader| scan(text.as_bytes(), reader).err().map(|e| (reader, e)))
        .collect();
    match found.first() {
        None => Ok(()),
        Some(&(reader, (at, problem))) => Err(FragmentError {
            problem,
            at,
            reader: (found.len() < Reader::ALL.len()).then_some(reader.name()),
        }),
    }
}

/// A database's tokenizer, as far as quotes and comments go.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reader {
    /// `'…'`, `"…"`, `` `…` ``, `[…]`, and variables (`$a`, `:a`, `@a`,
    /// `#a`, Tcl's `$a(…)`) that may hold any of these characters.
    Sqlite,
    /// `'…'`, `E'…'` (with backslash escapes), `"…"`, `$tag$…$tag$`.
    Postgres,
    /// `'…'` with backslash escapes (Ferro's sessions do not set
    /// `NO_BACKSLASH_ESCAPES`), `"…"` (under `ANSI_QUOTES`), `` `…` ``, and
    /// `#` comments.
    MySql,
}

impl Reader {
    const ALL: [Reader; 3] = [Reader::Sqlite, Reader::Postgres, Reader::MySql];

    fn name(self) -> &'static str {
        match self {
            Reader::Sqlite => "SQLite",
            Reader::Postgres => "PostgreSQL",
            Reader::MySql => "MySQL",
        }
    }
}

/// The first thing in `text` that would leave the statement, as `reader`
/// reads it.
fn scan(text: &[u8], reader: Reader) -> Result<(), (usize, Problem)> {
    let mut open = Vec::new();
    let mut i = 0;
    while let Some(&byte) = text.get(i) {
        let next = text.get(i + 1).copied();
        i = match byte {
            b'\'' => {
                let backslash = match reader {
                    Reader::Sqlite => false,
                    Reader::Postgres => escape_string(text, i),
                    Reader::MySql => true,
                };
                closing(text, i, backslash).ok_or((i, Problem::UnclosedString))?
            }
            b'"' => closing(text, i, false).ok_or((i, Problem::UnclosedIdentifier))?,
            b'`' if reader != Reader::Postgres => {
                closing(text, i, false).ok_or((i, Problem::UnclosedIdentifier))?
            }
            b'[' if reader == Reader::Sqlite => find(text, i + 1, b"]")
                .map(|end| end + 1)
                .ok_or((i, Problem::UnclosedIdentifier))?,
            b'$' if reader == Reader::Postgres && !after_word(text, i) => match dollar_tag(text, i) {
                Some(tag) => find(text, i + tag.len(), tag)
                    .map(|end| end + tag.len())
                    .ok_or((i, Problem::UnclosedDollarString))?,
                None => i + 1,
            },
            b'$' | b':' | b'@' | b'#'
                if reader == Reader::Sqlite && !(byte == b'$' && after_word(text, i)) =>
            {
                match sqlite_variable(text, i) {
                    Some(end) => end,
                    // SQLite refuses a statement with a token it does not
                    // know before running any of it.
                    None => return Ok(()),
                }
            }
            b';' => return Err((i, Problem::Semicolon)),
            b'-' if next == Some(b'-') => return Err((i, Problem::LineComment)),
            b'/' if next == Some(b'*') => return Err((i, Problem::BlockComment)),
            b'#' if reader == Reader::MySql => return Err((i, Problem::HashComment)),
            b'(' => {
                open.push(i);
                i + 1
            }
            b')' => {
                open.pop().ok_or((i, Problem::Unopened))?;
                i + 1
            }
            _ => i + 1,
        };
    }
    match open.last() {
        Some(&at) => Err((at, Problem::UnclosedParenthesis)),
        None => Ok(()),
    }
}

/// The index after the quote that closes the one at `start`. A doubled
/// quote stands for itself; with `backslash`, a backslash escapes the byte
/// after it.
fn closing(text: &[u8], start: usize, backslash: bool) -> Option<usize> {
    let quote = *text.get(start)?;
    let mut i = start + 1;
    loop {
        match *text.get(i)? {
            b'\\' if backslash => i += 2,
            b if b == quote && text.get(i + 1) == Some(&quote) => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// Where `needle` first occurs in `text` from `from` on.
fn find(text: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    text.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|at| at + from)
}

/// Whether a byte can continue a word: an unquoted identifier or keyword on
/// every one of the three (PostgreSQL and SQLite take `$` in one).
fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'$' || byte >= 0x80
}

/// Whether the byte at `i` comes right after a word, and so continues it.
fn after_word(text: &[u8], i: usize) -> bool {
    i > 0 && text.get(i - 1).is_some_and(|&b| is_word(b))
}

/// Whether the quote at `i` opens a PostgreSQL escape string (`E'…'`), in
/// which a backslash escapes the byte after it.
fn escape_string(text: &[u8], i: usize) -> bool {
    i > 0 && matches!(text.get(i - 1), Some(b'E' | b'e')) && !after_word(text, i - 1)
}

/// The dollar-quote tag (`$$`, `$body$`) that starts at `start`, if one does.
fn dollar_tag(text: &[u8], start: usize) -> Option<&[u8]> {
    let starts = |b: u8| b.is_ascii_alphabetic() || b == b'_' || b >= 0x80;
    let mut end = start + 1;
    if text.get(end).is_some_and(|&b| starts(b)) {
        end += 1;
        while text.get(end).is_some_and(|&b| starts(b) || b.is_ascii_digit()) {
            end += 1;
        }
    }
    (text.get(end) == Some(&b'$'))
        .then(|| text.get(start..=end))
        .flatten()
}

/// The end of the variable SQLite reads at `start`, as its tokenizer does:
/// a name after `$`, `:`, `@` or `#`, with `::` inside, and a Tcl-style
/// `(…)` after it that ends at the first `)` whatever comes before. `None`
/// for what the tokenizer calls illegal.
fn sqlite_variable(text: &[u8], start: usize) -> Option<usize> {
    let mut name = 0;
    let mut i = start + 1;
    while let Some(&byte) = text.get(i) {
        if is_word(byte) {
            name += 1;
        } else if byte == b'(' && name > 0 {
            let space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
            let end = text.get(i + 1..)?.iter().position(|&b| b == b')' || space(b))?;
            return (text.get(i + 1 + end) == Some(&b')')).then_some(i + end + 2);
        } else if byte == b':' && text.get(i + 1) == Some(&b':') {
            i += 1;
        } else {
            break;
        }
        i += 1;
    }
    (name > 0).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> FragmentError {
        check(text).expect_err(text)
    }

    fn error(problem: Problem, at: usize, reader: Option<&'static str>) -> FragmentError {
        FragmentError { problem, at, reader }
    }

    #[test]
    fn expressions_and_quoted_text_pass() {
        for text in [
            "'a;b'",
            "\"x;y\"",
            "now()",
            "(a > 0)",
            "'it''s'",
            "0",
            "'-- not a comment /* nor this */'",
            "\"odd \"\" name;\" > 0",
            "'x'::text",
            "x::numeric(10, 2) > 0",
            "price * (1 - discount) >= 0",
            "'é;ü'",
            "E'a\\\\b'",
            "CAST('{}' AS JSON)",
            "x IN ('a', 'b')",
        ] {
            assert_eq!(check(text), Ok(()), "{text}");
        }
    }

    #[test]
    fn what_would_leave_the_statement_is_refused_everywhere() {
        assert_eq!(refused("0; DROP TABLE t"), error(Problem::Semicolon, 1, None));
        assert_eq!(refused("0 -- x"), error(Problem::LineComment, 2, None));
        assert_eq!(refused("1 /* */"), error(Problem::BlockComment, 2, None));
        assert_eq!(refused("'unterminated"), error(Problem::UnclosedString, 0, None));
        assert_eq!(refused("\"open"), error(Problem::UnclosedIdentifier, 0, None));
        assert_eq!(refused("(a > 0"), error(Problem::UnclosedParenthesis, 0, None));
        assert_eq!(refused("a > 0) OR (b"), error(Problem::Unopened, 5, None));
    }

    #[test]
    fn a_text_passes_only_if_every_database_reads_it_as_one() {
        // MySQL reads `\'` as a quote inside the literal, the others as its end.
        assert_eq!(
            refused("'\\''; DROP TABLE t; --'"),
            error(Problem::Semicolon, 4, Some("MySQL"))
        );
        assert_eq!(
            refused("'\\'; DROP TABLE t; --'"),
            error(Problem::Semicolon, 3, Some("SQLite"))
        );
        // So does PostgreSQL in an escape string.
        assert_eq!(
            refused("E'\\''; DROP TABLE t; --'"),
            error(Problem::Semicolon, 5, Some("PostgreSQL"))
        );
        // Dollar quotes are PostgreSQL's alone; to SQLite `$x$` is a variable.
        assert_eq!(
            refused("$x$; DROP TABLE t; $x$"),
            error(Problem::Semicolon, 3, Some("SQLite"))
        );
        assert_eq!(
            refused("$$unterminated"),
            error(Problem::UnclosedDollarString, 0, Some("PostgreSQL"))
        );
        // A Tcl-style variable runs to the first `)`, over quotes.
        assert_eq!(
            refused("$a(') ; DROP TABLE t; --')"),
            error(Problem::Semicolon, 6, Some("SQLite"))
        );
        // Brackets and backticks quote on some databases only.
        assert_eq!(refused("[a;b]"), error(Problem::Semicolon, 2, Some("PostgreSQL")));
        assert_eq!(refused("`a;b`"), error(Problem::Semicolon, 2, Some("PostgreSQL")));
        assert_eq!(
            refused("flags # 1"),
            error(Problem::HashComment, 6, Some("MySQL"))
        );
    }

    #[test]
    fn the_message_says_where_and_for_whom() {
        assert_eq!(
            refused("0; DROP TABLE t").to_string(),
            "at byte 1, a `;` outside quotes ends the statement"
        );
        assert_eq!(
            refused("flags # 1").to_string(),
            "at byte 6, `#` outside quotes starts a comment (as MySQL reads it)"
        );
    }
}
