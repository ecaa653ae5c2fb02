//! Histories of several versions on real databases, with rows present: a
//! random model history of 3 to 6 versions, each version's migration made by
//! the path the build takes (diff → plan → the operations the generated file
//! records), applied one version at a time up to the newest, then down to
//! the empty database one at a time, then up again. After every step the
//! schema read back must be the version's, every row and value the two
//! versions both keep must be intact (a NULL may only have become a value,
//! where a column became NOT NULL), and on SQLite `PRAGMA foreign_key_check`
//! and `PRAGMA integrity_check` must find nothing.
//!
//! A history is made of mutations of a model, drawn from a tape of random
//! bytes (proptest shrinks the tape toward zeros, which here means fewer
//! and plainer mutations): tables and columns added, dropped and renamed —
//! including tables that foreign keys and many-to-many join tables refer to,
//! self-referencing ones, and primary-key columns others refer to — a table
//! dropped and later made again under its old name, many-to-many relations
//! added and removed, NULL to NOT NULL with and without a default (the fill
//! a step asks for is written, as a developer would, before it runs),
//! narrowing and widening types, enum values added, removed and reordered,
//! indexes and unique keys over columns that are renamed later, checks.
//!
//! What the generator leaves out, and why the tool need not handle it:
//! - a unique key over a column with a default: every existing row would get
//!   the same value, which no database (and no tool) can make unique; the
//!   fills the test writes for unique columns differ per row, as the
//!   developer's must. Nor a default on a column that was unique in an
//!   earlier version: the fill gives the rows one value, and the downgrade
//!   back to that version cannot make the key hold over them. It fails, as
//!   it must, rolled back (or, on MySQL, stopped where it can resume), and
//!   the file's header names the step among those that fail on rows that
//!   do not fit; found by the safe-plan histories' first run;
//! - a foreign-key column that is NOT NULL: the fill would have to name an
//!   existing row of the referred table, which only the developer knows;
//!   such columns stay NULL-able;
//! - a rename onto a name that is still in use in the same version: the diff
//!   matches names first, so that is a change of the table of that name
//!   (documented in the workflow guide); names here are always fresh;
//! - a check over a foreign-key column: MySQL and MariaDB refuse one over a
//!   column whose key has an ON DELETE action, and say so when it is added;
//! - enum value renames: covered by the round trips and conformance
//!   fixtures; here the rows hold the value every version keeps.
//!
//! 256 histories per backend in the normal run; `PROPTEST_CASES=N` runs N.
//! A failure prints its tape as hex; `FERRO_HISTORY=<hex>` runs that one
//! history again.
//!
//! The same histories run again as safe plans write them
//! (`Builder::safe(true)`, the `*_safe_histories` tests): every step on a
//! table that exists before its migration in its online form (indexes and
//! keys built concurrently, keys and checks validated apart, NOT NULL
//! through a validated check, fills in batches), and a NOT NULL split from a
//! new default. A quarter as many (64; `PROPTEST_CASES=N` runs N / 4). A
//! renamed table keeps its old name as a view for as long as a build would
//! keep it, so that the later random changes to the table (its columns
//! dropped, renamed, retyped, the table renamed again) run under the view,
//! and after every migration, up or down, each view shows its table's rows
//! (on PostgreSQL and MariaDB). The drops a safe plan holds back for a
//! contract migration are planned as they are here: the world a version
//! reads has no kept columns; `runtime.rs::*_expand_now_contract_later` runs
//! the split.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use ferro::migration::Op;
use ferro::migration::prelude::*;
use ferro::runtime::{Database, Dialect, Migrator, Target};
use ferro::schema::{JoinSide, ManyToMany, Schema, Table};
use ferro_tests::chain;
use ferro_tests::families::{FAMILIES, Family, Tape, enum_type, member};
use ferro_tests::pair::read_back;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sqlx::{AnyConnection, Connection as _, Row as _};

/// Rows inserted into every table after each upgrade.
const ROWS: i64 = 3;

/// A column of the model, known by `id` across versions.
#[derive(Clone, Debug)]
struct Col {
    id: usize,
    name: String,
    renamed_from: Option<String>,
    family: Family,
    ty: SqlType,
    nullable: bool,
    default: Option<&'static str>,
    /// `Some(unique)`: an index over the column.
    index: Option<bool>,
    unique: bool,
    /// Unique, or under a unique index, in some version so far.
    was_unique: bool,
    check: bool,
    /// A foreign key to the table of this id, with its on-delete action.
    refers: Option<(usize, Action)>,
}

/// A table of the model, known by `id` across versions.
#[derive(Clone, Debug)]
struct Tab {
    id: usize,
    name: String,
    renamed_from: Option<String>,
    /// The primary key's column name (renamable) and its old name.
    pk: String,
    pk_renamed_from: Option<String>,
    columns: Vec<Col>,
    /// Many-to-many relations to the tables of these ids.
    m2m: Vec<usize>,
}

/// The model as it is at one version.
#[derive(Clone, Debug, Default)]
struct World {
    tables: Vec<Tab>,
    mood: Vec<&'static str>,
    next: usize,
    /// Names of tables dropped in earlier versions, to make again.
    dropped: Vec<String>,
}

impl World {
    fn fresh(&mut self) -> usize {
        self.next += 1;
        self.next
    }

    fn table(&self, id: usize) -> Option<&Tab> {
        self.tables.iter().find(|t| t.id == id)
    }

    fn clear_hints(&mut self) {
        for t in &mut self.tables {
            t.renamed_from = None;
            t.pk_renamed_from = None;
            for c in &mut t.columns {
                c.renamed_from = None;
            }
        }
    }
}

fn default_for(ty: &SqlType) -> &'static str {
    match ty {
        t if t.is_integer() => "0",
        SqlType::Text | SqlType::Varchar(_) => "'0'",
        SqlType::Boolean => "false",
        SqlType::Numeric { .. } | SqlType::Real | SqlType::Double => "0",
        SqlType::Json => "'{}'",
        SqlType::Date => "'2024-01-01'",
        SqlType::Timestamp { .. } => "CURRENT_TIMESTAMP",
        SqlType::Uuid => "'00000000-0000-0000-0000-000000000000'",
        _ => "'a'",
    }
}

/// Whether an index over a column of `family` is possible everywhere, and
/// tells rows apart (MySQL indexes no JSON).
fn indexable(family: Family, d: Dialect) -> bool {
    match family {
        Family::Boolean | Family::Enum => false,
        Family::Json => d != Dialect::MySql,
        _ => true,
    }
}

/// The value row `r` holds in a column of `ty`, as an SQL literal; distinct
/// rows hold distinct values wherever the type allows.
fn value(ty: &SqlType, r: i64) -> String {
    match ty {
        t if t.is_integer() => r.to_string(),
        SqlType::Text | SqlType::Varchar(_) => format!("'{r}'"),
        SqlType::Boolean => if r % 2 == 0 { "TRUE" } else { "FALSE" }.into(),
        SqlType::Numeric { .. } => format!("{r}.5"),
        SqlType::Real | SqlType::Double => format!("{r}.25"),
        SqlType::Uuid => format!("'00000000-0000-0000-0000-{r:012}'"),
        SqlType::Json => format!("'{{\"r\": {r}}}'"),
        SqlType::Date => format!("'2024-{:02}-{:02}'", 1 + r / 28 % 12, 1 + r % 28),
        SqlType::Timestamp { .. } => format!("'2024-{:02}-{:02} 10:00:00'", 1 + r / 28 % 12, 1 + r % 28),
        _ => "'a'".into(),
    }
}

// ---- the model's mutations --------------------------------------------------

fn new_column(w: &mut World, tape: &mut Tape<'_>, d: Dialect) -> Col {
    let id = w.fresh();
    let family = FAMILIES[tape.pick(FAMILIES.len())];
    let mood = w.mood.clone();
    let ty = member(family, tape, &mood, d);
    let nullable = tape.chance(2);
    let default = tape.chance(1).then(|| default_for(&ty));
    let mut c = Col {
        id,
        name: format!("c{id}"),
        renamed_from: None,
        family,
        ty,
        nullable,
        default,
        index: None,
        unique: false,
        was_unique: false,
        check: false,
        refers: None,
    };
    if indexable(family, d) && tape.chance(1) {
        c.index = Some(family == Family::Number && c.default.is_none() && tape.chance(2));
    }
    if family == Family::Number && c.default.is_none() && tape.chance(1) {
        c.unique = true;
    }
    c.was_unique = c.unique || c.index == Some(true);
    c.check = c.ty.is_integer() && tape.chance(1);
    c
}

fn ref_column(w: &mut World, target: usize, tape: &mut Tape<'_>) -> Col {
    let id = w.fresh();
    let action = [
        Action::NoAction,
        Action::Cascade,
        Action::SetNull,
        Action::Restrict,
    ][tape.pick(4)];
    Col {
        id,
        name: format!("r{id}"),
        renamed_from: None,
        family: Family::Number,
        ty: SqlType::BigInt,
        nullable: true,
        default: None,
        index: None,
        unique: false,
        was_unique: false,
        check: false,
        refers: Some((target, action)),
    }
}

fn add_table(w: &mut World, tape: &mut Tape<'_>, d: Dialect, log: &mut String) {
    let id = w.fresh();
    // Sometimes under the name of a table dropped in an earlier version.
    let name = match w.dropped.len() {
        n if n > 0 && tape.chance(2) => w.dropped.remove(tape.pick(n)),
        _ => format!("t{id}"),
    };
    let mut t = Tab {
        id,
        name: name.clone(),
        renamed_from: None,
        pk: "id".into(),
        pk_renamed_from: None,
        columns: Vec::new(),
        m2m: Vec::new(),
    };
    for _ in 0..1 + tape.pick(3) {
        let c = new_column(w, tape, d);
        t.columns.push(c);
    }
    if tape.chance(2) {
        // To another table, or to itself.
        let targets: Vec<usize> = w.tables.iter().map(|t| t.id).chain([id]).collect();
        let target = targets[tape.pick(targets.len())];
        let c = ref_column(w, target, tape);
        t.columns.push(c);
    }
    let _ = writeln!(log, "  create table {name}");
    w.tables.push(t);
}

fn pick_table(w: &World, tape: &mut Tape<'_>) -> Option<usize> {
    (!w.tables.is_empty()).then(|| tape.pick(w.tables.len()))
}

fn pick_column(t: &Tab, tape: &mut Tape<'_>) -> Option<usize> {
    (!t.columns.is_empty()).then(|| tape.pick(t.columns.len()))
}

/// One random change of the model, described in `log`.
fn mutate(w: &mut World, tape: &mut Tape<'_>, d: Dialect, log: &mut String) {
    match tape.pick(14) {
        0 => add_table(w, tape, d, log),
        1 if w.tables.len() > 1 => {
            let i = tape.pick(w.tables.len());
            let gone = w.tables.remove(i);
            for t in &mut w.tables {
                t.columns.retain(|c| c.refers.is_none_or(|(r, _)| r != gone.id));
                t.m2m.retain(|&m| m != gone.id);
            }
            let _ = writeln!(log, "  drop table {}", gone.name);
            w.dropped.push(gone.name);
        }
        2 => {
            let Some(i) = pick_table(w, tape) else { return };
            let name = format!("t{}", w.fresh());
            let t = &mut w.tables[i];
            let _ = writeln!(log, "  rename table {} to {name}", t.name);
            t.renamed_from.get_or_insert(t.name.clone());
            t.name = name;
        }
        3 => {
            let Some(i) = pick_table(w, tape) else { return };
            let c = new_column(w, tape, d);
            let t = &mut w.tables[i];
            let _ = writeln!(
                log,
                "  add column {}.{} {:?}{}{}",
                t.name,
                c.name,
                c.ty,
                if c.nullable { " NULL" } else { " NOT NULL" },
                c.default.map(|d| format!(" default {d}")).unwrap_or_default()
            );
            t.columns.push(c);
        }
        4 => {
            let Some(i) = pick_table(w, tape) else { return };
            let Some(j) = pick_column(&w.tables[i], tape) else {
                return;
            };
            let t = &mut w.tables[i];
            let c = t.columns.remove(j);
            let _ = writeln!(log, "  drop column {}.{}", t.name, c.name);
        }
        5 => {
            let Some(i) = pick_table(w, tape) else { return };
            let name = format!("c{}", w.fresh());
            let t = &mut w.tables[i];
            // The key column too, which foreign keys and join tables refer to.
            match pick_column(t, tape).filter(|_| tape.chance(3)) {
                Some(j) => {
                    let c = &mut t.columns[j];
                    let _ = writeln!(log, "  rename column {}.{} to {name}", t.name, c.name);
                    c.renamed_from.get_or_insert(c.name.clone());
                    c.name = name;
                }
                None => {
                    let _ = writeln!(log, "  rename key column {}.{} to {name}", t.name, t.pk);
                    t.pk_renamed_from.get_or_insert(t.pk.clone());
                    t.pk = name;
                }
            }
        }
        6 => {
            let Some(i) = pick_table(w, tape) else { return };
            let Some(j) = pick_column(&w.tables[i], tape) else {
                return;
            };
            let t = &mut w.tables[i];
            let c = &mut t.columns[j];
            if c.refers.is_some() {
                return;
            }
            c.nullable = !c.nullable;
            if !c.nullable && !c.was_unique && tape.chance(2) {
                c.default = Some(default_for(&c.ty));
            }
            let _ = writeln!(
                log,
                "  make {}.{} {}{}",
                t.name,
                c.name,
                if c.nullable { "NULL" } else { "NOT NULL" },
                c.default.map(|d| format!(" (default {d})")).unwrap_or_default()
            );
        }
        7 => {
            let Some(i) = pick_table(w, tape) else { return };
            let Some(j) = pick_column(&w.tables[i], tape) else {
                return;
            };
            let mood = w.mood.clone();
            let t = &mut w.tables[i];
            let c = &mut t.columns[j];
            if c.refers.is_some() {
                return;
            }
            c.ty = member(c.family, tape, &mood, d);
            // A check compares numbers; a default is the type's.
            c.check &= c.ty.is_integer();
            c.default = c.default.map(|_| default_for(&c.ty));
            let _ = writeln!(log, "  change type of {}.{} to {:?}", t.name, c.name, c.ty);
        }
        8 => {
            let mut mood = vec!["a"];
            mood.extend(["b", "c", "d"].into_iter().filter(|_| tape.chance(2)));
            if tape.chance(1) {
                mood.reverse();
            }
            let _ = writeln!(log, "  enum mood is {mood:?}");
            w.mood = mood.clone();
            for c in w.tables.iter_mut().flat_map(|t| t.columns.iter_mut()) {
                if c.family == Family::Enum {
                    c.ty = enum_type(&mood);
                }
            }
        }
        9 => {
            let Some(i) = pick_table(w, tape) else { return };
            let Some(j) = pick_column(&w.tables[i], tape) else {
                return;
            };
            let t = &mut w.tables[i];
            let c = &mut t.columns[j];
            if !indexable(c.family, d) || c.refers.is_some() {
                return;
            }
            let unique = c.family == Family::Number && c.default.is_none() && tape.chance(2);
            if tape.chance(2) {
                c.index = match c.index {
                    Some(_) => None,
                    None => Some(unique),
                };
            } else if c.family == Family::Number && c.default.is_none() {
                c.unique = !c.unique;
            }
            c.was_unique |= c.unique || c.index == Some(true);
            let _ = writeln!(
                log,
                "  {}.{}: index {:?}, unique {}",
                t.name, c.name, c.index, c.unique
            );
        }
        10 => {
            let Some(i) = pick_table(w, tape) else { return };
            let target = w.tables[tape.pick(w.tables.len())].id;
            let t = &mut w.tables[i];
            if let Some(at) = t.m2m.iter().position(|&m| m == target) {
                t.m2m.remove(at);
                let _ = writeln!(log, "  drop many-to-many {} to table #{target}", t.name);
            } else {
                t.m2m.push(target);
                let _ = writeln!(log, "  add many-to-many {} to table #{target}", t.name);
            }
        }
        11 => {
            let Some(i) = pick_table(w, tape) else { return };
            let target = w.tables[tape.pick(w.tables.len())].id;
            let c = ref_column(w, target, tape);
            let t = &mut w.tables[i];
            let _ = writeln!(log, "  add foreign key {}.{} to table #{target}", t.name, c.name);
            t.columns.push(c);
        }
        12 => {
            let Some(i) = pick_table(w, tape) else { return };
            let Some(j) = pick_column(&w.tables[i], tape) else {
                return;
            };
            let t = &mut w.tables[i];
            let c = &mut t.columns[j];
            if c.ty.is_integer() && c.refers.is_none() {
                c.check = !c.check;
                let _ = writeln!(log, "  check on {}.{}: {}", t.name, c.name, c.check);
            }
        }
        _ => {
            // A rename and a drop in one version: the table others refer to.
            let Some(i) = pick_table(w, tape) else { return };
            let id = w.tables[i].id;
            let name = format!("t{}", w.fresh());
            let t = &mut w.tables[i];
            let _ = writeln!(log, "  rename table {} to {name} (referred to)", t.name);
            t.renamed_from.get_or_insert(t.name.clone());
            t.name = name;
            if let Some(j) = w
                .tables
                .iter()
                .position(|t| t.columns.iter().any(|c| c.refers.is_some_and(|(r, _)| r == id)) && t.id != id)
                && w.tables.len() > 1
            {
                let gone = w.tables.remove(j);
                for t in &mut w.tables {
                    t.columns.retain(|c| c.refers.is_none_or(|(r, _)| r != gone.id));
                    t.m2m.retain(|&m| m != gone.id);
                }
                let _ = writeln!(log, "  drop table {} (which referred to it)", gone.name);
                w.dropped.push(gone.name);
            }
        }
    }
}

/// The schema of the model.
fn schema(w: &World) -> Schema {
    let name_of = |id: usize| w.table(id).map(|t| t.name.clone()).unwrap_or_default();
    let pk_of = |id: usize| w.table(id).map(|t| t.pk.clone()).unwrap_or_default();
    let tables = w.tables.iter().map(|m| {
        let mut t = Table::new(m.name.clone());
        t.renamed_from = m.renamed_from.clone().map(Into::into);
        let mut id = Column::new(m.pk.clone(), SqlType::BigInt).auto_increment();
        id.renamed_from = m.pk_renamed_from.clone().map(Into::into);
        let mut columns = vec![id];
        let (mut indexes, mut uniques, mut fks, mut checks) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for c in &m.columns {
            let mut col = Column::new(c.name.clone(), c.ty.clone());
            col.nullable = c.nullable;
            col.default = c.default.map(Into::into);
            col.renamed_from = c.renamed_from.clone().map(Into::into);
            columns.push(col);
            if let Some(unique) = c.index {
                let mut ix = Index::new("", [c.name.clone()]);
                ix.name = None;
                ix.unique = unique;
                indexes.push(ix);
            }
            if c.unique {
                let mut uq = UniqueConstraint::new("", [c.name.clone()]);
                uq.name = None;
                uniques.push(uq);
            }
            if c.check {
                checks.push(Check::new(
                    format!("ck_{}_{}", m.id, c.id),
                    format!("{} >= 0", c.name),
                ));
            }
            if let Some((target, action)) = c.refers {
                let mut fk =
                    ForeignKey::new("", [c.name.clone()], name_of(target), [pk_of(target)]).on_delete(action);
                fk.name = None;
                fks.push(fk);
            }
        }
        t.columns = columns.into();
        t.primary_key = Some(PrimaryKey {
            name: None,
            ..PrimaryKey::new("", [m.pk.clone()])
        });
        t.indexes = indexes.into();
        t.unique_constraints = uniques.into();
        t.foreign_keys = fks.into();
        t.checks = checks.into();
        let side = |id: usize| JoinSide {
            model: format!("m{id}").into(),
            table: name_of(id).into(),
            key_column: pk_of(id).into(),
            key_type: SqlType::BigInt,
        };
        t.many_to_many = m
            .m2m
            .iter()
            .map(|&target| ManyToMany {
                table: None,
                source: side(m.id),
                target: side(target),
            })
            .collect::<Vec<_>>()
            .into();
        t
    });
    Schema::new(tables.collect::<Vec<_>>()).unwrap_or_else(|e| panic!("an invalid schema ({e}): {w:#?}"))
}

/// A history: the model at each version, and what changed, in words.
#[derive(Clone, Debug)]
struct History {
    worlds: Vec<World>,
    schemas: Vec<Schema>,
    log: String,
}

fn history(bytes: &[u8], d: Dialect, safe: bool) -> History {
    let mut tape = Tape::new(bytes);
    let mut w = World {
        mood: vec!["a", "b"],
        ..World::default()
    };
    let mut log = String::from("version 1:\n");
    for _ in 0..1 + tape.pick(3) {
        add_table(&mut w, &mut tape, d, &mut log);
    }
    let versions = 3 + tape.pick(4);
    let mut worlds = vec![w.clone()];
    for v in 2..=versions {
        let _ = writeln!(log, "version {v}:");
        w.clear_hints();
        for _ in 0..1 + tape.pick(3) {
            mutate(&mut w, &mut tape, d, &mut log);
        }
        worlds.push(w.clone());
    }
    let schemas = worlds.iter().map(schema).collect();
    let schemas = if safe { with_views(schemas) } else { schemas };
    History { worlds, schemas, log }
}

/// The schemas as safe plans migrate to them, as far as renamed tables go:
/// a table renamed keeps its old name as a view ([`Table::alias`]) for as
/// long as a build would keep it (until the table is renamed again, or a
/// new table takes the name), so that every later change to the table runs
/// under the view, and its rows are read through the table as before. The
/// drops a safe plan holds back are left to `runtime.rs`, as the module's
/// doc says.
fn with_views(schemas: Vec<Schema>) -> Vec<Schema> {
    let mut out: Vec<Schema> = Vec::with_capacity(schemas.len());
    for models in schemas {
        let schema = match out.last() {
            None => models,
            Some(before) => {
                let expanded = ferro::diff::expand(before, &models).schema;
                let mut tables = models.into_tables();
                for t in &mut tables {
                    t.alias = expanded.table(&t.name).and_then(|kept| kept.alias.clone());
                }
                Schema::new(tables).expect("a view takes a name no table has")
            }
        };
        out.push(schema);
    }
    out
}

// ---- running it ------------------------------------------------------------

fn fail(e: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

/// The steps of each version's migration, with a value written into every
/// fill that asks for one, as the developer would before running it.
fn written_steps(h: &History, d: Dialect) -> Vec<(Vec<Op>, Vec<Op>)> {
    let empty = Schema::default();
    let mut out = chain::plans(&h.schemas);
    for (i, (up, down)) in out.iter_mut().enumerate() {
        let after = &h.schemas[i];
        let before = if i == 0 { &empty } else { &h.schemas[i - 1] };
        chain::write_fills(up, after, d);
        chain::write_fills(down, before, d);
    }
    out
}

/// A column's values by the row's key, as text.
type Values = BTreeMap<String, Option<String>>;

/// What a version's tables hold: by (table id, column id) — the key column
/// as id 0 — the value of each row by its key, as text; and each join
/// table's pairs, by its two sides' ids.
#[derive(Debug, Default)]
struct Snapshot {
    columns: BTreeMap<(usize, usize), (bool, Values)>,
    joins: BTreeMap<(usize, usize), Vec<(String, String)>>,
}

async fn read(conn: &mut AnyConnection, w: &World, d: Dialect) -> Result<Snapshot, TestCaseError> {
    let mut out = Snapshot::default();
    let text = |e: &str| d.as_text(e);
    for t in &w.tables {
        let cols = std::iter::once((0, t.pk.clone(), false))
            .chain(t.columns.iter().map(|c| (c.id, c.name.clone(), c.nullable)));
        for (id, name, nullable) in cols {
            let sql = format!(
                "SELECT {}, {} FROM {}",
                text(&d.ident(&t.pk)),
                text(&d.ident(&name)),
                d.ident(&t.name)
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .fetch_all(&mut *conn)
                .await
                .map_err(|e| fail(format!("{sql}: {e}")))?;
            let values = rows
                .iter()
                .map(|r| (r.get::<String, _>(0), r.get::<Option<String>, _>(1)))
                .collect();
            out.columns.insert((t.id, id), (nullable, values));
        }
        for &target in &t.m2m {
            let Some(other) = w.table(target) else { continue };
            let join = format!("{}_{}", t.name, other.name);
            let (a, b) = if t.id == target {
                (
                    format!("from_m{}_{}", t.id, t.pk),
                    format!("to_m{}_{}", t.id, t.pk),
                )
            } else {
                (format!("m{}_{}", t.id, t.pk), format!("m{}_{}", target, other.pk))
            };
            let sql = format!(
                "SELECT {}, {} FROM {}",
                text(&d.ident(&a)),
                text(&d.ident(&b)),
                d.ident(&join)
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .fetch_all(&mut *conn)
                .await
                .map_err(|e| fail(format!("{sql}: {e}")))?;
            let mut pairs: Vec<(String, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
            pairs.sort();
            out.joins.insert((t.id, target), pairs);
        }
    }
    Ok(out)
}

/// What both snapshots keep must be the same: every row of a kept column
/// holds its value, or a value where it held NULL and the column is now NOT
/// NULL; every pair of a kept join table is there.
fn compare(before: &Snapshot, after: &Snapshot, when: &str) -> Result<(), TestCaseError> {
    for (key, (_, rows)) in &before.columns {
        let Some((nullable, now)) = after.columns.get(key) else {
            continue;
        };
        for (row, value) in rows {
            let Some(kept) = now.get(row) else {
                return Err(fail(format!("{when}: row {row} of table #{} is gone", key.0)));
            };
            let same = match (value, kept) {
                (None, Some(_)) => !nullable,
                (a, b) => a == b,
            };
            if !same {
                return Err(fail(format!(
                    "{when}: row {row} of table #{}, column #{}: {value:?} became {kept:?}",
                    key.0, key.1
                )));
            }
        }
    }
    for (key, pairs) in &before.joins {
        if let Some(now) = after.joins.get(key)
            && now != pairs
        {
            return Err(fail(format!(
                "{when}: the join table of #{} and #{} held {pairs:?}, now {now:?}",
                key.0, key.1
            )));
        }
    }
    Ok(())
}

/// Inserts `ROWS` rows into every table (ids from `next`), NULLs in some
/// NULL-able columns, keys to existing rows, and pairs into the join tables.
async fn insert(
    conn: &mut AnyConnection,
    w: &World,
    next: &mut i64,
    d: Dialect,
) -> Result<(), TestCaseError> {
    let exec = async |conn: &mut AnyConnection, sql: String| {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone()))
            .execute(&mut *conn)
            .await
            .map(|_| ())
            .map_err(|e| fail(format!("{sql}: {e}")))
    };
    let mut made: BTreeMap<usize, Vec<i64>> = BTreeMap::new();
    for t in &w.tables {
        for _ in 0..ROWS {
            *next += 1;
            let r = *next;
            let mut names = vec![d.ident(&t.pk)];
            let mut values = vec![r.to_string()];
            for c in t.columns.iter().filter(|c| c.refers.is_none()) {
                names.push(d.ident(&c.name));
                let null = c.nullable && (r + c.id as i64) % 3 == 0;
                values.push(if null { "NULL".into() } else { value(&c.ty, r) });
            }
            exec(
                conn,
                format!(
                    "INSERT INTO {} ({}) VALUES ({})",
                    d.ident(&t.name),
                    names.join(", "),
                    values.join(", ")
                ),
            )
            .await?;
            made.entry(t.id).or_default().push(r);
        }
    }
    // Keys and pairs refer to the rows just made, in tables that exist now.
    for t in &w.tables {
        let own = made.get(&t.id).cloned().unwrap_or_default();
        for c in t.columns.iter().filter(|c| c.refers.is_some()) {
            let (target, _) = c.refers.expect("a key");
            let Some(other) = w.table(target) else { continue };
            let parents = made.get(&target).cloned().unwrap_or_default();
            for (k, row) in own.iter().enumerate() {
                if (row + c.id as i64) % 3 == 0 || parents.is_empty() {
                    continue;
                }
                let parent = parents[k % parents.len()];
                exec(
                    conn,
                    format!(
                        "UPDATE {} SET {} = {parent} WHERE {} = {row}",
                        d.ident(&t.name),
                        d.ident(&c.name),
                        d.ident(&t.pk)
                    ),
                )
                .await?;
            }
            let _ = other;
        }
        for &target in &t.m2m {
            let Some(other) = w.table(target) else { continue };
            let parents = made.get(&target).cloned().unwrap_or_default();
            let join = format!("{}_{}", t.name, other.name);
            for (k, row) in own.iter().enumerate().take(2) {
                let Some(parent) = parents.get(k) else { continue };
                exec(
                    conn,
                    format!("INSERT INTO {} VALUES ({row}, {parent})", d.ident(&join)),
                )
                .await?;
            }
        }
    }
    Ok(())
}

/// SQLite's own checks of the file: no row refers to a missing row, and
/// the file is sound.
async fn sqlite_checks(conn: &mut AnyConnection, when: &str) -> Result<(), TestCaseError> {
    let orphans = sqlx::query("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(&mut *conn)
        .await
        .map_err(fail)?;
    if !orphans.is_empty() {
        let tables: Vec<String> = orphans.iter().map(|r| r.get(0)).collect();
        return Err(fail(format!(
            "{when}: foreign_key_check finds rows without their parent in {tables:?}"
        )));
    }
    let integrity: String = sqlx::query("PRAGMA integrity_check")
        .fetch_one(&mut *conn)
        .await
        .map_err(fail)?
        .get(0);
    if integrity != "ok" {
        return Err(fail(format!("{when}: integrity_check says {integrity}")));
    }
    Ok(())
}

/// Tallies of what the runs checked, for the guide's figures.
#[derive(Debug, Default)]
struct Tally {
    histories: usize,
    steps: usize,
    values: usize,
    /// Views under a renamed table's old name read through (safe plans).
    views: usize,
}

/// Each view under a renamed table's old name shows the table's rows:
/// how many views there are.
async fn views_match(
    conn: &mut AnyConnection,
    s: &Schema,
    d: Dialect,
    when: &str,
) -> Result<usize, TestCaseError> {
    let mut views = 0;
    for t in s.tables() {
        let Some(alias) = &t.alias else { continue };
        let mut counts = Vec::new();
        for name in [&t.name, alias] {
            let sql = format!("SELECT COUNT(*) FROM {}", d.ident(name));
            let row = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .fetch_one(&mut *conn)
                .await
                .map_err(|e| fail(format!("{when}: {sql}: {e}")))?;
            counts.push(row.get::<i64, _>(0));
        }
        if counts[0] != counts[1] {
            return Err(fail(format!(
                "{when}: the view {alias} shows {} rows of {}'s {}",
                counts[1], t.name, counts[0]
            )));
        }
        views += 1;
    }
    Ok(views)
}

async fn run_history(url: &str, h: &History, tally: &mut Tally) -> Result<(), TestCaseError> {
    let mut db = Database::connect(url).await.map_err(fail)?;
    let d = db.dialect();
    let mut conn = AnyConnection::connect(url).await.map_err(fail)?;
    match d {
        // Standard quotes, as the migrator's own connection has.
        Dialect::MySql => sqlx::raw_sql("SET SESSION sql_mode = 'STRICT_ALL_TABLES,ANSI_QUOTES'")
            .execute(&mut conn)
            .await
            .map(|_| ())
            .map_err(fail)?,
        Dialect::Sqlite => sqlx::raw_sql("PRAGMA foreign_keys = ON")
            .execute(&mut conn)
            .await
            .map(|_| ())
            .map_err(fail)?,
        Dialect::Postgres => {}
    }
    chain::set(written_steps(h, d));
    let n = h.schemas.len();
    let migrator = Migrator::new(&chain::MIGRATIONS[..n]);
    let empty = World::default();
    let world = |v: usize| if v == 0 { &empty } else { &h.worlds[v - 1] };
    let empty_schema = Schema::default();
    let schema = |v: usize| if v == 0 { &empty_schema } else { &h.schemas[v - 1] };
    let mut next = 0;
    // Version v → w, one migration; `insert` adds rows afterwards.
    let mut step = async |db: &mut Database, conn: &mut AnyConnection, v: usize, w: usize, fill: bool| {
        let when = format!("version {v} to {w}");
        let before = read(conn, world(v), d).await?;
        let target = if w == 0 {
            Target::Base
        } else {
            Target::Revision(chain::IDS[w - 1].to_owned())
        };
        let outcome = if w > v {
            migrator.upgrade(db, &target).await
        } else {
            migrator.downgrade(db, &target).await
        };
        outcome.map_err(|e| fail(format!("{when}: {e}")))?;
        read_back(db, schema(w), &when).await.map_err(fail)?;
        if d != Dialect::Sqlite {
            tally.views += views_match(conn, schema(w), d, &when).await?;
        }
        let after = read(conn, world(w), d).await?;
        compare(&before, &after, &when)?;
        if d == Dialect::Sqlite {
            sqlite_checks(conn, &when).await?;
        }
        if fill {
            insert(conn, world(w), &mut next, d)
                .await
                .map_err(|e| fail(format!("{when}, inserting: {e}")))?;
        }
        tally.steps += 1;
        tally.values += after.columns.values().map(|(_, rows)| rows.len()).sum::<usize>();
        Ok::<(), TestCaseError>(())
    };
    for v in 0..n {
        step(&mut db, &mut conn, v, v + 1, true).await?;
    }
    for v in (1..=n).rev() {
        step(&mut db, &mut conn, v, v - 1, false).await?;
    }
    for v in 0..n {
        step(&mut db, &mut conn, v, v + 1, true).await?;
    }
    tally.histories += 1;
    Ok(())
}

/// The tapes of histories that found a defect, run on every backend in
/// every run: a table dropped and made again under its name with a new
/// auto-increment key, over rows (SQLite's rebuild added the key column
/// NOT NULL with nothing to fill it); a many-to-many table dropped while
/// the table it refers to gets a new primary key (MariaDB refused to drop the
/// key the join table's foreign key still used); the downgrade of such a
/// change, which made the join table again with its foreign key before the
/// referred key was back (SQLite's integrity check found the mismatch).
const FOUND: [&str; 3] = [
    "e8010d0000002f000000002c00008b010000160000003c000000972e00002fbc00031d634a4200002a58\
     000000000000000000000000000000000000000000000000000000000000000000000000000000000000\
     000000000000000000000000",
    "b21353000000002c00000000005262260031000000082c005135fe001400500931682e832b00c7880059\
     b010d845480e140000000000000000000000000000000000000000000000000000000000000000000000\
     000000000000000000000000",
    "4c022e00000100008b0000003800003f1f0000003c0000530ac7002d30002101009600a12b2a15140000\
     00003000004bca000b3733785a330f0a92c6004800d11c41180000fd1c0e040000000000000000000000\
     000000000000000000000000",
];

fn run(dialect: Dialect, safe: bool) {
    // As safe plans write the migrations, or plain; on this thread, which
    // runs them.
    chain::safe(safe);
    let random = prop::collection::vec(any::<u8>(), 96).boxed();
    match std::env::var("FERRO_HISTORY") {
        Ok(hex) => run_tapes(dialect, safe, 1, Just(unhex(&hex)).boxed()),
        Err(_) => {
            for hex in FOUND {
                run_tapes(dialect, safe, 1, Just(unhex(hex)).boxed());
            }
            let cases: u32 = std::env::var("PROPTEST_CASES")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(256);
            run_tapes(
                dialect,
                safe,
                if safe { (cases / 4).max(1) } else { cases },
                random,
            );
        }
    }
    chain::safe(false);
}

fn run_tapes(dialect: Dialect, safe: bool, cases: u32, tapes: BoxedStrategy<Vec<u8>>) {
    if ferro_tests::fresh_database(dialect, "history").is_none() {
        return;
    }
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let mut runner = TestRunner::new(config);
    let tally = std::cell::RefCell::new(Tally::default());
    let outcome = runner.run(&tapes, |bytes| {
        let h = history(&bytes, dialect, safe);
        let (url, _dir) = ferro_tests::fresh_database(dialect, "history").expect("the database server");
        runtime.block_on(run_history(&url, &h, &mut tally.borrow_mut()))
    });
    match outcome {
        Err(proptest::test_runner::TestError::Fail(reason, bytes)) => {
            let h = history(&bytes, dialect, safe);
            let mut shown = String::new();
            for (i, (up, down)) in chain::plans(&h.schemas).iter().enumerate() {
                let words = |ops: &[Op]| ops.iter().map(ToString::to_string).collect::<Vec<_>>();
                let _ = writeln!(
                    shown,
                    "migration {}:\n  up: {:#?}\n  down: {:#?}",
                    i + 1,
                    words(up),
                    words(down)
                );
            }
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            panic!(
                "{}: {reason}\nthe history (FERRO_HISTORY={hex}):\n{}\n{shown}",
                dialect.name(),
                h.log
            );
        }
        Err(e) => panic!("{}: {e}", dialect.name()),
        Ok(()) => {}
    }
    let tally = tally.borrow();
    println!(
        "{}: {} histories, {} migrations applied, {} values checked, {} views read through",
        dialect.name(),
        tally.histories,
        tally.steps,
        tally.values,
        tally.views
    );
    if safe && dialect != Dialect::Sqlite && cases > 16 {
        assert!(
            tally.views > 0,
            "no history renamed a table: the views went untested"
        );
    }
}

/// The bytes of a tape written as hex.
fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("FERRO_HISTORY is hex"))
        .collect()
}

#[test]
fn sqlite_histories() {
    run(Dialect::Sqlite, false);
}

#[test]
fn postgres_histories() {
    run(Dialect::Postgres, false);
}

#[test]
fn mariadb_histories() {
    run(Dialect::MySql, false);
}

#[test]
fn sqlite_safe_histories() {
    run(Dialect::Sqlite, true);
}

#[test]
fn postgres_safe_histories() {
    run(Dialect::Postgres, true);
}

#[test]
fn mariadb_safe_histories() {
    run(Dialect::MySql, true);
}
