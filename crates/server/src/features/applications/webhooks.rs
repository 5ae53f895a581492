//! Telling an agency's system what happened, by Standard Webhooks 1.0: a thin event (what
//! happened to which application — the system reads the rest through the API with its key)
//! recorded in the transaction of the change, then POSTed from the job queue with the headers
//! `webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of
//! `{id}.{timestamp}.{body}` under the agency's secret), retried on the standard's schedule.

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use jiff::{SignedDuration, Timestamp};
use sha2::Sha256;
use sqlx::AnyConnection;
use store::StoreError;
use store::agency_systems as repo;
use store::jobs::{self, ClaimedJob, NewJob};

use crate::state::AppState;
use crate::worker::JobError;

pub const WEBHOOK_JOB: &str = "agency.webhook";

/// The events an agency's endpoint receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A citizen submitted an application to the agency.
    Submitted,
    /// The citizen answered the agency's question.
    Message,
    /// The citizen withdrew an application.
    Withdrawn,
}

impl Event {
    pub const ALL: [Event; 3] = [Event::Submitted, Event::Message, Event::Withdrawn];

    pub fn code(self) -> &'static str {
        match self {
            Event::Submitted => "application.submitted",
            Event::Message => "application.message",
            Event::Withdrawn => "application.withdrawn",
        }
    }
}

/// Waits after each failed attempt, from Standard Webhooks: immediately, 5 s, 5 min, 30 min,
/// 2 h, 5 h, 10 h, 14 h, 20 h, 24 h — ten attempts in about three days.
const RETRY_AFTER_SECS: [i64; 9] = [5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 86_400];
const ATTEMPTS: i64 = RETRY_AFTER_SECS.len() as i64 + 1;

/// A new signing secret as Standard Webhooks spells it: `whsec_` and base64 of 24 random bytes.
pub fn new_secret() -> String {
    let mut bytes = [0_u8; 24];
    rand::fill(&mut bytes);
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// The `webhook-signature` of a body: `v1,` and base64 of HMAC-SHA256 of `{id}.{timestamp}.{body}`
/// under the secret's decoded bytes. `None` for a secret that is not `whsec_` + base64.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_")?)
        .ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    let tag = mac.finalize().into_bytes();
    Some(format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(tag)
    ))
}

/// Records the event for the agency's endpoint and queues its delivery, in the caller's
/// transaction; nothing when the agency has no endpoint.
pub async fn announce(
    conn: &mut AnyConnection,
    agency_code: &str,
    event: Event,
    data: serde_json::Value,
    now: Timestamp,
) -> Result<(), StoreError> {
    if repo::webhook(conn, agency_code).await?.is_none() {
        return Ok(());
    }
    let id = format!("msg_{}", store::new_id());
    let payload = serde_json::json!({
        "type": event.code(),
        "timestamp": now.to_string(),
        "data": data,
    })
    .to_string();
    repo::insert_delivery(conn, &id, agency_code, event.code(), &payload, now).await?;
    jobs::enqueue(
        conn,
        &NewJob::new(WEBHOOK_JOB, serde_json::json!({ "delivery": id }), now)
            .unique(format!("webhook:{id}"))
            .max_attempts(ATTEMPTS),
        now,
    )
    .await?;
    Ok(())
}

fn retry(attempt: i64, why: String) -> JobError {
    let index = usize::try_from(attempt - 1)
        .unwrap_or(0)
        .min(RETRY_AFTER_SECS.len() - 1);
    JobError::RetryAfter(SignedDuration::from_secs(RETRY_AFTER_SECS[index]), why)
}

/// Delivers one event. A 2xx answer delivers it; anything else is retried on the schedule; an
/// endpoint removed meanwhile ends it.
pub async fn deliver_job(state: AppState, job: ClaimedJob) -> Result<(), JobError> {
    let id = job
        .payload
        .get("delivery")
        .and_then(|v| v.as_str())
        .ok_or_else(|| JobError::Permanent("no delivery id in the payload".into()))?;
    let delivery = repo::delivery(&state.db, id)
        .await?
        .ok_or_else(|| JobError::Permanent(format!("no delivery {id}")))?;
    if delivery.delivered_at.is_some() {
        return Ok(());
    }
    let hook = {
        let mut conn = state.db.connection().await?;
        repo::webhook(&mut conn, &delivery.agency_code).await?
    };
    let now = state.now();
    let Some(hook) = hook else {
        repo::record_attempt(&state.db, id, None, Some("no endpoint"), false, now).await?;
        return Ok(());
    };
    let secret = crate::keys::unseal(&state.keys.secrets, &hook.sealed_secret)
        .and_then(|s| String::from_utf8(s).ok())
        .ok_or_else(|| JobError::Permanent("the webhook secret cannot be unsealed".into()))?;
    let timestamp = now.as_second();
    let signed = signature(&secret, id, timestamp, &delivery.payload)
        .ok_or_else(|| JobError::Permanent("the webhook secret is malformed".into()))?;
    let sent = state
        .channels
        .http
        .post(&hook.url)
        .timeout(std::time::Duration::from_secs(15))
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signed)
        .body(delivery.payload.clone())
        .send()
        .await;
    match sent {
        Ok(response) if response.status().is_success() => {
            let status = response.status().as_u16();
            repo::record_attempt(&state.db, id, Some(status), None, true, now).await?;
            Ok(())
        }
        Ok(response) => {
            let status = response.status().as_u16();
            let why = format!("the endpoint answered HTTP {status}");
            repo::record_attempt(&state.db, id, Some(status), Some(&why), false, now).await?;
            Err(retry(job.attempt, why))
        }
        Err(e) => {
            let why = format!("the endpoint is unreachable: {e}");
            repo::record_attempt(&state.db, id, None, Some(&why), false, now).await?;
            Err(retry(job.attempt, why))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn a_malformed_secret_signs_nothing() {
        assert_eq!(signature("not-a-secret", "msg_1", 1, "{}"), None);
        assert_eq!(signature("whsec_***", "msg_1", 1, "{}"), None);
    }

    #[test]
    fn retries_follow_the_schedule_and_stop_after_ten_attempts() {
        assert_eq!(ATTEMPTS, 10);
        let after = |attempt| match retry(attempt, String::new()) {
            JobError::RetryAfter(d, _) => d.as_secs(),
            _ => -1,
        };
        assert_eq!(after(1), 5);
        assert_eq!(after(2), 300);
        assert_eq!(after(9), 86_400);
        assert_eq!(new_secret().len(), "whsec_".len() + 32);
    }
}
