//! The user's sign-in history: when, from where, with what, and whether it worked.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use store::logins::LoginEvent;

use super::local_time;
use crate::state::AppState;
use crate::web::auth::SignedIn;
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

pub fn method_label(method: &str, lang: Lang) -> &'static str {
    match method {
        "password" => lang.pick("пароль", "password"),
        "sms_code" => lang.pick("код из SMS", "SMS code"),
        "registration" => lang.pick("регистрация", "registration"),
        _ => lang.pick("другой", "other"),
    }
}

pub struct Row {
    pub at: String,
    pub result: &'static str,
    pub class: &'static str,
    pub method: &'static str,
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
}

fn row(e: &LoginEvent, zone: &str, lang: Lang, unknown: &str) -> Row {
    let (result, class) = result_label(&e.result, lang);
    let device = match (&e.browser, &e.device) {
        (Some(b), Some(d)) => format!("{b} · {d}"),
        _ => unknown.to_owned(),
    };
    Row {
        at: local_time(e.at, zone),
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
) -> Result<LoginsPage, PageError> {
    let t = page.lang.pick(&RU, &EN);
    let events = store::logins::for_user(&state.db, &user.user().id, 50).await?;
    let zone = user.user().time_zone.clone();
    Ok(LoginsPage {
        rows: events
            .iter()
            .map(|e| row(e, &zone, page.lang, t.unknown))
            .collect(),
        t,
        page,
    })
}
