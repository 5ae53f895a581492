//! Security settings: an authenticator app as the second factor (with recovery codes), SMS as
//! the second factor, fresh confirmation before security changes, and the notice of a sign-in
//! from a new device — on the pages and through the API.

use jiff::SignedDuration;

use crate::harness::{PASSWORD, registered_citizen, six_digits, sms_where};
use crate::harness::{TestApp, client, csrf_token};

/// Text between `start` and the next `end` after it.
fn between<'a>(html: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = html.find(start)? + start.len();
    let to = html[from..].find(end)? + from;
    Some(&html[from..to])
}

async fn post(
    app: &TestApp,
    page: &str,
    action: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let html = app.get_text(page).await.1;
    let token = csrf_token(&html);
    let mut form = vec![("_csrf", token.as_str())];
    form.extend_from_slice(extra);
    app.post_form(action, &form).await
}

/// Signs in with the password in a new browser; returns the browser and where it was sent.
async fn password_step(app: &TestApp, login: &str) -> (TestApp, String) {
    let browser = app.with_client(client());
    let response = post(
        &browser,
        "/login",
        "/login",
        &[("login", login), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    (browser, location)
}

fn app_code(app: &TestApp, secret: &[u8]) -> String {
    domain::totp::code_at(secret, app.state.now().as_second())
}

async fn second_step(browser: &TestApp, code: &str) -> reqwest::Response {
    post(
        browser,
        "/login/second-factor",
        "/login/second-factor",
        &[("code", code), ("next", "/documents")],
    )
    .await
}

async fn enrol_authenticator(app: &TestApp) -> (Vec<u8>, Vec<String>) {
    let started = post(app, "/security/totp", "/security/totp", &[]).await;
    assert_eq!(started.status(), 303);
    assert_eq!(started.headers()["location"], "/security/totp");
    let (status, html) = app.get_text("/security/totp").await;
    assert_eq!(status, 200);
    assert!(html.contains("<svg"), "a QR code is drawn");
    let shown = between(&html, "<code id=\"secret\">", "</code>").expect("secret shown");
    let secret = domain::totp::base32_decode(shown).expect("base32 secret");
    assert_eq!(secret.len(), 20);

    let wrong = if app_code(app, &secret) == "000000" {
        "111111"
    } else {
        "000000"
    };
    let refused = post(
        app,
        "/security/totp",
        "/security/totp/confirm",
        &[("code", wrong)],
    )
    .await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .expect("body")
            .contains("Код не подошёл")
    );

    let code = app_code(app, &secret);
    let confirmed = post(
        app,
        "/security/totp",
        "/security/totp/confirm",
        &[("code", &code)],
    )
    .await;
    assert_eq!(confirmed.status(), 200);
    assert_eq!(confirmed.headers()["cache-control"], "no-store");
    let html = confirmed.text().await.expect("body");
    let codes: Vec<String> = html
        .split("<li><code>")
        .skip(1)
        .filter_map(|part| part.split("</code>").next())
        .map(str::to_owned)
        .collect();
    assert_eq!(codes.len(), 10, "ten recovery codes: {html}");
    (secret, codes)
}

#[tokio::test]
async fn an_authenticator_app_guards_sign_in_and_recovery_codes_work_once() {
    let app = TestApp::spawn().await;
    registered_citizen(&app, "+79120000061", "totp@example.ru").await;
    let (_, before) = app.get_text("/security").await;
    assert!(before.contains("Выключена"));

    let (secret, codes) = enrol_authenticator(&app).await;
    let (_, after) = app.get_text("/security").await;
    assert!(after.contains("Включена"));
    assert!(after.contains("<strong>10</strong>"), "codes left shown");

    // The password alone no longer signs in: the second step is asked for.
    let (browser, location) = password_step(&app, "+79120000061").await;
    assert!(location.starts_with("/login/second-factor"), "{location}");
    assert_eq!(
        browser.get("/profile").await.status(),
        303,
        "not signed in yet"
    );
    let (status, html) = browser.get_text(&location).await;
    assert_eq!(status, 200);
    assert!(html.contains("приложение-аутентификатор"));

    // The code used to confirm the app cannot be replayed in the same half-minute.
    let replay = second_step(&browser, &app_code(&app, &secret)).await;
    assert_eq!(replay.status(), 422);
    app.clock.advance(SignedDuration::from_secs(30));
    let signed_in = second_step(&browser, &app_code(&app, &secret)).await;
    assert_eq!(signed_in.status(), 303);
    assert_eq!(signed_in.headers()["location"], "/documents");
    assert_eq!(browser.get_text("/profile").await.0, 200);

    // A recovery code works once, typed however.
    let (other, _) = password_step(&app, "+79120000061").await;
    let typed = codes[0].to_uppercase().replace('-', " ");
    assert_eq!(second_step(&other, &typed).await.status(), 303);
    let (third, _) = password_step(&app, "+79120000061").await;
    assert_eq!(second_step(&third, &codes[0]).await.status(), 422);

    // Five wrong codes (the spent recovery code was the first) drop the half-done sign-in.
    for _ in 0..3 {
        assert_eq!(second_step(&third, "12345").await.status(), 422);
    }
    let dropped = second_step(&third, "12345").await;
    assert_eq!(dropped.status(), 303);
    assert_eq!(
        dropped.headers()["location"],
        "/login?second_factor=expired"
    );
    let back = third.get("/login/second-factor").await;
    assert_eq!(back.headers()["location"], "/login", "the step is gone");
    assert_eq!(
        third.get("/profile").await.status(),
        303,
        "still signed out"
    );

    // The same through the API: 202 with a challenge, then the token.
    let api = reqwest::Client::new();
    let started = api
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({ "login": "+79120000061", "password": PASSWORD }))
        .send()
        .await
        .expect("answered");
    assert_eq!(started.status(), 202);
    let body: serde_json::Value = started.json().await.expect("json");
    assert_eq!(body["factor"], "totp");
    let challenge = body["challenge"].as_str().expect("challenge").to_owned();
    let wrong = api
        .post(app.url("/api/v1/auth/second-factor"))
        .json(&serde_json::json!({ "challenge": challenge, "code": "000000x" }))
        .send()
        .await
        .expect("answered");
    assert_eq!(wrong.status(), 401);
    app.clock.advance(SignedDuration::from_secs(30));
    let issued = api
        .post(app.url("/api/v1/auth/second-factor"))
        .json(&serde_json::json!({ "challenge": challenge, "code": app_code(&app, &secret) }))
        .send()
        .await
        .expect("answered");
    assert_eq!(issued.status(), 200);
    let token: serde_json::Value = issued.json().await.expect("json");
    let bearer = token["token"].as_str().expect("token");
    let state: serde_json::Value = api
        .get(app.url("/api/v1/security"))
        .bearer_auth(bearer)
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    assert_eq!(state["second_factor"], "totp");
    assert_eq!(state["recovery_codes_left"], 9);
    let gone = api
        .post(app.url("/api/v1/auth/second-factor"))
        .json(&serde_json::json!({ "challenge": challenge, "code": codes[2] }))
        .send()
        .await
        .expect("answered");
    assert_eq!(gone.status(), 410, "a challenge is answered once");

    // The secret is stored sealed, never as the base32 the app was given.
    let sealed: String = sqlx::query_scalar("SELECT secret_sealed FROM totp_secrets")
        .fetch_one(app.state.db.pool())
        .await
        .expect("stored");
    assert!(!sealed.contains(&domain::totp::base32_encode(&secret)));
}

#[tokio::test]
async fn security_changes_ask_to_confirm_again_and_turning_off_needs_the_second_factor() {
    let app = TestApp::spawn().await;
    registered_citizen(&app, "+79120000062", "fresh@example.ru").await;
    // Twelve minutes after signing in, with activity in between, the proof is stale.
    app.clock.advance(SignedDuration::from_mins(6));
    assert_eq!(app.get_text("/security").await.0, 200);
    app.clock.advance(SignedDuration::from_mins(6));

    let asked = post(&app, "/security", "/security/sms", &[]).await;
    assert_eq!(asked.status(), 303);
    assert_eq!(
        asked.headers()["location"],
        "/security/confirm?next=%2Fsecurity"
    );
    let wrong = post(
        &app,
        "/security/confirm?next=%2Fsecurity",
        "/security/confirm",
        &[("password", "not-it"), ("next", "/security")],
    )
    .await;
    assert_eq!(wrong.status(), 422);
    assert!(
        wrong
            .text()
            .await
            .expect("body")
            .contains("Пароль или код не подошли")
    );
    let confirmed = post(
        &app,
        "/security/confirm?next=%2Fsecurity",
        "/security/confirm",
        &[("password", PASSWORD), ("next", "/security")],
    )
    .await;
    assert_eq!(confirmed.status(), 303);
    assert_eq!(confirmed.headers()["location"], "/security");
    let on = post(&app, "/security", "/security/sms", &[]).await;
    assert_eq!(on.headers()["location"], "/security?done=sms");

    // Signing in now sends a code by SMS after the password.
    let (browser, location) = password_step(&app, "+79120000062").await;
    assert!(location.starts_with("/login/second-factor"));
    // (The worker delivers texts in its own time; the notice of the change is one of them.)
    let sms = sms_where(&app, "+79120000062", |b| b.contains("код для входа")).await;
    let first_code = six_digits(&sms);
    assert_eq!(second_step(&browser, &first_code).await.status(), 303);

    // Turning the factor off needs the password and the factor itself.
    app.clock.advance(SignedDuration::from_mins(6));
    assert_eq!(app.get_text("/security").await.0, 200);
    app.clock.advance(SignedDuration::from_mins(6));
    let asked = post(&app, "/security", "/security/off", &[]).await;
    assert_eq!(
        asked.headers()["location"],
        "/security/confirm?next=%2Fsecurity"
    );
    let without_code = post(
        &app,
        "/security/confirm?next=%2Fsecurity",
        "/security/confirm",
        &[("password", PASSWORD), ("next", "/security")],
    )
    .await;
    assert_eq!(without_code.status(), 422);
    app.clock.advance(SignedDuration::from_secs(61));
    let sent = post(
        &app,
        "/security/confirm?next=%2Fsecurity",
        "/security/confirm/sms",
        &[("next", "/security")],
    )
    .await;
    assert_eq!(sent.status(), 303);
    let code = six_digits(
        &sms_where(&app, "+79120000062", |b| {
            b.contains("код для входа") && !b.contains(&first_code)
        })
        .await,
    );
    let confirmed = post(
        &app,
        "/security/confirm?next=%2Fsecurity",
        "/security/confirm",
        &[
            ("password", PASSWORD),
            ("code", &code),
            ("next", "/security"),
        ],
    )
    .await;
    assert_eq!(confirmed.status(), 303);
    let off = post(&app, "/security", "/security/off", &[]).await;
    assert_eq!(off.headers()["location"], "/security?done=off");
    let (_, location) = password_step(&app, "+79120000062").await;
    assert_eq!(location, "/", "the password alone signs in again");

    // Each change is in the audit log and the chain still verifies.
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE action LIKE 'security.%' ORDER BY at",
    )
    .fetch_all(app.state.db.pool())
    .await
    .expect("audit");
    assert_eq!(
        actions,
        [
            "security.sms_factor_enabled",
            "security.second_factor_disabled"
        ]
    );
}

#[tokio::test]
async fn a_sign_in_from_a_new_device_is_announced_once() {
    let app = TestApp::spawn().await;
    registered_citizen(&app, "+79120000063", "device@example.ru").await;
    let notices = || async {
        sqlx::query_scalar::<_, String>(
            "SELECT title FROM notifications WHERE title LIKE '%нового устройства%'",
        )
        .fetch_all(app.state.db.pool())
        .await
        .expect("notifications")
    };
    // The browser that registered is known: signing in there again says nothing.
    let again = post(
        &app,
        "/login",
        "/login",
        &[("login", "+79120000063"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(again.status(), 303);
    assert!(notices().await.is_empty());

    let (laptop, _) = password_step(&app, "+79120000063").await;
    assert_eq!(notices().await.len(), 1, "a new browser is announced");
    let twice = post(
        &laptop,
        "/login",
        "/login",
        &[("login", "+79120000063"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(twice.status(), 303);
    assert_eq!(notices().await.len(), 1, "and only the first time");
}

#[tokio::test]
async fn this_was_not_me_ends_every_other_session_and_leads_to_the_password() {
    let app = TestApp::spawn().await;
    registered_citizen(&app, "+79120000064", "notme@example.ru").await;
    let (intruder, _) = password_step(&app, "+79120000064").await;
    assert_eq!(intruder.get_text("/profile").await.0, 200);
    let bad = app.with_client(client());
    let refused = post(
        &bad,
        "/login",
        "/login",
        &[("login", "+79120000064"), ("password", "wrong")],
    )
    .await;
    assert_eq!(refused.status(), 422);

    let (_, failed) = app.get_text("/profile/logins?shown=failed").await;
    assert!(failed.contains("неверный пароль"));
    assert!(!failed.contains("успешно"), "only refused attempts");
    let (_, succeeded) = app.get_text("/profile/logins?shown=success").await;
    assert!(succeeded.contains("успешно"));
    assert!(!succeeded.contains("неверный пароль"));

    let ended = post(&app, "/profile/logins", "/profile/logins/not-me", &[]).await;
    assert_eq!(ended.status(), 303);
    assert_eq!(ended.headers()["location"], "/profile/password?not_me=1");
    assert_eq!(
        intruder.get("/profile").await.status(),
        303,
        "the intruder is out"
    );
    let (status, page) = app.get_text("/profile/password?not_me=1").await;
    assert_eq!(status, 200, "this browser stays in to change the password");
    assert!(page.contains("Все другие сеансы завершены"));

    // Changing contacts is a security change: a stale proof asks again.
    app.clock.advance(SignedDuration::from_mins(6));
    assert_eq!(app.get_text("/profile").await.0, 200);
    app.clock.advance(SignedDuration::from_mins(6));
    let asked = app.get("/profile/contacts").await;
    assert_eq!(asked.status(), 303);
    assert_eq!(
        asked.headers()["location"],
        "/security/confirm?next=%2Fprofile%2Fcontacts"
    );
    // So is a new password, on the form and on its submission.
    let asked = app.get("/profile/password").await;
    assert_eq!(
        asked.headers()["location"],
        "/security/confirm?next=%2Fprofile%2Fpassword"
    );
    let posted = app
        .post_form(
            "/profile/password",
            &[
                ("_csrf", &csrf_token(&app.get_text("/profile").await.1)),
                ("current", PASSWORD),
                ("password", "Novyi-Parol-2026!"),
                ("password_confirm", "Novyi-Parol-2026!"),
            ],
        )
        .await;
    assert_eq!(posted.status(), 303);
    assert_eq!(
        posted.headers()["location"],
        "/security/confirm?next=%2Fprofile%2Fpassword",
        "the password is not changed by a stale session"
    );
}

#[tokio::test]
async fn operators_search_the_audit_log_and_the_search_is_recorded() {
    let app = TestApp::spawn().await;
    registered_citizen(&app, "+79120000065", "audited@example.ru").await;
    let user_id: String = sqlx::query_scalar("SELECT id FROM users WHERE phone = '+79120000065'")
        .fetch_one(app.state.db.pool())
        .await
        .expect("user");
    let (_, forbidden) = app.get_text("/operator/audit").await;
    assert!(
        !forbidden.contains("Найдено записей"),
        "citizens may not search"
    );
    assert_eq!(app.get("/operator/audit").await.status(), 403);

    server::demo::seed(&app.state).await.expect("demo");
    let (operator, _) = {
        let browser = app.with_client(client());
        let r = post(
            &browser,
            "/login",
            "/login",
            &[
                ("login", "operator@demo.kabinet.test"),
                ("password", "Demo-Operator-2026"),
            ],
        )
        .await;
        assert_eq!(r.status(), 303);
        (browser, ())
    };
    let (status, page) = operator
        .get_text(&format!(
            "/operator/audit?subject={user_id}&action=session."
        ))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("session.signed_in"), "{page}");
    assert!(
        !page.contains("user.registered"),
        "the action prefix filters"
    );
    let (_, none) = operator
        .get_text("/operator/audit?subject=nobody&action=session.")
        .await;
    assert!(none.contains("Найдено записей: 0"));
    let (_, bad) = operator.get_text("/operator/audit?from=31.02.2026").await;
    assert!(
        bad.contains("Дата «с» — в виде ДД.ММ.ГГГГ."),
        "a wrong date is explained"
    );
    assert!(bad.contains("value=\"31.02.2026\""), "and kept in the form");

    let searches: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'operator.audit_searched'",
    )
    .fetch_one(app.state.db.pool())
    .await
    .expect("count");
    assert_eq!(searches, 2, "each search that ran is recorded");
}
