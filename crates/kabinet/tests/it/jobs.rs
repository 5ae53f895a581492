//! The durable job queue: idempotent enqueue, leases, retries with backoff, the dead-letter
//! state, and several workers sharing one queue without running a job twice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jiff::SignedDuration;
use server::ServeRole;
use server::worker::JobError;
use store::jobs::{self, NewJob, state};

use crate::harness::{Options, TestApp, eventually};

async fn enqueue(app: &TestApp, job: NewJob) -> Option<String> {
    let mut tx = app.state.db.begin().await.expect("tx");
    let id = jobs::enqueue(&mut tx, &job, app.state.now())
        .await
        .expect("enqueue");
    tx.commit().await.expect("commit");
    id
}

#[tokio::test]
async fn two_workers_on_one_queue_run_every_job_exactly_once() {
    let runs: Arc<Mutex<HashMap<String, Vec<String>>>> = Arc::default();
    let recorder = |node: &'static str, runs: Arc<Mutex<HashMap<String, Vec<String>>>>| {
        move |registry: server::worker::Registry| {
            registry.on("test.record", move |_state, job| {
                let runs = runs.clone();
                async move {
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                    runs.lock()
                        .expect("lock")
                        .entry(job.id.clone())
                        .or_default()
                        .push(node.to_owned());
                    Ok(())
                }
            })
        }
    };
    // Web node only, so that the queue is filled before any worker starts.
    let web = TestApp::spawn_with(Options {
        role: ServeRole::Web,
        ..Options::default()
    })
    .await;
    let mut ids = Vec::new();
    for n in 0..120 {
        let job = NewJob::new(
            "test.record",
            serde_json::json!({ "n": n }),
            web.state.now(),
        );
        ids.push(enqueue(&web, job).await.expect("new job"));
    }
    let mut a = web.sibling();
    a.role = ServeRole::Worker;
    a.jobs = Box::new(recorder("a", runs.clone()));
    let mut b = web.sibling();
    b.role = ServeRole::Worker;
    b.jobs = Box::new(recorder("b", runs.clone()));
    let worker_a = TestApp::spawn_with(a).await;
    let worker_b = TestApp::spawn_with(b).await;

    eventually("all jobs are done", || async {
        jobs::depth(&web.state.db)
            .await
            .expect("depth")
            .iter()
            .all(|(_, n)| *n == 0)
    })
    .await;
    worker_a.stop().await;
    worker_b.stop().await;

    let runs = runs.lock().expect("lock");
    for id in &ids {
        assert_eq!(
            runs.get(id).map(Vec::len),
            Some(1),
            "job {id} ran exactly once"
        );
    }
    let by_a = runs.values().filter(|nodes| nodes[0] == "a").count();
    let by_b = runs.values().filter(|nodes| nodes[0] == "b").count();
    assert_eq!(by_a + by_b, 120);
    assert!(
        by_a > 0 && by_b > 0,
        "both workers took jobs: a={by_a} b={by_b}"
    );
}

#[tokio::test]
async fn enqueueing_with_a_unique_key_is_idempotent() {
    let app = TestApp::spawn_with(Options {
        role: ServeRole::Web,
        ..Options::default()
    })
    .await;
    let now = app.state.now();
    let job = NewJob::new("test.once", serde_json::json!({}), now).unique("reminder:doc-1:30");
    assert!(enqueue(&app, job.clone()).await.is_some());
    assert!(
        enqueue(&app, job.clone()).await.is_none(),
        "second enqueue is a no-op"
    );
    let pending = jobs::list(&app.state.db, state::PENDING, 10)
        .await
        .expect("list");
    assert_eq!(pending.iter().filter(|j| j.kind == "test.once").count(), 1);

    // A job enqueued in a transaction that rolls back never existed.
    let mut tx = app.state.db.begin().await.expect("tx");
    jobs::enqueue(
        &mut tx,
        &NewJob::new("test.rolled_back", serde_json::json!({}), now),
        now,
    )
    .await
    .expect("enqueue");
    tx.rollback().await.expect("rollback");
    let pending = jobs::list(&app.state.db, state::PENDING, 10)
        .await
        .expect("list");
    assert!(pending.iter().all(|j| j.kind != "test.rolled_back"));
}

#[tokio::test]
async fn failures_back_off_then_go_to_the_dead_letter_state_and_can_be_retried() {
    let app = TestApp::spawn_with(Options {
        role: ServeRole::Web,
        ..Options::default()
    })
    .await;
    let db = &app.state.db;
    let lease = SignedDuration::from_mins(5);
    let job = NewJob::new("test.flaky", serde_json::json!({}), app.state.now()).max_attempts(3);
    let id = enqueue(&app, job).await.expect("new");

    let claimed = jobs::claim(db, "w1", app.state.now(), lease)
        .await
        .expect("claim")
        .expect("due");
    assert_eq!((claimed.id.as_str(), claimed.attempt), (id.as_str(), 1));
    let outcome = jobs::fail(db, &claimed, "SMTP refused", false, None, app.state.now())
        .await
        .expect("fail");
    assert_eq!(
        outcome,
        jobs::FailOutcome::RetryAt(
            app.state
                .now()
                .checked_add(SignedDuration::from_secs(10))
                .expect("t")
        )
    );
    assert!(
        jobs::claim(db, "w1", app.state.now(), lease)
            .await
            .expect("claim")
            .is_none(),
        "not before the backoff"
    );

    app.clock.advance(SignedDuration::from_secs(10));
    let second = jobs::claim(db, "w2", app.state.now(), lease)
        .await
        .expect("claim")
        .expect("due again");
    assert_eq!(second.attempt, 2);
    jobs::fail(db, &second, "SMTP refused", false, None, app.state.now())
        .await
        .expect("fail");
    app.clock.advance(SignedDuration::from_secs(20));
    let third = jobs::claim(db, "w1", app.state.now(), lease)
        .await
        .expect("claim")
        .expect("due");
    assert_eq!(third.attempt, 3);
    let outcome = jobs::fail(db, &third, "SMTP refused", false, None, app.state.now())
        .await
        .expect("fail");
    assert_eq!(outcome, jobs::FailOutcome::Dead);

    app.clock.advance(SignedDuration::from_hours(2));
    assert!(
        jobs::claim(db, "w1", app.state.now(), lease)
            .await
            .expect("claim")
            .is_none(),
        "dead jobs stay put"
    );
    let dead = jobs::list(db, state::DEAD, 10).await.expect("list");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].last_error.as_deref(), Some("SMTP refused"));

    let mut conn = db.pool().acquire().await.expect("conn");
    assert!(
        jobs::retry_dead(&mut conn, &id, app.state.now())
            .await
            .expect("retry")
    );
    let again = jobs::claim(db, "w1", app.state.now(), lease)
        .await
        .expect("claim")
        .expect("back on the queue");
    assert_eq!(again.attempt, 1);
}

#[tokio::test]
async fn a_crashed_workers_job_is_taken_over_after_its_lease_and_the_old_worker_cannot_finish_it() {
    let app = TestApp::spawn_with(Options {
        role: ServeRole::Web,
        ..Options::default()
    })
    .await;
    let db = &app.state.db;
    let lease = SignedDuration::from_mins(5);
    enqueue(
        &app,
        NewJob::new("test.crash", serde_json::json!({}), app.state.now()),
    )
    .await;

    let lost = jobs::claim(db, "crashed", app.state.now(), lease)
        .await
        .expect("claim")
        .expect("due");
    assert!(
        jobs::claim(db, "other", app.state.now(), lease)
            .await
            .expect("claim")
            .is_none(),
        "leased"
    );

    app.clock.advance(SignedDuration::from_mins(6));
    let taken = jobs::claim(db, "other", app.state.now(), lease)
        .await
        .expect("claim")
        .expect("lease ran out");
    assert_eq!(taken.id, lost.id);
    assert_eq!(taken.attempt, 2);
    assert!(
        !jobs::complete(db, &lost, app.state.now())
            .await
            .expect("complete"),
        "fenced out"
    );
    assert!(
        jobs::complete(db, &taken, app.state.now())
            .await
            .expect("complete")
    );
}

#[tokio::test]
async fn the_worker_runs_handlers_and_dead_letters_unknown_kinds_and_permanent_errors() {
    let app = TestApp::spawn_with(Options {
        jobs: Box::new(|r| {
            r.on("test.ok", |_s, _j| async { Ok(()) })
                .on("test.broken", |_s, _j| async {
                    Err(JobError::Permanent("payload is malformed".into()))
                })
        }),
        ..Options::default()
    })
    .await;
    let now = app.state.now();
    let ok = enqueue(&app, NewJob::new("test.ok", serde_json::json!({}), now))
        .await
        .expect("id");
    enqueue(&app, NewJob::new("test.broken", serde_json::json!({}), now)).await;
    enqueue(
        &app,
        NewJob::new("test.unknown", serde_json::json!({}), now),
    )
    .await;
    eventually("both failures are dead", || async {
        jobs::list(&app.state.db, state::DEAD, 10)
            .await
            .expect("list")
            .len()
            == 2
    })
    .await;
    let dead = jobs::list(&app.state.db, state::DEAD, 10)
        .await
        .expect("list");
    assert!(dead.iter().any(|j| {
        j.kind == "test.unknown"
            && j.last_error
                .as_deref()
                .is_some_and(|e| e.contains("no handler"))
    }));
    assert!(
        dead.iter()
            .any(|j| j.kind == "test.broken" && j.attempts == 1)
    );
    eventually("the good job is done", || async {
        jobs::list(&app.state.db, state::DONE, 50)
            .await
            .expect("list")
            .iter()
            .any(|j| j.id == ok)
    })
    .await;
}
