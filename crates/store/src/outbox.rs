//! The sandbox channels' outbox: SMS (and e-mail without SMTP) kept in the database and shown to
//! operators on a page marked as a sandbox, so that one machine can run every flow.

use jiff::Timestamp;
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::StoreError;
use crate::{from_micros, micros, new_id};

#[derive(Debug, Clone, Serialize)]
pub struct OutboxMessage {
    pub id: String,
    pub channel: String,
    pub recipient: String,
    pub subject: Option<String>,
    pub body: String,
    pub created_at: Timestamp,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(
    conn: &mut AnyConnection,
    channel: &str,
    recipient: &str,
    subject: Option<&str>,
    body: &str,
    now: Timestamp,
) -> Result<String, StoreError> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO outbox (id, channel, recipient, subject, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(channel)
    .bind(recipient)
    .bind(subject)
    .bind(body)
    .bind(micros(now))
    .execute(conn)
    .await?;
    Ok(id)
}

/// Newest first; `recipient` narrows to one phone or address.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(
    db: &Db,
    recipient: Option<&str>,
    limit: i64,
) -> Result<Vec<OutboxMessage>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, channel, recipient, subject, body, created_at FROM outbox \
         WHERE ($1 = '' OR recipient = $1) ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(recipient.unwrap_or(""))
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(OutboxMessage {
                id: row.try_get("id")?,
                channel: row.try_get("channel")?,
                recipient: row.try_get("recipient")?,
                subject: row.try_get("subject")?,
                body: row.try_get("body")?,
                created_at: from_micros(row.try_get("created_at")?),
            })
        })
        .collect()
}
