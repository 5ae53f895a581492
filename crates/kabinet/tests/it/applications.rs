//! Applications as a citizen makes them through the pages: a draft prefilled from the profile
//! and «Мои документы», one step per page with its checks, «Проверьте ответы», the simple
//! signature, the number and the due date, the immutable submission in the audit chain, «Мои
//! заявления», withdrawing — and nobody else reaching any of it.

use domain::applications::catalogue::Seed;
use domain::applications::number::ApplicationNumber;
use sha2::{Digest, Sha256};

use crate::harness::{
    Api, PASSWORD, TestApp, api_token, client, csrf_token, passport_body, registered_citizen,
    scan_pdf,
};

/// A citizen whose profile has what the passport service needs (standard level), with a
/// passport and a photo in «Мои документы». Returns the API and the photo's file id.
pub(crate) async fn citizen_with_passport<'a>(
    app: &'a TestApp,
    phone: &str,
    email: &str,
) -> (Api<'a>, String) {
    registered_citizen(app, phone, email).await;
    let api = Api {
        app,
        token: api_token(app, phone).await,
    };
    let (status, body) = api
        .send(
            reqwest::Method::PATCH,
            "/api/v1/profile",
            Some(serde_json::json!({
                "snils": "12345678964", "passport_series": "5720", "passport_number": "123456",
                "passport_issued_on": "2020-06-01", "passport_issuer": "ГУ МВД России по Пермскому краю",
                "passport_division_code": "590-001", "birth_date": "2006-05-01", "sex": "female",
                "place_of_birth": "г. Пермь",
                "reg_region": "Пермский край", "reg_city": "Пермь", "reg_street": "ул. Ленина",
                "reg_house": "5", "reg_flat": "12", "reg_postcode": "614000", "actual_same": true
            })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["profile"]["identity_level"], "standard", "{body}");
    let (status, doc) = api
        .send(
            reqwest::Method::POST,
            "/api/v1/documents",
            Some(passport_body("Петрова", "Анна")),
        )
        .await;
    assert_eq!(status, 201, "{doc}");
    let id = doc["id"].as_str().expect("id").to_owned();
    let (status, files) = api
        .upload(
            &format!("/api/v1/documents/{id}/files"),
            "Фото 35x45.pdf",
            scan_pdf("фото", 20_000),
        )
        .await;
    assert_eq!(status, 201, "{files}");
    (api, files[0]["id"].as_str().expect("file id").to_owned())
}

pub(crate) fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Follows the redirects of a page (GET) to where they end.
pub(crate) async fn landing(app: &TestApp, mut path: String) -> (String, String) {
    for _ in 0..5 {
        let r = app.get(&path).await;
        if r.status() == 303 {
            path = location(&r);
            continue;
        }
        assert_eq!(r.status(), 200, "{path}");
        return (path, r.text().await.expect("page"));
    }
    panic!("too many redirects from {path}");
}

/// Posts a step's answers with the page's CSRF token; returns the response.
pub(crate) async fn post_step(
    app: &TestApp,
    path: &str,
    answers: &[(&str, &str)],
) -> reqwest::Response {
    let (_, html) = app.get_text(path).await;
    let token = csrf_token(&html);
    let mut form: Vec<(&str, &str)> = vec![("_csrf", &token)];
    form.extend_from_slice(answers);
    app.post_form(path, &form).await
}

pub(crate) async fn start_passport_draft(app: &TestApp) -> String {
    let (status, service) = app.get_text("/services/passport_replacement").await;
    assert_eq!(status, 200);
    assert!(service.contains("Подать заявление"), "{service}");
    let r = app
        .post_form(
            "/services/passport_replacement/apply",
            &[("_csrf", &csrf_token(&service))],
        )
        .await;
    assert_eq!(r.status(), 303);
    let resume = location(&r);
    assert!(resume.ends_with("/resume"), "{resume}");
    resume
        .trim_start_matches("/applications/")
        .trim_end_matches("/resume")
        .to_owned()
}

#[tokio::test]
async fn a_citizen_fills_a_prefilled_passport_replacement_step_by_step_signs_and_gets_a_number() {
    let app = TestApp::spawn().await;
    let (_api, photo) = citizen_with_passport(&app, "+79120000301", "apply@example.ru").await;
    let id = start_passport_draft(&app).await;

    // The draft opens on its first step.
    let (path, html) = landing(&app, format!("/applications/{id}/resume")).await;
    assert_eq!(path, format!("/applications/{id}/steps/reason"));
    assert!(html.contains("Почему вы меняете паспорт"));
    assert!(
        html.contains("href=\"/services/passport_replacement\""),
        "the back link of the first step leads to the service"
    );

    // Nothing chosen: the page says so, in the summary and at the field.
    let r = post_step(&app, &path, &[]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("page");
    assert!(html.contains("error-summary"), "{html}");
    assert!(
        html.contains("href=\"#reason\""),
        "the summary links the field"
    );
    assert!(html.contains("Почему вы меняете паспорт"));

    // At 20: the steps for a lost passport and a new name are not asked.
    let r = post_step(&app, &path, &[("reason", "age_20")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/applications/{id}/steps/person"));

    // Prefilled from the profile and marked so.
    let person = format!("/applications/{id}/steps/person");
    let (_, html) = app.get_text(&person).await;
    assert!(html.contains("value=\"Петрова\""), "{html}");
    assert!(
        html.contains("value=\"01.05.2006\""),
        "the date as people type it"
    );
    assert!(html.contains("value=\"123-456-789 64\""));
    assert!(html.contains("заполнено из профиля"));
    assert!(
        html.contains(&format!("href=\"/applications/{id}/steps/reason\"")),
        "back to the previous step"
    );

    // A wrong SNILS is refused with the reason; the other answers stay as typed.
    let r = post_step(
        &app,
        &person,
        &[
            ("surname", "Петрова"),
            ("given_name", "Анна"),
            ("birth_date", "01.05.2006"),
            ("sex", "female"),
            ("place_of_birth", "город Пермь Пермского края"),
            ("snils", "123-456-789 65"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("page");
    assert!(html.contains("контрольное число не сходится"), "{html}");
    assert!(html.contains("value=\"город Пермь Пермского края\""));
    assert!(
        html.contains("value=\"123-456-789 65\""),
        "the typed value stays"
    );

    let r = post_step(
        &app,
        &person,
        &[
            ("surname", "Петрова"),
            ("given_name", "Анна"),
            ("patronymic", "Сергеевна"),
            ("birth_date", "01.05.2006"),
            ("sex", "female"),
            ("place_of_birth", "город Пермь Пермского края"),
            ("snils", "12345678964"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        location(&r),
        format!("/applications/{id}/steps/current_passport")
    );

    // The current passport comes from «Мои документы».
    let current = format!("/applications/{id}/steps/current_passport");
    let (_, html) = app.get_text(&current).await;
    assert!(html.contains("ГУ МВД России по Пермскому краю"), "{html}");
    let r = post_step(
        &app,
        &current,
        &[
            ("passport_number", "57 20 123456"),
            ("passport_issued_on", "01.06.2020"),
            ("passport_issuer", "ГУ МВД России по Пермскому краю"),
            ("passport_division_code", "590-001"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);

    let address = format!("/applications/{id}/steps/address");
    let (_, html) = app.get_text(&address).await;
    assert!(
        html.contains("614000, Пермский край, Пермь, ул. Ленина, 5, 12"),
        "{html}"
    );
    let r = post_step(
        &app,
        &address,
        &[
            (
                "registration_address",
                "614000, Пермский край, Пермь, ул. Ленина, 5, 12",
            ),
            ("phone", "+7 912 000-03-01"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);

    // The photo is chosen from «Мои документы»; someone else's file id is refused.
    let photos = format!("/applications/{id}/steps/photo_and_children");
    let (_, html) = app.get_text(&photos).await;
    assert!(html.contains(&format!("value=\"{photo}\"")), "{html}");
    let r = post_step(
        &app,
        &photos,
        &[("photo", "0190a1b2-0000-7000-8000-000000000000")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = post_step(
        &app,
        &photos,
        &[
            ("photo", photo.as_str()),
            ("children.0.child_full_name", "Петров Иван Андреевич"),
            ("children.0.child_birth_date", "12.03.2020"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let r = post_step(
        &app,
        &format!("/applications/{id}/steps/consent"),
        &[("data_correct", "yes"), ("agree", "yes")],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/applications/{id}/check"));

    // «Проверьте ответы»: everything in words, each with «Изменить».
    let check = format!("/applications/{id}/check");
    let (_, html) = app.get_text(&check).await;
    assert!(html.contains("Проверьте ответы"));
    assert!(html.contains("Исполнилось 20 лет"), "the choice in words");
    assert!(html.contains("Женский"));
    assert!(html.contains("Фото 35x45.pdf"), "the file by its name");
    assert!(html.contains("Петров Иван Андреевич"));
    assert!(html.contains(&format!(
        "href=\"/applications/{id}/steps/person?back=check\""
    )));

    // Changing an answer from the check page comes back to it.
    let r = post_step(
        &app,
        &format!("/applications/{id}/steps/address?back=check"),
        &[
            (
                "registration_address",
                "614000, Пермский край, Пермь, ул. Ленина, 5, 12",
            ),
            ("phone", "+79120000301"),
        ],
    )
    .await;
    assert_eq!(location(&r), check);

    // A wrong password signs nothing.
    let (_, html) = app.get_text(&check).await;
    let r = app
        .post_form(
            &format!("/applications/{id}/submit"),
            &[
                ("_csrf", &csrf_token(&html)),
                ("password", "not-my-password"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("page")
            .contains("Пароль или код не подошли")
    );

    let r = app
        .post_form(
            &format!("/applications/{id}/submit"),
            &[("_csrf", &csrf_token(&html)), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let done = location(&r);
    let plain = done.rsplit('=').next().expect("number").to_owned();
    let number = ApplicationNumber::parse(&plain).expect("a number with its check digit");

    // The page: the number as it is read out, the status, the due date of the term.
    let (_, page) = app.get_text(&done).await;
    assert!(page.contains(&number.to_string()), "{page}");
    assert!(page.contains("Принято"));
    let seed = Seed::builtin().expect("catalogue");
    let term = seed
        .services
        .iter()
        .find(|s| s.code == "passport_replacement")
        .expect("service")
        .term;
    let today = server::local_time::today(app.state.now(), "Europe/Moscow");
    let due = term.due(today).strftime("%d.%m.%Y").to_string();
    assert!(page.contains(&due), "due {due}: {page}");

    // The submission is immutable and its digest is what the audit chain keeps.
    let mut conn = app.state.db.connection().await.expect("db");
    let versions = store::applications::versions(&mut conn, &id)
        .await
        .expect("versions");
    assert_eq!(versions.len(), 1);
    let v = &versions[0];
    assert_eq!(
        v.digest,
        store::hex(&Sha256::digest(v.canonical.as_bytes()))
    );
    let canonical: serde_json::Value = serde_json::from_str(&v.canonical).expect("json");
    assert_eq!(canonical["answers"]["snils"], "123-456-789 64");
    assert_eq!(canonical["answers"]["reason"], "age_20");
    assert!(
        canonical["answers"].get("lost_on").is_none(),
        "hidden steps are not submitted"
    );
    assert_eq!(canonical["files"][0]["file_id"], photo.as_str());
    assert_eq!(
        canonical["files"][0]["sha256"],
        store::hex(&Sha256::digest(scan_pdf("фото", 20_000)))
    );
    assert!(page.contains(&v.digest));
    let (audit, _) = store::audit::search(
        &app.state.db,
        &store::audit::Search {
            subject_id: None,
            actor_id: None,
            action_prefix: Some("application.submitted"),
            ip: None,
            object_id: Some(&id),
            from: None,
            to: None,
        },
        10,
        0,
    )
    .await
    .expect("audit");
    assert_eq!(audit.len(), 1);
    let details: serde_json::Value = serde_json::from_str(&audit[0].details).expect("details");
    assert_eq!(details["digest"], v.digest.as_str());
    assert_eq!(details["number"], number.to_string());

    // Told in the cabinet, under «Заявления».
    let (_, inbox) = app.get_text("/notifications").await;
    assert!(
        inbox.contains(&format!("Заявление № {number} принято")),
        "{inbox}"
    );

    // A submitted application's steps are closed: posting them changes nothing.
    let token = csrf_token(&page);
    let r = app
        .post_form(
            &format!("/applications/{id}/steps/reason"),
            &[("_csrf", &token), ("reason", "lost")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/applications/{id}"));
    let row = store::applications::get(&mut conn, &row_owner(&app, &id).await, &id)
        .await
        .expect("row")
        .expect("there");
    assert!(row.answers.contains("age_20"));

    // «Мои заявления» lists it and finds it by its number however it is typed.
    let (_, mine) = app.get_text("/applications").await;
    assert!(mine.contains(&number.to_string()));
    let (_, found) = app
        .get_text(&format!(
            "/applications?number={}",
            number.to_string().replace('-', " ")
        ))
        .await;
    assert!(found.contains(&format!("/applications/{id}")));
    let mut wrong = plain.clone().into_bytes();
    wrong.swap(2, 3);
    if wrong != plain.as_bytes() {
        let (_, refused) = app
            .get_text(&format!(
                "/applications?number={}",
                String::from_utf8(wrong).expect("digits")
            ))
            .await;
        assert!(
            refused.contains("проверьте цифры"),
            "a swapped pair is caught"
        );
    }

    // Withdrawn while not final; then the button is gone.
    let (_, page) = app.get_text(&format!("/applications/{id}")).await;
    let r = app
        .post_form(
            &format!("/applications/{id}/withdraw"),
            &[("_csrf", &csrf_token(&page))],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, page) = app.get_text(&format!("/applications/{id}")).await;
    assert!(page.contains("Отозвано"));
    assert!(
        !page.contains("/withdraw\""),
        "a final application offers no withdrawal"
    );
}

pub(crate) async fn row_owner(app: &TestApp, id: &str) -> String {
    let mut conn = app.state.db.connection().await.expect("db");
    sqlx::query_scalar::<_, String>("SELECT owner_id FROM applications WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .expect("owner")
}

#[tokio::test]
async fn another_citizen_reaches_no_draft_and_no_application_of_someone_else() {
    let app = TestApp::spawn().await;
    citizen_with_passport(&app, "+79120000302", "owner-app@example.ru").await;
    let id = start_passport_draft(&app).await;

    let other = app.with_client(client());
    registered_citizen(&other, "+79120000303", "other-app@example.ru").await;
    for path in [
        format!("/applications/{id}"),
        format!("/applications/{id}/resume"),
        format!("/applications/{id}/steps/reason"),
        format!("/applications/{id}/check"),
    ] {
        assert_eq!(other.get(&path).await.status(), 404, "{path}");
    }
    let (_, own_page) = other.get_text("/applications").await;
    assert!(!own_page.contains(&id), "not in their list");
    let token = csrf_token(&own_page);
    for path in [
        format!("/applications/{id}/steps/reason"),
        format!("/applications/{id}/submit"),
        format!("/applications/{id}/delete"),
        format!("/applications/{id}/withdraw"),
    ] {
        let r = other
            .post_form(
                &path,
                &[
                    ("_csrf", &token),
                    ("reason", "lost"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.status(), 404, "{path}");
    }
    // The owner's draft is untouched.
    let row = store::applications::get(
        &mut app.state.db.connection().await.expect("db"),
        &row_owner(&app, &id).await,
        &id,
    )
    .await
    .expect("row")
    .expect("still there");
    assert_eq!(row.status, "draft");
    let answers: serde_json::Value = serde_json::from_str(&row.answers).expect("json");
    assert!(answers.get("reason").is_none(), "{answers}");
}

#[tokio::test]
async fn a_draft_is_listed_resumed_where_it_stopped_and_deleted() {
    let app = TestApp::spawn().await;
    citizen_with_passport(&app, "+79120000304", "drafts@example.ru").await;
    let id = start_passport_draft(&app).await;
    let r = post_step(
        &app,
        &format!("/applications/{id}/steps/reason"),
        &[("reason", "lost")],
    )
    .await;
    assert_eq!(location(&r), format!("/applications/{id}/steps/loss"));

    let (_, mine) = app.get_text("/applications?status=draft").await;
    assert!(mine.contains("Черновик"), "{mine}");
    assert!(mine.contains("Черновик хранится до"));
    assert!(mine.contains(&format!("/applications/{id}/resume")));
    // The home page lists it under «Требует внимания».
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("1 черновик заявления не отправлен"), "{home}");
    // The service's page offers to go on with it.
    let (_, service) = app.get_text("/services/passport_replacement").await;
    assert!(service.contains(&format!("/applications/{id}/resume")));

    // Resumed at the first step that is not complete: the one for a lost passport.
    let (path, _) = landing(&app, format!("/applications/{id}/resume")).await;
    assert_eq!(path, format!("/applications/{id}/steps/loss"));

    // The check page says what is missing and links the steps; nothing can be signed yet.
    let (_, check) = app.get_text(&format!("/applications/{id}/check")).await;
    assert!(
        check.contains("Заявление ещё не готово к отправке"),
        "{check}"
    );
    assert!(check.contains(&format!("/applications/{id}/steps/loss?back=check")));
    assert!(!check.contains("/submit\""));

    let r = app
        .post_form(
            &format!("/applications/{id}/delete"),
            &[("_csrf", &csrf_token(&check))],
        )
        .await;
    assert_eq!(r.status(), 303);
    let back = location(&r);
    assert_eq!(app.get(&format!("/applications/{id}")).await.status(), 404);
    let (_, mine) = app.get_text(&back).await;
    assert!(mine.contains("Черновик удалён"));
}

#[tokio::test]
async fn a_simplified_account_is_told_how_to_reach_the_level_a_service_needs() {
    let app = TestApp::spawn().await;
    registered_citizen(&app, "+79120000305", "simple@example.ru").await;
    let (_, service) = app.get_text("/services/passport_replacement").await;
    assert!(
        service.contains("нужна стандартная или подтверждённая"),
        "{service}"
    );
    assert!(
        !service.contains("/apply\""),
        "no button to a form they cannot send"
    );
    let r = app
        .post_form(
            "/services/passport_replacement/apply",
            &[("_csrf", &csrf_token(&service))],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/services/passport_replacement?level=1");
    let mut conn = app.state.db.connection().await.expect("db");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM applications")
        .fetch_one(&mut *conn)
        .await
        .expect("count");
    assert_eq!(n, 0, "no draft was started");
    // An appeal needs only a registered account.
    let (_, appeal) = app.get_text("/services/appeal").await;
    assert!(appeal.contains("/services/appeal/apply"));
}

/// A passport replacement at 20, filled and signed through the pages with this photo: its id
/// and number.
pub(crate) async fn submitted_passport(app: &TestApp, photo: &str) -> (String, ApplicationNumber) {
    let id = start_passport_draft(app).await;
    let steps: [(&str, Vec<(&str, &str)>); 6] = [
        ("reason", vec![("reason", "age_20")]),
        (
            "person",
            vec![
                ("surname", "Петрова"),
                ("given_name", "Анна"),
                ("birth_date", "01.05.2006"),
                ("sex", "female"),
                ("place_of_birth", "г. Пермь"),
                ("snils", "12345678964"),
            ],
        ),
        (
            "current_passport",
            vec![
                ("passport_number", "57 20 123456"),
                ("passport_issued_on", "01.06.2020"),
                ("passport_issuer", "ГУ МВД России по Пермскому краю"),
                ("passport_division_code", "590-001"),
            ],
        ),
        (
            "address",
            vec![
                (
                    "registration_address",
                    "614000, Пермский край, Пермь, ул. Ленина, 5, 12",
                ),
                ("phone", "+79120000399"),
            ],
        ),
        ("photo_and_children", vec![("photo", photo)]),
        ("consent", vec![("data_correct", "yes"), ("agree", "yes")]),
    ];
    for (step, answers) in steps {
        let r = post_step(app, &format!("/applications/{id}/steps/{step}"), &answers).await;
        assert_eq!(
            r.status(),
            303,
            "{step}: {}",
            r.text().await.unwrap_or_default()
        );
    }
    let (_, html) = app.get_text(&format!("/applications/{id}/check")).await;
    let r = app
        .post_form(
            &format!("/applications/{id}/submit"),
            &[("_csrf", &csrf_token(&html)), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let plain = location(&r)
        .rsplit('=')
        .next()
        .unwrap_or_default()
        .to_owned();
    (id, ApplicationNumber::parse(&plain).expect("number"))
}

#[tokio::test]
async fn an_untouched_draft_is_announced_a_week_before_and_removed_after_sixty_days() {
    use jiff::SignedDuration;
    use server::features::applications::drafts::sweep;
    let app = TestApp::spawn().await;
    citizen_with_passport(&app, "+79120000306", "expiry@example.ru").await;
    let id = start_passport_draft(&app).await;
    let day = SignedDuration::from_hours(24);

    app.clock.advance(day * 50);
    assert_eq!(
        sweep(&app.state).await.expect("sweep"),
        (0, 0),
        "nothing due yet"
    );
    app.clock.advance(day * 4);
    assert_eq!(
        sweep(&app.state).await.expect("sweep"),
        (1, 0),
        "told a week before"
    );
    assert_eq!(sweep(&app.state).await.expect("sweep"), (0, 0), "told once");
    // Weeks later the session has ended: the citizen signs in again.
    sign_in_again(&app, "+79120000306").await;
    let (_, inbox) = app.get_text("/notifications").await;
    assert!(inbox.contains("Черновик заявления будет удалён"), "{inbox}");

    // Saving a step keeps it 60 more days, and the warning is due again then.
    let r = post_step(
        &app,
        &format!("/applications/{id}/steps/reason"),
        &[("reason", "age_45")],
    )
    .await;
    assert_eq!(r.status(), 303);
    app.clock.advance(day * 10);
    assert_eq!(
        sweep(&app.state).await.expect("sweep"),
        (0, 0),
        "saved: not expiring"
    );
    app.clock.advance(day * 51);
    assert_eq!(
        sweep(&app.state).await.expect("sweep"),
        (0, 1),
        "removed after 60 days"
    );
    sign_in_again(&app, "+79120000306").await;
    assert_eq!(
        app.get(&format!("/applications/{id}/resume"))
            .await
            .status(),
        404
    );
    let (records, _) = store::audit::search(
        &app.state.db,
        &store::audit::Search {
            subject_id: None,
            actor_id: None,
            action_prefix: Some("application.draft_deleted"),
            ip: None,
            object_id: Some(&id),
            from: None,
            to: None,
        },
        10,
        0,
    )
    .await
    .expect("audit");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].actor_kind, "system");
}

async fn sign_in_again(app: &TestApp, login: &str) {
    let (_, html) = app.get_text("/login").await;
    let r = app
        .post_form(
            "/login",
            &[
                ("_csrf", &csrf_token(&html)),
                ("login", login),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "signed in again");
}

#[tokio::test]
async fn a_step_is_checked_as_it_is_typed_without_saving_anything() {
    let app = TestApp::spawn().await;
    citizen_with_passport(&app, "+79120000441", "live@example.ru").await;
    let id = start_passport_draft(&app).await;
    let page = format!("/applications/{id}/steps/person");
    let (_, html) = app.get_text(&page).await;
    assert!(html.contains(&format!(
        "data-live-check=\"/applications/{id}/steps/person/check\""
    )));
    let token = csrf_token(&html);
    let before: String = sqlx::query_scalar("SELECT answers FROM applications WHERE id = $1")
        .bind(&id)
        .fetch_one(app.state.db.pool())
        .await
        .expect("draft");
    let r = app
        .post_form(
            &format!("{page}/check"),
            &[
                ("_csrf", &token),
                ("snils", "123-456-789 00"),
                ("birth_date", "31.02.2000"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let found: serde_json::Value = r.json().await.expect("json");
    let problems = &found["problems"];
    assert!(
        problems["snils"].as_str().is_some_and(|t| !t.is_empty()),
        "{found}"
    );
    assert!(problems["birth_date"].is_string(), "{found}");
    let after: String = sqlx::query_scalar("SELECT answers FROM applications WHERE id = $1")
        .bind(&id)
        .fetch_one(app.state.db.pool())
        .await
        .expect("draft");
    assert_eq!(before, after, "a check saves nothing");

    // Another citizen's draft is not found; a request without the form's token is refused.
    let stranger = app.with_client(client());
    registered_citizen(&stranger, "+79120000442", "live-stranger@example.ru").await;
    let (_, theirs) = stranger.get_text("/applications").await;
    let r = stranger
        .post_form(
            &format!("{page}/check"),
            &[("_csrf", &csrf_token(&theirs)), ("snils", "1")],
        )
        .await;
    assert_eq!(r.status(), 404);
    let r = app
        .post_form(&format!("{page}/check"), &[("snils", "1")])
        .await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn a_trashed_document_whose_file_an_application_names_is_kept_for_the_agency() {
    let app = TestApp::spawn().await;
    server::demo::seed(&app.state).await.expect("demo");
    let (api, photo) = citizen_with_passport(&app, "+79120000461", "kept@example.ru").await;
    let (id, _) = submitted_passport(&app, &photo).await;
    let document: String =
        sqlx::query_scalar("SELECT document_id FROM application_files WHERE file_id = $1")
            .bind(&photo)
            .fetch_one(app.state.db.pool())
            .await
            .expect("attached");
    let (status, _) = api
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/documents/{document}"),
            None,
        )
        .await;
    assert!(status == 200 || status == 204, "trashed: {status}");
    app.clock.advance(jiff::SignedDuration::from_hours(24 * 31));
    let purged = server::features::documents::service::purge_expired_trash(&app.state)
        .await
        .expect("purge");
    assert_eq!(purged, 0, "the application still names its file");
    let officer =
        crate::office::signed_in(&app, "officer@demo.kabinet.test", "Demo-Officer-2026").await;
    let r = officer
        .get(&format!("/office/applications/{id}/files/{photo}"))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.bytes().await.expect("bytes").to_vec(),
        crate::harness::scan_pdf("фото", 20_000)
    );
}
