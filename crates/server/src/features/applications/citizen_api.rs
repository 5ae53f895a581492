//! The citizen's applications in the JSON API, for the mobile app and other clients: «Мои
//! заявления» with its filters, an application with its journal, dialog, versions and files, a
//! draft started (blank, from an earlier application or from a template), its answers saved
//! whole, signed and submitted with the password, an answer to the agency, a withdrawal. The
//! same service code as the pages: the same checks, transactions, audit records and notices.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::applications::form::Answers;
use domain::applications::number::ApplicationNumber;
use domain::applications::status::{self, Event, Party, Status};
use serde::{Deserialize, Serialize};
use store::applications as repo;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::catalogue::Catalogue;
use super::controls::{problems_in_words, said};
use super::service::{self, ApplicationError, Basis, Loaded, Signature, shown_number};
use crate::features::security::service::Confirming;
use crate::state::AppState;
use crate::web::auth::ApiUser;
use crate::web::context::{RequestInfo, RequestMeta};
use crate::web::errors::{ApiError, ErrorBody};
use crate::web::i18n::{Lang, Msg, Text};
use crate::web::json::JsonBody;

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(one))
        .routes(routes!(start))
        .routes(routes!(save_answers))
        .routes(routes!(submit))
        .routes(routes!(answer))
        .routes(routes!(withdraw))
}

/// An application as «Мои заявления» lists it.
#[derive(Serialize, ToSchema)]
pub struct ApplicationItem {
    pub id: String,
    /// As it is read out (`123-456-789 0`); empty for a draft.
    pub number: String,
    pub service: String,
    pub service_name: String,
    /// `draft`, `accepted`, `in_review`, `awaiting_citizen`, `done`, `rejected`, `withdrawn`.
    pub status: String,
    pub submitted_at: Option<String>,
    /// `YYYY-MM-DD`: the last day of the service's term.
    pub due_on: Option<String>,
    /// A draft is removed then.
    pub expires_at: Option<String>,
    pub updated_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationList {
    pub items: Vec<ApplicationItem>,
    /// Pass as `after` for the next page; null on the last.
    pub next: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// One of the statuses.
    pub status: Option<String>,
    /// A service code.
    pub service: Option<String>,
    /// The application's number, with or without dashes.
    pub number: Option<String>,
    /// 1–200, 50 by default.
    pub limit: Option<i64>,
    /// The `next` of the previous page.
    pub after: Option<String>,
}

fn item(row: &repo::ApplicationRow, catalogue: &Catalogue, lang: Lang) -> ApplicationItem {
    ApplicationItem {
        id: row.id.clone(),
        number: shown_number(row),
        service: row.service_code.clone(),
        service_name: catalogue
            .get(&row.service_code)
            .map_or_else(|| row.service_code.clone(), |e| said(&e.service.name, lang)),
        status: row.status.clone(),
        submitted_at: row.submitted_at.map(|t| t.to_string()),
        due_on: row.due_on.clone(),
        expires_at: row
            .expires_at
            .filter(|_| row.status == Status::Draft.code())
            .map(|t| t.to_string()),
        updated_at: row.updated_at.to_string(),
    }
}

fn invalid(field: &str) -> ApiError {
    ApiError::invalid_input().field(
        field,
        "invalid",
        Msg::new("Недопустимое значение", "Value not allowed"),
    )
}

/// The citizen's applications and drafts, the latest change first.
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, description = "Applications", body = ApplicationList), (status = 400, description = "Malformed query", body = ErrorBody), (status = 401, description = "No valid token", body = ErrorBody), (status = 422, description = "Invalid filter", body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    axum::Extension(info): axum::Extension<RequestInfo>,
    user: ApiUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<ApplicationList>, ApiError> {
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(code) => Some(
            Status::from_code(code)
                .ok_or_else(|| invalid("status"))?
                .code()
                .to_owned(),
        ),
    };
    let number = match q.number.as_deref().filter(|n| !n.trim().is_empty()) {
        None => None,
        Some(n) => Some(
            ApplicationNumber::parse(n)
                .map_err(|_| invalid("number"))?
                .plain(),
        ),
    };
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(invalid("limit"));
    }
    let after = match q.after.as_deref().filter(|a| !a.is_empty()) {
        None => None,
        Some(a) => Some(repo::parse_list_cursor(a).ok_or_else(|| invalid("after"))?),
    };
    let filter = repo::Filter {
        status,
        service_code: q.service.filter(|s| !s.is_empty()),
        number,
        after,
        ..Default::default()
    };
    let mut rows = repo::list(&state.db, &user.user.id, &filter, limit + 1).await?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(0);
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let catalogue = Catalogue::current(&state).await?;
    Ok(Json(ApplicationList {
        next: more.then(|| rows.last()).flatten().map(repo::list_cursor),
        items: rows
            .iter()
            .map(|r| item(r, &catalogue, info.lang))
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationJournalLine {
    pub at: String,
    /// `submitted`, `viewed`, `taken`, `asked`, `answered`, `corrected`, `completed`, `rejected`,
    /// `withdrawn`.
    pub kind: String,
    pub status: String,
    /// What the agency said.
    pub comment: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationMessage {
    pub id: String,
    pub at: String,
    /// `citizen` or `agency`.
    pub party: String,
    pub body: String,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationVersion {
    pub version: i64,
    /// SHA-256 of what was signed.
    pub digest: String,
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationFile {
    /// The document file's id in «Мои документы».
    pub file_id: String,
    pub document_id: String,
    /// The form's field, or `message:<id>` for a file sent with an answer.
    pub field: String,
    pub name: String,
    pub sha256: String,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationView {
    #[serde(flatten)]
    pub summary: ApplicationItem,
    pub form_version: i64,
    /// The answers by field name: a draft's as saved, a submitted one's as signed last.
    #[schema(value_type = Object)]
    pub answers: Answers,
    /// Names of the answers filled from the profile and documents.
    pub prefilled: Vec<String>,
    /// What the agency asks, while it waits for the citizen.
    pub asked: Option<String>,
    /// A refusal's reason, or what the agency said with the result.
    pub outcome_note: Option<String>,
    /// The result document in «Мои документы».
    pub result_document_id: Option<String>,
    pub can_withdraw: bool,
    pub journal: Vec<ApplicationJournalLine>,
    pub messages: Vec<ApplicationMessage>,
    pub versions: Vec<ApplicationVersion>,
    pub files: Vec<ApplicationFile>,
}

async fn view(
    state: &AppState,
    user: &ApiUser,
    id: &str,
    lang: Lang,
) -> Result<ApplicationView, ApiError> {
    let app = service::load(state, &user.user.id, id).await?;
    let catalogue = Catalogue::current(state).await?;
    let mut conn = state.db.connection().await.map_err(ApiError::internal)?;
    let events = repo::public_events(&mut conn, &user.user.id, id).await?;
    let versions = repo::versions(&mut conn, id).await?;
    let files = repo::all_files(&mut conn, id).await?;
    let messages = repo::messages(&mut conn, id).await?;
    drop(conn);
    let asked = (app.status == Status::AwaitingCitizen)
        .then(|| messages.iter().rev().find(|m| m.party == "agency"))
        .flatten()
        .map(|m| m.body.clone());
    Ok(ApplicationView {
        summary: item(&app.row, &catalogue, lang),
        form_version: app.row.form_version,
        answers: app.edited().clone(),
        prefilled: app.prefilled.clone(),
        asked,
        outcome_note: app.row.outcome_note.clone(),
        result_document_id: app.row.result_document_id.clone(),
        can_withdraw: status::next(app.status, Event::Withdraw, Party::Citizen).is_ok(),
        journal: events
            .into_iter()
            .map(|e| ApplicationJournalLine {
                at: e.at.to_string(),
                kind: e.kind,
                status: e.status,
                comment: e.comment,
            })
            .collect(),
        messages: messages
            .into_iter()
            .map(|m| ApplicationMessage {
                id: m.id,
                at: m.at.to_string(),
                party: m.party,
                body: m.body,
            })
            .collect(),
        versions: versions
            .into_iter()
            .map(|v| ApplicationVersion {
                version: v.version,
                digest: v.digest,
                at: v.created_at.to_string(),
            })
            .collect(),
        files: files
            .into_iter()
            .map(|f| ApplicationFile {
                file_id: f.file_id,
                document_id: f.document_id,
                field: f.field,
                name: f.name,
                sha256: f.sha256,
            })
            .collect(),
    })
}

/// One of the citizen's applications or drafts.
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications", security(("bearer" = [])),
    params(("id" = String, Path, description = "The application's id")),
    responses((status = 200, description = "The application", body = ApplicationView), (status = 401, description = "No valid token", body = ErrorBody), (status = 404, description = "No such application of yours", body = ErrorBody)))]
async fn one(
    State(state): State<AppState>,
    axum::Extension(info): axum::Extension<RequestInfo>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<ApplicationView>, ApiError> {
    Ok(Json(view(&state, &user, &id, info.lang).await?))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct StartRequest {
    /// Fill from one of your templates of this service.
    pub template: Option<String>,
    /// Repeat one of your applications of this service.
    pub repeat: Option<String>,
}

/// Starts a draft of a service, prefilled from the profile and documents (and from a template or
/// an earlier application when named: the profile's current values win, consents are asked
/// anew).
#[utoipa::path(post, path = "/api/v1/services/{code}/applications", tag = "applications", security(("bearer" = [])),
    params(("code" = String, Path, description = "The service's code")), request_body = StartRequest,
    responses((status = 201, description = "The draft", body = ApplicationView), (status = 401, description = "No valid token", body = ErrorBody), (status = 403, description = "Your identity level is below the service's", body = ErrorBody), (status = 404, description = "No such service, template or application", body = ErrorBody), (status = 422, description = "Invalid body", body = ErrorBody)))]
async fn start(
    State(state): State<AppState>,
    axum::Extension(info): axum::Extension<RequestInfo>,
    meta: RequestMeta,
    user: ApiUser,
    Path(code): Path<String>,
    JsonBody(body): JsonBody<StartRequest>,
) -> Result<(StatusCode, Json<ApplicationView>), ApiError> {
    let me = &user.user;
    let template = match body.template.as_deref().filter(|t| !t.is_empty()) {
        Some(t) => Some((
            t,
            super::templates::template_answers(&state, &me.id, t, &code).await?,
        )),
        None => None,
    };
    let earlier = match body.repeat.as_deref().filter(|r| !r.is_empty()) {
        Some(r) => {
            let app = service::load(&state, &me.id, r).await?;
            if app.row.service_code != code {
                return Err(ApiError::not_found());
            }
            Some((r, app.answers))
        }
        None => None,
    };
    let basis = match (&template, &earlier) {
        (Some((id, answers)), _) => Basis::Template { id, answers },
        (None, Some((id, answers))) => Basis::Repeat { id, answers },
        (None, None) => Basis::Blank,
    };
    let id = service::start(&state, me, &code, basis, &meta).await?;
    Ok((
        StatusCode::CREATED,
        Json(view(&state, &user, &id, info.lang).await?),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswersRequest {
    #[serde(default)]
    /// Answers by field name (a group's rows as `children.0.name`); an empty text clears one.
    #[schema(value_type = Object)]
    pub answers: Answers,
}

#[derive(Serialize, ToSchema)]
pub struct AnswerProblem {
    pub field: String,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct AnswersSaved {
    /// What still stops the submission; empty when it can be signed.
    pub problems: Vec<AnswerProblem>,
    pub application: ApplicationView,
}

/// Saves a draft's answers (merged into those saved before). The answers are kept even when
/// some do not pass yet; `problems` says which, in the language asked for.
#[utoipa::path(put, path = "/api/v1/applications/{id}/answers", tag = "applications", security(("bearer" = [])),
    params(("id" = String, Path, description = "The draft's id")), request_body = AnswersRequest,
    responses((status = 200, description = "AnswersSaved", body = AnswersSaved), (status = 401, description = "No valid token", body = ErrorBody), (status = 404, description = "No such draft of yours", body = ErrorBody), (status = 409, description = "Not a draft any more, or changed meanwhile", body = ErrorBody), (status = 422, description = "A field the form does not have", body = ErrorBody)))]
async fn save_answers(
    State(state): State<AppState>,
    axum::Extension(info): axum::Extension<RequestInfo>,
    meta: RequestMeta,
    user: ApiUser,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AnswersRequest>,
) -> Result<Json<AnswersSaved>, ApiError> {
    let app = service::load(&state, &user.user.id, &id).await?;
    let problems =
        match service::save_draft_answers(&state, &user.user, &app, &body.answers, &meta).await {
            Ok(p) => p,
            Err(ApplicationError::Invalid(p)) => return Err(invalid_answers(&app, &p)),
            Err(e) => return Err(e.into()),
        };
    Ok(Json(AnswersSaved {
        problems: words(&app, &problems, info.lang),
        application: view(&state, &user, &id, info.lang).await?,
    }))
}

fn words(
    app: &Loaded,
    problems: &domain::applications::form::Problems,
    lang: Lang,
) -> Vec<AnswerProblem> {
    problems_in_words(&app.form, problems, lang)
        .into_iter()
        .map(|(field, message)| AnswerProblem { field, message })
        .collect()
}

/// Answers that do not pass, each at `answers.<name>` in both languages.
fn invalid_answers(app: &Loaded, problems: &domain::applications::form::Problems) -> ApiError {
    let ru = problems_in_words(&app.form, problems, Lang::Ru);
    let en = problems_in_words(&app.form, problems, Lang::En);
    let mut err = ApiError::invalid_input();
    for ((field, ru), (_, en)) in ru.into_iter().zip(en) {
        err = err.field_text(&format!("answers.{field}"), "invalid", Text::new(ru, en));
    }
    err
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// The cabinet password: the simple electronic signature.
    #[serde(default)]
    pub password: String,
    /// The second factor's code, when it is on.
    pub code: Option<String>,
}

const WRONG_SIGNATURE: Msg = Msg::new(
    "Пароль или код не подошли",
    "The password or the code did not match",
);

/// Signs the draft with the password (and the code) and submits it: a number, the due date,
/// version 1 with its digest.
#[utoipa::path(post, path = "/api/v1/applications/{id}/submit", tag = "applications", security(("bearer" = [])),
    params(("id" = String, Path, description = "The draft's id")), request_body = SubmitRequest,
    responses((status = 200, description = "Submitted", body = ApplicationView), (status = 401, description = "No valid token, or the password or code did not match", body = ErrorBody), (status = 404, description = "No such draft of yours", body = ErrorBody), (status = 409, description = "Not a draft any more", body = ErrorBody), (status = 422, description = "Answers that do not pass", body = ErrorBody)))]
async fn submit(
    State(state): State<AppState>,
    axum::Extension(info): axum::Extension<RequestInfo>,
    meta: RequestMeta,
    user: ApiUser,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<SubmitRequest>,
) -> Result<Json<ApplicationView>, ApiError> {
    let app = service::load(&state, &user.user.id, &id).await?;
    if !app.is_draft() {
        return Err(ApplicationError::NotDraft.into());
    }
    let signature = Signature {
        by: Confirming::Token(&user.token_id),
        password: &body.password,
        code: body.code.as_deref().filter(|c| !c.trim().is_empty()),
    };
    match service::submit(&state, &user.user, &app, &signature, &meta).await {
        Ok(_) => Ok(Json(view(&state, &user, &id, info.lang).await?)),
        Err(ApplicationError::Signature) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "wrong_password_or_code",
            WRONG_SIGNATURE,
        )),
        Err(ApplicationError::Invalid(p)) => Err(invalid_answers(&app, &p)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    /// The answer's words (may be empty when files are sent).
    #[serde(default)]
    pub text: String,
    /// Ids of files of your documents in «Мои документы».
    #[serde(default)]
    pub files: Vec<String>,
}

/// Answers the agency's question with words and files from «Мои документы»: back to review.
#[utoipa::path(post, path = "/api/v1/applications/{id}/answer", tag = "applications", security(("bearer" = [])),
    params(("id" = String, Path, description = "The application's id")), request_body = AnswerRequest,
    responses((status = 200, description = "Answered", body = ApplicationView), (status = 401, description = "No valid token", body = ErrorBody), (status = 404, description = "No such application of yours", body = ErrorBody), (status = 409, description = "The agency is not waiting for an answer", body = ErrorBody), (status = 422, description = "No words or files, too long, or a file not yours", body = ErrorBody)))]
async fn answer(
    State(state): State<AppState>,
    axum::Extension(info): axum::Extension<RequestInfo>,
    meta: RequestMeta,
    user: ApiUser,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AnswerRequest>,
) -> Result<Json<ApplicationView>, ApiError> {
    super::reply::answer(&state, &user.user, &id, &body.text, &body.files, &meta).await?;
    Ok(Json(view(&state, &user, &id, info.lang).await?))
}

/// Withdraws an application that is not final.
#[utoipa::path(post, path = "/api/v1/applications/{id}/withdraw", tag = "applications", security(("bearer" = [])),
    params(("id" = String, Path, description = "The application's id")),
    responses((status = 200, description = "Withdrawn", body = ApplicationView), (status = 401, description = "No valid token", body = ErrorBody), (status = 404, description = "No such application of yours", body = ErrorBody), (status = 409, description = "Final already, or a draft", body = ErrorBody)))]
async fn withdraw(
    State(state): State<AppState>,
    axum::Extension(info): axum::Extension<RequestInfo>,
    meta: RequestMeta,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<ApplicationView>, ApiError> {
    let app = service::load(&state, &user.user.id, &id).await?;
    service::withdraw(&state, &user.user, &app, &meta).await?;
    Ok(Json(view(&state, &user, &id, info.lang).await?))
}
