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
    /// Worth another try after this long (a protocol with its own retry schedule).
    #[error("{1}")]
    RetryAfter(SignedDuration, String),
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

/// How often a sweep is offered. Every worker offers it; a unique key per period lets one offer
/// in, however many nodes run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Every {
    /// Cheap sweeps over an index of what is due (reminders).
    Minute,
    /// Idempotent sweeps (the trash, the archive, erasures, housekeeping).
    Hour,
    /// Sweeps that read the whole object store, and the backup.
    Day,
}

impl Every {
    /// The unique key of this period's offer (the hourly and daily shapes are those of the first
    /// releases, so that an upgraded node does not offer a sweep twice in its first period).
    pub fn unique_key(self, kind: &str, now: jiff::Timestamp) -> String {
        let minute = now.as_second().div_euclid(60);
        let hour = minute.div_euclid(60);
        match self {
            Every::Minute => format!("{kind}:m{minute}"),
            Every::Hour => format!("{kind}:{hour}"),
            Every::Day => format!("{kind}:d{}", hour / 24),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Every::Minute => "every minute",
            Every::Hour => "every hour",
            Every::Day => "every day",
        }
    }
}

/// One kind of job: its handler and, for a sweep, how often it is offered.
#[derive(Clone)]
pub struct Job {
    pub kind: &'static str,
    pub every: Option<Every>,
    handler: Handler,
}

impl Job {
    pub fn new<F, Fut>(kind: &'static str, handler: F) -> Self
    where
        F: Fn(AppState, ClaimedJob) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), JobError>> + Send + 'static,
    {
        Self {
            kind,
            every: None,
            handler: Arc::new(move |state, job| Box::pin(handler(state, job))),
        }
    }

    /// Offered by every worker once per period.
    pub fn every(mut self, every: Every) -> Self {
        self.every = Some(every);
        self
    }
}

/// Which handler runs which kind of job, and which sweeps are offered how often. Made from the
/// features' descriptors ([`crate::features::jobs`]); tests add their own kinds with [`Registry::on`].
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<String, Handler>,
    schedule: Vec<(&'static str, Every)>,
}

impl Registry {
    pub fn on<F, Fut>(self, kind: &'static str, handler: F) -> Self
    where
        F: Fn(AppState, ClaimedJob) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), JobError>> + Send + 'static,
    {
        self.with(Job::new(kind, handler))
    }

    pub fn with(mut self, job: Job) -> Self {
        self.schedule.retain(|(kind, _)| *kind != job.kind);
        if let Some(every) = job.every {
            self.schedule.push((job.kind, every));
        }
        self.handlers.insert(job.kind.to_owned(), job.handler);
        self
    }

    /// The same handlers without the offers of one period (tests that run a sweep themselves and
    /// count what it did must not race the worker's own offer).
    pub fn unscheduled(mut self, every: Every) -> Self {
        self.schedule.retain(|(_, e)| *e != every);
        self
    }

    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.handlers.keys().map(String::as_str)
    }

    /// The sweeps and how often each is offered, in the order they were registered.
    pub fn scheduled(&self) -> impl Iterator<Item = (&'static str, Every)> + '_ {
        self.schedule.iter().copied()
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
    tasks.push(tokio::spawn(offer_sweeps(
        state.clone(),
        registry.clone(),
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
            let after = match err {
                JobError::RetryAfter(after, _) => Some(*after),
                _ => None,
            };
            jobs::fail(&state.db, &job, &err.to_string(), permanent, after, now)
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

/// Every worker offers every scheduled sweep of its registry each minute; the sweep's unique key
/// per period lets one offer in, however many nodes run.
async fn offer_sweeps(
    state: AppState,
    registry: Arc<Registry>,
    mut shutdown: watch::Receiver<bool>,
) {
    while !*shutdown.borrow() {
        let now = state.now();
        let offered = async {
            let mut conn = state.db.connection().await?;
            for (kind, every) in registry.scheduled() {
                let job = NewJob::new(kind, serde_json::json!({}), now)
                    .unique(every.unique_key(kind, now))
                    .max_attempts(3);
                jobs::enqueue(&mut conn, &job, now).await?;
            }
            Ok::<_, store::StoreError>(())
        }
        .await;
        if let Err(err) = offered {
            tracing::warn!(error = %err, "cannot offer the sweeps");
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
