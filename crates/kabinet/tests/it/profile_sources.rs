//! The profile and «Мои документы» agree: a passport, SNILS or INN added to the documents offers
//! to fill the profile (after a confirmation), the profile names the document its data come
//! from, a difference is shown on both sides with what to do, and nobody fills a profile from a
//! document that is not theirs.

use crate::harness::registered_citizen;
use crate::harness::{Api, citizen_born, passport_body};
use crate::harness::{TestApp, client, csrf_token};
use reqwest::Method as M;

async fn names(api: &Api<'_>) -> (String, String) {
    let (_, profile) = api.send(M::GET, "/api/v1/profile", None).await;
    let name = |k: &str| profile["fields"][k].as_str().expect(k).to_owned();
    (name("surname"), name("given_name"))
}

async fn add(api: &Api<'_>, body: serde_json::Value) -> String {
    let (status, doc) = api.send(M::POST, "/api/v1/documents", Some(body)).await;
    assert_eq!(status, 201, "{doc}");
    doc["id"].as_str().expect("id").to_owned()
}

async fn add_passport(api: &Api<'_>, number: &str, issued_on: &str, issuer: &str) -> String {
    let (surname, given) = names(api).await;
    let mut body = passport_body(&surname, &given);
    let (_, profile) = api.send(M::GET, "/api/v1/profile", None).await;
    let born: String = profile["fields"]["birth_date"]
        .as_str()
        .expect("birth date")
        .split('.')
        .rev()
        .collect::<Vec<_>>()
        .join("-");
    body["fields"]["birth_date"] = born.into();
    body["number"] = number.into();
    body["issued_on"] = issued_on.into();
    body["issuer"] = issuer.into();
    add(api, body).await
}

async fn add_snils(api: &Api<'_>) -> String {
    let (surname, given) = names(api).await;
    add(
        api,
        serde_json::json!({
            "kind": "snils", "number": "112-233-445 95",
            "fields": { "surname": surname, "given_name": given }
        }),
    )
    .await
}

/// Confirms the fill page of a document and returns where it leads.
async fn confirm_fill(app: &TestApp, doc: &str, extra: &[(&str, &str)]) -> reqwest::Response {
    let path = format!("/profile/from-document/{doc}");
    let (status, page) = app.get_text(&path).await;
    assert_eq!(status, 200, "{page}");
    let token = csrf_token(&page);
    let mut form = vec![("_csrf", token.as_str())];
    form.extend_from_slice(extra);
    app.post_form(&path, &form).await
}

async fn sources(api: &Api<'_>) -> serde_json::Value {
    api.send(M::GET, "/api/v1/profile", None).await.1["sources"].clone()
}

#[tokio::test]
async fn a_passport_added_offers_to_fill_the_profile_and_the_profile_names_it() {
    let app = TestApp::spawn().await;
    let api = citizen_born(&app, "+79120000611", "fill@example.ru", "2006-05-01").await;
    let (_, profile) = app.get_text("/profile").await;
    assert!(!profile.contains("Из документа"), "no document yet");
    let passport = add_passport(
        &api,
        "57 20 123456",
        "2020-06-01",
        "ГУ МВД России по Пермскому краю",
    )
    .await;

    // The document's page offers it; the profile says the documents hold one.
    let (_, page) = app.get_text(&format!("/documents/{passport}")).await;
    assert!(page.contains("В профиле не указан этот документ"), "{page}");
    assert!(page.contains(&format!("href=\"/profile/from-document/{passport}\"")));
    let (_, profile) = app.get_text("/profile").await;
    assert!(profile.contains("В «Мои документы» есть"), "{profile}");

    // The confirmation shows what changes; nothing changes before it is given.
    let (_, confirm) = app
        .get_text(&format!("/profile/from-document/{passport}"))
        .await;
    for shown in [
        "Сейчас в профиле",
        "5720",
        "123456",
        "01.06.2020",
        "590-001",
        "изменится",
    ] {
        assert!(confirm.contains(shown), "{shown}: {confirm}");
    }
    assert_eq!(sources(&api).await[0]["agreement"], "profile_empty");

    let r = confirm_fill(&app, &passport, &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/profile?filled=1");
    let (_, profile) = app.get_text("/profile?filled=1").await;
    assert!(profile.contains("Профиль заполнен из документа"));
    assert!(profile.contains("5720 123456"), "{profile}");
    assert!(profile.contains(&format!(
        "href=\"/documents/{passport}\">Паспорт гражданина РФ, 57 20 123456"
    )));
    let (_, page) = app.get_text(&format!("/documents/{passport}")).await;
    assert!(page.contains("Данные документа совпадают с профилем"));
    assert_eq!(sources(&api).await[0]["agreement"], "same");

    // The journal names the document the values came from.
    let (_, me) = api.send(M::GET, "/api/v1/profile", None).await;
    let me = me["id"].as_str().expect("id");
    let records = store::audit::for_object(&app.state.db, me, "user", me, 5)
        .await
        .expect("journal");
    assert!(
        records.iter().any(|r| r.details.contains(&passport)),
        "the update names its source"
    );

    // SNILS through the API: the passport and SNILS make the account standard.
    let snils = add_snils(&api).await;
    let listed = sources(&api).await;
    assert!(
        listed
            .as_array()
            .expect("sources")
            .iter()
            .any(|s| s["subject"] == "snils" && s["agreement"] == "profile_empty"),
        "{listed}"
    );
    let (status, saved) = api
        .send(
            M::POST,
            &format!("/api/v1/profile/from-document/{snils}"),
            Some(serde_json::json!({})),
        )
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["change"]["level_after"], "standard");
    assert_eq!(saved["profile"]["fields"]["snils"], "112-233-445 95");
}

#[tokio::test]
async fn a_difference_is_shown_on_both_sides_with_what_to_do() {
    let app = TestApp::spawn().await;
    let api = citizen_born(&app, "+79120000612", "differ@example.ru", "1990-03-10").await;
    let old = add_passport(
        &api,
        "57 10 111111",
        "2010-03-20",
        "ОУФМС по Пермскому краю",
    )
    .await;
    assert_eq!(confirm_fill(&app, &old, &[]).await.status(), 303);

    // A new passport: the profile still holds the old one.
    let new = add_passport(
        &api,
        "57 15 222222",
        "2015-03-20",
        "ОУФМС по Пермскому краю",
    )
    .await;
    let (_, profile) = app.get_text("/profile").await;
    assert!(profile.contains("Не совпадает с документом"), "{profile}");
    assert!(profile.contains("серия, номер, дата выдачи"), "{profile}");
    assert!(profile.contains(&format!("href=\"/profile/from-document/{new}\"")));
    assert!(profile.contains(&format!("href=\"/documents/{new}/edit\"")));
    let (_, page) = app.get_text(&format!("/documents/{new}")).await;
    assert!(
        page.contains("Не совпадает с профилем: серия, номер, дата выдачи"),
        "{page}"
    );
    assert!(
        page.contains(&format!("action=\"/documents/{old}/archive\"")),
        "the older one can be archived"
    );
    // The older passport is not offered as a source any more.
    let (_, old_page) = app.get_text(&format!("/documents/{old}")).await;
    assert!(!old_page.contains("/profile/from-document/"));
    assert_eq!(
        app.get(&format!("/profile/from-document/{old}"))
            .await
            .status(),
        404
    );
    let listed = sources(&api).await;
    assert_eq!(listed[0]["document_id"], new.as_str());
    assert_eq!(listed[0]["agreement"], "differs");
    assert_eq!(
        listed[0]["differing"],
        serde_json::json!(["passport_series", "passport_number", "passport_issued_on"])
    );

    // Updating from the new one settles it on both sides.
    assert_eq!(confirm_fill(&app, &new, &[]).await.status(), 303);
    let (_, profile) = app.get_text("/profile").await;
    assert!(!profile.contains("Не совпадает"));
    assert!(profile.contains("5715 222222"));
    let (_, page) = app.get_text(&format!("/documents/{new}")).await;
    assert!(page.contains("Данные документа совпадают с профилем"));
}

#[tokio::test]
async fn a_passport_without_its_issuer_asks_for_it() {
    let app = TestApp::spawn().await;
    let api = citizen_born(&app, "+79120000613", "issuer@example.ru", "2006-05-01").await;
    let passport = add_passport(&api, "57 20 123456", "2020-06-01", "").await;
    let (_, confirm) = app
        .get_text(&format!("/profile/from-document/{passport}"))
        .await;
    assert!(
        confirm.contains("<label for=\"passport_issuer\">Кем выдан паспорт</label>"),
        "{confirm}"
    );
    let r = confirm_fill(&app, &passport, &[]).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.expect("body");
    assert!(page.contains("<title>Ошибка: "), "{page}");
    assert!(
        page.contains("href=\"#passport_issuer\">Укажите, кем выдан паспорт"),
        "{page}"
    );
    let (_, profile) = app.get_text("/profile").await;
    assert!(!profile.contains("5720 123456"), "nothing saved");

    let r = confirm_fill(
        &app,
        &passport,
        &[("passport_issuer", "ГУ МВД России по Пермскому краю")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, profile) = app.get_text("/profile").await;
    assert!(
        profile.contains("5720 123456, 01.06.2020 ГУ МВД России по Пермскому краю"),
        "{profile}"
    );
}

#[tokio::test]
async fn nobody_fills_a_profile_from_a_document_that_is_not_theirs() {
    let app = TestApp::spawn().await;
    let owner = citizen_born(&app, "+79120000614", "owner@example.ru", "2006-05-01").await;
    let passport = add_passport(
        &owner,
        "57 20 123456",
        "2020-06-01",
        "ГУ МВД России по Пермскому краю",
    )
    .await;

    let other_app = app.with_client(client());
    registered_citizen(&other_app, "+79120000615", "other@example.ru").await;
    let other = Api {
        app: &other_app,
        token: crate::harness::api_token(&other_app, "+79120000615").await,
    };
    let path = format!("/profile/from-document/{passport}");
    assert_eq!(other_app.get(&path).await.status(), 404);
    let (_, own_page) = other_app.get_text("/profile").await;
    let r = other_app
        .post_form(&path, &[("_csrf", &csrf_token(&own_page))])
        .await;
    assert_eq!(r.status(), 404);
    let (status, _) = other
        .send(
            M::POST,
            &format!("/api/v1/profile/from-document/{passport}"),
            Some(serde_json::json!({})),
        )
        .await;
    assert_eq!(status, 404);
    let (_, profile) = other.send(M::GET, "/api/v1/profile", None).await;
    assert_eq!(
        profile["fields"]["passport_number"], "",
        "the other profile is untouched"
    );
    assert_eq!(profile["sources"], serde_json::json!([]));

    // A document of a kind that fills nothing, and an archived passport, are not sources either.
    let (_, owner_profile) = owner.send(M::GET, "/api/v1/profile", None).await;
    let (status, licence) = owner
        .send(
            M::POST,
            "/api/v1/documents",
            Some(serde_json::json!({
                "kind": "other", "title": "Договор", "issued_on": "2024-01-10"
            })),
        )
        .await;
    assert_eq!(status, 201, "{licence}");
    let licence = licence["id"].as_str().expect("id");
    assert_eq!(
        app.get(&format!("/profile/from-document/{licence}"))
            .await
            .status(),
        404
    );
    let (_, page) = app.get_text(&format!("/documents/{passport}")).await;
    let r = app
        .post_form(
            &format!("/documents/{passport}/archive"),
            &[("_csrf", &csrf_token(&page))],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.get(&path).await.status(), 404);
    let (_, after) = owner.send(M::GET, "/api/v1/profile", None).await;
    assert_eq!(after["fields"], owner_profile["fields"]);
}

#[tokio::test]
async fn the_demo_citizens_profile_comes_from_her_documents() {
    let app = TestApp::spawn().await;
    server::demo::seed(&app.state).await.expect("demo");
    let (_, page) = app.get_text("/login").await;
    let r = app
        .post_form(
            "/login",
            &[
                ("_csrf", &csrf_token(&page)),
                ("login", "citizen@demo.kabinet.test"),
                ("password", "Demo-Citizen-2026"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, profile) = app.get_text("/profile").await;
    assert!(profile.contains("Стандартная"), "{profile}");
    assert!(profile.contains("Из документа"));
    assert!(profile.contains("Паспорт гражданина РФ, 45 20 123456"));
    assert!(profile.contains("СНИЛС, 112-233-445 95"));
    assert!(
        profile.contains("В «Мои документы» есть"),
        "the INN is offered"
    );
}
