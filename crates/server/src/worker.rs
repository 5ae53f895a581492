//! The worker: claims jobs from the durable queue and runs the handler registered for their
//! kind. `kabinet serve` runs it beside the web server; `--role worker` runs it alone, and any
//! number of workers on any number of nodes can share one database.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use jiff::SignedDuration;
use store::jobs::{self, ClaimedJob, FailOutcome, NewJob};
use tokio::sync::watch;

use crate::state::AppState;

/// Why a job did not finish.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth another try later (network down, server busy).
    #[error("{0}")]
    Retry(String),
    /// Will never work (malformed payload): straight to the dead-letter list.
    #[error("{0}")]
    Permanent(String),
}

impl From<sqlx::Error> for JobError {
    fn from(err: sqlx::Error) -> Self {
        JobError::Retry(err.to_string())
    }
}

impl From<store::StoreError> for JobError {
    fn from(err: store::StoreError) -> Self {
        JobError::Retry(err.to_string())
    }
}

pub type JobFuture = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send>>;
type Handler = Arc<dyn Fn(AppState, ClaimedJob) -> JobFuture + Send + Sync>;

/// Which handler runs which kind of job. Features add theirs in [`crate::features::jobs`].
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<String, Handler>,
}

impl Registry {
    pub fn on<F, Fut>(mut self, kind: &str, handler: F) -> Self
    where
        F: Fn(AppState, ClaimedJob) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), JobError>> + Send + 'static,
    {
        self.handlers.insert(
            kind.to_owned(),
            Arc::new(move |state, job| Box::pin(handler(state, job))),
        );
        self
    }

    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.handlers.keys().map(String::as_str)
    }
}

/// Runs `concurrency` claim loops until `shutdown` turns true; each finishes its current job
/// first.
pub async fn run(
    state: AppState,
    registry: Registry,
    name: String,
    shutdown: watch::Receiver<bool>,
) {
    let registry = Arc::new(registry);
    let loops = state.config.worker.concurrency;
    tracing::info!(worker = %name, loops, "worker started");
    let mut tasks = Vec::new();
    for n in 0..loops {
        let state = state.clone();
        let registry = registry.clone();
        let shutdown = shutdown.clone();
        let id = format!("{name}/{n}");
        tasks.push(tokio::spawn(claim_loop(state, registry, id, shutdown)));
    }
    tasks.push(tokio::spawn(schedule_maintenance(
        state.clone(),
        shutdown.clone(),
    )));
    for task in tasks {
        let _ = task.await;
    }
    tracing::info!(worker = %name, "worker stopped");
}

async fn claim_loop(
    state: AppState,
    registry: Arc<Registry>,
    worker: String,
    mut shutdown: watch::Receiver<bool>,
) {
    let lease =
        SignedDuration::from_secs(i64::try_from(state.config.worker.lease_secs).unwrap_or(300));
    let poll = Duration::from_millis(state.config.worker.poll_interval_ms);
    while !*shutdown.borrow() {
        match jobs::claim(&state.db, &worker, state.now(), lease).await {
            Ok(Some(job)) => run_or_give_back(&state, &registry, job, shutdown.clone()).await,
            Ok(None) => {
                tokio::select! {
                    _ = tokio::time::sleep(poll) => {}
                    _ = state.jobs_enqueued.notified() => {}
                    _ = shutdown.changed() => {}
                }
            }
            Err(err) => {
                tracing::warn!(worker = %worker, error = %err, "cannot claim jobs; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(poll * 5) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
    }
}

/// Runs a claimed job; when a shutdown comes and the job is still running after
/// `worker.shutdown_grace_secs`, stops it and gives it back to the queue at once rather than
/// leave it leased until the lease runs out.
async fn run_or_give_back(
    state: &AppState,
    registry: &Registry,
    job: ClaimedJob,
    mut shutdown: watch::Receiver<bool>,
) {
    let grace = Duration::from_secs(state.config.worker.shutdown_grace_secs);
    let stopped = async {
        while !*shutdown.borrow() {
            if shutdown.changed().await.is_err() {
                // No one can stop us any more: let the job run to its end.
                std::future::pending::<()>().await;
            }
        }
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        () = run_one(state, registry, job.clone()) => {}
        () = stopped => {
            match jobs::release(&state.db, &job, state.now()).await {
                Ok(true) => tracing::info!(job = %job.id, kind = %job.kind, "job stopped by the shutdown and given back to the queue"),
                Ok(false) => {}
                Err(err) => tracing::warn!(job = %job.id, error = %err, "cannot give the job back; it is retried when its lease ends"),
            }
        }
    }
}

/// Runs one claimed job and records the outcome.
pub async fn run_one(state: &AppState, registry: &Registry, job: ClaimedJob) {
    let result = match registry.handlers.get(&job.kind) {
        Some(handler) => handler(state.clone(), job.clone()).await,
        None => Err(JobError::Permanent(format!(
            "no handler for job kind {:?}",
            job.kind
        ))),
    };
    let now = state.now();
    let recorded = match &result {
        Ok(()) => jobs::complete(&state.db, &job, now).await.map(|done| {
            if !done {
                tracing::warn!(job = %job.id, kind = %job.kind, "job finished after its lease was taken over");
            }
        }),
        Err(err) => {
            let permanent = matches!(err, JobError::Permanent(_));
            jobs::fail(&state.db, &job, &err.to_string(), permanent, now)
                .await
                .map(|outcome| match outcome {
                    FailOutcome::RetryAt(at) => tracing::warn!(
                        job = %job.id, kind = %job.kind, attempt = job.attempt, error = %err,
                        retry_at = %at, "job failed; will retry"
                    ),
                    FailOutcome::Dead => tracing::error!(
                        job = %job.id, kind = %job.kind, attempt = job.attempt, error = %err,
                        "job failed for good; moved to the dead-letter list"
                    ),
                    FailOutcome::LeaseLost => tracing::warn!(
                        job = %job.id, kind = %job.kind, "job failed after its lease was taken over"
                    ),
                })
        }
    };
    if let Err(err) = recorded {
        // The lease runs out and another worker retries the job.
        tracing::error!(job = %job.id, error = %err, "cannot record the job's outcome");
    }
}

/// Kind of the hourly housekeeping job.
pub const MAINTENANCE: &str = "system.maintenance";

/// Every worker offers the hourly housekeeping jobs (its own and the features'); its unique key lets only one per hour in,
/// however many nodes run.
async fn schedule_maintenance(state: AppState, mut shutdown: watch::Receiver<bool>) {
    while !*shutdown.borrow() {
        let now = state.now();
        let hour = now.as_second().div_euclid(3600);
        let enqueued = async {
            let mut conn = state.db.pool().acquire().await?;
            let hourly = std::iter::once(MAINTENANCE)
                .chain(crate::features::hourly_jobs())
                .map(|kind| (kind, format!("{kind}:{hour}")));
            let daily =
                crate::features::daily_jobs().map(|kind| (kind, format!("{kind}:d{}", hour / 24)));
            for (kind, unique) in hourly.chain(daily) {
                let job = NewJob::new(kind, serde_json::json!({}), now)
                    .unique(unique)
                    .max_attempts(3);
                jobs::enqueue(&mut conn, &job, now).await?;
            }
            Ok::<_, store::StoreError>(())
        }
        .await;
        if let Err(err) = enqueued {
            tracing::warn!(error = %err, "cannot schedule housekeeping");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// Housekeeping: expired sessions and finished jobs older than a week.
pub async fn maintenance(state: AppState, _job: ClaimedJob) -> Result<(), JobError> {
    let now = state.now();
    let sessions = store::sessions::prune_expired(&state.db, now).await?;
    store::passkeys::prune_ceremonies(&state.db, now).await?;
    let week_ago = now
        .checked_sub(SignedDuration::from_hours(24 * 7))
        .unwrap_or(now);
    let jobs = jobs::prune_done(&state.db, week_ago).await?;
    tracing::info!(sessions, jobs, "housekeeping done");
    Ok(())
}
