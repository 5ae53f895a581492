//! Requests to recover an account without any reachable contact: the person's passport and SNILS
//! data, kept for a service-centre verifier to review against the documents.

use jiff::Timestamp;
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::StoreError;
use crate::{from_micros, micros, new_id};

#[derive(Debug, Clone, Serialize)]
pub struct RecoveryRequest {
    pub id: String,
    /// `new`, `approved`, `rejected`
    pub status: String,
    pub surname: String,
    pub given_name: String,
    pub patronymic: Option<String>,
    pub birth_date: String,
    /// Series and number, `4506 123456`.
    pub passport: String,
    /// 11 digits.
    pub snils: String,
    /// Where to reach the person now (a new phone or e-mail).
    pub contact: String,
    /// The account the data matched when the request was made, if any.
    pub user_id: Option<String>,
    pub created_at: Timestamp,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(conn: &mut AnyConnection, r: &RecoveryRequest) -> Result<String, StoreError> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO recovery_requests (id, status, surname, given_name, patronymic, birth_date, \
         passport, snils, contact, user_id, created_at) \
         VALUES ($1, 'new', $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&id)
    .bind(&r.surname)
    .bind(&r.given_name)
    .bind(r.patronymic.as_deref())
    .bind(&r.birth_date)
    .bind(&r.passport)
    .bind(&r.snils)
    .bind(&r.contact)
    .bind(r.user_id.as_deref())
    .bind(micros(r.created_at))
    .execute(conn)
    .await?;
    Ok(id)
}

/// Newest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(db: &Db, limit: i64) -> Result<Vec<RecoveryRequest>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, status, surname, given_name, patronymic, birth_date, passport, snils, contact, \
         user_id, created_at FROM recovery_requests ORDER BY created_at DESC, id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(RecoveryRequest {
                id: row.try_get("id")?,
                status: row.try_get("status")?,
                surname: row.try_get("surname")?,
                given_name: row.try_get("given_name")?,
                patronymic: row.try_get("patronymic")?,
                birth_date: row.try_get("birth_date")?,
                passport: row.try_get("passport")?,
                snils: row.try_get("snils")?,
                contact: row.try_get("contact")?,
                user_id: row.try_get("user_id")?,
                created_at: from_micros(row.try_get("created_at")?),
            })
        })
        .collect()
}
