//! A cluster as it will run: two web nodes and a worker, each a separate `kabinet serve` process
//! with its own empty folder, configured by nothing but the environment block of
//! docs/operations.md and the `ExecStart` line of deploy/kabinet@.service — on the database under
//! test (PostgreSQL in CI's second run), the S3 test server, a real SMTP server and an HTTP SMS
//! gateway, with the sandbox off. Without `KABINET_TEST_S3_URL` it says it was skipped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use reqwest::Method;
use tokio::io::AsyncWriteExt;

use crate::harness::free_address;
use crate::harness::scan_pdf;
use crate::harness::sms_gateway::{Gateway, start_gateway};
use crate::harness::smtp::SmtpServer;
use crate::harness::{PASSWORD, registration, six_digits};
use crate::harness::{TempDir, TestDb, client, csrf_token, eventually_within};

const OPERATIONS: &str = include_str!("../../../../docs/operations.md");
const UNIT: &str = include_str!("../../../../deploy/kabinet@.service");

/// The `KEY=value` lines of the environment file in docs/operations.md.
fn documented_environment() -> Vec<(String, String)> {
    let start = OPERATIONS
        .find("# /etc/kabinet/kabinet.env")
        .expect("docs/operations.md has the environment file");
    let block = &OPERATIONS[start..];
    let block = &block[..block.find("```").expect("the block ends")];
    block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let (key, value) = line.split_once('=').expect("KEY=value");
            (key.to_owned(), value.trim().to_owned())
        })
        .collect()
}

/// The unit's `ExecStart` arguments after the binary, for `role` (the `%i` of `kabinet@web`),
/// and its `Environment=` settings.
fn unit_command(role: &str) -> (Vec<String>, Vec<(String, String)>) {
    let mut args = Vec::new();
    let mut env = Vec::new();
    for line in UNIT.lines() {
        if let Some(command) = line.strip_prefix("ExecStart=") {
            args = command
                .split_whitespace()
                .skip(1)
                .map(|a| a.replace("%i", role))
                .collect();
        } else if let Some(setting) = line.strip_prefix("Environment=") {
            let (key, value) = setting.split_once('=').expect("KEY=value");
            env.push((key.to_owned(), value.to_owned()));
        }
    }
    assert!(!args.is_empty(), "the unit has an ExecStart line");
    (args, env)
}

/// The servers of one test's installation.
struct Installation {
    env: Vec<(String, String)>,
    dir: TempDir,
    db_url: String,
    s3: String,
    bucket: String,
}

impl Installation {
    /// The documented environment with this test's servers and secrets put in; every documented
    /// key is kept, so a key the binary does not know would show in its log.
    fn environment(
        db_url: &str,
        s3: &str,
        bucket: &str,
        smtp_port: u16,
        sms_url: &str,
    ) -> Vec<(String, String)> {
        let key = base64::engine::general_purpose::STANDARD.encode([7_u8; 32]);
        let ours = |name: &str| -> Option<String> {
            Some(match name {
                "KABINET_DATABASE_URL" => db_url.to_owned(),
                "KABINET_MASTER_KEY" => key.clone(),
                // Links in letters lead to a node over plain HTTP here.
                "KABINET_PUBLIC_URL" => String::new(),
                "KABINET_LISTEN" => String::new(),
                "KABINET_SMS__URL" => sms_url.to_owned(),
                "KABINET_SMS__TOKEN" => "cluster-gateway-token".to_owned(),
                "KABINET_EMAIL__SMTP_HOST" => "127.0.0.1".to_owned(),
                "KABINET_EMAIL__SMTP_PORT" => smtp_port.to_string(),
                // The test's SMTP server speaks no TLS.
                "KABINET_EMAIL__TLS" => "none".to_owned(),
                "KABINET_STORAGE__S3_BUCKET" => bucket.to_owned(),
                "KABINET_STORAGE__S3_ENDPOINT" => s3.to_owned(),
                "KABINET_STORAGE__S3_REGION" => "us-east-1".to_owned(),
                "KABINET_STORAGE__S3_ACCESS_KEY_ID" => "testing".to_owned(),
                "KABINET_STORAGE__S3_SECRET_ACCESS_KEY" => "testing".to_owned(),
                _ => return None,
            })
        };
        let mut env: Vec<(String, String)> = documented_environment()
            .into_iter()
            .map(|(name, value)| {
                let value = ours(&name).unwrap_or(value);
                (name, value)
            })
            .filter(|(_, value)| !value.is_empty())
            .collect();
        if let Some((name, _)) = env.iter().find(|(_, v)| v.contains('…')) {
            panic!("{name} is a placeholder the test does not fill");
        }
        env.extend([
            // The S3 test server listens on plain HTTP, on loopback.
            (
                "KABINET_STORAGE__S3_ALLOW_HTTP".to_owned(),
                "true".to_owned(),
            ),
            (
                "KABINET_WORKER__POLL_INTERVAL_MS".to_owned(),
                "100".to_owned(),
            ),
            ("KABINET_LOG_LEVEL".to_owned(), "info".to_owned()),
        ]);
        env
    }

    /// Starts `kabinet@<role>` in a folder of its own; web nodes are waited for until ready.
    async fn start(&self, name: &str, role: &str) -> Node {
        let folder = self.dir.0.join(name);
        std::fs::create_dir_all(&folder).expect("node folder");
        let (args, unit_env) = unit_command(role);
        let listen = free_address();
        let log = folder.join("log");
        let out = folder.join("out");
        let mut command = Command::new(env!("CARGO_BIN_EXE_kabinet"));
        command
            .current_dir(&folder)
            .env_clear()
            .args(&args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .envs(unit_env.iter().map(|(k, v)| (k, v)))
            // The unit's /var/lib/kabinet, and a port of this machine.
            .env("KABINET_DATA_DIR", folder.join("data"))
            .env("KABINET_LISTEN", &listen)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).expect("stdout file"))
            .stderr(std::fs::File::create(&log).expect("log file"));
        let child = command.spawn().expect("spawn kabinet");
        let node = Node {
            child,
            base: format!("http://{listen}"),
            folder,
        };
        if role == "worker" {
            eventually_within(30, "the worker starts", || async {
                std::fs::read_to_string(&out).is_ok_and(|o| o.contains("worker started"))
            })
            .await;
        } else {
            let probe = reqwest::Client::new();
            let ready = format!("{}/readyz", node.base);
            eventually_within(30, &format!("{name} is ready"), || async {
                probe
                    .get(&ready)
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == 200)
            })
            .await;
        }
        node
    }

    async fn db(&self) -> store::Db {
        store::Db::connect(&self.db_url, &store::db::DbOptions::default())
            .await
            .expect("the installation's database")
    }

    /// The keys of the objects in the bucket.
    async fn objects(&self) -> Vec<String> {
        let listing = reqwest::get(format!("{}/{}?list-type=2", self.s3, self.bucket))
            .await
            .expect("S3 answers")
            .text()
            .await
            .expect("listing");
        // Notes of uploads in progress (`.uploads/…`) included: none may be left.
        let mut keys = xml_values(&listing, "Key");
        keys.sort();
        keys
    }

    /// Multipart uploads the bucket holds unfinished.
    async fn uploads_in_progress(&self) -> usize {
        let listing = reqwest::get(format!("{}/{}?uploads", self.s3, self.bucket))
            .await
            .expect("S3 answers")
            .text()
            .await
            .expect("listing");
        xml_values(&listing, "UploadId").len()
    }

    /// The bucket as a node opens it (the key does not matter for what the test does with it).
    fn vault(&self) -> store::objects::Vault {
        let backend = store::objects::Backend::S3 {
            bucket: self.bucket.clone(),
            region: "us-east-1".into(),
            endpoint: Some(self.s3.clone()),
            access_key_id: Some("testing".into()),
            secret_access_key: Some("testing".into()),
            allow_http: true,
        };
        store::objects::Vault::open(&backend, [0; 32]).expect("bucket")
    }

    async fn named_objects(&self) -> Vec<String> {
        let db = self.db().await;
        let mut keys: Vec<String> = sqlx::query_scalar("SELECT object_key FROM document_files")
            .fetch_all(db.pool())
            .await
            .expect("keys");
        keys.sort();
        keys
    }
}

struct Node {
    child: Child,
    base: String,
    folder: PathBuf,
}

impl Node {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.folder.join("log")).unwrap_or_default()
    }

    /// Nothing of the installation is kept on a node's disk.
    fn kept_files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.folder.join("data"), &mut out);
        out
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The text of every `<tag>…</tag>` in an S3 XML answer.
fn xml_values(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    xml.split(&open)
        .skip(1)
        .filter_map(|rest| rest.split_once(&close).map(|(v, _)| v.to_owned()))
        .collect()
}

fn newest_code(gateway: &Arc<Mutex<Gateway>>, phone: &str) -> Option<String> {
    let gateway = gateway.lock().expect("gateway");
    gateway
        .received
        .iter()
        .rev()
        .find(|(_, body)| body["to"] == phone)
        .and_then(|(_, body)| body["text"].as_str().map(six_digits))
}

async fn page(browser: &reqwest::Client, url: &str) -> (u16, String) {
    let r = browser.get(url).send().await.expect("answered");
    let status = r.status().as_u16();
    (status, r.text().await.expect("page"))
}

async fn post_form(
    browser: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    browser.post(url).form(form).send().await.expect("answered")
}

async fn api(
    node: &Node,
    token: &str,
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut request = client().request(method, node.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let r = request.send().await.expect("answered");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

async fn download(node: &Node, token: &str, path: &str) -> Vec<u8> {
    let r = client()
        .get(node.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("download answered");
    assert_eq!(r.status(), 200, "the download on {}", node.base);
    r.bytes().await.expect("bytes").to_vec()
}

/// Sends the head of a multipart upload of `declared` bytes and `sent` of them, then holds.
async fn upload_cut_short(
    node: &Node,
    token: &str,
    document: &str,
    declared: usize,
    sent: usize,
) -> tokio::net::TcpStream {
    let boundary = "kabinet-cluster-boundary";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n"
    );
    let address = node.base.trim_start_matches("http://").to_owned();
    let mut socket = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connects");
    let request = format!(
        "POST /api/v1/documents/{document}/files HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n{head}",
        head.len() + declared
    );
    socket.write_all(request.as_bytes()).await.expect("sent");
    let chunk = vec![b'z'; 1024 * 1024];
    for _ in 0..sent / chunk.len() {
        socket.write_all(&chunk).await.expect("sent");
    }
    socket.flush().await.expect("flushed");
    socket
}

#[tokio::test]
async fn two_web_nodes_and_a_worker_configured_from_the_environment_work_as_one() {
    let Ok(s3) = std::env::var("KABINET_TEST_S3_URL") else {
        eprintln!("skipped: set KABINET_TEST_S3_URL=$(scripts/test-s3 start) to test a cluster");
        return;
    };
    let dir = TempDir::new();
    let db = TestDb::fresh(&dir).await;
    let bucket = format!("kabinet-cluster-{}", store::new_id());
    let created = reqwest::Client::new()
        .put(format!("{s3}/{bucket}"))
        .send()
        .await
        .expect("S3 answers");
    assert!(created.status().is_success(), "bucket created");
    let smtp = SmtpServer::start().await;
    let (sms_url, gateway) = start_gateway(Vec::new()).await;
    let installation = Installation {
        env: Installation::environment(&db.url, &s3, &bucket, smtp.port, &sms_url),
        dir,
        db_url: db.url.clone(),
        s3,
        bucket,
    };
    let mut a = installation.start("a", "web").await;
    let b = installation.start("b", "web").await;
    let worker = installation.start("worker", "worker").await;

    // A citizen registers on A; the form's token made on A is accepted by B, and the code goes
    // out through the worker to the SMS gateway.
    let (phone, email) = ("+79120000801", "cluster@example.ru");
    let first = client();
    let (_, html) = page(&first, &a.url("/register")).await;
    let token = csrf_token(&html);
    let r = post_form(
        &first,
        &a.url("/register"),
        &registration(phone, email, &token),
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let confirm = r.headers()["location"].to_str().expect("ascii").to_owned();
    let (_, html) = page(&first, &a.url(&confirm)).await;
    eventually_within(20, "the code reaches the SMS gateway", || async {
        newest_code(&gateway, phone).is_some()
    })
    .await;
    let code = newest_code(&gateway, phone).expect("code");
    let r = post_form(
        &first,
        &b.url(&confirm),
        &[("_csrf", &csrf_token(&html)), ("code", &code)],
    )
    .await;
    assert_eq!(r.status(), 303, "confirmed on B");
    let (status, profile) = page(&first, &a.url("/profile")).await;
    assert_eq!(status, 200, "the session made on B is known on A");
    assert!(profile.contains("Петрова"));

    // The e-mail confirmation letter, sent by the worker, opened on B.
    eventually_within(20, "the confirmation letter arrives", || async {
        !smtp.messages_to(email).is_empty()
    })
    .await;
    let letter = smtp.messages_to(email).remove(0).decoded();
    let at = letter.find("/confirm-email?token=").expect("link");
    let link: String = letter[at..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '<' && *c != '"')
        .collect();
    assert_eq!(page(&first, &b.url(&link)).await.0, 200);

    // A scan uploaded on A comes back byte for byte from B (several S3 parts).
    let issued: serde_json::Value = client()
        .post(a.url("/api/v1/auth/login"))
        .json(&serde_json::json!({ "login": phone, "password": PASSWORD }))
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    let token = issued["token"].as_str().expect("token").to_owned();
    // The nodes run on the system clock, and so does this test.
    let now = domain::Clock::now(&domain::SystemClock);
    let today = now
        .to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Moscow").expect("zone"))
        .date();
    let expires = today.checked_add(jiff::Span::new().days(20)).expect("date");
    let (status, doc) = api(
        &a,
        &token,
        Method::POST,
        "/api/v1/documents",
        Some(serde_json::json!({
            "kind": "other", "title": "Договор аренды гаража", "expires_on": expires.to_string()
        })),
    )
    .await;
    assert_eq!(status, 201, "{doc}");
    let document = doc["id"].as_str().expect("id").to_owned();
    let scan = scan_pdf("договор аренды", 11 * 1024 * 1024);
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(scan.clone()).file_name("договор.pdf"),
    );
    let r = client()
        .post(a.url(&format!("/api/v1/documents/{document}/files")))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .expect("upload answered");
    assert_eq!(r.status(), 201);
    let files: serde_json::Value = r.json().await.expect("json");
    let file_path = format!(
        "/api/v1/documents/{document}/files/{}",
        files[0]["id"].as_str().expect("file id")
    );
    assert!(
        download(&b, &token, &file_path).await == scan,
        "byte-identical on B"
    );

    // The reminder falls due (as the morning would make it) and the hour's sweep is queued: of
    // three processes exactly one letter goes out.
    let db = installation.db().await;
    let due: i64 = sqlx::query_scalar(
        "SELECT MIN(due_at) FROM reminders WHERE document_id = $1 AND state = 'pending'",
    )
    .bind(&document)
    .fetch_one(db.pool())
    .await
    .expect("a reminder is planned");
    sqlx::query("UPDATE reminders SET due_at = $1 WHERE document_id = $2 AND due_at = $3")
        .bind(now.as_microsecond() - 60_000_000)
        .bind(&document)
        .bind(due)
        .execute(db.pool())
        .await
        .expect("due now");
    let mut conn = db.pool().acquire().await.expect("connection");
    let sweep = store::jobs::NewJob::new(
        server::features::documents::reminders::REMINDER_JOB,
        serde_json::json!({}),
        now,
    )
    .unique(format!("cluster-test:{}", store::new_id()));
    store::jobs::enqueue(&mut conn, &sweep, now)
        .await
        .expect("queued");
    drop(conn);
    let reminders = || {
        smtp.messages_to(email)
            .iter()
            .filter(|m| m.decoded().contains("Договор аренды гаража"))
            .count()
    };
    eventually_within(20, "the reminder letter arrives", || async {
        reminders() > 0
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(reminders(), 1, "one letter for one reminder");

    // kill -9 A in the middle of an upload: B goes on serving; after A's restart the bucket
    // holds exactly the objects the database names.
    let socket = upload_cut_short(&a, &token, &document, 18 * 1024 * 1024, 12 * 1024 * 1024).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    a.kill();
    drop(socket);
    assert!(
        download(&b, &token, &file_path).await == scan,
        "B still serves"
    );
    let (status, files) = api(
        &b,
        &token,
        Method::GET,
        &format!("/api/v1/documents/{document}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(files["files"].as_array().map(Vec::len), Some(1), "{files}");
    let a_log = a.log();
    drop(a);
    let a = installation.start("a2", "web").await;
    assert_eq!(
        installation.uploads_in_progress().await,
        1,
        "the killed upload's parts are in the bucket"
    );
    // An hour later the sweep aborts it (here: the sweep of a node, with no age to wait for).
    let aborted = installation
        .vault()
        .remove_stale_parts(Duration::ZERO)
        .await
        .expect("sweep");
    assert_eq!(aborted, 1);
    assert_eq!(installation.uploads_in_progress().await, 0);
    assert_eq!(
        installation.objects().await,
        installation.named_objects().await,
        "the store holds exactly the objects the database names"
    );

    // «Выйти на всех устройствах» on B ends the session on A.
    let second = client();
    let (_, html) = page(&second, &a.url("/login")).await;
    let r = post_form(
        &second,
        &b.url("/login"),
        &[
            ("_csrf", &csrf_token(&html)),
            ("login", email),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(r.status(), 303, "signed in on B with A's form");
    assert_eq!(page(&first, &a.url("/profile")).await.0, 200);
    let (_, html) = page(&second, &b.url("/profile")).await;
    let r = post_form(
        &second,
        &b.url("/logout/everywhere"),
        &[("_csrf", &csrf_token(&html))],
    )
    .await;
    assert_eq!(r.status(), 303);
    let r = first.get(a.url("/profile")).send().await.expect("answered");
    assert_eq!(r.status(), 303, "signed out on A too");
    assert!(
        r.headers()["location"]
            .to_str()
            .is_ok_and(|l| l.starts_with("/login"))
    );

    // Every documented variable was understood, and no node kept anything on its disk.
    for (name, log) in [
        ("a", a_log),
        ("a2", a.log()),
        ("b", b.log()),
        ("worker", worker.log()),
    ] {
        assert!(
            !log.contains("environment variable ignored"),
            "node {name} ignored a documented variable: {log}"
        );
        assert!(!log.contains("panicked"), "node {name}: {log}");
    }
    for node in [&a, &b, &worker] {
        assert_eq!(node.kept_files(), Vec::<PathBuf>::new(), "{}", node.base);
    }
}
