//! Web push: delivery to a browser's push service (RFC 8030), the message encrypted for that
//! browser (RFC 8291, `aes128gcm` of RFC 8188) and the request signed with VAPID (RFC 8292).
//!
//! The VAPID key pair is derived from the master key, so every node signs with the same key and
//! nothing new needs keeping. A subscription's address is a URL the server will POST to, so only
//! the push services in `push.allowed_hosts` are accepted (no requests into the local network).
//! A push service answering 404 or 410 has forgotten the subscription: it is removed.

use std::time::Duration;

use aes_gcm::aead::{Aead, KeyInit, Nonce};
use aes_gcm::{Aes128Gcm, Key};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use jiff::Timestamp;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::{PublicKey, SecretKey};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::config::PushConfig;
use crate::keys::MasterKey;
use crate::state::AppState;
use crate::worker::JobError;

/// Records of this size: every message here is one record, far below it.
const RECORD_SIZE: u32 = 4096;
/// How long a push service keeps an undelivered message (seconds): a day.
const TTL_SECS: u32 = 86_400;
/// The longest text a push message carries (push services accept about 4 KB encrypted).
pub const MAX_PLAINTEXT: usize = 3000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PushError {
    #[error("the browser's key is not a P-256 point")]
    BadKey,
    #[error("the browser's authentication secret must be 16 bytes")]
    BadAuth,
    #[error("the message is too long for a push message")]
    TooLong,
    #[error("the push service address is not allowed")]
    Endpoint,
}

/// The server's VAPID identity.
pub struct Vapid {
    signing: SigningKey,
    public: String,
}

impl Vapid {
    /// The key pair derived from the master key (hashed again in the unlikely case that 32
    /// bytes are not a valid scalar).
    pub fn from_master(master: &MasterKey) -> Self {
        let mut seed = master.derive("vapid");
        loop {
            if let Ok(secret) = SecretKey::from_slice(&seed) {
                return Self::from_secret(secret);
            }
            seed = <Hmac<Sha256> as KeyInit>::new_from_slice(&seed)
                .map(|m| m.chain_update(b"again").finalize().into_bytes().into())
                .unwrap_or([1; 32]);
        }
    }

    fn from_secret(secret: SecretKey) -> Self {
        let public = B64.encode(secret.public_key().to_sec1_bytes());
        Self {
            signing: SigningKey::from(&secret),
            public,
        }
    }

    /// The public key browsers subscribe with (`applicationServerKey`), base64url.
    pub fn public_key(&self) -> &str {
        &self.public
    }

    /// The `Authorization` header for a request to `endpoint`: a JWT (ES256) whose audience is
    /// the push service's origin, valid for twelve hours.
    pub fn authorization(&self, endpoint: &str, contact: &str, now: Timestamp) -> String {
        let audience = origin(endpoint).unwrap_or_default();
        let header = B64.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({
            "aud": audience,
            "exp": now.as_second() + 12 * 3600,
            "sub": contact,
        });
        let claims = B64.encode(claims.to_string());
        let signed = format!("{header}.{claims}");
        let signature: Signature = self.signing.sign(signed.as_bytes());
        format!(
            "vapid t={signed}.{}, k={}",
            B64.encode(signature.to_bytes()),
            self.public
        )
    }
}

/// The scheme and the authority (`host[:port]`) of a URL.
pub fn scheme_and_authority(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    Some((
        scheme,
        rest.split(['/', '?', '#']).next().unwrap_or_default(),
    ))
}

/// `scheme://host[:port]` of a URL.
fn origin(url: &str) -> Option<String> {
    let (scheme, authority) = scheme_and_authority(url)?;
    Some(format!("{scheme}://{authority}"))
}

/// Whether the server may deliver to this push service address.
pub fn endpoint_allowed(config: &PushConfig, endpoint: &str) -> bool {
    let Some((scheme, authority)) = scheme_and_authority(endpoint) else {
        return false;
    };
    if !(scheme == "https" || (scheme == "http" && config.allow_insecure)) {
        return false;
    }
    if authority.contains('@') || endpoint.len() > 2000 {
        return false;
    }
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => authority,
    }
    .to_ascii_lowercase();
    config
        .allowed_hosts
        .iter()
        .any(|allowed| host == *allowed || host.ends_with(&format!(".{allowed}")))
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Encrypts a push message for one browser (RFC 8291 §3.4, one `aes128gcm` record): the
/// server's key for this message `as_secret`, the random `salt`.
pub fn encrypt(
    ua_public: &[u8],
    auth: &[u8],
    plaintext: &[u8],
    as_secret: &SecretKey,
    salt: &[u8; 16],
) -> Result<Vec<u8>, PushError> {
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(PushError::TooLong);
    }
    if auth.len() != 16 {
        return Err(PushError::BadAuth);
    }
    let ua_key = PublicKey::from_sec1_bytes(ua_public).map_err(|_| PushError::BadKey)?;
    let as_public = as_secret.public_key().to_sec1_bytes();
    let shared = as_secret.diffie_hellman(&ua_key);

    // IKM = HKDF(auth, ecdh_secret, "WebPush: info" || 0x00 || ua_public || as_public, 32)
    let prk_key = hmac(auth, &[shared.raw_secret_bytes().as_slice()]);
    let ikm = hmac(&prk_key, &[b"WebPush: info\0", ua_public, &as_public, &[1]]);
    // PRK = HKDF-Extract(salt, IKM); CEK and NONCE expanded from it.
    let prk = hmac(salt, &[&ikm]);
    let cek = hmac(&prk, &[b"Content-Encoding: aes128gcm\0", &[1]]);
    let nonce = hmac(&prk, &[b"Content-Encoding: nonce\0", &[1]]);

    let mut record = plaintext.to_vec();
    record.push(2); // the last (and only) record's delimiter
    let key = Key::<Aes128Gcm>::try_from(&cek[..16]).map_err(|_| PushError::BadKey)?;
    let nonce = Nonce::<Aes128Gcm>::try_from(&nonce[..12]).map_err(|_| PushError::BadKey)?;
    let sealed = Aes128Gcm::new(&key)
        .encrypt(&nonce, record.as_slice())
        .map_err(|_| PushError::TooLong)?;

    let mut body = Vec::with_capacity(16 + 4 + 1 + as_public.len() + sealed.len());
    body.extend_from_slice(salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(as_public.len() as u8);
    body.extend_from_slice(&as_public);
    body.extend_from_slice(&sealed);
    Ok(body)
}

/// A fresh key and salt for one message.
fn ephemeral() -> (SecretKey, [u8; 16]) {
    let mut salt = [0_u8; 16];
    rand::fill(&mut salt);
    loop {
        let mut seed = [0_u8; 32];
        rand::fill(&mut seed);
        if let Ok(secret) = SecretKey::from_slice(&seed) {
            return (secret, salt);
        }
    }
}

/// What the service worker shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Shown {
    pub title: String,
    pub body: String,
    pub link: Option<String>,
}

/// A push to one subscription, as queued.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Push {
    pub subscription: String,
    pub shown: Shown,
}

/// Delivers one push. A subscription gone from the database is dropped (nothing to send to);
/// one the push service no longer knows is removed.
pub async fn send(state: &AppState, push: &Push) -> Result<(), JobError> {
    let mut conn = state.db.connection().await?;
    let Some(sub) = store::push::by_id(&mut conn, &push.subscription).await? else {
        return Err(JobError::Permanent(
            "the push subscription was removed".into(),
        ));
    };
    drop(conn);
    if !endpoint_allowed(&state.config.push, &sub.endpoint) {
        return Err(JobError::Permanent(PushError::Endpoint.to_string()));
    }
    let ua_public = B64
        .decode(&sub.p256dh)
        .map_err(|_| JobError::Permanent(PushError::BadKey.to_string()))?;
    let auth = B64
        .decode(&sub.auth)
        .map_err(|_| JobError::Permanent(PushError::BadAuth.to_string()))?;
    let mut text = serde_json::to_vec(&push.shown).unwrap_or_default();
    text.truncate(MAX_PLAINTEXT);
    let (as_secret, salt) = ephemeral();
    let body = encrypt(&ua_public, &auth, &text, &as_secret, &salt)
        .map_err(|e| JobError::Permanent(e.to_string()))?;
    let now = state.now();
    let response = state
        .channels
        .http
        .post(&sub.endpoint)
        .header("TTL", TTL_SECS.to_string())
        .header("Content-Encoding", "aes128gcm")
        .header("Content-Type", "application/octet-stream")
        .header("Urgency", "normal")
        .header(
            "Authorization",
            state
                .channels
                .vapid
                .authorization(&sub.endpoint, &state.config.push.contact, now),
        )
        .body(body)
        .timeout(Duration::from_secs(15))
        .send()
        .await
        .map_err(|e| JobError::Retry(format!("push service unreachable: {e}")))?;
    let status = response.status().as_u16();
    match status {
        200..=299 => {
            let mut conn = state.db.connection().await?;
            store::push::record_success(&mut conn, &sub.id, now).await?;
            Ok(())
        }
        404 | 410 => {
            let mut conn = state.db.connection().await?;
            store::push::remove_gone(&mut conn, &sub.id).await?;
            tracing::info!(subscription = %sub.id, "push subscription gone; removed");
            Err(JobError::Permanent(format!(
                "the push service no longer knows this browser (HTTP {status}); subscription removed"
            )))
        }
        429 | 500..=599 => Err(JobError::Retry(format!("push service busy: HTTP {status}"))),
        _ => Err(JobError::Permanent(format!(
            "push service refused the message: HTTP {status}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Vec<u8> {
        B64.decode(s).expect("base64url")
    }

    /// RFC 8291 Appendix A, byte for byte.
    #[test]
    fn the_rfc_8291_example_encrypts_to_the_published_message() {
        let as_secret =
            SecretKey::from_slice(&d("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw")).expect("key");
        assert_eq!(
            B64.encode(as_secret.public_key().to_sec1_bytes()),
            "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
        );
        let salt: [u8; 16] = d("DGv6ra1nlYgDCS1FRnbzlw").try_into().expect("16 bytes");
        let body = encrypt(
            &d("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"),
            &d("BTBZMqHH6r4Tts7J_aSIgg"),
            b"When I grow up, I want to be a watermelon",
            &as_secret,
            &salt,
        )
        .expect("encrypts");
        assert_eq!(
            B64.encode(body),
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
        );
    }

    #[test]
    fn bad_browser_keys_are_refused() {
        let (secret, salt) = ephemeral();
        assert_eq!(
            encrypt(&[4; 65], &[0; 16], b"x", &secret, &salt),
            Err(PushError::BadKey)
        );
        let ua = secret.public_key().to_sec1_bytes();
        assert_eq!(
            encrypt(&ua, &[0; 15], b"x", &secret, &salt),
            Err(PushError::BadAuth)
        );
        assert_eq!(
            encrypt(&ua, &[0; 16], &[b'x'; MAX_PLAINTEXT + 1], &secret, &salt),
            Err(PushError::TooLong)
        );
    }

    #[test]
    fn only_known_push_services_over_https_are_allowed() {
        let config = PushConfig::default();
        assert!(endpoint_allowed(
            &config,
            "https://fcm.googleapis.com/fcm/send/abc"
        ));
        assert!(endpoint_allowed(
            &config,
            "https://wns2-par02p.notify.windows.com/w/?token=x"
        ));
        assert!(!endpoint_allowed(
            &config,
            "http://fcm.googleapis.com/fcm/send/abc"
        ));
        assert!(!endpoint_allowed(
            &config,
            "https://evil.example/fcm.googleapis.com"
        ));
        assert!(!endpoint_allowed(
            &config,
            "https://fcm.googleapis.com.evil.example/x"
        ));
        assert!(!endpoint_allowed(
            &config,
            "https://user@fcm.googleapis.com/x"
        ));
        assert!(!endpoint_allowed(&config, "https://169.254.169.254/latest"));
        assert!(!endpoint_allowed(&config, "fcm.googleapis.com/x"));
        let local = PushConfig {
            allowed_hosts: vec!["127.0.0.1".into()],
            allow_insecure: true,
            ..PushConfig::default()
        };
        assert!(endpoint_allowed(&local, "http://127.0.0.1:4000/push/1"));
    }

    #[test]
    fn the_vapid_token_names_the_push_service_and_verifies_with_the_public_key() {
        use p256::ecdsa::VerifyingKey;
        use p256::ecdsa::signature::Verifier;
        let vapid = Vapid::from_master(&MasterKey::from_bytes([7; 32]));
        let again = Vapid::from_master(&MasterKey::from_bytes([7; 32]));
        assert_eq!(
            vapid.public_key(),
            again.public_key(),
            "derived, not random"
        );
        let now: Timestamp = "2026-11-30T10:00:00Z".parse().expect("time");
        let header = vapid.authorization(
            "https://updates.push.services.mozilla.com/wpush/v2/abc",
            "mailto:ops@example.ru",
            now,
        );
        let (t, k) = header
            .strip_prefix("vapid t=")
            .and_then(|rest| rest.split_once(", k="))
            .expect("t and k");
        assert_eq!(k, vapid.public_key());
        let (signed, signature) = t.rsplit_once('.').expect("three parts");
        let claims: serde_json::Value =
            serde_json::from_slice(&d(signed.split_once('.').expect("two parts").1)).expect("json");
        assert_eq!(claims["aud"], "https://updates.push.services.mozilla.com");
        assert_eq!(claims["exp"], now.as_second() + 12 * 3600);
        let key = VerifyingKey::from_sec1_bytes(&d(k)).expect("key");
        let signature = Signature::from_slice(&d(signature)).expect("r||s");
        assert!(key.verify(signed.as_bytes(), &signature).is_ok());
    }
}
