//! «Услуги»: the catalogue as a visitor uses it — search by word forms and by the beginning of a
//! word, categories, each service's page with what it costs, takes and gives — and the seeding
//! that keeps an operator's changes.

use domain::applications::catalogue::{Outcome, Seed};
use server::features::applications::catalogue::{fee, term};
use server::web::i18n::Lang;

use crate::harness::{TestApp, browser_headers, client};

async fn search(app: &TestApp, words: &str) -> String {
    let url =
        reqwest::Url::parse_with_params(&app.url("/services"), &[("q", words)]).expect("address");
    let r = client()
        .get(url)
        .headers(browser_headers())
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 200);
    r.text().await.expect("page")
}

#[tokio::test]
async fn the_catalogue_finds_services_by_word_forms_and_says_what_each_costs_takes_and_gives() {
    let app = TestApp::spawn().await;
    let seed = Seed::builtin().expect("the built-in catalogue reads");
    let passport = seed
        .services
        .iter()
        .find(|s| s.code == "passport_replacement")
        .expect("the passport service is seeded");

    let (status, html) = app.get_text("/services").await;
    assert_eq!(status, 200);
    assert!(html.contains("Популярные услуги"));
    for category in &seed.categories {
        assert!(
            html.contains(&format!("/services/category/{}", category.code)),
            "{} is listed",
            category.code
        );
    }

    // Another form of the word, and the beginning of a word being typed.
    assert!(
        search(&app, "паспорта")
            .await
            .contains("/services/passport_replacement")
    );
    assert!(
        search(&app, "замену паспорта")
            .await
            .contains("/services/passport_replacement")
    );
    assert!(
        search(&app, "загран")
            .await
            .contains("/services/foreign_passport")
    );
    let nothing = search(&app, "кракозябра").await;
    assert!(nothing.contains("Ничего не нашлось"), "{nothing}");
    assert!(
        nothing.contains("value=\"кракозябра\""),
        "the words stay in the box"
    );

    let (status, page) = app.get_text("/services/passport_replacement").await;
    assert_eq!(status, 200);
    assert!(page.contains(&passport.name.ru));
    assert!(
        page.contains(&fee(passport.fee_kopecks, Lang::Ru)),
        "the fee"
    );
    assert!(page.contains(&term(passport.term, Lang::Ru)), "the term");
    let Outcome::Document { kind, .. } = &passport.outcome else {
        panic!("a passport is the result")
    };
    let (_, kinds) = app
        .state
        .caches
        .catalogue(&app.state.db)
        .await
        .expect("kinds");
    assert!(
        page.contains(kinds.get(kind).expect("kind").name(Lang::Ru)),
        "the result names the document it adds"
    );
    for step in &passport.form.steps {
        assert!(page.contains(&step.title.ru), "step {} is listed", step.id);
    }
    let category = app
        .get_text(&format!("/services/category/{}", passport.category))
        .await;
    assert_eq!(category.0, 200);
    assert!(category.1.contains("/services/passport_replacement"));

    assert_eq!(app.get("/services/no-such-service").await.status(), 404);
    assert_eq!(app.get("/services/category/no-such").await.status(), 404);
}

#[tokio::test]
async fn seeding_again_adds_nothing_and_keeps_what_an_operator_turned_off() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/services/appeal").await.status(), 200);
    sqlx::query("UPDATE services SET active = 0 WHERE code = 'appeal'")
        .execute(app.state.db.pool())
        .await
        .expect("turned off");
    // The operator's editor drops this node's copy of the catalogue (others re-read it within
    // CATALOGUE_FOR); a change made in the database by hand is seen the same way.
    app.state.services.forget();
    let added = server::features::applications::catalogue::seed(&app.state.db, app.state.now())
        .await
        .expect("seeded");
    assert_eq!(added, 0, "every service is there already");
    assert_eq!(
        app.get("/services/appeal").await.status(),
        404,
        "a service the operator turned off stays off"
    );
    let html = search(&app, "обращение").await;
    assert!(!html.contains("/services/appeal\""));
}
