//! What every page template receives: language and layout texts, the CSRF token for its forms,
//! the signed-in user, and where the assets are.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use store::users::UserSummary;

use super::assets::{ASSETS, Assets};
use super::context::RequestInfo;
use super::i18n::{self, Lang, LayoutTexts};
use super::session::{CsrfToken, CurrentSession};

pub struct PageCtx {
    pub lang: Lang,
    pub t: &'static LayoutTexts,
    pub csrf: String,
    pub user: Option<UserSummary>,
    /// Path and query of this page (for "switch language" to come back here).
    pub here: String,
    pub assets: &'static Assets,
    pub version: &'static str,
    pub request_id: Option<String>,
    /// Unread messages (signed-in pages).
    pub unread: i64,
    /// The session's inactivity limit in seconds (signed-in pages), for the warning script.
    pub idle_secs: i64,
}

impl PageCtx {
    /// A frame with nobody signed in, for error pages built outside a handler.
    pub fn bare(lang: Lang, request_id: Option<String>) -> Self {
        Self {
            lang,
            t: i18n::layout(lang),
            csrf: String::new(),
            user: None,
            here: "/".to_owned(),
            assets: &ASSETS,
            version: env!("CARGO_PKG_VERSION"),
            request_id,
            unread: 0,
            idle_secs: 0,
        }
    }

    pub fn other_lang(&self) -> &'static str {
        self.lang.other().code()
    }

    /// When the signed-in person's account is to be erased, in their zone (the banner on every
    /// page while the grace period lasts).
    pub fn deletion_due(&self) -> Option<String> {
        let user = self.user.as_ref()?;
        Some(crate::local_time::day_shown(
            user.deletion_due?,
            &user.time_zone,
        ))
    }

    /// `aria-current="page"` belongs on the navigation link of the page being shown.
    /// Whether the signed-in person runs the service (the header shows the operator's pages).
    pub fn is_officer(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.role == domain::Role::Officer)
    }

    pub fn is_operator(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.role == domain::Role::Operator)
    }

    /// The top section a page below it belongs to, for the breadcrumbs: (address, name). None on
    /// the sections themselves and on pages outside them.
    pub fn section(&self) -> Option<(&'static str, &'static str)> {
        let here = self.here.split('?').next().unwrap_or_default();
        let t = self.t;
        let sections: [(&'static str, &'static str); 7] = [
            ("/documents", t.nav_documents),
            ("/registry", t.nav_registry),
            ("/notifications", t.nav_messages),
            ("/profile", t.nav_profile),
            ("/security", t.nav_security),
            ("/operator", t.nav_operator),
            ("/legal", t.footer_links),
        ];
        sections
            .into_iter()
            .find(|(path, _)| here.starts_with(&format!("{path}/")))
            // The legal pages have no page of their own to go back to.
            .map(|(path, name)| {
                if path == "/legal" {
                    ("/", name)
                } else {
                    (path, name)
                }
            })
            .filter(|(path, _)| *path != "/")
    }

    /// The operator's pages, for the menu on each of them (the sandbox among them).
    pub fn operator_menu(&self) -> [(&'static str, &'static str); 10] {
        let pick = |ru, en| self.lang.pick(ru, en);
        [
            ("/operator", pick("Обзор", "Overview")),
            ("/operator/outbox", self.t.nav_sandbox),
            ("/operator/jobs", pick("Доставка", "Deliveries")),
            ("/operator/locks", pick("Блокировки входа", "Sign-in locks")),
            (
                "/operator/recovery",
                pick("Восстановление доступа", "Access recovery"),
            ),
            ("/operator/kinds", pick("Виды документов", "Document kinds")),
            ("/operator/services", pick("Каталог услуг", "Services")),
            ("/operator/agencies", pick("Ведомства", "Agencies")),
            ("/operator/bulletins", pick("Рассылки", "Mailings")),
            ("/operator/audit", self.t.nav_journal),
        ]
    }

    /// The search typed last, kept in the header's box on the results page.
    pub fn search_query(&self) -> String {
        let Some(("/documents", query)) = self.here.split_once('?') else {
            return String::new();
        };
        form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "q")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    }

    /// The address that switches to the other language and comes back here (for pages without
    /// a form token).
    pub fn switch_language_link(&self) -> String {
        let next: String = form_urlencoded::byte_serialize(self.here.as_bytes()).collect();
        format!("/lang?lang={}&next={next}", self.other_lang())
    }

    /// The footer's legal pages: (address, title in the page's language).
    pub fn legal_links(&self) -> Vec<(String, &'static str)> {
        crate::features::legal::ALL
            .iter()
            .map(|d| (d.path(), d.title.get(self.lang)))
            .collect()
    }

    pub fn is_current(&self, path: &str) -> bool {
        let here = self.here.split('?').next().unwrap_or_default();
        here == path || (path != "/" && here.starts_with(&format!("{path}/")))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageCtx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let info = parts.extensions.get::<RequestInfo>();
        let lang = info.map(|i| i.lang).unwrap_or_default();
        let mut page = PageCtx::bare(lang, info.map(|i| i.id.clone()));
        page.csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        let session = parts
            .extensions
            .get::<CurrentSession>()
            .and_then(|s| s.0.as_ref());
        page.user = session.map(|s| s.user.clone());
        page.idle_secs = session.map_or(0, |s| s.idle_timeout.as_secs());
        page.unread = session.map_or(0, |s| s.unread);
        page.here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".to_owned());
        Ok(page)
    }
}
