//! What can go wrong when migrating, one variant per cause.

/// Why a migration command did not do what it was asked.
///
/// Each variant names what it is about; nothing in the database has changed
/// when a command returns one of these before it started applying (every
/// check comes first), and a migration that fails while applying leaves the
/// database at the revision before it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrateError {
    /// A target that is none of `head`, `heads`, `base`, `+N`, `-N` or an id.
    #[error("`{0}` is not a target; use `head`, `heads`, `base`, `+N`, `-N` or a revision id")]
    BadTarget(String),
    /// Two migrations declare one revision id.
    #[error("two migrations declare revision `{0}`")]
    DuplicateRevision(String),
    /// Revisions that follow each other round in a circle.
    #[error("the revisions {} follow each other in a cycle: a revision cannot come after itself", .0.join(", "))]
    Cycle(Vec<String>),
    /// The snapshot is not the schema the newest migration records.
    #[error(
        "{path}: the snapshot is not the schema that `{head}` leaves: it was edited by hand, or is stale; \
         restore it from version control, or regenerate it from the migrations"
    )]
    SnapshotMismatch {
        /// The snapshot file.
        path: String,
        /// The newest migration.
        head: String,
    },
    /// A migration follows a revision no migration declares.
    #[error("revision `{revision}` follows `{parent}`, which no migration declares")]
    UnknownParent {
        /// The migration.
        revision: String,
        /// The missing parent.
        parent: String,
    },
    /// A squash's `REPLACES` that the graph cannot follow.
    #[error("squash `{squash}`: {reason}")]
    BadSquash {
        /// The squash.
        squash: String,
        /// What is wrong.
        reason: String,
    },
    /// The database applied some of what a squash replaces, and the files of
    /// the rest are gone: neither the squash nor the originals can run.
    #[error(
        "the database applied {} of the revisions squash `{squash}` replaces, and the files of {} that are \
         not applied are gone: restore them from version control (with them the next `upgrade` applies the \
         rest, then records the squash), or bring the database to the squash's parent first",
        .applied.join(", "), .missing.join(", ")
    )]
    PartlySquashed {
        /// The squash.
        squash: String,
        /// The replaced revisions the database applied.
        applied: Vec<String>,
        /// The replaced revisions neither applied nor in a file.
        missing: Vec<String>,
    },
    /// A target names a revision a squash replaced.
    #[error("revision `{revision}` is replaced by squash `{by}`: name the squash, or a revision after it")]
    Replaced {
        /// The revision.
        revision: String,
        /// The squash that replaces it.
        by: String,
    },
    /// `squash` cannot replace this range.
    #[error("cannot squash: {0}")]
    CannotSquash(String),
    /// No migration has this id or id prefix.
    #[error("no migration has revision `{0}`")]
    UnknownRevision(String),
    /// A prefix that more than one revision id starts with.
    #[error("`{prefix}` is ambiguous: it starts {}; give more of the id", .candidates.join(", "))]
    AmbiguousRevision {
        /// What was given.
        prefix: String,
        /// The ids it starts.
        candidates: Vec<String>,
    },
    /// `head` was asked for, but the history has branched.
    #[error(
        "the migrations have {} heads ({}): join them with `merge heads -m \"...\"`, or name a revision",
        .0.len(),
        .0.join(", ")
    )]
    SeveralHeads(Vec<String>),
    /// There are no migrations at all.
    #[error("there are no migrations")]
    NoMigrations,
    /// `upgrade -1`, `downgrade head` and the like.
    #[error("`{command} {target}` goes the wrong way")]
    WrongDirection {
        /// The command.
        command: &'static str,
        /// The target it was given.
        target: String,
    },
    /// A version-table name a database would not keep as it is.
    #[error("`{0}` cannot name the version table: a name needs 1 to 63 bytes")]
    BadTableName(String),
    /// A version table whose lock table on a Galera cluster MySQL would
    /// not name.
    #[error(
        "`{0}` cannot name the version table on a Galera cluster: its lock table `{0}_lock` would be \
         longer than 64 characters; give a shorter `version_table`"
    )]
    LockTableName(String),
    /// `downgrade REV` to a revision the database has not applied.
    #[error(
        "revision `{0}` is not applied, so there is nothing to go down to; `downgrade` goes to an applied \
         revision (`current` and `history` show them), `-N` or `base`"
    )]
    NotApplied(String),
    /// `+N` or `-N` beyond what there is.
    #[error("asked for {wanted} migrations, but only {available} are {direction}")]
    NotThatMany {
        /// N.
        wanted: usize,
        /// How many there are.
        available: usize,
        /// `pending` or `applied`.
        direction: &'static str,
    },
    /// The database records revisions this program does not contain.
    #[error(
        "the database is at revision(s) {} that this program does not know; \
         was it migrated by a newer build? Use that build, or `stamp --purge REV` if you know better",
        .0.join(", ")
    )]
    UnknownApplied(Vec<String>),
    /// An applied migration's file changed since it was applied.
    #[error(
        "migration `{revision}` ({file}) changed after it was applied (checksum {recorded} recorded, \
         {current} now). If it was a draft that the build rewrote, revert it with `downgrade -{}` (the \
         database kept the downgrade it was applied with){}, then upgrade again; otherwise restore the \
         file as it was",
        .also_reverts.len() + 1,
        if .also_reverts.is_empty() {
            String::new()
        } else {
            format!(", which first reverts what was applied after it: {}", .also_reverts.join(", "))
        }
    )]
    ChecksumMismatch {
        /// The revision.
        revision: String,
        /// The revisions applied after it, newest first: `downgrade -N`, N
        /// one more than their number, reverts them and it, and nothing else.
        also_reverts: Vec<String>,
        /// Its file.
        file: String,
        /// The checksum in the version table.
        recorded: String,
        /// The checksum of the file now.
        current: String,
    },
    /// A destructive step nobody acknowledged.
    #[error(
        "migration `{revision}` ({file}) has a destructive step that is not acknowledged: `{step}`. \
         Review it, then change its `.acknowledged(false)` to `.acknowledged(true)` in the file"
    )]
    Unacknowledged {
        /// The revision.
        revision: String,
        /// Its file.
        file: String,
        /// The step.
        step: String,
    },
    /// A fill of NULLs whose value the migration file does not say yet.
    #[error(
        "migration `{revision}` ({file}) cannot {direction}: its step `fill NULLs of {table}.{column} (value \
         not written)` needs a value for the rows \
         of `{table}` that hold NULL in `{column}`, which the model does not give (it has no default). \
         Write an SQL expression into the file in place of `None` in \
         `fill_nulls(\"{table}\", \"{column}\", None)`, for example `Some(\"0\")` or `Some(\"'unknown'\")`"
    )]
    UnwrittenFill {
        /// The revision.
        revision: String,
        /// Its file.
        file: String,
        /// `upgrade` or `downgrade`.
        direction: &'static str,
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A migration stopped part-way in the other direction.
    #[error(
        "migration `{revision}` stopped part-way through its {direction}: run `{direction}` again to finish \
         it (after fixing what made it stop) before going the other way"
    )]
    Partial {
        /// The revision.
        revision: String,
        /// `upgrade` or `downgrade`: what it was doing.
        direction: &'static str,
    },
    /// Another run held the migration lock for longer than the lock timeout.
    #[error(
        "another run holds the migration lock{}, and it was not released within {}; nothing was \
         done. Wait for that run to finish, or give a longer `--lock-timeout` (seconds)",
        .holder.as_deref().map(|h| format!(" ({h})")).unwrap_or_default(),
        humantime(*.waited)
    )]
    LockTimeout {
        /// How long this run waited.
        waited: std::time::Duration,
        /// Who holds it, as far as the database tells.
        holder: Option<String>,
    },
    /// The server takes no writes: a standby, or a read-only replica.
    #[error(
        "{database} is read-only ({why}); nothing was done. Run `upgrade`, `downgrade` and `stamp` \
         against the primary: `current`, `history`, `check` and `check --schema` work here"
    )]
    ReadOnly {
        /// The database, its password hidden.
        database: String,
        /// What the server said.
        why: &'static str,
    },
    /// A run on a cluster lost its lease on the migration lock: it could not
    /// renew it for longer than the lease, and another run may have taken it.
    #[error(
        "this run lost the migration lock: another run took it over, or could have, since the run's \
         lease of {} was not renewed in time{}; the run stopped before its next part. Check with \
         `current`, then run the command again; give a longer `--lock-lease` if a single schema \
         statement runs longer than the lease",
        humantime(*.lease),
        .holder.as_deref().map(|h| format!(" (now held by {h})")).unwrap_or_default()
    )]
    LockLost {
        /// The lease.
        lease: std::time::Duration,
        /// Who holds it now, as far as the database tells.
        holder: Option<String>,
    },
    /// `--wait-replicas` on a database that cannot tell where its replicas
    /// stand.
    #[error(
        "`--wait-replicas` works on a PostgreSQL primary only: {engine} does not tell where its replicas' \
         replay stands; nothing was done (docs/clusters.md says what holds there)"
    )]
    NoReplicaWait {
        /// The database engine.
        engine: &'static str,
    },
    /// The run is done on the primary, but a replica had not replayed it
    /// when `--wait-replicas` gave up.
    #[error(
        "the upgrade is done on the primary, but within {} these replicas did not replay it (up to \
         {position}): {}. Readers of those replicas may not see it yet",
        humantime(*.waited),
        .behind.join("; ")
    )]
    ReplicasBehind {
        /// The primary's position after the run.
        position: String,
        /// How long the run waited.
        waited: std::time::Duration,
        /// The replicas behind, in words.
        behind: Vec<String>,
    },
    /// The downgrade the version table keeps for a revision is not what was
    /// recorded.
    #[error(
        "the downgrade recorded for `{revision}` in the version table changed after it was recorded \
         (checksum {recorded} recorded, {current} now); nothing was reverted. Restore the row from a \
         backup, or revert the migration by hand and `stamp` the revision before it"
    )]
    DowngradeChanged {
        /// The revision.
        revision: String,
        /// The checksum recorded with it.
        recorded: String,
        /// The checksum of what the row holds now.
        current: String,
    },
    /// A version-table row holds a value no run writes.
    #[error(
        "the version table's row for `{revision}` holds `{value}` in `{column}`, which no run writes; \
         the table was edited by hand: restore it, or `stamp --purge` the revision the database is at"
    )]
    BadVersionRow {
        /// The revision.
        revision: String,
        /// The column.
        column: &'static str,
        /// What it holds.
        value: String,
    },
    /// A run stopped while a MySQL schema statement ran, and the schema
    /// does not say whether the statement took effect.
    #[error(transparent)]
    InDoubt(Box<PartInDoubt>),
    /// A step outside the transaction ran, but recording it failed.
    #[error(
        "migration `{revision}`: part {part} ran outside a transaction and took effect, but recording it \
         failed ({source}); do not run it again: finish by hand what the parts after it do, then `stamp`"
    )]
    Unrecorded {
        /// The revision.
        revision: String,
        /// The part, counted from 1.
        part: usize,
        /// Why recording failed.
        #[source]
        source: Box<MigrateError>,
    },
    /// Offline SQL asked for a migration with a Rust step.
    #[error(
        "migration `{revision}` has the Rust step `{name}`, which only the program can run: apply it with \
         `upgrade` (or `downgrade`) against the database, not as SQL"
    )]
    RustStepOffline {
        /// The revision.
        revision: String,
        /// The step.
        name: String,
    },
    /// The version table holds a downgrade this release cannot read.
    #[error(
        "the downgrade recorded for `{revision}` cannot be read ({reason}); it is what reverts the migration \
         as it was applied, so nothing was reverted"
    )]
    UnreadableDowngrade {
        /// The revision.
        revision: String,
        /// Why.
        reason: String,
    },
    /// `downgrade` without a target.
    #[error(
        "`downgrade` needs a target: `-N` (the last N migrations, `-1` for one), `base` (all of them), or a \
         revision id (or a prefix of one) to go down to"
    )]
    MissingTarget,
    /// `database drop` or `reset` without `-y`, where nobody confirmed.
    #[error(
        "not confirmed: {what} the database {url}; nothing was done. Pass `-y` to do it without asking \
         (a script must: there is no terminal to ask on)"
    )]
    NotConfirmed {
        /// What would have been done.
        what: String,
        /// The database, its password hidden.
        url: String,
    },
    /// `--dialect` names no dialect.
    #[error("`{0}` is not a dialect; use `sqlite`, `postgres` (or `postgresql`) or `mysql` (or `mariadb`)")]
    BadDialect(String),
    /// A downgrade that a migration marks impossible.
    #[error("migration `{revision}` ({file}) cannot be reverted: {reason}")]
    Irreversible {
        /// The revision.
        revision: String,
        /// Its file.
        file: String,
        /// The reason the migration gives.
        reason: String,
    },
    /// The version table recorded a Rust step the migration no longer has.
    #[error("migration `{revision}` has no Rust step `{name}` any more, which its recorded downgrade runs")]
    MissingRustStep {
        /// The revision.
        revision: String,
        /// The step.
        name: String,
    },
    /// An operation the dialect cannot express.
    #[error("cannot render `{op}` for {dialect}: {reason}")]
    Unsupported {
        /// The operation.
        op: String,
        /// The dialect.
        dialect: &'static str,
        /// Why.
        reason: String,
    },
    /// A default, check, SQL type or fill value in a migration that would not
    /// stay within the statement it is written into.
    #[error(transparent)]
    BadFragment(Box<FragmentInMigration>),
    /// `--database NAME` names no database this program manages.
    #[error("no database is called `{name}`; this program manages {}", .known.join(", "))]
    UnknownDatabase {
        /// The name given.
        name: String,
        /// The names it knows.
        known: Vec<String>,
    },
    /// `merge heads` with fewer than two heads.
    #[error("there is nothing to merge: the head is {0}")]
    NothingToMerge(String),
    /// A migration file's number leaves no number for a file after it.
    #[error(
        "{}: the number this file name starts with is above {max}, so no new file can follow it; \
         rename it with a smaller number (the numbers only order the files, the revision ids link them)",
        .path.display()
    )]
    NumberTooLarge {
        /// The file.
        path: std::path::PathBuf,
        /// The highest number a file may have for another to follow it.
        max: u32,
    },
    /// `sqlalchemy` found no snapshot to describe.
    #[error("{}: no snapshot; `cargo build` writes it with the first migration", .0.display())]
    NoSnapshot(std::path::PathBuf),
    /// The snapshot could not be read.
    #[error("{}: {source}", .path.display())]
    BadSnapshot {
        /// The snapshot file.
        path: std::path::PathBuf,
        /// What is wrong with it.
        source: crate::snapshot::SnapshotError,
    },
    /// A command needs a setting the program did not give its `Cli`.
    #[error("this command needs the program to call `Cli::{0}`")]
    NotConfigured(&'static str),
    /// A file could not be read or written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The database's schema could not be read.
    #[error("{0}")]
    Introspection(String),
    /// A SQLite table rebuild left rows that break a foreign key; it was rolled back.
    #[error(
        "rebuilding table {table} would leave rows that break foreign keys ({rows}); nothing was changed"
    )]
    ForeignKeyCheck {
        /// The rebuilt table.
        table: String,
        /// The offending rows, as `PRAGMA foreign_key_check` reports them.
        rows: String,
    },
    /// A database URL that names no supported database.
    #[error(
        "`{0}` is not a database URL this build supports (sqlite:, postgres:, postgresql:, mysql:, mariadb:)"
    )]
    BadUrl(String),
    /// A database whose driver this build does not have.
    #[error(
        "{database} needs the `{feature}` feature of ferro-core, which this build does not have: add it to the \
         migrations crate's `ferro-core` features"
    )]
    NoDriver {
        /// The database's name.
        database: &'static str,
        /// The feature that brings its driver.
        feature: &'static str,
    },
    /// A statement failed.
    #[cfg(feature = "runtime")]
    #[error("{context}: {source}")]
    Database {
        /// What was being done: the revision and the statement.
        context: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
}

impl MigrateError {
    /// The exit code of the command that meets this error: one of its own for
    /// each way the migrations or the database can disagree with what was
    /// applied, so that a deploy script can tell them apart; 1 for the rest.
    /// (2 is a usage error, from clap; 3 is `check --schema` finding drift,
    /// 13 `check` finding the database behind; see the runtime guide.)
    pub fn exit_code(&self) -> u8 {
        match self {
            MigrateError::ChecksumMismatch { .. }
            | MigrateError::DowngradeChanged { .. }
            | MigrateError::BadVersionRow { .. } => 4,
            MigrateError::UnknownApplied(_) => 5,
            MigrateError::DuplicateRevision(_) => 6,
            MigrateError::Cycle(_) | MigrateError::UnknownParent { .. } | MigrateError::BadSquash { .. } => 7,
            MigrateError::SeveralHeads(_) => 8,
            MigrateError::SnapshotMismatch { .. } => 9,
            MigrateError::Unacknowledged { .. } | MigrateError::UnwrittenFill { .. } => 10,
            MigrateError::InDoubt(_) => 11,
            MigrateError::LockTimeout { .. } => 12,
            MigrateError::ReadOnly { .. } => 15,
            MigrateError::LockLost { .. } => 16,
            MigrateError::ReplicasBehind { .. } => 17,
            MigrateError::PartlySquashed { .. } => 18,
            _ => 1,
        }
    }
}

/// A duration in words: `300 s`, `1.5 s`, `250 ms`.
fn humantime(d: std::time::Duration) -> String {
    if d >= std::time::Duration::from_secs(1) {
        format!("{} s", (d.as_secs_f64() * 10.0).round() / 10.0)
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// What [`MigrateError::InDoubt`] says: which part of which migration a
/// stopped run may have left done without a record, and the ways out.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "migration `{revision}` ({file}): part {part} of {total} was running when the last `{direction}` \
     stopped, and the schema is neither what the parts before it leave nor what it leaves, so whether it \
     took effect is not known:\n    {part}. {statement}\nCompare the database with it. To finish, do by \
     hand what it and the parts after it do (`{direction} --sql` shows them), then run `stamp {finish}`; \
     to go back instead, undo the parts done by hand, then run `stamp {back}`"
)]
pub struct PartInDoubt {
    /// The revision.
    pub revision: String,
    /// Its file.
    pub file: String,
    /// The part, counted from 1.
    pub part: usize,
    /// How many parts the migration has.
    pub total: usize,
    /// The part's statement.
    pub statement: String,
    /// `upgrade` or `downgrade`.
    pub direction: &'static str,
    /// What to stamp once finished by hand.
    pub finish: String,
    /// What to stamp once undone by hand.
    pub back: String,
}

/// What [`MigrateError::BadFragment`] says: which text of which step of
/// which migration would leave the statement it is written into, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "migration `{revision}` ({file}), step `{step}`: {place} (`{text}`) does not stay within its \
     statement: {source}; a default, a check, an SQL type or a fill is one piece of SQL, with no `;` or \
     comment outside quotes"
)]
pub struct FragmentInMigration {
    /// The revision.
    pub revision: String,
    /// Its file.
    pub file: String,
    /// The step.
    pub step: String,
    /// What the text is: a column's default or SQL type, a check, a fill.
    pub place: String,
    /// The text.
    pub text: String,
    /// What in it would leave the statement.
    #[source]
    pub source: crate::schema::fragment::FragmentError,
}
