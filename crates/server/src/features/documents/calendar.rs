//! The private calendar feed of document deadlines: one all-day event per deadline of the
//! registry, with a reminder a week before, at a secret address the person turns on, renews or
//! revokes in the notification settings.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::service::{registry, status_label};
use crate::ics::{Event, ics};
use crate::keys;
use crate::state::AppState;
use crate::web::errors::PageError;
use crate::web::i18n::Lang;

/// `GET /calendar/{token}/deadlines.ics`: no session, the secret is the key. An unknown or revoked
/// secret is "not found", like any other address.
pub async fn feed(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    if token.len() > 100 {
        return Err(PageError::NotFound);
    }
    let Some(user_id) =
        store::notifications::feed_owner(&state.db, &keys::token_hash(&token)).await?
    else {
        return Err(PageError::NotFound);
    };
    let profile = store::users::profile(&state.db, &user_id)
        .await?
        .ok_or(PageError::NotFound)?;
    let lang = Lang::from_code(&profile.locale).unwrap_or_default();
    let owner = store::users::summary(&state.db, &user_id)
        .await?
        .ok_or(PageError::NotFound)?;
    let registry = registry(&state, &owner).await?;
    let items = &registry.assessed;
    let base = state.config.public_base();
    let events: Vec<Event> = items
        .iter()
        .filter_map(|a| {
            let day = a.assessment.deadline?;
            let title = &a.doc.data.title;
            let status = status_label(a.assessment.status, lang);
            let (summary, description) = match lang {
                Lang::Ru => (
                    format!("Срок документа: {title}"),
                    format!("{title}: {status}. Что делать — в кабинете."),
                ),
                Lang::En => (
                    format!("Document deadline: {title}"),
                    format!("{title}: {status}. What to do is in the cabinet."),
                ),
            };
            Some(Event {
                uid: format!("{}-{}@kabinet", a.doc.id, day),
                day,
                summary,
                description,
                url: format!("{base}/documents/{}", a.doc.id),
            })
        })
        .collect();
    let name = match lang {
        Lang::Ru => "Кабинет: сроки документов",
        Lang::En => "Kabinet: document deadlines",
    };
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=900"),
        ],
        ics(name, &events, state.now()),
    )
        .into_response())
}
