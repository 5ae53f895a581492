//! An agency's own systems, as the operator sets them up at `/operator/agencies/{code}/systems`:
//! API keys (shown once, kept as SHA-256, revocable), the webhook endpoint with its signing
//! secret (shown once, sealed at rest, rotatable) and the latest deliveries. Every change is
//! audited in its transaction. `kabinet admin create-agency-key` makes keys from the console.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use store::StoreError;
use store::agency_systems as repo;
use store::audit::{self, Action, Actor, Entry};

use super::catalogue::Catalogue;
use super::controls::said;
use super::webhooks::{self, Event};
use crate::keys;
use crate::local_time;
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
        .route("/operator/agencies/{code}/systems", get(show))
        .route("/operator/agencies/{code}/keys", post(create))
        .route("/operator/agencies/{code}/keys/{id}/revoke", post(revoke))
        .route("/operator/agencies/{code}/webhook", post(set_hook))
        .route("/operator/agencies/{code}/webhook/rotate", post(rotate))
        .route(
            "/operator/agencies/{code}/webhook/remove",
            post(remove_hook),
        )
}

/// Agency keys start with this, so that a key pasted in the wrong place is recognised.
pub const KEY_PREFIX: &str = "kag_";
const MAX_NAME: usize = 80;
const MAX_URL: usize = 500;

/// Makes a key for the agency and returns it (the only time it is seen).
pub async fn create_key(
    state: &AppState,
    agency_code: &str,
    name: &str,
    actor: Actor,
    ip: Option<String>,
) -> Result<String, StoreError> {
    let token = format!("{KEY_PREFIX}{}", keys::random_token());
    // The token is ASCII (base64url), so its last four bytes are its last four characters.
    let hint = token[token.len() - 4..].to_owned();
    let now = state.now();
    let created_by = match &actor {
        Actor::User { id, .. } => Some(id.clone()),
        _ => None,
    };
    let mut tx = state.db.begin().await?;
    let id = repo::insert_key(
        &mut tx,
        agency_code,
        name,
        &keys::token_hash(&token),
        &hint,
        created_by.as_deref(),
        now,
    )
    .await?;
    let e = Entry::new(actor, Action::AgencyKeyCreated)
        .object("agency_key", &id)
        .from_request(ip, None)
        .details(serde_json::json!({ "agency": agency_code, "name": name }));
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await?;
    Ok(token)
}

/// Checks an endpoint address: http(s), a host, not too long.
fn endpoint(url: &str) -> Result<String, Msg> {
    let url = url.trim();
    if url.is_empty() {
        return Err(Msg::new("Укажите адрес", "Enter the address"));
    }
    if url.chars().count() > MAX_URL {
        return Err(Msg::new(
            "Адрес не длиннее 500 знаков",
            "The address is at most 500 characters",
        ));
    }
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "https" | "http") && u.host().is_some() => Ok(u.to_string()),
        _ => Err(Msg::new(
            "Нужен адрес вида https://система.ведомства/kabinet/events",
            "Enter an address like https://agency.example/kabinet/events",
        )),
    }
}

pub struct KeyLine {
    pub id: String,
    pub name: String,
    pub hint: String,
    pub created: String,
    pub used: String,
    pub live: bool,
}

pub struct DeliveryLine {
    pub event: String,
    pub created: String,
    pub attempts: i64,
    pub outcome: String,
    pub delivered: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/applications/systems.html")]
struct SystemsPage {
    page: PageCtx,
    ru: bool,
    code: String,
    agency: String,
    keys: Vec<KeyLine>,
    webhook: Option<String>,
    events: Vec<&'static str>,
    deliveries: Vec<DeliveryLine>,
    /// A key or secret just made, shown this once.
    shown_once: Option<(String, String)>,
    saved: bool,
    errors: FormErrors,
    key_name: String,
    url: String,
}

struct Outcome {
    shown_once: Option<(String, String)>,
    saved: bool,
    errors: FormErrors,
    name: String,
    url: String,
}

impl Outcome {
    fn saved() -> Self {
        Self {
            shown_once: None,
            saved: true,
            errors: FormErrors::default(),
            name: String::new(),
            url: String::new(),
        }
    }

    fn once(label: String, value: String) -> Self {
        Self {
            shown_once: Some((label, value)),
            ..Self::saved()
        }
    }
}

async fn page_of(
    state: &AppState,
    code: &str,
    outcome: Outcome,
    page: PageCtx,
) -> Result<Response, PageError> {
    let lang = page.lang;
    let catalogue = Catalogue::current(state).await?;
    let agency = catalogue.agency(code).ok_or(PageError::NotFound)?;
    let tz = local_time::DEFAULT_ZONE;
    let keys = repo::keys(&state.db, code)
        .await?
        .into_iter()
        .map(|k| KeyLine {
            name: k.name,
            hint: k.hint,
            created: local_time::shown(k.created_at, tz),
            used: k
                .last_used_at
                .map(|t| local_time::shown(t, tz))
                .unwrap_or_else(|| lang.pick("не использовался", "never").to_owned()),
            live: k.revoked_at.is_none(),
            id: k.id,
        })
        .collect();
    let webhook = {
        let mut conn = state.db.connection().await?;
        repo::webhook(&mut conn, code).await?.map(|w| w.url)
    };
    let deliveries = repo::deliveries(&state.db, code, 20)
        .await?
        .into_iter()
        .map(|d| DeliveryLine {
            event: d.event_type,
            created: local_time::shown(d.created_at, tz),
            attempts: d.attempts,
            outcome: match (&d.delivered_at, &d.last_status, &d.last_error) {
                (Some(_), Some(s), _) => format!("HTTP {s}"),
                (_, _, Some(e)) => e.clone(),
                _ => lang.pick("в очереди", "queued").to_owned(),
            },
            delivered: d.delivered_at.is_some(),
        })
        .collect();
    let failed = !outcome.errors.is_empty();
    let body = SystemsPage {
        ru: lang == Lang::Ru,
        code: code.to_owned(),
        agency: said(&agency.name, lang),
        keys,
        webhook,
        events: Event::ALL.iter().map(|e| e.code()).collect(),
        deliveries,
        shown_once: outcome.shown_once,
        saved: outcome.saved,
        errors: outcome.errors,
        key_name: outcome.name,
        url: outcome.url,
        page,
    };
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, body).into_response())
}

async fn known_agency(state: &AppState, code: &str) -> Result<(), PageError> {
    let catalogue = Catalogue::current(state).await?;
    catalogue
        .agency(code)
        .map(|_| ())
        .ok_or(PageError::NotFound)
}

async fn show(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    Operator::check(user)?;
    let outcome = Outcome {
        saved: false,
        ..Outcome::saved()
    };
    page_of(&state, &code, outcome, page).await
}

#[derive(Deserialize)]
struct KeyForm {
    #[serde(default)]
    name: String,
}

async fn create(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Path(code): Path<String>,
    Form(form): Form<KeyForm>,
) -> Result<Response, PageError> {
    let operator = Operator::check(user)?;
    known_agency(&state, &code).await?;
    let lang = page.lang;
    let name = form.name.trim();
    let problem = if name.is_empty() {
        Some(Msg::new(
            "Назовите ключ: какая система им пользуется",
            "Name the key: which system uses it",
        ))
    } else if name.chars().count() > MAX_NAME {
        Some(Msg::new(
            "Название не длиннее 80 знаков",
            "The name is at most 80 characters",
        ))
    } else {
        None
    };
    if let Some(problem) = problem {
        let outcome = Outcome {
            errors: FormErrors::one("name", problem, lang),
            name: form.name.clone(),
            saved: false,
            ..Outcome::saved()
        };
        return page_of(&state, &code, outcome, page).await;
    }
    let token = create_key(&state, &code, name, operator.actor(), meta.ip.clone()).await?;
    let label = lang.pick("Ключ API", "API key").to_owned();
    page_of(&state, &code, Outcome::once(label, token), page).await
}

async fn revoke(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let operator = Operator::check(user)?;
    known_agency(&state, &code).await?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if repo::revoke_key(&mut tx, &code, &id, now).await? {
        let e = Entry::new(operator.actor(), Action::AgencyKeyRevoked)
            .object("agency_key", &id)
            .from_request(meta.ip.clone(), None)
            .details(serde_json::json!({ "agency": code }));
        audit::append(&mut tx, &e, now).await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    page_of(&state, &code, Outcome::saved(), page).await
}

#[derive(Deserialize)]
struct HookForm {
    #[serde(default)]
    url: String,
}

/// Saves the endpoint, keeping its secret; a first endpoint gets a new secret, shown once.
async fn set_hook(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Path(code): Path<String>,
    Form(form): Form<HookForm>,
) -> Result<Response, PageError> {
    let operator = Operator::check(user)?;
    known_agency(&state, &code).await?;
    let lang = page.lang;
    let url = match endpoint(&form.url) {
        Ok(url) => url,
        Err(problem) => {
            let outcome = Outcome {
                errors: FormErrors::one("url", problem, lang),
                url: form.url.clone(),
                saved: false,
                ..Outcome::saved()
            };
            return page_of(&state, &code, outcome, page).await;
        }
    };
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let existing = repo::webhook(&mut tx, &code).await?;
    let (sealed, fresh) = match existing {
        Some(hook) => (hook.sealed_secret, None),
        None => {
            let secret = webhooks::new_secret();
            (
                keys::seal(&state.keys.secrets, secret.as_bytes()),
                Some(secret),
            )
        }
    };
    repo::set_webhook(&mut tx, &code, &url, &sealed, now).await?;
    let e = Entry::new(operator.actor(), Action::AgencyWebhookSet)
        .object("agency", &code)
        .from_request(meta.ip.clone(), None)
        .details(serde_json::json!({ "url": url, "new_secret": fresh.is_some() }));
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    let outcome = match fresh {
        Some(secret) => Outcome::once(
            lang.pick("Секрет подписи", "Signing secret").to_owned(),
            secret,
        ),
        None => Outcome::saved(),
    };
    page_of(&state, &code, outcome, page).await
}

/// A new signing secret for the endpoint, shown once; the old one stops signing at once.
async fn rotate(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let operator = Operator::check(user)?;
    known_agency(&state, &code).await?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let Some(hook) = repo::webhook(&mut tx, &code).await? else {
        return page_of(&state, &code, Outcome::saved(), page).await;
    };
    let secret = webhooks::new_secret();
    let sealed = keys::seal(&state.keys.secrets, secret.as_bytes());
    repo::set_webhook(&mut tx, &code, &hook.url, &sealed, now).await?;
    let e = Entry::new(operator.actor(), Action::AgencyWebhookSet)
        .object("agency", &code)
        .from_request(meta.ip.clone(), None)
        .details(serde_json::json!({ "url": hook.url, "new_secret": true }));
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    let label = page
        .lang
        .pick("Секрет подписи", "Signing secret")
        .to_owned();
    page_of(&state, &code, Outcome::once(label, secret), page).await
}

async fn remove_hook(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let operator = Operator::check(user)?;
    known_agency(&state, &code).await?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if repo::remove_webhook(&mut tx, &code).await? {
        let e = Entry::new(operator.actor(), Action::AgencyWebhookRemoved)
            .object("agency", &code)
            .from_request(meta.ip.clone(), None);
        audit::append(&mut tx, &e, now).await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    page_of(&state, &code, Outcome::saved(), page).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_http_addresses_with_a_host() {
        assert!(endpoint("https://mvd.example/kabinet/events").is_ok());
        assert!(endpoint(" http://127.0.0.1:8080/hook ").is_ok());
        assert!(endpoint("").is_err());
        assert!(endpoint("ftp://mvd.example/").is_err());
        assert!(endpoint("mvd.example/hook").is_err());
        assert!(endpoint(&format!("https://a.example/{}", "x".repeat(500))).is_err());
    }
}
