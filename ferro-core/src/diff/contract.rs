//! Expand now, contract later: the drops a safe plan holds back.
//!
//! During a rolling deploy the previous version of the application runs
//! against the schema a migration leaves. A table or a column the models no
//! longer have is still one that version reads and writes, so dropping it
//! with the migration that ships the new code breaks the old instances
//! until they are gone. A safe plan (`ferro_build::Builder::safe`) keeps
//! such a table or column instead: the migration written now *expands* (it
//! gives a kept NOT NULL column without a default a placeholder default,
//! so that the new code, which no longer writes it, can insert, and the
//! old code still reads a value), and the drop waits for a later
//! *contract* migration, written when the build is asked for it once no
//! running version needs what goes (`docs/zero-downtime.md`).

use std::collections::BTreeMap;

use super::{Change, diff};
use crate::schema::{Schema, SqlType, Str, Table};

/// The schema a safe plan migrates to now, and the drops it leaves for a
/// contract migration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expand {
    /// The models' schema with every held-back table and column in it.
    pub schema: Schema,
    /// The drops held back: [`Change::DropTable`] and [`Change::DropColumn`],
    /// with the definitions the database has now.
    pub held: Vec<Change>,
}

/// What `models` needs of `current` (the schema the database has now) when
/// the tables and columns the models dropped are kept for a later
/// contract migration.
///
/// A kept NOT NULL column without a default gets its type's
/// [`placeholder`] as default (NULL-able where the type has none: the
/// old code may then read a NULL, which squawk's `ban-drop-not-null`
/// warns of), and loses its auto-increment (the key it numbered is another now, and MySQL allows
/// one auto-increment column, which must be a key). A kept table keeps its
/// definition; its foreign keys follow a table renamed in the same change.
/// Where keeping something would not give a valid schema (a kept column's
/// enum type changed, say), nothing is held back and the drops are
/// planned as they are.
pub fn expand(current: &Schema, models: &Schema) -> Expand {
    let changes = diff(current, models).changes;
    let renamed: BTreeMap<&Str, &Str> = changes
        .iter()
        .filter_map(|c| match c {
            Change::RenameTable { from, to } => Some((from, to)),
            _ => None,
        })
        .collect();
    let mut tables: Vec<Table> = models.tables().to_vec();
    let mut held = Vec::new();
    for change in &changes {
        match change {
            Change::DropTable(table) => {
                let mut kept = table.clone();
                for key in kept.foreign_keys.to_mut() {
                    if let Some(to) = renamed.get(&key.referred_table) {
                        key.referred_table = (*to).clone();
                    }
                }
                tables.push(kept);
                held.push(change.clone());
            }
            Change::DropColumn { table, column } => {
                let Some(t) = tables.iter_mut().find(|t| t.name == *table) else {
                    continue;
                };
                let mut kept = column.clone();
                kept.renamed_from = None;
                kept.auto_increment = false;
                if !kept.nullable && kept.default.is_none() {
                    match placeholder(&kept.ty) {
                        Some(value) => kept.default = Some(value.into()),
                        None => kept.nullable = true,
                    }
                }
                t.columns.to_mut().push(kept);
                held.push(change.clone());
            }
            _ => {}
        }
    }
    if held.is_empty() {
        return Expand {
            schema: models.clone(),
            held,
        };
    }
    match Schema::new(tables) {
        Ok(schema) => Expand { schema, held },
        Err(_) => Expand {
            schema: models.clone(),
            held: Vec::new(),
        },
    }
}

/// A value of type `ty` that stands for "none given" (zero, false, the
/// empty text, the first value of an enum, the epoch), as SQL that every
/// backend takes as a default; `None` for a type Ferro does not know
/// (`SqlType::Custom`).
pub fn placeholder(ty: &SqlType) -> Option<String> {
    Some(match ty {
        t if t.is_integer() => "0".into(),
        SqlType::Real | SqlType::Double | SqlType::Numeric { .. } => "0".into(),
        SqlType::Boolean => "false".into(),
        SqlType::Uuid => "'00000000-0000-0000-0000-000000000000'".into(),
        SqlType::Timestamp { .. } => "CURRENT_TIMESTAMP".into(),
        SqlType::Date => "'1970-01-01'".into(),
        SqlType::Time => "'00:00:00'".into(),
        SqlType::Json => "'{}'".into(),
        SqlType::Enum(e) => e
            .values
            .first()
            .map_or("''".to_owned(), |v| format!("'{}'", v.name.replace('\'', "''"))),
        SqlType::Custom(_) => return None,
        _ => "''".into(),
    })
}

/// The held-back drop `change`, as a build's warning says it.
pub fn held_back(change: &Change) -> String {
    match change {
        Change::DropTable(table) => format!("drop table {}", table.name),
        Change::DropColumn { table, column } => format!("drop column {table}.{}", column.name),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, SqlType};

    fn table(name: &'static str, columns: Vec<Column>) -> Table {
        Table {
            columns: columns.into(),
            ..Table::new(name)
        }
    }

    fn schema(tables: Vec<Table>) -> Schema {
        Schema::new(tables).unwrap()
    }

    #[test]
    fn a_dropped_column_is_kept_with_a_placeholder_and_a_dropped_table_kept_whole() {
        let id = Column::new("id", SqlType::BigInt);
        let name = Column::new("name", SqlType::Text);
        let current = schema(vec![
            table("people", vec![id.clone(), name.clone()]),
            table("old", vec![id.clone()]),
        ]);
        let models = schema(vec![table("people", vec![id.clone()])]);
        let e = expand(&current, &models);
        assert_eq!(e.held.len(), 2, "{:?}", e.held);
        let people = e.schema.table("people").unwrap();
        let kept = people.column("name").unwrap();
        assert_eq!(
            (kept.nullable, kept.default.as_deref()),
            (false, Some("''")),
            "the new code inserts without it, the old code reads a value"
        );
        assert_eq!(e.schema.table("old"), current.table("old"));
        let now = diff(&current, &e.schema).changes;
        assert!(
            now.iter()
                .all(|c| !matches!(c, Change::DropTable(_) | Change::DropColumn { .. })),
            "{now:?}"
        );
        // Held back again by the next build: it writes nothing more.
        let again = expand(&e.schema, &models);
        assert!(diff(&e.schema, &again.schema).is_empty());
        assert_eq!(
            e.held.iter().map(held_back).collect::<Vec<_>>(),
            ["drop column people.name", "drop table old"]
        );
    }

    #[test]
    fn a_column_of_a_type_without_a_placeholder_becomes_null_able() {
        let id = Column::new("id", SqlType::BigInt);
        let shape = Column::new("shape", SqlType::custom("geometry"));
        let current = schema(vec![table("maps", vec![id.clone(), shape])]);
        let models = schema(vec![table("maps", vec![id])]);
        let e = expand(&current, &models);
        let kept = e.schema.table("maps").unwrap().column("shape").unwrap();
        assert!(kept.nullable && kept.default.is_none());
    }

    #[test]
    fn a_column_with_a_default_stays_as_it_is() {
        let id = Column::new("id", SqlType::BigInt);
        let state = Column::new("state", SqlType::Text).default("'new'");
        let current = schema(vec![table("orders", vec![id.clone(), state.clone()])]);
        let models = schema(vec![table("orders", vec![id])]);
        let e = expand(&current, &models);
        assert_eq!(e.schema, current);
    }

    #[test]
    fn nothing_dropped_nothing_held() {
        let id = Column::new("id", SqlType::BigInt);
        let current = schema(vec![table("a", vec![id.clone()])]);
        let models = schema(vec![
            table("a", vec![id]),
            table("b", vec![Column::new("id", SqlType::BigInt)]),
        ]);
        let e = expand(&current, &models);
        assert!(e.held.is_empty());
        assert_eq!(e.schema, models);
    }
}
