//! Operations endpoints: liveness, readiness and Prometheus metrics.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;
use crate::web::errors::ErrorBody;

pub fn feature() -> super::Feature {
    super::Feature::new("ops").api(api())
}

fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` while the process runs.
    pub status: String,
    pub version: String,
}

/// The process is alive (it does not look at the database).
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Alive", body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` or `unavailable`.
    pub status: String,
    /// `ok` or `unreachable`.
    pub database: String,
    /// The document files' store (a folder or a bucket): `ok` or `unreachable`.
    pub objects: String,
}

/// The node can serve: its database and its files' store answer. A load balancer sends traffic only while this
/// says 200.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Readiness),
        (status = 503, description = "The database or the files' store does not answer", body = Readiness)))]
async fn readyz(State(state): State<AppState>) -> Response {
    let timeout = Duration::from_secs(2);
    let (db_up, objects_up) = tokio::join!(state.db.ping(timeout), state.vault.reachable(timeout));
    let word = |up: bool| if up { "ok" } else { "unreachable" };
    let (status, overall) = if db_up && objects_up {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    };
    (
        status,
        Json(Readiness {
            status: overall.to_owned(),
            database: word(db_up).to_owned(),
            objects: word(objects_up).to_owned(),
        }),
    )
        .into_response()
}

/// Prometheus metrics: requests by route and status, latency histograms, job queue depth.
/// Asks for a bearer token when `metrics.token` is configured.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses(
        (status = 200, description = "Prometheus text exposition format", body = String, content_type = "text/plain"),
        (status = 401, description = "A token is configured and was not given", body = ErrorBody)))]
async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.config.metrics.token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let expected = token.expose().as_bytes();
        if !given.is_some_and(|g| crate::keys::constant_time_eq(g.as_bytes(), expected)) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
            )
                .into_response();
        }
    }
    let depth = store::jobs::depth(&state.db).await;
    let db_up = depth.is_ok();
    let text = state.metrics.render(&depth.unwrap_or_default(), db_up);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}
