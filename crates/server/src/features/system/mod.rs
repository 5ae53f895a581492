//! Facts about this installation that API clients need before anything else.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub fn feature() -> super::Feature {
    super::Feature::new("system").api(api())
}

fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(meta))
}

#[derive(Serialize, ToSchema)]
pub struct Meta {
    /// The service's name.
    pub service: String,
    /// Version of this Kabinet.
    pub version: String,
    /// Version of the API; breaking changes get a new path prefix.
    pub api_version: String,
    /// Languages of messages, first is the default.
    pub languages: Vec<String>,
}

/// What this server is and which API it speaks.
#[utoipa::path(get, path = "/api/v1/meta", tag = "system",
    responses((status = 200, description = "About this installation", body = Meta)))]
async fn meta() -> Json<Meta> {
    Json(Meta {
        service: "kabinet".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        api_version: "v1".to_owned(),
        languages: vec!["ru".to_owned(), "en".to_owned()],
    })
}
