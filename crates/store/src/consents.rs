//! Consents a user gave (user agreement, personal-data processing under 152-FZ), each with the
//! version of the document and the time, so that the user can read them back.

use jiff::Timestamp;
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::StoreError;
use crate::{from_micros, micros, new_id};

#[derive(Debug, Clone, Serialize)]
pub struct Consent {
    pub id: String,
    pub document: String,
    pub version: String,
    pub given_at: Timestamp,
    pub withdrawn_at: Option<Timestamp>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(
    conn: &mut AnyConnection,
    user_id: &str,
    document: &str,
    version: &str,
    given_at: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO consents (id, user_id, document, version, given_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(new_id())
        .bind(user_id)
        .bind(document)
        .bind(version)
        .bind(micros(given_at))
        .execute(conn)
        .await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn for_user(db: &Db, user_id: &str) -> Result<Vec<Consent>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, document, version, given_at, withdrawn_at FROM consents WHERE user_id = $1 \
         ORDER BY given_at, document",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Consent {
                id: row.try_get("id")?,
                document: row.try_get("document")?,
                version: row.try_get("version")?,
                given_at: from_micros(row.try_get("given_at")?),
                withdrawn_at: row
                    .try_get::<Option<i64>, _>("withdrawn_at")?
                    .map(from_micros),
            })
        })
        .collect()
}

/// Withdraws every consent in force (the person is leaving); returns how many.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn withdraw_all(
    conn: &mut AnyConnection,
    user_id: &str,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let n = sqlx::query(
        "UPDATE consents SET withdrawn_at = $2 WHERE user_id = $1 AND withdrawn_at IS NULL",
    )
    .bind(user_id)
    .bind(micros(now))
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n)
}

/// Gives again, as of `now`, every consent withdrawn at `withdrawn_at` (a cancelled deletion):
/// new rows, so that the history shows the withdrawal and the renewal.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn renew_withdrawn_at(
    conn: &mut AnyConnection,
    user_id: &str,
    withdrawn_at: Timestamp,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let rows = sqlx::query(
        "SELECT document, version FROM consents WHERE user_id = $1 AND withdrawn_at = $2",
    )
    .bind(user_id)
    .bind(micros(withdrawn_at))
    .fetch_all(&mut *conn)
    .await?;
    let mut n = 0;
    for row in rows {
        let document: String = row.try_get("document")?;
        let version: String = row.try_get("version")?;
        insert(&mut *conn, user_id, &document, &version, now).await?;
        n += 1;
    }
    Ok(n)
}
