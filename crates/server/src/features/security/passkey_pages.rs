//! «Ключи доступа»: the list of passkeys (rename, remove — plain forms), adding one, and the
//! JSON halves of the ceremonies that `passkeys.js` drives: adding, signing in without a
//! password, the second step after the password, and confirming a security change. The JSON
//! endpoints are page routes: they ride on the session cookie and need the CSRF header.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Json};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use store::passkeys::StoredPasskey;
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential};

use super::pages::{CHALLENGE_COOKIE, account_label, local_next, needs_confirmation};
use super::passkeys::{self, PasskeyError, Purpose};
use super::service;
use crate::features::accounts::pages::session_cookies;
use crate::features::accounts::service::open_session;
use crate::local_time;
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::context::RequestInfo;
use crate::web::context::RequestMeta;
use crate::web::cookies::{self, Lifetime};
use crate::web::errors::PageError;
use crate::web::forms::FormErrors;
use crate::web::i18n::Lang;
use crate::web::page::PageCtx;
use crate::web::routes::Routes;
use crate::web::session::CurrentSession;

pub fn pages() -> Routes {
    Routes::new()
        .route("/security/passkeys", get(list_page))
        .route("/security/passkeys/options", post(register_options))
        .route("/security/passkeys/new", post(register_finish))
        .route("/security/passkeys/{id}/rename", post(rename))
        .route("/security/passkeys/{id}/delete", post(remove))
        .attempt("/login/passkey/options", post(sign_in_options))
        .attempt("/login/passkey", post(sign_in_finish))
        .attempt(
            "/login/second-factor/passkey/options",
            post(second_step_options),
        )
        .attempt("/login/second-factor/passkey", post(second_step_finish))
        .attempt("/security/confirm/passkey/options", post(confirm_options))
        .attempt("/security/confirm/passkey", post(confirm_finish))
}

// --- JSON plumbing -------------------------------------------------------------------------------

/// A refusal the script shows in its status line, in the person's language.
fn refusal(status: StatusCode, lang: Lang, ru: &'static str, en: &'static str) -> Response {
    let error = lang.pick(ru, en);
    (status, Json(serde_json::json!({ "error": error }))).into_response()
}

fn answer(err: PasskeyError, lang: Lang) -> Response {
    match err {
        PasskeyError::Unavailable => refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            lang,
            "Ключи доступа не настроены: сервис должен открываться по доменному имени.",
            "Passkeys are not set up: the service must be reached by a domain name.",
        ),
        PasskeyError::CeremonyGone => refusal(
            StatusCode::GONE,
            lang,
            "Время подтверждения истекло. Нажмите кнопку ещё раз.",
            "The request expired. Press the button again.",
        ),
        PasskeyError::Refused(why) => {
            tracing::info!(reason = %why, "passkey answer refused");
            refusal(
                StatusCode::UNPROCESSABLE_ENTITY,
                lang,
                "Ключ доступа не подтвердился. Попробуйте ещё раз или войдите другим способом.",
                "The passkey did not verify. Try again or use another way.",
            )
        }
        PasskeyError::Unknown => refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang,
            "Этот ключ доступа не зарегистрирован в кабинете. Войдите по паролю.",
            "This passkey is not registered here. Sign in with your password.",
        ),
        PasskeyError::AlreadyRegistered => refusal(
            StatusCode::CONFLICT,
            lang,
            "Этот ключ доступа уже добавлен.",
            "This passkey is already added.",
        ),
        PasskeyError::TooMany => refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang,
            "Можно добавить не больше 20 ключей доступа. Удалите ненужные.",
            "You can add at most 20 passkeys. Remove ones you no longer use.",
        ),
        PasskeyError::NoneRegistered => refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang,
            "У вас нет ключей доступа.",
            "You have no passkeys.",
        ),
        PasskeyError::BadName => refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang,
            "Назовите ключ (до 60 символов), например «Мой телефон».",
            "Name the passkey (up to 60 characters), for example “My phone”.",
        ),
        PasskeyError::Store(e) => PageError::from(e).into_response(),
    }
}

/// A ceremony's JSON body from the page's script. One that does not read is answered with
/// [`incomplete`] before the handler runs.
struct Sent<T>(T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Sent<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let lang = req
            .extensions()
            .get::<RequestInfo>()
            .map(|i| i.lang)
            .unwrap_or_default();
        crate::web::json::read(req, state)
            .await
            .map(Sent)
            .map_err(|_| incomplete(lang))
    }
}

fn incomplete(lang: Lang) -> Response {
    refusal(
        StatusCode::BAD_REQUEST,
        lang,
        "Браузер прислал неполный ответ. Обновите страницу и попробуйте ещё раз.",
        "The browser sent an incomplete answer. Reload the page and try again.",
    )
}

fn options_json(ceremony: String, options: impl serde::Serialize) -> Response {
    Json(serde_json::json!({ "ceremony": ceremony, "options": options })).into_response()
}

fn go(to: &str) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "redirect": to }))
}

/// A security change needs a fresh confirmation: the script follows the redirect.
fn confirm_first(state: &AppState, user: &SignedIn, back: &str) -> Option<Response> {
    needs_confirmation(state, user, back)?;
    let next: String = form_urlencoded::byte_serialize(back.as_bytes()).collect();
    Some(
        (
            StatusCode::FORBIDDEN,
            go(&format!("/security/confirm?next={next}")),
        )
            .into_response(),
    )
}

#[derive(Deserialize)]
struct Registration {
    ceremony: String,
    #[serde(default)]
    name: String,
    credential: RegisterPublicKeyCredential,
}

#[derive(Deserialize)]
struct Assertion {
    ceremony: String,
    credential: PublicKeyCredential,
    next: Option<String>,
}

// --- The list -------------------------------------------------------------------------------

struct Row {
    id: String,
    name: String,
    added: String,
    used: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/security/passkeys.html")]
struct ListPage {
    page: PageCtx,
    ru: bool,
    available: bool,
    rows: Vec<Row>,
    notice: Option<&'static str>,
    errors: FormErrors,
    /// The passkey whose rename failed, to show the error next to it.
    failed_id: String,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    added: Option<String>,
    removed: Option<String>,
    renamed: Option<String>,
}

fn row(p: &StoredPasskey, zone: &str, never: &str) -> Row {
    Row {
        id: p.id.clone(),
        name: p.name.clone(),
        added: local_time::shown(p.created_at, zone),
        used: p
            .last_used_at
            .map(|t| local_time::shown(t, zone))
            .unwrap_or_else(|| never.to_owned()),
    }
}

async fn list_page_of(
    state: &AppState,
    user: &SignedIn,
    page: PageCtx,
    notice: Option<&'static str>,
    errors: FormErrors,
    failed_id: String,
) -> Result<ListPage, PageError> {
    let me = user.user();
    let never = page.lang.pick("не использовался", "never");
    let rows = passkeys::list(state, &me.id)
        .await
        .map_err(PageError::internal)?
        .iter()
        .map(|p| row(p, &me.time_zone, never))
        .collect();
    Ok(ListPage {
        ru: page.lang == Lang::Ru,
        available: state.webauthn.is_some(),
        rows,
        notice,
        errors,
        failed_id,
        page,
    })
}

async fn list_page(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    if let Some(confirm) = needs_confirmation(&state, &user, "/security/passkeys") {
        return Ok(confirm);
    }
    let lang = page.lang;
    let notice = if q.added.is_some() {
        Some(lang.pick(
            "Ключ доступа добавлен. Теперь им можно входить в кабинет.",
            "Passkey added. You can now sign in with it.",
        ))
    } else if q.removed.is_some() {
        Some(lang.pick("Ключ доступа удалён.", "Passkey removed."))
    } else if q.renamed.is_some() {
        Some(lang.pick("Название сохранено.", "Name saved."))
    } else {
        None
    };
    Ok(list_page_of(
        &state,
        &user,
        page,
        notice,
        FormErrors::default(),
        String::new(),
    )
    .await?
    .into_response())
}

async fn register_options(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
) -> Result<Response, PageError> {
    if let Some(confirm) = confirm_first(&state, &user, "/security/passkeys") {
        return Ok(confirm);
    }
    let label = account_label(&state, &user.user().id).await?;
    Ok(
        match passkeys::begin_registration(&state, user.user(), &label).await {
            Ok((ceremony, options)) => options_json(ceremony, options),
            Err(e) => answer(e, page.lang),
        },
    )
}

async fn register_finish(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Sent(sent): Sent<Registration>,
) -> Result<Response, PageError> {
    if let Some(confirm) = confirm_first(&state, &user, "/security/passkeys") {
        return Ok(confirm);
    }
    Ok(
        match passkeys::finish_registration(
            &state,
            user.user(),
            &sent.ceremony,
            &sent.name,
            &sent.credential,
            &meta,
        )
        .await
        {
            Ok(_) => (StatusCode::CREATED, go("/security/passkeys?added=1")).into_response(),
            Err(e) => answer(e, page.lang),
        },
    )
}

#[derive(Deserialize, Default)]
struct NameForm {
    #[serde(default)]
    name: String,
}

async fn rename(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Path(id): Path<String>,
    Form(form): Form<NameForm>,
) -> Result<Response, PageError> {
    match passkeys::rename(&state, user.user(), &id, &form.name, &meta).await {
        Ok(()) => Ok(Redirect::to("/security/passkeys?renamed=1").into_response()),
        Err(PasskeyError::BadName) => {
            let mut errors = FormErrors::default();
            errors.push(
                "name",
                page.lang.pick(
                    "Назовите ключ (до 60 символов), например «Мой телефон».",
                    "Name the passkey (up to 60 characters), for example “My phone”.",
                ),
            );
            let body = list_page_of(&state, &user, page, None, errors, id).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(PasskeyError::Unknown) => Err(PageError::NotFound),
        Err(e) => Err(PageError::internal(e)),
    }
}

async fn remove(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    if let Some(confirm) = needs_confirmation(&state, &user, "/security/passkeys") {
        return Ok(confirm);
    }
    match passkeys::remove(&state, user.user(), &id, &meta).await {
        Ok(()) => Ok(Redirect::to("/security/passkeys?removed=1").into_response()),
        Err(PasskeyError::Unknown) => Err(PageError::NotFound),
        Err(e) => Err(PageError::internal(e)),
    }
}

// --- Signing in without a password -------------------------------------------------------------

async fn sign_in_options(State(state): State<AppState>, page: PageCtx) -> Response {
    match passkeys::begin_sign_in(&state).await {
        Ok((ceremony, options)) => options_json(ceremony, options),
        Err(e) => answer(e, page.lang),
    }
}

async fn sign_in_finish(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    Extension(current): Extension<CurrentSession>,
    page: PageCtx,
    Sent(sent): Sent<Assertion>,
) -> Result<Response, PageError> {
    let user_id = match passkeys::finish_sign_in(&state, &sent.ceremony, &sent.credential).await {
        Ok(user_id) => user_id,
        Err(e) => return Ok(answer(e, page.lang)),
    };
    let session = SignIn {
        user_id: &user_id,
        method: "passkey",
        next: sent.next,
    };
    session.open(&state, &info, &current).await
}

/// A sign-in a passkey proved: the session to open and where the script goes next.
struct SignIn<'a> {
    user_id: &'a str,
    method: &'a str,
    next: Option<String>,
}

impl SignIn<'_> {
    /// Opens the session (in place of the browser's current one) and answers with its cookies;
    /// a half-done sign-in's cookie is ended as well.
    async fn open(
        self,
        state: &AppState,
        info: &RequestInfo,
        current: &CurrentSession,
    ) -> Result<Response, PageError> {
        let replaces = current.0.as_ref().map(|s| s.id.clone());
        let session = open_session(
            state,
            self.user_id,
            self.method,
            replaces.as_deref(),
            &RequestMeta::from(info),
        )
        .await
        .map_err(PageError::internal)?;
        let [a, b] = session_cookies(state, &session);
        let secure = state.config.is_https();
        let ended = cookies::set(CHALLENGE_COOKIE, "", Lifetime::Expire, true, secure);
        let next = local_next(self.next, "/");
        Ok((
            AppendHeaders([a, b, (header::SET_COOKIE, ended)]),
            go(&next),
        )
            .into_response())
    }
}

// --- The second step after the password --------------------------------------------------------

async fn held(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<store::second_factor::Challenge>, PageError> {
    let Some(token) = cookies::get(headers, CHALLENGE_COOKIE) else {
        return Ok(None);
    };
    Ok(service::held_sign_in(state, &token)
        .await
        .map_err(PageError::internal)?
        .map(|(challenge, _)| challenge))
}

fn sign_in_again(lang: Lang) -> Response {
    (
        StatusCode::GONE,
        Json(serde_json::json!({
            "redirect": "/login?second_factor=expired",
            "error": lang.pick("Время входа истекло.", "The sign-in expired."),
        })),
    )
        .into_response()
}

async fn second_step_options(
    State(state): State<AppState>,
    headers: HeaderMap,
    page: PageCtx,
) -> Result<Response, PageError> {
    let Some(challenge) = held(&state, &headers).await? else {
        return Ok(sign_in_again(page.lang));
    };
    Ok(
        match passkeys::begin_proof(&state, &challenge.user_id, Purpose::SecondFactor).await {
            Ok((ceremony, options)) => options_json(ceremony, options),
            Err(e) => answer(e, page.lang),
        },
    )
}

async fn second_step_finish(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    Extension(current): Extension<CurrentSession>,
    headers: HeaderMap,
    page: PageCtx,
    Sent(sent): Sent<Assertion>,
) -> Result<Response, PageError> {
    let Some(challenge) = held(&state, &headers).await? else {
        return Ok(sign_in_again(page.lang));
    };
    if let Err(e) = passkeys::finish_proof(
        &state,
        &challenge.user_id,
        Purpose::SecondFactor,
        &sent.ceremony,
        &sent.credential,
    )
    .await
    {
        return Ok(answer(e, page.lang));
    }
    let (user_id, method) = match service::complete_sign_in_by_passkey(&state, &challenge).await {
        Ok(done) => done,
        Err(_) => return Ok(sign_in_again(page.lang)),
    };
    let session = SignIn {
        user_id: &user_id,
        method: &method,
        next: sent.next,
    };
    session.open(&state, &info, &current).await
}

// --- Confirming a security change --------------------------------------------------------------

async fn confirm_options(State(state): State<AppState>, user: SignedIn, page: PageCtx) -> Response {
    match passkeys::begin_proof(&state, &user.user().id, Purpose::Confirm).await {
        Ok((ceremony, options)) => options_json(ceremony, options),
        Err(e) => answer(e, page.lang),
    }
}

async fn confirm_finish(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Sent(sent): Sent<Assertion>,
) -> Result<Response, PageError> {
    let me = user.user();
    if let Err(e) = passkeys::finish_proof(
        &state,
        &me.id,
        Purpose::Confirm,
        &sent.ceremony,
        &sent.credential,
    )
    .await
    {
        return Ok(answer(e, page.lang));
    }
    service::confirm_session_by_passkey(&state, me, &user.0.id, &meta)
        .await
        .map_err(PageError::internal)?;
    Ok(go(&local_next(sent.next, "/security")).into_response())
}
