//! The citizen's replies while the agency waits for them: an answer in words with files from
//! «Мои документы», or corrected answers — changed on the form's own steps, checked whole and
//! signed as the application's next version while the earlier one stays. Either returns the
//! application to review and tells the officer who holds it and the agency's system, in one
//! transaction.

use domain::applications::form::{Answers, Form};
use domain::applications::status::{self, Event, Party, Status};
use domain::notifications::Category;
use store::applications::{self as repo, AttachedFile, VersionRow};
use store::audit::{self, Action};
use store::users::UserSummary;

use super::controls::{ShownAnswer, shown_answers};
use super::office::{MAX_WORDS, Missing};
use super::service::{
    self, ApplicationError, Editing, Loaded, Signature, answers_json, attachments, choosable,
    entry, load,
};
use super::webhooks;
use crate::features::notifications::service::{Message, notify};
use crate::state::AppState;
use crate::web::context::RequestMeta;
use crate::web::i18n::Lang;

/// Corrected answers, checked and with what the signature covers.
struct Corrected {
    answers: String,
    canonical: String,
    digest: String,
    files: Vec<AttachedFile>,
    /// The labels of the answers that changed, for the agency's side of the dialog.
    changed: Vec<String>,
}

/// What the citizen sends back.
struct Reply<'a> {
    text: &'a str,
    files: Vec<AttachedFile>,
    corrected: Option<Corrected>,
}

/// The citizen answers the agency's question: words and files from «Мои документы».
pub async fn answer(
    state: &AppState,
    user: &UserSummary,
    id: &str,
    text: &str,
    file_ids: &[String],
    meta: &RequestMeta,
) -> Result<(), ApplicationError> {
    let app = load(state, &user.id, id).await?;
    status::next(app.status, Event::Answer, Party::Citizen)
        .map_err(ApplicationError::NotAllowed)?;
    let text = text.trim();
    if text.is_empty() && file_ids.is_empty() {
        return Err(ApplicationError::Incomplete(Missing::Words));
    }
    if text.chars().count() > MAX_WORDS {
        return Err(ApplicationError::TooLong);
    }
    let own = choosable(state, &user.id).await?;
    let mut files = Vec::new();
    for id in file_ids {
        let c = own
            .iter()
            .find(|c| c.file_id == *id)
            .ok_or(ApplicationError::ForeignFile)?;
        files.push(AttachedFile {
            field: String::new(),
            file_id: c.file_id.clone(),
            document_id: c.document_id.clone(),
            name: c.name.clone(),
            content_type: c.content_type.clone(),
            size: c.size,
            sha256: c.sha256.clone(),
        });
    }
    let reply = Reply {
        text,
        files,
        corrected: None,
    };
    send(state, user, &app, reply, meta).await.map(|_| ())
}

/// Starts correcting the answers: the submitted ones are copied to change on the form's steps.
/// Going on with a correction begun earlier is not an error.
pub async fn begin_correction(
    state: &AppState,
    user: &UserSummary,
    app: &Loaded,
    meta: &RequestMeta,
) -> Result<(), ApplicationError> {
    status::next(app.status, Event::Answer, Party::Citizen)
        .map_err(ApplicationError::NotAllowed)?;
    if app.editing() == Some(Editing::Correction) {
        return Ok(());
    }
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !repo::begin_correction(&mut tx, &user.id, &app.row.id, app.row.version, now).await? {
        return Err(ApplicationError::Conflict);
    }
    let e = entry(user, Action::ApplicationCorrectionSaved, &app.row.id, meta)
        .details(serde_json::json!({ "begun": true }));
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Drops the correction being made; the submitted answers stay as they were.
pub async fn cancel_correction(
    state: &AppState,
    user: &UserSummary,
    app: &Loaded,
    meta: &RequestMeta,
) -> Result<(), ApplicationError> {
    if app.editing() != Some(Editing::Correction) {
        return Ok(());
    }
    let now = state.now();
    let mut tx = state.db.begin().await?;
    repo::end_correction(&mut tx, &user.id, &app.row.id, None, now).await?;
    let e = entry(user, Action::ApplicationCorrectionSaved, &app.row.id, meta)
        .details(serde_json::json!({ "cancelled": true }));
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Checks the corrected answers whole, signs them and sends them as the next version, with the
/// citizen's words when given. Returns the new version's number.
pub async fn correct(
    state: &AppState,
    user: &UserSummary,
    app: &Loaded,
    signature: &Signature<'_>,
    comment: &str,
    meta: &RequestMeta,
) -> Result<i64, ApplicationError> {
    if app.editing() != Some(Editing::Correction) {
        return Err(ApplicationError::NotDraft);
    }
    status::next(app.status, Event::Answer, Party::Citizen)
        .map_err(ApplicationError::NotAllowed)?;
    let answers = app
        .form
        .check(app.edited())
        .map_err(ApplicationError::Invalid)?;
    if answers == app.answers {
        return Err(ApplicationError::Unchanged);
    }
    let comment = comment.trim();
    if comment.chars().count() > MAX_WORDS {
        return Err(ApplicationError::TooLong);
    }
    let own = choosable(state, &user.id).await?;
    let files = attachments(&app.form, &answers, &own).map_err(ApplicationError::Invalid)?;
    service::sign(state, user, signature, meta).await?;
    let (canonical, digest) = service::canonical(
        &app.row.service_code,
        app.row.form_version,
        &answers,
        &files,
    );
    let names = |id: &str| own.iter().find(|c| c.file_id == id).map(|c| c.name.clone());
    let changed = changes(&app.form, &app.answers, &answers, &names, Lang::Ru)
        .into_iter()
        .map(|c| c.label)
        .collect();
    let reply = Reply {
        text: comment,
        files: Vec::new(),
        corrected: Some(Corrected {
            answers: answers_json(&answers),
            canonical,
            digest,
            files,
            changed,
        }),
    };
    send(state, user, app, reply, meta).await
}

/// Sends a reply: back to review, the dialog's message, the new version when corrected, the
/// journal, the audit record, the agency's webhook and the officer's notice, in one transaction.
/// Returns the application's version of answers after it.
async fn send(
    state: &AppState,
    user: &UserSummary,
    app: &Loaded,
    reply: Reply<'_>,
    meta: &RequestMeta,
) -> Result<i64, ApplicationError> {
    let to = status::next(app.status, Event::Answer, Party::Citizen)
        .map_err(ApplicationError::NotAllowed)?;
    let officer = match &app.row.assignee_id {
        Some(officer) => store::users::profile(&state.db, officer).await?,
        None => None,
    };
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !repo::set_status(
        &mut tx,
        &app.row.id,
        app.row.version,
        app.status.code(),
        to.code(),
        None,
        now,
    )
    .await?
    {
        return Err(ApplicationError::Conflict);
    }
    let latest = {
        let versions = repo::versions(&mut tx, &app.row.id).await?;
        versions.last().map_or(1, |v| v.version)
    };
    let version = if reply.corrected.is_some() {
        latest + 1
    } else {
        latest
    };
    // Words sent with the reply answer a pending correction too: it is dropped.
    repo::end_correction(
        &mut tx,
        &user.id,
        &app.row.id,
        reply.corrected.as_ref().map(|c| c.answers.as_str()),
        now,
    )
    .await?;
    if let Some(c) = &reply.corrected {
        repo::insert_version(&mut tx, &app.row.id, version, &c.canonical, &c.digest, now).await?;
        repo::insert_files(&mut tx, &app.row.id, version, &c.files).await?;
    }
    let body = match &reply.corrected {
        Some(c) if reply.text.is_empty() => format!(
            "Исправлены ответы (версия {version}): {}.",
            c.changed.join(", ")
        ),
        _ => reply.text.to_owned(),
    };
    let message_id =
        repo::insert_message(&mut tx, &app.row.id, "citizen", &user.id, &body, now).await?;
    let mut files = reply.files;
    for f in &mut files {
        f.field = format!("message:{message_id}");
    }
    repo::insert_files(&mut tx, &app.row.id, version, &files).await?;
    repo::insert_event(
        &mut tx,
        &repo::NewEvent {
            application_id: &app.row.id,
            kind: if reply.corrected.is_some() {
                "corrected"
            } else {
                "answered"
            },
            status: to.code(),
            party: "citizen",
            actor_id: Some(&user.id),
            agency_code: Some(&app.row.agency_code),
            comment: None,
            internal_note: None,
        },
        now,
    )
    .await?;
    let attached = |files: &[AttachedFile]| {
        files
            .iter()
            .map(|f| serde_json::json!({"file": f.file_id, "sha256": f.sha256}))
            .collect::<Vec<_>>()
    };
    let e = match &reply.corrected {
        Some(c) => entry(user, Action::ApplicationCorrected, &app.row.id, meta).details(
            serde_json::json!({
                "version": version,
                "digest": c.digest,
                "changed": c.changed,
                "files": attached(&c.files),
                "signed_by": "password",
            }),
        ),
        None => entry(user, Action::ApplicationAnswered, &app.row.id, meta)
            .details(serde_json::json!({ "files": attached(&files) })),
    };
    audit::append(&mut tx, &e, now).await?;
    let mut data = app.webhook_data();
    data["message_id"] = serde_json::Value::from(message_id.clone());
    if reply.corrected.is_some() {
        data["version"] = serde_json::Value::from(version);
    }
    webhooks::announce(
        &mut tx,
        &app.row.agency_code,
        webhooks::Event::Message,
        data,
        now,
    )
    .await?;
    if let Some(officer) = &officer {
        let number = app.shown_number();
        let (what_ru, what_en) = if reply.corrected.is_some() {
            (
                "заявитель исправил ответы",
                "the applicant corrected the answers",
            )
        } else {
            ("заявитель ответил на запрос", "the applicant answered")
        };
        let message = Message {
            category: Category::Applications,
            title_ru: format!("Ответ по заявлению № {number}"),
            title_en: format!("An answer on application No. {number}"),
            body_ru: format!("«{}»: {what_ru}.", app.service.name.ru),
            body_en: format!("“{}”: {what_en}.", app.service.name.en),
            link: Some(format!("/office/applications/{}", app.row.id)),
            list: None,
        };
        notify(
            &mut tx,
            state,
            officer,
            &message,
            &format!("application:{}:answered:{message_id}", app.row.id),
            now,
        )
        .await?;
    }
    state.commit_and_wake(tx).await?;
    Ok(version)
}

/// An answer that differs between two versions, in words.
pub struct Change {
    pub label: String,
    pub before: String,
    pub after: String,
}

/// A version of what was submitted — the first, or a correction with what it changed — as both
/// the citizen's and the officer's pages show it (the time in the reader's zone).
pub struct ShownVersion {
    pub version: i64,
    pub when: String,
    pub digest: String,
    pub changes: Vec<Change>,
}

/// «Версии заявления» as both pages show it (the shared macro `versions`), with its words.
pub struct Versions {
    pub list: Vec<ShownVersion>,
    pub t: &'static VersionWords,
}

pub struct VersionWords {
    pub heading: &'static str,
    pub version: &'static str,
    pub first: &'static str,
    pub was: &'static str,
    pub now: &'static str,
}

static VERSION_WORDS_RU: VersionWords = VersionWords {
    heading: "Версии заявления",
    version: "Версия",
    first: "подано",
    was: "Было",
    now: "Стало",
};

static VERSION_WORDS_EN: VersionWords = VersionWords {
    heading: "Versions of the application",
    version: "Version",
    first: "submitted",
    was: "Was",
    now: "Now",
};

/// One answer in a line of words; a group's rows numbered.
fn in_one_line(a: &ShownAnswer) -> String {
    if a.rows.is_empty() {
        return a.value.clone();
    }
    a.rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let pairs: Vec<String> = row.iter().map(|(l, v)| format!("{l}: {v}")).collect();
            format!("{}. {}", i + 1, pairs.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The answers that differ between two sets of answers, step by step in the form's order.
pub fn changes(
    form: &Form,
    before: &Answers,
    after: &Answers,
    files: &dyn Fn(&str) -> Option<String>,
    lang: Lang,
) -> Vec<Change> {
    let not_given = lang.pick("Не указано", "Not given");
    let mut out = Vec::new();
    for step in &form.steps {
        let old = shown_answers(step, before, files, lang);
        let new = shown_answers(step, after, files, lang);
        for field in &step.fields {
            let o = old.iter().find(|a| a.name == field.name);
            let n = new.iter().find(|a| a.name == field.name);
            let Some(label) = o.or(n).map(|a| a.label.clone()) else {
                continue;
            };
            let words =
                |a: Option<&ShownAnswer>| a.map_or_else(|| not_given.to_owned(), in_one_line);
            let (before, after) = (words(o), words(n));
            if before != after {
                out.push(Change {
                    label,
                    before,
                    after,
                });
            }
        }
    }
    out
}

/// The answers a version's canonical JSON holds.
fn version_answers(v: &VersionRow) -> Answers {
    serde_json::from_str::<serde_json::Value>(&v.canonical)
        .ok()
        .and_then(|j| serde_json::from_value(j["answers"].clone()).ok())
        .unwrap_or_default()
}

/// Every version with what each correction changed.
pub fn shown_versions(
    form: &Form,
    versions: &[VersionRow],
    files: &dyn Fn(&str) -> Option<String>,
    time_zone: &str,
    lang: Lang,
) -> Versions {
    let mut out = Vec::new();
    let mut before: Option<Answers> = None;
    for v in versions {
        let answers = version_answers(v);
        let changes = match &before {
            Some(b) => changes(form, b, &answers, files, lang),
            None => Vec::new(),
        };
        out.push(ShownVersion {
            version: v.version,
            when: crate::local_time::shown(v.created_at, time_zone),
            digest: v.digest.clone(),
            changes,
        });
        before = Some(answers);
    }
    Versions {
        list: out,
        t: lang.pick(&VERSION_WORDS_RU, &VERSION_WORDS_EN),
    }
}

/// Whether the citizen may correct the answers now.
pub fn can_correct(app: &Loaded) -> bool {
    app.status == Status::AwaitingCitizen
}
