//! The audit log: appended in the change's transaction, append-only, and any edit is caught by
//! walking the hash chains.

use store::audit::{self, Actor, Entry};

use crate::harness::TestApp;

async fn append_many(app: &TestApp, n: usize) {
    for i in 0..n {
        let mut tx = app.state.db.begin().await.expect("tx");
        let entry = Entry::new(Actor::System, store::audit::Action::JobRetried)
            .subject(&format!("user-{}", i % 7))
            .details(serde_json::json!({ "i": i }));
        audit::append(&mut tx, &entry, app.state.now())
            .await
            .expect("append");
        tx.commit().await.expect("commit");
    }
}

#[tokio::test]
async fn the_chain_verifies_and_a_record_edited_by_sql_is_named() {
    let app = TestApp::spawn().await;
    append_many(&app, 40).await;
    let (checked, broken) = audit::verify(&app.state.db).await.expect("verify");
    assert_eq!(checked, 40);
    assert_eq!(broken, None);

    // Find a record in the middle of some chain and change it behind Kabinet's back.
    let (shard, seq): (i64, i64) =
        sqlx::query_as("SELECT shard, seq FROM audit_log WHERE seq = 2 ORDER BY shard LIMIT 1")
            .fetch_one(app.state.db.pool())
            .await
            .expect("a second record exists");
    let tamper = if app.is_postgres {
        vec![
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change",
            "UPDATE audit_log SET details = '{\"i\":999}' WHERE shard = $1 AND seq = $2",
        ]
    } else {
        vec![
            "DROP TRIGGER audit_log_no_update",
            "UPDATE audit_log SET details = '{\"i\":999}' WHERE shard = $1 AND seq = $2",
        ]
    };
    for sql in tamper {
        sqlx::query(sql)
            .bind(shard)
            .bind(seq)
            .execute(app.state.db.pool())
            .await
            .expect("tamper");
    }
    let (_, broken) = audit::verify(&app.state.db).await.expect("verify");
    let broken = broken.expect("tampering is caught");
    assert_eq!((broken.shard, broken.seq), (shard, seq));
    assert!(broken.reason.contains("hash"), "{}", broken.reason);
}

#[tokio::test]
async fn deleting_the_newest_record_is_caught_too() {
    let app = TestApp::spawn().await;
    append_many(&app, 10).await;
    let (shard, seq): (i64, i64) = sqlx::query_as(
        "SELECT shard, MAX(seq) FROM audit_log GROUP BY shard ORDER BY shard LIMIT 1",
    )
    .fetch_one(app.state.db.pool())
    .await
    .expect("records");
    let drop = if app.is_postgres {
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"
    } else {
        "DROP TRIGGER audit_log_no_delete"
    };
    sqlx::query(drop)
        .execute(app.state.db.pool())
        .await
        .expect("drop guard");
    sqlx::query("DELETE FROM audit_log WHERE shard = $1 AND seq = $2")
        .bind(shard)
        .bind(seq)
        .execute(app.state.db.pool())
        .await
        .expect("delete");
    let (_, broken) = audit::verify(&app.state.db).await.expect("verify");
    let broken = broken.expect("the missing tail is caught");
    assert_eq!(broken.shard, shard);
}

#[tokio::test]
async fn the_log_refuses_updates_and_deletes() {
    let app = TestApp::spawn().await;
    append_many(&app, 1).await;
    let update = sqlx::query("UPDATE audit_log SET outcome = 'denied'")
        .execute(app.state.db.pool())
        .await;
    assert!(update.is_err(), "update refused");
    let delete = sqlx::query("DELETE FROM audit_log")
        .execute(app.state.db.pool())
        .await;
    assert!(delete.is_err(), "delete refused");
}

#[tokio::test]
async fn a_rolled_back_change_leaves_no_audit_record() {
    let app = TestApp::spawn().await;
    let mut tx = app.state.db.begin().await.expect("tx");
    audit::append(
        &mut tx,
        &Entry::new(Actor::System, store::audit::Action::JobRetried),
        app.state.now(),
    )
    .await
    .expect("append");
    tx.rollback().await.expect("rollback");
    let (checked, broken) = audit::verify(&app.state.db).await.expect("verify");
    assert_eq!((checked, broken), (0, None));
}
