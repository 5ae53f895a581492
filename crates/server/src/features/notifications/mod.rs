//! Notifications: the inbox ("Сообщения"), settings by category and channel (with the days
//! deadline reminders come at), the delivery history, mailings and web push. It imports no
//! feature: the features above call `service::notify`, and the registry answers the reminder
//! days through `reminder_days::Deadlines`.

pub mod announcement;
pub mod api;
pub mod pages;
pub mod push;
pub mod reminder_days;
pub mod service;
pub mod subscriptions;
pub mod unsubscribe;

use store::jobs::ClaimedJob;

use crate::state::AppState;
use crate::worker::{Job, JobError};

/// The inbox, settings, mailings and web push; bulletins are sent by a job queued when an
/// operator publishes one.
pub fn feature() -> super::Feature {
    super::Feature::new("notifications")
        .pages(pages::pages())
        .api(api::api())
        .job(Job::new(subscriptions::BULLETIN_JOB, bulletin_job))
}

/// Sends one bulletin to its subscribers; a bulletin that is gone is dropped with a log line.
async fn bulletin_job(state: AppState, job: ClaimedJob) -> Result<(), JobError> {
    let Some(id) = job.payload["bulletin"].as_str() else {
        return Err(JobError::Permanent("no bulletin id in the payload".into()));
    };
    match subscriptions::send_bulletin(&state, id).await? {
        Some(sent) => tracing::info!(bulletin = %id, sent, "bulletin sent"),
        None => tracing::warn!(bulletin = %id, "bulletin not found; nothing sent"),
    }
    Ok(())
}
