//! The agency's side in the JSON API, for an agency's own system: its queue, an application with
//! its answers, files, dialog and journal (internal notes included), and the same moves an
//! officer makes on the pages — take, ask, complete with the result document, reject, note.
//! Authenticated by an agency key (made by the operator at /operator/agencies/{code}/systems),
//! which sees its one agency's applications and nothing else; the moves go through the same
//! code as the officer's, so they are audited, journalled and told to the citizen alike.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::applications::status::Status;
use serde::{Deserialize, Serialize};
use store::applications::{self as repo, QueueFilter};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::office::{self, Missing, Move, Officer};
use super::service::{ApplicationError, Loaded, shown_number};
use crate::features::documents::service::DocumentInput;
use crate::state::AppState;
use crate::web::auth::AgencySystem;
use crate::web::context::RequestMeta;
use crate::web::errors::{ApiError, ErrorBody};
use crate::web::i18n::Msg;
use crate::web::json::JsonBody;

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(queue))
        .routes(routes!(application))
        .routes(routes!(file))
        .routes(routes!(take))
        .routes(routes!(ask))
        .routes(routes!(complete))
        .routes(routes!(reject))
        .routes(routes!(note))
}

impl From<ApplicationError> for ApiError {
    fn from(e: ApplicationError) -> Self {
        match e {
            ApplicationError::NotFound | ApplicationError::Forbidden => ApiError::not_found(),
            ApplicationError::Conflict => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                Msg::new(
                    "Заявление изменено или взято другим сотрудником; прочитайте его заново",
                    "The application was changed or taken by someone else; read it again",
                ),
            ),
            ApplicationError::NotAllowed(_) => ApiError::new(
                StatusCode::CONFLICT,
                "not_allowed",
                Msg::new(
                    "Из этого статуса так нельзя; прочитайте заявление заново",
                    "Not allowed from this status; read the application again",
                ),
            ),
            ApplicationError::Incomplete(Missing::Result) => ApiError::invalid_input().field(
                "result",
                "required",
                Msg::new(
                    "Услуга выдаёт документ: опишите его в result",
                    "The service gives a document: describe it in result",
                ),
            ),
            ApplicationError::Result(problems) => {
                let mut err = ApiError::invalid_input();
                for p in problems {
                    err = err.field_text(&format!("result.{}", p.api_field()), p.code, p.text);
                }
                err
            }
            ApplicationError::NotDraft => ApiError::new(
                StatusCode::CONFLICT,
                "not_editable",
                Msg::new(
                    "Заявление уже не черновик; прочитайте его заново",
                    "The application is not a draft any more; read it again",
                ),
            ),
            ApplicationError::Invalid(_) => ApiError::invalid_input(),
            ApplicationError::Signature => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "wrong_password_or_code",
                Msg::new(
                    "Пароль или код не подошли",
                    "The password or the code did not match",
                ),
            ),
            ApplicationError::Incomplete(Missing::Words) => ApiError::invalid_input().field(
                "text",
                "required",
                Msg::new(
                    "Напишите ответ или приложите файлы",
                    "Write an answer or attach files",
                ),
            ),
            ApplicationError::TooLong => ApiError::invalid_input().field(
                "text",
                "too_long",
                Msg::new("Не больше 5000 знаков", "5000 characters at most"),
            ),
            ApplicationError::ForeignFile => ApiError::invalid_input().field(
                "files",
                "not_yours",
                Msg::new(
                    "Такого файла нет среди ваших документов",
                    "No such file among your documents",
                ),
            ),
            ApplicationError::Unchanged => ApiError::invalid_input().field(
                "answers",
                "unchanged",
                Msg::new("Ни один ответ не изменён", "No answer is changed"),
            ),
            ApplicationError::LevelTooLow => ApiError::new(
                StatusCode::FORBIDDEN,
                "identity_level",
                super::fill::LEVEL_TOO_LOW,
            ),
            ApplicationError::Store(e) => e.into(),
            other => ApiError::internal(other),
        }
    }
}

/// An application in the agency's queue.
#[derive(Serialize, ToSchema)]
pub struct QueueItem {
    pub id: String,
    /// As it is read out: `123-456-789 0`.
    pub number: String,
    pub service: String,
    /// `accepted`, `in_review`, `awaiting_citizen`, `done`, `rejected`, `withdrawn`.
    pub status: String,
    pub submitted_at: Option<String>,
    /// `YYYY-MM-DD`, from the service's term.
    pub due_on: Option<String>,
    /// `this_system`, `officer`, or null when nobody holds it.
    pub held_by: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    /// Pass as `after` for the next page; null on the last.
    pub next: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// `accepted` (the default), `in_review`, `awaiting_citizen`, `done`, `rejected`, `withdrawn`.
    pub status: Option<String>,
    /// A service code of the agency.
    pub service: Option<String>,
    /// `mine` (held by this system) or `free` (held by nobody).
    pub who: Option<String>,
    /// The `next` of the previous page.
    pub after: Option<String>,
    /// 1–200, 50 by default.
    pub limit: Option<i64>,
}

fn item(officer: &Officer, row: &repo::ApplicationRow) -> QueueItem {
    QueueItem {
        id: row.id.clone(),
        number: shown_number(row),
        service: row.service_code.clone(),
        status: row.status.clone(),
        submitted_at: row.submitted_at.map(|t| t.to_string()),
        due_on: row.due_on.clone(),
        held_by: row.assignee_id.as_ref().map(|a| {
            if *a == officer.id {
                "this_system".to_owned()
            } else {
                "officer".to_owned()
            }
        }),
    }
}

fn invalid(field: &str) -> ApiError {
    ApiError::invalid_input().field(
        field,
        "invalid",
        Msg::new("Недопустимое значение", "Value not allowed"),
    )
}

/// The agency's applications in one status, the earliest due first (overdue ones lead), a page
/// at a time.
#[utoipa::path(get, path = "/api/v1/agency/applications", tag = "agency", security(("agency_key" = [])), params(QueueQuery),
    responses((status = 200, description = "A page of the queue", body = QueuePage), (status = 400, description = "Malformed query", body = ErrorBody), (status = 401, description = "No valid agency key", body = ErrorBody), (status = 422, description = "Invalid filter", body = ErrorBody)))]
async fn queue(
    State(state): State<AppState>,
    key: AgencySystem,
    Query(q): Query<QueueQuery>,
) -> Result<Json<QueuePage>, ApiError> {
    let officer = office::system(&key.0);
    let status = match q.status.as_deref() {
        None => Status::Accepted,
        Some(code) => Status::from_code(code)
            .filter(|s| *s != Status::Draft)
            .ok_or_else(|| invalid("status"))?,
    };
    let unassigned = match q.who.as_deref() {
        None | Some("") => false,
        Some("free") => true,
        Some("mine") => false,
        Some(_) => return Err(invalid("who")),
    };
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(invalid("limit"));
    }
    let after = match q.after.as_deref().filter(|a| !a.is_empty()) {
        None => None,
        Some(a) => Some(repo::parse_queue_cursor(a).ok_or_else(|| invalid("after"))?),
    };
    let filter = QueueFilter {
        agency_code: key.0.agency_code.clone(),
        status: status.code().to_owned(),
        service_code: q.service.filter(|s| !s.is_empty()),
        assignee_id: (q.who.as_deref() == Some("mine")).then(|| officer.id.clone()),
        unassigned,
        after,
    };
    let mut rows = repo::queue(&state.db, &filter, limit + 1).await?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(0);
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let next = more.then(|| rows.last()).flatten().map(repo::queue_cursor);
    Ok(Json(QueuePage {
        items: rows.iter().map(|r| item(&officer, r)).collect(),
        next,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct FileItem {
    pub id: String,
    /// The form's field, or `message:<id>` for a file of the citizen's answer.
    pub field: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// Where to download it (with the same key).
    pub href: String,
}

#[derive(Serialize, ToSchema)]
pub struct MessageItem {
    pub id: String,
    pub at: String,
    /// `citizen` or `agency`.
    pub party: String,
    pub body: String,
}

#[derive(Serialize, ToSchema)]
pub struct JournalItem {
    pub at: String,
    /// `submitted`, `viewed`, `taken`, `asked`, `answered`, `completed`, `rejected`, `note` …
    pub kind: String,
    pub status: String,
    pub party: String,
    /// What the citizen was told.
    pub comment: Option<String>,
    /// The agency's own note, never shown to the citizen.
    pub internal_note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct VersionItem {
    pub version: i64,
    /// SHA-256 of `signed`.
    pub digest: String,
    /// The canonical JSON the citizen signed.
    pub signed: String,
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub struct AgencyApplication {
    #[serde(flatten)]
    pub summary: QueueItem,
    pub form_version: i64,
    /// The answers by field name, as submitted (or as last corrected).
    #[schema(value_type = Object)]
    pub answers: serde_json::Value,
    /// Names of the answers filled from the citizen's profile and documents.
    pub prefilled: Vec<String>,
    pub versions: Vec<VersionItem>,
    pub files: Vec<FileItem>,
    pub messages: Vec<MessageItem>,
    pub journal: Vec<JournalItem>,
    /// The result document in the citizen's «Мои документы», once completed.
    pub result_document_id: Option<String>,
    /// The reason of a refusal, or the comment of a completion.
    pub outcome_note: Option<String>,
}

async fn full(
    state: &AppState,
    officer: &Officer,
    app: &Loaded,
) -> Result<AgencyApplication, ApiError> {
    let id = &app.row.id;
    let mut conn = state.db.connection().await?;
    let versions = repo::versions(&mut conn, id).await?;
    let files = repo::all_files(&mut conn, id).await?;
    let messages = repo::messages(&mut conn, id).await?;
    let journal = repo::agency_events(&mut conn, id).await?;
    drop(conn);
    Ok(AgencyApplication {
        summary: item(officer, &app.row),
        form_version: app.row.form_version,
        answers: serde_json::from_str(&app.row.answers).unwrap_or_default(),
        prefilled: app.prefilled.clone(),
        versions: versions
            .into_iter()
            .map(|v| VersionItem {
                version: v.version,
                digest: v.digest,
                signed: v.canonical,
                at: v.created_at.to_string(),
            })
            .collect(),
        files: files
            .into_iter()
            .map(|f| FileItem {
                href: format!("/api/v1/agency/applications/{id}/files/{}", f.file_id),
                id: f.file_id,
                field: f.field,
                name: f.name,
                content_type: f.content_type,
                size: f.size,
                sha256: f.sha256,
            })
            .collect(),
        messages: messages
            .into_iter()
            .map(|m| MessageItem {
                id: m.id,
                at: m.at.to_string(),
                party: m.party,
                body: m.body,
            })
            .collect(),
        journal: journal
            .into_iter()
            .map(|e| JournalItem {
                at: e.at.to_string(),
                kind: e.kind,
                status: e.status,
                party: e.party,
                comment: e.comment,
                internal_note: e.internal_note,
            })
            .collect(),
        result_document_id: app.row.result_document_id.clone(),
        outcome_note: app.row.outcome_note.clone(),
    })
}

/// One application of the agency. Reading it is audited, and the citizen's journal says the
/// agency viewed it (once a day).
#[utoipa::path(get, path = "/api/v1/agency/applications/{id}", tag = "agency", security(("agency_key" = [])), params(("id" = String, Path)),
    responses((status = 200, description = "The application", body = AgencyApplication), (status = 401, description = "No valid agency key", body = ErrorBody), (status = 404, description = "No such application of this agency", body = ErrorBody)))]
async fn application(
    State(state): State<AppState>,
    meta: RequestMeta,
    key: AgencySystem,
    Path(id): Path<String>,
) -> Result<Json<AgencyApplication>, ApiError> {
    let officer = office::system(&key.0);
    let app = office::open(&state, &officer, &id, &meta).await?;
    Ok(Json(full(&state, &officer, &app).await?))
}

/// A file the application refers to (its form's or a message's), streamed; audited.
#[utoipa::path(get, path = "/api/v1/agency/applications/{id}/files/{file_id}", tag = "agency", security(("agency_key" = [])), params(("id" = String, Path), ("file_id" = String, Path)),
    responses((status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>), (status = 401, description = "No valid agency key", body = ErrorBody), (status = 404, description = "No such file of this application", body = ErrorBody)))]
async fn file(
    State(state): State<AppState>,
    meta: RequestMeta,
    key: AgencySystem,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let officer = office::system(&key.0);
    let app = office::peek(&state, &officer, &id).await?;
    let (file, stream) = office::file(&state, &officer, &app, &file_id, &meta).await?;
    Ok(office::file_response(&file, stream))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskRequest {
    /// What the citizen must send or correct, in words the citizen reads.
    pub message: String,
    #[serde(default)]
    pub internal_note: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    /// Why it is refused and what the citizen can do, in words the citizen reads.
    pub reason: String,
    #[serde(default)]
    pub internal_note: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteRequest {
    /// The agency's words to the citizen.
    #[serde(default)]
    pub comment: String,
    /// The document the service gives, for the citizen's «Мои документы» (its kind is the
    /// service's; `kind` is ignored). Required when the service gives a document.
    #[serde(default)]
    pub result: Option<DocumentInput>,
    #[serde(default)]
    pub internal_note: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    /// The agency's own note, never shown to the citizen.
    pub text: String,
}

async fn moved(
    state: &AppState,
    key: &AgencySystem,
    id: &str,
    meta: &RequestMeta,
    step: Move<'_>,
    internal_note: Option<&str>,
    words_field: &str,
) -> Result<Json<AgencyApplication>, ApiError> {
    let officer = office::system(&key.0);
    let app = office::peek(state, &officer, id).await?;
    office::make(state, &officer, &app, step, internal_note, meta)
        .await
        .map_err(|e| match e {
            ApplicationError::Incomplete(Missing::Words) => ApiError::invalid_input().field(
                words_field,
                "required",
                Msg::new(
                    "Напишите, что нужно заявителю или почему отказано",
                    "Write what the applicant must do, or why it is refused",
                ),
            ),
            ApplicationError::TooLong => ApiError::invalid_input().field(
                words_field,
                "too_long",
                Msg::new("Не длиннее 5000 знаков", "At most 5000 characters"),
            ),
            other => other.into(),
        })?;
    let fresh = office::peek(state, &officer, id).await?;
    Ok(Json(full(state, &officer, &fresh).await?))
}

/// Takes an application nobody holds: this system holds it from now on («На рассмотрении»).
#[utoipa::path(post, path = "/api/v1/agency/applications/{id}/take", tag = "agency", security(("agency_key" = [])), params(("id" = String, Path)),
    responses((status = 200, description = "Taken", body = AgencyApplication), (status = 401, description = "No valid agency key", body = ErrorBody), (status = 404, description = "No such application of this agency", body = ErrorBody), (status = 409, description = "Taken by someone else, or not from this status", body = ErrorBody)))]
async fn take(
    State(state): State<AppState>,
    meta: RequestMeta,
    key: AgencySystem,
    Path(id): Path<String>,
) -> Result<Json<AgencyApplication>, ApiError> {
    moved(&state, &key, &id, &meta, Move::Take, None, "").await
}

/// Asks the citizen for a document or a correction («Ожидает уточнения»); the citizen is told.
#[utoipa::path(post, path = "/api/v1/agency/applications/{id}/ask", tag = "agency", security(("agency_key" = [])), params(("id" = String, Path)), request_body = AskRequest,
    responses((status = 200, description = "Asked", body = AgencyApplication), (status = 401, description = "No valid agency key", body = ErrorBody), (status = 404, description = "No such application of this agency", body = ErrorBody), (status = 409, description = "Not held by this system, or not from this status", body = ErrorBody), (status = 422, description = "No message", body = ErrorBody)))]
async fn ask(
    State(state): State<AppState>,
    meta: RequestMeta,
    key: AgencySystem,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AskRequest>,
) -> Result<Json<AgencyApplication>, ApiError> {
    let step = Move::Ask {
        what: &body.message,
    };
    moved(
        &state,
        &key,
        &id,
        &meta,
        step,
        body.internal_note.as_deref(),
        "message",
    )
    .await
}

/// Completes the application («Готово»): the result document lands in the citizen's «Мои
/// документы» (archiving the one it replaces) in the same transaction; the citizen is told.
#[utoipa::path(post, path = "/api/v1/agency/applications/{id}/complete", tag = "agency", security(("agency_key" = [])), params(("id" = String, Path)), request_body = CompleteRequest,
    responses((status = 200, description = "Completed", body = AgencyApplication), (status = 401, description = "No valid agency key", body = ErrorBody), (status = 404, description = "No such application of this agency", body = ErrorBody), (status = 409, description = "Not held by this system, or not from this status", body = ErrorBody), (status = 422, description = "The result document is missing or invalid", body = ErrorBody)))]
async fn complete(
    State(state): State<AppState>,
    meta: RequestMeta,
    key: AgencySystem,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CompleteRequest>,
) -> Result<Json<AgencyApplication>, ApiError> {
    let step = Move::Complete {
        comment: &body.comment,
        result: body.result.as_ref(),
    };
    moved(
        &state,
        &key,
        &id,
        &meta,
        step,
        body.internal_note.as_deref(),
        "comment",
    )
    .await
}

/// Refuses the application («Отклонено») with the reason; the citizen is told.
#[utoipa::path(post, path = "/api/v1/agency/applications/{id}/reject", tag = "agency", security(("agency_key" = [])), params(("id" = String, Path)), request_body = RejectRequest,
    responses((status = 200, description = "Rejected", body = AgencyApplication), (status = 401, description = "No valid agency key", body = ErrorBody), (status = 404, description = "No such application of this agency", body = ErrorBody), (status = 409, description = "Not held by this system, or not from this status", body = ErrorBody), (status = 422, description = "No reason", body = ErrorBody)))]
async fn reject(
    State(state): State<AppState>,
    meta: RequestMeta,
    key: AgencySystem,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<RejectRequest>,
) -> Result<Json<AgencyApplication>, ApiError> {
    let step = Move::Reject {
        reason: &body.reason,
    };
    moved(
        &state,
        &key,
        &id,
        &meta,
        step,
        body.internal_note.as_deref(),
        "reason",
    )
    .await
}

/// Adds an internal note, which the citizen never sees.
#[utoipa::path(post, path = "/api/v1/agency/applications/{id}/notes", tag = "agency", security(("agency_key" = [])), params(("id" = String, Path)), request_body = NoteRequest,
    responses((status = 200, description = "Noted", body = AgencyApplication), (status = 401, description = "No valid agency key", body = ErrorBody), (status = 404, description = "No such application of this agency", body = ErrorBody), (status = 422, description = "No text", body = ErrorBody)))]
async fn note(
    State(state): State<AppState>,
    meta: RequestMeta,
    key: AgencySystem,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<NoteRequest>,
) -> Result<Json<AgencyApplication>, ApiError> {
    let officer = office::system(&key.0);
    let app = office::peek(&state, &officer, &id).await?;
    office::note(&state, &officer, &app, &body.text, &meta)
        .await
        .map_err(|e| match e {
            ApplicationError::Incomplete(_) => ApiError::invalid_input().field(
                "text",
                "required",
                Msg::new("Напишите заметку", "Write the note"),
            ),
            ApplicationError::TooLong => ApiError::invalid_input().field(
                "text",
                "too_long",
                Msg::new("Не длиннее 5000 знаков", "At most 5000 characters"),
            ),
            other => other.into(),
        })?;
    let fresh = office::peek(&state, &officer, &id).await?;
    Ok(Json(full(&state, &officer, &fresh).await?))
}
