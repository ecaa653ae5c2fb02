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
//!
//! A column renamed with `renamed_from` is split the same way: the
//! migration written now adds the column under its new name and keeps the
//! old one (NULL-able, without a default), with a trigger that keeps the two
//! equal while both versions of the application write them
//! ([`Op::SyncColumns`]); the contract migration drops the trigger and the
//! old column ([`sync_renames`] writes both into the plans).
//!
//! A table renamed with `renamed_from` keeps its old name too, as a view
//! the old code reads and writes through ([`Table::alias`],
//! [`Op::AliasTable`]), until the contract migration drops the view.

use std::collections::BTreeMap;

use super::{Change, diff};
use crate::migration::Op;
use crate::plan::Plans;
use crate::schema::{Column, Schema, SqlType, Str, Table};

/// The schema a safe plan migrates to now, and the drops it leaves for a
/// contract migration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expand {
    /// The models' schema with every held-back table and column in it.
    pub schema: Schema,
    /// The drops held back: [`Change::DropTable`] and [`Change::DropColumn`],
    /// with the definitions the database has now.
    pub held: Vec<Change>,
    /// The renamed columns split: (table, old name, new name).
    pub renamed: Vec<(Str, Str, Str)>,
}

impl Expand {
    /// What is held back, as a build's warnings say it.
    pub fn held_back(&self) -> Vec<String> {
        self.held
            .iter()
            .map(|change| {
                let renamed = match change {
                    Change::DropColumn { table, column } => self
                        .renamed
                        .iter()
                        .find(|(t, old, _)| t == table && *old == column.name)
                        .map(|(_, _, new)| format!(", renamed to {new}")),
                    _ => None,
                };
                held_back(change) + &renamed.unwrap_or_default()
            })
            .collect()
    }
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
    let tables_renamed: BTreeMap<&Str, &Str> = changes
        .iter()
        .filter_map(|c| match c {
            Change::RenameTable { from, to } => Some((from, to)),
            _ => None,
        })
        .collect();
    let mut tables: Vec<Table> = models.tables().to_vec();
    let mut held = Vec::new();
    let mut renamed = Vec::new();
    for change in &changes {
        match change {
            Change::RenameTable { from, to } => {
                let Some(t) = tables.iter_mut().find(|t| t.name == *to) else {
                    continue;
                };
                t.alias = Some(from.clone());
                held.push(Change::DropTableAlias {
                    table: to.clone(),
                    alias: from.clone(),
                });
            }
            // The view of an earlier split, which the models never have.
            // It goes now where the table is renamed again (the new old
            // name replaces it) or the models name a new table after it;
            // a dropped table is kept whole, its view with it.
            Change::DropTableAlias { table, alias } => {
                let gone = tables_renamed.contains_key(table)
                    || models.table(alias).is_some()
                    || models.table(table).is_none();
                let Some(t) = tables.iter_mut().find(|t| t.name == *table).filter(|_| !gone) else {
                    continue;
                };
                t.alias = Some(alias.clone());
                held.push(change.clone());
            }
            Change::RenameColumn { table, from, to } => {
                let Some(was) = current.table(table).and_then(|t| t.column(from)) else {
                    continue;
                };
                if !splits(current, table, was) {
                    continue;
                }
                let Some(t) = tables.iter_mut().find(|t| t.name == *table) else {
                    continue;
                };
                t.columns.to_mut().push(kept_for_rename(was));
                held.push(Change::DropColumn {
                    table: table.clone(),
                    column: was.clone(),
                });
                renamed.push((table.clone(), from.clone(), to.clone()));
            }
            Change::DropTable(table) => {
                let mut kept = table.clone();
                for key in kept.foreign_keys.to_mut() {
                    if let Some(to) = tables_renamed.get(&key.referred_table) {
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
                // The old name of a rename split by an earlier migration.
                if let Some(new) = renamed_to(models, table, &column.name)
                    && current.table(table).is_some_and(|t| t.column(&new).is_some())
                {
                    t.columns.to_mut().push(kept_for_rename(column));
                    held.push(change.clone());
                    renamed.push((table.clone(), column.name.clone(), new));
                    continue;
                }
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
            renamed,
        };
    }
    match Schema::with_views(tables, models.views().to_vec()) {
        Ok(schema) => Expand {
            schema,
            held,
            renamed,
        },
        Err(_) => Expand {
            schema: models.clone(),
            held: Vec::new(),
            renamed: Vec::new(),
        },
    }
}

/// Whether a rename of `column` of `table` is split: a plain column, not
/// a key's and not one a foreign key refers to, whose move the trigger
/// can follow. Others are renamed in place, and `lint` says so (F203).
fn splits(current: &Schema, table: &str, column: &Column) -> bool {
    let t = current.table(table).expect("the column's table");
    let in_key = t
        .primary_key
        .as_ref()
        .is_some_and(|k| k.columns.contains(&column.name));
    let referred = current.tables().iter().any(|other| {
        other
            .foreign_keys
            .iter()
            .any(|k| k.referred_table == *table && k.referred_columns.contains(&column.name))
    });
    !in_key && !referred && !column.auto_increment
}

/// A renamed column's old self, kept while the trigger keeps it equal to
/// the new: NULL-able and without a default, so that an insert that leaves
/// it out (the new code's) gets the new column's value.
fn kept_for_rename(column: &Column) -> Column {
    let mut kept = column.clone();
    kept.renamed_from = None;
    kept.nullable = true;
    kept.default = None;
    kept
}

/// The name of the column of `table` in `models` renamed from `old`.
fn renamed_to(models: &Schema, table: &str, old: &str) -> Option<Str> {
    let t = models.table(table)?;
    t.columns
        .iter()
        .find(|c| c.renamed_from.as_deref() == Some(old) && t.column(old).is_none())
        .map(|c| c.name.clone())
}

/// Writes the split of each renamed column into the plans of the
/// migration from `from` to `to`, where `models` (with their
/// `renamed_from`) say what was renamed:
///
/// - the migration that splits it (the old column in both schemas, the new
///   one only in `to`): the new column added NULL-able, the trigger and the
///   copy ([`Op::SyncColumns`]), then the column made as the model has it;
///   down, the old column given the values new rows hold, the trigger
///   dropped, then the plan's steps;
/// - the contract (both in `from`, only the new one in `to`): the trigger
///   dropped before the old column; down, the trigger and the copy again
///   once the old column is back.
pub fn sync_renames(from: &Schema, to: &Schema, models: &Schema, plans: &mut Plans) {
    for t in models.tables() {
        for column in t.columns.iter() {
            let Some(old_name) = column.renamed_from.clone() else {
                continue;
            };
            let new_name = column.name.clone();
            let (old, new) = (old_name.as_ref(), new_name.as_ref());
            let has = |s: &Schema, c: &str| s.table(&t.name).is_some_and(|t| t.column(c).is_some());
            let table = t.name.clone();
            let sync = Op::SyncColumns {
                table: table.clone(),
                old: old_name.clone(),
                new: new_name.clone(),
            };
            let unsync = Op::UnsyncColumns {
                table: table.clone(),
                old: old_name.clone(),
                new: new_name.clone(),
            };
            if has(from, old) && !has(from, new) && has(to, old) && has(to, new) {
                let target = to
                    .table(&t.name)
                    .and_then(|t| t.column(new))
                    .expect("the new column")
                    .clone();
                split(&mut plans.upgrade.steps, &table, &target, sync);
                let steps = &mut plans.downgrade.steps;
                steps.retain(|op| !is_unwritten_fill(op, &table, old));
                steps.insert(0, unsync);
            } else if has(from, old) && has(from, new) && !has(to, old) && has(to, new) {
                plans.upgrade.steps.insert(0, unsync);
                let steps = &mut plans.downgrade.steps;
                let at = steps
                    .iter()
                    .position(|op| matches!(op, Op::AddColumn { table: t, column } if *t == table && column.name == old))
                    .map_or(steps.len(), |i| i + 1);
                steps.insert(at, sync);
            }
        }
    }
}

/// The upgrade's steps for the new column `target` of a split rename: the
/// column added NULL-able and plain where the plan adds it, the sync, then
/// the change to what the model says; the plan's own fill and change of it
/// go.
fn split(steps: &mut Vec<Op>, table: &Str, target: &Column, sync: Op) {
    let on_new = |op: &Op| match op {
        Op::AddColumn { table: t, column } => t == table && column.name == target.name,
        Op::AlterColumn { table: t, to, .. } => t == table && to.name == target.name,
        Op::FillNulls { table: t, column, .. } => t == table && *column == target.name,
        _ => false,
    };
    let Some(at) = steps.iter().position(on_new) else {
        return;
    };
    steps.retain(|op| !on_new(op));
    let mut plain = target.clone();
    plain.renamed_from = None;
    plain.nullable = true;
    plain.default = None;
    plain.auto_increment = false;
    let mut made = vec![
        Op::AddColumn {
            table: table.clone(),
            column: plain.clone(),
        },
        sync,
    ];
    let mut to = target.clone();
    to.renamed_from = None;
    if to != plain {
        made.push(Op::AlterColumn {
            table: table.clone(),
            from: plain,
            to,
        });
    }
    steps.splice(at..at, made);
}

fn is_unwritten_fill(op: &Op, table: &str, column: &str) -> bool {
    matches!(op, Op::FillNulls { table: t, column: c, value: None } if t == table && c == column)
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
        Change::DropTableAlias { table, alias } => {
            format!("drop view {alias}, the old name of table {table}")
        }
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

    /// What the expand migration holds back leaves the models' views be.
    #[test]
    fn the_views_stay_while_a_drop_is_held_back() {
        use crate::schema::View;
        let id = Column::new("id", SqlType::BigInt);
        let name = Column::new("name", SqlType::Text);
        let ids = [View::new("people_ids", "SELECT id FROM people")];
        let current = Schema::with_views([table("people", vec![id.clone(), name])], ids.clone()).unwrap();
        let models = Schema::with_views([table("people", vec![id])], ids).unwrap();
        let e = expand(&current, &models);
        assert_eq!(e.held_back(), ["drop column people.name"]);
        assert_eq!(e.schema.views(), models.views());
        let now = diff(&current, &e.schema).changes;
        assert!(now.iter().all(|c| !matches!(c, Change::DropView(_))), "{now:?}");
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
    fn a_renamed_column_is_split_unless_a_key_holds_it() {
        use crate::schema::PrimaryKey;
        let keyed = |id: &'static str, name: Column| Table {
            columns: vec![Column::new(id, SqlType::BigInt), name].into(),
            primary_key: Some(PrimaryKey::new("pk_people", [id])),
            ..Table::new("people")
        };
        let name = Column::new("name", SqlType::Text).default("'x'");
        let mut full = Column::new("full_name", SqlType::Text);
        full.renamed_from = Some("name".into());
        let current = schema(vec![keyed("id", name)]);
        let models = schema(vec![keyed("id", full)]);
        let e = expand(&current, &models);
        assert_eq!(e.held_back(), ["drop column people.name, renamed to full_name"]);
        let kept = e.schema.table("people").unwrap().column("name").unwrap();
        assert!(kept.nullable && kept.default.is_none(), "{kept:?}");
        // The next build holds it back the same way, and writes nothing.
        let again = expand(&e.schema, &models);
        assert_eq!(again.schema, e.schema);
        assert_eq!(again.renamed, e.renamed);

        let mut key = Column::new("key", SqlType::BigInt);
        key.renamed_from = Some("id".into());
        let renamed_key = schema(vec![Table {
            columns: vec![key, Column::new("name", SqlType::Text)].into(),
            primary_key: Some(PrimaryKey::new("pk_people", ["key"])),
            ..Table::new("people")
        }]);
        let current = schema(vec![keyed("id", Column::new("name", SqlType::Text))]);
        assert!(
            expand(&current, &renamed_key).held.is_empty(),
            "a key's column is renamed in place"
        );
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

    /// The plans between two schemas, checked by applying each direction
    /// to the other side: the ops leave exactly the schema they lead to,
    /// view included.
    fn plans(from: &Schema, to: &Schema) -> crate::plan::Plans {
        use crate::migration::State;
        let plans = crate::plan::between(from, to);
        for (start, steps, end) in [
            (from, &plans.upgrade.steps, to),
            (to, &plans.downgrade.steps, from),
        ] {
            let mut state = State {
                tables: start.without_hints().into_tables(),
                ..Default::default()
            };
            for op in steps {
                state.apply(op).unwrap_or_else(|e| panic!("{e}: {steps:?}"));
            }
            state.tables.sort_by(|a, b| a.name.cmp(&b.name));
            assert_eq!(state.tables, end.without_hints().into_tables(), "{steps:?}");
        }
        plans
    }

    /// The upgrade's steps from `from` to `to`, as they read.
    fn upgrade_words(from: &Schema, to: &Schema) -> Vec<String> {
        plans(from, to)
            .upgrade
            .steps
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn people(name: &'static str, renamed_from: Option<&'static str>, ty: SqlType) -> Schema {
        use crate::schema::{ForeignKey, PrimaryKey};
        let mut t = Table {
            columns: vec![Column::new("id", SqlType::BigInt), Column::new("name", ty)].into(),
            primary_key: Some(PrimaryKey::new("pk_people", ["id"])),
            ..Table::new(name)
        };
        t.renamed_from = renamed_from.map(Into::into);
        let posts = Table {
            columns: vec![
                Column::new("id", SqlType::BigInt),
                Column::new("by", SqlType::BigInt),
            ]
            .into(),
            foreign_keys: vec![ForeignKey::new("fk_posts_by", ["by"], name, ["id"])].into(),
            ..Table::new("posts")
        };
        schema(vec![t, posts])
    }

    #[test]
    fn a_renamed_table_keeps_its_old_name_as_a_view_until_the_contract() {
        let current = people("people", None, SqlType::Text);
        let models = people("users", Some("people"), SqlType::Text);
        let e = expand(&current, &models);
        assert_eq!(e.held_back(), ["drop view people, the old name of table users"]);
        assert_eq!(e.schema.table("users").unwrap().alias.as_deref(), Some("people"));
        let expand_plans = plans(&current, &e.schema);
        let alias = Op::AliasTable {
            table: "users".into(),
            alias: "people".into(),
        };
        let unalias = Op::UnaliasTable {
            table: "users".into(),
            alias: "people".into(),
        };
        assert_eq!(expand_plans.upgrade.steps.last(), Some(&alias), "made last");
        assert_eq!(
            expand_plans.downgrade.steps.first(),
            Some(&unalias),
            "dropped first"
        );
        // Every later build keeps it.
        let again = expand(&e.schema, &models);
        assert_eq!(again.schema, e.schema);
        assert_eq!(again.held_back(), e.held_back());
        // The contract drops it, and only it.
        let contract = plans(&e.schema, &models);
        assert_eq!(contract.upgrade.steps, [unalias]);
        assert_eq!(contract.downgrade.steps, [alias]);
    }

    #[test]
    fn the_view_is_made_again_around_what_it_would_stop() {
        let current = people("people", None, SqlType::Varchar(10));
        let e = expand(&current, &people("users", Some("people"), SqlType::Varchar(10)));
        let wider = expand(&e.schema, &people("users", Some("people"), SqlType::Varchar(20)));
        let steps = upgrade_words(&e.schema, &wider.schema);
        assert_eq!(
            steps,
            [
                "drop view people, the old name of table users",
                "alter column users.name (type VARCHAR(10) to VARCHAR(20))",
                "keep table users also as view people",
            ]
        );
        // Renamed again: the newer old name replaces the view.
        let again = expand(&e.schema, &people("members", Some("users"), SqlType::Varchar(10)));
        assert_eq!(
            again.held_back(),
            ["drop view users, the old name of table members"]
        );
        let steps = upgrade_words(&e.schema, &again.schema);
        assert_eq!(
            steps.first().unwrap(),
            "drop view people, the old name of table users"
        );
        assert_eq!(steps.last().unwrap(), "keep table members also as view users");
    }

    #[test]
    fn a_new_table_under_the_old_name_ends_the_view() {
        let current = people("people", None, SqlType::Text);
        let e = expand(&current, &people("users", Some("people"), SqlType::Text));
        let mut tables = people("users", None, SqlType::Text).into_tables();
        tables.push(table("people", vec![Column::new("id", SqlType::BigInt)]));
        let models = schema(tables);
        let next = expand(&e.schema, &models);
        assert!(next.held.is_empty(), "{:?}", next.held_back());
        let steps = plans(&e.schema, &next.schema).upgrade.steps;
        assert!(
            matches!(&steps[0], Op::UnaliasTable { alias, .. } if alias == "people"),
            "{steps:?}"
        );
        assert!(
            steps
                .iter()
                .any(|op| matches!(op, Op::CreateTable(t) if t.name == "people"))
        );
        // And a schema that holds both is refused.
        let mut clash = next.schema.into_tables();
        clash.iter_mut().find(|t| t.name == "users").unwrap().alias = Some("people".into());
        assert!(Schema::new(clash).is_err());
    }
}
