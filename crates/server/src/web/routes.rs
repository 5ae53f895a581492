//! Route policies, declared with the routes: whether a route reads the session cookie (and checks
//! the CSRF token of every form), counts its POSTs as attempts to get in (rate-limited per
//! address, `limits`), and takes file uploads (multipart bodies up to
//! `documents.max_upload_bytes` instead of `http.body_limit_bytes`).
//!
//! Pages are declared on a [`Routes`] (`route` for a page, `attempt`, `upload`, `open` for the
//! others); API operations carry the policy as an OpenAPI extension (`x-rate-limited`,
//! `x-file-upload`) set by [`attempt`] and [`upload`], so that clients read it too. The middleware
//! asks [`Policies`], which is made from those declarations — no list of paths is kept by hand,
//! and `policy_table` prints every route with its policies (docs/architecture.md).

use axum::Router;
use axum::http::Method;
use axum::routing::MethodRouter;
use utoipa::openapi::OpenApi;
use utoipa::openapi::extensions::Extensions;
use utoipa_axum::router::UtoipaMethodRouter;

use crate::state::AppState;

/// Everything under this prefix is the JSON API: bearer tokens, never cookies — unknown API
/// paths included, so that they answer 404 in JSON rather than ask for a form token.
pub const API_PREFIX: &str = "/api/";

const RATE_LIMITED: &str = "x-rate-limited";
const FILE_UPLOAD: &str = "x-file-upload";

/// How a route knows who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Door {
    /// A page: the session cookie is read, and forms must carry the CSRF token.
    Session,
    /// A signed link opened without signing in (one-click unsubscribe, which mail programs POST
    /// to cross-site; the calendar feed): no cookies, the signed address is the key.
    Open,
    /// The JSON API and the operations endpoints: bearer tokens or nothing, never cookies.
    Api,
}

impl Door {
    fn label(self) -> &'static str {
        match self {
            Door::Session => "session + CSRF",
            Door::Open => "signed link",
            Door::Api => "API",
        }
    }
}

/// One route and what guards it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Row {
    pub path: String,
    /// The API's methods; empty for pages (an axum method router does not tell its methods).
    pub methods: Vec<String>,
    pub door: Door,
    /// Its POSTs are attempts to get in, rate-limited per address.
    pub attempts: bool,
    /// It takes multipart uploads up to `documents.max_upload_bytes`.
    pub uploads: bool,
}

/// Page routes with their policies.
#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    rows: Vec<Row>,
}

impl Routes {
    pub fn new() -> Self {
        Self::default()
    }

    fn add(
        mut self,
        path: &str,
        handler: MethodRouter<AppState>,
        door: Door,
        attempts: bool,
        uploads: bool,
    ) -> Self {
        self.router = self.router.route(path, handler);
        self.rows.push(Row {
            path: path.to_owned(),
            methods: Vec::new(),
            door,
            attempts,
            uploads,
        });
        self
    }

    /// A page of the cabinet: the session is read and forms carry the CSRF token.
    pub fn route(self, path: &str, handler: MethodRouter<AppState>) -> Self {
        self.add(path, handler, Door::Session, false, false)
    }

    /// A page whose POST is an attempt to get in (sign-in, its second step, registration,
    /// recovery, confirming a security change): rate-limited per address.
    pub fn attempt(self, path: &str, handler: MethodRouter<AppState>) -> Self {
        self.add(path, handler, Door::Session, true, false)
    }

    /// A page whose form sends files.
    pub fn upload(self, path: &str, handler: MethodRouter<AppState>) -> Self {
        self.add(path, handler, Door::Session, false, true)
    }

    /// A signed link that works without cookies.
    pub fn open(self, path: &str, handler: MethodRouter<AppState>) -> Self {
        self.add(path, handler, Door::Open, false, false)
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.rows.extend(other.rows);
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<Row>) {
        (self.router, self.rows)
    }
}

fn mark<S>(mut routes: UtoipaMethodRouter<S>, extension: &str) -> UtoipaMethodRouter<S> {
    // Only the operations that send something: reading is never an attempt or an upload.
    for item in routes.1.paths.values_mut() {
        for operation in [&mut item.post, &mut item.put, &mut item.patch]
            .into_iter()
            .flatten()
        {
            operation
                .extensions
                .get_or_insert_with(Extensions::default)
                .insert(extension.to_owned(), serde_json::Value::Bool(true));
        }
    }
    routes
}

/// API operations that are attempts to get in: their POSTs are rate-limited per address.
pub fn attempt<S>(routes: UtoipaMethodRouter<S>) -> UtoipaMethodRouter<S> {
    mark(routes, RATE_LIMITED)
}

/// API operations that take multipart uploads.
pub fn upload<S>(routes: UtoipaMethodRouter<S>) -> UtoipaMethodRouter<S> {
    mark(routes, FILE_UPLOAD)
}

/// The API document's operations as rows, their policies read from the extensions.
pub fn api_rows(doc: &OpenApi) -> Vec<Row> {
    let flag = |op: &utoipa::openapi::path::Operation, name: &str| {
        op.extensions
            .as_ref()
            .and_then(|e| e.get(name))
            .is_some_and(|v| v == &serde_json::Value::Bool(true))
    };
    doc.paths
        .paths
        .iter()
        .map(|(path, item)| {
            let operations = [
                ("GET", &item.get),
                ("POST", &item.post),
                ("PUT", &item.put),
                ("PATCH", &item.patch),
                ("DELETE", &item.delete),
            ];
            let present: Vec<_> = operations
                .iter()
                .filter_map(|(m, op)| op.as_ref().map(|op| (*m, op)))
                .collect();
            Row {
                path: path.clone(),
                methods: present.iter().map(|(m, _)| (*m).to_owned()).collect(),
                door: Door::Api,
                attempts: present
                    .iter()
                    .any(|(m, op)| *m == "POST" && flag(op, RATE_LIMITED)),
                uploads: present.iter().any(|(_, op)| flag(op, FILE_UPLOAD)),
            }
        })
        .collect()
}

/// Whether an API operation is rate-limited (for the 429 the document declares).
pub fn is_rate_limited(operation: &utoipa::openapi::path::Operation) -> bool {
    operation
        .extensions
        .as_ref()
        .and_then(|e| e.get(RATE_LIMITED))
        .is_some()
}

/// The policies of every route, as the middleware asks them.
pub struct Policies {
    rows: Vec<Row>,
    cookieless: matchit::Router<()>,
    attempts: matchit::Router<()>,
    uploads: matchit::Router<()>,
}

impl Policies {
    pub fn new(mut rows: Vec<Row>) -> Self {
        rows.sort();
        rows.dedup();
        let mut cookieless = matchit::Router::new();
        let mut attempts = matchit::Router::new();
        let mut uploads = matchit::Router::new();
        for row in &rows {
            // The same path may be declared twice (a GET page and its POST form, in two routers);
            // a second insert of a path is refused by matchit and changes nothing.
            if row.door != Door::Session {
                let _ = cookieless.insert(&row.path, ());
            }
            if row.attempts {
                let _ = attempts.insert(&row.path, ());
            }
            if row.uploads {
                let _ = uploads.insert(&row.path, ());
            }
        }
        Self {
            rows,
            cookieless,
            attempts,
            uploads,
        }
    }

    /// Whether the request reads the session and must carry the CSRF token (pages, and any path
    /// no route knows: its 404 page is a page).
    pub fn reads_session(&self, path: &str) -> bool {
        !(path.starts_with(API_PREFIX) || self.cookieless.at(path).is_ok())
    }

    /// Whether the request is an attempt to get in.
    pub fn is_attempt(&self, method: &Method, path: &str) -> bool {
        method == Method::POST && self.attempts.at(path).is_ok()
    }

    /// Whether the route takes uploads.
    pub fn takes_uploads(&self, path: &str) -> bool {
        self.uploads.at(path).is_ok()
    }

    /// The policies the router put on the request (`web::router`); none outside it, where nothing
    /// is an attempt or an upload and every path reads the session.
    pub fn of(req: &axum::extract::Request) -> &Policies {
        static NONE: std::sync::LazyLock<Policies> =
            std::sync::LazyLock::new(|| Policies::new(Vec::new()));
        req.extensions()
            .get::<std::sync::Arc<Policies>>()
            .map_or(&*NONE, |p| p.as_ref())
    }

    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Every route with its policies, as a Markdown table (the one in docs/architecture.md).
    pub fn table(&self) -> String {
        let mut out = String::from(
            "| Route | Methods | Who is asking | Rate-limited POST | Uploads |\n|---|---|---|---|---|\n",
        );
        for row in &self.rows {
            let methods = if row.methods.is_empty() {
                "page".to_owned()
            } else {
                row.methods.join(", ")
            };
            out.push_str(&format!(
                "| `{}` | {methods} | {} | {} | {} |\n",
                row.path,
                row.door.label(),
                if row.attempts { "yes" } else { "" },
                if row.uploads { "yes" } else { "" },
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policies() -> Policies {
        crate::web::route_table().3
    }

    #[test]
    fn every_way_in_is_an_attempt_and_nothing_else_is() {
        let p = policies();
        for path in [
            "/login",
            "/login/code",
            "/login/code/abc",
            "/login/second-factor",
            "/login/second-factor/sms",
            "/login/second-factor/passkey",
            "/login/passkey",
            "/login/passkey/options",
            "/security/confirm",
            "/security/confirm/sms",
            "/security/confirm/passkey",
            "/register",
            "/register/abc",
            "/register/abc/resend",
            "/recover",
            "/recover/request",
            "/api/v1/auth/register",
            "/api/v1/auth/confirm-phone",
            "/api/v1/auth/login",
            "/api/v1/auth/second-factor",
            "/api/v1/profile/deletion",
            // Signing an application is typing the password again.
            "/applications/abc/submit",
        ] {
            assert!(p.is_attempt(&Method::POST, path), "{path}");
        }
        assert!(!p.is_attempt(&Method::GET, "/login"));
        for path in [
            "/documents",
            "/logout",
            "/api/v1/auth/logout",
            "/profile/edit",
        ] {
            assert!(!p.is_attempt(&Method::POST, path), "{path}");
        }
        let limited: Vec<&str> = p
            .rows()
            .iter()
            .filter(|r| r.attempts)
            .map(|r| r.path.as_str())
            .collect();
        assert!(
            limited.iter().all(|path| [
                "/login",
                "/register",
                "/recover",
                "/security/confirm",
                "/api/v1/auth/",
                "/api/v1/profile/deletion",
                "/applications/{id}/submit"
            ]
            .iter()
            .any(|door| path.starts_with(door))),
            "only ways in are limited: {limited:?}"
        );
    }

    #[test]
    fn only_the_routes_that_receive_files_take_uploads() {
        let p = policies();
        let uploads: Vec<&str> = p
            .rows()
            .iter()
            .filter(|r| r.uploads)
            .map(|r| r.path.as_str())
            .collect();
        assert_eq!(
            uploads,
            [
                "/api/v1/documents/{id}/files",
                "/api/v1/documents/{id}/files/{file_id}",
                "/documents/new",
                "/documents/{id}/files",
                "/documents/{id}/files/{file_id}",
            ]
        );
        assert!(p.takes_uploads("/documents/0193/files/0194"));
        assert!(!p.takes_uploads("/documents/0193/edit"));
    }

    #[test]
    fn pages_read_the_session_and_the_api_signed_links_and_assets_do_not() {
        let p = policies();
        for path in ["/", "/documents", "/lang", "/no-such-page", "/operator"] {
            assert!(p.reads_session(path), "{path}");
        }
        for path in [
            "/api/v1/documents",
            "/api/v1/no-such-endpoint",
            "/api/openapi.json",
            "/healthz",
            "/readyz",
            "/metrics",
            "/static/app.css",
            "/unsubscribe/u/deadlines/sig",
            "/calendar/secret/deadlines.ics",
        ] {
            assert!(!p.reads_session(path), "{path}");
        }
    }

    /// The table in docs/architecture.md is this one; `KABINET_WRITE_DOCS=1 cargo test -p server
    /// routes` writes it after a change of routes.
    #[test]
    fn the_documented_route_table_is_the_routers_own() {
        const BEGIN: &str = "<!-- route-policies:begin -->\n";
        const END: &str = "<!-- route-policies:end -->";
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/architecture.md");
        let doc = std::fs::read_to_string(&path).expect("docs/architecture.md");
        let (Some(a), Some(b)) = (doc.find(BEGIN), doc.find(END)) else {
            panic!("docs/architecture.md has no route-policy markers");
        };
        let table = policies().table();
        if doc[a + BEGIN.len()..b] == table {
            return;
        }
        if std::env::var_os("KABINET_WRITE_DOCS").is_some() {
            let updated = format!("{}{table}{}", &doc[..a + BEGIN.len()], &doc[b..]);
            std::fs::write(&path, updated).expect("write the docs");
            return;
        }
        panic!(
            "the route table in docs/architecture.md is out of date: run KABINET_WRITE_DOCS=1 cargo test -p server routes"
        );
    }
}
