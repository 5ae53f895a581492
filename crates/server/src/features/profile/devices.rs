//! «Устройства и сеансы»: where the person is signed in (device, browser, address, place, when
//! started and last active), ending one session or all the others, and the inactivity limit.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form};
use jiff::SignedDuration;
use serde::Deserialize;
use store::audit::Action;
use store::audit::{self, Actor, Entry};

use crate::local_time;
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::context::RequestInfo;
use crate::web::device;
use crate::web::errors::PageError;
use crate::web::forms::FormErrors;
use crate::web::page::PageCtx;
use crate::web::routes::Routes;

/// The inactivity limits a person may choose, in minutes (the seeds recommend 10).
pub const IDLE_CHOICES: [i64; 5] = [5, 10, 15, 30, 60];

pub fn pages() -> Routes {
    Routes::new()
        .route("/profile/sessions", get(list))
        .route("/profile/sessions/others/end", post(end_others))
        .route("/profile/sessions/{id}/end", post(end_one))
        .route("/profile/sessions/timeout", post(set_timeout))
}

pub struct Row {
    pub id: String,
    pub device: String,
    pub ip: String,
    pub location: String,
    pub started: String,
    pub last_seen: String,
    pub current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/profile/devices.html")]
struct DevicesPage {
    page: PageCtx,
    ru: bool,
    rows: Vec<Row>,
    idle: i64,
    choices: [i64; 5],
    notice: Option<&'static str>,
    errors: FormErrors,
}

#[derive(Deserialize)]
struct Notes {
    ended: Option<String>,
    saved: Option<String>,
}

async fn page_of(
    state: &AppState,
    user: &SignedIn,
    page: PageCtx,
) -> Result<DevicesPage, PageError> {
    let lang = page.lang;
    let u = user.user();
    let unknown = lang.pick("неизвестно", "unknown");
    let rows = store::sessions::list_for_user(&state.db, &u.id, state.now())
        .await?
        .into_iter()
        .map(|s| Row {
            device: s
                .user_agent
                .as_deref()
                .map(device::parse)
                .map(|d| format!("{} · {}", d.browser, d.device))
                .unwrap_or_else(|| unknown.to_owned()),
            location: state
                .geoip
                .locate(s.ip.as_deref())
                .unwrap_or_else(|| unknown.to_owned()),
            ip: s.ip.clone().unwrap_or_else(|| unknown.to_owned()),
            started: local_time::shown(s.created_at, &u.time_zone),
            last_seen: local_time::shown(s.last_seen_at, &u.time_zone),
            current: s.id == user.0.id,
            id: s.id,
        })
        .collect();
    let idle = store::users::idle_timeout_minutes(&state.db, &u.id)
        .await?
        .unwrap_or(i64::from(state.config.session.idle_timeout_minutes));
    Ok(DevicesPage {
        ru: lang == crate::web::i18n::Lang::Ru,
        rows,
        idle,
        choices: IDLE_CHOICES,
        notice: None,
        errors: FormErrors::default(),
        page,
    })
}

async fn list(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Query(notes): Query<Notes>,
) -> Result<DevicesPage, PageError> {
    let lang = page.lang;
    let mut body = page_of(&state, &user, page).await?;
    body.notice = if notes.ended.is_some() {
        Some(lang.pick("Сеанс завершён.", "The session is ended."))
    } else if notes.saved.is_some() {
        Some(lang.pick(
            "Время бездействия сохранено.",
            "The inactivity limit is saved.",
        ))
    } else {
        None
    };
    Ok(body)
}

async fn end_one(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !store::sessions::delete_for_user(&mut tx, &user.user().id, &id).await? {
        return Err(PageError::NotFound);
    }
    let e = Entry::new(Actor::of(user.user()), Action::SessionEnded)
        .object("session", &id)
        .subject(&user.user().id)
        .from_request(info.ip.clone(), Some(user.0.id.clone()));
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    // Ending the current one is signing out.
    let to = if id == user.0.id {
        "/login"
    } else {
        "/profile/sessions?ended=1"
    };
    Ok(Redirect::to(to).into_response())
}

async fn end_others(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
) -> Result<Response, PageError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let n =
        store::sessions::delete_all_for_user(&mut tx, &user.user().id, Some(&user.0.id)).await?;
    let e = Entry::new(Actor::of(user.user()), Action::SessionSignedOutElsewhere)
        .subject(&user.user().id)
        .from_request(info.ip.clone(), Some(user.0.id.clone()))
        .details(serde_json::json!({ "sessions": n }));
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(Redirect::to("/profile/sessions?ended=1").into_response())
}

#[derive(Deserialize)]
struct TimeoutForm {
    #[serde(default)]
    minutes: String,
}

async fn set_timeout(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
    page: PageCtx,
    Form(form): Form<TimeoutForm>,
) -> Result<Response, PageError> {
    let Some(minutes) = form
        .minutes
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|m| IDLE_CHOICES.contains(m))
    else {
        let lang = page.lang;
        let mut body = page_of(&state, &user, page).await?;
        body.errors.push(
            "minutes",
            lang.pick("Выберите один из вариантов", "Choose one of the options"),
        );
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    };
    let now = state.now();
    let mut tx = state.db.begin().await?;
    store::users::set_idle_timeout_minutes(&mut tx, &user.user().id, minutes).await?;
    store::sessions::set_idle_timeout(&mut tx, &user.user().id, SignedDuration::from_mins(minutes))
        .await?;
    let e = Entry::new(Actor::of(user.user()), Action::SecurityIdleTimeoutChanged)
        .subject(&user.user().id)
        .from_request(info.ip.clone(), Some(user.0.id.clone()))
        .details(serde_json::json!({ "minutes": minutes }));
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(Redirect::to("/profile/sessions?saved=1").into_response())
}
