//! The web shell: operations endpoints, the page frame in two languages, errors in both shapes,
//! security headers, limits and CSRF.

use crate::harness::{Options, TestApp, client, csrf_token};

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = TestApp::spawn().await;
    let health: serde_json::Value = app.get("/healthz").await.json().await.expect("json");
    assert_eq!(health["status"], "ok");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let ready: serde_json::Value = ready.json().await.expect("json");
    assert_eq!(ready["database"], "ok");

    let (status, metrics) = app.get_text("/metrics").await;
    assert_eq!(status, 200);
    assert!(
        metrics.contains(
            r#"kabinet_http_requests_total{route="/healthz",method="GET",status="200"} 1"#
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            r#"kabinet_http_request_duration_seconds_bucket{route="/readyz",le="+Inf"} 1"#
        )
    );
    assert!(metrics.contains(r#"kabinet_jobs{state="pending"}"#));
    assert!(metrics.contains("kabinet_database_up 1"));
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.state.db.close().await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 503);
    let body: serde_json::Value = ready.json().await.expect("json");
    assert_eq!(body["database"], "unreachable");
    // Liveness does not depend on the database.
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn readiness_fails_when_the_files_store_is_gone() {
    let app = TestApp::spawn().await;
    let ready: serde_json::Value = app.get("/readyz").await.json().await.expect("json");
    assert_eq!(ready["objects"], "ok");
    let files = app.state.config.data_dir.join("files");
    std::fs::remove_dir_all(&files).expect("the files folder");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 503);
    let body: serde_json::Value = ready.json().await.expect("json");
    assert_eq!(body["objects"], "unreachable");
    assert_eq!(body["database"], "ok");
}

#[tokio::test]
async fn a_node_whose_bucket_does_not_answer_is_not_ready() {
    // A closed port: every request to the "bucket" fails; /readyz answers within its timeout.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let app = TestApp::spawn_with(Options {
        configure: Box::new(move |c| {
            c.storage.backend = server::config::StorageBackend::S3;
            c.storage.s3_bucket = Some("kabinet-files".into());
            c.storage.s3_endpoint = Some(format!("http://{closed}"));
            c.storage.s3_allow_http = true;
            c.storage.s3_access_key_id = Some("test".into());
            c.storage.s3_secret_access_key = Some(server::config::Secret::new("test"));
        }),
        ..Options::default()
    })
    .await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 503);
    let body: serde_json::Value = ready.json().await.expect("json");
    assert_eq!(body["objects"], "unreachable");
}

#[tokio::test]
async fn metrics_can_require_a_token() {
    let app = TestApp::spawn_with(Options {
        configure: Box::new(|c| c.metrics.token = Some(server::config::Secret::new("scrape-me"))),
        ..Options::default()
    })
    .await;
    assert_eq!(app.get("/metrics").await.status(), 401);
    let ok = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("scrape-me")
        .send()
        .await
        .expect("answered");
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn openapi_document_is_openapi_3_and_lists_the_endpoints() {
    let app = TestApp::spawn().await;
    let doc: serde_json::Value = app
        .get("/api/openapi.json")
        .await
        .json()
        .await
        .expect("json");
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{doc}"
    );
    for path in ["/healthz", "/readyz", "/metrics", "/api/v1/meta"] {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    let meta: serde_json::Value = app.get("/api/v1/meta").await.json().await.expect("json");
    assert_eq!(meta["api_version"], "v1");
}

#[tokio::test]
async fn home_page_is_russian_by_default_and_english_on_request() {
    let app = TestApp::spawn().await;
    let (status, html) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"<html lang="ru">"#));
    assert!(html.contains("Личный кабинет гражданина"));
    assert!(html.contains(r#"href="/static/app."#), "hashed stylesheet");

    let english = app
        .client
        .get(app.url("/"))
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .expect("answered")
        .text()
        .await
        .expect("body");
    assert!(english.contains(r#"<html lang="en">"#));
    assert!(english.contains("personal cabinet"));
}

#[tokio::test]
async fn language_switch_is_a_protected_form_that_remembers_the_choice() {
    let app = TestApp::spawn().await;
    let (_, html) = app.get_text("/").await;
    let token = csrf_token(&html);

    let forged = app
        .post_form("/lang", &[("lang", "en"), ("next", "/")])
        .await;
    assert_eq!(forged.status(), 403, "no token, no change");

    let switched = app
        .post_form(
            "/lang",
            &[("_csrf", &token), ("lang", "en"), ("next", "/?from=test")],
        )
        .await;
    assert_eq!(switched.status(), 303);
    assert_eq!(switched.headers()["location"], "/?from=test");
    let (_, html) = app.get_text("/").await;
    assert!(
        html.contains(r#"<html lang="en">"#),
        "the cookie holds the choice"
    );

    let offsite = app
        .post_form(
            "/lang",
            &[
                ("_csrf", &token),
                ("lang", "ru"),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(offsite.headers()["location"], "/", "no open redirect");
}

#[tokio::test]
async fn cross_site_posts_are_refused_even_with_a_token() {
    let app = TestApp::spawn().await;
    let (_, html) = app.get_text("/").await;
    let token = csrf_token(&html);
    let response = app
        .client
        .post(app.url("/lang"))
        .header("origin", "https://evil.example")
        .form(&[("_csrf", token.as_str()), ("lang", "en")])
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 403);
    let page = response.text().await.expect("body");
    assert!(
        page.contains("Форма устарела"),
        "explains in Russian: {page}"
    );

    // A token from another visitor's page does not work either.
    let other = client();
    let response = other
        .post(app.url("/lang"))
        .form(&[("_csrf", token.as_str()), ("lang", "en")])
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn unknown_routes_get_a_page_or_json_by_accept() {
    let app = TestApp::spawn().await;
    let page = app.get("/no/such/page").await;
    assert_eq!(page.status(), 404);
    let request_id = page.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let html = page.text().await.expect("body");
    assert!(html.contains("Страница не найдена"));
    assert!(html.contains(&request_id), "the page names the request id");

    let json = app
        .client
        .get(app.url("/no/such/page"))
        .header("accept", "application/json")
        .send()
        .await
        .expect("answered");
    assert_eq!(json.status(), 404);
    let body: serde_json::Value = json.json().await.expect("json");
    assert_eq!(body["error"]["code"], "not_found");
    assert!(body["error"]["fields"].is_array());

    let api: serde_json::Value = app
        .client
        .get(app.url("/api/v1/nothing"))
        .header("accept-language", "en")
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    assert_eq!(api["error"]["message"], "Page not found");
}

#[tokio::test]
async fn wrong_method_and_oversized_bodies_are_answered_in_shape() {
    let app = TestApp::spawn_with(Options {
        configure: Box::new(|c| c.http.body_limit_bytes = 4096),
        ..Options::default()
    })
    .await;
    let wrong = app
        .client
        .delete(app.url("/api/v1/meta"))
        .send()
        .await
        .expect("answered");
    assert_eq!(wrong.status(), 405);
    assert!(wrong.headers().contains_key("allow"));
    let body: serde_json::Value = wrong.json().await.expect("json");
    assert_eq!(body["error"]["code"], "method_not_allowed");

    let big = "x".repeat(10_000);
    let too_big = app
        .client
        .post(app.url("/api/v1/meta"))
        .header("content-type", "application/json")
        .body(big.clone())
        .send()
        .await
        .expect("answered");
    assert_eq!(too_big.status(), 413);
    let body: serde_json::Value = too_big.json().await.expect("json");
    assert_eq!(body["error"]["code"], "payload_too_large");

    let (_, html) = app.get_text("/").await;
    let token = csrf_token(&html);
    let page = app
        .post_form("/lang", &[("_csrf", &token), ("lang", "en"), ("x", &big)])
        .await;
    assert_eq!(page.status(), 413);
    assert!(
        page.text()
            .await
            .expect("body")
            .contains("Слишком большой запрос")
    );
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let app = TestApp::spawn().await;
    for path in ["/", "/healthz", "/nope", "/api/openapi.json"] {
        let response = app.get(path).await;
        let h = response.headers();
        let csp = h["content-security-policy"].to_str().expect("ascii");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert!(h.contains_key("referrer-policy"), "{path}");
        assert!(
            !h.contains_key("strict-transport-security"),
            "no HSTS over plain HTTP"
        );
        assert!(h.contains_key("x-request-id"), "{path}");
    }
    let response = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "trace-123")
        .send()
        .await
        .expect("answered");
    assert_eq!(response.headers()["x-request-id"], "trace-123");
}

#[tokio::test]
async fn behind_https_cookies_are_secure_and_hsts_is_sent() {
    let app = TestApp::spawn_with(Options {
        configure: Box::new(|c| c.public_url = Some("https://kabinet.example.ru".into())),
        ..Options::default()
    })
    .await;
    let response = app.get("/").await;
    assert!(
        response.headers()["strict-transport-security"]
            .to_str()
            .expect("ascii")
            .contains("max-age=")
    );
    let cookie = response.headers()["set-cookie"].to_str().expect("ascii");
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}

#[tokio::test]
async fn static_assets_are_cached_for_long_and_missing_ones_are_404() {
    let app = TestApp::spawn().await;
    let (_, html) = app.get_text("/").await;
    let start = html.find("/static/app.").expect("stylesheet link");
    let end = html[start..].find('"').expect("end") + start;
    let css = app.get(&html[start..end]).await;
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["cache-control"]
            .to_str()
            .expect("ascii")
            .contains("immutable")
    );
    assert!(
        css.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/css")
    );
    assert_eq!(app.get("/static/app.00000000.css").await.status(), 404);
}

/// A client that keeps the encoding as sent, to see what the server chose.
fn undecoding_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_gzip()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client builds")
}

#[tokio::test]
async fn text_is_compressed_for_browsers_and_compressed_formats_are_sent_as_they_are() {
    let app = TestApp::spawn().await;
    let raw = undecoding_client();
    let encoding_of = |path: &'static str| {
        let raw = raw.clone();
        let url = app.url(path);
        async move {
            let r = raw
                .get(url)
                .header("accept-encoding", crate::harness::BROWSER_ACCEPT_ENCODING)
                .send()
                .await
                .expect("answered");
            assert_eq!(r.status(), 200, "{path}");
            r.headers()
                .get("content-encoding")
                .map(|v| v.to_str().expect("ascii").to_owned())
        }
    };
    assert_eq!(encoding_of("/").await.as_deref(), Some("gzip"));
    assert_eq!(
        encoding_of("/api/openapi.json").await.as_deref(),
        Some("gzip")
    );
    let css = app
        .get_text("/")
        .await
        .1
        .split("href=\"/static/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(|s| format!("/static/{s}"))
        .expect("the page links its stylesheet");
    let r = raw
        .get(app.url(&css))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("answered");
    assert_eq!(r.headers()["content-encoding"], "gzip", "{css}");
    // Without asking, nothing is compressed.
    let r = raw.get(app.url("/")).send().await.expect("answered");
    assert!(r.headers().get("content-encoding").is_none());
}

/// Regression tests for what schemathesis found.
#[tokio::test]
async fn every_json_body_operation_declares_the_framework_errors() {
    let app = TestApp::spawn().await;
    let doc: serde_json::Value = app
        .get("/api/openapi.json")
        .await
        .json()
        .await
        .expect("json");
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            if op.get("requestBody").is_none() {
                continue;
            }
            for code in ["400", "413", "415", "422"] {
                assert!(
                    op["responses"][code].is_object(),
                    "{method} {path} declares {code}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 4);
    // Every rate-limited way in says it may answer 429.
    for path in [
        "/api/v1/auth/register",
        "/api/v1/auth/confirm-phone",
        "/api/v1/auth/login",
        "/api/v1/auth/second-factor",
    ] {
        assert!(
            doc["paths"][path]["post"]["responses"]["429"].is_object(),
            "POST {path} declares 429"
        );
    }
    let not_json = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .body("x")
        .send()
        .await
        .expect("answered");
    assert_eq!(not_json.status(), 415);
    let body: serde_json::Value = not_json.json().await.expect("json");
    assert_eq!(body["error"]["code"], "unsupported_media_type");
}

#[tokio::test]
async fn operations_endpoints_answer_other_methods_with_405_not_a_csrf_refusal() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/readyz", "/metrics"] {
        let response = app
            .client
            .post(app.url(path))
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), 405, "{path}");
    }
}

/// Every operation of the OpenAPI document that takes a JSON body refuses, before it changes
/// anything, a field it does not know (422, the field named) and bytes that are not UTF-8 (400).
#[tokio::test]
async fn every_json_operation_refuses_unknown_fields_and_bytes_that_are_not_utf8() {
    let app = TestApp::spawn().await;
    let api =
        crate::harness::citizen_born(&app, "+79120000777", "json@example.test", "1990-01-01").await;
    let doc: serde_json::Value = app
        .get("/api/openapi.json")
        .await
        .json()
        .await
        .expect("json");
    let (status, passport) = api
        .send(
            reqwest::Method::POST,
            "/api/v1/documents",
            Some(serde_json::json!({ "kind": "other", "title": "Справка" })),
        )
        .await;
    assert_eq!(status, 201, "{passport}");
    let id = passport["id"].as_str().expect("id").to_owned();
    // The agency's operations take an agency key.
    let agency_key = server::features::applications::systems::create_key(
        &app.state,
        "mvd",
        "shell",
        store::audit::Actor::Console,
        None,
    )
    .await
    .expect("agency key");
    let mut checked = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            if op["requestBody"]["content"]["application/json"].is_null() {
                continue;
            }
            // A real id, so that an operation that finds its object first reads the body too.
            let url = app.url(&path.replace("{id}", &id));
            let method =
                reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let token = if path.starts_with("/api/v1/agency/") {
                &agency_key
            } else {
                &api.token
            };
            let send = |body: Vec<u8>| {
                client()
                    .request(method.clone(), url.clone())
                    .bearer_auth(token)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
            };
            let r = send(br#"{"zz_not_a_field": 1}"#.to_vec())
                .await
                .expect("answered");
            assert_eq!(r.status(), 422, "{method} {path} with an unknown field");
            let body: serde_json::Value = r.json().await.expect("json");
            assert!(
                body["error"]["fields"]
                    .as_array()
                    .is_some_and(|f| f.iter().any(|f| f["field"] == "zz_not_a_field")),
                "{method} {path} names the unknown field: {body}"
            );
            let r = send(b"{\"zz\": \"\xff\xfe\"}".to_vec())
                .await
                .expect("answered");
            assert_eq!(
                r.status(),
                400,
                "{method} {path} with bytes that are not UTF-8"
            );
            let body: serde_json::Value = r.json().await.expect("json");
            assert_eq!(body["error"]["code"], "invalid_encoding", "{method} {path}");
            checked.push(format!("{method} {path}"));
        }
    }
    assert!(
        checked.iter().any(|c| c == "PUT /api/v1/reminder-days"),
        "{checked:?}"
    );
    assert!(checked.len() >= 10, "{checked:?}");

    // Nothing of a refused body is applied.
    let (_, before) = api
        .send(reqwest::Method::GET, "/api/v1/reminder-days", None)
        .await;
    let (status, _) = api
        .send(
            reqwest::Method::PUT,
            "/api/v1/reminder-days",
            Some(serde_json::json!({ "every": [5], "kindz": {} })),
        )
        .await;
    assert_eq!(status, 422);
    let (_, after) = api
        .send(reqwest::Method::GET, "/api/v1/reminder-days", None)
        .await;
    assert_eq!(before, after);
}
