//! Agencies' own systems: the API keys an operator makes for an agency (only the SHA-256 of a key
//! is kept; a key sees its agency's applications and nothing else), the agency's webhook endpoint
//! and the log of events delivered to it.

use jiff::Timestamp;
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::StoreError;
use crate::{from_micros, micros, new_id};

/// A key as the operator's page lists it (never the key itself).
#[derive(Debug, Clone, Serialize)]
pub struct AgencyKey {
    pub id: String,
    pub agency_code: String,
    pub name: String,
    pub hint: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// The identifiers of agency keys start with this, so that an application held by an agency's
/// system is told from one held by an officer.
pub const KEY_ID_PREFIX: &str = "agk_";

fn key_of(row: &sqlx::any::AnyRow) -> Result<AgencyKey, StoreError> {
    Ok(AgencyKey {
        id: row.try_get("id")?,
        agency_code: row.try_get("agency_code")?,
        name: row.try_get("name")?,
        hint: row.try_get("hint")?,
        created_at: from_micros(row.try_get("created_at")?),
        last_used_at: row
            .try_get::<Option<i64>, _>("last_used_at")?
            .map(from_micros),
        revoked_at: row
            .try_get::<Option<i64>, _>("revoked_at")?
            .map(from_micros),
    })
}

const KEY_COLUMNS: &str =
    "id, agency_code, name, hint, created_at, last_used_at, revoked_at FROM agency_keys";

/// Records a new key of an agency by its hash.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_key(
    conn: &mut AnyConnection,
    agency_code: &str,
    name: &str,
    token_hash: &str,
    hint: &str,
    created_by: Option<&str>,
    now: Timestamp,
) -> Result<String, StoreError> {
    let id = format!("{KEY_ID_PREFIX}{}", new_id());
    sqlx::query(
        "INSERT INTO agency_keys (id, agency_code, name, token_hash, hint, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(agency_code)
    .bind(name)
    .bind(token_hash)
    .bind(hint)
    .bind(created_by)
    .bind(micros(now))
    .execute(conn)
    .await?;
    Ok(id)
}

/// The agency's keys, the newest first (revoked ones too: the operator sees what existed).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn keys(db: &Db, agency_code: &str) -> Result<Vec<AgencyKey>, StoreError> {
    let sql =
        format!("SELECT {KEY_COLUMNS} WHERE agency_code = $1 ORDER BY created_at DESC, id DESC");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(agency_code)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(key_of).collect()
}

/// Revokes a live key of the agency; false when there is none.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn revoke_key(
    conn: &mut AnyConnection,
    agency_code: &str,
    id: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let changed = sqlx::query(
        "UPDATE agency_keys SET revoked_at = $1 \
         WHERE id = $2 AND agency_code = $3 AND revoked_at IS NULL",
    )
    .bind(micros(now))
    .bind(id)
    .bind(agency_code)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// The live key with this hash: its id and agency. Marks it used (at most once a minute).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn authenticate(
    db: &Db,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<AgencyKey>, StoreError> {
    let sql = format!("SELECT {KEY_COLUMNS} WHERE token_hash = $1 AND revoked_at IS NULL");
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(token_hash)
        .fetch_optional(db.pool())
        .await?
    else {
        return Ok(None);
    };
    let key = key_of(&row)?;
    if key
        .last_used_at
        .is_none_or(|t| micros(now) - micros(t) > 60_000_000)
    {
        sqlx::query("UPDATE agency_keys SET last_used_at = $1 WHERE id = $2")
            .bind(micros(now))
            .bind(&key.id)
            .execute(db.pool())
            .await?;
    }
    Ok(Some(key))
}

/// An agency's webhook endpoint; the secret is sealed by the caller.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub agency_code: String,
    pub url: String,
    pub sealed_secret: String,
    pub updated_at: Timestamp,
}

fn webhook_of(row: &sqlx::any::AnyRow) -> Result<Webhook, StoreError> {
    Ok(Webhook {
        agency_code: row.try_get("agency_code")?,
        url: row.try_get("url")?,
        sealed_secret: row.try_get("secret")?,
        updated_at: from_micros(row.try_get("updated_at")?),
    })
}

/// Sets (or replaces) the agency's endpoint.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_webhook(
    conn: &mut AnyConnection,
    agency_code: &str,
    url: &str,
    sealed_secret: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO agency_webhooks (agency_code, url, secret, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (agency_code) DO UPDATE SET url = excluded.url, secret = excluded.secret, \
         updated_at = excluded.updated_at",
    )
    .bind(agency_code)
    .bind(url)
    .bind(sealed_secret)
    .bind(micros(now))
    .execute(conn)
    .await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove_webhook(
    conn: &mut AnyConnection,
    agency_code: &str,
) -> Result<bool, StoreError> {
    let changed = sqlx::query("DELETE FROM agency_webhooks WHERE agency_code = $1")
        .bind(agency_code)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(changed == 1)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn webhook(
    conn: &mut AnyConnection,
    agency_code: &str,
) -> Result<Option<Webhook>, StoreError> {
    let row = sqlx::query(
        "SELECT agency_code, url, secret, updated_at FROM agency_webhooks WHERE agency_code = $1",
    )
    .bind(agency_code)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(webhook_of).transpose()
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn webhooks(db: &Db) -> Result<Vec<Webhook>, StoreError> {
    let rows = sqlx::query("SELECT agency_code, url, secret, updated_at FROM agency_webhooks")
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(webhook_of).collect()
}

/// One event for an agency's endpoint and how its delivery went.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub id: String,
    pub agency_code: String,
    pub event_type: String,
    pub payload: String,
    pub created_at: Timestamp,
    pub attempts: i64,
    pub last_attempt_at: Option<Timestamp>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<Timestamp>,
}

fn delivery_of(row: &sqlx::any::AnyRow) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        id: row.try_get("id")?,
        agency_code: row.try_get("agency_code")?,
        event_type: row.try_get("event_type")?,
        payload: row.try_get("payload")?,
        created_at: from_micros(row.try_get("created_at")?),
        attempts: row.try_get("attempts")?,
        last_attempt_at: row
            .try_get::<Option<i64>, _>("last_attempt_at")?
            .map(from_micros),
        last_status: row.try_get("last_status")?,
        last_error: row.try_get("last_error")?,
        delivered_at: row
            .try_get::<Option<i64>, _>("delivered_at")?
            .map(from_micros),
    })
}

const DELIVERY_COLUMNS: &str = "id, agency_code, event_type, payload, created_at, attempts, \
     last_attempt_at, last_status, last_error, delivered_at FROM webhook_deliveries";

/// Records an event to deliver, in the transaction of the change it tells about.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_delivery(
    conn: &mut AnyConnection,
    id: &str,
    agency_code: &str,
    event_type: &str,
    payload: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO webhook_deliveries (id, agency_code, event_type, payload, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(agency_code)
    .bind(event_type)
    .bind(payload)
    .bind(micros(now))
    .execute(conn)
    .await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn delivery(db: &Db, id: &str) -> Result<Option<Delivery>, StoreError> {
    let sql = format!("SELECT {DELIVERY_COLUMNS} WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(delivery_of).transpose()
}

/// The agency's latest deliveries, the newest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn deliveries(
    db: &Db,
    agency_code: &str,
    limit: i64,
) -> Result<Vec<Delivery>, StoreError> {
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} WHERE agency_code = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(agency_code)
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(delivery_of).collect()
}

/// Records one attempt: the HTTP status (if any answer came), the error, and whether it landed.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn record_attempt(
    db: &Db,
    id: &str,
    status: Option<u16>,
    error: Option<&str>,
    delivered: bool,
    now: Timestamp,
) -> Result<(), StoreError> {
    let error: Option<String> = error.map(|e| e.chars().take(500).collect());
    sqlx::query(
        "UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = $1, \
         last_status = $2, last_error = $3, delivered_at = CASE WHEN $4 = 1 THEN $1 ELSE delivered_at END \
         WHERE id = $5",
    )
    .bind(micros(now))
    .bind(status.map(i64::from))
    .bind(error)
    .bind(i64::from(delivered))
    .bind(id)
    .execute(db.pool())
    .await?;
    Ok(())
}
