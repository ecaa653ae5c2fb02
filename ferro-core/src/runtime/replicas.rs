//! Waiting for a primary's replicas to replay what a run did, for deploys
//! whose application reads from them (`upgrade --wait-replicas`).
//!
//! On PostgreSQL the run reads the primary's WAL position once it is done
//! (`pg_current_wal_insert_lsn()`), then polls `pg_stat_replication` until every
//! standby streaming from the primary reports a replay position at or past
//! it. A standby that is not connected then is not waited for (the
//! primary does not know it), nor a sender that replays nothing
//! (`pg_receivewal`, `pg_basebackup`); the ones waited for are named. Reading
//! another session's positions takes the `pg_monitor` role (or a
//! superuser): without, PostgreSQL hides them, and the wait says so.

use std::time::{Duration, Instant};

use super::database::Database;
use super::dialect::literal;
use super::error::MigrateError;

impl Database {
    /// Whether [`Database::wait_for_replicas`] can work here: asked before
    /// a run that will wait, so that it stops before doing anything.
    pub fn can_wait_for_replicas(&self) -> Result<(), MigrateError> {
        if self.caps.replica_wait {
            return Ok(());
        }
        Err(MigrateError::NoReplicaWait {
            engine: self.caps.engine,
        })
    }

    /// Waits until every replica streaming from this server has replayed
    /// everything committed on it so far; the replicas, in words. Gives up
    /// after `timeout` with [`MigrateError::ReplicasBehind`].
    pub async fn wait_for_replicas(&mut self, timeout: Duration) -> Result<Vec<String>, MigrateError> {
        self.can_wait_for_replicas()?;
        // Where the primary's WAL ends, written out or not: with
        // `synchronous_commit = off` a commit's record may still wait in
        // memory, past `pg_current_wal_lsn()`.
        let rows = self
            .fetch_text("SELECT CAST(pg_current_wal_insert_lsn() AS TEXT)", 1)
            .await?;
        let Some(lsn) = rows
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten())
        else {
            return Ok(Vec::new());
        };
        // A sender whose state shows but whose replay position does not is
        // no standby (`pg_receivewal`, `pg_basebackup`): it replays
        // nothing. One whose state is hidden too is hidden from this role.
        let sql = format!(
            "SELECT COALESCE(application_name, ''), COALESCE(CAST(client_addr AS TEXT), 'a local socket'), \
             CAST(replay_lsn AS TEXT), CAST(COALESCE(replay_lsn >= CAST({} AS pg_lsn), false) AS TEXT) \
             FROM pg_stat_replication WHERE state IS NULL OR replay_lsn IS NOT NULL \
             ORDER BY application_name, client_addr",
            literal(&lsn)
        );
        let start = Instant::now();
        loop {
            let rows = self.fetch_text(&sql, 4).await?;
            let name = |r: &Vec<Option<String>>| {
                let app = r[0].clone().unwrap_or_default();
                let addr = r[1].clone().unwrap_or_default();
                if app.is_empty() {
                    addr
                } else {
                    format!("`{app}` at {addr}")
                }
            };
            let behind: Vec<String> = rows
                .iter()
                .filter(|r| r[3].as_deref() != Some("true"))
                .map(|r| match &r[2] {
                    Some(at) => format!("{} (replayed up to {at})", name(r)),
                    None => format!(
                        "{} (its position is hidden: the role needs `pg_monitor`)",
                        name(r)
                    ),
                })
                .collect();
            if behind.is_empty() {
                return Ok(rows.iter().map(name).collect());
            }
            if start.elapsed() >= timeout {
                return Err(MigrateError::ReplicasBehind {
                    position: lsn,
                    waited: timeout,
                    behind,
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
