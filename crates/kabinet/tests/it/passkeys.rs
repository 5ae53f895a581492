//! Passkeys through the real WebAuthn checks, with a software authenticator written here (P-256,
//! "none" attestation, CBOR by hand): adding one, signing in without a password, as the step
//! after the password, confirming a security change, a cloned key refused by its counter,
//! renaming and removing, and another person's passkey out of reach.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jiff::SignedDuration;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use sha2::{Digest, Sha256};

use crate::harness::{Options, TestApp, client, csrf_token};
use crate::harness::{PASSWORD, registered_citizen};

const ORIGIN: &str = "http://kabinet.test";
const RP_ID: &str = "kabinet.test";

/// One passkey on a pretend device: the key pair, its credential id and signature counter.
struct Authenticator {
    key: SigningKey,
    credential_id: Vec<u8>,
    counter: u32,
    user_handle: Vec<u8>,
}

fn cbor_head(major: u8, len: usize) -> Vec<u8> {
    let m = major << 5;
    match len {
        0..=23 => vec![m | len as u8],
        24..=255 => vec![m | 24, len as u8],
        _ => {
            let mut v = vec![m | 25];
            v.extend_from_slice(&(len as u16).to_be_bytes());
            v
        }
    }
}

fn cbor_text(s: &str) -> Vec<u8> {
    let mut v = cbor_head(3, s.len());
    v.extend_from_slice(s.as_bytes());
    v
}

fn cbor_bytes(b: &[u8]) -> Vec<u8> {
    let mut v = cbor_head(2, b.len());
    v.extend_from_slice(b);
    v
}

fn client_data(kind: &str, challenge: &str) -> Vec<u8> {
    serde_json::json!({
        "type": kind, "challenge": challenge, "origin": ORIGIN, "crossOrigin": false
    })
    .to_string()
    .into_bytes()
}

impl Authenticator {
    fn new(seed: &str) -> Self {
        let secret = Sha256::digest(seed.as_bytes());
        Self {
            key: SigningKey::from_slice(&secret).expect("a P-256 key"),
            credential_id: Sha256::digest(format!("credential {seed}").as_bytes()).to_vec(),
            counter: 0,
            user_handle: Vec::new(),
        }
    }

    fn cose_key(&self) -> Vec<u8> {
        let point = self.key.verifying_key().to_sec1_point(false);
        let mut v = vec![0xA5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21];
        v.extend(cbor_bytes(point.x().expect("x")));
        v.push(0x22);
        v.extend(cbor_bytes(point.y().expect("y")));
        v
    }

    fn auth_data(&mut self, attested: bool) -> Vec<u8> {
        self.counter += 1;
        let mut v = Sha256::digest(RP_ID.as_bytes()).to_vec();
        // User present and verified; attested credential data on creation.
        v.push(if attested { 0x45 } else { 0x05 });
        v.extend_from_slice(&self.counter.to_be_bytes());
        if attested {
            v.extend_from_slice(&[0; 16]);
            v.extend_from_slice(&(self.credential_id.len() as u16).to_be_bytes());
            v.extend_from_slice(&self.credential_id);
            v.extend(self.cose_key());
        }
        v
    }

    /// Answers `navigator.credentials.create` for the options the server sent.
    fn create(&mut self, options: &serde_json::Value) -> serde_json::Value {
        let pk = &options["publicKey"];
        assert_eq!(pk["rp"]["id"], RP_ID);
        assert_eq!(
            pk["authenticatorSelection"]["residentKey"], "required",
            "passkeys are discoverable"
        );
        self.user_handle = B64
            .decode(pk["user"]["id"].as_str().expect("user id"))
            .expect("base64url user handle");
        let challenge = pk["challenge"].as_str().expect("challenge");
        let client_data = client_data("webauthn.create", challenge);
        let mut attestation = vec![0xA3];
        attestation.extend(cbor_text("fmt"));
        attestation.extend(cbor_text("none"));
        attestation.extend(cbor_text("attStmt"));
        attestation.push(0xA0);
        attestation.extend(cbor_text("authData"));
        attestation.extend(cbor_bytes(&self.auth_data(true)));
        let id = B64.encode(&self.credential_id);
        serde_json::json!({
            "id": id, "rawId": id, "type": "public-key", "extensions": {},
            "response": {
                "attestationObject": B64.encode(attestation),
                "clientDataJSON": B64.encode(client_data),
            }
        })
    }

    /// Answers `navigator.credentials.get`.
    fn get(&mut self, options: &serde_json::Value) -> serde_json::Value {
        let challenge = options["publicKey"]["challenge"]
            .as_str()
            .expect("challenge");
        let client_data = client_data("webauthn.get", challenge);
        let auth_data = self.auth_data(false);
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let signature: Signature = self.key.sign(&signed);
        let id = B64.encode(&self.credential_id);
        serde_json::json!({
            "id": id, "rawId": id, "type": "public-key", "extensions": {},
            "response": {
                "authenticatorData": B64.encode(auth_data),
                "clientDataJSON": B64.encode(client_data),
                "signature": B64.encode(signature.to_der().as_bytes()),
                "userHandle": B64.encode(&self.user_handle),
            }
        })
    }
}

async fn spawn() -> TestApp {
    TestApp::spawn_with(Options {
        configure: Box::new(|c| {
            c.public_url = Some(ORIGIN.to_owned());
            c.session.idle_timeout_minutes = 60;
        }),
        ..Options::default()
    })
    .await
}

/// POSTs JSON as `passkeys.js` does, with the CSRF token of `page`.
async fn script_post(
    app: &TestApp,
    page: &str,
    path: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value, reqwest::header::HeaderMap) {
    let html = app.get_text(page).await.1;
    let r = app
        .client
        .post(app.url(path))
        .header("x-csrf-token", csrf_token(&html))
        .json(&body)
        .send()
        .await
        .expect("answered");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        headers,
    )
}

async fn add_passkey(app: &TestApp, device: &mut Authenticator, name: &str) {
    let (status, start, _) = script_post(
        app,
        "/security/passkeys",
        "/security/passkeys/options",
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, 200, "{start}");
    let credential = device.create(&start["options"]);
    let body = serde_json::json!({ "ceremony": start["ceremony"], "name": name, "credential": credential });
    let (status, done, _) = script_post(
        app,
        "/security/passkeys",
        "/security/passkeys/new",
        body.clone(),
    )
    .await;
    assert_eq!(status, 201, "{done}");
    assert_eq!(done["redirect"], "/security/passkeys?added=1");
    let (status, again, _) =
        script_post(app, "/security/passkeys", "/security/passkeys/new", body).await;
    assert_eq!(status, 410, "a ceremony is used once: {again}");
}

/// Signs in with the passkey alone in a new browser; returns it and the answer.
async fn passkey_sign_in(
    app: &TestApp,
    device: &mut Authenticator,
) -> (TestApp, u16, serde_json::Value) {
    let browser = app.with_client(client());
    let (status, start, _) = script_post(
        &browser,
        "/login",
        "/login/passkey/options",
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, 200, "{start}");
    assert!(
        start["options"]["publicKey"]["allowCredentials"]
            .as_array()
            .is_none_or(Vec::is_empty),
        "no login typed, so no credentials named"
    );
    let credential = device.get(&start["options"]);
    let (status, done, _) = script_post(
        &browser,
        "/login",
        "/login/passkey",
        serde_json::json!({ "ceremony": start["ceremony"], "credential": credential, "next": "/documents" }),
    )
    .await;
    (browser, status, done)
}

#[tokio::test]
async fn a_passkey_is_added_signs_in_without_a_password_and_a_clone_is_refused() {
    let app = spawn().await;
    registered_citizen(&app, "+79120000081", "passkey@example.ru").await;
    let (status, html) = app.get_text("/security/passkeys").await;
    assert_eq!(status, 200);
    assert!(html.contains("Создать ключ доступа") && html.contains("data-passkey=\"register\""));

    let mut phone = Authenticator::new("phone");
    add_passkey(&app, &mut phone, "Мой телефон").await;
    let (_, html) = app.get_text("/security/passkeys").await;
    assert!(html.contains("Мой телефон"));
    let (_, html) = app.get_text("/security").await;
    assert!(
        html.contains("Добавлено ключей: <strong>1</strong>")
            || html.contains("<strong>1</strong>")
    );

    // Registering the same device again is refused.
    let (_, start, _) = script_post(
        &app,
        "/security/passkeys",
        "/security/passkeys/options",
        serde_json::json!({}),
    )
    .await;
    let excluded = start["options"]["publicKey"]["excludeCredentials"]
        .as_array()
        .map(Vec::len);
    assert_eq!(excluded, Some(1), "the browser is told which keys exist");

    // Without a password.
    let snapshot = phone.counter;
    let (browser, status, done) = passkey_sign_in(&app, &mut phone).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["redirect"], "/documents");
    let (status, _) = browser.get_text("/documents").await;
    assert_eq!(status, 200, "the session cookie came with the answer");
    let (_, html) = browser.get_text("/profile/logins").await;
    assert!(
        html.contains("ключ доступа"),
        "the history names the method"
    );

    // A copy of the key replaying an old counter value is refused.
    let mut clone = Authenticator::new("phone");
    clone.user_handle = phone.user_handle.clone();
    clone.counter = snapshot - 1;
    let (_, status, refused) = passkey_sign_in(&app, &mut clone).await;
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .is_some_and(|e| e.contains("Ключ доступа не подтвердился"))
    );

    // A device this service never saw.
    let mut stranger = Authenticator::new("stranger");
    stranger.user_handle = phone.user_handle.clone();
    let (_, status, refused) = passkey_sign_in(&app, &mut stranger).await;
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .is_some_and(|e| e.contains("не зарегистрирован"))
    );

    // A ceremony's answer with a broken body gets a clear refusal, not a crash.
    let (status, refused, _) = script_post(
        &app.with_client(client()),
        "/login",
        "/login/passkey",
        serde_json::json!({ "ceremony": "x" }),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        refused["error"]
            .as_str()
            .is_some_and(|e| e.contains("неполный ответ")),
        "{refused}"
    );
}

#[tokio::test]
async fn a_passkey_is_the_second_step_confirms_changes_and_only_its_owner_manages_it() {
    let app = spawn().await;
    registered_citizen(&app, "+79120000082", "second@example.ru").await;
    let mut key = Authenticator::new("security key");
    add_passkey(&app, &mut key, "Ключ на связке").await;
    // SMS codes as the second factor; the passkey may stand in for the code.
    let html = app.get_text("/security").await.1;
    let r = app
        .post_form("/security/sms", &[("_csrf", &csrf_token(&html))])
        .await;
    assert_eq!(r.status(), 303);

    let browser = app.with_client(client());
    let html = browser.get_text("/login").await.1;
    let r = browser
        .post_form(
            "/login",
            &[
                ("_csrf", &csrf_token(&html)),
                ("login", "+79120000082"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, html) = browser.get_text("/login/second-factor").await;
    assert!(
        html.contains("data-passkey=\"prove\""),
        "the passkey is offered"
    );
    let (status, start, _) = script_post(
        &browser,
        "/login/second-factor",
        "/login/second-factor/passkey/options",
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, 200, "{start}");
    assert_eq!(
        start["options"]["publicKey"]["allowCredentials"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "only this person's key is asked for"
    );
    let credential = key.get(&start["options"]);
    let (status, done, _) = script_post(
        &browser,
        "/login/second-factor",
        "/login/second-factor/passkey",
        serde_json::json!({ "ceremony": start["ceremony"], "credential": credential, "next": "/profile" }),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    let (_, html) = browser.get_text("/profile/logins").await;
    assert!(html.contains("пароль + ключ доступа"));

    // Ten minutes on, a security change asks again; the passkey answers.
    app.clock.advance(SignedDuration::from_mins(11));
    let r = browser.get("/security/passkeys").await;
    assert_eq!(r.status(), 303);
    let (_, html) = browser
        .get_text("/security/confirm?next=/security/passkeys")
        .await;
    assert!(html.contains("/security/confirm/passkey/options"));
    let (_, start, _) = script_post(
        &browser,
        "/security/confirm?next=/security/passkeys",
        "/security/confirm/passkey/options",
        serde_json::json!({}),
    )
    .await;
    let credential = key.get(&start["options"]);
    let (status, done, _) = script_post(
        &browser,
        "/security/confirm?next=/security/passkeys",
        "/security/confirm/passkey",
        serde_json::json!({ "ceremony": start["ceremony"], "credential": credential, "next": "/security/passkeys" }),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["redirect"], "/security/passkeys");
    let (status, html) = browser.get_text("/security/passkeys").await;
    assert_eq!(status, 200);
    let id = html
        .split("/security/passkeys/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("a passkey id in the page")
        .to_owned();

    // Renaming: an empty name is refused next to the field; a real one is kept.
    let refused = browser
        .post_form(
            &format!("/security/passkeys/{id}/rename"),
            &[("_csrf", &csrf_token(&html)), ("name", "  ")],
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .expect("body")
            .contains("до 60 символов")
    );
    let renamed = browser
        .post_form(
            &format!("/security/passkeys/{id}/rename"),
            &[("_csrf", &csrf_token(&html)), ("name", "YubiKey")],
        )
        .await;
    assert_eq!(renamed.status(), 303);

    // Someone else cannot touch it.
    let other = app.with_client(client());
    registered_citizen(&other, "+79120000083", "other@example.ru").await;
    let html = other.get_text("/security/passkeys").await.1;
    for action in ["delete", "rename"] {
        let r = other
            .post_form(
                &format!("/security/passkeys/{id}/{action}"),
                &[("_csrf", &csrf_token(&html)), ("name", "mine")],
            )
            .await;
        assert_eq!(r.status(), 404, "{action} of another's passkey");
    }
    assert!(
        !other
            .get_text("/security/passkeys")
            .await
            .1
            .contains("YubiKey")
    );

    // Removed, it signs in no more; the audit keeps each step.
    let html = browser.get_text("/security/passkeys").await.1;
    let removed = browser
        .post_form(
            &format!("/security/passkeys/{id}/delete"),
            &[("_csrf", &csrf_token(&html))],
        )
        .await;
    assert_eq!(removed.status(), 303);
    let (_, status, _) = passkey_sign_in(&app, &mut key).await;
    assert_eq!(status, 422);
    let user_id: String = sqlx::query_scalar("SELECT id FROM users WHERE phone = $1")
        .bind("+79120000082")
        .fetch_one(app.state.db.pool())
        .await
        .expect("user");
    let actions: Vec<String> = store::audit::for_subject(&app.state.db, &user_id, 100)
        .await
        .expect("audit")
        .into_iter()
        .map(|r| r.action)
        .collect();
    for wanted in [
        "security.passkey_added",
        "security.passkey_renamed",
        "security.passkey_removed",
        "session.confirmed",
    ] {
        assert!(
            actions.iter().any(|a| a == wanted),
            "{wanted} in {actions:?}"
        );
    }
}

#[tokio::test]
async fn without_a_domain_name_passkeys_say_why_they_are_off() {
    let app = TestApp::spawn().await;
    registered_citizen(&app, "+79120000084", "nodomain@example.ru").await;
    let (status, html) = app.get_text("/security/passkeys").await;
    assert_eq!(status, 200);
    assert!(html.contains("доменному имени"));
    assert!(!html.contains("data-passkey="));
    let (_, html) = app.with_client(client()).get_text("/login").await;
    assert!(
        !html.contains("data-passkey="),
        "no button that cannot work"
    );
}
