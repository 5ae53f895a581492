//! The `kabinet` binary as an operator runs it: commands, a server process on a free port, the
//! demo citizen's token.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use super::TempDir;

/// An API token of the demo citizen of the installation at `base`.
pub async fn demo_token(base: &str) -> String {
    let login: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({
            "login": "citizen@demo.kabinet.test", "password": "Demo-Citizen-2026"
        }))
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    login["token"].as_str().expect("token").to_owned()
}

/// The same, with the command adjusted first (its environment, where its output goes).
pub async fn serve_with(
    dir: &TempDir,
    extra: &[&str],
    setup: impl FnOnce(&mut Command),
) -> (std::process::Child, String) {
    let listen = free_address();
    let mut args = vec!["serve", "--listen", listen.as_str()];
    args.extend_from_slice(extra);
    let mut cmd = kabinet(dir, &args);
    setup(&mut cmd);
    let child = cmd.spawn().expect("spawn");
    let base = format!("http://{listen}");
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (child, base)
}

/// Starts `kabinet serve` in `dir` on a free port, quietly, and waits until it is ready.
pub async fn serve(dir: &TempDir, extra: &[&str]) -> (std::process::Child, String) {
    serve_with(dir, extra, |cmd| {
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
    })
    .await
}

/// A loopback address with a port nobody listens on.
pub fn free_address() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    format!("127.0.0.1:{port}")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn run(dir: &TempDir, args: &[&str]) -> Output {
    kabinet(dir, args).output().expect("binary runs")
}

pub fn kabinet(dir: &TempDir, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kabinet"));
    cmd.current_dir(&dir.0)
        .args(args)
        .env_remove("KABINET_DATABASE_URL")
        .env_remove("KABINET_CONFIG")
        .env("KABINET_LOG_LEVEL", "warn");
    cmd
}
