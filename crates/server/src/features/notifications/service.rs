//! Telling people: a notification is recorded in the cabinet and, by the person's settings, queued
//! for e-mail, SMS and web push in the same transaction as what caused it. (Deadline reminders are
//! the registry's: `features::documents::reminders` plans them and calls [`notify`].)

use domain::notifications::{Category, Channel, Settings};
use jiff::Timestamp;
use sqlx::AnyConnection;
use store::StoreError;
use store::notifications::{self as repo, NewNotification};
use store::users::Profile;

use super::unsubscribe::Unsubscribe;
use crate::channels::{self, Email, Sms};
use crate::state::AppState;
use crate::web::i18n::Lang;

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

/// Marks one of the person's messages `read`, `unread`, archived (`archive`) or back in the
/// inbox (`unarchive`). False for another person's message, an unknown id or action.
pub async fn mark(
    state: &AppState,
    user_id: &str,
    id: &str,
    action: &str,
) -> Result<bool, StoreError> {
    let now = state.now();
    let mut conn = state.db.connection().await?;
    Ok(match action {
        "read" => repo::set_read(&mut conn, user_id, id, true, now).await?,
        "unread" => repo::set_read(&mut conn, user_id, id, false, now).await?,
        "archive" => repo::set_archived(&mut conn, user_id, id, true, now).await?,
        "unarchive" => repo::set_archived(&mut conn, user_id, id, false, now).await?,
        _ => false,
    })
}
