//! The agency's side as officers use it: the queue, opening an application (the citizen's
//! journal says so), taking it, asking for a better photo, the citizen's answer, the files,
//! completing it with a new passport that lands in «Мои документы» and archives the old one —
//! the citizen told at each step in the cabinet and by e-mail — and another agency's officer
//! reaching none of it.

use domain::Role;
use server::features::accounts::provision::{self, AccountSpec};

use crate::applications::{citizen_with_passport, location, submitted_passport};
use crate::harness::{
    TestApp, app_with_smtp, client, confirm_email, csrf_token, eventually, scan_pdf,
};

pub(crate) async fn signed_in(app: &TestApp, login: &str, password: &str) -> TestApp {
    let browser = app.with_client(client());
    let (_, html) = browser.get_text("/login").await;
    let r = browser
        .post_form(
            "/login",
            &[
                ("_csrf", &csrf_token(&html)),
                ("login", login),
                ("password", password),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "{login} signs in");
    browser
}

/// Posts a form of a page with the page's token.
pub(crate) async fn post_on(
    who: &TestApp,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let (_, html) = who.get_text(page).await;
    let token = csrf_token(&html);
    let mut form: Vec<(&str, &str)> = vec![("_csrf", &token)];
    form.extend_from_slice(fields);
    who.post_form(action, &form).await
}

/// The text inputs of a page whose names begin with `prefix`, with their values — what a
/// browser sends back from the form as it was drawn.
fn inputs(html: &str, prefix: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for part in html.split("<input ").skip(1) {
        let attr = |name: &str| {
            let marker = format!("{name}=\"");
            let start = part.find(&marker)? + marker.len();
            let end = part[start..].find('"')? + start;
            Some(
                part[start..end]
                    .replace("&#x2d;", "-")
                    .replace("&#32;", " "),
            )
        };
        if let (Some(n), Some(v)) = (attr("name"), attr("value"))
            && n.starts_with(prefix)
        {
            out.push((n, v));
        }
    }
    out
}

const GIBDD_OFFICER: &str = "gibdd-officer@example.ru";
const GIBDD_PASSWORD: &str = "Gibdd-Officer-2026!";

#[tokio::test]
async fn an_officer_asks_for_a_better_photo_and_completes_the_passport_which_replaces_the_old_one()
{
    let (app, smtp) = app_with_smtp().await;
    server::demo::seed(&app.state).await.expect("demo");
    let email = "applicant@example.ru";
    let (api, photo) = citizen_with_passport(&app, "+79120000401", email).await;
    confirm_email(&app, &smtp, email).await;
    let (id, number) = submitted_passport(&app, &photo).await;
    eventually("the e-mail about the submission", || async {
        smtp.messages_to(email)
            .iter()
            .any(|m| m.decoded().contains(&number.to_string()))
    })
    .await;

    // An officer of another agency, seated by the operator on its page.
    provision::create(
        &app.state,
        &AccountSpec {
            role: Role::Officer,
            surname: "Орлов".into(),
            given_name: "Пётр".into(),
            patronymic: None,
            phone: None,
            email: GIBDD_OFFICER.into(),
            password: GIBDD_PASSWORD.into(),
        },
        false,
    )
    .await
    .expect("officer");
    let operator = signed_in(&app, "operator@demo.kabinet.test", "Demo-Operator-2026").await;
    let r = post_on(
        &operator,
        "/operator/agencies",
        "/operator/agencies",
        &[("agency", "gibdd"), ("login", "nobody@example.ru")],
    )
    .await;
    assert_eq!(r.status(), 422, "only an officer account can be seated");
    let r = post_on(
        &operator,
        "/operator/agencies",
        "/operator/agencies",
        &[("agency", "gibdd"), ("login", GIBDD_OFFICER)],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, agencies) = operator.get_text("/operator/agencies").await;
    assert!(agencies.contains("Орлов"), "{agencies}");

    let other = signed_in(&app, GIBDD_OFFICER, GIBDD_PASSWORD).await;
    let (status, queue) = other.get_text("/office").await;
    assert_eq!(status, 200);
    assert!(
        !queue.contains(&id),
        "another agency's queue has none of it"
    );
    let page = format!("/office/applications/{id}");
    assert_eq!(other.get(&page).await.status(), 404);
    let (_, own) = other.get_text("/office").await;
    let token = csrf_token(&own);
    for action in ["take", "ask", "complete", "reject", "note"] {
        let r = other
            .post_form(
                &format!("/office/applications/{id}/{action}"),
                &[
                    ("_csrf", &token),
                    ("what", "x"),
                    ("reason", "x"),
                    ("note", "x"),
                ],
            )
            .await;
        assert_eq!(r.status(), 404, "{action}");
    }
    assert_eq!(
        other
            .get(&format!("/office/applications/{id}/files/{photo}"))
            .await
            .status(),
        404
    );
    // A citizen is not an officer at all.
    assert_eq!(app.get("/office").await.status(), 403);

    // The passport agency's officer sees it among the new ones and opens it.
    let officer = signed_in(&app, "officer@demo.kabinet.test", "Demo-Officer-2026").await;
    let (_, queue) = officer.get_text("/office?agency=mvd").await;
    assert!(queue.contains(&number.to_string()), "{queue}");
    let (status, html) = officer.get_text(&page).await;
    assert_eq!(status, 200);
    assert!(html.contains("Петрова Анна"));
    assert!(html.contains("Фото 35x45.pdf"));
    let (_, mine) = app.get_text(&format!("/applications/{id}")).await;
    assert!(mine.contains("просмотрело ваше заявление"), "{mine}");

    // Taken: one officer at a time.
    let r = post_on(&officer, &page, &format!("{page}/take"), &[]).await;
    assert_eq!(r.status(), 303);
    let r = post_on(&officer, &page, &format!("{page}/take"), &[]).await;
    assert_eq!(r.status(), 422, "taken already");

    // The photo as the citizen attached it.
    let r = officer
        .get(&format!("/office/applications/{id}/files/{photo}"))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.bytes().await.expect("bytes").to_vec(),
        scan_pdf("фото", 20_000)
    );

    // Asking needs the words; then the citizen is told.
    let r = post_on(&officer, &page, &format!("{page}/ask"), &[("what", "  ")]).await;
    assert_eq!(r.status(), 422);
    let r = post_on(
        &officer,
        &page,
        &format!("{page}/ask"),
        &[
            (
                "what",
                "Пришлите фотографию лучшего качества: на этой лицо в тени",
            ),
            ("note", "Проверить по базе после ответа"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    eventually("the e-mail about the question", || async {
        smtp.messages_to(email)
            .iter()
            .any(|m| m.decoded().contains("нужно уточнение"))
    })
    .await;
    let (_, mine) = app.get_text(&format!("/applications/{id}")).await;
    assert!(mine.contains("Ожидает уточнения"));
    assert!(mine.contains("Пришлите фотографию лучшего качества"));
    assert!(
        !mine.contains("Проверить по базе"),
        "the internal note never reaches the citizen"
    );
    let (_, home) = app.get_text("/").await;
    assert!(
        home.contains("Ведомство ждёт ответа: Замена паспорта"),
        "the home asks the citizen to answer: {home}"
    );

    // The citizen answers with a new photo from «Мои документы».
    let (_, docs) = api
        .send(reqwest::Method::GET, "/api/v1/documents", None)
        .await;
    let doc_id = docs["items"][0]["id"]
        .as_str()
        .or_else(|| docs[0]["id"].as_str())
        .expect("the passport")
        .to_owned();
    let (status, files) = api
        .upload(
            &format!("/api/v1/documents/{doc_id}/files"),
            "Фото новое.pdf",
            scan_pdf("новое фото", 30_000),
        )
        .await;
    assert_eq!(status, 201, "{files}");
    let new_photo = files[0]["id"].as_str().expect("id").to_owned();
    let r = post_on(
        &app,
        &format!("/applications/{id}"),
        &format!("/applications/{id}/answer"),
        &[],
    )
    .await;
    assert_eq!(r.status(), 422, "an empty answer is refused");
    let r = post_on(
        &app,
        &format!("/applications/{id}"),
        &format!("/applications/{id}/answer"),
        &[("text", "Прикладываю новое фото"), ("files", &new_photo)],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).ends_with("answered=1"));
    let (_, inbox) = officer.get_text("/notifications").await;
    assert!(inbox.contains("Ответ по заявлению"), "{inbox}");
    let (_, html) = officer.get_text(&page).await;
    assert!(html.contains("Прикладываю новое фото"));
    assert!(html.contains("Фото новое.pdf"));
    assert!(
        html.contains("Проверить по базе"),
        "the agency sees its note"
    );
    assert_eq!(
        officer
            .get(&format!("/office/applications/{id}/files/{new_photo}"))
            .await
            .status(),
        200
    );

    // Completed with the new passport: a wrong number is refused and the typing kept.
    let today = server::local_time::today(app.state.now(), "Europe/Moscow")
        .strftime("%d.%m.%Y")
        .to_string();
    let (_, html) = officer.get_text(&page).await;
    let drawn = inputs(&html, "field_");
    assert!(
        drawn
            .iter()
            .any(|(n, v)| n == "field_surname" && v == "Петрова"),
        "the result's fields come filled from the answers: {drawn:?}"
    );
    let result = |number: &'static str| {
        let mut form: Vec<(&str, &str)> = drawn
            .iter()
            .filter(|(n, _)| n != "field_division_code")
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        form.extend([
            ("number", number),
            ("issued_on", today.as_str()),
            ("issuer", "ГУ МВД России по Пермскому краю"),
            ("field_division_code", "590-001"),
            ("comment", "Паспорт готов, получите его в отделении"),
        ]);
        form
    };
    let r = post_on(
        &officer,
        &page,
        &format!("{page}/complete"),
        &result("57 26"),
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("page");
    assert!(html.contains("value=\"57 26\""), "the typing is kept");
    let r = post_on(
        &officer,
        &page,
        &format!("{page}/complete"),
        &result("57 26 654321"),
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());

    let (_, mine) = app.get_text(&format!("/applications/{id}")).await;
    assert!(mine.contains("Готово"));
    assert!(mine.contains("Паспорт готов"));
    let (_, docs) = api
        .send(reqwest::Method::GET, "/api/v1/documents", None)
        .await;
    let text = docs.to_string();
    assert!(
        text.contains("57 26 654321"),
        "the new passport is in «Мои документы»: {text}"
    );
    let mut conn = app.state.db.connection().await.expect("db");
    let old_state: String = sqlx::query_scalar("SELECT state FROM documents WHERE id = $1")
        .bind(&doc_id)
        .fetch_one(&mut *conn)
        .await
        .expect("old passport");
    assert_eq!(old_state, "archived", "the old passport is archived");
    eventually("the e-mail about the result", || async {
        smtp.messages_to(email)
            .iter()
            .any(|m| m.decoded().contains("исполнено"))
    })
    .await;

    // Done is final: nothing moves it.
    let r = post_on(
        &officer,
        &page,
        &format!("{page}/reject"),
        &[("reason", "ошибка")],
    )
    .await;
    assert_eq!(r.status(), 422);
}
