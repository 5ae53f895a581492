//! The operator's catalogue editor as an operator uses it: a service's words and figures
//! changed, its form changed into the next version — drafts begun on the old one keep it, new
//! ones take the new — a broken form refused with the reasons and the typing kept, another
//! operator's save in between caught, a hidden service gone from the citizens' catalogue,
//! categories added; and nobody but an operator reaching any of it.

use crate::applications::{citizen_with_passport, location, start_passport_draft};
use crate::harness::TestApp;
use crate::office::{post_on, signed_in};

const EDIT: &str = "/operator/services/passport_replacement";

/// The edit form's fields as the page draws them for the stored service.
async fn fields_of(app: &TestApp) -> Vec<(String, String)> {
    let (details, version): (String, i64) = sqlx::query_as(
        "SELECT details, form_version FROM services WHERE code = 'passport_replacement'",
    )
    .fetch_one(app.state.db.pool())
    .await
    .expect("service");
    let form: String = sqlx::query_scalar(
        "SELECT form FROM service_forms WHERE service_code = 'passport_replacement' AND version = $1",
    )
    .bind(version)
    .fetch_one(app.state.db.pool())
    .await
    .expect("form");
    let d: serde_json::Value = serde_json::from_str(&details).expect("details");
    let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let mut out = vec![
        ("name_ru".to_owned(), s(&d["name"]["ru"])),
        ("name_en".to_owned(), s(&d["name"]["en"])),
        ("summary_ru".to_owned(), s(&d["summary"]["ru"])),
        ("summary_en".to_owned(), s(&d["summary"]["en"])),
        ("category".to_owned(), s(&d["category"])),
        ("agency".to_owned(), s(&d["agency"])),
        ("level".to_owned(), s(&d["level"])),
        (
            "fee".to_owned(),
            (d["fee_kopecks"].as_i64().unwrap_or(0) / 100).to_string(),
        ),
        ("term_days".to_owned(), d["term"]["days"].to_string()),
        ("term_counted".to_owned(), s(&d["term"]["counted"])),
        ("outcome".to_owned(), s(&d["outcome"]["kind"])),
        ("replaces".to_owned(), "on".to_owned()),
        ("active".to_owned(), "on".to_owned()),
        ("popular".to_owned(), "on".to_owned()),
        ("position".to_owned(), "0".to_owned()),
        ("keywords".to_owned(), "паспорт, замена".to_owned()),
        ("form".to_owned(), form),
        ("edited_version".to_owned(), version.to_string()),
    ];
    out.retain(|(_, v)| !v.is_empty());
    out
}

fn with(fields: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> =
        fields.iter().filter(|(n, _)| n != name).cloned().collect();
    out.push((name.to_owned(), value.to_owned()));
    out
}

async fn save(app: &TestApp, fields: &[(String, String)]) -> reqwest::Response {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    post_on(app, EDIT, EDIT, &pairs).await
}

/// The stored form with one more optional field on the address step.
fn form_with_email(form: &str) -> String {
    let mut f: serde_json::Value = serde_json::from_str(form).expect("form");
    let steps = f["steps"].as_array_mut().expect("steps");
    let address = steps
        .iter_mut()
        .find(|s| s["id"] == "address")
        .expect("address step");
    address["fields"]
        .as_array_mut()
        .expect("fields")
        .push(serde_json::json!({
            "name": "contact_email",
            "label": { "ru": "Почта для связи", "en": "E-mail for contact" },
            "kind": { "type": "text" }
        }));
    f.to_string()
}

#[tokio::test]
async fn an_operator_changes_a_service_and_its_form_becomes_the_next_version() {
    let app = TestApp::spawn().await;
    server::demo::seed(&app.state).await.expect("demo");
    citizen_with_passport(&app, "+79120000431", "editor@example.ru").await;
    let old_draft = start_passport_draft(&app).await;

    // Only an operator.
    assert_eq!(app.get("/operator/services").await.status(), 403);
    assert_eq!(app.get(EDIT).await.status(), 403);
    let operator = signed_in(&app, "operator@demo.kabinet.test", "Demo-Operator-2026").await;
    let (status, list) = operator.get_text("/operator/services").await;
    assert_eq!(status, 200);
    assert!(list.contains("Замена паспорта"), "{list}");
    let (status, _) = operator.get_text(EDIT).await;
    assert_eq!(status, 200);

    // A broken form is refused with the reason; what was typed stays.
    let fields = fields_of(&app).await;
    let r = save(&operator, &with(&fields, "form", "{\"steps\": [ oops")).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("page");
    assert!(body.contains("Форма не читается"), "{body}");
    assert!(body.contains("oops"), "the typing is kept");
    let no_consent = r#"{"steps":[{"id":"a","title":{"ru":"А","en":"A"},"fields":[{"name":"x","label":{"ru":"Икс","en":"X"},"kind":{"type":"text"}}]}]}"#;
    let r = save(&operator, &with(&fields, "form", no_consent)).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("page")
            .contains("должен всегда спрашивать согласие")
    );
    let r = save(&operator, &with(&fields, "fee", "дорого")).await;
    assert_eq!(r.status(), 422);

    // A new field: the form's version 2.
    let form = fields
        .iter()
        .find(|(n, _)| n == "form")
        .expect("form")
        .1
        .clone();
    let r = save(&operator, &with(&fields, "form", &form_with_email(&form))).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    assert_eq!(location(&r), format!("{EDIT}?saved=1"));
    let (_, page) = operator.get_text(EDIT).await;
    assert!(page.contains("Версия 2"), "{page}");
    let r = operator.get(&format!("{EDIT}/forms/1")).await;
    assert_eq!(r.status(), 200);
    assert!(
        !r.text().await.expect("v1").contains("contact_email"),
        "version 1 is never changed"
    );

    // The draft begun before keeps version 1; a new one asks the new field.
    let (_, step) = app
        .get_text(&format!("/applications/{old_draft}/steps/address"))
        .await;
    assert!(!step.contains("Почта для связи"));
    let fresh = start_passport_draft(&app).await;
    let (_, step) = app
        .get_text(&format!("/applications/{fresh}/steps/address"))
        .await;
    assert!(step.contains("Почта для связи"), "{step}");

    // Words only: the form's version stays.
    let fields = fields_of(&app).await;
    let r = save(
        &operator,
        &with(&fields, "summary_ru", "Новый паспорт в 20 и 45 лет."),
    )
    .await;
    assert_eq!(r.status(), 303);
    let version: i64 =
        sqlx::query_scalar("SELECT form_version FROM services WHERE code = 'passport_replacement'")
            .fetch_one(app.state.db.pool())
            .await
            .expect("version");
    assert_eq!(version, 2);
    let (_, service) = app.get_text("/services/passport_replacement").await;
    assert!(
        service.contains("Новый паспорт в 20 и 45 лет."),
        "citizens see it at once"
    );

    // Begun from version 1 after another operator saved version 2: caught, nothing saved.
    let stale = with(
        &with(&fields, "edited_version", "1"),
        "name_ru",
        "Чужая правка",
    );
    let r = save(&operator, &stale).await;
    assert_eq!(r.status(), 409);
    let (_, service) = app.get_text("/services/passport_replacement").await;
    assert!(!service.contains("Чужая правка"));

    // Hidden: gone from the citizens' catalogue.
    let (_, found) = app.get_text("/services?q=паспорт").await;
    assert!(
        found.contains("/services/passport_replacement\""),
        "found while shown: {found}"
    );
    let hidden: Vec<(String, String)> = fields
        .iter()
        .filter(|(n, _)| n != "active")
        .cloned()
        .collect();
    assert_eq!(save(&operator, &hidden).await.status(), 303);
    assert_eq!(
        app.get("/services/passport_replacement").await.status(),
        404
    );
    let (_, found) = app.get_text("/services?q=паспорт").await;
    assert!(
        !found.contains("/services/passport_replacement\""),
        "{found}"
    );

    // A category, refused with a bad code, then added.
    let r = post_on(
        &operator,
        "/operator/services",
        "/operator/services/categories",
        &[
            ("category_code", "Плохой код"),
            ("category_name_ru", "Спорт"),
            ("category_name_en", "Sport"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text().await.expect("page").contains("value=\"Спорт\""),
        "kept"
    );
    let r = post_on(
        &operator,
        "/operator/services",
        "/operator/services/categories",
        &[
            ("category_code", "sport"),
            ("category_name_ru", "Спорт"),
            ("category_name_en", "Sport"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, list) = operator.get_text("/operator/services").await;
    assert!(list.contains("Спорт"));

    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action IN ('catalogue.service_changed', 'catalogue.category_saved')",
    )
    .fetch_one(app.state.db.pool())
    .await
    .expect("audit");
    assert_eq!(n, 4, "three saves of the service and one category");
}

#[tokio::test]
async fn an_operator_adds_a_service_that_citizens_can_apply_for() {
    let app = TestApp::spawn().await;
    server::demo::seed(&app.state).await.expect("demo");
    let operator = signed_in(&app, "operator@demo.kabinet.test", "Demo-Operator-2026").await;
    let (status, page) = operator.get_text("/operator/services/new").await;
    assert_eq!(status, 200);
    let consent_form = page
        .split("name=\"form\"")
        .nth(1)
        .and_then(|rest| rest.split_once('>'))
        .and_then(|(_, rest)| rest.split_once("</textarea>"))
        .map(|(form, _)| form.replace("&quot;", "\"").replace("&#34;", "\""))
        .expect("the blank form");
    let fields = [
        ("name_ru", "Справка о составе семьи"),
        ("name_en", "Household certificate"),
        ("summary_ru", "Кто прописан вместе с вами."),
        ("summary_en", "Who is registered with you."),
        ("category", "housing"),
        ("agency", "municipality"),
        ("level", "standard"),
        ("fee", "0"),
        ("term_days", "5"),
        ("term_counted", "working"),
        ("outcome", "answer"),
        ("active", "on"),
        ("position", "50"),
        ("form", consent_form.as_str()),
    ];
    let mut bad = fields.to_vec();
    bad.push(("code", "Справка"));
    let r = post_on(
        &operator,
        "/operator/services/new",
        "/operator/services/new",
        &bad,
    )
    .await;
    assert_eq!(r.status(), 422);
    let mut good = fields.to_vec();
    good.push(("code", "household_certificate"));
    let r = post_on(
        &operator,
        "/operator/services/new",
        "/operator/services/new",
        &good,
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let r = post_on(
        &operator,
        "/operator/services/new",
        "/operator/services/new",
        &good,
    )
    .await;
    assert_eq!(r.status(), 422, "a code once");

    citizen_with_passport(&app, "+79120000432", "family@example.ru").await;
    let (status, service) = app.get_text("/services/household_certificate").await;
    assert_eq!(status, 200);
    assert!(service.contains("Справка о составе семьи"));
    let r = post_on(
        &app,
        "/services/household_certificate",
        "/services/household_certificate/apply",
        &[],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).ends_with("/resume"));
}
