//! An agency's own system works applications through the API with the key the operator issued
//! on the agency's page, and is told of new applications and of the citizen's answers by signed
//! webhooks (Standard Webhooks), retried when its endpoint fails. Another agency's key reaches
//! nothing; a revoked key nothing at all.

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::applications::{citizen_with_passport, submitted_passport};
use crate::harness::{Api, TestApp, eventually};
use crate::office::{post_on, signed_in};

/// One request the agency's endpoint received: its webhook headers and body.
#[derive(Clone, Debug)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
}

/// The agency's endpoint: answers each request with the next status of its script (200 when
/// it runs out) and keeps what it received.
async fn endpoint(script: Vec<u16>) -> (String, Arc<Mutex<Vec<Received>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let script = Arc::new(Mutex::new(script));
    let kept = received.clone();
    let app = axum::Router::new().route(
        "/events",
        post(move |headers: HeaderMap, body: String| {
            let kept = kept.clone();
            let script = script.clone();
            async move {
                let header = |name: &str| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned()
                };
                kept.lock().expect("lock").push(Received {
                    id: header("webhook-id"),
                    timestamp: header("webhook-timestamp"),
                    signature: header("webhook-signature"),
                    body,
                });
                let mut script = script.lock().expect("lock");
                let status = if script.is_empty() {
                    200
                } else {
                    script.remove(0)
                };
                StatusCode::from_u16(status).unwrap_or(StatusCode::OK)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/events", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, received)
}

/// What the receiver checks, written from the standard rather than with the server's code.
fn signed_by(secret: &str, r: &Received) -> bool {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.trim_start_matches("whsec_"))
        .expect("base64 secret");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("key");
    mac.update(format!("{}.{}.{}", r.id, r.timestamp, r.body).as_bytes());
    let expected = format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    );
    r.signature.split(' ').any(|s| s == expected)
}

/// The value shown once on the operator's page, unescaped as a browser shows it.
fn shown_once(html: &str) -> String {
    let start = html
        .find("<code class=\"secret\">")
        .expect("a value shown once")
        + 21;
    let end = html[start..].find("</code>").expect("end") + start;
    html[start..end]
        .replace("&#x2d;", "-")
        .replace("&#x2b;", "+")
        .replace("&#x2f;", "/")
        .replace("&#x3d;", "=")
        .replace("&#61;", "=")
        .replace("&#43;", "+")
        .replace("&#47;", "/")
}

fn received(kept: &Arc<Mutex<Vec<Received>>>) -> Vec<Received> {
    kept.lock().expect("lock").clone()
}

fn event_type(r: &Received) -> String {
    let v: serde_json::Value = serde_json::from_str(&r.body).expect("JSON body");
    v["type"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn an_agency_system_works_an_application_through_the_api_told_by_signed_webhooks() {
    let app = TestApp::spawn().await;
    server::demo::seed(&app.state).await.expect("demo");
    let (url, kept) = endpoint(vec![500]).await;

    // The operator issues the agency's key and sets its endpoint on the agency's page.
    let operator = signed_in(&app, "operator@demo.kabinet.test", "Demo-Operator-2026").await;
    let page = "/operator/agencies/mvd/systems";
    let (status, html) = operator.get_text(page).await;
    assert_eq!(status, 200, "{html}");
    let r = post_on(
        &operator,
        page,
        "/operator/agencies/mvd/keys",
        &[("name", " ")],
    )
    .await;
    assert_eq!(r.status(), 422, "a key needs a name");
    let r = post_on(
        &operator,
        page,
        "/operator/agencies/mvd/keys",
        &[("name", "СЭД МВД")],
    )
    .await;
    assert_eq!(r.status(), 200);
    let key = shown_once(&r.text().await.expect("page"));
    assert!(key.starts_with("kag_"), "{key}");
    let (_, again) = operator.get_text(page).await;
    assert!(
        !again.contains(&key) && again.contains("СЭД МВД"),
        "the key is shown once, then only its name and last characters"
    );
    let r = post_on(
        &operator,
        page,
        "/operator/agencies/mvd/webhook",
        &[("url", "ftp://mvd.example/events")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("page")
            .contains("ftp://mvd.example/events"),
        "the typing is kept"
    );
    let r = post_on(
        &operator,
        page,
        "/operator/agencies/mvd/webhook",
        &[("url", &url)],
    )
    .await;
    assert_eq!(r.status(), 200);
    let secret = shown_once(&r.text().await.expect("page"));
    assert!(secret.starts_with("whsec_"), "{secret}");
    let gibdd_page = "/operator/agencies/gibdd/systems";
    let r = post_on(
        &operator,
        gibdd_page,
        "/operator/agencies/gibdd/keys",
        &[("name", "ФИС ГИБДД")],
    )
    .await;
    let other_key = shown_once(&r.text().await.expect("page"));
    let mvd = Api {
        app: &app,
        token: key.clone(),
    };
    let gibdd = Api {
        app: &app,
        token: other_key,
    };

    // A citizen submits; the agency's endpoint is told — once it answers 200, after a retry.
    let (citizen, photo) =
        citizen_with_passport(&app, "+79120000501", "agency-api@example.ru").await;
    let (id, number) = submitted_passport(&app, &photo).await;
    eventually("the first delivery", || async {
        !received(&kept).is_empty()
    })
    .await;
    assert_eq!(received(&kept).len(), 1, "the endpoint failed once");
    app.clock.advance(jiff::SignedDuration::from_secs(6));
    eventually("the retry", || async { received(&kept).len() >= 2 }).await;
    let deliveries = received(&kept);
    assert_eq!(
        deliveries[0].id, deliveries[1].id,
        "a retry keeps the webhook-id"
    );
    assert_eq!(deliveries[0].body, deliveries[1].body);
    for d in &deliveries {
        assert!(
            signed_by(&secret, d),
            "signed with the agency's secret: {d:?}"
        );
        assert!(!signed_by("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", d));
    }
    let event: serde_json::Value = serde_json::from_str(&deliveries[1].body).expect("JSON");
    assert_eq!(event["type"], "application.submitted");
    assert_eq!(event["data"]["application_id"], id.as_str());
    assert_eq!(event["data"]["number"], number.plain());
    assert!(
        !deliveries[1].body.contains("Петрова"),
        "the event carries no personal data"
    );
    let (_, systems) = operator.get_text(page).await;
    assert!(systems.contains("application.submitted"), "{systems}");

    // Only an agency key opens the agency API, and only its agency's applications.
    let citizen_token = Api {
        app: &app,
        token: citizen.token.clone(),
    };
    let queue = "/api/v1/agency/applications";
    assert_eq!(
        citizen_token
            .send(reqwest::Method::GET, queue, None)
            .await
            .0,
        401
    );
    let (status, page_of) = mvd.send(reqwest::Method::GET, queue, None).await;
    assert_eq!(status, 200, "{page_of}");
    let item = page_of["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["id"] == id.as_str())
        .expect("the new application is in the queue")
        .clone();
    assert_eq!(item["status"], "accepted");
    assert!(item["held_by"].is_null());
    let (_, theirs) = gibdd.send(reqwest::Method::GET, queue, None).await;
    assert!(!theirs.to_string().contains(&id), "{theirs}");
    let one = format!("/api/v1/agency/applications/{id}");
    assert_eq!(gibdd.send(reqwest::Method::GET, &one, None).await.0, 404);
    for action in ["take", "ask", "complete", "reject", "notes"] {
        let body = match action {
            "take" => None,
            "ask" => Some(serde_json::json!({ "message": "x" })),
            "reject" => Some(serde_json::json!({ "reason": "x" })),
            "notes" => Some(serde_json::json!({ "text": "x" })),
            _ => Some(serde_json::json!({ "comment": "x" })),
        };
        let (status, _) = gibdd
            .send(reqwest::Method::POST, &format!("{one}/{action}"), body)
            .await;
        assert_eq!(status, 404, "another agency's key: {action}");
    }
    let file = format!("{one}/files/{photo}");
    assert_eq!(gibdd.send(reqwest::Method::GET, &file, None).await.0, 404);
    let (status, _) = mvd
        .send(
            reqwest::Method::GET,
            &format!("{queue}?status=nonsense"),
            None,
        )
        .await;
    assert_eq!(status, 422);

    // The agency's system reads it: the answers, the signed version, the files.
    let (status, full) = mvd.send(reqwest::Method::GET, &one, None).await;
    assert_eq!(status, 200, "{full}");
    assert_eq!(full["answers"]["surname"], "Петрова");
    let signed = full["versions"][0]["signed"].as_str().expect("signed text");
    assert_eq!(
        full["versions"][0]["digest"],
        store::hex(&Sha256::digest(signed.as_bytes()))
    );
    let attached = full["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["id"] == photo.as_str())
        .expect("the photo")
        .clone();
    let r = crate::harness::client()
        .get(app.url(attached["href"].as_str().expect("href")))
        .bearer_auth(&key)
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.expect("bytes");
    assert_eq!(
        store::hex(&Sha256::digest(&bytes)),
        attached["sha256"].as_str().expect("sha256")
    );
    let (_, mine) = app.get_text(&format!("/applications/{id}")).await;
    assert!(mine.contains("просмотрело ваше заявление"), "{mine}");

    // Takes it (one holder at a time), asks for a better photo.
    let (status, taken) = mvd
        .send(reqwest::Method::POST, &format!("{one}/take"), None)
        .await;
    assert_eq!(status, 200, "{taken}");
    assert_eq!(taken["status"], "in_review");
    assert_eq!(taken["held_by"], "this_system");
    let (status, _) = mvd
        .send(reqwest::Method::POST, &format!("{one}/take"), None)
        .await;
    assert_eq!(status, 409, "taken already");
    let (status, refused) = mvd
        .send(
            reqwest::Method::POST,
            &format!("{one}/ask"),
            Some(serde_json::json!({ "message": "  " })),
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        refused["error"]["fields"].to_string().contains("message"),
        "{refused}"
    );
    let (status, asked) = mvd
        .send(
            reqwest::Method::POST,
            &format!("{one}/ask"),
            Some(serde_json::json!({
                "message": "Пришлите фотографию лучшего качества",
                "internal_note": "сверить с базой"
            })),
        )
        .await;
    assert_eq!(status, 200, "{asked}");
    assert_eq!(asked["status"], "awaiting_citizen");
    let (_, mine) = app.get_text(&format!("/applications/{id}")).await;
    assert!(mine.contains("Пришлите фотографию лучшего качества"));
    assert!(
        !mine.contains("сверить с базой"),
        "the note stays with the agency"
    );

    // The citizen answers on the page; the agency's endpoint is told.
    let r = post_on(
        &app,
        &format!("/applications/{id}"),
        &format!("/applications/{id}/answer"),
        &[("text", "Прикладываю фото лучшего качества")],
    )
    .await;
    assert_eq!(r.status(), 303);
    eventually("the message event", || async {
        received(&kept)
            .iter()
            .any(|r| event_type(r) == "application.message")
    })
    .await;
    let message = received(&kept)
        .into_iter()
        .find(|r| event_type(r) == "application.message")
        .expect("message event");
    assert!(signed_by(&secret, &message));
    let (_, full) = mvd.send(reqwest::Method::GET, &one, None).await;
    assert_eq!(full["status"], "in_review");
    assert!(full["messages"].to_string().contains("Прикладываю фото"));
    assert!(full["journal"].to_string().contains("сверить с базой"));

    // Completes it with the new passport: the result is checked like any document.
    let (status, missing) = mvd
        .send(
            reqwest::Method::POST,
            &format!("{one}/complete"),
            Some(serde_json::json!({ "comment": "Готово" })),
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        missing["error"]["fields"].to_string().contains("result"),
        "{missing}"
    );
    let today = server::local_time::today(app.state.now(), "Europe/Moscow").to_string();
    let result = |number: &str| {
        serde_json::json!({
            "comment": "Паспорт готов, получите его в отделении",
            "result": {
                "number": number, "issued_on": today, "issuer": "ГУ МВД России по Пермскому краю",
                "fields": {
                    "surname": "Петрова", "given_name": "Анна", "birth_date": "2006-05-01",
                    "division_code": "590-001"
                }
            }
        })
    };
    let (status, invalid) = mvd
        .send(
            reqwest::Method::POST,
            &format!("{one}/complete"),
            Some(result("57 26")),
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        invalid["error"]["fields"]
            .to_string()
            .contains("result.number"),
        "{invalid}"
    );
    let (status, done) = mvd
        .send(
            reqwest::Method::POST,
            &format!("{one}/complete"),
            Some(result("57 26 654321")),
        )
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["status"], "done");
    assert!(done["result_document_id"].is_string());
    let (_, docs) = citizen
        .send(reqwest::Method::GET, "/api/v1/documents", None)
        .await;
    assert!(docs.to_string().contains("57 26 654321"), "{docs}");
    let (_, mine) = app.get_text(&format!("/applications/{id}")).await;
    assert!(mine.contains("Паспорт готов"));

    // Audited as the agency's system.
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE actor_kind = 'agency_system'")
            .fetch_one(app.state.db.pool())
            .await
            .expect("count");
    assert!(
        n >= 4,
        "views and moves of the agency's system are audited: {n}"
    );

    // Revoked on the page: refused from then on.
    let (_, html) = operator.get_text(page).await;
    let key_id = html
        .split("/operator/agencies/mvd/keys/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("a key to revoke")
        .replace("&#x2d;", "-");
    let r = post_on(
        &operator,
        page,
        &format!("/operator/agencies/mvd/keys/{key_id}/revoke"),
        &[],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(mvd.send(reqwest::Method::GET, queue, None).await.0, 401);
}
