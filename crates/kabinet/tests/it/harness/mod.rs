//! `TestApp`: the real application in-process, with a cookie-keeping client and a clock the test
//! moves. `TestDb`: a fresh database of the engine under test.

mod api;
mod citizens;
mod files;
mod processes;
pub mod sms_gateway;
pub mod smtp;

pub use api::Api;
pub use citizens::*;
pub use files::{passport_body, scan_pdf};
pub use processes::*;

use std::path::PathBuf;
use std::sync::Arc;

use domain::ManualClock;
use jiff::Timestamp;
use server::config::{Config, Secret};
use server::{AppState, Application, ServeRole};
use sqlx::Connection;
use tokio::sync::oneshot;

/// A temporary folder removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("kabinet-it-{}", store::new_id()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh, empty database of the engine under test.
pub struct TestDb {
    pub url: String,
    pub is_postgres: bool,
}

impl TestDb {
    pub async fn fresh(dir: &TempDir) -> Self {
        match std::env::var("KABINET_TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                sqlx::any::install_default_drivers();
                let schema = format!("t_{}", store::new_id().replace('-', ""));
                let mut conn = sqlx::AnyConnection::connect(&admin_url)
                    .await
                    .expect("connect to KABINET_TEST_DATABASE_URL");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                    .execute(&mut conn)
                    .await
                    .expect("create test schema");
                let _ = conn.close().await;
                let sep = if admin_url.contains('?') { '&' } else { '?' };
                TestDb {
                    url: format!("{admin_url}{sep}options[search_path]={schema}"),
                    is_postgres: true,
                }
            }
            _ => TestDb {
                url: format!("sqlite://{}?mode=rwc", dir.0.join("kabinet.db").display()),
                is_postgres: false,
            },
        }
    }
}

/// `KABINET_TEST_LOG=debug` (or any filter, `server=debug,sqlx=warn`) shows the applications'
/// logs on standard error — meant for one test at a time (`cargo test -p kabinet --test it --
/// name`); the cli and cluster tests' own processes log to their captured output anyway.
fn show_logs_if_asked() {
    if let Ok(filter) = std::env::var("KABINET_TEST_LOG") {
        server::telemetry::init(server::config::LogFormat::Text, &filter);
    }
}

pub fn start_time() -> Timestamp {
    "2026-03-02T06:00:00Z".parse().expect("valid timestamp")
}

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub client: reqwest::Client,
    pub db_url: String,
    pub is_postgres: bool,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _dir: Arc<TempDir>,
}

/// How to start a test application.
pub struct Options {
    pub role: ServeRole,
    pub configure: Box<dyn FnOnce(&mut Config) + Send>,
    /// Changes to the node's job registry. By default the minute's sweeps (reminders) are not
    /// offered: tests run them by hand and count what they sent. `|r| r` keeps every offer.
    pub jobs: Box<dyn FnOnce(server::worker::Registry) -> server::worker::Registry + Send>,
    /// Share another app's database and folder (several nodes of one installation).
    pub share_with: Option<(String, Arc<TempDir>, bool)>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            role: ServeRole::All,
            configure: Box::new(|_| {}),
            jobs: Box::new(|r| r.unscheduled(server::worker::Every::Minute)),
            share_with: None,
        }
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(Options::default()).await
    }

    pub async fn spawn_with(options: Options) -> Self {
        show_logs_if_asked();
        let (dir, url, is_postgres) = match options.share_with {
            Some((url, dir, pg)) => (dir, url, pg),
            None => {
                let dir = Arc::new(TempDir::new());
                let db = TestDb::fresh(&dir).await;
                (dir, db.url, db.is_postgres)
            }
        };
        let mut config = Config {
            listen: "127.0.0.1:0".parse().expect("address"),
            data_dir: dir.0.join("data"),
            database_url: Some(Secret::new(url.clone())),
            ..Config::default()
        };
        config.worker.poll_interval_ms = 50;
        config.database.max_connections = 5;
        (options.configure)(&mut config);
        let clock = Arc::new(ManualClock::new(start_time()));
        let state = server::app::open(config, clock.clone())
            .await
            .expect("application opens");
        let app = Application::build(state.clone(), options.role)
            .await
            .expect("application builds")
            .with_jobs(options.jobs);
        let base = app
            .local_addr()
            .map(|a| format!("http://{a}"))
            .unwrap_or_default();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = app
                .run(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Self {
            base,
            state,
            clock,
            client: client(),
            db_url: url,
            is_postgres,
            stop: Some(stop),
            task: Some(task),
            _dir: dir,
        }
    }

    /// Options for another node on this app's database and folder.
    pub fn sibling(&self) -> Options {
        Options {
            share_with: Some((self.db_url.clone(), self._dir.clone(), self.is_postgres)),
            ..Options::default()
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header(reqwest::header::ACCEPT, accept_for(path))
            .send()
            .await
            .expect("request is answered")
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header(reqwest::header::ACCEPT, accept_for(path))
            .form(form)
            .send()
            .await
            .expect("request is answered")
    }

    /// A second browser on the same running app (its own cookies). It does not own the node.
    pub fn with_client(&self, client: reqwest::Client) -> TestApp {
        TestApp {
            base: self.base.clone(),
            state: self.state.clone(),
            clock: self.clock.clone(),
            client,
            db_url: self.db_url.clone(),
            is_postgres: self.is_postgres,
            stop: None,
            task: None,
            _dir: self._dir.clone(),
        }
    }

    /// Stops the node and waits until it has stopped (requests and jobs finished).
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// What Chromium sends with every request: it always asks for compression, and a language.
pub const BROWSER_ACCEPT_ENCODING: &str = "gzip, deflate, br, zstd";
pub const BROWSER_ACCEPT_LANGUAGE: &str = "ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7";

/// The headers a browser sends with every request (the client decodes gzip as a browser does).
pub fn browser_headers() -> reqwest::header::HeaderMap {
    use reqwest::header::{ACCEPT_ENCODING, ACCEPT_LANGUAGE, HeaderValue, USER_AGENT};
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        ACCEPT_ENCODING,
        HeaderValue::from_static(BROWSER_ACCEPT_ENCODING),
    );
    headers.insert(
        ACCEPT_LANGUAGE,
        HeaderValue::from_static(BROWSER_ACCEPT_LANGUAGE),
    );
    headers.insert(
        USER_AGENT,
        HeaderValue::from_static(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
        ),
    );
    headers
}

/// What a browser's address bar or form asks for on a page; what an API client asks for under
/// `/api/`.
pub fn accept_for(path: &str) -> &'static str {
    if path.starts_with("/api/") {
        "application/json"
    } else {
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
    }
}

/// A browser-like client: keeps cookies, sends a browser's headers and decodes what it is sent,
/// does not follow redirects (tests assert them).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(browser_headers())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client builds")
}

/// The value of the first hidden `_csrf` field in a page.
pub fn csrf_token(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    let end = html[start..].find('"').expect("attribute ends") + start;
    html[start..end].to_owned()
}

/// Waits (up to ~10 s of real time) until `check` holds.
pub async fn eventually<F, Fut>(what: &str, check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    eventually_within(10, what, check).await;
}

/// Waits up to `seconds` of real time until `check` holds (separate processes start slower).
pub async fn eventually_within<F, Fut>(seconds: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..seconds * 20 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

/// What a download is fetched under: plain, gzip alone, and what a browser asks for.
pub const ENCODINGS: &[&str] = &["identity", "gzip", BROWSER_ACCEPT_ENCODING];

/// Fetches a download once under each of `ENCODINGS` (the request made by `make`, through a
/// client that decodes as a browser does), asserting that each answer is 200 and read whole;
/// returns each encoding with its bytes.
pub async fn downloads_under_every_encoding(
    make: impl Fn() -> reqwest::RequestBuilder,
) -> Vec<(&'static str, Vec<u8>)> {
    let mut out = Vec::new();
    for encoding in ENCODINGS {
        let response = make()
            .header(reqwest::header::ACCEPT_ENCODING, *encoding)
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), 200, "under {encoding}");
        let bytes = response
            .bytes()
            .await
            .unwrap_or_else(|e| panic!("the whole body under {encoding}: {e}"))
            .to_vec();
        out.push((*encoding, bytes));
    }
    out
}

/// As `downloads_under_every_encoding`, for a download that is the same every time: asserts the
/// bytes agree and returns them.
pub async fn bytes_under_every_encoding(make: impl Fn() -> reqwest::RequestBuilder) -> Vec<u8> {
    let mut all = downloads_under_every_encoding(make).await.into_iter();
    let (_, first) = all.next().expect("one encoding at least");
    for (encoding, bytes) in all {
        assert!(first == bytes, "other bytes under {encoding}");
    }
    first
}
