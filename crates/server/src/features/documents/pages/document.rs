//! One document: its details, status, files and history, and what can be done with it.

use super::form::{files_hint, form_errors, kind_of, multipart, read_multipart};
use super::*;

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

#[derive(Template, WebTemplate)]
#[template(path = "features/documents/view.html")]
pub(super) struct ViewPage {
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
pub(super) struct ViewNotes {
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
                what: crate::actions::on_document(&r.action, &r.actor_kind, lang),
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

pub(super) async fn view(
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

pub(super) async fn add_files(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
    page: PageCtx,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> Result<Response, PageError> {
    upload(state, info, user, page, id, None, req).await
}

pub(super) async fn new_version(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
    page: PageCtx,
    Path((id, file_id)): Path<(String, String)>,
    req: axum::extract::Request,
) -> Result<Response, PageError> {
    upload(state, info, user, page, id, Some(file_id), req).await
}

pub(super) async fn download(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    Ok(stream_file(&state, user.user(), &id, &file_id, &meta, false).await?)
}

pub(super) async fn preview(
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

pub(super) async fn delete(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    service::trash(&state, user.user(), &id, &meta).await?;
    Ok(Redirect::to(&format!("/documents?deleted={id}")).into_response())
}

#[derive(Deserialize)]
pub(super) struct Back {
    back: Option<String>,
}

pub(super) async fn restore(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    service::restore(&state, user.user(), &id, &meta).await?;
    Ok(Redirect::to(&format!("/documents/{id}?restored=1")).into_response())
}

pub(super) async fn archive(
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
