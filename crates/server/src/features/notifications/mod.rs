//! Notifications: the inbox ("Сообщения"), settings by category and channel, the delivery
//! history, and deadline reminders.

pub mod announcement;
pub mod api;
pub mod calendar;
pub mod pages;
pub mod push;
pub mod reminder_days;
pub mod service;
pub mod subscriptions;
pub mod unsubscribe;

use store::jobs::ClaimedJob;

use crate::state::AppState;
use crate::worker::{JobError, Registry};

pub fn register_jobs(registry: Registry) -> Registry {
    registry
        .on(service::REMINDER_JOB, reminders_job)
        .on(subscriptions::BULLETIN_JOB, bulletin_job)
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

/// Sends what is due, a batch at a time, until nothing is left.
async fn reminders_job(state: AppState, _job: ClaimedJob) -> Result<(), JobError> {
    let mut total = 0;
    loop {
        let sent = service::send_due_reminders(&state, 200).await?;
        total += sent;
        if sent < 200 {
            break;
        }
    }
    if total > 0 {
        tracing::info!(sent = total, "deadline reminders sent");
    }
    Ok(())
}
