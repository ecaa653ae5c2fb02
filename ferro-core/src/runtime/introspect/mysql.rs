//! MySQL's and MariaDB's schema, from `information_schema`, in the
//! connection's database (`DATABASE()`).
//!
//! What these databases do not keep is given back in the terms of
//! [`stored`](super::stored): the primary key has no name (MySQL calls
//! every one `PRIMARY`), a
//! unique index and a unique constraint are one thing (read as a
//! constraint), an enum is a column type without a name of its own (named
//! `table.column` here), and MariaDB keeps `JSON` as `LONGTEXT` with a
//! `json_valid` check, which is read back as `JSON`. The index InnoDB makes
//! for a foreign key, named as the key, is left out.

use super::{Fetch, column};
use crate::inspect::Note;
use crate::runtime::dialect::Dialect;
use crate::runtime::error::MigrateError;
use crate::schema::{
    Action, Check, EnumValue, ForeignKey, Index, PrimaryKey, SqlType, Str, Table, UniqueConstraint, View,
};

const D: Dialect = Dialect::MySql;

/// The name MySQL gives every primary key.
const PRIMARY: &str = "PRIMARY";

/// The name an enum column's type is given here.
pub(crate) fn enum_name(table: &str, column: &str) -> String {
    format!("{table}.{column}")
}

/// Whether a row of `information_schema.STATISTICS` makes its index one a
/// model cannot declare: an expression, a descending column of a unique
/// index (which reads as a unique constraint, without order), a full-text
/// or spatial index. An index on a prefix of a column reads as an index of
/// the column, which is what MariaDB makes of an index a model declares on
/// a `LONGTEXT`; [`notes`] names it.
const SPECIAL_INDEX_ROW: &str = "COLUMN_NAME IS NULL OR (COLLATION = 'D' AND NON_UNIQUE = 0) \
     OR INDEX_TYPE IN ('FULLTEXT', 'SPATIAL')";

/// The views, each with its query as MySQL prints it back, without the
/// database's name before the names of its tables and columns (so that it
/// reads the same in another database) and without the quotes plain names
/// do not need.
pub(super) async fn views(f: &mut impl Fetch) -> Result<Vec<View>, MigrateError> {
    let name = f.rows("SELECT DATABASE()", 1).await?;
    let Some(Some(name)) = name.into_iter().next().map(|mut row| row.remove(0)) else {
        return Ok(Vec::new());
    };
    let rows = f
        .rows(
            &format!(
                "SELECT CAST(TABLE_NAME AS CHAR), CAST(VIEW_DEFINITION AS CHAR) FROM information_schema.VIEWS \
                 WHERE TABLE_SCHEMA = {} ORDER BY 1",
                D.literal(&name)
            ),
            2,
        )
        .await?;
    let prefix = format!("`{}`.", name.replace('`', "``"));
    let mut out = Vec::new();
    for row in rows {
        if let [Some(view), Some(definition)] = <[Option<String>; 2]>::try_from(row).unwrap_or_default() {
            out.push(View::new(view, plain_check(&definition.replace(&prefix, ""))));
        }
    }
    Ok(out)
}

/// What the database holds that a model cannot declare: triggers,
/// `ON UPDATE` clauses, auto-increment columns that are
/// not the key, and the indexes [`table`] leaves out.
///
/// Each catalog is read once, for the database's name as a literal, and
/// the reading is put together here: MariaDB answers a query of
/// `information_schema` that joins or nests its tables by opening the
/// tables of every database on the server.
pub(super) async fn notes(f: &mut impl Fetch, version_table: &str) -> Result<Vec<Note>, MigrateError> {
    let name = f.rows("SELECT DATABASE()", 1).await?;
    let Some(Some(name)) = name.into_iter().next().map(|mut row| row.remove(0)) else {
        return Ok(Vec::new());
    };
    let db = D.literal(&name);
    let lease = crate::runtime::lease::table_name(version_table);
    let ours = |table: &str| table != version_table && table != lease;
    let mut out = Vec::new();

    let triggers = f
        .rows(
            &format!(
                "SELECT CAST(EVENT_OBJECT_TABLE AS CHAR), CAST(CONCAT('trigger ', TRIGGER_NAME, ': ', ACTION_TIMING, \
                 ' ', EVENT_MANIPULATION, ' FOR EACH ROW ', ACTION_STATEMENT) AS CHAR) \
                 FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = {db} ORDER BY 1, TRIGGER_NAME"
            ),
            2,
        )
        .await?;
    for row in triggers {
        if let [Some(table), Some(text)] = <[Option<String>; 2]>::try_from(row).unwrap_or_default() {
            out.push(Note::on(table, text));
        }
    }

    // The base tables (not views), and each one's primary key.
    let base_tables: std::collections::HashSet<String> = f
        .rows(
            &format!(
                "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = {db} AND TABLE_TYPE = 'BASE TABLE'"
            ),
            1,
        )
        .await?
        .into_iter()
        .filter_map(|mut row| row.pop().flatten())
        .collect();
    let statistics = f
        .rows(
            &format!(
                "SELECT CAST(TABLE_NAME AS CHAR), CAST(INDEX_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), \
                 CAST(SUB_PART AS CHAR), CAST(COLLATION AS CHAR), CAST(INDEX_TYPE AS CHAR), \
                 CAST(NON_UNIQUE AS CHAR) \
                 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = {db} \
                 ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"
            ),
            7,
        )
        .await?;
    let mut keys: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    let mut special: Vec<(String, String, String, Vec<String>)> = Vec::new();
    let mut index: Option<(String, String, String, Vec<String>, bool)> = None;
    for row in statistics.into_iter().chain([vec![None; 7]]) {
        let [table, name, column, sub_part, collation, kind, non_unique] =
            <[Option<String>; 7]>::try_from(row).unwrap_or_default();
        let same = index
            .as_ref()
            .is_some_and(|(t, n, ..)| Some(t) == table.as_ref() && Some(n) == name.as_ref());
        if !same {
            if let Some((t, n, k, columns, true)) = index.take() {
                special.push((t, n, k, columns));
            }
            let (Some(table), Some(name)) = (table.clone(), name.clone()) else {
                break;
            };
            index = Some((table, name, kind.clone().unwrap_or_default(), Vec::new(), false));
        }
        let (Some(table), Some(name)) = (table, name) else {
            break;
        };
        if name == PRIMARY
            && let Some(column) = &column
        {
            keys.entry(table).or_default().push(column.clone());
        }
        if let Some((_, _, _, columns, is_special)) = &mut index {
            let kind = kind.unwrap_or_default();
            let down = collation.as_deref() == Some("D");
            *is_special |= sub_part.is_some()
                || column.is_none()
                || (down && non_unique.as_deref() == Some("0"))
                || kind == "FULLTEXT"
                || kind == "SPATIAL";
            let mut text = column.unwrap_or_else(|| "an expression".into());
            if let Some(n) = sub_part {
                text.push_str(&format!("({n})"));
            }
            if collation.as_deref() == Some("D") {
                text.push_str(" DESC");
            }
            columns.push(text);
        }
    }

    let columns = f
        .rows(
            &format!(
                "SELECT CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), CAST(EXTRA AS CHAR) \
                 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = {db} ORDER BY TABLE_NAME, ORDINAL_POSITION"
            ),
            3,
        )
        .await?;
    for row in columns {
        let [Some(table), Some(column), extra] = <[Option<String>; 3]>::try_from(row).unwrap_or_default()
        else {
            continue;
        };
        if !base_tables.contains(&table) || !ours(&table) {
            continue;
        }
        let extra = extra.unwrap_or_default();
        let lower = extra.to_ascii_lowercase();
        if let Some(at) = lower.find("on update") {
            out.push(Note::on(&table, format!("column {column}: {}", &extra[at..])));
        }
        if lower.contains("auto_increment")
            && keys.get(&table).map(Vec::as_slice) != Some(std::slice::from_ref(&column))
        {
            out.push(Note::on(
                &table,
                format!("column {column} is auto-incremented without being the primary key"),
            ));
        }
    }
    for (table, index, kind, columns) in special {
        if ours(&table) {
            // A prefix of a column is read as the whole column (as MariaDB
            // keeps an index a model declares on a `LONGTEXT`).
            let read = match columns.iter().any(|c| c.contains('(')) {
                true => "; read as an index of the whole column",
                false => "",
            };
            out.push(Note::on(
                table,
                format!("index {index} ({kind}): {}{read}", columns.join(", ")),
            ));
        }
    }
    Ok(out)
}

/// A column type as `COLUMN_TYPE` (or Ferro's own rendering) spells it.
pub(crate) fn parse_type(text: &str) -> SqlType {
    let lower = text.trim().to_ascii_lowercase();
    let (base, args) = match lower.split_once('(') {
        Some((base, rest)) => (base.trim(), rest.trim_end_matches(')').trim()),
        None => (lower.as_str(), ""),
    };
    let numbers: Vec<u32> = args.split(',').filter_map(|n| n.trim().parse().ok()).collect();
    match (base, numbers.as_slice()) {
        // Display widths (`int(11)`) mean nothing to the values.
        ("smallint", _) => SqlType::SmallInt,
        ("int" | "integer", _) => SqlType::Integer,
        ("bigint", _) => SqlType::BigInt,
        ("tinyint", [1]) | ("boolean" | "bool", []) => SqlType::Boolean,
        ("float", []) => SqlType::Real,
        ("double", []) => SqlType::Double,
        ("longtext", []) => SqlType::Text,
        ("varchar", [n]) => SqlType::Varchar(*n),
        ("longblob", []) => SqlType::Blob,
        ("decimal", [p, s]) => SqlType::Numeric {
            precision: u16::try_from(*p).ok(),
            scale: u16::try_from(*s).ok(),
        },
        ("char", [36]) => SqlType::Uuid,
        ("datetime", [6]) => SqlType::Timestamp {
            with_time_zone: false,
        },
        ("date", []) => SqlType::Date,
        ("time", [6]) => SqlType::Time,
        ("json", []) => SqlType::Json,
        ("enum", _) => SqlType::Enum(crate::schema::EnumType {
            name: Str::from(String::new()),
            values: enum_values(text.trim()[5..].trim_start_matches('(').trim_end_matches(')'))
                .into_iter()
                .map(|v| EnumValue {
                    name: v.into(),
                    renamed_from: None,
                })
                .collect::<Vec<_>>()
                .into(),
        }),
        _ => SqlType::Custom(text.trim().to_owned().into()),
    }
}

/// The values of `'a','b''c'` (MySQL doubles a quote, and may escape with a
/// backslash).
fn enum_values(list: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = list.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    value.push('\'');
                }
                '\'' => break,
                '\\' => value.extend(chars.next()),
                c => value.push(c),
            }
        }
        out.push(value);
    }
    out
}

/// A default as the comparison sees it: `NULL` is none, MySQL's spellings
/// of the current time are `CURRENT_TIMESTAMP`, booleans are 0 and 1, and a
/// number is written the shortest way (`0.00` is `0`).
pub(crate) fn plain_default(text: &str) -> Option<String> {
    let s = text.trim();
    let bare = super::unwrap_parens(s);
    let lower = bare.to_ascii_lowercase();
    if lower == "null" {
        return None;
    }
    if lower.starts_with("current_timestamp") || lower == "now()" {
        return Some("CURRENT_TIMESTAMP".into());
    }
    match lower.as_str() {
        "true" => return Some("1".into()),
        "false" => return Some("0".into()),
        _ => {}
    }
    if let Ok(n) = bare.parse::<f64>() {
        return Some(n.to_string());
    }
    Some(bare.to_owned())
}

/// A check's expression as MySQL prints it back, for comparing: without the
/// quotes MySQL puts around plain names (backquotes, or double quotes under
/// `ANSI_QUOTES`), where a name that needs them keeps standard double
/// quotes, and in lower case but for string literals and quoted names.
pub(crate) fn plain_check(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                out.push(c);
                while let Some(c) = chars.next() {
                    out.push(c);
                    if c == '\'' {
                        if chars.peek() == Some(&'\'') {
                            out.extend(chars.next());
                        } else {
                            break;
                        }
                    }
                }
            }
            '`' | '"' => {
                let mut name = String::new();
                while let Some(n) = chars.next() {
                    if n == c {
                        if chars.peek() == Some(&c) {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                    name.push(n);
                }
                if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    out.push_str(&name);
                } else {
                    out.push_str(&format!("\"{}\"", name.replace('"', "\"\"")));
                }
            }
            // MySQL prints keywords in lower case; names are not case
            // sensitive in a check.
            c => out.push(c.to_ascii_lowercase()),
        }
    }
    out
}

/// A foreign key's action. InnoDB does the same for `RESTRICT` and
/// `NO ACTION` (it checks at once), and the catalogs of MySQL and MariaDB
/// name the unspecified one differently, so both read as `NO ACTION`.
fn action(rule: Option<&str>) -> Action {
    match rule {
        Some("CASCADE") => Action::Cascade,
        Some("SET NULL") => Action::SetNull,
        Some("SET DEFAULT") => Action::SetDefault,
        _ => Action::NoAction,
    }
}

/// A foreign key's actions as [`action`] reads them back.
pub(crate) fn stored_key(key: &mut ForeignKey) {
    for a in [&mut key.on_delete, &mut key.on_update] {
        if *a == Action::Restrict {
            *a = Action::NoAction;
        }
    }
}

fn bad(table: &str) -> MigrateError {
    MigrateError::Introspection(format!("cannot read table {table}: an unexpected catalog row"))
}

/// Every table of the database but the version table.
pub(super) async fn tables(f: &mut impl Fetch, version_table: &str) -> Result<Vec<Table>, MigrateError> {
    let rows = f
        .rows(
            "SELECT CAST(TABLE_NAME AS CHAR), CAST(TABLE_COMMENT AS CHAR) FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1",
            2,
        )
        .await?;
    super::each_table(f, rows, version_table, async |f, name| table(f, name).await).await
}

async fn table(f: &mut impl Fetch, name: &str) -> Result<Table, MigrateError> {
    let lit = D.literal(name);
    let mut table = Table::new(name.to_owned());
    let rows = f
        .rows(
            &format!(
                "SELECT CAST(c.COLUMN_NAME AS CHAR), CAST(c.COLUMN_TYPE AS CHAR), CAST(c.IS_NULLABLE AS CHAR), \
                 CAST(c.COLUMN_DEFAULT AS CHAR), CAST(c.EXTRA AS CHAR), CAST(c.COLUMN_COMMENT AS CHAR), \
                 CAST(c.COLLATION_NAME AS CHAR), CAST(c.GENERATION_EXPRESSION AS CHAR) \
                 FROM information_schema.COLUMNS c WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME = {lit} \
                 ORDER BY c.ORDINAL_POSITION"
            ),
            8,
        )
        .await?;
    // A column's collation is its own when it is not its table's. (Read
    // apart: MariaDB answers a join of `information_schema`'s tables by
    // opening every database's tables.)
    let table_collation = f
        .rows(
            &format!(
                "SELECT CAST(TABLE_COLLATION AS CHAR) FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {lit}"
            ),
            1,
        )
        .await?
        .into_iter()
        .next()
        .and_then(|mut row| row.pop().flatten());
    let mut columns = Vec::new();
    for row in rows {
        let [
            Some(cname),
            Some(ty),
            nullable,
            default,
            extra,
            comment,
            collation,
            expression,
        ] = <[Option<String>; 8]>::try_from(row).map_err(|_| bad(name))?
        else {
            return Err(bad(name));
        };
        let mut ty = parse_type(&ty);
        if let SqlType::Enum(e) = &mut ty {
            e.name = enum_name(name, &cname).into();
        }
        // A generated column's expression is no default.
        let generated = extra
            .as_deref()
            .is_some_and(|e| e.to_ascii_uppercase().contains("GENERATED"));
        let mut c = column(
            cname,
            ty,
            nullable.as_deref() == Some("YES"),
            default.as_deref().filter(|_| !generated).and_then(plain_default),
        );
        let lower = extra.as_deref().unwrap_or_default().to_ascii_lowercase();
        c.auto_increment = lower.contains("auto_increment");
        if generated && let Some(expr) = expression.filter(|e| !e.is_empty()) {
            c.generated = Some(crate::schema::Generated {
                expr: plain_check(&expr).into(),
                stored: lower.contains("stored") || lower.contains("persistent"),
            });
        }
        c.comment = comment.filter(|c| !c.is_empty()).map(Into::into);
        c.collation = collation
            .filter(|c| Some(c) != table_collation.as_ref())
            .map(Into::into);
        columns.push(c);
    }
    table.columns = columns.into();

    let rows = checks(f, name).await?;
    for row in rows {
        let [Some(cname), Some(clause)] = <[Option<String>; 2]>::try_from(row).map_err(|_| bad(name))? else {
            return Err(bad(name));
        };
        let expr = plain_check(&clause);
        // MariaDB's JSON: a LONGTEXT with a check named after the column.
        if expr == format!("json_valid({cname})")
            && let Some(c) = table
                .columns
                .to_mut()
                .iter_mut()
                .find(|c| c.name == cname && c.ty == SqlType::Text)
        {
            c.ty = SqlType::Json;
            // Of MariaDB's choosing (`utf8mb4_bin`).
            c.collation = None;
            continue;
        }
        table.checks.to_mut().push(Check {
            name: cname.into(),
            expr: expr.into(),
        });
    }

    let rows = f
        .rows(
            &format!(
                "SELECT CAST(k.CONSTRAINT_NAME AS CHAR), CAST(k.COLUMN_NAME AS CHAR), \
                 CAST(k.REFERENCED_TABLE_NAME AS CHAR), CAST(k.REFERENCED_COLUMN_NAME AS CHAR), \
                 CAST(r.DELETE_RULE AS CHAR), CAST(r.UPDATE_RULE AS CHAR) \
                 FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
                 ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
                 AND r.TABLE_NAME = k.TABLE_NAME \
                 WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = {lit} \
                 AND k.REFERENCED_TABLE_NAME IS NOT NULL ORDER BY k.CONSTRAINT_NAME, k.ORDINAL_POSITION"
            ),
            6,
        )
        .await?;
    let mut keys: Vec<ForeignKey> = Vec::new();
    for row in rows {
        let [
            Some(kname),
            Some(col),
            Some(referred),
            Some(referred_col),
            on_delete,
            on_update,
        ] = <[Option<String>; 6]>::try_from(row).map_err(|_| bad(name))?
        else {
            return Err(bad(name));
        };
        match keys.last_mut() {
            Some(k) if k.name.as_deref() == Some(kname.as_str()) => {
                k.columns.to_mut().push(col.into());
                k.referred_columns.to_mut().push(referred_col.into());
            }
            _ => keys.push(ForeignKey {
                name: Some(kname.into()),
                columns: vec![Str::from(col)].into(),
                referred_table: referred.into(),
                referred_columns: vec![Str::from(referred_col)].into(),
                on_delete: action(on_delete.as_deref()),
                on_update: action(on_update.as_deref()),
            }),
        }
    }

    let rows = f
        .rows(
            &format!(
                "SELECT CAST(INDEX_NAME AS CHAR), CAST(NON_UNIQUE AS CHAR), CAST(COLUMN_NAME AS CHAR), \
                 CAST(COLLATION AS CHAR) \
                 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {lit} \
                 AND INDEX_NAME NOT IN (SELECT INDEX_NAME FROM information_schema.STATISTICS \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {lit} AND ({SPECIAL_INDEX_ROW})) \
                 ORDER BY INDEX_NAME, SEQ_IN_INDEX"
            ),
            4,
        )
        .await?;
    let mut indexes: Vec<Index> = Vec::new();
    for row in rows {
        let [Some(iname), non_unique, Some(col), collation] =
            <[Option<String>; 4]>::try_from(row).map_err(|_| bad(name))?
        else {
            return Err(bad(name));
        };
        let down = collation.as_deref() == Some("D");
        match indexes.last_mut() {
            Some(ix) if ix.name.as_deref() == Some(iname.as_str()) => {
                ix.columns.to_mut().push(col.into());
                ix.descending.to_mut().push(down);
            }
            _ => indexes.push(Index {
                name: Some(iname.into()),
                columns: vec![Str::from(col)].into(),
                unique: non_unique.as_deref() == Some("0"),
                predicate: None,
                descending: vec![down].into(),
                method: None,
                operator_classes: Vec::new().into(),
                include: Vec::new().into(),
                expressions: Vec::new().into(),
            }),
        }
    }
    for ix in &mut indexes {
        ix.descending = super::descending(ix.descending.iter().copied());
    }
    for ix in indexes {
        let iname = ix.name.clone().unwrap_or_default();
        if iname == PRIMARY {
            table.primary_key = Some(PrimaryKey {
                name: None,
                columns: ix.columns,
            });
        } else if ix.unique {
            table.unique_constraints.to_mut().push(UniqueConstraint {
                name: ix.name,
                columns: ix.columns,
            });
        } else if !keys
            .iter()
            .any(|k| k.name.as_deref() == Some(&*iname) && k.columns == ix.columns)
        {
            table.indexes.to_mut().push(ix);
        }
    }
    table.foreign_keys = keys.into();
    in_order(&mut table);
    let key = table
        .primary_key
        .as_ref()
        .filter(|pk| pk.columns.len() == 1)
        .map(|pk| pk.columns[0].clone());
    for c in table.columns.to_mut() {
        c.auto_increment &= key.as_ref() == Some(&c.name);
    }
    Ok(table)
}

/// Keys, indexes and constraints in the order of their names, as the
/// catalog gives them.
pub(crate) fn in_order(table: &mut Table) {
    table
        .unique_constraints
        .to_mut()
        .sort_by(|a, b| a.name.cmp(&b.name));
    table.indexes.to_mut().sort_by(|a, b| a.name.cmp(&b.name));
    table.foreign_keys.to_mut().sort_by(|a, b| a.name.cmp(&b.name));
    table.checks.to_mut().sort_by(|a, b| a.name.cmp(&b.name));
}

/// The checks of `table`: MariaDB's catalog names the table of a check,
/// MySQL's only through `TABLE_CONSTRAINTS`.
async fn checks(f: &mut impl Fetch, table: &str) -> Result<super::Rows, MigrateError> {
    let lit = D.literal(table);
    let mariadb = format!(
        "SELECT CAST(CONSTRAINT_NAME AS CHAR), CAST(CHECK_CLAUSE AS CHAR) FROM information_schema.CHECK_CONSTRAINTS \
         WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = {lit} ORDER BY 1"
    );
    match f.rows(&mariadb, 2).await {
        Ok(rows) => Ok(rows),
        Err(_) => {
            f.rows(
                &format!(
                    "SELECT CAST(c.CONSTRAINT_NAME AS CHAR), CAST(c.CHECK_CLAUSE AS CHAR) \
                     FROM information_schema.TABLE_CONSTRAINTS t JOIN information_schema.CHECK_CONSTRAINTS c \
                     ON c.CONSTRAINT_SCHEMA = t.CONSTRAINT_SCHEMA AND c.CONSTRAINT_NAME = t.CONSTRAINT_NAME \
                     WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME = {lit} AND t.CONSTRAINT_TYPE = 'CHECK' \
                     ORDER BY 1"
                ),
                2,
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_read_back_as_written() {
        for ty in [
            SqlType::SmallInt,
            SqlType::Integer,
            SqlType::BigInt,
            SqlType::Real,
            SqlType::Double,
            SqlType::Boolean,
            SqlType::Text,
            SqlType::Varchar(40),
            SqlType::Blob,
            SqlType::Numeric {
                precision: Some(12),
                scale: Some(2),
            },
            SqlType::Uuid,
            SqlType::Date,
            SqlType::Time,
            SqlType::Json,
        ] {
            assert_eq!(parse_type(&D.type_sql(&ty)), ty, "{ty:?}");
        }
        assert_eq!(parse_type("int(11)"), SqlType::Integer);
        assert_eq!(parse_type("tinyint(1)"), SqlType::Boolean);
        assert_eq!(parse_type("tinyint(4)"), SqlType::Custom("tinyint(4)".into()));
        let SqlType::Enum(e) = parse_type("enum('a','it''s','b\\\\c')") else {
            panic!("an enum");
        };
        let values: Vec<&str> = e.values.iter().map(|v| &*v.name).collect();
        assert_eq!(values, ["a", "it's", "b\\c"]);
    }

    #[test]
    fn defaults_and_checks_read_back_plain() {
        assert_eq!(plain_default("NULL"), None);
        assert_eq!(plain_default("0.00").as_deref(), Some("0"));
        assert_eq!(
            plain_default("current_timestamp(6)").as_deref(),
            Some("CURRENT_TIMESTAMP")
        );
        assert_eq!(plain_default("false").as_deref(), Some("0"));
        assert_eq!(plain_default("'x'").as_deref(), Some("'x'"));
        assert_eq!(plain_check("`c1` >= 0"), "c1 >= 0");
        assert_eq!(plain_check("`a b` > 1"), "\"a b\" > 1");
        assert_eq!(plain_check("\"c1\" in ('`x`','it''s')"), "c1 in ('`x`','it''s')");
        assert_eq!(plain_check("Y IS NOT NULL"), "y is not null");
    }
}
