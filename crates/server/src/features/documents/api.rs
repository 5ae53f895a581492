//! My documents and the registry in the JSON API.

use crate::web::context::RequestMeta;
use crate::web::json::JsonBody;
use axum::Extension;
use axum::Json;
use axum::body::Body;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use std::sync::Arc;

use super::cache::Registry;
use super::catalogue::Catalogue;
use super::file_response::stream_file;
use super::listing::ListQuery;
use super::service::{self, DocumentError, DocumentInput, Incoming};
use super::views::{DocumentView, FileView, HistoryEntry, document_view};
use crate::state::AppState;
use crate::web::auth::ApiUser;
use crate::web::context::RequestInfo;
use crate::web::errors::{ApiError, ErrorBody};
use crate::web::i18n::{Lang, Msg};

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_kinds))
        .routes(routes!(list_documents, create_document))
        .routes(routes!(get_document, patch_document, delete_document))
        .routes(routes!(restore_document))
        .routes(crate::web::routes::upload(routes!(
            list_files,
            upload_files
        )))
        .routes(routes!(download_file))
        .routes(crate::web::routes::upload(routes!(replace_file)))
        .routes(routes!(document_history))
        .routes(routes!(get_registry))
}

impl From<DocumentError> for ApiError {
    fn from(e: DocumentError) -> Self {
        match e {
            DocumentError::NotFound => ApiError::not_found(),
            DocumentError::Conflict => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                Msg::new(
                    "Документ изменился, пока вы его редактировали. Загрузите его заново",
                    "The document changed while you were editing it. Load it again",
                ),
            ),
            DocumentError::Invalid(problems) => {
                let mut err = ApiError::invalid_input();
                for p in problems {
                    err = err.field_text(&p.api_field(), p.code, p.text);
                }
                err
            }
            DocumentError::Store(e) => e.into(),
            DocumentError::Objects(e) => ApiError::internal(e),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct KindField {
    pub key: String,
    pub label: String,
    /// `text`, `date`, `division_code`, `choice` …
    #[schema(value_type = String)]
    pub r#type: domain::documents::FieldType,
    pub required: bool,
    /// Which profile value fills it (`surname`, `birth_date` …).
    pub autofill: Option<String>,
    pub options: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct KindView {
    pub code: String,
    pub name: String,
    /// The validity rule as data (`type`: `indefinite`, `fixed_term`, `age_based`, `typed`).
    #[schema(value_type = Object)]
    pub rule: domain::documents::ValidityRule,
    pub lead_days: i16,
    pub max_file_bytes: i64,
    pub number_required: bool,
    pub number_example: Option<String>,
    pub takes_expiry: bool,
    pub identity: bool,
    pub renewal: String,
    pub fields: Vec<KindField>,
}

/// The catalogue of document kinds, with their fields, rules and limits.
#[utoipa::path(get, path = "/api/v1/document-kinds", tag = "documents", security(("bearer" = [])),
    responses((status = 200, description = "Kinds", body = [KindView]), (status = 401, description = "No valid token", body = ErrorBody)))]
async fn list_kinds(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    _user: ApiUser,
) -> Result<Json<Vec<KindView>>, ApiError> {
    let (_, catalogue) = state.caches.catalogue(&state.db).await?;
    let lang = info.lang;
    Ok(Json(
        catalogue
            .active()
            .map(|k| KindView {
                code: k.code.clone(),
                name: k.name(lang).to_owned(),
                rule: k.rule.clone(),
                lead_days: k.lead_days,
                max_file_bytes: k.max_file_bytes,
                number_required: k.schema.number_required(),
                number_example: k
                    .schema
                    .number_format()
                    .and_then(|f| f.example())
                    .map(str::to_owned),
                takes_expiry: k.takes_typed_expiry(),
                identity: k.schema.is_identity(),
                renewal: k.renewal(lang).to_owned(),
                fields: k
                    .fields()
                    .iter()
                    .map(|f| KindField {
                        key: f.key.to_owned(),
                        label: lang.pick(f.label_ru, f.label_en).to_owned(),
                        r#type: f.ty,
                        required: f.required,
                        autofill: f
                            .autofill
                            .and_then(|a| serde_json::to_value(a).ok())
                            .and_then(|v| v.as_str().map(str::to_owned)),
                        options: f.option_values().into_iter().map(str::to_owned).collect(),
                    })
                    .collect(),
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct DocumentList {
    pub items: Vec<DocumentView>,
    pub total: usize,
    pub page: u32,
    pub per_page: u32,
}

/// The user's documents, filtered, searched, sorted and paged.
#[utoipa::path(get, path = "/api/v1/documents", tag = "documents", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, description = "Documents", body = DocumentList), (status = 400, description = "Malformed query (a number that is not one)", body = ErrorBody), (status = 401, description = "No valid token", body = ErrorBody), (status = 422, description = "Invalid filter", body = ErrorBody)))]
async fn list_documents(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: ApiUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<DocumentList>, ApiError> {
    let listing = super::listing::Listing::from_query(&q).map_err(|field| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            Msg::new("Неверный фильтр", "Invalid filter"),
        )
        .field(
            field,
            "invalid",
            Msg::new("Недопустимое значение", "Value not allowed"),
        )
    })?;
    let (items, total) = listing.run(&state, &user.user).await?;
    Ok(Json(DocumentList {
        items: items
            .iter()
            .map(|a| document_view(a, &[], info.lang))
            .collect(),
        total,
        page: listing.page,
        per_page: listing.per_page,
    }))
}

async fn full_view(
    state: &AppState,
    user_id: &str,
    id: &str,
    lang: crate::web::i18n::Lang,
) -> Result<DocumentView, ApiError> {
    let doc = service::get(state, user_id, id).await?;
    let assessor = service::Assessor::load(state, user_id).await?;
    let mut conn = state.db.connection().await.map_err(ApiError::internal)?;
    let files = store::documents::files(&mut conn, user_id, id).await?;
    Ok(document_view(&assessor.assess(doc), &files, lang))
}

/// Adds a document (files are added after, with `POST /api/v1/documents/{id}/files`).
#[utoipa::path(post, path = "/api/v1/documents", tag = "documents", security(("bearer" = [])), request_body = DocumentInput,
    responses((status = 201, description = "Added", body = DocumentView), (status = 401, description = "No valid token", body = ErrorBody), (status = 422, description = "Invalid fields", body = ErrorBody)))]
async fn create_document(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: ApiUser,
    JsonBody(input): JsonBody<DocumentInput>,
) -> Result<(StatusCode, Json<DocumentView>), ApiError> {
    let id = service::create(
        &state,
        &user.user,
        &input,
        Vec::new(),
        &RequestMeta::from(&info),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(full_view(&state, &user.user.id, &id, info.lang).await?),
    ))
}

/// One document with its status and files.
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "documents", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, description = "The document", body = DocumentView), (status = 401, description = "No valid token", body = ErrorBody), (status = 404, description = "No such document of yours", body = ErrorBody)))]
async fn get_document(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<DocumentView>, ApiError> {
    Ok(Json(
        full_view(&state, &user.user.id, &id, info.lang).await?,
    ))
}

/// Changes the fields given (others stay). The kind cannot change. With `revision`, a change
/// made meanwhile is not overwritten (409).
#[utoipa::path(patch, path = "/api/v1/documents/{id}", tag = "documents", security(("bearer" = [])), params(("id" = String, Path)), request_body = Object,
    responses((status = 200, description = "Saved", body = DocumentView), (status = 401, description = "No valid token", body = ErrorBody), (status = 404, description = "No such document of yours", body = ErrorBody), (status = 409, description = "Changed meanwhile", body = ErrorBody), (status = 422, description = "Invalid fields", body = ErrorBody)))]
async fn patch_document(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: ApiUser,
    Path(id): Path<String>,
    JsonBody(mut patch): JsonBody<serde_json::Map<String, serde_json::Value>>,
) -> Result<Json<DocumentView>, ApiError> {
    let doc = service::get(&state, &user.user.id, &id).await?;
    let revision = match patch.remove("revision") {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => Some(v.as_i64().ok_or_else(|| {
            ApiError::invalid_input().field(
                "revision",
                "type",
                Msg::new("Должно быть целое число", "Must be an integer"),
            )
        })?),
    };
    let mut current = service::input_of(&doc);
    current.tags = doc.data.tags.clone();
    let current = serde_json::json!({
        "title": current.title, "number": current.number, "issuer": current.issuer,
        "issued_on": current.issued_on, "expires_on": current.expires_on,
        "description": current.description, "tags": current.tags, "fields": current.fields,
    });
    let mut input: DocumentInput = crate::web::json::patched(current, patch)?;
    input.kind = doc.data.kind_code.clone();
    service::update(
        &state,
        &user.user,
        &id,
        &input,
        revision,
        &RequestMeta::from(&info),
    )
    .await?;
    Ok(Json(
        full_view(&state, &user.user.id, &id, info.lang).await?,
    ))
}

/// Moves the document to the trash; it can be restored for 30 days.
#[utoipa::path(delete, path = "/api/v1/documents/{id}", tag = "documents", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 204, description = "In the trash"), (status = 401, description = "No valid token", body = ErrorBody), (status = 404, description = "No such document of yours", body = ErrorBody)))]
async fn delete_document(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    service::trash(&state, &user.user, &id, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Takes a document back out of the trash.
#[utoipa::path(post, path = "/api/v1/documents/{id}/restore", tag = "documents", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, description = "Restored", body = DocumentView), (status = 401, description = "No valid token", body = ErrorBody), (status = 404, description = "Not in your trash", body = ErrorBody)))]
async fn restore_document(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<DocumentView>, ApiError> {
    service::restore(&state, &user.user, &id, &RequestMeta::from(&info)).await?;
    Ok(Json(
        full_view(&state, &user.user.id, &id, info.lang).await?,
    ))
}

/// Every version of every file of the document.
#[utoipa::path(get, path = "/api/v1/documents/{id}/files", tag = "documents", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, description = "Files", body = [FileView]), (status = 401, description = "No valid token", body = ErrorBody), (status = 404, description = "No such document of yours", body = ErrorBody)))]
async fn list_files(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<FileView>>, ApiError> {
    service::get(&state, &user.user.id, &id).await?;
    let mut conn = state.db.connection().await.map_err(ApiError::internal)?;
    let files = store::documents::files(&mut conn, &user.user.id, &id).await?;
    Ok(Json(files.iter().map(FileView::from).collect()))
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// One or more files (PDF, JPEG, PNG, DOCX), each as a part named `file`.
    #[schema(value_type = Vec<String>, format = Binary)]
    file: Vec<Vec<u8>>,
}

/// Reads the `file` parts of a multipart body into the store, each checked as it streams.
async fn receive_parts(
    state: &AppState,
    kind: &super::catalogue::Kind,
    mut multipart: Multipart,
) -> Result<Vec<Incoming>, ApiError> {
    let mut files: Vec<Incoming> = Vec::new();
    let fail = |files: Vec<Incoming>, err: ApiError| async move {
        service::discard(state, &files).await;
        Err(err)
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return fail(
                    files,
                    ApiError::new(
                        e.status(),
                        "invalid_body",
                        Msg::new(
                            "Некорректное тело multipart/form-data",
                            "Malformed multipart/form-data body",
                        ),
                    ),
                )
                .await;
            }
        };
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("file").to_owned();
        match service::receive(state, kind, &name, field.boxed()).await {
            Ok(f) => files.push(f),
            Err(e) => {
                let p = e.problem();
                return fail(
                    files,
                    ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid_file",
                        Msg::new("Файл не принят", "The file was not accepted"),
                    )
                    .field_text("file", p.code, p.text),
                )
                .await;
            }
        }
    }
    if files.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            Msg::new("Приложите файл", "Attach a file"),
        )
        .field(
            "file",
            "required",
            Msg::new(
                "Приложите файл в поле file",
                "Attach a file as the part named file",
            ),
        ));
    }
    Ok(files)
}

/// The multipart body, read only after the document was found to be the caller's (so another
/// user's id answers 404 whatever the body).
async fn multipart_of(
    req: axum::extract::Request,
    state: &AppState,
) -> Result<Multipart, ApiError> {
    use axum::extract::FromRequest;
    Multipart::from_request(req, state).await.map_err(|e| {
        ApiError::new(
            e.status(),
            "invalid_body",
            Msg::new(
                "Ожидается тело multipart/form-data с файлом в поле file",
                "Expected a multipart/form-data body with the file in the part named file",
            ),
        )
    })
}

async fn kind_of_document(
    state: &AppState,
    user_id: &str,
    id: &str,
) -> Result<super::catalogue::Kind, ApiError> {
    let doc = service::get(state, user_id, id).await?;
    if doc.state == "trashed" {
        return Err(ApiError::not_found());
    }
    Catalogue::load(&state.db)
        .await?
        .get(&doc.data.kind_code)
        .cloned()
        .ok_or_else(ApiError::not_found)
}

/// Attaches files to the document.
#[utoipa::path(post, path = "/api/v1/documents/{id}/files", tag = "documents", security(("bearer" = [])), params(("id" = String, Path)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, description = "Attached", body = [FileView]), (status = 401, description = "No valid token", body = ErrorBody), (status = 404, description = "No such document of yours", body = ErrorBody), (status = 413, description = "Too large", body = ErrorBody), (status = 422, description = "A file was refused, with the reason", body = ErrorBody)))]
async fn upload_files(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: ApiUser,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> Result<(StatusCode, Json<Vec<FileView>>), ApiError> {
    let kind = kind_of_document(&state, &user.user.id, &id).await?;
    let multipart = multipart_of(req, &state).await?;
    let files = receive_parts(&state, &kind, multipart).await?;
    let ids = service::attach(&state, &user.user, &id, files, None, &meta).await?;
    file_views(&state, &user.user.id, &id, &ids).await
}

async fn file_views(
    state: &AppState,
    user_id: &str,
    id: &str,
    ids: &[String],
) -> Result<(StatusCode, Json<Vec<FileView>>), ApiError> {
    let mut conn = state.db.connection().await.map_err(ApiError::internal)?;
    let files = store::documents::files(&mut conn, user_id, id).await?;
    Ok((
        StatusCode::CREATED,
        Json(
            files
                .iter()
                .filter(|f| ids.contains(&f.id))
                .map(FileView::from)
                .collect(),
        ),
    ))
}

/// Uploads a new version of a file; the old version stays downloadable.
#[utoipa::path(post, path = "/api/v1/documents/{id}/files/{file_id}", tag = "documents", security(("bearer" = [])), params(("id" = String, Path), ("file_id" = String, Path)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, description = "The new version", body = [FileView]), (status = 401, description = "No valid token", body = ErrorBody), (status = 404, description = "No such file of yours", body = ErrorBody), (status = 413, description = "Too large", body = ErrorBody), (status = 422, description = "The file was refused, with the reason", body = ErrorBody)))]
async fn replace_file(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: ApiUser,
    Path((id, file_id)): Path<(String, String)>,
    req: axum::extract::Request,
) -> Result<(StatusCode, Json<Vec<FileView>>), ApiError> {
    let kind = kind_of_document(&state, &user.user.id, &id).await?;
    store::documents::file(&state.db, &user.user.id, &id, &file_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let multipart = multipart_of(req, &state).await?;
    let mut files = receive_parts(&state, &kind, multipart).await?;
    if files.len() > 1 {
        service::discard(&state, &files[1..]).await;
        files.truncate(1);
    }
    let ids = service::attach(&state, &user.user, &id, files, Some(&file_id), &meta).await?;
    file_views(&state, &user.user.id, &id, &ids).await
}

/// Downloads the original file, byte for byte (checked against its SHA-256 as it streams).
#[utoipa::path(get, path = "/api/v1/documents/{id}/files/{file_id}", tag = "documents", security(("bearer" = [])), params(("id" = String, Path), ("file_id" = String, Path)),
    responses((status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>), (status = 401, description = "No valid token", body = ErrorBody), (status = 404, description = "No such file of yours", body = ErrorBody)))]
async fn download_file(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: ApiUser,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    stream_file(&state, &user.user, &id, &file_id, &meta, false)
        .await
        .map_err(Into::into)
}

/// What happened to the document: added, changed, files, downloads, deletion, restoration.
#[utoipa::path(get, path = "/api/v1/documents/{id}/history", tag = "documents", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, description = "Newest first", body = [HistoryEntry]), (status = 401, description = "No valid token", body = ErrorBody), (status = 404, description = "No such document of yours", body = ErrorBody)))]
async fn document_history(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<HistoryEntry>>, ApiError> {
    service::get(&state, &user.user.id, &id).await?;
    let records = store::audit::for_object(&state.db, &user.user.id, "document", &id, 200).await?;
    Ok(Json(records.iter().map(HistoryEntry::from).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct RegistrySummary {
    pub expired: usize,
    pub needs_replacement: usize,
    pub expiring: usize,
    pub valid: usize,
    pub indefinite: usize,
}

#[derive(Serialize, ToSchema)]
pub struct RegistryView {
    /// The date statuses were computed for, in the user's time zone.
    pub today: String,
    pub summary: RegistrySummary,
    /// Most urgent first.
    pub items: Vec<DocumentView>,
}

/// The registry of documents and deadlines: every active document with its computed status.
#[utoipa::path(get, path = "/api/v1/registry", tag = "documents", security(("bearer" = [])),
    responses((status = 200, description = "The registry", body = RegistryView), (status = 401, description = "No valid token", body = ErrorBody)))]
async fn get_registry(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: ApiUser,
) -> Result<Response, ApiError> {
    let registry = service::registry(&state, &user.user).await?;
    // Kept serialised beside the page's rendering, under the same key: it changes only with it.
    let rendering = match info.lang {
        Lang::Ru => "api.ru",
        Lang::En => "api.en",
    };
    let json = match state
        .caches
        .fragment(&user.user.id, rendering, &registry.key)
    {
        Some(json) => json,
        None => {
            let json: Arc<str> = serde_json::to_string(&registry_view(&registry, info.lang))
                .map_err(ApiError::internal)?
                .into();
            state
                .caches
                .keep_fragment(&user.user.id, rendering, registry.key, json.clone());
            json
        }
    };
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        Body::from(axum::body::Bytes::from_owner(Kept(json))),
    )
        .into_response())
}

/// A kept rendering sent as the body as it is, without a copy.
struct Kept(Arc<str>);

impl AsRef<[u8]> for Kept {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

fn registry_view(registry: &Registry, lang: Lang) -> RegistryView {
    let (items, today) = (&registry.assessed, registry.today);
    use domain::documents::Status as S;
    let count = |s: S| items.iter().filter(|a| a.assessment.status == s).count();
    RegistryView {
        today: today.to_string(),
        summary: RegistrySummary {
            expired: count(S::Expired),
            needs_replacement: count(S::NeedsReplacement),
            expiring: count(S::Expiring),
            valid: count(S::Valid),
            indefinite: count(S::Indefinite),
        },
        items: items.iter().map(|a| document_view(a, &[], lang)).collect(),
    }
}
