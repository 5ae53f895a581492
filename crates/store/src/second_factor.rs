//! Second factors: the authenticator-app secret (sealed by the caller), recovery codes (keyed
//! hashes), the person's choice of factor, and half-done sign-ins waiting for the second one.
//!
//! Replay and double use are refused by the database itself: accepting a code is an UPDATE that
//! only matches while the code is still unused, so two requests racing with one code cannot both
//! win.

use jiff::Timestamp;
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::StoreError;
use crate::{from_micros, micros, new_id};

/// The stored authenticator secret of a person.
#[derive(Debug, Clone)]
pub struct TotpSecret {
    pub sealed: String,
    pub confirmed: bool,
    pub last_step: i64,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn totp(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<Option<TotpSecret>, StoreError> {
    let row = sqlx::query(
        "SELECT secret_sealed, confirmed_at, last_step FROM totp_secrets WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(TotpSecret {
            sealed: row.try_get("secret_sealed")?,
            confirmed: row.try_get::<Option<i64>, _>("confirmed_at")?.is_some(),
            last_step: row.try_get("last_step")?,
        })
    })
    .transpose()
}

/// Stores a new, unconfirmed secret in place of any earlier one.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn totp_begin(
    conn: &mut AnyConnection,
    user_id: &str,
    sealed: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM totp_secrets WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO totp_secrets (user_id, secret_sealed, created_at) VALUES ($1, $2, $3)",
    )
    .bind(user_id)
    .bind(sealed)
    .bind(micros(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records that a code of `step` was accepted; false when that step (or a later one) was used
/// already, which makes the code a replay.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn totp_use_step(
    conn: &mut AnyConnection,
    user_id: &str,
    step: i64,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE totp_secrets SET last_step = $2, confirmed_at = COALESCE(confirmed_at, $3) \
         WHERE user_id = $1 AND last_step < $2",
    )
    .bind(user_id)
    .bind(step)
    .bind(micros(now))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn totp_delete(conn: &mut AnyConnection, user_id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM totp_secrets WHERE user_id = $1")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces the person's recovery codes with new ones (their keyed hashes).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn replace_recovery_codes(
    conn: &mut AnyConnection,
    user_id: &str,
    hashes: &[String],
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    for hash in hashes {
        sqlx::query(
            "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)",
        )
        .bind(user_id)
        .bind(hash)
        .bind(micros(now))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Spends a recovery code; false when it is unknown or spent.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn use_recovery_code(
    conn: &mut AnyConnection,
    user_id: &str,
    hash: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE recovery_codes SET used_at = $3 \
         WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(hash)
    .bind(micros(now))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn recovery_codes_left(db: &Db, user_id: &str) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(db.pool())
    .await?)
}

/// The factor signing in asks for after the first: "totp", "sms" or none.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn chosen(conn: &mut AnyConnection, user_id: &str) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT second_factor FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(conn)
            .await?
            .flatten(),
    )
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn choose(
    conn: &mut AnyConnection,
    user_id: &str,
    factor: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET second_factor = $2 WHERE id = $1")
        .bind(user_id)
        .bind(factor)
        .execute(conn)
        .await?;
    Ok(())
}

/// A sign-in whose first factor passed.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub id: String,
    pub user_id: String,
    pub first_factor: String,
    pub failures: i64,
    pub expires_at: Timestamp,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn create_challenge(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: &str,
    first_factor: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<String, StoreError> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO signin_challenges (id, token_hash, user_id, first_factor, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(token_hash)
    .bind(user_id)
    .bind(first_factor)
    .bind(micros(now))
    .bind(micros(expires_at))
    .execute(conn)
    .await?;
    Ok(id)
}

/// The live challenge a token names; expired ones are as good as absent.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn find_challenge(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<Challenge>, StoreError> {
    let row = sqlx::query(
        "SELECT id, user_id, first_factor, failures, expires_at FROM signin_challenges \
         WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(micros(now))
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(Challenge {
            id: row.try_get("id")?,
            user_id: row.try_get("user_id")?,
            first_factor: row.try_get("first_factor")?,
            failures: row.try_get("failures")?,
            expires_at: from_micros(row.try_get("expires_at")?),
        })
    })
    .transpose()
}

/// Counts a wrong second factor; returns the failures so far.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn fail_challenge(conn: &mut AnyConnection, id: &str) -> Result<i64, StoreError> {
    sqlx::query("UPDATE signin_challenges SET failures = failures + 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(
        sqlx::query_scalar("SELECT failures FROM signin_challenges WHERE id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await?
            .unwrap_or(i64::MAX),
    )
}

/// Ends a challenge; false when it was ended already (a double submission).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn end_challenge(conn: &mut AnyConnection, id: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM signin_challenges WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn prune_challenges(db: &Db, now: Timestamp) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM signin_challenges WHERE expires_at <= $1")
        .bind(micros(now))
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected())
}
