//! Telling people: a notification is recorded in the cabinet and, by the person's settings, queued
//! for e-mail and SMS in the same transaction as what caused it. Deadline reminders are planned per
//! document and sent by a sweep that takes each one exactly once.

use domain::notifications::{self as rules, Category, Channel, Settings};
use jiff::Timestamp;
use sqlx::AnyConnection;
use store::StoreError;
use store::audit::Action;
use store::audit::{self, Actor, Entry};
use store::notifications::{self as repo, NewNotification, ReminderRow};
use store::users::Profile;

use super::unsubscribe::Unsubscribe;
use crate::channels::{self, Email, Sms};
use crate::features::documents::catalogue::Catalogue;
use crate::features::documents::service::{assess_one, key_change_date, today};
use crate::state::AppState;
use crate::web::i18n::Lang;

pub const REMINDER_JOB: &str = "notifications.reminders";
/// How long a sweep holds the reminders it claimed; a sweep that dies leaves them due again then.
pub const CLAIM_LEASE: jiff::SignedDuration = jiff::SignedDuration::from_mins(5);

/// The person's channel choices (defaults with their departures).
pub async fn settings(state: &AppState, user_id: &str) -> Result<Settings, StoreError> {
    let stored = repo::overrides(&state.db, user_id).await?;
    Ok(Settings::with(stored.into_iter().filter_map(
        |(category, channel, on)| {
            Some((Category::parse(&category)?, Channel::parse(&channel)?, on))
        },
    )))
}

/// What to say, in both languages (the person's language is chosen when it is sent).
pub struct Message {
    pub category: Category,
    pub title_ru: String,
    pub title_en: String,
    pub body_ru: String,
    pub body_en: String,
    /// A path in the cabinet.
    pub link: Option<String>,
    /// The mailing this is an issue of: its letters' unsubscribe ends the subscription.
    pub list: Option<domain::notifications::Topic>,
}

/// Records the notification and queues its e-mail and SMS, all in the caller's transaction;
/// `None` when `dedupe_key` already made one (nothing is queued again).
pub async fn notify(
    conn: &mut AnyConnection,
    state: &AppState,
    profile: &Profile,
    message: &Message,
    dedupe_key: &str,
    now: Timestamp,
) -> Result<Option<String>, StoreError> {
    let lang = Lang::from_code(&profile.locale).unwrap_or_default();
    let (title, body) = match lang {
        Lang::Ru => (&message.title_ru, &message.body_ru),
        Lang::En => (&message.title_en, &message.body_en),
    };
    let Some(id) = repo::insert(
        conn,
        &NewNotification {
            user_id: profile.id.clone(),
            category: message.category.as_str().to_owned(),
            title: title.clone(),
            body: body.clone(),
            link: message.link.clone(),
            dedupe_key: dedupe_key.to_owned(),
        },
        now,
    )
    .await?
    else {
        return Ok(None);
    };
    let chosen = settings(state, &profile.id).await?;
    let link = message
        .link
        .as_ref()
        .map(|l| format!("{}{l}", state.config.public_base()));
    for channel in chosen.channels_for(message.category) {
        match channel {
            Channel::Inbox => {}
            Channel::Email => {
                let Some(to) = profile.email.as_deref().filter(|_| profile.email_verified) else {
                    continue;
                };
                let masked = domain::Email::parse(to)
                    .map(|e| e.masked())
                    .unwrap_or_default();
                let delivery =
                    repo::insert_delivery(conn, &id, &profile.id, "email", &masked, now).await?;
                let mut paragraphs = vec![body.clone()];
                if let Some(link) = &link {
                    paragraphs.push(link.clone());
                }
                let mut email = Email::from_paragraphs(to, title, &paragraphs);
                let what = match message.list {
                    Some(topic) => Unsubscribe::List(topic),
                    None => Unsubscribe::Category(message.category),
                };
                email.unsubscribe = Some(super::unsubscribe::link(state, &profile.id, what));
                channels::queue_email_for(conn, &email, Some(&delivery), now).await?;
            }
            Channel::Sms => {
                let Some(to) = profile.phone.as_deref().filter(|_| profile.phone_verified) else {
                    continue;
                };
                let masked = domain::Phone::parse(to)
                    .map(|p| p.masked())
                    .unwrap_or_default();
                let delivery =
                    repo::insert_delivery(conn, &id, &profile.id, "sms", &masked, now).await?;
                let sms = Sms {
                    to: to.to_owned(),
                    text: format!("{title}. {body}"),
                };
                channels::queue_sms_for(conn, &sms, Some(&delivery), now).await?;
            }
            Channel::Push => {
                for (subscription, endpoint) in store::push::targets(conn, &profile.id).await? {
                    let host = push_host(&endpoint);
                    let delivery =
                        repo::insert_delivery(conn, &id, &profile.id, "push", &host, now).await?;
                    let push = channels::push::Push {
                        subscription,
                        shown: channels::push::Shown {
                            title: title.clone(),
                            body: body.clone(),
                            link: message.link.clone(),
                        },
                    };
                    channels::queue_push_for(conn, &push, Some(&delivery), now).await?;
                }
            }
        }
    }
    state.jobs_enqueued.notify_one();
    Ok(Some(id))
}

/// The push service's host, as the delivery history shows it (the rest of the address is the
/// browser's secret).
fn push_host(endpoint: &str) -> String {
    channels::push::scheme_and_authority(endpoint)
        .map(|(_, authority)| authority.to_owned())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Deadline reminders

/// Which days before a deadline a person wants reminders at: their choice for a kind, else their
/// choice for every kind, else the defaults. The day itself is always added.
#[derive(Debug, Clone, Default)]
pub struct ReminderDays {
    every: Option<Vec<i16>>,
    kinds: Vec<(String, Vec<i16>)>,
}

/// The code under which the choice for every kind is kept.
pub const EVERY_KIND: &str = "*";

impl ReminderDays {
    pub async fn load(conn: &mut AnyConnection, user_id: &str) -> Result<Self, StoreError> {
        let mut days = ReminderDays::default();
        for (kind, text) in repo::reminder_days(conn, user_id).await? {
            // A stored value that no longer reads (a rule tightened) falls back to the defaults.
            let Ok(parsed) = rules::parse_offsets(&text) else {
                continue;
            };
            if kind == EVERY_KIND {
                days.every = Some(parsed);
            } else {
                days.kinds.push((kind, parsed));
            }
        }
        Ok(days)
    }

    /// The days for every kind without its own choice (without the day itself).
    pub fn every(&self) -> Vec<i16> {
        self.every.clone().unwrap_or_else(|| {
            rules::DEFAULT_OFFSETS
                .iter()
                .copied()
                .filter(|d| *d > 0)
                .collect()
        })
    }

    /// The kind's own choice, if the person made one.
    pub fn own(&self, kind: &str) -> Option<&[i16]> {
        self.kinds
            .iter()
            .find(|(k, _)| k == kind)
            .map(|(_, d)| d.as_slice())
    }

    /// Every day to remind on for a document of this kind, the deadline's own day included.
    pub fn for_kind(&self, kind: &str) -> Vec<i16> {
        match self.own(kind) {
            Some(days) => rules::with_the_day_itself(days),
            None => rules::with_the_day_itself(&self.every()),
        }
    }
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

/// Re-plans every active document of a person (their date of birth or time zone changed).
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

/// Marks one of the person's messages `read`, `unread`, archived (`archive`) or back in the
/// inbox (`unarchive`). False for another person's message, an unknown id or action.
pub async fn mark(
    state: &AppState,
    user_id: &str,
    id: &str,
    action: &str,
) -> Result<bool, StoreError> {
    let now = state.now();
    let mut conn = state.db.pool().acquire().await?;
    Ok(match action {
        "read" => repo::set_read(&mut conn, user_id, id, true, now).await?,
        "unread" => repo::set_read(&mut conn, user_id, id, false, now).await?,
        "archive" => repo::set_archived(&mut conn, user_id, id, true, now).await?,
        "unarchive" => repo::set_archived(&mut conn, user_id, id, false, now).await?,
        _ => false,
    })
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
