//! The profile in the API: read it whole; change any of its fields with PATCH.

use crate::web::context::RequestMeta;
use crate::web::json::JsonBody;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::{self, ProfileError, ProfileFields, Saved};
use super::sources::{self, FillError};
use crate::state::AppState;
use crate::web::auth::ApiUser;
use crate::web::errors::{ApiError, ErrorBody};

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_profile, patch_profile))
        .routes(routes!(fill_from_document))
        .merge(super::deletion::api())
}

#[derive(Serialize, ToSchema)]
pub struct ProfileView {
    pub id: String,
    /// `simplified`, `standard` or `confirmed`
    pub identity_level: String,
    /// E.164
    pub phone: Option<String>,
    pub phone_confirmed: bool,
    pub email: Option<String>,
    pub email_confirmed: bool,
    pub time_zone: String,
    /// The editable fields, in the same shape PATCH accepts.
    pub fields: ProfileFields,
    /// The documents in force the passport, SNILS and INN come from, and how the profile stands
    /// to each.
    pub sources: Vec<SourceView>,
}

#[derive(Serialize, ToSchema)]
pub struct SourceView {
    /// `passport`, `snils` or `inn`
    pub subject: &'static str,
    pub document_id: String,
    /// `same`, `profile_empty` (fill it with POST /api/v1/profile/from-document/{id}) or
    /// `differs`
    pub agreement: &'static str,
    /// The profile's fields that differ from the document (names as in `fields`).
    pub differing: Vec<&'static str>,
}

async fn view(state: &AppState, user_id: &str) -> Result<ProfileView, ApiError> {
    let profile = store::users::profile(&state.db, user_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(ProfileView {
        id: profile.id.clone(),
        identity_level: profile.identity_level.clone(),
        phone: profile.phone.clone(),
        phone_confirmed: profile.phone_verified,
        email: profile.email.clone(),
        email_confirmed: profile.email_verified,
        time_zone: profile.time_zone.clone(),
        fields: ProfileFields::from_profile(&profile),
        sources: crate::profile_link::links(&state.db, &profile)
            .await?
            .iter()
            .map(|l| SourceView {
                subject: l.subject.code(),
                document_id: l.document_id.clone(),
                agreement: l.state(),
                differing: l.differing_keys(),
            })
            .collect(),
    })
}

/// The signed-in user's profile.
#[utoipa::path(get, path = "/api/v1/profile", tag = "profile", security(("bearer" = [])),
    responses((status = 200, description = "The profile", body = ProfileView), (status = 401, description = "No valid token", body = ErrorBody)))]
async fn get_profile(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<ProfileView>, ApiError> {
    Ok(Json(view(&state, &user.user.id).await?))
}

#[derive(Serialize, ToSchema)]
pub struct ProfileSaved {
    pub profile: ProfileView,
    pub change: Saved,
}

/// Changes the fields given (others stay as they are). Passport and SNILS that pass their checks
/// make the account `standard`; changing name, birth date or passport drops `confirmed`.
#[utoipa::path(patch, path = "/api/v1/profile", tag = "profile", security(("bearer" = [])), request_body = ProfileFields,
    responses(
        (status = 200, description = "Saved", body = ProfileSaved),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody)))]
async fn patch_profile(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: ApiUser,
    JsonBody(patch): JsonBody<serde_json::Map<String, serde_json::Value>>,
) -> Result<Json<ProfileSaved>, ApiError> {
    let current = store::users::profile(&state.db, &user.user.id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let current =
        serde_json::to_value(ProfileFields::from_profile(&current)).map_err(ApiError::internal)?;
    let fields: ProfileFields = crate::web::json::patched(current, patch)?;
    let saved = service::save(&state, &user.user, &fields, &meta).await;
    answer(&state, &user.user.id, saved).await
}

/// What the profile takes beyond the document: the issuer, for a passport entered without one.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct FillBody {
    pub passport_issuer: String,
}

/// Fills the profile's passport, SNILS or INN from a document in force (the newest of its
/// kind): the same checks and consequences as PATCH, journaled with the document.
#[utoipa::path(post, path = "/api/v1/profile/from-document/{id}", tag = "profile", security(("bearer" = [])),
    params(("id" = String, Path, description = "The document")), request_body = FillBody,
    responses(
        (status = 200, description = "Saved", body = ProfileSaved),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such document in force of a kind that fills the profile", body = ErrorBody),
        (status = 422, description = "The profile with these values does not pass its checks", body = ErrorBody)))]
async fn fill_from_document(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: ApiUser,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<FillBody>,
) -> Result<Json<ProfileSaved>, ApiError> {
    match sources::fill(&state, &user.user, &id, &body.passport_issuer, &meta).await {
        Err(FillError::NotFound) => Err(ApiError::not_found()),
        Err(FillError::Profile(e)) => answer(&state, &user.user.id, Err(e)).await,
        Ok(saved) => answer(&state, &user.user.id, Ok(saved)).await,
    }
}

async fn answer(
    state: &AppState,
    user_id: &str,
    saved: Result<Saved, ProfileError>,
) -> Result<Json<ProfileSaved>, ApiError> {
    match saved {
        Ok(change) => Ok(Json(ProfileSaved {
            profile: view(state, user_id).await?,
            change,
        })),
        Err(ProfileError::Invalid(issues)) => Err(ApiError::invalid_fields(&issues)),
        Err(ProfileError::NotFound) => Err(ApiError::not_found()),
        Err(ProfileError::Store(e)) => Err(e.into()),
    }
}
