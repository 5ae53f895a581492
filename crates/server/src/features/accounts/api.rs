//! The accounts API for the mobile app: register, confirm the phone, sign in for a bearer token,
//! sign out, list and revoke tokens.

use crate::web::json::JsonBody;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use store::audit::Action;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::codes::{self, CodeError};
use super::second_step as security;
use super::service::{self, AccountError, RegisterInput};
use super::texts;
use crate::keys;
use crate::state::AppState;
use crate::web::auth::ApiUser;
use crate::web::context::RequestMeta;
use crate::web::errors::{ApiError, ErrorBody};
use crate::web::forms::FieldIssue;

/// How long an API token lives.
pub const TOKEN_LIFETIME: SignedDuration = SignedDuration::from_hours(24 * 30);

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(crate::web::routes::attempt(routes!(register)))
        .routes(crate::web::routes::attempt(routes!(confirm_phone)))
        .routes(crate::web::routes::attempt(routes!(login)))
        .routes(routes!(logout))
        .routes(routes!(list_tokens))
        .routes(routes!(revoke_token))
}

#[derive(Deserialize, ToSchema)]

pub struct RegisterRequest {
    pub surname: String,
    pub given_name: String,
    #[serde(default)]
    pub patronymic: Option<String>,
    /// As people type it: `+7 (912) 345-67-89`, `89123456789` …
    pub phone: String,
    pub email: String,
    pub password: String,
    /// Consent to the user agreement (must be true).
    pub consent_user_agreement: bool,
    /// Consent to personal-data processing under 152-FZ (must be true).
    pub consent_personal_data: bool,
}

#[derive(Serialize, ToSchema)]
pub struct RegistrationStarted {
    pub registration_id: String,
    /// The phone the code went to, masked.
    pub phone_masked: String,
    pub code_lifetime_seconds: i64,
    pub resend_after_seconds: i64,
}

fn code_error(err: CodeError) -> ApiError {
    let (status, code, msg) = match err {
        CodeError::Wrong { .. } | CodeError::NoCode => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong_code",
            texts::CODE_WRONG,
        ),
        CodeError::Expired => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "code_expired",
            texts::CODE_EXPIRED,
        ),
        CodeError::TooManyTries => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "code_attempts_exhausted",
            texts::CODE_TOO_MANY,
        ),
        CodeError::Used => (StatusCode::CONFLICT, "code_used", texts::CODE_USED),
        CodeError::TooSoon { .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            "too_soon",
            texts::CODE_TOO_SOON,
        ),
        CodeError::HourlyCap => (
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_codes",
            texts::CODE_HOURLY_CAP,
        ),
        CodeError::Store(e) => return ApiError::internal(e),
    };
    let mut api = ApiError::new(status, code, msg);
    if status == StatusCode::UNPROCESSABLE_ENTITY {
        api = api.field("code", code, msg);
    }
    api
}

impl From<AccountError> for ApiError {
    fn from(err: AccountError) -> Self {
        match err {
            AccountError::Invalid(issues) => ApiError::invalid_fields(&issues),
            AccountError::Code(e) => code_error(e),
            AccountError::RegistrationGone => ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                texts::REGISTRATION_EXPIRED,
            ),
            AccountError::AlreadyRegistered => ApiError::new(
                StatusCode::CONFLICT,
                "already_registered",
                texts::ACCOUNT_EXISTS,
            ),
            AccountError::LoginFailed => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "login_failed",
                texts::LOGIN_FAILED,
            ),
            other => ApiError::internal(other),
        }
    }
}

/// Starts a registration: validates the data and sends a 6-digit code by SMS. The answer is the
/// same whether or not the phone or e-mail is taken (the owner is told by their channels).
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "accounts", request_body = RegisterRequest,
    responses(
        (status = 202, description = "Code sent; confirm with /api/v1/auth/confirm-phone", body = RegistrationStarted),
        (status = 422, description = "Invalid data, with field errors", body = ErrorBody),
        (status = 429, description = "Too many codes", body = ErrorBody)))]
async fn register(
    State(state): State<AppState>,
    meta: RequestMeta,
    JsonBody(body): JsonBody<RegisterRequest>,
) -> Result<Response, ApiError> {
    let input = RegisterInput {
        surname: body.surname,
        given_name: body.given_name,
        patronymic: body.patronymic.unwrap_or_default(),
        phone: body.phone,
        email: body.email,
        password: body.password,
        consent_terms: body.consent_user_agreement,
        consent_personal_data: body.consent_personal_data,
    };
    let started = service::register(&state, &input, &meta).await?;
    let body = RegistrationStarted {
        registration_id: started.id,
        phone_masked: started.phone_masked,
        code_lifetime_seconds: codes::LIFETIME.as_secs(),
        resend_after_seconds: codes::RESEND_AFTER.as_secs(),
    };
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

#[derive(Deserialize, ToSchema)]

pub struct ConfirmPhoneRequest {
    pub registration_id: String,
    /// The 6 digits from the SMS.
    pub code: String,
    /// A name for the new token, e.g. the phone model.
    #[serde(default)]
    pub device_name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenIssued {
    /// Send as `Authorization: Bearer <token>`. Shown only once.
    pub token: String,
    pub token_id: String,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
    pub user_id: String,
}

pub(crate) async fn issue_token(
    state: &AppState,
    user_id: &str,
    name: Option<String>,
    method: &str,
    meta: &RequestMeta,
) -> Result<TokenIssued, ApiError> {
    let now = state.now();
    let token = keys::random_token();
    let expires_at = now.checked_add(TOKEN_LIFETIME).unwrap_or(now);
    let name: String = name
        .unwrap_or_else(|| meta.user_agent.clone().unwrap_or_else(|| "API".to_owned()))
        .chars()
        .take(100)
        .collect();
    let mut tx = state.db.begin().await?;
    let token_id = store::tokens::insert(
        &mut tx,
        user_id,
        &keys::token_hash(&token),
        &name,
        now,
        expires_at,
    )
    .await?;
    store::users::record_successful_login(&mut tx, user_id).await?;
    // An app has no cookie to mark it: its name and user agent stand for the device.
    let mark = format!("api\n{name}\n{}", meta.user_agent.as_deref().unwrap_or(""));
    service::note_device(&mut tx, state, user_id, &mark, meta, now).await?;
    let entry = store::audit::Entry::new(store::audit::Actor::Anonymous, Action::ApiTokenIssued)
        .object("api_token", &token_id)
        .subject(user_id)
        .from_request(meta.ip.clone(), None)
        .details(serde_json::json!({ "method": method }));
    store::audit::append(&mut tx, &entry, now).await?;
    state.commit_and_wake(tx).await?;
    Ok(TokenIssued {
        token,
        token_id,
        expires_at,
        user_id: user_id.to_owned(),
    })
}

/// Confirms the phone with the SMS code: creates the account and returns a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/confirm-phone", tag = "accounts", request_body = ConfirmPhoneRequest,
    responses(
        (status = 201, description = "Account created", body = TokenIssued),
        (status = 404, description = "No such registration, or it expired", body = ErrorBody),
        (status = 409, description = "Already confirmed", body = ErrorBody),
        (status = 422, description = "Wrong or expired code", body = ErrorBody)))]
async fn confirm_phone(
    State(state): State<AppState>,
    meta: RequestMeta,
    JsonBody(body): JsonBody<ConfirmPhoneRequest>,
) -> Result<Response, ApiError> {
    let user_id =
        service::confirm_registration(&state, &body.registration_id, &body.code, &meta).await?;
    let issued = issue_token(&state, &user_id, body.device_name, "registration", &meta).await?;
    Ok((StatusCode::CREATED, Json(issued)).into_response())
}

#[derive(Deserialize, ToSchema)]

pub struct LoginRequest {
    /// Phone, e-mail or SNILS.
    pub login: String,
    pub password: String,
    #[serde(default)]
    pub device_name: Option<String>,
}

/// The first factor passed; the token comes from `POST /api/v1/auth/second-factor`.
#[derive(Serialize, ToSchema)]
pub struct SecondFactorRequired {
    /// Send back with the code. Valid for ten minutes and five wrong codes.
    pub challenge: String,
    /// `totp` (a code from the authenticator app) or `sms` (a code sent now by SMS). A recovery
    /// code is accepted for either.
    pub factor: String,
}

/// Signs in with a password and returns a bearer token — or, when the person has a second
/// factor, 202 with a challenge to answer at `/api/v1/auth/second-factor`. Unknown login, wrong
/// password and a locked account give the same answer.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenIssued),
        (status = 202, description = "Password right; the second factor is needed", body = SecondFactorRequired),
        (status = 401, description = "Wrong login or password", body = ErrorBody),
        (status = 422, description = "Missing fields", body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    meta: RequestMeta,
    JsonBody(body): JsonBody<LoginRequest>,
) -> Result<Response, ApiError> {
    let mut issues = Vec::new();
    if body.login.trim().is_empty() {
        issues.push(FieldIssue::required("login"));
    }
    if body.password.is_empty() {
        issues.push(FieldIssue::required("password"));
    }
    if !issues.is_empty() {
        return Err(ApiError::invalid_fields(&issues));
    }
    let user_id = service::login_with_password(&state, &body.login, &body.password, &meta).await?;
    let factor = security::chosen(&state, &user_id)
        .await
        .map_err(ApiError::internal)?;
    if let Some(factor) = factor {
        let held = security::hold_sign_in(&state, &user_id, "password", factor)
            .await
            .map_err(ApiError::internal)?;
        let body = SecondFactorRequired {
            challenge: held.token,
            factor: factor.as_str().to_owned(),
        };
        return Ok((StatusCode::ACCEPTED, Json(body)).into_response());
    }
    let issued = issue_token(&state, &user_id, body.device_name, "password", &meta).await?;
    Ok(Json(issued).into_response())
}

/// Revokes the token this request is made with.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts", security(("bearer" = [])),
    responses((status = 204, description = "Signed out"), (status = 401, description = "No valid token", body = ErrorBody)))]
async fn logout(State(state): State<AppState>, user: ApiUser) -> Result<StatusCode, ApiError> {
    let mut tx = state.db.begin().await?;
    store::tokens::revoke(&mut tx, &user.user.id, &user.token_id, state.now()).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<Timestamp>,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
    /// Whether this is the token of the request.
    pub current: bool,
}

/// The user's live API tokens.
#[utoipa::path(get, path = "/api/v1/auth/tokens", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, description = "Live tokens", body = Vec<TokenView>), (status = 401, description = "No valid token", body = ErrorBody)))]
async fn list_tokens(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    let tokens = store::tokens::list(&state.db, &user.user.id, state.now()).await?;
    Ok(Json(
        tokens
            .into_iter()
            .map(|t| TokenView {
                current: t.id == user.token_id,
                id: t.id,
                name: t.name,
                created_at: t.created_at,
                last_used_at: t.last_used_at,
                expires_at: t.expires_at,
            })
            .collect(),
    ))
}

/// Revokes one of the user's tokens (another user's token id is "not found").
#[utoipa::path(delete, path = "/api/v1/auth/tokens/{id}", tag = "accounts", security(("bearer" = [])),
    params(("id" = String, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such token of this user", body = ErrorBody)))]
async fn revoke_token(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !store::tokens::revoke(&mut tx, &user.user.id, &id, now).await? {
        return Err(ApiError::not_found());
    }
    let entry =
        store::audit::Entry::new(store::audit::Actor::of(&user.user), Action::ApiTokenRevoked)
            .object("api_token", &id)
            .subject(&user.user.id);
    store::audit::append(&mut tx, &entry, now).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(StatusCode::NO_CONTENT)
}
