//! The profile in the API: read it whole; change any of its fields with PATCH.

use crate::web::json::JsonBody;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::{self, ProfileError, ProfileFields, Saved};
use crate::features::accounts::pages::meta;
use crate::state::AppState;
use crate::web::auth::ApiUser;
use crate::web::context::RequestInfo;
use crate::web::errors::{ApiError, ErrorBody};
use crate::web::i18n::Msg;

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_profile, patch_profile))
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
    Extension(info): Extension<RequestInfo>,
    user: ApiUser,
    JsonBody(patch): JsonBody<serde_json::Map<String, serde_json::Value>>,
) -> Result<Json<ProfileSaved>, ApiError> {
    let current = store::users::profile(&state.db, &user.user.id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let current =
        serde_json::to_value(ProfileFields::from_profile(&current)).map_err(ApiError::internal)?;
    let fields: ProfileFields = crate::web::json::patched(current, patch)?;
    match service::save(&state, &user.user, &fields, &meta(&info)).await {
        Ok(change) => Ok(Json(ProfileSaved {
            profile: view(&state, &user.user.id).await?,
            change,
        })),
        Err(ProfileError::Invalid(issues)) => {
            let mut err = ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                Msg::new("Проверьте введённые данные", "Check the data you entered"),
            );
            for issue in issues {
                err = err.field(issue.field, issue.code, issue.message);
            }
            Err(err)
        }
        Err(ProfileError::NotFound) => Err(ApiError::not_found()),
        Err(ProfileError::Store(e)) => Err(e.into()),
    }
}
