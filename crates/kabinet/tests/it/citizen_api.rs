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
    // A simplified account may not start a passport, told why; an appeal it may.
    let (status, body) = other
        .send(
            Method::POST,
            "/api/v1/services/passport_replacement/applications",
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "identity_level", "{body}");
    let (status, body) = other
        .send(
            Method::POST,
            "/api/v1/services/appeal/applications",
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 201, "{body}");

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

#[tokio::test]
async fn many_applications_come_a_page_at_a_time_on_the_page_and_in_the_api() {
    let app = TestApp::spawn().await;
    let (api, _) = citizen_with_passport(&app, "+79120000453", "api-many@example.ru").await;
    let mut started = std::collections::BTreeSet::new();
    for _ in 0..25 {
        let (status, draft) = api
            .send(
                Method::POST,
                "/api/v1/services/appeal/applications",
                Some(json!({})),
            )
            .await;
        assert_eq!(status, 201, "{draft}");
        started.insert(draft["id"].as_str().expect("id").to_owned());
        app.clock.advance(jiff::SignedDuration::from_secs(1));
    }

    // The API: pages of 10 by `next`, every draft once.
    let mut seen = Vec::new();
    let mut path = "/api/v1/applications?limit=10".to_owned();
    loop {
        let (status, page) = api.send(Method::GET, &path, None).await;
        assert_eq!(status, 200, "{page}");
        for item in page["items"].as_array().expect("items") {
            seen.push(item["id"].as_str().expect("id").to_owned());
        }
        match page["next"].as_str() {
            Some(next) => path = format!("/api/v1/applications?limit=10&after={next}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 25);
    assert_eq!(
        seen.iter()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>(),
        started
    );
    let (status, _) = api
        .send(Method::GET, "/api/v1/applications?after=nonsense", None)
        .await;
    assert_eq!(status, 422);

    // The page: 20, then the next 5 by the link, filters kept in it.
    let count = |html: &str| {
        started
            .iter()
            .filter(|id| html.contains(&format!("/applications/{id}/resume\">")))
            .count()
    };
    let (_, first) = app.get_text("/applications?status=draft").await;
    assert_eq!(count(&first), 20);
    let next = next_link(&first).expect("a link to the next page");
    assert!(next.contains("status=draft"), "{next}");
    let (_, second) = app.get_text(&next).await;
    assert_eq!(count(&second), 5);
    assert!(second.contains("К началу списка"));
}

/// The address of «Следующие заявления» on a page, as a browser reads the attribute.
fn next_link(html: &str) -> Option<String> {
    let at = html.find("Следующие заявления")?;
    let start = html[..at].rfind("href=\"")? + 6;
    let end = start + html[start..].find('"')?;
    Some(unescape(&html[start..end]))
}

/// HTML character references back to characters (`&amp;`, `&#x2f;`, `&#61;` …).
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let Some(semi) = tail.find(';') else {
            out.push_str(tail);
            return out;
        };
        let entity = &tail[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "quot" => Some('"'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            e if e.starts_with("#x") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => out.push(c),
            None => out.push_str(&tail[..=semi]),
        }
        rest = &tail[semi + 1..];
    }
    out.push_str(rest);
    out
}
