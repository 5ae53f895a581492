//! Pages: sign in with an SMS code, forgotten password, and the request for a verifier.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Form};
use serde::Deserialize;

use super::pages::{code_message, continue_sign_in, texts};
use super::recovery::{self, LOGIN_PURPOSE, RECOVERY_PURPOSE, RecoveryRequestInput};
use super::service::AccountError;
use super::texts::{self as msgs, Texts};
use crate::state::AppState;
use crate::web::context::RequestMeta;
use crate::web::errors::PageError;
use crate::web::forms::{FieldIssue, FormErrors};
use crate::web::page::PageCtx;
use crate::web::routes::Routes;
use crate::web::session::CurrentSession;

pub fn pages() -> Routes {
    Routes::new()
        .attempt("/login/code", get(login_code_form).post(login_code_submit))
        .attempt(
            "/login/code/{challenge}",
            get(login_code_check_form).post(login_code_check),
        )
        .attempt("/recover", get(recover_form).post(recover_submit))
        .attempt("/recover/request", get(request_form).post(request_submit))
        .route(
            "/recover/{challenge}",
            get(recover_code_form).post(recover_code_submit),
        )
}

#[derive(Deserialize, Default)]
struct ContactForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    contact: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/accounts/login_code.html")]
struct LoginCodePage {
    page: PageCtx,
    t: &'static Texts,
    phone: String,
    errors: FormErrors,
}

async fn login_code_form(page: PageCtx) -> LoginCodePage {
    LoginCodePage {
        t: texts(page.lang),
        page,
        phone: String::new(),
        errors: FormErrors::default(),
    }
}

async fn login_code_submit(
    State(state): State<AppState>,
    meta: RequestMeta,
    page: PageCtx,
    Form(form): Form<ContactForm>,
) -> Result<Response, PageError> {
    match recovery::start_login_code(&state, &form.phone, &meta).await {
        Ok(challenge) => Ok(Redirect::to(&format!("/login/code/{challenge}")).into_response()),
        Err(AccountError::Invalid(issues)) => Ok(login_code_again(page, form.phone, &issues)),
        Err(AccountError::Code(err)) => {
            let issues = [FieldIssue::new("phone", "rate_limited", code_message(&err))];
            Ok(login_code_again(page, form.phone, &issues))
        }
        Err(e) => Err(PageError::from(e)),
    }
}

fn login_code_again(page: PageCtx, phone: String, issues: &[FieldIssue]) -> Response {
    let body = LoginCodePage {
        t: texts(page.lang),
        errors: FormErrors::from_issues(issues, page.lang),
        phone,
        page,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, body).into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "features/accounts/challenge.html")]
struct ChallengePage {
    page: PageCtx,
    t: &'static Texts,
    title: &'static str,
    action: String,
    destination: String,
    code_label: &'static str,
    with_password: bool,
    code: String,
    errors: FormErrors,
}

fn challenge_page(
    page: PageCtx,
    purpose: &str,
    challenge: &str,
    destination: String,
    code: String,
    errors: FormErrors,
) -> ChallengePage {
    let t = texts(page.lang);
    let recovery = purpose == RECOVERY_PURPOSE;
    ChallengePage {
        title: if recovery {
            t.recover_code_title
        } else {
            t.login_code_title
        },
        action: if recovery {
            format!("/recover/{challenge}")
        } else {
            format!("/login/code/{challenge}")
        },
        code_label: if recovery { t.recovery_code } else { t.code },
        with_password: recovery,
        t,
        destination,
        code,
        errors,
        page,
    }
}

async fn show_challenge(
    state: &AppState,
    page: PageCtx,
    purpose: &str,
    challenge: &str,
) -> Result<Response, PageError> {
    let destination = recovery::challenge_destination(state, challenge, purpose)
        .await?
        .ok_or(PageError::NotFound)?;
    Ok(challenge_page(
        page,
        purpose,
        challenge,
        destination,
        String::new(),
        FormErrors::default(),
    )
    .into_response())
}

async fn login_code_check_form(
    State(state): State<AppState>,
    Path(challenge): Path<String>,
    page: PageCtx,
) -> Result<Response, PageError> {
    show_challenge(&state, page, LOGIN_PURPOSE, &challenge).await
}

#[derive(Deserialize, Default)]
struct ChallengeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

async fn challenge_again(
    state: &AppState,
    page: PageCtx,
    purpose: &str,
    challenge: &str,
    code: String,
    issues: &[FieldIssue],
) -> Result<Response, PageError> {
    let destination = recovery::challenge_destination(state, challenge, purpose)
        .await?
        .unwrap_or_default();
    let errors = FormErrors::from_issues(issues, page.lang);
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        challenge_page(page, purpose, challenge, destination, code, errors),
    )
        .into_response())
}

async fn login_code_check(
    State(state): State<AppState>,
    meta: RequestMeta,
    Extension(current): Extension<CurrentSession>,
    Path(challenge): Path<String>,
    page: PageCtx,
    Form(form): Form<ChallengeForm>,
) -> Result<Response, PageError> {
    match recovery::finish_login_code(&state, &challenge, &form.code, &meta).await {
        Ok(user_id) => continue_sign_in(&state, &current, &user_id, "sms_code", &meta, "/").await,
        Err(AccountError::Code(err)) => {
            let issues = [FieldIssue::new("code", "wrong_code", code_message(&err))];
            challenge_again(
                &state,
                page,
                LOGIN_PURPOSE,
                &challenge,
                String::new(),
                &issues,
            )
            .await
        }
        Err(AccountError::LoginFailed) => {
            let issues = [FieldIssue::new("code", "login_failed", msgs::LOGIN_FAILED)];
            challenge_again(
                &state,
                page,
                LOGIN_PURPOSE,
                &challenge,
                String::new(),
                &issues,
            )
            .await
        }
        Err(e) => Err(PageError::from(e)),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "features/accounts/recover.html")]
struct RecoverPage {
    page: PageCtx,
    t: &'static Texts,
    contact: String,
    errors: FormErrors,
}

async fn recover_form(page: PageCtx) -> RecoverPage {
    RecoverPage {
        t: texts(page.lang),
        page,
        contact: String::new(),
        errors: FormErrors::default(),
    }
}

async fn recover_submit(
    State(state): State<AppState>,
    meta: RequestMeta,
    page: PageCtx,
    Form(form): Form<ContactForm>,
) -> Result<Response, PageError> {
    let issues = match recovery::start_recovery(&state, &form.contact, &meta).await {
        Ok(challenge) => return Ok(Redirect::to(&format!("/recover/{challenge}")).into_response()),
        Err(AccountError::Invalid(issues)) => issues,
        Err(AccountError::Code(err)) => vec![FieldIssue::new(
            "contact",
            "rate_limited",
            code_message(&err),
        )],
        Err(e) => return Err(PageError::from(e)),
    };
    let body = RecoverPage {
        t: texts(page.lang),
        errors: FormErrors::from_issues(&issues, page.lang),
        contact: form.contact,
        page,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}

async fn recover_code_form(
    State(state): State<AppState>,
    Path(challenge): Path<String>,
    page: PageCtx,
) -> Result<Response, PageError> {
    show_challenge(&state, page, RECOVERY_PURPOSE, &challenge).await
}

async fn recover_code_submit(
    State(state): State<AppState>,
    meta: RequestMeta,
    Path(challenge): Path<String>,
    page: PageCtx,
    Form(form): Form<ChallengeForm>,
) -> Result<Response, PageError> {
    match recovery::finish_recovery(
        &state,
        &challenge,
        &form.code,
        &form.password,
        &form.password_confirm,
        &meta,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to("/login?recovered=1").into_response()),
        Err(AccountError::Code(err)) => {
            let issues = [FieldIssue::new("code", "wrong_code", code_message(&err))];
            challenge_again(
                &state,
                page,
                RECOVERY_PURPOSE,
                &challenge,
                String::new(),
                &issues,
            )
            .await
        }
        // The code was right: keep it typed so that only the password needs fixing.
        Err(AccountError::Invalid(issues)) => {
            challenge_again(
                &state,
                page,
                RECOVERY_PURPOSE,
                &challenge,
                form.code,
                &issues,
            )
            .await
        }
        Err(e) => Err(PageError::from(e)),
    }
}

#[derive(Deserialize, Default)]
struct RequestForm {
    #[serde(default)]
    surname: String,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    patronymic: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    passport_series: String,
    #[serde(default)]
    passport_number: String,
    #[serde(default)]
    snils: String,
    #[serde(default)]
    contact: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/accounts/recovery_request.html")]
struct RequestPage {
    page: PageCtx,
    t: &'static Texts,
    form: RequestForm,
    errors: FormErrors,
    filed: bool,
}

async fn request_form(page: PageCtx) -> RequestPage {
    RequestPage {
        t: texts(page.lang),
        page,
        form: RequestForm::default(),
        errors: FormErrors::default(),
        filed: false,
    }
}

async fn request_submit(
    State(state): State<AppState>,
    meta: RequestMeta,
    page: PageCtx,
    Form(form): Form<RequestForm>,
) -> Result<Response, PageError> {
    let input = RecoveryRequestInput {
        surname: form.surname.clone(),
        given_name: form.given_name.clone(),
        patronymic: form.patronymic.clone(),
        birth_date: form.birth_date.clone(),
        passport_series: form.passport_series.clone(),
        passport_number: form.passport_number.clone(),
        snils: form.snils.clone(),
        contact: form.contact.clone(),
    };
    let (status, errors, filed, form) =
        match recovery::file_recovery_request(&state, &input, &meta).await {
            Ok(_) => (
                StatusCode::OK,
                FormErrors::default(),
                true,
                RequestForm::default(),
            ),
            Err(AccountError::Invalid(issues)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                FormErrors::from_issues(&issues, page.lang),
                false,
                form,
            ),
            Err(e) => return Err(PageError::from(e)),
        };
    let body = RequestPage {
        t: texts(page.lang),
        form,
        errors,
        filed,
        page,
    };
    Ok((status, body).into_response())
}
