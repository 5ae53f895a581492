//! The shared web machinery, written once: request context and logging, errors, sessions and
//! CSRF, security headers, languages, assets and the page frame. Features build on it.

pub mod assets;
pub mod auth;
pub mod compression;
pub mod context;
pub mod cookies;
pub mod device;
pub mod download;
pub mod errors;
pub mod forms;
pub mod gzip_parts;
pub mod headers;
pub mod i18n;
pub mod json;
pub mod limits;
pub mod multipart_csrf;
pub mod page;
pub mod routes;
pub mod session;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, State};
use axum::http::{StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;

use crate::state::AppState;
use cookies::Lifetime;

/// Every route of the application with its policies: the features' pages and API, and the
/// shell's own (assets, the language switch, the OpenAPI document).
pub fn route_table() -> (
    Router<AppState>,
    Router<AppState>,
    utoipa::openapi::OpenApi,
    routes::Policies,
) {
    let (api, openapi) = crate::features::api_router().split_for_parts();
    let shell = routes::Routes::new()
        .open("/static/{name}", get(assets::serve))
        .route("/lang", post(switch_language).get(switch_language_by_link));
    let (pages, mut rows) = crate::features::page_routes().merge(shell).into_parts();
    rows.extend(routes::api_rows(&openapi));
    rows.push(routes::Row {
        path: "/api/openapi.json".into(),
        methods: vec!["GET".into()],
        door: routes::Door::Api,
        attempts: false,
        uploads: false,
    });
    (pages, api, openapi, routes::Policies::new(rows))
}

/// The whole application: every feature's pages and API, the OpenAPI document, assets, and one
/// middleware stack around them all.
pub fn router(state: AppState) -> Router {
    let (pages, api, mut openapi, policies) = route_table();
    utoipa::Modify::modify(&crate::features::BodyErrors, &mut openapi);
    let openapi = Arc::new(openapi);
    let policies = Arc::new(policies);

    let config = &state.config;
    let timeout = Duration::from_secs(config.http.request_timeout_secs);
    let body_limit = config.http.body_limit_bytes;
    let upload_limit = config.documents.max_upload_bytes;

    // Outermost first. The context comes first so that every later layer (and the log line)
    // knows the request id and language; errors are finished inside compression so that their
    // bodies are read uncompressed; panics and timeouts become responses the finisher shapes.
    let middleware = ServiceBuilder::new()
        .layer(axum::Extension(policies))
        .layer(from_fn_with_state(state.clone(), context::middleware))
        .layer(from_fn_with_state(state.clone(), headers::middleware))
        .layer(compression::layer())
        .layer(from_fn(errors::finish))
        .layer(CatchPanicLayer::custom(errors::panic_response))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(from_fn_with_state(state.clone(), limits::middleware))
        .layer(from_fn_with_state(state.clone(), session::middleware))
        // Innermost, since it changes the body that the middleware above reads.
        .layer(from_fn_with_state(state.clone(), limit_body))
        .layer(DefaultBodyLimit::max(body_limit.max(upload_limit)));

    Router::new()
        .merge(pages)
        .merge(api)
        .route(
            "/api/openapi.json",
            get(move || {
                let doc = openapi.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .fallback(|| async { StatusCode::NOT_FOUND })
        .layer(middleware)
        .with_state(state)
}

/// Caps every request body: forms and JSON at `http.body_limit_bytes`, file uploads (multipart
/// requests to a route declared as taking uploads, see `routes`) at `documents.max_upload_bytes`.
/// A declared length over the cap is refused before reading; a body that grows past it fails as
/// it streams.
async fn limit_body(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let is_upload = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
        && routes::Policies::of(&req).takes_uploads(req.uri().path());
    let limit = if is_upload {
        state.config.documents.max_upload_bytes
    } else {
        state.config.http.body_limit_bytes
    };
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let (parts, body) = req.into_parts();
    let limited = axum::body::Body::new(http_body_util::Limited::new(body, limit));
    next.run(axum::extract::Request::from_parts(parts, limited))
        .await
}

#[derive(Deserialize)]
struct LanguageChoice {
    lang: String,
    next: Option<String>,
}

/// The language link of pages made without a form token (error pages): the same switch. It only
/// sets the language, so a link elsewhere that leads here does no harm.
async fn switch_language_by_link(
    State(state): State<AppState>,
    axum::extract::Query(choice): axum::extract::Query<LanguageChoice>,
) -> Response {
    remember_language(&state, choice)
}

/// Remembers the chosen language and returns to the page the form was on. Only local paths are
/// followed, so the form cannot send anyone elsewhere.
async fn switch_language(
    State(state): State<AppState>,
    Form(choice): Form<LanguageChoice>,
) -> Response {
    remember_language(&state, choice)
}

fn remember_language(state: &AppState, choice: LanguageChoice) -> Response {
    let Some(lang) = i18n::Lang::from_code(&choice.lang) else {
        return StatusCode::UNPROCESSABLE_ENTITY.into_response();
    };
    let target = choice
        .next
        .filter(|n| is_local_path(n))
        .unwrap_or_else(|| "/".to_owned());
    let cookie = cookies::set(
        context::LANG_COOKIE,
        lang.code(),
        Lifetime::Seconds(365 * 24 * 3600),
        true,
        state.config.is_https(),
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to(&target)).into_response()
}

/// A path on this site: `/x`, not `//evil.example` or `/\evil.example`.
pub fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.chars().any(|c| c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert!(is_local_path("/"));
        assert!(is_local_path("/documents?page=2"));
        assert!(!is_local_path("//evil.example"));
        assert!(!is_local_path("/\\evil.example"));
        assert!(!is_local_path("https://evil.example"));
        assert!(!is_local_path("/x\r\nSet-Cookie: a=b"));
    }
}
