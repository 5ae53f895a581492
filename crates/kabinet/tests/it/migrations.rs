//! Migrations: applied once, safe when nodes start together, and a database from a newer
//! version is refused with a clear message.

use store::Db;
use store::db::DbOptions;

use crate::harness::{TempDir, TestDb};

#[tokio::test]
async fn nodes_starting_at_once_migrate_once() {
    let dir = TempDir::new();
    let db = TestDb::fresh(&dir).await;
    let mut nodes = Vec::new();
    for _ in 0..4 {
        let url = db.url.clone();
        nodes.push(tokio::spawn(async move {
            let db = Db::connect(&url, &DbOptions::default())
                .await
                .expect("connect");
            db.migrate().await.expect("migrate concurrently");
            db.schema_versions().await.expect("versions")
        }));
    }
    for node in nodes {
        let (known, applied) = node.await.expect("task");
        assert_eq!(Some(known), applied);
    }
    // And again later: nothing to do, no error.
    let again = Db::connect(&db.url, &DbOptions::default())
        .await
        .expect("connect");
    again.migrate().await.expect("idempotent");
}

#[tokio::test]
async fn a_database_from_a_newer_kabinet_is_refused() {
    let dir = TempDir::new();
    let test_db = TestDb::fresh(&dir).await;
    let db = Db::connect(&test_db.url, &DbOptions::default())
        .await
        .expect("connect");
    db.migrate().await.expect("migrate");
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', TRUE, $1, 1)",
    )
    .bind(vec![0_u8; 48])
    .execute(db.pool())
    .await
    .expect("pretend a newer version ran");
    let err = db.migrate().await.expect_err("refused");
    assert!(
        matches!(err, store::StoreError::SchemaTooNew(9999)),
        "{err}"
    );
    assert!(err.to_string().contains("newer version"), "{err}");
}

#[tokio::test]
async fn an_unreachable_database_is_a_clear_error() {
    let err = Db::connect(
        "postgres://kabinet:secret@127.0.0.1:1/kabinet",
        &DbOptions {
            acquire_timeout: std::time::Duration::from_secs(2),
            ..DbOptions::default()
        },
    )
    .await
    .expect_err("nothing listens on port 1");
    let text = err.to_string();
    assert!(text.contains("cannot open the database"), "{text}");
    assert!(!text.contains("secret"), "password is not printed: {text}");
}
