//! The durable job queue: background work lives in the `jobs` table.
//!
//! * Enqueue in the caller's transaction, so that a job exists exactly when the change that
//!   caused it committed.
//! * A worker claims one job with a lease (`locked_until`); a worker that dies loses the lease and
//!   another takes the job when it runs out. Completion is fenced by (worker, attempt), so a worker
//!   that lost its lease cannot mark someone else's run as done.
//! * Failures are retried with exponential backoff; after `max_attempts` the job is `dead` (the
//!   dead-letter state) until an operator retries it.
//! * A `unique_key` makes enqueueing idempotent: the second enqueue of the same key is a no-op.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::StoreError;
use crate::{from_micros, micros, new_id};

/// States of a job, as stored.
pub mod state {
    pub const PENDING: &str = "pending";
    pub const RUNNING: &str = "running";
    pub const DONE: &str = "done";
    pub const DEAD: &str = "dead";
}

/// A job to put on the queue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    pub unique_key: Option<String>,
    pub run_at: Timestamp,
    pub max_attempts: i64,
}

impl NewJob {
    pub fn new(kind: &str, payload: serde_json::Value, run_at: Timestamp) -> Self {
        Self {
            kind: kind.to_owned(),
            payload,
            unique_key: None,
            run_at,
            max_attempts: 8,
        }
    }

    pub fn unique(mut self, key: impl Into<String>) -> Self {
        self.unique_key = Some(key.into());
        self
    }

    pub fn max_attempts(mut self, n: i64) -> Self {
        self.max_attempts = n.max(1);
        self
    }
}

/// A job a worker holds the lease on.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: String,
    pub kind: String,
    pub payload: serde_json::Value,
    /// Which attempt this is, starting at 1.
    pub attempt: i64,
    pub max_attempts: i64,
    pub worker: String,
}

/// A job as operators see it (dead-letter list, queue pages).
#[derive(Debug, Clone, Serialize)]
pub struct JobView {
    pub id: String,
    pub kind: String,
    pub state: String,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: Timestamp,
    pub last_error: Option<String>,
    pub updated_at: Timestamp,
}

/// Puts a job on the queue in the caller's transaction. Returns `None` when a job with the same
/// unique key exists already (in any state): enqueueing is idempotent.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn enqueue(
    conn: &mut AnyConnection,
    job: &NewJob,
    now: Timestamp,
) -> Result<Option<String>, StoreError> {
    let id = new_id();
    let payload = job.payload.to_string();
    let inserted = sqlx::query(
        "INSERT INTO jobs (id, kind, payload, unique_key, state, attempts, max_attempts, run_at, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $6, $7, $7) \
         ON CONFLICT (unique_key) DO NOTHING",
    )
    .bind(&id)
    .bind(&job.kind)
    .bind(&payload)
    .bind(job.unique_key.as_deref())
    .bind(job.max_attempts)
    .bind(micros(job.run_at))
    .bind(micros(now))
    .execute(conn)
    .await?
    .rows_affected();
    Ok((inserted == 1).then_some(id))
}

/// Claims the next due job for `worker`, holding it for `lease`. Expired leases of other workers
/// are taken over. One atomic statement on each engine: SQLite's single writer makes the
/// `UPDATE … RETURNING` atomic; PostgreSQL skips rows other workers are claiming.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn claim(
    db: &Db,
    worker: &str,
    now: Timestamp,
    lease: SignedDuration,
) -> Result<Option<ClaimedJob>, StoreError> {
    let sql = format!(
        "UPDATE jobs SET state = 'running', locked_by = $1, locked_until = $2, \
         attempts = attempts + 1, updated_at = $3 \
         WHERE id = (SELECT id FROM jobs \
             WHERE (state = 'pending' AND run_at <= $3) \
                OR (state = 'running' AND locked_until <= $3) \
             ORDER BY run_at LIMIT 1{}) \
         RETURNING id, kind, payload, attempts, max_attempts",
        db.dialect().for_update_skip_locked()
    );
    let until = now.checked_add(lease).unwrap_or(now);
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(worker)
        .bind(micros(until))
        .bind(micros(now))
        .fetch_optional(db.pool())
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let payload: String = row.try_get("payload")?;
    let payload = serde_json::from_str(&payload)
        .map_err(|e| StoreError::Corrupt(format!("job payload is not JSON: {e}")))?;
    Ok(Some(ClaimedJob {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        payload,
        attempt: row.try_get("attempts")?,
        max_attempts: row.try_get("max_attempts")?,
        worker: worker.to_owned(),
    }))
}

/// Marks a claimed job done and drops its payload (messages carry one-time codes; nothing needs
/// them once delivered). Returns `false` when the lease was lost meanwhile (another worker
/// took the job over); the caller only logs that.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn complete(db: &Db, job: &ClaimedJob, now: Timestamp) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'done', payload = '{}', locked_by = NULL, locked_until = NULL, \
         last_error = NULL, updated_at = $1 WHERE id = $2 AND state = 'running' AND locked_by = $3 AND attempts = $4",
    )
    .bind(micros(now))
    .bind(&job.id)
    .bind(&job.worker)
    .bind(job.attempt)
    .execute(db.pool())
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// Gives a claimed job back to the queue at once — its run was stopped by a shutdown, not by
/// the job — so that it is due again now and the stopped run does not count as an attempt.
/// Returns `false` when the job was finished or taken over meanwhile.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn release(db: &Db, job: &ClaimedJob, now: Timestamp) -> Result<bool, StoreError> {
    let released = sqlx::query(
        "UPDATE jobs SET state = 'pending', locked_by = NULL, locked_until = NULL, \
         attempts = attempts - 1, run_at = $1, updated_at = $1 \
         WHERE id = $2 AND state = 'running' AND locked_by = $3 AND attempts = $4",
    )
    .bind(micros(now))
    .bind(&job.id)
    .bind(&job.worker)
    .bind(job.attempt)
    .execute(db.pool())
    .await?
    .rows_affected();
    Ok(released == 1)
}

/// What became of a failed run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOutcome {
    RetryAt(Timestamp),
    Dead,
    LeaseLost,
}

/// Records a failed run: retried after a backoff (or after `retry_in`, when the job's protocol
/// has its own schedule), or dead once its attempts are used up (or at once when `permanent`).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn fail(
    db: &Db,
    job: &ClaimedJob,
    error: &str,
    permanent: bool,
    retry_in: Option<SignedDuration>,
    now: Timestamp,
) -> Result<FailOutcome, StoreError> {
    let outcome = if permanent || job.attempt >= job.max_attempts {
        FailOutcome::Dead
    } else {
        let wait = retry_in.unwrap_or_else(|| backoff(job.attempt));
        FailOutcome::RetryAt(now.checked_add(wait).unwrap_or(now))
    };
    let (next_state, run_at) = match outcome {
        FailOutcome::RetryAt(at) => (state::PENDING, at),
        _ => (state::DEAD, now),
    };
    let error: String = error.chars().take(2000).collect();
    let changed = sqlx::query(
        "UPDATE jobs SET state = $1, run_at = $2, last_error = $3, locked_by = NULL, \
         locked_until = NULL, updated_at = $4 \
         WHERE id = $5 AND state = 'running' AND locked_by = $6 AND attempts = $7",
    )
    .bind(next_state)
    .bind(micros(run_at))
    .bind(&error)
    .bind(micros(now))
    .bind(&job.id)
    .bind(&job.worker)
    .bind(job.attempt)
    .execute(db.pool())
    .await?
    .rows_affected();
    Ok(if changed == 1 {
        outcome
    } else {
        FailOutcome::LeaseLost
    })
}

/// Exponential backoff: 10 s after the first failure, doubling, capped at one hour. The spread
/// between workers comes from their claim order; no jitter is needed for correctness.
pub fn backoff(attempt: i64) -> SignedDuration {
    let exponent = u32::try_from(attempt.clamp(1, 20) - 1).unwrap_or(0);
    let secs = 10_i64.saturating_mul(2_i64.saturating_pow(exponent));
    SignedDuration::from_secs(secs.min(3600))
}

/// Puts a dead job back on the queue with fresh attempts (an operator's "retry").
#[tracing::instrument(level = "debug", skip_all)]
pub async fn retry_dead(
    conn: &mut AnyConnection,
    id: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let changed = sqlx::query(
        "UPDATE jobs SET state = 'pending', attempts = 0, run_at = $1, updated_at = $1 \
         WHERE id = $2 AND state = 'dead'",
    )
    .bind(micros(now))
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Jobs in a state, newest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(db: &Db, in_state: &str, limit: i64) -> Result<Vec<JobView>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, kind, state, attempts, max_attempts, run_at, last_error, updated_at \
         FROM jobs WHERE state = $1 ORDER BY updated_at DESC LIMIT $2",
    )
    .bind(in_state)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(JobView {
                id: row.try_get("id")?,
                kind: row.try_get("kind")?,
                state: row.try_get("state")?,
                attempts: row.try_get("attempts")?,
                max_attempts: row.try_get("max_attempts")?,
                run_at: from_micros(row.try_get("run_at")?),
                last_error: row.try_get("last_error")?,
                updated_at: from_micros(row.try_get("updated_at")?),
            })
        })
        .collect()
}

/// How many jobs wait, run and lie dead (for `/metrics`). Finished jobs are not counted.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn depth(db: &Db) -> Result<Vec<(String, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT state, COUNT(*) AS n FROM jobs WHERE state IN ('pending', 'running', 'dead') \
         GROUP BY state",
    )
    .fetch_all(db.pool())
    .await?;
    let mut depth = vec![
        (state::PENDING.to_owned(), 0),
        (state::RUNNING.to_owned(), 0),
        (state::DEAD.to_owned(), 0),
    ];
    for row in rows {
        let name: String = row.try_get("state")?;
        let n: i64 = row.try_get("n")?;
        if let Some(slot) = depth.iter_mut().find(|(s, _)| *s == name) {
            slot.1 = n;
        }
    }
    Ok(depth)
}

/// Deletes finished jobs older than `before`. Unique keys of deleted jobs become free again, so
/// features that need "exactly once" for longer keep their own record (reminders do).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn prune_done(db: &Db, before: Timestamp) -> Result<u64, StoreError> {
    let deleted = sqlx::query("DELETE FROM jobs WHERE state = 'done' AND updated_at < $1")
        .bind(micros(before))
        .execute(db.pool())
        .await?
        .rows_affected();
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1), SignedDuration::from_secs(10));
        assert_eq!(backoff(2), SignedDuration::from_secs(20));
        assert_eq!(backoff(3), SignedDuration::from_secs(40));
        assert_eq!(backoff(10), SignedDuration::from_secs(3600));
        assert_eq!(backoff(i64::MAX), SignedDuration::from_secs(3600));
        assert_eq!(backoff(0), SignedDuration::from_secs(10));
    }
}
