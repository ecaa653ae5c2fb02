//! Reads the top-level structure of a SQLite `CREATE TABLE` statement: its
//! column definitions and table constraints, with constraint names and the
//! text of `CHECK` expressions as written.
//!
//! SQLite keeps each table's `CREATE TABLE` text verbatim and is the only
//! place that holds constraint names and check expressions (its pragmas
//! report neither). Written by hand because only the top level is needed and
//! the expressions must come back as the text that was written, to be
//! compared with a model's; a general SQL parser would rebuild them from its
//! syntax tree in its own spelling.

/// A token: an identifier or keyword (unquoted), a string literal, or any
/// other character; with its byte range in the statement.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    Word(String),
    Quoted(String),
    Str(String),
    Punct(char),
}

#[derive(Clone, Debug)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

impl Token {
    /// The identifier this token names, quoted or not.
    fn name(&self) -> Option<&str> {
        match &self.kind {
            Kind::Word(w) | Kind::Quoted(w) => Some(w),
            _ => None,
        }
    }

    fn is_keyword(&self, keyword: &str) -> bool {
        matches!(&self.kind, Kind::Word(w) if w.eq_ignore_ascii_case(keyword))
    }

    fn is(&self, c: char) -> bool {
        self.kind == Kind::Punct(c)
    }
}

/// What a constraint is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Constraint {
    PrimaryKey(Vec<String>),
    Unique(Vec<String>),
    Check(String),
    ForeignKey {
        columns: Vec<String>,
        table: String,
        referred: Vec<String>,
        on_delete: Option<String>,
        on_update: Option<String>,
    },
}

/// A constraint with its name, if it has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Named {
    pub(super) name: Option<String>,
    pub(super) constraint: Constraint,
}

/// A column definition: its name and the constraints written on it
/// (`NOT NULL` and `DEFAULT` are left to the pragmas).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct ColumnDef {
    pub(super) name: String,
    pub(super) constraints: Vec<Named>,
    /// Its `COLLATE`, which the pragmas do not report.
    pub(super) collation: Option<String>,
    /// Its `GENERATED ALWAYS AS (expr)`: the expression as written, and
    /// whether it is `STORED`.
    pub(super) generated: Option<(String, bool)>,
}

/// A `CREATE TABLE` statement's columns and table constraints.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct CreateTable {
    pub(super) columns: Vec<ColumnDef>,
    pub(super) constraints: Vec<Named>,
}

/// Why a statement could not be read.
pub(super) type Error = String;

fn tokens(sql: &str) -> Result<Vec<Token>, Error> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = sql[i + 2..].find("*/").ok_or("an unterminated comment")?;
                i += 2 + end + 2;
            }
            b'"' | b'`' | b'\'' | b'[' => {
                let close = if c == b'[' { b']' } else { c };
                let mut text = Vec::new();
                i += 1;
                loop {
                    match bytes.get(i) {
                        None => return Err("an unterminated quote".into()),
                        Some(&b) if b == close => {
                            // A doubled quote stands for itself (not in `[..]`).
                            if close != b']' && bytes.get(i + 1) == Some(&close) {
                                text.push(close);
                                i += 2;
                            } else {
                                i += 1;
                                break;
                            }
                        }
                        Some(&b) => {
                            text.push(b);
                            i += 1;
                        }
                    }
                }
                let text = String::from_utf8(text).map_err(|_| "a quote that is not UTF-8")?;
                let kind = if c == b'\'' {
                    Kind::Str(text)
                } else {
                    Kind::Quoted(text)
                };
                out.push(Token { kind, start, end: i });
            }
            _ if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                out.push(Token {
                    kind: Kind::Word(sql[start..i].to_owned()),
                    start,
                    end: i,
                });
            }
            _ => {
                let ch = sql[i..].chars().next().unwrap_or(' ');
                i += ch.len_utf8();
                out.push(Token {
                    kind: Kind::Punct(ch),
                    start,
                    end: i,
                });
            }
        }
    }
    Ok(out)
}

/// Splits `tokens` at the commas that are not inside parentheses.
fn split_top(tokens: &[Token]) -> Vec<&[Token]> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut from = 0;
    for (i, t) in tokens.iter().enumerate() {
        if t.is('(') {
            depth += 1;
        } else if t.is(')') {
            depth = depth.saturating_sub(1);
        } else if t.is(',') && depth == 0 {
            out.push(&tokens[from..i]);
            from = i + 1;
        }
    }
    out.push(&tokens[from..]);
    out
}

/// The index of the parenthesis that closes the one at `open`.
fn closing(tokens: &[Token], open: usize) -> Result<usize, Error> {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        if t.is('(') {
            depth += 1;
        } else if t.is(')') {
            depth -= 1;
            if depth == 0 {
                return Ok(i);
            }
        }
    }
    Err("an unbalanced parenthesis".into())
}

/// Reads a `CREATE TABLE` statement.
pub(super) fn parse(sql: &str) -> Result<CreateTable, Error> {
    let tokens = tokens(sql)?;
    let open = tokens
        .iter()
        .position(|t| t.is('('))
        .ok_or("no column list (a table made with AS SELECT?)")?;
    let close = closing(&tokens, open)?;
    let mut table = CreateTable::default();
    for element in split_top(&tokens[open + 1..close]) {
        let Some(first) = element.first() else {
            return Err("an empty column definition".into());
        };
        let starts_constraint = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]
            .iter()
            .any(|k| first.is_keyword(k));
        if starts_constraint {
            table.constraints.extend(constraints(sql, element, None)?);
        } else {
            let name = first.name().ok_or("a column without a name")?.to_owned();
            let constraints = constraints(sql, &element[1..], Some(&name))?;
            table.columns.push(ColumnDef {
                name,
                constraints,
                collation: collation(&element[1..]),
                generated: generated(sql, &element[1..]),
            });
        }
    }
    Ok(table)
}

/// The tokens outside every parenthesis, each with its place in `tokens`.
fn top_level(tokens: &[Token]) -> impl Iterator<Item = (usize, &Token)> {
    let mut depth = 0usize;
    tokens.iter().enumerate().filter(move |(_, t)| {
        if t.is('(') {
            depth += 1;
        } else if t.is(')') {
            depth = depth.saturating_sub(1);
        } else {
            return depth == 0;
        }
        false
    })
}

/// The name after a column definition's own `COLLATE` (not one inside a
/// check or a default's parentheses).
fn collation(tokens: &[Token]) -> Option<String> {
    let (i, _) = top_level(tokens).find(|(_, t)| t.is_keyword("COLLATE"))?;
    tokens.get(i + 1).and_then(Token::name).map(str::to_owned)
}

/// A column definition's `[GENERATED ALWAYS] AS (expr) [STORED | VIRTUAL]`.
fn generated(sql: &str, tokens: &[Token]) -> Option<(String, bool)> {
    let (i, _) = top_level(tokens)
        .find(|(i, t)| t.is_keyword("AS") && tokens.get(i + 1).is_some_and(|t| t.is('(')))?;
    let close = closing(tokens, i + 1).ok()?;
    let expr = sql[tokens[i + 1].end..tokens[close].start].trim().to_owned();
    let stored = tokens.get(close + 1).is_some_and(|t| t.is_keyword("STORED"));
    Some((expr, stored))
}

/// A parenthesised list of names starting at `tokens[at]`, and where it ends.
fn name_list(tokens: &[Token], at: usize) -> Result<(Vec<String>, usize), Error> {
    if !tokens.get(at).is_some_and(|t| t.is('(')) {
        return Err("a column list was expected".into());
    }
    let end = closing(tokens, at)?;
    let mut names = Vec::new();
    for part in split_top(&tokens[at + 1..end]) {
        // `"a" COLLATE x DESC`: the name is the first token.
        let name = part
            .first()
            .and_then(Token::name)
            .ok_or("a column list was expected")?;
        names.push(name.to_owned());
    }
    Ok((names, end + 1))
}

/// The constraints in `tokens`: a table constraint, or what follows a
/// column's name (`column` set). A column's type and the clauses the pragmas
/// report (`NOT NULL`, `DEFAULT`, `COLLATE`) are skipped.
fn constraints(sql: &str, tokens: &[Token], column: Option<&str>) -> Result<Vec<Named>, Error> {
    let mut out = Vec::new();
    let mut name = None;
    let mut i = 0;
    let own = || column.map(|c| vec![c.to_owned()]);
    while i < tokens.len() {
        let t = &tokens[i];
        if t.is_keyword("CONSTRAINT") {
            name = Some(
                tokens
                    .get(i + 1)
                    .and_then(Token::name)
                    .ok_or("a nameless CONSTRAINT")?
                    .to_owned(),
            );
            i += 2;
            continue;
        }
        let constraint = if t.is_keyword("PRIMARY") {
            i += 2; // PRIMARY KEY
            match own() {
                Some(columns) => Constraint::PrimaryKey(columns),
                None => {
                    let (columns, end) = name_list(tokens, i)?;
                    i = end;
                    Constraint::PrimaryKey(columns)
                }
            }
        } else if t.is_keyword("UNIQUE") {
            i += 1;
            match own() {
                Some(columns) => Constraint::Unique(columns),
                None => {
                    let (columns, end) = name_list(tokens, i)?;
                    i = end;
                    Constraint::Unique(columns)
                }
            }
        } else if t.is_keyword("CHECK") {
            let open = i + 1;
            if !tokens.get(open).is_some_and(|t| t.is('(')) {
                return Err("CHECK without an expression".into());
            }
            let close = closing(tokens, open)?;
            let text = sql[tokens[open].end..tokens[close].start].trim().to_owned();
            i = close + 1;
            Constraint::Check(text)
        } else if t.is_keyword("FOREIGN") || t.is_keyword("REFERENCES") {
            let columns = if t.is_keyword("FOREIGN") {
                let (columns, end) = name_list(tokens, i + 2)?;
                i = end;
                columns
            } else {
                own().ok_or("REFERENCES outside a column")?
            };
            // REFERENCES "t" ("id") ON DELETE .. ON UPDATE ..
            if !tokens.get(i).is_some_and(|t| t.is_keyword("REFERENCES")) {
                return Err("FOREIGN KEY without REFERENCES".into());
            }
            let table = tokens
                .get(i + 1)
                .and_then(Token::name)
                .ok_or("REFERENCES without a table")?;
            i += 2;
            let referred = if tokens.get(i).is_some_and(|t| t.is('(')) {
                let (referred, end) = name_list(tokens, i)?;
                i = end;
                referred
            } else {
                Vec::new()
            };
            let (mut on_delete, mut on_update) = (None, None);
            while tokens.get(i).is_some_and(|t| t.is_keyword("ON")) {
                let which = tokens.get(i + 1);
                let mut words = Vec::new();
                i += 2;
                while let Some(w) = tokens.get(i).filter(|t| {
                    ["SET", "NULL", "DEFAULT", "CASCADE", "RESTRICT", "NO", "ACTION"]
                        .iter()
                        .any(|k| t.is_keyword(k))
                }) {
                    words.push(w.name().unwrap_or_default().to_ascii_uppercase());
                    i += 1;
                }
                let action = Some(words.join(" "));
                if which.is_some_and(|t| t.is_keyword("DELETE")) {
                    on_delete = action;
                } else {
                    on_update = action;
                }
            }
            Constraint::ForeignKey {
                columns,
                table: table.to_owned(),
                referred,
                on_delete,
                on_update,
            }
        } else {
            // A type, NOT NULL, DEFAULT .., COLLATE .., AUTOINCREMENT, ...:
            // skip a word, or a parenthesised group with what it holds.
            i = if t.is('(') { closing(tokens, i)? + 1 } else { i + 1 };
            continue;
        };
        out.push(Named {
            name: name.take(),
            constraint,
        });
    }
    Ok(out)
}

/// The key parts of a `CREATE INDEX` statement, each as written (an
/// expression in its parentheses, a column name quoted as it was).
pub(super) fn index_parts(sql: &str) -> Option<Vec<String>> {
    let tokens = tokens(sql).ok()?;
    let on = tokens.iter().position(|t| t.is_keyword("ON"))?;
    let open = on + tokens[on..].iter().position(|t| t.is('('))?;
    let close = closing(&tokens, open).ok()?;
    let parts = split_top(&tokens[open + 1..close]);
    Some(
        parts
            .into_iter()
            .filter_map(|part| Some(sql[part.first()?.start..part.last()?.end].trim().to_owned()))
            .collect(),
    )
}

/// The text after the top-level `WHERE` of a `CREATE INDEX` statement: a
/// partial index's predicate, as written; `None` when it has none.
pub(super) fn index_predicate(sql: &str) -> Option<String> {
    let tokens = tokens(sql).ok()?;
    let (_, t) = top_level(&tokens).find(|(_, t)| t.is_keyword("WHERE"))?;
    let rest = sql[t.end..].trim().trim_end_matches(';').trim();
    (!rest.is_empty()).then(|| rest.to_owned())
}

/// The query of a `CREATE VIEW name AS query` statement, as written;
/// `None` for one that names its columns (`CREATE VIEW v(a, b) AS ..`),
/// which a model's view cannot say, or that does not read.
pub(super) fn view_query(sql: &str) -> Option<&str> {
    let tokens = tokens(sql).ok()?;
    let view = tokens.iter().position(|t| t.is_keyword("VIEW"))?;
    // The name, perhaps `IF NOT EXISTS` before it and a schema's with it.
    let mut at = view + 1;
    if tokens.get(at)?.is_keyword("IF") {
        at += 3;
    }
    at += 1;
    while tokens.get(at)?.is('.') {
        at += 2;
    }
    let as_ = tokens.get(at).filter(|t| t.is_keyword("AS"))?;
    let query = sql[as_.end..].trim().trim_end_matches(';').trim();
    (!query.is_empty()).then_some(query)
}

/// The values of an enum's check, `"col" IN ('a', 'b')`, when `text` is one
/// on `column`.
pub(super) fn enum_values(text: &str, column: &str) -> Option<Vec<String>> {
    let tokens = tokens(text).ok()?;
    let (first, rest) = tokens.split_first()?;
    if first.name() != Some(column) || !rest.first()?.is_keyword("IN") || !rest.get(1)?.is('(') {
        return None;
    }
    let close = closing(rest, 1).ok()?;
    if close + 1 != rest.len() {
        return None;
    }
    split_top(&rest[2..close])
        .into_iter()
        .map(|part| match part {
            [
                Token {
                    kind: Kind::Str(value),
                    ..
                },
            ] => Some(value.clone()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_views_query() {
        assert_eq!(
            view_query("CREATE VIEW paid AS SELECT id FROM orders WHERE paid"),
            Some("SELECT id FROM orders WHERE paid")
        );
        assert_eq!(
            view_query("CREATE VIEW IF NOT EXISTS \"main\".\"a b\" AS\n  SELECT 1;"),
            Some("SELECT 1")
        );
        assert_eq!(view_query("CREATE VIEW v(a, b) AS SELECT 1, 2"), None);
    }

    #[test]
    fn reads_a_generated_column() {
        let t = parse(
            r#"CREATE TABLE t ("z" INTEGER, "w" INTEGER GENERATED ALWAYS AS (z * 2) STORED, v TEXT AS (lower("x")), u INT)"#,
        )
        .unwrap();
        let generated: Vec<Option<(String, bool)>> = t.columns.iter().map(|c| c.generated.clone()).collect();
        assert_eq!(
            generated,
            [
                None,
                Some(("z * 2".into(), true)),
                Some(("lower(\"x\")".into(), false)),
                None
            ]
        );
    }

    #[test]
    fn reads_a_column_s_own_collation() {
        let t = parse(
            r#"CREATE TABLE t (
    "a" TEXT COLLATE NOCASE NOT NULL CHECK ("a" COLLATE BINARY <> ''),
    "b" TEXT CHECK (b COLLATE RTRIM = 'x'),
    "c" TEXT DEFAULT ('x' COLLATE BINARY) COLLATE "RTRIM"
)"#,
        )
        .unwrap();
        let collations: Vec<Option<&str>> = t.columns.iter().map(|c| c.collation.as_deref()).collect();
        assert_eq!(collations, [Some("NOCASE"), None, Some("RTRIM")]);
    }

    #[test]
    fn reads_columns_and_named_constraints() {
        let sql = r#"CREATE TABLE "posts" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_posts" PRIMARY KEY,
    "kind" TEXT NOT NULL CONSTRAINT "post_kind" CHECK ("kind" IN ('a', 'b''c')),
    [author id] INTEGER REFERENCES users(id) ON DELETE SET NULL, -- a comment, (with) commas
    "price" NUMERIC(12, 2) DEFAULT (1 + 2),
    CONSTRAINT "uq_posts_kind" UNIQUE ("kind", "price"),
    CONSTRAINT "fk_x" FOREIGN KEY ("kind") REFERENCES "kinds" ("name") ON UPDATE CASCADE ON DELETE NO ACTION,
    CONSTRAINT "ck_posts_price" CHECK (price > 0 AND (price < 10))
)"#;
        let t = parse(sql).unwrap();
        let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["id", "kind", "author id", "price"]);
        assert_eq!(
            t.columns[0].constraints,
            [Named {
                name: Some("pk_posts".into()),
                constraint: Constraint::PrimaryKey(vec!["id".into()])
            }]
        );
        assert_eq!(
            t.columns[1].constraints[0].constraint,
            Constraint::Check(r#""kind" IN ('a', 'b''c')"#.into())
        );
        assert_eq!(
            t.columns[2].constraints[0].constraint,
            Constraint::ForeignKey {
                columns: vec!["author id".into()],
                table: "users".into(),
                referred: vec!["id".into()],
                on_delete: Some("SET NULL".into()),
                on_update: None,
            }
        );
        assert!(t.columns[3].constraints.is_empty());
        assert_eq!(t.constraints.len(), 3);
        assert_eq!(
            t.constraints[1],
            Named {
                name: Some("fk_x".into()),
                constraint: Constraint::ForeignKey {
                    columns: vec!["kind".into()],
                    table: "kinds".into(),
                    referred: vec!["name".into()],
                    on_delete: Some("NO ACTION".into()),
                    on_update: Some("CASCADE".into()),
                }
            }
        );
        assert_eq!(
            t.constraints[2].constraint,
            Constraint::Check("price > 0 AND (price < 10)".into())
        );
    }

    #[test]
    fn reads_an_enum_check() {
        let values = enum_values(r#""kind" IN ('a', 'b''c')"#, "kind").unwrap();
        assert_eq!(values, ["a", "b'c"]);
        assert_eq!(enum_values(r#""kind" IN ('a') AND 1"#, "kind"), None);
        assert_eq!(enum_values(r#""other" IN ('a')"#, "kind"), None);
        assert_eq!(enum_values(r#""kind" IN ('a', 1)"#, "kind"), None);
    }

    #[test]
    fn reads_a_partial_index_predicate() {
        assert_eq!(
            index_predicate("CREATE INDEX \"p\" ON \"t\" (\"a\") WHERE status = 'a where b' AND (x > 0)")
                .as_deref(),
            Some("status = 'a where b' AND (x > 0)")
        );
        assert_eq!(index_predicate("CREATE INDEX \"where\" ON t (\"where\")"), None);
        assert_eq!(index_predicate("CREATE UNIQUE INDEX p ON t (a)"), None);
    }

    #[test]
    fn bad_statements_are_errors() {
        assert!(parse("CREATE TABLE t AS SELECT 1").is_err());
        assert!(parse("CREATE TABLE t (a INTEGER, CHECK (a > 0)").is_err());
        assert!(parse("CREATE TABLE t (\"a").is_err());
    }
}
