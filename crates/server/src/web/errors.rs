//! Errors of the web layer, mapped to HTTP once.
//!
//! * [`PageError`]: a page could not be shown; answered with an error page in the visitor's
//!   language that names the request id (so a citizen can quote it to support).
//! * [`ApiError`]: the JSON API's one error shape `{"error":{"code","message","fields"}}`.
//! * [`finish`]: errors made by the framework itself (unknown route, wrong method, oversized or
//!   malformed body, timeout, panic) come as bare text; this middleware answers them in the same
//!   two shapes, JSON when the client asked for JSON or called the API, a page otherwise.
//!
//! Internal causes are logged, never shown.

use askama::Template;
use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::context::{current_lang, current_request_id};
use super::i18n::{Lang, Msg, Text};
use super::page::PageCtx;

/// Why a page could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("CSRF check failed")]
    CsrfRejected,
    #[error("request body too large")]
    PayloadTooLarge,
    /// A link or step that no longer works, with what to do instead.
    #[error("gone")]
    Gone(Msg),
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A fault of ours; the cause keeps its chain for the log and never reaches the page.
    #[error("internal error: {0}")]
    Internal(Cause),
}

/// What went wrong inside, with the errors that caused it.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

/// An error and its causes, outermost first ("cannot store the file: connection reset"); a cause
/// whose words its wrapper already says is not repeated.
pub fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut next = err.source();
    while let Some(cause) = next {
        let words = cause.to_string();
        if !out.contains(&words) {
            out.push_str(": ");
            out.push_str(&words);
        }
        next = cause.source();
    }
    out
}

impl From<store::StoreError> for PageError {
    fn from(err: store::StoreError) -> Self {
        match err {
            store::StoreError::Database(sqlx_err)
                if matches!(sqlx_err, sqlx::Error::PoolTimedOut | sqlx::Error::Io(_)) =>
            {
                PageError::Unavailable(sqlx_err.to_string())
            }
            other => PageError::internal(other),
        }
    }
}

impl PageError {
    /// A fault of ours, from any error (its chain is logged) or words.
    pub fn internal(cause: impl Into<Cause>) -> Self {
        PageError::Internal(cause.into())
    }

    fn status(&self) -> StatusCode {
        match self {
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::Forbidden | PageError::CsrfRejected => StatusCode::FORBIDDEN,
            PageError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            PageError::Gone(_) => StatusCode::GONE,
            PageError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            PageError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match &self {
            PageError::Internal(cause) => {
                tracing::error!(cause = %chain(cause.as_ref()), "page failed")
            }
            PageError::Unavailable(cause) => tracing::warn!(cause = %cause, "page unavailable"),
            _ => {}
        }
        let text = match self {
            PageError::CsrfRejected => CSRF_TEXT,
            PageError::Gone(body) => ErrorText {
                title: Msg::new("Ссылка недействительна", "The link no longer works"),
                body,
            },
            _ => error_text(self.status()),
        };
        error_page(self.status(), text, None)
    }
}

/// One field's problem, for forms in the API.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    /// The field's name as sent.
    pub field: String,
    /// A stable code for programs, e.g. `required`, `too_long`, `check_digit`.
    pub code: String,
    /// The message for people, in the request's language.
    pub message: String,
}

/// The API's error body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable code for programs, e.g. `not_found`, `invalid_input`.
    pub code: String,
    /// The message for people, in the request's language (Russian unless asked otherwise).
    pub message: String,
    pub fields: Vec<FieldError>,
}

/// An error of the JSON API.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: Msg,
    pub detail: Option<String>,
    pub fields: Vec<(String, &'static str, Text)>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: Msg) -> Self {
        Self {
            status,
            code,
            message,
            detail: None,
            fields: Vec::new(),
        }
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            error_text(StatusCode::NOT_FOUND).title,
        )
    }

    pub fn internal(cause: impl Into<Cause>) -> Self {
        let cause: Cause = cause.into();
        tracing::error!(cause = %chain(cause.as_ref()), "API request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            error_text(StatusCode::INTERNAL_SERVER_ERROR).body,
        )
    }

    /// 422 «Проверьте введённые данные»; the fields at fault are added with [`ApiError::field`].
    pub fn invalid_input() -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            Msg::new("Проверьте введённые данные", "Check the data you entered"),
        )
    }

    /// 422 with each field's problem: a service's validation in the API's shape.
    pub fn invalid_fields(issues: &[crate::web::forms::FieldIssue]) -> Self {
        let mut err = Self::invalid_input();
        for issue in issues {
            err = err.field(issue.field, issue.code, issue.message);
        }
        err
    }

    pub fn field(mut self, name: &str, code: &'static str, message: Msg) -> Self {
        self.fields.push((name.to_owned(), code, message.into()));
        self
    }

    pub fn field_text(mut self, name: &str, code: &'static str, message: Text) -> Self {
        self.fields.push((name.to_owned(), code, message));
        self
    }

    fn body(&self, lang: Lang) -> ErrorBody {
        let mut message = self.message.get(lang).to_owned();
        if let Some(detail) = &self.detail {
            message.push_str(": ");
            message.push_str(detail);
        }
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message,
                fields: self
                    .fields
                    .iter()
                    .map(|(field, code, msg)| FieldError {
                        field: field.clone(),
                        code: (*code).to_owned(),
                        message: msg.get(lang).to_owned(),
                    })
                    .collect(),
            },
        }
    }
}

impl From<store::StoreError> for ApiError {
    fn from(err: store::StoreError) -> Self {
        ApiError::internal(err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body(current_lang());
        (self.status, Json(body)).into_response()
    }
}

/// Title and explanation of an error page.
#[derive(Debug, Clone, Copy)]
pub struct ErrorText {
    pub title: Msg,
    pub body: Msg,
}

const CSRF_TEXT: ErrorText = ErrorText {
    title: Msg::new("Форма устарела", "The form has expired"),
    body: Msg::new(
        "Мы не приняли отправку формы, потому что не смогли убедиться, что её отправили вы. Вернитесь назад, обновите страницу и отправьте форму ещё раз.",
        "We did not accept the form because we could not confirm that you sent it. Go back, reload the page and send the form again.",
    ),
};

/// What to tell a person about an HTTP error status.
pub fn error_text(status: StatusCode) -> ErrorText {
    let (title, body) = match status.as_u16() {
        400 | 422 => (
            Msg::new("Некорректный запрос", "Bad request"),
            Msg::new(
                "Запрос не удалось разобрать. Проверьте введённые данные и попробуйте ещё раз.",
                "The request could not be understood. Check what you entered and try again.",
            ),
        ),
        401 => (
            Msg::new("Нужно войти", "Sign-in required"),
            Msg::new(
                "Войдите в кабинет, чтобы продолжить.",
                "Sign in to continue.",
            ),
        ),
        403 => (
            Msg::new("Доступ запрещён", "Access denied"),
            Msg::new(
                "У вас нет прав на это действие.",
                "You are not allowed to do this.",
            ),
        ),
        404 => (
            Msg::new("Страница не найдена", "Page not found"),
            Msg::new(
                "Такой страницы нет. Возможно, ссылка устарела или в адресе опечатка.",
                "There is no such page. The link may be out of date or the address mistyped.",
            ),
        ),
        405 => (
            Msg::new("Метод не поддерживается", "Method not allowed"),
            Msg::new(
                "Этот адрес не принимает такой запрос.",
                "This address does not accept this kind of request.",
            ),
        ),
        408 => (
            Msg::new("Время ожидания истекло", "Request timed out"),
            Msg::new(
                "Запрос выполнялся слишком долго. Попробуйте ещё раз.",
                "The request took too long. Please try again.",
            ),
        ),
        413 => (
            Msg::new("Слишком большой запрос", "Request too large"),
            Msg::new(
                "Отправленные данные превышают допустимый размер. Уменьшите файл или текст и попробуйте снова.",
                "What you sent is larger than allowed. Make the file or text smaller and try again.",
            ),
        ),
        415 => (
            Msg::new("Неподдерживаемый формат", "Unsupported format"),
            Msg::new(
                "Данные отправлены в формате, который этот адрес не принимает.",
                "The data was sent in a format this address does not accept.",
            ),
        ),
        429 => (
            Msg::new("Слишком много запросов", "Too many requests"),
            Msg::new(
                "Подождите немного и попробуйте снова.",
                "Wait a little and try again.",
            ),
        ),
        503 => (
            Msg::new(
                "Сервис временно недоступен",
                "Service temporarily unavailable",
            ),
            Msg::new(
                "Мы уже знаем о проблеме. Попробуйте через несколько минут.",
                "We know about the problem. Please try again in a few minutes.",
            ),
        ),
        s if s >= 500 => (
            Msg::new("Внутренняя ошибка", "Internal error"),
            Msg::new(
                "Что-то пошло не так на нашей стороне. Ваши данные не потеряны; попробуйте ещё раз. Если ошибка повторится, сообщите в поддержку номер запроса.",
                "Something went wrong on our side. Your data is not lost; try again. If it happens again, give support the request number.",
            ),
        ),
        _ => (
            Msg::new("Запрос не выполнен", "Request failed"),
            Msg::new(
                "Проверьте данные и попробуйте ещё раз.",
                "Check your data and try again.",
            ),
        ),
    };
    ErrorText { title, body }
}

pub fn error_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "invalid_input",
        429 => "too_many_requests",
        503 => "unavailable",
        s if s >= 500 => "internal",
        _ => "error",
    }
}

#[derive(Template)]
#[template(path = "web/error.html")]
struct ErrorPage {
    page: PageCtx,
    status: u16,
    title: &'static str,
    body: &'static str,
}

/// An error page in the current request's language.
pub fn error_page(status: StatusCode, text: ErrorText, _detail: Option<String>) -> Response {
    let lang = current_lang();
    let page = ErrorPage {
        page: PageCtx::bare(lang, current_request_id()),
        status: status.as_u16(),
        title: text.title.get(lang),
        body: text.body.get(lang),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "error page failed to render");
            (status, text.title.get(lang)).into_response()
        }
    }
}

fn wants_json(path: &str, headers: &HeaderMap) -> bool {
    if path.starts_with("/api/") {
        return true;
    }
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    accept.contains("application/json") && !accept.contains("text/html")
}

/// Gives framework-made errors (plain text or empty bodies) our page or JSON shape, keeping the
/// status and headers such as `Allow` and `Retry-After`.
pub async fn finish(req: Request, next: Next) -> Response {
    let json = wants_json(req.uri().path(), req.headers());
    let response = next.run(req).await;
    let status = response.status();
    if status.as_u16() < 400 {
        return response;
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type.starts_with("text/html") || content_type.starts_with("application/json") {
        return response;
    }
    let (parts, body) = response.into_parts();
    // Rejections explain themselves in English ("missing field `x`"); API clients get that.
    let detail = if json && matches!(status.as_u16(), 400 | 415 | 422) {
        axum::body::to_bytes(body, 2048)
            .await
            .ok()
            .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
            .filter(|s| !s.is_empty())
    } else {
        None
    };
    let mut rebuilt = if json {
        let text = error_text(status);
        let mut err = ApiError::new(status, error_code(status), text.title);
        err.detail = detail;
        err.into_response()
    } else {
        error_page(status, error_text(status), None)
    };
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(value) = parts.headers.get(&name) {
            rebuilt.headers_mut().insert(name, value.clone());
        }
    }
    rebuilt
}

/// The response to a panic inside a handler: logged, then answered like any internal error.
pub fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    response
}
