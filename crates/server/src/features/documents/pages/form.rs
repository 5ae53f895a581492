//! Adding and editing: one form, built from the kind, with its files sent as multipart.

use super::*;

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

pub(super) fn form_errors(problems: &[Problem], lang: Lang) -> FormErrors {
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
pub(super) struct NewQuery {
    kind: Option<String>,
}

fn new_action(kind: &Kind) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("kind", &kind.code);
    format!("/documents/new?{}", q.finish())
}

pub(super) fn files_hint(kind: &Kind, lang: Lang) -> String {
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

pub(super) async fn new_form(
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
pub(super) async fn read_multipart(
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

pub(super) async fn multipart(
    req: axum::extract::Request,
    state: &AppState,
) -> Result<Multipart, PageError> {
    use axum::extract::FromRequest;
    Multipart::from_request(req, state)
        .await
        .map_err(|_| PageError::NotFound)
}

pub(super) async fn create(
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

pub(super) async fn kind_of(state: &AppState, doc: &DocumentRow) -> Result<Kind, PageError> {
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

pub(super) async fn edit_form(
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

pub(super) async fn edit_submit(
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
