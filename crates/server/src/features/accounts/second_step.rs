//! The second step of signing in, as far as signing in needs it: which second factor a person
//! has, holding a sign-in whose first factor passed (its token in a cookie or the API's answer),
//! and the SMS code that step sends. Proving the factor and the settings are the security
//! feature's, which builds on this; signing in only asks whether to hold the sign-in, so the edge
//! between accounts and security goes one way.

use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::SignedDuration;
use store::StoreError;
use store::second_factor as repo;

use super::codes::{self, CodeError, CodeRequest};
use crate::keys;
use crate::state::AppState;
use crate::web::cookies::{self, Lifetime};
use crate::web::is_local_path;

/// Time to give the second factor after the first.
pub const CHALLENGE_LIFETIME: SignedDuration = SignedDuration::from_mins(10);
/// The code purpose of the second factor's SMS.
pub const SMS_PURPOSE: &str = "second_factor";
/// The cookie that holds a browser's half-done sign-in.
pub const CHALLENGE_COOKIE: &str = "kb_signin";

#[derive(Debug, thiserror::Error)]
pub enum SecondStepError {
    #[error("no confirmed phone")]
    NoPhone,
    #[error(transparent)]
    Code(#[from] CodeError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for SecondStepError {
    fn from(err: sqlx::Error) -> Self {
        SecondStepError::Store(err.into())
    }
}

/// A second factor a person can choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    Totp,
    Sms,
}

impl Factor {
    pub fn as_str(self) -> &'static str {
        match self {
            Factor::Totp => "totp",
            Factor::Sms => "sms",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "totp" => Some(Factor::Totp),
            "sms" => Some(Factor::Sms),
            _ => None,
        }
    }
}

/// The person's second factor, if they have one.
pub async fn chosen(state: &AppState, user_id: &str) -> Result<Option<Factor>, StoreError> {
    let mut conn = state.db.connection().await?;
    Ok(repo::chosen(&mut conn, user_id)
        .await?
        .as_deref()
        .and_then(Factor::parse))
}

/// Sends the SMS code of the second factor (sign-in or confirmation).
pub async fn send_sms_code(state: &AppState, user_id: &str) -> Result<(), SecondStepError> {
    let profile = store::users::profile(&state.db, user_id)
        .await?
        .ok_or(SecondStepError::NoPhone)?;
    let phone = profile
        .phone
        .filter(|_| profile.phone_verified)
        .ok_or(SecondStepError::NoPhone)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let code = codes::issue(
        &mut tx,
        state,
        &CodeRequest {
            purpose: SMS_PURPOSE,
            subject: user_id,
            channel: "sms",
            destination: &phone,
            inert: false,
        },
        now,
    )
    .await?;
    let lang = crate::web::i18n::Lang::from_code(&profile.locale).unwrap_or_default();
    let text = lang
        .pick(
            &"Кабинет: код для входа {code}. Никому его не сообщайте.",
            &"Kabinet: your sign-in code is {code}. Do not share it.",
        )
        .replace("{code}", &code);
    crate::channels::queue_sms(&mut tx, &crate::channels::Sms { to: phone, text }, now).await?;
    state.commit_and_wake(tx).await?;
    Ok(())
}

/// A sign-in waiting for its second factor: the token the browser or app keeps.
pub struct PendingSignIn {
    pub token: String,
    pub factor: Factor,
}

/// Holds a sign-in whose first factor passed until the second arrives.
pub async fn hold_sign_in(
    state: &AppState,
    user_id: &str,
    first_factor: &str,
    factor: Factor,
) -> Result<PendingSignIn, SecondStepError> {
    let now = state.now();
    let token = keys::random_token();
    let mut tx = state.db.begin().await?;
    repo::create_challenge(
        &mut tx,
        &keys::token_hash(&token),
        user_id,
        first_factor,
        now,
        now.checked_add(CHALLENGE_LIFETIME).unwrap_or(now),
    )
    .await?;
    tx.commit().await?;
    if factor == Factor::Sms {
        // A code that cannot be sent yet (sent a moment ago) is no reason to stop the sign-in.
        match send_sms_code(state, user_id).await {
            Ok(()) | Err(SecondStepError::Code(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(PendingSignIn { token, factor })
}

/// Where the browser goes after the first factor when a second one is needed.
pub fn challenge_redirect(state: &AppState, token: &str, next: Option<&str>) -> Response {
    let cookie = cookies::set(
        CHALLENGE_COOKIE,
        token,
        Lifetime::Seconds(CHALLENGE_LIFETIME.as_secs()),
        true,
        state.config.is_https(),
    );
    let to = match next.filter(|n| is_local_path(n)) {
        Some(next) => {
            let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
            format!("/login/second-factor?next={next}")
        }
        None => "/login/second-factor".to_owned(),
    };
    ([(header::SET_COOKIE, cookie)], Redirect::to(&to)).into_response()
}
