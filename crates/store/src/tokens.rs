//! Bearer tokens of API clients (the mobile app): opaque random strings, stored as SHA-256,
//! listed and revocable by their owner.

use jiff::Timestamp;
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::StoreError;
use crate::users::{SUMMARY_COLUMNS, UserSummary, summary_of};
use crate::{from_micros, micros, new_id};

#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub expires_at: Timestamp,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(
    conn: &mut AnyConnection,
    user_id: &str,
    token_hash: &str,
    name: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<String, StoreError> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO api_tokens (id, user_id, token_hash, name, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(user_id)
    .bind(token_hash)
    .bind(name)
    .bind(micros(now))
    .bind(micros(expires_at))
    .execute(conn)
    .await?;
    Ok(id)
}

/// The user and token id a live token belongs to; marks it used (at most once a minute).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn authenticate(
    db: &Db,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<(String, UserSummary)>, StoreError> {
    let sql = format!(
        "SELECT api_tokens.id AS token_id, api_tokens.last_used_at, {SUMMARY_COLUMNS} FROM api_tokens \
         JOIN users ON users.id = api_tokens.user_id \
         WHERE api_tokens.token_hash = $1 AND api_tokens.revoked_at IS NULL AND api_tokens.expires_at > $2"
    );
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(token_hash)
        .bind(micros(now))
        .fetch_optional(db.pool())
        .await?
    else {
        return Ok(None);
    };
    let token_id: String = row.try_get("token_id")?;
    let last_used: Option<i64> = row.try_get("last_used_at")?;
    if last_used.is_none_or(|t| micros(now) - t > 60_000_000) {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(micros(now))
            .bind(&token_id)
            .execute(db.pool())
            .await?;
    }
    Ok(Some((token_id, summary_of(&row)?)))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(db: &Db, user_id: &str, now: Timestamp) -> Result<Vec<ApiToken>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, name, created_at, last_used_at, expires_at FROM api_tokens \
         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at DESC",
    )
    .bind(user_id)
    .bind(micros(now))
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ApiToken {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                created_at: from_micros(row.try_get("created_at")?),
                last_used_at: row
                    .try_get::<Option<i64>, _>("last_used_at")?
                    .map(from_micros),
                expires_at: from_micros(row.try_get("expires_at")?),
            })
        })
        .collect()
}

/// Revokes one of the user's tokens. False when the user has no such live token (scoped by owner).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn revoke(
    conn: &mut AnyConnection,
    user_id: &str,
    id: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let n = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
        .bind(micros(now))
        .bind(id)
        .bind(user_id)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// Revokes all of a user's tokens (password recovery, "sign out everywhere").
#[tracing::instrument(level = "debug", skip_all)]
pub async fn revoke_all(
    conn: &mut AnyConnection,
    user_id: &str,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let n = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(micros(now))
    .bind(user_id)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n)
}
