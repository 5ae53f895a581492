//! My documents and the registry through the API: a passport with a scan, its status by the
//! holder's age, a byte-identical download, search by word form, the trash and its purge, and
//! refusals that say why and leave nothing behind.

use crate::harness::Api;
use crate::harness::api_token;
use crate::harness::citizen_born;
use crate::harness::passport_body;
use crate::harness::scan_pdf;
use crate::harness::{TestApp, client};

async fn names(api: &Api<'_>) -> (String, String) {
    let (_, profile) = api
        .send(reqwest::Method::GET, "/api/v1/profile", None)
        .await;
    (
        profile["fields"]["surname"]
            .as_str()
            .expect("surname")
            .to_owned(),
        profile["fields"]["given_name"]
            .as_str()
            .expect("given name")
            .to_owned(),
    )
}

#[tokio::test]
async fn a_passport_with_a_scan_is_stored_assessed_found_downloaded_trashed_and_restored() {
    let app = TestApp::spawn().await;
    let api = citizen_born(&app, "+79120000051", "docs@example.ru", "2006-05-01").await;
    let (surname, given) = names(&api).await;
    use reqwest::Method as M;

    let (status, doc) = api
        .send(
            M::POST,
            "/api/v1/documents",
            Some(passport_body(&surname, &given)),
        )
        .await;
    assert_eq!(status, 201, "{doc}");
    let id = doc["id"].as_str().expect("id").to_owned();
    assert_eq!(doc["number"], "57 20 123456");
    // Born 2006-05-01: the 20th birthday is within 90 days of 2026-03-02.
    assert_eq!(doc["status"], "needs_replacement");
    assert_eq!(doc["status_reason"], "age_reached");
    assert_eq!(doc["replace_from"], "2026-05-01");
    assert_eq!(doc["valid_until"], "2026-07-30");

    let scan = scan_pdf("паспорт", 300_000);
    let (status, files) = api
        .upload(
            &format!("/api/v1/documents/{id}/files"),
            "Паспорт скан.pdf",
            scan.clone(),
        )
        .await;
    assert_eq!(status, 201, "{files}");
    let file_id = files[0]["id"].as_str().expect("file id").to_owned();
    assert_eq!(files[0]["content_type"], "application/pdf");
    assert_eq!(files[0]["name"], "Паспорт скан.pdf");

    // Stored encrypted: the object on disk is not the scan.
    let objects = app.state.vault.list().await.expect("objects");
    assert_eq!(objects.len(), 1);

    let download = client()
        .get(app.url(&format!("/api/v1/documents/{id}/files/{file_id}")))
        .bearer_auth(&api.token)
        .send()
        .await
        .expect("answered");
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "application/pdf");
    let disposition = download.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        disposition.contains("filename*=UTF-8''%D0%9F%D0%B0%D1%81%D0%BF%D0%BE%D1%80%D1%82"),
        "{disposition}"
    );
    let bytes = crate::harness::bytes_under_every_encoding(|| {
        client()
            .get(app.url(&format!("/api/v1/documents/{id}/files/{file_id}")))
            .bearer_auth(&api.token)
    })
    .await;
    assert_eq!(bytes, scan, "byte-identical");
    // A PDF is compressed already: it is sent as it is, with its length, even to a browser.
    let raw = reqwest::Client::builder()
        .no_gzip()
        .build()
        .expect("client")
        .get(app.url(&format!("/api/v1/documents/{id}/files/{file_id}")))
        .bearer_auth(&api.token)
        .header("accept-encoding", crate::harness::BROWSER_ACCEPT_ENCODING)
        .send()
        .await
        .expect("answered");
    assert!(raw.headers().get("content-encoding").is_none());
    assert_eq!(
        raw.headers()["content-length"],
        scan.len().to_string().as_str()
    );

    // The registry shows it with the summary.
    let (_, registry) = api.send(M::GET, "/api/v1/registry", None).await;
    assert_eq!(registry["today"], "2026-03-02");
    assert_eq!(registry["summary"]["needs_replacement"], 1);
    assert_eq!(registry["items"][0]["id"], id.as_str());

    // Found by other word forms of its description.
    for q in ["командировки", "командировкой", "поездка", "ЛИЧНОЕ"]
    {
        let (_, found) = api
            .send(
                M::GET,
                &format!("/api/v1/documents?q={}", urlencode(q)),
                None,
            )
            .await;
        assert_eq!(found["total"], 1, "search {q}: {found}");
    }
    let (_, none) = api
        .send(
            M::GET,
            "/api/v1/documents?q=%D0%B4%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80",
            None,
        )
        .await;
    assert_eq!(none["total"], 0);

    // A new version of the scan; the old one stays downloadable.
    let second = scan_pdf("паспорт, вторая версия", 1000);
    let (status, v2) = api
        .upload(
            &format!("/api/v1/documents/{id}/files/{file_id}"),
            "second.pdf",
            second.clone(),
        )
        .await;
    assert_eq!(status, 201, "{v2}");
    assert_eq!(v2[0]["version"], 2);
    let (_, listed) = api
        .send(M::GET, &format!("/api/v1/documents/{id}/files"), None)
        .await;
    assert_eq!(listed.as_array().expect("files").len(), 2);
    let old = client()
        .get(app.url(&format!("/api/v1/documents/{id}/files/{file_id}")))
        .bearer_auth(&api.token)
        .send()
        .await
        .expect("answered");
    assert_eq!(old.bytes().await.expect("body").to_vec(), scan);

    // Delete → trash → restore.
    let (status, _) = api
        .send(M::DELETE, &format!("/api/v1/documents/{id}"), None)
        .await;
    assert_eq!(status, 204);
    let (_, active) = api.send(M::GET, "/api/v1/documents", None).await;
    assert_eq!(active["total"], 0);
    let (_, trashed) = api
        .send(M::GET, "/api/v1/documents?state=trashed", None)
        .await;
    assert_eq!(trashed["total"], 1);
    let (_, found) = api.send(M::GET, "/api/v1/documents?q=%D0%BA%D0%BE%D0%BC%D0%B0%D0%BD%D0%B4%D0%B8%D1%80%D0%BE%D0%B2%D0%BA%D0%B0", None).await;
    assert_eq!(
        found["total"], 0,
        "trashed documents are not in the active search"
    );
    let (status, restored) = api
        .send(M::POST, &format!("/api/v1/documents/{id}/restore"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(restored["state"], "active");

    // The history names every step.
    let (_, history) = api
        .send(M::GET, &format!("/api/v1/documents/{id}/history"), None)
        .await;
    let actions: Vec<&str> = history
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|h| h["action"].as_str())
        .collect();
    for wanted in [
        "document.created",
        "document.file_added",
        "document.downloaded",
        "document.file_replaced",
        "document.deleted",
        "document.restored",
    ] {
        assert!(actions.contains(&wanted), "{wanted} in {actions:?}");
    }
    app.stop().await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn wrong_fields_and_bad_files_are_refused_with_reasons_and_leave_nothing() {
    let app = TestApp::spawn().await;
    let api = citizen_born(&app, "+79120000052", "refuse@example.ru", "2006-05-01").await;
    let (surname, given) = names(&api).await;
    use reqwest::Method as M;

    let mut body = passport_body("Сидоров", &given);
    body["number"] = "57 20 12345".into();
    body["issued_on"] = "2019-01-01".into();
    let (status, err) = api.send(M::POST, "/api/v1/documents", Some(body)).await;
    assert_eq!(status, 422);
    let fields: Vec<(&str, &str)> = err["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap_or(""),
                f["code"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(fields.contains(&("number", "format")), "{err}");
    assert!(
        fields.contains(&("fields.surname", "profile_mismatch")),
        "{err}"
    );
    assert!(
        fields.contains(&("issued_on", "too_young")),
        "issued at 12: {err}"
    );
    let (_, list) = api.send(M::GET, "/api/v1/documents", None).await;
    assert_eq!(list["total"], 0, "nothing half-written");

    let (_, doc) = api
        .send(
            M::POST,
            "/api/v1/documents",
            Some(passport_body(&surname, &given)),
        )
        .await;
    let id = doc["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/documents/{id}/files");
    let (status, err) = api
        .upload(&path, "virus.pdf", b"MZ\x90\x00 not a pdf at all".to_vec())
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["fields"][0]["code"], "file_type");
    assert!(
        err["error"]["fields"][0]["message"]
            .as_str()
            .expect("message")
            .contains("virus.pdf")
    );
    // Identity documents take scans up to 5 MB.
    let (status, err) = api
        .upload(&path, "big.pdf", scan_pdf("x", 5 * 1024 * 1024 + 10))
        .await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["error"]["fields"][0]["code"], "file_too_large");
    let (status, err) = api
        .upload(&path, "cut.pdf", scan_pdf("x", 100)[..80].to_vec())
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["fields"][0]["code"], "pdf_damaged");
    assert!(
        app.state.vault.list().await.expect("objects").is_empty(),
        "refused uploads leave no object"
    );
    let (_, files) = api.send(M::GET, &path, None).await;
    assert_eq!(files.as_array().expect("files").len(), 0);
    app.stop().await;
}

#[tokio::test]
async fn the_trash_is_purged_after_30_days_rows_objects_and_all() {
    let app = TestApp::spawn().await;
    let api = citizen_born(&app, "+79120000053", "purge@example.ru", "1990-01-15").await;
    use reqwest::Method as M;
    let (status, doc) = api.send(M::POST, "/api/v1/documents", Some(serde_json::json!({
        "kind": "other", "title": "Договор аренды", "expires_on": "2027-01-31", "tags": ["квартира"]
    }))).await;
    assert_eq!(status, 201, "{doc}");
    assert_eq!(doc["status"], "valid");
    let id = doc["id"].as_str().expect("id").to_owned();
    let (status, _) = api
        .upload(
            &format!("/api/v1/documents/{id}/files"),
            "dogovor.pdf",
            scan_pdf("договор", 10),
        )
        .await;
    assert_eq!(status, 201);
    api.send(M::DELETE, &format!("/api/v1/documents/{id}"), None)
        .await;

    use server::features::documents::service;
    app.clock.advance(jiff::SignedDuration::from_hours(24 * 29));
    assert_eq!(
        service::purge_expired_trash(&app.state)
            .await
            .expect("purge"),
        0,
        "still restorable on day 29"
    );
    app.clock.advance(jiff::SignedDuration::from_hours(24 * 2));
    assert_eq!(
        service::purge_expired_trash(&app.state)
            .await
            .expect("purge"),
        1
    );
    let api = Api {
        app: &app,
        token: api_token(&app, "+79120000053").await,
    };
    assert!(app.state.vault.list().await.expect("objects").is_empty());
    let (status, _) = api
        .send(M::GET, &format!("/api/v1/documents/{id}"), None)
        .await;
    assert_eq!(status, 404);
    let (status, _) = api
        .send(M::POST, &format!("/api/v1/documents/{id}/restore"), None)
        .await;
    assert_eq!(status, 404);
    let (_, profile) = api.send(M::GET, "/api/v1/profile", None).await;
    let owner = profile["id"].as_str().expect("owner id");
    let history = store::audit::for_object(&app.state.db, owner, "document", &id, 10)
        .await
        .expect("audit");
    assert_eq!(
        history[0].action, "document.purged",
        "the purge is recorded"
    );
    assert_eq!(history[0].actor_kind, "system");
    let (ok, broken) = store::audit::verify(&app.state.db).await.expect("verify");
    assert!(ok > 0 && broken.is_none());
    app.stop().await;
}

#[tokio::test]
async fn an_expired_document_stays_in_the_registry_until_replaced_and_its_archiving_is_announced() {
    let app = TestApp::spawn().await;
    let api = citizen_born(&app, "+79120000054", "archive@example.ru", "1990-01-15").await;
    use reqwest::Method as M;
    use server::features::documents::service;
    let (_, doc) = api.send(M::POST, "/api/v1/documents", Some(serde_json::json!({
        "kind": "osago", "number": "ХХХ 0123456789", "issued_on": "2025-03-01", "fields": { "plate": "А123ВС59" }
    }))).await;
    assert_eq!(doc["valid_until"], "2026-02-28", "{doc}");
    assert_eq!(doc["status"], "expired");
    let id = doc["id"].as_str().expect("id").to_owned();

    // Expired and not replaced: the housekeeping leaves it where the person sees it.
    assert_eq!(
        service::archive_expired(&app.state).await.expect("sweep"),
        0
    );
    let (_, registry) = api.send(M::GET, "/api/v1/registry", None).await;
    assert_eq!(registry["items"][0]["id"], id.as_str(), "{registry}");
    assert_eq!(registry["items"][0]["status"], "expired");
    // On the page: «Истёк», with «Продлить» and «В архив» (which leads to the document's form).
    let (_, page) = app.get_text("/registry").await;
    assert!(page.contains("Истёк"), "{page}");
    assert!(
        page.contains(&format!("/documents/{id}/renew\">Продлить")),
        "{page}"
    );
    assert!(
        page.contains(&format!("/documents/{id}#archive\">В архив")),
        "{page}"
    );
    let (_, view) = app.get_text(&format!("/documents/{id}")).await;
    assert!(
        view.contains(&format!(
            "id=\"archive\" method=\"post\" action=\"/documents/{id}/archive\""
        )),
        "{view}"
    );

    // A newer policy of the same kind replaces it: now it is archived, with the reason, and the
    // person is told in «Сообщения».
    let (status, newer) = api.send(M::POST, "/api/v1/documents", Some(serde_json::json!({
        "kind": "osago", "number": "ХХХ 0123456790", "issued_on": "2026-03-01", "fields": { "plate": "А123ВС59" }
    }))).await;
    assert_eq!(status, 201, "{newer}");
    assert_eq!(
        service::archive_expired(&app.state).await.expect("sweep"),
        1
    );
    assert_eq!(
        service::archive_expired(&app.state).await.expect("sweep"),
        0
    );
    let (_, archived) = api
        .send(M::GET, "/api/v1/documents?state=archived", None)
        .await;
    assert_eq!(archived["items"][0]["id"], id.as_str());
    assert_eq!(archived["items"][0]["archive_reason"], "replaced");
    let (_, registry) = api.send(M::GET, "/api/v1/registry", None).await;
    let ids: Vec<&str> = registry["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert_eq!(ids, [newer["id"].as_str().expect("id")]);
    let (_, inbox) = api.send(M::GET, "/api/v1/notifications", None).await;
    let notice = inbox["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|n| {
            n["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("Документ перемещён в архив"))
        })
        .unwrap_or_else(|| panic!("the archiving is announced: {inbox}"))
        .clone();
    assert!(
        notice["body"]
            .as_str()
            .is_some_and(|b| b.contains("заменил более новый документ")),
        "{notice}"
    );
    app.stop().await;
}

/// An operator may have long-expired documents archived too; each is announced with its reason.
#[tokio::test]
async fn an_operator_may_archive_documents_expired_longer_than_a_set_time() {
    let app = TestApp::spawn_with(crate::harness::Options {
        configure: Box::new(|c| c.documents.archive_expired_after_days = Some(30)),
        ..Default::default()
    })
    .await;
    let api = citizen_born(
        &app,
        "+79120000056",
        "archive-long@example.ru",
        "1990-01-15",
    )
    .await;
    use reqwest::Method as M;
    use server::features::documents::service;
    for (title, expires) in [
        ("Давно истёк", "2025-12-01"),
        ("Недавно истёк", "2026-02-20"),
    ] {
        let (status, _) = api
            .send(
                M::POST,
                "/api/v1/documents",
                Some(serde_json::json!({ "kind": "other", "title": title, "expires_on": expires })),
            )
            .await;
        assert_eq!(status, 201);
    }
    assert_eq!(
        service::archive_expired(&app.state).await.expect("sweep"),
        1
    );
    let (_, archived) = api
        .send(M::GET, "/api/v1/documents?state=archived", None)
        .await;
    assert_eq!(archived["items"][0]["title"], "Давно истёк");
    assert_eq!(archived["items"][0]["archive_reason"], "expired");
    let (_, inbox) = api.send(M::GET, "/api/v1/notifications", None).await;
    assert!(
        inbox["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|n| n["title"] == "Документ перемещён в архив: Давно истёк"
                && n["body"]
                    .as_str()
                    .is_some_and(|b| b.contains("больше 30 дн."))),
        "{inbox}"
    );
}

#[tokio::test]
async fn objects_without_a_row_are_swept_and_recorded_files_stay() {
    let app = TestApp::spawn().await;
    let api = citizen_born(&app, "+79120000055", "orphans@example.ru", "1975-07-07").await;
    use reqwest::Method as M;
    let (_, doc) = api
        .send(
            M::POST,
            "/api/v1/documents",
            Some(serde_json::json!({ "kind": "other", "title": "Справка" })),
        )
        .await;
    let id = doc["id"].as_str().expect("id").to_owned();
    let (status, _) = api
        .upload(
            &format!("/api/v1/documents/{id}/files"),
            "spravka.pdf",
            scan_pdf("справка", 100),
        )
        .await;
    assert_eq!(status, 201);
    // An object stored as by an upload whose row never committed (a crash in between).
    let mut upload = app
        .state
        .vault
        .create("files/orphan")
        .await
        .expect("create");
    upload.write(b"left behind").await.expect("write");
    upload.finish().await.expect("finish");
    assert_eq!(app.state.vault.list().await.expect("list").len(), 2);

    use server::features::documents::service;
    let young = service::sweep_orphans(&app.state, service::ORPHAN_GRACE)
        .await
        .expect("sweep");
    assert_eq!(young, 0, "a fresh object may still be getting its row");
    let removed = service::sweep_orphans(&app.state, jiff::SignedDuration::ZERO)
        .await
        .expect("sweep");
    assert_eq!(removed, 1);
    let left = app.state.vault.list().await.expect("list");
    assert_eq!(left.len(), 1);
    assert_ne!(left[0], "files/orphan");
    let (status, files) = api
        .send(M::GET, &format!("/api/v1/documents/{id}/files"), None)
        .await;
    assert_eq!(status, 200);
    let file_id = files[0]["id"].as_str().expect("file");
    let r = client()
        .get(app.url(&format!("/api/v1/documents/{id}/files/{file_id}")))
        .bearer_auth(&api.token)
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), 200, "the recorded file is intact");
    app.stop().await;
}

async fn registry_titles(api: &Api<'_>) -> Vec<String> {
    let (status, registry) = api
        .send(reqwest::Method::GET, "/api/v1/registry", None)
        .await;
    assert_eq!(status, 200, "{registry}");
    let mut titles: Vec<String> = registry["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["title"].as_str().map(str::to_owned))
        .collect();
    titles.sort();
    titles
}

#[tokio::test]
async fn the_registry_cache_follows_every_change_whichever_node_or_path_makes_it() {
    use reqwest::Method as M;
    let a = TestApp::spawn().await;
    let api_a = citizen_born(&a, "+79120000099", "cache@example.ru", "1990-03-03").await;
    let b = TestApp::spawn_with(a.sibling()).await;
    let api_b = Api {
        app: &b,
        token: api_a.token.clone(),
    };
    let (status, doc) = api_a
        .send(
            M::POST,
            "/api/v1/documents",
            Some(serde_json::json!({ "kind": "other", "title": "Первый", "expires_on": "2030-01-01" })),
        )
        .await;
    assert_eq!(status, 201, "{doc}");
    let id = doc["id"].as_str().expect("id").to_owned();
    assert_eq!(registry_titles(&api_a).await, ["Первый"]);
    assert_eq!(
        registry_titles(&api_a).await,
        ["Первый"],
        "the same again (from the cache)"
    );

    // Another node changes it: this node's next answer has it.
    let (status, _) = api_b
        .send(
            M::PATCH,
            &format!("/api/v1/documents/{id}"),
            Some(serde_json::json!({ "title": "Изменённый" })),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = api_b
        .send(
            M::POST,
            "/api/v1/documents",
            Some(serde_json::json!({ "kind": "other", "title": "Второй" })),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(registry_titles(&api_a).await, ["Второй", "Изменённый"]);

    // Even a write no code path knows of (by hand in the database) moves the version.
    sqlx::query("UPDATE documents SET title = 'Исправлено вручную' WHERE id = $1")
        .bind(&id)
        .execute(a.state.db.pool())
        .await
        .expect("update");
    assert_eq!(
        registry_titles(&api_a).await,
        ["Второй", "Исправлено вручную"]
    );
    let (status, _) = api_b
        .send(M::DELETE, &format!("/api/v1/documents/{id}"), None)
        .await;
    assert_eq!(status, 204);
    assert_eq!(
        registry_titles(&api_a).await,
        ["Второй"],
        "trashed documents leave it"
    );
    b.stop().await;
}

async fn add_described(api: &Api<'_>, title: &str, description: &str, tag: &str) -> String {
    let body = serde_json::json!({
        "kind": "other", "title": title, "description": description, "tags": [tag]
    });
    let (status, doc) = api
        .send(reqwest::Method::POST, "/api/v1/documents", Some(body))
        .await;
    assert_eq!(status, 201, "{doc}");
    doc["id"].as_str().expect("id").to_owned()
}

async fn found_titles(api: &Api<'_>, query: &str) -> Vec<String> {
    let (status, found) = api
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/documents?sort=title&{query}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{found}");
    let mut titles: Vec<String> = found["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|d| d["title"].as_str().unwrap_or_default().to_owned())
        .collect();
    titles.sort();
    titles
}

#[tokio::test]
async fn a_text_search_combines_with_filters_follows_edits_and_finds_only_ones_own() {
    use reqwest::Method as M;
    let app = TestApp::spawn().await;
    let mine = citizen_born(&app, "+79120000093", "finder@example.ru", "1990-03-03").await;
    let theirs = {
        let other = app.with_client(client());
        let api = citizen_born(&other, "+79120000094", "neighbour@example.ru", "1991-04-04").await;
        api.token
    };
    let theirs = Api {
        app: &app,
        token: theirs,
    };
    let lease = add_described(&mine, "Аренда дачи", "Договор аренды на лето", "дом").await;
    add_described(&mine, "Аренда гаража", "Договор аренды гаража", "машина").await;
    add_described(&mine, "Страховка", "Полис страхования квартиры", "дом").await;
    add_described(&theirs, "Чужая аренда", "Договор аренды соседа", "дом").await;

    let q = urlencode("договорами");
    assert_eq!(
        found_titles(&mine, &format!("q={q}")).await,
        ["Аренда гаража", "Аренда дачи"],
        "word forms, one's own documents only"
    );
    let tag = urlencode("дом");
    assert_eq!(
        found_titles(&mine, &format!("q={q}&tag={tag}")).await,
        ["Аренда дачи"],
        "the search and a tag together"
    );
    // An edit moves the document out of the results at once.
    let (status, _) = mine
        .send(
            M::PATCH,
            &format!("/api/v1/documents/{lease}"),
            Some(serde_json::json!({ "description": "Соглашение на лето" })),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        found_titles(&mine, &format!("q={q}")).await,
        ["Аренда гаража"]
    );
    assert_eq!(
        found_titles(&theirs, &format!("q={q}")).await,
        ["Чужая аренда"]
    );
}

#[tokio::test]
async fn reading_the_catalogue_again_keeps_its_generation_unless_it_changed() {
    let app = TestApp::spawn().await;
    let caches = &app.state.caches;
    let (first, _) = caches.catalogue(&app.state.db).await.expect("catalogue");
    caches.forget_catalogue();
    let (again, _) = caches.catalogue(&app.state.db).await.expect("catalogue");
    assert_eq!(
        first, again,
        "the same kinds read again: every registry kept stays valid"
    );
    sqlx::query("UPDATE document_kinds SET lead_days = 60 WHERE code = 'other'")
        .execute(app.state.db.pool())
        .await
        .expect("edit");
    let (cached, _) = caches.catalogue(&app.state.db).await.expect("catalogue");
    assert_eq!(cached, first, "trusted for a while");
    caches.forget_catalogue();
    let (changed, catalogue) = caches.catalogue(&app.state.db).await.expect("catalogue");
    assert_ne!(changed, first, "an edit moves the generation");
    assert_eq!(catalogue.get("other").map(|k| k.lead_days), Some(60));
}

#[tokio::test]
async fn the_kept_registry_answer_follows_the_language_asked_for() {
    let app = TestApp::spawn().await;
    let api = citizen_born(&app, "+79120000092", "lang@example.ru", "1990-03-03").await;
    let (status, _) = api
        .send(
            reqwest::Method::POST,
            "/api/v1/documents",
            Some(serde_json::json!({ "kind": "other", "title": "Договор", "expires_on": "2030-01-01" })),
        )
        .await;
    assert_eq!(status, 201);
    let status_label = |lang: &'static str| {
        let request = client()
            .get(app.url("/api/v1/registry"))
            .bearer_auth(&api.token)
            .header("accept-language", lang);
        async move {
            let body: serde_json::Value = request
                .send()
                .await
                .expect("answered")
                .json()
                .await
                .expect("json");
            body["items"][0]["status_text"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        }
    };
    let ru = status_label("ru").await;
    let en = status_label("en").await;
    assert_eq!(ru, "Действует");
    assert_eq!(en, "Valid");
    assert_eq!(status_label("ru").await, ru, "kept, and still Russian");
}
