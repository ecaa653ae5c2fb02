//! Views resolved against the tables: what each one reads, checked, and the
//! order they are made in.
//!
//! What a view reads decides when a migration makes it again: before a
//! change to a table it reads, PostgreSQL refuses to drop or retype a column
//! a view uses, and every database keeps the columns of a `SELECT *` as
//! they were when the view was made. So the reads are found in the SQL
//! itself, by name, rather than trusted to a list kept by hand: a name
//! found that is not really read (a column called as a table is) only makes
//! the view again when it need not be, while a read left out would let a
//! migration fail or leave the view stale. A descriptor's `reads` adds what
//! the SQL reaches otherwise (through a function, say).

use std::collections::{BTreeMap, BTreeSet};

use super::resolve::check_table_name;
use super::{SchemaError, Str, Table, View};

/// The views with their `reads` completed and sorted, checked, sorted by
/// name.
pub(super) fn resolve(tables: &[Table], mut views: Vec<View>) -> Result<Vec<View>, SchemaError> {
    // Every build script resolves its models' schema: without views, it
    // does not collect the tables' names for nothing.
    if views.is_empty() {
        return Ok(views);
    }
    views.sort_by(|a, b| a.name.cmp(&b.name));
    let mut known: BTreeSet<&str> = BTreeSet::new();
    for t in tables {
        known.insert(&t.name);
        if let Some(alias) = &t.alias {
            known.insert(alias);
        }
    }
    for (i, view) in views.iter().enumerate() {
        check_table_name(&view.name)?;
        if known.contains(view.name.as_ref()) || (i > 0 && views[i - 1].name == view.name) {
            return Err(SchemaError::DuplicateTable(view.name.to_string()));
        }
    }
    let names: BTreeSet<String> = known
        .iter()
        .map(|n| (*n).to_owned())
        .chain(views.iter().map(|v| v.name.to_string()))
        .collect();
    let resolved: Vec<View> = views
        .iter()
        .map(|view| {
            let mut reads: BTreeSet<String> = BTreeSet::new();
            for name in view.reads.iter() {
                if !names.contains(name.as_ref()) {
                    return Err(SchemaError::UnknownRead {
                        view: view.name.to_string(),
                        name: name.to_string(),
                    });
                }
                reads.insert(name.to_string());
            }
            reads.extend(
                named_in(&view.sql)
                    .into_iter()
                    .filter(|n| names.contains(n) && *n != view.name),
            );
            Ok(View {
                reads: reads.into_iter().map(Str::from).collect::<Vec<_>>().into(),
                ..view.clone()
            })
        })
        .collect::<Result<_, _>>()?;
    order(&resolved)?;
    Ok(resolved)
}

/// The views in an order that makes each after the views it reads; an
/// error when some read each other round in a circle.
pub(crate) fn order(views: &[View]) -> Result<Vec<&View>, SchemaError> {
    let by_name: BTreeMap<&str, &View> = views.iter().map(|v| (v.name.as_ref(), v)).collect();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::with_capacity(views.len());
    // Depth first, each view after what it reads; `path` holds the views
    // being made, to find a circle.
    fn visit<'a>(
        view: &'a View,
        by_name: &BTreeMap<&str, &'a View>,
        done: &mut BTreeSet<&'a str>,
        path: &mut Vec<&'a str>,
        out: &mut Vec<&'a View>,
    ) -> Result<(), SchemaError> {
        if done.contains(view.name.as_ref()) {
            return Ok(());
        }
        if path.contains(&view.name.as_ref()) {
            return Err(SchemaError::ViewCycle(view.name.to_string()));
        }
        path.push(&view.name);
        for read in view.reads.iter() {
            if let Some(other) = by_name.get(read.as_ref()) {
                visit(other, by_name, done, path, out)?;
            }
        }
        path.pop();
        done.insert(&view.name);
        out.push(view);
        Ok(())
    }
    for view in views {
        visit(view, &by_name, &mut done, &mut Vec::new(), &mut out)?;
    }
    Ok(out)
}

/// The names `sql` may read a relation by: each identifier (a quoted one as
/// it is, another in lower case, as PostgreSQL folds it), and each dotted
/// chain of them whole (`billing.invoices`). String literals are skipped.
fn named_in(sql: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut chain: Vec<String> = Vec::new();
    let mut dot = false;
    let chars: Vec<char> = sql.chars().collect();
    let mut i = 0;
    let end_chain = |chain: &mut Vec<String>, out: &mut BTreeSet<String>| {
        if !chain.is_empty() {
            out.insert(chain.join("."));
            out.extend(chain.drain(..));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // A literal, `''` inside it a quote.
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' && chars.get(i + 1) != Some(&'\'') {
                    break;
                }
                i += if chars[i] == '\'' { 2 } else { 1 };
            }
            i += 1;
            end_chain(&mut chain, &mut out);
            dot = false;
            continue;
        }
        let word = if c == '"' || c == '`' {
            let close = c;
            let start = i + 1;
            i = start;
            while i < chars.len() && chars[i] != close {
                i += 1;
            }
            let word: String = chars[start..i.min(chars.len())].iter().collect();
            i += 1;
            Some(word)
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$') {
                i += 1;
            }
            Some(chars[start..i].iter().collect::<String>().to_lowercase())
        } else {
            None
        };
        match word {
            Some(word) => {
                if !dot {
                    end_chain(&mut chain, &mut out);
                }
                chain.push(word);
                dot = false;
            }
            None => {
                if c == '.' && !chain.is_empty() && !dot {
                    dot = true;
                } else if !c.is_whitespace() || dot {
                    end_chain(&mut chain, &mut out);
                    dot = false;
                }
                i += 1;
            }
        }
    }
    end_chain(&mut chain, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, SqlType};

    fn table(name: &str) -> Table {
        let mut t = Table::new(name.to_owned());
        t.columns = vec![Column::new("id", SqlType::BigInt)].into();
        t
    }

    fn view(name: &str, sql: &str) -> View {
        View::new(name.to_owned(), sql.to_owned())
    }

    #[test]
    fn names_are_read_from_the_sql_outside_literals() {
        let names =
            named_in("SELECT o.id, \"Total\" FROM billing.orders o WHERE note <> 'users' AND x = 'it''s'");
        for name in [
            "billing.orders",
            "billing",
            "orders",
            "o.id",
            "o",
            "id",
            "Total",
            "note",
            "x",
        ] {
            assert!(names.contains(name), "{name}: {names:?}");
        }
        assert!(!names.contains("users"), "a literal is no name");
        assert!(!names.contains("it"));
    }

    #[test]
    fn reads_are_what_the_sql_names_and_views_come_after_them() {
        let tables = [table("orders"), table("users"), table("billing.invoices")];
        let views = resolve(
            &tables,
            vec![
                view("big", "SELECT * FROM paid WHERE total > 100"),
                view(
                    "paid",
                    "SELECT * FROM Orders JOIN billing.invoices i ON i.id = orders.id",
                ),
            ],
        )
        .unwrap();
        assert_eq!(views[0].name, "big");
        assert_eq!(views[0].reads.as_ref(), ["paid"]);
        assert_eq!(views[1].reads.as_ref(), ["billing.invoices", "orders"]);
        let made: Vec<&str> = order(&views).unwrap().iter().map(|v| v.name.as_ref()).collect();
        assert_eq!(made, ["paid", "big"]);
    }

    #[test]
    fn unknown_reads_circles_and_clashes_are_refused() {
        let tables = [table("orders")];
        let unknown = resolve(&tables, vec![view("v", "SELECT 1").reads(["nowhere"])]);
        assert!(
            matches!(unknown, Err(SchemaError::UnknownRead { .. })),
            "{unknown:?}"
        );
        let circle = resolve(
            &tables,
            vec![view("a", "SELECT * FROM b"), view("b", "SELECT * FROM a")],
        );
        assert!(matches!(circle, Err(SchemaError::ViewCycle(_))), "{circle:?}");
        let clash = resolve(&tables, vec![view("orders", "SELECT 1")]);
        assert!(matches!(clash, Err(SchemaError::DuplicateTable(_))), "{clash:?}");
    }
}
