//! Who is asking: the signed-in user of a page (sessions), or of an API call (bearer tokens).

use std::sync::Arc;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::StatusCode;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use store::sessions::ActiveSession;
use store::users::UserSummary;

use super::errors::ApiError;
use super::i18n::Msg;
use super::session::CurrentSession;
use crate::keys;
use crate::state::AppState;

/// A signed-in user on a page. Anonymous visitors are sent to the sign-in page and come back.
pub struct SignedIn(pub Arc<ActiveSession>);

impl SignedIn {
    pub fn user(&self) -> &UserSummary {
        &self.0.user
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match parts
            .extensions
            .get::<CurrentSession>()
            .and_then(|s| s.0.clone())
        {
            Some(session) => Ok(SignedIn(session)),
            None => {
                let here = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
                Err(Redirect::to(&format!("/login?next={next}")).into_response())
            }
        }
    }
}

impl OptionalFromRequestParts<AppState> for SignedIn {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<CurrentSession>()
            .and_then(|s| s.0.clone())
            .map(SignedIn))
    }
}

/// The user of an API call, from `Authorization: Bearer <token>`.
pub struct ApiUser {
    pub token_id: String,
    pub user: UserSummary,
}

const NO_TOKEN: Msg = Msg::new(
    "Нужна авторизация: передайте токен в заголовке Authorization: Bearer.",
    "Authentication required: send the token in the Authorization: Bearer header.",
);

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

fn unauthorized() -> Response {
    let mut response =
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", NO_TOKEN).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    response
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = bearer(parts) else {
            return Err(unauthorized());
        };
        match store::tokens::authenticate(&state.db, &keys::token_hash(token), state.now()).await {
            Ok(Some((token_id, user))) => Ok(ApiUser { token_id, user }),
            Ok(None) => Err(unauthorized()),
            Err(err) => Err(ApiError::internal(err).into_response()),
        }
    }
}

/// An agency's system, from `Authorization: Bearer <agency key>`: a key the operator made for one
/// agency. A citizen's token is not an agency key, nor the other way round.
pub struct AgencySystem(pub store::agency_systems::AgencyKey);

impl FromRequestParts<AppState> for AgencySystem {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = bearer(parts) else {
            return Err(unauthorized());
        };
        let hash = keys::token_hash(token);
        match store::agency_systems::authenticate(&state.db, &hash, state.now()).await {
            Ok(Some(key)) => Ok(AgencySystem(key)),
            Ok(None) => Err(unauthorized()),
            Err(err) => Err(ApiError::internal(err).into_response()),
        }
    }
}

/// A signed-in operator; anyone else gets 403. Operators' pages live in several features (the
/// operator's desk, the document kinds of My documents): the check lives here, once.
pub struct Operator(pub SignedIn);

impl Operator {
    pub fn check(user: SignedIn) -> Result<Self, super::errors::PageError> {
        if user.user().role == domain::Role::Operator {
            Ok(Operator(user))
        } else {
            Err(super::errors::PageError::Forbidden)
        }
    }

    pub fn actor(&self) -> store::audit::Actor {
        store::audit::Actor::of(self.0.user())
    }
}
