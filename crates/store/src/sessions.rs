//! Signed-in sessions. The cookie holds a random token; the database holds only its SHA-256, so
//! a copy of the database does not let anyone act as a user.

use jiff::{SignedDuration, Timestamp};
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::StoreError;
use crate::users::{SUMMARY_COLUMNS, UserSummary, summary_of};
use crate::{from_micros, micros, new_id};

/// A new session's facts.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: &'a str,
    pub idle_timeout: SignedDuration,
    pub absolute_lifetime: SignedDuration,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

/// A live session with its user.
#[derive(Debug, Clone)]
pub struct ActiveSession {
    pub id: String,
    pub user: UserSummary,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
    pub idle_timeout: SignedDuration,
    /// When the person last proved who they are here: signing in, or confirming again.
    pub confirmed_at: Timestamp,
    /// Unread messages in the cabinet (the header shows the count on every page).
    pub unread: i64,
}

/// Why a token does not open a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Unknown,
    Idle,
    Expired,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn create(
    conn: &mut AnyConnection,
    new: &NewSession<'_>,
    now: Timestamp,
) -> Result<String, StoreError> {
    let id = new_id();
    let expires = now.checked_add(new.absolute_lifetime).unwrap_or(now);
    sqlx::query(
        "INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at, \
         idle_timeout_secs, ip, user_agent, confirmed_at) VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $4)",
    )
    .bind(&id)
    .bind(new.token_hash)
    .bind(new.user_id)
    .bind(micros(now))
    .bind(micros(expires))
    .bind(new.idle_timeout.as_secs())
    .bind(new.ip)
    .bind(
        new.user_agent
            .map(|ua| ua.chars().take(512).collect::<String>()),
    )
    .execute(conn)
    .await?;
    Ok(id)
}

/// The session a token opens at `now`, or why it does not. Idle and expired sessions are deleted
/// on sight.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn find(
    db: &Db,
    token_hash: &str,
    now: Timestamp,
) -> Result<Result<ActiveSession, Lookup>, StoreError> {
    let sql = format!(
        "SELECT sessions.id AS session_id, sessions.created_at, sessions.last_seen_at, \
         sessions.expires_at, sessions.idle_timeout_secs, \
         COALESCE(sessions.confirmed_at, sessions.created_at) AS confirmed_at, {SUMMARY_COLUMNS}, \
         (SELECT COUNT(*) FROM notifications WHERE notifications.user_id = users.id \
          AND read_at IS NULL AND archived_at IS NULL) AS unread \
         FROM sessions JOIN users ON users.id = sessions.user_id WHERE sessions.token_hash = $1"
    );
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(token_hash)
        .fetch_optional(db.pool())
        .await?
    else {
        return Ok(Err(Lookup::Unknown));
    };
    let session = ActiveSession {
        id: row.try_get("session_id")?,
        user: summary_of(&row)?,
        created_at: from_micros(row.try_get("created_at")?),
        last_seen_at: from_micros(row.try_get("last_seen_at")?),
        expires_at: from_micros(row.try_get("expires_at")?),
        idle_timeout: SignedDuration::from_secs(row.try_get("idle_timeout_secs")?),
        confirmed_at: from_micros(row.try_get("confirmed_at")?),
        unread: row.try_get("unread")?,
    };
    let verdict = if now >= session.expires_at {
        Err(Lookup::Expired)
    } else if session
        .last_seen_at
        .checked_add(session.idle_timeout)
        .is_ok_and(|deadline| now >= deadline)
    {
        Err(Lookup::Idle)
    } else {
        Ok(session)
    };
    if verdict.is_err() {
        let mut conn = db.pool().acquire().await?;
        delete(&mut conn, &row.try_get::<String, _>("session_id")?).await?;
    }
    Ok(verdict)
}

/// Records activity. Callers only touch a session when its last mark is older than a minute, so
/// that reading pages does not turn into a write per request.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn touch(db: &Db, id: &str, now: Timestamp) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
        .bind(micros(now))
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Records that the person proved who they are again (password or second factor).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn confirm(conn: &mut AnyConnection, id: &str, now: Timestamp) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET confirmed_at = $1, last_seen_at = $1 WHERE id = $2")
        .bind(micros(now))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn delete(conn: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends every session of a user but `keep` ("sign out everywhere else").
#[tracing::instrument(level = "debug", skip_all)]
pub async fn delete_all_for_user(
    conn: &mut AnyConnection,
    user_id: &str,
    keep: Option<&str>,
) -> Result<u64, StoreError> {
    let n = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
        .bind(user_id)
        .bind(keep.unwrap_or(""))
        .execute(conn)
        .await?
        .rows_affected();
    Ok(n)
}

/// Deletes sessions past their absolute lifetime (idle ones go when next looked up).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn prune_expired(db: &Db, now: Timestamp) -> Result<u64, StoreError> {
    let n = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(micros(now))
        .execute(db.pool())
        .await?
        .rows_affected();
    Ok(n)
}

/// A session as its owner sees it in the list of devices.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub id: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// The user's live sessions, most recently active first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list_for_user(
    db: &Db,
    user_id: &str,
    now: Timestamp,
) -> Result<Vec<SessionInfo>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, created_at, last_seen_at, ip, user_agent FROM sessions \
         WHERE user_id = $1 AND expires_at > $2 AND last_seen_at + idle_timeout_secs * 1000000 > $2 \
         ORDER BY last_seen_at DESC",
    )
    .bind(user_id)
    .bind(micros(now))
    .fetch_all(db.pool())
    .await?;
    let out: Result<Vec<_>, sqlx::Error> = rows
        .iter()
        .map(|r| {
            Ok(SessionInfo {
                id: r.try_get("id")?,
                created_at: from_micros(r.try_get("created_at")?),
                last_seen_at: from_micros(r.try_get("last_seen_at")?),
                ip: r.try_get("ip")?,
                user_agent: r.try_get("user_agent")?,
            })
        })
        .collect();
    Ok(out?)
}

/// Ends one of the user's sessions; false when it is not theirs.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn delete_for_user(
    conn: &mut AnyConnection,
    user_id: &str,
    id: &str,
) -> Result<bool, StoreError> {
    let n = sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// Applies a new inactivity limit to the user's live sessions.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_idle_timeout(
    conn: &mut AnyConnection,
    user_id: &str,
    idle: SignedDuration,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET idle_timeout_secs = $2 WHERE user_id = $1")
        .bind(user_id)
        .bind(idle.as_secs())
        .execute(conn)
        .await?;
    Ok(())
}
