//! My documents (the vault) and the registry of documents and deadlines.

pub mod api;
pub mod catalogue;
pub mod demo;
pub mod inspect;
pub mod kinds_admin;
pub mod listing;
pub mod pages;
pub mod service;
pub mod texts;
pub mod timeline;
pub mod views;

use store::jobs::ClaimedJob;

use crate::state::AppState;
use crate::worker::{JobError, Registry};

/// The documents' background work: purging the trash, archiving expired documents.
pub fn register_jobs(registry: Registry) -> Registry {
    registry
        .on(service::PURGE_JOB, purge_job)
        .on(service::ARCHIVE_JOB, archive_job)
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
