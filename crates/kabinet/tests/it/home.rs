//! The signed-in home: sign-in lands there; it lists what needs attention now (each document
//! that is expired, to be replaced or expiring, with its action; unread messages), the next
//! deadlines and quick actions; the search box under the header finds the person's documents.

use crate::harness::{TestApp, csrf_token};

async fn demo_citizen_signed_in(app: &TestApp) {
    server::features::accounts::provision::seed_demo(&app.state)
        .await
        .expect("demo");
    let (_, login) = app.get_text("/login").await;
    let r = app
        .post_form(
            "/login",
            &[
                ("_csrf", &csrf_token(&login)),
                ("login", "citizen@demo.kabinet.test"),
                ("password", "Demo-Citizen-2026"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/", "sign-in lands on the home");
}

#[tokio::test]
async fn the_home_says_what_needs_attention_with_its_action_and_the_next_deadlines() {
    let app = TestApp::spawn().await;
    demo_citizen_signed_in(&app).await;
    let (status, home) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(home.contains("Здравствуйте,"), "{home}");
    let attention = home
        .split("id=\"attention-heading\"")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .expect("the attention section");
    // The demo's expired OSAGO comes first, then the passport to replace, then the licence.
    let expired = attention
        .find("Истёк срок: Полис ОСАГО")
        .expect("expired OSAGO");
    let passport = attention
        .find("Пора заменить: Паспорт")
        .expect("the passport");
    let licence = attention
        .find("Скоро истекает: Водительское")
        .expect("the licence");
    assert!(expired < licence && passport < licence, "{attention}");
    assert!(
        attention.contains("/renew\">Продлить"),
        "each with its action"
    );

    let upcoming = home
        .split("id=\"upcoming-heading\"")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .expect("the next deadlines");
    assert!(upcoming.contains("Водительское"), "{upcoming}");
    assert!(
        !upcoming.contains("ОСАГО"),
        "a passed deadline is not ahead"
    );
    assert!(home.contains("href=\"/documents/new\""), "quick actions");

    // The search under the header finds the person's documents.
    assert!(home.contains("role=\"search\""));
    let (status, found) = app.get_text("/documents?q=паспорта").await;
    assert_eq!(status, 200);
    assert!(found.contains("Паспорт"), "{found}");
}

#[tokio::test]
async fn a_person_with_nothing_due_is_told_so_and_the_public_home_is_unchanged() {
    let app = TestApp::spawn().await;
    let (_, public) = app.get_text("/").await;
    assert!(public.contains("Что есть в кабинете"));
    assert!(!public.contains("role=\"search\""));
    crate::accounts::registered_citizen(&app, "+79120000931", "calm@example.ru").await;
    // An unread message is an item of its own.
    let user_id: String = sqlx::query_scalar("SELECT id FROM users WHERE phone = '+79120000931'")
        .fetch_one(app.state.db.pool())
        .await
        .expect("user");
    let profile = store::users::profile(&app.state.db, &user_id)
        .await
        .expect("profile")
        .expect("exists");
    let mut tx = app.state.db.begin().await.expect("tx");
    let message = server::features::notifications::service::Message {
        category: domain::notifications::Category::System,
        title_ru: "Плановые работы".into(),
        title_en: "Planned work".into(),
        body_ru: "Ночью кабинет будет недоступен час.".into(),
        body_en: "The cabinet will be down for an hour at night.".into(),
        link: None,
        list: None,
    };
    server::features::notifications::service::notify(
        &mut tx,
        &app.state,
        &profile,
        &message,
        "home-test",
        app.state.now(),
    )
    .await
    .expect("notified");
    tx.commit().await.expect("commit");
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("непрочитанн"), "{home}");
    assert!(home.contains("href=\"/notifications\">Открыть сообщения"));
    // Read the welcome notices so that nothing is unread.
    sqlx::query("UPDATE notifications SET read_at = created_at")
        .execute(app.state.db.pool())
        .await
        .expect("read");
    let (_, home) = app.get_text("/").await;
    assert!(
        home.contains("Сейчас ничего не требует вашего внимания"),
        "{home}"
    );
    assert!(home.contains("Сроков впереди нет"));
}
