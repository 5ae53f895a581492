//! Applying again without typing again: «Повторить заявление» and named templates. The copied
//! answers never carry the consents, the profile's current values win over copied ones, and
//! another citizen reaches none of it.

use crate::applications::{citizen_with_passport, location, submitted_passport};
use crate::harness::{TestApp, client, registered_citizen};
use crate::office::post_on;

async fn answers_of(app: &TestApp, id: &str) -> serde_json::Value {
    let json: String = sqlx::query_scalar("SELECT answers FROM applications WHERE id = $1")
        .bind(id)
        .fetch_one(app.state.db.pool())
        .await
        .expect("draft");
    serde_json::from_str(&json).expect("answers")
}

/// The new draft's id from a redirect to `/applications/{id}/resume`.
fn draft_of(r: &reqwest::Response) -> String {
    let to = location(r);
    to.trim_start_matches("/applications/")
        .trim_end_matches("/resume")
        .to_owned()
}

#[tokio::test]
async fn a_repeat_and_a_template_fill_a_new_draft_but_ask_the_consents_again() {
    let app = TestApp::spawn().await;
    let (_api, photo) = citizen_with_passport(&app, "+79120000421", "again@example.ru").await;
    let (id, _) = submitted_passport(&app, &photo).await;
    let page = format!("/applications/{id}");

    // What a blank draft takes from the profile today.
    let r = post_on(
        &app,
        "/services/passport_replacement",
        "/services/passport_replacement/apply",
        &[],
    )
    .await;
    assert_eq!(r.status(), 303);
    let blank = answers_of(&app, &draft_of(&r)).await;

    // «Повторить заявление».
    let (_, html) = app.get_text(&page).await;
    assert!(html.contains("Повторить заявление"), "{html}");
    let r = post_on(&app, &page, &format!("{page}/repeat"), &[]).await;
    assert_eq!(r.status(), 303);
    let again = draft_of(&r);
    assert_ne!(again, id);
    let copied = answers_of(&app, &again).await;
    assert_eq!(copied["reason"], "age_20", "a typed answer is copied");
    assert_eq!(
        copied["photo"],
        photo.as_str(),
        "a file still in «Мои документы» is kept"
    );
    assert_eq!(copied["phone"], blank["phone"], "the profile's value wins");
    assert_ne!(copied["phone"], "+79120000399");
    assert!(
        copied.get("agree").is_none() && copied.get("data_correct").is_none(),
        "{copied}"
    );
    let r = app.get(&format!("/applications/{again}/resume")).await;
    assert!(
        location(&r).ends_with("/steps/consent"),
        "only the consent is left to give: {}",
        location(&r)
    );

    // «Сохранить как шаблон»: a name is needed, and one name once.
    let form = format!("{page}/template");
    let (status, html) = app.get_text(&form).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("value=\"Замена паспорта"),
        "the service's name is offered"
    );
    let r = post_on(&app, &form, &form, &[("name", "  ")]).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("page")
            .contains("Введите название шаблона")
    );
    let r = post_on(&app, &form, &form, &[("name", "Паспорт Анны")]).await;
    assert_eq!(r.status(), 303);
    let r = post_on(&app, &form, &form, &[("name", "Паспорт Анны")]).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("page");
    assert!(
        body.contains("уже есть") && body.contains("Паспорт Анны"),
        "kept as typed"
    );
    let (_, list) = app.get_text("/applications/templates").await;
    assert!(list.contains("Паспорт Анны"), "{list}");
    let tid: String =
        sqlx::query_scalar("SELECT id FROM application_templates WHERE name = 'Паспорт Анны'")
            .fetch_one(app.state.db.pool())
            .await
            .expect("template");
    let kept: String =
        sqlx::query_scalar("SELECT answers FROM application_templates WHERE id = $1")
            .bind(&tid)
            .fetch_one(app.state.db.pool())
            .await
            .expect("answers");
    assert!(
        !kept.contains("\"agree\""),
        "no consent in a template: {kept}"
    );

    // «Заполнить по шаблону» on the service's page.
    let (_, service) = app.get_text("/services/passport_replacement").await;
    assert!(
        service.contains("Заполнить по шаблону «Паспорт Анны»"),
        "{service}"
    );
    let r = post_on(
        &app,
        "/services/passport_replacement",
        "/services/passport_replacement/apply",
        &[("template", &tid)],
    )
    .await;
    assert_eq!(r.status(), 303);
    let filled = answers_of(&app, &draft_of(&r)).await;
    assert_eq!(filled["reason"], "age_20");
    assert!(filled.get("agree").is_none());
    let r = post_on(
        &app,
        "/services/foreign_passport",
        "/services/foreign_passport/apply",
        &[("template", &tid)],
    )
    .await;
    assert_eq!(r.status(), 404, "a template fills its own service only");

    // Another citizen reaches none of it.
    let stranger = app.with_client(client());
    registered_citizen(&stranger, "+79120000422", "stranger@example.ru").await;
    let r = post_on(
        &stranger,
        "/services/passport_replacement",
        "/services/passport_replacement/apply",
        &[("template", &tid)],
    )
    .await;
    assert_eq!(r.status(), 404);
    let (_, theirs) = stranger.get_text("/applications/templates").await;
    assert!(!theirs.contains("Паспорт Анны"));
    let r = post_on(
        &stranger,
        "/applications/templates",
        &format!("/applications/templates/{tid}/delete"),
        &[],
    )
    .await;
    assert_eq!(r.status(), 404);
    let r = post_on(
        &stranger,
        "/applications/templates",
        &format!("{page}/repeat"),
        &[],
    )
    .await;
    assert_eq!(r.status(), 404);
    assert_eq!(stranger.get(&form).await.status(), 404);

    // Deleted by its owner, audited.
    let r = post_on(
        &app,
        "/applications/templates",
        &format!("/applications/templates/{tid}/delete"),
        &[],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, list) = app.get_text("/applications/templates").await;
    assert!(!list.contains("Паспорт Анны"));
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action IN ('application.template_saved', 'application.template_deleted')",
    )
    .fetch_one(app.state.db.pool())
    .await
    .expect("audit");
    assert_eq!(n, 2);
}
