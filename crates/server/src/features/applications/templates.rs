//! Applying again without typing again (APP6): «Повторить заявление» starts a new draft from an
//! earlier application's answers, and «Сохранить как шаблон» keeps them under a name to fill a
//! draft from later («Заполнить по шаблону» on the service's page and on «Мои шаблоны»). Either
//! way the consents are asked anew, files that are gone are dropped and the profile's current
//! values win over the copied ones.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::applications::form::Answers;
use serde::Deserialize;
use store::StoreError;
use store::applications::{self as repo, NewTemplate};
use store::audit::{self, Action};
use store::users::UserSummary;

use super::catalogue::Catalogue;
use super::controls::said;
use super::service::{self, ApplicationError, Basis, Loaded, answers_json, entry};
use crate::local_time;
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::context::RequestMeta;
use crate::web::errors::PageError;
use crate::web::forms::FormErrors;
use crate::web::i18n::Lang;
use crate::web::page::PageCtx;
use crate::web::routes::Routes;

/// A citizen keeps at most this many templates.
pub const MAX_TEMPLATES: usize = 50;
/// A template's name is at most this long.
pub const MAX_NAME: usize = 80;

pub fn pages() -> Routes {
    Routes::new()
        .route("/applications/{id}/repeat", post(repeat))
        .route(
            "/applications/{id}/template",
            get(new_template).post(save_template),
        )
        .route("/applications/templates", get(list))
        .route("/applications/templates/{tid}/delete", post(delete))
}

/// Why a template is not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameProblem {
    Empty,
    TooLong,
    Taken,
    TooMany,
}

impl NameProblem {
    fn text(self, lang: Lang) -> &'static str {
        match self {
            NameProblem::Empty => lang.pick("Введите название шаблона", "Enter a name"),
            NameProblem::TooLong => lang.pick(
                "Название слишком длинное: не больше 80 знаков",
                "The name is too long: 80 characters at most",
            ),
            NameProblem::Taken => lang.pick(
                "Шаблон с таким названием уже есть: выберите другое",
                "A template of this name exists: choose another",
            ),
            NameProblem::TooMany => lang.pick(
                "Сохранено 50 шаблонов — больше нельзя. Удалите ненужные в «Моих шаблонах»",
                "You keep 50 templates, the most allowed. Delete some in My templates",
            ),
        }
    }
}

/// Keeps the application's answers (without consents) as a named template.
pub async fn keep(
    state: &AppState,
    user: &UserSummary,
    app: &Loaded,
    name: &str,
    meta: &RequestMeta,
) -> Result<Result<String, NameProblem>, ApplicationError> {
    let name = name.trim();
    if name.is_empty() {
        return Ok(Err(NameProblem::Empty));
    }
    if name.chars().count() > MAX_NAME {
        return Ok(Err(NameProblem::TooLong));
    }
    if repo::templates(&state.db, &user.id, None).await?.len() >= MAX_TEMPLATES {
        return Ok(Err(NameProblem::TooMany));
    }
    let answers: Answers = app.form.carried_over(app.edited());
    let id = store::new_id();
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let inserted = repo::insert_template(
        &mut tx,
        &NewTemplate {
            id: &id,
            owner_id: &user.id,
            service_code: &app.row.service_code,
            name,
            answers: &answers_json(&answers),
            form_version: app.row.form_version,
        },
        now,
    )
    .await;
    match inserted {
        Ok(()) => {}
        Err(StoreError::UniqueViolation) => return Ok(Err(NameProblem::Taken)),
        Err(e) => return Err(e.into()),
    }
    let e = entry(user, Action::ApplicationTemplateSaved, &app.row.id, meta).details(
        serde_json::json!({ "template": id, "service": app.row.service_code, "answers": answers.len() }),
    );
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await?;
    Ok(Ok(id))
}

/// The citizen's template's answers, to start a draft from.
pub async fn template_answers(
    state: &AppState,
    owner_id: &str,
    id: &str,
    service_code: &str,
) -> Result<Answers, ApplicationError> {
    let mut conn = state.db.connection().await?;
    let t = repo::template(&mut conn, owner_id, id)
        .await?
        .filter(|t| t.service_code == service_code)
        .ok_or(ApplicationError::NotFound)?;
    serde_json::from_str(&t.answers)
        .map_err(|_| StoreError::Corrupt(format!("template {id}: answers")).into())
}

/// «Повторить заявление»: a new draft of the same service from this one's answers.
async fn repeat(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let app = service::load(&state, &user.user().id, &id).await?;
    let code = app.row.service_code.clone();
    let basis = Basis::Repeat {
        id: &id,
        answers: &app.answers,
    };
    super::fill::start_or_explain(&state, user.user(), &code, basis, &meta).await
}

#[derive(Template, WebTemplate)]
#[template(path = "features/applications/template_new.html")]
struct NewTemplatePage {
    page: PageCtx,
    ru: bool,
    id: String,
    service: String,
    /// The name as typed (the service's name at first).
    typed: String,
    back: String,
    errors: FormErrors,
}

fn new_template_page(
    app: &Loaded,
    name: String,
    errors: FormErrors,
    page: PageCtx,
) -> NewTemplatePage {
    let back = if app.is_draft() {
        format!("/applications/{}/check", app.row.id)
    } else {
        format!("/applications/{}", app.row.id)
    };
    NewTemplatePage {
        ru: page.lang == Lang::Ru,
        id: app.row.id.clone(),
        service: said(&app.service.name, page.lang),
        typed: name,
        back,
        errors,
        page,
    }
}

async fn new_template(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Path(id): Path<String>,
) -> Result<NewTemplatePage, PageError> {
    let app = service::load(&state, &user.user().id, &id).await?;
    let name = said(&app.service.name, page.lang);
    Ok(new_template_page(&app, name, FormErrors::default(), page))
}

#[derive(Deserialize)]
struct NameForm {
    #[serde(default)]
    name: String,
}

async fn save_template(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Path(id): Path<String>,
    Form(form): Form<NameForm>,
) -> Result<Response, PageError> {
    let app = service::load(&state, &user.user().id, &id).await?;
    match keep(&state, user.user(), &app, &form.name, &meta).await? {
        Ok(_) => Ok(Redirect::to("/applications/templates?saved=1").into_response()),
        Err(problem) => {
            let mut errors = FormErrors::default();
            errors.push("name", problem.text(page.lang));
            let body = new_template_page(&app, form.name, errors, page);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
    }
}

/// A template as «Мои шаблоны» lists it.
pub struct Line {
    pub id: String,
    pub name: String,
    pub service: String,
    pub service_code: String,
    pub saved: String,
    /// The service is still offered.
    pub usable: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/applications/templates.html")]
struct ListPage {
    page: PageCtx,
    ru: bool,
    lines: Vec<Line>,
    saved: bool,
    deleted: bool,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    saved: Option<String>,
    deleted: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    axum::extract::Query(q): axum::extract::Query<ListQuery>,
) -> Result<ListPage, PageError> {
    let lang = page.lang;
    let me = user.user();
    let catalogue = Catalogue::current(&state).await?;
    let lines = repo::templates(&state.db, &me.id, None)
        .await?
        .into_iter()
        .map(|t| {
            let entry = catalogue.get(&t.service_code);
            Line {
                service: entry
                    .map_or_else(|| t.service_code.clone(), |e| said(&e.service.name, lang)),
                usable: entry.is_some(),
                saved: local_time::shown(t.created_at, &me.time_zone),
                id: t.id,
                name: t.name,
                service_code: t.service_code,
            }
        })
        .collect();
    Ok(ListPage {
        ru: lang == Lang::Ru,
        lines,
        saved: q.saved.is_some(),
        deleted: q.deleted.is_some(),
        page,
    })
}

async fn delete(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    Path(tid): Path<String>,
) -> Result<Response, PageError> {
    let me = user.user();
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !repo::delete_template(&mut tx, &me.id, &tid).await? {
        return Err(PageError::NotFound);
    }
    let e = store::audit::Entry::new(
        store::audit::Actor::of(me),
        Action::ApplicationTemplateDeleted,
    )
    .object("application_template", &tid)
    .subject(&me.id)
    .from_request(meta.ip.clone(), None);
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(Redirect::to("/applications/templates?deleted=1").into_response())
}

/// The citizen's templates of a service, for its page: (id, name).
pub async fn of_service(
    state: &AppState,
    owner_id: &str,
    service_code: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    Ok(repo::templates(&state.db, owner_id, Some(service_code))
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect())
}
