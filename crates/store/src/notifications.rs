//! The inbox, notification settings, the delivery record and the planned deadline reminders.

use jiff::Timestamp;
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::StoreError;
use crate::{from_micros, micros, new_id};

/// A notification to record (and to deliver by the user's channels).
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub user_id: String,
    pub category: String,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    /// What caused it; the same cause never makes a second notification.
    pub dedupe_key: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NotificationRow {
    pub id: String,
    pub category: String,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
    pub archived_at: Option<Timestamp>,
}

/// Records a notification; `None` when its cause already made one.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(
    conn: &mut AnyConnection,
    n: &NewNotification,
    now: Timestamp,
) -> Result<Option<String>, StoreError> {
    let id = new_id();
    let done = sqlx::query(
        "INSERT INTO notifications (id, user_id, category, title, body, link, dedupe_key, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (user_id, dedupe_key) DO NOTHING",
    )
    .bind(&id)
    .bind(&n.user_id)
    .bind(&n.category)
    .bind(&n.title)
    .bind(&n.body)
    .bind(n.link.as_deref())
    .bind(&n.dedupe_key)
    .bind(micros(now))
    .execute(conn)
    .await?;
    Ok((done.rows_affected() == 1).then_some(id))
}

fn notification_of(row: &sqlx::any::AnyRow) -> Result<NotificationRow, sqlx::Error> {
    Ok(NotificationRow {
        id: row.try_get("id")?,
        category: row.try_get("category")?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        link: row.try_get("link")?,
        created_at: from_micros(row.try_get("created_at")?),
        read_at: row.try_get::<Option<i64>, _>("read_at")?.map(from_micros),
        archived_at: row
            .try_get::<Option<i64>, _>("archived_at")?
            .map(from_micros),
    })
}

/// The user's notifications, newest first: the inbox (`archived` false) or the archive, and how
/// many there are in all.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(
    db: &Db,
    user_id: &str,
    archived: bool,
    limit: i64,
    offset: i64,
) -> Result<(Vec<NotificationRow>, i64), StoreError> {
    let filter = if archived {
        "archived_at IS NOT NULL"
    } else {
        "archived_at IS NULL"
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id, category, title, body, link, created_at, read_at, archived_at \
         FROM notifications WHERE user_id = $1 AND {filter} \
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
    )))
    .bind(user_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(db.pool())
    .await?;
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND {filter}"
    )))
    .bind(user_id)
    .fetch_one(db.pool())
    .await?;
    Ok((
        rows.iter().map(notification_of).collect::<Result<_, _>>()?,
        total,
    ))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn unread_count(db: &Db, user_id: &str) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL \
         AND archived_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(db.pool())
    .await?)
}

/// Marks one notification read or unread; false when it is not the user's.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_read(
    conn: &mut AnyConnection,
    user_id: &str,
    id: &str,
    read: bool,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let at = read.then(|| micros(now));
    let done = sqlx::query("UPDATE notifications SET read_at = $3 WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn mark_all_read(
    conn: &mut AnyConnection,
    user_id: &str,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let done =
        sqlx::query("UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL")
            .bind(user_id)
            .bind(micros(now))
            .execute(conn)
            .await?;
    Ok(done.rows_affected())
}

/// Moves a notification to the archive (marking it read) or back; false when it is not the
/// user's.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_archived(
    conn: &mut AnyConnection,
    user_id: &str,
    id: &str,
    archived: bool,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let done = if archived {
        sqlx::query(
            "UPDATE notifications SET archived_at = $3, read_at = COALESCE(read_at, $3) \
             WHERE id = $1 AND user_id = $2",
        )
        .bind(id)
        .bind(user_id)
        .bind(micros(now))
        .execute(conn)
        .await?
    } else {
        sqlx::query("UPDATE notifications SET archived_at = NULL WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(conn)
            .await?
    };
    Ok(done.rows_affected() == 1)
}

// ---------------------------------------------------------------------------------------------
// Settings

/// The user's departures from the defaults: (category, channel, enabled).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn overrides(db: &Db, user_id: &str) -> Result<Vec<(String, String, bool)>, StoreError> {
    let rows = sqlx::query(
        "SELECT category, channel, enabled FROM notification_settings WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    let out: Result<Vec<_>, sqlx::Error> = rows
        .iter()
        .map(|r| {
            Ok((
                r.try_get("category")?,
                r.try_get("channel")?,
                r.try_get::<i64, _>("enabled")? != 0,
            ))
        })
        .collect();
    Ok(out?)
}

/// Replaces the user's departures from the defaults (none: the defaults).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn replace_overrides(
    conn: &mut AnyConnection,
    user_id: &str,
    departures: &[(&str, &str, bool)],
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM notification_settings WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    for (category, channel, on) in departures {
        sqlx::query(
            "INSERT INTO notification_settings (user_id, category, channel, enabled, updated_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(user_id)
        .bind(*category)
        .bind(*channel)
        .bind(i64::from(*on))
        .bind(micros(now))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Deliveries

#[derive(Debug, Clone, Serialize)]
pub struct DeliveryRow {
    pub id: String,
    pub notification_id: String,
    pub title: String,
    pub channel: String,
    pub address: String,
    /// `queued`, `sent`, `retrying`, `failed`
    pub status: String,
    pub attempts: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_delivery(
    conn: &mut AnyConnection,
    notification_id: &str,
    user_id: &str,
    channel: &str,
    masked_address: &str,
    now: Timestamp,
) -> Result<String, StoreError> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO deliveries (id, notification_id, user_id, channel, address, status, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'queued', $6, $6)",
    )
    .bind(&id)
    .bind(notification_id)
    .bind(user_id)
    .bind(channel)
    .bind(masked_address)
    .bind(micros(now))
    .execute(conn)
    .await?;
    Ok(id)
}

/// Records the outcome of one delivery attempt.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn record_attempt(
    db: &Db,
    id: &str,
    status: &str,
    error: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE deliveries SET status = $2, attempts = attempts + 1, error = $3, updated_at = $4 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(error)
    .bind(micros(now))
    .execute(db.pool())
    .await?;
    Ok(())
}

/// The user's delivery history, newest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn deliveries(
    db: &Db,
    user_id: &str,
    limit: i64,
) -> Result<Vec<DeliveryRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT d.id, d.notification_id, n.title, d.channel, d.address, d.status, d.attempts, \
         d.created_at, d.updated_at FROM deliveries d \
         JOIN notifications n ON n.id = d.notification_id \
         WHERE d.user_id = $1 ORDER BY d.created_at DESC, d.id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    let out: Result<Vec<_>, sqlx::Error> = rows
        .iter()
        .map(|r| {
            Ok(DeliveryRow {
                id: r.try_get("id")?,
                notification_id: r.try_get("notification_id")?,
                title: r.try_get("title")?,
                channel: r.try_get("channel")?,
                address: r.try_get("address")?,
                status: r.try_get("status")?,
                attempts: r.try_get("attempts")?,
                created_at: from_micros(r.try_get("created_at")?),
                updated_at: from_micros(r.try_get("updated_at")?),
            })
        })
        .collect();
    Ok(out?)
}

// ---------------------------------------------------------------------------------------------
// Reminders

#[derive(Debug, Clone)]
pub struct ReminderRow {
    pub id: String,
    pub user_id: String,
    pub document_id: String,
    pub offset_days: i64,
    pub deadline: String,
    /// The token of the sweep that claimed it.
    pub claim: String,
    /// When the claim ends (its place in the queue while claimed).
    pub claimed_until: Timestamp,
    /// How many times it has been claimed, this time included.
    pub attempts: i64,
}

/// Plans a document's reminders for `deadline` (ISO date; `None`: the document has none, or no
/// longer counts). Pending reminders of another deadline are dropped; reminders already sent stay,
/// so that the same (document, offset, deadline) is never planned, nor sent, twice.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn replan(
    conn: &mut AnyConnection,
    user_id: &str,
    document_id: &str,
    deadline: Option<&str>,
    offsets: &[i16],
    planned: &[(i16, Timestamp)],
) -> Result<(), StoreError> {
    // Days the person no longer wants go, whatever the deadline.
    let pending: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT offset_days FROM reminders WHERE document_id = $1 AND state = 'pending'",
    )
    .bind(document_id)
    .fetch_all(&mut *conn)
    .await?;
    for dropped in pending
        .into_iter()
        .filter(|d| !offsets.iter().any(|o| i64::from(*o) == *d))
    {
        sqlx::query(
            "DELETE FROM reminders WHERE document_id = $1 AND state = 'pending' \
             AND offset_days = $2",
        )
        .bind(document_id)
        .bind(dropped)
        .execute(&mut *conn)
        .await?;
    }
    match deadline {
        Some(d) => {
            sqlx::query(
                "DELETE FROM reminders WHERE document_id = $1 AND state = 'pending' \
                 AND deadline <> $2",
            )
            .bind(document_id)
            .bind(d)
            .execute(&mut *conn)
            .await?
        }
        None => {
            sqlx::query("DELETE FROM reminders WHERE document_id = $1 AND state = 'pending'")
                .bind(document_id)
                .execute(&mut *conn)
                .await?
        }
    };
    let Some(deadline) = deadline else {
        return Ok(());
    };
    for (offset, due) in planned {
        sqlx::query(
            "INSERT INTO reminders (id, user_id, document_id, offset_days, deadline, due_at, \
             state) VALUES ($1, $2, $3, $4, $5, $6, 'pending') \
             ON CONFLICT (document_id, offset_days, deadline) DO NOTHING",
        )
        .bind(new_id())
        .bind(user_id)
        .bind(document_id)
        .bind(i64::from(*offset))
        .bind(deadline)
        .bind(micros(*due))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Claims up to `limit` due reminders for one sweep, in one statement on the due-reminder queue:
/// the earliest rows due by `now` (a sweep that died left its claims due again when their lease
/// ended) move to `lease_until` under `claim`. The queue is clustered by due time, so the cost
/// follows the due rows, not all documents. Two sweeps never claim the same reminder.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn claim_due(
    db: &Db,
    now: Timestamp,
    lease_until: Timestamp,
    claim: &str,
    limit: i64,
) -> Result<Vec<ReminderRow>, StoreError> {
    // The keys are picked first (materialised) and each row is then found by its whole key: a
    // row-value `IN` would let SQLite seek by due time alone and scan every reminder due at the
    // same instant (all of a time zone's 09:00 ones) for each key.
    let sql = format!(
        "WITH k (d, r) AS MATERIALIZED (SELECT due_at, reminder_id FROM reminder_queue \
         WHERE due_at <= $3 ORDER BY due_at LIMIT $4{}) \
         UPDATE reminder_queue SET due_at = $1, claim = $2, attempts = attempts + 1 FROM k \
         WHERE due_at = k.d AND reminder_id = k.r \
         RETURNING reminder_id, user_id, document_id, offset_days, deadline, attempts",
        db.dialect().for_update_skip_locked()
    );
    let mut tx = db.begin().await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(micros(lease_until))
        .bind(claim)
        .bind(micros(now))
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    let out = rows
        .iter()
        .map(|r| {
            Ok(ReminderRow {
                id: r.try_get("reminder_id")?,
                user_id: r.try_get("user_id")?,
                document_id: r.try_get("document_id")?,
                offset_days: r.try_get("offset_days")?,
                deadline: r.try_get("deadline")?,
                claim: claim.to_owned(),
                claimed_until: lease_until,
                attempts: r.try_get("attempts")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(out)
}

/// Settles a claimed reminder as `sent` or `dropped`: takes it off the queue (only under this
/// sweep's claim) and marks the reminder, if it is still pending. False when the claim is no
/// longer this sweep's (its lease ran out and another sweep took it) or when the reminder was
/// re-planned or deleted meanwhile: the caller then sends nothing, and committing still clears
/// the queue row, which is what makes it exactly once.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn settle(
    conn: &mut AnyConnection,
    reminder: &ReminderRow,
    state: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let taken = sqlx::query(
        "DELETE FROM reminder_queue WHERE due_at = $1 AND reminder_id = $2 AND claim = $3",
    )
    .bind(micros(reminder.claimed_until))
    .bind(&reminder.id)
    .bind(&reminder.claim)
    .execute(&mut *conn)
    .await?;
    if taken.rows_affected() != 1 {
        return Ok(false);
    }
    let marked = sqlx::query(
        "UPDATE reminders SET state = $2, sent_at = $3 WHERE id = $1 AND state = 'pending'",
    )
    .bind(&reminder.id)
    .bind(state)
    .bind(micros(now))
    .execute(conn)
    .await?;
    Ok(marked.rows_affected() == 1)
}

/// A document's reminders: (offset, deadline, due, state), earliest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn for_document(
    db: &Db,
    user_id: &str,
    document_id: &str,
) -> Result<Vec<(i64, String, Timestamp, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT offset_days, deadline, due_at, state FROM reminders \
         WHERE user_id = $1 AND document_id = $2 ORDER BY due_at, offset_days DESC",
    )
    .bind(user_id)
    .bind(document_id)
    .fetch_all(db.pool())
    .await?;
    let out: Result<Vec<_>, sqlx::Error> = rows
        .iter()
        .map(|r| {
            Ok((
                r.try_get("offset_days")?,
                r.try_get("deadline")?,
                from_micros(r.try_get("due_at")?),
                r.try_get("state")?,
            ))
        })
        .collect();
    Ok(out?)
}

// ---------------------------------------------------------------------------------------------
// Calendar feed

/// Turns the feed on with a new secret (replacing any earlier one).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_feed(
    conn: &mut AnyConnection,
    user_id: &str,
    token_hash: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3)")
        .bind(user_id)
        .bind(token_hash)
        .bind(micros(now))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove_feed(conn: &mut AnyConnection, user_id: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// When the user turned the feed on, if they did.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn feed_since(db: &Db, user_id: &str) -> Result<Option<Timestamp>, StoreError> {
    let at: Option<i64> =
        sqlx::query_scalar("SELECT created_at FROM calendar_feeds WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(db.pool())
            .await?;
    Ok(at.map(from_micros))
}

/// Whose feed a secret opens.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn feed_owner(db: &Db, token_hash: &str) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT user_id FROM calendar_feeds WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(db.pool())
            .await?,
    )
}

/// The person's own reminder days: (kind code, or `*` for every kind, and the days as text).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn reminder_days(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    let rows = sqlx::query("SELECT kind_code, days FROM reminder_days WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("kind_code")?, r.try_get("days")?)))
        .collect()
}

/// Stores the days for a kind (`*`: every kind); None goes back to what applies otherwise.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_reminder_days(
    conn: &mut AnyConnection,
    user_id: &str,
    kind_code: &str,
    days: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM reminder_days WHERE user_id = $1 AND kind_code = $2")
        .bind(user_id)
        .bind(kind_code)
        .execute(&mut *conn)
        .await?;
    if let Some(days) = days {
        sqlx::query(
            "INSERT INTO reminder_days (user_id, kind_code, days, updated_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(user_id)
        .bind(kind_code)
        .bind(days)
        .bind(micros(now))
        .execute(conn)
        .await?;
    }
    Ok(())
}
