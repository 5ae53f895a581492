//! Sign-in by SMS code, password recovery, the request for a verifier, and the operators' pages
//! that show the sandbox outbox, locks and requests.

use crate::harness::{PASSWORD, latest_sms, registered_citizen, six_digits, sms_where};
use crate::harness::{TestApp, client, csrf_token};

async fn post(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let (_, html) = app.get_text(path).await;
    let token = csrf_token(&html);
    let mut form = vec![("_csrf", token.as_str())];
    form.extend_from_slice(fields);
    app.post_form(path, &form).await
}

#[tokio::test]
async fn sign_in_with_an_sms_code() {
    let app = TestApp::spawn().await;
    registered_citizen(&app, "+79120000011", "code@example.ru").await;
    let (_, html) = app.get_text("/profile").await;
    app.post_form("/logout", &[("_csrf", &csrf_token(&html))])
        .await;
    let before = latest_sms(&app, "+79120000011").await;

    let started = post(&app, "/login/code", &[("phone", "8 912 000 00 11")]).await;
    assert_eq!(started.status(), 303);
    let challenge = started.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let sms = sms_where(&app, "+79120000011", |b| b != before).await;
    assert!(sms.contains("код для входа"), "{sms}");
    let code = six_digits(&sms);
    let (status, page) = app.get_text(&challenge).await;
    assert_eq!(status, 200);
    assert!(page.contains("+7 912 ***-**-11"));
    let signed_in = app
        .post_form(
            &challenge,
            &[("_csrf", &csrf_token(&page)), ("code", &code)],
        )
        .await;
    assert_eq!(signed_in.status(), 303);
    assert_eq!(signed_in.headers()["location"], "/");
    assert_eq!(app.get("/profile").await.status(), 200);

    // An unknown phone gets the same pages, and no code works.
    let stranger = post(&app, "/login/code", &[("phone", "+79998887766")]).await;
    assert_eq!(stranger.status(), 303);
    let path = stranger.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let (status, page) = app.get_text(&path).await;
    assert_eq!(status, 200);
    let refused = app
        .post_form(&path, &[("_csrf", &csrf_token(&page)), ("code", "123456")])
        .await;
    assert_eq!(refused.status(), 422);
    assert!(
        store::outbox::list(&app.state.db, Some("+79998887766"), 5)
            .await
            .expect("outbox")
            .is_empty(),
        "nothing sent"
    );
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_code_and_every_session_ends() {
    let app = TestApp::spawn().await;
    registered_citizen(&app, "+79120000012", "reset@example.ru").await;
    // Another device stays signed in with an API token.
    let api = client();
    let issued: serde_json::Value = api
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({ "login": "+79120000012", "password": PASSWORD }))
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    let token = issued["token"].as_str().expect("token").to_owned();

    let visitor = clone_client(&app);
    let before = latest_sms(&app, "+79120000012").await;
    let started = post(&visitor, "/recover", &[("contact", "+7 912 000-00-12")]).await;
    assert_eq!(started.status(), 303);
    let challenge = started.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    // The sign-in above also sends a new-device notice, which may land after `before`: wait for
    // the message that carries a code.
    let code = six_digits(
        &sms_where(&app, "+79120000012", |b| {
            b != before && b.contains("код для смены пароля")
        })
        .await,
    );
    let (_, page) = visitor.get_text(&challenge).await;
    let csrf = csrf_token(&page);

    let weak = visitor
        .post_form(
            &challenge,
            &[
                ("_csrf", &csrf),
                ("code", &code),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        )
        .await;
    assert_eq!(weak.status(), 422);
    let weak = weak.text().await.expect("body");
    assert!(weak.contains("не короче 8 символов"));
    assert!(
        weak.contains(&format!(r#"value="{code}""#)),
        "the right code stays typed"
    );

    let new_password = "Novyi-Parol-2027#";
    let done = visitor
        .post_form(
            &challenge,
            &[
                ("_csrf", &csrf),
                ("code", &code),
                ("password", new_password),
                ("password_confirm", new_password),
            ],
        )
        .await;
    assert_eq!(done.status(), 303);
    assert_eq!(done.headers()["location"], "/login?recovered=1");

    assert_eq!(
        app.get("/profile").await.status(),
        303,
        "the old browser session ended"
    );
    let tokens = api
        .get(app.url("/api/v1/auth/tokens"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("answered");
    assert_eq!(tokens.status(), 401, "API tokens revoked");
    let old = api
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({ "login": "+79120000012", "password": PASSWORD }))
        .send()
        .await
        .expect("answered");
    assert_eq!(old.status(), 401);
    let new = api
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({ "login": "+79120000012", "password": new_password }))
        .send()
        .await
        .expect("answered");
    assert_eq!(new.status(), 200);
    let replay = visitor
        .post_form(
            &challenge,
            &[
                ("_csrf", &csrf),
                ("code", &code),
                ("password", new_password),
                ("password_confirm", new_password),
            ],
        )
        .await;
    assert_eq!(replay.status(), 422, "a code works once");
}

/// The same app seen from a browser with no cookies.
fn clone_client(app: &TestApp) -> TestApp {
    app.with_client(client())
}

#[tokio::test]
async fn a_request_without_any_contact_is_stored_for_verifiers() {
    let app = TestApp::spawn().await;
    let bad = post(
        &app,
        "/recover/request",
        &[
            ("surname", "Петров"),
            ("given_name", "Пётр"),
            ("birth_date", "31.02.1990"),
            ("passport_series", "45 06"),
            ("passport_number", "12345"),
            ("snils", "112-233-445 96"),
            ("contact", "petrov@example.ru"),
        ],
    )
    .await;
    assert_eq!(bad.status(), 422);
    let page = bad.text().await.expect("body");
    assert!(page.contains("ДД.ММ.ГГГГ"));
    assert!(page.contains("6 цифр"));
    assert!(page.contains("Контрольное число СНИЛС"));
    assert!(page.contains(r#"value="Петров""#));

    let ok = post(
        &app,
        "/recover/request",
        &[
            ("surname", "Петров"),
            ("given_name", "Пётр"),
            ("birth_date", "15.04.1990"),
            ("passport_series", "45 06"),
            ("passport_number", "123456"),
            ("snils", "112-233-445 95"),
            ("contact", "petrov@example.ru"),
        ],
    )
    .await;
    assert_eq!(ok.status(), 200);
    assert!(ok.text().await.expect("body").contains("Заявка принята"));
    let requests = store::recovery::list(&app.state.db, 10)
        .await
        .expect("list");
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].passport, "4506 123456");
    assert_eq!(requests[0].birth_date, "1990-04-15");

    // Operators see it; citizens may not open the operators' pages.
    server::demo::seed(&app.state).await.expect("demo");
    let citizen = client();
    let operator = app.with_client(client());
    let html = operator.get_text("/login").await.1;
    let r = operator
        .post_form(
            "/login",
            &[
                ("_csrf", &csrf_token(&html)),
                ("login", "operator@demo.kabinet.test"),
                ("password", "Demo-Operator-2026"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (status, page) = operator.get_text("/operator/recovery").await;
    assert_eq!(status, 200);
    assert!(page.contains("Петров Пётр"));
    let as_citizen = app.with_client(citizen);
    let html = as_citizen.get_text("/login").await.1;
    as_citizen
        .post_form(
            "/login",
            &[
                ("_csrf", &csrf_token(&html)),
                ("login", "citizen@demo.kabinet.test"),
                ("password", "Demo-Citizen-2026"),
            ],
        )
        .await;
    for path in [
        "/operator",
        "/operator/outbox",
        "/operator/locks",
        "/operator/recovery",
        "/operator/jobs",
    ] {
        assert_eq!(as_citizen.get(path).await.status(), 403, "{path}");
    }
}

#[tokio::test]
async fn operators_read_the_sandbox_outbox_and_lift_locks() {
    let app = TestApp::spawn().await;
    registered_citizen(&app, "+79120000013", "lock@example.ru").await;
    server::demo::seed(&app.state).await.expect("demo");
    let stranger = app.with_client(client());
    for _ in 0..5 {
        let html = stranger.get_text("/login").await.1;
        stranger
            .post_form(
                "/login",
                &[
                    ("_csrf", &csrf_token(&html)),
                    ("login", "+79120000013"),
                    ("password", "Wrong-Pass-1"),
                ],
            )
            .await;
    }
    let operator = app.with_client(client());
    let html = operator.get_text("/login").await.1;
    operator
        .post_form(
            "/login",
            &[
                ("_csrf", &csrf_token(&html)),
                ("login", "+7 900 000-00-03"),
                ("password", "Demo-Operator-2026"),
            ],
        )
        .await;
    let (status, outbox) = operator
        .get_text("/operator/outbox?to=8%20912%20000%2000%2013")
        .await;
    assert_eq!(status, 200);
    assert!(outbox.contains("ПЕСОЧНИЦА"), "labelled as a sandbox");
    assert!(
        outbox.contains("код подтверждения"),
        "the registration SMS is listed"
    );
    assert!(
        !outbox.contains("+79000000001"),
        "filtered to one recipient"
    );

    let (_, locks) = operator.get_text("/operator/locks").await;
    assert!(locks.contains("Петрова Анна"), "{locks}");
    let start = locks.find("/operator/locks/").expect("unlock form");
    let action: String = locks[start..].chars().take_while(|c| *c != '"').collect();
    let unlocked = operator
        .post_form(&action, &[("_csrf", &csrf_token(&locks))])
        .await;
    assert_eq!(unlocked.status(), 303);
    let html = stranger.get_text("/login").await.1;
    let ok = stranger
        .post_form(
            "/login",
            &[
                ("_csrf", &csrf_token(&html)),
                ("login", "+79120000013"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(ok.status(), 303, "unlocked by the operator");
}
