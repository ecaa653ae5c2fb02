//! Two migrations, A and B, whose operations come from a pair of schemas
//! given at run time: for the tests that build a schema A on a database,
//! migrate it to B and back (the round trips and the conformance fixtures).
//!
//! Migration functions are plain `fn`s; they read the operations of the pair
//! under test from a thread-local slot, which [`set`] fills. The runtime
//! calls them on the thread that runs the migration.

use std::cell::RefCell;

use ferro::diff::diff;
use ferro::migration::{Migration, Op, Ops, Revision};
use ferro::plan::{between, plan};
use ferro::runtime::{Database, Dialect, introspect, stored};
use ferro::schema::{Schema, Table};

use crate::chain::write_fills;

thread_local! {
    static OPS: RefCell<[Vec<Op>; 4]> = RefCell::new(Default::default());
}

fn record(op: &mut Ops, which: usize) {
    OPS.with(|ops| {
        for o in &ops.borrow()[which] {
            op.push(o.clone()).acknowledged(true);
        }
    });
}
fn a_up(op: &mut Ops) {
    record(op, 0);
}
fn a_down(op: &mut Ops) {
    record(op, 1);
}
fn b_up(op: &mut Ops) {
    record(op, 2);
}
fn b_down(op: &mut Ops) {
    record(op, 3);
}

/// The revision of A.
pub const A: &str = "aaaaaaaaaaaa";
/// The revision of B.
pub const B: &str = "bbbbbbbbbbbb";

/// A (from the empty schema) and B (from A).
pub static MIGRATIONS: [Migration; 2] = [
    Migration {
        file: "0001_a.rs",
        source: "a",
        revision: Revision {
            id: A,
            parents: &[],
            message: "a",
            schema: None,
        },
        upgrade: ferro::migration::Body::Code(a_up),
        downgrade: ferro::migration::Body::Code(a_down),
        replaces: &[],
    },
    Migration {
        file: "0002_b.rs",
        source: "b",
        revision: Revision {
            id: B,
            parents: &[A],
            message: "b",
            schema: None,
        },
        upgrade: ferro::migration::Body::Code(b_up),
        downgrade: ferro::migration::Body::Code(b_down),
        replaces: &[],
    },
];

/// Makes [`MIGRATIONS`] build `a` and then change it to `b` on a database of
/// dialect `d`, on this thread; a fill that asks for a value gets one (see
/// [`crate::chain::write_fills`]).
pub fn set(a: &Schema, b: &Schema, d: Dialect) {
    let empty = Schema::new([]).expect("the empty schema");
    let (mut a_up, mut a_down) = steps(&empty, a);
    let (mut b_up, mut b_down) = steps(a, b);
    write_fills(&mut a_up, a, d);
    write_fills(&mut a_down, &empty, d);
    write_fills(&mut b_up, b, d);
    write_fills(&mut b_down, a, d);
    OPS.with(|ops| *ops.borrow_mut() = [a_up, a_down, b_up, b_down]);
}

/// The upgrade and downgrade from `from` to `to` that the diff and the plan
/// make.
pub fn steps(from: &Schema, to: &Schema) -> (Vec<Op>, Vec<Op>) {
    let plans = between(from, to);
    (plans.upgrade.steps, plans.downgrade.steps)
}

/// What would make `actual` into `expected`, as operations in words.
pub fn differences(actual: &Schema, expected: &Schema) -> Vec<String> {
    plan(&diff(actual, expected))
        .steps
        .iter()
        .map(|op| op.to_string())
        .collect()
}

/// The tables in name order with their columns in name order: a column added
/// to a table comes last in the database, wherever the model declares it.
pub fn by_name(schema: &Schema) -> Vec<Table> {
    let mut tables = schema.tables().to_vec();
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    for t in &mut tables {
        t.columns.to_mut().sort_by(|a, b| a.name.cmp(&b.name));
    }
    tables
}

/// Reads the database back and compares it with `expected` as the database
/// stores it; the schema read, or what differs (`when` says at which point).
pub async fn read_back(db: &mut Database, expected: &Schema, when: &str) -> Result<Schema, String> {
    let actual = introspect(db, "ferro_version")
        .await
        .map_err(|e| format!("{when}: {e}"))?;
    let expected = stored(db.dialect(), expected);
    if by_name(&actual) != by_name(&expected) {
        return Err(format!(
            "{when}: the database differs from the schema; it would need {:?}\nread back: {actual:#?}\nexpected: {expected:#?}",
            differences(&actual, &expected)
        ));
    }
    Ok(actual)
}
