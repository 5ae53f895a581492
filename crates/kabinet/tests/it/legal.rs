//! The legal pages a person is asked to accept: they exist, name the operator from the
//! configuration, show the edition the person accepted, and keep earlier editions readable; the
//! footer of every page links them with the privacy policy, the accessibility statement and
//! support.

use crate::harness::registered_citizen;
use crate::harness::{Options, TestApp};

fn configured() -> Options {
    Options {
        configure: Box::new(|c| {
            c.operator.name = "ГБУ «МФЦ Тестограда»".into();
            c.operator.address = "123456, г. Тестоград, ул. Ленина, д. 1".into();
            c.operator.email = "support@mfc.example".into();
            c.operator.phone = "+7 800 000-00-00".into();
        }),
        ..Options::default()
    }
}

#[tokio::test]
async fn the_texts_accepted_at_registration_exist_name_the_operator_and_show_the_accepted_edition()
{
    let app = TestApp::spawn_with(configured()).await;
    // The registration form links both texts, and both answer.
    let (_, form) = app.get_text("/register").await;
    for path in ["/legal/terms", "/legal/personal-data"] {
        assert!(form.contains(&format!("href=\"{path}\"")), "{path}");
        let (status, page) = app.get_text(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            page.contains("ГБУ «МФЦ Тестограда»"),
            "{path}: the operator"
        );
        assert!(page.contains("ул. Ленина, д. 1"), "{path}: its address");
        assert!(page.contains("Редакция 2026-11"), "{path}: its edition");
    }
    let (_, consent) = app.get_text("/legal/personal-data").await;
    for part in [
        "Цели обработки",
        "Какие данные",
        "Какие действия",
        "Срок и отзыв",
    ] {
        assert!(consent.contains(part), "{part}");
    }
    // An edition has its own address; an unknown one is not found.
    assert_eq!(app.get_text("/legal/terms/2026-11").await.0, 200);
    assert_eq!(app.get_text("/legal/terms/1999-01").await.0, 404);
    assert_eq!(app.get_text("/legal/nothing").await.0, 404);

    // Signed in, the page says which edition the person accepted, as the profile does.
    registered_citizen(&app, "+79120000901", "legal@example.ru").await;
    let (_, page) = app.get_text("/legal/personal-data").await;
    assert!(
        page.contains("Вы приняли редакцию <a href=\"/legal/personal-data/2026-11\">2026-11</a>"),
        "{page}"
    );
    let (_, profile) = app.get_text("/profile").await;
    assert!(
        profile.contains("href=\"/legal/terms/2026-11\""),
        "{profile}"
    );
    let consents: Vec<(String, String)> =
        sqlx::query_as("SELECT document, version FROM consents ORDER BY document")
            .fetch_all(app.state.db.pool())
            .await
            .expect("consents");
    assert_eq!(
        consents,
        [
            ("personal_data".to_owned(), "2026-11".to_owned()),
            ("user_agreement".to_owned(), "2026-11".to_owned())
        ]
    );
}

#[tokio::test]
async fn every_page_footer_links_the_legal_pages_and_support_in_both_languages() {
    let app = TestApp::spawn_with(configured()).await;
    let (_, home) = app.get_text("/").await;
    for path in [
        "/legal/terms",
        "/legal/personal-data",
        "/legal/privacy",
        "/legal/accessibility",
        "/support",
    ] {
        assert!(
            home.contains(&format!("href=\"{path}\"")),
            "{path} in the footer"
        );
        let (status, _) = app.get_text(path).await;
        assert_eq!(status, 200, "{path}");
    }
    let (_, support) = app.get_text("/support").await;
    assert!(support.contains("mailto:support@mfc.example"));
    assert!(support.contains("tel:+78000000000"));

    let token = crate::harness::csrf_token(&home);
    app.post_form("/lang", &[("_csrf", &token), ("lang", "en"), ("next", "/")])
        .await;
    let (_, english) = app.get_text("/legal/personal-data").await;
    assert!(english.contains("Consent to the processing of personal data"));
    assert!(english.contains("Purposes"));
}

#[tokio::test]
async fn without_an_operator_configured_the_texts_say_which_setting_is_missing() {
    let app = TestApp::spawn().await;
    let (status, page) = app.get_text("/legal/personal-data").await;
    assert_eq!(status, 200);
    assert!(page.contains("operator.name"), "{page}");
    assert!(page.contains("operator.address"), "{page}");
}
