//! «Подписка на рассылки» (seed 004): a person subscribes to mailings (law changes, new
//! services, service news), pauses, resumes, ends one or all — on the notification settings page
//! and through the API. Operators write a bulletin; a job sends it to every active subscriber,
//! each once (the notification's dedupe key names the bulletin), through the person's channels
//! for system notices. Its letter's one-click unsubscribe ends that subscription.

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use domain::notifications::{Category, Topic};
use jiff::Timestamp;
use serde::Serialize;
use store::StoreError;
use store::audit::Action;
use store::audit::{self, Actor, Entry};
use store::jobs::{self, NewJob};
use store::subscriptions::{self as repo, Bulletin, NewBulletin};
use store::users::UserSummary;

use super::service::{Message, notify};
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::context::RequestInfo;
use crate::web::errors::PageError;
use crate::web::i18n::Lang;
use crate::web::routes::Routes;

pub const BULLETIN_JOB: &str = "notifications.bulletin";
/// Subscribers served per transaction while a bulletin goes out.
const BATCH: i64 = 200;

// --- What a person has ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Off,
    Active,
    Paused,
}

/// One mailing as the person sees it.
#[derive(Debug, Clone, Serialize)]
pub struct TopicState {
    pub topic: Topic,
    pub state: Standing,
    pub since: Option<Timestamp>,
}

/// Every mailing with the person's state in it, in the catalogue's order.
pub async fn list(state: &AppState, user_id: &str) -> Result<Vec<TopicState>, StoreError> {
    let mine = repo::for_user(&state.db, user_id).await?;
    Ok(Topic::ALL
        .into_iter()
        .map(|topic| {
            let found = mine.iter().find(|s| s.topic == topic.as_str());
            TopicState {
                topic,
                state: match found {
                    None => Standing::Off,
                    Some(s) if s.paused => Standing::Paused,
                    Some(_) => Standing::Active,
                },
                since: found.map(|s| s.since),
            }
        })
        .collect())
}

/// What a person does with a mailing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Subscribe,
    Pause,
    Unsubscribe,
}

impl Change {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "subscribe" | "resume" => Some(Change::Subscribe),
            "pause" => Some(Change::Pause),
            "unsubscribe" => Some(Change::Unsubscribe),
            _ => None,
        }
    }
}

/// Applies a change to one mailing, or (`topic` None, unsubscribing) to all; audited in its
/// transaction. True when something changed.
pub async fn change(
    state: &AppState,
    actor: Actor,
    user_id: &str,
    topic: Option<Topic>,
    what: Change,
    ip: Option<String>,
) -> Result<bool, StoreError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let name = topic.map(Topic::as_str);
    let (changed, action) = match (what, name) {
        (Change::Subscribe, Some(t)) => (
            repo::subscribe(&mut tx, user_id, t, now).await?,
            Action::SubscriptionSubscribed,
        ),
        (Change::Pause, Some(t)) => (
            repo::pause(&mut tx, user_id, t, now).await?,
            Action::SubscriptionPaused,
        ),
        (Change::Unsubscribe, Some(t)) => (
            repo::unsubscribe(&mut tx, user_id, Some(t)).await? > 0,
            Action::SubscriptionUnsubscribed,
        ),
        (Change::Unsubscribe, None) => (
            repo::unsubscribe(&mut tx, user_id, None).await? > 0,
            Action::SubscriptionUnsubscribedAll,
        ),
        (_, None) => return Ok(false),
    };
    if changed {
        let entry = Entry::new(actor, action)
            .object("subscription", name.unwrap_or("all"))
            .subject(user_id)
            .from_request(ip, None);
        audit::append(&mut tx, &entry, now).await?;
        tx.commit().await?;
    }
    Ok(changed)
}

// --- Bulletins ---------------------------------------------------------------------------------

/// Writes a bulletin and queues its sending, with the operator's audit record.
pub async fn publish(
    state: &AppState,
    operator: &UserSummary,
    bulletin: &NewBulletin<'_>,
    ip: Option<String>,
) -> Result<String, StoreError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let id = repo::insert_bulletin(&mut tx, bulletin, now).await?;
    let job = NewJob::new(BULLETIN_JOB, serde_json::json!({ "bulletin": id }), now)
        .unique(format!("bulletin:{id}"))
        .max_attempts(10);
    jobs::enqueue(&mut tx, &job, now).await?;
    let entry = Entry::new(Actor::of(operator), Action::BulletinPublished)
        .object("bulletin", &id)
        .from_request(ip, None)
        .details(serde_json::json!({ "topic": bulletin.topic, "title": bulletin.title_ru }));
    audit::append(&mut tx, &entry, now).await?;
    state.commit_and_wake(tx).await?;
    Ok(id)
}

fn message_of(bulletin: &Bulletin, topic: Topic) -> Message {
    Message {
        category: Category::System,
        title_ru: bulletin.title_ru.clone(),
        title_en: bulletin.title_en.clone(),
        body_ru: bulletin.body_ru.clone(),
        body_en: bulletin.body_en.clone(),
        link: Some("/notifications/settings#subscriptions".to_owned()),
        list: Some(topic),
    }
}

/// Sends a bulletin to every active subscriber, a batch per transaction. A retry after a crash
/// starts again from the first subscriber; those served already are skipped by the dedupe key.
pub async fn send_bulletin(state: &AppState, id: &str) -> Result<Option<i64>, StoreError> {
    let Some(bulletin) = repo::bulletin(&state.db, id).await? else {
        return Ok(None);
    };
    let Some(topic) = Topic::parse(&bulletin.topic) else {
        return Ok(None);
    };
    let message = message_of(&bulletin, topic);
    let dedupe = format!("bulletin:{id}");
    let mut after = String::new();
    let mut sent = 0_i64;
    loop {
        let batch = repo::active_subscribers(&state.db, topic.as_str(), &after, BATCH).await?;
        let Some(last) = batch.last().cloned() else {
            break;
        };
        let now = state.now();
        let mut tx = state.db.begin().await?;
        for user_id in &batch {
            let Some(profile) = store::users::profile(&state.db, user_id).await? else {
                continue;
            };
            if notify(&mut tx, state, &profile, &message, &dedupe, now)
                .await?
                .is_some()
            {
                sent += 1;
            }
        }
        state.commit_and_wake(tx).await?;
        repo::record_progress(&state.db, id, bulletin.sent_to + sent, None).await?;
        if (batch.len() as i64) < BATCH {
            break;
        }
        after = last;
    }
    repo::record_progress(&state.db, id, bulletin.sent_to + sent, Some(state.now())).await?;
    Ok(Some(sent))
}

// --- Pages ---------------------------------------------------------------------------------------

pub fn pages() -> Routes {
    Routes::new()
        .route(
            "/notifications/subscriptions/{topic}/{action}",
            post(change_submit),
        )
        .route("/notifications/subscriptions/off", post(all_off))
}

/// A row of the subscriptions table on the settings page.
pub struct Row {
    pub topic: &'static str,
    pub name: &'static str,
    pub about: &'static str,
    pub state: Standing,
}

pub fn rows(list: &[TopicState], lang: Lang) -> Vec<Row> {
    list.iter()
        .map(|s| {
            let [name_ru, about_ru, name_en, about_en] = s.topic.texts();
            Row {
                topic: s.topic.as_str(),
                name: lang.pick(name_ru, name_en),
                about: lang.pick(about_ru, about_en),
                state: s.state,
            }
        })
        .collect()
}

async fn change_submit(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
    Path((topic, action)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let topic = Topic::parse(&topic).ok_or(PageError::NotFound)?;
    let what = Change::parse(&action).ok_or(PageError::NotFound)?;
    let me = user.user();
    change(
        &state,
        Actor::of(me),
        &me.id,
        Some(topic),
        what,
        info.ip.clone(),
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/notifications/settings?subscription={action}#subscriptions"
    ))
    .into_response())
}

async fn all_off(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
) -> Result<Response, PageError> {
    let me = user.user();
    change(
        &state,
        Actor::of(me),
        &me.id,
        None,
        Change::Unsubscribe,
        info.ip.clone(),
    )
    .await?;
    Ok(Redirect::to("/notifications/settings?subscription=all_off#subscriptions").into_response())
}
