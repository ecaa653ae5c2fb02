//! PostgreSQL's schema, from its catalogs: the tables of the current
//! schema (`current_schema()`) by their names, and those of every other
//! schema but the system's by their names after the schema's
//! (`billing.invoices`).

use super::{Fetch, column, parse_type};
use crate::inspect::Note;
use crate::runtime::dialect::literal;
use crate::runtime::error::MigrateError;
use crate::schema::{
    Action, Check, ForeignKey, Index, PrimaryKey, SqlType, Table, UniqueConstraint, View, naming,
};

/// The separator of the column lists the queries aggregate: a character no
/// sane name holds.
const SEP: char = '\u{1f}';

/// `pg_class.oid` of table `name`: in the current schema, or in the one
/// its name says (`billing.invoices`).
fn oid(name: &str) -> String {
    let (schema, table) = match naming::split(name) {
        (Some(schema), table) => (
            format!(
                "(SELECT n.oid FROM pg_namespace n WHERE n.nspname = {})",
                literal(schema)
            ),
            table,
        ),
        (None, table) => ("current_schema()::regnamespace".to_owned(), table),
    };
    format!(
        "(SELECT c.oid FROM pg_class c WHERE c.relname = {} AND c.relnamespace = {schema})",
        literal(table)
    )
}

/// The name of relation `c` as Ferro says it: after its schema's when that
/// is not the current one.
const NAME: &str = "CASE WHEN c.relnamespace = current_schema()::regnamespace THEN c.relname::text \
     ELSE (SELECT n.nspname::text FROM pg_namespace n WHERE n.oid = c.relnamespace) || '.' || c.relname::text END";

/// Relation `c` is in a schema of the database's users: not PostgreSQL's
/// own (`pg_catalog`, `information_schema`, `pg_toast`, temporary ones).
macro_rules! user_schema {
    () => {
        "c.relnamespace IN (SELECT n.oid FROM pg_namespace n \
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%')"
    };
}
const USER_SCHEMA: &str = user_schema!();

/// The names of the columns numbered by `array` (an `int2[]`) of relation `rel`.
fn names(array: &str, rel: &str) -> String {
    format!(
        "(SELECT string_agg(a.attname, chr(31) ORDER BY k.ord) FROM unnest({array}) WITH ORDINALITY k(n, ord) \
         JOIN pg_attribute a ON a.attrelid = {rel} AND a.attnum = k.n)"
    )
}

fn split(list: Option<String>) -> Vec<crate::schema::Str> {
    list.unwrap_or_default()
        .split(SEP)
        .filter(|s| !s.is_empty())
        .map(|s| s.to_owned().into())
        .collect()
}

fn action(code: Option<&str>) -> Action {
    match code {
        Some("r") => Action::Restrict,
        Some("c") => Action::Cascade,
        Some("n") => Action::SetNull,
        Some("d") => Action::SetDefault,
        _ => Action::NoAction,
    }
}

/// A default as PostgreSQL would write it back, without the casts it adds to
/// literals: `'draft'::text` is `'draft'`, `'-1'::integer` is `-1`.
pub(crate) fn plain_default(text: &str) -> String {
    let s = super::unwrap_parens(text);
    if !s.starts_with('\'') {
        return s.to_owned();
    }
    // The literal runs to its closing quote; what follows is `::type` casts.
    let bytes = s.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            if bytes.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            break;
        }
        i += 1;
    }
    let (literal, rest) = s.split_at((i + 1).min(s.len()));
    if !rest.is_empty() && !rest.starts_with("::") {
        return s.to_owned();
    }
    let inner = &literal[1..literal.len().saturating_sub(1)];
    let numeric = [
        "::integer",
        "::bigint",
        "::smallint",
        "::numeric",
        "::real",
        "::double precision",
    ]
    .iter()
    .any(|cast| rest.starts_with(cast));
    if numeric && inner.parse::<f64>().is_ok() {
        return inner.to_owned();
    }
    literal.to_owned()
}

/// A check's expression without what `pg_get_expr` adds: the outer
/// parentheses, parentheses around a lone name (`(y)::text`), and casts of
/// names and literals (`'MANUAL'::text` is `'MANUAL'`, `'-1'::integer` is
/// `-1`).
pub(crate) fn plain_check(text: &str) -> String {
    let s = super::unwrap_parens(text);
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // A literal, then perhaps a cast.
            let start = i;
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            let literal: String = chars[start..(i + 1).min(chars.len())].iter().collect();
            i += 1;
            let (cast, next) = cast_at(&chars, i);
            i = next;
            let inner = &literal[1..literal.len().saturating_sub(1)];
            let numeric = [
                "integer",
                "bigint",
                "smallint",
                "numeric",
                "real",
                "double precision",
            ];
            if numeric.contains(&cast.as_str()) && inner.parse::<f64>().is_ok() {
                out.push_str(inner);
            } else {
                out.push_str(&literal);
            }
            continue;
        }
        if c == '(' {
            // `(name)` alone in parentheses, as PostgreSQL writes a cast name.
            let end = chars[i + 1..].iter().position(|&c| c == ')').map(|p| i + 1 + p);
            if let Some(end) = end {
                let inner: String = chars[i + 1..end].iter().collect();
                if !inner.is_empty() && inner.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '"') {
                    let (cast, next) = cast_at(&chars, end + 1);
                    if !cast.is_empty() {
                        out.push_str(&inner);
                        i = next;
                        continue;
                    }
                }
            }
        }
        if c == ':' && chars.get(i + 1) == Some(&':') {
            let (_, next) = cast_at(&chars, i);
            i = next;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// The type name of a `::type` cast at `i`, and where it ends; empty when
/// there is none.
fn cast_at(chars: &[char], i: usize) -> (String, usize) {
    if chars.get(i) != Some(&':') || chars.get(i + 1) != Some(&':') {
        return (String::new(), i);
    }
    let mut j = i + 2;
    let mut name = String::new();
    loop {
        let start = j;
        while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_' || chars[j] == '"') {
            j += 1;
        }
        name.push_str(&chars[start..j].iter().collect::<String>());
        // Names of several words: `character varying`, `double precision`,
        // `timestamp without time zone`.
        let rest: String = chars[j..].iter().take(20).collect();
        let more = [" varying", " precision", " without", " with", " time", " zone"]
            .iter()
            .find(|w| rest.starts_with(**w));
        match more {
            Some(w) => {
                name.push_str(w);
                j += w.len();
            }
            None => break,
        }
    }
    // A modifier: `varying(20)`, `numeric(10,2)`.
    if chars.get(j) == Some(&'(')
        && let Some(end) = chars[j..].iter().position(|&c| c == ')')
    {
        j += end + 1;
    }
    (name, j)
}

/// Whether index `ix` (a `pg_index` row) is one a model cannot declare: on
/// expressions in an order or of an operator class of their own, a column whose `NULLS` order is not its
/// direction's default (`DESC` is `NULLS FIRST`), or a collation other than
/// its columns' own.
const SPECIAL_INDEX: &str = "(ix.indexprs IS NOT NULL AND (\
         EXISTS (SELECT 1 FROM unnest(ix.indoption::int2[]) o WHERE o <> 0) \
         OR EXISTS (SELECT 1 FROM unnest(ix.indclass::oid[]) cl JOIN pg_opclass oc ON oc.oid = cl \
                    WHERE NOT oc.opcdefault))) \
     OR EXISTS (SELECT 1 FROM unnest(ix.indoption::int2[]) o WHERE o NOT IN (0, 3)) \
     OR EXISTS (SELECT 1 FROM unnest(ix.indcollation::oid[], ix.indkey::int2[]) AS k(coll, n) \
                JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.n \
                WHERE k.coll <> 0 AND k.coll <> a.attcollation)";

/// Each key column's operator class, `SEP`-separated, empty where it is
/// its type's default; schema-qualified where it is neither in
/// `pg_catalog` nor in the current schema.
const OPERATOR_CLASSES: &str = "(SELECT string_agg(CASE WHEN oc.opcdefault THEN '' \
     WHEN oc.opcnamespace IN ('pg_catalog'::regnamespace, current_schema()::regnamespace) THEN oc.opcname::text \
     ELSE nc.nspname || '.' || oc.opcname END, chr(31) ORDER BY u.ord) \
     FROM unnest(ix.indclass::oid[]) WITH ORDINALITY u(cl, ord) JOIN pg_opclass oc ON oc.oid = u.cl \
     JOIN pg_namespace nc ON nc.oid = oc.opcnamespace)";

/// An index's key columns (`position` `<=`) or included columns (`>`),
/// `SEP`-separated.
fn index_columns(position: &str) -> String {
    format!(
        "(SELECT string_agg(a.attname, chr(31) ORDER BY k.ord) FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(n, ord) \
         JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.n WHERE k.ord {position} ix.indnkeyatts)"
    )
}

/// Every view and materialized view of the users' schemas: its name, and
/// whether it is materialized.
pub(crate) const VIEWS: &str = concat!(
    "SELECT CASE WHEN c.relnamespace = current_schema()::regnamespace THEN c.relname::text \
     ELSE (SELECT n.nspname::text FROM pg_namespace n WHERE n.oid = c.relnamespace) || '.' || c.relname::text END, \
     CAST(c.relkind = 'm' AS TEXT) FROM pg_class c WHERE ",
    user_schema!(),
    " AND c.relkind IN ('v', 'm') ORDER BY 1"
);

/// The tables, as [`tables`] reads them.
const TABLES: &str = concat!(user_schema!(), " AND c.relkind IN ('r', 'p')");

/// The views and materialized views, each with its query as PostgreSQL
/// prints it back.
pub(super) async fn views(f: &mut impl Fetch) -> Result<Vec<View>, MigrateError> {
    let rows = f
        .rows(
            &format!(
                "SELECT {NAME}, CAST(c.relkind = 'm' AS TEXT), pg_get_viewdef(c.oid) FROM pg_class c \
                 WHERE {USER_SCHEMA} AND c.relkind IN ('v', 'm') ORDER BY 1"
            ),
            3,
        )
        .await?;
    let mut out = Vec::new();
    for row in rows {
        let [Some(name), kind, Some(sql)] = <[Option<String>; 3]>::try_from(row).unwrap_or_default() else {
            continue;
        };
        let mut view = View::new(name, sql.trim().trim_end_matches(';').trim().to_owned());
        view.materialized = kind.as_deref() == Some("true");
        out.push(view);
    }
    Ok(out)
}

/// What the database holds that a model cannot declare: triggers, the indexes [`table`] leaves out, exclusion constraints, deferrable
/// constraints and sequences no column owns.
pub(super) async fn notes(f: &mut impl Fetch, version_table: &str) -> Result<Vec<Note>, MigrateError> {
    let not_version = format!(
        "({NAME}) NOT IN ({}, {})",
        literal(version_table),
        literal(&crate::runtime::lease::table_name(version_table))
    );
    let queries: [String; 5] = [
        format!(
            "SELECT {NAME}, 'trigger ' || t.tgname || ': ' || pg_get_triggerdef(t.oid) \
                 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
                 WHERE NOT t.tgisinternal AND {TABLES} AND {not_version} ORDER BY 1, t.tgname"
        ),
        format!(
            "SELECT {NAME}, 'index ' || i.relname || ': ' || pg_get_indexdef(ix.indexrelid) \
                 FROM pg_index ix JOIN pg_class c ON c.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid \
                 WHERE ({SPECIAL_INDEX}) AND {TABLES} AND {not_version} \
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid \
                 AND con.conrelid = ix.indrelid AND con.contype = 'x') ORDER BY 1, 2"
        ),
        format!(
            "SELECT {NAME}, CASE WHEN con.contype = 'x' THEN 'exclusion constraint ' \
                 ELSE 'deferrable constraint ' END || con.conname || ': ' || pg_get_constraintdef(con.oid) \
                 FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid \
                 WHERE (con.contype = 'x' OR con.condeferrable) AND {TABLES} AND {not_version} ORDER BY 1, 2"
        ),
        format!(
            "SELECT {NAME}, 'column ' || a.attname || ' takes its default from a sequence: ' \
             || pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
             JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
             WHERE pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%' AND a.attgenerated = '' \
             AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p' \
             AND k.conkey = ARRAY[a.attnum]) AND {TABLES} AND {not_version} ORDER BY 1, a.attnum"
        ),
        format!(
            "SELECT NULL, 'sequence ' || ({NAME}) || ', which no column owns' FROM pg_class c \
             WHERE {USER_SCHEMA} AND c.relkind = 'S' \
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')) \
             ORDER BY 2"
        ),
    ];
    let mut out = Vec::new();
    for sql in queries {
        for row in f.rows(&sql, 2).await? {
            if let [table, Some(text)] = <[Option<String>; 2]>::try_from(row).unwrap_or_default() {
                out.push(Note { table, text });
            }
        }
    }
    Ok(out)
}

/// Every table but the version table, in every schema of the users', or
/// in the current one and `schemas`.
pub(super) async fn tables(
    f: &mut impl Fetch,
    version_table: &str,
    schemas: Option<&std::collections::BTreeSet<&str>>,
) -> Result<Vec<Table>, MigrateError> {
    let mut rows = f
        .rows(
            &format!(
                "SELECT {NAME}, obj_description(c.oid, 'pg_class') FROM pg_class c WHERE {TABLES} ORDER BY 1"
            ),
            2,
        )
        .await?;
    if let Some(schemas) = schemas {
        rows.retain(|row| {
            let name = row.first().cloned().flatten().unwrap_or_default();
            naming::split(&name)
                .0
                .is_none_or(|schema| schemas.contains(schema))
        });
    }
    super::each_table(f, rows, version_table, async |f, name| table(f, name).await).await
}

async fn table(f: &mut impl Fetch, name: &str) -> Result<Table, MigrateError> {
    let rel = oid(name);
    let mut table = Table::new(name.to_owned());
    let rows = f
        .rows(
            &format!(
                "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull::text, \
                 CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END, a.attidentity::text, col_description(a.attrelid, a.attnum), \
                 t.typtype::text, t.typname::text, \
                 (SELECT string_agg(e.enumlabel, chr(31) ORDER BY e.enumsortorder) FROM pg_enum e \
                  WHERE e.enumtypid = t.oid), \
                 (SELECT co.collname::text FROM pg_collation co \
                  WHERE co.oid = a.attcollation AND a.attcollation <> t.typcollation), \
                 CASE WHEN a.attgenerated = 's' THEN pg_get_expr(d.adbin, d.adrelid) END \
                 FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
                 LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
                 WHERE a.attrelid = {rel} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
            ),
            11,
        )
        .await?;
    let mut columns = Vec::new();
    for row in rows {
        let [
            Some(cname),
            ty,
            notnull,
            default,
            identity,
            comment,
            typtype,
            typname,
            labels,
            collation,
            generated,
        ] = <[Option<String>; 11]>::try_from(row).map_err(|_| bad(name))?
        else {
            return Err(bad(name));
        };
        let ty = if typtype.as_deref() == Some("e") {
            SqlType::enumeration(typname.unwrap_or_default(), split(labels))
        } else {
            parse_type(ty.as_deref().unwrap_or(""))
        };
        let serial = default.as_deref().is_some_and(|d| d.starts_with("nextval("));
        let mut c = column(
            cname,
            ty,
            notnull.as_deref() != Some("true"),
            default.filter(|_| !serial).map(|d| plain_default(&d)),
        );
        c.auto_increment = serial || identity.is_some_and(|i| !i.is_empty());
        c.comment = comment.map(Into::into);
        c.collation = collation.map(Into::into);
        c.generated = generated.map(|expr| crate::schema::Generated {
            expr: plain_check(&expr).into(),
            stored: true,
        });
        columns.push(c);
    }
    table.columns = columns.into();

    let rows = f
        .rows(
            &format!(
                "SELECT con.conname::text, con.contype::text, {}, \
                 CASE WHEN r.relnamespace = current_schema()::regnamespace THEN r.relname::text \
                 ELSE (SELECT n.nspname::text FROM pg_namespace n WHERE n.oid = r.relnamespace) \
                 || '.' || r.relname::text END, {}, \
                 con.confdeltype::text, con.confupdtype::text, pg_get_expr(con.conbin, con.conrelid) \
                 FROM pg_constraint con LEFT JOIN pg_class r ON r.oid = con.confrelid \
                 WHERE con.conrelid = {rel} ORDER BY 1",
                names("con.conkey", "con.conrelid"),
                names("con.confkey", "con.confrelid")
            ),
            8,
        )
        .await?;
    for row in rows {
        let [
            Some(cname),
            Some(kind),
            cols,
            referred,
            referred_cols,
            on_delete,
            on_update,
            expr,
        ] = <[Option<String>; 8]>::try_from(row).map_err(|_| bad(name))?
        else {
            return Err(bad(name));
        };
        let columns = split(cols);
        match kind.as_str() {
            "p" => {
                table.primary_key = Some(PrimaryKey {
                    name: Some(cname.into()),
                    columns: columns.into(),
                })
            }
            "u" => table.unique_constraints.to_mut().push(UniqueConstraint {
                name: Some(cname.into()),
                columns: columns.into(),
            }),
            "f" => table.foreign_keys.to_mut().push(ForeignKey {
                name: Some(cname.into()),
                columns: columns.into(),
                referred_table: referred.unwrap_or_default().into(),
                referred_columns: split(referred_cols).into(),
                on_delete: action(on_delete.as_deref()),
                on_update: action(on_update.as_deref()),
            }),
            "c" => table.checks.to_mut().push(Check {
                name: cname.into(),
                expr: plain_check(&expr.unwrap_or_default()).into(),
            }),
            _ => {}
        }
    }
    // An identity or serial column is only auto-incrementing as the key.
    let key = table
        .primary_key
        .as_ref()
        .filter(|pk| pk.columns.len() == 1)
        .map(|pk| pk.columns[0].clone());
    for c in table.columns.to_mut() {
        c.auto_increment &= key.as_ref() == Some(&c.name);
    }

    let rows = f
        .rows(
            &format!(
                "SELECT i.relname::text, ix.indisunique::text, {keys}, pg_get_expr(ix.indpred, ix.indrelid), \
                 (SELECT string_agg(CASE WHEN (o & 1) = 1 THEN 'd' ELSE 'a' END, '' ORDER BY n) \
                 FROM unnest(ix.indoption::int2[]) WITH ORDINALITY u(o, n)), \
                 (SELECT am.amname::text FROM pg_am am WHERE am.oid = i.relam), {OPERATOR_CLASSES}, {included}, \
                 (SELECT string_agg(pg_get_indexdef(ix.indexrelid, k.ord::int, false), chr(31) ORDER BY k.ord) \
                  FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(n, ord) \
                  WHERE k.ord <= ix.indnkeyatts AND ix.indexprs IS NOT NULL) \
                 FROM pg_index ix \
                 JOIN pg_class i ON i.oid = ix.indexrelid WHERE ix.indrelid = {rel} AND NOT ({SPECIAL_INDEX}) \
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid \
                 AND con.conrelid = ix.indrelid AND con.contype IN ('p', 'u', 'x')) ORDER BY 1",
                keys = index_columns("<="),
                included = index_columns(">"),
            ),
            9,
        )
        .await?;
    for row in rows {
        let [
            Some(ix),
            unique,
            cols,
            predicate,
            order,
            method,
            classes,
            include,
            expressions,
        ] = <[Option<String>; 9]>::try_from(row).map_err(|_| bad(name))?
        else {
            continue;
        };
        let classes: Vec<Option<crate::schema::Str>> = match &classes {
            Some(list) if list.split(SEP).any(|c| !c.is_empty()) => list
                .split(SEP)
                .map(|c| (!c.is_empty()).then(|| c.to_owned().into()))
                .collect(),
            _ => Vec::new(),
        };
        // An index with an expression is read as expressions throughout (a
        // column among them as its name).
        let expressions: Vec<crate::schema::Str> =
            split(expressions).iter().map(|e| plain_check(e).into()).collect();
        let cols = if expressions.is_empty() {
            split(cols)
        } else {
            Vec::new()
        };
        table.indexes.to_mut().push(Index {
            name: Some(ix.into()),
            columns: cols.into(),
            unique: unique.as_deref() == Some("true"),
            predicate: predicate.map(|p| plain_check(&p).into()),
            descending: super::descending(order.unwrap_or_default().chars().map(|c| c == 'd')),
            method: method.filter(|m| m != "btree").map(Into::into),
            operator_classes: classes.into(),
            include: split(include).into(),
            expressions: expressions.into(),
        });
    }
    Ok(table)
}

fn bad(table: &str) -> MigrateError {
    MigrateError::Introspection(format!("cannot read table {table}: an unexpected catalog row"))
}

#[cfg(test)]
mod tests {
    use super::plain_default;

    #[test]
    fn checks_lose_what_postgres_adds() {
        use super::plain_check;
        assert_eq!(plain_check("((y)::text <> 'MANUAL'::text)"), "y <> 'MANUAL'");
        assert_eq!(plain_check("(z > '-1'::integer)"), "z > -1");
        assert_eq!(plain_check("(y IS NOT NULL)"), "y IS NOT NULL");
        assert_eq!(plain_check("(c1 >= 0)"), "c1 >= 0");
        assert_eq!(
            plain_check("((name)::character varying(20) = 'a'::character varying)"),
            "name = 'a'"
        );
    }

    #[test]
    fn defaults_lose_the_casts_postgres_adds() {
        assert_eq!(plain_default("'draft'::character varying"), "'draft'");
        assert_eq!(plain_default("'it''s'::text"), "'it''s'");
        assert_eq!(plain_default("'-1'::integer"), "-1");
        assert_eq!(plain_default("0"), "0");
        assert_eq!(plain_default("'0'::text"), "'0'");
        assert_eq!(plain_default("now()"), "now()");
        assert_eq!(plain_default("(price > (0)::numeric)"), "price > (0)::numeric");
        assert_eq!(plain_default("'{}'::jsonb"), "'{}'");
    }
}
