//! «Настройки безопасности»: the second factor (authenticator app or SMS), recovery codes, the
//! confirmation a security change asks for, and the second step of signing in.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form};
use serde::Deserialize;

use super::qr;
use super::service::{self, Factor, SecurityError};
use crate::features::accounts::pages::signed_in_redirect;
pub use crate::features::accounts::second_step::{CHALLENGE_COOKIE, challenge_redirect};
use crate::features::accounts::service::open_session;
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::context::RequestMeta;
use crate::web::cookies::{self, Lifetime};
use crate::web::errors::PageError;
use crate::web::forms::FormErrors;
use crate::web::i18n::Lang;
use crate::web::is_local_path;
use crate::web::page::PageCtx;
use crate::web::routes::Routes;
use crate::web::session::CurrentSession;

pub fn pages() -> Routes {
    Routes::new()
        .route("/security", get(overview))
        .route("/security/totp", get(totp_page).post(totp_start))
        .route("/security/totp/confirm", post(totp_confirm))
        .route("/security/sms", post(sms_on))
        .route("/security/off", post(turn_off))
        .route("/security/recovery-codes", post(new_codes))
        .attempt("/security/confirm", get(confirm_form).post(confirm_submit))
        .attempt("/security/confirm/sms", post(confirm_send_sms))
        .attempt(
            "/login/second-factor",
            get(challenge_form).post(challenge_submit),
        )
        .attempt("/login/second-factor/sms", post(challenge_resend))
        .route("/session/keep-alive", post(keep_alive))
        .merge(super::passkey_pages::pages())
}

impl From<SecurityError> for PageError {
    fn from(err: SecurityError) -> Self {
        match err {
            SecurityError::Store(e) => PageError::from(e),
            other => PageError::internal(other),
        }
    }
}

/// Sends the person to confirm who they are when the session's last proof is stale; the change
/// is then made from `back` again.
pub fn needs_confirmation(state: &AppState, user: &SignedIn, back: &str) -> Option<Response> {
    if service::is_fresh(state, user.0.confirmed_at) {
        return None;
    }
    let next: String = form_urlencoded::byte_serialize(back.as_bytes()).collect();
    Some(Redirect::to(&format!("/security/confirm?next={next}")).into_response())
}

fn ru(page: &PageCtx) -> bool {
    page.lang == Lang::Ru
}

// --- Overview ---------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "features/security/security.html")]
struct OverviewPage {
    page: PageCtx,
    ru: bool,
    factor: Option<&'static str>,
    codes_left: i64,
    phone_confirmed: bool,
    idle_minutes: i64,
    notice: Option<&'static str>,
    passkeys: usize,
}

#[derive(Deserialize, Default)]
struct Notice {
    done: Option<String>,
}

async fn overview(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Query(notice): Query<Notice>,
) -> Result<OverviewPage, PageError> {
    let id = &user.user().id;
    let factor = service::chosen(&state, id).await?;
    let profile = store::users::profile(&state.db, id).await?;
    let codes_left = store::second_factor::recovery_codes_left(&state.db, id).await?;
    let idle_minutes = store::users::idle_timeout_minutes(&state.db, id)
        .await?
        .unwrap_or(i64::from(state.config.session.idle_timeout_minutes));
    let lang = page.lang;
    let notice = notice.done.as_deref().map(|what| match what {
        "sms" => lang.pick(
            "Теперь при входе мы будем присылать код в SMS.",
            "Signing in now asks for a code sent by SMS.",
        ),
        "off" => lang.pick(
            "Двухфакторная защита выключена.",
            "Two-step sign-in is off.",
        ),
        _ => lang.pick("Сохранено.", "Saved."),
    });
    Ok(OverviewPage {
        ru: ru(&page),
        factor: factor.map(Factor::as_str),
        codes_left,
        phone_confirmed: profile.is_some_and(|p| p.phone_verified),
        idle_minutes,
        notice,
        passkeys: super::passkeys::list(&state, &user.user().id)
            .await
            .map(|l| l.len())
            .unwrap_or(0),
        page,
    })
}

// --- The authenticator app ------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "features/security/totp.html")]
struct TotpPage {
    page: PageCtx,
    ru: bool,
    qr: Option<String>,
    secret: String,
    errors: FormErrors,
}

/// How an authenticator names this account: the e-mail, else the phone.
pub(super) async fn account_label(state: &AppState, user_id: &str) -> Result<String, PageError> {
    let profile = store::users::profile(&state.db, user_id).await?;
    Ok(profile
        .and_then(|p| p.email.or(p.phone))
        .unwrap_or_else(|| user_id.to_owned()))
}

async fn totp_page_of(
    state: &AppState,
    user: &SignedIn,
    page: PageCtx,
    errors: FormErrors,
) -> Result<TotpPage, PageError> {
    let label = account_label(state, &user.user().id).await?;
    let pending = service::pending_totp(state, &user.user().id, &label).await?;
    let title = page.lang.pick(
        "QR-код для приложения-аутентификатора",
        "QR code for the authenticator app",
    );
    Ok(TotpPage {
        ru: ru(&page),
        qr: pending.as_ref().and_then(|p| qr::svg(&p.uri, title)),
        secret: pending.map(|p| p.grouped).unwrap_or_default(),
        errors,
        page,
    })
}

async fn totp_page(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
) -> Result<Response, PageError> {
    if let Some(confirm) = needs_confirmation(&state, &user, "/security/totp") {
        return Ok(confirm);
    }
    Ok(totp_page_of(&state, &user, page, FormErrors::default())
        .await?
        .into_response())
}

async fn totp_start(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
) -> Result<Response, PageError> {
    if let Some(confirm) = needs_confirmation(&state, &user, "/security/totp") {
        return Ok(confirm);
    }
    let label = account_label(&state, &user.user().id).await?;
    service::begin_totp(&state, user.user(), &label, &meta).await?;
    Ok(Redirect::to("/security/totp").into_response())
}

#[derive(Deserialize, Default)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/security/recovery_codes.html")]
struct CodesPage {
    page: PageCtx,
    ru: bool,
    codes: Vec<String>,
    first_time: bool,
}

async fn totp_confirm(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Form(form): Form<CodeForm>,
) -> Result<Response, PageError> {
    if let Some(confirm) = needs_confirmation(&state, &user, "/security/totp") {
        return Ok(confirm);
    }
    let lang = page.lang;
    match service::confirm_totp(&state, user.user(), &form.code, &meta).await {
        Ok(codes) => Ok(no_store(CodesPage {
            ru: ru(&page),
            codes,
            first_time: true,
            page,
        })),
        Err(SecurityError::WrongCode) => {
            let mut errors = FormErrors::default();
            errors.push(
                "code",
                lang.pick(
                    "Код не подошёл. Введите шесть цифр, которые приложение показывает сейчас; проверьте, что время на телефоне установлено автоматически.",
                    "The code did not match. Type the six digits the app shows now; check that the phone sets its time automatically.",
                ),
            );
            let body = totp_page_of(&state, &user, page, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(SecurityError::NoEnrolment) => Ok(Redirect::to("/security/totp").into_response()),
        Err(e) => Err(PageError::from(e)),
    }
}

/// Pages that show secrets are never cached, by the browser or on the way.
fn no_store(body: impl IntoResponse) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], body).into_response()
}

async fn sms_on(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
) -> Result<Response, PageError> {
    if let Some(confirm) = needs_confirmation(&state, &user, "/security") {
        return Ok(confirm);
    }
    match service::choose_sms(&state, user.user(), &meta).await {
        Ok(()) => Ok(Redirect::to("/security?done=sms").into_response()),
        Err(SecurityError::NoPhone) => Ok(Redirect::to("/profile/contacts").into_response()),
        Err(e) => Err(PageError::from(e)),
    }
}

async fn turn_off(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
) -> Result<Response, PageError> {
    if let Some(confirm) = needs_confirmation(&state, &user, "/security") {
        return Ok(confirm);
    }
    service::turn_off(&state, user.user(), &meta).await?;
    Ok(Redirect::to("/security?done=off").into_response())
}

async fn new_codes(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
) -> Result<Response, PageError> {
    if let Some(confirm) = needs_confirmation(&state, &user, "/security") {
        return Ok(confirm);
    }
    let codes = service::regenerate_recovery_codes(&state, user.user(), &meta).await?;
    Ok(no_store(CodesPage {
        ru: ru(&page),
        codes,
        first_time: false,
        page,
    }))
}

// --- Confirming who you are -------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "features/security/confirm.html")]
struct ConfirmPage {
    page: PageCtx,
    ru: bool,
    next: String,
    factor: Option<&'static str>,
    sent: bool,
    errors: FormErrors,
    passkeys: bool,
}

#[derive(Deserialize, Default)]
struct ConfirmQuery {
    next: Option<String>,
    sent: Option<String>,
}

#[derive(Deserialize, Default)]
struct ConfirmForm {
    #[serde(default)]
    password: String,
    code: Option<String>,
    next: Option<String>,
}

/// A page of this site to go on to, or `fallback`: never another site (open redirects).
pub(super) fn local_next(next: Option<String>, fallback: &str) -> String {
    next.filter(|n| is_local_path(n))
        .unwrap_or_else(|| fallback.to_owned())
}

async fn confirm_form(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Query(query): Query<ConfirmQuery>,
) -> Result<ConfirmPage, PageError> {
    let factor = service::chosen(&state, &user.user().id).await?;
    Ok(ConfirmPage {
        ru: ru(&page),
        next: local_next(query.next, "/security"),
        factor: factor.map(Factor::as_str),
        sent: query.sent.is_some(),
        errors: FormErrors::default(),
        passkeys: offers_passkey(&state, &user.user().id).await,
        page,
    })
}

async fn confirm_submit(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, PageError> {
    let next = local_next(form.next.clone(), "/security");
    let factor = service::chosen(&state, &user.user().id).await?;
    let lang = page.lang;
    let mut errors = FormErrors::default();
    if form.password.is_empty() {
        errors.push(
            "password",
            lang.pick("Введите пароль.", "Enter your password."),
        );
    }
    if factor.is_some() && form.code.as_deref().is_none_or(|c| c.trim().is_empty()) {
        errors.push(
            "code",
            lang.pick(
                "Введите код подтверждения или код восстановления.",
                "Enter the confirmation code or a recovery code.",
            ),
        );
    }
    if errors.is_empty() {
        match service::confirm_session(
            &state,
            user.user(),
            &user.0.id,
            &form.password,
            form.code.as_deref(),
            &meta,
        )
        .await
        {
            Ok(()) => return Ok(Redirect::to(&next).into_response()),
            Err(SecurityError::WrongCode) => errors.push(
                "password",
                lang.pick(
                    "Пароль или код не подошли. Проверьте раскладку и попробуйте ещё раз.",
                    "The password or the code did not match. Check the keyboard layout and try again.",
                ),
            ),
            Err(e) => return Err(PageError::from(e)),
        }
    }
    let body = ConfirmPage {
        ru: ru(&page),
        next,
        factor: factor.map(Factor::as_str),
        sent: false,
        errors,
        passkeys: offers_passkey(&state, &user.user().id).await,
        page,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}

#[derive(Deserialize, Default)]
struct NextForm {
    next: Option<String>,
}

async fn confirm_send_sms(
    State(state): State<AppState>,
    user: SignedIn,
    Form(form): Form<NextForm>,
) -> Result<Response, PageError> {
    let next = local_next(form.next, "/security");
    match service::send_sms_code(&state, &user.user().id).await {
        Ok(()) | Err(SecurityError::Code(_)) => {}
        Err(e) => return Err(PageError::from(e)),
    }
    let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
    Ok(Redirect::to(&format!("/security/confirm?next={next}&sent=1")).into_response())
}

// --- The second step of signing in --------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "features/security/second_factor.html")]
struct ChallengePage {
    page: PageCtx,
    ru: bool,
    factor: &'static str,
    next: String,
    errors: FormErrors,
    passkeys: bool,
}

/// Whether to offer a passkey (the person has one and the server can check it).
async fn offers_passkey(state: &AppState, user_id: &str) -> bool {
    super::passkeys::has_any(state, user_id)
        .await
        .unwrap_or(false)
}

async fn challenge_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    page: PageCtx,
    Query(query): Query<NextForm>,
) -> Result<Response, PageError> {
    let held = match cookies::get(&headers, CHALLENGE_COOKIE) {
        Some(token) => service::held_sign_in(&state, &token).await?,
        None => None,
    };
    let Some((challenge, factor)) = held else {
        return Ok(Redirect::to("/login").into_response());
    };
    Ok(ChallengePage {
        ru: ru(&page),
        factor: factor.as_str(),
        next: local_next(query.next, "/"),
        errors: FormErrors::default(),
        passkeys: offers_passkey(&state, &challenge.user_id).await,
        page,
    }
    .into_response())
}

#[derive(Deserialize, Default)]
struct ChallengeForm {
    #[serde(default)]
    code: String,
    next: Option<String>,
}

async fn challenge_submit(
    State(state): State<AppState>,
    meta: RequestMeta,
    Extension(current): Extension<CurrentSession>,
    headers: HeaderMap,
    page: PageCtx,
    Form(form): Form<ChallengeForm>,
) -> Result<Response, PageError> {
    let next = local_next(form.next.clone(), "/");
    let Some(token) = cookies::get(&headers, CHALLENGE_COOKIE) else {
        return Ok(Redirect::to("/login").into_response());
    };
    let lang = page.lang;
    let outcome = if form.code.trim().is_empty() {
        Err(SecurityError::WrongCode)
    } else {
        service::complete_sign_in(&state, &token, &form.code, &meta).await
    };
    match outcome {
        Ok((user_id, method)) => {
            let replaces = current.0.as_ref().map(|s| s.id.clone());
            let session = open_session(&state, &user_id, &method, replaces.as_deref(), &meta)
                .await
                .map_err(PageError::internal)?;
            let mut response = signed_in_redirect(&state, &session, &next);
            response.headers_mut().append(
                header::SET_COOKIE,
                cookies::set(
                    CHALLENGE_COOKIE,
                    "",
                    Lifetime::Expire,
                    true,
                    state.config.is_https(),
                ),
            );
            Ok(response)
        }
        Err(SecurityError::ChallengeGone) | Err(SecurityError::TooManyTries) => {
            Ok(Redirect::to("/login?second_factor=expired").into_response())
        }
        Err(SecurityError::WrongCode) => {
            let held = service::held_sign_in(&state, &token).await?;
            let factor = held.as_ref().map(|(_, f)| f.as_str()).unwrap_or("totp");
            let passkeys = match &held {
                Some((challenge, _)) => offers_passkey(&state, &challenge.user_id).await,
                None => false,
            };
            let mut errors = FormErrors::default();
            errors.push(
                "code",
                lang.pick(
                    "Код не подошёл. Введите код, который показан сейчас, или один из кодов восстановления.",
                    "The code did not match. Type the code shown now, or one of your recovery codes.",
                ),
            );
            let body = ChallengePage {
                ru: ru(&page),
                factor,
                next,
                errors,
                passkeys,
                page,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(PageError::from(e)),
    }
}

async fn challenge_resend(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<NextForm>,
) -> Result<Response, PageError> {
    let Some(token) = cookies::get(&headers, CHALLENGE_COOKIE) else {
        return Ok(Redirect::to("/login").into_response());
    };
    if let Some((challenge, Factor::Sms)) = service::held_sign_in(&state, &token).await? {
        match service::send_sms_code(&state, &challenge.user_id).await {
            Ok(()) | Err(SecurityError::Code(_)) => {}
            Err(e) => return Err(PageError::from(e)),
        }
    }
    let next: String =
        form_urlencoded::byte_serialize(local_next(form.next, "/").as_bytes()).collect();
    Ok(Redirect::to(&format!("/login/second-factor?next={next}")).into_response())
}

/// "Stay signed in" from the inactivity warning: marks the session active now.
async fn keep_alive(State(state): State<AppState>, user: SignedIn) -> Result<Response, PageError> {
    store::sessions::touch(&state.db, &user.0.id, state.now()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
