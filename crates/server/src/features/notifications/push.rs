//! «Уведомления в браузере» (web push): a browser the person allows notifications in gives its
//! push service address and keys; the server keeps them as a subscription of that device and
//! sends each notification of a category with push on to every such device. The devices are
//! listed on the settings page and can be removed; a device its push service forgets is removed
//! by the delivery (`channels::push`).
//!
//! Subscribing needs a script (the browser's Push API): `/static/settings.….js` on the settings page
//! and the service worker at `/sw.js`, which shows the message and opens its link.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Json};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::Deserialize;
use store::StoreError;
use store::audit::Action;
use store::audit::{self, Actor, Entry};
use store::push::NewPushSubscription;
use store::users::UserSummary;

use crate::channels::push::endpoint_allowed;
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::context::RequestInfo;
use crate::web::errors::PageError;
use crate::web::i18n::{Lang, Msg};
use crate::web::routes::Routes;

/// A browser's subscription as the Push API gives it (`PushSubscription.toJSON()`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BrowserSubscription {
    pub endpoint: String,
    pub keys: BrowserKeys,
    /// When the push service will end the subscription (milliseconds since the epoch), as
    /// `PushSubscription.toJSON()` gives it; usually `null`. Read so that a browser's own JSON
    /// is accepted as it is sent.
    #[serde(default, rename = "expirationTime")]
    #[allow(dead_code)]
    pub expiration_time: Option<f64>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BrowserKeys {
    /// The browser's P-256 public key, base64url (65 bytes).
    pub p256dh: String,
    /// The browser's authentication secret, base64url (16 bytes).
    pub auth: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SubscribeError {
    #[error("push service not allowed")]
    Endpoint,
    #[error("bad keys")]
    Keys,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for SubscribeError {
    fn from(err: sqlx::Error) -> Self {
        SubscribeError::Store(err.into())
    }
}

impl SubscribeError {
    pub fn message(&self) -> Msg {
        match self {
            SubscribeError::Endpoint => Msg::new(
                "Этот браузер присылает уведомления через службу, которую сервер не знает. Сообщите администратору.",
                "This browser uses a push service this server does not know. Tell the administrator.",
            ),
            SubscribeError::Keys | SubscribeError::Store(_) => Msg::new(
                "Браузер прислал неполную подписку. Обновите страницу и попробуйте ещё раз.",
                "The browser sent an incomplete subscription. Reload the page and try again.",
            ),
        }
    }
}

fn keys_valid(keys: &BrowserKeys) -> bool {
    let point = B64.decode(keys.p256dh.trim_end_matches('='));
    let secret = B64.decode(keys.auth.trim_end_matches('='));
    matches!((point, secret), (Ok(p), Ok(a))
        if p.len() == 65 && p256::PublicKey::from_sec1_bytes(&p).is_ok() && a.len() == 16)
}

/// Keeps a browser's subscription for the person, audited. Returns its id.
pub async fn subscribe(
    state: &AppState,
    user: &UserSummary,
    sub: &BrowserSubscription,
    user_agent: Option<&str>,
    ip: Option<String>,
) -> Result<String, SubscribeError> {
    if !endpoint_allowed(&state.config.push, &sub.endpoint) {
        return Err(SubscribeError::Endpoint);
    }
    if !keys_valid(&sub.keys) {
        return Err(SubscribeError::Keys);
    }
    let device = user_agent.map(crate::web::device::parse).map_or_else(
        || "—".to_owned(),
        |d| format!("{} · {}", d.browser, d.device),
    );
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let id = store::push::upsert(
        &mut tx,
        &NewPushSubscription {
            user_id: &user.id,
            endpoint: &sub.endpoint,
            p256dh: sub.keys.p256dh.trim_end_matches('='),
            auth: sub.keys.auth.trim_end_matches('='),
            device: &device,
        },
        now,
    )
    .await?;
    let entry = Entry::new(Actor::of(user), Action::PushSubscribed)
        .object("push_subscription", &id)
        .subject(&user.id)
        .from_request(ip, None)
        .details(serde_json::json!({ "device": device }));
    audit::append(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Removes one of the person's devices. False when it is not theirs.
pub async fn unsubscribe(
    state: &AppState,
    user: &UserSummary,
    id: &str,
    ip: Option<String>,
) -> Result<bool, StoreError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !store::push::delete(&mut tx, &user.id, id).await? {
        return Ok(false);
    }
    let entry = Entry::new(Actor::of(user), Action::PushUnsubscribed)
        .object("push_subscription", id)
        .subject(&user.id)
        .from_request(ip, None);
    audit::append(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(true)
}

// --- Pages ---------------------------------------------------------------------------------------

pub fn pages() -> Routes {
    Routes::new()
        .route("/notifications/push", post(subscribe_json))
        .route("/notifications/push/{id}/delete", post(remove))
        .route("/sw.js", get(service_worker))
}

/// A device on the settings page.
pub struct DeviceRow {
    pub id: String,
    pub device: String,
    pub since: String,
}

pub async fn devices(state: &AppState, user: &UserSummary) -> Result<Vec<DeviceRow>, StoreError> {
    Ok(store::push::for_user(&state.db, &user.id)
        .await?
        .into_iter()
        .map(|s| DeviceRow {
            since: crate::local_time::shown(s.created_at, &user.time_zone),
            id: s.id,
            device: s.device,
        })
        .collect())
}

/// The script's half: the subscription as JSON, CSRF in the header.
async fn subscribe_json(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
    body: Bytes,
) -> Response {
    let lang = info.lang;
    let Ok(sub) = crate::web::json::parse::<BrowserSubscription>(&body) else {
        return refusal(SubscribeError::Keys, lang);
    };
    match subscribe(
        &state,
        user.user(),
        &sub,
        info.user_agent.as_deref(),
        info.ip.clone(),
    )
    .await
    {
        Ok(_) => (
            StatusCode::CREATED,
            Json(serde_json::json!({ "redirect": "/notifications/settings?push=on#push" })),
        )
            .into_response(),
        Err(SubscribeError::Store(e)) => PageError::from(e).into_response(),
        Err(e) => refusal(e, lang),
    }
}

fn refusal(err: SubscribeError, lang: Lang) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(serde_json::json!({ "error": err.message().get(lang) })),
    )
        .into_response()
}

async fn remove(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    if unsubscribe(&state, user.user(), &id, info.ip.clone()).await? {
        Ok(Redirect::to("/notifications/settings?push=off#push").into_response())
    } else {
        Err(PageError::NotFound)
    }
}

/// The service worker, at the root so that it serves the whole site.
async fn service_worker() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("../../web/static/sw.js"),
    )
        .into_response()
}
