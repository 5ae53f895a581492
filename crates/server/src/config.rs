//! Configuration: working defaults, then `kabinet.toml` (or `--config`), then `KABINET_*`
//! environment variables, then command-line flags. One typed struct, passed in state, never a
//! global. Unknown keys in the file are refused; unknown `KABINET_*` variables are reported.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use base64::Engine;
use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// A value that must never reach a log line (passwords in URLs, keys, tokens).
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Serialized only to list the configuration's keys (see [`keys`]): the value never leaves.
impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("***")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address and port the web server listens on.
    pub listen: SocketAddr,
    /// Folder for the SQLite database, the master key and local files.
    pub data_dir: PathBuf,
    /// `sqlite:…` or `postgres://…`; default: SQLite in `data_dir`.
    pub database_url: Option<Secret>,
    /// The address citizens use, e.g. `https://kabinet.example.ru`. HTTPS turns on Secure
    /// cookies and HSTS.
    pub public_url: Option<String>,
    /// Base64 of 32 bytes. When neither this nor `master_key_file` is set, a key is generated
    /// into `data_dir/master.key` on first start.
    pub master_key: Option<Secret>,
    pub master_key_file: Option<PathBuf>,
    pub log_format: LogFormat,
    /// `info`, `debug`, or per target: `info,kabinet=debug`.
    pub log_level: String,
    pub database: DatabaseConfig,
    pub http: HttpConfig,
    pub session: SessionConfig,
    pub worker: WorkerConfig,
    pub metrics: MetricsConfig,
    pub sms: SmsConfig,
    pub email: EmailConfig,
    pub sandbox: SandboxConfig,
    pub storage: StorageConfig,
    pub documents: DocumentsConfig,
    pub geoip: GeoIpConfig,
    pub limits: LimitsConfig,
    pub push: PushConfig,
    /// Who runs this installation: named in the consent texts (152-FZ art. 9) and on the
    /// support page.
    pub operator: OperatorConfig,
    pub backup: BackupConfig,
}

/// The scheduled backup: once a day the worker writes a backup (without the master key) into a
/// new folder under `dir` and keeps the newest `keep`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BackupConfig {
    /// Where the daily backups go; unset, none is made.
    pub dir: Option<PathBuf>,
    /// How many daily backups to keep (1…365).
    pub keep: u32,
}

impl Default for BackupConfig {
    fn default() -> Self {
        Self { dir: None, keep: 7 }
    }
}

/// Web push: which push services the server will deliver to. A subscription names its push
/// service's address, and the server then POSTs to it, so only known services are allowed.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PushConfig {
    /// Host names of push services (a name also allows its subdomains).
    pub allowed_hosts: Vec<String>,
    /// Accept `http://` push services (tests and closed networks only).
    pub allow_insecure: bool,
    /// The contact put in every VAPID token (`mailto:` or `https:`).
    pub contact: String,
}

impl Default for PushConfig {
    fn default() -> Self {
        Self {
            allowed_hosts: vec![
                "fcm.googleapis.com".to_owned(),
                "updates.push.services.mozilla.com".to_owned(),
                "notify.windows.com".to_owned(),
                "push.apple.com".to_owned(),
            ],
            allow_insecure: false,
            contact: "mailto:admin@kabinet.localhost".to_owned(),
        }
    }
}

/// Where document files are kept (always encrypted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageBackend {
    /// A folder: `path`, default `data_dir/files`.
    #[default]
    Local,
    /// Any S3-compatible service (AWS, MinIO, Ceph, Yandex Object Storage …).
    S3,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    pub backend: StorageBackend,
    pub path: Option<PathBuf>,
    pub s3_bucket: Option<String>,
    pub s3_region: String,
    /// For services other than AWS: `https://storage.yandexcloud.net`, `http://minio:9000`.
    pub s3_endpoint: Option<String>,
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<Secret>,
    /// Allow `http://` endpoints (a store on the same private network only).
    pub s3_allow_http: bool,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            backend: StorageBackend::Local,
            path: None,
            s3_bucket: None,
            s3_region: "us-east-1".to_owned(),
            s3_endpoint: None,
            s3_access_key_id: None,
            s3_secret_access_key: None,
            s3_allow_http: false,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DocumentsConfig {
    /// Largest request that carries files (a form with several scans); each file is also held to
    /// its kind's limit.
    pub max_upload_bytes: usize,
    /// Move an expired document that nothing replaced to the archive this many days after its
    /// last day. Unset (the default): it stays in the registry as expired, with «Продлить» and
    /// «В архив», until the person archives it or adds a newer one of the same kind.
    pub archive_expired_after_days: Option<u32>,
}

impl Default for DocumentsConfig {
    fn default() -> Self {
        Self {
            max_upload_bytes: 64 * 1024 * 1024,
            archive_expired_after_days: None,
        }
    }
}

/// Rate limits per client address on each node.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    pub enabled: bool,
    /// Sign-in, code, registration and recovery attempts per minute from one address (also the
    /// burst allowed at once).
    pub sign_in_per_minute: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            sign_in_per_minute: 30,
        }
    }
}

/// Locations of sign-ins, from a GeoIP database file in MaxMind's format.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct GeoIpConfig {
    /// e.g. `/var/lib/GeoIP/GeoLite2-City.mmdb`; without it locations are "unknown".
    pub database: Option<PathBuf>,
}

/// Which SMS operator carries codes and notices.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmsGatewayKind {
    /// Messages stay in the database and show on the operators' sandbox page.
    #[default]
    Sandbox,
    /// An HTTP gateway: POST of JSON `{"to","text","sender"}` with a bearer token.
    Http,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmsConfig {
    pub gateway: SmsGatewayKind,
    pub url: Option<String>,
    pub token: Option<Secret>,
    /// Sender name registered with the operator.
    pub sender: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection (a relay on the same host or network only).
    None,
    /// Upgrade with STARTTLS (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmailConfig {
    /// Without a host, e-mail goes to the sandbox outbox.
    pub smtp_host: Option<String>,
    pub smtp_port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// The From address: `Кабинет <no-reply@kabinet.example.ru>`.
    pub from: String,
}

impl Default for EmailConfig {
    fn default() -> Self {
        Self {
            smtp_host: None,
            smtp_port: 587,
            tls: SmtpTls::Starttls,
            username: None,
            password: None,
            from: "Кабинет <no-reply@kabinet.localhost>".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SandboxConfig {
    /// The sandbox channels and their operators' page. Turn off in production: then SMS must go
    /// through a gateway and e-mail through SMTP.
    pub enabled: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self { enabled: true }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    pub max_connections: u32,
    pub acquire_timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Longest time a request may take before it is answered with 408.
    pub request_timeout_secs: u64,
    /// Largest request body accepted outside file uploads (413 beyond).
    pub body_limit_bytes: usize,
    /// Reverse proxies (exact addresses) whose `X-Forwarded-For` names the real client: its
    /// address then goes to the logs, the sign-in history and the rate limits.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionConfig {
    /// Sign-out after this many minutes without activity (the seeds recommend 10).
    pub idle_timeout_minutes: u32,
    /// Sign-out after this many hours whatever happens.
    pub absolute_lifetime_hours: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkerConfig {
    /// Jobs run at once by one node's worker.
    pub concurrency: u32,
    /// How often an idle worker looks for due jobs.
    pub poll_interval_ms: u64,
    /// How long a claimed job is held before another worker may take it over.
    pub lease_secs: u64,
    /// On SIGTERM, how long running jobs may go on; those still running then are stopped and
    /// given back to the queue at once, for another worker (or this one, restarted).
    pub shutdown_grace_secs: u64,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// When set, `/metrics` asks for `Authorization: Bearer <token>`.
    pub token: Option<Secret>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            public_url: None,
            master_key: None,
            master_key_file: None,
            log_format: LogFormat::Text,
            log_level: "info".to_owned(),
            database: DatabaseConfig::default(),
            http: HttpConfig::default(),
            session: SessionConfig::default(),
            worker: WorkerConfig::default(),
            metrics: MetricsConfig::default(),
            sms: SmsConfig::default(),
            email: EmailConfig::default(),
            sandbox: SandboxConfig::default(),
            storage: StorageConfig::default(),
            documents: DocumentsConfig::default(),
            geoip: GeoIpConfig::default(),
            push: PushConfig::default(),
            backup: BackupConfig::default(),
            operator: OperatorConfig::default(),
            limits: LimitsConfig::default(),
        }
    }
}

impl Config {
    /// The object store these settings describe.
    pub fn storage_backend(&self) -> store::objects::Backend {
        match self.storage.backend {
            StorageBackend::Local => store::objects::Backend::Local {
                root: self
                    .storage
                    .path
                    .clone()
                    .unwrap_or_else(|| self.data_dir.join("files")),
            },
            StorageBackend::S3 => store::objects::Backend::S3 {
                bucket: self.storage.s3_bucket.clone().unwrap_or_default(),
                region: self.storage.s3_region.clone(),
                endpoint: self.storage.s3_endpoint.clone(),
                access_key_id: self.storage.s3_access_key_id.clone(),
                secret_access_key: self
                    .storage
                    .s3_secret_access_key
                    .as_ref()
                    .map(|s| s.expose().to_owned()),
                allow_http: self.storage.s3_allow_http,
            },
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout_secs: 10,
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            request_timeout_secs: 30,
            body_limit_bytes: 1024 * 1024,
            trusted_proxies: Vec::new(),
        }
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle_timeout_minutes: 10,
            absolute_lifetime_hours: 12,
        }
    }
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            concurrency: 2,
            poll_interval_ms: 1000,
            lease_secs: 300,
            shutdown_grace_secs: 20,
        }
    }
}

/// The operator of personal data: the organisation that runs this installation.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct OperatorConfig {
    /// Full name, as registered (e.g. «ГБУ «Многофункциональный центр города N»»).
    pub name: String,
    /// Legal address.
    pub address: String,
    /// Where people write about their personal data and for support.
    pub email: String,
    /// Support phone.
    pub phone: String,
}

/// Every key of the configuration as a dotted path (`storage.s3_bucket`) with its default, read
/// from the configuration type itself, so that no list of keys can forget one: the environment
/// variables are told from typos with it, and the reference's table is checked against it.
pub fn keys() -> Vec<(String, serde_json::Value)> {
    fn walk(prefix: &str, value: serde_json::Value, out: &mut Vec<(String, serde_json::Value)>) {
        match value {
            serde_json::Value::Object(fields) => {
                for (name, value) in fields {
                    let path = if prefix.is_empty() {
                        name
                    } else {
                        format!("{prefix}.{name}")
                    };
                    walk(&path, value, out);
                }
            }
            leaf => out.push((prefix.to_owned(), leaf)),
        }
    }
    let mut out = Vec::new();
    walk(
        "",
        serde_json::to_value(Config::default()).unwrap_or_default(),
        &mut out,
    );
    out
}

/// Variables with the prefix that belong to tools around Kabinet, not to its configuration.
const FOREIGN_VARIABLES: &[&str] = &[
    "config",
    "test_database_url",
    "test_s3_url",
    "test_log",
    "write_docs",
    "log",
];

/// A configuration that cannot be used: which key, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuration error: {}: {}", self.key, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Flags from the command line, applied over everything else.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
}

/// What loading found besides the configuration itself.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    pub file: Option<PathBuf>,
    pub unknown_variables: Vec<String>,
}

impl Config {
    /// Loads the layers. `file` is `--config`; without it `./kabinet.toml` is read when present.
    pub fn load(
        file: Option<&Path>,
        overrides: &Overrides,
        env: &[(String, String)],
    ) -> Result<(Config, LoadReport), ConfigError> {
        let mut report = LoadReport::default();
        let mut figment = Figment::new();
        match file {
            Some(path) if !path.is_file() => {
                return Err(ConfigError {
                    key: "--config".to_owned(),
                    message: format!("file {} does not exist", path.display()),
                });
            }
            Some(path) => {
                figment = figment.merge(Toml::file_exact(path));
                report.file = Some(path.to_owned());
            }
            None if Path::new("kabinet.toml").is_file() => {
                figment = figment.merge(Toml::file_exact("kabinet.toml"));
                report.file = Some(PathBuf::from("kabinet.toml"));
            }
            None => {}
        }

        let keys = keys();
        let mut known = Vec::new();
        for (name, value) in env {
            let Some(key) = name.strip_prefix("KABINET_") else {
                continue;
            };
            let key = key.to_ascii_lowercase().replace("__", ".");
            let top = key.split('.').next().unwrap_or_default();
            let default = keys.iter().find(|(k, _)| *k == key).map(|(_, d)| d);
            if default.is_some() || keys.iter().any(|(k, _)| k.split('.').next() == Some(top)) {
                // A misspelt key inside a known section is refused below, as in the file.
                let list = default.is_some_and(serde_json::Value::is_array);
                known.push((key, env_value(value, list)));
            } else if !FOREIGN_VARIABLES.contains(&key.as_str()) {
                report.unknown_variables.push(name.clone());
            }
        }
        for (key, value) in known {
            figment = figment.merge(Serialized::global(&key, value));
        }

        if let Some(listen) = &overrides.listen {
            figment = figment.merge(Serialized::global("listen", listen));
        }
        if let Some(dir) = &overrides.data_dir {
            figment = figment.merge(Serialized::global("data_dir", dir));
        }
        if let Some(url) = &overrides.database_url {
            figment = figment.merge(Serialized::global("database_url", url));
        }

        let config: Config = figment.extract().map_err(config_error_from_figment)?;
        config.validate()?;
        Ok((config, report))
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, message: &str| {
            Err(ConfigError {
                key: key.to_owned(),
                message: message.to_owned(),
            })
        };
        if let Some(url) = &self.database_url
            && store::Dialect::from_url(url.expose()).is_err()
        {
            return bad(
                "database_url",
                "must start with sqlite: or postgres:// (for example postgres://kabinet:secret@localhost/kabinet)",
            );
        }
        if let Some(url) = &self.public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return bad("public_url", "must start with https:// or http://");
        }
        if let Some(key) = &self.master_key {
            let decoded = base64::engine::general_purpose::STANDARD.decode(key.expose().trim());
            if !matches!(decoded, Ok(ref bytes) if bytes.len() == 32) {
                return bad(
                    "master_key",
                    "must be 32 bytes in base64 (generate one with: head -c 32 /dev/urandom | base64)",
                );
            }
        }
        if self.master_key.is_some() && self.master_key_file.is_some() {
            return bad("master_key", "set master_key or master_key_file, not both");
        }
        if crate::telemetry::parse_filter(&self.log_level).is_err() {
            return bad(
                "log_level",
                "must be a level (error, warn, info, debug, trace) or targets like info,kabinet=debug",
            );
        }
        if self.database.max_connections == 0 {
            return bad("database.max_connections", "must be at least 1");
        }
        if self.http.body_limit_bytes < 1024 {
            return bad("http.body_limit_bytes", "must be at least 1024");
        }
        if self.storage.backend == StorageBackend::S3 && self.storage.s3_bucket.is_none() {
            return bad(
                "storage.s3_bucket",
                "is required when storage.backend is s3",
            );
        }
        if let Some(endpoint) = &self.storage.s3_endpoint
            && !(endpoint.starts_with("https://")
                || (self.storage.s3_allow_http && endpoint.starts_with("http://")))
        {
            return bad(
                "storage.s3_endpoint",
                "must start with https:// (or http:// with storage.s3_allow_http = true)",
            );
        }
        if self.documents.max_upload_bytes < 1024 * 1024 {
            return bad(
                "documents.max_upload_bytes",
                "must be at least 1048576 (1 MiB)",
            );
        }
        if self.http.request_timeout_secs == 0 {
            return bad("http.request_timeout_secs", "must be at least 1");
        }
        if !(1..=1440).contains(&self.session.idle_timeout_minutes) {
            return bad("session.idle_timeout_minutes", "must be between 1 and 1440");
        }
        if !(1..=720).contains(&self.session.absolute_lifetime_hours) {
            return bad(
                "session.absolute_lifetime_hours",
                "must be between 1 and 720",
            );
        }
        if !(1..=64).contains(&self.worker.concurrency) {
            return bad("worker.concurrency", "must be between 1 and 64");
        }
        if self.worker.poll_interval_ms < 10 {
            return bad("worker.poll_interval_ms", "must be at least 10");
        }
        if self.sms.gateway == SmsGatewayKind::Http {
            match &self.sms.url {
                Some(url) if url.starts_with("https://") || url.starts_with("http://") => {}
                _ => return bad("sms.url", "the HTTP gateway needs its URL (https://…)"),
            }
        }
        if !self.sandbox.enabled && self.sms.gateway == SmsGatewayKind::Sandbox {
            return bad(
                "sms.gateway",
                "the sandbox is turned off: configure the http gateway",
            );
        }
        if !self.sandbox.enabled && self.email.smtp_host.is_none() {
            return bad(
                "email.smtp_host",
                "the sandbox is turned off: configure an SMTP server",
            );
        }
        if let Err(e) = self.email.from.parse::<lettre::message::Mailbox>() {
            return bad("email.from", &format!("is not an address: {e}"));
        }
        if !(1..=365).contains(&self.backup.keep) {
            return bad("backup.keep", "must be from 1 to 365");
        }
        if self.worker.shutdown_grace_secs > 300 {
            return bad("worker.shutdown_grace_secs", "must be at most 300");
        }
        if self.worker.lease_secs < 5 {
            return bad("worker.lease_secs", "must be at least 5");
        }
        Ok(())
    }

    /// The database URL in use: the configured one, or SQLite inside the data folder.
    pub fn database_url(&self) -> Secret {
        match &self.database_url {
            Some(url) => url.clone(),
            None => Secret::new(format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("kabinet.db").display()
            )),
        }
    }

    /// The address links in letters and feeds start with, without a trailing slash: the public
    /// URL, or the listening address when none is set (a machine of one's own).
    pub fn public_base(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_owned()
    }

    /// How authenticator apps name this service: "Кабинет" and the host people reach it at.
    pub fn issuer_name(&self) -> String {
        let base = self.public_base();
        let host = base.split_once("://").map_or(base.as_str(), |(_, h)| h);
        format!("Кабинет ({host})")
    }

    /// Whether citizens reach the service over HTTPS (Secure cookies, HSTS).
    pub fn is_https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}

/// Environment values are typed like TOML scalars (numbers, booleans), anything else is text; a
/// list is a JSON array (`["10.0.0.2"]`) or items separated by commas (`10.0.0.2,10.0.0.3`).
fn env_value(raw: &str, list: bool) -> serde_json::Value {
    use serde_json::Value;
    if list {
        return match serde_json::from_str::<Value>(raw) {
            Ok(array @ Value::Array(_)) => array,
            _ => Value::Array(
                raw.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::from(s.to_owned()))
                    .collect(),
            ),
        };
    }
    if let Ok(n) = raw.parse::<i64>() {
        return Value::from(n);
    }
    match raw {
        "true" => Value::from(true),
        "false" => Value::from(false),
        _ => Value::from(raw.to_owned()),
    }
}

fn config_error_from_figment(err: figment::Error) -> ConfigError {
    let key = if err.path.is_empty() {
        "(file)".to_owned()
    } else {
        err.path.join(".")
    };
    let source = err
        .metadata
        .as_ref()
        .and_then(|m| m.source.as_ref())
        .map(|s| format!(" (from {s})"))
        .unwrap_or_default();
    let message = match &err.kind {
        figment::error::Kind::UnknownField(field, _) => {
            return ConfigError {
                // The path already ends with the unknown field when figment knows where it was.
                key: if key == "(file)" { field.clone() } else { key },
                message: format!("unknown key{source}"),
            };
        }
        kind => format!("{kind}{source}"),
    };
    ConfigError { key, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_env(vars: &[(&str, &str)]) -> Result<(Config, LoadReport), ConfigError> {
        let env: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::load(None, &Overrides::default(), &env)
    }

    #[test]
    fn defaults_work_without_anything() {
        let (config, _) = load_env(&[]).expect("defaults load");
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.data_dir, PathBuf::from("./data"));
        assert!(config.database_url().expose().starts_with("sqlite://"));
        assert_eq!(config.session.idle_timeout_minutes, 10);
    }

    #[test]
    fn environment_overrides_and_nests() {
        let (config, report) = load_env(&[
            ("KABINET_LISTEN", "0.0.0.0:9000"),
            ("KABINET_HTTP__BODY_LIMIT_BYTES", "2048"),
            ("KABINET_LISTNE", "typo"),
            ("KABINET_TEST_DATABASE_URL", "postgres://x"),
        ])
        .expect("loads");
        assert_eq!(config.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(config.http.body_limit_bytes, 2048);
        assert_eq!(report.unknown_variables, vec!["KABINET_LISTNE".to_owned()]);
    }

    #[test]
    fn flags_win_over_environment() {
        let env = vec![("KABINET_LISTEN".to_owned(), "0.0.0.0:9000".to_owned())];
        let overrides = Overrides {
            listen: Some("127.0.0.1:7000".into()),
            ..Default::default()
        };
        let (config, _) = Config::load(None, &overrides, &env).expect("loads");
        assert_eq!(config.listen.to_string(), "127.0.0.1:7000");
    }

    #[test]
    fn bad_values_name_their_key() {
        let err = load_env(&[("KABINET_LISTEN", "nowhere")]).expect_err("bad address");
        assert_eq!(err.key, "listen");
        let err = load_env(&[("KABINET_SESSION__IDLE_TIMEOUT_MINUTES", "0")]).expect_err("zero");
        assert_eq!(err.key, "session.idle_timeout_minutes");
        let err = load_env(&[("KABINET_DATABASE_URL", "mysql://root@x/db")]).expect_err("mysql");
        assert_eq!(err.key, "database_url");
        let err = load_env(&[("KABINET_MASTER_KEY", "c2hvcnQ=")]).expect_err("short key");
        assert_eq!(err.key, "master_key");
        let err = load_env(&[("KABINET_HTTP__NOPE", "1")]).expect_err("unknown nested key");
        assert_eq!(err.key, "http.nope");
    }

    #[test]
    fn secrets_do_not_print() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        let (config, _) =
            load_env(&[("KABINET_DATABASE_URL", "postgres://u:hunter2@h/db")]).expect("loads");
        assert!(!format!("{config:?}").contains("hunter2"));
    }

    /// The reference's table: the keys in its first column (`a`, `b` or several in one cell).
    fn documented_keys() -> Vec<String> {
        let doc = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/configuration.md"
        ));
        doc.lines()
            .filter(|l| l.starts_with("| `"))
            .filter_map(|l| l.split('|').nth(1))
            .flat_map(|cell| {
                cell.split(',')
                    .map(|k| k.trim().trim_matches('`').to_owned())
                    .collect::<Vec<_>>()
            })
            .filter(|k| !k.starts_with("KABINET_"))
            .collect()
    }

    #[test]
    fn the_documented_variables_of_tools_are_not_reported_as_typos() {
        let doc = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/configuration.md"
        ));
        let tools: Vec<&str> = doc
            .lines()
            .filter_map(|l| l.strip_prefix("| `KABINET_"))
            .filter_map(|l| l.split('`').next())
            .collect();
        assert!(!tools.is_empty(), "the table of other variables is read");
        for name in tools {
            let variable = format!("KABINET_{name}");
            let (_, report) = load_env(&[(variable.as_str(), "x")]).expect("loads");
            assert!(
                report.unknown_variables.is_empty(),
                "{variable} reported as unknown"
            );
        }
    }

    /// A value an operator might set for the key, the variables it needs beside it, and what
    /// the configuration then holds (secrets read back as `***`).
    fn sample(
        key: &str,
        default: &serde_json::Value,
    ) -> (String, Vec<(&'static str, &'static str)>, serde_json::Value) {
        use serde_json::json;
        let secret = |v: &str| (v.to_owned(), Vec::new(), json!("***"));
        let text = |v: &str| (v.to_owned(), Vec::new(), json!(v));
        match key {
            "listen" => text("0.0.0.0:9000"),
            "data_dir" => text("/srv/kabinet"),
            "database_url" => secret("postgres://kabinet:pw@db:5432/kabinet"),
            "public_url" => text("https://kabinet.example.ru"),
            "master_key" => secret("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="),
            "master_key_file" => text("/run/secrets/kabinet.key"),
            "log_format" => text("json"),
            "log_level" => text("info,kabinet::http=warn"),
            "http.trusted_proxies" => (
                "10.0.0.2, 10.0.0.3".into(),
                Vec::new(),
                json!(["10.0.0.2", "10.0.0.3"]),
            ),
            "push.allowed_hosts" => (
                r#"["push.example.ru"]"#.into(),
                Vec::new(),
                json!(["push.example.ru"]),
            ),
            "push.contact" => text("mailto:ops@example.ru"),
            "sandbox.enabled" => (
                "false".into(),
                vec![
                    ("KABINET_SMS__GATEWAY", "http"),
                    ("KABINET_SMS__URL", "https://sms.example.ru/send"),
                    ("KABINET_EMAIL__SMTP_HOST", "smtp.example.ru"),
                ],
                json!(false),
            ),
            "sms.gateway" => (
                "http".into(),
                vec![("KABINET_SMS__URL", "https://sms.example.ru/send")],
                json!("http"),
            ),
            "sms.url" => text("https://sms.example.ru/send"),
            "sms.token" | "metrics.token" | "email.password" | "storage.s3_secret_access_key" => {
                secret("s3cr3t")
            }
            "email.tls" => text("tls"),
            "email.from" => text("Кабинет <kabinet@example.ru>"),
            "storage.backend" => (
                "s3".into(),
                vec![("KABINET_STORAGE__S3_BUCKET", "kabinet-files")],
                json!("s3"),
            ),
            "storage.s3_endpoint" => text("https://storage.yandexcloud.net"),
            "storage.path" => text("/srv/kabinet-files"),
            "geoip.database" => text("/srv/GeoLite2-City.mmdb"),
            "documents.archive_expired_after_days" => ("30".into(), Vec::new(), json!(30)),
            _ => match default {
                serde_json::Value::Bool(b) => ((!b).to_string(), Vec::new(), json!(!b)),
                serde_json::Value::Number(n) => {
                    let n = n.as_u64().unwrap_or_default() + 1;
                    (n.to_string(), Vec::new(), json!(n))
                }
                _ => text("Пример"),
            },
        }
    }

    #[test]
    fn every_key_is_documented_and_every_documented_key_is_a_key() {
        let known: Vec<String> = keys().into_iter().map(|(k, _)| k).collect();
        let documented = documented_keys();
        let undocumented: Vec<&String> = known.iter().filter(|k| !documented.contains(k)).collect();
        let unknown: Vec<&String> = documented.iter().filter(|k| !known.contains(k)).collect();
        assert!(
            undocumented.is_empty(),
            "keys missing from docs/configuration.md: {undocumented:?}"
        );
        assert!(
            unknown.is_empty(),
            "docs/configuration.md names keys that do not exist: {unknown:?}"
        );
    }

    #[test]
    fn every_documented_key_works_from_the_environment() {
        let defaults = keys();
        for key in documented_keys() {
            let default = defaults
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, d)| d.clone())
                .unwrap_or_default();
            let (value, companions, expected) = sample(&key, &default);
            let variable = format!("KABINET_{}", key.replace('.', "__").to_ascii_uppercase());
            let mut vars = vec![(variable.as_str(), value.as_str())];
            vars.extend(companions);
            let (config, report) =
                load_env(&vars).unwrap_or_else(|e| panic!("{variable}={value}: {e}"));
            assert!(
                report.unknown_variables.is_empty(),
                "{variable} reported as unknown"
            );
            let read = serde_json::to_value(&config).expect("serializes");
            let got = key.split('.').fold(&read, |v, part| &v[part]);
            assert_eq!(got, &expected, "{variable}={value} read back");
            assert_ne!(got, &default, "{variable} changed nothing");
        }
    }
}
