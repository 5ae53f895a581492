//! Web push subscriptions as stored, scoped to their owner wherever a person acts on them.

use jiff::Timestamp;
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::StoreError;
use crate::{from_micros, micros, new_id};

#[derive(Debug, Clone, Serialize)]
pub struct PushSubscription {
    pub id: String,
    #[serde(skip)]
    pub user_id: String,
    #[serde(skip)]
    pub endpoint: String,
    #[serde(skip)]
    pub p256dh: String,
    #[serde(skip)]
    pub auth: String,
    pub device: String,
    pub created_at: Timestamp,
    pub last_success_at: Option<Timestamp>,
}

const COLUMNS: &str = "id, user_id, endpoint, p256dh, auth, device, created_at, last_success_at";

fn subscription_of(r: &sqlx::any::AnyRow) -> Result<PushSubscription, StoreError> {
    Ok(PushSubscription {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        endpoint: r.try_get("endpoint")?,
        p256dh: r.try_get("p256dh")?,
        auth: r.try_get("auth")?,
        device: r.try_get("device")?,
        created_at: from_micros(r.try_get("created_at")?),
        last_success_at: r
            .try_get::<Option<i64>, _>("last_success_at")?
            .map(from_micros),
    })
}

/// The browser's subscription to keep: its push service address and keys.
pub struct NewPushSubscription<'a> {
    pub user_id: &'a str,
    pub endpoint: &'a str,
    pub p256dh: &'a str,
    pub auth: &'a str,
    pub device: &'a str,
}

/// Keeps a subscription. The same browser subscribing again (same endpoint) replaces its keys,
/// and moves to this person if another had it (a shared computer changed hands). Returns its id.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn upsert(
    conn: &mut AnyConnection,
    s: &NewPushSubscription<'_>,
    now: Timestamp,
) -> Result<String, StoreError> {
    sqlx::query("DELETE FROM push_subscriptions WHERE endpoint = $1")
        .bind(s.endpoint)
        .execute(&mut *conn)
        .await?;
    let id = new_id();
    sqlx::query(
        "INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, device, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(s.user_id)
    .bind(s.endpoint)
    .bind(s.p256dh)
    .bind(s.auth)
    .bind(s.device)
    .bind(micros(now))
    .execute(conn)
    .await?;
    Ok(id)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn for_user(db: &Db, user_id: &str) -> Result<Vec<PushSubscription>, StoreError> {
    let sql =
        format!("SELECT {COLUMNS} FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(subscription_of).collect()
}

/// The ids and push service hosts of a person's subscriptions, in the caller's transaction.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn targets(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    let rows = sqlx::query("SELECT id, endpoint FROM push_subscriptions WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("endpoint")?)))
        .collect()
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn by_id(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<PushSubscription>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM push_subscriptions WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(subscription_of).transpose()
}

/// Removes one of the owner's subscriptions. False when it is not theirs.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn delete(conn: &mut AnyConnection, user_id: &str, id: &str) -> Result<bool, StoreError> {
    let n = sqlx::query("DELETE FROM push_subscriptions WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// Forgets a subscription its push service no longer knows.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove_gone(conn: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM push_subscriptions WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn record_success(
    conn: &mut AnyConnection,
    id: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE push_subscriptions SET last_success_at = $2 WHERE id = $1")
        .bind(id)
        .bind(micros(now))
        .execute(conn)
        .await?;
    Ok(())
}
