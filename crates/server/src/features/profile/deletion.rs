//! Withdrawing consent and deleting the account (152-FZ, art. 9 and 21). The person confirms who
//! they are and asks; consents are withdrawn, every session and API key ends, and the account
//! waits [`GRACE_DAYS`] days, in which signing in and pressing «Отменить удаление» keeps it. Then
//! the hourly erase job removes every row about the person and their stored files; the audit
//! log keeps its records and a tombstone (`account.erased`: when, how many documents).

use crate::web::json::JsonBody;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use store::StoreError;
use store::audit::Action;
use store::audit::{self, Actor, Entry};
use store::users::UserSummary;

use crate::features::accounts::pages::signed_out_redirect;
use crate::features::notifications::announcement::Announcement;
use crate::features::security::pages::needs_confirmation;
use crate::features::security::service::{Confirming, SecurityError, confirm};
use crate::local_time;
use crate::state::AppState;
use crate::web::auth::ApiUser;
use crate::web::auth::SignedIn;
use crate::web::context::RequestMeta;
use crate::web::errors::PageError;
use crate::web::errors::{ApiError, ErrorBody};
use crate::web::forms::FormErrors;
use crate::web::i18n::{Lang, Msg};
use crate::web::page::PageCtx;
use crate::web::routes::Routes;
use axum::Json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Days between the request and the erasure, in which the person can change their mind.
pub const GRACE_DAYS: i64 = 30;

/// Kind of the hourly job that erases the accounts whose grace period is over.
pub const ERASE_JOB: &str = "accounts.erase";

pub fn pages() -> Routes {
    Routes::new()
        .route("/profile/delete", get(form).post(submit))
        .route("/profile/delete/cancel", post(cancel_submit))
}

pub fn api() -> OpenApiRouter<AppState> {
    // Asking to delete the account takes the password: a guess like any other.
    OpenApiRouter::new().routes(crate::web::routes::attempt(routes!(
        get_deletion,
        post_deletion,
        delete_deletion
    )))
}

// --- Service ----------------------------------------------------------------------------------

/// Schedules the erasure: consents withdrawn, sessions and API keys ended, the person told on
/// their channels — one transaction with its audit record. Returns the erasure instant (the
/// existing one when the account already waits).
pub async fn request(
    state: &AppState,
    user: &UserSummary,
    session_id: Option<&str>,
    meta: &RequestMeta,
) -> Result<Timestamp, StoreError> {
    let now = state.now();
    let due = now
        .checked_add(SignedDuration::from_hours(24 * GRACE_DAYS))
        .unwrap_or(now);
    let mut tx = state.db.begin().await?;
    if !store::erasure::schedule(&mut tx, &user.id, now, due).await? {
        // Asked again after signing in meanwhile: the erasure keeps its date, and the sessions
        // and keys end again, as the first time.
        store::sessions::delete_all_for_user(&mut tx, &user.id, None).await?;
        store::tokens::revoke_all(&mut tx, &user.id, now).await?;
        tx.commit().await?;
        return Ok(user.deletion_due.unwrap_or(due));
    }
    let consents = store::consents::withdraw_all(&mut tx, &user.id, now).await?;
    let sessions = store::sessions::delete_all_for_user(&mut tx, &user.id, None).await?;
    let tokens = store::tokens::revoke_all(&mut tx, &user.id, now).await?;
    let entry = Entry::new(Actor::of(user), Action::AccountDeletionRequested)
        .object("user", &user.id)
        .subject(&user.id)
        .from_request(meta.ip.clone(), session_id.map(str::to_owned))
        .details(serde_json::json!({
            "due": due.to_string(), "consents_withdrawn": consents,
            "sessions_ended": sessions, "tokens_revoked": tokens,
        }));
    audit::append(&mut tx, &entry, now).await?;
    let day = local_time::shown(due, &user.time_zone);
    Announcement {
        what: "deletion_requested",
        title: (
            "Учётная запись будет удалена",
            "Your account will be deleted",
        ),
        body: (
            format!(
                "Вы отозвали согласие на обработку персональных данных. {day} мы удалим учётную запись, документы и файлы. До этого срока войдите в кабинет и нажмите «Отменить удаление», если передумали или если это были не вы."
            ),
            format!(
                "You withdrew your consent to personal data processing. On {day} we will delete the account, its documents and files. Until then, sign in and press “Cancel deletion” if you changed your mind or this was not you."
            ),
        ),
        link: "/profile/delete",
    }
    .send(&mut tx, state, &user.id, now)
    .await?;
    state.commit_and_wake(tx).await?;
    Ok(due)
}

/// Keeps the account: off the erasure list, the consents withdrawn with the request given
/// again. False when nothing was scheduled.
pub async fn cancel(
    state: &AppState,
    user: &UserSummary,
    session_id: Option<&str>,
    meta: &RequestMeta,
) -> Result<bool, StoreError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let Some(requested) = store::erasure::cancel(&mut tx, state.db.dialect(), &user.id).await?
    else {
        return Ok(false);
    };
    let consents = store::consents::renew_withdrawn_at(&mut tx, &user.id, requested, now).await?;
    let entry = Entry::new(Actor::of(user), Action::AccountDeletionCancelled)
        .object("user", &user.id)
        .subject(&user.id)
        .from_request(meta.ip.clone(), session_id.map(str::to_owned))
        .details(serde_json::json!({ "consents_renewed": consents }));
    audit::append(&mut tx, &entry, now).await?;
    Announcement {
        what: "deletion_cancelled",
        title: (
            "Удаление учётной записи отменено",
            "Account deletion cancelled",
        ),
        body: (
            "Учётная запись остаётся, согласия на обработку данных снова действуют.".to_owned(),
            "Your account stays; your consents apply again.".to_owned(),
        ),
        link: "/profile",
    }
    .send(&mut tx, state, &user.id, now)
    .await?;
    state.commit_and_wake(tx).await?;
    Ok(true)
}

/// Erases the accounts whose grace period is over: rows and tombstone in one transaction per
/// account, then the stored files (a file that cannot be removed now is left to the orphan
/// sweep, which removes objects without a row).
pub async fn erase_due(state: &AppState) -> Result<usize, StoreError> {
    let now = state.now();
    let mut erased = 0;
    for user_id in store::erasure::due(&state.db, now, 100).await? {
        let mut tx = state.db.begin().await?;
        let Some(gone) = store::erasure::purge(&mut tx, state.db.dialect(), &user_id, now).await?
        else {
            continue; // cancelled meanwhile
        };
        let entry = Entry::new(Actor::System, Action::AccountErased)
            .object("user", &user_id)
            .subject(&user_id)
            .details(serde_json::json!({
                "documents": gone.documents, "files": gone.object_keys.len(),
            }));
        audit::append(&mut tx, &entry, now).await?;
        tx.commit().await?;
        erased += 1;
        for key in &gone.object_keys {
            if let Err(e) = state.vault.delete(key).await {
                tracing::warn!(error = %e, object = %key, "erased account's object not removed; the orphan sweep will");
            }
        }
    }
    Ok(erased)
}

// --- Pages ------------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "features/profile/deletion.html")]
struct DeletionPage {
    page: PageCtx,
    ru: bool,
    /// The erasure day when the account already waits for it.
    due: Option<String>,
    errors: FormErrors,
}

fn page_of(page: PageCtx, user: &UserSummary, errors: FormErrors) -> DeletionPage {
    DeletionPage {
        ru: page.lang == Lang::Ru,
        due: user
            .deletion_due
            .map(|d| local_time::shown(d, &user.time_zone)),
        errors,
        page,
    }
}

async fn form(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
) -> Result<Response, PageError> {
    if user.user().deletion_due.is_none()
        && let Some(confirm) = needs_confirmation(&state, &user, "/profile/delete")
    {
        return Ok(confirm);
    }
    Ok(page_of(page, user.user(), FormErrors::default()).into_response())
}

#[derive(Deserialize, Default)]
struct DeletionForm {
    understood: Option<String>,
}

const NOT_UNDERSTOOD: Msg = Msg::new(
    "Отметьте, что понимаете: документы и файлы будут удалены без возможности восстановления.",
    "Tick the box to show you understand that the documents and files will be deleted for good.",
);

async fn submit(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Form(form): Form<DeletionForm>,
) -> Result<Response, PageError> {
    if let Some(confirm) = needs_confirmation(&state, &user, "/profile/delete") {
        return Ok(confirm);
    }
    if form.understood.as_deref() != Some("yes") {
        let errors = FormErrors::one("understood", NOT_UNDERSTOOD, page.lang);
        let body = page_of(page, user.user(), errors);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    }
    request(&state, user.user(), Some(&user.0.id), &meta).await?;
    Ok(signed_out_redirect(&state, "/login?deletion=scheduled"))
}

async fn cancel_submit(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
) -> Result<Response, PageError> {
    cancel(&state, user.user(), Some(&user.0.id), &meta).await?;
    Ok(Redirect::to("/profile?deletion_cancelled=1").into_response())
}

// --- API --------------------------------------------------------------------------------------

/// Whether the account waits for its erasure.
#[derive(Serialize, ToSchema)]
pub struct DeletionView {
    pub requested: bool,
    /// When the account and everything in it will be erased (RFC 3339), if requested.
    pub due: Option<String>,
}

/// The request: the password (and the second factor's code when it is on) prove it is the
/// person; `understood` says they know the documents and files go for good.
#[derive(Deserialize, ToSchema)]
pub struct DeletionRequest {
    pub password: String,
    /// A code from the authenticator app or SMS, or a recovery code; required when the second
    /// factor is on.
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub understood: bool,
}

const WRONG_PROOF: Msg = Msg::new(
    "Неверный пароль или код подтверждения.",
    "Wrong password or confirmation code.",
);
const NOT_SCHEDULED: Msg = Msg::new(
    "Удаление учётной записи не запрошено.",
    "Account deletion has not been requested.",
);

/// Whether deletion was requested, and when the erasure is due.
#[utoipa::path(get, path = "/api/v1/profile/deletion", tag = "profile", security(("bearer" = [])),
    responses((status = 200, description = "The state of the request", body = DeletionView), (status = 401, description = "No valid token", body = ErrorBody)))]
async fn get_deletion(user: ApiUser) -> Json<DeletionView> {
    Json(DeletionView {
        requested: user.user.deletion_due.is_some(),
        due: user.user.deletion_due.map(|d| d.to_string()),
    })
}

/// Withdraws consent and asks to delete the account (152-FZ): every session and API key ends —
/// this one too — and the account is erased after the grace period unless the person signs in
/// again and cancels.
#[utoipa::path(post, path = "/api/v1/profile/deletion", tag = "profile", security(("bearer" = [])), request_body = DeletionRequest,
    responses((status = 202, description = "Scheduled; the token no longer works", body = DeletionView), (status = 401, description = "No valid token, or a wrong password or code", body = ErrorBody), (status = 422, description = "Not marked as understood", body = ErrorBody), (status = 429, description = "Too many attempts", body = ErrorBody)))]
async fn post_deletion(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: ApiUser,
    JsonBody(body): JsonBody<DeletionRequest>,
) -> Result<(StatusCode, Json<DeletionView>), ApiError> {
    if !body.understood {
        return Err(ApiError::invalid_input().field("understood", "required", NOT_UNDERSTOOD));
    }
    match confirm(
        &state,
        &user.user,
        Confirming::Token(&user.token_id),
        &body.password,
        body.code.as_deref(),
        &meta,
    )
    .await
    {
        Ok(()) => {}
        Err(SecurityError::WrongCode | SecurityError::TooManyTries) => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "wrong_password_or_code",
                WRONG_PROOF,
            ));
        }
        Err(e) => return Err(ApiError::internal(e)),
    }
    let due = request(&state, &user.user, None, &meta).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(DeletionView {
            requested: true,
            due: Some(due.to_string()),
        }),
    ))
}

/// Keeps the account: the erasure is called off and the withdrawn consents apply again.
#[utoipa::path(delete, path = "/api/v1/profile/deletion", tag = "profile", security(("bearer" = [])),
    responses((status = 204, description = "Cancelled"), (status = 401, description = "No valid token", body = ErrorBody), (status = 404, description = "Nothing was requested", body = ErrorBody)))]
async fn delete_deletion(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: ApiUser,
) -> Result<StatusCode, ApiError> {
    if cancel(&state, &user.user, None, &meta).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_requested",
            NOT_SCHEDULED,
        ))
    }
}

#[cfg(test)]
mod grace_tests {
    use super::GRACE_DAYS;
    use crate::features::accounts::texts::{EN, RU};

    /// The notice after a deletion request names the grace period the erasure job keeps.
    #[test]
    fn the_deletion_notice_names_the_grace_period() {
        let days = GRACE_DAYS.to_string();
        for t in [&RU, &EN] {
            assert!(
                t.deletion_scheduled.contains(&days),
                "{}",
                t.deletion_scheduled
            );
        }
    }
}
