//! The history the crash and concurrency trials run (`tests/trials.rs`),
//! through the `trial_runner` binary, which is this history's command line.
//!
//! [`BASE`] creates two tables that [`seed`] fills; the four migrations after
//! it each run several statements over those rows: new columns with
//! defaults, indexes, data updates, a new table filled from the others, a
//! rename, type changes (a SQLite rebuild of the larger table) and a check.
//! The last one writes one row per run into `runs` from a Rust step, and
//! fails once when `FERRO_TRIAL_FAIL` names a file: in the first run that
//! creates that file.

use ferro::migration::prelude::*;
use ferro::migration::{Migration, StepFuture};

use crate::migration;
use sqlx::{AnyConnection, Connection as _, Row as _};

/// The revision the trials start from, with the seeded rows.
pub const BASE: &str = "7a0000000001";
/// The newest revision.
pub const HEAD: &str = "7a0000000005";
/// Every revision, oldest first.
pub const REVISIONS: [&str; 5] = [BASE, "7a0000000002", "7a0000000003", "7a0000000004", HEAD];

/// The environment variable that makes the last migration fail once: the
/// path of a file that the failing run creates.
pub const FAIL: &str = "FERRO_TRIAL_FAIL";

fn base_up(op: &mut Ops) {
    op.create_table("accounts", |t| {
        t.column("id", SqlType::BigInt).auto_increment();
        t.column("email", SqlType::Varchar(120));
        t.column("balance", SqlType::Integer);
        t.column("note", SqlType::Varchar(200)).nullable();
        t.primary_key("pk_accounts", ["id"]);
        t.unique("uq_accounts_email", ["email"]);
    });
    op.create_table("entries", |t| {
        t.column("id", SqlType::BigInt).auto_increment();
        t.column("account_id", SqlType::BigInt);
        t.column("amount", SqlType::Integer);
        t.primary_key("pk_entries", ["id"]);
        t.foreign_key(
            ForeignKey::new(
                "fk_entries_account_id_accounts",
                ["account_id"],
                "accounts",
                ["id"],
            )
            .on_delete(Action::Cascade),
        );
        t.index(Index::new("ix_entries_account_id", ["account_id"]));
    });
}
fn base_down(op: &mut Ops) {
    op.drop_table("entries").acknowledged(true);
    op.drop_table("accounts").acknowledged(true);
}

fn status_up(op: &mut Ops) {
    op.add_column(
        "accounts",
        Column::new("status", SqlType::Varchar(20)).default("'open'"),
    );
    op.sql("UPDATE accounts SET status = 'overdrawn' WHERE balance < 0");
    op.create_index("accounts", Index::new("ix_accounts_status", ["status"]));
    op.add_column("entries", Column::new("memo", SqlType::Varchar(40)).nullable());
    op.sql("UPDATE entries SET memo = 'credit' WHERE amount > 0");
}
fn status_down(op: &mut Ops) {
    op.drop_column("entries", "memo").acknowledged(true);
    op.drop_index("accounts", "ix_accounts_status");
    op.drop_column("accounts", "status").acknowledged(true);
}

fn totals_up(op: &mut Ops) {
    op.create_table("totals", |t| {
        t.column("account_id", SqlType::BigInt);
        t.column("total", SqlType::BigInt);
        t.primary_key("pk_totals", ["account_id"]);
        t.foreign_key(
            ForeignKey::new(
                "fk_totals_account_id_accounts",
                ["account_id"],
                "accounts",
                ["id"],
            )
            .on_delete(Action::Cascade),
        );
    });
    op.sql("INSERT INTO totals (account_id, total) SELECT account_id, SUM(amount) FROM entries GROUP BY account_id");
    op.rename_column("accounts", "note", "remark");
    op.create_index("entries", Index::new("ix_entries_amount", ["amount"]));
}
fn totals_down(op: &mut Ops) {
    op.drop_index("entries", "ix_entries_amount");
    op.rename_column("accounts", "remark", "note");
    op.drop_table("totals").acknowledged(true);
}

fn widen_up(op: &mut Ops) {
    op.alter_column(
        "entries",
        Column::new("amount", SqlType::Integer),
        Column::new("amount", SqlType::BigInt),
    );
    op.alter_column(
        "entries",
        Column::new("memo", SqlType::Varchar(40)).nullable(),
        Column::new("memo", SqlType::Varchar(80)).nullable(),
    );
    op.add_check("entries", Check::new("ck_entries_amount", "amount > -1000000000"));
    op.sql("UPDATE accounts SET remark = 'checked' WHERE remark IS NULL AND balance = 0");
}
fn widen_down(op: &mut Ops) {
    op.drop_check("entries", "ck_entries_amount");
    op.alter_column(
        "entries",
        Column::new("memo", SqlType::Varchar(80)).nullable(),
        Column::new("memo", SqlType::Varchar(40)).nullable(),
    )
    .acknowledged(true);
    op.alter_column(
        "entries",
        Column::new("amount", SqlType::BigInt),
        Column::new("amount", SqlType::Integer),
    )
    .acknowledged(true);
}

fn runs_up(op: &mut Ops) {
    op.create_table("runs", |t| {
        t.column("pid", SqlType::BigInt);
    });
    op.rust("record_run", record_run);
}
fn runs_down(op: &mut Ops) {
    op.drop_table("runs").acknowledged(true);
}
/// Writes this process's id into `runs`, then fails if [`FAIL`] names a
/// file that did not exist yet (and creates it).
fn record_run(conn: &mut ferro::migration::Connection) -> StepFuture<'_> {
    Box::pin(async move {
        let sql = format!("INSERT INTO runs (pid) VALUES ({})", std::process::id());
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await?;
        // The first run to create the file fails; the ones after it do not.
        if let Some(path) = std::env::var_os(FAIL)
            && std::fs::File::create_new(path).is_ok()
        {
            return Err(sqlx::Error::Protocol(
                "the first run of this step fails".to_owned(),
            ));
        }
        Ok(())
    })
}

/// The trials' history.
pub static MIGRATIONS: [Migration; 5] = [
    migration(
        "0001_base.rs",
        "0001_base.rs",
        REVISIONS[0],
        &[],
        base_up,
        base_down,
    ),
    migration(
        "0002_status.rs",
        "0002_status.rs",
        REVISIONS[1],
        &[REVISIONS[0]],
        status_up,
        status_down,
    ),
    migration(
        "0003_totals.rs",
        "0003_totals.rs",
        REVISIONS[2],
        &[REVISIONS[1]],
        totals_up,
        totals_down,
    ),
    migration(
        "0004_widen.rs",
        "0004_widen.rs",
        REVISIONS[3],
        &[REVISIONS[2]],
        widen_up,
        widen_down,
    ),
    migration(
        "0005_runs.rs",
        "0005_runs.rs",
        REVISIONS[4],
        &[REVISIONS[3]],
        runs_up,
        runs_down,
    ),
];

/// Fills the tables [`BASE`] creates: `accounts` accounts (some overdrawn,
/// some with a note) and `entries` entries spread over them.
pub async fn seed(url: &str, accounts: usize, entries: usize) -> Result<(), sqlx::Error> {
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(url).await?;
    let mut tx = conn.begin().await?;
    for chunk in (1..=accounts).collect::<Vec<_>>().chunks(500) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|i| {
                let note = if i % 3 == 0 {
                    format!("'n''{i}'")
                } else {
                    "NULL".to_owned()
                };
                format!("({i}, 'user{i}@example.com', {}, {note})", (*i as i64 % 7) - 2)
            })
            .collect();
        let sql = format!(
            "INSERT INTO accounts (id, email, balance, note) VALUES {}",
            rows.join(", ")
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
    }
    for chunk in (1..=entries).collect::<Vec<_>>().chunks(500) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|i| format!("({i}, {}, {})", i % accounts + 1, (*i as i64 * 37) % 2001 - 1000))
            .collect();
        let sql = format!(
            "INSERT INTO entries (id, account_id, amount) VALUES {}",
            rows.join(", ")
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
    }
    tx.commit().await
}

/// What the trials compare to find a lost or changed row: the number of rows
/// of `accounts` and `entries`, and a BLAKE3 hash of the columns every
/// revision has, every row in key order, each value as text.
pub async fn fingerprint(url: &str) -> Result<(usize, usize, String), sqlx::Error> {
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(url).await?;
    let text = text_type(url);
    let mut hash = blake3::Hasher::new();
    let mut counts = [0; 2];
    let queries = [
        format!("SELECT CAST(id AS {text}), email, CAST(balance AS {text}) FROM accounts ORDER BY id"),
        format!(
            "SELECT CAST(id AS {text}), CAST(account_id AS {text}), CAST(amount AS {text}) \
             FROM entries ORDER BY id"
        ),
    ];
    for (count, query) in counts.iter_mut().zip(queries) {
        for row in sqlx::query(sqlx::AssertSqlSafe(query))
            .fetch_all(&mut conn)
            .await?
        {
            for i in 0..3 {
                let value: String = row.try_get(i)?;
                hash.update(value.as_bytes());
                hash.update(b"\x1f");
            }
            hash.update(b"\x1e");
            *count += 1;
        }
    }
    conn.close().await?;
    Ok((counts[0], counts[1], hash.finalize().to_hex().to_string()))
}

/// The rows of `runs`: how many times the last migration's data step was
/// committed.
pub async fn runs(url: &str) -> Result<i64, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(url).await?;
    let text = text_type(url);
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT CAST(COUNT(*) AS {text}) FROM runs"
    )))
    .fetch_one(&mut conn)
    .await?;
    let count: String = row.try_get(0)?;
    Ok(count.parse().unwrap_or(-1))
}

/// The type a value is cast to for sqlx's `Any` driver, which reads text
/// but not every type: `CHAR` on MySQL, `TEXT` elsewhere.
fn text_type(url: &str) -> &'static str {
    if url.starts_with("mysql") || url.starts_with("mariadb") {
        "CHAR"
    } else {
        "TEXT"
    }
}

/// The kill times of the trials: SplitMix64 from a fixed seed, so that a
/// failed trial can be run again as it was (six lines; a random-number crate
/// would add a dependency for nothing more).
pub struct Delays(pub u64);

impl Delays {
    /// The next delay, below `below`.
    pub fn next(&mut self, below: std::time::Duration) -> std::time::Duration {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        let micros = u64::try_from(below.as_micros()).unwrap_or(u64::MAX).max(1);
        std::time::Duration::from_micros(z % micros)
    }
}

/// How many of the migrations after [`BASE`] the runners' outputs say they
/// applied, all told: each once when every migration was applied once.
pub fn printed(outputs: &[std::process::Output]) -> usize {
    outputs
        .iter()
        .map(|o| {
            let out = String::from_utf8_lossy(&o.stdout);
            REVISIONS[1..].iter().filter(|id| out.contains(*id)).count()
        })
        .sum()
}

/// Starts every command at once, each made to fail its first run of the
/// failing step when `fail` names the marker file (see [`FAIL`]), and waits
/// for them all: what they printed and how they ended, in order.
pub fn all_at_once(
    commands: impl IntoIterator<Item = std::process::Command>,
    fail: Option<&std::path::Path>,
) -> Vec<std::process::Output> {
    use std::process::Stdio;
    let children: Vec<_> = commands
        .into_iter()
        .map(|mut command| {
            if let Some(marker) = fail {
                command.env(FAIL, marker);
            }
            command
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}
