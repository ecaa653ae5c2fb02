//! What a migration step does to a live table, per database: the lock it
//! takes, whether it rewrites or reads every row, whether existing rows can
//! make it fail, and whether the version of the application still running
//! breaks. The facts follow the SQL the runtime renders for each operation;
//! `docs/safety.md` is the same table for readers.
//!
//! PostgreSQL is 12 or newer, MySQL 8.0 or MariaDB 10.6 on InnoDB, SQLite
//! 3.35 or newer; a fact that needs a newer version says so in its note.

use std::fmt;

use super::Step;

mod classify;
mod table;

pub(crate) use classify::{Fill, Kind, Retype, kinds};
use table::{NOTHING, at, row};

/// The database a step runs on. Defined here rather than taken from the
/// runtime, which is compiled only with its feature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Database {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB, InnoDB tables.
    MySql,
}

/// What one step does to the tables it touches on one database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Effect {
    /// The lock the step takes.
    pub lock: Lock,
    /// The tables the lock is on (on SQLite, the tables the step changes:
    /// its lock is on the whole database).
    pub on: Tables,
    /// Whether every row is written again.
    pub rewrite: Rewrite,
    /// Whether every row is read, and whether writes wait meanwhile.
    pub scan: Scan,
    /// Whether rows already in the table can make the step fail.
    pub may_fail_on_rows: bool,
    /// Whether the previous version of the application, still running during
    /// a rolling deploy, breaks once the step is applied.
    pub breaks_running_app: bool,
    /// PostgreSQL, `.validate_separately()`: the lock `VALIDATE CONSTRAINT`
    /// takes later, in a transaction of its own, while it reads every row.
    pub validation: Option<Lock>,
    /// What else matters, in a few words; empty when nothing does.
    pub note: &'static str,
}

/// A lock, in the database's own terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lock {
    /// PostgreSQL: a table lock mode, held until the transaction it runs in
    /// commits (the migration's, unless the step runs outside it).
    Postgres(PgLock),
    /// MySQL/MariaDB online DDL: how InnoDB alters the table and the `LOCK`
    /// it allows. Every such statement also takes the table's exclusive
    /// metadata lock briefly, at its start and at its end.
    MySql(Algorithm, LockClause),
    /// MySQL/MariaDB: `CREATE`, `DROP` or `RENAME TABLE`, which take the
    /// exclusive metadata lock alone.
    MySqlMetadata,
    /// MySQL/MariaDB: an `UPDATE`, which locks the rows it changes.
    MySqlRows,
    /// SQLite: the database's write lock, which the migration's transaction
    /// holds from `BEGIN IMMEDIATE` to `COMMIT`.
    SqliteWrite,
    /// No lock on an existing table: a new table or an enum type, or nothing
    /// runs on this database.
    Nothing,
    /// SQL or Rust written by hand: whatever it does.
    Unknown,
}

/// PostgreSQL's table lock modes that migration steps take, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PgLock {
    /// `ACCESS SHARE` (a `SELECT`): conflicts only with ACCESS EXCLUSIVE.
    AccessShare,
    /// `ROW EXCLUSIVE` (an `UPDATE`): conflicts with schema changes only.
    RowExclusive,
    /// `SHARE UPDATE EXCLUSIVE`: reads and writes go on.
    ShareUpdateExclusive,
    /// `SHARE`: reads go on, writes wait.
    Share,
    /// `SHARE ROW EXCLUSIVE`: reads go on, writes wait.
    ShareRowExclusive,
    /// `ACCESS EXCLUSIVE`: reads and writes wait.
    AccessExclusive,
}

/// InnoDB's `ALGORITHM`, cheapest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Algorithm {
    /// Metadata only.
    Instant,
    /// In the table's own files, with or without rebuilding it.
    Inplace,
    /// Into a copy of the table.
    Copy,
}

/// InnoDB's `LOCK` clause: what other sessions may do meanwhile, freest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LockClause {
    /// `LOCK=NONE`: reads and writes go on.
    None,
    /// `LOCK=SHARED`: reads go on, writes wait.
    Shared,
    /// `LOCK=EXCLUSIVE`: reads and writes wait.
    Exclusive,
}

/// Which tables a step locks or changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tables {
    /// No existing table.
    Nothing,
    /// The table the step names.
    Table,
    /// The table and the one its foreign key refers to.
    TableAndReferred,
    /// The tables the new table's foreign keys refer to.
    Referred,
    /// Every table with a column of the enum type.
    EnumTables,
    /// The index alone, not its table.
    Index,
    /// Whatever the hand-written step touches.
    Unknown,
}

/// Whether a step writes every row again, least first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rewrite {
    /// The rows stay as they are.
    No,
    /// Every row is written again: PostgreSQL's table rewrite, InnoDB's
    /// rebuild or copy, SQLite's `DROP COLUMN`.
    Rows,
    /// SQLite's table rebuild: a new table, every row copied into it, the
    /// old one dropped, the new one renamed.
    Rebuild,
}

/// Whether a step reads every row, least disruptive first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scan {
    /// It reads no rows.
    No,
    /// It reads every row while writes go on (`CONCURRENTLY`, `VALIDATE`,
    /// InnoDB with `LOCK=NONE`).
    Online,
    /// It reads every row while holding its lock.
    Locked,
}

/// What `step` does on `database`.
///
/// ```
/// use ferro::migration::Ops;
/// use ferro::migration::locks::{Database, Lock, PgLock, Scan, effect};
/// use ferro::schema::Index;
///
/// let mut op = Ops::default();
/// op.create_index("posts", Index::new("ix_posts_title", ["title"])).concurrently();
/// let e = effect(&op.steps()[0], Database::Postgres);
/// assert_eq!(e.lock, Lock::Postgres(PgLock::ShareUpdateExclusive));
/// assert_eq!(e.scan, Scan::Online);
/// ```
pub fn effect(step: &Step, database: Database) -> Effect {
    // A step on a PostgreSQL schema is refused elsewhere before it runs.
    if database != Database::Postgres && step.op.names_a_schema() {
        return row(Kind::Namespace, database);
    }
    // A column change is one statement per part on PostgreSQL, one `MODIFY
    // COLUMN` on MySQL, one rebuild on SQLite: its effect is the strongest
    // of its parts' effects.
    kinds(&step.op, step.online)
        .into_iter()
        .map(|kind| row(kind, database))
        .reduce(Effect::max)
        .unwrap_or(at(NOTHING, Tables::Nothing))
}

impl Effect {
    /// The effect of two parts of one change: the stronger of each fact.
    fn max(self, other: Effect) -> Effect {
        Effect {
            lock: self.lock.max(other.lock),
            on: if self.lock == Lock::Nothing {
                other.on
            } else {
                self.on
            },
            rewrite: self.rewrite.max(other.rewrite),
            scan: self.scan.max(other.scan),
            may_fail_on_rows: self.may_fail_on_rows || other.may_fail_on_rows,
            breaks_running_app: self.breaks_running_app || other.breaks_running_app,
            validation: self.validation.or(other.validation),
            note: if self.note.is_empty() {
                other.note
            } else {
                self.note
            },
        }
    }
}

impl Lock {
    /// The stronger of two locks on one database.
    fn max(self, other: Lock) -> Lock {
        match (self, other) {
            (Lock::Postgres(a), Lock::Postgres(b)) => Lock::Postgres(a.max(b)),
            (Lock::MySql(a, c), Lock::MySql(b, d)) => Lock::MySql(a.max(b), c.max(d)),
            (Lock::Nothing, lock) | (lock, _) => lock,
        }
    }
}

impl fmt::Display for Lock {
    /// The lock as the database's manual names it: `ACCESS EXCLUSIVE`,
    /// `INPLACE, LOCK=NONE`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lock::Postgres(mode) => f.write_str(mode.name()),
            Lock::MySql(algorithm, lock) => write!(f, "{}, LOCK={}", algorithm.name(), lock.name()),
            Lock::MySqlMetadata => f.write_str("exclusive metadata lock"),
            Lock::MySqlRows => f.write_str("row locks"),
            Lock::SqliteWrite => f.write_str("database write lock"),
            Lock::Nothing => f.write_str("none"),
            Lock::Unknown => f.write_str("unknown"),
        }
    }
}

impl PgLock {
    /// The mode as `LOCK TABLE` spells it.
    pub const fn name(self) -> &'static str {
        match self {
            PgLock::AccessShare => "ACCESS SHARE",
            PgLock::RowExclusive => "ROW EXCLUSIVE",
            PgLock::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            PgLock::Share => "SHARE",
            PgLock::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            PgLock::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }
}

impl Algorithm {
    /// The value as `ALGORITHM=` spells it.
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::Instant => "INSTANT",
            Algorithm::Inplace => "INPLACE",
            Algorithm::Copy => "COPY",
        }
    }
}

impl LockClause {
    /// The value as `LOCK=` spells it.
    pub const fn name(self) -> &'static str {
        match self {
            LockClause::None => "NONE",
            LockClause::Shared => "SHARED",
            LockClause::Exclusive => "EXCLUSIVE",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::table::{AE, COPY, INPLACE, INSTANT, NOTHING, SHARE, SRE, SUE, WRITE};
    use super::*;
    use crate::migration::Ops;
    use crate::schema::{Check, Column, ForeignKey, Index, SqlType};
    use Database::{MySql, Postgres, Sqlite};

    fn one(record: impl FnOnce(&mut Ops)) -> Step {
        let mut ops = Ops::default();
        record(&mut ops);
        ops.into_steps().remove(0)
    }

    fn alter(from: Column, to: Column) -> Step {
        one(|op| {
            op.alter_column("users", from, to);
        })
    }

    /// A table moved to a PostgreSQL schema is locked as a rename there, and
    /// refused before it runs on the others: no lock to report.
    #[test]
    fn a_step_on_a_postgres_schema_locks_only_there() {
        let step = one(|op| {
            op.rename_table("invoices", "billing.invoices");
        });
        let pg = effect(&step, Postgres);
        assert_eq!(pg.lock, AE);
        assert!(pg.breaks_running_app);
        for database in [MySql, Sqlite] {
            let e = effect(&step, database);
            assert_eq!(e.lock, NOTHING);
            assert_eq!(e.note, "refused: PostgreSQL only");
        }
    }

    #[test]
    fn an_index_built_concurrently_lets_writes_go_on() {
        let plain = one(|op| {
            op.create_index("posts", Index::new("ix_posts_title", ["title"]));
        });
        let online = one(|op| {
            op.create_index("posts", Index::new("ix_posts_title", ["title"]))
                .concurrently();
        });
        let e = effect(&plain, Postgres);
        assert_eq!((e.lock, e.scan, e.rewrite), (SHARE, Scan::Locked, Rewrite::No));
        let e = effect(&online, Postgres);
        assert_eq!((e.lock, e.scan), (SUE, Scan::Online));
        // Elsewhere the mark changes nothing.
        assert_eq!(effect(&online, MySql), effect(&plain, MySql));
    }

    #[test]
    fn a_foreign_key_validated_separately_reads_no_row_under_its_lock() {
        let key = ForeignKey::new("fk_posts_author_id_users", ["author_id"], "users", ["id"]);
        let plain = one(|op| {
            op.add_foreign_key("posts", key.clone());
        });
        let split = one(|op| {
            op.add_foreign_key("posts", key).validate_separately();
        });
        let e = effect(&plain, Postgres);
        assert_eq!(
            (e.lock, e.on, e.scan),
            (SRE, Tables::TableAndReferred, Scan::Locked)
        );
        assert_eq!(e.validation, None);
        let e = effect(&split, Postgres);
        assert_eq!((e.lock, e.on, e.scan), (SRE, Tables::TableAndReferred, Scan::No));
        assert_eq!(e.validation, Some(SUE));
        assert!(e.may_fail_on_rows);
        assert_eq!(effect(&plain, MySql).lock, COPY);
    }

    #[test]
    fn a_check_validated_separately_holds_access_exclusive_briefly() {
        let split = one(|op| {
            op.add_check("posts", Check::new("ck_posts_len", "length(title) > 0"))
                .validate_separately();
        });
        let e = effect(&split, Postgres);
        assert_eq!((e.lock, e.scan, e.validation), (AE, Scan::No, Some(SUE)));
    }

    #[test]
    fn set_not_null_reads_every_row_and_breaks_old_writers() {
        let step = alter(
            Column::new("name", SqlType::Text).nullable(),
            Column::new("name", SqlType::Text),
        );
        let e = effect(&step, Postgres);
        assert_eq!((e.lock, e.scan, e.rewrite), (AE, Scan::Locked, Rewrite::No));
        assert!(e.may_fail_on_rows && e.breaks_running_app);
        let e = effect(&step, MySql);
        assert_eq!(
            (e.lock, e.rewrite, e.scan),
            (INPLACE, Rewrite::Rows, Scan::Online)
        );
        assert_eq!(effect(&step, Sqlite).rewrite, Rewrite::Rebuild);
    }

    #[test]
    fn dropped_and_renamed_columns_break_the_running_app_everywhere() {
        let drop = one(|op| {
            op.drop_column("users", "age");
        });
        let rename = one(|op| {
            op.rename_column("users", "name", "full_name");
        });
        for database in [Sqlite, Postgres, MySql] {
            assert!(effect(&drop, database).breaks_running_app);
            assert!(effect(&rename, database).breaks_running_app);
        }
        assert_eq!(effect(&drop, Postgres).rewrite, Rewrite::No);
        assert_eq!(effect(&drop, MySql).lock, INSTANT);
        assert_eq!(effect(&drop, Sqlite).rewrite, Rewrite::Rows);
    }

    #[test]
    fn mysql_builds_an_index_in_place_without_blocking_writes() {
        let step = one(|op| {
            op.create_index("posts", Index::new("ix_posts_title", ["title"]).unique());
        });
        let e = effect(&step, MySql);
        assert_eq!(e.lock, Lock::MySql(Algorithm::Inplace, LockClause::None));
        assert_eq!((e.rewrite, e.scan), (Rewrite::No, Scan::Online));
        assert!(e.may_fail_on_rows);
        assert_eq!(e.lock.to_string(), "INPLACE, LOCK=NONE");
    }

    #[test]
    fn a_type_change_copies_the_table_on_mysql_and_rewrites_it_on_postgres() {
        let step = alter(
            Column::new("n", SqlType::Integer),
            Column::new("n", SqlType::BigInt),
        );
        let e = effect(&step, MySql);
        assert_eq!(e.lock, Lock::MySql(Algorithm::Copy, LockClause::Shared));
        assert_eq!(e.rewrite, Rewrite::Rows);
        let e = effect(&step, Postgres);
        assert_eq!(
            (e.lock, e.rewrite, e.may_fail_on_rows),
            (AE, Rewrite::Rows, false)
        );
        assert_eq!(e.lock.to_string(), "ACCESS EXCLUSIVE");
    }

    #[test]
    fn a_longer_varchar_is_not_a_rewrite_where_the_bytes_stay() {
        let widen = |a, b| {
            alter(
                Column::new("c", SqlType::Varchar(a)),
                Column::new("c", SqlType::Varchar(b)),
            )
        };
        let e = effect(&widen(100, 200), Postgres);
        assert_eq!((e.lock, e.rewrite), (AE, Rewrite::No));
        let e = effect(&widen(20, 60), MySql);
        assert_eq!((e.lock, e.rewrite), (INPLACE, Rewrite::No));
        assert_eq!(effect(&widen(60, 64), MySql).lock, COPY);
        let e = effect(&widen(200, 100), Postgres);
        assert_eq!(e.rewrite, Rewrite::Rows);
        assert!(e.may_fail_on_rows && e.breaks_running_app);
        let to_text = alter(
            Column::new("c", SqlType::Varchar(10)),
            Column::new("c", SqlType::Text),
        );
        assert_eq!(effect(&to_text, Postgres).rewrite, Rewrite::No);
    }

    #[test]
    fn sqlite_rebuilds_for_a_column_change_but_not_for_a_comment() {
        let step = alter(
            Column::new("c", SqlType::Integer),
            Column::new("c", SqlType::Integer).default("0"),
        );
        let e = effect(&step, Sqlite);
        assert_eq!((e.lock, e.rewrite), (WRITE, Rewrite::Rebuild));
        let comment = alter(
            Column::new("c", SqlType::Integer),
            Column::new("c", SqlType::Integer).comment("count"),
        );
        assert_eq!(effect(&comment, Sqlite).lock, NOTHING);
        assert_eq!(effect(&comment, Postgres).lock, SUE);
        // A comment beside a default: one rebuild.
        let both = alter(
            Column::new("c", SqlType::Integer),
            Column::new("c", SqlType::Integer).default("0").comment("count"),
        );
        assert_eq!(effect(&both, Sqlite).rewrite, Rewrite::Rebuild);
    }

    #[test]
    fn a_new_column_rewrites_only_for_a_volatile_default_on_postgres() {
        let add = |column: Column| {
            one(|op| {
                op.add_column("users", column);
            })
        };
        let nullable = add(Column::new("a", SqlType::Text).nullable());
        let constant = add(Column::new("a", SqlType::Integer).default("0"));
        let stable = add(Column::new("a", SqlType::Timestamp { with_time_zone: true }).default("now()"));
        let volatile = add(Column::new("a", SqlType::Uuid).default("gen_random_uuid()"));
        let required = add(Column::new("a", SqlType::Integer));
        for step in [&nullable, &constant, &stable] {
            let e = effect(step, Postgres);
            assert_eq!(
                (e.lock, e.rewrite, e.breaks_running_app),
                (AE, Rewrite::No, false)
            );
        }
        assert_eq!(effect(&volatile, Postgres).rewrite, Rewrite::Rows);
        let e = effect(&required, Postgres);
        assert!(e.may_fail_on_rows && e.breaks_running_app);
        assert_eq!(effect(&constant, Sqlite).rewrite, Rewrite::No);
        assert_eq!(effect(&stable, Sqlite).rewrite, Rewrite::Rebuild);
        assert_eq!(effect(&nullable, MySql).lock, INSTANT);
    }

    #[test]
    fn an_enum_value_added_touches_no_table_and_one_dropped_rewrites_each() {
        let add_last = one(|op| {
            op.add_enum_value("role", "guest", None);
        });
        let add_before = one(|op| {
            op.add_enum_value("role", "guest", Some("member"));
        });
        let drop = one(|op| {
            op.drop_enum_value("role", "guest");
        });
        let e = effect(&add_last, Postgres);
        assert_eq!((e.lock, e.on, e.rewrite), (NOTHING, Tables::Nothing, Rewrite::No));
        assert_eq!(effect(&add_last, MySql).lock, INSTANT);
        assert_eq!(effect(&add_before, MySql).lock, COPY);
        let e = effect(&drop, Postgres);
        assert_eq!((e.lock, e.on, e.rewrite), (AE, Tables::EnumTables, Rewrite::Rows));
        assert!(e.may_fail_on_rows && e.breaks_running_app);
        assert_eq!(effect(&drop, Sqlite).rewrite, Rewrite::Rebuild);
    }

    #[test]
    fn every_operation_has_an_effect_on_every_database() {
        let mut ops = Ops::default();
        ops.create_table("t", |t| {
            t.column("id", SqlType::BigInt);
        });
        ops.drop_table("t");
        ops.rename_table("t", "u");
        ops.set_table_comment("t", Some("c"));
        ops.create_enum("role", ["a", "b"]);
        ops.drop_enum("role");
        ops.reorder_enum_values("role", ["b", "a"]);
        ops.rename_enum_value("role", "a", "c");
        ops.fill_nulls("t", "c", Some("0"));
        ops.sql("SELECT 1");
        ops.irreversible("gone");
        ops.rename_index("t", "a", "b");
        ops.rename_constraint("t", "a", "b");
        for step in ops.steps() {
            for database in [Sqlite, Postgres, MySql] {
                let e = effect(step, database);
                assert!(!e.lock.to_string().is_empty());
                assert!(e.note.len() <= 100, "{} on {database:?}: {}", step.op, e.note);
            }
        }
        let sql = &ops.steps()[9];
        assert_eq!(effect(sql, Postgres).lock, Lock::Unknown);
    }
}
