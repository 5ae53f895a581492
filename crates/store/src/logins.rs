//! The sign-in history: every attempt, successful or not, with where it came from.

use jiff::Timestamp;
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::StoreError;
use crate::{from_micros, micros, new_id};

#[derive(Debug, Clone, Serialize)]
pub struct LoginEvent {
    pub id: String,
    pub user_id: Option<String>,
    pub at: Timestamp,
    /// `password`, `sms_code`, `token` …
    pub method: String,
    /// `success`, `wrong_password`, `locked`, `unknown_user`, `wrong_code`, `second_factor_failed`
    pub result: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub device: Option<String>,
    pub browser: Option<String>,
    pub location: Option<String>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(conn: &mut AnyConnection, e: &LoginEvent) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO login_events (id, user_id, at, method, result, ip, user_agent, device, browser, location) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(new_id())
    .bind(e.user_id.as_deref())
    .bind(micros(e.at))
    .bind(&e.method)
    .bind(&e.result)
    .bind(e.ip.as_deref())
    .bind(e.user_agent.as_deref())
    .bind(e.device.as_deref())
    .bind(e.browser.as_deref())
    .bind(e.location.as_deref())
    .execute(conn)
    .await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn for_user(db: &Db, user_id: &str, limit: i64) -> Result<Vec<LoginEvent>, StoreError> {
    for_user_where(db, user_id, None, limit).await
}

/// The history filtered by outcome: `Some(true)` successful sign-ins only, `Some(false)` the
/// refused attempts only.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn for_user_where(
    db: &Db,
    user_id: &str,
    succeeded: Option<bool>,
    limit: i64,
) -> Result<Vec<LoginEvent>, StoreError> {
    let filter = match succeeded {
        None => "",
        Some(true) => " AND result = 'success'",
        Some(false) => " AND result <> 'success'",
    };
    let sql = format!(
        "SELECT id, user_id, at, method, result, ip, user_agent, device, browser, location \
         FROM login_events WHERE user_id = $1{filter} ORDER BY at DESC, id DESC LIMIT $2"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|row| {
            Ok(LoginEvent {
                id: row.try_get("id")?,
                user_id: row.try_get("user_id")?,
                at: from_micros(row.try_get("at")?),
                method: row.try_get("method")?,
                result: row.try_get("result")?,
                ip: row.try_get("ip")?,
                user_agent: row.try_get("user_agent")?,
                device: row.try_get("device")?,
                browser: row.try_get("browser")?,
                location: row.try_get("location")?,
            })
        })
        .collect()
}

/// Remembers the device a person signed in from; true when it was not known before (the caller
/// announces such sign-ins).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn remember_device(
    conn: &mut AnyConnection,
    user_id: &str,
    device_hash: &str,
    label: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let seen = sqlx::query(
        "UPDATE known_devices SET last_seen = $3, label = $4 WHERE user_id = $1 AND device_hash = $2",
    )
    .bind(user_id)
    .bind(device_hash)
    .bind(micros(now))
    .bind(label)
    .execute(&mut *conn)
    .await?;
    if seen.rows_affected() > 0 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO known_devices (user_id, device_hash, label, first_seen, last_seen) \
         VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(user_id)
    .bind(device_hash)
    .bind(label)
    .bind(micros(now))
    .execute(conn)
    .await?;
    Ok(true)
}

/// Whether the person has signed in from any device that Kabinet remembers.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn has_known_devices(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<bool, StoreError> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM known_devices WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(conn)
        .await?;
    Ok(count > 0)
}
