//! The citizen's side of an application: a draft started from a service (prefilled), saved at
//! every step, checked whole, signed with the password (and the second factor when it is on)
//! and submitted — a number, the due date from the service's term, an immutable version with
//! the answers and the attachments' SHA-256 and its digest in the audit chain, a notice. Later:
//! withdrawing while not final.

use std::collections::BTreeMap;

use domain::applications::catalogue::Service;
use domain::applications::form::{Answers, Form, Kind, Problem, Problems, Step};
use domain::applications::number::ApplicationNumber;
use domain::applications::status::{self, Event, Party, Status};
use domain::documents::FieldError;
use domain::notifications::Category;
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;
use store::StoreError;
use store::applications::{self as repo, ApplicationRow, AttachedFile, Choosable, NewDraft};
use store::audit::{self, Action, Actor, Entry};
use store::users::UserSummary;

use super::catalogue::{Catalogue, Entry as ServiceEntry};
use super::prefill::Sources;
use super::webhooks;
use crate::features::notifications::service::{Message, notify};
use crate::features::security::service::{self as security, Confirming, SecurityError};
use crate::state::AppState;
use crate::web::context::RequestMeta;

/// A draft is removed this long after its last change.
pub const DRAFT_LIFETIME: SignedDuration = SignedDuration::from_hours(60 * 24);

#[derive(Debug, thiserror::Error)]
pub enum ApplicationError {
    /// No such application of this citizen, or no such service or step.
    #[error("not found")]
    NotFound,
    /// The application is not a draft any more (submitted in another tab, or expired).
    #[error("not a draft")]
    NotDraft,
    /// Someone changed it meanwhile (another tab).
    #[error("changed meanwhile")]
    Conflict,
    /// Answers that do not pass the form's checks.
    #[error("invalid answers")]
    Invalid(Problems),
    /// The simple signature failed: a wrong password or code.
    #[error("the signature failed")]
    Signature,
    /// The move is not allowed from this status (the reason in the domain's words).
    #[error("not allowed: {0:?}")]
    NotAllowed(status::Refusal),
    /// Not an officer of an agency.
    #[error("forbidden")]
    Forbidden,
    /// A move without the words or the result it needs.
    #[error("incomplete: {0:?}")]
    Incomplete(super::office::Missing),
    /// The result document does not pass the document's checks.
    #[error("the result document is invalid")]
    Result(Vec<crate::features::documents::service::Problem>),
    /// A message longer than allowed.
    #[error("too long")]
    TooLong,
    /// A file that is not one of the citizen's current document files.
    #[error("not the citizen's file")]
    ForeignFile,
    /// A correction that changes no answer.
    #[error("nothing corrected")]
    Unchanged,
    /// The citizen's identity level is below the service's.
    #[error("identity level too low")]
    LevelTooLow,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Security(SecurityError),
}

impl From<sqlx::Error> for ApplicationError {
    fn from(e: sqlx::Error) -> Self {
        ApplicationError::Store(e.into())
    }
}

/// An application with the service and the form version it was filled against.
pub struct Loaded {
    pub row: ApplicationRow,
    pub status: Status,
    pub answers: Answers,
    pub prefilled: Vec<String>,
    pub form: Form,
    pub service: Service,
    /// The answers being corrected while the agency waits for the citizen.
    pub correction: Option<Answers>,
}

/// What the citizen is filling in: a draft, or a correction of the answers the agency waits on
/// (signed as the application's next version).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Editing {
    Draft,
    Correction,
}

/// An application's number as it is read out (`123-456-789 0`); empty for a draft.
pub fn shown_number(row: &ApplicationRow) -> String {
    row.number
        .as_deref()
        .and_then(|n| ApplicationNumber::parse(n).ok())
        .map(|n| n.to_string())
        .unwrap_or_default()
}

impl Loaded {
    /// The number as it is read out.
    pub fn shown_number(&self) -> String {
        shown_number(&self.row)
    }

    /// What an agency's webhook says about the application: which one, never what it holds.
    pub fn webhook_data(&self) -> serde_json::Value {
        serde_json::json!({
            "application_id": self.row.id,
            "number": self.row.number,
            "service": self.row.service_code,
        })
    }

    pub fn is_draft(&self) -> bool {
        self.status == Status::Draft
    }

    /// What the citizen may fill in now, if anything.
    pub fn editing(&self) -> Option<Editing> {
        if self.is_draft() {
            Some(Editing::Draft)
        } else if self.correction.is_some() {
            Some(Editing::Correction)
        } else {
            None
        }
    }

    /// The answers being filled in: the draft's, or the correction's.
    pub fn edited(&self) -> &Answers {
        self.correction.as_ref().unwrap_or(&self.answers)
    }

    /// The steps shown for the submitted answers.
    pub fn steps(&self) -> Vec<&Step> {
        self.form.shown_steps(&self.answers).collect()
    }

    /// The steps shown for the answers being filled in.
    pub fn edited_steps(&self) -> Vec<&Step> {
        self.form.shown_steps(self.edited()).collect()
    }
}

pub(crate) fn answers_json(a: &Answers) -> String {
    serde_json::to_string(a).unwrap_or_else(|_| "{}".to_owned())
}

pub(crate) fn entry(user: &UserSummary, action: Action, id: &str, meta: &RequestMeta) -> Entry {
    Entry::new(Actor::of(user), action)
        .object("application", id)
        .subject(&user.id)
        .from_request(meta.ip.clone(), None)
}

/// Where a new draft's answers come from, besides the profile and documents.
pub enum Basis<'a> {
    Blank,
    /// «Повторить заявление»: an earlier application's answers.
    Repeat {
        id: &'a str,
        answers: &'a Answers,
    },
    /// «Заполнить по шаблону».
    Template {
        id: &'a str,
        answers: &'a Answers,
    },
}

impl Basis<'_> {
    fn answers(&self) -> Option<&Answers> {
        match self {
            Basis::Blank => None,
            Basis::Repeat { answers, .. } | Basis::Template { answers, .. } => Some(answers),
        }
    }

    fn audited(&self) -> serde_json::Value {
        match self {
            Basis::Blank => serde_json::Value::Null,
            Basis::Repeat { id, .. } => serde_json::json!({ "repeats": id }),
            Basis::Template { id, .. } => serde_json::json!({ "template": id }),
        }
    }
}

/// The earlier answers a new draft keeps: what the current form still asks (no consents), and
/// of the files only those still among the citizen's current document files.
fn carried(form: &Form, earlier: &Answers, own: &[Choosable]) -> Answers {
    let mut out = form.carried_over(earlier);
    for step in &form.steps {
        for field in &step.fields {
            if !matches!(field.kind, Kind::Files { .. }) {
                continue;
            }
            let Some(ids) = out.get(&field.name) else {
                continue;
            };
            let kept: Vec<&str> = ids
                .split(',')
                .map(str::trim)
                .filter(|id| own.iter().any(|c| c.file_id == *id))
                .collect();
            if kept.is_empty() {
                out.remove(&field.name);
            } else {
                let kept = kept.join(",");
                out.insert(field.name.clone(), kept);
            }
        }
    }
    out
}

/// Starts a draft of a service, prefilled from the profile and documents — over an earlier
/// application's or a template's answers when given (the profile's current values win).
/// Returns its id.
pub async fn start(
    state: &AppState,
    user: &UserSummary,
    service_code: &str,
    basis: Basis<'_>,
    meta: &RequestMeta,
) -> Result<String, ApplicationError> {
    let catalogue = Catalogue::current(state).await?;
    let service: &ServiceEntry = catalogue
        .get(service_code)
        .ok_or(ApplicationError::NotFound)?;
    let profile = store::users::profile(&state.db, &user.id)
        .await?
        .ok_or(ApplicationError::NotFound)?;
    if !super::fill::level_enough(&profile.identity_level, service.service.level) {
        return Err(ApplicationError::LevelTooLow);
    }
    let form = &service.service.form;
    let sources = Sources::read(&state.db, &user.id, form).await?;
    let (fresh, prefilled) = sources.answers(form);
    let mut answers = match basis.answers() {
        Some(earlier) => carried(form, earlier, &choosable(state, &user.id).await?),
        None => Answers::new(),
    };
    answers.extend(fresh);
    let id = store::new_id();
    let now = state.now();
    let mut tx = state.db.begin().await?;
    repo::insert_draft(
        &mut tx,
        &NewDraft {
            id: &id,
            owner_id: &user.id,
            service_code,
            agency_code: &service.service.agency,
            form_version: service.form_version,
            answers: &answers_json(&answers),
            prefilled: &serde_json::to_string(&prefilled).unwrap_or_else(|_| "[]".into()),
            expires_at: now + DRAFT_LIFETIME,
        },
        now,
    )
    .await?;
    let e = entry(user, Action::ApplicationStarted, &id, meta).details(serde_json::json!({
        "service": service_code,
        "form_version": service.form_version,
        "prefilled": prefilled.len(),
        "from": basis.audited(),
    }));
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// The citizen's application with its form version.
pub async fn load(state: &AppState, owner_id: &str, id: &str) -> Result<Loaded, ApplicationError> {
    let row = {
        let mut conn = state.db.connection().await?;
        repo::get(&mut conn, owner_id, id)
            .await?
            .ok_or(ApplicationError::NotFound)?
    };
    loaded_row(state, row).await
}

/// An application row with its service and form version.
pub async fn loaded_row(state: &AppState, row: ApplicationRow) -> Result<Loaded, ApplicationError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("application {}: {what}", row.id));
    let form_json = store::catalogue::form(&state.db, &row.service_code, row.form_version)
        .await?
        .ok_or_else(|| corrupt("its form version is missing"))?;
    let form: Form = serde_json::from_str(&form_json).map_err(|_| corrupt("form"))?;
    let details = store::catalogue::service(&state.db, &row.service_code)
        .await?
        .ok_or_else(|| corrupt("its service is missing"))?;
    let mut value: serde_json::Value =
        serde_json::from_str(&details.details).map_err(|_| corrupt("service"))?;
    value["form"] = serde_json::from_str(&form_json).map_err(|_| corrupt("form"))?;
    let service: Service = serde_json::from_value(value).map_err(|_| corrupt("service"))?;
    let answers: Answers = serde_json::from_str(&row.answers).map_err(|_| corrupt("answers"))?;
    let prefilled: Vec<String> = serde_json::from_str(&row.prefilled).unwrap_or_default();
    let status = Status::from_code(&row.status).ok_or_else(|| corrupt("status"))?;
    // A correction left over from an earlier request is not shown once the agency moved on.
    let correction = match (&row.correction, status) {
        (Some(json), Status::AwaitingCitizen) => {
            Some(serde_json::from_str(json).map_err(|_| corrupt("correction"))?)
        }
        _ => None,
    };
    Ok(Loaded {
        row,
        status,
        answers,
        prefilled,
        form,
        service,
        correction,
    })
}

/// The answer names a step owns: its fields, and every row of its groups.
fn owns(step: &Step, name: &str) -> bool {
    step.fields.iter().any(|f| {
        name == f.name
            || (matches!(f.kind, Kind::Group { .. })
                && name
                    .strip_prefix(f.name.as_str())
                    .is_some_and(|rest| rest.starts_with('.')))
    })
}

/// What a step's page shows after saving.
pub enum Saved {
    /// The step's answers pass; go on.
    Passed,
    /// Saved as typed, with the problems to show.
    Problems(Problems),
}

/// The problems a step's answers have as typed now, saving nothing (the page's live check).
pub fn step_problems(app: &Loaded, step: &Step, typed: &Answers) -> Problems {
    let mut answers: Answers = app
        .edited()
        .iter()
        .filter(|(k, _)| !owns(step, k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    answers.extend(
        typed
            .iter()
            .filter(|(k, v)| owns(step, k) && !v.trim().is_empty())
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    app.form
        .check_step(step, &answers)
        .err()
        .unwrap_or_default()
}

/// Saves one step's answers into the draft — as typed, so nothing is lost, and in their normal
/// form when they pass. Files must be the citizen's own current document files.
pub async fn save_step(
    state: &AppState,
    user: &UserSummary,
    app: &Loaded,
    step: &Step,
    typed: &Answers,
    meta: &RequestMeta,
) -> Result<Saved, ApplicationError> {
    let Some(editing) = app.editing() else {
        return Err(ApplicationError::NotDraft);
    };
    let mut merged: Answers = app
        .edited()
        .iter()
        .filter(|(k, _)| !owns(step, k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mine: Answers = typed
        .iter()
        .filter(|(k, v)| owns(step, k) && !v.trim().is_empty())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut with_typed = merged.clone();
    with_typed.extend(mine.clone());
    let outcome = match app.form.check_step(step, &with_typed) {
        Ok(normal) => {
            let problems = foreign_files(state, &user.id, step, &normal).await?;
            if problems.is_empty() {
                merged.extend(normal);
                Saved::Passed
            } else {
                merged.extend(mine);
                Saved::Problems(problems)
            }
        }
        Err(problems) => {
            merged.extend(mine);
            Saved::Problems(problems)
        }
    };
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let (saved, action) = match editing {
        Editing::Draft => (
            repo::save_answers(
                &mut tx,
                &user.id,
                &app.row.id,
                app.row.version,
                &answers_json(&merged),
                now + DRAFT_LIFETIME,
                now,
            )
            .await?,
            Action::ApplicationDraftSaved,
        ),
        Editing::Correction => (
            repo::save_correction(
                &mut tx,
                &user.id,
                &app.row.id,
                app.row.version,
                &answers_json(&merged),
                now,
            )
            .await?,
            Action::ApplicationCorrectionSaved,
        ),
    };
    if !saved {
        return Err(ApplicationError::Conflict);
    }
    let e = entry(user, action, &app.row.id, meta).details(serde_json::json!({ "step": step.id }));
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// Saves a draft's answers sent whole (the JSON API): a name with an empty text clears it, a
/// name the form does not have is refused; each step that passes keeps its answers in their
/// normal form, the rest as typed. Returns what still stops the submission.
pub async fn save_draft_answers(
    state: &AppState,
    user: &UserSummary,
    app: &Loaded,
    typed: &Answers,
    meta: &RequestMeta,
) -> Result<Problems, ApplicationError> {
    if app.editing() != Some(Editing::Draft) {
        return Err(ApplicationError::NotDraft);
    }
    let unknown: Problems = typed
        .keys()
        .filter(|k| !app.form.steps.iter().any(|s| owns(s, k)))
        .map(|k| (k.clone(), Problem::Field(FieldError::Choice)))
        .collect();
    if !unknown.is_empty() {
        return Err(ApplicationError::Invalid(unknown));
    }
    let mut merged = app.edited().clone();
    for (k, v) in typed {
        if v.trim().is_empty() {
            merged.remove(k);
        } else {
            merged.insert(k.clone(), v.clone());
        }
    }
    let mut problems = Problems::new();
    let mut normal = merged.clone();
    for step in app.form.shown_steps(&merged) {
        match app.form.check_step(step, &merged) {
            Ok(passed) => {
                problems.extend(foreign_files(state, &user.id, step, &passed).await?);
                normal.extend(passed);
            }
            Err(p) => problems.extend(p),
        }
    }
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !repo::save_answers(
        &mut tx,
        &user.id,
        &app.row.id,
        app.row.version,
        &answers_json(&normal),
        now + DRAFT_LIFETIME,
        now,
    )
    .await?
    {
        return Err(ApplicationError::Conflict);
    }
    let e = entry(user, Action::ApplicationDraftSaved, &app.row.id, meta)
        .details(serde_json::json!({ "whole": true, "answers": typed.len() }));
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await?;
    Ok(problems)
}

/// The files fields of a step whose answers name files that are not the citizen's current
/// document files.
async fn foreign_files(
    state: &AppState,
    owner_id: &str,
    step: &Step,
    normal: &Answers,
) -> Result<Problems, ApplicationError> {
    let files_fields: Vec<&str> = step
        .fields
        .iter()
        .filter(|f| matches!(f.kind, Kind::Files { .. }))
        .map(|f| f.name.as_str())
        .collect();
    if files_fields.is_empty() {
        return Ok(Problems::new());
    }
    let own = choosable(state, owner_id).await?;
    Ok(files_fields
        .into_iter()
        .filter(|name| {
            normal.get(*name).is_some_and(|ids| {
                ids.split(',')
                    .any(|id| !own.iter().any(|c| c.file_id == id.trim()))
            })
        })
        .map(|name| (name.to_owned(), Problem::Field(FieldError::Choice)))
        .collect())
}

/// The citizen's files a form can attach.
pub async fn choosable(state: &AppState, owner_id: &str) -> Result<Vec<Choosable>, StoreError> {
    let mut conn = state.db.connection().await?;
    repo::choosable_files(&mut conn, owner_id).await
}

/// Removes a draft.
pub async fn delete_draft(
    state: &AppState,
    user: &UserSummary,
    id: &str,
    meta: &RequestMeta,
) -> Result<(), ApplicationError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !repo::delete_draft(&mut tx, &user.id, id).await? {
        return Err(ApplicationError::NotFound);
    }
    audit::append(
        &mut tx,
        &entry(user, Action::ApplicationDraftDeleted, id, meta),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What a submission gave.
pub struct Submitted {
    pub number: ApplicationNumber,
    pub due_on: jiff::civil::Date,
}

/// The simple signature: the password and, when on, the second factor's code, confirmed for
/// the session (the pages) or the API token (the JSON API) it comes with.
pub struct Signature<'a> {
    pub by: Confirming<'a>,
    pub password: &'a str,
    pub code: Option<&'a str>,
}

/// The files the answers name, with the SHA-256 the submission covers.
pub(crate) fn attachments(
    form: &Form,
    answers: &Answers,
    own: &[Choosable],
) -> Result<Vec<AttachedFile>, Problems> {
    let mut files = Vec::new();
    let mut problems = Problems::new();
    for step in form.shown_steps(answers) {
        for field in &step.fields {
            if !matches!(field.kind, Kind::Files { .. }) {
                continue;
            }
            let Some(ids) = answers.get(&field.name) else {
                continue;
            };
            for id in ids.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                match own.iter().find(|c| c.file_id == id) {
                    Some(c) => files.push(AttachedFile {
                        field: field.name.clone(),
                        file_id: c.file_id.clone(),
                        document_id: c.document_id.clone(),
                        name: c.name.clone(),
                        content_type: c.content_type.clone(),
                        size: c.size,
                        sha256: c.sha256.clone(),
                    }),
                    // The document was deleted or its file replaced since the step was saved.
                    None => problems.push((field.name.clone(), Problem::Field(FieldError::Choice))),
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(files)
    } else {
        Err(problems)
    }
}

/// The submitted version as canonical JSON (keys sorted, no spaces) and its SHA-256: what the
/// citizen signed and the audit chain keeps.
pub fn canonical(
    service: &str,
    form_version: i64,
    answers: &Answers,
    files: &[AttachedFile],
) -> (String, String) {
    let files: Vec<BTreeMap<&str, &str>> = files
        .iter()
        .map(|f| {
            BTreeMap::from([
                ("field", f.field.as_str()),
                ("file_id", f.file_id.as_str()),
                ("sha256", f.sha256.as_str()),
            ])
        })
        .collect();
    let value = serde_json::json!({
        "service": service,
        "form_version": form_version,
        "answers": answers,
        "files": files,
    });
    // serde_json keeps object keys sorted (no preserve_order feature), so this is canonical.
    let text = value.to_string();
    let digest = store::hex(&Sha256::digest(text.as_bytes()));
    (text, digest)
}

/// The simple signature: the citizen's password (and code) confirm what they send.
pub(crate) async fn sign(
    state: &AppState,
    user: &UserSummary,
    signature: &Signature<'_>,
    meta: &RequestMeta,
) -> Result<(), ApplicationError> {
    match security::confirm(
        state,
        user,
        signature.by,
        signature.password,
        signature.code,
        meta,
    )
    .await
    {
        Ok(()) => Ok(()),
        Err(SecurityError::WrongCode | SecurityError::TooManyTries) => {
            Err(ApplicationError::Signature)
        }
        Err(e) => Err(ApplicationError::Security(e)),
    }
}

/// Checks the whole draft, signs it and submits it: a new number, the due date, version 1 with
/// the digest, the journal's first line, the audit record and the citizen's notice, in one
/// transaction.
pub async fn submit(
    state: &AppState,
    user: &UserSummary,
    app: &Loaded,
    signature: &Signature<'_>,
    meta: &RequestMeta,
) -> Result<Submitted, ApplicationError> {
    status::next(app.status, Event::Submit, Party::Citizen)
        .map_err(ApplicationError::NotAllowed)?;
    let answers = app
        .form
        .check(&app.answers)
        .map_err(ApplicationError::Invalid)?;
    let own = choosable(state, &user.id).await?;
    let files = attachments(&app.form, &answers, &own).map_err(ApplicationError::Invalid)?;
    sign(state, user, signature, meta).await?;
    let (text, digest) = canonical(
        &app.row.service_code,
        app.row.form_version,
        &answers,
        &files,
    );
    let now = state.now();
    let received = crate::local_time::today(now, &user.time_zone);
    let profile = store::users::profile(&state.db, &user.id).await?;
    let due_on = app.service.term.due(received);
    // Nine random digits: a taken number (about one in a hundred million at a million
    // applications) is drawn again.
    for _ in 0..5 {
        let number = ApplicationNumber::from_random(rand::random());
        let mut tx = state.db.begin().await?;
        if repo::number_taken(&mut tx, &number.plain()).await? {
            continue;
        }
        let submitted = repo::submit(
            &mut tx,
            &user.id,
            &app.row.id,
            app.row.version,
            &repo::Submission {
                number: &number.plain(),
                answers: &answers_json(&answers),
                due_on: &due_on.to_string(),
            },
            now,
        )
        .await?;
        if !submitted {
            return Err(ApplicationError::Conflict);
        }
        repo::insert_version(&mut tx, &app.row.id, 1, &text, &digest, now).await?;
        repo::insert_files(&mut tx, &app.row.id, 1, &files).await?;
        repo::insert_event(
            &mut tx,
            &repo::NewEvent {
                application_id: &app.row.id,
                kind: "submitted",
                status: Status::Accepted.code(),
                party: "citizen",
                actor_id: Some(&user.id),
                agency_code: Some(&app.row.agency_code),
                comment: None,
                internal_note: None,
            },
            now,
        )
        .await?;
        let e = entry(user, Action::ApplicationSubmitted, &app.row.id, meta).details(
            serde_json::json!({
                "number": number.to_string(),
                "service": app.row.service_code,
                "form_version": app.row.form_version,
                "digest": digest,
                "files": files.len(),
                "signed_by": "password",
            }),
        );
        audit::append(&mut tx, &e, now).await?;
        let mut data = app.webhook_data();
        data["number"] = serde_json::Value::from(number.plain());
        webhooks::announce(
            &mut tx,
            &app.row.agency_code,
            webhooks::Event::Submitted,
            data,
            now,
        )
        .await?;
        tell_submitted(&mut tx, state, profile.as_ref(), app, &number, due_on, now).await?;
        state.commit_and_wake(tx).await?;
        return Ok(Submitted { number, due_on });
    }
    Err(ApplicationError::Store(StoreError::Corrupt(
        "no free application number after five draws".to_owned(),
    )))
}

async fn tell_submitted(
    conn: &mut AnyConnection,
    state: &AppState,
    profile: Option<&store::users::Profile>,
    app: &Loaded,
    number: &ApplicationNumber,
    due_on: jiff::civil::Date,
    now: Timestamp,
) -> Result<(), StoreError> {
    let Some(profile) = profile else {
        return Ok(());
    };
    let due = due_on.strftime("%d.%m.%Y").to_string();
    let message = Message {
        category: Category::Applications,
        title_ru: format!("Заявление № {number} принято"),
        title_en: format!("Application No. {number} accepted"),
        body_ru: format!(
            "«{}»: заявление зарегистрировано. Срок рассмотрения — до {due}. Мы сообщим, когда \
             ведомство начнёт работу и когда будет результат.",
            app.service.name.ru
        ),
        body_en: format!(
            "“{}”: the application is registered. It will be handled by {due}. We will tell you \
             when the agency starts and when the result is ready.",
            app.service.name.en
        ),
        link: Some(format!("/applications/{}", app.row.id)),
        list: None,
    };
    notify(
        conn,
        state,
        profile,
        &message,
        &format!("application:{}:submitted", app.row.id),
        now,
    )
    .await?;
    Ok(())
}

/// Withdraws an application that is not final: the status, the journal, the audit record and a
/// notice, in one transaction.
pub async fn withdraw(
    state: &AppState,
    user: &UserSummary,
    app: &Loaded,
    meta: &RequestMeta,
) -> Result<(), ApplicationError> {
    let to = status::next(app.status, Event::Withdraw, Party::Citizen)
        .map_err(ApplicationError::NotAllowed)?;
    let now = state.now();
    let profile = store::users::profile(&state.db, &user.id).await?;
    let mut tx = state.db.begin().await?;
    let moved = repo::set_status(
        &mut tx,
        &app.row.id,
        app.row.version,
        app.status.code(),
        to.code(),
        None,
        now,
    )
    .await?;
    if !moved {
        return Err(ApplicationError::Conflict);
    }
    repo::insert_event(
        &mut tx,
        &repo::NewEvent {
            application_id: &app.row.id,
            kind: "withdrawn",
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
    let e = entry(user, Action::ApplicationWithdrawn, &app.row.id, meta)
        .details(serde_json::json!({ "from": app.status.code() }));
    audit::append(&mut tx, &e, now).await?;
    webhooks::announce(
        &mut tx,
        &app.row.agency_code,
        webhooks::Event::Withdrawn,
        app.webhook_data(),
        now,
    )
    .await?;
    if let Some(profile) = &profile {
        let shown = app.shown_number();
        let message = Message {
            category: Category::Applications,
            title_ru: format!("Заявление № {shown} отозвано"),
            title_en: format!("Application No. {shown} withdrawn"),
            body_ru: format!("«{}»: вы отозвали заявление.", app.service.name.ru),
            body_en: format!("“{}”: you withdrew the application.", app.service.name.en),
            link: Some(format!("/applications/{}", app.row.id)),
            list: None,
        };
        notify(
            &mut tx,
            state,
            profile,
            &message,
            &format!("application:{}:withdrawn", app.row.id),
            now,
        )
        .await?;
    }
    state.commit_and_wake(tx).await?;
    Ok(())
}
