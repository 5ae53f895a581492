//! Passkeys as stored, and WebAuthn ceremonies between their two requests. The credential is
//! kept as the JSON the WebAuthn library gives; this module does not look inside it.

use jiff::Timestamp;
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::StoreError;
use crate::{from_micros, micros, new_id};

#[derive(Debug, Clone, Serialize)]
pub struct StoredPasskey {
    pub id: String,
    pub user_id: String,
    pub credential_id: String,
    pub name: String,
    #[serde(skip)]
    pub credential: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

const COLUMNS: &str = "id, user_id, credential_id, name, credential, created_at, last_used_at";

fn passkey_of(row: &sqlx::any::AnyRow) -> Result<StoredPasskey, StoreError> {
    Ok(StoredPasskey {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        credential_id: row.try_get("credential_id")?,
        name: row.try_get("name")?,
        credential: row.try_get("credential")?,
        created_at: from_micros(row.try_get("created_at")?),
        last_used_at: row
            .try_get::<Option<i64>, _>("last_used_at")?
            .map(from_micros),
    })
}

/// The person's passkeys, oldest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn for_user(db: &Db, user_id: &str) -> Result<Vec<StoredPasskey>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY created_at");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(passkey_of).collect()
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn count(conn: &mut AnyConnection, user_id: &str) -> Result<i64, StoreError> {
    let n = sqlx::query_scalar("SELECT COUNT(*) FROM passkeys WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(conn)
        .await?;
    Ok(n)
}

/// The passkey with this credential id, whoever holds it (discoverable sign-in names the
/// credential before it names the person).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn by_credential(
    db: &Db,
    credential_id: &str,
) -> Result<Option<StoredPasskey>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM passkeys WHERE credential_id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(credential_id)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(passkey_of).transpose()
}

/// Stores a new passkey; a credential registered before gives [`StoreError::UniqueViolation`].
#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(
    conn: &mut AnyConnection,
    user_id: &str,
    credential_id: &str,
    name: &str,
    credential: &str,
    now: Timestamp,
) -> Result<String, StoreError> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO passkeys (id, user_id, credential_id, name, credential, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(user_id)
    .bind(credential_id)
    .bind(name)
    .bind(credential)
    .bind(micros(now))
    .execute(conn)
    .await?;
    Ok(id)
}

/// Records a use: the credential (its counter may have moved) and the time.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn record_use(
    conn: &mut AnyConnection,
    id: &str,
    credential: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE passkeys SET last_used_at = $2, credential = COALESCE($3, credential) WHERE id = $1",
    )
    .bind(id)
    .bind(micros(now))
    .bind(credential)
    .execute(conn)
    .await?;
    Ok(())
}

/// Renames one of the owner's passkeys. False when it is not theirs.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn rename(
    conn: &mut AnyConnection,
    user_id: &str,
    id: &str,
    name: &str,
) -> Result<bool, StoreError> {
    let n = sqlx::query("UPDATE passkeys SET name = $3 WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .bind(name)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// Removes one of the owner's passkeys; returns its name, None when it is not theirs.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn delete(
    conn: &mut AnyConnection,
    user_id: &str,
    id: &str,
) -> Result<Option<String>, StoreError> {
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM passkeys WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?;
    if name.is_some() {
        sqlx::query("DELETE FROM passkeys WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(name)
}

/// Keeps a ceremony's state until `expires_at`; returns its id.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn begin_ceremony(
    db: &Db,
    purpose: &str,
    user_id: Option<&str>,
    state: &str,
    expires_at: Timestamp,
) -> Result<String, StoreError> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO webauthn_ceremonies (id, purpose, user_id, state, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(purpose)
    .bind(user_id)
    .bind(state)
    .bind(micros(expires_at))
    .execute(db.pool())
    .await?;
    Ok(id)
}

/// Takes a ceremony's state out, once: a second answer to the same challenge finds nothing.
/// Only a ceremony of this purpose and person that has not expired is returned.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn take_ceremony(
    conn: &mut AnyConnection,
    id: &str,
    purpose: &str,
    user_id: Option<&str>,
    now: Timestamp,
) -> Result<Option<String>, StoreError> {
    let row = sqlx::query(
        "SELECT state, user_id, expires_at FROM webauthn_ceremonies WHERE id = $1 AND purpose = $2",
    )
    .bind(id)
    .bind(purpose)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let taken = sqlx::query("DELETE FROM webauthn_ceremonies WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let owner: Option<String> = row.try_get("user_id")?;
    let expires_at: i64 = row.try_get("expires_at")?;
    if taken != 1 || owner.as_deref() != user_id || expires_at <= micros(now) {
        return Ok(None);
    }
    Ok(Some(row.try_get("state")?))
}

/// Forgets ceremonies nobody finished.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn prune_ceremonies(db: &Db, now: Timestamp) -> Result<u64, StoreError> {
    let n = sqlx::query("DELETE FROM webauthn_ceremonies WHERE expires_at <= $1")
        .bind(micros(now))
        .execute(db.pool())
        .await?
        .rows_affected();
    Ok(n)
}
