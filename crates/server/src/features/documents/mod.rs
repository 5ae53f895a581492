//! My documents (the vault) and the registry of documents, deadlines and their reminders.

pub mod api;
pub mod attention;
pub mod cache;
pub mod calendar;
pub mod catalogue;
pub mod demo;
pub mod file_response;
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

use super::Feature;
use crate::state::AppState;
use crate::worker::{Every, Job, JobError};

/// My documents, the registry and the kinds' admin; the sweeps: the trash purged and expired
/// documents archived every hour, orphaned objects every day, due reminders every minute.
pub fn feature() -> Feature {
    Feature::new("documents")
        .pages(pages::pages())
        .pages(kinds_admin::pages())
        .api(api::api())
        .job(Job::new(service::PURGE_JOB, purge_job).every(Every::Hour))
        .job(Job::new(service::ARCHIVE_JOB, archive_job).every(Every::Hour))
        .job(Job::new(service::ORPHANS_JOB, orphans_job).every(Every::Day))
        .job(Job::new(reminders::REMINDER_JOB, reminders::reminders_job).every(Every::Minute))
        .attention(attention::source)
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
