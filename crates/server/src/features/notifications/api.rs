//! Notifications in the API: the inbox, read/unread/archive, the settings table and the delivery
//! history.

use crate::web::json::JsonBody;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use domain::notifications::{Category, Channel, Settings, Topic};
use serde::{Deserialize, Serialize};
use store::audit::Actor;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::pages::store_settings;
use super::service;
use super::subscriptions::{self, Change};
use crate::state::AppState;
use crate::web::auth::ApiUser;
use crate::web::context::RequestInfo;
use crate::web::errors::{ApiError, ErrorBody};
use crate::web::i18n::Msg;

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notifications))
        .routes(routes!(notification_stream))
        .routes(routes!(change_notification))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(reset_settings))
        .routes(routes!(list_deliveries))
        .routes(routes!(list_subscriptions, subscribe, unsubscribe_all))
        .routes(routes!(pause_subscription, unsubscribe_one))
        .routes(routes!(get_reminder_days, put_reminder_days))
        .routes(routes!(list_push, add_push))
        .routes(routes!(remove_push))
}

#[derive(Serialize, ToSchema)]
pub struct NotificationView {
    pub id: String,
    /// `applications`, `personal_data`, `deadlines`, `payments`, `security`, `system`
    pub category: String,
    pub title: String,
    pub body: String,
    /// A path in the cabinet.
    pub link: Option<String>,
    pub created_at: String,
    pub read: bool,
    pub archived: bool,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationList {
    pub items: Vec<NotificationView>,
    pub total: i64,
    pub unread: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// `true` for the archive
    pub archived: Option<bool>,
    pub page: Option<u32>,
}

/// The inbox (or the archive), newest first, 50 a page, with the unread count.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", security(("bearer" = [])), params(NotificationQuery),
    responses((status = 200, description = "Notifications", body = NotificationList), (status = 400, description = "Malformed query", body = ErrorBody), (status = 401, description = "No valid token", body = ErrorBody)))]
async fn list_notifications(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<NotificationQuery>,
) -> Result<Json<NotificationList>, ApiError> {
    let page = i64::from(q.page.unwrap_or(1).clamp(1, 10_000));
    let (rows, total) = store::notifications::list(
        &state.db,
        &user.user.id,
        q.archived.unwrap_or(false),
        50,
        (page - 1) * 50,
    )
    .await?;
    Ok(Json(NotificationList {
        unread: store::notifications::unread_count(&state.db, &user.user.id).await?,
        total,
        items: rows
            .into_iter()
            .map(|n| NotificationView {
                read: n.read_at.is_some(),
                archived: n.archived_at.is_some(),
                created_at: n.created_at.to_string(),
                id: n.id,
                category: n.category,
                title: n.title,
                body: n.body,
                link: n.link,
            })
            .collect(),
    }))
}

/// `read`, `unread`, `archive` or `unarchive` one notification.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/{action}", tag = "notifications", security(("bearer" = [])),
    params(("id" = String, Path), ("action" = String, Path, description = "`read`, `unread`, `archive` or `unarchive`")),
    responses((status = 204, description = "Done"), (status = 401, description = "No valid token", body = ErrorBody), (status = 404, description = "No such notification of yours, or no such action", body = ErrorBody)))]
async fn change_notification(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, action)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let found = service::mark(&state, &user.user.id, &id, &action).await?;
    if found {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}

#[derive(Serialize, Deserialize, ToSchema)]

pub struct SettingView {
    /// `applications`, `personal_data`, `deadlines`, `payments`, `security`, `system`
    pub category: String,
    /// `inbox`, `email`, `sms` or `push`
    pub channel: String,
    pub enabled: bool,
}

#[derive(Serialize, Deserialize, ToSchema)]

pub struct SettingsView {
    /// Every category × channel.
    pub settings: Vec<SettingView>,
}

fn view(s: &Settings) -> SettingsView {
    let mut out = Vec::new();
    for c in Category::ALL {
        for ch in Channel::ALL {
            out.push(SettingView {
                category: c.as_str().to_owned(),
                channel: ch.as_str().to_owned(),
                enabled: s.get(c, ch),
            });
        }
    }
    SettingsView { settings: out }
}

/// Which categories reach the user by which channels.
#[utoipa::path(get, path = "/api/v1/notification-settings", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, description = "Settings", body = SettingsView), (status = 401, description = "No valid token", body = ErrorBody)))]
async fn get_settings(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<SettingsView>, ApiError> {
    Ok(Json(view(&service::settings(&state, &user.user.id).await?)))
}

/// 422 naming the field at fault (settings, reminder days, topics and push subscriptions alike).
fn invalid(field: &str, message: Msg) -> ApiError {
    ApiError::invalid_input().field(field, "invalid", message)
}

/// Changes the entries given (the others keep their values). Security notices must stay on at
/// least one channel (422).
#[utoipa::path(put, path = "/api/v1/notification-settings", tag = "notifications", security(("bearer" = [])), request_body = SettingsView,
    responses((status = 200, description = "Saved", body = SettingsView), (status = 401, description = "No valid token", body = ErrorBody), (status = 422, description = "Unknown category or channel, or security everywhere off", body = ErrorBody)))]
async fn put_settings(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: ApiUser,
    JsonBody(body): JsonBody<SettingsView>,
) -> Result<Json<SettingsView>, ApiError> {
    let mut settings = service::settings(&state, &user.user.id).await?;
    for (i, s) in body.settings.iter().enumerate() {
        let (Some(c), Some(ch)) = (Category::parse(&s.category), Channel::parse(&s.channel)) else {
            return Err(invalid(
                &format!("settings[{i}]"),
                Msg::new(
                    "Неизвестная категория или канал",
                    "Unknown category or channel",
                ),
            ));
        };
        settings.set(c, ch, s.enabled);
    }
    if settings.check().is_err() {
        return Err(invalid(
            "settings",
            Msg::new(
                "Уведомления о безопасности должны приходить хотя бы одним способом",
                "Security notices must reach you at least one way",
            ),
        ));
    }
    store_settings(
        &state,
        &user.user.id,
        Actor::of(&user.user),
        &settings,
        info.ip.clone(),
    )
    .await?;
    Ok(Json(view(&settings)))
}

/// Back to the defaults.
#[utoipa::path(post, path = "/api/v1/notification-settings/reset", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, description = "The defaults", body = SettingsView), (status = 401, description = "No valid token", body = ErrorBody)))]
async fn reset_settings(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: ApiUser,
) -> Result<Json<SettingsView>, ApiError> {
    let defaults = Settings::default();
    store_settings(
        &state,
        &user.user.id,
        Actor::of(&user.user),
        &defaults,
        info.ip.clone(),
    )
    .await?;
    Ok(Json(view(&defaults)))
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryView {
    pub notification_id: String,
    pub title: String,
    pub channel: String,
    /// Masked.
    pub address: String,
    /// `queued`, `sent`, `retrying`, `failed`
    pub status: String,
    pub attempts: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// Every e-mail, SMS and web push sent to the user, newest first (the last 100).
#[utoipa::path(get, path = "/api/v1/notification-deliveries", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, description = "Deliveries", body = [DeliveryView]), (status = 401, description = "No valid token", body = ErrorBody)))]
async fn list_deliveries(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<DeliveryView>>, ApiError> {
    let rows = store::notifications::deliveries(&state.db, &user.user.id, 100).await?;
    Ok(Json(
        rows.into_iter()
            .map(|d| DeliveryView {
                notification_id: d.notification_id,
                title: d.title,
                channel: d.channel,
                address: d.address,
                status: d.status,
                attempts: d.attempts,
                created_at: d.created_at.to_string(),
                updated_at: d.updated_at.to_string(),
            })
            .collect(),
    ))
}

/// Server-sent events: `unread` with the unread count now and whenever it changes (checked every
/// 5 seconds). The stream stays open; reconnect when it ends.
#[utoipa::path(get, path = "/api/v1/notifications/stream", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, description = "An event stream", content_type = "text/event-stream", body = String), (status = 401, description = "No valid token", body = ErrorBody)))]
async fn notification_stream(
    State(state): State<AppState>,
    user: ApiUser,
) -> axum::response::Response {
    super::pages::unread_events(state, user.user.id.clone())
}

// --- Mailing subscriptions -------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct SubscriptionView {
    /// `law_changes`, `new_services`, `service_news`
    pub topic: String,
    pub name: String,
    /// `off`, `active` or `paused`
    pub state: String,
    pub since: Option<String>,
}

async fn subscription_views(
    state: &AppState,
    user: &ApiUser,
    lang: crate::web::i18n::Lang,
) -> Result<Json<Vec<SubscriptionView>>, ApiError> {
    let list = subscriptions::list(state, &user.user.id).await?;
    Ok(Json(
        list.into_iter()
            .map(|s| {
                let [ru, _, en, _] = s.topic.texts();
                SubscriptionView {
                    topic: s.topic.as_str().to_owned(),
                    name: lang.pick(ru, en).to_owned(),
                    state: match s.state {
                        subscriptions::Standing::Off => "off",
                        subscriptions::Standing::Active => "active",
                        subscriptions::Standing::Paused => "paused",
                    }
                    .to_owned(),
                    since: s.since.map(|t| t.to_string()),
                }
            })
            .collect(),
    ))
}

const UNKNOWN_TOPIC: Msg = Msg::new(
    "Такой рассылки нет: law_changes, new_services или service_news.",
    "No such mailing: law_changes, new_services or service_news.",
);

fn topic_of(name: &str) -> Result<Topic, ApiError> {
    Topic::parse(name).ok_or_else(|| invalid("topic", UNKNOWN_TOPIC))
}

/// Every mailing and whether you get it.
#[utoipa::path(get, path = "/api/v1/subscriptions", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, description = "Mailings", body = [SubscriptionView]), (status = 401, description = "No valid token", body = ErrorBody)))]
async fn list_subscriptions(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: ApiUser,
) -> Result<Json<Vec<SubscriptionView>>, ApiError> {
    subscription_views(&state, &user, info.lang).await
}

#[derive(Deserialize, ToSchema)]
pub struct SubscribeRequest {
    /// `law_changes`, `new_services` or `service_news`
    pub topic: String,
}

/// The person's own change to their mailings (`None`: all of them), from this request.
async fn change_own(
    state: &AppState,
    info: &RequestInfo,
    user: &ApiUser,
    topic: Option<Topic>,
    what: Change,
) -> Result<bool, store::StoreError> {
    let actor = Actor::of(&user.user);
    subscriptions::change(state, actor, &user.user.id, topic, what, info.ip.clone()).await
}

/// Subscribes to a mailing (or resumes a paused one); answers with every mailing.
#[utoipa::path(post, path = "/api/v1/subscriptions", tag = "notifications", security(("bearer" = [])), request_body = SubscribeRequest,
    responses((status = 200, description = "Mailings", body = [SubscriptionView]), (status = 401, description = "No valid token", body = ErrorBody), (status = 422, description = "No such mailing", body = ErrorBody)))]
async fn subscribe(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: ApiUser,
    JsonBody(body): JsonBody<SubscribeRequest>,
) -> Result<Json<Vec<SubscriptionView>>, ApiError> {
    let topic = topic_of(&body.topic)?;
    change_own(&state, &info, &user, Some(topic), Change::Subscribe).await?;
    subscription_views(&state, &user, info.lang).await
}

#[derive(Deserialize, ToSchema)]
pub struct PauseRequest {
    /// `true` pauses, `false` resumes
    pub paused: bool,
}

/// Pauses or resumes a mailing you are subscribed to.
#[utoipa::path(patch, path = "/api/v1/subscriptions/{topic}", tag = "notifications", security(("bearer" = [])), request_body = PauseRequest,
    params(("topic" = String, Path)),
    responses((status = 200, description = "Mailings", body = [SubscriptionView]), (status = 401, description = "No valid token", body = ErrorBody), (status = 404, description = "You are not subscribed to it", body = ErrorBody), (status = 422, description = "No such mailing", body = ErrorBody)))]
async fn pause_subscription(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: ApiUser,
    Path(topic): Path<String>,
    JsonBody(body): JsonBody<PauseRequest>,
) -> Result<Json<Vec<SubscriptionView>>, ApiError> {
    let topic = topic_of(&topic)?;
    let mine = subscriptions::list(&state, &user.user.id).await?;
    if mine
        .iter()
        .any(|s| s.topic == topic && s.state == subscriptions::Standing::Off)
    {
        return Err(ApiError::not_found());
    }
    let what = if body.paused {
        Change::Pause
    } else {
        Change::Subscribe
    };
    change_own(&state, &info, &user, Some(topic), what).await?;
    subscription_views(&state, &user, info.lang).await
}

/// Unsubscribes from one mailing.
#[utoipa::path(delete, path = "/api/v1/subscriptions/{topic}", tag = "notifications", security(("bearer" = [])),
    params(("topic" = String, Path)),
    responses((status = 204, description = "Unsubscribed (or was not subscribed)"), (status = 401, description = "No valid token", body = ErrorBody), (status = 422, description = "No such mailing", body = ErrorBody)))]
async fn unsubscribe_one(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: ApiUser,
    Path(topic): Path<String>,
) -> Result<StatusCode, ApiError> {
    let topic = topic_of(&topic)?;
    change_own(&state, &info, &user, Some(topic), Change::Unsubscribe).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Unsubscribes from every mailing.
#[utoipa::path(delete, path = "/api/v1/subscriptions", tag = "notifications", security(("bearer" = [])),
    responses((status = 204, description = "Unsubscribed from all"), (status = 401, description = "No valid token", body = ErrorBody)))]
async fn unsubscribe_all(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: ApiUser,
) -> Result<StatusCode, ApiError> {
    change_own(&state, &info, &user, None, Change::Unsubscribe).await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- Reminder days -------------------------------------------------------------------------------

#[derive(Serialize, Deserialize, ToSchema)]
pub struct ReminderDaysView {
    /// Days before a deadline for every kind without its own choice (the day itself is always
    /// reminded of and not listed).
    pub every: Vec<i16>,
    /// A kind's own days; `null` in a PUT goes back to `every`.
    #[schema(value_type = Object)]
    pub kinds: std::collections::BTreeMap<String, Option<Vec<i16>>>,
}

async fn reminder_days_view(state: &AppState, user_id: &str) -> Result<ReminderDaysView, ApiError> {
    let mut conn = state.db.connection().await.map_err(ApiError::internal)?;
    let stored = store::notifications::reminder_days(&mut conn, user_id).await?;
    let chosen = super::reminder_days::ReminderDays::load(&mut conn, user_id).await?;
    Ok(ReminderDaysView {
        every: chosen.every(),
        kinds: stored
            .into_iter()
            .filter(|(kind, _)| kind != super::reminder_days::EVERY_KIND)
            .map(|(kind, _)| {
                let days = chosen.own(&kind).map(<[i16]>::to_vec);
                (kind, days)
            })
            .collect(),
    })
}

/// The days before a deadline you are reminded at.
#[utoipa::path(get, path = "/api/v1/reminder-days", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, description = "Reminder days", body = ReminderDaysView), (status = 401, description = "No valid token", body = ErrorBody)))]
async fn get_reminder_days(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<ReminderDaysView>, ApiError> {
    Ok(Json(reminder_days_view(&state, &user.user.id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ReminderDaysChange {
    /// New days for every kind (omit to keep).
    pub every: Option<Vec<i16>>,
    /// Kinds to change: days, or `null` to follow `every` again.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub kinds: std::collections::BTreeMap<String, Option<Vec<i16>>>,
}

const BAD_DAYS: Msg = Msg::new(
    "Дни — целые числа от 1 до 365, не больше 8.",
    "Days are whole numbers from 1 to 365, at most 8.",
);
const UNKNOWN_KIND: Msg = Msg::new("Нет такого вида документа.", "No such document kind.");

fn checked_days(field: &str, days: &[i16]) -> Result<Vec<i16>, ApiError> {
    let text = days
        .iter()
        .map(i16::to_string)
        .collect::<Vec<_>>()
        .join(",");
    domain::notifications::parse_offsets(&text).map_err(|_| invalid(field, BAD_DAYS))
}

/// Changes the days; pending reminders of every active document are planned again.
#[utoipa::path(put, path = "/api/v1/reminder-days", tag = "notifications", security(("bearer" = [])), request_body = ReminderDaysChange,
    responses((status = 200, description = "Saved", body = ReminderDaysView), (status = 401, description = "No valid token", body = ErrorBody), (status = 422, description = "Days out of range or an unknown kind", body = ErrorBody)))]
async fn put_reminder_days(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: ApiUser,
    JsonBody(body): JsonBody<ReminderDaysChange>,
) -> Result<Json<ReminderDaysView>, ApiError> {
    let mut choice = super::reminder_days::Choice::new();
    if let Some(every) = &body.every {
        choice.insert(
            super::reminder_days::EVERY_KIND.to_owned(),
            Some(checked_days("every", every)?),
        );
    }
    for (kind, days) in &body.kinds {
        if !state.deadlines.is_kind(&state, kind).await? {
            return Err(invalid("kinds", UNKNOWN_KIND));
        }
        let days = days
            .as_deref()
            .map(|d| checked_days("kinds", d))
            .transpose()?;
        choice.insert(kind.clone(), days);
    }
    super::reminder_days::save(&state, &user.user, &choice, info.ip.clone()).await?;
    Ok(Json(reminder_days_view(&state, &user.user.id).await?))
}

// --- Web push ------------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct PushDeviceView {
    pub id: String,
    pub device: String,
    pub created_at: String,
    pub last_success_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PushDevices {
    /// The server's VAPID public key (base64url): `applicationServerKey` for subscribing.
    pub key: String,
    pub items: Vec<PushDeviceView>,
}

/// Your browsers and apps with web push on, and the key to subscribe with.
#[utoipa::path(get, path = "/api/v1/push-subscriptions", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, description = "Devices", body = PushDevices), (status = 401, description = "No valid token", body = ErrorBody)))]
async fn list_push(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<PushDevices>, ApiError> {
    let items = store::push::for_user(&state.db, &user.user.id)
        .await?
        .into_iter()
        .map(|s| PushDeviceView {
            id: s.id,
            device: s.device,
            created_at: s.created_at.to_string(),
            last_success_at: s.last_success_at.map(|t| t.to_string()),
        })
        .collect();
    Ok(Json(PushDevices {
        key: state.channels.vapid.public_key().to_owned(),
        items,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct PushSubscribed {
    pub id: String,
}

/// Keeps a push subscription (the Push API's `PushSubscription.toJSON()`). Only known push
/// services are accepted.
#[utoipa::path(post, path = "/api/v1/push-subscriptions", tag = "notifications", security(("bearer" = [])),
    request_body = super::push::BrowserSubscription,
    responses((status = 201, description = "Kept", body = PushSubscribed), (status = 401, description = "No valid token", body = ErrorBody), (status = 422, description = "Unknown push service or bad keys", body = ErrorBody)))]
async fn add_push(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: ApiUser,
    JsonBody(body): JsonBody<super::push::BrowserSubscription>,
) -> Result<(StatusCode, Json<PushSubscribed>), ApiError> {
    match super::push::subscribe(
        &state,
        &user.user,
        &body,
        info.user_agent.as_deref(),
        info.ip.clone(),
    )
    .await
    {
        Ok(id) => Ok((StatusCode::CREATED, Json(PushSubscribed { id }))),
        Err(super::push::SubscribeError::Store(e)) => Err(e.into()),
        Err(e @ super::push::SubscribeError::Endpoint) => Err(invalid("endpoint", e.message())),
        Err(e) => Err(invalid("keys", e.message())),
    }
}

/// Turns web push off for one device.
#[utoipa::path(delete, path = "/api/v1/push-subscriptions/{id}", tag = "notifications", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204, description = "Removed"), (status = 401, description = "No valid token", body = ErrorBody), (status = 404, description = "No such device of yours", body = ErrorBody)))]
async fn remove_push(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if super::push::unsubscribe(&state, &user.user, &id, info.ip.clone()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}
