//! Deadline reminders and notifications: a document due in 30 days is reminded once in the
//! cabinet, once by e-mail (at a real SMTP server) and once by SMS (the sandbox), even when two
//! nodes sweep at the same moment; settings turn a channel off; a deleted document is not
//! reminded of; the inbox and settings work on the pages and through the API.

use store::outbox;

use crate::harness::confirm_email;
use crate::harness::letters;
use crate::harness::{Api, api_token};
use crate::harness::{TestApp, csrf_token, eventually};
use crate::harness::{app_with_smtp, registered_citizen};
use server::features::documents::reminders::send_due_reminders;

async fn sms_saying(app: &TestApp, phone: &str, words: &str) -> usize {
    outbox::list(&app.state.db, Some(phone), 100)
        .await
        .expect("outbox")
        .iter()
        .filter(|m| m.body.contains(words))
        .count()
}

#[tokio::test]
async fn a_running_worker_sends_a_due_reminder_without_anyone_asking() {
    // The reminder falls due at 09:00 in Moscow, which is when the clock stands. Nobody calls the
    // sweep: a worker that starts offers it, as every worker does each minute.
    let app = TestApp::spawn().await;
    let phone = "+79120000711";
    registered_citizen(&app, phone, "offered@example.ru").await;
    let api = Api {
        app: &app,
        token: api_token(&app, phone).await,
    };
    use reqwest::Method as M;
    let (status, doc) = api
        .send(
            M::POST,
            "/api/v1/documents",
            Some(serde_json::json!({ "kind": "other", "title": "Договор подряда", "expires_on": "2026-04-01" })),
        )
        .await;
    assert_eq!(status, 201, "{doc}");
    let mut worker = app.sibling();
    worker.role = server::ServeRole::Worker;
    worker.jobs = Box::new(|r| r);
    let worker = TestApp::spawn_with(worker).await;
    crate::harness::eventually_within(30, "the reminder reaches the inbox", || async {
        let (_, inbox) = api.send(M::GET, "/api/v1/notifications", None).await;
        inbox
            .to_string()
            .contains("Через 30 дней истекает срок: Договор подряда")
    })
    .await;
    worker.stop().await;
}

#[tokio::test]
async fn a_deadline_is_reminded_once_on_each_chosen_channel_even_with_two_nodes() {
    let (app, smtp) = app_with_smtp().await; // the clock stands at 09:00 in Moscow, 2 March 2026
    let (phone, email) = ("+79120000701", "remind@example.ru");
    registered_citizen(&app, phone, email).await;
    confirm_email(&app, &smtp, email).await;
    let before = letters(&smtp, email);
    let api = Api {
        app: &app,
        token: api_token(&app, phone).await,
    };
    use reqwest::Method as M;
    let (status, doc) = api
        .send(
            M::POST,
            "/api/v1/documents",
            Some(serde_json::json!({ "kind": "other", "title": "Договор аренды", "expires_on": "2026-04-01" })),
        )
        .await;
    assert_eq!(status, 201, "{doc}");
    let id = doc["id"].as_str().expect("id").to_owned();
    let user_id = {
        let (_, p) = api.send(M::GET, "/api/v1/profile", None).await;
        p["id"].as_str().expect("id").to_owned()
    };
    let planned = store::notifications::for_document(&app.state.db, &user_id, &id)
        .await
        .expect("reminders");
    let offsets: Vec<i64> = planned.iter().map(|r| r.0).collect();
    assert_eq!(offsets, [30, 7, 1, 0], "90 days before has passed");
    assert_eq!(
        planned[0].2.to_string(),
        "2026-03-02T06:00:00Z",
        "09:00 Moscow"
    );

    // Two nodes sweep at the same moment: one of them sends it.
    // (It delivers by the same SMTP server: its worker may take the e-mail job.)
    let port = smtp.port;
    let second = TestApp::spawn_with(crate::harness::Options {
        configure: Box::new(move |c| {
            c.email.smtp_host = Some("127.0.0.1".into());
            c.email.smtp_port = port;
            c.email.tls = server::config::SmtpTls::None;
        }),
        ..app.sibling()
    })
    .await;
    let (a, b) = tokio::join!(
        send_due_reminders(&app.state, 100),
        send_due_reminders(&second.state, 100)
    );
    let (a, b) = (a.expect("sweep"), b.expect("sweep"));
    assert!(a + b <= 1, "never twice: {a} + {b}");
    assert_eq!(send_due_reminders(&app.state, 100).await.expect("sweep"), 0);

    let (_, inbox) = api.send(M::GET, "/api/v1/notifications", None).await;
    // The reminder, and the notice that the app signed in from a new device.
    assert_eq!(inbox["total"], 2, "{inbox}");
    assert_eq!(inbox["unread"], 2);
    assert!(
        inbox["items"][1]["title"]
            .as_str()
            .is_some_and(|t| t.contains("нового устройства"))
    );
    let title = inbox["items"][0]["title"]
        .as_str()
        .expect("title")
        .to_owned();
    assert!(title.contains("Через 30 дней"), "{title}");
    eventually("the e-mail arrives", || async {
        letters(&smtp, email) > before
    })
    .await;
    eventually("the SMS is in the outbox", || async {
        sms_saying(&app, "+79120000701", "30 дней").await > 0
    })
    .await;
    eventually("both deliveries are recorded as sent", || async {
        let (_, d) = api
            .send(M::GET, "/api/v1/notification-deliveries", None)
            .await;
        d.as_array()
            .is_some_and(|d| d.len() == 4 && d.iter().all(|x| x["status"] == "sent"))
    })
    .await;
    assert_eq!(
        sms_saying(&app, "+79120000701", "30 дней").await,
        1,
        "one SMS"
    );
    let (_, page) = app.get_text("/documents").await;
    assert!(
        page.contains("id=\"unread-count\">2"),
        "the header counts it"
    );

    // SMS off for deadlines, on the settings page: the 7-day reminder goes by e-mail only.
    let (_, html) = app.get_text("/notifications/settings").await;
    let token = csrf_token(&html);
    let mut form: Vec<(String, String)> = vec![("_csrf".into(), token.clone())];
    for (c, chans) in [
        ("applications", &["inbox", "email", "sms"][..]),
        ("personal_data", &["inbox", "email"][..]),
        ("deadlines", &["inbox", "email"][..]),
        ("payments", &["inbox", "email", "sms"][..]),
        ("security", &["inbox", "email", "sms"][..]),
        ("system", &["inbox", "email"][..]),
    ] {
        for ch in chans {
            form.push((format!("{c}.{ch}"), "on".into()));
        }
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = app.post_form("/notifications/settings", &pairs).await;
    assert_eq!(r.status(), 303);
    let (_, settings) = api
        .send(M::GET, "/api/v1/notification-settings", None)
        .await;
    let sms_for_deadlines = settings["settings"]
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["category"] == "deadlines" && s["channel"] == "sms")
        .expect("entry")["enabled"]
        .clone();
    assert_eq!(sms_for_deadlines, false);

    app.clock.advance(jiff::SignedDuration::from_hours(24 * 23));
    assert_eq!(send_due_reminders(&app.state, 100).await.expect("sweep"), 1);
    eventually("the 7-day e-mail arrives", || async {
        letters(&smtp, email) == before + 2
    })
    .await;
    assert_eq!(
        sms_saying(&app, "+79120000701", "7 дней").await,
        0,
        "SMS turned off"
    );

    // Deleted: the remaining reminders are not sent.
    api.send(M::DELETE, &format!("/api/v1/documents/{id}"), None)
        .await;
    app.clock.advance(jiff::SignedDuration::from_hours(24 * 7));
    assert_eq!(send_due_reminders(&app.state, 100).await.expect("sweep"), 0);
    let left = store::notifications::for_document(&app.state.db, &user_id, &id)
        .await
        .expect("reminders");
    assert!(left.iter().all(|r| r.3 != "pending"), "{left:?}");
    let api = Api {
        app: &app,
        token: api_token(&app, phone).await, // a month later: the first token has run out
    };
    let (_, inbox) = api.send(M::GET, "/api/v1/notifications", None).await;
    assert_eq!(inbox["total"], 3, "{inbox}");
    second.stop().await;
}

#[tokio::test]
async fn the_inbox_and_settings_refuse_what_would_lose_security_notices_and_other_users_ids() {
    let app = TestApp::spawn().await;
    registered_citizen(&app, "+79120000702", "inbox@example.ru").await;
    let api = Api {
        app: &app,
        token: api_token(&app, "+79120000702").await,
    };
    use reqwest::Method as M;
    // Security off everywhere is refused, on the page and in the API; nothing is stored.
    let (_, html) = app.get_text("/notifications/settings").await;
    let r = app
        .post_form(
            "/notifications/settings",
            &[("_csrf", &csrf_token(&html)), ("deadlines.inbox", "on")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("хотя бы одним способом")
    );
    let body = serde_json::json!({ "settings": [
        { "category": "security", "channel": "inbox", "enabled": false },
        { "category": "security", "channel": "email", "enabled": false },
        { "category": "security", "channel": "sms", "enabled": false }
    ]});
    let (status, _) = api
        .send(M::PUT, "/api/v1/notification-settings", Some(body))
        .await;
    assert_eq!(status, 422);
    let (status, _) = api
        .send(
            M::PUT,
            "/api/v1/notification-settings",
            Some(serde_json::json!({ "settings": [{ "category": "weather", "channel": "sms", "enabled": true }] })),
        )
        .await;
    assert_eq!(status, 422);
    let (_, settings) = api
        .send(M::GET, "/api/v1/notification-settings", None)
        .await;
    assert!(
        settings["settings"]
            .as_array()
            .expect("list")
            .iter()
            .filter(|s| s["category"] == "security")
            .all(|s| s["enabled"] == true)
    );

    // A notification of someone else cannot be touched.
    let (status, _) = api
        .send(
            M::POST,
            "/api/v1/notifications/01900000-0000-7000-8000-000000000000/read",
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = app.get_text("/notifications").await;
    assert_eq!(status, 200);
    let (status, _) = app.get_text("/notifications/deliveries").await;
    assert_eq!(status, 200);
    let (status, reset) = api
        .send(M::POST, "/api/v1/notification-settings/reset", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(reset["settings"].as_array().map(Vec::len), Some(24));
}

#[tokio::test]
async fn the_demo_citizens_licence_due_in_30_days_is_reminded() {
    let app = TestApp::spawn().await;
    server::demo::seed(&app.state).await.expect("demo");
    assert!(send_due_reminders(&app.state, 100).await.expect("sweep") >= 1);
    let issued: serde_json::Value = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({ "login": "citizen@demo.kabinet.test", "password": "Demo-Citizen-2026" }))
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    let api = Api {
        app: &app,
        token: issued["token"].as_str().expect("token").to_owned(),
    };
    let (_, inbox) = api
        .send(reqwest::Method::GET, "/api/v1/notifications", None)
        .await;
    let titles: Vec<&str> = inbox["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|n| n["title"].as_str())
        .collect();
    assert!(
        titles
            .iter()
            .any(|t| t.contains("30 дней") && t.contains("Водительское")),
        "{titles:?}"
    );
    // The passport must be replaced in 60 days: the 90-day moment passed before it was added,
    // so it is reminded once now, with the days that are really left.
    assert_eq!(
        titles
            .iter()
            .filter(|t| t.contains("Паспорт"))
            .collect::<Vec<_>>()
            .len(),
        1,
        "{titles:?}"
    );
    assert!(
        titles
            .iter()
            .any(|t| t.contains("Паспорт") && t.contains("60 дней")),
        "{titles:?}"
    );
    eventually("the SMS is in the sandbox outbox", || async {
        sms_saying(&app, "+79000000001", "30 дней").await == 1
    })
    .await;
}

/// A document added when its deadline is already inside its reminder days gets one reminder at
/// the next delivery moment, for the nearest passed day, saying the days really left — never a
/// burst of the missed ones, and never the same one again.
#[tokio::test]
async fn a_deadline_already_inside_its_reminder_days_is_reminded_once_not_in_a_burst() {
    let app = TestApp::spawn().await; // 09:00 in Moscow, 2 March 2026
    app.clock.advance(jiff::SignedDuration::from_hours(6)); // 15:00
    let (phone, email) = ("+79120000711", "inside@example.ru");
    registered_citizen(&app, phone, email).await;
    let api = Api {
        app: &app,
        token: api_token(&app, phone).await,
    };
    // 20 days left: the 90- and 30-day moments have both passed.
    let id = add_expiring(&api, "Договор хранения", "2026-03-22").await;
    assert_eq!(pending_days(&app, &id).await, [30, 7, 1, 0]);
    assert_eq!(send_due_reminders(&app.state, 100).await.expect("sweep"), 1);
    assert_eq!(send_due_reminders(&app.state, 100).await.expect("sweep"), 0);
    assert_eq!(pending_days(&app, &id).await, [7, 1, 0]);
    let (_, inbox) = api
        .send(reqwest::Method::GET, "/api/v1/notifications", None)
        .await;
    let reminders: Vec<&str> = inbox["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|n| n["title"].as_str())
        .filter(|t| t.contains("Договор хранения"))
        .collect();
    assert_eq!(reminders, ["Через 20 дней истекает срок: Договор хранения"]);

    // Editing the document plans again, but what was sent is not sent again.
    let (status, _) = api
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/documents/{id}"),
            Some(serde_json::json!({ "description": "ячейка 12" })),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(send_due_reminders(&app.state, 100).await.expect("sweep"), 0);
}

/// Parses a calendar with the `icalendar` package from PyPI: (summary, start date) per event.
/// Without Python or the package the check is skipped outside CI (CI installs it).
fn parsed_by_icalendar(ics: &str) -> Option<Vec<(String, String)>> {
    let dir = crate::harness::TempDir::new();
    let path = dir.0.join("feed.ics");
    std::fs::write(&path, ics).expect("written");
    let script = "import sys, json, icalendar\n\
        cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())\n\
        print(json.dumps([[str(e.get('summary')), e.decoded('dtstart').isoformat()] for e in cal.walk('VEVENT')]))";
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .output();
    match out {
        Ok(o) if o.status.success() => {
            Some(serde_json::from_slice(&o.stdout).expect("parser output"))
        }
        other => {
            assert!(
                std::env::var("CI").is_err(),
                "icalendar must be installed in CI: {other:?}"
            );
            eprintln!("skipped the independent parse: pip install icalendar");
            None
        }
    }
}

#[tokio::test]
async fn the_private_calendar_feed_parses_and_its_link_can_be_replaced_and_revoked() {
    let app = TestApp::spawn().await;
    registered_citizen(&app, "+79120000703", "ics@example.ru").await;
    let api = Api {
        app: &app,
        token: api_token(&app, "+79120000703").await,
    };
    let (status, doc) = api
        .send(
            reqwest::Method::POST,
            "/api/v1/documents",
            Some(serde_json::json!({ "kind": "other", "title": "Договор, аренда; квартира", "expires_on": "2026-12-31" })),
        )
        .await;
    assert_eq!(status, 201, "{doc}");
    let (_, html) = app.get_text("/notifications/settings").await;
    let token = csrf_token(&html);
    let turn_on = || async {
        let r = app
            .post_form("/notifications/calendar", &[("_csrf", &token)])
            .await;
        assert_eq!(r.status(), 201);
        let html = r.text().await.expect("body");
        let marker = "id=\"calendar-url\">";
        let start = html.find(marker).expect("the link is shown") + marker.len();
        let url = &html[start..start + html[start..].find('<').expect("end")];
        url[url.find("/calendar/").expect("path")..].to_owned()
    };
    let first = turn_on().await;
    let r = reqwest::get(app.url(&first)).await.expect("answered");
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/calendar")
    );
    let ics = r.text().await.expect("body");
    assert!(ics.contains("BEGIN:VEVENT"));
    if let Some(events) = parsed_by_icalendar(&ics) {
        assert_eq!(
            events,
            [(
                "Срок документа: Договор, аренда; квартира".to_owned(),
                "2026-12-31".to_owned()
            )]
        );
    }
    // A new link replaces the old one; turning it off ends it.
    let second = turn_on().await;
    assert_ne!(first, second);
    assert_eq!(
        reqwest::get(app.url(&first))
            .await
            .expect("answered")
            .status(),
        404
    );
    assert_eq!(
        reqwest::get(app.url(&second))
            .await
            .expect("answered")
            .status(),
        200
    );
    let r = app
        .post_form("/notifications/calendar/off", &[("_csrf", &token)])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        reqwest::get(app.url(&second))
            .await
            .expect("answered")
            .status(),
        404
    );
}

#[tokio::test]
async fn the_unread_count_streams_to_an_open_page() {
    let app = TestApp::spawn().await;
    registered_citizen(&app, "+79120000704", "live@example.ru").await;
    let mut response = app.get("/notifications/stream").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/event-stream")
    );
    let first = response.chunk().await.expect("chunk").expect("an event");
    assert_eq!(
        String::from_utf8_lossy(&first),
        "event: unread\ndata: 0\n\n"
    );

    let user_id: String = sqlx::query_scalar("SELECT id FROM users WHERE phone = '+79120000704'")
        .fetch_one(app.state.db.pool())
        .await
        .expect("user");
    let mut conn = app.state.db.pool().acquire().await.expect("connection");
    store::notifications::insert(
        &mut conn,
        &store::notifications::NewNotification {
            user_id,
            category: "system".into(),
            title: "Проверка".into(),
            body: "Новое сообщение".into(),
            link: None,
            dedupe_key: "live-test".into(),
        },
        app.state.now(),
    )
    .await
    .expect("insert");
    drop(conn);
    let next = tokio::time::timeout(std::time::Duration::from_secs(15), async {
        loop {
            let chunk = response.chunk().await.expect("chunk").expect("open");
            let text = String::from_utf8_lossy(&chunk).into_owned();
            if text.contains("event: unread") {
                return text;
            }
        }
    })
    .await
    .expect("a new count within the interval");
    assert_eq!(next, "event: unread\ndata: 1\n\n");
    // The same through the API, for the mobile app.
    let token = api_token(&app, "+79120000704").await;
    let mut api_stream = crate::harness::client()
        .get(app.url("/api/v1/notifications/stream"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("answered");
    let first = api_stream.chunk().await.expect("chunk").expect("an event");
    // The message above, and the notice that the app signed in from a new device.
    assert_eq!(
        String::from_utf8_lossy(&first),
        "event: unread\ndata: 2\n\n"
    );
    // Without a session there is no stream.
    let anonymous = crate::harness::client()
        .get(app.url("/notifications/stream"))
        .send()
        .await
        .expect("answered");
    assert_eq!(anonymous.status(), 303);
}

#[tokio::test]
async fn every_notice_letter_carries_a_one_click_unsubscribe_that_works_without_signing_in() {
    let (app, smtp) = app_with_smtp().await;
    let (phone, email) = ("+79120000705", "unsub@example.ru");
    registered_citizen(&app, phone, email).await;
    // The app signs in before the address is confirmed, so that its new-device notice goes to
    // the inbox and SMS only, and the one letter of this test is the reminder's.
    let api = Api {
        app: &app,
        token: api_token(&app, phone).await,
    };
    confirm_email(&app, &smtp, email).await;
    let before = letters(&smtp, email);
    let (status, _) = api
        .send(
            reqwest::Method::POST,
            "/api/v1/documents",
            Some(serde_json::json!({ "kind": "other", "title": "Полис", "expires_on": "2026-04-01" })),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(send_due_reminders(&app.state, 100).await.expect("sweep"), 1);
    eventually("the letter arrives", || async {
        letters(&smtp, email) > before
    })
    .await;
    let raw = smtp
        .messages_to(email)
        .pop()
        .expect("letter")
        .data
        .replace("\r\n ", "");
    assert!(
        raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{raw}"
    );
    let start = raw.find("List-Unsubscribe: <").expect("the header") + "List-Unsubscribe: <".len();
    let url = &raw[start..start + raw[start..].find('>').expect("end")];
    let path = &url[url.find("/unsubscribe/").expect("path")..];

    // A person opening it sees one button; a mail program POSTs, with no cookie and no token.
    let anonymous = crate::harness::client();
    let page = anonymous.get(app.url(path)).send().await.expect("answered");
    assert_eq!(page.status(), 200);
    let tampered = format!("{}x", path);
    let r = anonymous
        .post(app.url(&tampered))
        .body("List-Unsubscribe=One-Click")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 404, "a forged address does nothing");
    let r = anonymous
        .post(app.url(path))
        .body("List-Unsubscribe=One-Click")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://mail.example.com")
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 200);
    let (_, settings) = api
        .send(reqwest::Method::GET, "/api/v1/notification-settings", None)
        .await;
    let deadline_mail = settings["settings"]
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["category"] == "deadlines" && s["channel"] == "email")
        .expect("entry")["enabled"]
        .clone();
    assert_eq!(deadline_mail, false, "e-mail for deadlines is off");
    let in_cabinet = settings["settings"]
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["category"] == "deadlines" && s["channel"] == "inbox")
        .expect("entry")["enabled"]
        .clone();
    assert_eq!(in_cabinet, true, "the cabinet still has them");
}

/// The date `days` from the test clock's today (UTC), as ISO.
fn days_from_today(app: &TestApp, days: i64) -> String {
    (app.state
        .now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
        + jiff::ToSpan::days(days))
    .to_string()
}

/// Adds an "other" document with a typed expiry; returns its id.
async fn add_expiring(api: &crate::harness::Api<'_>, title: &str, expires_on: &str) -> String {
    let (status, doc) = api
        .send(
            reqwest::Method::POST,
            "/api/v1/documents",
            Some(serde_json::json!({ "kind": "other", "title": title, "expires_on": expires_on })),
        )
        .await;
    assert_eq!(status, 201, "{doc}");
    doc["id"].as_str().expect("id").to_owned()
}

async fn pending_days(app: &TestApp, document_id: &str) -> Vec<i64> {
    sqlx::query_scalar(
        "SELECT offset_days FROM reminders WHERE document_id = $1 AND state = 'pending' \
         ORDER BY offset_days DESC",
    )
    .bind(document_id)
    .fetch_all(app.state.db.pool())
    .await
    .expect("reminders")
}

#[tokio::test]
async fn reminder_days_are_chosen_for_every_document_and_per_kind_and_replan_at_once() {
    let app = TestApp::spawn().await;
    let api =
        crate::harness::citizen_born(&app, "+79120000095", "days@example.ru", "1980-02-02").await;
    let expires = days_from_today(&app, 40);
    let id = add_expiring(&api, "Договор", &expires).await;
    assert_eq!(
        pending_days(&app, &id).await,
        [90, 30, 7, 1, 0],
        "the defaults; the 90-day moment has passed, so it is sent once, now"
    );

    // For every document: two weeks ahead, and the day itself.
    let (_, html) = app.get_text("/notifications/settings").await;
    assert!(html.contains("Когда напоминать о сроках") && html.contains("name=\"kind.other\""));
    let r = app
        .post_form(
            "/notifications/reminder-days",
            &[
                ("_csrf", &csrf_token(&html)),
                ("every", "14"),
                ("kind.other", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(pending_days(&app, &id).await, [14, 0]);

    // Its own days for the kind win; a mistake is said next to the field and kept as typed.
    let refused = app
        .post_form(
            "/notifications/reminder-days",
            &[
                ("_csrf", &csrf_token(&html)),
                ("every", "14"),
                ("kind.other", "30, через неделю"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.expect("body");
    assert!(page.contains("Укажите дни числами через запятую"), "{page}");
    assert!(page.contains("value=\"30, через неделю\""));
    assert_eq!(pending_days(&app, &id).await, [14, 0], "nothing changed");
    let (status, saved) = api
        .send(
            reqwest::Method::PUT,
            "/api/v1/reminder-days",
            Some(serde_json::json!({ "kinds": { "other": [30, 3] } })),
        )
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["every"], serde_json::json!([14]));
    assert_eq!(saved["kinds"]["other"], serde_json::json!([30, 3]));
    assert_eq!(pending_days(&app, &id).await, [30, 3, 0]);
    let (status, refused) = api
        .send(
            reqwest::Method::PUT,
            "/api/v1/reminder-days",
            Some(serde_json::json!({ "every": [400] })),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    let (status, _) = api
        .send(
            reqwest::Method::PUT,
            "/api/v1/reminder-days",
            Some(serde_json::json!({ "kinds": { "no_such_kind": [5] } })),
        )
        .await;
    assert_eq!(status, 422);

    // Back to following every document.
    let (_, back) = api
        .send(
            reqwest::Method::PUT,
            "/api/v1/reminder-days",
            Some(serde_json::json!({ "kinds": { "other": null } })),
        )
        .await;
    assert!(back["kinds"].get("other").is_none(), "{back}");
    assert_eq!(pending_days(&app, &id).await, [14, 0]);
    // The sweep sends the 14-day reminder on its day, not the 30-day one.
    app.clock.advance(jiff::SignedDuration::from_hours(24 * 26));
    assert_eq!(send_due_reminders(&app.state, 100).await.expect("sweep"), 1);
    let sent: Vec<i64> = sqlx::query_scalar(
        "SELECT offset_days FROM reminders WHERE document_id = $1 AND state = 'sent'",
    )
    .bind(&id)
    .fetch_all(app.state.db.pool())
    .await
    .expect("sent");
    assert_eq!(sent, [14]);
}

#[tokio::test]
async fn reminders_claimed_by_a_sweep_that_died_are_sent_once_after_the_lease() {
    let app = TestApp::spawn().await;
    let api =
        crate::harness::citizen_born(&app, "+79120000096", "lease@example.ru", "1980-02-02").await;
    add_expiring(&api, "Договор", &days_from_today(&app, 30)).await;
    // A sweep claims the due reminder and dies before sending it.
    let now = app.state.now();
    let lease = now + jiff::SignedDuration::from_mins(5);
    let dead = store::notifications::claim_due(&app.state.db, now, lease, "dead-sweep", 100)
        .await
        .expect("claim");
    assert_eq!(dead.len(), 1);
    assert_eq!(
        send_due_reminders(&app.state, 100).await.expect("sweep"),
        0,
        "claimed, not free"
    );
    app.clock.advance(jiff::SignedDuration::from_mins(6));
    assert_eq!(
        send_due_reminders(&app.state, 100).await.expect("sweep"),
        1,
        "due again after the lease"
    );
    assert_eq!(
        send_due_reminders(&app.state, 100).await.expect("sweep"),
        0,
        "and only once"
    );
    // The dead sweep, come back, cannot mark it again.
    let mut conn = app.state.db.pool().acquire().await.expect("conn");
    assert!(
        !store::notifications::settle(&mut conn, &dead[0], "sent", app.state.now())
            .await
            .expect("settle")
    );
}

async fn queued_for(app: &TestApp, document_id: &str) -> Vec<(i64, String)> {
    sqlx::query_as("SELECT offset_days, deadline FROM reminder_queue WHERE document_id = $1 ORDER BY offset_days")
        .bind(document_id)
        .fetch_all(app.state.db.pool())
        .await
        .expect("queue")
}

#[tokio::test]
async fn a_reminder_re_planned_while_a_sweep_holds_it_is_never_sent_and_leaves_the_queue() {
    let app = TestApp::spawn().await;
    let api =
        crate::harness::citizen_born(&app, "+79120000097", "replan@example.ru", "1980-02-02").await;
    let in_30 = days_from_today(&app, 30);
    let in_200 = days_from_today(&app, 200);
    let id = add_expiring(&api, "Договор", &in_30).await;
    // A sweep claims the 30-day reminder and stalls; meanwhile the person moves the expiry.
    let now = app.state.now();
    let lease = now + jiff::SignedDuration::from_mins(5);
    let held = store::notifications::claim_due(&app.state.db, now, lease, "slow-sweep", 100)
        .await
        .expect("claim");
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].deadline, in_30);
    let (status, _) = api
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/documents/{id}"),
            Some(serde_json::json!({ "expires_on": in_200 })),
        )
        .await;
    assert_eq!(status, 200);
    let planned: Vec<(i64, String)> = [0, 1, 7, 30, 90]
        .into_iter()
        .map(|d| (d, in_200.clone()))
        .collect();
    let mut queued = queued_for(&app, &id).await;
    queued.retain(|(_, deadline)| *deadline == in_200);
    assert_eq!(queued, planned, "the new deadline is queued");
    // The stalled sweep comes back: its reminder is gone, nothing is sent, its place is cleared.
    let mut tx = app.state.db.begin().await.expect("tx");
    assert!(
        !store::notifications::settle(&mut tx, &held[0], "sent", app.state.now())
            .await
            .expect("settle")
    );
    tx.commit().await.expect("commit");
    assert_eq!(queued_for(&app, &id).await, planned);
    // Nor does a sweep after the lease send anything for the old deadline.
    app.clock.advance(jiff::SignedDuration::from_mins(6));
    assert_eq!(send_due_reminders(&app.state, 100).await.expect("sweep"), 0);
    let sent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE link = $1")
        .bind(format!("/documents/{id}"))
        .fetch_one(app.state.db.pool())
        .await
        .expect("count");
    assert_eq!(sent, 0);
}

#[tokio::test]
async fn a_sweep_that_died_holding_a_reminder_of_a_deleted_document_drops_it_after_the_lease() {
    let app = TestApp::spawn().await;
    let api =
        crate::harness::citizen_born(&app, "+79120000098", "gone@example.ru", "1980-02-02").await;
    let in_30 = days_from_today(&app, 30);
    let id = add_expiring(&api, "Договор", &in_30).await;
    let now = app.state.now();
    let lease = now + jiff::SignedDuration::from_mins(5);
    let held = store::notifications::claim_due(&app.state.db, now, lease, "dead-sweep", 100)
        .await
        .expect("claim");
    assert_eq!(held.len(), 1);
    let (status, _) = api
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/documents/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(
        queued_for(&app, &id).await,
        [(30, in_30.clone())],
        "only the claimed one is left, held by the dead sweep"
    );
    app.clock.advance(jiff::SignedDuration::from_mins(6));
    assert_eq!(send_due_reminders(&app.state, 100).await.expect("sweep"), 0);
    assert!(
        queued_for(&app, &id).await.is_empty(),
        "dropped, not retried for ever"
    );
}

#[tokio::test]
async fn a_reminder_that_fails_every_time_holds_back_no_other_and_is_given_up() {
    let app = TestApp::spawn().await;
    let api =
        crate::harness::citizen_born(&app, "+79120000091", "failing@example.ru", "1980-02-02")
            .await;
    let in_30 = days_from_today(&app, 30);
    let broken = &add_expiring(&api, "Сломанный", &in_30).await;
    let sound = &add_expiring(&api, "Исправный", &in_30).await;
    // A row the service cannot read: every attempt at its reminder fails.
    sqlx::query("UPDATE documents SET tags = 'not json' WHERE id = $1")
        .bind(broken)
        .execute(app.state.db.pool())
        .await
        .expect("break");
    assert_eq!(
        send_due_reminders(&app.state, 100).await.expect("sweep"),
        1,
        "the sound document is reminded of, whatever the order"
    );
    let state_of = |id: String| {
        let db = app.state.db.pool().clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT state FROM reminders WHERE document_id = $1 AND offset_days = 30",
            )
            .bind(id)
            .fetch_one(&db)
            .await
            .expect("state")
        }
    };
    assert_eq!(state_of(sound.clone()).await, "sent");
    for _ in 0..server::features::documents::reminders::MAX_ATTEMPTS {
        app.clock.advance(jiff::SignedDuration::from_mins(6));
        assert_eq!(send_due_reminders(&app.state, 100).await.expect("sweep"), 0);
    }
    assert_eq!(state_of(broken.clone()).await, "failed", "given up");
    assert!(
        queued_for(&app, broken)
            .await
            .iter()
            .all(|(offset, _)| *offset != 30),
        "and off the queue"
    );
}
