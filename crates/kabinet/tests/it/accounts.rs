//! Accounts end to end: registration with the SMS code (sandbox outbox) and the e-mail link (a
//! real SMTP server), sign-in and sign-out, lockout, and the same through the JSON API.

use jiff::SignedDuration;
use store::outbox;

use crate::harness::PASSWORD;
use crate::harness::app_with_smtp;
use crate::harness::latest_sms;
use crate::harness::registered_citizen;
use crate::harness::registration;
use crate::harness::six_digits;
use crate::harness::sms_where;
use crate::harness::start_registration;
use crate::harness::{Options, TestApp, client, csrf_token, eventually};

#[tokio::test]
async fn a_citizen_registers_confirms_phone_and_email_and_signs_in_and_out() {
    let (app, smtp) = app_with_smtp().await;
    let confirm = start_registration(&app, "8 (912) 345-67-89", " Anna.Petrova@Example.RU ").await;
    assert!(confirm.starts_with("/register/"));

    let (status, html) = app.get_text(&confirm).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("+7 912 ***-**-89"),
        "masked phone shown: {html}"
    );
    assert!(html.contains("Песочница"), "the sandbox is labelled");

    let sms = latest_sms(&app, "+79123456789").await;
    let code = six_digits(&sms);
    let token = csrf_token(&html);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = app
        .post_form(&confirm, &[("_csrf", &token), ("code", wrong)])
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.expect("body").contains("Неверный код"));

    let accepted = app
        .post_form(&confirm, &[("_csrf", &token), ("code", &code)])
        .await;
    assert_eq!(accepted.status(), 303);
    assert_eq!(accepted.headers()["location"], "/profile?welcome=1");
    let cookie = accepted.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        cookie.starts_with("kb_session=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
    );

    let (status, profile) = app.get_text("/profile?welcome=1").await;
    assert_eq!(status, 200);
    assert!(profile.contains("Петрова Анна Сергеевна"));
    assert!(
        profile.contains("Упрощённая"),
        "starts at the simplified level"
    );
    assert!(
        profile.contains("anna.petrova@example.ru"),
        "e-mail trimmed and lower-cased"
    );
    assert!(
        profile.contains(
            "Пользовательское соглашение — <a href=\"/legal/terms/2026-11\">редакция 2026-11</a>"
        ),
        "consent readable: {profile}"
    );

    // The e-mail confirmation arrives at a real SMTP server.
    eventually("the confirmation letter arrives", || async {
        !smtp.messages_to("anna.petrova@example.ru").is_empty()
    })
    .await;
    let received = smtp.messages_to("anna.petrova@example.ru").remove(0);
    assert_eq!(received.from, "no-reply@kabinet.localhost");
    let letter = received.decoded();
    assert!(
        letter.contains("multipart/alternative"),
        "HTML and text parts"
    );
    let start = letter
        .find("/confirm-email?token=")
        .expect("link in the letter");
    let link: String = letter[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '<' && *c != '"')
        .collect();
    let (status, page) = app.get_text(&link).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("подтверждён"));
    let (_, profile) = app.get_text("/profile").await;
    assert!(
        !profile.contains("не подтверждён"),
        "both contacts confirmed"
    );
    let (status, _) = app.get_text(&link).await;
    assert_eq!(status, 410, "the link works once");

    // Sign out, and the profile asks for sign-in again.
    let token = csrf_token(&profile);
    let out = app.post_form("/logout", &[("_csrf", &token)]).await;
    assert_eq!(out.status(), 303);
    let after = app.get("/profile").await;
    assert_eq!(after.status(), 303);
    assert_eq!(after.headers()["location"], "/login?next=%2Fprofile");

    // Sign in again by phone typed another way, and by e-mail.
    for login in ["+7 912 345 67 89", "ANNA.PETROVA@example.ru"] {
        let (_, html) = app.get_text("/login").await;
        let response = app
            .post_form(
                "/login",
                &[
                    ("_csrf", &csrf_token(&html)),
                    ("login", login),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(response.status(), 303, "{login}");
        assert_eq!(
            response.headers()["location"],
            "/",
            "sign-in lands on the home"
        );
        let (_, profile) = app.get_text("/profile").await;
        assert!(profile.contains("Петрова"));
        let out = app
            .post_form("/logout", &[("_csrf", &csrf_token(&profile))])
            .await;
        assert_eq!(out.status(), 303);
    }

    let history = store::logins::for_user(
        &app.state.db,
        &store::users::id_by_login(
            &mut app.state.db.pool().acquire().await.expect("conn"),
            "+79123456789",
        )
        .await
        .expect("query")
        .expect("user"),
        10,
    )
    .await
    .expect("history");
    assert_eq!(history.iter().filter(|e| e.result == "success").count(), 3);
}

/// The error summary of an empty form reads on its own: each line names its field and the fix,
/// and the page's title starts with «Ошибка: » (what a screen reader says first).
#[tokio::test]
async fn an_empty_form_names_each_missing_field_and_says_so_in_its_title() {
    let app = TestApp::spawn().await;
    let (_, html) = app.get_text("/register").await;
    assert!(!html.contains("<title>Ошибка"), "no error before sending");
    let token = csrf_token(&html);
    let response = app.post_form("/register", &[("_csrf", &token)]).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("body");
    assert!(page.contains("<title>Ошибка: "), "{page}");
    let summary = page
        .split("class=\"error-summary\"")
        .nth(1)
        .and_then(|s| s.split("</div>").next())
        .expect("an error summary");
    for (field, words) in [
        ("surname", "Введите фамилию"),
        ("given_name", "Введите имя"),
        ("phone", "Введите номер мобильного телефона"),
        ("email", "Введите адрес электронной почты"),
        ("password", "Введите пароль"),
    ] {
        assert!(
            summary.contains(&format!("href=\"#{field}\">{words}")),
            "{field}: {summary}"
        );
    }
    assert!(!summary.contains("Заполните поле"), "{summary}");
}

/// A date in the right shape that does not exist is called so, not a wrong format.
#[tokio::test]
async fn a_date_that_does_not_exist_is_named_as_such() {
    let app = TestApp::spawn().await;
    let api =
        crate::harness::citizen_born(&app, "+79120000778", "date@example.test", "1990-01-01").await;
    let (status, body) = api
        .send(
            reqwest::Method::PATCH,
            "/api/v1/profile",
            Some(serde_json::json!({ "birth_date": "31.02.1990" })),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"][0]["field"], "birth_date", "{body}");
    assert_eq!(
        body["error"]["fields"][0]["message"], "Такой даты нет: проверьте день и месяц",
        "{body}"
    );
}

#[tokio::test]
async fn the_form_says_which_rule_failed_and_keeps_what_was_typed() {
    let app = TestApp::spawn().await;
    let (_, html) = app.get_text("/register").await;
    let token = csrf_token(&html);
    let response = app
        .post_form(
            "/register",
            &[
                ("_csrf", &token),
                ("surname", "Петрова"),
                ("given_name", "Анна7"),
                ("phone", "8 495 123-45-67"),
                ("email", "anna petrova@mail"),
                ("password", "kabinet1"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("body");
    assert!(page.contains("error-summary"));
    assert!(
        page.contains(r##"href="#given_name""##),
        "summary links to the field"
    );
    assert!(page.contains("Используйте буквы"));
    assert!(page.contains("Это не мобильный номер"));
    assert!(page.contains("Введите адрес электронной почты"));
    assert!(page.contains("Добавьте заглавную букву"));
    assert!(page.contains("Добавьте спецсимвол"));
    assert!(page.contains("примите пользовательское соглашение"));
    assert!(page.contains(r#"value="Петрова""#), "typed values are kept");
    assert!(page.contains(r#"value="8 495 123-45-67""#));
    assert!(!page.contains("kabinet1"), "the password is not echoed");
    assert!(page.contains(r#"aria-invalid="true""#));

    let common = app
        .post_form(
            "/register",
            &[
                ("_csrf", &token),
                ("surname", "Петрова"),
                ("given_name", "Анна"),
                ("phone", "+79123456780"),
                ("email", "a@b.ru"),
                ("password", "P@ssw0rd1"),
                ("consent_terms", "yes"),
                ("consent_personal_data", "yes"),
            ],
        )
        .await;
    assert!(
        common
            .text()
            .await
            .expect("body")
            .contains("слишком распространён")
    );
    let personal = app
        .post_form(
            "/register",
            &[
                ("_csrf", &token),
                ("surname", "Петрова"),
                ("given_name", "Анна"),
                ("phone", "+79123456780"),
                ("email", "a@b.ru"),
                ("password", "X!9123456780x"),
                ("consent_terms", "yes"),
                ("consent_personal_data", "yes"),
            ],
        )
        .await;
    assert!(
        personal
            .text()
            .await
            .expect("body")
            .contains("не должен содержать ваш телефон")
    );
    let outbox = outbox::list(&app.state.db, None, 10).await.expect("outbox");
    assert!(outbox.is_empty(), "nothing is sent for an invalid form");
}

#[tokio::test]
async fn a_taken_phone_is_not_revealed_the_owner_is_told_and_no_code_confirms() {
    let app = TestApp::spawn().await;
    registered_citizen(&app, "+79120000001", "first@example.ru").await;
    let fresh = crate::harness::client();
    let (_, html) = {
        let r = fresh
            .get(app.url("/register"))
            .send()
            .await
            .expect("answered");
        (r.status(), r.text().await.expect("body"))
    };
    let token = csrf_token(&html);
    let response = fresh
        .post(app.url("/register"))
        .form(&registration("+79120000001", "second@example.ru", &token))
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 303, "same answer as for a new phone");
    let confirm = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();

    let sms = sms_where(&app, "+79120000001", |b| !b.contains("код подтверждения")).await;
    assert!(
        sms.contains("пытался зарегистрироваться"),
        "the owner is told: {sms}"
    );
    let html = fresh
        .get(app.url(&confirm))
        .send()
        .await
        .expect("answered")
        .text()
        .await
        .expect("body");
    for code in ["000000", "123456"] {
        let r = fresh
            .post(app.url(&confirm))
            .form(&[("_csrf", csrf_token(&html).as_str()), ("code", code)])
            .send()
            .await
            .expect("answered");
        assert_eq!(
            r.status(),
            422,
            "no code confirms a conflicting registration"
        );
    }
    assert_eq!(
        store::users::count_by_role(&app.state.db, domain::Role::Citizen)
            .await
            .expect("count"),
        1
    );
}

#[tokio::test]
async fn codes_expire_run_out_of_tries_and_resend_only_after_a_minute() {
    let app = TestApp::spawn().await;
    let confirm = start_registration(&app, "+79120000002", "codes@example.ru").await;
    let (_, html) = app.get_text(&confirm).await;
    let token = csrf_token(&html);

    let too_soon = app
        .post_form(&format!("{confirm}/resend"), &[("_csrf", &token)])
        .await;
    assert_eq!(too_soon.status(), 429);

    for _ in 0..4 {
        let r = app
            .post_form(&confirm, &[("_csrf", &token), ("code", "999999x")])
            .await;
        assert_eq!(r.status(), 422);
    }
    let fifth = app
        .post_form(&confirm, &[("_csrf", &token), ("code", "999999x")])
        .await;
    assert!(
        fifth
            .text()
            .await
            .expect("body")
            .contains("Слишком много неверных попыток")
    );
    let first_sms = latest_sms(&app, "+79120000002").await;
    let code = six_digits(&first_sms);
    let locked_out = app
        .post_form(&confirm, &[("_csrf", &token), ("code", &code)])
        .await;
    assert_eq!(
        locked_out.status(),
        422,
        "even the right code is refused after 5 tries"
    );

    app.clock.advance(SignedDuration::from_secs(61));
    let resent = app
        .post_form(&format!("{confirm}/resend"), &[("_csrf", &token)])
        .await;
    assert_eq!(resent.status(), 303);
    let (_, page) = app
        .get_text(resent.headers()["location"].to_str().expect("ascii"))
        .await;
    assert!(page.contains("Новый код отправлен"));
    let new_code = six_digits(&sms_where(&app, "+79120000002", |b| b != first_sms).await);

    app.clock.advance(SignedDuration::from_secs(301));
    let expired = app
        .post_form(&confirm, &[("_csrf", &token), ("code", &new_code)])
        .await;
    assert!(
        expired
            .text()
            .await
            .expect("body")
            .contains("Срок действия кода истёк")
    );
}

#[tokio::test]
async fn a_confirmation_submitted_twice_creates_one_account() {
    let app = TestApp::spawn().await;
    let confirm = start_registration(&app, "+79120000003", "twice@example.ru").await;
    let code = six_digits(&latest_sms(&app, "+79120000003").await);
    let (_, html) = app.get_text(&confirm).await;
    let token = csrf_token(&html);
    let form = [("_csrf", token.as_str()), ("code", code.as_str())];
    let (a, b) = tokio::join!(
        app.post_form(&confirm, &form),
        app.post_form(&confirm, &form)
    );
    let statuses = [a.status().as_u16(), b.status().as_u16()];
    assert!(statuses.contains(&303), "{statuses:?}");
    assert_eq!(
        store::users::count_by_role(&app.state.db, domain::Role::Citizen)
            .await
            .expect("count"),
        1
    );
}

#[tokio::test]
async fn wrong_passwords_lock_the_account_and_the_owner_is_told() {
    let (app, smtp) = app_with_smtp().await;
    registered_citizen(&app, "+79120000004", "locked@example.ru").await;
    let visitor = crate::harness::client();
    let attempt = |login: &'static str, password: &'static str| {
        let visitor = visitor.clone();
        let url = app.url("/login");
        async move {
            let html = visitor
                .get(&url)
                .send()
                .await
                .expect("answered")
                .text()
                .await
                .expect("body");
            let r = visitor
                .post(&url)
                .form(&[
                    ("_csrf", csrf_token(&html).as_str()),
                    ("login", login),
                    ("password", password),
                ])
                .send()
                .await
                .expect("answered");
            (r.status().as_u16(), r.text().await.expect("body"))
        }
    };
    let (status, unknown) = attempt("+79990000000", PASSWORD).await;
    assert_eq!(status, 422);
    let (_, wrong) = attempt("+79120000004", "Wrong-Password-1").await;
    let message = |page: &str| page.contains("Неверный логин или пароль");
    assert!(
        message(&unknown) && message(&wrong),
        "the same answer for unknown user and wrong password"
    );

    for _ in 0..4 {
        attempt("+79120000004", "Wrong-Password-1").await;
    }
    let (status, page) = attempt("+79120000004", PASSWORD).await;
    assert_eq!(status, 422, "locked: even the right password is refused");
    assert!(message(&page), "and the answer does not reveal the lock");
    let sms = sms_where(&app, "+79120000004", |b| b.contains("заблокирован")).await;
    assert!(sms.contains("до "), "{sms}");
    eventually("the lock letter arrives", || async {
        smtp.messages_to("locked@example.ru")
            .iter()
            .any(|m| m.decoded().contains("заблокирован"))
    })
    .await;

    app.clock.advance(SignedDuration::from_mins(16));
    let (status, _) = attempt("+79120000004", PASSWORD).await;
    assert_eq!(status, 303, "the lock ends");

    let user = store::users::id_by_login(
        &mut app.state.db.pool().acquire().await.expect("conn"),
        "+79120000004",
    )
    .await
    .expect("query")
    .expect("user");
    let history = store::logins::for_user(&app.state.db, &user, 20)
        .await
        .expect("history");
    assert!(history.iter().any(|e| e.result == "locked"));
    let page = visitor
        .get(app.url("/profile/logins"))
        .send()
        .await
        .expect("answered")
        .text()
        .await
        .expect("body");
    for shown in [
        "неверный пароль",
        "вход заблокирован",
        "успешно",
        "127.0.0.1",
    ] {
        assert!(page.contains(shown), "history shows {shown}: {page}");
    }
    assert_eq!(
        history
            .iter()
            .filter(|e| e.result == "wrong_password")
            .count(),
        5
    );
}

async fn sign_in(app: &TestApp, login: &str) -> String {
    let (_, html) = app.get_text("/login").await;
    let response = app
        .post_form(
            "/login",
            &[
                ("_csrf", &csrf_token(&html)),
                ("login", login),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("kb_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

#[tokio::test]
async fn the_session_id_changes_at_sign_in_and_the_old_one_dies() {
    let app = TestApp::spawn().await;
    registered_citizen(&app, "+79120000005", "rotate@example.ru").await;
    let first = sign_in(&app, "+79120000005").await;
    let second = sign_in(&app, "+79120000005").await;
    assert_ne!(first, second, "a new id at every sign-in");
    let stale = crate::harness::client()
        .get(app.url("/profile"))
        .header("cookie", format!("kb_session={first}"))
        .send()
        .await
        .expect("answered");
    assert_eq!(
        stale.status(),
        303,
        "the replaced session no longer opens pages"
    );
    let live = crate::harness::client()
        .get(app.url("/profile"))
        .header("cookie", format!("kb_session={second}"))
        .send()
        .await
        .expect("answered");
    assert_eq!(live.status(), 200);
}

#[tokio::test]
async fn the_api_registers_signs_in_and_manages_tokens() {
    let app = TestApp::spawn().await;
    let http = crate::harness::client();
    let started: serde_json::Value = http
        .post(app.url("/api/v1/auth/register"))
        .json(&serde_json::json!({
            "surname": "Орлов", "given_name": "Олег", "phone": "89120000006", "email": "oleg@example.ru",
            "password": PASSWORD, "consent_user_agreement": true, "consent_personal_data": true
        }))
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    let registration_id = started["registration_id"].as_str().expect("id").to_owned();
    assert_eq!(started["phone_masked"], "+7 912 ***-**-06");
    let code = six_digits(&latest_sms(&app, "+79120000006").await);
    let created = http
        .post(app.url("/api/v1/auth/confirm-phone"))
        .json(&serde_json::json!({ "registration_id": registration_id, "code": code, "device_name": "Pixel" }))
        .send()
        .await
        .expect("answered");
    assert_eq!(created.status(), 201);
    let created: serde_json::Value = created.json().await.expect("json");
    let token = created["token"].as_str().expect("token").to_owned();

    let tokens: serde_json::Value = http
        .get(app.url("/api/v1/auth/tokens"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    assert_eq!(tokens[0]["name"], "Pixel");
    assert_eq!(tokens[0]["current"], true);

    let login = http
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({ "login": "oleg@example.ru", "password": PASSWORD }))
        .send()
        .await
        .expect("answered");
    assert_eq!(login.status(), 200);
    let second: serde_json::Value = login.json().await.expect("json");
    let second_token = second["token"].as_str().expect("token").to_owned();

    let wrong = http
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({ "login": "oleg@example.ru", "password": "nope" }))
        .send()
        .await
        .expect("answered");
    assert_eq!(wrong.status(), 401);
    let body: serde_json::Value = wrong.json().await.expect("json");
    assert_eq!(body["error"]["code"], "login_failed");

    let unknown_field = http
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({ "login": "x", "password": "y", "admin": true }))
        .send()
        .await
        .expect("answered");
    assert_eq!(unknown_field.status(), 422);
    let body: serde_json::Value = unknown_field.json().await.expect("json");
    assert_eq!(body["error"]["fields"][0]["field"], "admin", "{body}");
    assert_eq!(
        body["error"]["fields"][0]["code"], "unknown_field",
        "{body}"
    );

    let logout = http
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("answered");
    assert_eq!(logout.status(), 204);
    let after = http
        .get(app.url("/api/v1/auth/tokens"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("answered");
    assert_eq!(after.status(), 401, "the revoked token no longer works");
    let still = http
        .get(app.url("/api/v1/auth/tokens"))
        .bearer_auth(&second_token)
        .send()
        .await
        .expect("answered");
    assert_eq!(still.status(), 200, "the other token still works");

    let invalid = http
        .post(app.url("/api/v1/auth/register"))
        .header("accept-language", "en")
        .json(&serde_json::json!({
            "surname": "", "given_name": "Олег", "phone": "12", "email": "oleg",
            "password": "short", "consent_user_agreement": false, "consent_personal_data": true
        }))
        .send()
        .await
        .expect("answered");
    assert_eq!(invalid.status(), 422);
    let body: serde_json::Value = invalid.json().await.expect("json");
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    for field in ["surname", "phone", "email", "password", "consent_terms"] {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }
    assert!(
        body["error"]["fields"][0]["message"]
            .as_str()
            .expect("text")
            .is_ascii(),
        "English on request"
    );
}

#[tokio::test]
async fn a_user_cannot_revoke_another_users_token() {
    let app = TestApp::spawn().await;
    let http = crate::harness::client();
    let mut tokens = Vec::new();
    for (phone, email) in [
        ("+79120000007", "a7@example.ru"),
        ("+79120000008", "a8@example.ru"),
    ] {
        registered_citizen(&app, phone, email).await;
        let issued: serde_json::Value = http
            .post(app.url("/api/v1/auth/login"))
            .json(&serde_json::json!({ "login": phone, "password": PASSWORD }))
            .send()
            .await
            .expect("answered")
            .json()
            .await
            .expect("json");
        tokens.push((
            issued["token"].as_str().expect("t").to_owned(),
            issued["token_id"].as_str().expect("id").to_owned(),
        ));
    }
    let (a_token, _) = &tokens[0];
    let (b_token, b_id) = &tokens[1];
    let attempt = http
        .delete(app.url(&format!("/api/v1/auth/tokens/{b_id}")))
        .bearer_auth(a_token)
        .send()
        .await
        .expect("answered");
    assert_eq!(attempt.status(), 404);
    let still = http
        .get(app.url("/api/v1/auth/tokens"))
        .bearer_auth(b_token)
        .send()
        .await
        .expect("answered");
    assert_eq!(still.status(), 200);
}

#[tokio::test]
async fn sign_in_attempts_from_one_address_are_rate_limited_with_retry_after() {
    let app = TestApp::spawn_with(Options {
        configure: Box::new(|c| c.limits.sign_in_per_minute = 5),
        ..Options::default()
    })
    .await;
    let body = serde_json::json!({ "login": "nobody@example.ru", "password": "Wrong-Pass-1" });
    for _ in 0..5 {
        let r = client()
            .post(app.url("/api/v1/auth/login"))
            .json(&body)
            .send()
            .await
            .expect("answered");
        assert_eq!(r.status(), 401);
    }
    let r = client()
        .post(app.url("/api/v1/auth/login"))
        .json(&body)
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&wait));
    let error: serde_json::Value = r.json().await.expect("json");
    assert_eq!(error["error"]["code"], "too_many_requests");
    // The sign-in page is the same door: refused too, with a page in Russian.
    let (_, html) = app.get_text("/login").await;
    let r = app
        .post_form(
            "/login",
            &[
                ("_csrf", &csrf_token(&html)),
                ("login", "x"),
                ("password", "y"),
            ],
        )
        .await;
    assert_eq!(r.status(), 429);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("Слишком много запросов")
    );
    // So is the second step, on the page and in the API.
    let r = app
        .post_form(
            "/login/second-factor",
            &[("_csrf", &csrf_token(&html)), ("code", "123456")],
        )
        .await;
    assert_eq!(r.status(), 429);
    let r = client()
        .post(app.url("/api/v1/auth/second-factor"))
        .json(&serde_json::json!({ "challenge": "x", "code": "123456" }))
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 429);
    // Reading pages is not limited.
    assert_eq!(app.get("/login").await.status(), 200);
}
