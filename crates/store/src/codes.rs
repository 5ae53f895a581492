//! One-time codes (SMS and e-mail): stored as an HMAC under a server key, never in clear, with
//! a lifetime, a number of tries and a single use.

use jiff::Timestamp;
use sqlx::{AnyConnection, Row};

use crate::error::StoreError;
use crate::{from_micros, micros, new_id};

/// A code to store. `code_hash` is made by the caller with the server's key.
#[derive(Debug, Clone)]
pub struct NewCode<'a> {
    pub purpose: &'a str,
    pub subject: &'a str,
    pub channel: &'a str,
    pub destination: &'a str,
    pub code_hash: &'a str,
    pub max_attempts: i64,
    /// A decoy that never matches (a registration with a taken phone must look the same).
    pub inert: bool,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct StoredCode {
    pub id: String,
    pub channel: String,
    pub destination: String,
    pub code_hash: String,
    pub attempts: i64,
    pub max_attempts: i64,
    pub inert: bool,
    pub sent_at: Timestamp,
    pub expires_at: Timestamp,
    pub consumed: bool,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(
    conn: &mut AnyConnection,
    code: &NewCode<'_>,
    now: Timestamp,
) -> Result<String, StoreError> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO verification_codes (id, purpose, subject, channel, destination, code_hash, \
         attempts, max_attempts, inert, sent_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9, $10)",
    )
    .bind(&id)
    .bind(code.purpose)
    .bind(code.subject)
    .bind(code.channel)
    .bind(code.destination)
    .bind(code.code_hash)
    .bind(code.max_attempts)
    .bind(i64::from(code.inert))
    .bind(micros(now))
    .bind(micros(code.expires_at))
    .execute(conn)
    .await?;
    Ok(id)
}

/// The newest code for a subject and purpose (older ones are superseded by a resend).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn latest(
    conn: &mut AnyConnection,
    subject: &str,
    purpose: &str,
) -> Result<Option<StoredCode>, StoreError> {
    let row = sqlx::query(
        "SELECT id, channel, destination, code_hash, attempts, max_attempts, inert, sent_at, \
         expires_at, consumed_at FROM verification_codes WHERE subject = $1 AND purpose = $2 \
         ORDER BY sent_at DESC, id DESC LIMIT 1",
    )
    .bind(subject)
    .bind(purpose)
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(StoredCode {
            id: row.try_get("id")?,
            channel: row.try_get("channel")?,
            destination: row.try_get("destination")?,
            code_hash: row.try_get("code_hash")?,
            attempts: row.try_get("attempts")?,
            max_attempts: row.try_get("max_attempts")?,
            inert: row.try_get::<i64, _>("inert")? != 0,
            sent_at: from_micros(row.try_get("sent_at")?),
            expires_at: from_micros(row.try_get("expires_at")?),
            consumed: row.try_get::<Option<i64>, _>("consumed_at")?.is_some(),
        })
    })
    .transpose()
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn count_attempt(conn: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE verification_codes SET attempts = attempts + 1 WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks a code used. Returns false when it was used already (a double submission).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn consume(
    conn: &mut AnyConnection,
    id: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE verification_codes SET consumed_at = $1 WHERE id = $2 AND consumed_at IS NULL",
    )
    .bind(micros(now))
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// How many codes went to a destination since `since` (a cap on SMS per number per hour).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn sent_to_since(
    conn: &mut AnyConnection,
    destination: &str,
    since: Timestamp,
) -> Result<i64, StoreError> {
    let n = sqlx::query_scalar(
        "SELECT COUNT(*) FROM verification_codes WHERE destination = $1 AND sent_at >= $2",
    )
    .bind(destination)
    .bind(micros(since))
    .fetch_one(conn)
    .await?;
    Ok(n)
}
