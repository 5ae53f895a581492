//! People for the tests: a citizen registered through the pages (the SMS code from the sandbox
//! outbox, the e-mail link from a real SMTP server), their API token, and the letters they get.

use store::outbox;

use super::smtp::SmtpServer;
use super::{Api, Options, TestApp, client, csrf_token, eventually};

/// A citizen registered and signed in through the pages.
pub async fn registered_citizen(app: &TestApp, phone: &str, email: &str) {
    let confirm = start_registration(app, phone, email).await;
    let code = six_digits(
        &latest_sms(
            app,
            &domain::Phone::parse(phone).expect("phone").to_string(),
        )
        .await,
    );
    let (_, html) = app.get_text(&confirm).await;
    let response = app
        .post_form(&confirm, &[("_csrf", &csrf_token(&html)), ("code", &code)])
        .await;
    assert_eq!(response.status(), 303);
}

/// Registers through the pages and returns the confirmation page's path.
pub async fn start_registration(app: &TestApp, phone: &str, email: &str) -> String {
    let (_, html) = app.get_text("/register").await;
    let token = csrf_token(&html);
    let response = app
        .post_form("/register", &registration(phone, email, &token))
        .await;
    assert_eq!(
        response.status(),
        303,
        "{}",
        response.text().await.unwrap_or_default()
    );
    response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned()
}

pub fn registration<'a>(
    phone: &'a str,
    email: &'a str,
    token: &'a str,
) -> Vec<(&'static str, &'a str)> {
    vec![
        ("_csrf", token),
        ("surname", "Петрова"),
        ("given_name", "Анна"),
        ("patronymic", "Сергеевна"),
        ("phone", phone),
        ("email", email),
        ("password", PASSWORD),
        ("consent_terms", "yes"),
        ("consent_personal_data", "yes"),
    ]
}

pub async fn app_with_smtp() -> (TestApp, SmtpServer) {
    let smtp = SmtpServer::start().await;
    let port = smtp.port;
    let app = TestApp::spawn_with(Options {
        configure: Box::new(move |c| {
            c.email.smtp_host = Some("127.0.0.1".into());
            c.email.smtp_port = port;
            c.email.tls = server::config::SmtpTls::None;
        }),
        ..Options::default()
    })
    .await;
    (app, smtp)
}

pub fn six_digits(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    for window in chars.windows(6) {
        if window.iter().all(char::is_ascii_digit) {
            return window.iter().collect();
        }
    }
    panic!("no code in {text:?}");
}

/// Waits for the newest text message to `phone` to satisfy `wanted` (the worker delivers them).
pub async fn sms_where(app: &TestApp, phone: &str, wanted: impl Fn(&str) -> bool) -> String {
    let newest = || async {
        let messages = outbox::list(&app.state.db, Some(phone), 1)
            .await
            .expect("outbox");
        messages.first().map(|m| m.body.clone())
    };
    eventually("the SMS arrives", || async {
        newest().await.is_some_and(|b| wanted(&b))
    })
    .await;
    newest().await.unwrap_or_default()
}

/// The newest text message to `phone` in the sandbox outbox.
pub async fn latest_sms(app: &TestApp, phone: &str) -> String {
    sms_where(app, phone, |_| true).await
}

pub const PASSWORD: &str = "Zorkiy-Ezh-2026!";

pub async fn token_for(app: &TestApp, login: &str) -> (String, String) {
    let issued: serde_json::Value = client()
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({ "login": login, "password": PASSWORD }))
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    (
        issued["token"].as_str().expect("token").to_owned(),
        issued["token_id"].as_str().expect("id").to_owned(),
    )
}

/// A citizen with a date of birth in the profile, and their API token.
pub async fn citizen_born<'a>(app: &'a TestApp, phone: &str, email: &str, born: &str) -> Api<'a> {
    registered_citizen(app, phone, email).await;
    let api = Api {
        app,
        token: api_token(app, phone).await,
    };
    let (status, body) = api
        .send(
            reqwest::Method::PATCH,
            "/api/v1/profile",
            Some(serde_json::json!({ "birth_date": born })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    api
}

pub async fn api_token(app: &TestApp, login: &str) -> String {
    crate::harness::token_for(app, login).await.0
}

pub fn letters(smtp: &SmtpServer, email: &str) -> usize {
    smtp.messages_to(email).len()
}

pub async fn confirm_email(app: &TestApp, smtp: &SmtpServer, email: &str) {
    eventually("the confirmation letter arrives", || async {
        !smtp.messages_to(email).is_empty()
    })
    .await;
    let letter = smtp.messages_to(email).remove(0).decoded();
    let start = letter.find("/confirm-email?token=").expect("link");
    let link: String = letter[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '<' && *c != '"')
        .collect();
    assert_eq!(app.get_text(&link).await.0, 200);
}
