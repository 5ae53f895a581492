//! The security API: the second step of signing in for apps, and the state of the person's
//! second factor. Setting a factor up is done on the pages (it shows a QR code and secrets once).

use crate::web::context::RequestMeta;
use crate::web::json::JsonBody;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::{self, Factor, SecurityError};
use crate::features::accounts::api::{TokenIssued, issue_token};
use crate::state::AppState;
use crate::web::auth::ApiUser;
use crate::web::errors::{ApiError, ErrorBody};
use crate::web::i18n::Msg;

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(crate::web::routes::attempt(routes!(second_factor)))
        .routes(routes!(security_state))
}

#[derive(Deserialize, ToSchema)]
pub struct SecondFactorRequest {
    /// The `challenge` from `POST /api/v1/auth/login`.
    pub challenge: String,
    /// Six digits from the app or the SMS, or a recovery code.
    pub code: String,
    #[serde(default)]
    pub device_name: Option<String>,
}

const WRONG_CODE: Msg = Msg::new(
    "Код не подошёл. Введите код, который показан сейчас, или код восстановления.",
    "The code did not match. Type the code shown now, or a recovery code.",
);
const CHALLENGE_GONE: Msg = Msg::new(
    "Время на ввод кода истекло или ошибок было слишком много. Войдите заново.",
    "The time to enter the code ran out or there were too many wrong codes. Sign in again.",
);

/// Finishes a sign-in that asked for a second factor; returns the bearer token.
#[utoipa::path(post, path = "/api/v1/auth/second-factor", tag = "accounts", request_body = SecondFactorRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenIssued),
        (status = 401, description = "Wrong code; try again", body = ErrorBody),
        (status = 410, description = "The challenge expired or had five wrong codes: sign in again", body = ErrorBody)))]
async fn second_factor(
    State(state): State<AppState>,
    meta: RequestMeta,
    JsonBody(body): JsonBody<SecondFactorRequest>,
) -> Result<Json<TokenIssued>, ApiError> {
    match service::complete_sign_in(&state, &body.challenge, &body.code, &meta).await {
        Ok((user_id, method)) => Ok(Json(
            issue_token(&state, &user_id, body.device_name, &method, &meta).await?,
        )),
        Err(SecurityError::WrongCode) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "wrong_code",
            WRONG_CODE,
        )
        .field("code", "wrong_code", WRONG_CODE)),
        Err(SecurityError::ChallengeGone) | Err(SecurityError::TooManyTries) => Err(ApiError::new(
            StatusCode::GONE,
            "challenge_gone",
            CHALLENGE_GONE,
        )),
        Err(e) => Err(ApiError::internal(e)),
    }
}

#[derive(Serialize, ToSchema)]
pub struct SecurityState {
    /// `totp`, `sms`, or null when signing in needs the password alone.
    pub second_factor: Option<String>,
    pub recovery_codes_left: i64,
}

/// The person's second factor and how many recovery codes are left.
#[utoipa::path(get, path = "/api/v1/security", tag = "security", security(("bearer" = [])),
    responses((status = 200, description = "Second factor state", body = SecurityState),
        (status = 401, description = "No valid token", body = ErrorBody)))]
async fn security_state(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<SecurityState>, ApiError> {
    let factor = service::chosen(&state, &user.user.id)
        .await
        .map_err(ApiError::internal)?;
    let left = store::second_factor::recovery_codes_left(&state.db, &user.user.id).await?;
    Ok(Json(SecurityState {
        second_factor: factor.map(Factor::as_str).map(str::to_owned),
        recovery_codes_left: left,
    }))
}
