//! Sessions and CSRF for the pages. (The JSON API under `/api/` never reads cookies: it takes
//! bearer tokens, so forged cross-site requests cannot ride on a browser's session there.)
//!
//! * `kb_session` holds a random token; the database keeps its hash (see `store::sessions`).
//!   Unknown, idle or expired tokens are dropped and the cookie is cleared.
//! * Every unsafe request to a page must carry a CSRF token: an HMAC, under a key derived from
//!   the master key, of the session token (signed in) or of the `kb_anon` cookie (not yet signed
//!   in). Forms send it as the `_csrf` field (multipart forms as their first part, see
//!   `multipart_csrf`); scripts in the `x-csrf-token` header; never in the address. Cross-site requests (by `Sec-Fetch-Site` or `Origin`) are refused
//!   before the token is even read.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jiff::SignedDuration;
use store::sessions::{self, ActiveSession};

use super::cookies::{self, Lifetime};
use super::errors::PageError;
use crate::keys;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "kb_session";
pub const ANON_COOKIE: &str = "kb_anon";
pub const CSRF_FIELD: &str = "_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The signed-in session of this request, if any.
#[derive(Clone, Default)]
pub struct CurrentSession(pub Option<Arc<ActiveSession>>);

/// The CSRF token that forms on this request's page must carry.
#[derive(Clone)]
pub struct CsrfToken(pub String);

pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // The API, assets, operations endpoints and signed links never use cookies: no session, no
    // CSRF (mail programs POST to one-click unsubscribe cross-site; its signed address is the
    // key). Each route says which it is where it is declared (`routes`).
    if !super::routes::Policies::of(&req).reads_session(req.uri().path()) {
        return next.run(req).await;
    }
    match with_session(state, req, next).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn with_session(
    state: AppState,
    mut req: Request,
    next: Next,
) -> Result<Response, PageError> {
    let now = state.now();
    let mut clear_session_cookie = false;
    let session_token = cookies::get(req.headers(), SESSION_COOKIE);
    let session = match &session_token {
        Some(token) => match sessions::find(&state.db, &keys::token_hash(token), now).await? {
            Ok(session) => {
                if now.duration_since(session.last_seen_at) > SignedDuration::from_secs(60) {
                    sessions::touch(&state.db, &session.id, now).await?;
                }
                Some(Arc::new(session))
            }
            Err(_) => {
                clear_session_cookie = true;
                None
            }
        },
        None => None,
    };

    let (anon, new_anon) = match cookies::get(req.headers(), ANON_COOKIE) {
        Some(v)
            if v.len() == 43
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            (v, false)
        }
        _ => (keys::random_token(), true),
    };
    let binding = match (&session, &session_token) {
        (Some(_), Some(token)) => format!("session:{token}"),
        _ => format!("anon:{anon}"),
    };
    let csrf = keys::sign(&state.keys.csrf, binding.as_bytes());

    if !is_safe(req.method()) {
        req = check_csrf(req, &state, binding.as_bytes()).await?;
    }

    req.extensions_mut().insert(CurrentSession(session));
    req.extensions_mut().insert(CsrfToken(csrf));
    let mut response = next.run(req).await;

    let secure = state.config.is_https();
    let sets_session = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(SESSION_COOKIE.as_bytes()));
    if clear_session_cookie && !sets_session {
        response.headers_mut().append(
            header::SET_COOKIE,
            cookies::set(SESSION_COOKIE, "", Lifetime::Expire, true, secure),
        );
    }
    if new_anon && is_html(response.headers()) {
        response.headers_mut().append(
            header::SET_COOKIE,
            cookies::set(ANON_COOKIE, &anon, Lifetime::Session, true, secure),
        );
    }
    Ok(response)
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

/// Refuses cross-site requests and requests without a valid token. Form bodies are read to find
/// the token and handed on unchanged.
async fn check_csrf(req: Request, state: &AppState, binding: &[u8]) -> Result<Request, PageError> {
    let headers = req.headers();
    if headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site")
    {
        return Err(PageError::CsrfRejected);
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let origin_host = origin.split_once("://").map(|(_, host)| host);
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        if origin_host.is_none() || origin_host != host {
            return Err(PageError::CsrfRejected);
        }
    }

    let from_header = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    let multipart = super::multipart_csrf::boundary(content_type);

    let (req, token) = match (from_header, multipart) {
        (Some(token), _) => (req, Some(token)),
        (None, Some(boundary)) => {
            let (parts, body) = req.into_parts();
            let (token, body) =
                super::multipart_csrf::take_first_field(body, &boundary, CSRF_FIELD).await;
            (Request::from_parts(parts, body), token)
        }
        (None, None) if is_form => {
            let (parts, body) = req.into_parts();
            let bytes = axum::body::to_bytes(body, state.config.http.body_limit_bytes)
                .await
                .map_err(|_| PageError::PayloadTooLarge)?;
            let token = field(&bytes, CSRF_FIELD);
            (Request::from_parts(parts, Body::from(bytes)), token)
        }
        (None, None) => (req, None),
    };
    match token {
        Some(token) if keys::verify(&state.keys.csrf, binding, &token) => Ok(req),
        _ => Err(PageError::CsrfRejected),
    }
}

fn field(encoded: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(encoded)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}
