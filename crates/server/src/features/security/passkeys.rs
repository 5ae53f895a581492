//! Passkeys (WebAuthn, through webauthn-rs): register several, name and remove them, sign in with
//! one instead of the password, and use one as the second factor or to confirm a security
//! change. A passkey asks the device for user verification (biometrics or PIN), so one use
//! proves two factors at once.
//!
//! Each ceremony has two requests: the options (a fresh challenge) and the authenticator's
//! answer. The challenge state waits in `webauthn_ceremonies` (five minutes, used once), so any
//! node may answer the second request. Passkeys need the service reached by a domain name
//! (`public_url`): the browser ties each passkey to it, and an IP address cannot be one.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use serde::de::DeserializeOwned;
use store::StoreError;
use store::audit::Action;
use store::audit::{self, Actor, Entry};
use store::passkeys::{self as repo, StoredPasskey};
use store::users::UserSummary;
use webauthn_rs::prelude::{
    CreationChallengeResponse, DiscoverableAuthentication, Passkey, PasskeyAuthentication,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse, Url, Uuid, Webauthn, WebauthnBuilder,
};
use webauthn_rs_proto::ResidentKeyRequirement;

use crate::config::Config;
use crate::features::notifications::announcement::Announcement;
use crate::state::AppState;
use crate::web::context::RequestMeta;

/// How long the browser has to answer a challenge.
const CEREMONY_LIFETIME: SignedDuration = SignedDuration::from_mins(5);
/// Names are for the person to tell their devices apart.
pub const NAME_MAX_CHARS: usize = 60;
/// More passkeys than anyone needs; a limit keeps one account from filling the table.
pub const MAX_PER_USER: i64 = 20;

/// What a ceremony is for; its state is only accepted back for the same purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Register,
    /// Signing in without a password: the person is not known until the answer names them.
    SignIn,
    /// The second step after the password.
    SecondFactor,
    /// A fresh confirmation before a security change.
    Confirm,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Register => "register",
            Purpose::SignIn => "sign_in",
            Purpose::SecondFactor => "second_factor",
            Purpose::Confirm => "confirm",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    #[error("passkeys need the service reached by a domain name")]
    Unavailable,
    #[error("the ceremony expired or was used")]
    CeremonyGone,
    #[error("the authenticator's answer did not verify: {0}")]
    Refused(String),
    #[error("this passkey is not registered here")]
    Unknown,
    #[error("this passkey is already registered")]
    AlreadyRegistered,
    #[error("too many passkeys")]
    TooMany,
    #[error("no passkeys")]
    NoneRegistered,
    #[error("bad name")]
    BadName,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for PasskeyError {
    fn from(err: sqlx::Error) -> Self {
        PasskeyError::Store(err.into())
    }
}

/// The relying party for this service, when `public_url` names a host by domain (an IP address
/// cannot be a WebAuthn relying party). None turns passkeys off, and the pages say why.
pub fn relying_party(config: &Config) -> Option<Webauthn> {
    let origin = Url::parse(&config.public_base()).ok()?;
    let rp_id = origin.domain()?.to_owned();
    let built = WebauthnBuilder::new(&rp_id, &origin).and_then(|b| b.rp_name("Кабинет").build());
    match built {
        Ok(webauthn) => Some(webauthn),
        Err(e) => {
            tracing::warn!(error = %e, "passkeys are off: the public address cannot be a WebAuthn relying party");
            None
        }
    }
}

fn webauthn(state: &AppState) -> Result<&Webauthn, PasskeyError> {
    state.webauthn.as_deref().ok_or(PasskeyError::Unavailable)
}

fn credential_key(id: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(id)
}

fn user_handle(user_id: &str) -> Result<Uuid, PasskeyError> {
    Uuid::parse_str(user_id).map_err(|_| PasskeyError::Refused("account id is not a UUID".into()))
}

fn decode<T: DeserializeOwned>(stored: &str) -> Result<T, PasskeyError> {
    serde_json::from_str(stored)
        .map_err(|e| StoreError::Corrupt(format!("passkey JSON: {e}")).into())
}

fn encode<T: Serialize>(value: &T) -> Result<String, PasskeyError> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Corrupt(format!("passkey JSON: {e}")).into())
}

async fn keep_ceremony<T: Serialize>(
    state: &AppState,
    purpose: Purpose,
    user_id: Option<&str>,
    ceremony: &T,
) -> Result<String, PasskeyError> {
    let now = state.now();
    let expires = now.checked_add(CEREMONY_LIFETIME).unwrap_or(now);
    Ok(repo::begin_ceremony(
        &state.db,
        purpose.as_str(),
        user_id,
        &encode(ceremony)?,
        expires,
    )
    .await?)
}

async fn take_ceremony<T: DeserializeOwned>(
    state: &AppState,
    id: &str,
    purpose: Purpose,
    user_id: Option<&str>,
) -> Result<T, PasskeyError> {
    let mut conn = state.db.connection().await?;
    let stored = repo::take_ceremony(&mut conn, id, purpose.as_str(), user_id, state.now())
        .await?
        .ok_or(PasskeyError::CeremonyGone)?;
    decode(&stored)
}

/// The person's passkeys as the library wants them.
async fn passkeys_of(
    state: &AppState,
    user_id: &str,
) -> Result<Vec<(StoredPasskey, Passkey)>, PasskeyError> {
    let stored = repo::for_user(&state.db, user_id).await?;
    stored
        .into_iter()
        .map(|s| decode::<Passkey>(&s.credential).map(|p| (s, p)))
        .collect()
}

pub async fn list(state: &AppState, user_id: &str) -> Result<Vec<StoredPasskey>, PasskeyError> {
    Ok(repo::for_user(&state.db, user_id).await?)
}

/// The cleaned name, or [`PasskeyError::BadName`].
pub fn clean_name(typed: &str) -> Result<String, PasskeyError> {
    let name: String = typed.trim().chars().filter(|c| !c.is_control()).collect();
    if name.is_empty() || name.chars().count() > NAME_MAX_CHARS {
        return Err(PasskeyError::BadName);
    }
    Ok(name)
}

// --- Registering ----------------------------------------------------------------------------

/// Options for the browser to create a passkey: resident (discoverable, so that it can sign in
/// without typing a login), verified by the device, not one the person already has here.
pub async fn begin_registration(
    state: &AppState,
    user: &UserSummary,
    account_label: &str,
) -> Result<(String, CreationChallengeResponse), PasskeyError> {
    let webauthn = webauthn(state)?;
    let existing = passkeys_of(state, &user.id).await?;
    if existing.len() as i64 >= MAX_PER_USER {
        return Err(PasskeyError::TooMany);
    }
    let exclude = existing.iter().map(|(_, p)| p.cred_id().clone()).collect();
    let (mut options, registration) = webauthn
        .start_passkey_registration(
            user_handle(&user.id)?,
            account_label,
            &user.short_name(),
            Some(exclude),
        )
        .map_err(|e| PasskeyError::Refused(e.to_string()))?;
    if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
        selection.resident_key = Some(ResidentKeyRequirement::Required);
        selection.require_resident_key = true;
    }
    let id = keep_ceremony(state, Purpose::Register, Some(&user.id), &registration).await?;
    Ok((id, options))
}

/// Verifies the new passkey and keeps it, with its audit record and announcement.
pub async fn finish_registration(
    state: &AppState,
    user: &UserSummary,
    ceremony: &str,
    name: &str,
    answer: &RegisterPublicKeyCredential,
    meta: &RequestMeta,
) -> Result<String, PasskeyError> {
    let name = clean_name(name)?;
    let registration: PasskeyRegistration =
        take_ceremony(state, ceremony, Purpose::Register, Some(&user.id)).await?;
    let passkey = webauthn(state)?
        .finish_passkey_registration(answer, &registration)
        .map_err(|e| PasskeyError::Refused(e.to_string()))?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if repo::count(&mut tx, &user.id).await? >= MAX_PER_USER {
        return Err(PasskeyError::TooMany);
    }
    let id = match repo::insert(
        &mut tx,
        &user.id,
        &credential_key(passkey.cred_id().as_ref()),
        &name,
        &encode(&passkey)?,
        now,
    )
    .await
    {
        Ok(id) => id,
        Err(StoreError::UniqueViolation) => return Err(PasskeyError::AlreadyRegistered),
        Err(e) => return Err(e.into()),
    };
    change_recorded(
        &mut tx,
        state,
        user,
        Action::SecurityPasskeyAdded,
        &id,
        &name,
        meta,
        now,
    )
    .await?;
    state.commit_and_wake(tx).await?;
    Ok(id)
}

#[allow(clippy::too_many_arguments)]
async fn change_recorded(
    conn: &mut sqlx::AnyConnection,
    state: &AppState,
    user: &UserSummary,
    action: Action,
    passkey_id: &str,
    name: &str,
    meta: &RequestMeta,
    now: Timestamp,
) -> Result<(), StoreError> {
    let entry = Entry::new(Actor::of(user), action)
        .object("passkey", passkey_id)
        .subject(&user.id)
        .from_request(meta.ip.clone(), None)
        .details(serde_json::json!({ "name": name }));
    audit::append(conn, &entry, now).await?;
    let ip = meta.ip.clone().unwrap_or_else(|| "—".to_owned());
    let (title, what) = if action == Action::SecurityPasskeyAdded {
        (
            ("Добавлен ключ доступа", "A passkey was added"),
            "passkey_added",
        )
    } else {
        (
            ("Удалён ключ доступа", "A passkey was removed"),
            "passkey_removed",
        )
    };
    Announcement {
        what,
        title,
        body: (
            format!("«{name}», IP {ip}. Если это были не вы, смените пароль и завершите другие сеансы."),
            format!("“{name}”, IP {ip}. If this was not you, change your password and end your other sessions."),
        ),
        link: "/security/passkeys",
    }
    .send(conn, state, &user.id, now)
    .await
}

pub async fn rename(
    state: &AppState,
    user: &UserSummary,
    id: &str,
    name: &str,
    meta: &RequestMeta,
) -> Result<(), PasskeyError> {
    let name = clean_name(name)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !repo::rename(&mut tx, &user.id, id, &name).await? {
        return Err(PasskeyError::Unknown);
    }
    let entry = Entry::new(Actor::of(user), Action::SecurityPasskeyRenamed)
        .object("passkey", id)
        .subject(&user.id)
        .from_request(meta.ip.clone(), None)
        .details(serde_json::json!({ "name": name }));
    audit::append(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove(
    state: &AppState,
    user: &UserSummary,
    id: &str,
    meta: &RequestMeta,
) -> Result<(), PasskeyError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let name = repo::delete(&mut tx, &user.id, id)
        .await?
        .ok_or(PasskeyError::Unknown)?;
    change_recorded(
        &mut tx,
        state,
        user,
        Action::SecurityPasskeyRemoved,
        id,
        &name,
        meta,
        now,
    )
    .await?;
    state.commit_and_wake(tx).await?;
    Ok(())
}

// --- Proving with a passkey -------------------------------------------------------------------

/// Options to sign in without a password: no login typed, the device offers its passkeys for
/// this service. Started by a button, so not the autofill ("conditional") mediation.
pub async fn begin_sign_in(
    state: &AppState,
) -> Result<(String, RequestChallengeResponse), PasskeyError> {
    let (mut options, auth) = webauthn(state)?
        .start_discoverable_authentication()
        .map_err(|e| PasskeyError::Refused(e.to_string()))?;
    options.mediation = None;
    let id = keep_ceremony(state, Purpose::SignIn, None, &auth).await?;
    Ok((id, options))
}

/// Checks a passwordless sign-in; returns the account it proves.
pub async fn finish_sign_in(
    state: &AppState,
    ceremony: &str,
    answer: &PublicKeyCredential,
) -> Result<String, PasskeyError> {
    let auth: DiscoverableAuthentication =
        take_ceremony(state, ceremony, Purpose::SignIn, None).await?;
    let webauthn = webauthn(state)?;
    let (handle, credential_id) = webauthn
        .identify_discoverable_authentication(answer)
        .map_err(|e| PasskeyError::Refused(e.to_string()))?;
    let stored = repo::by_credential(&state.db, &credential_key(credential_id))
        .await?
        .ok_or(PasskeyError::Unknown)?;
    if user_handle(&stored.user_id)? != handle {
        return Err(PasskeyError::Unknown);
    }
    let mut passkey: Passkey = decode(&stored.credential)?;
    let result = webauthn
        .finish_discoverable_authentication_v2(answer, auth, &passkey)
        .map_err(|e| PasskeyError::Refused(e.to_string()))?;
    let changed = passkey.update_credential(&result).unwrap_or(false);
    record_use(state, &stored, changed.then_some(&passkey)).await?;
    Ok(stored.user_id)
}

/// Options to prove it is this person (second step, confirmation) with one of their passkeys.
pub async fn begin_proof(
    state: &AppState,
    user_id: &str,
    purpose: Purpose,
) -> Result<(String, RequestChallengeResponse), PasskeyError> {
    let webauthn = webauthn(state)?;
    let keys: Vec<Passkey> = passkeys_of(state, user_id)
        .await?
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    if keys.is_empty() {
        return Err(PasskeyError::NoneRegistered);
    }
    let (options, auth) = webauthn
        .start_passkey_authentication(&keys)
        .map_err(|e| PasskeyError::Refused(e.to_string()))?;
    let id = keep_ceremony(state, purpose, Some(user_id), &auth).await?;
    Ok((id, options))
}

/// Checks the answer to [`begin_proof`].
pub async fn finish_proof(
    state: &AppState,
    user_id: &str,
    purpose: Purpose,
    ceremony: &str,
    answer: &PublicKeyCredential,
) -> Result<(), PasskeyError> {
    let auth: PasskeyAuthentication =
        take_ceremony(state, ceremony, purpose, Some(user_id)).await?;
    let result = webauthn(state)?
        .finish_passkey_authentication(answer, &auth)
        .map_err(|e| PasskeyError::Refused(e.to_string()))?;
    let stored = repo::by_credential(&state.db, &credential_key(result.cred_id().as_ref()))
        .await?
        .filter(|s| s.user_id == user_id)
        .ok_or(PasskeyError::Unknown)?;
    let mut passkey: Passkey = decode(&stored.credential)?;
    let changed = passkey.update_credential(&result).unwrap_or(false);
    record_use(state, &stored, changed.then_some(&passkey)).await?;
    Ok(())
}

async fn record_use(
    state: &AppState,
    stored: &StoredPasskey,
    updated: Option<&Passkey>,
) -> Result<(), PasskeyError> {
    let credential = updated.map(encode).transpose()?;
    let mut conn = state.db.connection().await?;
    repo::record_use(&mut conn, &stored.id, credential.as_deref(), state.now()).await?;
    Ok(())
}

/// Whether the person has any passkey (the second step and confirmation offer it then).
pub async fn has_any(state: &AppState, user_id: &str) -> Result<bool, PasskeyError> {
    if state.webauthn.is_none() {
        return Ok(false);
    }
    let mut conn = state.db.connection().await?;
    Ok(repo::count(&mut conn, user_id).await? > 0)
}
