//! An open draft's steps as data: what the build script embeds for the
//! newest generated migration while it is a draft, in place of compiling
//! its file.
//!
//! Why: the draft is the file `cargo build` rewrites on every model edit,
//! and at 500 tables an initial migration is half a megabyte of Rust that
//! rustc would check and compile again each time (0.27 to 0.30 s of the
//! migrations crate's library, `docs/performance.md`). Read as JSON when
//! the runtime asks for its steps, it costs the compiler nothing. The
//! build script writes the JSON from the same list of marked steps it
//! renders the file from, only for a draft nobody edited (the file's draft
//! line still matches) and not committed, so the file and the data say the
//! same steps; `tests/tests/generate.rs` compiles every fixture's file and
//! compares. A sealed migration, and an edited draft, are compiled as any
//! other file.

use serde::{Deserialize, Serialize};

use super::{Op, Ops, Step};
use crate::schema::Str;

/// The version of `ferro` the data was written by: the list the build
/// script writes checks it against the `ferro` it compiles with, since
/// the two may come from different releases and the operations' form may
/// change between them.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// One step, as [`Step`] holds it without a Rust data step's function.
#[derive(Serialize)]
struct Written<'a> {
    op: &'a Op,
    acknowledged: bool,
    outside_transaction: bool,
    online: bool,
    accepted: &'a [Str],
}

#[derive(Deserialize)]
struct Read {
    op: Op,
    acknowledged: bool,
    outside_transaction: bool,
    online: bool,
    accepted: Vec<Str>,
}

/// The JSON of `steps`; `None` if one of them is a Rust data step, whose
/// function only a compiled file holds.
pub fn write(steps: &[Step]) -> Option<String> {
    if steps.iter().any(|s| matches!(s.op, Op::Rust { .. })) {
        return None;
    }
    let written: Vec<Written<'_>> = steps
        .iter()
        .map(|s| Written {
            op: &s.op,
            acknowledged: s.acknowledged,
            outside_transaction: s.outside_transaction,
            online: s.online,
            accepted: &s.accepted,
        })
        .collect();
    Some(serde_json::to_string(&written).expect("operations serialize to JSON"))
}

/// Records the steps of `json`, written by [`write`].
///
/// # Panics
///
/// If `json` is not what [`write`] writes: the list the build script
/// writes embeds data only from [`write`] of this version (it checks
/// [`VERSION`] at compile time), so this is a defect, not an input error.
pub(super) fn record(op: &mut Ops, json: &str) {
    let steps: Vec<Read> = serde_json::from_str(json).unwrap_or_else(|e| {
        panic!("a draft's steps, embedded as data by ferro-build, do not read back: {e}")
    });
    for read in steps {
        let step = op.push(read.op);
        step.acknowledged = read.acknowledged;
        step.outside_transaction = read.outside_transaction;
        step.online = read.online;
        step.accepted = read.accepted;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, SqlType};

    #[test]
    fn steps_and_their_marks_read_back_as_written() {
        let mut ops = Ops::default();
        ops.add_column("users", Column::new("age", SqlType::Integer).nullable())
            .outside_transaction();
        ops.drop_column("users", "name").acknowledged(true).accept("F201");
        ops.fill_nulls("users", "age", None).in_batches();
        let json = write(ops.steps()).unwrap();
        let mut read = Ops::default();
        record(&mut read, &json);
        assert_eq!(read, ops);
    }

    #[cfg(feature = "runtime")]
    #[test]
    fn a_rust_data_step_is_not_data() {
        fn step(_: &mut crate::runtime::Connection) -> super::super::StepFuture<'_> {
            Box::pin(async { Ok(()) })
        }
        let mut ops = Ops::default();
        ops.drop_table("t");
        ops.rust("backfill", step);
        assert_eq!(write(ops.steps()), None);
    }
}
