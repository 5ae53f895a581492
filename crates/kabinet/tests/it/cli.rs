//! The binary as an operator meets it: help and version, configuration errors with exit code 2,
//! start-up faults with exit code 1 and one clear line, the demo and admin commands, and a
//! graceful stop on SIGTERM.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::harness::TempDir;
use crate::harness::demo_token;
use crate::harness::free_address;
use crate::harness::kabinet;
use crate::harness::run;
use crate::harness::serve;
use crate::harness::serve_with;
use crate::harness::stderr;
use crate::harness::stdout;

#[test]
fn help_and_version_follow_clap_conventions() {
    let dir = TempDir::new();
    let help = run(&dir, &["--help"]);
    assert!(help.status.success());
    for command in ["serve", "migrate", "demo", "admin"] {
        assert!(stdout(&help).contains(command), "{command} in help");
    }
    let version = run(&dir, &["--version"]);
    assert_eq!(
        stdout(&version).trim(),
        format!("kabinet {}", env!("CARGO_PKG_VERSION"))
    );
    let serve_help = run(&dir, &["serve", "--help"]);
    assert!(stdout(&serve_help).contains("--role"));
}

#[test]
fn bad_configuration_exits_2_naming_the_key() {
    let dir = TempDir::new();
    let out = kabinet(&dir, &["migrate"])
        .env("KABINET_LISTEN", "not-an-address")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("listen"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"));

    std::fs::write(
        dir.0.join("kabinet.toml"),
        "listen = \"127.0.0.1:9\"\nlisten_port = 1\n",
    )
    .expect("write");
    let out = run(&dir, &["migrate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("listen_port") && stderr(&out).contains("unknown key"),
        "{}",
        stderr(&out)
    );

    std::fs::write(
        dir.0.join("kabinet.toml"),
        "[session]\nidle_timeout_minutes = \"ten\"\n",
    )
    .expect("write");
    let out = run(&dir, &["migrate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("session.idle_timeout_minutes"),
        "{}",
        stderr(&out)
    );

    let out = run(&dir, &["--config", "missing.toml", "migrate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("missing.toml"));

    let out = run(&dir, &["serve", "--role", "everything"]);
    assert_eq!(out.status.code(), Some(2), "clap refuses an unknown role");
}

#[test]
fn startup_faults_exit_1_with_one_clear_line() {
    let dir = TempDir::new();
    std::fs::write(dir.0.join("not-a-folder"), "x").expect("write");
    let out = run(&dir, &["--data-dir", "not-a-folder/data", "migrate"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot use the data folder"),
        "{}",
        stderr(&out)
    );

    let out = run(
        &dir,
        &[
            "--database-url",
            "postgres://kabinet:hunter2@127.0.0.1:1/kabinet",
            "migrate",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot open the database"),
        "{}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains("hunter2"),
        "no password in the message"
    );

    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let out = run(&dir, &["--listen", &addr, "serve"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot listen on"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("panicked") && !stderr(&out).contains("backtrace"));
}

#[test]
fn migrate_demo_and_admin_commands_work_and_are_idempotent() {
    let dir = TempDir::new();
    let out = run(&dir, &["migrate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("schema version"));
    assert!(
        dir.0.join("data/master.key").exists(),
        "key generated on first start"
    );

    let first = run(&dir, &["demo"]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stdout(&first).contains("citizen@demo.kabinet.test"));
    assert!(stdout(&first).contains("(created)"));
    let second = run(&dir, &["demo"]);
    assert!(second.status.success());
    assert!(
        !stdout(&second).contains("(created)"),
        "nothing created twice"
    );

    let mut child = kabinet(
        &dir,
        &[
            "admin",
            "create-operator",
            "--email",
            "Ops@Example.RU",
            "--surname",
            "Петров",
            "--given-name",
            "Пётр",
            "--password-stdin",
        ],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"long-enough-password\n")
        .expect("write");
    let out = child.wait_with_output().expect("done");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("operator ops@example.ru created")
            || stdout(&out).contains("operator Ops@Example.RU created")
    );

    let again = run(
        &dir,
        &[
            "admin",
            "create-operator",
            "--email",
            "ops@example.ru",
            "--surname",
            "П",
            "--given-name",
            "П",
        ],
    );
    assert_eq!(
        again.status.code(),
        Some(2),
        "taken e-mail: {}",
        stderr(&again)
    );
    let bad = run(
        &dir,
        &[
            "admin",
            "create-operator",
            "--email",
            "not-an-email",
            "--surname",
            "П",
            "--given-name",
            "П",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("e-mail"));

    let generated = run(
        &dir,
        &[
            "admin",
            "create-operator",
            "--email",
            "ops2@example.ru",
            "--surname",
            "Петров",
            "--given-name",
            "Пётр",
        ],
    );
    assert!(generated.status.success());
    assert!(stdout(&generated).contains("password: "));

    // An officer works for the agencies named; a code that is no agency is refused before
    // anything is created, naming the agencies there are.
    let officer = |agency: &str, email: &str| {
        run(
            &dir,
            &[
                "admin",
                "create-officer",
                "--email",
                email,
                "--surname",
                "Сидоров",
                "--given-name",
                "Олег",
                "--agency",
                "mvd",
                "--agency",
                agency,
            ],
        )
    };
    let unknown = officer("police", "officer1@example.ru");
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("municipality"),
        "{}",
        stderr(&unknown)
    );
    let seated = officer("municipality", "officer1@example.ru");
    assert!(seated.status.success(), "{}", stderr(&seated));
    assert!(stdout(&seated).contains("officer officer1@example.ru created"));
    assert!(stdout(&seated).contains("works for: mvd, municipality"));
    assert_eq!(
        officer("municipality", "officer1@example.ru").status.code(),
        Some(2),
        "the account exists"
    );

    let verify = run(&dir, &["admin", "audit", "verify"]);
    assert!(verify.status.success(), "{}", stderr(&verify));
    // Three accounts, two operators and an officer created by hand (the officer's account and
    // its two agencies), six demo documents, the demo profile filled from her passport and SNILS.
    assert!(
        stdout(&verify).contains("16 records"),
        "{}",
        stdout(&verify)
    );
}

#[test]
fn serve_prints_where_it_listens_and_stops_gracefully_on_sigterm() {
    let dir = TempDir::new();
    let listen = free_address();
    let mut child = kabinet(&dir, &["serve", "--demo", "--listen", &listen])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.expect("line");
        let done = line.contains("listening on");
        seen.push(line);
        if done {
            break;
        }
    }
    let text = seen.join("\n");
    assert!(text.contains(&format!("http://{listen}")), "{text}");
    assert!(
        text.contains("Demo-Citizen-2026"),
        "demo accounts printed: {text}"
    );

    let mut healthy = false;
    for _ in 0..50 {
        if std::net::TcpStream::connect(&listen).is_ok() {
            healthy = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(healthy);
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = child.wait().expect("exits");
    assert!(exit.success(), "graceful stop exits 0: {exit:?}");
}

/// Reads the newest SMS in the sandbox outbox of a running installation's database.
async fn newest_sms(db_path: &std::path::Path) -> Option<String> {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite:{}", db_path.display());
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
        .await
        .ok()?;
    sqlx::query_scalar(
        "SELECT body FROM outbox WHERE channel = 'sms' ORDER BY created_at DESC LIMIT 1",
    )
    .fetch_optional(&mut conn)
    .await
    .ok()
    .flatten()
}

#[tokio::test]
async fn passwords_codes_and_tokens_never_reach_the_logs_even_at_debug_level() {
    let dir = TempDir::new();
    let log = dir.0.join("captured.log");
    let file = std::fs::File::create(&log).expect("log file");
    let (mut child, base) = serve_with(&dir, &[], |cmd| {
        cmd.env("KABINET_LOG_LEVEL", "debug")
            .stdout(file.try_clone().expect("clone"))
            .stderr(file);
    })
    .await;
    let client = reqwest::Client::new();
    let password = "Sekretnyi-Parol-77!";
    let started: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/register"))
        .json(&serde_json::json!({
            "surname": "Тайнова", "given_name": "Вера", "phone": "+79120000901",
            "email": "secret@example.ru", "password": password,
            "consent_user_agreement": true, "consent_personal_data": true
        }))
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    let registration = started["registration_id"].as_str().expect("id").to_owned();
    let mut code = String::new();
    for _ in 0..100 {
        if let Some(body) = newest_sms(&dir.0.join("data/kabinet.db")).await {
            code = body.chars().filter(char::is_ascii_digit).take(6).collect();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(code.len(), 6, "the SMS code arrived");
    let confirmed: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/confirm-phone"))
        .json(&serde_json::json!({ "registration_id": registration, "code": code }))
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    let first_token = confirmed["token"].as_str().expect("token").to_owned();
    let signed_in: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({ "login": "+79120000901", "password": password }))
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    let second_token = signed_in["token"].as_str().expect("token").to_owned();
    let profile = client
        .get(format!("{base}/api/v1/profile"))
        .bearer_auth(&second_token)
        .send()
        .await
        .expect("answered");
    assert_eq!(profile.status(), 200);

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    child.wait().expect("exits");
    let captured = std::fs::read_to_string(&log).expect("log");
    assert!(
        captured.contains("request"),
        "the log was captured: {captured}"
    );
    // The code as a number of its own (a longer number that happens to contain it is not it).
    let code_alone = captured.match_indices(code.as_str()).any(|(at, _)| {
        let before = captured[..at].chars().next_back();
        let after = captured[at + code.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(|c| c.is_ascii_digit())
    });
    assert!(!code_alone, "the SMS code is in the log");
    for (what, secret) in [
        ("password", password),
        ("token from registration", first_token.as_str()),
        ("token from sign-in", second_token.as_str()),
    ] {
        assert!(!captured.contains(secret), "the {what} is in the log");
    }
}

/// Every regular file under `root`, as object keys (paths relative to it).
fn stored_files(root: &std::path::Path) -> Vec<String> {
    fn walk(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if let Ok(rel) = path.strip_prefix(root) {
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

#[tokio::test]
async fn a_crash_in_the_middle_of_an_upload_leaves_nothing_after_a_restart() {
    let dir = TempDir::new();
    let (mut child, base) = serve(&dir, &["--demo"]).await;
    let client = reqwest::Client::new();
    let token = demo_token(&base).await;
    let doc: serde_json::Value = client
        .post(format!("{base}/api/v1/documents"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "kind": "other", "title": "Большой скан" }))
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    let id = doc["id"].as_str().expect("id").to_owned();

    // A 15 MB upload of which 9 MB arrive, then the client holds the connection open.
    let boundary = "kabinet-crash-boundary";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    );
    let declared = head.len() + 15 * 1024 * 1024;
    let address = base.trim_start_matches("http://").to_owned();
    let mut socket = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connects");
    let request = format!(
        "POST /api/v1/documents/{id}/files HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {declared}\r\n\r\n{head}%PDF-1.7\n"
    );
    use tokio::io::AsyncWriteExt;
    socket.write_all(request.as_bytes()).await.expect("sent");
    let chunk = vec![b'a'; 1024 * 1024];
    for _ in 0..9 {
        socket.write_all(&chunk).await.expect("sent");
    }
    socket.flush().await.expect("flushed");
    let files = dir.0.join("data/files");
    let mut parts = Vec::new();
    for _ in 0..100 {
        parts = stored_files(&files)
            .into_iter()
            .filter(|k| k.contains('#'))
            .collect();
        let written: u64 = parts
            .iter()
            .filter_map(|k| std::fs::metadata(files.join(k)).ok())
            .map(|m| m.len())
            .sum();
        if written > 4 * 1024 * 1024 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!parts.is_empty(), "the upload's temporary part is on disk");

    // kill -9: nothing gets to clean up.
    child.kill().expect("killed");
    child.wait().expect("reaped");
    drop(socket);
    assert!(
        stored_files(&files).iter().any(|k| k.contains('#')),
        "the killed upload left its part"
    );
    // An hour later (the parts' age is what counts: younger ones may be uploads in progress).
    for part in &parts {
        let path = files.join(part);
        let written = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .expect("dated");
        std::fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_modified(written - Duration::from_secs(2 * 3600)))
            .expect("aged");
    }

    let (mut child, _) = serve(&dir, &[]).await;
    child.kill().ok();
    child.wait().ok();
    sqlx::any::install_default_drivers();
    let url = format!("sqlite:{}", dir.0.join("data/kabinet.db").display());
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("database");
    let mut named: Vec<String> = sqlx::query_scalar("SELECT object_key FROM document_files")
        .fetch_all(&mut conn)
        .await
        .expect("keys");
    named.sort();
    assert_eq!(
        stored_files(&files),
        named,
        "the store holds exactly the objects the database names"
    );
    assert!(!named.is_empty(), "the demo passport's scan is kept");
}

/// An SMS gateway that holds its first request for a minute and answers the rest at once.
/// The phone whose SMS the hanging gateway counts.
const WATCHED_PHONE: &str = "79120000901";

async fn gateway_that_hangs_once() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let hits = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let app = axum::Router::new().route(
        "/send",
        axum::routing::post(move |body: String| {
            let counted = counted.clone();
            async move {
                // Only the registration's code counts: the demo citizen's deadline reminders go
                // out by SMS too, on days that depend on today's date.
                if body.contains(WATCHED_PHONE) && counted.fetch_add(1, Ordering::SeqCst) == 0 {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                }
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/send", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, hits)
}

/// SIGTERM in the middle of traffic: the upload being received completes (201), nothing answers
/// with a 5xx, the process exits 0 soon, and the job its worker was running is given back to the
/// queue at once — after a restart it goes out without waiting for the lease to end.
#[tokio::test]
async fn sigterm_under_load_finishes_requests_answers_no_5xx_and_gives_jobs_back() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = TempDir::new();
    let (gateway, hits) = gateway_that_hangs_once().await;
    let env = move |cmd: &mut Command| {
        cmd.env("KABINET_SMS__GATEWAY", "http")
            .env("KABINET_SMS__URL", &gateway)
            .env("KABINET_SMS__TOKEN", "t")
            .env("KABINET_WORKER__SHUTDOWN_GRACE_SECS", "1")
            .env("KABINET_WORKER__POLL_INTERVAL_MS", "100")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
    };
    let (mut child, base) = serve_with(&dir, &["--demo"], env.clone()).await;
    let token = demo_token(&base).await;
    let doc: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/documents"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "kind": "other", "title": "Скан при остановке" }))
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    let id = doc["id"].as_str().expect("id").to_owned();

    // A registration sends a code: its SMS job hangs at the gateway.
    let browser = crate::harness::client();
    let html = browser
        .get(format!("{base}/register"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let token_field = crate::harness::csrf_token(&html);
    let r = browser
        .post(format!("{base}/register"))
        .form(&crate::harness::registration(
            "+79120000901",
            "sigterm@example.ru",
            &token_field,
        ))
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 303);
    crate::harness::eventually("the SMS job is at the gateway", || async {
        hits.load(Ordering::SeqCst) == 1
    })
    .await;

    // Traffic from four clients.
    let running = std::sync::Arc::new(AtomicBool::new(true));
    let mut load = Vec::new();
    for _ in 0..4 {
        let (running, base, token) = (running.clone(), base.clone(), token.clone());
        load.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut statuses = Vec::new();
            while running.load(Ordering::Relaxed) {
                for path in ["/api/v1/documents", "/api/v1/profile", "/healthz"] {
                    if let Ok(r) = client
                        .get(format!("{base}{path}"))
                        .bearer_auth(&token)
                        .send()
                        .await
                    {
                        statuses.push(r.status().as_u16());
                    }
                }
            }
            statuses
        }));
    }

    // An upload half sent when SIGTERM comes, finished after it.
    let boundary = "kabinet-sigterm";
    let body_head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    );
    let payload = crate::harness::scan_pdf("скан при остановке", 2 * 1024 * 1024);
    let body_tail = format!("\r\n--{boundary}--\r\n");
    let address = base.trim_start_matches("http://").to_owned();
    let mut socket = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connects");
    let head = format!(
        "POST /api/v1/documents/{id}/files HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n{body_head}",
        body_head.len() + payload.len() + body_tail.len()
    );
    socket.write_all(head.as_bytes()).await.expect("sent");
    socket
        .write_all(&payload[..payload.len() / 2])
        .await
        .expect("sent");
    tokio::time::sleep(Duration::from_millis(300)).await;

    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(term.success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    socket
        .write_all(&payload[payload.len() / 2..])
        .await
        .expect("the rest is taken");
    socket.write_all(body_tail.as_bytes()).await.expect("sent");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(20), socket.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 201"),
        "the upload in flight completes: {answer}"
    );

    let mut exited = None;
    for _ in 0..100 {
        if let Some(status) = child.try_wait().expect("waits") {
            exited = Some(status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    running.store(false, Ordering::Relaxed);
    let exit = exited.expect("stops within ten seconds, although a job was hanging");
    assert!(exit.success(), "{exit:?}");
    let mut statuses = Vec::new();
    for task in load {
        statuses.extend(task.await.expect("load"));
    }
    assert!(statuses.len() > 10, "traffic ran: {}", statuses.len());
    assert!(statuses.iter().all(|s| *s < 500), "no 5xx: {statuses:?}");

    // The hanging job is back in the queue, due now, and the run that was stopped is not counted.
    sqlx::any::install_default_drivers();
    let url = format!("sqlite:{}", dir.0.join("data/kabinet.db").display());
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("database");
    let (state, locked, attempts): (String, Option<String>, i64) = sqlx::query_as(
        "SELECT state, locked_by, attempts FROM jobs WHERE kind = 'channel.sms' ORDER BY created_at DESC LIMIT 1",
    )
    .fetch_one(&mut conn)
    .await
    .expect("the SMS job");
    assert_eq!((state.as_str(), locked, attempts), ("pending", None, 0));
    drop(conn);
    let (mut child, _) = serve_with(&dir, &[], env).await;
    crate::harness::eventually("the SMS goes out after the restart", || async {
        hits.load(Ordering::SeqCst) >= 2
    })
    .await;
    child.kill().ok();
    child.wait().ok();
}
