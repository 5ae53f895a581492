//! Files on an S3-compatible store (a real moto server, started by `scripts/test-s3`): uploaded
//! through the API, stored encrypted, downloaded intact, nothing left by a refusal, removed by
//! the trash purge. Without `KABINET_TEST_S3_URL` the test says it was skipped (CI sets it).

use server::config::{Secret, StorageBackend};

use crate::harness::{Options, TestApp};
use crate::harness::{citizen_born, scan_pdf};

#[tokio::test]
async fn files_on_s3_are_encrypted_come_back_intact_and_are_purged() {
    let Ok(endpoint) = std::env::var("KABINET_TEST_S3_URL") else {
        eprintln!("skipped: set KABINET_TEST_S3_URL=$(scripts/test-s3 start) to test S3");
        return;
    };
    let bucket = format!("kabinet-{}", store::new_id());
    let created = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .expect("moto answers");
    assert!(created.status().is_success(), "bucket created");
    let (ep, b) = (endpoint.clone(), bucket.clone());
    let app = TestApp::spawn_with(Options {
        configure: Box::new(move |c| {
            c.storage.backend = StorageBackend::S3;
            c.storage.s3_bucket = Some(b);
            c.storage.s3_endpoint = Some(ep);
            c.storage.s3_access_key_id = Some("testing".into());
            c.storage.s3_secret_access_key = Some(Secret::new("testing".to_owned()));
            c.storage.s3_allow_http = true;
        }),
        ..Options::default()
    })
    .await;
    let api = citizen_born(&app, "+79120000401", "s3@example.ru", "1980-02-02").await;
    use reqwest::Method as M;
    let (status, doc) = api
        .send(
            M::POST,
            "/api/v1/documents",
            Some(serde_json::json!({ "kind": "other", "title": "Договор" })),
        )
        .await;
    assert_eq!(status, 201, "{doc}");
    let id = doc["id"].as_str().expect("id").to_owned();

    // Several frames of the chunked encryption, and a recognisable phrase inside.
    let scan = scan_pdf("совершенно секретный договор", 300_000);
    let (status, files) = api
        .upload(
            &format!("/api/v1/documents/{id}/files"),
            "договор.pdf",
            scan.clone(),
        )
        .await;
    assert_eq!(status, 201, "{files}");
    let file_id = files[0]["id"].as_str().expect("file id");
    let r = api
        .app
        .client
        .get(app.url(&format!("/api/v1/documents/{id}/files/{file_id}")))
        .bearer_auth(&api.token)
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.bytes().await.expect("bytes").to_vec(),
        scan,
        "byte for byte"
    );

    // What S3 holds is ciphertext.
    let keys = app.state.vault.list().await.expect("list");
    assert_eq!(keys.len(), 1);
    let raw = reqwest::Client::new()
        .get(format!("{endpoint}/{bucket}/{}", keys[0]))
        .send()
        .await
        .expect("raw object")
        .bytes()
        .await
        .expect("bytes");
    assert!(raw.len() >= scan.len(), "the whole object is there");
    let phrase = "совершенно секретный договор".as_bytes();
    assert!(
        !raw.windows(phrase.len()).any(|w| w == phrase),
        "no plain text at rest"
    );
    assert!(!raw.starts_with(b"%PDF"));

    // A refused file leaves no object behind.
    let (status, _) = api
        .upload(
            &format!("/api/v1/documents/{id}/files"),
            "fake.pdf",
            b"not a pdf".to_vec(),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(app.state.vault.list().await.expect("list").len(), 1);

    // Deleted and purged after 30 days: the object goes too.
    api.send(M::DELETE, &format!("/api/v1/documents/{id}"), None)
        .await;
    app.clock.advance(jiff::SignedDuration::from_hours(24 * 31));
    let purged = server::features::documents::service::purge_expired_trash(&app.state)
        .await
        .expect("purge");
    assert_eq!(purged, 1);
    assert!(app.state.vault.list().await.expect("list").is_empty());
    app.stop().await;
}
