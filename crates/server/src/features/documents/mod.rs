//! My documents (the vault) and the registry of documents, deadlines and their reminders.

pub mod api;
pub mod attention;
pub mod cache;
pub mod calendar;
pub mod catalogue;
pub mod demo;
pub mod inspect;
pub mod kinds_admin;
pub mod listing;
pub mod pages;
pub mod reminders;
pub mod service;
pub mod texts;
pub mod timeline;
pub mod views;

use store::jobs::ClaimedJob;

use crate::state::AppState;
use crate::worker::{JobError, Registry};

/// The documents' background work: purging the trash, archiving expired documents, sweeping
/// orphaned objects, sending due reminders.
pub fn register_jobs(registry: Registry) -> Registry {
    registry
        .on(service::PURGE_JOB, purge_job)
        .on(service::ARCHIVE_JOB, archive_job)
        .on(service::ORPHANS_JOB, orphans_job)
        .on(reminders::REMINDER_JOB, reminders::reminders_job)
}

async fn orphans_job(state: AppState, _job: ClaimedJob) -> Result<(), JobError> {
    // Storage or database trouble is worth another try later.
    let n = service::sweep_orphans(&state, service::ORPHAN_GRACE)
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?;
    tracing::info!(removed = n, "objects without a row removed");
    Ok(())
}

async fn purge_job(state: AppState, _job: ClaimedJob) -> Result<(), JobError> {
    let n = service::purge_expired_trash(&state).await?;
    tracing::info!(purged = n, "trash purged");
    Ok(())
}

async fn archive_job(state: AppState, _job: ClaimedJob) -> Result<(), JobError> {
    let n = service::archive_expired(&state).await?;
    tracing::info!(archived = n, "expired documents archived");
    Ok(())
}
