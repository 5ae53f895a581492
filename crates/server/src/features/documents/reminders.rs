//! Deadline reminders, the registry's: each active document with a term has its reminders planned
//! (the days the person chose before the deadline, and the day itself) whenever it is added,
//! changed, deleted, restored or archived; a sweep sends the due ones, each exactly once, through
//! `notifications::service::notify`. The person's choice of days is kept by notifications
//! (`reminder_days`), which asks this module through the [`Deadlines`] port.

use domain::notifications::{self as rules, Category};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use sqlx::AnyConnection;
use store::StoreError;
use store::audit::{self, Action, Actor, Entry};
use store::jobs::ClaimedJob;
use store::notifications::{self as repo, ReminderRow};
use store::users::Profile;

use super::catalogue::Catalogue;
use super::service::{assess_one, key_change_date, today};
use crate::features::notifications::reminder_days::{Deadlines, ReminderDays};
use crate::features::notifications::service::{Message, notify};
use crate::state::AppState;
use crate::web::i18n::Lang;
use crate::worker::JobError;

/// Kept under the name it had when notifications planned reminders: jobs queued by an older node
/// still find their handler.
pub const REMINDER_JOB: &str = "notifications.reminders";
/// How long a sweep holds the reminders it claimed; a sweep that dies leaves them due again then.
pub const CLAIM_LEASE: jiff::SignedDuration = jiff::SignedDuration::from_mins(5);

/// Sends what is due, a batch at a time, until nothing is left.
pub async fn reminders_job(state: AppState, _job: ClaimedJob) -> Result<(), JobError> {
    let mut total = 0;
    loop {
        let sent = send_due_reminders(&state, 200).await?;
        total += sent;
        if sent < 200 {
            break;
        }
    }
    if total > 0 {
        tracing::info!(sent = total, "deadline reminders sent");
    }
    Ok(())
}

/// What a document's reminders count down to.
struct Target {
    /// The birthday that ends an internal passport, otherwise the last day of validity.
    day: jiff::civil::Date,
    kind: String,
    title: String,
}

/// The document's reminder target. None for documents without a term, or not active.
async fn reminder_target(
    conn: &mut AnyConnection,
    state: &AppState,
    catalogue: &Catalogue,
    profile: &Profile,
    document_id: &str,
) -> Result<Option<Target>, StoreError> {
    let Some(doc) = store::documents::get(conn, &profile.id, document_id).await? else {
        return Ok(None);
    };
    if doc.state != "active" {
        return Ok(None);
    }
    let kind = doc.data.kind_code.clone();
    let title = doc.data.title.clone();
    let a = assess_one(
        doc,
        catalogue,
        key_change_date(profile),
        today(state, &profile.time_zone),
    );
    Ok(a.validity
        .and_then(|v| v.replace_from.or_else(|| v.last_day()))
        .map(|day| Target { day, kind, title }))
}

/// Re-plans one document's reminders inside the caller's transaction (after it was added,
/// changed, deleted, restored or archived).
pub async fn replan(
    conn: &mut AnyConnection,
    state: &AppState,
    profile: &Profile,
    document_id: &str,
) -> Result<(), StoreError> {
    let (_, catalogue) = state.caches.catalogue(&state.db).await?;
    replan_with(conn, state, &catalogue, profile, document_id).await
}

async fn replan_with(
    conn: &mut AnyConnection,
    state: &AppState,
    catalogue: &Catalogue,
    profile: &Profile,
    document_id: &str,
) -> Result<(), StoreError> {
    let target = reminder_target(conn, state, catalogue, profile, document_id).await?;
    let zone = crate::local_time::zone(&profile.time_zone);
    let chosen = ReminderDays::load(conn, &profile.id).await?;
    let offsets = target
        .as_ref()
        .map(|t| chosen.for_kind(&t.kind))
        .unwrap_or_default();
    let planned = target
        .as_ref()
        .map(|t| rules::plan(t.day, &offsets, &zone, state.now()))
        .unwrap_or_default();
    let deadline = target.map(|t| t.day.to_string());
    repo::replan(
        conn,
        &profile.id,
        document_id,
        deadline.as_deref(),
        &offsets,
        &planned,
    )
    .await
}

/// Re-plans every active document of a person (their choice of reminder days changed).
pub async fn replan_all(
    conn: &mut AnyConnection,
    state: &AppState,
    profile: &Profile,
) -> Result<(), StoreError> {
    let (_, catalogue) = state.caches.catalogue(&state.db).await?;
    let filter = store::documents::Filter {
        state: "active".into(),
        ..Default::default()
    };
    for doc in store::documents::list(&state.db, &profile.id, &filter).await? {
        replan_with(conn, state, &catalogue, profile, &doc.id).await?;
    }
    Ok(())
}

fn reminder_message(title: &str, days: i64, deadline: &str, link: String) -> Message {
    let date = deadline
        .parse::<jiff::civil::Date>()
        .map(|d| d.strftime("%d.%m.%Y").to_string())
        .unwrap_or_else(|_| deadline.to_owned());
    let (title_ru, title_en) = if days == 0 {
        (
            format!("Сегодня истекает срок: {title}"),
            format!("Due today: {title}"),
        )
    } else {
        (
            format!("Через {days} {} истекает срок: {title}", days_ru(days)),
            format!(
                "{days} day{} left: {title}",
                if days == 1 { "" } else { "s" }
            ),
        )
    };
    Message {
        category: Category::Deadlines,
        title_ru,
        title_en,
        body_ru: format!(
            "Документ «{title}» нужно заменить или продлить до {date}. Что делать — на странице документа."
        ),
        body_en: format!(
            "The document “{title}” must be replaced or renewed by {date}. The document's page says how."
        ),
        link: Some(link),
        list: None,
    }
}

/// "1 день", "2 дня", "5 дней".
fn days_ru(n: i64) -> &'static str {
    crate::attention::plural(n, "день", "дня", "дней")
}

/// Sends the reminders that are due, each exactly once: taking it (`pending` → `sent`), recording
/// the notification and queueing its deliveries happen in one transaction, and a reminder another
/// worker took first is left alone. Returns how many were sent.
pub async fn send_due_reminders(state: &AppState, batch: i64) -> Result<usize, StoreError> {
    let now = state.now();
    let lease_until = now.checked_add(CLAIM_LEASE).unwrap_or(now);
    let claim = crate::keys::random_token();
    let due = repo::claim_due(&state.db, now, lease_until, &claim, batch).await?;
    let (_, catalogue) = state.caches.catalogue(&state.db).await?;
    let mut sent = 0;
    for reminder in due {
        if reminder.attempts > MAX_ATTEMPTS {
            let mut tx = state.db.begin().await?;
            if repo::settle(&mut tx, &reminder, "failed", now).await? {
                tracing::error!(reminder = %reminder.id, attempts = MAX_ATTEMPTS, "reminder given up: it failed every time it was tried");
            }
            tx.commit().await?;
            continue;
        }
        // One reminder that fails (its transaction rolled back, its claim left to run out) must
        // not hold back the others of the batch.
        match send_one(state, &catalogue, &reminder).await {
            Ok(true) => sent += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(reminder = %reminder.id, attempt = reminder.attempts, error = %e, "reminder not sent; tried again after the lease")
            }
        }
    }
    Ok(sent)
}

/// Claims of one reminder before it is given up (each after a [`CLAIM_LEASE`]).
pub const MAX_ATTEMPTS: i64 = 5;

async fn send_one(
    state: &AppState,
    catalogue: &Catalogue,
    reminder: &ReminderRow,
) -> Result<bool, StoreError> {
    let now = state.now();
    let profile = store::users::profile(&state.db, &reminder.user_id).await?;
    let mut tx = state.db.begin().await?;
    let target = match &profile {
        Some(p) => reminder_target(&mut tx, state, catalogue, p, &reminder.document_id).await?,
        None => None,
    };
    let (Some(profile), Some(target)) = (profile, target) else {
        return drop_reminder(tx, reminder, now).await;
    };
    if target.day.to_string() != reminder.deadline {
        return drop_reminder(tx, reminder, now).await;
    }
    if !repo::settle(&mut tx, reminder, "sent", now).await? {
        // Another sweep took it, or it was re-planned meanwhile: committing only clears this
        // sweep's place in the queue.
        tx.commit().await?;
        return Ok(false);
    }
    // Days left as of sending: a reminder that catches up on a passed day says what is true.
    let days_left = (target.day - today(state, &profile.time_zone)).get_days();
    let message = reminder_message(
        &target.title,
        i64::from(days_left),
        &reminder.deadline,
        format!("/documents/{}", reminder.document_id),
    );
    notify(
        &mut tx,
        state,
        &profile,
        &message,
        &format!("reminder:{}", reminder.id),
        now,
    )
    .await?;
    let e = Entry::new(Actor::System, Action::ReminderSent)
        .object("document", &reminder.document_id)
        .subject(&profile.id)
        .details(serde_json::json!({ "offset_days": reminder.offset_days, "deadline": reminder.deadline }));
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// Takes a reminder whose account is gone, or whose document was deleted, archived or changed
/// since it was planned, off the queue: there is nothing to remind of.
async fn drop_reminder(
    mut tx: store::Tx,
    reminder: &ReminderRow,
    now: jiff::Timestamp,
) -> Result<bool, StoreError> {
    if repo::settle(&mut tx, reminder, "dropped", now).await? {
        tracing::info!(reminder = %reminder.id, "reminder dropped: its document no longer has this deadline");
    }
    tx.commit().await?;
    Ok(false)
}

/// The registry's answers to the reminder-days choice of notifications.
pub struct RegistryDeadlines;

impl Deadlines for RegistryDeadlines {
    fn kinds_in_use<'a>(
        &'a self,
        state: &'a AppState,
        user_id: &'a str,
        lang: Lang,
    ) -> BoxFuture<'a, Result<Vec<(String, String)>, StoreError>> {
        async move {
            let (_, catalogue) = state.caches.catalogue(&state.db).await?;
            let active = store::documents::Filter {
                state: "active".into(),
                ..Default::default()
            };
            let mut kinds: Vec<String> = store::documents::list(&state.db, user_id, &active)
                .await?
                .into_iter()
                .map(|d| d.data.kind_code)
                .collect();
            kinds.sort();
            kinds.dedup();
            Ok(kinds
                .into_iter()
                .map(|code| {
                    let name = catalogue
                        .get(&code)
                        .map_or_else(|| code.clone(), |k| k.name(lang).to_owned());
                    (code, name)
                })
                .collect())
        }
        .boxed()
    }

    fn is_kind<'a>(
        &'a self,
        state: &'a AppState,
        code: &'a str,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        // Read afresh, not from the page cache: a kind the operator just added is accepted.
        async move { Ok(Catalogue::load(&state.db).await?.get(code).is_some()) }.boxed()
    }

    fn replan_all<'a>(
        &'a self,
        conn: &'a mut AnyConnection,
        state: &'a AppState,
        profile: &'a Profile,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        replan_all(conn, state, profile).boxed()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn russian_day_counts_agree_with_the_number() {
        let words: Vec<&str> = [1, 2, 5, 11, 21, 22, 25, 30, 90, 101, 112]
            .into_iter()
            .map(super::days_ru)
            .collect();
        assert_eq!(
            words,
            [
                "день", "дня", "дней", "дней", "день", "дня", "дней", "дней", "дней", "день",
                "дней"
            ]
        );
    }
}
