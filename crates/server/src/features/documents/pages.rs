//! The pages of My documents and of the registry. They work without JavaScript: forms post,
//! uploads are ordinary multipart forms, the timeline is drawn on the server.

use std::collections::HashMap;
use store::audit::Action;

use std::sync::Arc;

use askama::Template;

use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form};
use domain::documents::profile_link::Subject;
use domain::documents::{FieldType, ReplacementReason, Status};
use futures_util::StreamExt;
use jiff::civil::Date;
use serde::Deserialize;
use store::documents::{DocumentRow, FileRow};

use super::api::{ListQuery, stream_file};
use super::cache::Registry;
use super::catalogue::{Catalogue, Kind};
use super::listing::Listing;
use super::service::{self, Assessed, DocumentError, DocumentInput, Incoming, Problem};
use super::texts::{EN, RU, Texts};
use super::timeline::{self, Timeline};
use crate::local_time;
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::context::RequestInfo;
use crate::web::context::RequestMeta;
use crate::web::errors::PageError;
use crate::web::forms::FormErrors;
use crate::web::i18n::Lang;
use crate::web::page::PageCtx;
use crate::web::routes::Routes;

pub fn pages() -> Routes {
    Routes::new()
        .route("/documents", get(list))
        .upload("/documents/new", get(new_form).post(create))
        .route("/documents/trash", get(trash_page))
        .route("/documents/{id}", get(view))
        .route("/documents/{id}/edit", get(edit_form).post(edit_submit))
        .route("/documents/{id}/delete", post(delete))
        .route("/documents/{id}/restore", post(restore))
        .route("/documents/{id}/archive", post(archive))
        .route("/documents/{id}/renew", get(renew))
        .upload("/documents/{id}/files", post(add_files))
        .upload(
            "/documents/{id}/files/{file_id}",
            get(download).post(new_version),
        )
        .route("/documents/{id}/files/{file_id}/preview", get(preview))
        .route("/registry", get(registry))
        .open(
            "/calendar/{token}/deadlines.ics",
            get(super::calendar::feed),
        )
}

fn texts(lang: Lang) -> &'static Texts {
    lang.pick(&RU, &EN)
}

impl From<DocumentError> for PageError {
    fn from(e: DocumentError) -> Self {
        match e {
            DocumentError::NotFound | DocumentError::Invalid(_) | DocumentError::Conflict => {
                PageError::NotFound
            }
            DocumentError::Store(e) => e.into(),
            DocumentError::Objects(e) => PageError::internal(e),
        }
    }
}

/// `25.11.2026`, as Russian documents print dates.
pub fn show_date(d: Date) -> String {
    d.strftime("%d.%m.%Y").to_string()
}

fn show_iso(iso: Option<&str>) -> String {
    iso.and_then(|s| s.parse::<Date>().ok())
        .map(show_date)
        .unwrap_or_default()
}

fn show_size(bytes: i64, lang: Lang) -> String {
    let (kb, mb) = lang.pick(&("КБ", "МБ"), &("KB", "MB"));
    if bytes >= 1024 * 1024 {
        format!("{:.1} {mb}", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} {kb}", ((bytes + 1023) / 1024).max(1))
    }
}

/// An id as the service makes them; anything else is not followed in a redirect.
fn plain_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

// ---------------------------------------------------------------------------------------------
// Status as pages show it: a word, an icon that is not only a colour, and the tag's style.

pub struct StatusView {
    pub code: &'static str,
    pub text: &'static str,
    /// A symbol beside the word, so that colour is not the only signal.
    pub icon: &'static str,
    pub class: &'static str,
    pub reason: Option<&'static str>,
    pub deadline: String,
    pub days: String,
    pub overdue: bool,
    pub renewable: bool,
}

fn status_view(a: &Assessed, lang: Lang) -> StatusView {
    let t = texts(lang);
    let s = a.assessment.status;
    let (icon, class) = match s {
        Status::Expired => ("✕", "bad"),
        Status::NeedsReplacement => ("!", "bad"),
        Status::Expiring => ("◔", "warn"),
        Status::Valid => ("✓", "ok"),
        Status::Indefinite => ("∞", "neutral"),
    };
    let days = a.assessment.days_left;
    StatusView {
        code: s.as_str(),
        text: service::status_label(s, lang),
        icon,
        class,
        reason: a.assessment.reason.map(|r| match r {
            ReplacementReason::AgeReached => t.reason_age,
            ReplacementReason::PersonalDataChanged => t.reason_data,
        }),
        deadline: a.assessment.deadline.map(show_date).unwrap_or_default(),
        days: days.map(|d| d.abs().to_string()).unwrap_or_default(),
        overdue: days.is_some_and(|d| d < 0),
        renewable: matches!(
            s,
            Status::Expired | Status::NeedsReplacement | Status::Expiring
        ),
    }
}

/// One row of a list of documents.
pub struct Item {
    pub id: String,
    pub title: String,
    pub kind_name: String,
    pub number: String,
    pub issued_on: String,
    pub tags: Vec<String>,
    pub status: StatusView,
    /// The first current file, for a direct "download" link: (file id, name).
    pub file: Option<(String, String)>,
}

fn item(a: &Assessed, lang: Lang) -> Item {
    let d = &a.doc.data;
    Item {
        id: a.doc.id.clone(),
        title: a.shown_title(lang),
        kind_name: a
            .kind
            .as_ref()
            .map(|k| k.name(lang).to_owned())
            .unwrap_or_default(),
        number: d.number.clone().unwrap_or_default(),
        issued_on: show_iso(d.issued_on.as_deref()),
        tags: d.tags.clone(),
        status: status_view(a, lang),
        file: None,
    }
}

// ---------------------------------------------------------------------------------------------
// The list

/// The list's query as the filter form shows it back.
#[derive(Default)]
struct Filters {
    state: String,
    q: String,
    kind: String,
    status: String,
    tag: String,
    issued_from: String,
    issued_to: String,
    sort: String,
}

impl Filters {
    fn of(q: &ListQuery) -> Self {
        let v = |x: &Option<String>| x.as_deref().unwrap_or("").trim().to_owned();
        Self {
            state: v(&q.state),
            q: v(&q.q),
            kind: v(&q.kind),
            status: v(&q.status),
            tag: v(&q.tag),
            issued_from: v(&q.issued_from),
            issued_to: v(&q.issued_to),
            sort: v(&q.sort),
        }
    }

    fn pairs(&self) -> [(&'static str, &str); 8] {
        [
            ("state", &self.state),
            ("q", &self.q),
            ("kind", &self.kind),
            ("status", &self.status),
            ("tag", &self.tag),
            ("issued_from", &self.issued_from),
            ("issued_to", &self.issued_to),
            ("sort", &self.sort),
        ]
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "features/documents/list.html")]
struct ListPage {
    page: PageCtx,
    t: &'static Texts,
    f: Filters,
    state: String,
    items: Vec<Item>,
    total: usize,
    page_no: u32,
    pages: u32,
    kinds: Vec<(String, String)>,
    statuses: Vec<(&'static str, &'static str)>,
    tags: Vec<String>,
    errors: FormErrors,
    deleted: Option<String>,
}

impl ListPage {
    /// The link to another page of the same list.
    fn page_link(&self, n: u32) -> String {
        let mut url = form_urlencoded::Serializer::new(String::new());
        for (name, v) in self.f.pairs() {
            if !v.is_empty() {
                url.append_pair(name, v);
            }
        }
        url.append_pair("page", &n.to_string());
        format!("/documents?{}", url.finish())
    }

    /// The two date filters: name, label, value.
    fn date_filters(&self) -> Vec<(&'static str, &'static str, String)> {
        vec![
            (
                "issued_from",
                self.t.issued_from,
                self.f.issued_from.clone(),
            ),
            ("issued_to", self.t.issued_to, self.f.issued_to.clone()),
        ]
    }

    fn sorts(&self) -> Vec<(&'static str, &'static str)> {
        vec![
            ("urgency", self.t.sort_urgency),
            ("title", self.t.sort_title),
            ("issued", self.t.sort_issued),
            ("added", self.t.sort_added),
        ]
    }

    fn filtered(&self) -> bool {
        self.f
            .pairs()
            .iter()
            .any(|(name, v)| !matches!(*name, "state" | "sort") && !v.is_empty())
    }
}

#[derive(Deserialize)]
struct ListNotes {
    deleted: Option<String>,
}

fn statuses(lang: Lang) -> Vec<(&'static str, &'static str)> {
    Status::ALL
        .into_iter()
        .map(|s| (s.as_str(), service::status_label(s, lang)))
        .collect()
}

async fn list(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Query(q): Query<ListQuery>,
    Query(notes): Query<ListNotes>,
) -> Result<Response, PageError> {
    let t = texts(page.lang);
    let lang = page.lang;
    let (_, catalogue) = state.caches.catalogue(&state.db).await?;
    let kinds = catalogue
        .kinds
        .iter()
        .map(|k| (k.code.clone(), k.name(lang).to_owned()))
        .collect();
    let tags = service::registry(&state, user.user()).await?.tags.clone();
    let (listing, errors) = match Listing::from_query(&q) {
        Ok(l) => (Some(l), FormErrors::default()),
        Err(field) => {
            let mut errors = FormErrors::default();
            errors.push(field, bad_filter(field, lang));
            (None, errors)
        }
    };
    let (items, total, page_no, per_page, state_name) = match &listing {
        Some(l) => {
            let (found, total) = l.run(&state, user.user()).await?;
            let items = found.iter().map(|a| item(a, lang)).collect();
            (items, total, l.page, l.per_page, l.filter.state.clone())
        }
        None => (Vec::new(), 0, 1, 20, "active".to_owned()),
    };
    let deleted = notes.deleted.filter(|id| plain_id(id));
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = ListPage {
        t,
        f: Filters::of(&q),
        state: state_name,
        items,
        total,
        page_no,
        pages: (total as u32).div_ceil(per_page).max(1),
        kinds,
        statuses: statuses(lang),
        tags,
        errors,
        deleted,
        page,
    };
    Ok((status, body).into_response())
}

fn bad_filter(field: &str, lang: Lang) -> &'static str {
    match (field, lang) {
        ("issued_from" | "issued_to", Lang::Ru) => "Введите дату в виде ДД.ММ.ГГГГ",
        ("issued_from" | "issued_to", Lang::En) => "Enter a date as DD.MM.YYYY",
        ("q", Lang::Ru) => "Запрос длиннее 200 символов",
        ("q", Lang::En) => "The search is longer than 200 characters",
        (_, Lang::Ru) => "Выберите значение из списка",
        (_, Lang::En) => "Choose a value from the list",
    }
}

// ---------------------------------------------------------------------------------------------
// Adding and editing: one form, built from the kind

/// One input of the document form.
pub struct FieldView {
    pub name: String,
    pub label: String,
    pub hint: String,
    pub value: String,
    pub error: Option<String>,
    /// `text`, `select` or `textarea`
    pub control: &'static str,
    pub options: Vec<(String, String)>,
    pub autocomplete: &'static str,
}

impl FieldView {
    fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.name));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.name));
        }
        ids.join(" ")
    }
}

/// The posted form: every value by name.
type Values = HashMap<String, String>;

fn values_of(input: &DocumentInput) -> Values {
    let mut v: Values = input.fields.clone().into_iter().collect();
    for (k, x) in [
        ("title", &input.title),
        ("number", &input.number),
        ("issuer", &input.issuer),
        ("issued_on", &input.issued_on),
        ("expires_on", &input.expires_on),
        ("description", &input.description),
    ] {
        v.insert(k.to_owned(), x.clone());
    }
    v.insert("tags".to_owned(), input.tags.join(", "));
    // Dates (stored as ISO) show as people type them.
    for value in v.values_mut() {
        if let Ok(d) = value.parse::<Date>() {
            *value = show_date(d);
        }
    }
    v
}

fn input_of(kind: &Kind, v: &Values) -> DocumentInput {
    let get = |k: &str| v.get(k).cloned().unwrap_or_default();
    DocumentInput {
        kind: kind.code.clone(),
        title: get("title"),
        number: get("number"),
        issuer: get("issuer"),
        issued_on: get("issued_on"),
        expires_on: get("expires_on"),
        description: get("description"),
        tags: vec![get("tags")],
        fields: kind
            .fields()
            .iter()
            .map(|f| (f.key.to_owned(), get(f.key)))
            .filter(|(_, v)| !v.trim().is_empty())
            .collect(),
    }
}

fn form_fields(kind: &Kind, v: &Values, errors: &FormErrors, lang: Lang) -> Vec<FieldView> {
    let t = texts(lang);
    let get = |k: &str| v.get(k).cloned().unwrap_or_default();
    let err = |k: &str| errors.get(k).map(str::to_owned);
    let text = |name: &str, label: &str, hint: String| FieldView {
        name: name.to_owned(),
        label: label.to_owned(),
        hint,
        value: get(name),
        error: err(name),
        control: "text",
        options: Vec::new(),
        autocomplete: "off",
    };
    let optional = |label: &str, required: bool| {
        if required {
            label.to_owned()
        } else {
            format!("{label} ({})", t.optional)
        }
    };
    let example = |ty: Option<FieldType>| {
        ty.and_then(FieldType::example)
            .map(|e| format!("{} {e}", t.example))
            .unwrap_or_default()
    };
    let mut out = vec![text(
        "title",
        &optional(t.title, false),
        t.title_hint.into(),
    )];
    out.push(text(
        "number",
        &optional(t.number, kind.schema.number_required()),
        example(kind.schema.number_format()),
    ));
    out.push(text("issuer", &optional(t.issuer, false), String::new()));
    out.push(text(
        "issued_on",
        &optional(t.issued_on, kind.needs_issue_date()),
        t.date_hint.into(),
    ));
    for spec in kind.fields() {
        let label = optional(lang.pick(spec.label_ru, spec.label_en), spec.required);
        let mut f = text(spec.key, &label, String::new());
        match spec.ty {
            FieldType::Choice | FieldType::Sex => {
                f.control = "select";
                let options: Vec<(String, String)> = if spec.ty == FieldType::Sex {
                    vec![
                        (
                            "female".into(),
                            lang.pick(&"Женский", &"Female").to_string(),
                        ),
                        ("male".into(), lang.pick(&"Мужской", &"Male").to_string()),
                    ]
                } else {
                    spec.options
                        .iter()
                        .map(|(v, ru, en)| ((*v).to_owned(), lang.pick(ru, en).to_string()))
                        .collect()
                };
                f.options = options;
            }
            FieldType::Date => f.hint = t.date_hint.into(),
            other => f.hint = example(Some(other)),
        }
        out.push(f);
    }
    if kind.takes_typed_expiry() {
        out.push(text(
            "expires_on",
            &optional(t.expires_on, false),
            t.expires_hint.into(),
        ));
    }
    let mut description = text(
        "description",
        &optional(t.description, false),
        String::new(),
    );
    description.control = "textarea";
    out.push(description);
    out.push(text("tags", &optional(t.tags, false), t.tags_hint.into()));
    out
}

fn form_errors(problems: &[Problem], lang: Lang) -> FormErrors {
    let mut errors = FormErrors::default();
    for p in problems {
        errors.push(p.field, p.text.get(lang));
    }
    errors
}

#[derive(Template, WebTemplate)]
#[template(path = "features/documents/choose.html")]
struct ChoosePage {
    page: PageCtx,
    t: &'static Texts,
    kinds: Vec<(String, String)>,
    errors: FormErrors,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/documents/form.html")]
struct FormPage {
    page: PageCtx,
    t: &'static Texts,
    heading: String,
    action: String,
    multipart: bool,
    fields: Vec<FieldView>,
    errors: FormErrors,
    files_hint: String,
    files_again: bool,
    revision: i64,
    conflict: bool,
    cancel: String,
}

#[derive(Deserialize)]
struct NewQuery {
    kind: Option<String>,
}

fn new_action(kind: &Kind) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("kind", &kind.code);
    format!("/documents/new?{}", q.finish())
}

fn files_hint(kind: &Kind, lang: Lang) -> String {
    texts(lang)
        .files_hint
        .replace("{mb}", &kind.max_file_mb().to_string())
}

fn new_page(kind: &Kind, values: &Values, errors: FormErrors, page: PageCtx) -> FormPage {
    let lang = page.lang;
    FormPage {
        t: texts(lang),
        heading: kind.name(lang).to_owned(),
        action: new_action(kind),
        multipart: true,
        fields: form_fields(kind, values, &errors, lang),
        files_hint: files_hint(kind, lang),
        files_again: false,
        errors,
        revision: 0,
        conflict: false,
        cancel: "/documents".into(),
        page,
    }
}

async fn new_form(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    let catalogue = Catalogue::load(&state.db).await?;
    let lang = page.lang;
    let chosen = q.kind.as_deref().filter(|k| !k.is_empty());
    match chosen.and_then(|code| catalogue.get(code).filter(|k| k.active)) {
        Some(kind) => {
            let profile = service::load_profile(&state, &user.user().id).await?;
            let values = values_of(&service::prefilled(kind, &profile));
            Ok(new_page(kind, &values, FormErrors::default(), page).into_response())
        }
        None => {
            let mut errors = FormErrors::default();
            if chosen.is_some() {
                errors.push("kind", texts(lang).choose_kind);
            }
            let status = if errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let body = ChoosePage {
                t: texts(lang),
                kinds: catalogue
                    .active()
                    .map(|k| (k.code.clone(), k.name(lang).to_owned()))
                    .collect(),
                errors,
                page,
            };
            Ok((status, body).into_response())
        }
    }
}

/// Longest text value kept from a multipart form (the fields' own limits are far lower).
const MAX_TEXT_PART: usize = 8 * 1024;

/// Reads a multipart form: its text values, and its `files` streamed through the checks into the
/// store. A refused file stops the storing (its object and those before it are removed) but the
/// text values are still read, so that the form comes back filled.
async fn read_multipart(
    state: &AppState,
    kind: &Kind,
    mut multipart: Multipart,
) -> (Values, Result<Vec<Incoming>, Problem>) {
    let mut values = Values::new();
    let mut files: Vec<Incoming> = Vec::new();
    let mut refused: Option<Problem> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                refused.get_or_insert_with(|| body_problem(e.status()));
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "files" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            // An empty file input still sends a part, with no name and no bytes.
            if file_name.is_empty() || refused.is_some() {
                continue;
            }
            match service::receive(state, kind, &file_name, field.boxed()).await {
                Ok(f) => files.push(f),
                Err(e) => refused = Some(e.problem()),
            }
        } else if let Ok(text) = field.text().await {
            values.insert(name, text.chars().take(MAX_TEXT_PART).collect());
        }
    }
    match refused {
        Some(p) => {
            service::discard(state, &files).await;
            (values, Err(p))
        }
        None => (values, Ok(files)),
    }
}

fn body_problem(status: StatusCode) -> Problem {
    let text = if status == StatusCode::PAYLOAD_TOO_LARGE {
        crate::web::i18n::Text::new(
            "Файлы вместе слишком большие. Приложите меньше файлов за раз",
            "The files together are too large. Attach fewer files at a time",
        )
    } else {
        crate::web::i18n::Text::new(
            "Форма пришла не полностью. Попробуйте ещё раз",
            "The form arrived incomplete. Try again",
        )
    };
    Problem {
        field: "files",
        kind_field: false,
        code: "body",
        text,
    }
}

async fn multipart(req: axum::extract::Request, state: &AppState) -> Result<Multipart, PageError> {
    use axum::extract::FromRequest;
    Multipart::from_request(req, state)
        .await
        .map_err(|_| PageError::NotFound)
}

async fn create(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Query(q): Query<NewQuery>,
    req: axum::extract::Request,
) -> Result<Response, PageError> {
    let catalogue = Catalogue::load(&state.db).await?;
    let Some(kind) = q
        .kind
        .as_deref()
        .and_then(|code| catalogue.get(code))
        .filter(|k| k.active)
        .cloned()
    else {
        return Ok(Redirect::to("/documents/new").into_response());
    };
    let lang = page.lang;
    let (values, files) = read_multipart(&state, &kind, multipart(req, &state).await?).await;
    let input = input_of(&kind, &values);
    let files = match files {
        Ok(files) => files,
        Err(problem) => {
            // Say everything that is wrong at once: the file and any field.
            let profile = service::load_profile(&state, &user.user().id).await?;
            let today = service::today(&state, &profile.time_zone);
            let mut problems = vec![problem];
            if let Err(more) = service::check(&kind, &input, &profile, today) {
                problems.extend(more);
            }
            let body = new_page(&kind, &values, form_errors(&problems, lang), page);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
        }
    };
    let had_files = !files.is_empty();
    match service::create(&state, user.user(), &input, files, &meta).await {
        Ok(id) => Ok(Redirect::to(&format!("/documents/{id}?added=1")).into_response()),
        Err(DocumentError::Invalid(problems)) => {
            let mut body = new_page(&kind, &values, form_errors(&problems, lang), page);
            body.files_again = had_files;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn kind_of(state: &AppState, doc: &DocumentRow) -> Result<Kind, PageError> {
    Catalogue::load(&state.db)
        .await?
        .get(&doc.data.kind_code)
        .cloned()
        .ok_or(PageError::NotFound)
}

fn edit_page(
    kind: &Kind,
    doc: &DocumentRow,
    values: &Values,
    errors: FormErrors,
    page: PageCtx,
) -> FormPage {
    let lang = page.lang;
    FormPage {
        t: texts(lang),
        heading: format!("{}: {}", texts(lang).edit, doc.data.title),
        action: format!("/documents/{}/edit", doc.id),
        multipart: false,
        fields: form_fields(kind, values, &errors, lang),
        files_hint: String::new(),
        files_again: false,
        errors,
        revision: doc.revision,
        conflict: false,
        cancel: format!("/documents/{}", doc.id),
        page,
    }
}

async fn edit_form(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let doc = service::get(&state, &user.user().id, &id).await?;
    if doc.state == "trashed" {
        return Err(PageError::NotFound);
    }
    let kind = kind_of(&state, &doc).await?;
    let values = values_of(&service::input_of(&doc));
    Ok(edit_page(&kind, &doc, &values, FormErrors::default(), page).into_response())
}

async fn edit_submit(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Path(id): Path<String>,
    Form(values): Form<Values>,
) -> Result<Response, PageError> {
    let doc = service::get(&state, &user.user().id, &id).await?;
    let kind = kind_of(&state, &doc).await?;
    let revision = values.get("revision").and_then(|r| r.parse::<i64>().ok());
    let input = input_of(&kind, &values);
    let lang = page.lang;
    match service::update(&state, user.user(), &id, &input, revision, &meta).await {
        Ok(()) => Ok(Redirect::to(&format!("/documents/{id}?saved=1")).into_response()),
        Err(DocumentError::Invalid(problems)) => {
            let body = edit_page(&kind, &doc, &values, form_errors(&problems, lang), page);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(DocumentError::Conflict) => {
            // Show what the document holds now; the user's typing would overwrite a change.
            let fresh = service::get(&state, &user.user().id, &id).await?;
            let current = values_of(&service::input_of(&fresh));
            let mut body = edit_page(&kind, &fresh, &current, FormErrors::default(), page);
            body.conflict = true;
            Ok((StatusCode::CONFLICT, body).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// One document

pub struct FileLine {
    pub id: String,
    pub name: String,
    pub size: String,
    pub uploaded: String,
    pub version: i64,
    pub image: bool,
    pub width: Option<i64>,
    pub height: Option<i64>,
}

pub struct FileGroup {
    pub current: FileLine,
    pub older: Vec<FileLine>,
}

fn file_groups(files: &[FileRow], zone: &str, lang: Lang) -> Vec<FileGroup> {
    let line = |f: &FileRow| FileLine {
        id: f.id.clone(),
        name: f.name.clone(),
        size: show_size(f.size, lang),
        uploaded: local_time::shown(f.created_at, zone),
        version: f.version,
        image: f.content_type.starts_with("image/"),
        width: f.width,
        height: f.height,
    };
    let mut groups: Vec<FileGroup> = Vec::new();
    for current in files.iter().filter(|f| f.current) {
        let mut older: Vec<&FileRow> = files
            .iter()
            .filter(|f| f.lineage == current.lineage && f.id != current.id)
            .collect();
        older.sort_by_key(|f| std::cmp::Reverse(f.version));
        groups.push(FileGroup {
            current: line(current),
            older: older.into_iter().map(line).collect(),
        });
    }
    groups
}

pub struct Event {
    pub at: String,
    pub what: String,
    pub ip: String,
}

fn event_text(action: &str, actor: &str, lang: Lang) -> String {
    let Some(action) = Action::from_code(action) else {
        return action.to_owned();
    };
    let (ru, en) = match action {
        Action::DocumentCreated => ("Документ добавлен", "Document added"),
        Action::DocumentChanged => ("Сведения изменены", "Details changed"),
        Action::DocumentFileAdded => ("Файл добавлен", "File added"),
        Action::DocumentFileReplaced => {
            ("Загружена новая версия файла", "New file version uploaded")
        }
        Action::DocumentDownloaded => ("Файл скачан", "File downloaded"),
        Action::DocumentViewed => ("Файл просмотрен", "File viewed"),
        Action::DocumentDeleted => ("Перемещён в корзину", "Moved to the trash"),
        Action::DocumentRestored => ("Восстановлен из корзины", "Restored from the trash"),
        Action::DocumentArchived => ("Перемещён в архив", "Moved to the archive"),
        Action::DocumentPurged => ("Удалён навсегда", "Deleted for good"),
        other => crate::actions::words(other),
    };
    let who = match actor {
        "system" => lang.pick(&" (автоматически)", &" (automatically)"),
        "officer" => lang.pick(&" (сотрудник ведомства)", &" (agency officer)"),
        "operator" => lang.pick(&" (оператор)", &" (operator)"),
        _ => &"",
    };
    let what = match lang {
        Lang::Ru => ru,
        Lang::En => en,
    };
    format!("{what}{who}")
}

#[derive(Template, WebTemplate)]
#[template(path = "features/documents/view.html")]
struct ViewPage {
    page: PageCtx,
    t: &'static Texts,
    id: String,
    title: String,
    kind_name: String,
    state: String,
    status: StatusView,
    facts: Vec<(String, String)>,
    valid_until: String,
    replace_from: String,
    extended_until: String,
    domestic_only: bool,
    description: String,
    tags: Vec<String>,
    files: Vec<FileGroup>,
    files_hint: String,
    upload_action: String,
    history: Vec<Event>,
    /// Other active documents of a kind of which only one is valid at a time.
    older: Vec<Item>,
    /// How the profile stands to this document, when its kind fills the profile.
    profile_source: Option<crate::profile_link::View>,
    notice: Option<&'static str>,
    errors: FormErrors,
}

#[derive(Deserialize, Default)]
struct ViewNotes {
    added: Option<String>,
    saved: Option<String>,
    restored: Option<String>,
    files: Option<String>,
    version: Option<String>,
    archived: Option<String>,
}

impl ViewNotes {
    fn notice(&self, t: &'static Texts) -> Option<&'static str> {
        [
            (&self.added, t.added),
            (&self.saved, t.saved),
            (&self.restored, t.restored),
            (&self.files, t.files_added),
            (&self.version, t.version_added),
            (&self.archived, t.archived),
        ]
        .into_iter()
        .find(|(flag, _)| flag.is_some())
        .map(|(_, text)| text)
    }
}

async fn view_page(
    state: &AppState,
    user_id: &str,
    id: &str,
    page: PageCtx,
    notice: Option<&'static str>,
    errors: FormErrors,
) -> Result<ViewPage, PageError> {
    let lang = page.lang;
    let t = texts(lang);
    let doc = service::get(state, user_id, id).await?;
    let assessor = service::Assessor::load(state, user_id).await?;
    let files = {
        let mut conn = state.db.connection().await?;
        store::documents::files(&mut conn, user_id, id).await?
    };
    let records = store::audit::for_object(&state.db, user_id, "document", id, 50).await?;
    let zone = assessor.profile.time_zone.clone();
    let a = assessor.assess(doc);
    let kind = a.kind.clone();
    let older = match &kind {
        Some(k) if k.schema.single_active() && a.doc.state == "active" => {
            let filter = store::documents::Filter {
                state: "active".into(),
                kind: Some(k.code.clone()),
                ..Default::default()
            };
            store::documents::list(&state.db, user_id, &filter)
                .await?
                .into_iter()
                .filter(|d| d.id != a.doc.id && d.data.issued_on <= a.doc.data.issued_on)
                .map(|d| item(&assessor.assess(d), lang))
                .collect()
        }
        _ => Vec::new(),
    };
    let profile_source = match &kind {
        Some(k) if a.doc.state == "active" && Subject::of(k.schema).is_some() => {
            crate::profile_link::links(&state.db, &assessor.profile)
                .await?
                .iter()
                .find(|l| l.document_id == a.doc.id)
                .map(|l| crate::profile_link::View::of(l.subject, Some(l), true, lang))
        }
        _ => None,
    };
    let d = &a.doc.data;
    let mut facts = Vec::new();
    let mut fact = |label: &str, value: String| {
        if !value.trim().is_empty() {
            facts.push((label.to_owned(), value));
        }
    };
    fact(t.number, d.number.clone().unwrap_or_default());
    fact(t.issuer, d.issuer.clone().unwrap_or_default());
    fact(t.issued_on, show_iso(d.issued_on.as_deref()));
    fact(t.expires_on, show_iso(d.typed_expiry.as_deref()));
    let stored: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&d.fields).unwrap_or_default();
    if let Some(k) = &kind {
        for spec in k.fields() {
            let Some(raw) = stored.get(spec.key).and_then(|v| v.as_str()) else {
                continue;
            };
            let shown = match spec.ty {
                FieldType::Date => show_iso(Some(raw)),
                FieldType::Sex => match (raw, lang) {
                    ("female", Lang::Ru) => "Женский".into(),
                    ("male", Lang::Ru) => "Мужской".into(),
                    ("female", Lang::En) => "Female".into(),
                    ("male", Lang::En) => "Male".into(),
                    _ => raw.to_owned(),
                },
                FieldType::Choice => spec
                    .options
                    .iter()
                    .find(|(v, _, _)| *v == raw)
                    .map(|(_, ru, en)| lang.pick(ru, en).to_string())
                    .unwrap_or_else(|| raw.to_owned()),
                _ => raw.to_owned(),
            };
            fact(lang.pick(spec.label_ru, spec.label_en), shown);
        }
    }
    let date = |x: Option<Date>| x.map(show_date).unwrap_or_default();
    let v = a.validity.as_ref();
    Ok(ViewPage {
        t,
        id: a.doc.id.clone(),
        title: a.shown_title(lang),
        kind_name: kind
            .as_ref()
            .map(|k| k.name(lang).to_owned())
            .unwrap_or_default(),
        state: a.doc.state.clone(),
        status: status_view(&a, lang),
        facts,
        valid_until: date(v.and_then(|v| v.valid_until)),
        replace_from: date(v.and_then(|v| v.replace_from)),
        extended_until: date(v.and_then(|v| v.extended_until)),
        domestic_only: a.assessment.domestic_only_now,
        description: d.description.clone().unwrap_or_default(),
        tags: d.tags.clone(),
        files: file_groups(&files, &zone, lang),
        files_hint: kind
            .as_ref()
            .map(|k| files_hint(k, lang))
            .unwrap_or_default(),
        upload_action: format!("/documents/{id}/files"),
        history: records
            .iter()
            .map(|r| Event {
                at: local_time::shown(r.at, &zone),
                what: event_text(&r.action, &r.actor_kind, lang),
                ip: r.ip.clone().unwrap_or_default(),
            })
            .collect(),
        older,
        profile_source,
        notice,
        errors,
        page,
    })
}

async fn view(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Path(id): Path<String>,
    Query(notes): Query<ViewNotes>,
) -> Result<ViewPage, PageError> {
    let notice = notes.notice(texts(page.lang));
    view_page(
        &state,
        &user.user().id,
        &id,
        page,
        notice,
        FormErrors::default(),
    )
    .await
}

/// Uploads files to an existing document, or (with `replaces`) a new version of one.
async fn upload(
    state: AppState,
    info: RequestInfo,
    user: SignedIn,
    page: PageCtx,
    id: String,
    replaces: Option<String>,
    req: axum::extract::Request,
) -> Result<Response, PageError> {
    let user_id = user.user().id.clone();
    let doc = service::get(&state, &user_id, &id).await?;
    if doc.state == "trashed" {
        return Err(PageError::NotFound);
    }
    if let Some(file_id) = &replaces {
        store::documents::file(&state.db, &user_id, &id, file_id)
            .await?
            .ok_or(PageError::NotFound)?;
    }
    let kind = kind_of(&state, &doc).await?;
    let (_, files) = read_multipart(&state, &kind, multipart(req, &state).await?).await;
    let problem = match files {
        Ok(files) if files.is_empty() => Problem {
            field: "files",
            kind_field: false,
            code: "required",
            text: crate::web::i18n::Text::new("Выберите файл", "Choose a file"),
        },
        Ok(mut files) => {
            if replaces.is_some() && files.len() > 1 {
                service::discard(&state, &files[1..]).await;
                files.truncate(1);
            }
            service::attach(
                &state,
                user.user(),
                &id,
                files,
                replaces.as_deref(),
                &RequestMeta::from(&info),
            )
            .await?;
            let note = if replaces.is_some() {
                "version"
            } else {
                "files"
            };
            return Ok(Redirect::to(&format!("/documents/{id}?{note}=1")).into_response());
        }
        Err(p) => p,
    };
    let errors = form_errors(&[problem], page.lang);
    let body = view_page(&state, &user_id, &id, page, None, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}

async fn add_files(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
    page: PageCtx,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> Result<Response, PageError> {
    upload(state, info, user, page, id, None, req).await
}

async fn new_version(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
    page: PageCtx,
    Path((id, file_id)): Path<(String, String)>,
    req: axum::extract::Request,
) -> Result<Response, PageError> {
    upload(state, info, user, page, id, Some(file_id), req).await
}

async fn download(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    Ok(stream_file(&state, user.user(), &id, &file_id, &meta, false).await?)
}

async fn preview(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let file = store::documents::file(&state.db, &user.user().id, &id, &file_id)
        .await?
        .ok_or(PageError::NotFound)?;
    if !file.content_type.starts_with("image/") {
        return Err(PageError::NotFound);
    }
    Ok(stream_file(&state, user.user(), &id, &file_id, &meta, true).await?)
}

async fn delete(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    service::trash(&state, user.user(), &id, &meta).await?;
    Ok(Redirect::to(&format!("/documents?deleted={id}")).into_response())
}

#[derive(Deserialize)]
struct Back {
    back: Option<String>,
}

async fn restore(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    service::restore(&state, user.user(), &id, &meta).await?;
    Ok(Redirect::to(&format!("/documents/{id}?restored=1")).into_response())
}

async fn archive(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    Path(id): Path<String>,
    Form(back): Form<Back>,
) -> Result<Response, PageError> {
    let back = back.back.filter(|b| plain_id(b));
    // From a newer document's page the older one is archived as replaced; from its own page
    // the person put it away.
    let reason = if back.is_some() {
        "replaced"
    } else {
        "by_owner"
    };
    service::archive(&state, user.user(), &id, reason, &meta).await?;
    let to = back.unwrap_or_else(|| id.clone());
    Ok(Redirect::to(&format!("/documents/{to}?archived=1")).into_response())
}

// ---------------------------------------------------------------------------------------------
// Trash, renewal, registry

pub struct Trashed {
    pub id: String,
    pub title: String,
    pub kind_name: String,
    pub deleted_on: String,
    pub days_left: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/documents/trash.html")]
struct TrashPage {
    page: PageCtx,
    t: &'static Texts,
    items: Vec<Trashed>,
}

async fn trash_page(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
) -> Result<TrashPage, PageError> {
    let lang = page.lang;
    let user_id = &user.user().id;
    let filter = store::documents::Filter {
        state: "trashed".into(),
        ..Default::default()
    };
    let catalogue = Catalogue::load(&state.db).await?;
    let profile = service::load_profile(&state, user_id).await?;
    let now = state.now();
    let mut docs = store::documents::list(&state.db, user_id, &filter).await?;
    docs.sort_by_key(|d| std::cmp::Reverse(d.trashed_at));
    let items = docs
        .into_iter()
        .map(|d| {
            let at = d.trashed_at.unwrap_or(d.updated_at);
            let gone = now.duration_since(at).as_hours() / 24;
            Trashed {
                title: d.data.title.clone(),
                kind_name: catalogue
                    .get(&d.data.kind_code)
                    .map(|k| k.name(lang).to_owned())
                    .unwrap_or_default(),
                deleted_on: local_time::shown(at, &profile.time_zone),
                days_left: (service::TRASH_DAYS - gone).max(0),
                id: d.id,
            }
        })
        .collect();
    Ok(TrashPage {
        t: texts(lang),
        items,
        page,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "features/documents/renew.html")]
struct RenewPage {
    page: PageCtx,
    t: &'static Texts,
    id: String,
    title: String,
    kind_code: String,
    status: StatusView,
    steps: Vec<String>,
}

async fn renew(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Path(id): Path<String>,
) -> Result<RenewPage, PageError> {
    let user_id = &user.user().id;
    let doc = service::get(&state, user_id, &id).await?;
    if doc.state == "trashed" {
        return Err(PageError::NotFound);
    }
    let assessor = service::Assessor::load(&state, user_id).await?;
    let a = assessor.assess(doc);
    let kind = a.kind.clone().ok_or(PageError::NotFound)?;
    let lang = page.lang;
    Ok(RenewPage {
        t: texts(lang),
        id: a.doc.id.clone(),
        title: a.shown_title(lang),
        kind_code: kind.code.clone(),
        status: status_view(&a, lang),
        steps: kind
            .renewal(lang)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        page,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "features/documents/registry.html")]
struct RegistryPage {
    page: PageCtx,
    t: &'static Texts,
    /// The rendered registry (kept per person, version and language).
    content: Arc<str>,
}

/// The registry's main part: nothing of one request (no CSRF token), so it can be kept.
#[derive(Template)]
#[template(
    path = "features/documents/registry_content.html",
    whitespace = "minimize"
)]
struct RegistryContent {
    t: &'static Texts,
    today: String,
    summary: Vec<(StatusView, usize)>,
    items: Vec<Item>,
    timeline: Timeline,
}

fn registry_content(registry: &Registry, lang: Lang) -> RegistryContent {
    let assessed = &registry.assessed;
    let summary = Status::ALL
        .into_iter()
        .filter_map(|s| {
            let n = assessed.iter().filter(|a| a.assessment.status == s).count();
            let sample = assessed.iter().find(|a| a.assessment.status == s)?;
            Some((status_view(sample, lang), n))
        })
        .collect();
    let mut items: Vec<Item> = assessed.iter().map(|a| item(a, lang)).collect();
    for i in &mut items {
        i.file = registry.first_files.get(&i.id).cloned();
    }
    let marks: Vec<(String, Status, Option<Date>, String)> = assessed
        .iter()
        .map(|a| {
            (
                a.shown_title(lang),
                a.assessment.status,
                a.assessment.deadline,
                a.assessment
                    .deadline
                    .map(|d| format!("{}, {}", show_date(d), status_view(a, lang).text))
                    .unwrap_or_default(),
            )
        })
        .collect();
    RegistryContent {
        t: texts(lang),
        today: show_date(registry.today),
        summary,
        items,
        timeline: timeline::build(registry.today, lang, &marks),
    }
}

async fn registry(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    headers: axum::http::HeaderMap,
) -> Result<Response, PageError> {
    let lang = page.lang;
    let me = user.user();
    let registry = service::registry(&state, me).await?;
    let content = match state.caches.fragment(&me.id, lang.code(), &registry.key) {
        Some(html) => html,
        None => {
            let html: Arc<str> = registry_content(&registry, lang)
                .render()
                .map_err(PageError::internal)?
                .into();
            state
                .caches
                .keep_fragment(&me.id, lang.code(), registry.key, html.clone());
            html
        }
    };
    if !crate::web::gzip_parts::accepts_gzip(&headers) {
        return Ok(RegistryPage {
            t: texts(lang),
            content,
            page,
        }
        .into_response());
    }
    // Browsers always ask for gzip: the kept main part is compressed once, only the frame per
    // request (it carries this request's CSRF token and unread count).
    const MARK: &str = "<!--kabinet:registry-->";
    let frame = RegistryPage {
        t: texts(lang),
        content: Arc::from(MARK),
        page,
    }
    .render()
    .map_err(PageError::internal)?;
    let Some((head, tail)) = frame.split_once(MARK) else {
        return Err(PageError::Internal(
            "the registry frame lost its mark".into(),
        ));
    };
    let kept = match state
        .caches
        .fragment_gzip(&me.id, lang.code(), &registry.key)
    {
        Some(part) => part,
        None => {
            let part = Arc::new(crate::web::gzip_parts::Part::new(content.as_bytes()));
            state
                .caches
                .keep_fragment_gzip(&me.id, lang.code(), &registry.key, part.clone());
            part
        }
    };
    let body = crate::web::gzip_parts::stitch(&[
        &crate::web::gzip_parts::Part::new(head.as_bytes()),
        &kept,
        &crate::web::gzip_parts::Part::new(tail.as_bytes()),
    ]);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (axum::http::header::CONTENT_ENCODING, "gzip"),
            (axum::http::header::VARY, "accept-encoding"),
        ],
        body,
    )
        .into_response())
}
