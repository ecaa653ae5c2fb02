//! The version table: one row per applied revision, with its parents, its
//! checksum, when it was applied and how long it took, and the downgrade it
//! was applied with.
//!
//! Keeping the downgrade means a revert never depends on the file still being
//! what was applied: a draft that the build rewrote after a local database
//! applied it can still be reverted as it was applied.

use sea_query::{
    Expr, ExprTrait as _, MysqlQueryBuilder, PostgresQueryBuilder, Query, QueryStatementWriter,
    SqliteQueryBuilder, Value, Values,
};
use serde::{Deserialize, Serialize};

use super::checksum::checksum;
use super::dialect::Dialect;
use super::error::MigrateError;
use super::statement::{Bind, Statement};
use crate::migration::Op;
use crate::schema::naming;

/// The default name of the version table.
pub const DEFAULT_TABLE: &str = "ferro_version";

/// A row of the version table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedRevision {
    /// The revision id.
    pub revision: String,
    /// Its parents, as recorded.
    pub parents: Vec<String>,
    /// The checksum of its file when it was applied.
    pub checksum: String,
    /// The order in which revisions were applied (1, 2, ...).
    pub seq: i64,
    /// When it was applied (UTC, `YYYY-MM-DD HH:MM:SS`).
    pub applied_at: String,
    /// How long applying it took, in milliseconds.
    pub duration_ms: i64,
    /// The downgrade it was applied with, as JSON steps.
    pub downgrade: Option<String>,
    /// The SHA-256 of `downgrade` when it was recorded; `None` in rows
    /// recorded before Ferro kept it.
    pub downgrade_checksum: Option<String>,
    /// Whether it is applied whole, or how far a run that stopped got.
    pub progress: Progress,
}

/// How far a migration's run got. A migration with steps outside its
/// transaction (and every migration on MySQL) runs in parts, and the version
/// table records each part as it is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Applied whole.
    Whole,
    /// Its upgrade has done this many parts. On MySQL a migration is marked
    /// so, with 0 parts, before its first part runs.
    Up(usize),
    /// Its downgrade has done this many parts (marked with 0 on MySQL too).
    Down(usize),
}

impl Progress {
    /// The `steps_done` column: null, `k` for `Up(k)`, `-k - 1` for `Down(k)`.
    pub(crate) fn stored(self) -> Option<i64> {
        let count = |k: usize| i64::try_from(k).unwrap_or(i64::MAX);
        match self {
            Progress::Whole => None,
            Progress::Up(k) => Some(count(k)),
            Progress::Down(k) => Some(-Ord::min(count(k), i64::MAX - 1) - 1),
        }
    }

    /// Reads the `steps_done` column; an error for what no run writes.
    pub(crate) fn read(revision: &str, text: Option<&str>) -> Result<Progress, MigrateError> {
        let Some(text) = text else {
            return Ok(Progress::Whole);
        };
        let bad = || MigrateError::BadVersionRow {
            revision: revision.to_owned(),
            column: "steps_done",
            value: text.to_owned(),
        };
        let k: i64 = text.trim().parse().map_err(|_| bad())?;
        // `-(k + 1)` cannot overflow for a negative `k`.
        let (up, done) = if k >= 0 { (true, k) } else { (false, -(k + 1)) };
        let done = usize::try_from(done).map_err(|_| bad())?;
        Ok(if up {
            Progress::Up(done)
        } else {
            Progress::Down(done)
        })
    }

    /// Whether it is applied whole.
    pub fn is_whole(self) -> bool {
        self == Progress::Whole
    }
}

impl AppliedRevision {
    /// The recorded downgrade operations, if they were recorded and can be read.
    pub fn downgrade_ops(&self) -> Option<Vec<Op>> {
        self.stored_downgrade()
            .ok()
            .flatten()
            .map(|steps| steps.into_iter().map(|s| s.op).collect())
    }

    /// The recorded downgrade: none if none was recorded, an error if it was
    /// but cannot be read, or if it is not what was recorded (its checksum
    /// differs).
    pub(crate) fn stored_downgrade(&self) -> Result<Option<Vec<StoredStep>>, MigrateError> {
        if let (Some(json), Some(recorded)) = (&self.downgrade, &self.downgrade_checksum) {
            let current = checksum(json);
            if current != *recorded {
                return Err(MigrateError::DowngradeChanged {
                    revision: self.revision.clone(),
                    recorded: recorded.clone(),
                    current,
                });
            }
        }
        self.downgrade
            .as_deref()
            .map(|json| {
                serde_json::from_str(json).map_err(|e| MigrateError::UnreadableDowngrade {
                    revision: self.revision.clone(),
                    reason: e.to_string(),
                })
            })
            .transpose()
    }
}

/// A step as the version table keeps a downgrade: the operation, and whether
/// it runs outside the transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredStep {
    pub(crate) op: Op,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) outside_transaction: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) online: bool,
}

/// The version table of one migration set.
#[derive(Clone, Debug)]
pub(crate) struct VersionTable {
    pub(crate) name: String,
}

const COLUMNS: [&str; 9] = [
    "revision",
    "parents",
    "checksum",
    "seq",
    "applied_at",
    "duration_ms",
    "downgrade",
    "steps_done",
    "downgrade_checksum",
];

/// How many columns a row of the version table has, as [`VersionTable::select`] reads it.
pub(crate) const SELECTED: usize = COLUMNS.len();

/// The column that version tables made before it lack; a run adds it
/// ([`VersionTable::add_missing`]), and reads do without it.
const ADDED: &str = COLUMNS[8];

/// Whether [`VersionTable::select`] reads the rows on `d` as one row holding
/// a JSON array of them. On SQLite: sqlx runs a SQLite statement on a thread
/// of its own and hands each row over to the caller's task, which for
/// thousands of rows costs more than the query (5,000 rows: 20 ms one by one,
/// 8 ms as one array). PostgreSQL's and MySQL's drivers decode rows in the
/// caller's task, and MariaDB cuts `JSON_ARRAYAGG` at `group_concat_max_len`.
fn rows_as_array(d: Dialect) -> bool {
    d == Dialect::Sqlite
}

fn build(dialect: Dialect, statement: &impl QueryStatementWriter) -> Statement {
    let (sql, values, inline) = match dialect {
        Dialect::Sqlite => {
            let (sql, values) = statement.build(SqliteQueryBuilder);
            (sql, values, statement.to_string(SqliteQueryBuilder))
        }
        Dialect::Postgres => {
            let (sql, values) = statement.build(PostgresQueryBuilder);
            (sql, values, statement.to_string(PostgresQueryBuilder))
        }
        Dialect::MySql => {
            let (sql, values) = statement.build(MysqlQueryBuilder);
            (sql, values, statement.to_string(MysqlQueryBuilder))
        }
    };
    Statement {
        sql,
        binds: binds(values),
        inline,
    }
}

/// The values sea-query collected, as the driver binds them. Only text and
/// integers occur in the version table's statements.
fn binds(values: Values) -> Vec<Bind> {
    values
        .into_iter()
        .map(|value| match value {
            Value::String(Some(text)) => Bind::Text(text),
            Value::BigInt(Some(n)) => Bind::Int(n),
            // Only `steps_done` is ever null: an integer column.
            Value::BigInt(None) => Bind::NullInt,
            _ => Bind::Null,
        })
        .collect()
}

impl VersionTable {
    /// The table's name for sea-query's builders: in its PostgreSQL schema
    /// when its name says one.
    fn table_name(&self) -> sea_query::TableName {
        match naming::split(&self.name) {
            (Some(schema), table) => (schema.to_owned(), table.to_owned()).into(),
            (None, table) => table.to_owned().into(),
        }
    }

    /// `CREATE TABLE IF NOT EXISTS`, with only text and integer columns (what
    /// every driver reads back). MySQL cannot key a `TEXT` column, so its
    /// revision is a `VARCHAR`, and its downgrade a `LONGTEXT`.
    pub(crate) fn create(&self, d: Dialect) -> Statement {
        let (int, key, text, long, now) = match d {
            Dialect::Sqlite => ("INTEGER", "TEXT", "TEXT", "TEXT", "CURRENT_TIMESTAMP"),
            Dialect::Postgres => (
                "BIGINT",
                "TEXT",
                "TEXT",
                "TEXT",
                "(to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'))",
            ),
            Dialect::MySql => (
                "BIGINT",
                "VARCHAR(255)",
                "TEXT",
                "LONGTEXT",
                "(DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%d %H:%i:%s'))",
            ),
        };
        let name = d.ident(&self.name);
        let pk = d.ident(&naming::primary_key(&self.name));
        let create = format!(
            "CREATE TABLE IF NOT EXISTS {name} (\n    \
             {} {key} NOT NULL,\n    \
             {} {text} NOT NULL,\n    \
             {} {text} NOT NULL,\n    \
             {} {int} NOT NULL,\n    \
             {} {text} NOT NULL DEFAULT {now},\n    \
             {} {int} NOT NULL,\n    \
             {} {long},\n    \
             {} {int},\n    \
             {} {text},\n    \
             CONSTRAINT {pk} PRIMARY KEY ({})\n)",
            d.ident(COLUMNS[0]),
            d.ident(COLUMNS[1]),
            d.ident(COLUMNS[2]),
            d.ident(COLUMNS[3]),
            d.ident(COLUMNS[4]),
            d.ident(COLUMNS[5]),
            d.ident(COLUMNS[6]),
            d.ident(COLUMNS[7]),
            d.ident(COLUMNS[8]),
            d.ident(COLUMNS[0]),
        );
        // A version table in a PostgreSQL schema of its own
        // (`version_table("ops.ferro_version")`) makes the schema first, in
        // the same statement, so that every caller runs one.
        Statement::plain(match (d, naming::split(&self.name).0) {
            (Dialect::Postgres, Some(schema)) => format!(
                "DO $ferro$ BEGIN CREATE SCHEMA IF NOT EXISTS {}; {create}; END $ferro$",
                d.ident(schema)
            ),
            _ => create,
        })
    }

    /// The columns the table has: none when it does not exist.
    pub(crate) fn columns(&self, d: Dialect) -> String {
        let name = d.literal(&self.name);
        match d {
            Dialect::Sqlite => format!("SELECT name FROM pragma_table_info({name})"),
            Dialect::Postgres => {
                let (schema, table) = match naming::split(&self.name) {
                    (Some(schema), table) => (d.literal(schema), d.literal(table)),
                    (None, _) => ("current_schema()".to_owned(), name),
                };
                format!(
                    "SELECT CAST(column_name AS TEXT) FROM information_schema.columns \
                     WHERE table_schema = {schema} AND table_name = {table}"
                )
            }
            Dialect::MySql => format!(
                "SELECT CAST(column_name AS CHAR) FROM information_schema.columns \
                 WHERE table_schema = DATABASE() AND table_name = {name}"
            ),
        }
    }

    /// Whether a table with `columns` has every column of this release's.
    pub(crate) fn is_current(columns: &[String]) -> bool {
        columns.iter().any(|c| c == ADDED)
    }

    /// Every column, for a table a run has brought up to date.
    pub(crate) fn current_columns() -> Vec<String> {
        COLUMNS.iter().map(|c| (*c).to_owned()).collect()
    }

    /// What adds the columns a table made by an earlier release lacks, given
    /// the columns it has; nothing when it has them or does not exist.
    pub(crate) fn add_missing(&self, d: Dialect, columns: &[String]) -> Option<Statement> {
        (!columns.is_empty() && !Self::is_current(columns)).then(|| {
            Statement::plain(format!(
                "ALTER TABLE {} ADD COLUMN {} TEXT",
                d.ident(&self.name),
                d.ident(ADDED),
            ))
        })
    }

    /// The query for every row, in the order they were applied; every column
    /// comes back as text. A table of an earlier release (`columns` lacks
    /// one) gives null for the column it lacks.
    pub(crate) fn select(&self, d: Dialect, columns: &[String]) -> String {
        self.select_rows(d, columns, true)
    }

    /// [`VersionTable::select`] with only what an upgrade and a check use
    /// (the revision, its parents, checksum, order and progress; null in
    /// the other columns): a long history keeps thousands of downgrades,
    /// and every column read costs the same again per row.
    pub(crate) fn select_for_checks(&self, d: Dialect, columns: &[String]) -> String {
        self.select_rows(d, columns, false)
    }

    fn select_rows(&self, d: Dialect, columns: &[String], all: bool) -> String {
        let has_added = Self::is_current(columns);
        let columns: Vec<String> = COLUMNS
            .iter()
            .map(|c| match *c {
                c if c == ADDED && !has_added => "NULL".to_owned(),
                "applied_at" | "duration_ms" | "downgrade" | "downgrade_checksum" if !all => {
                    "NULL".to_owned()
                }
                "seq" | "duration_ms" | "steps_done" => d.as_text(&d.ident(c)),
                _ => d.ident(c),
            })
            .collect();
        if rows_as_array(d) {
            // The array's order is SQLite's to choose; `parse` sorts by `seq`.
            return format!(
                "SELECT json_group_array(json_array({})) FROM {}",
                columns.join(", "),
                d.ident(&self.name),
            );
        }
        format!(
            "SELECT {} FROM {} ORDER BY {}",
            columns.join(", "),
            d.ident(&self.name),
            d.ident("seq")
        )
    }

    /// How many columns [`VersionTable::select`] returns on `d`: one where
    /// the rows come back as one JSON array.
    pub(crate) fn selected(d: Dialect) -> usize {
        if rows_as_array(d) { 1 } else { SELECTED }
    }

    /// The progress of `revision` (by the primary key): no row if it is not
    /// applied, else its `steps_done` (null once applied whole).
    pub(crate) fn progress(&self, d: Dialect, revision: &str) -> String {
        format!(
            "SELECT {} FROM {} WHERE {} = {}",
            d.as_text(&d.ident("steps_done")),
            d.ident(&self.name),
            d.ident("revision"),
            d.literal(revision)
        )
    }

    /// Records how far `revision` got, and (when it is done) how long it took.
    pub(crate) fn set_progress(
        &self,
        d: Dialect,
        revision: &str,
        progress: Progress,
        duration_ms: i64,
    ) -> Statement {
        let mut update = Query::update();
        update
            .table(self.table_name())
            .values([
                (COLUMNS[7].to_owned(), Expr::val(progress.stored())),
                (COLUMNS[5].to_owned(), Expr::val(duration_ms)),
            ])
            .and_where(Expr::col(COLUMNS[0].to_owned()).eq(revision.to_owned()));
        build(d, &update)
    }

    /// The number of rows of revisions applied whole, and the number of
    /// those whose revision is one of `ids` (found by the primary key).
    pub(crate) fn count_with(&self, d: Dialect, ids: &[&str]) -> String {
        let table = d.ident(&self.name);
        let list: Vec<String> = ids.iter().map(|id| d.literal(id)).collect();
        let list = if list.is_empty() {
            "NULL".to_owned()
        } else {
            list.join(", ")
        };
        let whole = format!("{} IS NULL", d.ident("steps_done"));
        format!(
            "SELECT {}, {}",
            d.as_text(&format!("(SELECT COUNT(*) FROM {table} WHERE {whole})")),
            d.as_text(&format!(
                "(SELECT COUNT(*) FROM {table} WHERE {whole} AND {} IN ({list}))",
                d.ident("revision")
            ))
        )
    }

    /// Records a revision as applied next: its `seq` is one more than the
    /// highest, worked out by the database in the statement itself.
    pub(crate) fn insert_next(&self, d: Dialect, row: &AppliedRevision) -> Result<Statement, MigrateError> {
        let (seq, table) = (d.ident("seq"), d.ident(&self.name));
        let seq = match d {
            // MySQL reads no table that the statement writes, but for a
            // derived table it has worked out first.
            Dialect::MySql => {
                format!("(SELECT COALESCE(m.s, 0) + 1 FROM (SELECT MAX({seq}) AS s FROM {table}) AS m)")
            }
            _ => format!("(SELECT COALESCE(MAX({seq}), 0) + 1 FROM {table})"),
        };
        self.insert_with(d, row, Expr::cust(seq))
    }

    /// Records `revision` as applied, with the `seq` it has.
    pub(crate) fn insert(&self, d: Dialect, row: &AppliedRevision) -> Result<Statement, MigrateError> {
        self.insert_with(d, row, Expr::val(row.seq))
    }

    fn insert_with(&self, d: Dialect, row: &AppliedRevision, seq: Expr) -> Result<Statement, MigrateError> {
        let mut insert = Query::insert();
        insert
            .into_table(self.table_name())
            .columns([
                COLUMNS[0].to_owned(),
                COLUMNS[1].to_owned(),
                COLUMNS[2].to_owned(),
                COLUMNS[3].to_owned(),
                COLUMNS[5].to_owned(),
                COLUMNS[6].to_owned(),
                COLUMNS[7].to_owned(),
                COLUMNS[8].to_owned(),
            ])
            .values([
                Expr::val(row.revision.clone()),
                Expr::val(row.parents.join(",")),
                Expr::val(row.checksum.clone()),
                seq,
                Expr::val(row.duration_ms),
                Expr::val(row.downgrade.clone()),
                Expr::val(row.progress.stored()),
                Expr::val(row.downgrade.as_deref().map(checksum)),
            ])
            .map_err(|e| MigrateError::Unsupported {
                op: "record a revision".into(),
                dialect: d.name(),
                reason: e.to_string(),
            })?;
        Ok(build(d, &insert))
    }

    /// Forgets `revision`.
    pub(crate) fn delete(&self, d: Dialect, revision: &str) -> Statement {
        let mut delete = Query::delete();
        delete
            .from_table(self.table_name())
            .and_where(Expr::col(COLUMNS[0].to_owned()).eq(revision.to_owned()));
        build(d, &delete)
    }

    /// Forgets every revision.
    pub(crate) fn delete_all(&self, d: Dialect) -> Statement {
        let mut delete = Query::delete();
        delete.from_table(self.table_name());
        build(d, &delete)
    }

    /// Reads rows that [`VersionTable::select`] returned; an error for a
    /// row no run writes.
    pub(crate) fn parse(
        d: Dialect,
        rows: Vec<Vec<Option<String>>>,
    ) -> Result<Vec<AppliedRevision>, MigrateError> {
        if rows_as_array(d) {
            let array = rows
                .into_iter()
                .next()
                .and_then(|row| row.into_iter().next().flatten());
            let rows: Vec<Vec<Option<String>>> = match array {
                Some(json) => serde_json::from_str(&json).map_err(|e| MigrateError::Database {
                    context: "cannot read the version table's rows".to_owned(),
                    source: sqlx::Error::Decode(Box::new(e)),
                })?,
                None => Vec::new(),
            };
            let mut applied = Self::parse_rows(rows)?;
            applied.sort_by_key(|r| r.seq);
            return Ok(applied);
        }
        Self::parse_rows(rows)
    }

    fn parse_rows(rows: Vec<Vec<Option<String>>>) -> Result<Vec<AppliedRevision>, MigrateError> {
        rows.into_iter()
            .map(|row| {
                let text = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
                let progress = Progress::read(&text(0), row.get(7).cloned().flatten().as_deref())?;
                Ok(AppliedRevision {
                    revision: text(0),
                    parents: text(1)
                        .split(',')
                        .filter(|p| !p.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    checksum: text(2),
                    seq: text(3).parse().unwrap_or_default(),
                    applied_at: text(4),
                    duration_ms: text(5).parse().unwrap_or_default(),
                    downgrade: row.get(6).cloned().flatten(),
                    downgrade_checksum: row.get(8).cloned().flatten(),
                    progress,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SQLite's rows come back as one JSON array, in an order SQLite chooses:
    /// they are read back sorted by `seq`, their text as it was written.
    #[test]
    fn sqlite_rows_as_one_array_come_back_in_order() {
        let downgrade = r#"[{"sql":"DROP TABLE \"a\"\n"}]"#;
        let array = serde_json::json!([
            ["b", "a", "cb", "2", null, null, downgrade, null, "sum"],
            ["a", "", "ca", "1", null, null, null, null, null],
        ]);
        let rows = VersionTable::parse(Dialect::Sqlite, vec![vec![Some(array.to_string())]]).expect("rows");
        let revisions: Vec<_> = rows.iter().map(|r| (r.revision.as_str(), r.seq)).collect();
        assert_eq!(revisions, [("a", 1), ("b", 2)]);
        assert_eq!(rows[1].parents, ["a"]);
        assert_eq!(rows[1].downgrade.as_deref(), Some(downgrade));
        assert!(
            VersionTable::parse(Dialect::Sqlite, vec![vec![None]])
                .expect("no rows")
                .is_empty()
        );
        assert!(VersionTable::parse(Dialect::Sqlite, vec![vec![Some("[".to_owned())]]).is_err());
    }
}
