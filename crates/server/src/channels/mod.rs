//! Channels to people: SMS and e-mail. Each is a port with a real adapter (an HTTP SMS gateway;
//! SMTP) and a sandbox adapter that keeps the message in the database for the operators' sandbox
//! page, so that a newcomer can finish every flow on one machine.
//!
//! Messages are never sent inside a request: they are queued as jobs in the transaction of the
//! change that causes them, and the worker delivers them with retries and a dead-letter state.

mod email;
mod sms;

use askama::Template;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
use store::jobs::{self, ClaimedJob, NewJob};

pub use email::Mailer;
pub use sms::SmsGateway;

use crate::config::Config;
use crate::state::AppState;
use crate::worker::{JobError, Registry};

pub const SMS_JOB: &str = "channel.sms";
pub const EMAIL_JOB: &str = "channel.email";

/// The configured adapters.
pub struct Channels {
    pub sms: SmsGateway,
    pub mail: Mailer,
}

#[derive(Debug, thiserror::Error)]
#[error("{key}: {message}")]
pub struct ChannelConfigError {
    pub key: &'static str,
    pub message: String,
}

impl Channels {
    pub fn from_config(config: &Config) -> Result<Self, ChannelConfigError> {
        Ok(Self {
            sms: SmsGateway::from_config(&config.sms)?,
            mail: Mailer::from_config(&config.email)?,
        })
    }

    /// Whether any channel keeps messages in the sandbox outbox (shown on the operators' page).
    pub fn uses_sandbox(&self) -> bool {
        matches!(self.sms, SmsGateway::Sandbox) || matches!(self.mail, Mailer::Sandbox)
    }
}

/// A text message.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sms {
    /// E.164
    pub to: String,
    pub text: String,
}

/// A letter: plain text and HTML with the same content.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Email {
    /// A letter of paragraphs, with the HTML part made from the same paragraphs.
    pub fn from_paragraphs(to: &str, subject: &str, paragraphs: &[String]) -> Self {
        let html = EmailHtml {
            subject,
            paragraphs,
        }
        .render()
        .unwrap_or_default();
        Self {
            to: to.to_owned(),
            subject: subject.to_owned(),
            text: paragraphs.join("\n\n"),
            html,
        }
    }
}

#[derive(Template)]
#[template(path = "channels/email.html")]
struct EmailHtml<'a> {
    subject: &'a str,
    paragraphs: &'a [String],
}

/// Queues an SMS in the caller's transaction.
pub async fn queue_sms(
    conn: &mut AnyConnection,
    sms: &Sms,
    now: Timestamp,
) -> Result<(), store::StoreError> {
    let payload = serde_json::to_value(sms).unwrap_or_default();
    jobs::enqueue(
        conn,
        &NewJob::new(SMS_JOB, payload, now).max_attempts(6),
        now,
    )
    .await?;
    Ok(())
}

/// Queues an e-mail in the caller's transaction.
pub async fn queue_email(
    conn: &mut AnyConnection,
    email: &Email,
    now: Timestamp,
) -> Result<(), store::StoreError> {
    let payload = serde_json::to_value(email).unwrap_or_default();
    jobs::enqueue(
        conn,
        &NewJob::new(EMAIL_JOB, payload, now).max_attempts(8),
        now,
    )
    .await?;
    Ok(())
}

pub fn register_jobs(registry: Registry) -> Registry {
    registry
        .on(SMS_JOB, deliver_sms)
        .on(EMAIL_JOB, deliver_email)
}

async fn deliver_sms(state: AppState, job: ClaimedJob) -> Result<(), JobError> {
    let sms: Sms = serde_json::from_value(job.payload)
        .map_err(|e| JobError::Permanent(format!("malformed SMS job: {e}")))?;
    state.channels.sms.send(&state, &sms).await
}

async fn deliver_email(state: AppState, job: ClaimedJob) -> Result<(), JobError> {
    let email: Email = serde_json::from_value(job.payload)
        .map_err(|e| JobError::Permanent(format!("malformed e-mail job: {e}")))?;
    state.channels.mail.send(&state, &email).await
}
