//! The profile: editing personal data with every field checked, the identity level following
//! passport and SNILS, and the same through the API.

use crate::harness::{PASSWORD, registered_citizen};
use crate::harness::{TestApp, client, csrf_token};

fn full_profile(token: &str) -> Vec<(&'static str, &str)> {
    vec![
        ("_csrf", token),
        ("surname", "Петрова"),
        ("given_name", "Анна"),
        ("patronymic", "Сергеевна"),
        ("birth_date", "29.02.2000"),
        ("sex", "female"),
        ("place_of_birth", "г. Пермь"),
        ("snils", "112-233-445 95"),
        ("inn", "500100732259"),
        ("passport_series", "57 14"),
        ("passport_number", "123456"),
        ("passport_issued_on", "15.03.2014"),
        ("passport_issuer", "ОУФМС России по Пермскому краю"),
        ("passport_division_code", "590001"),
        ("reg_region", "Пермский край"),
        ("reg_city", "Пермь"),
        ("reg_street", "ул. Ленина"),
        ("reg_house", "1"),
        ("reg_flat", "10"),
        ("reg_postcode", "614000"),
        ("actual_same", "yes"),
    ]
}

#[tokio::test]
async fn passport_and_snils_make_the_account_standard_and_are_shown() {
    let app = TestApp::spawn().await;
    registered_citizen(&app, "+79120000021", "profile@example.ru").await;
    let (status, html) = app.get_text("/profile/edit").await;
    assert_eq!(status, 200);
    let token = csrf_token(&html);
    let saved = app.post_form("/profile/edit", &full_profile(&token)).await;
    assert_eq!(saved.status(), 303);
    assert_eq!(saved.headers()["location"], "/profile?level_standard=1");
    let (_, profile) = app.get_text("/profile?level_standard=1").await;
    assert!(profile.contains("стандартная учётная запись"));
    assert!(profile.contains("Стандартная"));
    assert!(profile.contains("112-233-445 95"));
    assert!(profile.contains("5714 123456"), "{profile}");
    assert!(profile.contains("590-001"));
    assert!(profile.contains("29.02.2000"));
    assert!(profile.contains("614000, Пермский край, Пермь, ул. Ленина, 1, 10"));
    // Typed by hand: the profile says no document backs it, and where to add one.
    assert!(profile.contains("Документа нет в «Мои документы»."));
    assert!(profile.contains("href=\"/documents/new?kind=passport_rf\""));

    // SNILS now signs in too.
    let fresh = app.with_client(client());
    let html = fresh.get_text("/login").await.1;
    let r = fresh
        .post_form(
            "/login",
            &[
                ("_csrf", &csrf_token(&html)),
                ("login", "112-233-445 95"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "sign-in by SNILS");

    // Removing the passport drops the account back to simplified.
    let mut without = full_profile(&token);
    for (k, v) in without.iter_mut() {
        if k.starts_with("passport_") {
            *v = "";
        }
    }
    let r = app.post_form("/profile/edit", &without).await;
    assert_eq!(r.status(), 303);
    let (_, profile) = app.get_text("/profile").await;
    assert!(profile.contains("Упрощённая"));
}

#[tokio::test]
async fn every_field_is_checked_and_the_form_keeps_what_was_typed() {
    let app = TestApp::spawn().await;
    registered_citizen(&app, "+79120000022", "checks@example.ru").await;
    let (_, html) = app.get_text("/profile/edit").await;
    let token = csrf_token(&html);
    let mut bad = full_profile(&token);
    let set = |form: &mut Vec<(&'static str, &str)>, key: &str, value: &'static str| {
        for (k, v) in form.iter_mut() {
            if *k == key {
                *v = value;
            }
        }
    };
    set(&mut bad, "snils", "112-233-445 96");
    set(&mut bad, "inn", "7707083893");
    set(&mut bad, "passport_division_code", "59-0001");
    set(&mut bad, "passport_issued_on", "15.03.2010");
    set(&mut bad, "reg_postcode", "6140");
    set(&mut bad, "given_name", "");
    let r = app.post_form("/profile/edit", &bad).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.expect("body");
    for expected in [
        "Контрольное число СНИЛС",
        "ИНН физического лица — 12 цифр",
        "Код подразделения — 6 цифр",
        "Паспорт выдаётся с 14 лет",
        "Индекс — 6 цифр",
        "Введите имя",
    ] {
        assert!(page.contains(expected), "{expected}");
    }
    assert!(
        page.contains(r#"value="112-233-445 96""#),
        "typed values kept"
    );
    let (_, profile) = app.get_text("/profile").await;
    assert!(profile.contains("Упрощённая"), "nothing was saved");
}

#[tokio::test]
async fn a_snils_of_another_account_is_refused() {
    let app = TestApp::spawn().await;
    registered_citizen(&app, "+79120000023", "first-snils@example.ru").await;
    let (_, html) = app.get_text("/profile/edit").await;
    assert_eq!(
        app.post_form("/profile/edit", &full_profile(&csrf_token(&html)))
            .await
            .status(),
        303
    );

    let other = app.with_client(client());
    registered_citizen(&other, "+79120000024", "second-snils@example.ru").await;
    let (_, html) = other.get_text("/profile/edit").await;
    let r = other
        .post_form("/profile/edit", &full_profile(&csrf_token(&html)))
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("уже указан в другой учётной записи")
    );
}

#[tokio::test]
async fn the_api_reads_and_patches_the_profile() {
    let app = TestApp::spawn().await;
    registered_citizen(&app, "+79120000025", "api-profile@example.ru").await;
    let http = client();
    let issued: serde_json::Value = http
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({ "login": "+79120000025", "password": PASSWORD }))
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    let token = issued["token"].as_str().expect("token").to_owned();

    let profile: serde_json::Value = http
        .get(app.url("/api/v1/profile"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    assert_eq!(profile["identity_level"], "simplified");
    assert_eq!(profile["phone"], "+79120000025");
    assert_eq!(profile["fields"]["surname"], "Петрова");

    let patched = http
        .patch(app.url("/api/v1/profile"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "snils": "11223344595", "passport_series": "5714", "passport_number": "123456",
            "passport_issued_on": "2014-03-15", "passport_issuer": "ОУФМС", "passport_division_code": "590-001",
            "birth_date": "2000-02-29"
        }))
        .send()
        .await
        .expect("answered");
    assert_eq!(patched.status(), 200);
    let patched: serde_json::Value = patched.json().await.expect("json");
    assert_eq!(patched["profile"]["identity_level"], "standard");
    assert_eq!(patched["change"]["level_before"], "simplified");
    assert_eq!(
        patched["profile"]["fields"]["given_name"], "Анна",
        "untouched fields stay"
    );

    let invalid = http
        .patch(app.url("/api/v1/profile"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "inn": "123" }))
        .send()
        .await
        .expect("answered");
    assert_eq!(invalid.status(), 422);
    let body: serde_json::Value = invalid.json().await.expect("json");
    assert_eq!(body["error"]["fields"][0]["field"], "inn");

    let unknown = http
        .patch(app.url("/api/v1/profile"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "identity_level": "confirmed" }))
        .send()
        .await
        .expect("answered");
    assert_eq!(unknown.status(), 422, "the level cannot be written");
    let still: serde_json::Value = http
        .get(app.url("/api/v1/profile"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    assert_eq!(still["identity_level"], "standard");

    assert_eq!(
        http.get(app.url("/api/v1/profile"))
            .send()
            .await
            .expect("answered")
            .status(),
        401
    );
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_other_sessions() {
    let app = TestApp::spawn().await;
    registered_citizen(&app, "+79120000026", "pw@example.ru").await;
    let other_device = app.with_client(client());
    let html = other_device.get_text("/login").await.1;
    other_device
        .post_form(
            "/login",
            &[
                ("_csrf", &csrf_token(&html)),
                ("login", "+79120000026"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(other_device.get("/profile").await.status(), 200);

    let (status, html) = app.get_text("/profile/password").await;
    assert_eq!(status, 200, "{html}");
    let token = csrf_token(&html);
    let wrong = app
        .post_form(
            "/profile/password",
            &[
                ("_csrf", &token),
                ("current", "nope"),
                ("password", "Novyi-Parol-2027#"),
                ("password_confirm", "Novyi-Parol-2027#"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    assert!(
        wrong
            .text()
            .await
            .expect("body")
            .contains("Текущий пароль указан неверно")
    );

    let ok = app
        .post_form(
            "/profile/password",
            &[
                ("_csrf", &token),
                ("current", PASSWORD),
                ("password", "Novyi-Parol-2027#"),
                ("password_confirm", "Novyi-Parol-2027#"),
            ],
        )
        .await;
    assert_eq!(ok.status(), 303);
    assert_eq!(
        app.get("/profile").await.status(),
        200,
        "this session stays"
    );
    assert_eq!(
        other_device.get("/profile").await.status(),
        303,
        "other sessions end"
    );
    let sms =
        crate::harness::sms_where(&app, "+79120000026", |b| b.contains("пароль изменён")).await;
    assert!(sms.contains("Кабинет"));
}

#[tokio::test]
async fn a_new_phone_is_confirmed_by_a_code_sent_to_it_and_the_old_one_is_told() {
    let app = TestApp::spawn().await;
    registered_citizen(&app, "+79120000027", "phone-change@example.ru").await;
    let (_, html) = app.get_text("/profile/contacts").await;
    let token = csrf_token(&html);
    let same = app
        .post_form(
            "/profile/contacts",
            &[("_csrf", &token), ("phone", "8 912 000 00 27")],
        )
        .await;
    assert_eq!(same.status(), 422);

    let r = app
        .post_form(
            "/profile/contacts",
            &[("_csrf", &token), ("phone", "+7 912 000-00-28")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let path = r.headers()["location"].to_str().expect("ascii").to_owned();
    let code = crate::harness::six_digits(&crate::harness::latest_sms(&app, "+79120000028").await);
    let (_, page) = app.get_text(&path).await;
    assert!(page.contains("+7 912 ***-**-28"));
    let done = app
        .post_form(&path, &[("_csrf", &csrf_token(&page)), ("code", &code)])
        .await;
    assert_eq!(done.status(), 303);
    let (_, profile) = app.get_text("/profile").await;
    assert!(profile.contains("+7 912 ***-**-28"));
    let notice = crate::harness::sms_where(&app, "+79120000027", |b| b.contains("контакты")).await;
    assert!(notice.contains("изменены"));

    // Another user's session cannot use this user's challenge.
    let other = app.with_client(client());
    registered_citizen(&other, "+79120000029", "other-change@example.ru").await;
    assert_eq!(other.get(&path).await.status(), 404);
}

#[tokio::test]
async fn api_keys_are_made_on_a_page_shown_once_and_revoked() {
    let app = TestApp::spawn().await;
    registered_citizen(&app, "+79120000501", "keys@example.ru").await;
    let (status, html) = app.get_text("/profile/tokens").await;
    assert_eq!(status, 200);
    let token = csrf_token(&html);
    let r = app
        .post_form("/profile/tokens", &[("_csrf", &token), ("name", "  ")])
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("href=\"#name\""));

    let r = app
        .post_form(
            "/profile/tokens",
            &[("_csrf", &token), ("name", "Скрипт бухгалтерии")],
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.expect("body");
    let marker = "id=\"new-token\">";
    let start = html.find(marker).expect("the key is shown") + marker.len();
    let key = html[start..start + html[start..].find('<').expect("ends")].to_owned();
    let profile = |key: String| {
        let app = &app;
        async move {
            client()
                .get(app.url("/api/v1/profile"))
                .bearer_auth(key)
                .send()
                .await
                .expect("answered")
                .status()
        }
    };
    assert_eq!(profile(key.clone()).await, 200, "the key works");
    let (_, list) = app.get_text("/profile/tokens").await;
    assert!(list.contains("Скрипт бухгалтерии"));
    assert!(!list.contains(&key), "never shown again");

    let (_, tokens) = {
        let r = client()
            .get(app.url("/api/v1/auth/tokens"))
            .bearer_auth(&key)
            .send()
            .await
            .expect("answered");
        (
            r.status(),
            r.json::<serde_json::Value>().await.expect("json"),
        )
    };
    let id = tokens
        .as_array()
        .expect("list")
        .iter()
        .find(|t| t["name"] == "Скрипт бухгалтерии")
        .and_then(|t| t["id"].as_str())
        .expect("listed")
        .to_owned();

    let other = app.with_client(client());
    registered_citizen(&other, "+79120000502", "keys2@example.ru").await;
    let (_, html) = other.get_text("/profile/tokens").await;
    let r = other
        .post_form(
            &format!("/profile/tokens/{id}/revoke"),
            &[("_csrf", &csrf_token(&html))],
        )
        .await;
    assert_eq!(r.status(), 404, "another user's key");
    assert_eq!(profile(key.clone()).await, 200);

    let r = app
        .post_form(
            &format!("/profile/tokens/{id}/revoke"),
            &[("_csrf", &token)],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(profile(key).await, 401, "revoked");
}

#[tokio::test]
async fn the_activity_log_lists_what_happened_filters_it_and_exports_csv() {
    let app = TestApp::spawn().await;
    registered_citizen(&app, "+79120000503", "journal@example.ru").await;
    let token = crate::harness::api_token(&app, "+79120000503").await;
    let created = client()
        .post(app.url("/api/v1/documents"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "kind": "other", "title": "Справка" }))
        .send()
        .await
        .expect("answered");
    assert_eq!(created.status(), 201);

    let (status, html) = app.get_text("/profile/journal").await;
    assert_eq!(status, 200);
    assert!(html.contains("Добавлен документ"), "{html}");
    assert!(html.contains("Выдан ключ API"));
    let (_, only_documents) = app.get_text("/profile/journal?area=document").await;
    assert!(only_documents.contains("Добавлен документ"));
    assert!(!only_documents.contains("Выдан ключ API"));
    let (status, bad) = app.get_text("/profile/journal?from=31.02.2026").await;
    assert_eq!(status, 422);
    assert!(bad.contains("href=\"#from\""));
    let (_, future) = app.get_text("/profile/journal?from=01.01.2030").await;
    assert!(!future.contains("Добавлен документ"), "the period applies");

    let csv = app.get("/profile/journal.csv?area=document").await;
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/csv")
    );
    let body = csv.text().await.expect("body");
    assert!(
        body.starts_with('\u{feff}'),
        "a BOM for spreadsheet programs"
    );
    let lines: Vec<&str> = body.trim_end().split("\r\n").collect();
    assert_eq!(
        lines[0],
        "\u{feff}\"Время\";\"Действие\";\"Кто\";\"IP-адрес\""
    );
    assert!(
        lines[1..].iter().all(|l| l.contains("документ")),
        "{lines:?}"
    );
    assert!(lines[1].contains("\"вы\""));

    // Another person sees only their own records.
    let other = app.with_client(client());
    registered_citizen(&other, "+79120000504", "journal2@example.ru").await;
    let (_, theirs) = other.get_text("/profile/journal?area=document").await;
    assert!(!theirs.contains("Добавлен документ"));
}

#[tokio::test]
async fn all_my_data_downloads_as_a_zip_that_an_independent_reader_opens() {
    let app = TestApp::spawn().await;
    registered_citizen(&app, "+79120000505", "export@example.ru").await;
    let token = crate::harness::api_token(&app, "+79120000505").await;
    let doc: serde_json::Value = client()
        .post(app.url("/api/v1/documents"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "kind": "other", "title": "Договор для выгрузки" }))
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    let id = doc["id"].as_str().expect("id");
    let scan = crate::harness::scan_pdf("выгрузка", 200_000);
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(scan).file_name("скан.pdf"),
    );
    let r = client()
        .post(app.url(&format!("/api/v1/documents/{id}/files")))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 201);
    let uploaded: serde_json::Value = r.json().await.expect("json");
    let expected = uploaded[0]["sha256"].as_str().expect("sha256").to_owned();

    let r = app.get("/profile/export.zip").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/zip");
    // Each export is new (it holds its own journal record), so each is opened on its own.
    let downloads = crate::harness::downloads_under_every_encoding(|| {
        app.client.get(app.url("/profile/export.zip"))
    })
    .await;
    for (encoding, zip) in downloads {
        let seen = open_export(&zip);

        // The journal names the export in words, on the page and in the CSV, in both languages.
        for (lang, words) in [
            ("ru", "Выгружены все данные"),
            ("en", "All data downloaded"),
        ] {
            let (_, page) = app.get_text("/profile/journal").await;
            let token = crate::harness::csrf_token(&page);
            app.post_form("/lang", &[("_csrf", &token), ("lang", lang), ("next", "/")])
                .await;
            for path in ["/profile/journal", "/profile/journal.csv"] {
                let (status, text) = app.get_text(path).await;
                assert_eq!(status, 200, "{path}");
                assert!(text.contains(words), "{path} in {lang}");
                assert!(!text.contains("personal_data.exported"), "{path} in {lang}");
            }
        }
        assert_eq!(seen["bad"], serde_json::Value::Null, "under {encoding}");
        assert_eq!(
            seen["sha"].as_str(),
            Some(expected.as_str()),
            "under {encoding}"
        );
    }
    let zip = app
        .get("/profile/export.zip")
        .await
        .bytes()
        .await
        .expect("bytes");
    let seen = open_export(&zip);
    assert_eq!(seen["bad"], serde_json::Value::Null, "every CRC matches");
    let names: Vec<&str> = seen["names"]
        .as_array()
        .expect("names")
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    for wanted in [
        "profile.json",
        "consents.json",
        "documents.json",
        "notifications.json",
        "subscriptions.json",
        "sign-ins.json",
        "activity-log.json",
    ] {
        assert!(names.contains(&wanted), "{wanted} in {names:?}");
    }
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("files/") && n.ends_with("скан.pdf"))
    );
    assert_eq!(seen["titles"][0], "Договор для выгрузки");
    assert_eq!(seen["profile"], "+79120000505");
    assert_eq!(
        seen["sha"].as_str(),
        Some(expected.as_str()),
        "the scan comes out decrypted, byte for byte"
    );
}

/// What an independent reader (Python's zipfile) finds in an export.
fn open_export(zip: &[u8]) -> serde_json::Value {
    let dir = crate::harness::TempDir::new();
    let path = dir.0.join("export.zip");
    std::fs::write(&path, zip).expect("written");
    let script = "import sys, json, zipfile, hashlib\n\
        z = zipfile.ZipFile(sys.argv[1])\n\
        bad = z.testzip()\n\
        files = [n for n in z.namelist() if n.startswith('files/')]\n\
        docs = json.loads(z.read('documents.json'))\n\
        print(json.dumps({'bad': bad, 'names': sorted(z.namelist()), 'titles': [d['title'] for d in docs],\n\
          'sha': hashlib.sha256(z.read(files[0])).hexdigest(), 'profile': json.loads(z.read('profile.json'))['phone']}))";
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}
