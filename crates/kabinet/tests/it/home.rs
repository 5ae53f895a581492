//! The signed-in home: sign-in lands there; it lists what needs attention now (each document
//! that is expired, to be replaced or expiring, with its action; unread messages), the next
//! deadlines and quick actions; the search box under the header finds the person's documents.

use crate::harness::{TestApp, csrf_token};

async fn demo_citizen_signed_in(app: &TestApp) {
    server::demo::seed(&app.state).await.expect("demo");
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

    // The registry's page is the same under every encoding (with gzip its kept main part is
    // compressed once and joined to the frame compressed per request).
    for _ in 0..2 {
        let page =
            crate::harness::bytes_under_every_encoding(|| app.client.get(app.url("/registry")))
                .await;
        let page = String::from_utf8(page).expect("UTF-8");
        assert!(
            page.contains("Водительское") && page.trim_end().ends_with("</html>"),
            "{page}"
        );
    }

    // The search under the header finds the person's documents.
    assert!(home.contains("role=\"search\""));
    let (status, found) = app.get_text("/documents?q=паспорта").await;
    assert_eq!(status, 200);
    assert!(found.contains("Паспорт"), "{found}");
    assert!(
        found.contains("id=\"site-search\" name=\"q\" type=\"search\" value=\"паспорта\""),
        "the header's box keeps the search"
    );
}

#[tokio::test]
async fn a_person_with_nothing_due_is_told_so_and_the_public_home_is_unchanged() {
    let app = TestApp::spawn().await;
    let (_, public) = app.get_text("/").await;
    assert!(public.contains("Что есть в кабинете"));
    assert!(!public.contains("role=\"search\""));
    crate::harness::registered_citizen(&app, "+79120000931", "calm@example.ru").await;
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

/// Pages below a section say where they are; operators find their pages (and the sandbox) in the
/// header; a page made without a form token (the 404) still switches language; a title left
/// empty reads in the page's language.
#[tokio::test]
async fn navigation_breadcrumbs_the_operators_menu_and_the_404_language_link() {
    let app = TestApp::spawn().await;
    demo_citizen_signed_in(&app).await;
    let (_, list) = app.get_text("/documents").await;
    let link = list
        .split("href=\"/documents/")
        .filter_map(|s| s.split('"').next())
        .find(|id| id.len() == 36)
        .map(|id| format!("/documents/{id}"))
        .expect("a document");
    let (_, page) = app.get_text(&link).await;
    let crumbs = page
        .split("aria-label=\"Вы здесь\"")
        .nth(1)
        .and_then(|s| s.split("</nav>").next())
        .expect("breadcrumbs");
    assert!(crumbs.contains("href=\"/\">Главная"));
    assert!(crumbs.contains("href=\"/documents\">Мои документы"));
    let (_, top) = app.get_text("/documents").await;
    assert!(
        !top.contains("aria-label=\"Вы здесь\""),
        "not on a section itself"
    );
    assert!(
        top.contains(">Профиль<span class=\"visually-hidden\">"),
        "«Профиль» by name"
    );

    // The 404 page's language link switches and comes back.
    let (status, missing) = app.get_text("/no/such/page").await;
    assert_eq!(status, 404);
    let href = missing
        .split("href=\"/lang?")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(|q| format!("/lang?{}", q.replace("&amp;", "&")))
        .expect("a language link on the 404 page");
    let r = app.get(&href).await;
    assert_eq!(r.status(), 303);
    let (_, english) = app.get_text("/registry").await;
    assert!(english.contains("Deadlines") || english.contains("deadlines"));
    // The demo's SNILS was added without a title: on English pages it reads in English.
    assert!(english.contains("SNILS (insurance number)"), "{english}");
    assert!(!english.contains(">СНИЛС<"), "{english}");

    let operator = app.with_client(crate::harness::client());
    let (_, login) = operator.get_text("/login").await;
    operator
        .post_form(
            "/login",
            &[
                ("_csrf", &csrf_token(&login)),
                ("login", "operator@demo.kabinet.test"),
                ("password", "Demo-Operator-2026"),
            ],
        )
        .await;
    let (_, dashboard) = operator.get_text("/operator").await;
    assert!(
        dashboard.contains("href=\"/operator/outbox\">Песочница"),
        "{dashboard}"
    );
    let (_, citizen_home) = app.get_text("/").await;
    assert!(!citizen_home.contains("href=\"/operator/outbox\""));
}
