//! The citizen's applications through the JSON API, as the mobile app uses it: a draft started
//! prefilled, answers saved whole with the problems in words, signed with the password and
//! submitted, listed and filtered, repeated, withdrawn — and another citizen's token reaching
//! none of it.

use reqwest::Method;
use serde_json::json;

use crate::applications::citizen_with_passport;
use crate::harness::{Api, PASSWORD, TestApp, api_token, client, registered_citizen};

#[tokio::test]
async fn a_citizen_applies_through_the_api_and_another_reaches_none_of_it() {
    let app = TestApp::spawn().await;
    let (api, photo) = citizen_with_passport(&app, "+79120000451", "api-apply@example.ru").await;

    let (status, list) = api.send(Method::GET, "/api/v1/applications", None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["items"], json!([]));

    // A draft, prefilled from the profile.
    let (status, draft) = api
        .send(
            Method::POST,
            "/api/v1/services/passport_replacement/applications",
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_str().expect("id").to_owned();
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["answers"]["surname"], "Петрова", "{draft}");
    assert!(draft["prefilled"].as_array().is_some_and(|p| !p.is_empty()));
    let (status, _) = api
        .send(
            Method::POST,
            "/api/v1/services/no_such_service/applications",
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 404);

    // Answers saved whole: a field the form lacks is refused, a wrong SNILS said in words.
    let answers = format!("/api/v1/applications/{id}/answers");
    let (status, body) = api
        .send(
            Method::PUT,
            &answers,
            Some(json!({ "answers": { "shoe_size": "42" } })),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, saved) = api
        .send(
            Method::PUT,
            &answers,
            Some(json!({ "answers": { "reason": "age_20", "snils": "123-456-789 00" } })),
        )
        .await;
    assert_eq!(status, 200, "{saved}");
    let problems = saved["problems"].as_array().expect("problems");
    assert!(problems.iter().any(|p| p["field"] == "snils"), "{saved}");
    assert_eq!(
        saved["application"]["answers"]["snils"], "123-456-789 00",
        "kept as typed"
    );

    // Signing with what does not pass is refused with the reasons.
    let submit = format!("/api/v1/applications/{id}/submit");
    let (status, body) = api
        .send(Method::POST, &submit, Some(json!({ "password": PASSWORD })))
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("answers.snils"), "{body}");

    let (status, saved) = api
        .send(
            Method::PUT,
            &answers,
            Some(json!({ "answers": {
                "snils": "12345678964",
                "phone": "+79120000451",
                "photo": photo,
                "data_correct": "yes",
                "agree": "yes"
            } })),
        )
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["problems"], json!([]), "{saved}");

    let (status, _) = api
        .send(
            Method::POST,
            &submit,
            Some(json!({ "password": "not-my-password" })),
        )
        .await;
    assert_eq!(status, 401);
    let (status, sent) = api
        .send(Method::POST, &submit, Some(json!({ "password": PASSWORD })))
        .await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["status"], "accepted");
    assert!(
        sent["number"]
            .as_str()
            .is_some_and(|n| n.len() == 12 && n.matches('-').count() == 2),
        "{sent}"
    );
    assert_eq!(sent["versions"].as_array().map(Vec::len), Some(1));
    assert!(sent["due_on"].is_string());
    let (status, _) = api
        .send(Method::POST, &submit, Some(json!({ "password": PASSWORD })))
        .await;
    assert_eq!(status, 409, "submitted once");

    // Listed and filtered.
    let number = sent["number"].as_str().expect("number").to_owned();
    let (_, list) = api
        .send(
            Method::GET,
            &format!("/api/v1/applications?number={}", number.replace('-', "")),
            None,
        )
        .await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
    let (_, list) = api
        .send(Method::GET, "/api/v1/applications?status=done", None)
        .await;
    assert_eq!(list["items"], json!([]));
    let (status, _) = api
        .send(Method::GET, "/api/v1/applications?status=lost", None)
        .await;
    assert_eq!(status, 422);
    let (status, _) = api
        .send(Method::GET, "/api/v1/applications?number=12345", None)
        .await;
    assert_eq!(status, 422);

    // Another citizen's token.
    let stranger = app.with_client(client());
    registered_citizen(&stranger, "+79120000452", "api-stranger@example.ru").await;
    let other = Api {
        app: &app,
        token: api_token(&app, "+79120000452").await,
    };
    let (status, _) = other
        .send(Method::GET, &format!("/api/v1/applications/{id}"), None)
        .await;
    assert_eq!(status, 404);
    for (method, path, body) in [
        (Method::PUT, answers.clone(), json!({ "answers": {} })),
        (
            Method::POST,
            submit.clone(),
            json!({ "password": PASSWORD }),
        ),
        (
            Method::POST,
            format!("/api/v1/applications/{id}/answer"),
            json!({ "text": "x" }),
        ),
        (
            Method::POST,
            format!("/api/v1/applications/{id}/withdraw"),
            json!({}),
        ),
        (
            Method::POST,
            "/api/v1/services/passport_replacement/applications".to_owned(),
            json!({ "repeat": id }),
        ),
    ] {
        let (status, body) = other.send(method.clone(), &path, Some(body)).await;
        assert!(
            status == 404 || status == 403,
            "{method} {path}: {status} {body}"
        );
    }
    let (_, theirs) = other.send(Method::GET, "/api/v1/applications", None).await;
    assert_eq!(theirs["items"], json!([]));

    // Not waiting for an answer; a repeat carries the answers but not the consents.
    let (status, _) = api
        .send(
            Method::POST,
            &format!("/api/v1/applications/{id}/answer"),
            Some(json!({ "text": "?" })),
        )
        .await;
    assert_eq!(status, 409);
    let (status, again) = api
        .send(
            Method::POST,
            "/api/v1/services/passport_replacement/applications",
            Some(json!({ "repeat": id })),
        )
        .await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(again["answers"]["reason"], "age_20");
    assert!(again["answers"].get("agree").is_none(), "{again}");

    // Withdrawn, once.
    let withdraw = format!("/api/v1/applications/{id}/withdraw");
    let (status, gone) = api.send(Method::POST, &withdraw, None).await;
    assert_eq!(status, 200, "{gone}");
    assert_eq!(gone["status"], "withdrawn");
    assert_eq!(gone["can_withdraw"], false);
    let (status, _) = api.send(Method::POST, &withdraw, None).await;
    assert_eq!(status, 409);
}
