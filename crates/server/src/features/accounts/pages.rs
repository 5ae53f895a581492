//! The account pages: register, confirm the phone, sign in and out, confirm the e-mail.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form};
use serde::Deserialize;

use super::codes::CodeError;
use super::second_step::{self as security, Factor, challenge_redirect};
use super::service::{self, AccountError, NewSession, RegisterInput};
use super::texts::{self, Texts};
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::context::RequestMeta;
use crate::web::context::{DEVICE_COOKIE, RequestInfo};
use crate::web::cookies::{self, Lifetime};
use crate::web::errors::PageError;
use crate::web::forms::{FieldIssue, FormErrors};
use crate::web::i18n::{Lang, Msg};
use crate::web::is_local_path;
use crate::web::page::PageCtx;
use crate::web::routes::Routes;
use crate::web::session::{CurrentSession, SESSION_COOKIE};

pub fn pages() -> Routes {
    Routes::new()
        .attempt("/register", get(register_form).post(register_submit))
        .attempt("/register/{id}", get(confirm_form).post(confirm_submit))
        .attempt("/register/{id}/resend", post(resend))
        .attempt("/login", get(login_form).post(login_submit))
        .route("/logout", post(logout))
        .route("/logout/everywhere", post(logout_everywhere))
        .route("/confirm-email", get(confirm_email))
        .merge(super::recovery_pages::pages())
}

pub(super) fn texts(lang: Lang) -> &'static Texts {
    lang.pick(&texts::RU, &texts::EN)
}

pub fn code_message(err: &CodeError) -> Msg {
    match err {
        CodeError::Wrong { .. } | CodeError::NoCode => texts::CODE_WRONG,
        CodeError::Expired => texts::CODE_EXPIRED,
        CodeError::TooManyTries => texts::CODE_TOO_MANY,
        CodeError::Used => texts::CODE_USED,
        CodeError::TooSoon { .. } => texts::CODE_TOO_SOON,
        CodeError::HourlyCap => texts::CODE_HOURLY_CAP,
        CodeError::Store(_) => texts::CODE_WRONG,
    }
}

/// What a page cannot explain to the person is ours to log (the page says «something went
/// wrong»); store trouble keeps its own answer (503 when the database does not answer).
impl From<AccountError> for PageError {
    fn from(err: AccountError) -> Self {
        match err {
            AccountError::Store(e) => PageError::from(e),
            other => PageError::internal(other),
        }
    }
}

// --- Registration -----------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct RegisterForm {
    #[serde(default)]
    surname: String,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    patronymic: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    consent_terms: Option<String>,
    consent_personal_data: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/accounts/register.html")]
struct RegisterPage {
    page: PageCtx,
    t: &'static Texts,
    form: RegisterForm,
    errors: FormErrors,
}

async fn register_form(page: PageCtx) -> RegisterPage {
    RegisterPage {
        t: texts(page.lang),
        page,
        form: RegisterForm::default(),
        errors: FormErrors::default(),
    }
}

async fn register_submit(
    State(state): State<AppState>,
    meta: RequestMeta,
    page: PageCtx,
    Form(mut form): Form<RegisterForm>,
) -> Result<Response, PageError> {
    let input = RegisterInput {
        surname: form.surname.clone(),
        given_name: form.given_name.clone(),
        patronymic: form.patronymic.clone(),
        phone: form.phone.clone(),
        email: form.email.clone(),
        password: std::mem::take(&mut form.password),
        consent_terms: form.consent_terms.is_some(),
        consent_personal_data: form.consent_personal_data.is_some(),
    };
    match service::register(&state, &input, &meta).await {
        Ok(started) => Ok(Redirect::to(&format!("/register/{}", started.id)).into_response()),
        Err(AccountError::Invalid(issues)) => Ok(register_again(page, form, &issues)),
        Err(AccountError::Code(err @ (CodeError::HourlyCap | CodeError::TooSoon { .. }))) => {
            let issues = [FieldIssue::new("phone", "rate_limited", code_message(&err))];
            Ok(register_again(page, form, &issues))
        }
        Err(err) => Err(PageError::from(err)),
    }
}

fn register_again(page: PageCtx, form: RegisterForm, issues: &[FieldIssue]) -> Response {
    let errors = FormErrors::from_issues(issues, page.lang);
    let body = RegisterPage {
        t: texts(page.lang),
        page,
        form,
        errors,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, body).into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "features/accounts/confirm.html")]
struct ConfirmPage {
    page: PageCtx,
    t: &'static Texts,
    id: String,
    phone_masked: String,
    errors: FormErrors,
    notice: Option<&'static str>,
    sandbox: bool,
}

#[derive(Deserialize)]
struct Notice {
    sent: Option<String>,
}

async fn confirm_form(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(notice): Query<Notice>,
    page: PageCtx,
) -> Result<Response, PageError> {
    let registration = match service::pending_registration(&state, &id).await {
        Ok(r) => r,
        Err(AccountError::RegistrationGone | AccountError::AlreadyRegistered) => {
            return Err(PageError::NotFound);
        }
        Err(e) => return Err(PageError::from(e)),
    };
    let phone = domain::Phone::parse(&registration.phone)
        .map(|p| p.masked())
        .unwrap_or_default();
    let t = texts(page.lang);
    Ok(ConfirmPage {
        t,
        phone_masked: phone,
        id,
        errors: FormErrors::default(),
        notice: notice.sent.map(|_| t.code_sent),
        sandbox: state.channels.uses_sandbox(),
        page,
    }
    .into_response())
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn confirm_submit(
    State(state): State<AppState>,
    meta: RequestMeta,
    Extension(current): Extension<CurrentSession>,
    Path(id): Path<String>,
    page: PageCtx,
    Form(form): Form<CodeForm>,
) -> Result<Response, PageError> {
    match service::confirm_registration(&state, &id, &form.code, &meta).await {
        Ok(user_id) => {
            let replaces = current.0.as_ref().map(|s| s.id.clone());
            let session =
                service::open_session(&state, &user_id, "registration", replaces.as_deref(), &meta)
                    .await?;
            Ok(signed_in_redirect(&state, &session, "/profile?welcome=1"))
        }
        Err(AccountError::Code(err)) => {
            let registration = service::pending_registration(&state, &id).await.ok();
            let phone = registration
                .and_then(|r| domain::Phone::parse(&r.phone).ok())
                .map(|p| p.masked())
                .unwrap_or_default();
            let body = ConfirmPage {
                t: texts(page.lang),
                errors: FormErrors::one("code", code_message(&err), page.lang),
                phone_masked: phone,
                id,
                notice: None,
                sandbox: state.channels.uses_sandbox(),
                page,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(AccountError::RegistrationGone) => Ok(message_page(
            page,
            StatusCode::GONE,
            texts::REGISTRATION_EXPIRED,
            "/register",
        )),
        Err(AccountError::AlreadyRegistered) => Ok(message_page(
            page,
            StatusCode::CONFLICT,
            texts::ACCOUNT_EXISTS,
            "/login",
        )),
        Err(e) => Err(PageError::from(e)),
    }
}

async fn resend(
    State(state): State<AppState>,
    meta: RequestMeta,
    Path(id): Path<String>,
    page: PageCtx,
) -> Result<Response, PageError> {
    match service::resend_registration_code(&state, &id, &meta).await {
        Ok(()) => Ok(Redirect::to(&format!("/register/{id}?sent=1")).into_response()),
        Err(AccountError::Code(err)) => {
            let registration = service::pending_registration(&state, &id).await.ok();
            let phone = registration
                .and_then(|r| domain::Phone::parse(&r.phone).ok())
                .map(|p| p.masked())
                .unwrap_or_default();
            let body = ConfirmPage {
                t: texts(page.lang),
                errors: FormErrors::one("code", code_message(&err), page.lang),
                phone_masked: phone,
                id,
                notice: None,
                sandbox: state.channels.uses_sandbox(),
                page,
            };
            Ok((StatusCode::TOO_MANY_REQUESTS, body).into_response())
        }
        Err(AccountError::RegistrationGone | AccountError::AlreadyRegistered) => {
            Err(PageError::NotFound)
        }
        Err(e) => Err(PageError::from(e)),
    }
}

// --- Sign-in and sign-out ---------------------------------------------------------------

#[derive(Deserialize, Default)]
struct LoginQuery {
    next: Option<String>,
    signed_out: Option<String>,
    recovered: Option<String>,
    /// `expired`: the second step timed out or had too many wrong codes; `password`: SMS is the
    /// second factor, so signing in by SMS code alone is not enough.
    second_factor: Option<String>,
    idle: Option<String>,
    /// `scheduled`: the person has just asked for their account to be deleted.
    deletion: Option<String>,
}

#[derive(Deserialize, Default)]
struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/accounts/login.html")]
struct LoginPage {
    page: PageCtx,
    t: &'static Texts,
    login: String,
    next: String,
    errors: FormErrors,
    notice: Option<&'static str>,
    /// Whether the "sign in with a passkey" button may be offered.
    passkeys: bool,
}

async fn login_form(
    State(state): State<AppState>,
    page: PageCtx,
    Query(query): Query<LoginQuery>,
) -> LoginPage {
    let t = texts(page.lang);
    LoginPage {
        passkeys: state.webauthn.is_some(),
        t,
        login: String::new(),
        next: query.next.filter(|n| is_local_path(n)).unwrap_or_default(),
        errors: FormErrors::default(),
        notice: query
            .signed_out
            .map(|_| t.signed_out)
            .or(query.recovered.map(|_| t.recovered))
            .or(query.idle.map(|_| t.idle_signed_out))
            .or(query.deletion.map(|_| t.deletion_scheduled))
            .or(query.second_factor.map(|why| match why.as_str() {
                "password" => t.second_factor_needs_password,
                _ => t.second_factor_expired,
            })),
        page,
    }
}

async fn login_submit(
    State(state): State<AppState>,
    meta: RequestMeta,
    Extension(current): Extension<CurrentSession>,
    page: PageCtx,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let next = form.next.clone().filter(|n| is_local_path(n));
    let mut issues = Vec::new();
    if form.login.trim().is_empty() {
        issues.push(FieldIssue::required("login"));
    }
    if form.password.is_empty() {
        issues.push(FieldIssue::required("password"));
    }
    let outcome = if issues.is_empty() {
        service::login_with_password(&state, &form.login, &form.password, &meta).await
    } else {
        Err(AccountError::Invalid(issues))
    };
    match outcome {
        Ok(user_id) => {
            continue_sign_in(
                &state,
                &current,
                &user_id,
                "password",
                &meta,
                next.as_deref().unwrap_or("/"),
            )
            .await
        }
        Err(AccountError::Invalid(issues)) => Ok(login_again(&state, page, form, &issues)),
        Err(AccountError::LoginFailed) => {
            let issues = [FieldIssue::new(
                "login",
                "login_failed",
                texts::LOGIN_FAILED,
            )];
            Ok(login_again(&state, page, form, &issues))
        }
        Err(e) => Err(PageError::from(e)),
    }
}

fn login_again(
    state: &AppState,
    page: PageCtx,
    form: LoginForm,
    issues: &[FieldIssue],
) -> Response {
    let body = LoginPage {
        passkeys: state.webauthn.is_some(),
        t: texts(page.lang),
        errors: FormErrors::from_issues(issues, page.lang),
        login: form.login,
        next: form.next.filter(|n| is_local_path(n)).unwrap_or_default(),
        notice: None,
        page,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, body).into_response()
}

/// After the first factor: a session, or the second step when the person has a second factor.
/// Signing in by SMS code when SMS is also the second factor would prove the phone twice, so
/// such a person is asked to sign in with the password.
pub(super) async fn continue_sign_in(
    state: &AppState,
    current: &CurrentSession,
    user_id: &str,
    method: &str,
    meta: &RequestMeta,
    next: &str,
) -> Result<Response, PageError> {
    let factor = security::chosen(state, user_id)
        .await
        .map_err(PageError::internal)?;
    match factor {
        Some(Factor::Sms) if method == "sms_code" => {
            Ok(Redirect::to("/login?second_factor=password").into_response())
        }
        Some(factor) => {
            let held = security::hold_sign_in(state, user_id, method, factor)
                .await
                .map_err(PageError::internal)?;
            Ok(challenge_redirect(state, &held.token, Some(next)))
        }
        None => {
            let replaces = current.0.as_ref().map(|s| s.id.clone());
            let session =
                service::open_session(state, user_id, method, replaces.as_deref(), meta).await?;
            Ok(signed_in_redirect(state, &session, next))
        }
    }
}

/// Sets the new session's cookie (and renews the device mark) and goes on.
pub fn signed_in_redirect(state: &AppState, session: &NewSession, to: &str) -> Response {
    (
        AppendHeaders(session_cookies(state, session)),
        Redirect::to(to),
    )
        .into_response()
}

/// The new session's cookie and the renewed device mark, for any response that signs in.
pub fn session_cookies(state: &AppState, session: &NewSession) -> [(HeaderName, HeaderValue); 2] {
    let secure = state.config.is_https();
    let session_cookie = cookies::set(
        SESSION_COOKIE,
        &session.token,
        Lifetime::Session,
        true,
        secure,
    );
    let device_cookie = cookies::set(
        DEVICE_COOKIE,
        &session.device,
        Lifetime::Seconds(DEVICE_MARK_LIFETIME_SECS),
        true,
        secure,
    );
    [
        (header::SET_COOKIE, session_cookie),
        (header::SET_COOKIE, device_cookie),
    ]
}

/// How long a browser stays a known device without signing in: two years.
const DEVICE_MARK_LIFETIME_SECS: i64 = 2 * 365 * 24 * 3600;

async fn sign_out(
    state: AppState,
    info: RequestInfo,
    user: SignedIn,
    everywhere: bool,
) -> Result<Response, PageError> {
    service::sign_out(
        &state,
        user.user(),
        &user.0.id,
        everywhere,
        &RequestMeta::from(&info),
    )
    .await?;
    Ok(signed_out_redirect(&state, "/login?signed_out=1"))
}

/// Clears the session cookie (its session is gone) and goes on.
pub fn signed_out_redirect(state: &AppState, to: &str) -> Response {
    let cookie = cookies::set(
        SESSION_COOKIE,
        "",
        Lifetime::Expire,
        true,
        state.config.is_https(),
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to(to)).into_response()
}

async fn logout(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
) -> Result<Response, PageError> {
    sign_out(state, info, user, false).await
}

async fn logout_everywhere(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
) -> Result<Response, PageError> {
    sign_out(state, info, user, true).await
}

// --- E-mail confirmation ------------------------------------------------------------------

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

const EMAIL_CONFIRMED: Msg = Msg::new(
    "Адрес электронной почты подтверждён.",
    "Your e-mail address is confirmed.",
);
const EMAIL_LINK_BAD: Msg = Msg::new(
    "Ссылка устарела или уже использована. Войдите в кабинет и запросите новое письмо в профиле.",
    "The link has expired or has been used. Sign in and ask for a new letter on your profile.",
);

async fn confirm_email(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
    page: PageCtx,
) -> Result<Response, PageError> {
    let token = q.token.unwrap_or_default();
    match service::confirm_email(&state, &token).await {
        Ok(_) => Ok(message_page(
            page,
            StatusCode::OK,
            EMAIL_CONFIRMED,
            "/profile",
        )),
        Err(AccountError::Code(_)) => Ok(message_page(
            page,
            StatusCode::GONE,
            EMAIL_LINK_BAD,
            "/login",
        )),
        Err(e) => Err(PageError::from(e)),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "features/accounts/message.html")]
struct MessagePage {
    page: PageCtx,
    message: &'static str,
    next: &'static str,
    next_label: &'static str,
}

const CONTINUE: Msg = Msg::new("Продолжить", "Continue");

fn message_page(page: PageCtx, status: StatusCode, message: Msg, next: &'static str) -> Response {
    let lang = page.lang;
    let body = MessagePage {
        page,
        message: message.get(lang),
        next,
        next_label: CONTINUE.get(lang),
    };
    (status, body).into_response()
}
