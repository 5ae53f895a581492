//! Erasing an account (152-FZ): scheduling it after the person asks, cancelling within the grace
//! period, and the purge itself — every row that names the person, in one transaction. Files
//! in the object store are returned to the caller to remove after the commit; the audit log
//! keeps its records (it is the security record of what happened) and gains a tombstone.

use jiff::Timestamp;
use sqlx::{AnyConnection, Row};

use crate::db::{Db, Dialect};
use crate::error::StoreError;
use crate::{from_micros, micros, search};

/// Marks the account for erasure at `due`. False when it already waits for it.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn schedule(
    conn: &mut AnyConnection,
    user_id: &str,
    now: Timestamp,
    due: Timestamp,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE users SET deletion_requested_at = $2, deletion_due_at = $3 \
         WHERE id = $1 AND deletion_due_at IS NULL",
    )
    .bind(user_id)
    .bind(micros(now))
    .bind(micros(due))
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Takes the account off the erasure list; returns when the deletion had been asked for (None
/// when it was not on the list).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn cancel(
    conn: &mut AnyConnection,
    dialect: Dialect,
    user_id: &str,
) -> Result<Option<Timestamp>, StoreError> {
    let sql = format!(
        "SELECT deletion_requested_at FROM users WHERE id = $1 AND deletion_due_at IS NOT NULL{}",
        dialect.for_update()
    );
    let requested: Option<Option<i64>> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(requested) = requested else {
        return Ok(None);
    };
    sqlx::query(
        "UPDATE users SET deletion_requested_at = NULL, deletion_due_at = NULL WHERE id = $1",
    )
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(Some(from_micros(requested.unwrap_or_default())))
}

/// Accounts whose grace period is over, oldest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn due(db: &Db, now: Timestamp, limit: i64) -> Result<Vec<String>, StoreError> {
    let ids = sqlx::query_scalar(
        "SELECT id FROM users WHERE deletion_due_at IS NOT NULL AND deletion_due_at <= $1 \
         ORDER BY deletion_due_at LIMIT $2",
    )
    .bind(micros(now))
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(ids)
}

/// What a purge removed: counts for the tombstone, object keys for the caller to delete.
#[derive(Debug, Default)]
pub struct Erased {
    pub documents: i64,
    pub object_keys: Vec<String>,
}

/// Deletes every row about the person, if the account is still due at `now` (a cancellation
/// that won the race leaves it alone: `None`). Tables tied to `users` by a cascading foreign key
/// go with the account row; the rest are named here.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn purge(
    conn: &mut AnyConnection,
    dialect: Dialect,
    user_id: &str,
    now: Timestamp,
) -> Result<Option<Erased>, StoreError> {
    // Locked on PostgreSQL, so that a cancellation either lands first or waits for the purge.
    let sql = format!(
        "SELECT phone, email FROM users WHERE id = $1 \
         AND deletion_due_at IS NOT NULL AND deletion_due_at <= $2{}",
        dialect.for_update()
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .bind(micros(now))
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    // Contacts name the person in tables keyed by address rather than by account.
    let phone: Option<String> = row.try_get("phone")?;
    let email: Option<String> = row.try_get("email")?;
    let contacts: Vec<String> = [phone, email].into_iter().flatten().collect();

    let object_keys: Vec<String> =
        sqlx::query_scalar("SELECT object_key FROM document_files WHERE owner_id = $1")
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?;
    let documents: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM documents WHERE owner_id = $1")
        .bind(user_id)
        .fetch_one(&mut *conn)
        .await?;

    if dialect == Dialect::Sqlite {
        sqlx::query(
            "DELETE FROM documents_search WHERE rowid IN \
             (SELECT rowid FROM documents_search WHERE documents_search MATCH $1)",
        )
        .bind(search::sqlite_owner_query(user_id))
        .execute(&mut *conn)
        .await?;
    }
    for sql in [
        "DELETE FROM document_files WHERE owner_id = $1",
        "DELETE FROM document_tags WHERE owner_id = $1",
        "DELETE FROM deliveries WHERE user_id = $1",
        "DELETE FROM registrations WHERE user_id = $1",
        "DELETE FROM recovery_requests WHERE user_id = $1",
        "DELETE FROM verification_codes WHERE subject = $1",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
    }
    for contact in &contacts {
        for sql in [
            "DELETE FROM verification_codes WHERE subject = $1 OR destination = $1",
            "DELETE FROM outbox WHERE recipient = $1",
            "DELETE FROM registrations WHERE phone = $1 OR email = $1",
        ] {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(contact)
                .execute(&mut *conn)
                .await?;
        }
    }
    // Documents, reminders, sessions, tokens, consents, notifications, second factors, devices
    // and sign-in history cascade from the account row.
    sqlx::query("DELETE FROM documents WHERE owner_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(Some(Erased {
        documents,
        object_keys,
    }))
}
