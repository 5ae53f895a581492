//! Our own static files, served from the binary under names that carry a hash of their content,
//! so that browsers may cache them for a year and still see a new version at once.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

pub struct Asset {
    /// `/static/app.3f2a1b9c.css`
    pub href: String,
    pub bytes: &'static [u8],
    pub content_type: &'static str,
}

impl Asset {
    fn new(stem: &str, ext: &str, bytes: &'static [u8], content_type: &'static str) -> Self {
        let digest = Sha256::digest(bytes);
        let short: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        Self {
            href: format!("/static/{stem}.{short}.{ext}"),
            bytes,
            content_type,
        }
    }
}

pub struct Assets {
    pub css: Asset,
    pub icon: Asset,
    /// Progressive enhancement: the live unread count and the inactivity warning.
    pub live: Asset,
    /// Progressive enhancement: passkey ceremonies (WebAuthn needs a script).
    pub passkeys: Asset,
    /// Progressive enhancement of the notification settings: saving at once, web push.
    pub settings: Asset,
    /// Progressive enhancement of an application's steps: each answer checked as it is left.
    pub forms: Asset,
}

pub static ASSETS: LazyLock<Assets> = LazyLock::new(|| Assets {
    css: Asset::new(
        "app",
        "css",
        include_bytes!("static/app.css"),
        "text/css; charset=utf-8",
    ),
    icon: Asset::new(
        "icon",
        "svg",
        include_bytes!("static/icon.svg"),
        "image/svg+xml",
    ),
    live: Asset::new(
        "live",
        "js",
        include_bytes!("static/live.js"),
        "text/javascript; charset=utf-8",
    ),
    passkeys: Asset::new(
        "passkeys",
        "js",
        include_bytes!("static/passkeys.js"),
        "text/javascript; charset=utf-8",
    ),
    settings: Asset::new(
        "settings",
        "js",
        include_bytes!("static/settings.js"),
        "text/javascript; charset=utf-8",
    ),
    forms: Asset::new(
        "forms",
        "js",
        include_bytes!("static/forms.js"),
        "text/javascript; charset=utf-8",
    ),
});

pub async fn serve(Path(name): Path<String>) -> Response {
    let href = format!("/static/{name}");
    let found = [
        &ASSETS.css,
        &ASSETS.icon,
        &ASSETS.live,
        &ASSETS.passkeys,
        &ASSETS.settings,
        &ASSETS.forms,
    ]
    .into_iter()
    .find(|asset| asset.href == href);
    match found {
        Some(asset) => (
            [
                (header::CONTENT_TYPE, asset.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            asset.bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
