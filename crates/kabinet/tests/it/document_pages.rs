//! My documents through the pages, as a browser without JavaScript uses them: the kind picker,
//! the form filled from the profile, a multipart upload that is refused with the form kept, the
//! document page, the registry with its timeline, editing with a stale revision, the trash, and
//! the operator's page for kinds.

use crate::harness::{TestApp, client, csrf_token};
use crate::harness::{citizen_born, scan_pdf};

/// A multipart form as a browser sends ours: the hidden `_csrf` field first, then the fields.
fn signed_form(
    token: &str,
    pairs: &[(&str, &str)],
    file: Option<(&str, Vec<u8>)>,
) -> reqwest::multipart::Form {
    let mut all = vec![("_csrf", token)];
    all.extend_from_slice(pairs);
    form(&all, file)
}

fn form(pairs: &[(&str, &str)], file: Option<(&str, Vec<u8>)>) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in pairs {
        form = form.text((*k).to_owned(), (*v).to_owned());
    }
    if let Some((name, bytes)) = file {
        form = form.part(
            "files",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    }
    form
}

async fn post_multipart(
    app: &TestApp,
    path: &str,
    form: reqwest::multipart::Form,
) -> (u16, String, String) {
    let r = app
        .client
        .post(app.url(path))
        .multipart(form)
        .send()
        .await
        .expect("answered");
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, location, r.text().await.expect("body"))
}

fn passport_fields<'a>(surname: &'a str, number: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("number", number),
        ("issuer", "ГУ МВД России по Пермскому краю"),
        ("issued_on", "01.06.2020"),
        ("surname", surname),
        ("given_name", "Анна"),
        ("birth_date", "01.05.2006"),
        ("division_code", "590-001"),
        ("tags", "личное, поездки"),
    ]
}

async fn document_count(api: &crate::harness::Api<'_>, state: &str) -> u64 {
    let (_, list) = api
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/documents?state={state}"),
            None,
        )
        .await;
    list["total"].as_u64().expect("total")
}

#[tokio::test]
async fn a_passport_is_added_viewed_edited_deleted_and_restored_through_the_pages() {
    let app = TestApp::spawn().await;
    let api = citizen_born(&app, "+79120000301", "pages@example.ru", "2006-05-01").await;
    let (_, profile) = api
        .send(reqwest::Method::GET, "/api/v1/profile", None)
        .await;
    let surname = profile["fields"]["surname"]
        .as_str()
        .expect("surname")
        .to_owned();

    // The kind picker, then the form of the kind, filled from the profile.
    let (status, picker) = app.get_text("/documents/new").await;
    assert_eq!(status, 200);
    assert!(picker.contains("value=\"passport_rf\""), "{picker}");
    let (status, html) = app.get_text("/documents/new?kind=passport_rf").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!("value=\"{surname}\"")),
        "surname autofilled from the profile"
    );
    assert!(
        html.contains("value=\"01.05.2006\""),
        "birth date autofilled"
    );
    assert!(html.contains("enctype=\"multipart/form-data\""));
    let token = csrf_token(&html);
    let action = "/documents/new?kind=passport_rf".to_owned();
    // No token in any address: the form's action carries none.
    assert!(!html.contains("_csrf="), "{html}");

    // Without the CSRF token as the form's first part the upload is refused before anything is
    // read — a token in the address no longer counts, nor one after the other fields.
    for (path, body) in [
        (
            action.clone(),
            form(
                &passport_fields(&surname, "57 20 123456"),
                Some(("scan.pdf", scan_pdf("x", 10))),
            ),
        ),
        (
            format!("{action}&_csrf={token}"),
            form(
                &passport_fields(&surname, "57 20 123456"),
                Some(("scan.pdf", scan_pdf("x", 10))),
            ),
        ),
        (action.clone(), {
            let mut late = passport_fields(&surname, "57 20 123456");
            late.push(("_csrf", &token));
            form(&late, Some(("scan.pdf", scan_pdf("x", 10))))
        }),
    ] {
        let (status, _, _) = post_multipart(&app, &path, body).await;
        assert_eq!(status, 403, "{path}");
    }

    // A file that is not a document: refused with the reason, every field kept, nothing stored.
    let (status, _, html) = post_multipart(
        &app,
        &action,
        signed_form(
            &token,
            &passport_fields(&surname, "57 20 123456"),
            Some(("notes.pdf", b"just some text, not a PDF".to_vec())),
        ),
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("error-summary"), "{html}");
    assert!(
        html.contains("notes.pdf"),
        "the refused file is named: {html}"
    );
    assert!(
        html.contains("value=\"57 20 123456\""),
        "the number is kept"
    );
    assert!(
        html.contains("value=\"личное, поездки\""),
        "the tags are kept"
    );
    assert_eq!(document_count(&api, "active").await, 0);

    // A good file but a broken number: the field error, and the user is told to attach again.
    let (status, _, html) = post_multipart(
        &app,
        &action,
        signed_form(
            &token,
            &passport_fields(&surname, "57 20 12345"),
            Some(("scan.pdf", scan_pdf("a", 2000))),
        ),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("href=\"#number\""),
        "the summary links to the field"
    );
    assert!(html.contains("приложите их снова"), "{html}");
    assert_eq!(document_count(&api, "active").await, 0);

    // All good: the document page with its status, file, preview-free PDF and history.
    let scan = scan_pdf("passport scan", 4000);
    let (status, location, _) = post_multipart(
        &app,
        &action,
        signed_form(
            &token,
            &passport_fields(&surname, "5720 123456"),
            Some(("Паспорт скан.pdf", scan.clone())),
        ),
    )
    .await;
    assert_eq!(status, 303);
    assert!(location.ends_with("?added=1"), "{location}");
    let doc_path = location.trim_end_matches("?added=1").to_owned();
    let id = doc_path.trim_start_matches("/documents/").to_owned();
    let (status, html) = app.get_text(&location).await;
    assert_eq!(status, 200);
    assert!(html.contains("Документ добавлен."));
    assert!(html.contains("57 20 123456"), "number normalised");
    assert!(html.contains("Паспорт скан.pdf"));
    assert!(
        html.contains("Требует замены"),
        "turns 20 within the lead time"
    );

    // The download link serves the very bytes.
    let (_, view) = api
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/documents/{id}"),
            None,
        )
        .await;
    let file_id = view["files"][0]["id"].as_str().expect("file id").to_owned();
    assert!(html.contains(&format!("{doc_path}/files/{file_id}")));
    let r = app.get(&format!("{doc_path}/files/{file_id}")).await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .contains("filename*=UTF-8''%D0%9F")
    );
    let downloaded = crate::harness::bytes_under_every_encoding(|| {
        app.client
            .get(app.url(&format!("{doc_path}/files/{file_id}")))
    })
    .await;
    assert_eq!(downloaded, scan);
    // A PDF has no inline preview (only images do).
    assert_eq!(
        app.get(&format!("{doc_path}/files/{file_id}/preview"))
            .await
            .status(),
        404
    );

    // The registry shows it with its status in words and on the timeline.
    let (status, registry) = app.get_text("/registry").await;
    assert_eq!(status, 200);
    assert!(registry.contains(&format!("href=\"{doc_path}\"")));
    assert!(registry.contains("Требует замены"));
    assert!(registry.contains("<svg") && registry.contains("role=\"img\""));
    assert!(
        registry.contains(", Требует замены</li>"),
        "the timeline's caption says each deadline's date and status in words"
    );
    for column in ["Дата выдачи", "Статус", "Срок", "Осталось дней", "Действия"]
    {
        assert!(
            registry.contains(&format!("<td data-label=\"{column}\">")),
            "on a phone each cell names its column «{column}»"
        );
    }
    assert!(
        registry.contains("<ul class=\"timeline-list\">"),
        "the timeline's words, a list on phones"
    );
    assert!(registry.contains(&format!("{doc_path}/renew")));
    assert!(
        registry.contains(&format!("{doc_path}/files/{file_id}\" download")),
        "the registry offers the scan for download"
    );
    let (status, renew) = app.get_text(&format!("{doc_path}/renew")).await;
    assert_eq!(status, 200);
    assert!(renew.contains("/documents/new?kind=passport_rf"));

    // The list finds it by another word form and by tag.
    let (_, list) = app
        .get_text("/documents?q=%D0%BF%D0%B0%D1%81%D0%BF%D0%BE%D1%80%D1%82%D1%83")
        .await;
    assert!(
        list.contains(&format!("href=\"{doc_path}\"")),
        "«паспорту» finds «Паспорт»"
    );
    let (_, list) = app
        .get_text("/documents?tag=%D0%BF%D0%BE%D0%B5%D0%B7%D0%B4%D0%BA%D0%B8")
        .await;
    assert!(list.contains(&format!("href=\"{doc_path}\"")));
    assert!(
        list.contains("<option value=\"поездки\" selected>")
            && list.contains("<option value=\"личное\">"),
        "the tag filter offers the person's tags"
    );
    let (status, list) = app.get_text("/documents?status=expired").await;
    assert_eq!(status, 200);
    assert!(!list.contains(&format!("href=\"{doc_path}\"")));
    let (status, list) = app.get_text("/documents?issued_from=1.2.x").await;
    assert_eq!(status, 422);
    assert!(list.contains("href=\"#issued_from\""));

    // Editing with the revision the form was opened at; a stale one is refused, nothing lost.
    let (_, edit) = app.get_text(&format!("{doc_path}/edit")).await;
    let token = csrf_token(&edit);
    let mut fields = passport_fields(&surname, "57 20 123456");
    fields.push(("_csrf", &token));
    fields.push(("title", "Мой паспорт"));
    fields.push(("revision", "1"));
    let r = app.post_form(&format!("{doc_path}/edit"), &fields).await;
    assert_eq!(r.status(), 303);
    let r = app.post_form(&format!("{doc_path}/edit"), &fields).await;
    assert_eq!(r.status(), 409, "the same revision again is stale");
    assert!(r.text().await.expect("body").contains("в другой вкладке"));
    let (_, html) = app.get_text(&doc_path).await;
    assert!(html.contains("Мой паспорт"));

    // A second person cannot see, download, change or delete it.
    let other = app.with_client(client());
    crate::harness::registered_citizen(&other, "+79120000302", "other@example.ru").await;
    assert_eq!(other.get(&doc_path).await.status(), 404);
    assert_eq!(
        other
            .get(&format!("{doc_path}/files/{file_id}"))
            .await
            .status(),
        404
    );
    let (_, other_page) = other.get_text("/documents").await;
    let r = other
        .post_form(
            &format!("{doc_path}/delete"),
            &[("_csrf", &csrf_token(&other_page))],
        )
        .await;
    assert_eq!(r.status(), 404);

    // Delete, see it in the trash, undo.
    let (_, html) = app.get_text(&doc_path).await;
    let r = app
        .post_form(
            &format!("{doc_path}/delete"),
            &[("_csrf", &csrf_token(&html))],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, list) = app.get_text(&format!("/documents?deleted={id}")).await;
    assert!(
        list.contains(&format!("action=\"{doc_path}/restore\"")),
        "undo offered"
    );
    let (_, trash) = app.get_text("/documents/trash").await;
    assert!(trash.contains("Мой паспорт"));
    assert!(
        trash.contains("<td data-label=\"Удалится навсегда через дней\">30</td>"),
        "30 days left, named on phones too: {trash}"
    );
    assert_eq!(
        app.get(&format!("{doc_path}/files/{file_id}"))
            .await
            .status(),
        404
    );
    let r = app
        .post_form(
            &format!("{doc_path}/restore"),
            &[("_csrf", &csrf_token(&trash))],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(document_count(&api, "active").await, 1);
    let (_, history) = app.get_text(&doc_path).await;
    for event in [
        "Документ добавлен",
        "Файл скачан",
        "Перемещён в корзину",
        "Восстановлен из корзины",
    ] {
        assert!(history.contains(event), "history has «{event}»");
    }
    assert!(history.contains("<td>127.0.0.1</td>"), "and from where");
}

#[tokio::test]
async fn a_new_version_of_a_scan_keeps_the_old_one_and_an_old_passport_can_be_archived() {
    let app = TestApp::spawn().await;
    let api = citizen_born(&app, "+79120000303", "versions@example.ru", "1990-03-10").await;
    let (_, profile) = api
        .send(reqwest::Method::GET, "/api/v1/profile", None)
        .await;
    let surname = profile["fields"]["surname"]
        .as_str()
        .expect("surname")
        .to_owned();
    let (_, html) = app.get_text("/documents/new?kind=passport_rf").await;
    let token = csrf_token(&html);
    let action = "/documents/new?kind=passport_rf".to_owned();
    let mut ids = Vec::new();
    for (number, issued) in [
        ("57 10 111111", "20.03.2010"),
        ("57 15 222222", "20.03.2015"),
    ] {
        let mut fields = passport_fields(&surname, number);
        fields.retain(|(k, _)| *k != "issued_on" && *k != "birth_date");
        fields.push(("issued_on", issued));
        fields.push(("birth_date", "10.03.1990"));
        let (status, location, html) = post_multipart(
            &app,
            &action,
            signed_form(
                &token,
                &fields,
                Some((
                    "scan.png",
                    server::features::documents::inspect::samples::png(600, 800),
                )),
            ),
        )
        .await;
        assert_eq!(status, 303, "{html}");
        ids.push(location.trim_end_matches("?added=1").to_owned());
    }
    // The newer passport's page offers to archive the older one.
    let (_, html) = app.get_text(&ids[1]).await;
    assert!(
        html.contains(&format!("action=\"{}/archive\"", ids[0])),
        "{html}"
    );
    // Images get an inline preview.
    let (_, view) = api
        .send(reqwest::Method::GET, &format!("/api/v1{}", ids[1]), None)
        .await;
    let file_id = view["files"][0]["id"].as_str().expect("file").to_owned();
    let preview = app
        .get(&format!("{}/files/{file_id}/preview", ids[1]))
        .await;
    assert_eq!(preview.status(), 200);
    assert_eq!(preview.headers()["content-type"], "image/png");
    assert!(
        preview.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .starts_with("inline")
    );

    let token = csrf_token(&html);
    let r = app
        .post_form(
            &format!("{}/archive", ids[0]),
            &[
                ("_csrf", &token),
                ("back", ids[1].trim_start_matches("/documents/")),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], format!("{}?archived=1", ids[1]));
    assert_eq!(document_count(&api, "archived").await, 1);

    // A new version of the scan: the old one stays in the version list, downloadable.
    let upload = format!("{}/files/{file_id}", ids[1]);
    let new_scan = server::features::documents::inspect::samples::jpeg(900, 1200);
    let (status, location, _) = post_multipart(
        &app,
        &upload,
        signed_form(&token, &[], Some(("new.jpg", new_scan.clone()))),
    )
    .await;
    assert_eq!(status, 303);
    assert!(location.ends_with("?version=1"));
    let (_, html) = app.get_text(&location).await;
    assert!(html.contains("Предыдущие версии (1)"), "{html}");
    assert!(
        html.contains(&format!("{}/files/{file_id}\" download", ids[1])),
        "old version linked"
    );
    // A refused new version says why on the document page.
    let (status, _, html) = post_multipart(
        &app,
        &upload,
        signed_form(
            &token,
            &[],
            Some((
                "tiny.png",
                server::features::documents::inspect::samples::png(20, 20),
            )),
        ),
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("error-summary") && html.contains("tiny.png"));
}

#[tokio::test]
async fn operators_change_a_kinds_rule_and_statuses_follow() {
    let app = TestApp::spawn().await;
    let api = citizen_born(&app, "+79120000304", "kinds@example.ru", "1985-01-01").await;
    let (status, body) = api
        .send(
            reqwest::Method::POST,
            "/api/v1/documents",
            Some(serde_json::json!({ "kind": "osago", "number": "ХХХ 0123456789", "issued_on": "2025-12-01", "fields": { "plate": "А123ВС77" } })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["status"], "valid");
    server::demo::seed(&app.state).await.expect("demo");
    let operator = app.with_client(client());
    let html = operator.get_text("/login").await.1;
    operator
        .post_form(
            "/login",
            &[
                ("_csrf", &csrf_token(&html)),
                ("login", "+7 900 000-00-03"),
                ("password", "Demo-Operator-2026"),
            ],
        )
        .await;
    // Citizens may not open the page.
    assert_eq!(app.get("/operator/kinds").await.status(), 403);
    let (status, list) = operator.get_text("/operator/kinds").await;
    assert_eq!(status, 200);
    assert!(list.contains("/operator/kinds/osago"));
    let (_, form_html) = operator.get_text("/operator/kinds/osago").await;
    let token = csrf_token(&form_html);
    let mut fields = vec![
        ("_csrf", token.as_str()),
        ("name_ru", "Полис ОСАГО"),
        ("name_en", "OSAGO policy"),
        (
            "rule",
            "{\"type\": \"fixed_term\", \"years\": 1, \"end_offset_days\": -1",
        ),
        ("lead_days", "400"),
        ("max_file_mb", "20"),
        ("renewal_ru", "Продлите полис у страховщика."),
        ("renewal_en", "Renew the policy with your insurer."),
        ("active", "yes"),
    ];
    let r = operator.post_form("/operator/kinds/osago", &fields).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("body");
    assert!(
        html.contains("href=\"#rule\"") && html.contains("href=\"#lead_days\""),
        "{html}"
    );
    assert!(
        html.contains("Продлите полис у страховщика."),
        "the form is kept"
    );

    // A lead time longer than the term: the policy is now "expiring".
    fields[3].1 = "{\"type\": \"fixed_term\", \"years\": 1, \"end_offset_days\": -1}";
    fields[4].1 = "365";
    let r = operator.post_form("/operator/kinds/osago", &fields).await;
    assert_eq!(r.status(), 303);
    let (_, list) = api
        .send(reqwest::Method::GET, "/api/v1/documents", None)
        .await;
    assert_eq!(list["items"][0]["status"], "expiring");
    let (audited,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'document_kind.changed' AND object_id = 'osago'",
    )
    .fetch_one(app.state.db.pool())
    .await
    .expect("audit");
    assert_eq!(audited, 1, "the change is audited, the refused one is not");
}
