//! Per-request context: the request id, the visitor's language and address, and the one log
//! line and metrics sample each request leaves behind.
//!
//! The id and language are also kept in a task-local, so that error responses built far from
//! the request (`IntoResponse` has no access to it) still speak the visitor's language and show
//! the id a citizen can quote to support.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use super::cookies;
use super::i18n::{self, Lang};
use crate::state::AppState;

pub const REQUEST_ID_HEADER: &str = "x-request-id";
pub const LANG_COOKIE: &str = "kb_lang";

/// Where a request came from, as services record it (the sign-in history, the audit log, the
/// notices about a new device): a handler takes it as an extractor.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub lang: Lang,
    /// The browser's device mark, if it has one (see [`DEVICE_COOKIE`]).
    pub device: Option<String>,
}

impl From<&RequestInfo> for RequestMeta {
    fn from(info: &RequestInfo) -> Self {
        Self {
            ip: info.ip.clone(),
            user_agent: info.user_agent.clone(),
            lang: info.lang,
            device: info.device.clone(),
        }
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequestMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        // The context layer runs first for every route; without it (a handler tested alone)
        // the request is from nowhere in particular.
        Ok(parts
            .extensions
            .get::<RequestInfo>()
            .map(Self::from)
            .unwrap_or_default())
    }
}

/// Facts about the current request that any layer may need.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    pub id: String,
    pub lang: Lang,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The browser's long-lived device mark (the `kb_device` cookie), to tell known devices
    /// from new ones at sign-in.
    pub device: Option<String>,
}

/// The cookie that marks a browser as a device the person has signed in from before.
pub const DEVICE_COOKIE: &str = "kb_device";

tokio::task_local! {
    static CURRENT: RequestInfo;
}

/// The language of the request being served (Russian outside any request).
pub fn current_lang() -> Lang {
    CURRENT.try_with(|c| c.lang).unwrap_or_default()
}

/// The id of the request being served, if any.
pub fn current_request_id() -> Option<String> {
    CURRENT.try_with(|c| c.id.clone()).ok()
}

/// Accepts a caller's request id when it is short and plain; otherwise makes one.
fn request_id(incoming: Option<&HeaderValue>) -> String {
    incoming
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| {
            let mut bytes = [0_u8; 12];
            rand::fill(&mut bytes);
            store::hex(&bytes)
        })
}

/// The client's address: the peer, or — when the peer is a trusted proxy — the right-most
/// address in `X-Forwarded-For` that is not itself a trusted proxy (the left part is whatever the
/// client chose to send).
fn client_address(
    peer: Option<std::net::IpAddr>,
    forwarded: Option<&str>,
    trusted: &[std::net::IpAddr],
) -> Option<std::net::IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let Some(list) = forwarded else {
        return Some(peer);
    };
    let mut hops = list.split(',').rev().map(str::trim);
    let mut last = peer;
    for hop in hops.by_ref() {
        match hop.parse::<std::net::IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => last = ip,
            Ok(ip) => return Some(ip),
            Err(_) => break,
        }
    }
    Some(last)
}

pub async fn middleware(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let headers = req.headers();
    let id = request_id(headers.get(REQUEST_ID_HEADER));
    let cookie_lang = cookies::get(headers, LANG_COOKIE);
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let lang = i18n::negotiate(cookie_lang.as_deref(), accept);
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(512).collect());
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let ip = client_address(
        peer,
        headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()),
        &state.config.http.trusted_proxies,
    )
    .map(|ip| ip.to_string());
    let method = req.method().as_str().to_owned();
    // The route template, not the path: paths may carry secrets (feed tokens, link codes).
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "(unmatched)".to_owned());

    let device = cookies::get(headers, DEVICE_COOKIE).filter(|v| {
        v.len() == 43
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    let info = RequestInfo {
        id: id.clone(),
        lang,
        ip,
        user_agent,
        device,
    };
    req.extensions_mut().insert(info.clone());
    let mut response = CURRENT.scope(info, next.run(req)).await;

    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    state.metrics.observe(&route, &method, status, elapsed);
    tracing::info!(
        target: "kabinet::http",
        request_id = %id,
        method = %method,
        route = %route,
        status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let proxy: std::net::IpAddr = "10.0.0.2".parse().unwrap();
        let client: std::net::IpAddr = "203.0.113.7".parse().unwrap();
        let spoof = Some("1.2.3.4, 203.0.113.7");
        assert_eq!(
            client_address(Some(client), Some("9.9.9.9"), &[proxy]),
            Some(client),
            "untrusted peer: its own address"
        );
        assert_eq!(
            client_address(Some(proxy), spoof, &[proxy]),
            Some(client),
            "the right-most hop the proxy added"
        );
        assert_eq!(
            client_address(
                Some(proxy),
                Some("203.0.113.7, 10.0.0.3"),
                &[proxy, "10.0.0.3".parse().unwrap()]
            ),
            Some(client)
        );
        assert_eq!(client_address(Some(proxy), None, &[proxy]), Some(proxy));
        assert_eq!(
            client_address(Some(proxy), Some("garbage"), &[proxy]),
            Some(proxy)
        );
        assert_eq!(
            client_address(Some(proxy), spoof, &[]),
            Some(proxy),
            "no proxies trusted by default"
        );
    }

    #[test]
    fn request_ids_are_taken_only_when_plain() {
        let good = HeaderValue::from_static("abc-123_X");
        assert_eq!(request_id(Some(&good)), "abc-123_X");
        let bad = HeaderValue::from_static("abc\"<script>");
        let made = request_id(Some(&bad));
        assert_eq!(made.len(), 24);
        assert!(made.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(request_id(None), request_id(None));
    }
}
