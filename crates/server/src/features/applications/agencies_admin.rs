//! The operator's page of agencies and their officers: who works for which agency (an officer
//! sees only their agencies' applications). Adding and removing a member is audited.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::Role;
use serde::Deserialize;
use store::applications::{self as repo, Member};
use store::audit::{self, Action, Entry};

use super::catalogue::Catalogue;
use super::controls::said;
use crate::state::AppState;
use crate::web::auth::{Operator, SignedIn};
use crate::web::context::RequestMeta;
use crate::web::errors::PageError;
use crate::web::forms::FormErrors;
use crate::web::i18n::{Lang, Msg};
use crate::web::page::PageCtx;
use crate::web::routes::Routes;

pub fn pages() -> Routes {
    Routes::new()
        .route("/operator/agencies", get(list).post(add))
        .route("/operator/agencies/remove", post(remove))
}

pub struct AgencyView {
    pub code: String,
    pub name: String,
    pub members: Vec<Member>,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/applications/agencies.html")]
struct AgenciesPage {
    page: PageCtx,
    ru: bool,
    agencies: Vec<AgencyView>,
    errors: FormErrors,
    login: String,
    chosen: String,
    changed: bool,
}

#[derive(Deserialize, Default)]
struct Changed {
    changed: Option<String>,
}

async fn page_of(
    state: &AppState,
    errors: FormErrors,
    login: String,
    chosen: String,
    changed: bool,
    page: PageCtx,
) -> Result<AgenciesPage, PageError> {
    let lang = page.lang;
    let catalogue = Catalogue::current(state).await?;
    let members = repo::members(&state.db).await?;
    Ok(AgenciesPage {
        ru: lang == Lang::Ru,
        agencies: catalogue
            .agencies
            .iter()
            .map(|a| AgencyView {
                code: a.code.clone(),
                name: said(&a.name, lang),
                members: members
                    .iter()
                    .filter(|m| m.agency_code == a.code)
                    .cloned()
                    .collect(),
            })
            .collect(),
        errors,
        login,
        chosen,
        changed,
        page,
    })
}

async fn list(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Query(q): Query<Changed>,
) -> Result<AgenciesPage, PageError> {
    Operator::check(user)?;
    page_of(
        &state,
        FormErrors::default(),
        String::new(),
        String::new(),
        q.changed.is_some(),
        page,
    )
    .await
}

#[derive(Deserialize)]
struct AddForm {
    #[serde(default)]
    agency: String,
    #[serde(default)]
    login: String,
}

const NOT_AN_OFFICER: Msg = Msg::new(
    "Нет учётной записи сотрудника ведомства с таким телефоном или почтой",
    "There is no officer account with this phone or e-mail",
);

async fn add(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Form(form): Form<AddForm>,
) -> Result<Response, PageError> {
    let operator = Operator::check(user)?;
    let lang = page.lang;
    let catalogue = Catalogue::current(&state).await?;
    let mut errors = FormErrors::default();
    if catalogue.agency(&form.agency).is_none() {
        errors.push(
            "agency",
            lang.pick("Выберите ведомство", "Choose an agency"),
        );
    }
    let login = form.login.trim().to_lowercase();
    let login = domain::Phone::parse(&login)
        .map(|p| p.as_str().to_owned())
        .unwrap_or(login);
    let officer = {
        let mut conn = state.db.connection().await?;
        match store::users::id_by_login(&mut conn, &login).await? {
            Some(id) => store::users::summary(&state.db, &id).await?,
            None => None,
        }
    }
    .filter(|u| u.role == Role::Officer);
    if officer.is_none() {
        errors.push("login", NOT_AN_OFFICER.get(lang));
    }
    if let (Some(officer), true) = (&officer, errors.is_empty()) {
        let now = state.now();
        let mut tx = state.db.begin().await?;
        if repo::add_member(&mut tx, &officer.id, &form.agency, now).await? {
            let e = Entry::new(operator.actor(), Action::AgencyMemberAdded)
                .object("agency", &form.agency)
                .subject(&officer.id)
                .from_request(meta.ip.clone(), None);
            audit::append(&mut tx, &e, now).await?;
        }
        tx.commit().await.map_err(store::StoreError::from)?;
        return Ok(Redirect::to("/operator/agencies?changed=1").into_response());
    }
    let body = page_of(&state, errors, form.login, form.agency, false, page).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}

#[derive(Deserialize)]
struct RemoveForm {
    agency: String,
    user_id: String,
}

async fn remove(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    Form(form): Form<RemoveForm>,
) -> Result<Response, PageError> {
    let operator = Operator::check(user)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if repo::remove_member(&mut tx, &form.user_id, &form.agency).await? {
        let e = Entry::new(operator.actor(), Action::AgencyMemberRemoved)
            .object("agency", &form.agency)
            .subject(&form.user_id)
            .from_request(meta.ip.clone(), None);
        audit::append(&mut tx, &e, now).await?;
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(Redirect::to("/operator/agencies?changed=1").into_response())
}
