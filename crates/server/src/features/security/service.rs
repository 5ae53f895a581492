//! What the security settings do, written once for pages and API: the authenticator app
//! (enrol, confirm, turn off), SMS as the second factor, recovery codes, the second step of
//! signing in, and fresh confirmation before a security change.
//!
//! Every change is one transaction with its audit record and its announcement (a security
//! notification, which the person cannot turn off on every channel at once).

use domain::totp;
use jiff::{SignedDuration, Timestamp};
use sqlx::AnyConnection;
use store::StoreError;
use store::audit::Action;
use store::audit::{self, Actor, Entry};
use store::second_factor as repo;
use store::users::UserSummary;

use crate::features::accounts::codes::{self, CodeError};
use crate::features::accounts::second_step::{self, SMS_PURPOSE, SecondStepError};
pub use crate::features::accounts::second_step::{CHALLENGE_LIFETIME, Factor};
use crate::features::accounts::service::count_wrong_password;
use crate::features::notifications::announcement::Announcement;
use crate::keys;
use crate::state::AppState;
use crate::web::context::RequestMeta;

/// A confirmation counts for this long before a security change asks again.
pub const FRESH_FOR: SignedDuration = SignedDuration::from_mins(10);
/// Wrong second factors before the half-done sign-in is dropped.
pub const CHALLENGE_TRIES: i64 = 5;
/// Recovery codes made at a time.
pub const RECOVERY_CODE_COUNT: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum SecurityError {
    #[error("wrong code")]
    WrongCode,
    #[error("too many wrong codes")]
    TooManyTries,
    #[error("the sign-in expired or was finished")]
    ChallengeGone,
    #[error("no authenticator is being set up")]
    NoEnrolment,
    #[error("no confirmed phone")]
    NoPhone,
    #[error(transparent)]
    Code(#[from] CodeError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SecondStepError> for SecurityError {
    fn from(err: SecondStepError) -> Self {
        match err {
            SecondStepError::NoPhone => SecurityError::NoPhone,
            SecondStepError::Code(e) => SecurityError::Code(e),
            SecondStepError::Store(e) => SecurityError::Store(e),
        }
    }
}

impl From<sqlx::Error> for SecurityError {
    fn from(err: sqlx::Error) -> Self {
        SecurityError::Store(err.into())
    }
}

// --- Sealing the authenticator secret ------------------------------------------------------

fn seal(state: &AppState, secret: &[u8]) -> String {
    crate::keys::seal(&state.keys.secrets, secret)
}

fn unseal(state: &AppState, sealed: &str) -> Option<Vec<u8>> {
    crate::keys::unseal(&state.keys.secrets, sealed)
}

fn unix(now: Timestamp) -> i64 {
    now.as_second()
}

// --- The authenticator app ------------------------------------------------------------------

/// What the person needs to add Kabinet to their app.
pub struct Enrolment {
    pub uri: String,
    pub grouped: String,
}

fn enrolment(state: &AppState, account: &str, secret: &[u8]) -> Enrolment {
    Enrolment {
        uri: totp::provisioning_uri(&state.config.issuer_name(), account, secret),
        grouped: totp::grouped(secret),
    }
}

/// Starts (or restarts) adding an authenticator: a new secret, unconfirmed until a code from the
/// app proves it was scanned. The factor in use, if any, stays in force meanwhile.
pub async fn begin_totp(
    state: &AppState,
    user: &UserSummary,
    account: &str,
    meta: &RequestMeta,
) -> Result<Enrolment, SecurityError> {
    let mut secret = [0_u8; totp::SECRET_LEN];
    rand::fill(&mut secret);
    let now = state.now();
    let mut tx = state.db.begin().await?;
    repo::totp_begin(&mut tx, &user.id, &seal(state, &secret), now).await?;
    audit_change(&mut tx, user, Action::SecurityTotpStarted, meta, now).await?;
    tx.commit().await?;
    Ok(enrolment(state, account, &secret))
}

/// The authenticator being set up, to show its QR code again.
pub async fn pending_totp(
    state: &AppState,
    user_id: &str,
    account: &str,
) -> Result<Option<Enrolment>, SecurityError> {
    let mut conn = state.db.connection().await?;
    let Some(stored) = repo::totp(&mut conn, user_id).await? else {
        return Ok(None);
    };
    if stored.confirmed {
        return Ok(None);
    }
    Ok(unseal(state, &stored.sealed).map(|secret| enrolment(state, account, &secret)))
}

/// Confirms the app with a code it shows: the authenticator becomes the second factor and ten
/// recovery codes are made, returned once for the person to keep.
pub async fn confirm_totp(
    state: &AppState,
    user: &UserSummary,
    typed: &str,
    meta: &RequestMeta,
) -> Result<Vec<String>, SecurityError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let stored = repo::totp(&mut tx, &user.id)
        .await?
        .filter(|s| !s.confirmed)
        .ok_or(SecurityError::NoEnrolment)?;
    let secret = unseal(state, &stored.sealed).ok_or(SecurityError::NoEnrolment)?;
    let step = totp::verify(&secret, typed, unix(now), stored.last_step)
        .ok_or(SecurityError::WrongCode)?;
    if !repo::totp_use_step(&mut tx, &user.id, step, now).await? {
        return Err(SecurityError::WrongCode);
    }
    repo::choose(&mut tx, &user.id, Some(Factor::Totp.as_str())).await?;
    let codes = new_recovery_codes(&mut tx, state, &user.id, now).await?;
    record_announced(
        &mut tx,
        state,
        user,
        Action::SecurityTotpEnabled,
        (
            "totp_on",
            (
                "Включён вход с кодом из приложения",
                "Authenticator app turned on",
            ),
        ),
        meta,
        now,
    )
    .await?;
    state.commit_and_wake(tx).await?;
    Ok(codes)
}

/// Makes SMS codes the second factor (the phone must be confirmed).
pub async fn choose_sms(
    state: &AppState,
    user: &UserSummary,
    meta: &RequestMeta,
) -> Result<(), SecurityError> {
    let now = state.now();
    let profile = store::users::profile(&state.db, &user.id).await?;
    if !profile.is_some_and(|p| p.phone_verified && p.phone.is_some()) {
        return Err(SecurityError::NoPhone);
    }
    let mut tx = state.db.begin().await?;
    repo::choose(&mut tx, &user.id, Some(Factor::Sms.as_str())).await?;
    repo::totp_delete(&mut tx, &user.id).await?;
    record_announced(
        &mut tx,
        state,
        user,
        Action::SecuritySmsFactorEnabled,
        (
            "sms_on",
            (
                "Включён вход с кодом из SMS",
                "SMS codes turned on for signing in",
            ),
        ),
        meta,
        now,
    )
    .await?;
    state.commit_and_wake(tx).await?;
    Ok(())
}

/// Turns the second factor off. The caller has checked a fresh confirmation, which includes the
/// second factor itself.
pub async fn turn_off(
    state: &AppState,
    user: &UserSummary,
    meta: &RequestMeta,
) -> Result<(), SecurityError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    repo::choose(&mut tx, &user.id, None).await?;
    repo::totp_delete(&mut tx, &user.id).await?;
    repo::replace_recovery_codes(&mut tx, &user.id, &[], now).await?;
    record_announced(
        &mut tx,
        state,
        user,
        Action::SecuritySecondFactorDisabled,
        (
            "second_factor_off",
            (
                "Двухфакторная защита выключена",
                "Two-step sign-in turned off",
            ),
        ),
        meta,
        now,
    )
    .await?;
    state.commit_and_wake(tx).await?;
    Ok(())
}

/// New recovery codes in place of the old ones, shown once.
pub async fn regenerate_recovery_codes(
    state: &AppState,
    user: &UserSummary,
    meta: &RequestMeta,
) -> Result<Vec<String>, SecurityError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let codes = new_recovery_codes(&mut tx, state, &user.id, now).await?;
    audit_change(
        &mut tx,
        user,
        Action::SecurityRecoveryCodesRenewed,
        meta,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(codes)
}

async fn new_recovery_codes(
    conn: &mut AnyConnection,
    state: &AppState,
    user_id: &str,
    now: Timestamp,
) -> Result<Vec<String>, SecurityError> {
    let codes: Vec<String> = (0..RECOVERY_CODE_COUNT)
        .map(|_| random_recovery_code())
        .collect();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| recovery_hash(state, user_id, c))
        .collect();
    repo::replace_recovery_codes(conn, user_id, &hashes, now).await?;
    Ok(codes)
}

/// Ten characters from an alphabet without look-alikes (0/O, 1/I/L), shown as "xxxxx-xxxxx":
/// about 49 bits, ample for a code that also needs the password.
fn random_recovery_code() -> String {
    const ALPHABET: &[u8; 31] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0_u8; 10];
    rand::fill(&mut bytes);
    let chars: String = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b % 31)]))
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

fn normalise_recovery_code(typed: &str) -> Option<String> {
    let plain: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (plain.len() == 10).then_some(plain)
}

fn recovery_hash(state: &AppState, user_id: &str, code: &str) -> String {
    let plain = normalise_recovery_code(code).unwrap_or_default();
    keys::sign(
        &state.keys.codes,
        format!("recovery\n{user_id}\n{plain}").as_bytes(),
    )
}

// --- Proving the second factor ---------------------------------------------------------------

/// The person's second factor, if they have one.
pub async fn chosen(state: &AppState, user_id: &str) -> Result<Option<Factor>, SecurityError> {
    Ok(second_step::chosen(state, user_id).await?)
}

/// Sends the SMS code of the second factor (sign-in or confirmation).
pub async fn send_sms_code(state: &AppState, user_id: &str) -> Result<(), SecurityError> {
    Ok(second_step::send_sms_code(state, user_id).await?)
}

/// A second factor that looked right, to be spent in the transaction of what it unlocks.
pub enum Proof {
    Recovery(String),
    Totp(i64),
    Sms(store::codes::StoredCode),
}

/// Checks a second factor typed by the person: a code from the app, an SMS code, or a recovery
/// code (any factor). Runs outside the caller's transaction, because checking an SMS code
/// records a wrong try in a transaction of its own.
pub async fn examine(
    state: &AppState,
    user_id: &str,
    factor: Factor,
    typed: &str,
    now: Timestamp,
) -> Result<Proof, SecurityError> {
    if let Some(plain) = normalise_recovery_code(typed) {
        return Ok(Proof::Recovery(recovery_hash(state, user_id, &plain)));
    }
    match factor {
        Factor::Totp => {
            let mut conn = state.db.connection().await?;
            let stored = repo::totp(&mut conn, user_id)
                .await?
                .filter(|s| s.confirmed)
                .ok_or(SecurityError::WrongCode)?;
            let secret = unseal(state, &stored.sealed).ok_or(SecurityError::WrongCode)?;
            totp::verify(&secret, typed, unix(now), stored.last_step)
                .map(Proof::Totp)
                .ok_or(SecurityError::WrongCode)
        }
        Factor::Sms => match codes::check(state, SMS_PURPOSE, user_id, typed, now).await {
            Ok(code) => Ok(Proof::Sms(code)),
            Err(CodeError::TooManyTries) => Err(SecurityError::TooManyTries),
            Err(CodeError::Store(e)) => Err(e.into()),
            Err(_) => Err(SecurityError::WrongCode),
        },
    }
}

/// Spends a proof in the caller's transaction; a code spent meanwhile (a race, a replay) fails.
pub async fn spend(
    conn: &mut AnyConnection,
    user_id: &str,
    proof: &Proof,
    now: Timestamp,
) -> Result<(), SecurityError> {
    let spent = match proof {
        Proof::Recovery(hash) => repo::use_recovery_code(conn, user_id, hash, now).await?,
        Proof::Totp(step) => repo::totp_use_step(conn, user_id, *step, now).await?,
        Proof::Sms(code) => codes::consume(conn, code, now).await.is_ok(),
    };
    if spent {
        Ok(())
    } else {
        Err(SecurityError::WrongCode)
    }
}

/// The sign-in a challenge token holds, with the factor it waits for.
pub async fn held_sign_in(
    state: &AppState,
    token: &str,
) -> Result<Option<(repo::Challenge, Factor)>, SecurityError> {
    let mut conn = state.db.connection().await?;
    let Some(challenge) =
        repo::find_challenge(&mut conn, &keys::token_hash(token), state.now()).await?
    else {
        return Ok(None);
    };
    let factor = repo::chosen(&mut conn, &challenge.user_id)
        .await?
        .as_deref()
        .and_then(Factor::parse);
    Ok(factor.map(|f| (challenge, f)))
}

/// Finishes a held sign-in with the second factor: returns the user id and the first factor's
/// method for the session. Wrong codes are counted; the fifth drops the sign-in.
pub async fn complete_sign_in(
    state: &AppState,
    token: &str,
    typed: &str,
    meta: &RequestMeta,
) -> Result<(String, String), SecurityError> {
    let now = state.now();
    let (challenge, factor) = held_sign_in(state, token)
        .await?
        .ok_or(SecurityError::ChallengeGone)?;
    let proven = match examine(state, &challenge.user_id, factor, typed, now).await {
        Ok(proof) => {
            let mut tx = state.db.begin().await?;
            match spend(&mut tx, &challenge.user_id, &proof, now).await {
                Ok(()) => Ok(tx),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    match proven {
        Ok(mut tx) => {
            if !repo::end_challenge(&mut tx, &challenge.id).await? {
                return Err(SecurityError::ChallengeGone);
            }
            tx.commit().await?;
            Ok((
                challenge.user_id,
                format!("{}+{}", challenge.first_factor, factor.as_str()),
            ))
        }
        Err(SecurityError::WrongCode) | Err(SecurityError::TooManyTries) => {
            let mut tx = state.db.begin().await?;
            let failures = repo::fail_challenge(&mut tx, &challenge.id).await?;
            let entry = Entry::new(Actor::Anonymous, Action::SessionSecondFactorFailed)
                .object("user", &challenge.user_id)
                .subject(&challenge.user_id)
                .from_request(meta.ip.clone(), None)
                .details(serde_json::json!({ "factor": factor.as_str(), "failures": failures }));
            audit::append(&mut tx, &entry, now).await?;
            let gone = failures >= CHALLENGE_TRIES;
            if gone {
                repo::end_challenge(&mut tx, &challenge.id).await?;
            }
            tx.commit().await?;
            Err(if gone {
                SecurityError::TooManyTries
            } else {
                SecurityError::WrongCode
            })
        }
        Err(e) => Err(e),
    }
}

/// Finishes a held sign-in whose second factor was a passkey (checked by the caller): returns
/// the user id and the method for the session.
pub async fn complete_sign_in_by_passkey(
    state: &AppState,
    challenge: &repo::Challenge,
) -> Result<(String, String), SecurityError> {
    let mut tx = state.db.begin().await?;
    if !repo::end_challenge(&mut tx, &challenge.id).await? {
        return Err(SecurityError::ChallengeGone);
    }
    tx.commit().await?;
    Ok((
        challenge.user_id.clone(),
        format!("{}+passkey", challenge.first_factor),
    ))
}

// --- Fresh confirmation ------------------------------------------------------------------------

/// Confirms the session with a passkey (checked by the caller): it verified the person on the
/// device, which proves both factors at once.
pub async fn confirm_session_by_passkey(
    state: &AppState,
    user: &UserSummary,
    session_id: &str,
    meta: &RequestMeta,
) -> Result<(), SecurityError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    mark_confirmed(&mut tx, user, session_id, "passkey", meta, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the session proved who it is recently enough for a security change.
pub fn is_fresh(state: &AppState, confirmed_at: Timestamp) -> bool {
    state.now().duration_since(confirmed_at) < FRESH_FOR
}

/// What proves who it is again: a browser session (its confirmation is then fresh for a while)
/// or an API key (for the one change it asks).
#[derive(Clone, Copy)]
pub enum Confirming<'a> {
    Session(&'a str),
    Token(&'a str),
}

impl Confirming<'_> {
    fn object(&self) -> (&'static str, &str) {
        match self {
            Confirming::Session(id) => ("session", id),
            Confirming::Token(id) => ("api_token", id),
        }
    }

    fn failed(&self) -> Action {
        match self {
            Confirming::Session(_) => Action::SessionConfirmationFailed,
            Confirming::Token(_) => Action::ApiTokenConfirmationFailed,
        }
    }
}

/// Confirms the session again with the password and, when on, the second factor.
pub async fn confirm_session(
    state: &AppState,
    user: &UserSummary,
    session_id: &str,
    password: &str,
    code: Option<&str>,
    meta: &RequestMeta,
) -> Result<(), SecurityError> {
    confirm(
        state,
        user,
        Confirming::Session(session_id),
        password,
        code,
        meta,
    )
    .await
}

/// Checks the password and, when on, the second factor (spending the code), with an audit
/// record either way: `session.confirmed` (the session is fresh for [`FRESH_FOR`]) or
/// `api_token.confirmed`; a failure is `….confirmation_failed` and [`SecurityError::WrongCode`].
pub async fn confirm(
    state: &AppState,
    user: &UserSummary,
    who: Confirming<'_>,
    password: &str,
    code: Option<&str>,
    meta: &RequestMeta,
) -> Result<(), SecurityError> {
    let now = state.now();
    let (object, object_id) = who.object();
    let session_id = match who {
        Confirming::Session(id) => Some(id.to_owned()),
        Confirming::Token(_) => None,
    };
    let account = {
        let mut conn = state.db.connection().await?;
        store::users::credentials_by_id(&mut conn, &user.id).await?
    };
    let locked = account
        .as_ref()
        .is_some_and(|a| a.locked_until.is_some_and(|until| now < until));
    let hash = account.as_ref().and_then(|a| a.password_hash.clone());
    let password_right = match hash {
        Some(hash) => crate::features::accounts::password::verify(password.to_owned(), hash).await,
        None => false,
    };
    // A locked account confirms nothing, even with the right password (as at sign-in).
    let password_ok = password_right && !locked;
    let factor = chosen(state, &user.id).await?;
    let proof = match factor {
        Some(factor) if password_ok => {
            match examine(state, &user.id, factor, code.unwrap_or(""), now).await {
                Ok(proof) => Some(proof),
                Err(SecurityError::WrongCode) | Err(SecurityError::TooManyTries) => None,
                Err(e) => return Err(e),
            }
        }
        _ => None,
    };
    let mut tx = state.db.begin().await?;
    let second_ok = match (factor, &proof) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(_), Some(proof)) => match spend(&mut tx, &user.id, proof, now).await {
            Ok(()) => true,
            Err(SecurityError::WrongCode) => false,
            Err(e) => return Err(e),
        },
    };
    if !(password_ok && second_ok) {
        drop(tx);
        let mut tx = state.db.begin().await?;
        if let Some(account) = account.as_ref().filter(|_| !password_right && !locked) {
            // Guessing the password here counts toward the same lock as at sign-in.
            count_wrong_password(&mut tx, account, meta, now).await?;
        }
        audit::append(
            &mut tx,
            &Entry::new(Actor::of(user), who.failed())
                .object(object, object_id)
                .subject(&user.id)
                .from_request(meta.ip.clone(), session_id.clone())
                .outcome("failure"),
            now,
        )
        .await?;
        state.commit_and_wake(tx).await?;
        return Err(SecurityError::WrongCode);
    }
    let by = if factor.is_some() {
        "password+second_factor"
    } else {
        "password"
    };
    match who {
        Confirming::Session(id) => mark_confirmed(&mut tx, user, id, by, meta, now).await?,
        Confirming::Token(id) => {
            let entry = Entry::new(Actor::of(user), Action::ApiTokenConfirmed)
                .object("api_token", id)
                .subject(&user.id)
                .from_request(meta.ip.clone(), None)
                .details(serde_json::json!({ "by": by }));
            audit::append(&mut tx, &entry, now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

// --- Shared ---------------------------------------------------------------------------------------

/// The session proved who it is just now (`by` what, for the audit record).
async fn mark_confirmed(
    conn: &mut AnyConnection,
    user: &UserSummary,
    session_id: &str,
    by: &str,
    meta: &RequestMeta,
    now: Timestamp,
) -> Result<(), StoreError> {
    store::sessions::confirm(conn, session_id, now).await?;
    let entry = Entry::new(Actor::of(user), Action::SessionConfirmed)
        .object("session", session_id)
        .subject(&user.id)
        .from_request(meta.ip.clone(), Some(session_id.to_owned()))
        .details(serde_json::json!({ "by": by }));
    audit::append(conn, &entry, now).await
}

async fn audit_change(
    conn: &mut AnyConnection,
    user: &UserSummary,
    action: Action,
    meta: &RequestMeta,
    now: Timestamp,
) -> Result<(), StoreError> {
    let entry = Entry::new(Actor::of(user), action)
        .object("user", &user.id)
        .subject(&user.id)
        .from_request(meta.ip.clone(), None);
    audit::append(conn, &entry, now).await
}

/// A security change's audit record and its announcement (`what` keeps notices apart).
async fn record_announced(
    conn: &mut AnyConnection,
    state: &AppState,
    user: &UserSummary,
    action: Action,
    (what, title): (&str, (&str, &str)),
    meta: &RequestMeta,
    now: Timestamp,
) -> Result<(), StoreError> {
    audit_change(conn, user, action, meta, now).await?;
    announce(conn, state, user, what, title, meta, now).await
}

/// Tells the person about a security change on the channels they chose for security notices.
async fn announce(
    conn: &mut AnyConnection,
    state: &AppState,
    user: &UserSummary,
    what: &str,
    (title_ru, title_en): (&str, &str),
    meta: &RequestMeta,
    now: Timestamp,
) -> Result<(), StoreError> {
    let ip = meta.ip.clone().unwrap_or_else(|| "—".to_owned());
    let tell = Announcement {
        what,
        title: (title_ru, title_en),
        body: (
            format!("IP {ip}. Если это были не вы, смените пароль и завершите другие сеансы."),
            format!(
                "IP {ip}. If this was not you, change your password and end your other sessions."
            ),
        ),
        link: "/security",
    };
    tell.send(conn, state, &user.id, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_read_back_however_they_are_typed() {
        let code = random_recovery_code();
        assert_eq!(code.len(), 11);
        let typed = code.to_uppercase().replace('-', " ");
        assert_eq!(
            normalise_recovery_code(&typed),
            normalise_recovery_code(&code)
        );
        assert_eq!(normalise_recovery_code("123456"), None);
    }
}
