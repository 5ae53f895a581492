//! The user's sign-in history: when, from where, with what, and whether it worked.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::audit::Action;
use store::audit::{self, Actor, Entry};
use store::logins::LoginEvent;

use crate::local_time;
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::context::RequestInfo;
use crate::web::errors::PageError;
use crate::web::i18n::Lang;
use crate::web::page::PageCtx;

pub struct Texts {
    pub title: &'static str,
    pub lead: &'static str,
    pub time: &'static str,
    pub result: &'static str,
    pub method: &'static str,
    pub device: &'static str,
    pub ip: &'static str,
    pub location: &'static str,
    pub unknown: &'static str,
    pub empty: &'static str,
}

static RU: Texts = Texts {
    title: "История входов",
    lead: "Последние 50 попыток входа в вашу учётную запись. Если вы видите вход, которого не совершали, смените пароль и выйдите на всех устройствах.",
    time: "Время",
    result: "Результат",
    method: "Способ",
    device: "Устройство",
    ip: "IP-адрес",
    location: "Место",
    unknown: "неизвестно",
    empty: "Попыток входа нет.",
};

static EN: Texts = Texts {
    title: "Sign-in history",
    lead: "The last 50 attempts to sign in to your account. If you see one you did not make, change your password and sign out on all devices.",
    time: "Time",
    result: "Result",
    method: "Method",
    device: "Device",
    ip: "IP address",
    location: "Location",
    unknown: "unknown",
    empty: "No sign-in attempts.",
};

pub fn result_label(result: &str, lang: Lang) -> (&'static str, &'static str) {
    let (ru, en, class) = match result {
        "success" => ("успешно", "success", "ok"),
        "wrong_password" => ("неверный пароль", "wrong password", "bad"),
        "locked" => ("вход заблокирован", "locked", "bad"),
        "wrong_code" => ("неверный код", "wrong code", "bad"),
        "second_factor_failed" => ("второй фактор не пройден", "second factor failed", "bad"),
        _ => ("отказ", "refused", "bad"),
    };
    (lang.pick(ru, en), class)
}

/// "пароль + приложение": each factor of the sign-in, in order.
pub fn method_label(method: &str, lang: Lang) -> String {
    method
        .split('+')
        .map(|factor| match factor {
            "password" => lang.pick("пароль", "password"),
            "sms_code" => lang.pick("код из SMS", "SMS code"),
            "registration" => lang.pick("регистрация", "registration"),
            "totp" => lang.pick("код из приложения", "authenticator code"),
            "sms" => lang.pick("код из SMS", "SMS code"),
            "passkey" => lang.pick("ключ доступа", "passkey"),
            _ => lang.pick("другой", "other"),
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

pub struct Row {
    pub at: String,
    pub result: &'static str,
    pub class: &'static str,
    pub method: String,
    pub device: String,
    pub ip: String,
    pub location: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/profile/logins.html")]
pub struct LoginsPage {
    page: PageCtx,
    t: &'static Texts,
    rows: Vec<Row>,
    shown: &'static str,
    ru: bool,
}

#[derive(Deserialize, Default)]
pub struct LoginsQuery {
    /// `success` or `failed`; anything else shows all.
    shown: Option<String>,
}

fn row(e: &LoginEvent, zone: &str, lang: Lang, unknown: &str) -> Row {
    let (result, class) = result_label(&e.result, lang);
    let device = match (&e.browser, &e.device) {
        (Some(b), Some(d)) => format!("{b} · {d}"),
        _ => unknown.to_owned(),
    };
    Row {
        at: local_time::shown(e.at, zone),
        result,
        class,
        method: method_label(&e.method, lang),
        device,
        ip: e.ip.clone().unwrap_or_else(|| unknown.to_owned()),
        location: e.location.clone().unwrap_or_else(|| unknown.to_owned()),
    }
}

pub async fn logins(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Query(query): Query<LoginsQuery>,
) -> Result<LoginsPage, PageError> {
    let t = page.lang.pick(&RU, &EN);
    let (shown, succeeded) = match query.shown.as_deref() {
        Some("success") => ("success", Some(true)),
        Some("failed") => ("failed", Some(false)),
        _ => ("all", None),
    };
    let events = store::logins::for_user_where(&state.db, &user.user().id, succeeded, 50).await?;
    let zone = user.user().time_zone.clone();
    Ok(LoginsPage {
        rows: events
            .iter()
            .map(|e| row(e, &zone, page.lang, t.unknown))
            .collect(),
        t,
        shown,
        ru: page.lang == Lang::Ru,
        page,
    })
}

/// «Это был не я»: ends every other session and API token at once, then leads to the password
/// change (the session in hand stays, so that the person can make it).
pub async fn not_me(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
) -> Result<Response, PageError> {
    let now = state.now();
    let me = user.user();
    let mut tx = state.db.begin().await?;
    let sessions = store::sessions::delete_all_for_user(&mut tx, &me.id, Some(&user.0.id)).await?;
    store::tokens::revoke_all(&mut tx, &me.id, now).await?;
    let entry = Entry::new(Actor::of(me), Action::SecurityNotMe)
        .object("user", &me.id)
        .subject(&me.id)
        .from_request(info.ip.clone(), Some(user.0.id.clone()))
        .details(serde_json::json!({ "sessions_ended": sessions }));
    audit::append(&mut tx, &entry, now).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(Redirect::to("/profile/password?not_me=1").into_response())
}
