//! Web push end to end against a push service started by the test: the browser's subscription
//! is kept (only for allowed push services, with valid keys), a reminder goes out as an
//! `aes128gcm` message this test decrypts with the browser's key, signed with a VAPID token that
//! verifies with the server's public key; a push service answering 410 gets the subscription
//! removed.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use aes_gcm::aead::{Aead, KeyInit, Nonce};
use aes_gcm::{Aes128Gcm, Key};
use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::{PublicKey, SecretKey};
use reqwest::Method as M;
use sha2::{Digest, Sha256};

use crate::harness::citizen_born;
use crate::harness::{Options, TestApp, eventually};
use server::features::documents::reminders::send_due_reminders;

type Received = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

/// A push service: records what it is sent and answers with `status`.
struct PushService {
    base: String,
    received: Received,
    status: Arc<AtomicU16>,
}

async fn push_service() -> PushService {
    let received: Received = Arc::default();
    let status = Arc::new(AtomicU16::new(201));
    let (r, s) = (received.clone(), status.clone());
    let app = axum::Router::new().route(
        "/push/{id}",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let (r, s) = (r.clone(), s.clone());
            async move {
                r.lock().expect("lock").push((headers, body.to_vec()));
                axum::http::StatusCode::from_u16(s.load(Ordering::SeqCst))
                    .unwrap_or(axum::http::StatusCode::CREATED)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    PushService {
        base,
        received,
        status,
    }
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("key");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().to_vec()
}

/// The browser's half of RFC 8291: what a push message says.
fn decrypt(body: &[u8], ua: &SecretKey, auth: &[u8]) -> Vec<u8> {
    let salt = &body[..16];
    let idlen = body[20] as usize;
    let as_public = &body[21..21 + idlen];
    let sealed = &body[21 + idlen..];
    let shared = ua.diffie_hellman(&PublicKey::from_sec1_bytes(as_public).expect("as key"));
    let ua_public = ua.public_key().to_sec1_bytes();
    let prk_key = hmac(auth, &[shared.raw_secret_bytes().as_slice()]);
    let ikm = hmac(&prk_key, &[b"WebPush: info\0", &ua_public, as_public, &[1]]);
    let prk = hmac(salt, &[&ikm]);
    let cek = hmac(&prk, &[b"Content-Encoding: aes128gcm\0", &[1]]);
    let nonce = hmac(&prk, &[b"Content-Encoding: nonce\0", &[1]]);
    let key = Key::<Aes128Gcm>::try_from(&cek[..16]).expect("16");
    let nonce = Nonce::<Aes128Gcm>::try_from(&nonce[..12]).expect("12");
    let mut plain = Aes128Gcm::new(&key)
        .decrypt(&nonce, sealed)
        .expect("decrypts");
    assert_eq!(plain.pop(), Some(2), "one final record");
    plain
}

#[tokio::test]
async fn a_reminder_reaches_the_browser_encrypted_and_signed_and_a_gone_browser_is_removed() {
    let service = push_service().await;
    let app = TestApp::spawn_with(Options {
        configure: Box::new(|c| {
            c.push.allowed_hosts = vec!["127.0.0.1".into()];
            c.push.allow_insecure = true;
        }),
        ..Options::default()
    })
    .await;
    let api = citizen_born(&app, "+79120000097", "push@example.ru", "1985-01-01").await;
    let (status, listed) = api.send(M::GET, "/api/v1/push-subscriptions", None).await;
    assert_eq!(status, 200);
    let server_key = listed["key"].as_str().expect("key").to_owned();
    assert_eq!(listed["items"], serde_json::json!([]));

    // The browser's keys.
    let ua = SecretKey::from_slice(&Sha256::digest(b"this browser")).expect("key");
    let auth = [9_u8; 16];
    let subscription = |endpoint: &str, p256dh: String| serde_json::json!({ "endpoint": endpoint, "keys": { "p256dh": p256dh, "auth": B64.encode(auth) } });
    let p256dh = B64.encode(ua.public_key().to_sec1_bytes());
    let (status, refused) = api
        .send(
            M::POST,
            "/api/v1/push-subscriptions",
            Some(subscription("https://evil.example/push/1", p256dh.clone())),
        )
        .await;
    assert_eq!(status, 422, "an unknown push service: {refused}");
    let endpoint = format!("{}/push/browser-1", service.base);
    let (status, _) = api
        .send(
            M::POST,
            "/api/v1/push-subscriptions",
            Some(subscription(&endpoint, B64.encode([4_u8; 65]))),
        )
        .await;
    assert_eq!(status, 422, "a key that is not a curve point");
    let (status, added) = api
        .send(
            M::POST,
            "/api/v1/push-subscriptions",
            Some(subscription(&endpoint, p256dh)),
        )
        .await;
    assert_eq!(status, 201, "{added}");

    // A deadline in 30 days: its reminder goes to the browser too.
    let expires = (app
        .state
        .now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
        + jiff::ToSpan::days(30))
    .to_string();
    let (status, _) = api
        .send(
            M::POST,
            "/api/v1/documents",
            Some(serde_json::json!({ "kind": "other", "title": "Договор аренды", "expires_on": expires })),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(send_due_reminders(&app.state, 100).await.expect("sweep"), 1);
    eventually("the push arrives", || async {
        !service.received.lock().expect("lock").is_empty()
    })
    .await;
    let (headers, body) = service.received.lock().expect("lock")[0].clone();
    assert_eq!(headers["content-encoding"], "aes128gcm");
    assert!(headers.contains_key("ttl"));
    let message: serde_json::Value =
        serde_json::from_slice(&decrypt(&body, &ua, &auth)).expect("json inside");
    assert!(
        message["title"]
            .as_str()
            .is_some_and(|t| t.contains("Договор аренды")),
        "{message}"
    );
    assert!(
        message["link"]
            .as_str()
            .is_some_and(|l| l.starts_with("/documents/"))
    );

    // VAPID: a token for this push service, signed by the key browsers subscribe with.
    let authorization = headers["authorization"].to_str().expect("ascii");
    let (token, key) = authorization
        .strip_prefix("vapid t=")
        .and_then(|rest| rest.split_once(", k="))
        .expect("vapid t=…, k=…");
    assert_eq!(key, server_key);
    let (signed, signature) = token.rsplit_once('.').expect("jwt");
    let claims: serde_json::Value = serde_json::from_slice(
        &B64.decode(signed.split_once('.').expect("jwt").1)
            .expect("b64"),
    )
    .expect("claims");
    assert_eq!(claims["aud"], service.base);
    let verifying = VerifyingKey::from_sec1_bytes(&B64.decode(key).expect("b64")).expect("key");
    let signature = Signature::from_slice(&B64.decode(signature).expect("b64")).expect("sig");
    assert!(
        verifying.verify(signed.as_bytes(), &signature).is_ok(),
        "ES256 verifies"
    );
    eventually("the delivery is recorded", || async {
        let (_, list) = api
            .send(M::GET, "/api/v1/notification-deliveries", None)
            .await;
        list.as_array().is_some_and(|l| {
            l.iter()
                .any(|d| d["channel"] == "push" && d["status"] == "sent")
        })
    })
    .await;

    // The browser is gone: the push service says 410 and the subscription is removed.
    service.status.store(410, Ordering::SeqCst);
    let (status, _) = api
        .send(
            M::POST,
            "/api/v1/documents",
            Some(serde_json::json!({ "kind": "other", "title": "Полис", "expires_on": expires })),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(send_due_reminders(&app.state, 100).await.expect("sweep"), 1);
    eventually("the gone browser is removed", || async {
        let (_, list) = api.send(M::GET, "/api/v1/push-subscriptions", None).await;
        list["items"] == serde_json::json!([])
    })
    .await;
    let received = service.received.lock().expect("lock").len();
    assert_eq!(
        received, 2,
        "one push each, no retries of a gone subscription"
    );
}
