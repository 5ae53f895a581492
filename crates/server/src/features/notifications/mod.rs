//! Notifications: the inbox ("Сообщения"), settings by category and channel, the delivery
//! history, and deadline reminders.

pub mod api;
pub mod calendar;
pub mod pages;
pub mod service;
pub mod unsubscribe;

use store::jobs::ClaimedJob;

use crate::state::AppState;
use crate::worker::{JobError, Registry};

pub fn register_jobs(registry: Registry) -> Registry {
    registry.on(service::REMINDER_JOB, reminders_job)
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
