//! Mailing subscriptions (seed 004): subscribe on the settings page or through the API, pause,
//! resume, end one or all; an operator's bulletin reaches each active subscriber once — in the
//! cabinet and by e-mail at a real SMTP server — and its letter's one-click unsubscribe ends the
//! subscription without signing in.

use reqwest::Method as M;
use server::features::notifications::subscriptions;

use crate::harness::{Api, api_token};
use crate::harness::{TestApp, client, csrf_token, eventually};
use crate::harness::{app_with_smtp, registered_citizen};
use crate::harness::{confirm_email, letters};

async fn operator(app: &TestApp) -> TestApp {
    server::demo::seed(&app.state).await.expect("demo");
    let browser = app.with_client(client());
    let html = browser.get_text("/login").await.1;
    let r = browser
        .post_form(
            "/login",
            &[
                ("_csrf", &csrf_token(&html)),
                ("login", "operator@demo.kabinet.test"),
                ("password", "Demo-Operator-2026"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    browser
}

fn state_of(list: &serde_json::Value, topic: &str) -> String {
    list.as_array()
        .expect("list")
        .iter()
        .find(|s| s["topic"] == topic)
        .and_then(|s| s["state"].as_str())
        .expect("topic listed")
        .to_owned()
}

#[tokio::test]
async fn a_bulletin_reaches_active_subscribers_once_and_its_letter_unsubscribes() {
    let (app, smtp) = app_with_smtp().await;
    // A subscribes on the page; B subscribes through the API and pauses; C ends them all.
    let (a_phone, a_mail) = ("+79120000091", "reader@example.ru");
    registered_citizen(&app, a_phone, a_mail).await;
    let a_api = Api {
        app: &app,
        token: api_token(&app, a_phone).await,
    };
    confirm_email(&app, &smtp, a_mail).await;
    let (status, html) = app.get_text("/notifications/settings").await;
    assert_eq!(status, 200);
    assert!(html.contains("Подписки на рассылки") && html.contains("Изменения в законодательстве"));
    let r = app
        .post_form(
            "/notifications/subscriptions/law_changes/subscribe",
            &[("_csrf", &csrf_token(&html))],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, html) = app
        .get_text("/notifications/settings?subscription=subscribe")
        .await;
    assert!(html.contains("Вы подписались на рассылку.") && html.contains("Вы подписаны"));

    let b = app.with_client(client());
    registered_citizen(&b, "+79120000092", "paused@example.ru").await;
    let b_api = Api {
        app: &app,
        token: api_token(&app, "+79120000092").await,
    };
    let (status, list) = b_api
        .send(
            M::POST,
            "/api/v1/subscriptions",
            Some(serde_json::json!({ "topic": "law_changes" })),
        )
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(state_of(&list, "law_changes"), "active");
    let (status, list) = b_api
        .send(
            M::PATCH,
            "/api/v1/subscriptions/law_changes",
            Some(serde_json::json!({ "paused": true })),
        )
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(state_of(&list, "law_changes"), "paused");
    let (status, _) = b_api
        .send(
            M::PATCH,
            "/api/v1/subscriptions/new_services",
            Some(serde_json::json!({ "paused": true })),
        )
        .await;
    assert_eq!(status, 404, "nothing to pause");
    let (status, refused) = b_api
        .send(
            M::POST,
            "/api/v1/subscriptions",
            Some(serde_json::json!({ "topic": "gossip" })),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(refused["error"]["fields"][0]["field"], "topic", "{refused}");

    let c = app.with_client(client());
    registered_citizen(&c, "+79120000093", "gone@example.ru").await;
    let c_api = Api {
        app: &app,
        token: api_token(&app, "+79120000093").await,
    };
    for topic in ["law_changes", "new_services"] {
        c_api
            .send(
                M::POST,
                "/api/v1/subscriptions",
                Some(serde_json::json!({ "topic": topic })),
            )
            .await;
    }
    let (status, _) = c_api.send(M::DELETE, "/api/v1/subscriptions", None).await;
    assert_eq!(status, 204);
    let (_, list) = c_api.send(M::GET, "/api/v1/subscriptions", None).await;
    assert!(
        list.as_array()
            .expect("list")
            .iter()
            .all(|s| s["state"] == "off"),
        "{list}"
    );

    // The operator's form refuses a half-written bulletin and keeps what was typed.
    let desk = operator(&app).await;
    let html = desk.get_text("/operator/bulletins").await.1;
    let refused = desk
        .post_form(
            "/operator/bulletins",
            &[
                ("_csrf", &csrf_token(&html)),
                ("topic", "law_changes"),
                ("title_ru", "Новый закон"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.expect("body");
    assert!(page.contains("error-summary") && page.contains("value=\"Новый закон\""));
    assert_eq!(
        app.get("/operator/bulletins").await.status(),
        403,
        "citizens may not send"
    );

    let before = letters(&smtp, a_mail);
    let sent = desk
        .post_form(
            "/operator/bulletins",
            &[
                ("_csrf", &csrf_token(&html)),
                ("topic", "law_changes"),
                ("title_ru", "Паспорт можно заменить онлайн"),
                (
                    "body_ru",
                    "С 1 января заявление на замену паспорта подаётся в кабинете.",
                ),
                ("title_en", "Passports can be replaced online"),
                (
                    "body_en",
                    "From 1 January the application is filed in the cabinet.",
                ),
            ],
        )
        .await;
    assert_eq!(sent.status(), 303);
    eventually("the bulletin is sent", || async {
        store::subscriptions::recent_bulletins(&app.state.db, 1)
            .await
            .expect("bulletins")
            .first()
            .is_some_and(|b| b.finished_at.is_some())
    })
    .await;
    let bulletin = store::subscriptions::recent_bulletins(&app.state.db, 1)
        .await
        .expect("bulletins")
        .remove(0);
    assert_eq!(bulletin.sent_to, 1, "only the active subscriber");
    let (_, inbox) = a_api.send(M::GET, "/api/v1/notifications", None).await;
    assert!(inbox.to_string().contains("Паспорт можно заменить онлайн"));
    for other in [&b_api, &c_api] {
        let (_, inbox) = other.send(M::GET, "/api/v1/notifications", None).await;
        assert!(!inbox.to_string().contains("Паспорт можно заменить онлайн"));
    }
    eventually("the letter arrives", || async {
        letters(&smtp, a_mail) > before
    })
    .await;
    // Sent again (a retried job): nobody gets it twice.
    assert_eq!(
        subscriptions::send_bulletin(&app.state, &bulletin.id)
            .await
            .expect("send"),
        Some(0)
    );
    let (_, html) = desk.get_text("/operator/bulletins").await;
    assert!(html.contains("Паспорт можно заменить онлайн"));

    // The letter's one-click unsubscribe ends the subscription, not the system notices.
    let raw = smtp
        .messages_to(a_mail)
        .pop()
        .expect("letter")
        .data
        .replace("\r\n ", "");
    let start = raw.find("List-Unsubscribe: <").expect("the header") + "List-Unsubscribe: <".len();
    let url = &raw[start..start + raw[start..].find('>').expect("end")];
    let path = &url[url.find("/unsubscribe/").expect("path")..];
    assert!(path.contains("/list.law_changes/"), "{path}");
    let page = client().get(app.url(path)).send().await.expect("answered");
    assert!(
        page.text()
            .await
            .expect("body")
            .contains("Отписаться от рассылки «Изменения в законодательстве»?")
    );
    let r = client()
        .post(app.url(path))
        .body("List-Unsubscribe=One-Click")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 200);
    let (_, list) = a_api.send(M::GET, "/api/v1/subscriptions", None).await;
    assert_eq!(state_of(&list, "law_changes"), "off");
    let (_, settings) = a_api
        .send(M::GET, "/api/v1/notification-settings", None)
        .await;
    assert!(
        settings.to_string().contains("\"system\""),
        "system notices untouched"
    );
}
