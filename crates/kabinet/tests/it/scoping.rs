//! The owner-scoping matrix: for every `/api/v1` path that takes an id, user B asks for user A's
//! object and gets 404. The list of paths comes from the OpenAPI document, so a new endpoint
//! fails this test until it is given a fixture here — nobody has to remember to add it.

use crate::harness::registered_citizen;
use crate::harness::token_for;
use crate::harness::{TestApp, client};

#[tokio::test]
async fn another_users_ids_are_not_found_on_every_api_path() {
    let app = TestApp::spawn().await;
    registered_citizen(&app, "+79120000041", "owner-a@example.ru").await;
    let b_app = app.with_client(client());
    registered_citizen(&b_app, "+79120000042", "owner-b@example.ru").await;
    let (_a_token, a_token_id) = token_for(&app, "+79120000041").await;
    let (b_token, _) = token_for(&app, "+79120000042").await;

    // A document of user A with a file.
    let (a_token0, _) = token_for(&app, "+79120000041").await;
    let a_api = crate::harness::Api {
        app: &app,
        token: a_token0.clone(),
    };
    let documents = "/api/v1/documents";
    let other = serde_json::json!({ "kind": "other", "title": "Договор" });
    let (_, created) = a_api
        .send(reqwest::Method::POST, documents, Some(other))
        .await;
    let a_document = created["id"].as_str().expect("document id").to_owned();
    // A's INN, from which A (and only A) can fill a profile.
    let inn = serde_json::json!({ "kind": "inn", "number": "500100732259" });
    let (_, inn) = a_api
        .send(reqwest::Method::POST, documents, Some(inn))
        .await;
    let a_inn = inn["id"].as_str().expect("INN id").to_owned();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(crate::harness::scan_pdf("a", 10)).file_name("a.pdf"),
    );
    let files: serde_json::Value = client()
        .post(app.url(&format!("/api/v1/documents/{a_document}/files")))
        .bearer_auth(&a_token0)
        .multipart(form)
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    let a_file = files[0]["id"].as_str().expect("file id").to_owned();

    // A browser of user A with web push on (a known push service, a real curve point).
    let browser_key = p256::SecretKey::from_slice(&[7_u8; 32]).expect("key");
    let pushed: serde_json::Value = client()
        .post(app.url("/api/v1/push-subscriptions"))
        .bearer_auth(&a_token0)
        .json(&serde_json::json!({
            "endpoint": "https://fcm.googleapis.com/fcm/send/a-browser",
            "keys": {
                "p256dh": base64::Engine::encode(
                    &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                    browser_key.public_key().to_sec1_bytes()
                ),
                "auth": "AAAAAAAAAAAAAAAAAAAAAA",
            },
        }))
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    let a_push = pushed["id"]
        .as_str()
        .expect("push subscription id")
        .to_owned();

    // A notification of user A.
    let a_user: String = sqlx::query_scalar("SELECT user_id FROM api_tokens WHERE id = $1")
        .bind(&a_token_id)
        .fetch_one(app.state.db.pool())
        .await
        .expect("owner");
    let mut conn = app.state.db.pool().acquire().await.expect("connection");
    let a_notification = store::notifications::insert(
        &mut conn,
        &store::notifications::NewNotification {
            user_id: a_user,
            category: "system".into(),
            title: "Для A".into(),
            body: "Только для A".into(),
            link: None,
            dedupe_key: "scoping".into(),
        },
        app.state.now(),
    )
    .await
    .expect("insert")
    .expect("new");
    drop(conn);

    // A draft application of user A.
    let (_, draft) = a_api
        .send(
            reqwest::Method::POST,
            "/api/v1/services/appeal/applications",
            Some(serde_json::json!({})),
        )
        .await;
    let a_application = draft["id"].as_str().expect("application id").to_owned();

    let doc: serde_json::Value = app
        .get("/api/openapi.json")
        .await
        .json()
        .await
        .expect("json");
    let paths = doc["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (path, operations) in paths {
        if !path.starts_with("/api/v1/") || !path.contains('{') {
            continue;
        }
        // A mailing's name is not anybody's object: each person acts on their own subscription
        // (checked below, after the loop).
        if path == "/api/v1/subscriptions/{topic}" {
            continue;
        }
        // A service's code is nobody's object; a repeat of another's application through it is
        // tried in citizen_api.rs.
        if path == "/api/v1/services/{code}/applications" {
            continue;
        }
        // An agency's applications are scoped by the agency key, not by a person: another
        // agency's key tries every one of those operations in agency_api.rs.
        if path.starts_with("/api/v1/agency/") {
            continue;
        }
        // An object of user A for each path with an id.
        let a_object = match path.as_str() {
            "/api/v1/auth/tokens/{id}" => a_token_id.clone(),
            p if p.starts_with("/api/v1/documents/{id}") => a_document.clone(),
            "/api/v1/notifications/{id}/{action}" => a_notification.clone(),
            "/api/v1/push-subscriptions/{id}" => a_push.clone(),
            "/api/v1/profile/from-document/{id}" => a_inn.clone(),
            p if p.starts_with("/api/v1/applications/{id}") => a_application.clone(),
            other => panic!("{other} takes an id but has no owner-scoping fixture in scoping.rs"),
        };
        let url = app.url(
            &path
                .replace("{id}", &a_object)
                .replace("{file_id}", &a_file)
                .replace("{action}", "archive"),
        );
        for method in operations.as_object().expect("operations").keys() {
            let method =
                reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let response = client()
                .request(method.clone(), &url)
                .bearer_auth(&b_token)
                .json(&serde_json::json!({}))
                .send()
                .await
                .expect("answered");
            assert_eq!(response.status(), 404, "{method} {path} as another user");
            let body: serde_json::Value = response.json().await.expect("json");
            assert_eq!(body["error"]["code"], "not_found");
            checked += 1;
        }
    }
    assert!(checked > 0, "at least one path was checked");
    // And user A's object is still there.
    let (a_token, _) = token_for(&app, "+79120000041").await;
    // B ending "law_changes" ends B's subscription only.
    let subscribe = |token: String| {
        client()
            .post(app.url("/api/v1/subscriptions"))
            .bearer_auth(token)
            .json(&serde_json::json!({ "topic": "law_changes" }))
            .send()
    };
    assert_eq!(
        subscribe(a_token.clone()).await.expect("answered").status(),
        200
    );
    for method in [reqwest::Method::PATCH, reqwest::Method::DELETE] {
        client()
            .request(method, app.url("/api/v1/subscriptions/law_changes"))
            .bearer_auth(&b_token)
            .json(&serde_json::json!({ "paused": true }))
            .send()
            .await
            .expect("answered");
    }
    let a_list: serde_json::Value = client()
        .get(app.url("/api/v1/subscriptions"))
        .bearer_auth(&a_token)
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    assert!(
        a_list.to_string().contains("\"state\":\"active\""),
        "A keeps the subscription: {a_list}"
    );
    let tokens: serde_json::Value = client()
        .get(app.url("/api/v1/auth/tokens"))
        .bearer_auth(&a_token)
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    assert!(
        tokens
            .as_array()
            .expect("list")
            .iter()
            .any(|t| t["id"] == a_token_id.as_str())
    );
}
