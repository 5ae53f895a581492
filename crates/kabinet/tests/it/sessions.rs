//! Session machinery: a session in the database opens pages for its user until it is idle for
//! longer than allowed or outlives its absolute lifetime; then the cookie is cleared.

use jiff::SignedDuration;
use server::features::accounts::provision;
use store::sessions::{self, NewSession};

use crate::harness::TestApp;

/// Signs the demo citizen in directly in the store (sign-in pages come with the accounts issue).
async fn session_for_demo_citizen(app: &TestApp) -> String {
    provision::seed_demo(&app.state)
        .await
        .expect("demo accounts");
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
