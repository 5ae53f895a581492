//! API keys on a page: the user's live bearer tokens (for the mobile app or their own scripts),
//! made with a name and shown once, revoked one by one. The API has the same under
//! `/api/v1/auth/tokens`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form};
use serde::Deserialize;
use store::audit::Action;
use store::audit::{self, Actor, Entry};

use crate::features::accounts::api::TOKEN_LIFETIME;
use crate::keys;
use crate::local_time;
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::context::RequestInfo;
use crate::web::errors::PageError;
use crate::web::forms::FormErrors;
use crate::web::page::PageCtx;
use crate::web::routes::Routes;

/// More live keys than anyone needs; beyond it, old ones must be revoked first.
const MAX_TOKENS: usize = 20;

pub fn pages() -> Routes {
    Routes::new()
        .route("/profile/tokens", get(list).post(create))
        .route("/profile/tokens/{id}/revoke", post(revoke))
}

pub struct Texts {
    pub title: &'static str,
    pub lead: &'static str,
    pub name: &'static str,
    pub name_hint: &'static str,
    pub create: &'static str,
    pub created: &'static str,
    pub last_used: &'static str,
    pub expires: &'static str,
    pub never: &'static str,
    pub revoke: &'static str,
    pub revoked: &'static str,
    pub empty: &'static str,
    pub new_token: &'static str,
    pub new_token_once: &'static str,
    pub errors_heading: &'static str,
    pub name_required: &'static str,
    pub too_many: &'static str,
    pub actions: &'static str,
}

static RU: Texts = Texts {
    title: "Ключи API",
    lead: "Ключ даёт программе (мобильному приложению, своему скрипту) доступ к вашему кабинету через API от вашего имени на 30 дней. Отзовите ключ, которым больше не пользуетесь.",
    name: "Название ключа",
    name_hint: "Чтобы потом узнать его, например «Телефон» или «Скрипт бухгалтерии»",
    create: "Создать ключ",
    created: "Создан",
    last_used: "Последнее использование",
    expires: "Действует до",
    never: "не использовался",
    revoke: "Отозвать",
    revoked: "Ключ отозван.",
    empty: "Ключей нет.",
    new_token: "Новый ключ",
    new_token_once: "Скопируйте ключ сейчас: мы храним только его отпечаток и больше его не покажем.",
    errors_heading: "Исправьте ошибки",
    name_required: "Введите название ключа, до 100 символов",
    too_many: "Ключей уже 20: отзовите ненужные, чтобы создать новый",
    actions: "Действия",
};

static EN: Texts = Texts {
    title: "API keys",
    lead: "A key lets a program (the mobile app, your own script) use your cabinet through the API on your behalf for 30 days. Revoke keys you no longer use.",
    name: "Key name",
    name_hint: "To recognise it later, for example “Phone” or “Accounting script”",
    create: "Create a key",
    created: "Created",
    last_used: "Last used",
    expires: "Valid until",
    never: "never",
    revoke: "Revoke",
    revoked: "The key is revoked.",
    empty: "No keys.",
    new_token: "New key",
    new_token_once: "Copy the key now: we keep only its fingerprint and will not show it again.",
    errors_heading: "There is a problem",
    name_required: "Enter a name for the key, up to 100 characters",
    too_many: "You already have 20 keys: revoke some to make a new one",
    actions: "Actions",
};

pub struct Row {
    pub id: String,
    pub name: String,
    pub created: String,
    pub last_used: Option<String>,
    pub expires: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/profile/tokens.html")]
struct TokensPage {
    page: PageCtx,
    t: &'static Texts,
    rows: Vec<Row>,
    name: String,
    errors: FormErrors,
    new_token: Option<String>,
    revoked: bool,
}

async fn page_of(
    state: &AppState,
    user: &SignedIn,
    page: PageCtx,
) -> Result<TokensPage, PageError> {
    let zone = user.user().time_zone.clone();
    let rows = store::tokens::list(&state.db, &user.user().id, state.now())
        .await?
        .into_iter()
        .map(|t| Row {
            created: local_time::shown(t.created_at, &zone),
            last_used: t.last_used_at.map(|at| local_time::shown(at, &zone)),
            expires: local_time::shown(t.expires_at, &zone),
            id: t.id,
            name: t.name,
        })
        .collect();
    Ok(TokensPage {
        t: page.lang.pick(&RU, &EN),
        rows,
        name: String::new(),
        errors: FormErrors::default(),
        new_token: None,
        revoked: false,
        page,
    })
}

#[derive(Deserialize)]
struct Notes {
    revoked: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    axum::extract::Query(notes): axum::extract::Query<Notes>,
) -> Result<TokensPage, PageError> {
    let mut body = page_of(&state, &user, page).await?;
    body.revoked = notes.revoked.is_some();
    Ok(body)
}

#[derive(Deserialize)]
struct CreateForm {
    #[serde(default)]
    name: String,
}

async fn create(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
    page: PageCtx,
    Form(form): Form<CreateForm>,
) -> Result<Response, PageError> {
    let mut body = page_of(&state, &user, page).await?;
    let t = body.t;
    let name = form.name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > 100 {
        body.errors.push("name", t.name_required);
    } else if body.rows.len() >= MAX_TOKENS {
        body.errors.push("name", t.too_many);
    }
    if !body.errors.is_empty() {
        body.name = form.name;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    }
    let now = state.now();
    let token = keys::random_token();
    let mut tx = state.db.begin().await?;
    let id = store::tokens::insert(
        &mut tx,
        &user.user().id,
        &keys::token_hash(&token),
        &name,
        now,
        now.checked_add(TOKEN_LIFETIME).unwrap_or(now),
    )
    .await?;
    let e = Entry::new(Actor::of(user.user()), Action::ApiTokenIssued)
        .object("api_token", &id)
        .subject(&user.user().id)
        .from_request(info.ip.clone(), None)
        .details(serde_json::json!({ "method": "page" }));
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    // Shown in this answer only: never in a URL, a redirect or a cache.
    let mut body = page_of(&state, &user, body.page).await?;
    body.new_token = Some(token);
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, "no-store")],
        body,
    )
        .into_response())
}

async fn revoke(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !store::tokens::revoke(&mut tx, &user.user().id, &id, now).await? {
        return Err(PageError::NotFound);
    }
    let e = Entry::new(Actor::of(user.user()), Action::ApiTokenRevoked)
        .object("api_token", &id)
        .subject(&user.user().id)
        .from_request(info.ip.clone(), None);
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(Redirect::to("/profile/tokens?revoked=1").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page says how long a key lasts; it must be the lifetime keys are given.
    #[test]
    fn the_page_names_the_key_lifetime() {
        let days = (crate::features::accounts::api::TOKEN_LIFETIME.as_secs() / 86_400).to_string();
        for t in [&RU, &EN] {
            assert!(t.lead.contains(&days), "{}", t.lead);
        }
    }
}
