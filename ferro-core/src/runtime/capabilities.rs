//! What each database engine lets a migration runner rely on, in one table:
//! the runtime asks a [`Capabilities`] (how runners keep out of each other's
//! way, whether a migration's schema changes commit with it, whether the
//! server can be a read-only standby, whether a run can wait for replicas)
//! instead of matching on the dialect where it decides. An engine Ferro
//! does not run on yet has its row too, with what it would need: adding it
//! means a row and the code its new answers call for, not a fork of every
//! place that asks.
//!
//! `docs/clusters.md` prints [`ENGINES`] as a table; a unit test keeps the
//! two the same.

use super::dialect::Dialect;

/// How runners of one migration set wait for each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunnerLock {
    /// An exclusive lock (`flock`) on a file beside the database.
    LockFile,
    /// A session advisory lock (`pg_try_advisory_lock`).
    AdvisoryLock,
    /// A session's named lock (`GET_LOCK`), held by the one server.
    NamedLock,
    /// A row in a replicated lock table, taken by a write every node
    /// certifies, with a lease the holder renews (a cluster whose nodes
    /// each grant their own named locks).
    LeaseRow,
    /// None that holds: Ferro does not run there yet.
    None,
}

impl RunnerLock {
    fn words(self) -> &'static str {
        match self {
            RunnerLock::LockFile => "lock file",
            RunnerLock::AdvisoryLock => "advisory lock",
            RunnerLock::NamedLock => "`GET_LOCK`",
            RunnerLock::LeaseRow => "lease row",
            RunnerLock::None => "none that holds",
        }
    }
}

/// Whether Ferro runs on an engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    /// Runs, and the tests run it.
    Supported,
    /// Runs, detected at connection time, and the cluster tests run it.
    Cluster,
    /// Does not run yet.
    No,
}

/// What a database engine lets a migration runner rely on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// The engine's name.
    pub engine: &'static str,
    /// How runners wait for each other.
    pub runner_lock: RunnerLock,
    /// Whether a migration's schema statements commit or roll back with
    /// its transaction. Without, each commits as it runs and the version
    /// table records a migration part by part.
    pub transactional_ddl: bool,
    /// Whether an index can be built without blocking writes
    /// (`CREATE INDEX CONCURRENTLY`, or an online `ALTER`).
    pub concurrent_index: bool,
    /// Whether a session can bound how long a statement waits for a
    /// table's lock (`--table-lock-timeout`; SQLite's only lock is the
    /// run's own).
    pub lock_timeout: bool,
    /// A query whose one value is `1`, `ON` or `true` when the server takes no
    /// writes (a standby, a read-only replica): a run asks it before it
    /// changes anything, and stops at once.
    pub read_only_probe: Option<&'static str>,
    /// Whether a run can wait, after an upgrade, until the server's
    /// replicas have replayed it (`upgrade --wait-replicas`).
    pub replica_wait: bool,
    /// Whether Ferro runs there.
    pub support: Support,
    /// What Ferro would need, or does, there, in a sentence.
    pub note: &'static str,
}

/// SQLite.
pub const SQLITE: Capabilities = Capabilities {
    engine: "SQLite",
    runner_lock: RunnerLock::LockFile,
    transactional_ddl: true,
    concurrent_index: false,
    lock_timeout: false,
    read_only_probe: None,
    replica_wait: false,
    support: Support::Supported,
    note: "One writer at a time; the lock file spans the transactions of a run.",
};

/// PostgreSQL, a primary or (read only) a streaming-replication standby.
pub const POSTGRES: Capabilities = Capabilities {
    engine: "PostgreSQL",
    runner_lock: RunnerLock::AdvisoryLock,
    transactional_ddl: true,
    concurrent_index: true,
    lock_timeout: true,
    read_only_probe: Some("SELECT CAST(pg_is_in_recovery() AS TEXT)"),
    replica_wait: true,
    support: Support::Supported,
    note: "A standby answers reads (`current`, `history`, `check --schema`) and refuses a run at once.",
};

/// MySQL and MariaDB on one server (or a primary with asynchronous replicas).
pub const MYSQL: Capabilities = Capabilities {
    engine: "MySQL, MariaDB",
    runner_lock: RunnerLock::NamedLock,
    transactional_ddl: false,
    concurrent_index: true,
    lock_timeout: true,
    read_only_probe: Some("SELECT CAST(@@GLOBAL.read_only AS CHAR)"),
    replica_wait: false,
    support: Support::Supported,
    note: "Each schema statement commits as it runs; the version table records every part.",
};

/// A MariaDB Galera cluster, detected by `wsrep_on`.
pub const GALERA: Capabilities = Capabilities {
    engine: "MariaDB Galera",
    runner_lock: RunnerLock::LeaseRow,
    transactional_ddl: false,
    concurrent_index: false,
    lock_timeout: true,
    read_only_probe: Some("SELECT CAST(@@GLOBAL.read_only AS CHAR)"),
    replica_wait: false,
    support: Support::Cluster,
    note: "Every node applies a schema statement at one point of the total order (TOI), \
           blocking the cluster's writes while it runs; replication is synchronous.",
};

/// CockroachDB.
pub const COCKROACH: Capabilities = Capabilities {
    engine: "CockroachDB",
    runner_lock: RunnerLock::None,
    transactional_ddl: false,
    concurrent_index: true,
    lock_timeout: true,
    read_only_probe: None,
    replica_wait: false,
    support: Support::No,
    note: "Its `pg_try_advisory_lock` always grants, so it needs the lease row; schema changes in \
           a transaction are not atomic, so it needs part-by-part records and a wait for schema-change jobs.",
};

/// YugabyteDB (YSQL).
pub const YUGABYTE: Capabilities = Capabilities {
    engine: "YugabyteDB",
    runner_lock: RunnerLock::AdvisoryLock,
    transactional_ddl: false,
    concurrent_index: true,
    lock_timeout: false,
    read_only_probe: None,
    replica_wait: false,
    support: Support::No,
    note: "Advisory locks hold cluster-wide from v2025.1; each schema statement is a transaction \
           of its own by default, so it needs part-by-part records as on MySQL.",
};

/// TiDB.
pub const TIDB: Capabilities = Capabilities {
    engine: "TiDB",
    runner_lock: RunnerLock::NamedLock,
    transactional_ddl: false,
    concurrent_index: true,
    lock_timeout: false,
    read_only_probe: None,
    replica_wait: false,
    support: Support::No,
    note: "`GET_LOCK` holds cluster-wide from 6.1; schema statements are asynchronous jobs, so \
           after a lost connection it needs to wait on `information_schema.DDL_JOBS`.",
};

/// Citus.
pub const CITUS: Capabilities = Capabilities {
    engine: "Citus",
    runner_lock: RunnerLock::AdvisoryLock,
    transactional_ddl: true,
    concurrent_index: true,
    lock_timeout: true,
    read_only_probe: Some("SELECT CAST(pg_is_in_recovery() AS TEXT)"),
    replica_wait: true,
    support: Support::No,
    note: "Needs runs on the coordinator, keys that hold the distribution column, and a step \
           that distributes a new table (`create_distributed_table`).",
};

/// Every engine, in the order `docs/clusters.md` lists them.
pub const ENGINES: [&Capabilities; 8] = [
    &POSTGRES, &MYSQL, &GALERA, &SQLITE, &COCKROACH, &YUGABYTE, &TIDB, &CITUS,
];

impl Dialect {
    /// What the dialect's single server offers; a connected
    /// [`Database`](super::Database) knows more (a Galera cluster).
    pub fn capabilities(self) -> &'static Capabilities {
        match self {
            Dialect::Sqlite => &SQLITE,
            Dialect::Postgres => &POSTGRES,
            Dialect::MySql => &MYSQL,
        }
    }
}

/// [`ENGINES`] as the Markdown table `docs/clusters.md` holds.
pub fn table() -> String {
    let yes = |b: bool| if b { "yes" } else { "no" };
    let mut out = String::from(
        "| engine | runner lock | DDL in the transaction | concurrent index | lock timeout | \
         read-only check | waits for replicas | Ferro | what it takes |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    for e in ENGINES {
        let support = match e.support {
            Support::Supported => "runs",
            Support::Cluster => "runs (detected)",
            Support::No => "not yet",
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {support} | {} |\n",
            e.engine,
            e.runner_lock.words(),
            yes(e.transactional_ddl),
            yes(e.concurrent_index),
            yes(e.lock_timeout),
            yes(e.read_only_probe.is_some()),
            yes(e.replica_wait),
            e.note,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_docs_print_the_table_of_engines() {
        let docs =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/clusters.md")).unwrap();
        let table = super::table();
        assert!(
            docs.contains(&table),
            "docs/clusters.md should hold the table of `capabilities::ENGINES`:\n{table}"
        );
    }
}
