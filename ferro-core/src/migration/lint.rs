//! Findings about a migration's steps on a live database: each names a rule
//! with a stable code, says what the step does to the table on that
//! database, and what to do instead. The facts come from [`locks::effect`];
//! the rules choose which of them a team running the database under load
//! must hear about. `docs/safety.md` lists the rules.
//!
//! Only tables that exist before the migration count: a step on a table the
//! same migration creates touches no row and no running application.
//!
//! A finding the team accepts is accepted in the migration file itself, on
//! its step, with [`Step::accept`]:
//!
//! ```
//! use ferro::migration::Ops;
//! use ferro::migration::lint::{Level, lint};
//! use ferro::migration::locks::Database;
//! use ferro::schema::Index;
//!
//! let mut op = Ops::default();
//! op.create_index("posts", Index::new("ix_posts_title", ["title"]));
//! let findings = lint(op.steps(), Database::Postgres);
//! assert_eq!(findings[0].rule.code, "F101");
//! assert_eq!(findings[0].rule.level, Level::Error);
//!
//! let mut op = Ops::default();
//! op.create_index("posts", Index::new("ix_posts_title", ["title"])).accept("F101");
//! let findings = lint(op.steps(), Database::Postgres);
//! assert!(findings[0].accepted);
//! // The migration still sets no lock timeout: another rule, not accepted.
//! assert_eq!((findings[1].rule.code, findings[1].accepted), ("F110", false));
//! ```

use std::collections::HashSet;
use std::fmt;

use super::locks::{self, Database, Effect, Lock, LockClause, PgLock, Rewrite, Scan, Tables};
use super::locks::{Fill, Kind, Retype, kinds};
use super::{Op, Step, op_table};

/// How much a finding matters, least first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Worth knowing: the step may fail on the rows already there, or copies
    /// the table where nothing else can reach it meanwhile.
    Notice,
    /// A lock or a transaction that can hold up the application for a while
    /// on a busy table.
    Warning,
    /// The step can stop the application: it blocks a table's writes (or
    /// reads) while it reads or rewrites every row, or it breaks the version
    /// of the application still running during a deploy.
    Error,
}

impl Level {
    /// The level as `lint --level` spells it.
    pub const fn name(self) -> &'static str {
        match self {
            Level::Notice => "notice",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }

    /// The level `name` spells.
    pub fn parse(name: &str) -> Option<Level> {
        [Level::Notice, Level::Warning, Level::Error]
            .into_iter()
            .find(|l| l.name() == name)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A rule: what it finds and what to do instead. Its code never changes
/// meaning, so a step's [`Step::accept`] keeps saying the same thing.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    /// `F` and three digits: `F1..` locks and rewrites, `F2..` the running
    /// application, `F3..` existing rows, `F4..` SQLite.
    pub code: &'static str,
    /// A short name.
    pub name: &'static str,
    /// How much it matters.
    pub level: Level,
    /// What it finds, in a line.
    pub finds: &'static str,
    /// The safer way, in a line.
    pub instead: &'static str,
}

macro_rules! rules {
    ($($id:ident = $code:literal $name:literal $level:ident, $finds:literal, $instead:literal;)*) => {
        $(
            #[doc = concat!("`", $code, "` ", $name, ": ", $finds)]
            pub const $id: Rule = Rule {
                code: $code,
                name: $name,
                level: Level::$level,
                finds: $finds,
                instead: $instead,
            };
        )*
        /// Every rule, by code.
        pub const RULES: &[&Rule] = &[$(&$id),*];
    };
}

rules! {
    BLOCKING_INDEX = "F101" "blocking-index" Error,
        "CREATE INDEX holds SHARE on the table while it reads every row: writes wait",
        "mark the step `.concurrently()`: it builds outside the transaction while writes go on";
    BLOCKING_INDEX_DROP = "F102" "blocking-index-drop" Warning,
        "DROP INDEX takes ACCESS EXCLUSIVE on the table: reads and writes queue behind it",
        "mark the step `.concurrently()`";
    FOREIGN_KEY_SCAN = "F103" "foreign-key-scan" Error,
        "ADD FOREIGN KEY holds SHARE ROW EXCLUSIVE on both tables while it reads every row: writes wait",
        "mark the step `.validate_separately()`: NOT VALID now, VALIDATE while writes go on";
    CHECK_SCAN = "F104" "check-scan" Error,
        "ADD CHECK holds ACCESS EXCLUSIVE while it reads every row: reads and writes wait",
        "mark the step `.validate_separately()`: NOT VALID now, VALIDATE while writes go on";
    NOT_NULL_SCAN = "F105" "not-null-scan" Error,
        "SET NOT NULL holds ACCESS EXCLUSIVE while it reads every row: reads and writes wait",
        "mark the step `.validate_separately()`: a check `c IS NOT NULL` validated while writes go on, then SET NOT NULL without a scan";
    UNIQUE_SCAN = "F106" "unique-scan" Error,
        "ADD UNIQUE builds its index under ACCESS EXCLUSIVE: reads and writes wait",
        "mark the step `.concurrently()`: its index built concurrently, then attached as the key";
    TABLE_REWRITE = "F107" "table-rewrite" Error,
        "the step writes every row again while writes wait",
        "expand and contract: a new column or table, backfilled in batches, then switched to";
    PRIMARY_KEY_SCAN = "F108" "primary-key-scan" Error,
        "ADD PRIMARY KEY builds its index under ACCESS EXCLUSIVE: reads and writes wait",
        "mark the step `.concurrently()`: its unique index built CONCURRENTLY, then the key added USING it";
    FILL_IN_TRANSACTION = "F109" "fill-in-transaction" Warning,
        "the fill updates every row holding NULL in the migration's transaction, locking them until it commits",
        "mark the step `.in_batches()`: 10,000 rows a transaction, outside the migration's";
    NO_LOCK_TIMEOUT = "F110" "no-lock-timeout" Warning,
        "a step locks a table and nothing bounds the wait: queued behind a long query, it makes every later query on the table wait",
        "run with `--table-lock-timeout` (`Migrator::table_lock_timeout`), which `lint` then takes into account, or begin the migration with `op.sql(\"SET LOCAL lock_timeout = '5s'\")`";
    DROP_COLUMN = "F201" "drop-column" Error,
        "the running version of the application still reads or writes the column",
        "contract: stop using it, deploy, then drop it in a later migration (safe plans hold the drop back until `FERRO_CONTRACT=1`)";
    DROP_TABLE = "F202" "drop-table" Error,
        "the running version of the application still uses the table",
        "contract: stop using it, deploy, then drop it in a later migration (safe plans hold the drop back until `FERRO_CONTRACT=1`)";
    RENAME_COLUMN = "F203" "rename-column" Error,
        "the running version of the application still uses the old name",
        "expand and contract: add the new column, write both, backfill, switch reads, drop the old";
    RENAME_TABLE = "F204" "rename-table" Error,
        "the running version of the application still uses the old name",
        "expand and contract: the old name kept as a view both versions write through, dropped in a later migration (what safe plans do on PostgreSQL and MySQL, until `FERRO_CONTRACT=1`)";
    REQUIRED_VALUE = "F205" "required-value" Error,
        "the column now needs a value the running version of the application does not write",
        "give it a default first, or make it required only once every running version writes it";
    TYPE_CHANGE = "F206" "type-change" Error,
        "the running version of the application reads and writes the old type",
        "expand and contract: a new column of the new type, backfilled, then switched to";
    ENUM_VALUE_GONE = "F207" "enum-value-gone" Error,
        "the running version of the application may still write the value",
        "stop writing the value, deploy, move the rows off it, then drop or rename it";
    FAILS_ON_ROWS = "F301" "fails-on-rows" Notice,
        "rows already in the table can make the step fail, and the migration with it",
        "check the rows first, or clean them in a data migration before it";
    SQLITE_REBUILD = "F401" "sqlite-rebuild" Notice,
        "SQLite makes the table again and copies every row, holding the write lock",
        "nothing else can: keep such migrations apart from busy times";
}

impl Rule {
    /// The rule of this code.
    pub fn by_code(code: &str) -> Option<&'static Rule> {
        RULES.iter().copied().find(|r| r.code == code)
    }
}

/// What one rule finds about one step on one database.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The rule.
    pub rule: &'static Rule,
    /// The step's place in the migration's direction, from 0.
    pub step: usize,
    /// The step, as its operation reads.
    pub op: String,
    /// The database.
    pub database: Database,
    /// What the step does there, in a line: the lock and the rows.
    pub detail: String,
    /// Whether the step's [`Step::accept`] names the rule.
    pub accepted: bool,
}

/// The findings about `steps` (one direction of one migration, in order) on
/// `database`, in step order.
pub fn lint(steps: &[Step], database: Database) -> Vec<Finding> {
    let mut new = New::default();
    let mut out = Vec::new();
    let mut bounded = false;
    let mut timeout_told = false;
    // Columns a split rename keeps equal: the trigger gives each a value in
    // an insert that leaves it out, the running version's among them.
    let mut synced: Vec<(&str, &str)> = Vec::new();
    // A table's old names the migration keeps (or makes again) as views
    // the running version uses: its rename, or the view's drop, breaks
    // nothing.
    let aliased: Vec<&str> = steps
        .iter()
        .filter_map(|s| match &s.op {
            Op::AliasTable { alias, .. } if database != Database::Sqlite => Some(alias.as_ref()),
            _ => None,
        })
        .collect();
    for (i, step) in steps.iter().enumerate() {
        if let Op::SyncColumns { table, old, new } = &step.op {
            synced.extend([(table.as_ref(), old.as_ref()), (table.as_ref(), new.as_ref())]);
        }
        if let Op::Sql(sql) = &step.op
            && sql.to_ascii_lowercase().contains("lock_timeout")
        {
            bounded = true;
        }
        let existing = !new.is_new(&step.op);
        // A new table locks the existing tables its foreign keys refer to
        // (PostgreSQL: SHARE ROW EXCLUSIVE, until the migration commits).
        let refers = matches!(&step.op, Op::CreateTable(t) if t.foreign_keys.iter().any(|k| {
            k.referred_table != t.name && !new.tables.contains(k.referred_table.as_ref())
        }));
        new.record(&step.op);
        if !existing && !refers {
            continue;
        }
        let effect = locks::effect(step, database);
        let mut rules = if existing {
            rules_for(step, database, &effect)
        } else {
            Vec::new()
        };
        if let Op::AlterColumn { table, to, .. } = &step.op
            && synced.contains(&(table.as_ref(), to.name.as_ref()))
        {
            rules.retain(|r| *r != &REQUIRED_VALUE);
        }
        if let Op::RenameTable { from: old, .. } | Op::UnaliasTable { alias: old, .. } = &step.op
            && aliased.contains(&old.as_ref())
        {
            rules.retain(|r| *r != &RENAME_TABLE);
        }
        if database == Database::Postgres && !bounded && !timeout_told && queues(&effect) {
            rules.push(&NO_LOCK_TIMEOUT);
            timeout_told = true;
        }
        for rule in rules {
            out.push(Finding {
                rule,
                step: i,
                op: step.op.to_string(),
                database,
                detail: detail(&effect, database),
                accepted: step.accepted.iter().any(|c| c == rule.code),
            });
        }
    }
    out
}

/// For each operation of a migration's direction, in order, whether it acts
/// on a table or an enum that exists before the migration (rather than one
/// an earlier operation of the same migration creates): what the rules and
/// safe plans look at.
pub fn on_existing<'a>(ops: impl IntoIterator<Item = &'a Op>) -> Vec<bool> {
    let mut new = New::default();
    ops.into_iter()
        .map(|op| {
            let existing = !new.is_new(op);
            new.record(op);
            existing
        })
        .collect()
}

/// The mark a safe plan gives `op` when it acts on a table that exists
/// before the migration: the name of the [`Step`] method, `concurrently`
/// for an index created or dropped, `validate_separately` for a named
/// foreign key, a check, or a column made NOT NULL and changed in nothing
/// else. `None` for the other operations.
pub fn safe_form(op: &Op) -> Option<&'static str> {
    match op {
        Op::CreateIndex { .. } | Op::DropIndex { .. } => Some("concurrently"),
        Op::AddUnique { constraint, .. } if constraint.name.is_some() => Some("concurrently"),
        Op::AddPrimaryKey { key, .. } if key.name.is_some() => Some("concurrently"),
        // The runtime validates a key separately only by its name.
        Op::AddForeignKey { key, .. } if key.name.is_some() => Some("validate_separately"),
        Op::AddCheck { .. } => Some("validate_separately"),
        Op::AlterColumn { from, to, .. } => only_set_not_null(from, to).then_some("validate_separately"),
        Op::FillNulls { .. } => Some("in_batches"),
        _ => None,
    }
}

/// The steps of a safe plan, before the marks: `steps`, with each change
/// of a column of an existing table that makes it NOT NULL and also gives
/// it another default or comment split in two, the default and comment
/// first and the NOT NULL alone after, so that the NOT NULL can take its
/// safe form ([`safe_form`]). A change of type is not split: it rewrites
/// the table, and the NOT NULL is checked during the rewrite for nothing.
pub fn safe_steps(steps: &[Op]) -> Vec<Op> {
    let existing = on_existing(steps);
    let mut out = Vec::with_capacity(steps.len());
    for (op, existing) in steps.iter().zip(existing) {
        if let Op::AlterColumn { table, from, to } = op
            && existing
            && from.nullable
            && !to.nullable
            && !only_set_not_null(from, to)
        {
            let mut first = to.clone();
            first.nullable = true;
            let mut same = from.clone();
            same.default.clone_from(&first.default);
            same.comment.clone_from(&first.comment);
            if same == first {
                out.push(Op::AlterColumn {
                    table: table.clone(),
                    from: from.clone(),
                    to: first.clone(),
                });
                out.push(Op::AlterColumn {
                    table: table.clone(),
                    from: first,
                    to: to.clone(),
                });
                continue;
            }
        }
        out.push(op.clone());
    }
    out
}

/// Whether a column change makes the column NOT NULL and nothing else.
pub(crate) fn only_set_not_null(from: &crate::schema::Column, to: &crate::schema::Column) -> bool {
    let mut lifted = to.clone();
    lifted.nullable = true;
    from.nullable && !to.nullable && *from == lifted
}

/// The rules a step on an existing table breaks on `database`.
fn rules_for(step: &Step, database: Database, effect: &Effect) -> Vec<&'static Rule> {
    let mut out: Vec<&'static Rule> = Vec::new();
    let mut add = |rule: &'static Rule| {
        if !out.contains(&rule) {
            out.push(rule);
        }
    };
    let kinds = kinds(&step.op, step.online);
    if database == Database::Postgres {
        for kind in &kinds {
            match kind {
                Kind::CreateIndex { .. } => add(&BLOCKING_INDEX),
                Kind::DropIndex => add(&BLOCKING_INDEX_DROP),
                Kind::AddForeignKey => add(&FOREIGN_KEY_SCAN),
                Kind::AddCheck => add(&CHECK_SCAN),
                Kind::SetNotNull => add(&NOT_NULL_SCAN),
                Kind::AddUnique => add(&UNIQUE_SCAN),
                Kind::AddPrimaryKey => add(&PRIMARY_KEY_SCAN),
                Kind::FillNulls => add(&FILL_IN_TRANSACTION),
                _ => {}
            }
        }
    }
    if database == Database::MySql && kinds.contains(&Kind::FillNulls) {
        add(&FILL_IN_TRANSACTION);
    }
    if database == Database::Sqlite {
        // Every step holds the database's write lock; what matters is how
        // long, which a copy of every row decides.
        if effect.rewrite != Rewrite::No {
            add(&SQLITE_REBUILD);
        }
    } else if effect.rewrite == Rewrite::Rows && writes_wait(effect.lock) {
        add(&TABLE_REWRITE);
    }
    if effect.breaks_running_app {
        for kind in &kinds {
            match kind {
                Kind::DropColumn => add(&DROP_COLUMN),
                Kind::DropTable => add(&DROP_TABLE),
                Kind::RenameColumn => add(&RENAME_COLUMN),
                Kind::RenameTable | Kind::UnaliasTable => add(&RENAME_TABLE),
                Kind::AddColumn(Fill::Required)
                | Kind::SetNotNull
                | Kind::SetNotNullValidated
                | Kind::ColumnDefault {
                    required_loses_it: true,
                }
                | Kind::DropIdentity => add(&REQUIRED_VALUE),
                Kind::ChangeType(Retype::Widening | Retype::Narrowing) => add(&TYPE_CHANGE),
                Kind::DropEnumValue | Kind::RenameEnumValue => add(&ENUM_VALUE_GONE),
                _ => {}
            }
        }
    }
    if effect.may_fail_on_rows {
        add(&FAILS_ON_ROWS);
    }
    out
}

/// Whether writes to the table wait while the step holds its lock.
fn writes_wait(lock: Lock) -> bool {
    match lock {
        Lock::Postgres(mode) => mode >= PgLock::Share,
        Lock::MySql(_, clause) => clause >= LockClause::Shared,
        _ => false,
    }
}

/// Whether the step takes a PostgreSQL lock on an existing table that
/// conflicts with the application's writes: waiting for it queues them.
fn queues(effect: &Effect) -> bool {
    matches!(effect.lock, Lock::Postgres(mode) if mode >= PgLock::Share)
        && !matches!(effect.on, Tables::Nothing | Tables::Unknown)
        && effect.scan != Scan::Online
}

/// The effect in a line: the lock on `database` and what the step does to
/// the rows meanwhile.
fn detail(effect: &Effect, database: Database) -> String {
    let lock = match (database, effect.lock) {
        (_, Lock::Nothing) => "no lock on the table".to_owned(),
        (Database::MySql, Lock::MySql(..)) => format!("ALGORITHM={}", effect.lock),
        (_, lock) => lock.to_string(),
    };
    let rows = match (effect.rewrite, effect.scan) {
        (Rewrite::Rebuild, _) => "; the table is made again and every row copied",
        (Rewrite::Rows, _) => "; every row is written again",
        (Rewrite::No, Scan::Locked) => "; every row is read under the lock",
        (Rewrite::No, Scan::Online) => "; every row is read while writes go on",
        (Rewrite::No, Scan::No) => "",
    };
    format!("{lock}{rows}")
}

/// The tables and enums a migration creates, as it goes: steps on them touch
/// nothing that exists.
#[derive(Default)]
struct New {
    tables: HashSet<String>,
    enums: HashSet<String>,
}

impl New {
    fn is_new(&self, op: &Op) -> bool {
        match op {
            Op::CreateTable(_) | Op::CreateEnum(_) => true,
            Op::AddEnumValue { name, .. }
            | Op::DropEnumValue { name, .. }
            | Op::ReorderEnumValues { name, .. }
            | Op::RenameEnumValue { name, .. }
            | Op::DropEnum { name } => self.enums.contains(name.as_ref()),
            op => op_table(op).is_some_and(|t| self.tables.contains(t)),
        }
    }

    fn record(&mut self, op: &Op) {
        match op {
            Op::CreateTable(t) => {
                self.tables.insert(t.name.to_string());
            }
            Op::CreateEnum(e) => {
                self.enums.insert(e.name.to_string());
            }
            Op::RenameTable { from, to } if self.tables.remove(from.as_ref()) => {
                self.tables.insert(to.to_string());
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
