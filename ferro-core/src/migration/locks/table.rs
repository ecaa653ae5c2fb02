//! The table itself: for each case of each operation, on each database,
//! the lock, the rewrite or scan, and the risks. Each row follows the SQL the
//! runtime renders (`runtime/render/*.rs`, `runtime/rebuild.rs`).

use super::classify::{Fill, Kind, Retype};
use super::{Algorithm, Database, Effect, Lock, LockClause, PgLock, Rewrite, Scan, Tables};

pub(super) const AE: Lock = Lock::Postgres(PgLock::AccessExclusive);
pub(super) const SRE: Lock = Lock::Postgres(PgLock::ShareRowExclusive);
pub(super) const SHARE: Lock = Lock::Postgres(PgLock::Share);
pub(super) const SUE: Lock = Lock::Postgres(PgLock::ShareUpdateExclusive);
pub(super) const ROW_EXCL: Lock = Lock::Postgres(PgLock::RowExclusive);
pub(super) const INSTANT: Lock = Lock::MySql(Algorithm::Instant, LockClause::None);
pub(super) const INPLACE: Lock = Lock::MySql(Algorithm::Inplace, LockClause::None);
pub(super) const INPLACE_SHARED: Lock = Lock::MySql(Algorithm::Inplace, LockClause::Shared);
pub(super) const COPY: Lock = Lock::MySql(Algorithm::Copy, LockClause::Shared);
pub(super) const METADATA: Lock = Lock::MySqlMetadata;
pub(super) const WRITE: Lock = Lock::SqliteWrite;
pub(super) const NOTHING: Lock = Lock::Nothing;

/// The table itself: each case of each operation on each database.
pub(super) fn row(kind: Kind, database: Database) -> Effect {
    use Database::{MySql, Postgres, Sqlite};
    use Kind::*;
    use Scan::{Locked, Online};
    use Tables::{EnumTables, Referred, Table, TableAndReferred};
    match (kind, database) {
        (CreateTable { refers: false }, Postgres) => at(NOTHING, Tables::Nothing),
        (CreateTable { refers: true }, Postgres) => {
            at(SRE, Referred).note("writes to the referred tables wait until the migration commits")
        }
        (CreateTable { refers }, MySql) => at(METADATA, if refers { TableAndReferred } else { Table }),
        (CreateTable { .. }, Sqlite) => at(WRITE, Table),

        (DropTable, Postgres) => at(AE, Table)
            .breaks()
            .note("also on the tables its foreign keys refer to"),
        (DropTable, MySql) => at(METADATA, Table).breaks(),
        (DropTable, Sqlite) => at(WRITE, Table).breaks(),

        (RenameTable, Postgres) => at(AE, Table).breaks(),
        (RenameTable, MySql) => at(METADATA, Table).breaks(),
        (RenameTable, Sqlite) => at(WRITE, Table).breaks(),

        (AddColumn(Fill::Null | Fill::Literal), Postgres) => at(AE, Table),
        (AddColumn(Fill::Expression { volatile: false }), Postgres) => {
            at(AE, Table).note("the default is evaluated once (PostgreSQL 11+)")
        }
        (AddColumn(Fill::Expression { volatile: true }), Postgres) => at(AE, Table)
            .rewrites(Locked)
            .note("a volatile default is evaluated for every row"),
        (AddColumn(Fill::Required), Postgres) => at(AE, Table).fails().breaks(),
        (AddColumn(Fill::Numbered), Postgres) => at(AE, Table)
            .rewrites(Locked)
            .note("an identity column numbers every row"),
        (AddColumn(Fill::Generated { .. }), Postgres) => at(AE, Table)
            .rewrites(Locked)
            .note("a stored generated column is computed for every row"),
        (AddColumn(Fill::Generated { stored: true }), MySql) => at(COPY, Table)
            .rewrites(Locked)
            .note("a stored generated column is computed for every row"),
        (AddColumn(Fill::Generated { stored: false }), MySql) => {
            at(INPLACE, Table).note("a virtual generated column: metadata only")
        }
        (AddColumn(Fill::Generated { stored: true }), Sqlite) => at(WRITE, Table)
            .rebuilds()
            .note("SQLite's ADD COLUMN takes no stored generated column"),
        (AddColumn(Fill::Generated { stored: false }), Sqlite) => at(WRITE, Table),
        (AddColumn(Fill::Numbered), MySql) => at(INPLACE_SHARED, Table)
            .rewrites(Locked)
            .note("added with its PRIMARY KEY"),
        (AddColumn(Fill::Required), MySql) => at(INSTANT, Table)
            .fails()
            .breaks()
            .note("rows get the type's implicit default (0, ''); a date or time may fail (NO_ZERO_DATE)"),
        (AddColumn(_), MySql) => {
            at(INSTANT, Table).note("MySQL 8.0.12+, MariaDB 10.3.2+: added as the last column")
        }
        (AddColumn(Fill::Null | Fill::Literal), Sqlite) => at(WRITE, Table),
        (AddColumn(Fill::Expression { .. }), Sqlite) => at(WRITE, Table)
            .rebuilds()
            .note("SQLite's ADD COLUMN takes only a constant default"),
        (AddColumn(Fill::Required), Sqlite) => at(WRITE, Table).rebuilds().fails().breaks(),
        (AddColumn(Fill::Numbered), Sqlite) => at(WRITE, Table)
            .rebuilds()
            .note("rows are numbered from their rowid"),

        (DropColumn, Postgres) => at(AE, Table)
            .breaks()
            .note("the column is hidden; its space is reclaimed as rows change"),
        (DropColumn, MySql) => at(INSTANT, Table)
            .breaks()
            .note("MySQL 8.0.29+, MariaDB 10.4+; before 8.0.29 INPLACE with a rebuild"),
        (DropColumn, Sqlite) => at(WRITE, Table)
            .rewrites(Locked)
            .breaks()
            .note("a rebuild when a key, index or constraint uses the column"),

        (RenameColumn, Postgres) => at(AE, Table).breaks(),
        (RenameColumn, MySql) => at(INSTANT, Table)
            .breaks()
            .note("MySQL 8.0.28+; metadata only before"),
        (RenameColumn, Sqlite) => at(WRITE, Table).breaks(),

        (ChangeType(Retype::LongerVarchar { .. } | Retype::Coercible), Postgres) => {
            at(AE, Table).note("binary-coercible: no rewrite; an index on the column may be rebuilt")
        }
        (ChangeType(Retype::Widening), Postgres) => at(AE, Table).rewrites(Locked).breaks(),
        (ChangeType(Retype::Narrowing), Postgres) => at(AE, Table).rewrites(Locked).fails().breaks(),
        (ChangeType(Retype::LongerVarchar { same_prefix: true }), MySql) => {
            at(INPLACE, Table).note("metadata only (utf8mb4 assumed); MariaDB: INSTANT")
        }
        (ChangeType(Retype::LongerVarchar { same_prefix: false }), MySql) => at(COPY, Table)
            .rewrites(Locked)
            .note("the length prefix grows from 1 to 2 bytes"),
        (ChangeType(Retype::Coercible), MySql) => at(COPY, Table).rewrites(Locked),
        (ChangeType(Retype::Widening), MySql) => at(COPY, Table).rewrites(Locked).breaks(),
        (ChangeType(Retype::Narrowing), MySql) => at(COPY, Table).rewrites(Locked).fails().breaks(),
        (ChangeType(Retype::Narrowing | Retype::Widening), Sqlite) => at(WRITE, Table).rebuilds().breaks(),
        (ChangeType(_), Sqlite) => at(WRITE, Table).rebuilds(),

        // Values are kept; what two of them compare as may not be, so a
        // unique index over the column may find duplicates.
        (ChangeCollation, Postgres) => at(AE, Table)
            .fails()
            .note("no rewrite; the column's indexes are rebuilt under the lock"),
        (ChangeCollation, MySql) => at(COPY, Table).rewrites(Locked).fails(),
        (ChangeCollation, Sqlite) => at(WRITE, Table).rebuilds().fails(),

        (SetNotNull, Postgres) => at(AE, Table)
            .scans(Locked)
            .fails()
            .breaks()
            .note("PostgreSQL 12+ skips the scan when a valid CHECK (c IS NOT NULL) proves it"),
        (SetNotNull | SetNotNullValidated, MySql) => at(INPLACE, Table).rewrites(Online).fails().breaks(),
        (SetNotNull | SetNotNullValidated, Sqlite) => at(WRITE, Table).rebuilds().fails().breaks(),
        // The check added NOT VALID takes ACCESS EXCLUSIVE briefly; the
        // validation reads the rows under SHARE UPDATE EXCLUSIVE, and SET
        // NOT NULL after it, proven by the check, holds ACCESS EXCLUSIVE
        // briefly again.
        (SetNotNullValidated, Postgres) => at(AE, Table)
            .validated_under(SUE)
            .fails()
            .breaks()
            .note("SET NOT NULL follows the validation, proven by the check without a scan"),
        (DropNotNull, Postgres) => at(AE, Table),
        (DropNotNull, MySql) => at(INPLACE, Table).rewrites(Online),
        (DropNotNull, Sqlite) => at(WRITE, Table).rebuilds(),

        (ColumnDefault { required_loses_it }, Postgres) => at(AE, Table).breaks_if(required_loses_it),
        (ColumnDefault { required_loses_it }, MySql) => at(INSTANT, Table).breaks_if(required_loses_it),
        (ColumnDefault { required_loses_it }, Sqlite) => {
            at(WRITE, Table).rebuilds().breaks_if(required_loses_it)
        }

        (AddIdentity, Postgres) => {
            at(AE, Table).note("existing values stay; the sequence is moved past the highest")
        }
        (AddIdentity, MySql) => at(COPY, Table).rewrites(Locked),
        (AddIdentity, Sqlite) => at(WRITE, Table).rebuilds(),
        (DropIdentity, Postgres) => at(AE, Table).breaks(),
        (DropIdentity, MySql) => at(COPY, Table).rewrites(Locked).breaks(),
        (DropIdentity, Sqlite) => at(WRITE, Table).rebuilds().breaks(),

        (ColumnComment, Postgres) => at(SUE, Table),
        (ColumnComment, MySql) => at(INPLACE, Table).note("metadata only"),
        (ColumnComment | TableComment, Sqlite) => {
            at(NOTHING, Tables::Nothing).note("SQLite keeps no comments")
        }

        (AddPrimaryKey, Postgres) => at(AE, Table).scans(Locked).fails(),
        (AddPrimaryKeyUsingIndex, Postgres) => at(SUE, Table)
            .scans(Online)
            .fails()
            .note("its index built concurrently; then ACCESS EXCLUSIVE briefly to attach it"),
        (AddPrimaryKey | AddPrimaryKeyUsingIndex, MySql) => at(INPLACE, Table)
            .rewrites(Online)
            .fails()
            .note("rebuilds the clustered index"),
        (DropPrimaryKey, Postgres) => at(AE, Table),
        (DropPrimaryKey, MySql) => at(COPY, Table).rewrites(Locked),

        (CreateIndex { unique }, Postgres) => at(SHARE, Table)
            .scans(Locked)
            .fails_if(unique)
            .note("reads go on; writes wait until the migration commits"),
        (CreateIndexConcurrently { unique }, Postgres) => at(SUE, Table)
            .scans(Online)
            .fails_if(unique)
            .note("outside the transaction; a failure leaves an INVALID index to drop"),
        (CreateIndex { unique } | CreateIndexConcurrently { unique }, MySql) => {
            at(INPLACE, Table).scans(Online).fails_if(unique)
        }
        (CreateIndex { unique } | CreateIndexConcurrently { unique }, Sqlite) => {
            at(WRITE, Table).scans(Locked).fails_if(unique)
        }
        (DropIndex, Postgres) => at(AE, Table),
        (DropIndexConcurrently, Postgres) => at(SUE, Table).note("outside the transaction"),
        (DropIndex | DropIndexConcurrently, MySql) => at(INPLACE, Table),
        (DropIndex | DropIndexConcurrently, Sqlite) => at(WRITE, Table),

        (AddUnique, Postgres) => at(AE, Table)
            .scans(Locked)
            .fails()
            .note("builds its index under ACCESS EXCLUSIVE: reads wait too"),
        (AddUniqueUsingIndex, Postgres) => at(SUE, Table)
            .scans(Online)
            .fails()
            .note("its index built concurrently; then ACCESS EXCLUSIVE briefly to attach it"),
        (AddUnique | AddUniqueUsingIndex, MySql) => at(INPLACE, Table).scans(Online).fails(),
        (DropUnique, Postgres) => at(AE, Table),
        (DropUnique, MySql) => at(INPLACE, Table),

        (AddForeignKey, Postgres) => at(SRE, TableAndReferred).scans(Locked).fails(),
        (AddForeignKeyNotValid, Postgres) => at(SRE, TableAndReferred)
            .validated_under(SUE)
            .note("VALIDATE also takes ROW SHARE on the referred table"),
        (AddForeignKey | AddForeignKeyNotValid, MySql) => at(COPY, TableAndReferred)
            .rewrites(Locked)
            .fails()
            .note("INPLACE only with foreign_key_checks off"),
        (DropForeignKey, Postgres) => {
            at(AE, TableAndReferred).note("its triggers on both tables are dropped")
        }
        (DropForeignKey, MySql) => {
            at(INPLACE, TableAndReferred).note("and the index InnoDB made for it, when no other serves")
        }

        (AddCheck, Postgres) => at(AE, Table).scans(Locked).fails(),
        (AddCheckNotValid, Postgres) => at(AE, Table).validated_under(SUE),
        (AddCheck | AddCheckNotValid, MySql) => at(COPY, Table).rewrites(Locked).fails(),
        (DropCheck, Postgres) => at(AE, Table),
        (DropCheck, MySql) => at(INPLACE, Table).note("metadata only; MariaDB: INSTANT"),

        (
            AddPrimaryKey
            | AddPrimaryKeyUsingIndex
            | AddUnique
            | AddUniqueUsingIndex
            | AddForeignKey
            | AddForeignKeyNotValid
            | AddCheck
            | AddCheckNotValid,
            Sqlite,
        ) => at(WRITE, Table).rebuilds().fails(),
        (DropPrimaryKey | DropUnique | DropForeignKey | DropCheck | RenameConstraint, Sqlite) => {
            at(WRITE, Table).rebuilds()
        }

        (RenameIndex, Postgres) => at(SUE, Tables::Index).note("PostgreSQL 12+; ACCESS EXCLUSIVE before"),
        (RenameIndex, MySql) => at(INPLACE, Table),
        (RenameIndex, Sqlite) => at(WRITE, Table)
            .scans(Locked)
            .note("the index is dropped and built again"),
        (RenameConstraint, Postgres) => at(AE, Table),
        (RenameConstraint, MySql) => at(COPY, Table)
            .rewrites(Locked)
            .note("a unique key is renamed in place; a foreign key or check is dropped and added again"),

        (TableComment, Postgres) => at(SUE, Table),
        (TableComment, MySql) => at(INPLACE, Table).note("metadata only"),

        (CreateEnum | DropEnum, Postgres) => at(NOTHING, Tables::Nothing),
        (Namespace, Postgres) => at(NOTHING, Tables::Nothing).note("no table is touched"),
        (Namespace, MySql | Sqlite) => at(NOTHING, Tables::Nothing).note("refused: PostgreSQL only"),
        (CreateView { materialized: false }, _) => {
            at(NOTHING, Tables::Nothing).note("the query is kept; no row is read")
        }
        (CreateView { materialized: true }, Postgres) => at(NOTHING, Tables::Nothing)
            .scans(Online)
            .note("the query runs once: ACCESS SHARE on what it reads, which writes go on beside"),
        (CreateView { materialized: true }, MySql | Sqlite) => {
            at(NOTHING, Tables::Nothing).note("refused: PostgreSQL only")
        }
        (DropView, _) => at(NOTHING, Tables::Nothing)
            .note("the view alone; what reads it waits until the migration makes it again"),
        (CreateEnum | DropEnum, MySql | Sqlite) => {
            at(NOTHING, Tables::Nothing).note("nothing runs: each column spells its values")
        }
        (AddEnumValue { .. }, Postgres) => at(NOTHING, Tables::Nothing)
            .note("no table is touched; outside the transaction when a fill in the migration uses it"),
        (AddEnumValue { last: true }, MySql) => {
            at(INSTANT, EnumTables).note("a MODIFY of every column of the enum; COPY past 255 values")
        }
        (AddEnumValue { last: false }, MySql) => at(COPY, EnumTables).rewrites(Locked),
        (AddEnumValue { .. } | ReorderEnumValues, Sqlite) => at(WRITE, EnumTables).rebuilds(),
        (DropEnumValue, Postgres) => at(AE, EnumTables)
            .rewrites(Locked)
            .fails()
            .breaks()
            .note("the type is made again; every column of it converted through text"),
        (DropEnumValue, MySql) => at(COPY, EnumTables).rewrites(Locked).fails().breaks(),
        (DropEnumValue, Sqlite) => at(WRITE, EnumTables).rebuilds().fails().breaks(),
        (ReorderEnumValues, Postgres) => at(AE, EnumTables)
            .rewrites(Locked)
            .note("the type is made again; every column of it converted through text"),
        (ReorderEnumValues, MySql) => at(COPY, EnumTables).rewrites(Locked),
        (RenameEnumValue, Postgres) => at(NOTHING, Tables::Nothing).breaks(),
        (RenameEnumValue, MySql) => at(COPY, EnumTables)
            .rewrites(Locked)
            .breaks()
            .note("the new value is added, the rows updated, the old value removed"),
        (RenameEnumValue, Sqlite) => at(WRITE, EnumTables).rebuilds().breaks(),

        (FillNulls, Postgres) => at(ROW_EXCL, Table)
            .scans(Locked)
            .note("the updated rows stay locked until the migration commits"),
        (FillNulls, MySql) => at(Lock::MySqlRows, Table).scans(Locked),
        (FillNullsInBatches, Postgres) => at(ROW_EXCL, Table)
            .scans(Online)
            .note("outside the transaction, 10,000 rows a transaction"),
        (FillNullsInBatches, MySql) => at(Lock::MySqlRows, Table)
            .scans(Online)
            .note("outside the transaction, 10,000 rows a transaction"),
        (FillNulls | FillNullsInBatches, Sqlite) => at(WRITE, Table)
            .scans(Locked)
            .note("joins the rebuild of the change after it"),

        (SyncColumns, Postgres) => at(SRE, Table)
            .scans(Locked)
            .note("the trigger, then every row given the value it lacks; the rows stay locked until the migration commits"),
        (SyncColumns, MySql) => at(METADATA, Table)
            .scans(Locked)
            .note("the triggers, then every row given the value it lacks"),
        (SyncColumns, Sqlite) => at(WRITE, Table).scans(Locked).note("the copy only: no trigger"),
        (UnsyncColumns, Postgres) => at(AE, Table).note("briefly: the trigger dropped"),
        (UnsyncColumns, MySql) => at(METADATA, Table).note("the triggers dropped"),
        (UnsyncColumns, Sqlite) => at(NOTHING, Tables::Nothing).note("nothing to drop"),
        (AliasTable, Postgres) => {
            at(Lock::Postgres(PgLock::AccessShare), Table).note("the view made; the table only read")
        }
        (AliasTable, MySql) => at(METADATA, Table).note("the view made"),
        (AliasTable, Sqlite) => at(NOTHING, Tables::Nothing).note("no view: the old name goes with the rename"),
        // The running version's name for the table goes.
        (UnaliasTable, Postgres | MySql) => at(NOTHING, Tables::Nothing).breaks().note("the view dropped"),
        (UnaliasTable, Sqlite) => at(NOTHING, Tables::Nothing).note("nothing to drop"),

        (ByHand, _) => at(Lock::Unknown, Tables::Unknown).note("whatever it does: read it"),
        (Irreversible, _) => at(NOTHING, Tables::Nothing).note("refused before anything runs"),
    }
}

/// A step that takes `lock` on `on` and does nothing else of note.
pub(super) const fn at(lock: Lock, on: Tables) -> Effect {
    Effect {
        lock,
        on,
        rewrite: Rewrite::No,
        scan: Scan::No,
        may_fail_on_rows: false,
        breaks_running_app: false,
        validation: None,
        note: "",
    }
}

impl Effect {
    const fn rewrites(mut self, scan: Scan) -> Effect {
        self.rewrite = Rewrite::Rows;
        self.scan = scan;
        self
    }

    const fn rebuilds(mut self) -> Effect {
        self.rewrite = Rewrite::Rebuild;
        self.scan = Scan::Locked;
        self
    }

    const fn scans(mut self, scan: Scan) -> Effect {
        self.scan = scan;
        self
    }

    const fn fails(self) -> Effect {
        self.fails_if(true)
    }

    const fn fails_if(mut self, yes: bool) -> Effect {
        self.may_fail_on_rows = yes;
        self
    }

    const fn breaks(self) -> Effect {
        self.breaks_if(true)
    }

    const fn breaks_if(mut self, yes: bool) -> Effect {
        self.breaks_running_app = yes;
        self
    }

    /// Added `NOT VALID` (no scan), then validated under `lock`, reading
    /// every row while writes go on; the validation is what may fail.
    const fn validated_under(mut self, lock: Lock) -> Effect {
        self.validation = Some(lock);
        self.may_fail_on_rows = true;
        self
    }

    const fn note(mut self, note: &'static str) -> Effect {
        self.note = note;
        self
    }
}
