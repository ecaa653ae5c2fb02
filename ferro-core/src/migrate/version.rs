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

use super::database::{Bind, Statement};
use super::error::MigrateError;
use super::prepare::StoredStep;
use super::render::Dialect;
use crate::migration::Op;

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
    /// `None` once applied whole. A migration with steps outside its
    /// transaction (and every migration on MySQL) runs in parts: `Some(k)`
    /// for `k >= 0` says its upgrade has done `k` parts, `Some(-k - 1)` that
    /// its downgrade has. On MySQL a migration is marked so (with 0 parts
    /// done) before its first part runs.
    pub steps_done: Option<i64>,
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
    /// but cannot be read.
    pub(crate) fn stored_downgrade(&self) -> Result<Option<Vec<StoredStep>>, MigrateError> {
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

/// The version table of one migration set.
#[derive(Clone, Debug)]
pub(crate) struct VersionTable {
    pub(crate) name: String,
}

const COLUMNS: [&str; 8] = [
    "revision",
    "parents",
    "checksum",
    "seq",
    "applied_at",
    "duration_ms",
    "downgrade",
    "steps_done",
];

/// How many columns [`VersionTable::select`] returns.
pub(crate) const SELECTED: usize = COLUMNS.len();

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
        let pk = d.ident(&format!("pk_{}", self.name));
        Statement::plain(format!(
            "CREATE TABLE IF NOT EXISTS {name} (\n    \
             {} {key} NOT NULL,\n    \
             {} {text} NOT NULL,\n    \
             {} {text} NOT NULL,\n    \
             {} {int} NOT NULL,\n    \
             {} {text} NOT NULL DEFAULT {now},\n    \
             {} {int} NOT NULL,\n    \
             {} {long},\n    \
             {} {int},\n    \
             CONSTRAINT {pk} PRIMARY KEY ({})\n)",
            d.ident(COLUMNS[0]),
            d.ident(COLUMNS[1]),
            d.ident(COLUMNS[2]),
            d.ident(COLUMNS[3]),
            d.ident(COLUMNS[4]),
            d.ident(COLUMNS[5]),
            d.ident(COLUMNS[6]),
            d.ident(COLUMNS[7]),
            d.ident(COLUMNS[0]),
        ))
    }

    /// The query for every row, in the order they were applied; every column
    /// comes back as text.
    pub(crate) fn select(&self, d: Dialect) -> String {
        let columns: Vec<String> = COLUMNS
            .iter()
            .map(|c| match *c {
                "seq" | "duration_ms" | "steps_done" => d.as_text(&d.ident(c)),
                _ => d.ident(c),
            })
            .collect();
        format!(
            "SELECT {} FROM {} ORDER BY {}",
            columns.join(", "),
            d.ident(&self.name),
            d.ident("seq")
        )
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
        steps_done: Option<i64>,
        duration_ms: i64,
    ) -> Statement {
        let mut update = Query::update();
        update
            .table(self.name.clone())
            .values([
                (COLUMNS[7].to_owned(), Expr::val(steps_done)),
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

    /// Whether the table exists yet: a query that returns a row if so.
    pub(crate) fn exists(&self, d: Dialect) -> String {
        let name = d.literal(&self.name);
        match d {
            Dialect::Sqlite => {
                format!("SELECT name FROM sqlite_master WHERE type = 'table' AND name = {name}")
            }
            Dialect::Postgres => format!(
                "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = {name}"
            ),
            Dialect::MySql => format!(
                "SELECT CAST(table_name AS CHAR) FROM information_schema.tables \
                 WHERE table_schema = DATABASE() AND table_name = {name}"
            ),
        }
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
            .into_table(self.name.clone())
            .columns([
                COLUMNS[0].to_owned(),
                COLUMNS[1].to_owned(),
                COLUMNS[2].to_owned(),
                COLUMNS[3].to_owned(),
                COLUMNS[5].to_owned(),
                COLUMNS[6].to_owned(),
                COLUMNS[7].to_owned(),
            ])
            .values([
                Expr::val(row.revision.clone()),
                Expr::val(row.parents.join(",")),
                Expr::val(row.checksum.clone()),
                seq,
                Expr::val(row.duration_ms),
                Expr::val(row.downgrade.clone()),
                Expr::val(row.steps_done),
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
            .from_table(self.name.clone())
            .and_where(Expr::col(COLUMNS[0].to_owned()).eq(revision.to_owned()));
        build(d, &delete)
    }

    /// Forgets every revision.
    pub(crate) fn delete_all(&self, d: Dialect) -> Statement {
        let mut delete = Query::delete();
        delete.from_table(self.name.clone());
        build(d, &delete)
    }

    /// Reads rows that [`VersionTable::select`] returned.
    pub(crate) fn parse(rows: Vec<Vec<Option<String>>>) -> Vec<AppliedRevision> {
        rows.into_iter()
            .map(|row| {
                let text = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
                AppliedRevision {
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
                    steps_done: row.get(7).cloned().flatten().and_then(|n| n.parse().ok()),
                }
            })
            .collect()
    }
}
