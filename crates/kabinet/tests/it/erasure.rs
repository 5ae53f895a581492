//! Withdrawing consent and deleting the account (152-FZ): the request ends every session and
//! key, the grace period lets the person cancel, and after it the erase job leaves no row and no
//! file of theirs — only the audit tombstone, with the chain still whole.

use jiff::SignedDuration;
use reqwest::Method as M;
use server::features::profile::deletion;

use crate::harness::{Api, api_token, citizen_born, scan_pdf};
use crate::harness::{PASSWORD, sms_where};
use crate::harness::{TestApp, client, csrf_token};

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

/// Signs in with the password in a new browser.
async fn signed_in(app: &TestApp, login: &str) -> TestApp {
    let browser = app.with_client(client());
    let response = post(
        &browser,
        "/login",
        "/login",
        &[("login", login), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(response.status(), 303);
    browser
}

async fn ask_for_deletion(browser: &TestApp) {
    let (status, html) = browser.get_text("/profile/delete").await;
    assert_eq!(status, 200);
    assert!(html.contains("30 дней"), "the grace period is explained");
    let refused = post(browser, "/profile/delete", "/profile/delete", &[]).await;
    assert_eq!(refused.status(), 422, "the box must be ticked");
    let html = refused.text().await.expect("body");
    assert!(html.contains("error-summary") && html.contains("без возможности восстановления"));

    let asked = post(
        browser,
        "/profile/delete",
        "/profile/delete",
        &[("understood", "yes")],
    )
    .await;
    assert_eq!(asked.status(), 303);
    assert_eq!(asked.headers()["location"], "/login?deletion=scheduled");
}

async fn active_consents(app: &TestApp, user_id: &str) -> usize {
    store::consents::for_user(&app.state.db, user_id)
        .await
        .expect("consents")
        .iter()
        .filter(|c| c.withdrawn_at.is_none())
        .count()
}

#[tokio::test]
async fn deletion_waits_thirty_days_can_be_cancelled_then_erases_everything_but_the_tombstone() {
    let app = TestApp::spawn().await;
    let api = citizen_born(&app, "+79120000071", "leaving@example.ru", "1985-03-02").await;
    let (_, profile) = api.send(M::GET, "/api/v1/profile", None).await;
    let user_id = profile["id"].as_str().expect("id").to_owned();
    // A deadline, so that reminders are planned (and queued) for the person.
    let in_200_days = (app
        .state
        .now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
        + jiff::ToSpan::days(200))
    .to_string();
    let (status, doc) = api
        .send(
            M::POST,
            "/api/v1/documents",
            Some(serde_json::json!({
                "kind": "other", "title": "Договор", "tags": ["дом"], "expires_on": in_200_days
            })),
        )
        .await;
    assert_eq!(status, 201, "{doc}");
    let doc_id = doc["id"].as_str().expect("id").to_owned();
    let (status, _) = api
        .upload(
            &format!("/api/v1/documents/{doc_id}/files"),
            "dogovor.pdf",
            scan_pdf("договор", 10),
        )
        .await;
    assert_eq!(status, 201);
    // Someone else, who must keep everything.
    let other = app.with_client(client());
    let other_api = citizen_born(&other, "+79120000072", "staying@example.ru", "1990-01-01").await;
    let (status, _) = other_api
        .send(
            M::POST,
            "/api/v1/documents",
            Some(serde_json::json!({ "kind": "other", "title": "Полис" })),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(active_consents(&app, &user_id).await, 2);
    let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reminder_queue WHERE user_id = $1")
        .bind(&user_id)
        .fetch_one(app.state.db.pool())
        .await
        .expect("count");
    assert_eq!(queued, 5, "90, 30, 7, 1 days before and the day itself");

    // The request: signed out everywhere, keys revoked, consents withdrawn, told by SMS.
    ask_for_deletion(&app).await;
    let (status, _) = api.send(M::GET, "/api/v1/profile", None).await;
    assert_eq!(status, 401, "API keys end with the request");
    let (status, _) = app.get_text("/profile").await;
    assert_ne!(status, 200, "the session ended");
    assert_eq!(active_consents(&app, &user_id).await, 0);
    sms_where(&app, "+79120000071", |b| b.contains("будет удалена")).await;

    // Signing in within the grace period shows it on every page and lets the person cancel.
    let browser = signed_in(&app, "+79120000071").await;
    let (_, html) = browser.get_text("/documents").await;
    assert!(
        html.contains("Отменить удаление"),
        "the banner is on every page"
    );
    let (_, html) = browser.get_text("/profile/delete").await;
    assert!(html.contains("/profile/delete/cancel"));
    let kept = post(&browser, "/profile/delete", "/profile/delete/cancel", &[]).await;
    assert_eq!(kept.headers()["location"], "/profile?deletion_cancelled=1");
    assert_eq!(
        active_consents(&app, &user_id).await,
        2,
        "consents apply again"
    );
    let (_, html) = browser.get_text("/documents").await;
    assert!(!html.contains("Отменить удаление"));

    // Asked again; nothing happens on day 29, everything goes on day 31.
    ask_for_deletion(&browser).await;
    app.clock.advance(SignedDuration::from_hours(24 * 29));
    assert_eq!(deletion::erase_due(&app.state).await.expect("erase"), 0);
    assert!(
        store::users::summary(&app.state.db, &user_id)
            .await
            .expect("user")
            .is_some()
    );
    app.clock.advance(SignedDuration::from_hours(24 * 2));
    assert_eq!(deletion::erase_due(&app.state).await.expect("erase"), 1);

    assert!(
        store::users::summary(&app.state.db, &user_id)
            .await
            .expect("user")
            .is_none()
    );
    assert!(
        app.state.vault.list().await.expect("objects").is_empty(),
        "the files are gone from the object store"
    );
    let db = app.state.db.pool();
    for (table, column, value) in [
        ("documents", "owner_id", user_id.as_str()),
        ("document_files", "owner_id", user_id.as_str()),
        ("document_tags", "owner_id", user_id.as_str()),
        ("notifications", "user_id", user_id.as_str()),
        ("reminders", "user_id", user_id.as_str()),
        ("reminder_queue", "user_id", user_id.as_str()),
        ("deliveries", "user_id", user_id.as_str()),
        ("consents", "user_id", user_id.as_str()),
        ("login_events", "user_id", user_id.as_str()),
        ("registrations", "phone", "+79120000071"),
        ("outbox", "recipient", "+79120000071"),
        ("outbox", "recipient", "leaving@example.ru"),
        ("verification_codes", "destination", "+79120000071"),
    ] {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE {column} = $1");
        let left: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(value)
            .fetch_one(db)
            .await
            .expect("count");
        assert_eq!(left, 0, "{table} still names the person");
    }
    if app.state.db.dialect() == store::Dialect::Sqlite {
        // The search index: neither the person's terms nor their document's row are left.
        for query in [
            store::search::sqlite_owner_query(&user_id),
            store::search::sqlite_document_query(&doc_id),
        ] {
            let left: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM documents_search WHERE documents_search MATCH $1",
            )
            .bind(&query)
            .fetch_one(db)
            .await
            .expect("count");
            assert_eq!(left, 0, "the search index still has {query}");
        }
    }
    let records = store::audit::for_subject(&app.state.db, &user_id, 100)
        .await
        .expect("audit");
    let tombstone = records
        .iter()
        .find(|r| r.action == "account.erased")
        .expect("a tombstone");
    assert_eq!(tombstone.actor_kind, "system");
    let (_, broken) = store::audit::verify(&app.state.db).await.expect("verify");
    assert!(broken.is_none(), "the chain stays whole");

    // The account cannot be signed in to; the other person still has theirs.
    let refused = post(
        &app.with_client(client()),
        "/login",
        "/login",
        &[("login", "+79120000071"), ("password", PASSWORD)],
    )
    .await;
    assert_ne!(refused.status(), 303);
    let other_api = Api {
        app: &app,
        token: api_token(&app, "+79120000072").await,
    };
    let (status, list) = other_api.send(M::GET, "/api/v1/documents", None).await;
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
}

#[tokio::test]
async fn an_app_asks_for_deletion_with_the_password_and_cancels_after_signing_in_again() {
    let app = TestApp::spawn().await;
    let api = citizen_born(&app, "+79120000073", "app-leaving@example.ru", "1986-04-04").await;
    let (status, state) = api.send(M::GET, "/api/v1/profile/deletion", None).await;
    assert_eq!(status, 200);
    assert_eq!(state["requested"], false);

    let (status, refused) = api
        .send(
            M::POST,
            "/api/v1/profile/deletion",
            Some(serde_json::json!({ "password": PASSWORD })),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(
        refused["error"]["fields"][0]["field"], "understood",
        "{refused}"
    );
    let (status, refused) = api
        .send(
            M::POST,
            "/api/v1/profile/deletion",
            Some(serde_json::json!({ "password": "not-the-password", "understood": true })),
        )
        .await;
    assert_eq!(status, 401, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Неверный пароль")),
        "{refused}"
    );
    let (_, state) = api.send(M::GET, "/api/v1/profile/deletion", None).await;
    assert_eq!(
        state["requested"], false,
        "a wrong password changes nothing"
    );

    let (status, asked) = api
        .send(
            M::POST,
            "/api/v1/profile/deletion",
            Some(serde_json::json!({ "password": PASSWORD, "understood": true })),
        )
        .await;
    assert_eq!(status, 202, "{asked}");
    let due: jiff::Timestamp = asked["due"]
        .as_str()
        .expect("due")
        .parse()
        .expect("instant");
    assert_eq!(
        due.duration_since(app.state.now()).as_hours(),
        24 * deletion::GRACE_DAYS
    );
    let (status, _) = api.send(M::GET, "/api/v1/profile", None).await;
    assert_eq!(status, 401, "every key ended, this one too");

    // Signing in again and cancelling keeps the account.
    let again = Api {
        app: &app,
        token: api_token(&app, "+79120000073").await,
    };
    let (_, state) = again.send(M::GET, "/api/v1/profile/deletion", None).await;
    assert_eq!(state["requested"], true);
    assert_eq!(state["due"], asked["due"]);
    // Asking again keeps the date and ends the new key too.
    let (status, repeated) = again
        .send(
            M::POST,
            "/api/v1/profile/deletion",
            Some(serde_json::json!({ "password": PASSWORD, "understood": true })),
        )
        .await;
    assert_eq!(status, 202, "{repeated}");
    assert_eq!(repeated["due"], asked["due"]);
    let (status, _) = again.send(M::GET, "/api/v1/profile", None).await;
    assert_eq!(status, 401);
    let again = Api {
        app: &app,
        token: api_token(&app, "+79120000073").await,
    };
    let (status, _) = again
        .send(M::DELETE, "/api/v1/profile/deletion", None)
        .await;
    assert_eq!(status, 204);
    let (_, state) = again.send(M::GET, "/api/v1/profile/deletion", None).await;
    assert_eq!(state["requested"], false);
    let (status, _) = again
        .send(M::DELETE, "/api/v1/profile/deletion", None)
        .await;
    assert_eq!(status, 404, "nothing left to cancel");

    let (_, profile) = again.send(M::GET, "/api/v1/profile", None).await;
    let user_id = profile["id"].as_str().expect("id");
    let actions: Vec<String> = store::audit::for_subject(&app.state.db, user_id, 100)
        .await
        .expect("audit")
        .into_iter()
        .map(|r| r.action)
        .collect();
    for action in [
        "api_token.confirmation_failed",
        "api_token.confirmed",
        "account.deletion_requested",
        "account.deletion_cancelled",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

#[tokio::test]
async fn guessing_the_password_through_a_key_locks_the_account_as_at_sign_in() {
    let app = TestApp::spawn().await;
    let api = citizen_born(&app, "+79120000074", "guessed@example.ru", "1986-05-05").await;
    let ask = |password: &'static str| {
        let api = Api {
            app: &app,
            token: api.token.clone(),
        };
        async move {
            api.send(
                M::POST,
                "/api/v1/profile/deletion",
                Some(serde_json::json!({ "password": password, "understood": true })),
            )
            .await
            .0
        }
    };
    for _ in 0..server::features::accounts::service::FAILURES_BEFORE_LOCK {
        assert_eq!(ask("guess").await, 401);
    }
    assert_eq!(
        ask(PASSWORD).await,
        401,
        "locked: the right password is refused too"
    );
    let (_, state) = api.send(M::GET, "/api/v1/profile/deletion", None).await;
    assert_eq!(state["requested"], false);
    let login = client()
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({ "login": "+79120000074", "password": PASSWORD }))
        .send()
        .await
        .expect("answered");
    assert_eq!(login.status(), 401, "signing in is locked as well");
    let told = sms_where(&app, "+79120000074", |b| b.contains("заблокирован")).await;
    assert!(
        told.contains("заблокирован"),
        "the person is told by SMS: {told}"
    );
}
