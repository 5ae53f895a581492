//! Mailing subscriptions and the bulletins sent to them. Topics are names the domain layer
//! defines; this module stores them as text.

use jiff::Timestamp;
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::error::StoreError;
use crate::{from_micros, micros, new_id};

#[derive(Debug, Clone, Serialize)]
pub struct Subscription {
    pub topic: String,
    pub paused: bool,
    pub since: Timestamp,
}

/// The person's subscriptions, by topic name.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn for_user(db: &Db, user_id: &str) -> Result<Vec<Subscription>, StoreError> {
    let rows = sqlx::query(
        "SELECT topic, paused, created_at FROM subscriptions WHERE user_id = $1 ORDER BY topic",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Subscription {
                topic: r.try_get("topic")?,
                paused: r.try_get::<i64, _>("paused")? != 0,
                since: from_micros(r.try_get("created_at")?),
            })
        })
        .collect()
}

/// Subscribes (or resumes a paused subscription). True when something changed.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn subscribe(
    conn: &mut AnyConnection,
    user_id: &str,
    topic: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let resumed = sqlx::query(
        "UPDATE subscriptions SET paused = 0, updated_at = $3 \
         WHERE user_id = $1 AND topic = $2 AND paused <> 0",
    )
    .bind(user_id)
    .bind(topic)
    .bind(micros(now))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if resumed == 1 {
        return Ok(true);
    }
    let added = sqlx::query(
        "INSERT INTO subscriptions (user_id, topic, paused, created_at, updated_at) \
         VALUES ($1, $2, 0, $3, $3) ON CONFLICT (user_id, topic) DO NOTHING",
    )
    .bind(user_id)
    .bind(topic)
    .bind(micros(now))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(added == 1)
}

/// Pauses an active subscription. True when something changed.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn pause(
    conn: &mut AnyConnection,
    user_id: &str,
    topic: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE subscriptions SET paused = 1, updated_at = $3 \
         WHERE user_id = $1 AND topic = $2 AND paused = 0",
    )
    .bind(user_id)
    .bind(topic)
    .bind(micros(now))
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Ends one subscription (`Some(topic)`) or all of them; returns how many ended.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn unsubscribe(
    conn: &mut AnyConnection,
    user_id: &str,
    topic: Option<&str>,
) -> Result<u64, StoreError> {
    let n = match topic {
        Some(topic) => {
            sqlx::query("DELETE FROM subscriptions WHERE user_id = $1 AND topic = $2")
                .bind(user_id)
                .bind(topic)
                .execute(conn)
                .await?
        }
        None => {
            sqlx::query("DELETE FROM subscriptions WHERE user_id = $1")
                .bind(user_id)
                .execute(conn)
                .await?
        }
    };
    Ok(n.rows_affected())
}

/// Active subscribers of a topic after `after` (keyset paging), in id order.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn active_subscribers(
    db: &Db,
    topic: &str,
    after: &str,
    limit: i64,
) -> Result<Vec<String>, StoreError> {
    let ids = sqlx::query_scalar(
        "SELECT user_id FROM subscriptions WHERE topic = $1 AND paused = 0 AND user_id > $2 \
         ORDER BY user_id LIMIT $3",
    )
    .bind(topic)
    .bind(after)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(ids)
}

/// Active subscribers per topic (for the operators' page).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn counts(db: &Db) -> Result<Vec<(String, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT topic, COUNT(*) AS n FROM subscriptions WHERE paused = 0 GROUP BY topic",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("topic")?, r.try_get("n")?)))
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct Bulletin {
    pub id: String,
    pub topic: String,
    pub title_ru: String,
    pub body_ru: String,
    pub title_en: String,
    pub body_en: String,
    pub created_by: Option<String>,
    pub created_at: Timestamp,
    pub sent_to: i64,
    pub finished_at: Option<Timestamp>,
}

/// A bulletin to write: texts in both languages.
pub struct NewBulletin<'a> {
    pub topic: &'a str,
    pub title_ru: &'a str,
    pub body_ru: &'a str,
    pub title_en: &'a str,
    pub body_en: &'a str,
    pub created_by: Option<&'a str>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_bulletin(
    conn: &mut AnyConnection,
    b: &NewBulletin<'_>,
    now: Timestamp,
) -> Result<String, StoreError> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO bulletins (id, topic, title_ru, body_ru, title_en, body_en, created_by, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(b.topic)
    .bind(b.title_ru)
    .bind(b.body_ru)
    .bind(b.title_en)
    .bind(b.body_en)
    .bind(b.created_by)
    .bind(micros(now))
    .execute(conn)
    .await?;
    Ok(id)
}

const BULLETIN_COLUMNS: &str = "id, topic, title_ru, body_ru, title_en, body_en, created_by, \
     created_at, sent_to, finished_at";

fn bulletin_of(r: &sqlx::any::AnyRow) -> Result<Bulletin, StoreError> {
    Ok(Bulletin {
        id: r.try_get("id")?,
        topic: r.try_get("topic")?,
        title_ru: r.try_get("title_ru")?,
        body_ru: r.try_get("body_ru")?,
        title_en: r.try_get("title_en")?,
        body_en: r.try_get("body_en")?,
        created_by: r.try_get("created_by")?,
        created_at: from_micros(r.try_get("created_at")?),
        sent_to: r.try_get("sent_to")?,
        finished_at: r.try_get::<Option<i64>, _>("finished_at")?.map(from_micros),
    })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn bulletin(db: &Db, id: &str) -> Result<Option<Bulletin>, StoreError> {
    let sql = format!("SELECT {BULLETIN_COLUMNS} FROM bulletins WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(bulletin_of).transpose()
}

/// The newest bulletins first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn recent_bulletins(db: &Db, limit: i64) -> Result<Vec<Bulletin>, StoreError> {
    let sql = format!("SELECT {BULLETIN_COLUMNS} FROM bulletins ORDER BY created_at DESC LIMIT $1");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(bulletin_of).collect()
}

/// Records how far sending got (`finished` when every subscriber has it).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn record_progress(
    db: &Db,
    id: &str,
    sent_to: i64,
    finished: Option<Timestamp>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE bulletins SET sent_to = $2, finished_at = $3 WHERE id = $1")
        .bind(id)
        .bind(sent_to)
        .bind(finished.map(micros))
        .execute(db.pool())
        .await?;
    Ok(())
}
