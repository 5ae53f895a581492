//! Session machinery: a session in the database opens pages for its user until it is idle for
//! longer than allowed or outlives its absolute lifetime; then the cookie is cleared.

use jiff::SignedDuration;
use store::sessions::{self, NewSession};

use crate::harness::{TestApp, client, csrf_token};

/// Signs the demo citizen in directly in the store (sign-in pages come with the accounts issue).
async fn session_for_demo_citizen(app: &TestApp) -> String {
    server::demo::seed(&app.state).await.expect("demo accounts");
    let mut conn = app.state.db.pool().acquire().await.expect("connection");
    let user_id = store::users::id_by_login(&mut conn, "citizen@demo.kabinet.test")
        .await
        .expect("query")
        .expect("demo citizen exists");
    let token = server::keys::random_token();
    let hash = server::keys::token_hash(&token);
    sessions::create(
        &mut conn,
        &NewSession {
            token_hash: &hash,
            user_id: &user_id,
            idle_timeout: SignedDuration::from_mins(10),
            absolute_lifetime: SignedDuration::from_hours(12),
            ip: Some("127.0.0.1"),
            user_agent: Some("test"),
        },
        app.state.now(),
    )
    .await
    .expect("session stored");
    token
}

async fn page_as(app: &TestApp, token: &str) -> (String, Option<String>) {
    let response = app
        .client
        .get(app.url("/"))
        .header("cookie", format!("kb_session={token}"))
        .send()
        .await
        .expect("answered");
    let cleared = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("kb_session="))
        .map(str::to_owned);
    (response.text().await.expect("body"), cleared)
}

#[tokio::test]
async fn a_session_ends_after_the_idle_timeout() {
    let app = TestApp::spawn().await;
    let token = session_for_demo_citizen(&app).await;

    let (html, cleared) = page_as(&app, &token).await;
    assert!(html.contains("Иванова М. П."), "signed in: {html}");
    assert!(cleared.is_none());

    // Activity keeps it alive: 9 minutes, a request, 9 more minutes.
    app.clock.advance(SignedDuration::from_mins(9));
    assert!(page_as(&app, &token).await.0.contains("Иванова М. П."));
    app.clock.advance(SignedDuration::from_mins(9));
    assert!(page_as(&app, &token).await.0.contains("Иванова М. П."));

    app.clock.advance(SignedDuration::from_mins(11));
    let (html, cleared) = page_as(&app, &token).await;
    assert!(
        !html.contains("Иванова М. П."),
        "idle session no longer opens pages"
    );
    assert!(cleared.expect("cookie cleared").contains("Max-Age=0"));
    // And it is gone from the database, not only hidden.
    let again = page_as(&app, &token).await.0;
    assert!(!again.contains("Иванова М. П."));
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_lifetime_despite_activity() {
    let app = TestApp::spawn().await;
    let token = session_for_demo_citizen(&app).await;
    for _ in 0..((12 * 60) / 9) {
        app.clock.advance(SignedDuration::from_mins(9));
        page_as(&app, &token).await;
    }
    app.clock.advance(SignedDuration::from_mins(9));
    let (html, _) = page_as(&app, &token).await;
    assert!(!html.contains("Иванова М. П."));
}

#[tokio::test]
async fn an_unknown_session_cookie_is_cleared() {
    let app = TestApp::spawn().await;
    let (html, cleared) = page_as(&app, "forged-token").await;
    assert!(html.contains("<html"));
    assert!(cleared.expect("cleared").contains("Max-Age=0"));
}

async fn signed_in_copy(app: &TestApp, phone: &str) -> TestApp {
    let other = app.with_client(client());
    let html = other.get_text("/login").await.1;
    let r = other
        .post_form(
            "/login",
            &[
                ("_csrf", &csrf_token(&html)),
                ("login", phone),
                ("password", crate::harness::PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    other
}

#[tokio::test]
async fn devices_are_listed_one_or_all_others_can_be_ended_and_the_inactivity_limit_applies() {
    let app = TestApp::spawn().await;
    let phone = "+79120000801";
    crate::harness::registered_citizen(&app, phone, "devices@example.ru").await;
    let laptop = signed_in_copy(&app, phone).await;
    let tablet = signed_in_copy(&app, phone).await;
    let (status, html) = app.get_text("/profile/sessions").await;
    assert_eq!(status, 200);
    assert_eq!(html.matches("это устройство").count(), 1);
    let ends: Vec<&str> = html.matches("/end\"><input").collect();
    assert_eq!(ends.len(), 2, "the two other sessions can be ended");
    let start = html.find("action=\"/profile/sessions/").expect("a form") + "action=\"".len();
    let first_end = &html[start..start + html[start..].find('"').expect("end")];
    let token = csrf_token(&html);
    let r = app.post_form(first_end, &[("_csrf", &token)]).await;
    assert_eq!(r.status(), 303);
    let still = [
        laptop.get("/profile").await.status().as_u16(),
        tablet.get("/profile").await.status().as_u16(),
    ];
    assert_eq!(
        still.iter().filter(|s| **s == 200).count(),
        1,
        "exactly one ended: {still:?}"
    );

    // Someone else cannot end this session.
    let own_id: String = sqlx::query_scalar(
        "SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.phone = $1 \
         ORDER BY s.created_at LIMIT 1",
    )
    .bind(phone)
    .fetch_one(app.state.db.pool())
    .await
    .expect("session");
    let stranger = app.with_client(client());
    crate::harness::registered_citizen(&stranger, "+79120000802", "stranger@example.ru").await;
    let (_, theirs) = stranger.get_text("/profile/sessions").await;
    let r = stranger
        .post_form(
            &format!("/profile/sessions/{own_id}/end"),
            &[("_csrf", &csrf_token(&theirs))],
        )
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(app.get("/profile").await.status(), 200);

    // End all the others: only this one stays.
    let r = app
        .post_form("/profile/sessions/others/end", &[("_csrf", &token)])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(laptop.get("/profile").await.status(), 303);
    assert_eq!(tablet.get("/profile").await.status(), 303);
    assert_eq!(app.get("/profile").await.status(), 200);

    // The inactivity limit: only the offered choices; 5 minutes then applies at once.
    let r = app
        .post_form(
            "/profile/sessions/timeout",
            &[("_csrf", &token), ("minutes", "7")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post_form(
            "/profile/sessions/timeout",
            &[("_csrf", &token), ("minutes", "5")],
        )
        .await;
    assert_eq!(r.status(), 303);
    app.clock.advance(jiff::SignedDuration::from_mins(4));
    assert_eq!(
        app.get("/profile").await.status(),
        200,
        "4 minutes: still in"
    );
    app.clock.advance(jiff::SignedDuration::from_mins(6));
    assert_eq!(
        app.get("/profile").await.status(),
        303,
        "signed out after 5 idle minutes"
    );
    // A new sign-in gets the chosen limit too.
    let again = signed_in_copy(&app, phone).await;
    app.clock.advance(jiff::SignedDuration::from_mins(6));
    assert_eq!(again.get("/profile").await.status(), 303);
}
