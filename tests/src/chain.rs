//! A chain of migrations whose operations come from a list of schemas given
//! at run time: for the history tests, which take a database through several
//! versions of a schema, one migration each, up and down.
//!
//! Like [`crate::pair`], the migration functions are plain `fn`s that read
//! the operations of the history under test from a thread-local slot, which
//! [`set`] fills; the runtime calls them on the thread that runs the
//! migration.

use std::cell::RefCell;

use ferro::migration::{Migration, Op, Ops};
use ferro::plan::between;
use ferro::runtime::Dialect;
use ferro::schema::{Schema, SqlType};

/// The longest history a chain holds.
pub const LENGTH: usize = 6;

thread_local! {
    static OPS: RefCell<Vec<(Vec<Op>, Vec<Op>)>> = const { RefCell::new(Vec::new()) };
    static SAFE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn record(op: &mut Ops, at: usize, up: bool) {
    OPS.with(|ops| {
        let ops = ops.borrow();
        let (upgrade, downgrade) = &ops[at];
        let steps = if up { upgrade } else { downgrade };
        // As `Builder::safe(true)` writes them.
        let split;
        let steps = if SAFE.get() {
            split = ferro::migration::lint::safe_steps(steps);
            &split
        } else {
            steps
        };
        let existing = ferro::migration::lint::on_existing(steps);
        for (o, existing) in steps.iter().zip(existing) {
            let step = op.push(o.clone());
            step.acknowledged(true);
            // As `Builder::safe(true)` writes it.
            if SAFE.get() && existing && ferro::migration::lint::safe_form(o).is_some() {
                step.online = true;
            }
        }
    });
}

/// Makes the chain record its steps as safe plans do (see
/// `ferro_build::Builder::safe`), on this thread.
pub fn safe(yes: bool) {
    SAFE.set(yes);
}

macro_rules! steps {
    ($($up:ident $down:ident $at:literal),*) => {
        $(
            fn $up(op: &mut Ops) {
                record(op, $at, true);
            }
            fn $down(op: &mut Ops) {
                record(op, $at, false);
            }
        )*
    };
}

steps!(up0 down0 0, up1 down1 1, up2 down2 2, up3 down3 3, up4 down4 4, up5 down5 5);

/// The revision ids, one per version.
pub const IDS: [&str; LENGTH] = [
    "000000000001",
    "000000000002",
    "000000000003",
    "000000000004",
    "000000000005",
    "000000000006",
];

/// Version `i + 1` of the history, from version `i` (version 0 is the empty
/// database).
pub static MIGRATIONS: [Migration; LENGTH] = [
    crate::migration("0001.rs", "1", IDS[0], &[], up0, down0),
    crate::migration("0002.rs", "2", IDS[1], &[IDS[0]], up1, down1),
    crate::migration("0003.rs", "3", IDS[2], &[IDS[1]], up2, down2),
    crate::migration("0004.rs", "4", IDS[3], &[IDS[2]], up3, down3),
    crate::migration("0005.rs", "5", IDS[4], &[IDS[3]], up4, down4),
    crate::migration("0006.rs", "6", IDS[5], &[IDS[4]], up5, down5),
];

/// The upgrade and downgrade of each version after the one before (the
/// first from the empty schema), as the diff and the plan make them.
pub fn plans(versions: &[Schema]) -> Vec<(Vec<Op>, Vec<Op>)> {
    let empty = Schema::default();
    let mut from = &empty;
    let mut out = Vec::new();
    for to in versions {
        let plans = between(from, to);
        out.push((plans.upgrade.steps, plans.downgrade.steps));
        from = to;
    }
    out
}

/// [`plans`] as a build writes them where `models` are the models (with
/// their `renamed_from`): with the renames a safe plan splits
/// (`ferro::diff::sync_renames`).
pub fn plans_for(versions: &[Schema], models: &Schema) -> Vec<(Vec<Op>, Vec<Op>)> {
    let empty = Schema::default();
    let mut from = &empty;
    let mut out = Vec::new();
    for to in versions {
        let mut plans = between(from, to);
        ferro::diff::sync_renames(from, to, models, &mut plans);
        out.push((plans.upgrade.steps, plans.downgrade.steps));
        from = to;
    }
    out
}

/// Makes [`MIGRATIONS`] run `steps` (from [`plans`], perhaps edited), on this
/// thread; the first `steps.len()` of them make the history.
pub fn set(steps: Vec<(Vec<Op>, Vec<Op>)>) {
    assert!(steps.len() <= LENGTH, "a chain holds {LENGTH} versions at most");
    OPS.with(|ops| *ops.borrow_mut() = steps);
}

/// Writes a value into every fill of `steps` that has none, as a developer
/// would before running it; `target` is the schema the steps lead to. Numbers
/// get the row's key (so that a unique column stays unique), other types a
/// constant that no row the tests insert holds.
pub fn write_fills(steps: &mut [Op], target: &Schema, d: Dialect) {
    for op in steps.iter_mut() {
        let Op::FillNulls {
            table,
            column,
            value: value @ None,
        } = op
        else {
            continue;
        };
        let t = target.table(table).expect("a filled column's table");
        let ty = &t.column(column).expect("a filled column").ty;
        let pk = &t.primary_key.as_ref().expect("a key").columns[0];
        *value = Some(fill_for(ty, pk, d).into());
    }
}

/// The fill [`write_fills`] writes for a column of `ty` in a table whose key
/// column is `pk`.
pub fn fill_for(ty: &SqlType, pk: &str, d: Dialect) -> String {
    let pk = d.ident(pk);
    match ty {
        t if t.is_integer() => pk,
        SqlType::Text | SqlType::Varchar(_) => d.as_text(&pk),
        SqlType::Boolean => "false".into(),
        SqlType::Numeric { .. } | SqlType::Real | SqlType::Double => "-1".into(),
        SqlType::Json => "'{}'".into(),
        SqlType::Date => "'1999-01-01'".into(),
        SqlType::Timestamp { .. } => "'1999-06-01 12:00:00'".into(),
        SqlType::Uuid => "'00000000-0000-0000-0000-000000000000'".into(),
        // A value every version of the tests keeps: one that rows may hold
        // when a later downgrade drops the others.
        SqlType::Enum(e) if e.values.iter().any(|v| v.name == "a") => "'a'".into(),
        SqlType::Enum(e) => format!("'{}'", e.values[0].name.replace('\'', "''")),
        _ => "''".into(),
    }
}
