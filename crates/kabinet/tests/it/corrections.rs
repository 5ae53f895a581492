//! Correcting the answers while the agency waits: the citizen changes them on the form's own
//! steps from a check page that shows what changes, may cancel, and signs the correction, which
//! becomes the application's next version — the earlier one stays visible to both sides, the
//! officer sees nothing until it is signed, and the journal, the dialog and the audit chain
//! record it.

use crate::applications::{citizen_with_passport, location, post_step, submitted_passport};
use crate::harness::{PASSWORD, TestApp};
use crate::office::{post_on, signed_in};

const OLD_ADDRESS: &str = "614000, Пермский край, Пермь, ул. Ленина, 5, 12";
const NEW_ADDRESS: &str = "614000, Пермский край, Пермь, ул. Пушкина, 10, 3";

async fn sign_correction(
    app: &TestApp,
    id: &str,
    password: &str,
    comment: &str,
) -> reqwest::Response {
    post_on(
        app,
        &format!("/applications/{id}/check"),
        &format!("/applications/{id}/submit"),
        &[("password", password), ("comment", comment)],
    )
    .await
}

async fn change_address(app: &TestApp, id: &str, address: &str) -> reqwest::Response {
    post_step(
        app,
        &format!("/applications/{id}/steps/address"),
        &[("registration_address", address), ("phone", "+79120000399")],
    )
    .await
}

#[tokio::test]
async fn a_correction_is_signed_as_the_next_version_and_the_earlier_one_stays_visible() {
    let app = TestApp::spawn().await;
    server::demo::seed(&app.state).await.expect("demo");
    let (_api, photo) = citizen_with_passport(&app, "+79120000411", "correct@example.ru").await;
    let (id, _) = submitted_passport(&app, &photo).await;
    let page = format!("/applications/{id}");

    // Nothing to correct before the agency asks: the steps lead back to the application.
    let r = post_on(&app, &page, &format!("{page}/correct"), &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), page);
    let r = app.get(&format!("{page}/steps/address")).await;
    assert_eq!(
        r.status(),
        303,
        "a submitted application's steps are closed"
    );

    let officer = signed_in(&app, "officer@demo.kabinet.test", "Demo-Officer-2026").await;
    let office = format!("/office/applications/{id}");
    assert_eq!(
        post_on(&officer, &office, &format!("{office}/take"), &[])
            .await
            .status(),
        303
    );
    let r = post_on(
        &officer,
        &office,
        &format!("{office}/ask"),
        &[("what", "Уточните адрес регистрации: в базе другой дом")],
    )
    .await;
    assert_eq!(r.status(), 303);

    // Begun from the application's page; nothing changed yet cannot be signed.
    let (_, html) = app.get_text(&page).await;
    assert!(html.contains("Исправить ответы в заявлении"), "{html}");
    let r = post_on(&app, &page, &format!("{page}/correct"), &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("{page}/check"));
    let (_, check) = app.get_text(&format!("{page}/check")).await;
    assert!(check.contains("Исправьте ответы"), "{check}");
    assert!(check.contains("Пока ни один ответ не изменён"));
    let r = sign_correction(&app, &id, PASSWORD, "").await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("page");
    assert!(body.contains("Вы не изменили ни одного ответа"), "{body}");

    // A change and then «Отменить исправление»: the submitted answers stay.
    let r = change_address(&app, &id, NEW_ADDRESS).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        location(&r),
        format!("{page}/check"),
        "each step returns to the check"
    );
    let r = post_on(
        &app,
        &format!("{page}/check"),
        &format!("{page}/correct/cancel"),
        &[],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, html) = app.get_text(&page).await;
    assert!(html.contains(OLD_ADDRESS));
    assert!(!html.contains(NEW_ADDRESS), "the cancelled change is gone");

    // Begun again: a bad address is refused on its step, typed text kept.
    post_on(&app, &page, &format!("{page}/correct"), &[]).await;
    let r = change_address(&app, &id, "").await;
    assert_eq!(r.status(), 422);
    let r = change_address(&app, &id, NEW_ADDRESS).await;
    assert_eq!(r.status(), 303);
    let (_, check) = app.get_text(&format!("{page}/check")).await;
    assert!(check.contains("Что изменится"));
    assert!(
        check.contains(&format!("<del>{OLD_ADDRESS}</del>")),
        "{check}"
    );
    assert!(check.contains(&format!("<ins>{NEW_ADDRESS}</ins>")));

    // Until it is signed the agency sees the submitted answers only.
    let (_, seen) = officer.get_text(&office).await;
    assert!(seen.contains(OLD_ADDRESS));
    assert!(
        !seen.contains(NEW_ADDRESS),
        "an unsigned correction stays the citizen's"
    );

    // A wrong password keeps the comment; the right one sends version 2.
    let r = sign_correction(&app, &id, "not-my-password", "Исправила номер дома").await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("page")
            .contains("Исправила номер дома")
    );
    let r = sign_correction(&app, &id, PASSWORD, "Исправила номер дома").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("{page}?corrected=2"));

    let (_, mine) = app.get_text(&location(&r)).await;
    assert!(mine.contains("Исправленная версия отправлена"));
    assert!(mine.contains("На рассмотрении"), "back in review");
    assert!(mine.contains("Версии заявления"));
    assert!(
        mine.contains(&format!("<del>{OLD_ADDRESS}</del>")),
        "the old answer stays visible"
    );
    assert!(mine.contains("Вы исправили ответы"));
    let r = app.get(&format!("{page}/steps/address")).await;
    assert_eq!(r.status(), 303, "the steps close again once it is sent");

    let (_, seen) = officer.get_text(&office).await;
    assert!(
        seen.contains(NEW_ADDRESS),
        "the officer reads the corrected answers"
    );
    assert!(seen.contains("Версия 2"));
    assert!(
        seen.contains("Исправила номер дома"),
        "the comment is in the dialog"
    );
    assert!(seen.contains("Заявитель исправил ответы"));
    let (_, inbox) = officer.get_text("/notifications").await;
    assert!(inbox.contains("заявитель исправил ответы"), "{inbox}");

    // Two immutable versions; the audit chain has the correction's digest.
    let digests: Vec<String> = sqlx::query_scalar(
        "SELECT digest FROM application_versions WHERE application_id = $1 ORDER BY version",
    )
    .bind(&id)
    .fetch_all(app.state.db.pool())
    .await
    .expect("versions");
    assert_eq!(digests.len(), 2);
    assert_ne!(digests[0], digests[1]);
    let details: String = sqlx::query_scalar(
        "SELECT details FROM audit_log WHERE action = 'application.corrected' AND object_id = $1",
    )
    .bind(&id)
    .fetch_one(app.state.db.pool())
    .await
    .expect("audited");
    assert!(details.contains(&digests[1]), "{details}");
    let left: Option<String> =
        sqlx::query_scalar("SELECT correction FROM applications WHERE id = $1")
            .bind(&id)
            .fetch_one(app.state.db.pool())
            .await
            .expect("row");
    assert_eq!(left, None);
}
