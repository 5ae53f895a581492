//! Backups as an operator makes them: `kabinet backup` of a running installation while citizens
//! upload, `backup --verify` that notices a damaged or missing file, `kabinet restore` into a
//! fresh folder from which every document and file comes back and the audit log verifies; and
//! the daily backup that keeps the newest few.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sha2::{Digest, Sha256};

use crate::harness::scan_pdf;
use crate::harness::{Options, TempDir, TestApp};
use crate::harness::{demo_token, kabinet, run, serve, serve_with, stderr, stdout};

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Adds a document with one file; returns the HTTP statuses seen and the file's content.
async fn add_document(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    title: &str,
    size: usize,
) -> (Vec<u16>, Vec<u8>) {
    let r = client
        .post(format!("{base}/api/v1/documents"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "kind": "other", "title": title }))
        .send()
        .await
        .expect("answered");
    let mut statuses = vec![r.status().as_u16()];
    let doc: serde_json::Value = r.json().await.unwrap_or_default();
    let scan = scan_pdf(title, size);
    if let Some(id) = doc["id"].as_str() {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(scan.clone()).file_name("scan.pdf"),
        );
        let r = client
            .post(format!("{base}/api/v1/documents/{id}/files"))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("answered");
        statuses.push(r.status().as_u16());
    }
    (statuses, scan)
}

/// The demo citizen's documents and their files' SHA-256 in a backup's database copy.
async fn files_in_backup(db_file: &std::path::Path) -> BTreeMap<String, Vec<(String, String)>> {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode=ro&immutable=1", db_file.display());
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("backup database");
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT d.id, f.id, f.sha256 FROM documents d JOIN document_files f ON f.document_id = d.id \
         JOIN users u ON u.id = d.owner_id WHERE u.email = 'citizen@demo.kabinet.test' AND f.current = 1",
    )
    .fetch_all(&mut conn)
    .await
    .expect("files");
    let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (doc, file, sum) in rows {
        out.entry(doc).or_default().push((file, sum));
    }
    out
}

#[tokio::test]
async fn a_backup_made_while_citizens_upload_verifies_and_restores_every_document_and_file() {
    let dir = TempDir::new();
    let (mut child, base) = serve(&dir, &["--demo"]).await;
    let token = demo_token(&base).await;
    let client = reqwest::Client::new();
    let mut uploaded = Vec::new();
    for (i, size) in [1_000, 70_000, 300_000, 2_500_000].into_iter().enumerate() {
        let (statuses, scan) =
            add_document(&client, &base, &token, &format!("Скан {i}"), size).await;
        assert_eq!(statuses, [201, 201]);
        uploaded.push(sha256(&scan));
    }

    // Citizens keep uploading while the backup runs.
    let running = Arc::new(AtomicBool::new(true));
    let load = {
        let (running, base, token, client) =
            (running.clone(), base.clone(), token.clone(), client.clone());
        tokio::spawn(async move {
            let mut statuses = Vec::new();
            let mut n = 0;
            while running.load(Ordering::Relaxed) {
                let title = format!("Во время копии {n}");
                statuses.extend(add_document(&client, &base, &token, &title, 90_000).await.0);
                n += 1;
            }
            statuses
        })
    };
    let backup = dir.0.join("backup");
    let backup_arg = backup.display().to_string();
    let made = {
        let mut command = kabinet(&dir, &["backup", &backup_arg]);
        tokio::task::spawn_blocking(move || command.output().expect("backup runs"))
            .await
            .expect("joined")
    };
    running.store(false, Ordering::Relaxed);
    let statuses = load.await.expect("load");
    assert!(made.status.success(), "{}", stderr(&made));
    assert!(
        stdout(&made).contains("backup written to"),
        "{}",
        stdout(&made)
    );
    assert!(
        stderr(&made).contains("master key is not in this backup"),
        "the missing key is said: {}",
        stderr(&made)
    );
    assert!(
        !statuses.is_empty() && statuses.iter().all(|s| *s == 201),
        "{statuses:?}"
    );
    assert!(!backup.join("master.key").exists());
    child.kill().ok();
    child.wait().ok();

    let verified = run(&dir, &["backup", "--verify", &backup_arg]);
    assert!(verified.status.success(), "{}", stderr(&verified));
    assert!(
        stdout(&verified).contains("backup intact"),
        "{}",
        stdout(&verified)
    );
    assert!(
        stdout(&verified).contains("audit log of"),
        "{}",
        stdout(&verified)
    );

    // A damaged copy, and one with a file gone, are named.
    let in_backup = files_in_backup(&backup.join("kabinet.db")).await;
    let sums: Vec<&String> = in_backup.values().flatten().map(|(_, s)| s).collect();
    for sum in &uploaded {
        assert!(
            sums.contains(&sum),
            "every upload made before the backup is in it"
        );
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(backup.join("manifest.json")).expect("manifest"))
            .expect("json");
    let first = manifest["files"][0]["path"]
        .as_str()
        .expect("a file")
        .to_owned();
    let original = std::fs::read(backup.join(&first)).expect("file");
    let mut damaged = original.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0x01;
    std::fs::write(backup.join(&first), &damaged).expect("damage");
    let refused = run(&dir, &["backup", "--verify", &backup_arg]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains(&first), "{}", stderr(&refused));
    std::fs::remove_file(backup.join(&first)).expect("remove");
    let refused = run(&dir, &["backup", "--verify", &backup_arg]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("missing"), "{}", stderr(&refused));
    std::fs::write(backup.join(&first), &original).expect("put back");

    // Restore into a fresh folder: refused without the key, done with it.
    let key = dir.0.join("data/master.key");
    let refused = run(&dir, &["--data-dir", "restored", "restore", &backup_arg]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("no master key"),
        "{}",
        stderr(&refused)
    );
    assert!(
        !dir.0.join("restored/kabinet.db").exists(),
        "a refusal writes nothing"
    );
    let restored = kabinet(&dir, &["--data-dir", "restored", "restore", &backup_arg])
        .env("KABINET_MASTER_KEY_FILE", &key)
        .output()
        .expect("restore runs");
    assert!(restored.status.success(), "{}", stderr(&restored));
    assert!(
        stdout(&restored).contains("read back and checked"),
        "{}",
        stdout(&restored)
    );
    let again = kabinet(&dir, &["--data-dir", "restored", "restore", &backup_arg])
        .env("KABINET_MASTER_KEY_FILE", &key)
        .output()
        .expect("restore runs");
    assert_eq!(again.status.code(), Some(2), "never over an installation");

    let audit = kabinet(
        &dir,
        &["--data-dir", "restored", "admin", "audit", "verify"],
    )
    .env("KABINET_MASTER_KEY_FILE", &key)
    .output()
    .expect("runs");
    assert!(
        stdout(&audit).contains("audit log intact"),
        "{}",
        stdout(&audit)
    );

    // The restored installation serves every document and file of the backup, byte for byte.
    let (mut child, base) = serve_with(&dir, &["--data-dir", "restored"], |cmd| {
        cmd.env("KABINET_MASTER_KEY_FILE", &key)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
    })
    .await;
    let token = demo_token(&base).await;
    for (doc, files) in &in_backup {
        let r = client
            .get(format!("{base}/api/v1/documents/{doc}"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("answered");
        assert_eq!(r.status(), 200, "document {doc}");
        for (file, sum) in files {
            let r = client
                .get(format!("{base}/api/v1/documents/{doc}/files/{file}"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("answered");
            assert_eq!(r.status(), 200);
            assert_eq!(
                &sha256(&r.bytes().await.expect("bytes")),
                sum,
                "file {file}"
            );
        }
    }
    child.kill().ok();
    child.wait().ok();
}

#[tokio::test]
async fn a_backup_with_the_master_key_restores_where_no_key_is_configured() {
    let dir = TempDir::new();
    assert!(run(&dir, &["demo"]).status.success());
    let made = run(&dir, &["backup", "--with-master-key", "with-key"]);
    assert!(made.status.success(), "{}", stderr(&made));
    assert!(
        stderr(&made).contains("holds the master key"),
        "{}",
        stderr(&made)
    );
    let restored = run(&dir, &["--data-dir", "elsewhere", "restore", "with-key"]);
    assert!(restored.status.success(), "{}", stderr(&restored));
    assert_eq!(
        std::fs::read(dir.0.join("elsewhere/master.key")).expect("key placed"),
        std::fs::read(dir.0.join("data/master.key")).expect("key")
    );
    let not_empty = run(&dir, &["backup", "with-key"]);
    assert_eq!(not_empty.status.code(), Some(2));
    assert!(
        stderr(&not_empty).contains("not empty"),
        "{}",
        stderr(&not_empty)
    );
    let none = run(&dir, &["backup", "--verify", "nowhere"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(stderr(&none).contains("manifest.json"), "{}", stderr(&none));
}

/// The daily backup (on PostgreSQL through `pg_dump`) keeps the newest `backup.keep`; each of
/// them verifies.
#[tokio::test]
async fn the_daily_backup_keeps_the_newest_and_each_verifies() {
    let root = TempDir::new();
    let folder = root.0.join("daily");
    let app = TestApp::spawn_with(Options {
        configure: Box::new({
            let folder = folder.clone();
            move |c| {
                c.backup.dir = Some(folder);
                c.backup.keep = 2;
            }
        }),
        ..Options::default()
    })
    .await;
    if app.is_postgres
        && std::process::Command::new("pg_dump")
            .arg("--version")
            .output()
            .is_err()
    {
        assert!(
            std::env::var("CI").is_err(),
            "CI installs PostgreSQL with its client, pg_dump"
        );
        eprintln!("skipped: pg_dump is not installed");
        return;
    }
    // The worker offers the day's backup as it starts.
    let complete = |folder: &std::path::Path| -> Vec<std::path::PathBuf> {
        let mut found: Vec<_> = std::fs::read_dir(folder)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.join("manifest.json").is_file())
            .collect();
        found.sort();
        found
    };
    crate::harness::eventually("the worker makes the day's backup", || async {
        complete(&folder).len() == 1
    })
    .await;
    let by_worker = complete(&folder);
    server::demo::seed(&app.state).await.expect("demo");
    let mut made = by_worker.clone();
    for _ in 0..2 {
        app.clock.advance(jiff::SignedDuration::from_hours(24));
        let done = server::backup::scheduled(&app.state)
            .await
            .expect("backup made")
            .expect("turned on");
        made.push(done);
    }
    let kept: Vec<_> = std::fs::read_dir(&folder)
        .expect("folder")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(complete(&folder), made[1..], "the oldest is removed");
    assert_eq!(kept.len(), 2, "nothing else is left: {kept:?}");
    let kept = complete(&folder);
    for backup in &kept {
        let verified = server::backup::verify(backup).await.expect("verifies");
        assert_eq!(
            verified.manifest.engine,
            if app.is_postgres {
                "postgres"
            } else {
                "sqlite"
            }
        );
        assert!(
            !verified.manifest.files.is_empty(),
            "the demo passport's scan"
        );
        assert!(verified.manifest.master_key.is_none());
    }
}

/// On PostgreSQL `kabinet backup` runs `pg_dump`; `kabinet restore` into an empty database says
/// the `pg_restore` command to run first, and after it restores and checks the files.
#[tokio::test]
async fn a_postgres_backup_round_trips_through_pg_restore() {
    let dir = TempDir::new();
    let db = crate::harness::TestDb::fresh(&dir).await;
    if !db.is_postgres {
        eprintln!("skipped: set KABINET_TEST_DATABASE_URL to test backups of PostgreSQL");
        return;
    }
    let url = db.url.as_str();
    let with_db = |args: &[&str]| {
        let mut all = vec!["--database-url", url];
        all.extend_from_slice(args);
        run(&dir, &all)
    };
    assert!(with_db(&["demo"]).status.success());
    let made = with_db(&["backup", "pg-backup"]);
    assert!(made.status.success(), "{}", stderr(&made));
    assert!(dir.0.join("pg-backup/kabinet.dump").is_file());

    // A fresh, empty database where the old one was.
    let schema = url
        .rsplit("search_path]=")
        .next()
        .expect("schema")
        .to_owned();
    let admin = std::env::var("KABINET_TEST_DATABASE_URL").expect("set");
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
        .await
        .expect("admin connection");
    for statement in [
        format!("ALTER SCHEMA {schema} RENAME TO {schema}_old"),
        format!("CREATE SCHEMA {schema}"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&mut conn)
            .await
            .expect("schema");
    }
    let key = dir.0.join("data/master.key").display().to_string();
    let restore = || {
        kabinet(
            &dir,
            &[
                "--database-url",
                url,
                "--data-dir",
                "restored",
                "restore",
                "pg-backup",
            ],
        )
        .env("KABINET_MASTER_KEY_FILE", &key)
        .output()
        .expect("restore runs")
    };
    let first = restore();
    assert_eq!(first.status.code(), Some(2), "{}", stderr(&first));
    assert!(
        stderr(&first).contains("pg_restore --no-owner"),
        "{}",
        stderr(&first)
    );
    assert!(
        !stderr(&first).contains(":kabinet@"),
        "no password in the advice"
    );

    let restored = std::process::Command::new("pg_restore")
        .args(["--no-owner", &format!("--schema={schema}")])
        .arg(format!("--dbname={}", admin))
        .arg(dir.0.join("pg-backup/kabinet.dump"))
        .output()
        .expect("pg_restore runs");
    assert!(restored.status.success(), "{}", stderr(&restored));
    let second = restore();
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(
        stdout(&second).contains("1 files read back and checked"),
        "{}",
        stdout(&second)
    );
}
