//! A link checker: every link on every page the demo accounts can reach — signed out, as the
//! demo citizen, as the demo operator — answers 200 or a deliberate redirect. No 404 behind a
//! link, in either language.

use std::collections::{BTreeSet, VecDeque};

use crate::harness::{TestApp, client, csrf_token};

/// Paths never followed: sign-out ends the session the crawl needs; the event stream never ends.
const NOT_FOLLOWED: &[&str] = &["/logout", "/notifications/stream"];

/// Local paths in a page's `href` attributes (fragments dropped, `&amp;` decoded).
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|href| href.replace("&amp;", "&"))
        .filter(|href| href.starts_with('/') && !href.starts_with("//"))
        .map(|href| href.split('#').next().unwrap_or_default().to_owned())
        .filter(|href| !href.is_empty())
        .collect()
}

/// Crawls from `start` with `app`'s client; returns the links that did not answer well, each
/// with the page it was found on, and how many were checked.
async fn crawl(app: &TestApp, start: &[&str]) -> (Vec<String>, usize) {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut queue: VecDeque<(String, String)> = start
        .iter()
        .map(|s| ((*s).to_owned(), "(start)".to_owned()))
        .collect();
    let mut broken = Vec::new();
    while let Some((path, from)) = queue.pop_front() {
        if seen.len() >= 400 {
            break;
        }
        if !seen.insert(path.clone()) || NOT_FOLLOWED.iter().any(|n| path.starts_with(n)) {
            continue;
        }
        let response = app.get(&path).await;
        let status = response.status().as_u16();
        if !(status == 200 || (300..400).contains(&status)) {
            broken.push(format!("{path} answered {status} (linked from {from})"));
            continue;
        }
        let is_html = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        if !is_html {
            continue;
        }
        let html = response.text().await.expect("body");
        for link in links(&html) {
            if !seen.contains(&link) {
                queue.push_back((link, path.clone()));
            }
        }
    }
    (broken, seen.len())
}

async fn sign_in(app: &TestApp, login: &str, password: &str) {
    let (_, page) = app.get_text("/login").await;
    let r = app
        .post_form(
            "/login",
            &[
                ("_csrf", &csrf_token(&page)),
                ("login", login),
                ("password", password),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "{login} signs in");
}

async fn english(app: &TestApp) {
    let (_, page) = app.get_text("/").await;
    app.post_form(
        "/lang",
        &[("_csrf", &csrf_token(&page)), ("lang", "en"), ("next", "/")],
    )
    .await;
}

#[tokio::test]
async fn every_link_the_demo_accounts_can_reach_answers() {
    let app = TestApp::spawn().await;
    server::demo::seed(&app.state).await.expect("demo");
    let mut broken = Vec::new();
    let mut checked = 0;

    let visitor = app.with_client(client());
    for lang_en in [false, true] {
        if lang_en {
            english(&visitor).await;
        }
        let (b, n) = crawl(&visitor, &["/", "/login", "/register", "/recover"]).await;
        broken.extend(b);
        checked += n;
    }

    let citizen = app.with_client(client());
    sign_in(&citizen, "citizen@demo.kabinet.test", "Demo-Citizen-2026").await;
    for lang_en in [false, true] {
        if lang_en {
            english(&citizen).await;
        }
        let (b, n) = crawl(&citizen, &["/"]).await;
        broken.extend(b);
        checked += n;
    }

    let operator = app.with_client(client());
    sign_in(
        &operator,
        "operator@demo.kabinet.test",
        "Demo-Operator-2026",
    )
    .await;
    let (b, n) = crawl(&operator, &["/", "/operator"]).await;
    broken.extend(b);
    checked += n;

    eprintln!("the link checker followed {checked} addresses");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert!(checked > 60, "the crawl reached {checked} addresses");
}
