//! Channels to people: SMS and e-mail. Each is a port with a real adapter (an HTTP SMS gateway;
//! SMTP) and a sandbox adapter that keeps the message in the database for the operators' sandbox
//! page, so that a newcomer can finish every flow on one machine.
//!
//! Messages are never sent inside a request: they are queued as jobs in the transaction of the
//! change that causes them, and the worker delivers them with retries and a dead-letter state.

mod email;
pub mod push;
mod sms;

use askama::Template;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
use store::jobs::{self, ClaimedJob, NewJob};

pub use email::Mailer;
pub use sms::SmsGateway;

use crate::config::Config;
use crate::keys::MasterKey;
use crate::state::AppState;
use crate::worker::{Job, JobError};

pub const SMS_JOB: &str = "channel.sms";
pub const EMAIL_JOB: &str = "channel.email";
pub const PUSH_JOB: &str = "channel.push";

/// The configured adapters.
pub struct Channels {
    pub sms: SmsGateway,
    pub mail: Mailer,
    /// The server's web push identity.
    pub vapid: push::Vapid,
    /// For push services and agencies' webhooks (no redirects: an address is used as given).
    pub http: reqwest::Client,
}

#[derive(Debug, thiserror::Error)]
#[error("{key}: {message}")]
pub struct ChannelConfigError {
    pub key: &'static str,
    pub message: String,
}

impl Channels {
    pub fn from_config(config: &Config, master: &MasterKey) -> Result<Self, ChannelConfigError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ChannelConfigError {
                key: "push",
                message: e.to_string(),
            })?;
        Ok(Self {
            sms: SmsGateway::from_config(&config.sms)?,
            mail: Mailer::from_config(&config.email)?,
            vapid: push::Vapid::from_master(master),
            http,
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
    /// A one-click unsubscribe address (RFC 8058), for notices a person may turn off.
    #[serde(default)]
    pub unsubscribe: Option<String>,
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
            unsubscribe: None,
        }
    }
}

#[derive(Template)]
#[template(path = "channels/email.html")]
struct EmailHtml<'a> {
    subject: &'a str,
    paragraphs: &'a [String],
}

/// A message with the delivery record it updates (notifications keep one per channel).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Tracked<T> {
    #[serde(flatten)]
    message: T,
    #[serde(default)]
    delivery: Option<String>,
}

/// Queues an SMS in the caller's transaction.
pub async fn queue_sms(
    conn: &mut AnyConnection,
    sms: &Sms,
    now: Timestamp,
) -> Result<(), store::StoreError> {
    queue_sms_for(conn, sms, None, now).await
}

/// Queues an SMS whose outcome is written to a delivery record.
pub async fn queue_sms_for(
    conn: &mut AnyConnection,
    sms: &Sms,
    delivery: Option<&str>,
    now: Timestamp,
) -> Result<(), store::StoreError> {
    let payload = serde_json::to_value(Tracked {
        message: sms,
        delivery: delivery.map(str::to_owned),
    })
    .unwrap_or_default();
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
    queue_email_for(conn, email, None, now).await
}

/// Queues an e-mail whose outcome is written to a delivery record.
pub async fn queue_email_for(
    conn: &mut AnyConnection,
    email: &Email,
    delivery: Option<&str>,
    now: Timestamp,
) -> Result<(), store::StoreError> {
    let payload = serde_json::to_value(Tracked {
        message: email,
        delivery: delivery.map(str::to_owned),
    })
    .unwrap_or_default();
    jobs::enqueue(
        conn,
        &NewJob::new(EMAIL_JOB, payload, now).max_attempts(8),
        now,
    )
    .await?;
    Ok(())
}

/// Queues a web push whose outcome is written to a delivery record.
pub async fn queue_push_for(
    conn: &mut AnyConnection,
    push: &push::Push,
    delivery: Option<&str>,
    now: Timestamp,
) -> Result<(), store::StoreError> {
    let payload = serde_json::to_value(Tracked {
        message: push,
        delivery: delivery.map(str::to_owned),
    })
    .unwrap_or_default();
    jobs::enqueue(
        conn,
        &NewJob::new(PUSH_JOB, payload, now).max_attempts(6),
        now,
    )
    .await?;
    Ok(())
}

/// The deliveries' handlers (queued by whoever sends, never scheduled).
pub fn jobs() -> [Job; 3] {
    [
        Job::new(SMS_JOB, deliver_sms),
        Job::new(EMAIL_JOB, deliver_email),
        Job::new(PUSH_JOB, deliver_push),
    ]
}

async fn deliver_push(state: AppState, job: ClaimedJob) -> Result<(), JobError> {
    let message: Tracked<push::Push> = serde_json::from_value(job.payload)
        .map_err(|e| JobError::Permanent(format!("malformed push job: {e}")))?;
    let result = push::send(&state, &message.message).await;
    record(
        &state,
        message.delivery.as_deref(),
        &result,
        job.attempt,
        job.max_attempts,
    )
    .await;
    result
}

async fn deliver_sms(state: AppState, job: ClaimedJob) -> Result<(), JobError> {
    let sms: Tracked<Sms> = serde_json::from_value(job.payload)
        .map_err(|e| JobError::Permanent(format!("malformed SMS job: {e}")))?;
    let result = state.channels.sms.send(&state, &sms.message).await;
    record(
        &state,
        sms.delivery.as_deref(),
        &result,
        job.attempt,
        job.max_attempts,
    )
    .await;
    result
}

async fn deliver_email(state: AppState, job: ClaimedJob) -> Result<(), JobError> {
    let email: Tracked<Email> = serde_json::from_value(job.payload)
        .map_err(|e| JobError::Permanent(format!("malformed e-mail job: {e}")))?;
    let result = state.channels.mail.send(&state, &email.message).await;
    record(
        &state,
        email.delivery.as_deref(),
        &result,
        job.attempt,
        job.max_attempts,
    )
    .await;
    result
}

/// Writes an attempt's outcome to the delivery record the person sees in their history.
async fn record(
    state: &AppState,
    delivery: Option<&str>,
    result: &Result<(), JobError>,
    attempt: i64,
    max_attempts: i64,
) {
    let Some(id) = delivery else { return };
    let (status, error) = match result {
        Ok(()) => ("sent", None),
        Err(JobError::Retry(e) | JobError::RetryAfter(_, e)) if attempt < max_attempts => {
            ("retrying", Some(e.as_str()))
        }
        Err(JobError::Retry(e) | JobError::RetryAfter(_, e) | JobError::Permanent(e)) => {
            ("failed", Some(e.as_str()))
        }
    };
    if let Err(e) =
        store::notifications::record_attempt(&state.db, id, status, error, state.now()).await
    {
        tracing::warn!(error = %e, delivery = id, "delivery outcome not recorded");
    }
}
