//! Registrations waiting for their phone code. The account is created only when the code is
//! confirmed, so an unconfirmed attempt never occupies someone's phone or e-mail.

use jiff::Timestamp;
use sqlx::{AnyConnection, Row};

use crate::error::StoreError;
use crate::{from_micros, micros, new_id};

#[derive(Debug, Clone)]
pub struct Registration {
    pub id: String,
    pub surname: String,
    pub given_name: String,
    pub patronymic: Option<String>,
    pub phone: String,
    pub email: String,
    pub password_hash: String,
    /// JSON: `[{"document": …, "version": …, "given_at": micros}]`
    pub consents: String,
    /// The phone or e-mail belonged to an account already: the owner was told instead, and no
    /// code will ever confirm this registration.
    pub conflict: bool,
    pub user_id: Option<String>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(conn: &mut AnyConnection, r: &Registration) -> Result<String, StoreError> {
    let id = if r.id.is_empty() {
        new_id()
    } else {
        r.id.clone()
    };
    sqlx::query(
        "INSERT INTO registrations (id, surname, given_name, patronymic, phone, email, \
         password_hash, consents, conflict, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&id)
    .bind(&r.surname)
    .bind(&r.given_name)
    .bind(r.patronymic.as_deref())
    .bind(&r.phone)
    .bind(&r.email)
    .bind(&r.password_hash)
    .bind(&r.consents)
    .bind(i64::from(r.conflict))
    .bind(micros(r.created_at))
    .bind(micros(r.expires_at))
    .execute(conn)
    .await?;
    Ok(id)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn find(conn: &mut AnyConnection, id: &str) -> Result<Option<Registration>, StoreError> {
    let row = sqlx::query(
        "SELECT id, surname, given_name, patronymic, phone, email, password_hash, consents, \
         conflict, user_id, created_at, expires_at FROM registrations WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(Registration {
            id: row.try_get("id")?,
            surname: row.try_get("surname")?,
            given_name: row.try_get("given_name")?,
            patronymic: row.try_get("patronymic")?,
            phone: row.try_get("phone")?,
            email: row.try_get("email")?,
            password_hash: row.try_get("password_hash")?,
            consents: row.try_get("consents")?,
            conflict: row.try_get::<i64, _>("conflict")? != 0,
            user_id: row.try_get("user_id")?,
            created_at: from_micros(row.try_get("created_at")?),
            expires_at: from_micros(row.try_get("expires_at")?),
        })
    })
    .transpose()
}

/// Records the account a registration became. False when another request completed it first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn complete(
    conn: &mut AnyConnection,
    id: &str,
    user_id: &str,
) -> Result<bool, StoreError> {
    let n = sqlx::query("UPDATE registrations SET user_id = $1, password_hash = '' WHERE id = $2 AND user_id IS NULL")
        .bind(user_id)
        .bind(id)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// Drops registrations that were never confirmed (and the hashes they hold).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn prune_expired(conn: &mut AnyConnection, now: Timestamp) -> Result<u64, StoreError> {
    let n = sqlx::query("DELETE FROM registrations WHERE expires_at < $1")
        .bind(micros(now))
        .execute(conn)
        .await?
        .rows_affected();
    Ok(n)
}
